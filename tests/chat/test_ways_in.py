"""Ways in, read from real questions (issue 12, "getting in, age, future, backgrounds"):
the Job Zone O*NET records beside an open-data role's way in (issue 13), age and career
change, the future of a role, and career changers who name no role.

Each capability is tested with several phrasings written here (not the dev set's), so a
pass comes from the mechanism (a vocabulary table, a stage, a builder), not one phrase.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.advisor import Advisor
from bot.knowledge.files import load_knowledge_dir
from tests.chat.conftest import chat_advisor, sayer, text
from tests.conftest import KNOWLEDGE_DIR

KNOWLEDGE = load_knowledge_dir(KNOWLEDGE_DIR)
ROLES = KNOWLEDGE.roles
ATTRIBUTION = "Used under the CC BY 4.0 license"


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Advisor]:
    """One advisor for the module (building the database once keeps the file quick)."""
    db: Path = tmp_path_factory.mktemp("ways") / "chat.db"
    advisor, store = chat_advisor(KNOWLEDGE_DIR, db)
    yield advisor
    store.close()


def ask(chat: Advisor, message: str) -> tuple[str, str]:
    """The reply's text and kind, asked by a fresh member (no memory between cases)."""
    reply = sayer(chat, user=f"ways:{message}")(message)
    return text(reply), reply.kind


def zone_words(slug: str) -> list[str]:
    """What a Job Zone line for the role must show: each zone and each occupation."""
    return [*(f"Job Zone {z.zone}" for z in ROLES[slug].job_zones),
            *(z.occupation for z in ROLES[slug].job_zones)]


# -- the Job Zone beside the way in ------------------------------------------------------

@pytest.mark.parametrize(("message", "slug"), [
    ("how would i go about becoming a data engineer", "data-engineer"),
    ("whats the way into analytics engineering", "analytics-engineer"),
    ("steps to break into research science?", "research-scientist"),
    ("how do people get into bi engineering", "business-intelligence-engineer"),
    ("where do i start if i want to be an ai architect", "ai-architect"),
    ("how do i get hired as a data analyst", "data-analyst"),
])
def test_an_open_data_roles_way_in_names_its_job_zone(chat: Advisor, message: str,
                                                      slug: str) -> None:
    body, kind = ask(chat, message)
    assert kind == "answer", body
    assert ROLES[slug].name in body, body
    for word in zone_words(slug):
        assert word in body, (word, body)
    meaning = ROLES[slug].job_zones[0].meaning
    assert meaning in body, body
    assert ATTRIBUTION in body, body  # O*NET's attribution, in the footer


@pytest.mark.parametrize(("message", "slug"), [
    ("could a data analyst realistically become a data scientist?", "data-scientist"),
    ("moving from data engineer to data architect, how hard", "data-architect"),
    ("i want to go from bi engineer to analytics engineer", "analytics-engineer"),
])
def test_a_switch_names_the_job_zone_of_the_role_moved_to(chat: Advisor, message: str,
                                                          slug: str) -> None:
    body, kind = ask(chat, message)
    assert kind == "answer", body
    for word in zone_words(slug):
        assert word in body, (word, body)
    assert ATTRIBUTION in body, body


@pytest.mark.parametrize("message", ["how do i get into mlops", "how to become an ai pm"])
def test_a_seed_roles_sourced_way_in_is_left_as_it_is(chat: Advisor, message: str) -> None:
    """The seed roles' way in comes from their own source; the Job Zone line is for the
    roles whose way in is general guidance (``answers.job_zone_roles``)."""
    body, _ = ask(chat, message)
    assert "shortest road" in body and "Job Zone" not in body, body


# -- age and career change ---------------------------------------------------------------

def age_entry_answer() -> str:
    entry = next(e for e in KNOWLEDGE.faq if {"late", "age", "career"} <= set(e.tags))
    return entry.answer


