"""Read and validate the human-edited knowledge files.

Validation collects every problem at once and names the file and the field, so a
reviewer fixing a pull request sees all of them in one run instead of one per build.
Nothing here writes anything: ``careerbot kb validate`` and the builder share it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

import yaml

from bot.knowledge import derived as derived_mod
from bot.knowledge import reviewed, survey_cuts
from bot.knowledge.models import (
    FaqEntry,
    Knowledge,
    MarketFact,
    Role,
    Source,
)
from bot.knowledge.safe_parse import InputRefused, load_yaml
from bot.knowledge.validation import (
    Checker,
    KnowledgeError,
    parse_faq,
    parse_market,
    parse_role,
    parse_sources,
)
from bot.text.names import alias_key


def _load_yaml(path: Path, label: str, problems: list[str]) -> Any:
    """A knowledge file's data, through the same bounded loader imports use (libyaml's
    when PyYAML was built with it: the generated files are large enough to matter)."""
    try:
        data, _ = load_yaml(path.read_text(encoding="utf-8"), allow_aliases=True)
        return data
    except InputRefused as exc:
        where = f"line {exc.line}: " if exc.line is not None else ""
        problems.append(f"{label}: {where}{exc.message}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "YAML"
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        problems.append(f"{label}: {where}: {problem}")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{label}: cannot be read ({exc})")
    return None


def knowledge_files(directory: Path) -> list[Path]:
    """Every file the database is built from, in a stable order."""
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def fingerprint(directory: Path) -> str:
    """A hash of the knowledge files' names and contents: the database is stale when it changes."""
    digest = hashlib.sha256()
    for path in knowledge_files(directory):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------
# The whole directory


def load_knowledge_dir(directory: Path) -> Knowledge:
    """Read and validate every knowledge file; raise KnowledgeError listing all problems."""
    directory = Path(directory)
    problems: list[str] = []

    def label(path: Path) -> str:
        return f"{directory.name}/{path.relative_to(directory).as_posix()}"

    sources_path = directory / "sources.yaml"
    sources: dict[str, Source] = {}
    if not sources_path.exists():
        problems.append(f"{label(sources_path)}: file is missing")
    else:
        check = Checker(label(sources_path))
        sources = parse_sources(_load_yaml(sources_path, check.file, check.problems), check)
        problems += check.problems


    derived = _load_derived(directory, label, sources, problems)

    cuts = _load_cuts(directory, label, sources, problems)

    market: dict[str, MarketFact] = {}
    market_path = directory / "market.yaml"
    if market_path.exists():
        check = Checker(label(market_path))
        market = parse_market(_load_yaml(market_path, check.file, check.problems), sources, check)
        problems += check.problems

    faq: list[FaqEntry] = []
    for path in sorted((directory / "faq").glob("*.y*ml")) if (directory / "faq").is_dir() else []:
        check = Checker(label(path))
        faq += parse_faq(_load_yaml(path, check.file, check.problems), sources, check)
        problems += check.problems

    roles: dict[str, Role] = {}
    alias_owner: dict[str, tuple[str, str]] = {}
    role_files = sorted((directory / "roles").glob("*.y*ml")) if (directory / "roles").is_dir() else []
    if not role_files:
        problems.append(f"{label(directory / 'roles')}: no role files found")

    for path in role_files:
        check = Checker(label(path))
        data = _load_yaml(path, check.file, check.problems)
        role = None if check.problems else parse_role(data, path.name, sources, check)
        if role is not None and role.slug:
            if role.slug in roles:
                check.fail("slug", f"{role.slug!r} is used by another role file")
            for i, alias in enumerate((role.name, role.slug, *role.aliases)):
                key = alias_key(alias)
                owner = alias_owner.get(key)
                if owner and owner[0] != role.slug:
                    where = "name" if i == 0 else ("slug" if i == 1 else f"aliases[{i - 2}]")
                    check.fail(where, f"{alias!r} is already used by {owner[1]}")
                else:
                    alias_owner[key] = (role.slug, check.file)
            roles[role.slug] = role
        problems += check.problems

    _check_role_refs(directory, label, roles, derived, problems)
    survey_cuts.check_roles(directory, cuts, roles, problems)

    guidance = _load_reviewed(directory, label, roles, problems)
    if problems:
        raise KnowledgeError(problems)
    roles = reviewed.apply_guidance(
        survey_cuts.apply(derived_mod.apply(roles, derived), cuts), guidance)
    faq_entries = tuple(
        FaqEntry(id=i + 1, question=e.question, answer=e.answer, tags=e.tags, source=e.source)
        for i, e in enumerate(faq)
    )
    return Knowledge(roles=roles, sources=sources, market=market, faq=faq_entries)


# ---------------------------------------------------------------------------------------
# Derived knowledge: the open-data mappings and the importers' output (see derived.py)


