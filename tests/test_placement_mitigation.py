"""The mitigated placement scenario (issue 15 item 3: hnb_xl/engine/placement_mitigation.py) and the
pack's charts of spend by category (item 5).

Each lever is checked against independent arithmetic on the unmitigated run of the same inputs (the
bundled placement tables, hnb_xl/data/placement_*.csv, or the replica's one-category twin): what it
moves moves by the stated fraction, what it does not act on is unchanged to the bit."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from hnb_xl import api, bundled
from hnb_xl.cli import main
from hnb_xl.engine import placement_mitigation as pm
from hnb_xl.engine.placement import project_placements
from hnb_xl.tables import placement as tables

from . import seed

START = 2023   # 2023-24, the second projection year of the bundled tables


def ws(lever, amount, target="", **kw):
    return pm.PlacementWorkstream(name=kw.pop("name", f"{lever} {target}".strip()), lever=lever, amount=amount,
                                  start_year=kw.pop("start_year", START), target=target, **kw)


def by_cat(result, column="spend"):
    return result.by_category.pivot(index="financial_year", columns="category", values=column)


def other_lines(result):
    o = result.lines[result.lines["kind"] == "other"]
    return o.pivot(index="financial_year", columns="line", values="amount")


@pytest.fixture(scope="module")
def unmitigated(driver):
    return project_placements(driver)


def test_unit_cost_review_lowers_only_its_category_by_the_fraction(driver, unmitigated):
    r = pm.project_mitigated(driver, [ws(pm.UNIT_COST_REVIEW, 0.10, "special")])
    before, after = by_cat(unmitigated), by_cat(r)
    years = list(before.index)
    for y in years:
        factor = 0.9 if int(y[:4]) >= START else 1.0
        assert after.loc[y, "special"] == pytest.approx(before.loc[y, "special"] * factor, rel=1e-12)
        for k in before.columns.drop("special"):
            assert after.loc[y, k] == before.loc[y, k]
    pd.testing.assert_frame_equal(by_cat(r, "census_count"), by_cat(unmitigated, "census_count"))
    saving = r.savings.set_index("financial_year")["unit_cost_review special"]
    assert saving.loc["2025-26"] == pytest.approx(0.1 * before.loc["2025-26", "special"], rel=1e-9)


def test_cash_saving_comes_off_its_line_with_the_ramp(driver, unmitigated):
    line = "Other alternative provision services"
    r = pm.project_mitigated(driver, [ws(pm.CASH, 400_000, line, ramp_years=2, delivery_confidence=0.5)])
    before, after = other_lines(unmitigated), other_lines(r)
    # 2023-24 half the ramp, then the whole: 400,000 x 0.5 confidence = 200,000 a year
    expected = {"2021-22": 0, "2022-23": 0, "2023-24": 100_000, "2024-25": 200_000, "2025-26": 200_000}
    for y, cut in expected.items():
        assert before.loc[y, line] - after.loc[y, line] == pytest.approx(cut, abs=1e-6)
        for j in before.columns.drop(line):
            assert after.loc[y, j] == before.loc[y, j]
    pd.testing.assert_frame_equal(by_cat(r), by_cat(unmitigated))


def test_cash_saving_is_at_most_the_line(driver, unmitigated):
    line = "Hospital education services"
    r = pm.project_mitigated(driver, [ws(pm.CASH, 50_000_000, line)])
    assert (other_lines(r).loc["2024-25":, line] == 0).all()
    saving = r.savings.set_index("financial_year")[f"cash_saving {line}"]
    assert saving.loc["2025-26"] == pytest.approx(other_lines(unmitigated).loc["2025-26", line], abs=1e-6)


def test_fewer_requests_takes_the_fraction_off_new_plans(driver, unmitigated):
    r = pm.project_mitigated(driver, [ws(pm.FEWER_REQUESTS, 0.2)])
    # 2023-24's new plans: requests 1,702 x assessed 0.598 x issued 0.949 (placement_drivers.csv)
    new_2023 = 1702 * 0.598 * 0.949
    before = unmitigated.summary.set_index("financial_year")["ehcp_count"]
    after = r.summary.set_index("financial_year")["ehcp_count"]
    assert after.loc["2022-23"] == before.loc["2022-23"]
    assert before.loc["2023-24"] - after.loc["2023-24"] == pytest.approx(0.2 * new_2023, rel=1e-9)


def test_fewer_requests_takes_the_fraction_off_growth_without_requests(replica):
    # the replica's twin has no requests: EHCP growth 10% a year (seed) becomes 10% x (1 - 0.5)
    r = pm.project_mitigated(replica, [ws(pm.FEWER_REQUESTS, 0.5, start_year=2022)])
    census = r.summary["ehcp_count"].to_numpy()
    growth = bundled.assumptions()["ehcp_growth"].to_numpy(float)
    expected = seed.HISTORY_TABLE["2021-22"][0] * np.cumprod(1 + growth * 0.5)
    assert census[1:] == pytest.approx(expected, rel=1e-12)


def _capacity(driver, places):
    return driver.with_(capacity=pd.DataFrame({"financial_year": ["2022-23"], "category": ["special"],
                                               "places": [places]}))


def test_placed_in_maintained_moves_new_independent_plans_while_places_exist(driver, unmitigated):
    inputs = _capacity(driver, 1_000_000)
    base = project_placements(inputs)
    r = pm.project_mitigated(inputs, [ws(pm.PLACED_IN_MAINTAINED, 0.5, "independent", to_category="special")])
    before, after = by_cat(base, "census_count"), by_cat(r, "census_count")
    moved = 0.5 * 0.04 * 1702 * 0.598 * 0.949   # half of independent's 4% share of 2023-24's new plans
    assert before.loc["2023-24", "independent"] - after.loc["2023-24", "independent"] == pytest.approx(moved, rel=1e-9)
    assert after.loc["2023-24", "special"] - before.loc["2023-24", "special"] == pytest.approx(moved, rel=1e-9)
    for k in before.columns.drop(["special", "independent"]):
        assert after.loc["2023-24", k] == before.loc["2023-24", k]


def test_placed_in_maintained_does_nothing_when_special_is_full(driver):
    # places = special's unmitigated census at January 2022 minus 1,000: full every year, the overflow
    # goes back to independent, so the lever moves no one
    inputs = _capacity(driver, 1485 - 1000)
    base = project_placements(inputs)
    r = pm.project_mitigated(inputs, [ws(pm.PLACED_IN_MAINTAINED, 0.5, "independent", to_category="special")])
    pd.testing.assert_frame_equal(by_cat(r, "census_count"), by_cat(base, "census_count"), rtol=1e-12)
    assert r.savings["placed_in_maintained independent"].abs().max() < 1e-6


def test_placed_in_maintained_takes_spare_places_before_the_backlog(driver, unmitigated):
    # bundled: special is full from 2022-23 (places 1,600 .. 1,950) and 200 pupils wait for a special
    # place; new plans placed in special first leave fewer spare places for them
    r = pm.project_mitigated(driver, [ws(pm.PLACED_IN_MAINTAINED, 0.5, "independent", to_category="special")])
    before, after = by_cat(unmitigated, "census_count"), by_cat(r, "census_count")
    assert (after["special"] == before["special"]).all()                     # the places, full either way
    waiting = r.summary["backlog"] - unmitigated.summary["backlog"]
    assert waiting.iloc[-1] > 0 and (waiting >= -1e-9).all()
    assert after["independent"].iloc[-1] < before["independent"].iloc[-1]


def test_ceased_19_25_is_an_extra_ceased_rate_on_post_16(driver, unmitigated):
    r = pm.project_mitigated(driver, [ws(pm.CEASED_19_25, 0.05, "post_16")])
    before, after = by_cat(unmitigated, "census_count"), by_cat(r, "census_count")
    assert before.loc["2023-24", "post_16"] - after.loc["2023-24", "post_16"] == pytest.approx(
        0.05 * before.loc["2022-23", "post_16"], rel=1e-9)
    for k in before.columns.drop("post_16"):
        assert after.loc["2023-24", k] == before.loc["2023-24", k]


DSG_FIGURES = ["hnb_expenditure", "hnb_income", "in_year_deficit", "accumulated_deficit"]


def test_a_general_fund_workstream_changes_no_dsg_figure(driver, unmitigated):
    r = pm.project_mitigated(driver, [ws(pm.CASH, 1_500_000, "Home to school SEND transport", funding="General Fund",
                                         ramp_years=2, delivery_confidence=0.9)])
    pd.testing.assert_frame_equal(r.summary[DSG_FIGURES], unmitigated.summary[DSG_FIGURES], check_exact=True)
    gf = r.savings.set_index("financial_year")[pm.GENERAL_FUND_SAVING]
    assert list(gf.loc[["2022-23", "2023-24", "2024-25"]]) == pytest.approx([0, 675_000, 1_350_000])
    assert (r.savings[pm.TOTAL_SAVING] == 0).all()


def test_the_bundled_transport_saving_leaves_the_dsg_figures():
    bundled_ws = tables.load_workstreams()
    assert set(bundled_ws.loc[bundled_ws["funding"] == "General Fund", "name"]) == {
        "SEND transport review and re-tender"}
    with_transport, _, _ = api.mitigated_placements()
    without = bundled_ws[bundled_ws["funding"] == "DSG"]
    _, driver, _ = api.placement_scenarios()
    r = pm.project_mitigated(driver, pm.workstreams_from_frame(without))
    pd.testing.assert_frame_equal(with_transport.summary, r.summary, check_exact=True)


def test_attributions_add_up_to_the_total_saving_every_year():
    r, _, w = api.mitigated_placements()
    dsg = list(w.loc[w["funding"] == "DSG", "name"])
    assert len(dsg) == 5
    for _, row in r.savings.iterrows():
        assert math.fsum(row[n] for n in dsg) == row[pm.TOTAL_SAVING]
    gap = r.unmitigated.summary["hnb_expenditure"] - r.summary["hnb_expenditure"]
    assert np.allclose(gap, r.savings[pm.TOTAL_SAVING], rtol=0, atol=1e-6)   # mitigated = unmitigated - total
    assert r.savings[pm.TOTAL_SAVING].iloc[-1] > 0


def test_zero_size_workstreams_give_the_unmitigated_result_to_the_penny(driver, unmitigated):
    w = pm.workstreams_from_frame(tables.load_workstreams())
    zero = [pm.PlacementWorkstream(**{**x.__dict__, "amount": 0.0}) for x in w]
    r = pm.project_mitigated(driver, zero)
    pd.testing.assert_frame_equal(r.summary, unmitigated.summary, check_exact=True)
    pd.testing.assert_frame_equal(r.by_category, unmitigated.by_category, check_exact=True)


def _file(tmp_path, old, new):
    text = bundled.data_path(tables.WORKSTREAMS_FILE).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "ws.csv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, expected", [
    pytest.param("unit_cost_review,independent", "unit_cost_review,independant",
                 "ws.csv, row 5, column 'target': workstream 'Reviews to increase independence: independent "
                 "placements': 'independant' is not a placement category", id="unknown-category"),
    pytest.param(",ceased_19_25,", ",cease_at_19,", "ws.csv, row 4, column 'lever': workstream 'Preparing for "
                 "adulthood: cease to maintain at 19 to 25': unknown lever 'cease_at_19'", id="unknown-lever"),
    pytest.param("cash_saving,Other alternative provision services", "cash_saving,",
                 "ws.csv, row 6, column 'target': workstream 'Tuition packages review': cash_saving needs a target",
                 id="target-missing"),
    pytest.param("cash_saving,Other alternative provision services", "cash_saving,Transport",
                 "ws.csv, row 6, column 'target': workstream 'Tuition packages review': 'Transport' is not an "
                 "other-spend line", id="dsg-cash-on-a-line-that-does-not-exist"),
    pytest.param("independent,special,0.50", "independent,resourced_provision,0.50",
                 "ws.csv, row 3, column 'to_category': workstream 'Developing capacity: maintained special instead of "
                 "independent': 'resourced_provision' needs places in the capacity table", id="to-category-without-places"),
    pytest.param("0.9,General Fund", "0.9,Council tax", "ws.csv, row 7, column 'funding': expected DSG or General Fund",
                 id="unknown-funding"),
    pytest.param(",fewer_requests,,", ",fewer_requests,special,", "ws.csv, row 2, column 'target'",
                 id="fewer-requests-with-a-target"),
    pytest.param("0.10,2023-24,3,0.8,DSG", "0.10,2023-24,3,0.8,general fund",
                 "ws.csv, row 2, column 'lever': workstream 'Fewer EHC needs assessment requests': a General Fund "
                 "workstream is a cash saving on a council budget outside the DSG: its lever must be cash_saving, "
                 "got 'fewer_requests'", id="general-fund-on-a-rate-lever"),
    pytest.param("0.05,2023-24,3,0.8,DSG", "1.05,2023-24,3,0.8,DSG",
                 "ws.csv, row 4, column 'amount'", id="ceased-rate-over-1"),
])
def test_bad_workstreams_are_one_located_line_exit_2(tmp_path, capsys, old, new, expected):
    path = _file(tmp_path, old, new)
    assert main(["project", "--scenario", "mitigated", "--workstreams", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert expected in err


def test_workstreams_option_is_refused_for_the_replica(capsys, tmp_path):
    assert main(["project", "--workstreams", str(tmp_path / "x.csv")]) == 2
    assert "--workstreams: is for --scenario mitigated or all" in capsys.readouterr().err


@pytest.mark.parametrize("scenario", [pytest.param("mitigated", id="mitigated-json"),
                                      pytest.param("all", id="all-json")])
def test_project_json_is_finite(capsys, scenario):
    assert main(["project", "--scenario", scenario, "--format", "json"]) == 0
    text = capsys.readouterr().out
    assert "NaN" not in text and "Infinity" not in text and "null" not in text
    rows = json.loads(text)
    assert rows[0]["financial_year"] == "2022-23" and rows[-1]["financial_year"] == "2030-31"
    assert rows[2]["general_fund_saving"] == pytest.approx(1_350_000)


def test_all_shows_the_three_scenarios_and_the_replica_rounds_to_the_seed(capsys):
    assert main(["project", "--scenario", "all", "--format", "json"]) == 0
    rows = {r["financial_year"]: r for r in json.loads(capsys.readouterr().out)}
    for year in ("2022-23", "2023-24", "2024-25", "2025-26"):
        published = seed.DEFICIT_GROWTH_PROJECTED[year][0]
        assert round(rows[year]["replica_accumulated_deficit"] / 1e6, 1) == published
    un = api.unmitigated_projection().set_index("financial_year")
    mit = api.mitigated_projection().set_index("financial_year")
    for y in rows:
        assert rows[y]["unmitigated_accumulated_deficit"] == un.loc[y, "accumulated_deficit"]
        assert rows[y]["mitigated_accumulated_deficit"] == mit.loc[y, "accumulated_deficit"]
        assert rows[y]["mitigated_accumulated_deficit"] <= rows[y]["unmitigated_accumulated_deficit"]


def test_mitigated_table_has_the_general_fund_saving_on_its_own_line(capsys):
    assert main(["project", "--scenario", "mitigated"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    gf = [line for line in lines if line.startswith("General Fund saving")]
    assert len(gf) == 1 and "£1,350,000" in gf[0]
    total = next(i for i, line in enumerate(lines) if line.startswith("DSG total saving"))
    assert lines.index(gf[0]) > total


# ------------------------------------------------------------------ the pack's placement charts (item 5)


@pytest.fixture(scope="module")
def charts():
    return api.placement_charts()


def _drawn(monkeypatch, draw):
    """The figure a chart function draws, caught at savefig (before it is closed); every title, label,
    legend entry and note must lie inside the figure (none cut at its edge)."""
    from matplotlib.figure import Figure
    caught = {}
    original = Figure.savefig

    def spy(fig, fname, *a, **k):
        fig.canvas.draw()
        renderer, box = fig.canvas.get_renderer(), fig.bbox
        texts = [*fig.texts]
        for ax in fig.axes:
            texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
            if ax.get_legend() is not None:
                texts += list(ax.get_legend().get_texts())
        caught["outside"] = [t.get_text() for t in texts if t.get_text() and (
            (e := t.get_window_extent(renderer)).x0 < box.x0 - 1 or e.x1 > box.x1 + 1 or e.y0 < box.y0 - 1
            or e.y1 > box.y1 + 1)]
        caught["fig"] = fig
        return original(fig, fname, *a, **k)
    monkeypatch.setattr(Figure, "savefig", spy)
    draw()
    assert caught["outside"] == []
    return caught["fig"]


def test_spend_by_category_chart_stacks_the_categories_other_spend_and_calibration(tmp_path, monkeypatch, charts):
    from hnb_xl.reports import pack
    spend = charts["spend"]
    ed = pack._bundled_edition(bundled.history(), bundled.assumptions())
    fig = _drawn(monkeypatch, lambda: pack.chart_spend_by_category(spend, tmp_path / "5.png", ed, charts["source"]))
    ax = fig.axes[0]
    bars = ax.containers
    labels = [b.get_label().replace("\n", " ") for b in bars]
    assert labels == [*bundled_category_labels(), "Spend not per plan", "Calibration to the base year outturn"]
    heights = np.array([[r.get_height() for r in b] for b in bars])      # segment x year, £m
    totals = heights.sum(axis=0)
    assert totals[0] == pytest.approx(seed.HISTORY_TABLE["2021-22"][4] / 1000)   # base year = the £100.178m outturn
    un = api.unmitigated_projection()
    assert totals[1:] == pytest.approx(un["hnb_expenditure"].to_numpy() / 1e6, rel=1e-12)
    assert "£m" in ax.get_ylabel() and ax.get_title().startswith(pack.PLACEMENT_CHARTS["by_category"][1])
    assert (tmp_path / "5.png").stat().st_size > 10_000


def bundled_category_labels():
    """The DSG plan's seven category names, in the bundled categories table's order."""
    from hnb_xl.sources.sen2.categories import PLACEMENT_CATEGORIES
    order = pd.read_csv(bundled.data_path("placement_categories.csv"))["category"]
    return [PLACEMENT_CATEGORIES[k] for k in order]


def test_scenarios_chart_plots_replica_unmitigated_and_mitigated_deficits(tmp_path, monkeypatch, charts):
    from hnb_xl.reports import pack
    ed = pack._bundled_edition(bundled.history(), bundled.assumptions())
    fig = _drawn(monkeypatch, lambda: pack.chart_placement_scenarios(charts["deficits"], tmp_path / "6.png", ed,
                                                                      charts["source"]))
    lines = {line.get_label(): np.asarray(line.get_ydata(), float) for line in fig.axes[0].get_lines()}
    assert list(lines) == ["Replica of the published July 2022 forecast", "Unmitigated (placement drivers)",
                           pm.MITIGATED]
    replica = lines["Replica of the published July 2022 forecast"]
    assert replica[0] == pytest.approx(seed.HISTORY_TABLE["2021-22"][7] / 1000)      # £39.264m at March 2022
    assert [round(v, 1) for v in replica[1:5]] == [seed.DEFICIT_GROWTH_PROJECTED[y][0]
                                                   for y in ("2022-23", "2023-24", "2024-25", "2025-26")]
    mit = api.mitigated_projection()["accumulated_deficit"].to_numpy() / 1e6
    assert lines[pm.MITIGATED][1:] == pytest.approx(mit, rel=1e-12)
    assert (lines[pm.MITIGATED] <= lines["Unmitigated (placement drivers)"] + 1e-9).all()
    assert "£m" in fig.axes[0].get_ylabel()


@pytest.mark.parametrize("history, code", [
    pytest.param("changed", None, id="another-history-no-placement-charts"),
    pytest.param(None, "899", id="another-authority-no-placement-charts"),
])
def test_placement_charts_only_for_the_bundled_tables_authority(history, code):
    from hnb_xl.reports.edition import Edition
    h = bundled.history()
    if history == "changed":
        h = h.copy()
        h.loc[h.index[-1], "hnb_expenditure"] += 1
    ed = None if code is None else Edition("Northshire", code, "", "2016-17", "2021-22", None, None)
    assert api.placement_charts(h, ed) is None
    assert api.placement_charts(bundled.history(), None) is not None


def test_pack_command_writes_the_placement_charts(tmp_path, capsys):
    assert main(["pack", "--output", str(tmp_path / "forum"), "--paths", "200", "--no-agreement"]) == 0
    out = capsys.readouterr().out
    for name in ("5_spend_by_category.png", "6_placement_scenarios.png"):
        assert name in out and (tmp_path / "forum" / name).stat().st_size > 10_000
    page = (tmp_path / "forum" / "index.html").read_text(encoding="utf-8")
    assert "HNB spend by placement category" in page and "placement drivers before and after mitigations" in page
