"""A server's settings as its managers change them: the command prefix, answering
unasked questions, moderator roles, Q&A channels and the knowledge-gap log (``config ...``)."""

from __future__ import annotations

from bot.core.moderation.context import Context
from bot.core.moderation.values import prefix_value, snowflake, switch_value
from bot.core.reply import Reply
from bot.knowledge.actions import (
    Action,
    ModRole,
    QaChannel,
    SetGapRetention,
    SetGaps,
    SetPrefix,
    SetUnasked,
)
from bot.knowledge.edits import Drafted
from bot.knowledge.permissions import Actor


class ServerSettings:
    """``config show``, ``prefix``, ``unasked``, ``modrole``, ``channel``."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def config_show(self, actor: Actor) -> Reply:
        return self.context.guard(actor, lambda cmd: self.context.render(
            cmd, "config.j2", s=self.context.settings(actor.guild_id),
            default_prefix=self.context.default_prefix), check="show")

    def _change(self, actor: Actor, action: Action) -> Reply:
        return self.context.apply(actor, lambda view: Drafted(action), config=True)

    def config_prefix(self, actor: Actor, prefix: str | None) -> Reply:
        return self._change(actor, SetPrefix(prefix_value(prefix)))

    def config_unasked(self, actor: Actor, on: bool | str) -> Reply:
        return self._change(actor, SetUnasked(switch_value(on)))

    def config_modrole(self, actor: Actor, op: str, role_id: str | int) -> Reply:
        return self._change(actor, ModRole(op, snowflake(role_id)))

    def config_channel(self, actor: Actor, op: str, channel_id: str | int) -> Reply:
        return self._change(actor, QaChannel(op, snowflake(channel_id)))

    def config_gaps(self, actor: Actor, state: bool | str) -> Reply:
        """``config gaps on|off``: record this server's knowledge gaps and ratings, or not."""
        return self._change(actor, SetGaps(switch_value(state)))

    def config_gap_retention(self, actor: Actor, days: str | int) -> Reply:
        """``config gaps retention DAYS``: how long recorded gaps and ratings are kept."""
        text = str(days).strip().lower().removesuffix("days").removesuffix("d").strip()
        value: int | str = int(text) if text.isdigit() and len(text) <= 6 else str(days)
        return self._change(actor, SetGapRetention(value))
