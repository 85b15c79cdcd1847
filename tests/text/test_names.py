"""Role resolution: aliases, normalisation, typos, and short names that must not mis-fire."""

from __future__ import annotations

import pytest

from bot.core.advisor import Advisor


@pytest.mark.parametrize(
    "text",
    ["mlops", "MLOps", "ml ops", "ML-Ops", "ml_ops", "mlops engineer", "MLOps Engineers",
     "machine learning operations engineer", "ＭＬＯｐｓ"],
)
def test_mlops_aliases(advisor: Advisor, text: str) -> None:
    match = advisor.resolve(text)
    assert match.slug == "mlops-engineer"
    assert match.exact


@pytest.mark.parametrize("text", ["pm", "PM", "ai pm", "AIPM", "ai-pm", "AI Product Manager",
                                  "ai product managers", "A.I. PM"])
def test_pm_aliases(advisor: Advisor, text: str) -> None:
    match = advisor.resolve(text)
    assert match.slug == "ai-product-manager"


@pytest.mark.parametrize(("typo", "slug"), [("mlosp", "mlops-engineer"),
                                            ("mlop", "mlops-engineer"),
                                            ("ai prodcut manager", "ai-product-manager")])
def test_typos_resolve_with_note(advisor: Advisor, typo: str, slug: str) -> None:
    match = advisor.resolve(typo)
    assert match.slug == slug
    assert not match.exact


@pytest.mark.parametrize("short", ["pn", "ml", "om", "mm", "p", "ops"])
def test_short_inputs_never_fuzz(advisor: Advisor, short: str) -> None:
    assert advisor.resolve(short).slug is None


def test_unrelated_words_do_not_match(advisor: Advisor) -> None:
    for word in ("banana", "qwertyuiop", "xyz", "hello there"):
        assert advisor.resolve(word).slug is None


def test_typo_answer_says_what_was_assumed(ask) -> None:
    text = ask("!compare mlosp pm")
    assert "Taking “mlosp” to mean MLOps Engineer" in text
    assert "MLOps Engineer vs AI Product Manager" in text


def test_did_you_mean_without_answering(ask_reply) -> None:
    reply = ask_reply("!role aipn")
    assert reply.kind == "error"
    assert "Did you mean AI Product Manager?" in reply.lead


def test_unknown_role_lists_known_roles(advisor: Advisor, ask_reply) -> None:
    reply = ask_reply("!compare xyz pm")
    assert reply.kind == "error"
    listed = " ".join(s.body for s in reply.sections)
    for role in advisor.knowledge().roles.values():
        assert role.name in listed


def test_autocomplete_prefers_prefix_matches(advisor: Advisor) -> None:
    # "ml" starts an alias of several roles now (mle, mlops, ml researcher...): every role
    # with such an alias comes before any role without one.
    choices = [slug for _, slug in advisor.autocomplete("ml")]
    knowledge = advisor.knowledge()
    starts = {slug for slug, role in knowledge.roles.items()
              if any(a.replace(" ", "").startswith("ml") for a in role.aliases)}
    assert "mlops-engineer" in starts and "machine-learning-engineer" in starts
    assert set(choices[:len(starts)]) == starts
    assert next(s for _, s in advisor.autocomplete("mlops")) == "mlops-engineer"
    assert len(advisor.autocomplete("")) == min(25, len(advisor.knowledge().roles))
    assert all(len(name) <= 100 for name, _ in advisor.autocomplete("a"))
