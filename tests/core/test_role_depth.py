"""Every role, asked the way in, the week and the degree, in chat and by command (issue 13).

Expectations come from the knowledge as loaded (each role's own ladder, tasks and Job
Zones), so a generic reply, an empty section or another role's answer fails: nothing
here copies an answer into code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.core.advisor import Request
from bot.core.reply import render_text
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.models import Role
from bot.knowledge.reviewed import GUIDANCE_LABEL
from tests.conftest import KNOWLEDGE_DIR, repo_advisor

ROLES = load_knowledge_dir(KNOWLEDGE_DIR).roles
#: The seed's roles keep their own (sourced) text; every other role is an open-data role.
SEED = ("mlops-engineer", "ai-product-manager")
GENERIC = ("I don't hold how people usually get into", "I don't have a progression",
           "I don't have a description of a typical week", "I don't hold degree",
           "Which role do you mean", "Something went wrong")


@pytest.fixture(scope="module")
def ask(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    with repo_advisor(tmp_path_factory.mktemp("role-depth")) as advisor:
        # Discord escapes ("O\\*NET") removed, so expectations read as the member sees them.
        yield lambda text: render_text(advisor.handle(Request(text=text))).replace("\\*", "*")


def article(name: str) -> str:
    return "an" if name[0].lower() in "aeiou" else "a"


def specific(reply: str, role: Role) -> None:
    assert not any(g in reply for g in GENERIC), reply
    assert role.name in reply, reply


def test_every_open_data_role_holds_a_ladder_a_week_and_job_zones() -> None:
    open_data = [r for r in ROLES.values() if r.slug not in SEED]
    assert len(open_data) == 15
    for role in open_data:
        assert role.path_guidance and len(role.progression) >= 2 and role.best_from, role.slug
        assert role.getting_in and role.getting_in_steps, role.slug
        assert len(role.week_tasks) >= 3 and role.related and role.job_zones, role.slug
        assert {z.occupation for z in role.job_zones} == set(role.occupations), role.slug


@pytest.mark.parametrize("slug", sorted(ROLES))
def test_chat_way_in_week_and_degree_for_every_role(ask: Callable[[str], str], slug: str) -> None:
    role = ROLES[slug]
    name = role.name.lower()
    way_in = ask(f"how do I get into {name}")
    specific(way_in, role)
    assert role.best_from[0] in way_in
    if role.path_guidance:
        assert GUIDANCE_LABEL in way_in.lower()
    week = ask(f"what does a week as {article(name)} {name} look like")
    specific(week, role)
    assert all(task in week for task in role.week_tasks[:3]), week
    for question in (f"what degree does {article(name)} {name} need",
                     f"do i need a phd for {name}"):
        degree = ask(question)
        specific(degree, role)
        for zone in role.job_zones:
            assert f"{zone.occupation}: Job Zone {zone.zone}" in degree, degree
        assert "O*NET" in degree and "Used under the CC BY 4.0 license" in degree


@pytest.mark.parametrize("slug", sorted(ROLES))
def test_commands_path_and_week_for_every_role(ask: Callable[[str], str], slug: str) -> None:
    role = ROLES[slug]
    path = ask(f"!path {slug}")
    specific(path, role)
    assert " → ".join(role.progression) in path
    assert "Getting in" in path and role.getting_in_steps[0] in path
    assert "Preparation O*NET records" in path
    assert all(f"Job Zone {z.zone}" in path for z in role.job_zones)
    assert ("general guidance, not from a data source" in path) == role.path_guidance
    week = ask(f"!week {slug}")
    specific(week, role)
    assert all(task in week for task in role.week_tasks), week


@pytest.mark.parametrize("slug", sorted(s for s in ROLES if s not in SEED))
def test_onet_tools_are_never_called_top_or_to_add_skills(ask: Callable[[str], str],
                                                          slug: str) -> None:
    role = ROLES[slug]
    reply = ask(f"!role {slug}")
    assert "Tools O*NET lists for this occupation" in reply and "Top skills" not in reply
    switch = ask(f"!switch mlops {slug}")
    assert "Skills to add" not in switch
    assert f"Tools O*NET lists for {role.name}'s occupation" in switch or "none" in switch


def test_reviewed_relevance_filters_spreadsheets_from_a_data_engineers_list() -> None:
    de, da = ROLES["data-engineer"], ROLES["data-analyst"]
    listed = {*de.skills, *(i for t in de.tools for i in t.items)}
    assert not listed & {"Microsoft Excel", "SAP", "Microsoft Office", "Microsoft Outlook",
                         "Microsoft PowerPoint", "Microsoft Access"}
    assert "Microsoft Excel" in da.skills  # the same O*NET entry fits an analyst's list
    pm = ROLES["ai-product-manager"]
    assert not any("Advertising" in r or "Sales" in r for r in pm.related)


ONET_DIR = KNOWLEDGE_DIR.parent.parent / "shared" / "data" / "onet-29.3"


@pytest.mark.skipif(not ONET_DIR.is_dir(), reason=f"O*NET is not at {ONET_DIR}")
def test_committed_job_zones_match_the_onet_file_beside_the_repo() -> None:
    """Read "Job Zones.txt" here, independently of the importer, and compare."""
    import csv
    import re

    with (ONET_DIR / "Job Zones.txt").open(newline="", encoding="utf-8-sig") as handle:
        zones = {r["O*NET-SOC Code"]: int(r["Job Zone"])
                 for r in csv.DictReader(handle, delimiter="\t")}
    for role in ROLES.values():
        for z in role.job_zones:
            code = re.search(r"\((\d{2}-\d{4}\.\d{2})\)$", z.occupation)
            assert code and zones[code.group(1)] == z.zone, (role.slug, z)
