"""Importers that grow the knowledge base from open data (``careerbot kb import-*``).

They write reviewable files under ``knowledge/generated/`` (see bot/knowledge/derived.py
for why), never the human-edited role files, and they are idempotent: importing the same
input again leaves every byte as it was.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.validation import KnowledgeError


class ImportProblem(Exception):
    """An input or option the importer cannot use; the message says what to do."""


@dataclass
class WriteResult:
    """What happened to one generated file."""

    path: Path
    status: str  # "new", "updated" or "unchanged"


@dataclass
class Report:
    """The importer's account of a run, printed line by line by the CLI."""

    lines: list[str] = field(default_factory=list)
    written: list[WriteResult] = field(default_factory=list)

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def write(self, knowledge_dir: Path, target: Path, text: str,
              dry_run: bool) -> WriteResult | None:
        """Write ``text`` to ``target`` (validated), or in a dry run only say what would happen."""
        if dry_run:
            current = target.read_text(encoding="utf-8") if target.exists() else None
            state = "unchanged" if current == text else ("would update" if current else "would create")
            self.add(f"dry run: {target} {state}")
            return None
        result = write_validated(knowledge_dir, target, text)
        self.written.append(result)
        return result


def dump_yaml(header: str, data: Any) -> str:
    """Stable YAML text: same data, same bytes (key order kept, no timestamps)."""
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=False)
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comment + body


def write_validated(knowledge_dir: Path, path: Path, text: str) -> WriteResult:
    """Write ``text`` to ``path`` unless identical, then validate the whole knowledge dir.

    The write is atomic (temporary file + rename). If the knowledge files no longer
    validate, the previous content is restored and the KnowledgeError is raised, so an
    import never leaves the knowledge base broken.
    """
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if old == text:
        return WriteResult(path, "unchanged")
    _atomic_write(path, text)
    try:
        load_knowledge_dir(knowledge_dir)
    except KnowledgeError:
        if old is None:
            path.unlink(missing_ok=True)
        else:
            _atomic_write(path, old)
        raise
    return WriteResult(path, "new" if old is None else "updated")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
