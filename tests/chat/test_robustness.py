"""Many phrasings, every role: the pipeline never raises and every reply fits a message.

Question shapes are crossed with every role the knowledge base holds and with follow-ups,
so a code path only some roles or contexts reach (a missing figure, a survey-only role,
no conversation yet) is exercised too.
"""

from __future__ import annotations

import itertools
import re

from bot.core.advisor import Advisor, Request
from bot.core.reply import render_text

SHAPES = (
    "how much do {r} make?", "{r} salary", "median for {r}", "75th percentile {r}",
    "p25 for {r}", "mean salary {r}", "is 150k a lowball for {r}", "how many {r} openings",
    "what share of listings are {r}", "is {r} remote friendly", "is {r} junior friendly",
    "top skill for {r}", "top 3 skills for {r}", "whats number 9 on the {r} list",
    "do i need kubernetes for {r}", "{r} career path", "whats after senior {r}",
    "how do i become {r}", "typical week for {r}", "where are {r} jobs", "red flags for {r}",
    "is {r} growing", "tell me about {r}", "whats unique to {r}", "{r} vs mlops",
    "switch from {r} to ai pm", "{r} salary in london", "{r} salary next year",
    "i'm a {r} making 180k", "which is better, {r} or pm, for remote",
)
FOLLOW_UPS = ("and remote?", "what about the other one?", "and the 75th?", "number 2?",
              "is that above the median for my role?", "which pays more?", "and for both?")


def test_every_shape_for_every_role_answers_within_one_message(chat: Advisor) -> None:
    knowledge = chat.knowledge()
    names = [r.name.lower() for r in knowledge.role_list()]
    for i, (shape, name) in enumerate(itertools.product(SHAPES, names)):
        reply = chat.handle(Request(text=shape.format(r=name), user_id=f"r{i}"))
        text = render_text(reply)
        assert text and len(text) <= 2000, (shape, name)
        assert "None" not in text


def test_follow_ups_after_any_question_never_fail(chat: Advisor) -> None:
    for i, (first, follow) in enumerate(itertools.product(
            [s.format(r="mlops") for s in SHAPES[:16]] + ["hi", "tell me a joke"], FOLLOW_UPS)):
        user = f"f{i}"
        chat.handle(Request(text=first, user_id=user))
        text = render_text(chat.handle(Request(text=follow, user_id=user)))
        assert text and len(text) <= 2000, (first, follow)


def test_declines_and_redirects_never_state_a_figure(chat: Advisor) -> None:
    for text in ("how much do ux designers make", "tell me a joke", "gm", "lol",
                 "how much do nurses make in paris", "mlops bonus", "what's the weather"):
        reply = chat.handle(Request(text=text, user_id="d"))
        if reply.kind in ("decline", "help"):
            body = reply.lead
            if reply.kind == "help" or "ux" in text or "nurses" in text:
                assert not re.search(r"\$\d|\d%", body), (text, body)
