"""Reviewed lists that give the open-data roles depth: relevance, task words, guidance.

O*NET describes broad occupations, so its lists need a person's judgement before they
describe a role. That judgement lives in three reviewed files under
``knowledge/mappings/`` (validated here, with errors naming file and field, both by the
loader and by ``careerbot kb import-onet`` before it runs):

- ``onet-relevance.yaml``: per role, the O*NET technologies that fit it (ranked) and the
  O*NET related occupations that are real moves into or out of it. The importer keeps
  only these, so oddities (spreadsheets atop a data engineer's list, advertising managers
  beside an AI product manager) are filtered by a list a reviewer can read, not by code.
- ``onet-task-words.yaml``: O*NET task statements in the project's words, by task id.
- ``career-guidance.yaml``: ladders and ways in, the project's *own* guidance. No data
  source holds them, so replies label them "general guidance, not from a data source"
  (``GUIDANCE_LABEL``), the loader rejects digits in them (no figure may hide there),
  and they fill a role's career path only where its role file has none.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.knowledge.models import Role

RELEVANCE_FILE = Path("mappings") / "onet-relevance.yaml"
TASK_WORDS_FILE = Path("mappings") / "onet-task-words.yaml"
GUIDANCE_FILE = Path("mappings") / "career-guidance.yaml"

#: How replies and the knowledge files label prose that is the project's own guidance.
GUIDANCE_LABEL = "general guidance, not from a data source"
GUIDANCE_FIELDS = ("ladder", "leads_to", "comes_from", "way_in", "steps")
_SOC = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Relevance:
    """Per role: O*NET technologies that fit it (ranked) and related occupations kept."""

    tools: dict[str, tuple[str, ...]] = field(default_factory=dict)
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Guidance:
    """One role's ladder and way in, in the project's words (no source, no figures)."""

    ladder: tuple[str, ...] = ()
    leads_to: tuple[str, ...] = ()
    comes_from: tuple[str, ...] = ()
    way_in: str = ""
    steps: tuple[str, ...] = ()


def _roles_block(data: Any, check: Any, what: str) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("roles"), dict):
        check.fail("roles", f"must be a mapping of role slug to {what}")
        return {}
    check.unknown_keys(data, ("roles",), "")
    roles: dict = data["roles"]
    return roles


def parse_relevance(data: Any, check: Any) -> Relevance:
    """Validate ``onet-relevance.yaml``: lists of technology names and of SOC codes."""
    tools: dict[str, tuple[str, ...]] = {}
    related: dict[str, tuple[str, ...]] = {}
    for slug, entry in _roles_block(data, check, "its relevant tools and related occupations").items():
        where = f"roles.{slug}"
        if not isinstance(entry, dict):
            check.fail(where, "must be a mapping with tools and related")
            continue
        check.unknown_keys(entry, ("tools", "related"), where)
        names = check.texts(entry, "tools", where)
        if not names:
            check.fail(f"{where}.tools", "must list at least one O*NET technology name")
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name.casefold() in seen:
                check.fail(f"{where}.tools[{i}]", f"{name!r} is listed twice")
            seen.add(name.casefold())
        codes = check.texts(entry, "related", where)
        for i, code in enumerate(codes):
            if not _SOC.match(code):
                check.fail(f"{where}.related[{i}]",
                           f"{code!r} is not an O*NET-SOC code like 15-2051.00")
        tools[str(slug)] = names
        related[str(slug)] = codes
    return Relevance(tools, related)


def parse_task_words(data: Any, check: Any) -> dict[int, str]:
    """Validate ``onet-task-words.yaml``: task id -> the task in the project's words."""
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), dict):
        check.fail("tasks", "must be a mapping of O*NET task id to the task in our words")
        return {}
    check.unknown_keys(data, ("tasks",), "")
    out: dict[int, str] = {}
    for key, text in data["tasks"].items():
        where = f"tasks.{key}"
        if isinstance(key, bool) or not isinstance(key, int) or key <= 0:
            check.fail(where, f"{key!r} is not an O*NET task id (a whole number)")
            continue
        if not isinstance(text, str) or not text.strip():
            check.fail(where, "must be the task in our words (a non-empty text)")
            continue
        if _DIGIT.search(text):
            check.fail(where, "has a figure; task wording carries none")
            continue
        out[key] = " ".join(text.split())
    return out


def parse_guidance(data: Any, check: Any) -> dict[str, Guidance]:
    """Validate ``career-guidance.yaml``; guidance with a digit in it is refused."""
    out: dict[str, Guidance] = {}
    for slug, entry in _roles_block(data, check, "its ladder and way in").items():
        where = f"roles.{slug}"
        if not isinstance(entry, dict):
            check.fail(where, f"must be a mapping of {', '.join(GUIDANCE_FIELDS)}")
            continue
        check.unknown_keys(entry, GUIDANCE_FIELDS, where)
        guidance = Guidance(
            ladder=check.texts(entry, "ladder", where),
            leads_to=check.texts(entry, "leads_to", where),
            comes_from=check.texts(entry, "comes_from", where),
            way_in=check.text(entry, "way_in", where),
            steps=check.texts(entry, "steps", where),
        )
        if len(guidance.ladder) < 2:
            check.fail(f"{where}.ladder", "must list at least two steps, first to last")
        for name in GUIDANCE_FIELDS:
            value = getattr(guidance, name)
            for i, text in enumerate((value,) if isinstance(value, str) else value):
                if _DIGIT.search(text):
                    at = f"{where}.{name}" if isinstance(value, str) else f"{where}.{name}[{i}]"
                    check.fail(at, f"{text!r} has a figure; guidance carries none "
                                   "(it is not from a data source)")
        out[str(slug)] = guidance
    return out


def apply_guidance(roles: dict[str, Role], guidance: dict[str, Guidance]) -> dict[str, Role]:
    """Fill each role's career path and way in from the guidance, where its file has none.

    A role whose file has its own progression, routes or steps keeps them untouched (they
    are sourced or reviewed with the role); ``path_guidance`` marks the roles whose path
    is the project's guidance, so replies can label it.
    """
    out = dict(roles)
    for slug, g in guidance.items():
        role = roles.get(slug)
        if role is None:
            continue
        if role.progression or role.leads_to or role.best_from or role.getting_in \
                or role.getting_in_steps:
            continue
        out[slug] = dataclasses.replace(
            role, progression=g.ladder, leads_to=g.leads_to, best_from=g.comes_from,
            getting_in=g.way_in, getting_in_steps=g.steps, path_guidance=True)
    return out


#: (file, parser) of every reviewed list, for the loader's checks.
PARSERS = ((RELEVANCE_FILE, parse_relevance), (TASK_WORDS_FILE, parse_task_words),
           (GUIDANCE_FILE, parse_guidance))
