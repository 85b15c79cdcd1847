"""Core latency: ``Advisor.handle`` by message type, no Discord involved.

Each figure is the time for one call on a warm advisor (database loaded, templates
compiled), over the fixed message sets repeated; "first answer" figures time each
message the first time a fresh advisor sees it, which is what the first person to ask
a new question waits for.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

from bench.messages import HANDLE_TYPES, MessageSets, varied_commands
from bench.stats import summarise_ns
from bot.app import create_advisor
from bot.core.advisor import Advisor, Request
from bot.knowledge.build import build_database
from bot.settings import Settings

#: Questions about a detail no figure answers, answered from the knowledge's own sentences
#: (bot/core/chat/passages.py); the last has no good match and gets "what I can answer".
DETAIL_QUESTIONS = (
    "which teams does an mlops engineer deal with",
    "do inference costs matter to an mlops engineer",
    "do ai pms talk to customers",
    "does a data scientist clean raw data",
    "do mlops engineers get free lunch",
)


def _requests(texts: tuple[str, ...] | list[str]) -> list[Request]:
    """Requests from a spread of users and channels, as a busy server sends them."""
    return [Request(text=t, user_id=str(1000 + i % 50), channel_id=str(2000 + i % 5),
                    guild_id=None, prefix="!") for i, t in enumerate(texts)]


def _time_handle(advisor: Advisor, requests: list[Request], repeats: int) -> list[int]:
    samples: list[int] = []
    clock = time.perf_counter_ns
    handle = advisor.handle
    for _ in range(repeats):
        for request in requests:
            start = clock()
            handle(request)
            samples.append(clock() - start)
    return samples


def _first_answers(settings: Settings, requests: list[Request], rounds: int) -> list[int]:
    """Each message's first answer from a fresh advisor (its knowledge already loaded)."""
    samples: list[int] = []
    for _ in range(rounds):
        advisor = create_advisor(settings)
        advisor.index(advisor.knowledge())  # loading is timed under start-up, not here
        clock = time.perf_counter_ns
        for request in requests:
            start = clock()
            advisor.handle(request)
            samples.append(clock() - start)
        advisor.store.close()
    return samples


def run(knowledge_dir: Path, db_path: Path, sets: MessageSets, *, repeats: int,
        varied: int = 0) -> dict[str, Any]:
    """Every core figure for one knowledge base."""
    started = time.perf_counter()
    knowledge = build_database(knowledge_dir, db_path)
    build_s = time.perf_counter() - started
    settings = Settings(_env_file=None, db=db_path, knowledge_dir=knowledge_dir)
    started = time.perf_counter()
    advisor = create_advisor(settings)
    advisor.index(advisor.knowledge())
    load_s = time.perf_counter() - started

    result: dict[str, Any] = {
        "roles": len(knowledge.roles), "faq": len(knowledge.faq),
        "aliases": sum(len(r.aliases) for r in knowledge.roles.values()),
        "build_s": round(build_s, 3), "load_s": round(load_s, 4), "types": {},
    }
    gc.collect()
    for kind in HANDLE_TYPES:
        requests = _requests(sets.texts(kind))
        result["types"][kind] = {
            "messages": len(requests),
            "warm": summarise_ns(_time_handle(advisor, requests, repeats)),
            "first": summarise_ns(_first_answers(settings, requests, max(1, repeats // 20))),
        }
    # The first detail answer of a process also loads the embedding model (once, ~0.3 s,
    # reported by `python -m bench.passages`); "first" here is a fresh advisor's, with the
    # passage index of its knowledge view built on that first question.
    requests = _requests(DETAIL_QUESTIONS)
    _time_handle(advisor, requests[:1], 1)
    result["types"]["detail question"] = {
        "messages": len(requests),
        "warm": summarise_ns(_time_handle(advisor, requests, repeats)),
        "first": summarise_ns(_first_answers(settings, requests, max(1, repeats // 20))),
    }
    if varied:
        # Each message is new the first time (a fresh answer is composed); the second
        # pass asks them all again, as members repeat each other.
        requests = _requests(varied_commands(knowledge, varied))
        fresh = create_advisor(settings)
        fresh.index(fresh.knowledge())
        first = _time_handle(fresh, requests, 1)
        again = _time_handle(fresh, requests, 1)
        result["types"]["command, many roles"] = {
            "messages": len(requests), "warm": summarise_ns(again), "first": summarise_ns(first),
        }
        fresh.store.close()

    slash_samples: list[int] = []
    for _ in range(repeats):
        for name, roles in sets.slash:
            start = time.perf_counter_ns()
            advisor.run(name, list(roles), prefix="!")
            slash_samples.append(time.perf_counter_ns() - start)
    result["types"]["slash"] = {"messages": len(sets.slash), "warm": summarise_ns(slash_samples)}

    auto_samples: list[int] = []
    for _ in range(repeats):
        for text in sets.autocomplete:
            start = time.perf_counter_ns()
            advisor.autocomplete(text)
            auto_samples.append(time.perf_counter_ns() - start)
    result["types"]["autocomplete"] = {"messages": len(sets.autocomplete),
                                       "warm": summarise_ns(auto_samples)}
    advisor.store.close()
    return result


def scale_run(knowledge_dir: Path, db_path: Path, sets: MessageSets, *, rounds: int,
              warm_repeats: int) -> dict[str, Any]:
    """First and warm answers for one knowledge scale (README, "Knowledge scales").

    "First" is the first answer from a new advisor whose knowledge is loaded and alias
    index built (both timed apart, as ``load_s``): what the first member to ask after a
    start or a knowledge change waits for, e.g. the chat catalogue being built. "Warm"
    is the median over the message set asked again and again on that advisor. The
    question is a free-form one; the command is ``!compare`` of two real roles.
    """
    started = time.perf_counter()
    knowledge = build_database(knowledge_dir, db_path)
    build_s = time.perf_counter() - started
    settings = Settings(_env_file=None, db=db_path, knowledge_dir=knowledge_dir)
    question, command = sets.question[0], "!compare mlops pm"
    first: dict[str, list[int]] = {"question": [], "command": []}
    loads: list[float] = []
    advisor = None
    for _ in range(rounds):
        for kind, text in (("question", question), ("command", command)):
            if advisor is not None:
                advisor.store.close()
            started = time.perf_counter()
            advisor = create_advisor(settings)
            advisor.index(advisor.knowledge())
            loads.append(time.perf_counter() - started)
            gc.collect()
            first[kind] += _time_handle(advisor, _requests([text]), 1)
    assert advisor is not None
    advisor.handle(_requests([question])[0])  # this advisor's own first answers, untimed
    warm_questions = _time_handle(advisor, _requests(sets.question), warm_repeats)
    warm_commands = _time_handle(advisor, _requests(sets.command), warm_repeats)
    advisor.store.close()
    return {
        "roles": len(knowledge.roles), "faq": len(knowledge.faq),
        "build_s": round(build_s, 3), "load_s": round(min(loads), 4),
        "first_question": summarise_ns(first["question"]),
        "first_command": summarise_ns(first["command"]),
        "warm_question": summarise_ns(warm_questions),
        "warm_command": summarise_ns(warm_commands),
    }
