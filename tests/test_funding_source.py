"""Each safety valve workstream carries its funding source (issue 15 item 3): a General Fund saving
(home-to-school SEND transport: Education Act 1996 s508B) is reported, never deducted from the DSG.

Expected figures come from the engine's stated rule (hnb_xl/engine/safety_valve.py docstring:
effect_t = amount * min(1, (t - start + 1) / ramp_years) * delivery_confidence) and the bundled
workstream's inputs (hnb_xl/data/plan_workstreams.csv: £1,500,000 from 2023-24, 2-year ramp, 0.9),
worked out by hand below, never from the code's output.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from hnb_xl import api, bundled
from hnb_xl.cli import main
from hnb_xl.engine.montecarlo import Uncertainty, simulate
from hnb_xl.engine.safety_valve import (CASH, DSG, EHCP_GROWTH, GENERAL_FUND, NO_AGREEMENT, PLAN_COLUMNS, Workstream,
                                        plan, summary)
from hnb_xl.errors import ModelError

TRANSPORT = "SEND transport review and re-tender"
# 1,500,000 x 0.9 x ramp share (0 in 2022-23, 1/2 in 2023-24, then 1): by hand
TRANSPORT_BY_YEAR = {"2022-23": 0.0, "2023-24": 675_000.0, **{f"{y}-{(y + 1) % 100:02d}": 1_350_000.0
                                                                for y in range(2024, 2031)}}
# every column of the plan that is a DSG figure (all but the General Fund line itself)
DSG_COLUMNS = [c for c in PLAN_COLUMNS if c not in ("financial_year", "general_fund_saving", "suspension_risk")]
AGREEMENT = api.agreement()
FORECAST = {"2023-24": 11_000_000, "2024-25": 6_000_000}   # misses 2023-24 (plan £10,020,392) by > £0.5m


def _plan(ws, agreement=AGREEMENT, forecast=FORECAST):
    return plan(bundled.history(), bundled.assumptions(), list(ws), agreement, to_year=2030,
                forecast_dsg_in_year=forecast)


def _write(tmp_path, text):
    path = tmp_path / "ws.csv"
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


# --- the engine -----------------------------------------------------------------------------------------

def test_the_bundled_transport_review_is_general_fund_and_the_rest_dsg():
    funding = {w.name: w.funding for w in api.workstreams()}
    assert funding.pop(TRANSPORT) == GENERAL_FUND
    assert set(funding.values()) == {DSG}
    basis = bundled.plan_workstreams().set_index("name").loc[TRANSPORT, "basis"]
    assert "s508B" in basis and "legislation.gov.uk" in basis


@pytest.mark.parametrize("agreement", [pytest.param(AGREEMENT, id="with-the-agreement"),
                                       pytest.param(NO_AGREEMENT, id="no-agreement")])
def test_a_general_fund_workstream_changes_no_dsg_figure(agreement):
    """The plan with and without a General Fund workstream: every DSG figure equal to the pound (to the
    penny, in fact: exactly), the summary's DSG results and the suspension-risk flags the same."""
    dsg = [w for w in api.workstreams() if w.on_dsg]
    extra = Workstream("Home to school transport", CASH, 4_000_000, 2022, 1, 1.0, "transport", GENERAL_FUND)
    without, _ = _plan(dsg, agreement)
    with_it, parts = _plan(dsg[:2] + [extra] + dsg[2:], agreement)
    for column in DSG_COLUMNS:
        assert with_it[column].tolist() == without[column].tolist(), column
    assert np.array_equal(with_it["suspension_risk"], without["suspension_risk"], equal_nan=True)
    assert with_it["suspension_risk"].tolist()[1:3] == [1.0, 0.0]     # the forecast misses 2023-24 only
    a, b = summary(with_it, agreement), summary(without, agreement)
    for key in ("first_balance_year", "deficit_cleared_year", "target_met", "deficit_gap_at_end", "total_saving",
                "suspension_risk_years", "dfe_total"):
        assert a[key] == b[key], key
    # reported on its own line: £4m a year from 2022-23 (ramp 1, confidence 1)
    assert with_it["general_fund_saving"].tolist() == [4_000_000.0] * len(with_it)
    assert parts["Home to school transport"].tolist() == [4_000_000.0] * len(with_it)
    assert a["general_fund_saving"] == 4_000_000.0 * len(with_it) and b["general_fund_saving"] == 0


