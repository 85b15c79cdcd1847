"""Skill fit ranks roles by how many of the named skills and tools they hold; where people
come from (backgrounds) is read as a background, not as a role."""

from __future__ import annotations

import pytest

from bot.core.advisor import Advisor
from bot.knowledge.files import load_knowledge_dir
from tests.chat.conftest import sayer, text
from tests.conftest import KNOWLEDGE_DIR

ROLES = load_knowledge_dir(KNOWLEDGE_DIR).roles


def _holds(slug: str, skill: str) -> bool:
    role = ROLES[slug]
    return skill in role.skills or any(skill in g.items for g in role.tools)


@pytest.mark.parametrize(("message", "skills"), [
    ("I know docker and python well, what fits?", ("Docker", "Python")),
    ("i know k8s and tf, which role fits", ("Kubernetes", "Terraform")),
    ("good at kubernetes, terraform and pytorch, which role suits me",
     ("Kubernetes", "Terraform", "PyTorch")),
    ("i know sql and excel pretty well, what data jobs fit me?", ("SQL", "Microsoft Excel")),
])
def test_roles_are_ranked_by_how_many_named_skills_they_hold(chat: Advisor, message: str,
                                                             skills: tuple[str, ...]) -> None:
    reply = sayer(chat, user=message)(message)
    body = text(reply)
    assert reply.kind == "answer" and "None of the roles" not in body, body
    first = body.split("\n")[1]
    most = max(sum(_holds(s, k) for k in skills) for s in ROLES)
    assert first.startswith(f"- {most} of {len(skills)}" if len(skills) > 1 else "- "), body
    leaders = [r for r in ROLES.values() if r.name in first]
    assert leaders and all(sum(_holds(r.slug, k) for k in skills) == most for r in leaders)


def test_a_skill_only_among_a_roles_tools_still_counts(chat: Advisor) -> None:
    # Terraform is among the MLOps Engineer's tools, not its top skills.
    assert "Terraform" not in ROLES["mlops-engineer"].skills and _holds("mlops-engineer",
                                                                        "Terraform")
    body = text(sayer(chat)("i write terraform and kubernetes all day, which role fits me?"))
    both = [line for line in body.split("\n") if line.startswith("- 2 of 2")]
    assert any("MLOps Engineer" in line and "Terraform among the tools" in line
               for line in both), body


def test_which_jobs_use_a_skill_lists_every_role_holding_it(chat: Advisor) -> None:
    body = text(sayer(chat)("what jobs use sql skills?"))
    holding = [r for r in ROLES.values() if _holds(r.slug, "SQL")]
    listed = [r for r in holding if r.name in body]
    assert len(listed) >= min(len(holding), 8), body
    assert f"and {len(holding) - len(listed)} more" in body or len(listed) == len(holding)


@pytest.mark.parametrize("message", [
    "SRE here, where could I go in AI?",
    "sre, what ai role fits me?",
    "devops engineer at a big bank, is mlops a good fit for me?",
    "sysadmin looking to move into ai, any advice?",
    "as an sre, how do i get into mlops",
])
def test_an_ops_background_is_read_as_where_the_member_comes_from(chat: Advisor,
                                                                  message: str) -> None:
    reply = sayer(chat, user=message)(message)
    body = text(reply)
    assert reply.kind == "answer" and "MLOps Engineer" in body, body
    assert "shortest road" in body or "shorter path" in body, body
    assert "don't have data on" not in body and "Which role do you mean" not in body


@pytest.mark.parametrize("message", [
    "product manager wanting to get into ai, where do i start",
    "product owner here, how do i move into ai?",
])
def test_a_product_background_leads_to_the_ai_pm_route(chat: Advisor, message: str) -> None:
    body = text(sayer(chat, user=message)(message))
    assert "AI Product Manager" in body and "product-management experience" in body, body


def test_a_background_with_only_a_guidance_route_is_answered_as_guidance(chat: Advisor) -> None:
    # knowledge/mappings/career-guidance.yaml writes a way in from software engineering
    # (our guidance, not data): it is the answer, labelled so.
    reply = sayer(chat)("backend dev here, how do i get into ai?")
    body = text(reply)
    assert reply.kind == "answer" and "AI Engineer" in body, body
    assert "general guidance, not from a data source" in body.lower(), body


@pytest.mark.parametrize("message", [
    # (A PhD was here: the knowledge holds roads from a PhD, which test_ways_in checks.)
    "im a graphic designer, which ai role suits me?",
    "im a project manager, where do i start in ai?",
])
def test_a_background_without_a_route_says_so_and_offers_what_is_held(chat: Advisor,
                                                                      message: str) -> None:
    reply = sayer(chat, user=message)(message)
    body = text(reply)
    assert reply.kind == "answer" and "I don't hold a route written for" in body, body
    assert "routes I hold" in body and "(no route recorded)" not in body
