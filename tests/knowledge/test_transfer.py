"""Export and import: round trips, invalid files refused by line or field, atomic application."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from bot.core.reply import render_text
from bot.knowledge import changes as changes_mod
from bot.knowledge import edits, safe_parse, transfer
from bot.knowledge.changes import Change, Conflict
from bot.knowledge.limits import MAX_IMPORT_BYTES
from tests.conftest import role_file
from tests.moderation_support import MLOPS, PM, World, build, mlops_stats, moderator, source_id


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(build(tmp_path))
    yield w
    w.close()


def edit_some(world: World, guild: str = "42") -> int:
    """A few edits of every kind in ``guild``; returns the new median."""
    m, actor = world.moderation, moderator(guild)
    new = mlops_stats()["salary"]["median"] + 7000
    assert m.set(actor, "mlops", [("median", str(new))], source=source_id(),
                 date="2026-03").kind == "answer"
    assert m.alias(actor, "add", "mlops", "modelops").kind == "answer"
    assert m.faq_add(actor, "Is a bootcamp enough?", "Rarely on its own.", "education").kind == \
        "answer"
    assert m.role_add(actor, "prompt-engineer", "Prompt Engineer",
                      focus="Writes and tests prompts.", aliases="prompter").kind == "answer"
    assert m.set(actor, "mlops", [("focus", "Keeps models running in production.")]).kind == \
        "answer"
    return new


def overlay_text(world: World, guild: str = "42", fmt: str = "yaml") -> bytes:
    result = world.moderation.export(moderator(guild), fmt=fmt)
    assert result.filename is not None, render_text(result.reply)
    return result.content


def test_an_overlay_export_recreates_a_server_elsewhere(world: World) -> None:
    new = edit_some(world)
    exported = overlay_text(world)
    data = yaml.safe_load(exported)
    assert data["format"] == "careerbot/1" and data["guild"] == "42"
    assert [r["slug"] for r in data["new_roles"]] == ["prompt-engineer"]
    preview = world.moderation.import_preview(moderator("43"), exported, "server-42.yaml")
    assert preview.ok, render_text(preview.reply)
    applied = world.moderation.import_apply(moderator("43"), exported, "server-42.yaml",
                                            token=preview.token)
    assert applied.kind == "answer", render_text(applied)
    for question in ("!salary mlops", "!role modelops", "!role prompter"):
        assert world.ask(question, "43") == world.ask(question, "42")
    assert f"${new // 1000}K" in world.ask("!salary mlops", "43")
    faq_42 = [(e.question, e.answer) for e in world.store.knowledge("42").faq if e.guild_id == "42"]
    faq_43 = [(e.question, e.answer) for e in world.store.knowledge("43").faq if e.guild_id == "43"]
    assert faq_42 == faq_43


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_reimporting_an_export_changes_nothing(world: World, fmt: str) -> None:
    edit_some(world)
    for merged in (False, True):
        content = world.moderation.export(moderator("42"), merged=merged, fmt=fmt).content
        preview = world.moderation.import_preview(moderator("42"), content, f"x.{fmt}")
        assert not preview.ok and preview.count == 0, render_text(preview.reply)
        assert "nothing to change" in render_text(preview.reply)


def test_a_merged_export_holds_the_whole_view(world: World) -> None:
    new = edit_some(world)
    data = json.loads(world.moderation.export(moderator("42"), merged=True, fmt="json").content)
    roles = {r["slug"]: r for r in data["roles"]}
    assert set(roles) == set(world.store.base_knowledge().roles)
    assert roles[MLOPS]["stats"][0]["salary"]["median"] == new
    assert roles[PM]["stats"][0]["salary"]["median"] == role_file(PM)["stats"][0]["salary"]["median"]
    assert "modelops" in roles[MLOPS]["aliases"]


# -- invalid files: refused by line or field, nothing written -------------------------------

GOOD_EDIT = f"""format: careerbot/1
roles:
  - slug: {MLOPS}
    stats:
      - source: {{source}}
        remote_pct: 12
