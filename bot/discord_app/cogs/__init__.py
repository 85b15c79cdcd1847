"""Extensions loaded by the bot, one area each (python-discord/bot style).

``advice`` (the advice commands), ``moderation`` (``kb`` and ``config``), ``conversation``
(plain questions) and ``about`` (``/about``); ``bot.discord_app.client.EXTENSIONS`` lists
them in load order.
"""