@pytest.mark.parametrize(("message", "slug"), [
    ("am i too old at 48 to become a data analyst", "data-analyst"),
    ("started coding late, is it too late for me to get into data engineering",
     "data-engineer"),
    ("in my 50s, can i still switch to analytics engineering?", "analytics-engineer"),
    ("im 44, is breaking into research science at a later age realistic", "research-scientist"),
    ("is 39 too late to start over as a bi engineer", "business-intelligence-engineer"),
])
def test_age_and_career_change_get_the_faq_entry_and_the_roles_way_in(
        chat: Advisor, message: str, slug: str) -> None:
    body, kind = ask(chat, message)
    assert kind == "answer", body
    assert age_entry_answer() in body, body  # the knowledge's own FAQ entry, whole
    assert f"**{ROLES[slug].name}**" in body and "shortest road" in body, body
    assert ROLES[slug].getting_in in body, body
    assert "Job Zone" in body and "general guidance" in body, body
    assert "by gender, age" not in body, body  # not the demographics decline


@pytest.mark.parametrize("message", [
    "am i too old to retrain into tech at 44",
    "is 35 too late for a career change",
    "can you switch careers into data in your fifties?",
])
def test_age_with_no_role_named_gets_the_faq_entry(chat: Advisor, message: str) -> None:
    body, kind = ask(chat, message)
    assert kind == "answer", body
    assert age_entry_answer() in body, body


@pytest.mark.parametrize(("message", "kind", "wanted"), [
    # Age as a demographic, with no move asked: still the plain decline.
    ("whats the average age of data scientists", "decline", "by gender, age"),
    # An age beside a pay check is a pay check.
    ("im 30 and earn 120k as a data engineer, is that good", "answer", "$"),
])
def test_age_words_without_a_career_move_keep_their_answers(
        chat: Advisor, message: str, kind: str, wanted: str) -> None:
    body, got = ask(chat, message)
    assert got == kind and wanted in body, body
    assert age_entry_answer() not in body, body


# -- the future of a role ------------------------------------------------------------------

@pytest.mark.parametrize(("message", "slug"), [
    ("is there a future in data engineering", "data-engineer"),
    ("whats the long term outlook for ml engineers", "machine-learning-engineer"),
    ("are bi engineers being laid off", "business-intelligence-engineer"),
    ("will chatgpt replace data analysts", "data-analyst"),
    ("with all the layoffs, do research scientists have a future?", "research-scientist"),
    ("how is ai going to affect bi engineer jobs", "business-intelligence-engineer"),
    ("should i worry about ai taking analytics engineering jobs", "analytics-engineer"),
    ("is ai going to kill data architect jobs?", "data-architect"),
])
def test_the_future_of_a_role_says_no_forecast_is_held_and_what_is(
        chat: Advisor, message: str, slug: str) -> None:
    body, kind = ask(chat, message)
    # Nothing held answers it: a decline that says what is held (no role here has a
    # market note; test_a_roles_market_note_is_quoted_beside_no_forecast has one).
    assert not ROLES[slug].market and kind == "decline", body
    assert "no forecast" in body and ROLES[slug].name in body, body
    snap = ROLES[slug].stats[0]
    assert snap.as_of in body, body  # what is held, dated
    assert "not applicants" not in body, body  # not the applicants decline


@pytest.mark.parametrize(("message", "slug"), [
    ("whats the long term outlook for ai product managers", "ai-product-manager"),
    ("is there a future in mlops?", "mlops-engineer"),
])
def test_a_roles_market_note_is_quoted_beside_no_forecast(chat: Advisor, message: str,
                                                          slug: str) -> None:
    role = ROLES[slug]
    body, kind = ask(chat, message)
    assert role.market and role.market in body and "no forecast" in body, body
    assert kind == "answer" and role.stats[0].source.name in body, body


def test_a_role_named_with_ai_in_it_is_not_a_question_about_ai(chat: Advisor) -> None:
    body, _ = ask(chat, "what is the outlook for ai architects")
    assert "whether AI will replace" not in body and "where AI Architect work is heading" in body
    body, _ = ask(chat, "will ai replace ai architects")
    assert "whether AI will replace AI Architect work" in body, body


def test_layoffs_are_said_not_to_be_counted(chat: Advisor) -> None:
    for message in ("are data engineers getting laid off", "mlops layoffs, future?"):
        body, _ = ask(chat, message)
        assert "no count of layoffs" in body and "no forecast" in body, body


@pytest.mark.parametrize(("message", "wanted"), [
    ("whats the future career path for data analysts", "progression"),
    ("will data scientist salaries go up in the future", "$"),
])
def test_the_future_of_the_path_or_pay_keeps_those_answers(chat: Advisor, message: str,
                                                           wanted: str) -> None:
    body, _ = ask(chat, message)
    assert wanted in body and "no count of layoffs" not in body, body
    assert "where Data" not in body, body


