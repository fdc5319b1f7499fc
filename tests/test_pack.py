"""Schools Forum pack: four titled PNGs with units on the axes and nothing outside the figure, and ONE
self-contained HTML page (pictures embedded) with the seed's tables beside the plan's, human labels,
money rounded for reading and a limitations box. Expected figures: the seed (£49m agreement, 40% first
instalment; £450k pot; £526,045 SEND Transformation allocation) and the bundled assumptions' basis."""

import re

import matplotlib
import pytest
from matplotlib.figure import Figure
from PIL import Image

from hnb_xl import __version__, bundled
from hnb_xl.cli import main
from hnb_xl.engine.montecarlo import Uncertainty
from hnb_xl import api
from hnb_xl.reports.pack import CHARTS, PackNotes, build_pack

matplotlib.use("Agg")

WS = api.workstreams()
AG = api.agreement()
MADE = "2026-12-01"
U = Uncertainty(sd={"ehcp_growth": 0.02, "cost_per_ehcp_growth": 0.02, "funding_growth": 0.01},
                year_correlation=0.5, paths=500, seed=1)


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """Build the pack once, recording every figure's texts and whether each lies inside the figure."""
    seen = {}
    original = Figure.savefig

    def spy(fig, fname, *a, **k):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        box = fig.bbox
        outside = []
        for ax in fig.axes:
            texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
            for axis in (ax.xaxis, ax.yaxis):  # only ticks inside the view (matplotlib does not draw the rest)
                lo, hi = sorted(axis.get_view_interval())
                texts += [lab for loc, lab in zip(axis.get_majorticklocs(), axis.get_majorticklabels())
                          if lo <= loc <= hi]
            legend = ax.get_legend()
            if legend is not None:
                texts += list(legend.get_texts())
            for t in texts:
                if not t.get_visible() or not t.get_text():
                    continue
                e = t.get_window_extent(renderer)
                if e.x0 < box.x0 - 1 or e.y0 < box.y0 - 1 or e.x1 > box.x1 + 1 or e.y1 > box.y1 + 1:
                    outside.append(t.get_text())
        seen[str(fname).rsplit("/", 1)[-1]] = {
            "title": fig.axes[0].get_title(), "xlabels": [ax.get_xlabel() for ax in fig.axes],
            "ylabels": [ax.get_ylabel() for ax in fig.axes], "legend": any(ax.get_legend() is not None for ax in fig.axes),
            "outside": outside}
        return original(fig, fname, *a, **k)

    mp = pytest.MonkeyPatch()
    mp.setattr(Figure, "savefig", spy)
    try:
        out = tmp_path_factory.mktemp("pack")
        result = build_pack(out, bundled.history(), bundled.assumptions(), WS, AG, U,
                            sections=api.report_sections(), made=MADE,
                            notes=PackNotes(scenario=bundled.SCENARIOS[bundled.DEFAULT_SCENARIO][1]))
    finally:
        mp.undo()
    return result, seen


def test_four_pngs_and_an_html_page(pack):
    result, _ = pack
    names = sorted(p.name for p in result.files)
    assert names == sorted([c[0] for c in CHARTS.values()] + ["index.html"])
    for p in result.files:
        if p.suffix == ".png":
            with Image.open(p) as im:
                assert im.format == "PNG" and im.size[0] >= 1000 and im.size[1] >= 550
                # not blank: more than a handful of distinct colours
                assert len(im.convert("RGB").getcolors(maxcolors=100_000) or []) > 20


@pytest.mark.parametrize("key,title", [pytest.param(k, v[1], id=k) for k, v in CHARTS.items()])
def test_each_chart_is_titled_with_units_on_axes_and_a_legend(pack, key, title):
    _, seen = pack
    info = seen[CHARTS[key][0]]
    assert info["title"].startswith(title)
    assert any("year" in x.lower() or "Workstream" in x for x in info["xlabels"]), info["xlabels"]
    assert all(re.search(r"£m|number of plans", y) for y in info["ylabels"]), info["ylabels"]
    assert info["outside"] == []
    if key != "waterfall":
        assert info["legend"]


def test_seed_charts_use_the_seed_titles():
    assert CHARTS["history"][1] == "Growing budget, growing overspend and numbers of EHCPs"
    assert CHARTS["deficit"][1] == "Deficit growth projected"


