"""FAQ entries: searchable by content with FTS5, ranked, with a confidence bar."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.chat import eval as chat_eval
from bot.core.chat.catalog import Catalog
from bot.core.chat.engine import faq_terms
from bot.core.chat.faq import FaqIndex
from bot.core.chat.intents import understand
from bot.core.chat.normalize import clean_message
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.models import FaqEntry
from tests.conftest import KNOWLEDGE_DIR

SEED = Path("/work/shared/seed/000_ed05a445d35022d1.txt")


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex(load_knowledge_dir(KNOWLEDGE_DIR).faq)


CATALOG = Catalog.build(load_knowledge_dir(KNOWLEDGE_DIR))


def best(index: FaqIndex, text: str) -> FaqEntry | None:
    """The entry the engine would use: role names become role slugs before searching."""
    hit = index.best(faq_terms(understand(clean_message(text), CATALOG)))
    return hit.entry if hit else None


@pytest.mark.parametrize("text, words", [
    ("why does rust show up in the skills lists", "RAG and Rust"),
    ("why is the median lower than the average", "median"),
    ("how trustworthy are the salary numbers", "salary numbers"),
    ("what's the difference between devops and mlops", "MLOps and DevOps"),
])
def test_questions_find_their_entry(index: FaqIndex, text: str, words: str) -> None:
    entry = best(index, text)
    assert entry is not None and words in entry.question


@pytest.mark.parametrize("text", ["tell me a joke", "whats the weather", "pizza", "lol ok"])
def test_unrelated_messages_find_nothing(index: FaqIndex, text: str) -> None:
    assert best(index, text) is None


def test_fts_query_is_built_only_from_plain_words(index: FaqIndex) -> None:
    # FTS5 syntax in a message must not change or break the query.
    for text in ['"rust" OR *', "NEAR(rust salary)", "rust) OR (1=1", "-- drop"]:
        index.search(clean_message(text).tokens)


def test_faq_answers_state_no_figures() -> None:
    for entry in load_knowledge_dir(KNOWLEDGE_DIR).faq:
        assert not re.search(r"\$\d|\d+%|\d{2,}", entry.answer), entry.question


def test_faq_is_written_in_our_own_words() -> None:
    """No run of eight words is copied from the seed document."""
    if not SEED.exists():
        pytest.skip("seed document not available")
    words = re.findall(r"[a-z0-9']+", SEED.read_text(encoding="utf-8").casefold())
    grams = {" ".join(words[i:i + 8]) for i in range(len(words) - 7)}
    for entry in load_knowledge_dir(KNOWLEDGE_DIR).faq:
        mine = re.findall(r"[a-z0-9']+", entry.answer.casefold())
        copied = [" ".join(mine[i:i + 8]) for i in range(len(mine) - 7)
                  if " ".join(mine[i:i + 8]) in grams]
        assert not copied, (entry.question, copied[:2])


def test_every_faq_entry_is_reachable(index: FaqIndex) -> None:
    """Asking an entry's own question finds that entry."""
    for entry in index.entries.values():
        assert best(index, entry.question) == entry, entry.question


def test_figures_the_checker_allows_come_from_the_files() -> None:
    facts = chat_eval.FactBook(KNOWLEDGE_DIR)
    assert facts.text("ai-product-manager.salary.p75") in facts.allowed_figures()


def test_a_servers_own_entries_are_found_even_with_clashing_ids() -> None:
    base = load_knowledge_dir(KNOWLEDGE_DIR).faq
    mine = FaqEntry(id=base[0].id, question="Where is the server's study group?",
                    answer="In the #study-hall channel, Thursdays.", tags=("study", "group"),
                    guild_id="g1")
    index = FaqIndex((*base, mine))
    hit = index.best(["where", "study", "group"])
    assert hit is not None and hit.entry is mine
    assert best(index, "why does rust show up in the skills lists").guild_id is None
