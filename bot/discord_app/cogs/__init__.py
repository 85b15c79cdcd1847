"""Extensions loaded by the bot, one area each (python-discord/bot style)."""
