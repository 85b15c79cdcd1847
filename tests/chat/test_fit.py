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
    assert "MLOps Engineer" in body.split("\n")[1], body


def test_which_jobs_use_a_skill_lists_every_role_holding_it(chat: Advisor) -> None:
    body = text(sayer(chat)("what jobs use sql skills?"))
    holding = [r for r in ROLES.values() if _holds(r.slug, "SQL")]
    listed = [r for r in holding if r.name in body]
    assert len(listed) >= min(len(holding), 8), body
    assert f"and {len(holding) - len(listed)} more" in body or len(listed) == len(holding)