def test_the_bundled_plans_dsg_figures_move_by_exactly_the_transport_saving():
    """Against today's plan (the transport review counted on the DSG), the bundled plan's DSG saving is
    lower, and its DSG deficits higher, by 1.5m x 0.9 x ramp share each year (accumulated: its sum)."""
    ws = api.workstreams()
    today = [dataclasses.replace(w, funding=DSG) for w in ws]
    now, parts = _plan(ws)
    before, _ = _plan(today)
    years = list(now["financial_year"])
    moved = np.array([TRANSPORT_BY_YEAR[y] for y in years])
    assert (before["total_saving"] - now["total_saving"]).tolist() == pytest.approx(moved, abs=1e-6)
    for column in ("hnb_expenditure", "in_year_deficit", "dsg_in_year_deficit"):
        assert (now[column] - before[column]).tolist() == pytest.approx(moved, abs=1e-6), column
    for column in ("accumulated_deficit", "accumulated_deficit_after_contributions"):
        assert (now[column] - before[column]).tolist() == pytest.approx(np.cumsum(moved), abs=1e-6), column
    assert now["general_fund_saving"].tolist() == pytest.approx(moved, abs=1e-9)
    assert parts[TRANSPORT].tolist() == pytest.approx(moved, abs=1e-9)
    # the unmitigated side does not move at all
    assert now["unmitigated_accumulated_deficit"].tolist() == before["unmitigated_accumulated_deficit"].tolist()


def test_dsg_attributions_add_up_to_the_dsg_saving_and_general_fund_to_its_own_line():
    frame, parts = _plan(api.workstreams())
    dsg = [w.name for w in api.workstreams() if w.on_dsg]
    for t in range(len(frame)):
        assert math.fsum(parts[dsg].iloc[t]) == frame["total_saving"].iloc[t]
        assert parts[TRANSPORT].iloc[t] == frame["general_fund_saving"].iloc[t]
        assert frame["unmitigated_hnb_expenditure"].iloc[t] - frame["hnb_expenditure"].iloc[t] == \
            pytest.approx(frame["total_saving"].iloc[t], abs=1e-6)


def test_monte_carlo_leaves_a_general_fund_saving_out_of_the_dsg():
    dsg = [w for w in api.workstreams() if w.on_dsg]
    extra = Workstream("Transport", CASH, 5_000_000, 2022, 1, 0.5, "transport", GENERAL_FUND)
    u = Uncertainty(paths=200, seed=7, delivery_concentration=0.0)
    a = simulate(bundled.history(), bundled.assumptions(), dsg, NO_AGREEMENT, u, to_year=2030)
    b = simulate(bundled.history(), bundled.assumptions(), dsg + [extra], NO_AGREEMENT, u, to_year=2030)
    assert np.array_equal(a["dsg_in_year_deficit"], b["dsg_in_year_deficit"])


@pytest.mark.parametrize("ws,field", [
    pytest.param(Workstream("x", CASH, 1.0, 2023, funding="Council"), "funding", id="unknown-funding-source"),
    pytest.param(Workstream("x", EHCP_GROWTH, 0.1, 2023, funding=GENERAL_FUND), "lever",
                 id="general-fund-rate-lever-is-refused"),
])
def test_engine_refuses_a_bad_funding_source(ws, field):
    with pytest.raises(ModelError) as exc:
        ws.validate(0)
    assert exc.value.field == field


# --- the table layer: one rule for the spellings ---------------------------------------------------------

HEADER = "name,lever,amount,start_year,ramp_years,delivery_confidence,budget_area,funding\n"


@pytest.mark.parametrize("cell,expected", [
    pytest.param("General Fund", GENERAL_FUND, id="as-written"),
    pytest.param("general fund", GENERAL_FUND, id="lower-case"),
    pytest.param("  GENERAL   FUND ", GENERAL_FUND, id="upper-case-extra-spaces"),
    pytest.param("GeneralFund", GENERAL_FUND, id="no-space"),
    pytest.param("dsg", DSG, id="dsg-lower-case"),
    pytest.param("", DSG, id="blank-is-dsg"),
])
def test_funding_spellings_are_read_as_one_rule(tmp_path, cell, expected):
    path = _write(tmp_path, HEADER + f"Transport,cash_saving,1000000,2023-24,1,1,transport,{cell}\n")
    assert [w.funding for w in api.workstreams(str(path))] == [expected]


