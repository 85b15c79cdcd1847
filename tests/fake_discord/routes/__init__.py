"""The fake's REST handlers by area; :mod:`..rest` routes requests to them."""

from .commands import CommandRoutes
from .guilds import GuildRoutes
from .login import LoginRoutes
from .messages import MessageRoutes

__all__ = ["CommandRoutes", "GuildRoutes", "LoginRoutes", "MessageRoutes"]
