"""Schools Forum pack: four titled PNGs with units on the axes and nothing outside the figure, and an
HTML page with the plan's tables."""

import re

import matplotlib
import pytest
from matplotlib.figure import Figure
from PIL import Image

from hnb_xl import bundled
from hnb_xl.cli import main
from hnb_xl.engine.montecarlo import Uncertainty
from hnb_xl import api
from hnb_xl.reports.pack import CHARTS, build_pack

matplotlib.use("Agg")

WS = api.workstreams()
AG = api.agreement()
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
        result = build_pack(out, bundled.history(), bundled.assumptions(), WS, AG, U)
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


def test_html_has_the_tables_and_the_stated_assumptions(pack):
    result, _ = pack
    page = (result.directory / "index.html").read_text(encoding="utf-8")
    for text in ["Plan by year", "Saving by workstream", "DfE instalments", "Uncertainty", "ILLUSTRATIVE",
                 "£19,600,000", "£7,350,000",  # 40% of £49m; 60% of £49m / 4
                 "Reviews of the current cohort", "Target in-year balance by 2026-27"]:
        assert text in page, text
    for name in [c[0] for c in CHARTS.values()]:
        assert f"src='{name}'" in page
    assert page.count("<table>") == 6


def test_pack_command_writes_the_folder(tmp_path, capsys):
    code = main(["pack", "--output", str(tmp_path / "forum"), "--paths", "200", "--no-agreement"])
    out, _ = capsys.readouterr()
    assert code == 0 and "index.html" in out
    assert (tmp_path / "forum" / "4_uncertainty_fan.png").stat().st_size > 10_000


def test_pack_command_rejects_zero_paths(tmp_path, capsys):
    code = main(["pack", "--output", str(tmp_path / "x"), "--paths", "0"])
    _, err = capsys.readouterr()
    assert code == 2 and "--paths" in err