"""


def refused(world: World, text: str, filename: str = "edit.yaml") -> str:
    before = world.db.read_bytes()
    preview = world.moderation.import_preview(moderator(), text.encode(), filename)
    assert not preview.ok
    reply = world.moderation.import_apply(moderator(), text.encode(), filename)
    assert reply.kind == "error"
    assert world.db.read_bytes() == before
    return render_text(preview.reply)


def test_broken_yaml_is_refused_naming_the_line(world: World, yaml_loader: type) -> None:
    text = GOOD_EDIT.format(source=source_id()).replace("remote_pct: 12", "remote_pct: 12: 13")
    reply = refused(world, text)
    assert "line 6: not valid YAML: mapping values are not allowed" in reply


def test_broken_json_is_refused_naming_the_line(world: World) -> None:
    assert "line 2" in refused(world, '{"roles": [\n  {"slug": }]}', "edit.json")


def test_wrong_types_are_refused_naming_field_and_line(world: World) -> None:
    text = GOOD_EDIT.format(source=source_id()).replace("remote_pct: 12", "remote_pct: high")
    reply = refused(world, text)
    assert "line 6: roles\\[0\\].stats\\[0\\].remote\\_pct: 'high' is not a number" in reply


def test_an_unknown_role_is_refused(world: World) -> None:
    text = GOOD_EDIT.format(source=source_id()).replace(MLOPS, "data-wizard")
    reply = refused(world, text)
    assert "line 3: roles\\[0\\].slug: 'data-wizard' is not a role here" in reply


def test_a_remote_share_of_140_percent_is_refused(world: World) -> None:
    text = GOOD_EDIT.format(source=source_id()).replace("remote_pct: 12", "remote_pct: 140")
    reply = refused(world, text)
    assert "roles\\[0\\].stats\\[0\\].remote\\_pct: 140 is not a percentage" in reply


def test_every_problem_is_reported_at_once(world: World) -> None:
    text = (GOOD_EDIT.format(source=source_id()).replace("remote_pct: 12", "remote_pct: 140")
            + "  - slug: nobody\nfaq:\n  - question: Only a question\n")
    reply = refused(world, text)
    assert "remote\\_pct: 140" in reply and "'nobody'" in reply and "faq\\[0\\].answer" in reply


def test_yaml_aliases_are_refused(world: World) -> None:
    assert "aliases (\\*name) are not accepted" in refused(world, "a: &x [1]\nb: *x\n")


def test_a_clash_found_only_when_planning_is_refused_too(world: World) -> None:
    pm_alias = role_file(PM)["aliases"][0]
    aliases = [*role_file(MLOPS)["aliases"], pm_alias]
    text = yaml.safe_dump({"roles": [{"slug": MLOPS, "aliases": aliases}]})
    assert "already used by AI Product Manager" in refused(world, text)


# -- bad values: refused naming the field and the limit, never an exception -----------------

LOADERS = [pytest.param(safe_parse.PureLoader, id="pure-yaml")]
if hasattr(yaml, "CSafeLoader"):
    LOADERS.append(pytest.param(safe_parse.CLoader, id="libyaml"))


@pytest.fixture(params=LOADERS)
def yaml_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type:
    """Each YAML case runs with PyYAML's own loader and with libyaml's."""
    monkeypatch.setattr(safe_parse, "YAML_LOADER", request.param)
    return request.param


def plain(text: str) -> str:
    """Reply text without Discord markdown escapes, for reading field paths."""
    return re.sub(r"\\([\\*_~`|>\[\]#+-])", r"\1", text)


def stats_edit(line: str, fmt: str = "yaml") -> str:
    """An import setting one MLOps figure line (``salary: {median: X}``) from its source."""
    if fmt == "json":
        return json.dumps({"roles": [{"slug": MLOPS, "stats": [{"source": source_id()}]}]}) \
            .replace('"}]}]}', f'", {line}}}]}}]}}')
    return f"roles:\n  - slug: {MLOPS}\n    stats:\n      - source: {source_id()}\n        {line}\n"


YAML_CASES = {
    "deep flow": ("faq: " + "[" * 100_000 + "]" * 100_000 + "\n",
                  "line 1: lists and mappings are nested more than 20 levels deep; the limit is 20"),
    "deep block": ("faq:\n" + "".join(" " * i + "- \n" for i in range(1, 1300)),
                   "line 21: lists and mappings are nested more than 20 levels deep"),
    "long integer": (stats_edit("salary: {median: " + "9" * 5000 + "}"),
                     "line 5: a number is written with 5,000 digits; numbers are limited to 20 "
                     "digits"),
    "infinite salary": (stats_edit("salary: {median: .inf}"),
                        "line 5: roles[0].stats[0].salary.median: inf is not a finite number"),
    "salary above the limit": (stats_edit("salary: {median: 20000000}"),
                               "roles[0].stats[0].salary.median: 20000000 is above the limit for "
                               "a salary, 10,000,000 a year"),
    "non-text key": (stats_edit("1: 5"), "line 5: roles[0].stats[0].1: is not a known field"),
    "impossible day": (stats_edit("as_of: 2025-02-30"),
                       "line 5: roles[0].stats[0].as_of: '2025-02-30' is not a date that exists"),
    "month 13": (stats_edit("as_of: 2025-13"),
                 "roles[0].stats[0].as_of: '2025-13' is not a date that exists"),
    # PyYAML reads the escape and the validator refuses it; libyaml refuses the escape
    "lone surrogate": ('faq:\n  - question: "what is \\ud800 this?"\n    answer: "A test."\n',
                       ("line 2: faq[0].question: contains a lone surrogate (U+D800), which is "
                        "not valid Unicode",
                        "line 2: not valid YAML: found invalid Unicode character escape code")),
    "new role's long name": (f"new_roles:\n  - slug: long-role\n    name: {'L' * 50_000}\n",
                             "line 3: new_roles[0].name: is 50,000 characters; the limit is 80"),
    "new role's long focus": ("new_roles:\n  - slug: long-role\n    name: Long Role\n"
                              f"    focus: {'f' * 50_000}\n",
                              "line 4: new_roles[0].focus: is 50,000 characters; the limit is 300"),
}


@pytest.mark.parametrize("case", YAML_CASES, ids=str)
def test_bad_values_in_yaml_are_refused_naming_field_and_limit(world: World, yaml_loader: type,
                                                               case: str) -> None:
    text, expected = YAML_CASES[case]
    reply = plain(refused(world, text))
    assert any(e in reply for e in ((expected,) if isinstance(expected, str) else expected)), reply


JSON_CASES = {
    "deep": ('{"faq": ' + "[" * 100_000 + "]" * 100_000 + "}",
             "line 1: lists and mappings are nested more than 20 levels deep; the limit is 20"),
    "long integer": (stats_edit('"salary": {"median": ' + "9" * 5000 + "}", "json"),
                     "a number is written with 5,000 digits; numbers are limited to 20 digits"),
    "1e999": (stats_edit('"salary": {"median": 1e999}', "json"),
              "roles[0].stats[0].salary.median: inf is not a finite number"),
    "Infinity": (stats_edit('"remote_pct": Infinity', "json"),
                 "roles[0].stats[0].remote_pct: inf is not a finite number"),
    "NaN": (stats_edit('"remote_pct": NaN', "json"),
            "roles[0].stats[0].remote_pct: nan is not a finite number"),
    "lone surrogate": ('{"faq": [{"question": "what is \\ud800 this?", "answer": "A test."}]}',
                       "faq[0].question: contains a lone surrogate (U+D800)"),
    "lone surrogate key": (stats_edit('"\\udfff": 1', "json"),
                           "roles[0].stats[0].'\\udfff': is not a known field"),
    "NUL": ('{"faq": [{"question": "What?", "answer": "a\\u0000b"}]}',
            "faq[0].answer: contains a NUL character"),
    "huge id": ('{"faq": [{"id": 99999999999999999999, "question": "Q?", "answer": "A."}]}',
                "(no problem)"),
}


@pytest.mark.parametrize("case", JSON_CASES, ids=str)
def test_bad_values_in_json_are_refused_naming_field_and_limit(world: World, case: str) -> None:
    text, expected = JSON_CASES[case]
    if expected == "(no problem)":  # an unknown id adds the entry: no SQLite lookup overflows
        preview = world.moderation.import_preview(moderator(), text.encode(), "edit.json")
        assert preview.ok and preview.count == 1, render_text(preview.reply)
        return
    assert expected in plain(refused(world, text, "edit.json"))


def test_a_file_over_the_size_limit_is_refused_saying_both_sizes(world: World) -> None:
    text = "faq: []\n" + "#" * (MAX_IMPORT_BYTES + 200_000) + "\n"
    limit = MAX_IMPORT_BYTES / 1_000_000
    size = (MAX_IMPORT_BYTES + 200_009) / 1_000_000
    expected = f"the file is {size:.1f} MB; imports are limited to {limit:g} MB"
    assert expected in plain(refused(world, text))
    assert expected in plain(refused(world, text, "edit.json"))


def test_an_export_of_everything_with_4000_faq_entries_fits_with_room_to_spare(
        world: World) -> None:
    """The size limit holds a merged export of the whole knowledge plus 4,000 FAQ entries
    of the real entries' average size, twice over, and such a file parses."""
    base = world.store.base_knowledge()
    data = json.loads(world.moderation.export(moderator(), merged=True, fmt="json").content)
    real = list(base.faq)
    data["faq"] = [{"question": f"{real[i % len(real)].question} ({i})",
                    "answer": real[i % len(real)].answer, "tags": list(real[i % len(real)].tags)}
                   for i in range(4000)]
    for fmt in ("json", "yaml"):
        content = transfer.dump_document(data, fmt).encode()
        assert 2 * len(content) < MAX_IMPORT_BYTES, (fmt, len(content))
        parsed, _, problems = transfer.parse_document(content, f"all.{fmt}")
        assert problems == [] and len(parsed["faq"]) == 4000