def _page(pack) -> str:
    result, _ = pack
    return (result.directory / "index.html").read_text(encoding="utf-8")


def _text_of(page: str) -> str:
    """The page without its embedded pictures (base64 may spell anything)."""
    return re.sub(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"', 'src="data:"', page)


def test_html_has_the_tables_and_the_stated_assumptions(pack):
    page = _page(pack)
    for text in ["Plan by year", "Saving by workstream", "DfE instalments", "Uncertainty", "ILLUSTRATIVE",
                 "£19.6m",  # 40% of £49m, rounded for reading
                 "£49.0m",  # the DfE total
                 "Reviews of the current cohort", "Target in-year balance by 2026-27"]:
        assert text in page, text


@pytest.mark.parametrize("text", [
    pytest.param("Budget and spend have grown, but not as fast as EHCP numbers", id="seed-history-table"),
    pytest.param("Deficit growth projected: outturn, then", id="seed-deficit-growth-table"),
    pytest.param("Invest to Transform funding", id="seed-invest-to-transform-table"),
    pytest.param("SEND Contingency summary", id="seed-contingency-summary"),
    pytest.param("<td>Allocated (the pot, shared pro rata)</td><td>£450k</td>", id="contingency-pot-rounded"),
    pytest.param("<td>SEND Transformation</td><td class=\"num\">£526k</td>", id="itt-allocation-rounded"),
])
def test_html_has_the_seeds_tables_beside_the_plan(pack, text):
    assert text in _page(pack)


@pytest.mark.parametrize("text", [
    pytest.param("Calibration plug", id="calibration-plug"),
    pytest.param("<b>Replica of the published July 2022 forecast</b>: a replica of a published forecast, "
                 "<b>not an unmitigated forecast</b>", id="replica-not-unmitigated"),
    pytest.param("Other DSG movements</b> (-£2.4m a year", id="other-dsg-movements"),   # the assumptions' -2,400,000
    pytest.param("Instalment profile", id="instalment-profile"),
    pytest.param("Synthetic schools", id="synthetic-schools"),
    pytest.param("Illustrative workstreams", id="illustrative-workstreams"),
    pytest.param("Extrapolated years</b> 2026-27 to 2030-31", id="extrapolated-years"),   # basis: extrapolated
])
def test_html_limitations_box_states_what_is_assumed(pack, text):
    page = _page(pack)
    box = page[page.index("<div class='note'>"):page.index("</div>")]
    assert text in box


def test_html_title_names_the_authority_the_vintage_version_and_date(pack):
    page = _page(pack)
    title = page[page.index("<title>"):page.index("</title>")]
    assert "Cambridgeshire" in title and "outturn 2016-17 to 2021-22" in title and "forecast 2022-23 to 2025-26" in title
    assert f"hnb_xl {__version__} on {MADE}" in page


def test_html_years_after_the_scenario_are_extrapolated_not_forecast(pack):
    page = _page(pack)
    assert "<td>2025-26</td><td>forecast</td>" in page
    assert "<td>2026-27</td><td>extrapolated</td>" in page and "<td>2026-27</td><td>forecast</td>" not in page


def test_html_is_one_file_with_its_pictures_embedded(pack):
    page = _page(pack)
    sources = re.findall(r"src\s*=\s*[\"']([^\"']*)", page)
    assert len(sources) == len(CHARTS)
    assert all(v.startswith("data:image/png;base64,") for v in sources), [v[:40] for v in sources]
    assert "href=" not in page


# engine names that must never reach the page (labels come from the schema headers or the pack's one table)
RAW_NAMES = ["ehcp_growth_reduction", "cost_per_ehcp_reduction", "cash_saving", "ehcp_growth", "cost_per_ehcp_growth",
             "funding_growth", "financial_year", "accumulated_deficit", "unmitigated_", "dfe_contribution",
             "council_contribution", "hnb_budget", "hnb_expenditure", "in_year_deficit", "committed_spend",
             "total_saving", "deficit_growth", "school_name", "other_dsg_movements", "block_transfer", "nan", "None",
             "inf"]


@pytest.mark.parametrize("raw", RAW_NAMES)
def test_html_has_no_raw_column_name(pack, raw):
    assert not re.search(rf"\b{raw}", _text_of(_page(pack)))


def test_pack_command_writes_the_folder(tmp_path, capsys):
    code = main(["pack", "--output", str(tmp_path / "forum"), "--paths", "200", "--no-agreement"])
    out, _ = capsys.readouterr()
    assert code == 0 and "index.html" in out
    assert (tmp_path / "forum" / "4_uncertainty_fan.png").stat().st_size > 10_000


def test_pack_command_draws_the_tornado_for_the_year_asked(tmp_path, monkeypatch, capsys):
    """The bundled pack's seventh chart, the placement-driver forecast's tornado for --tornado-year
    2025-26: "Other DSG movements" at its low setting is -£2.4m for each of the four projection
    years (-£9.6m); the title names the authority and the year, the footnote the source."""
    seen = {}
    original = Figure.savefig

    def spy(fig, fname, *a, **k):
        if str(fname).endswith("7_tornado.png"):
            ax = fig.axes[0]
            seen.update(title=ax.get_title(), xlabel=ax.get_xlabel(), notes=[t.get_text() for t in fig.texts],
                        labels=[t.get_text() for t in ax.get_yticklabels()],
                        bars={round(b.get_width(), 6) for b in ax.patches})
        return original(fig, fname, *a, **k)
    monkeypatch.setattr(Figure, "savefig", spy)
    out = tmp_path / "forum"
    assert main(["pack", "--output", str(out), "--paths", "200", "--no-agreement", "--tornado-year", "2025-26"]) == 0
    assert (out / "7_tornado.png").stat().st_size > 10_000
    assert "Cambridgeshire, 2025-26: central" in seen["title"] and "31 March 2026" in seen["xlabel"]
    assert any(n.startswith("Source: ") for n in seen["notes"])
    assert -9.6 in seen["bars"] and len(seen["labels"]) == 10
    assert "one driver at a time" in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("year, says", [
    pytest.param("2031-32", "--tornado-year: 2031-32 is not a projection year (2022-23 to 2030-31)",
                 id="tornado-year-past-the-drivers"),
    pytest.param("someday", "--tornado-year: expected a financial year", id="tornado-year-not-a-year"),
])
def test_pack_command_refuses_a_bad_tornado_year_in_one_line(tmp_path, capsys, year, says):
    try:
        code = main(["pack", "--output", str(tmp_path / "x"), "--paths", "200", "--tornado-year", year])
    except SystemExit as exc:          # argparse's own refusal of the spelling
        code = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and says in err[0], err
    assert not (tmp_path / "x").exists()


def test_pack_command_rejects_zero_paths(tmp_path, capsys):
    code = main(["pack", "--output", str(tmp_path / "x"), "--paths", "0"])
    _, err = capsys.readouterr()
    assert code == 2 and "--paths" in err


@pytest.mark.parametrize("value, text", [
    pytest.param(2.5, "£2.5m", id="a-half-tick-is-not-rounded-away"),
    pytest.param(20.0, "£20m", id="whole"),
    pytest.param(12.25, "£12.25m", id="quarter"),
    pytest.param(-5.0, "-£5m", id="negative"),
    pytest.param(0.0, "£0m", id="zero"),
])
def test_chart_axis_ticks_in_pounds_million(value, text):
    from hnb_xl.reports.pack import _GBP_M
    assert _GBP_M(value, 0) == text


def test_workstream_levers_keep_their_capitals(pack):
    page = _page(pack)
    assert "Fewer EHC needs assessment requests: fraction off EHCP growth" in page
    assert "Fewer ehc" not in page


# ------------------------------------------------------------------ the assurance record and the back-test
# (issue 16 part 4, issue 14 part 5). Expected: the record's own files (hnb_xl/data/assurance_*.csv, read
# here with the csv module) and DfE's 2025 release (../shared/data/dfe/README.md): the bundled forecast's
# 6,710 / 7,381 / 8,119 EHCPs for 2022-23 to 2024-25 (6,100 x 1.1, x 1.1, x 1.1; tests/seed.py) against
# 6,972 / 7,318 / 8,007.

import csv  # noqa: E402
import html as _html  # noqa: E402

from hnb_xl.engine.montecarlo import balance_caveat  # noqa: E402
from tests.test_sen2 import RELEASE  # noqa: E402

BACKTEST_ROWS = [("2022-23", "January 2023", "6,710", "6,972", "-262", "-3.8%"),
                 ("2023-24", "January 2024", "7,381", "7,318", "63", "0.9%"),
                 ("2024-25", "January 2025", "8,119", "8,007", "112", "1.4%")]


def _assumption_rows() -> list[dict]:
    with bundled.data_path("assurance_assumptions.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def cli_pages(tmp_path_factory):
    """``pack`` on the bundled data without and with ``--sen2`` (the 2025 release)."""
    if not RELEASE.exists():
        pytest.fail(f"DfE's 2025 SEN2 release is missing: expected {RELEASE}")
    pages = {}
    for key, extra in (("plain", []), ("sen2", ["--sen2", str(RELEASE)])):
        out = tmp_path_factory.mktemp(f"pack_{key}")
        assert main(["pack", "--output", str(out), "--paths", "300", *extra]) == 0
        pages[key] = _text_of((out / "index.html").read_text(encoding="utf-8"))
    return pages


def _rows_of(page: str) -> list[str]:
    return re.findall(r"<tr>.*?</tr>", page)


@pytest.mark.parametrize("row", _assumption_rows(), ids=lambda r: f"assumption-{r['id']}-in-the-pack")
def test_every_assumption_of_the_record_is_in_the_pack_with_its_owner_and_rating(cli_pages, row):
    cells = [f"<td>{_html.escape(row['id'])}</td>", f"<td>{_html.escape(row['assumption'])}</td>",
             f"<td>{_html.escape(row['owner'])}</td>", f">{row['rating'].capitalize()}</td>"]
    assert any(all(c in tr for c in cells) for tr in _rows_of(cli_pages["plain"])), row["id"]


@pytest.mark.parametrize("part", ["Roles", "Assumptions log", "Decisions log", "Validation log",
                                  "Assurance statement and limitations"])
def test_the_pack_has_every_part_of_the_record(cli_pages, part):
    assert f"<caption>{part}" in cli_pages["plain"]


def _section(page: str, marker: str) -> str:
    """The part of the page between the <h2> before ``marker`` and the next <h2>."""
    i = page.index(marker)
    start = page.rindex("<h2", 0, i)
    end = page.find("<h2", i)
    return page[start:end if end > 0 else len(page)]


def test_the_probability_of_balance_has_its_caveat_beside_it(cli_pages):
    section = _section(cli_pages["plain"], "probability in the Monte Carlo")
    assert _html.escape(balance_caveat("2026-27")) in section
    assert "not the sustained balance an agreement requires" in _html.unescape(section)


@pytest.mark.parametrize("row", BACKTEST_ROWS, ids=[f"pack-backtest-{r[0]}" for r in BACKTEST_ROWS])
def test_pack_sen2_has_the_backtest_against_the_2025_release(cli_pages, row):
    section = _section(cli_pages["sen2"], "Back-test: projected EHCPs against DfE SEN2 actuals")
    assert any(all(f">{c}</td>" in tr for c in row) for tr in _rows_of(section)), row


def test_pack_without_sen2_shows_what_the_validation_log_back_tested(cli_pages):
    section = _section(cli_pages["plain"], "Back-tests in the validation log")
    assert "Back-test: EHCPs 2022-23 against the January 2023 census" in section
    assert ">6,972</td>" in section and ">6,710</td>" in section and "--sen2 RELEASE" in section
    assert "Back-test: projected EHCPs against DfE SEN2 actuals" not in cli_pages["plain"]


def test_printed_captions_stay_with_their_tables(cli_pages):
    """Seen in the WeasyPrint PDF: a caption printed alone at a page's foot, its table on the next
    page. Each table is in a block kept whole (a long log may run over pages, its rows whole)."""
    page = cli_pages["plain"]
    assert page.count("<table>") == page.count("<div class='tbl'><table>") + page.count("<div class='long'><table>")
    assert page.count("<div class='long'><table>") == 1          # the assumptions log, 17 rows
    assert "<div class='tbl'><h2>Charts</h2><figure>" in page     # the heading on the first chart's page


def test_the_fan_charts_probability_has_its_caveat_in_the_caption(cli_pages):
    figures = re.findall(r"<figure>.*?</figure>", cli_pages["plain"], flags=re.S)
    fan = next(f for f in figures if "uncertainty" in f)
    assert "P(balance by 2026-27) = " in fan and _html.escape(balance_caveat("2026-27")) in fan
