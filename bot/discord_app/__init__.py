"""The Discord front end: a thin adapter from discord.py events to the advisor core.

Nothing here words an answer or looks up a figure: cogs turn a command or message into
a core Request and turn the core's Reply into embeds.
"""