# -- the vocabulary file ---------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "named"), [
    ("age_concern: [too late", "age_concern: [Too Late", "age_concern"),   # not lower case
    ("age_range: [\"25\", \"79\"]", "age_range: [\"79\", \"25\"]", "age_range"),
    ("outlook_ai:", "outlook_robots:", "outlook_robots"),                  # unknown list
    ("age_faq_tags: [late, age, career]\n", "", "age_faq_tags"),           # missing list
    ("    group: academic\n", "    group: astronauts\n", "changers.academic.group"),
    ("occupation_changer: [career changer]", "occupation_changer: [chefs]", "occupation_changer"),
    ("outlook_yield_facets: [skills,", "outlook_yield_facets: [skils,", "outlook_yield_facets"),
])
def test_a_bad_ways_vocabulary_fails_naming_the_file_and_key(tmp_path: Path, old: str,
                                                             new: str, named: str) -> None:
    from bot.core.chat.vocabulary import VocabularyError
    from bot.core.chat.vocabulary.ways import FILE, load

    shipped = FILE.read_text(encoding="utf-8")
    assert old in shipped
    bad = tmp_path / "ways.yaml"
    bad.write_text(shipped.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(VocabularyError) as caught:
        load(bad)
    assert "ways.yaml" in str(caught.value) and named in str(caught.value)


def test_a_new_outlook_phrasing_is_a_data_change(tmp_path: Path) -> None:
    from bot.core.chat.vocabulary.ways import FILE, load

    extra = tmp_path / "ways.yaml"
    extra.write_text(FILE.read_text(encoding="utf-8").replace(
        "outlook_words: [", "outlook_words: [robots coming for, ", 1), encoding="utf-8")
    assert "robots coming for" in load(extra).outlook_words


# -- career changers who name no role ------------------------------------------------------

ACADEMIC_ROADS = [r for r in ROLES.values()
                  if any("phd" in o.casefold() or "academic" in o.casefold() for o in r.best_from)]


@pytest.mark.parametrize("message", [
    "phd student, which ai role suits me?",
    "postdoc looking to leave academia, where do i start in ai?",
    "finishing my phd in physics, how do i get into industry ai jobs?",
    "i have a phd in chemistry, what data role should i aim for?",
])
def test_a_phd_or_academic_gets_the_roads_that_start_from_a_phd(chat: Advisor,
                                                                message: str) -> None:
    body, kind = ask(chat, message)
    assert kind == "answer", body
    assert "Which role do you mean" not in body and "I don't hold a route" not in body, body
    assert len(ACADEMIC_ROADS) >= 3
    for role in ACADEMIC_ROADS:  # every role whose road starts from a PhD, and no other
        assert f"**{role.name}**" in body, (role.name, body)
    assert "PhD" in body and "general guidance" in body.lower(), body
    assert "**AI Product Manager**" not in body and "**Data Analyst**" not in body, body


@pytest.mark.parametrize("message", [
    "non technical professional, which ai role could i move into?",
    "im not technical at all, what ai career can i get into?",
    "what ai job can i do without coding?",
    "non-tech background here, where do i start in ai?",
])
def test_a_non_technical_background_gets_ai_product_managements_road(chat: Advisor,
                                                                     message: str) -> None:
    pm = ROLES["ai-product-manager"]
    body, kind = ask(chat, message)
    assert kind == "answer", body
    assert f"**{pm.name}**" in body and pm.getting_in in body, body
    assert "general guidance, not from a data source" in body, body  # our matching, said so


@pytest.mark.parametrize("message", [
    "been working in hr for years, which data role should i aim for?",
    "ive worked in accounting for ten years, what data job should i target?",
    "coming from marketing, which ai role is the best fit?",
    "im a chemist, which ai role suits me?",          # an occupation outside AI and data
    "pharmacist wanting out, where do i start in data?",
    "i studied philosophy, which data job can i get?",
])
def test_a_changer_from_another_field_gets_the_roles_most_open_to_newcomers(
        chat: Advisor, message: str) -> None:
    body, kind = ask(chat, message)
    assert kind == "answer", body
    assert "Which role do you mean" not in body, body
    assert "most open to newcomers" in body and "entry-level share" in body, body
    # The survey role with the highest entry-level share leads its source's line.
    survey = [(r, r.stats[0]) for r in ROLES.values()
              if r.stats and r.stats[0].source.id.startswith("aijobs")
              and r.stats[0].experience.entry is not None]
    top, snap = max(survey, key=lambda rs: rs[1].experience.entry or 0)
    assert f"**{top.name} {snap.experience.entry:.0f}%**" in body, body


@pytest.mark.parametrize(("message", "wanted"), [
    ("which role pays the most in finance", "median salary"),   # a figure, not a changer
    ("how much do research scientists with a phd make", "Research Scientist"),
])
def test_changer_words_beside_a_figure_or_a_role_keep_those_answers(
        chat: Advisor, message: str, wanted: str) -> None:
    body, _ = ask(chat, message)
    assert wanted in body and "most open to newcomers" not in body, body
    assert "For someone coming from" not in body, body


# -- a degree question also says how people get in ------------------------------------------

@pytest.mark.parametrize(("message", "slug"), [
    ("do i need an ml degree to be an ai product manager?", "ai-product-manager"),
    ("is a cs degree required to become a data architect", "data-architect"),
    ("what degree do mlops engineers need", "mlops-engineer"),
    ("do analytics engineers need a masters", "analytics-engineer"),
])
def test_a_degree_answer_adds_the_roles_way_in(chat: Advisor, message: str, slug: str) -> None:
    role = ROLES[slug]
    body, kind = ask(chat, message)
    assert kind == "answer" and "Job Zone" in body, body
    assert role.getting_in in body, body
    # Our own guidance is labelled so; a seed role's way in names its source.
    assert ("general guidance, not from a data source" in body) == role.path_guidance, body


# -- the way in at entry level ---------------------------------------------------------------

@pytest.mark.parametrize(("message", "slug"), [
    ("how does an entry-level engineer get started in data engineering?", "data-engineer"),
    ("how do i get started as a junior data analyst", "data-analyst"),
    ("how to break into analytics engineering at entry level", "analytics-engineer"),
    ("entry level, how do i get into machine learning engineering?", "machine-learning-engineer"),
])
def test_a_way_in_asked_at_entry_level_gives_the_road_and_the_entry_share(
        chat: Advisor, message: str, slug: str) -> None:
    role = ROLES[slug]
    body, kind = ask(chat, message)
    assert kind == "answer", body
    entry = role.stats[0].experience.entry
    assert f"**{entry:.0f}%**" in body and "entry level" in body, body  # the figure kept
    assert "shortest road" in body and role.best_from[0] in body, body  # and the road
    assert "General guidance, not from a data source" in body, body    # labelled as ours
    assert "Job Zone" in body, body


# -- from a plain title to its AI role ---------------------------------------------------------

@pytest.mark.parametrize("message", [
    "how do i go from a regular pm role to an ai pm role",
    "moving from product manager to ai product manager, where do i start?",
    "how can i transition from a traditional pm job to ai pm?",
])
def test_a_move_from_a_plain_title_to_its_ai_role_is_the_way_in_from_it(chat: Advisor,
                                                                       message: str) -> None:
    pm = ROLES["ai-product-manager"]
    body, kind = ask(chat, message)
    assert kind == "answer", body
    assert "You're on the shortest road" in body and pm.getting_in in body, body
    assert pm.getting_in_steps[0] in body, body
    assert "progression" not in body, body  # not where AI PM leads


def test_a_step_up_within_one_role_is_still_a_step(chat: Advisor) -> None:
    body, _ = ask(chat, "from data analyst to senior data analyst, what comes next?")
    assert "shortest road" not in body and "Lead or Principal Analyst" in body, body


@pytest.mark.parametrize(("message", "wanted"), [
    ("what skills do i need for my future data science job", "skills"),
    ("in the future i want to become a data engineer, how do i start", "shortest road"),
    ("whats the future career path for bi engineers", "progression"),
    ("where can a data engineer lead long term", "leads to"),
])
def test_a_future_word_beside_another_clear_question_answers_that_question(
        chat: Advisor, message: str, wanted: str) -> None:
    body, _ = ask(chat, message)
    assert wanted in body.lower() or wanted in body, body
    assert "no forecast" not in body, body
