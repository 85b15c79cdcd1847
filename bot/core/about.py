"""What ``/about``, ``!about`` and ``careerbot about`` show, worded once for every front end.

The front ends gather the facts only they know (the gateway's latency and the uptime on
Discord; nothing extra in the terminal) and pass them in; the knowledge view supplies
the rest: its date, its sources and how many roles it holds. A server's settings are
passed only when the asker may see them (moderators), so this module never decides who
sees what: the caller does, with ``bot.knowledge.permissions``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.core.render import Safe, render
from bot.core.reply import Reply
from bot.knowledge.guild_settings import GuildSettings
from bot.knowledge.models import Knowledge, Source

#: The distribution name the version is read from (pyproject's ``project.name``).
DISTRIBUTION = "careerbot"
#: Sources listed by name; more are counted ("and 3 more") so the reply stays short.
MAX_SOURCES_SHOWN = 8
#: Moderator roles or Q&A channels listed one by one; more are counted.
MAX_IDS_SHOWN = 10


def package_version() -> str:
    """careerbot's version from the installed package's metadata (one place: pyproject).
    ``importlib.metadata`` is imported here, when ``!about`` asks: at module level it was
    about 12 ms of every ``careerbot ask`` (the commands import this module)."""
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


@dataclass(frozen=True, slots=True)
class RuntimeFacts:
    """What only a running bot knows: how long it has run and how its gateway answers."""

    uptime_seconds: float
    #: discord.py's heartbeat round trip in seconds; None or not finite before the first one.
    latency_seconds: float | None
    servers: int


def format_duration(seconds: float) -> str:
    """'3 d 4 h', '2 h 5 min', '7 min', '12 s': the two largest units, as people read uptime."""
    total = max(0, int(seconds))
    units = (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1))
    parts: list[str] = []
    for name, size in units:
        value, total = divmod(total, size)
        if value or parts:
            parts.append(f"{value} {name}")
        if len(parts) == 2:
            break
    parts = [p for p in parts if not p.startswith("0 ")] or ["0 s"]
    return " ".join(parts)


def format_latency(latency_seconds: float | None) -> str:
    """'42 ms', or a plain note before discord.py has measured one."""
    if latency_seconds is None or not math.isfinite(latency_seconds):
        return "not measured yet"
    return f"{latency_seconds * 1000:.0f} ms"


def knowledge_date(knowledge: Knowledge) -> str:
    """The newest date any source or figure of the view is as of ('2026', '2025-05').

    Dates are ISO prefixes (YYYY, YYYY-MM, YYYY-MM-DD), so they sort as text.
    """
    dates = [s.date for s in knowledge.sources.values() if s.date]
    dates += [snap.as_of for role in knowledge.roles.values() for snap in role.stats if snap.as_of]
    dates += [fact.as_of for fact in knowledge.market.values() if fact.as_of]
    return max(dates) if dates else "unknown"


def sources_newest_first(knowledge: Knowledge) -> list[Source]:
    return sorted(knowledge.sources.values(), key=lambda s: (s.date, s.name), reverse=True)


def _references(ids: frozenset[str], mark: str, mention: bool) -> Safe | None:
    """Ids as Discord references (``<#id>``, ``<@&id>``) or plain ids for a terminal,
    at most ``MAX_IDS_SHOWN`` and a count of the rest; None when there are none.

    Only digits are kept (ids are stored as digits), so nothing typed by anyone reaches
    the reply unescaped; embeds never ping and the bot's AllowedMentions are off anyway.
    """
    ordered = sorted((i for i in ids if i.isdigit()), key=lambda i: (len(i), i))
    if not ordered:
        return None
    shown = [f"<{mark}{i}>" if mention else i for i in ordered[:MAX_IDS_SHOWN]]
    more = len(ordered) - len(shown)
    return Safe(", ".join(shown) + (f" and {more} more" if more else ""))


def about(knowledge: Knowledge, *, version: str, prefix: str,
          runtime: RuntimeFacts | None = None, settings: GuildSettings | None = None,
          default_prefix: str = "!", mention: bool = True) -> Reply:
    """The about reply. ``settings`` only for those allowed to see them (moderators)."""
    sources = sources_newest_first(knowledge)
    brief = None
    if settings is not None:
        brief = {
            "prefix": settings.prefix_or(default_prefix),
            "default": settings.prefix is None,
            "channels": _references(settings.qa_channels, "#", mention),
            "roles": _references(settings.mod_roles, "@&", mention),
            "unasked": settings.unasked,
        }
    return render(
        "about.j2", version=version, prefix=prefix,
        uptime=format_duration(runtime.uptime_seconds) if runtime else None,
        latency=format_latency(runtime.latency_seconds) if runtime else None,
        servers=runtime.servers if runtime else None,
        roles=len(knowledge.roles), faq=len(knowledge.faq), date=knowledge_date(knowledge),
        sources=sources[:MAX_SOURCES_SHOWN], more_sources=max(0, len(sources) - MAX_SOURCES_SHOWN),
        settings=brief,
    )
