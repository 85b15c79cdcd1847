"""Salary charts: a valid PNG within Discord's limits, drawing exactly the figures the text shows.

The figures are never hard-coded: for every pair of roles in the knowledge, the chart's
figures are compared with the ones the reply's own text shows.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main
from bot.core import charts
from bot.core.advisor import Advisor, Request
from bot.core.charts import (
    BAND_AVG_RANGE,
    BAND_COLOURS,
    BAND_PERCENTILES,
    CARD,
    MEDIAN_COLOUR,
    MUTED_TEXT,
    P75_COLOUR,
    TEXT,
    Figure,
    SalaryChart,
    Spread,
    draw,
    figures_of,
    salary_chart,
)
from bot.core.render import money
from bot.core.reply import Reply, render_text
from bot.knowledge.models import Salary, Source, StatSnapshot
from tests.conftest import KNOWLEDGE_DIR, REPO_ROOT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Discord's upload limit without Nitro boosts (10 MiB); a chart should be far below it.
DISCORD_FILE_LIMIT = 10 * 1024 * 1024
#: Discord's dark and light chat backgrounds.
THEME_BACKGROUNDS = {"dark": (0x31, 0x33, 0x38), "light": (0xFF, 0xFF, 0xFF)}
OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def ask(advisor: Advisor, text: str) -> Reply:
    return advisor.handle(Request(text=text, prefix="!"))


# -- the text's figures, read from the text itself ---------------------------------------

#: Table rows (compare, salary of two) and list items (salary of one) that show a salary
#: figure of the spread; the mean is a separate figure the chart does not draw.
SPREAD_ROWS = ("Avg salary range", "25th–75th percentile band", "25th percentile",
               "Median salary", "Median", "75th percentile")
SPREAD_ITEMS = re.compile(r"^- (Average salary range|25th percentile|Median|75th percentile): (.+)$",
                          re.MULTILINE)


def _moneys(cell: str) -> set[str]:
    return {m for m in re.findall(r"\$[\d.]+[KM]", cell)}


def table_figures(text: str) -> dict[str, set[str]]:
    """The spread figures each role's column of the reply's table shows, as printed."""
    block = re.search(r"```\n(.*?)\n```", text, re.DOTALL)
    assert block, text
    header, *rows = block.group(1).splitlines()
    names = re.split(r"\s{2,}", header.strip())
    out: dict[str, set[str]] = {name: set() for name in names}
    for row in rows:
        label, *cells = re.split(r"\s{2,}", row.strip())
        if label in SPREAD_ROWS:
            assert len(cells) == len(names), row
            for name, cell in zip(names, cells, strict=True):
                out[name] |= _moneys(cell)
    return {name: figs for name, figs in out.items() if figs}


def list_figures(text: str) -> set[str]:
    return set().union(*(_moneys(value) for _, value in SPREAD_ITEMS.findall(text)))


def drawn_figures(figures: tuple[Figure, ...]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in figures:
        out.setdefault(f.label, set()).add(str(money(f.value)))
    return out


def role_names(advisor: Advisor) -> list[tuple[str, str]]:
    return [(r.slug, r.name) for r in advisor.knowledge().role_list()]


# -- the figures drawn are the ones in the text --------------------------------------------


def test_compare_draws_the_figures_its_text_shows_for_every_pair(advisor: Advisor) -> None:
    pairs = list(itertools.combinations(role_names(advisor), 2))
    assert len(pairs) > 100
    for (a, _), (b, _) in pairs:
        reply = ask(advisor, f"!compare {a} {b}")
        assert reply.chart is not None, (a, b)
        drawn = draw(reply.chart)
        assert drawn.figures == figures_of(reply.chart)
        assert drawn_figures(drawn.figures) == table_figures(render_text(reply)), (a, b)


@pytest.mark.parametrize("source", ["", " source:survey", " source:postings"])
def test_salary_of_two_draws_the_figures_its_text_shows_for_every_pair(advisor: Advisor,
                                                                        source: str) -> None:
    for (a, _), (b, _) in itertools.combinations(role_names(advisor), 2):
        reply = ask(advisor, f"!salary {a} {b}{source}")
        assert reply.chart is not None, (a, b)
        # Drawing each is what the compare test does; here the same function's figures.
        assert drawn_figures(figures_of(reply.chart)) == table_figures(render_text(reply)), (a, b)


@pytest.mark.parametrize("source", ["", " source:survey"])
def test_salary_of_one_draws_the_figures_its_text_shows_for_every_role(advisor: Advisor,
                                                                       source: str) -> None:
    for slug, name in role_names(advisor):
        reply = ask(advisor, f"!salary {slug}{source}")
        assert reply.chart is not None, slug
        drawn = draw(reply.chart)
        assert drawn.figures == figures_of(reply.chart)
        assert drawn_figures(drawn.figures) == {name: list_figures(render_text(reply))}, slug


def test_each_spread_is_labelled_as_what_its_source_holds(advisor: Advisor) -> None:
    """The seed's postings hold an average range and no 25th percentile: never drawn as one."""
    knowledge = advisor.knowledge()
    for role in knowledge.role_list():
        for snap in role.stats:
            spread = charts.spread_of(role.name, snap)
            if snap.salary.has_avg_range:
                assert spread is not None and spread.band == BAND_AVG_RANGE
                assert (spread.low, spread.high) == (snap.salary.avg_low, snap.salary.avg_high)
            elif snap.salary.has_band:
                assert spread is not None and spread.band == BAND_PERCENTILES
                assert (spread.low, spread.high) == (snap.salary.p25, snap.salary.p75)
    seed = ask(advisor, "!compare mlops pm").chart
    assert seed is not None
    assert {sp.band for sp in seed.spreads} == {BAND_AVG_RANGE}
    assert "avg range" in charts.caption(seed)
    survey = ask(advisor, "!compare mlops pm source:survey").chart
    assert survey is not None
    assert {sp.band for sp in survey.spreads} == {BAND_PERCENTILES}


