"""The benchmark's message sets: ``messages.yaml``, plus ones generated from a knowledge base."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.knowledge.models import Knowledge

MESSAGES_FILE = Path(__file__).with_name("messages.yaml")
#: Message types timed through ``Advisor.handle``, in the order tables show them.
HANDLE_TYPES = ("command", "question", "unknown")


@dataclass(frozen=True)
class MessageSets:
    command: tuple[str, ...]
    question: tuple[str, ...]
    unknown: tuple[str, ...]
    slash: tuple[tuple[str, tuple[str, ...]], ...]
    autocomplete: tuple[str, ...]

    def texts(self, kind: str) -> tuple[str, ...]:
        return getattr(self, kind)


def load(path: Path = MESSAGES_FILE) -> MessageSets:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return MessageSets(
        command=tuple(data["command"]),
        question=tuple(data["question"]),
        unknown=tuple(data["unknown"]),
        slash=tuple((name, tuple(roles)) for name, roles in data["slash"]),
        autocomplete=tuple(data["autocomplete"]),
    )


def varied_commands(knowledge: Knowledge, count: int, seed: int = 7) -> list[str]:
    """Commands about many different roles, as a big server sends them.

    With hundreds of roles almost every message names a pair never asked before, so
    these measure the path that renders a fresh answer rather than a remembered one.
    A quarter carry a typo (a letter dropped) so fuzzy matching is exercised too.
    """
    rng = random.Random(seed)
    roles = sorted(knowledge.roles.values(), key=lambda r: r.slug)
    out = []
    for i in range(count):
        a, b = rng.sample(roles, 2)
        name_a = rng.choice((a.name, *a.aliases))
        name_b = rng.choice((b.name, *b.aliases))
        if i % 4 == 3 and len(a.name) > 8:
            cut = rng.randrange(1, len(a.name) - 1)
            name_a = a.name[:cut] + a.name[cut + 1:]
        command = ("compare", "salary", "skills", "switch", "role", "path")[i % 6]
        if command in ("role", "path"):
            out.append(f'!{command} {name_a}')
        else:
            out.append(f'!{command} "{name_a}" vs "{name_b}"')
    return out
