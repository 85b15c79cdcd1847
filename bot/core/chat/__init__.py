"""Conversational answers: free-form questions in chat, with follow-ups.

The pipeline (all plain Python, no Discord, no network):

- ``normalize``: input hygiene (markup, mentions, links, Unicode, length).
- ``catalog``: the words of one knowledge view (roles, skills, steps, metros).
- ``intents``: what a message asks and about which roles.
- ``memory``: per (server, channel, user) memory with a TTL.
- ``planner``: the decision, combining the message with memory.
- ``answers``: figures from the knowledge models, wording from templates/chat/*.j2.
- ``faq``: FTS5 search over FAQ entries with a confidence bar.
- ``engine``: ``ChatEngine``, the Advisor's chat handler.
"""

from bot.core.chat.engine import ChatEngine
from bot.core.chat.memory import ConversationMemory

__all__ = ["ChatEngine", "ConversationMemory"]
