"""What rendering a compare costs, counted rather than timed, and the helpers that made it
cheaper (issue 16: a freshly composed ``!compare`` within 10x discord.py's no-op).

A compare used to include three partials (a new jinja context each) and call a dozen
macros, some per table row; the wording now comes from macros imported once and the
figures from Python helpers. Counting contexts and macro calls keeps that from creeping
back without a timed assertion. ``test_render_golden`` proves no word changed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import jinja2.environment
import jinja2.runtime
import pytest

from bot.core.advisor import Advisor, Request
from bot.core.figures import SourceUse, skills_sources_to_cite
from bot.core.render import compare_cells, environment, level_mix, render, table
from bot.core.verdict import same_items
from bot.knowledge.models import Experience, Role, Salary, Source, StatSnapshot
from tests.conftest import repo_advisor

#: Different pairs and spellings: figures from one source and from two, a pair with
#: equal O*NET skills, names typed loosely, in either order.
COMPARES = ("!compare mlops pm", "!compare pm mlops", '!compare "ML Ops" "ai pm"',
            "!compare data scientist ml engineer", '!compare "applied scientist" "ml scientist"',
            "!compare data analyst data engineer")


@pytest.fixture(scope="module")
def advisor() -> Iterator[Advisor]:
    with tempfile.TemporaryDirectory() as folder, repo_advisor(Path(folder), chat=False) as adv:
        yield adv


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count jinja contexts made (one per render and one per include) and macro calls."""
    counts = {"contexts": 0, "macros": 0}
    make_context = jinja2.environment.new_context
    call_macro = jinja2.runtime.Macro.__call__

    def new_context(*args: Any, **kwargs: Any) -> Any:
        counts["contexts"] += 1
        return make_context(*args, **kwargs)

    def macro_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["macros"] += 1
        return call_macro(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.environment, "new_context", new_context)
    monkeypatch.setattr(jinja2.runtime.Macro, "__call__", macro_call)
    return counts