def test_the_caption_names_sample_and_source(advisor: Advisor) -> None:
    reply = ask(advisor, "!compare mlops pm")
    assert reply.chart is not None
    text = charts.caption(reply.chart)
    snaps = [r.snapshot() for r in (advisor.knowledge().roles[s]
                                    for s in ("mlops-engineer", "ai-product-manager"))]
    for snap in snaps:
        assert snap is not None and snap.salary.n is not None
        assert f"n={snap.salary.n:,} postings" in text
        assert snap.source.name in text


# -- a role without salary figures ----------------------------------------------------------

SURVEY = Source(id="s", name="A Survey", kind="salary survey", date="2025")


def snapshot(**salary: int) -> StatSnapshot:
    return StatSnapshot(source=SURVEY, as_of="2025", salary=Salary(**salary))


def test_a_role_without_salary_figures_is_skipped_and_named() -> None:
    chart = salary_chart("Salary: A vs B", [("A", snapshot(p25=100_000, median=120_000, p75=150_000, n=40)),
                                            ("B", snapshot()), ("C", None)])
    assert chart is not None
    assert [sp.label for sp in chart.spreads] == ["A"]
    assert chart.missing == ("B", "C")
    assert "No salary figures for B, C" in charts.caption(chart)
    assert {f.label for f in draw(chart).figures} == {"A"}


def test_no_chart_when_nobody_has_salary_figures() -> None:
    assert salary_chart("Salary: B", [("B", snapshot())]) is None


def test_a_median_alone_is_drawn_without_a_bar() -> None:
    chart = salary_chart("Salary: M", [("M", snapshot(median=99_000))])
    assert chart is not None
    assert draw(chart).figures == (Figure("M", "median", 99_000),)
    assert "median only" in charts.caption(chart)


# -- a valid PNG within Discord's limits, readable on both themes ----------------------------


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, checked against its CRC."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body = data[16:16 + length]
    (crc,) = struct.unpack(">I", data[16 + length:20 + length])
    assert zlib.crc32(kind + body) == crc
    return struct.unpack(">II", body[:8])


@pytest.mark.parametrize("text", ["!compare mlops pm", "!salary ds", "!salary mlops pm source:survey"])
def test_the_chart_is_a_valid_png_within_discords_limits(advisor: Advisor, text: str) -> None:
    reply = ask(advisor, text)
    assert reply.chart is not None
    drawn = draw(reply.chart)
    assert png_size(drawn.png) == (drawn.width, drawn.height)
    assert len(drawn.png) < DISCORD_FILE_LIMIT / 20
    assert 400 <= drawn.width <= 2000 and 200 <= drawn.height <= 2000
    with Image.open(io.BytesIO(drawn.png)) as image:
        image.load()
        assert image.format == "PNG"
        assert image.size == (drawn.width, drawn.height)


def _luminance(colour: str | tuple[int, int, int]) -> float:
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)] if isinstance(colour, str) else list(colour)
    lin = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str | tuple[int, int, int], b: str | tuple[int, int, int]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_palette_is_okabe_ito_with_enough_contrast_on_the_card() -> None:
    marks = [*BAND_COLOURS.values(), MEDIAN_COLOUR, P75_COLOUR]
    assert {c.upper() for c in marks} <= OKABE_ITO
    assert len(set(marks)) == len(marks)
    for colour in marks:
        assert contrast(colour, CARD) >= 3, colour  # WCAG 1.4.11, graphics
    for colour in (TEXT, MUTED_TEXT):
        assert contrast(colour, CARD) >= 4.5, colour  # WCAG 1.4.3, text


@pytest.mark.parametrize("theme", sorted(THEME_BACKGROUNDS))
def test_the_card_is_opaque_so_both_themes_show_the_same_picture(advisor: Advisor, theme: str) -> None:
    reply = ask(advisor, "!compare mlops pm")
    assert reply.chart is not None
    with Image.open(io.BytesIO(draw(reply.chart).png)) as image:
        rgba = image.convert("RGBA")
    assert rgba.getchannel("A").getextrema() == (255, 255)
    backdrop = Image.new("RGBA", rgba.size, (*THEME_BACKGROUNDS[theme], 255))
    shown = Image.alpha_composite(backdrop, rgba)
    assert shown.tobytes() == rgba.tobytes()
    card = tuple(int(CARD[i:i + 2], 16) for i in (1, 3, 5))
    assert shown.getpixel((0, 0))[:3] == card
    # The card stands out from the theme's background (or is it, on the light theme).
    assert contrast(card, THEME_BACKGROUNDS[theme]) >= 10 or theme == "light"


