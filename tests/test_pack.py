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
