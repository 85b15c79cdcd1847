"""The chat vocabulary is data: validated YAML, where a new phrasing is a new line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.core.chat import lexicon, vocabulary
from bot.core.chat.catalog import Catalog
from bot.core.chat.intents import understand
from bot.core.chat.normalize import clean_message
from bot.core.chat.registry import plan
from bot.core.chat.vocabulary import VocabularyError
from bot.knowledge.files import load_knowledge_dir
from tests.conftest import KNOWLEDGE_DIR

KNOWLEDGE = load_knowledge_dir(KNOWLEDGE_DIR)


@pytest.fixture
def shipped() -> Iterator[None]:
    """Whatever a test installs, the shipped vocabulary comes back after it."""
    yield
    lexicon.use(vocabulary.load())


def _intent(message: str) -> str:
    catalog = Catalog.build(KNOWLEDGE)
    return plan(understand(clean_message(message), catalog), None, catalog).intent


def test_the_shipped_files_load_and_feed_the_understanding() -> None:
    vocab = vocabulary.load()
    assert vocab.facets == lexicon.FACET_WORDS and vocab.backgrounds == lexicon.BACKGROUNDS
    assert vocab.skill_synonyms["k8s"] == "kubernetes"
    assert vocab.skill_synonyms["tf"] == "terraform"
    assert "cover letter" in vocab.out_of_scope


@pytest.mark.parametrize("message", [
    "whats the grind like for an mlops engineer",
    "mlops engineer grind?",
    "describe the grind of a data engineer",
])
def test_a_new_phrasing_is_a_data_change(tmp_path: Path, shipped: None, message: str) -> None:
    """A facet word added in a file of its own is understood, with no code change."""
    assert _intent(message) != "week"
    extra = tmp_path / "mine.yaml"
    extra.write_text("facets:\n  week:\n    grind: 6\n", encoding="utf-8")
    lexicon.use(vocabulary.load(extra))
    assert _intent(message) == "week"


def test_a_new_skill_synonym_is_a_data_change(tmp_path: Path, shipped: None) -> None:
    catalog = Catalog.build(KNOWLEDGE)
    assert catalog.skill_key("kubes") is None
    extra = tmp_path / "skills.yaml"
    extra.write_text("synonyms:\n  kubes: kubernetes\n", encoding="utf-8")
    lexicon.use(vocabulary.load(extra))
    assert Catalog.build(KNOWLEDGE).skill_key("kubes") == "kubernetes"


@pytest.mark.parametrize(("content", "named"), [
    ("facets:\n  week:\n    grind: eleven\n", "facets.week.grind"),
    ("facets:\n  week:\n    grind: 99\n", "facets.week.grind"),
    ("facets:\n  Weather:\n    rain: 3\n", "facets.Weather"),
    ("facets:\n  week:\n    The Grind: 3\n", "facets.week.The Grind"),
    ("backgrounds:\n  devops engineer: []\n", "backgrounds.devops engineer"),
    ("synonyms:\n  k 8s: kubernetes\n", "synonyms.k 8s"),
    ("categories:\n  cloud:\n    phrases: [cloud]\n", "categories.cloud"),
    ("colours:\n  - red\n", "colours"),
    ("requests: [Cover Letter]\n", "requests"),
])
def test_a_bad_entry_fails_naming_the_file_and_key(tmp_path: Path, content: str,
                                                    named: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(VocabularyError) as caught:
        vocabulary.load(bad)
    assert "bad.yaml" in str(caught.value) and named in str(caught.value)


def test_a_facet_no_intent_signals_fails_naming_it(tmp_path: Path) -> None:
    from bot.core.chat import registry

    bad = tmp_path / "bad.yaml"
    bad.write_text("facets:\n  weather:\n    rain: 3\n", encoding="utf-8")
    vocab = vocabulary.load(bad)
    with pytest.raises(VocabularyError, match=r"facets\.weather"):
        registry.check_facets(vocab.facets)
    registry.check_facets(vocabulary.load().facets)  # the shipped ones all have an owner


@pytest.mark.parametrize(("message", "slug"), [
    ("whats the highest job an mlops engineer can reach", "mlops-engineer"),
    ("highest position an ai pm can get to?", "ai-product-manager"),
    ("what is the highest title a data engineer can reach", "data-engineer"),
])
def test_the_highest_job_a_role_reaches_is_a_path_question(message: str, slug: str) -> None:
    catalog = Catalog.build(KNOWLEDGE)
    decided = plan(understand(clean_message(message), catalog), None, catalog)
    assert (decided.intent, decided.roles) == ("path", (slug,))


def test_facet_scores_count_each_phrase_found_as_whole_words_once() -> None:
    """The n-gram lookup gives exactly what searching for every phrase in the text gives."""
    from bot.core.chat.intents import facet_totals

    texts = [t for path in sorted(Path(__file__).parent.glob("questions*.yaml"))
             for item in yaml.safe_load(path.read_text(encoding="utf-8"))
             for t in [item.get("say"), *(turn["say"] for turn in item.get("turns", []))] if t]
    assert len(texts) > 300
    for message in [*texts, "how much how much", "remote remote work from home"]:
        padded = f" {' '.join(clean_message(message).tokens)} "
        expected = {}
        for facet, table in lexicon.FACET_WORDS.items():
            total = sum(w for p, w in table.items() if w and f" {p} " in padded)
            if total:
                expected[facet] = total
        assert facet_totals(padded) == expected, message
