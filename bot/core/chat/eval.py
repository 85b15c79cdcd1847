"""Run the conversational question set and report pass rates and timings.

    python -m bot.core.chat.eval [questions.yaml ...] [--questions PATH] [--knowledge DIR]
                                 [--verbose]

With no path it runs every committed set (tests/chat/questions.yaml and
tests/chat/questions_open_data.yaml) and reports each by category. The real-question set
(tests/chat/questions_real.yaml: questions people asked online, each with its source) is
run by naming it; its report adds a table by kind of question and shows the items that
wait on knowledge still to come ("needs") apart from the rest.

Each item of the set is one conversation (a fresh user) sent through the real Advisor
and chat engine over a database built from the knowledge files. An answer passes when
it contains every expected figure (looked up in the knowledge files and formatted the
way the bot formats figures), every expected phrase, none of the forbidden ones, fits
one Discord message, names a source when it states a figure, and states no dollar
figure or percentage that the knowledge base does not hold. Declines must be declines.
The test suite runs the same code and asserts the bars; this script prints the report
(pass rate by category, and the median and p99 time to answer through the core).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.core.render import count, money, pct, warm_templates
from bot.core.reply import MESSAGE_LIMIT, Reply, render_text
from bot.core.verdict import THRESHOLDS
from bot.knowledge.models import Role, StatSnapshot

if TYPE_CHECKING:  # the advisor imports this package; run() imports it when called
    from bot.core.advisor import Advisor

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_QUESTIONS = REPO_ROOT / "tests" / "chat" / "questions.yaml"
#: Questions about the roles imported from open data (salary survey and O*NET).
OPEN_DATA_QUESTIONS = REPO_ROOT / "tests" / "chat" / "questions_open_data.yaml"
#: The committed sets `python -m bot.core.chat.eval` reports when given no path.
COMMITTED_SETS = (DEFAULT_QUESTIONS, OPEN_DATA_QUESTIONS)
#: Questions real people asked online (each with its source address); run by naming it.
#: Not in COMMITTED_SETS: it has its own ratchet bar (tests/chat/test_questions_real.py).
REAL_QUESTIONS = REPO_ROOT / "tests" / "chat" / "questions_real.yaml"
#: What a real question asks about; every item of a real-question set names one, so the
#: report can say which kinds of question the chat still misreads.
KINDS_OF_QUESTION = (
    "salary", "remote", "compare", "compound", "detail", "getting_in", "background",
    "skills_fit", "names", "uncovered", "off_topic", "degree", "age", "future", "level_pay",
    "country_pay", "pay_trend", "other",
)
#: Keys that describe an item rather than check its answer.
_ITEM_KEYS = ("category", "kind_of_question", "source", "needs")
DEFAULT_KNOWLEDGE = REPO_ROOT / "knowledge"

_MONEY_RE = re.compile(r"\$\d+(?:\.\d+)?[KM]?")
_PCT_RE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?%")
_SALARY_FIELDS = ("avg_low", "avg_high", "median", "p25", "p75", "mean")


class FactBook:
    """Figures in the knowledge files (read by the loader), formatted as the bot shows them.

    References name a role's primary snapshot (the first listed, as answers use it):
    "<slug>.salary.median", "<slug>.remote_pct", "<slug>.open_positions",
    "<slug>.experience.entry", "<slug>.share", "<slug>.skills.0",
    "<slug>.career.progression.1", "<slug>.career.leads_to.0", "<slug>.metros.2",
    "<slug>.getting_in.best_from.0", "<slug>.week_tasks.0", "<slug>.related.0",
    "market.total_positions", and "a - b". "<slug>@<source>.<path>" names another
    snapshot of the role, by source id or kind word: "mlops-engineer@survey.salary.n".
    """

    def __init__(self, knowledge_dir: Path) -> None:
        from bot.knowledge.files import load_knowledge_dir

        self.dir = Path(knowledge_dir)
        self.knowledge = load_knowledge_dir(self.dir)

    def value(self, ref: str) -> tuple[Any, str]:
        """The raw value of a reference and how to format it (money, pct, pct1, count, text)."""
        ref = ref.strip()
        if " - " in ref:
            left, right = ref.split(" - ", 1)
            a, _ = self.value(left)
            b, _ = self.value(right)
            return abs(a - b), "money"
        head, _, path = ref.partition(".")
        if head == "market":
            return self.knowledge.market[path].value, "count"
        slug, _, source = head.partition("@")
        role = self.knowledge.roles[slug]
        if path.startswith("cut."):  # "<slug>.cut.<dimension>.<value>.<figure>": a survey cut
            _, dimension, value, figure = path.split(".")
            cell = role.cut(dimension, value)
            if cell is None:
                raise KeyError(f"{role.slug} has no {dimension} cut {value!r} for {ref!r}")
            return (cell.n, "count") if figure == "n" else (getattr(cell.salary, figure), "money")
        snap = self._snapshot(role, source) if source else role.snapshot()
        if snap is None:
            raise KeyError(f"{role.slug} has no figures for {ref!r}")
        parts = path.split(".")
        if parts[0] == "salary":
            return getattr(snap.salary, parts[1]), "count" if parts[1] == "n" else "money"
        if parts[0] == "remote_pct":
            return snap.remote_pct, "pct"
        if parts[0] == "open_positions":
            return snap.open_positions, "count"
        if parts[0] == "experience":
            return getattr(snap.experience, parts[1]), "pct"
        if parts[0] == "share":
            total = self.knowledge.market["total_positions"].value
            if snap.open_positions is None:
                raise KeyError(f"{role.slug} has no open positions for {ref!r}")
            return snap.open_positions / total * 100, "pct1"
        lists = {"skills": role.skills, "career.progression": role.progression,
                 "career.leads_to": role.leads_to, "metros": role.metros,
                 "getting_in.best_from": role.best_from, "week_tasks": role.week_tasks,
                 "related": role.related}
        key = ".".join(parts[:-1])
        return lists[key][int(parts[-1])], "text"

    @staticmethod
    def _snapshot(role: Role, source: str) -> StatSnapshot:
        """The role's snapshot from a source named by id or by the word a member types
        for its kind ("survey", "postings"): "mlops-engineer@survey.salary.median"."""
        for snap in role.stats:
            if source in (snap.source.id, snap.source.short_hint):
                return snap
        raise KeyError(f"{role.slug} has no figures from {source!r}")

    def text(self, ref: str) -> str:
        value, kind = self.value(ref)
        return _fmt(value, kind)

    def allowed_figures(self) -> set[str]:
        """Every dollar figure and percentage an answer may state."""
        allowed: set[str] = {money(THRESHOLDS.pay_similar_usd)}
        by_metric: dict[str, list[float]] = defaultdict(list)
        total = self.knowledge.market.get("total_positions")
        for role in self.knowledge.roles.values():
            for snap in role.stats:
                sal = snap.salary
                for key in _SALARY_FIELDS:
                    value = getattr(sal, key)
                    if value is not None:
                        allowed.add(money(value))
                        by_metric[key].append(value)
                if sal.avg_midpoint is not None:
                    by_metric["mid"].append(sal.avg_midpoint)
                    allowed.add(money(sal.avg_midpoint))
                if snap.remote_pct is not None:
                    allowed.update({pct(snap.remote_pct), pct(snap.remote_pct, 1)})
                for _, value in snap.experience.items():
                    allowed.update({pct(value), pct(value, 1)})
                if snap.open_positions is not None and total and total.value:
                    share = snap.open_positions / total.value * 100
                    allowed.update({pct(share), pct(share, 1)})
            for cell in role.survey_cuts:
                allowed.update(money(v) for v in (cell.salary.p25, cell.salary.median,
                                                  cell.salary.p75, cell.salary.mean)
                               if v is not None)
        for values in by_metric.values():
            for a, b in combinations(values, 2):
                allowed.add(money(abs(a - b)))
        skill_lists = [[s.casefold() for s in r.skills] for r in self.knowledge.roles.values()
                       if r.skills]
        for first, second in combinations(skill_lists, 2):
            shared = len(set(first) & set(second))
            allowed.add(pct(shared / min(len(first), len(second)) * 100))
        return allowed | generated_figures(self.dir / "generated")


def generated_figures(directory: Path) -> set[str]:
    """Dollar figures and percentages held anywhere in the generated knowledge files.

    The loader reads each role's headline cell; an importer may also write cells cut by
    experience level, company country or work year. Walking the files for the salary
    fields, remote shares and experience mixes lets an answer that states such a cell pass
    the invented-figure check without this checker learning each new field, while a number
    found in no file still fails it. Differences between two medians of the same role are
    allowed too ("seniors earn $X more than entry level").
    """
    allowed: set[str] = set()
    medians: dict[str, list[float]] = defaultdict(list)

    def walk(node: Any, role: str, parent: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                key = str(key)
                here = key if parent == "roles" else role
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    if key in _SALARY_FIELDS:
                        allowed.add(money(value))
                        if key == "median" and here:
                            medians[here].append(value)
                    elif key == "remote_pct" or parent == "experience":
                        allowed.update({pct(value), pct(value, 1)})
                else:
                    walk(value, here, key)
        elif isinstance(node, list):
            for value in node:
                walk(value, role, parent)

    for path in sorted(Path(directory).rglob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), "", "")
    for values in medians.values():
        for a, b in combinations(values, 2):
            allowed.add(money(abs(a - b)))
    return allowed


def _fmt(value: Any, kind: str) -> str:
    if kind == "money":
        return money(value)
    if kind == "pct":
        return pct(value)
    if kind == "pct1":
        return pct(value, 1)
    if kind == "count":
        return count(value)
    return str(value)


@dataclass
class TurnResult:
    say: str
    reply: Reply
    text: str
    seconds: float
    problems: list[str] = field(default_factory=list)


@dataclass
class ItemResult:
    category: str
    turns: list[TurnResult]
    kind_of_question: str = ""
    source: str = ""
    #: The issue whose knowledge a good answer needs ("" when today's knowledge suffices).
    needs: str = ""

    @property
    def passed(self) -> bool:
        return all(not t.problems for t in self.turns)


def check(turn: dict, reply: Reply, text: str, facts: FactBook, allowed: set[str],
          typed: set[str]) -> list[str]:
    """Problems with one answer (empty when it passes)."""
    problems: list[str] = []
    low = text.casefold()
    if len(text) > MESSAGE_LIMIT:
        problems.append(f"longer than one message ({len(text)} chars)")
    for ref in turn.get("figures", []) or []:
        want = facts.text(ref)
        if want.casefold() not in low:
            problems.append(f"missing {ref} = {want!r}")
    for phrase in turn.get("says", []) or []:
        options = [p.strip() for p in str(phrase).split("|")]
        if not any(o.casefold() in low for o in options):
            problems.append(f"missing phrase {phrase!r}")
    for phrase in turn.get("not_says", []) or []:
        if str(phrase).casefold() in low:
            problems.append(f"contains forbidden {phrase!r}")
    for pattern in turn.get("matches", []) or []:
        if not re.search(str(pattern), text, re.IGNORECASE):
            problems.append(f"no match for {pattern!r}")
    stated = set(_MONEY_RE.findall(text)) | set(_PCT_RE.findall(text))
    invented = sorted(x for x in stated if x not in allowed and x not in typed)
    if invented:
        problems.append(f"figures not in the knowledge base: {invented}")
    if turn.get("decline") and reply.kind != "decline":
        problems.append(f"expected a decline, got kind {reply.kind!r}")
    if turn.get("kind") and reply.kind != turn["kind"]:
        problems.append(f"expected kind {turn['kind']!r}, got {reply.kind!r}")
    if reply.kind == "answer" and stated and not reply.footer:
        problems.append("states figures without naming a source")
    return problems


def load_items(path: Path) -> list[dict]:
    """The conversations of a question set. An item that names a kind of question (the
    real-question sets) must also name its source address and a known kind, so a real
    question never loses where it was asked; a bad item stops the run with its number."""
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out = []
    for number, item in enumerate(items, 1):
        turns = item.get("turns") or [{k: v for k, v in item.items() if k not in _ITEM_KEYS}]
        kind = str(item.get("kind_of_question") or "")
        source = str(item.get("source") or "")
        if kind or source:
            if kind not in KINDS_OF_QUESTION:
                raise ValueError(f"{path}: item {number} has kind_of_question {kind!r}; "
                                 f"expected one of {', '.join(KINDS_OF_QUESTION)}")
            if not re.match(r"https?://\S+$", source):
                raise ValueError(f"{path}: item {number} has no source address (source: URL)")
        out.append({"category": item["category"], "turns": turns, "kind_of_question": kind,
                    "source": source, "needs": str(item.get("needs") or "")})
    return out


def _typed_amounts(text: str) -> set[str]:
    """Dollar amounts the user typed, as the bot would show them back."""
    from bot.core.chat.normalize import clean_message
    from bot.core.chat.numbers import parse_numbers

    cleaned = clean_message(text).text
    return {money(a) for a in parse_numbers(cleaned, salary_context=True).amounts}


def run(questions: Path = DEFAULT_QUESTIONS, knowledge_dir: Path = DEFAULT_KNOWLEDGE,
        advisor: Advisor | None = None) -> list[ItemResult]:
    """Send every conversation through the core; return the checked results."""
    from bot.core.advisor import Advisor, Request
    from bot.core.chat import ChatEngine
    from bot.knowledge.build import build_database
    from bot.knowledge.store import KnowledgeStore

    facts = FactBook(knowledge_dir)
    allowed = facts.allowed_figures()
    items = load_items(questions)
    tmp = None
    store = None
    if advisor is None:
        tmp = tempfile.TemporaryDirectory()
        db = Path(tmp.name) / "eval.db"
        build_database(knowledge_dir, db)
        store = KnowledgeStore(db)
        advisor = Advisor(store, chat=ChatEngine())
    results = []
    try:
        # One untimed message builds the per-knowledge caches (vocabulary, FAQ index)
        # that every later message reuses, as a running bot does after its first answer.
        warm_templates()
        advisor.handle(Request(text="hello", user_id="eval-warmup", channel_id="eval"))
        for i, item in enumerate(items):
            typed: set[str] = set()
            turns = []
            for turn in item["turns"]:
                say = str(turn["say"])
                typed |= _typed_amounts(say)
                request = Request(text=say, user_id=f"eval-{i}", channel_id="eval")
                start = time.perf_counter()
                reply = advisor.handle(request)
                seconds = time.perf_counter() - start
                text = render_text(reply)
                problems = check(turn, reply, text, facts, allowed, typed)
                turns.append(TurnResult(say, reply, text, seconds, problems))
            results.append(ItemResult(item["category"], turns, item["kind_of_question"],
                                      item["source"], item["needs"]))
    finally:
        if store is not None:
            store.close()
        if tmp is not None:
            tmp.cleanup()
    return results


def summary(results: list[ItemResult], by: str = "category") -> dict[str, tuple[int, int]]:
    """category (or another ItemResult field, by="kind_of_question") -> (passed, total),
    plus "overall"."""
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        key = str(getattr(r, by))
        table[key][1] += 1
        table[key][0] += int(r.passed)
    out = {k: (v[0], v[1]) for k, v in sorted(table.items())}
    out["overall"] = (sum(v[0] for v in table.values()), sum(v[1] for v in table.values()))
    return out


def timings(results: list[ItemResult]) -> tuple[float, float, int]:
    """Median and p99 seconds per message through the core, and the number of messages."""
    times = sorted(t.seconds for r in results for t in r.turns)
    if not times:
        return 0.0, 0.0, 0
    p99 = times[min(len(times) - 1, max(0, round(0.99 * len(times)) - 1))]
    return statistics.median(times), p99, len(times)


def _table(results: list[ItemResult], by: str) -> list[str]:
    lines = [f"| {by.replace('_', ' ')} | passed | rate |", "|---|---|---|"]
    for key, (passed, total) in summary(results, by).items():
        name = f"**{key}**" if key == "overall" else key
        lines.append(f"| {name} | {passed}/{total} | {passed / total:.0%} |")
    return lines


def report(results: list[ItemResult], verbose: bool = False) -> str:
    lines = _table(results, "category")
    if any(r.kind_of_question for r in results):
        lines += ["", *_table(results, "kind_of_question")]
    waiting = sorted({r.needs for r in results if r.needs})
    if waiting:
        lines.append("")
        for issue in waiting:
            some = [r for r in results if r.needs == issue]
            lines.append(f"Needing issue {issue}'s knowledge: {_rate(some)}.")
        lines.append(f"Not needing it: {_rate([r for r in results if not r.needs])}.")
    median, p99, n = timings(results)
    lines.append("")
    lines.append(f"Time to answer through the core, {n} messages: median {median * 1000:.2f} ms, "
                 f"p99 {p99 * 1000:.2f} ms.")
    failures = [r for r in results if not r.passed]
    if failures:
        lines.append("")
        lines.append(f"Failures ({len(failures)}):")
        for r in failures:
            for t in r.turns:
                if t.problems:
                    needs = f", needs {r.needs}" if r.needs else ""
                    lines.append(f"- [{r.kind_of_question or r.category}{needs}] {t.say!r}: "
                                 f"{'; '.join(t.problems)}")
                    if verbose:
                        lines.append("    " + t.text.replace("\n", "\n    "))
    return "\n".join(lines)


def _rate(results: list[ItemResult]) -> str:
    passed = sum(r.passed for r in results)
    return f"{passed}/{len(results)} ({passed / len(results):.0%})" if results else "none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", metavar="questions.yaml",
                        help="question sets to run (default: every committed set)")
    parser.add_argument("--questions", action="append", default=[], metavar="PATH",
                        help="a question set to run; may be repeated")
    parser.add_argument("--knowledge", default=str(DEFAULT_KNOWLEDGE))
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in [*args.paths, *args.questions]] or list(COMMITTED_SETS)
    status = 0
    for i, path in enumerate(paths):
        results = run(path, Path(args.knowledge))
        if len(paths) > 1:
            print(("\n" if i else "") + f"## {_display(path)} ({len(results)} conversations)\n")
        print(report(results, args.verbose))
        passed, total = summary(results)["overall"]
        status = status or int(passed != total)
    return status


def _display(path: Path) -> str:
    """The path relative to the repository when it is inside it, else as given."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