# -- cached per figures drawn, bounded ------------------------------------------------------


def test_a_chart_is_drawn_once_and_an_edited_figure_draws_a_new_one() -> None:
    spread = Spread("A", BAND_PERCENTILES, 100_000, 150_000, median=120_000, p75=150_000, n=40)
    chart = SalaryChart("Salary: A", (spread,))
    first = draw(chart)
    assert draw(SalaryChart("Salary: A", (spread,))) is first  # equal data: the cached drawing
    edited = SalaryChart("Salary: A", (Spread("A", BAND_PERCENTILES, 100_000, 150_000,
                                              median=125_000, p75=150_000, n=40),))
    redrawn = draw(edited)
    assert redrawn is not first and redrawn.png != first.png
    assert Figure("A", "median", 125_000) in redrawn.figures
    info = charts._draw_cached.cache_info()
    assert info.maxsize == charts.CACHE_SIZE
    assert info.currsize <= charts.CACHE_SIZE


def test_an_edit_to_the_knowledge_changes_the_chart(make_advisor, kb_dir: Path) -> None:
    import yaml

    path = kb_dir / "roles" / "mlops-engineer.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    before = ask(make_advisor(kb_dir, "before.db"), "!salary mlops").chart
    data["stats"][0]["salary"]["median"] = 181_000
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    after = ask(make_advisor(kb_dir, "after.db"), "!salary mlops").chart
    assert before is not None and after is not None
    assert Figure("MLOps Engineer", "median", 181_000) in draw(after).figures
    assert draw(before).png != draw(after).png


# -- lazy import ----------------------------------------------------------------------------


def test_answering_does_not_import_the_plotting_library(tmp_path: Path) -> None:
    """`careerbot ask` pays for matplotlib only when a chart is drawn (``--chart``)."""
    script = (
        "import sys\n"
        "from bot.cli import main\n"
        "assert main(['ask', '!compare mlops pm']) == 0\n"
        "assert 'matplotlib' not in sys.modules, 'imported without a chart'\n"
        f"assert main(['ask', '!compare mlops pm', '--chart', {str(tmp_path / 'c.png')!r}]) == 0\n"
        "assert 'matplotlib' in sys.modules\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREERBOT_", "DISCORD_"))}
    env.update(CAREERBOT_DB=str(tmp_path / "data" / "careerbot.db"),
               CAREERBOT_KNOWLEDGE_DIR=str(KNOWLEDGE_DIR))
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "c.png").read_bytes().startswith(PNG_SIGNATURE)


def test_warming_loads_the_plotting_library_and_keeps_no_chart() -> None:
    """``warm`` (run by the Discord front end once connected) leaves the library loaded,
    so a member's first chart skips its start-up, and draws nothing that is kept."""
    script = (
        "import sys\n"
        "from bot.core import charts\n"
        "assert 'matplotlib' not in sys.modules\n"
        "charts.warm()\n"
        "assert 'matplotlib.figure' in sys.modules\n"
        "assert 'matplotlib.backends.backend_agg' in sys.modules\n"
        "print(charts._draw_cached.cache_info().currsize)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"


# -- the terminal's --chart -------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("CAREERBOT_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CAREERBOT_DB", str(tmp_path / "data" / "careerbot.db"))
    monkeypatch.setenv("CAREERBOT_KNOWLEDGE_DIR", str(KNOWLEDGE_DIR))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_ask_chart_writes_the_picture_discord_attaches(cli_env: Path, advisor: Advisor,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = cli_env / "salary.png"
    assert main(["ask", "!compare mlops pm", "--chart", str(out)]) == 0
    captured = capsys.readouterr()
    assert "MLOps Engineer vs AI Product Manager" in captured.out  # the text, complete
    assert str(out) in captured.err
    reply = ask(advisor, "!compare mlops pm")
    assert reply.chart is not None
    assert out.read_bytes() == draw(reply.chart).png


def test_ask_chart_without_a_chart_says_so_and_writes_nothing(
        cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = cli_env / "week.png"
    assert main(["ask", "!week mlops", "--chart", str(out)]) == 1
    captured = capsys.readouterr()
    assert "MLOps Engineer" in captured.out  # the answer is still printed
    assert "no salary chart" in captured.err and str(out) in captured.err
    assert not out.exists()


def test_ask_chart_to_a_missing_folder_names_the_file(cli_env: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = cli_env / "no-such-folder" / "salary.png"
    assert main(["ask", "!salary ds", "--chart", str(out)]) == 1
    captured = capsys.readouterr()
    assert "Data Scientist" in captured.out
    assert f"could not write the chart to {out}" in captured.err
    assert "Traceback" not in captured.err