def _load_derived(directory: Path, label: Callable[[Path], str], sources: dict[str, Source],
                  problems: list[str]) -> Any:
    """Read ``generated/`` and add its sources to ``sources`` (ids must stay unique)."""

    found = derived_mod.Derived()

    def add_source(source: Source | None, check: Checker) -> None:
        if source is None:
            return
        if source.id in sources:
            check.fail("source.id", f"{source.id!r} is already defined elsewhere")
            return
        sources[source.id] = source
        found.sources[source.id] = source

    salary_dir = directory / derived_mod.SALARY_DIR
    for path in sorted(salary_dir.glob("*.y*ml")) if salary_dir.is_dir() else []:
        check = Checker(label(path))
        data = _load_yaml(path, check.file, check.problems)
        if not check.problems:
            source, stats = derived_mod.parse_salary_snapshot(data, check, sources)
            add_source(source, check)
            for slug, snapshot in stats.items():
                found.stats.setdefault(slug, []).append(snapshot)
        problems += check.problems
    onet_path = directory / derived_mod.ONET_FILE
    if onet_path.exists():
        check = Checker(label(onet_path))
        data = _load_yaml(onet_path, check.file, check.problems)
        if not check.problems:
            source, onet = derived_mod.parse_onet(data, check)
            add_source(source, check)
            found.onet_source, found.onet = source, onet
        problems += check.problems
    return found


def _check_role_refs(directory: Path, label: Callable[[Path], str], roles: dict[str, Role],
                     derived: Any, problems: list[str]) -> None:
    """Mappings and generated files may only name roles that have a role file."""

    def unknown(check: Checker, where: str, slugs: Iterable[str]) -> None:
        for slug in slugs:
            if slug not in roles:
                check.fail(f"{where}.{slug}", f"{slug!r} has no role file in roles/")

    mappings = ((derived_mod.TITLES_FILE, derived_mod.parse_title_mapping),
                (derived_mod.CROSSWALK_FILE, derived_mod.parse_crosswalk))
    for rel, parse in mappings:
        path = directory / rel
        if not path.exists():
            continue
        check = Checker(label(path))
        data = _load_yaml(path, check.file, check.problems)
        if not check.problems:
            unknown(check, "roles", parse(data, check).roles)
        problems += check.problems
    for where, slugs in (("salary survey snapshots", derived.stats), ("O*NET import", derived.onet)):
        missing = sorted(s for s in slugs if s not in roles)
        if missing:
            problems.append(f"{directory.name}/generated: {where} name roles without a role "
                            f"file: {', '.join(missing)}")


def read_title_mapping(directory: Path) -> Any:
    """The reviewed survey-title mapping, validated (raises KnowledgeError)."""

    return _read_mapping(directory, derived_mod.TITLES_FILE, derived_mod.parse_title_mapping)


def read_crosswalk(directory: Path) -> Any:
    """The reviewed O*NET crosswalk, validated (raises KnowledgeError)."""

    return _read_mapping(directory, derived_mod.CROSSWALK_FILE, derived_mod.parse_crosswalk)


def _read_mapping(directory: Path, rel: Path, parse: Callable[[Any, Checker], Any]) -> Any:
    path = Path(directory) / rel
    check = Checker(f"{Path(directory).name}/{rel.as_posix()}")
    if not path.exists():
        raise KnowledgeError([f"{check.file}: file is missing"])
    data = _load_yaml(path, check.file, check.problems)
    result = parse(data, check) if not check.problems else None
    if check.problems:
        raise KnowledgeError(check.problems)
    return result


def _load_reviewed(directory: Path, label: Any, roles: dict[str, Role],
                  problems: list[str]) -> dict[str, reviewed.Guidance]:
    """Validate every reviewed list present (adding problems that name file and field,
    including roles without a role file) and return the career guidance."""
    guidance: dict[str, reviewed.Guidance] = {}
    for rel, parse in reviewed.PARSERS:
        path = directory / rel
        if not path.exists():
            continue
        check = Checker(label(path))
        data = _load_yaml(path, check.file, check.problems)
        if not check.problems:
            parsed = parse(data, check)
            slugs = parsed.tools if isinstance(parsed, reviewed.Relevance) else (
                parsed if rel == reviewed.GUIDANCE_FILE else {})
            for slug in slugs:
                if slug not in roles:
                    check.fail(f"roles.{slug}", f"{slug!r} has no role file in roles/")
            if rel == reviewed.GUIDANCE_FILE:
                guidance = cast(dict[str, reviewed.Guidance], parsed)
        problems += check.problems
    return guidance


def _load_cuts(directory: Path, label: Callable[[Path], str], sources: dict[str, Source],
              problems: list[str]) -> dict[str, list[survey_cuts.SurveyCut]]:
    """Every cuts file under ``directory``: slug -> cells, newest snapshot first."""
    found: dict[str, list[survey_cuts.SurveyCut]] = {}
    folder = directory / survey_cuts.CUTS_DIR
    for path in sorted(folder.glob("*.y*ml"), reverse=True) if folder.is_dir() else []:
        check = Checker(label(path))
        data = _load_yaml(path, check.file, check.problems)
        if not check.problems:
            for slug, cells in survey_cuts.parse_cuts(data, check, sources).items():
                found.setdefault(slug, []).extend(cells)
        problems += check.problems
    return found
