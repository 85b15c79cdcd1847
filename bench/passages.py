"""``python -m bench.passages``: how well each way of matching finds the passage a detail
question needs, and what it costs.

On tests/chat/passages_questions.yaml: top-1 and top-2 accuracy of lexical (FTS5 bm25 +
word coverage), semantic (wordllama cosine) and both combined, each searching the
passages of the question's role; for the combined score, a sweep of thresholds showing
how many right answers each keeps and how many unanswerable questions it turns away;
the time per query (warm, index built) and the model's import-and-load time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

import yaml

from bot.core.chat import ChatEngine
from bot.core.chat.passages import METHODS, MIN_SCORE, Match, PassageIndex, Query, load_model
from bot.knowledge.build import build_database
from bot.knowledge.models import Knowledge
from bot.knowledge.store import KnowledgeStore

REPO_ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = REPO_ROOT / "tests" / "chat" / "passages_questions.yaml"
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def load_questions(path: Path = QUESTIONS) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def right(match: Match, expect: list[dict[str, str]]) -> bool:
    """Is ``match`` one of the passages the question is labelled with?"""
    return any(match.passage.field == e["field"] and e["phrase"].casefold()
               in match.passage.text.casefold() for e in expect)


def query_for(engine: ChatEngine, knowledge: Knowledge, text: str) -> Query:
    """The query the engine would search with: the message without its role names."""
    u, _ = engine.understand(text, knowledge)
    return Query.from_tokens(u.tokens, (i for m in u.roles for i in range(m.start, m.end)))


def evaluate(knowledge: Knowledge, questions: dict[str, Any],
             part: str = "questions") -> dict[str, Any]:
    started = time.perf_counter()
    model = load_model()
    load_s = time.perf_counter() - started
    engine = ChatEngine()
    index = PassageIndex.build(knowledge)
    asked = [(q, query_for(engine, knowledge, q["q"])) for q in questions[part]]
    unanswered = [(q, query_for(engine, knowledge, q["q"])) for q in questions["unanswered"]]
    result: dict[str, Any] = {"questions": len(asked), "unanswered": len(unanswered),
                              "passages": len(index.passages), "model_load_s": round(load_s, 3),
                              "methods": {}}
    for method in METHODS:
        index.search(asked[0][1], [asked[0][0]["role"]], method=method, model=model)  # warm
        top1 = top2 = 0
        times: list[float] = []
        best_right: list[float] = []
        best_none: list[float] = []
        best_wrong: list[float] = []
        misses: list[str] = []
        for q, query in asked:
            start = time.perf_counter()
            matches = index.search(query, [q["role"]], method=method, model=model)
            times.append(time.perf_counter() - start)
            if matches and right(matches[0], q["expect"]):
                top1 += 1
                best_right.append(matches[0].score)
            else:
                best_wrong.append(matches[0].score if matches else 0.0)
                misses.append(f'{q["q"]} -> {matches[0].passage.text[:60] if matches else "-"}')
            if any(right(m, q["expect"]) for m in matches[:2]):
                top2 += 1
        for q, query in unanswered:
            matches = index.search(query, [q["role"]], method=method, model=model)
            best_none.append(matches[0].score if matches else 0.0)
        sweep = {t: {"kept_right": sum(s >= t for s in best_right),
                     "shown_wrong": sum(s >= t for s in best_wrong),
                     "turned_away": sum(s < t for s in best_none)} for t in THRESHOLDS}
        result["methods"][method] = {
            "top1": top1, "top2": top2, "ms_per_query": round(median(times) * 1000, 3),
            "sweep": sweep, "misses": misses,
        }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, default=REPO_ROOT / "knowledge")
    parser.add_argument("--misses", action="store_true", help="list the questions missed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build_database(args.knowledge, Path(tmp) / "kb.db")
        store = KnowledgeStore(Path(tmp) / "kb.db")
        results = [(part, evaluate(store.knowledge(), load_questions(), part))
                   for part in ("questions", "check")]
        store.close()
    for part, result in results:
        print(f"-- {part}: " + ("the labelled set" if part == "questions" else
                                "written after tuning, never tuned on"))
        report(result, args.misses)
    return 0


def report(result: dict[str, Any], misses: bool) -> None:
    n, none = result["questions"], result["unanswered"]
    print(f"{n} detail questions, {none} unanswerable, {result['passages']} passages; "
          f"model import+load {result['model_load_s']:.2f} s")
    print(f"{'method':<10}{'top-1':>12}{'top-2':>12}{'ms/query':>10}")
    for method, r in result["methods"].items():
        print(f"{method:<10}{r['top1']:>5} ({r['top1'] / n:4.0%}){r['top2']:>5} "
              f"({r['top2'] / n:4.0%}){r['ms_per_query']:>10.2f}")
    for method, r in result["methods"].items():
        print(f"threshold sweep, {method}: right top-1 shown / {r['top1']}, wrong top-1 shown"
              f" / {n - r['top1']}, unanswerable turned away / {none} (* = MIN_SCORE)")
        print("  " + "  ".join(f"{t}{'*' if t == MIN_SCORE else ''}: {s['kept_right']}/"
                               f"{s['shown_wrong']}/{s['turned_away']}"
                               for t, s in r["sweep"].items()))
        if misses:
            for miss in r["misses"]:
                print("   miss:", miss)


if __name__ == "__main__":
    raise SystemExit(main())