@pytest.mark.parametrize("text", COMPARES)
def test_a_compare_renders_in_one_context_with_few_macro_calls(
        advisor: Advisor, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    advisor.handle(Request(text=text))  # templates compiled, roles resolved
    advisor._view(advisor.knowledge()).replies.clear()  # composed afresh, not cached
    counts = _counting(monkeypatch)
    reply = advisor.handle(Request(text=text))
    assert reply.title and " vs " in reply.title
    assert counts["contexts"] == 1  # no include: each made a context of its own (3 before)
    # the verdict's three macros, small samples (and the wording of a small one), skills
    # caveat and the two footers; 10 or 11 before: per table cell, per experience mix
    assert counts["macros"] <= 8


def test_the_verdict_partials_still_render_what_compare_renders(advisor: Advisor) -> None:
    """Templates that include _verdict_lines.j2 get the same lines as compare.j2's macro."""
    reply = advisor.handle(Request(text="!compare mlops pm"))
    verdict = next(s.body for s in reply.sections if s.heading == "Verdict")
    knowledge = advisor.knowledge()
    a, b = knowledge.roles["mlops-engineer"], knowledge.roles["ai-product-manager"]
    from bot.core import verdict as verdict_mod
    from bot.core.figures import pick_pair
    sa, sb = pick_pair(a, b, None)
    template = environment().from_string('{{ part("section") }}Verdict\n{% include "_verdict_lines.j2" %}')
    included = template.render(v=verdict_mod.compute(a, sa, b, sb), sa=sa, sb=sb)
    assert verdict.startswith("- **Pay:**")
    assert included.split("Verdict\n", 1)[1].strip() == verdict


# ---------------------------------------------------------------------------------------
# The helpers


def test_same_items_ignores_order_and_sorts_case_insensitively() -> None:
    assert same_items(["Python", "SQL"], ["SQL", "Python"])
    assert same_items([], [])
    assert not same_items(["Python", "SQL"], ["Python"])
    assert not same_items(["Python"], ["python"])  # same place in the order, different text
    assert not same_items(["a", "a", "b"], ["a", "b", "b"])


def _source(sid: str, *, kind: str = "survey") -> Source:
    return Source(id=sid, name=f"Source {sid}", kind=kind, date="2024-01-01")


def _role(slug: str, *, skills: tuple[str, ...] = (), skills_source: Source | None = None,
          stats: tuple[StatSnapshot, ...] = ()) -> Role:
    return Role(slug=slug, name=slug.title(), skills=skills, skills_source=skills_source, stats=stats)


def test_skills_sources_are_cited_once_and_not_when_the_figures_cite_them() -> None:
    onet, other, survey = _source("onet"), _source("other"), _source("survey")
    roles = [_role("a", skills_source=onet), _role("b", skills_source=onet),
             _role("c", skills_source=other), _role("d"), _role("e", skills_source=survey)]
    assert skills_sources_to_cite(roles) == [onet, other, survey]
    uses = [SourceUse(survey, "2024", ""), SourceUse(onet, "2024", "")]
    assert skills_sources_to_cite(roles, uses) == [other]
    assert skills_sources_to_cite([]) == []


def test_compare_cells_show_held_figures_and_leave_the_rest_blank() -> None:
    board = Source(id="board", name="Board", kind="job postings", date="2024-01-01")
    full = StatSnapshot(source=board, as_of="2024-01", open_positions=1234,
                        salary=Salary(avg_low=120000, avg_high=150000, median=135000,
                                      p25=110000, p75=160000, n=80),
                        remote_pct=12.4)
    band_only = StatSnapshot(source=_source("survey"), as_of="2024",
                             salary=Salary(median=99500, p25=80000, p75=1250000, n=40))
    a = _role("a", skills=("Python", "SQL"), stats=(full,))
    b = _role("b", stats=(band_only,))
    c = compare_cells(a, full, 0.34, b, band_only, None)
    assert c.openings  # one column counts openings
    assert (c.open_a, c.open_b) == ("1,234", "")
    assert (c.share_a, c.share_b) == ("0.3%", "")
    assert (c.avg_a, c.avg_b) == ("$120K–$150K", "")
    assert (c.band_a, c.band_b) == ("", "$80K–$1.25M")  # a band only where there is no range
    assert (c.median_a, c.median_b) == ("$135K", "$99.5K")
    assert (c.remote_a, c.remote_b) == ("12%", "")
    assert (c.skill_a, c.skill_b) == ("Python", "")
    assert (c.n_a, c.n_b) == ("80", "40")
    none = compare_cells(b, None, None, b, None, 1.0)
    assert not none.openings
    assert (none.median_a, none.n_a, none.share_b) == ("", "", "1%")


def test_level_mix_lists_known_levels_in_display_order() -> None:
    assert level_mix(Experience(entry=25, mid=35, senior=40)) == "Senior 40%, Mid 35%, Entry 25%"
    assert level_mix(Experience(entry=7.6)) == "Entry 8%"
    assert level_mix(Experience()) == ""


def test_functions_that_ask_for_the_context_still_get_it() -> None:
    """The quick ``Context.call`` skips jinja's checks only for unmarked functions."""

    @jinja2.pass_context
    def who(context: Any, greeting: str) -> str:
        return f"{greeting} {context['name']}"

    def shout(text: str, *, end: str = "!") -> str:
        return text.upper() + end

    calls: list[int] = []

    def stops() -> str:
        calls.append(1)
        raise StopIteration

    template = environment().from_string(
        '{{ who("hi") }} {{ shout("x") }} {{ shout("y", end="?") }} '
        '{{ "gone" if stops() is undefined else "there" }}')
    assert template.render(who=who, shout=shout, stops=stops, name="Ada") == "hi Ada X! Y? gone"
    assert calls == [1]


def test_a_table_keeps_its_layout() -> None:
    """table() rewritten with map/zip: blank rows dropped, blank cells shown as a dash,
    columns padded to the widest cell, headers first (as the loops before it did)."""
    assert table([("x", "1", ""), ("longer label", "", "22"), ("blank", "", None)], "A", "B") == (
        "```\n              A  B\nx             1  —\nlonger label  —  22\n```")
    assert table([("x", "", "")], "A", "B") == ""
    assert table([("x", "1")]) == "```\nx  1\n```"
    reply = render("compare.j2", **_compare_values())
    side = next(s.body for s in reply.sections if s.heading == "Side by side")
    assert side == (
        "```\n                 A              B\n"
        "Median salary    $120K          $95K\n"
        "75th percentile  $150K          $110K\n"
        "Top skill        Python         SQL\n"
        "Salary sample    300 responses  200 responses\n```")


def _compare_values() -> dict[str, Any]:
    survey = _source("survey")
    sa = StatSnapshot(source=survey, as_of="2024", salary=Salary(median=120000, p75=150000, n=300))
    sb = StatSnapshot(source=survey, as_of="2024", salary=Salary(median=95000, p75=110000, n=200))
    a = _role("a", skills=("Python",), stats=(sa,))
    b = _role("b", skills=("SQL",), stats=(sb,))
    from bot.core import verdict as verdict_mod
    from bot.core.figures import source_uses
    return {"a": a, "b": b, "sa": sa, "sb": sb, "v": verdict_mod.compute(a, sa, b, sb),
            "mixed": False, "bare": [], "share_a": None, "share_b": None,
            "uses": source_uses([(a, sa), (b, sb)]), "hint": None, "missing": [],
            "alternative": None, "prefix": "!", "assumed": [], "total": None}