def test_a_file_written_before_the_column_existed_is_all_dsg(tmp_path):
    path = _write(tmp_path, "name,lever,amount,start_year\nTransport,cash_saving,1000000,2023-24\n"
                            "Reviews,cost_per_ehcp_reduction,0.05,2023-24\n")
    assert [w.funding for w in api.workstreams(str(path))] == [DSG, DSG]


@pytest.mark.parametrize("row,column,words", [
    pytest.param("Transport,cash_saving,1000000,2023-24,1,1,transport,Council budget", "funding",
                 "expected DSG or General Fund", id="unknown-funding-names-file-row-column"),
    pytest.param("Demand,ehcp_growth_reduction,0.1,2023-24,1,1,demand,General Fund", "lever",
                 "cash_saving", id="general-fund-rate-lever-names-its-row"),
])
def test_bad_funding_exits_2_with_one_line_naming_file_row_and_column(capsys, tmp_path, row, column, words):
    path = _write(tmp_path, HEADER + row + "\n")
    code, out, err = run(capsys, "plan", "--workstreams", str(path))
    assert code == 2 and out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert str(path) in err and "row 2" in err and f"column '{column}'" in err.lower() and words in err, err


# --- the command line ------------------------------------------------------------------------------------

def test_plan_json_carries_funding_and_the_general_fund_line(capsys):
    code, out, _ = run(capsys, "plan", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["funding"][TRANSPORT] == GENERAL_FUND
    assert [r["general_fund_saving"] for r in doc["plan"]] == pytest.approx(list(TRANSPORT_BY_YEAR.values()))
    assert doc["summary"]["general_fund_saving"] == pytest.approx(sum(TRANSPORT_BY_YEAR.values()))   # £10,125,000


def test_plan_table_shows_the_general_fund_saving_on_its_own(capsys):
    code, out, _ = run(capsys, "plan")
    assert code == 0
    assert "General Fund saving (not in DSG)" in out
    assert f"{TRANSPORT} (General Fund: not in the DSG figures)" in out
    assert "General Fund savings over the plan £10,125,000 (reported: they do not reduce the DSG deficit)" in out


# --- the pack's waterfall -------------------------------------------------------------------------------

def test_the_waterfall_shows_the_general_fund_saving_as_its_own_bar_outside_the_dsg(tmp_path, monkeypatch):
    """Read the figure's bars (not pixels): the DSG steps run from the before-workstreams deficit down to
    the mitigated DSG in-year position by the four DSG savings alone; the transport saving is one more
    bar, from 0, labelled General Fund, after them; 2026-27: 1.5m x 0.9 = £1.35m."""
    from matplotlib.figure import Figure

    from hnb_xl.reports.pack import chart_waterfall
    seen = {}
    original = Figure.savefig

    def spy(fig, fname, *a, **k):
        ax = fig.axes[0]
        seen["bars"] = [(p.get_y(), p.get_height()) for p in ax.patches]
        seen["labels"] = [t.get_text() for t in ax.get_xticklabels()]
        return original(fig, fname, *a, **k)
    monkeypatch.setattr(Figure, "savefig", spy)
    result = api.plan()
    year = "2026-27"
    chart_waterfall(result.frame, result.parts, year, tmp_path / "w.png", None,
                    tuple(w.name for w in result.workstreams if not w.on_dsg))
    row = result.frame.set_index("financial_year").loc[year]
    bars, labels = seen["bars"], seen["labels"]
    assert len(bars) == 1 + 4 + 1 + 1
    start = row["unmitigated_dsg_in_year_deficit"] / 1e6
    steps = [h for _, h in bars[1:5]]
    assert bars[0][1] == pytest.approx(start)
    assert sum(steps) == pytest.approx(row["total_saving"] / 1e6)
    assert start - sum(steps) == pytest.approx(row["dsg_in_year_deficit"] / 1e6)    # the DSG total, unmoved
    assert bars[5][1] == pytest.approx(abs(row["dsg_in_year_deficit"]) / 1e6)
    assert bars[6] == pytest.approx((0.0, 1.35))
    assert labels[6].startswith("General Fund:") and "(not in the DSG)" in labels[6]
    assert not any("transport" in label.lower() for label in labels[:6])