# -- atomic application -----------------------------------------------------------------------


def test_a_failure_in_the_middle_of_an_import_leaves_the_database_as_it_was(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    edit_some(world, "43")
    content = overlay_text(world, "43")
    before = world.db.read_bytes()
    preview = world.moderation.import_preview(moderator("42"), content, "x.yaml")
    assert preview.count >= 4
    real_write = changes_mod.write_row
    calls = []

    def failing_write(conn, change):  # type: ignore[no-untyped-def]
        calls.append(change)
        if len(calls) == 3:
            raise OSError("disk full")
        real_write(conn, change)

    monkeypatch.setattr(changes_mod, "write_row", failing_write)
    with pytest.raises(OSError):
        edits.apply_changes(world.db, moderator("42"), _changes(world, content), target="x.yaml")
    assert len(calls) == 3  # two rows were written before the failure
    assert world.db.read_bytes() == before
    assert sorted(p.name for p in world.db.parent.iterdir()) == [world.db.name]


def _changes(world: World, content: bytes) -> list[Change]:
    from bot.knowledge.transfer import import_changes, parse_document

    data, lines, problems = parse_document(content, "x.yaml")
    assert not problems
    found, problems = import_changes(data, lines, world.store.knowledge("42"), "42")
    assert not problems
    return found


def test_an_import_is_one_history_entry_that_undo_reverses(world: World) -> None:
    edit_some(world, "43")
    content = overlay_text(world, "43")
    before = world.ask("!salary mlops", "42"), world.ask("!role modelops", "42")
    preview = world.moderation.import_preview(moderator("42"), content, "x.yaml")
    world.moderation.import_apply(moderator("42"), content, "x.yaml", token=preview.token)
    (entry,) = edits.history(world.db, "42")
    # The preview counts the changes it lists (a snapshot's figures are one stored change
    # but a line each), so the count is at least the stored changes.
    listed = [line for line in render_text(preview.reply).splitlines() if line.startswith("- ")]
    assert entry.action == "import" and preview.count == len(listed) >= len(entry.children) > 0
    assert world.ask("!salary mlops", "42") != before[0]
    reply = world.moderation.undo(moderator("42"), str(entry.id))
    assert reply.kind == "answer", render_text(reply)
    assert (world.ask("!salary mlops", "42"), world.ask("!role modelops", "42")) == before


def test_a_preview_is_applied_only_if_nothing_changed_since(world: World) -> None:
    text = GOOD_EDIT.format(source=source_id()).encode()
    preview = world.moderation.import_preview(moderator(), text, "edit.yaml")
    assert preview.ok
    world.moderation.set(moderator(), "mlops", [("remote", "30")], source=source_id(),
                         date=mlops_stats()["as_of"])
    with pytest.raises(Conflict):
        edits.apply_changes(world.db, moderator(), _changes(world, text), target="edit.yaml",
                            token=preview.token)
    reply = world.moderation.import_apply(moderator(), text, "edit.yaml", token=preview.token)
    assert "changed after the preview" in render_text(reply)
