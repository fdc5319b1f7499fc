"""Safety valve plan: mitigations, attribution, instalments, the agreement and its outputs."""

import math

import numpy as np
import pandas as pd
import pytest

from hnb_xl import api, bundled
from hnb_xl.engine.projection import project
from hnb_xl.engine.safety_valve import (CASH, COST_PER_EHCP, EHCP_GROWTH, NO_AGREEMENT, Agreement, Payment, Workstream,
                                        attribution, instalment_schedule, plan, summary, with_payments)
from hnb_xl.errors import HnbInputError, ModelError
from tests.seed import DEFICIT_GROWTH_PROJECTED, HISTORY_TABLE


def _plan(ws=(), agreement=NO_AGREEMENT, to_year=2030, forecast=None):
    return plan(bundled.history(), bundled.assumptions(), list(ws), agreement, to_year=to_year,
                forecast_dsg_in_year=forecast)


DEFAULT_WS = api.workstreams()
MIXED_WS = [Workstream("demand", EHCP_GROWTH, 0.25, 2023, 2, 0.9),
            Workstream("reviews", COST_PER_EHCP, 0.05, 2022, 3),
            Workstream("transport", CASH, 1_000_000, 2024, 1, 0.5, "transport")]


# --- no mitigations, no contributions ------------------------------------------------------------------

@pytest.mark.parametrize("to_year", [pytest.param(2025, id="seed-horizon-2025-26"),
                                     pytest.param(2030, id="long-horizon-2030-31")])
def test_no_mitigations_no_contributions_equals_unmitigated_exactly(to_year):
    frame, parts = _plan((), NO_AGREEMENT, to_year)
    un = project(bundled.history(), bundled.assumptions(), to_year=to_year)
    assert parts.shape[1] == 0
    for mine, theirs in [("hnb_expenditure", "hnb_expenditure"), ("in_year_deficit", "in_year_deficit"),
                         ("accumulated_deficit", "accumulated_deficit"),
                         ("accumulated_deficit_after_contributions", "accumulated_deficit"),
                         ("unmitigated_accumulated_deficit", "accumulated_deficit"), ("ehcp_count", "ehcp_count")]:
        assert frame[mine].tolist() == un[theirs].tolist(), mine  # exact, not approx
    assert (frame["total_saving"] == 0).all()


@pytest.mark.parametrize("year", list(DEFICIT_GROWTH_PROJECTED)[4:], ids=lambda y: f"seed-unmitigated-{y}")
def test_unmitigated_column_is_the_seed_forecast(year):
    frame, _ = _plan(DEFAULT_WS, api.agreement())
    row = frame.set_index("financial_year").loc[year]
    assert round(row["unmitigated_accumulated_deficit"] / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[year][0]


def test_zero_size_workstreams_change_nothing():
    ws = [Workstream("a", EHCP_GROWTH, 0.0, 2022), Workstream("b", COST_PER_EHCP, 0.3, 2023, 1, 0.0),
          Workstream("c", CASH, 0.0, 2022)]
    frame, parts = _plan(ws)
    assert (parts.to_numpy() == 0).all()
    assert frame["accumulated_deficit"].tolist() == frame["unmitigated_accumulated_deficit"].tolist()


# --- levers, ramp-up, confidence ------------------------------------------------------------------------

def test_cash_saving_ramps_and_is_scaled_by_confidence():
    # £2m from 2024-25, ramp 4 years, confidence 0.75: 0, 0, 0.375m, 0.75m, 1.125m, 1.5m, 1.5m ...
    parts = attribution(bundled.history(), bundled.assumptions(), [Workstream("x", CASH, 2e6, 2024, 4, 0.75)], 2030)
    expected = [0, 0, 375_000, 750_000, 1_125_000, 1_500_000, 1_500_000, 1_500_000, 1_500_000]
    assert parts["x"].tolist() == pytest.approx(expected, abs=1e-6)


def test_cost_lever_by_hand_first_year():
    # 2022-23: cost per EHCP = 100,178,000 / 6,100 * (1 + g_c); a 10% cut saves 10% of expenditure
    a = bundled.assumptions().iloc[0]
    expenditure = 6100 * (1 + a.ehcp_growth) * 100_178_000 / 6100 * (1 + a.cost_per_ehcp_growth)
    parts = attribution(bundled.history(), bundled.assumptions(), [Workstream("r", COST_PER_EHCP, 0.1, 2022)], 2025)
    assert parts["r"].iloc[0] == pytest.approx(0.1 * expenditure, rel=1e-12)


def test_ehcp_lever_by_hand_two_years():
    # 50% off growth from 2022-23: EHCPs 6100*(1+0.05)*(1+0.05) with the bundled 10% growth
    frame, _ = _plan([Workstream("d", EHCP_GROWTH, 0.5, 2022)], to_year=2023)
    assert frame["ehcp_count"].tolist() == pytest.approx([6405.0, 6725.25], rel=1e-12)
    un = project(bundled.history(), bundled.assumptions(), to_year=2023)
    cost = un["cost_per_ehcp"].to_numpy()
    assert frame["hnb_expenditure"].tolist() == pytest.approx((np.array([6405.0, 6725.25]) * cost).tolist(), rel=1e-12)


# --- attribution ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ws", [pytest.param(DEFAULT_WS, id="bundled-illustrative"),
                                pytest.param(MIXED_WS, id="mixed-levers"),
                                pytest.param(MIXED_WS[::-1], id="mixed-levers-reversed")])
def test_attributions_sum_to_total_saving_every_year(ws):
    frame, parts = _plan(ws)
    dsg = [w.name for w in ws if w.on_dsg]          # the bundled transport review is General Fund
    for t in range(len(frame)):
        assert math.fsum(parts[dsg].iloc[t].tolist()) == frame["total_saving"].iloc[t]
        # and the total is the whole difference between unmitigated and mitigated expenditure
        assert frame["unmitigated_hnb_expenditure"].iloc[t] - frame["hnb_expenditure"].iloc[t] == \
            pytest.approx(frame["total_saving"].iloc[t], abs=1e-6)


def test_total_saving_is_independent_of_order():
    a, _ = _plan(MIXED_WS)
    b, _ = _plan(MIXED_WS[::-1])
    assert a["total_saving"].tolist() == pytest.approx(b["total_saving"].tolist(), abs=1e-6)


def test_all_workstreams_at_once_equal_the_sum_of_parts():
    # independent check: apply both rate levers by hand in 2025-26
    ws = [Workstream("d", EHCP_GROWTH, 0.2, 2022), Workstream("r", COST_PER_EHCP, 0.05, 2022)]
    frame, parts = _plan(ws, to_year=2025)
    a = bundled.assumptions().iloc[:4]  # 2022-23 to 2025-26
    ehcp = 6100 * np.prod(1 + a["ehcp_growth"].to_numpy() * 0.8)
    cost = 100_178_000 / 6100 * np.prod(1 + a["cost_per_ehcp_growth"].to_numpy()) * 0.95
    assert frame["hnb_expenditure"].iloc[-1] == pytest.approx(ehcp * cost, rel=1e-12)


def test_saving_below_zero_expenditure_is_rejected_naming_workstream_and_year():
    ws = [Workstream("reviews", COST_PER_EHCP, 0.5, 2022), Workstream("Big transport cut", CASH, 80e6, 2025)]
    with pytest.raises(ModelError, match=r"'Big transport cut'.*below zero in 2025-26") as e:
        _plan(ws)
    assert (e.value.table, e.value.field, e.value.index) == ("workstreams", "amount", 1)


@pytest.mark.parametrize("ws,match", [
    pytest.param(Workstream("x", "magic", 0.1, 2022), "unknown lever", id="unknown-lever"),
    pytest.param(Workstream("x", EHCP_GROWTH, 1.5, 2022), "fraction between 0 and 1", id="rate-above-one"),
    pytest.param(Workstream("x", CASH, -5, 2022), "0 or more", id="negative-cash"),
    pytest.param(Workstream("x", CASH, 5, 2022, 0), "ramp_years", id="zero-ramp"),
    pytest.param(Workstream("x", CASH, 5, 2022, 1, 1.2), "delivery_confidence", id="confidence-above-one"),
])
def test_bad_workstreams_are_rejected(ws, match):
    with pytest.raises(ModelError, match=match):
        _plan([ws])


def test_workstream_table_errors_name_row_and_column():
    df = pd.DataFrame({"name": ["a", "b"], "lever": [CASH, CASH], "amount": [1000, "lots"],
                       "start_year": ["2023-24", "2023-24"]})
    with pytest.raises(HnbInputError, match=r"^ws.csv, row 3, column 'amount'"):   # header = row 1
        api.workstreams(df, labels={"workstreams": "ws.csv"})


def test_duplicate_workstream_names_are_rejected():
    with pytest.raises(ModelError, match="unique"):
        _plan([Workstream("a", CASH, 1, 2022), Workstream("a", CASH, 1, 2023)])


# --- instalments and the agreement ---------------------------------------------------------------------------

def test_slough_27m_40pc_first_over_five_years():
    s = instalment_schedule(27_000_000, 2022, 5, 0.4)
    assert list(s.index) == ["2022-23", "2023-24", "2024-25", "2025-26", "2026-27"]
    assert s.iloc[0] == pytest.approx(10_800_000, abs=1e-6)
    assert s.iloc[1:].tolist() == pytest.approx([4_050_000] * 4, abs=1e-6)
    assert math.fsum(s) == pytest.approx(27_000_000, abs=1e-6)


def test_kent_first_instalment_is_40pc():
    assert instalment_schedule(142e6, 2022, 5, 0.4).iloc[0] == pytest.approx(56.8e6)


def test_single_instalment_pays_everything_at_once():
    assert instalment_schedule(5e6, 2024, 1, 0.4).to_dict() == {"2024-25": 5e6}


def test_contributions_reduce_the_accumulated_deficit():
    # c/f = b/f + in-year + other - contributions
    ag = Agreement({"2022-23": 10e6, "2024-25": 3e6}, {"2023-24": 2e6})
    frame, _ = _plan((), ag, to_year=2025)
    gap = (frame["accumulated_deficit"] - frame["accumulated_deficit_after_contributions"]).tolist()
    assert gap == pytest.approx([10e6, 12e6, 15e6, 15e6], abs=1e-6)
    assert (frame["dsg_in_year_deficit"] == frame["unmitigated_dsg_in_year_deficit"]).all()  # in-year unchanged


def test_cambridgeshire_agreement_default_is_49m_with_stated_profile():
    ag = api.agreement()
    assert ag.dfe_total == pytest.approx(49e6)
    assert ag.dfe_contributions["2022-23"] == pytest.approx(0.4 * 49e6)
    assert ag.dfe_contributions["2026-27"] == pytest.approx(0.6 * 49e6 / 4)
    assert ag.target_balance_year == 2026


def test_cambridgeshire_target_2026_27_unmitigated_misses_it():
    ag = api.agreement()
    frame, _ = _plan((), ag)
    s = summary(frame, ag)
    assert s["target_balance_year"] == "2026-27"
    assert s["target_met"] is False and s["first_balance_year"] is None


def test_cambridgeshire_target_2026_27_met_by_a_big_enough_plan():
    # an independent check of the target test: the unmitigated 2026-27 DSG in-year deficit is ~£17.3m;
    # a £18m cash saving from 2026-27 balances that year exactly there and not before
    ag = api.agreement()
    frame, _ = _plan([Workstream("cash", CASH, 18e6, 2026)], ag)
    s = summary(frame, ag)
    un = frame.set_index("financial_year")["unmitigated_dsg_in_year_deficit"]
    assert 17e6 < un["2026-27"] < 18e6
    assert s["first_balance_year"] == "2026-27" and s["target_met"] is True
    late, _ = _plan([Workstream("cash", CASH, 18e6, 2027)], ag)
    assert summary(late, ag)["target_met"] is False


def test_deficit_cleared_year():
    # a £200m DfE contribution in 2023-24 clears the £62.3m seed forecast deficit that year
    ag = Agreement({"2023-24": 200e6})
    frame, _ = _plan((), ag, to_year=2025)
    assert summary(frame, ag)["deficit_cleared_year"] == "2023-24"
    assert frame["accumulated_deficit_after_contributions"].iloc[1] == pytest.approx(62_264_953 - 200e6, abs=1)


def test_contributions_outside_the_plan_years_are_rejected():
    with pytest.raises(ModelError, match="outside the plan years"):
        _plan((), Agreement({"2031-32": 1e6}), to_year=2030)


def test_suspension_risk_flags_years_missing_the_plan_by_more_than_tolerance():
    ag = Agreement(tolerance=1_000_000)
    frame, _ = _plan(DEFAULT_WS, ag, to_year=2025)
    plan_iy = frame.set_index("financial_year")["dsg_in_year_deficit"]
    forecast = {"2022-23": plan_iy["2022-23"] + 999_999, "2023-24": plan_iy["2023-24"] + 1_000_001}
    frame, _ = _plan(DEFAULT_WS, ag, to_year=2025, forecast=forecast)
    risk = frame["suspension_risk"].tolist()
    assert risk[0] == 0.0 and risk[1] == 1.0 and np.isnan(risk[2])
    assert summary(frame, ag)["suspension_risk_years"] == ["2023-24"]


def test_bundled_workstreams_are_labelled_illustrative():
    ws = bundled.plan_workstreams()
    assert ws["basis"].str.startswith("ILLUSTRATIVE").all()
    assert set(ws["lever"]) == {EHCP_GROWTH, COST_PER_EHCP, CASH}


def test_base_year_is_seed_2021_22():
    assert bundled.history().iloc[-1]["accumulated_deficit"] == HISTORY_TABLE["2021-22"][7] * 1000


# --- after a roll-forward: instalments in years that are now outturn (issue 13 part 4) ------------------

# an ILLUSTRATIVE 2022-23 outturn (not published in the seed), as tests/test_refresh_roundtrip.py uses
OUTTURN_2022_23 = {"financial_year": "2022-23", "ehcp_count": 6710.0, "hnb_budget": 93_860_000.0,
                   "hnb_expenditure": 111_500_000.0, "accumulated_deficit": 50_000_000.0}


def rolled_forward():
    """History with the 2022-23 outturn, assumptions from 2023-24: the next term's inputs."""
    h = bundled.history()
    h.loc[len(h)] = OUTTURN_2022_23
    a = bundled.assumptions()
    return h, a[a["financial_year"] != "2022-23"].reset_index(drop=True)


CAMBS = Agreement.from_total(49e6, 2022, 5, 0.4, 2026)    # the bundled terms: 19.6m then 4 x 7.35m


@pytest.mark.parametrize("payments,in_outturn,total", [
    pytest.param([], 19.6e6, 49e6, id="outturn-instalment-kept-as-received"),
    pytest.param([Payment("2022-23", 19.6e6, "withheld")], 0.0, 29.4e6, id="outturn-instalment-withheld"),
    pytest.param([Payment("2022-23", 19.6e6, "paid", 15e6)], 15e6, 44.4e6, id="outturn-instalment-part-paid"),
])
def test_roll_forward_keeps_the_outturn_instalment_and_the_total(payments, in_outturn, total):
    h, a = rolled_forward()
    ag = with_payments(CAMBS, payments) if payments else CAMBS
    frame, _ = plan(h, a, [], ag)
    assert frame["financial_year"].iloc[0] == "2023-24"
    # the plan years carry instalments 2 to 5 only; the 2022-23 one is in the outturn deficit already
    assert frame["dfe_contribution"].tolist()[:5] == pytest.approx([7.35e6] * 4 + [0])
    first_after = 50_000_000 + frame["dsg_in_year_deficit"].iloc[0] - 7.35e6
    assert frame["accumulated_deficit_after_contributions"].iloc[0] == pytest.approx(first_after, abs=0.01)
    s = summary(frame, ag)
    assert s["dfe_in_outturn"] == pytest.approx(in_outturn)
    assert s["dfe_total"] == pytest.approx(total)


def test_bundled_plan_has_no_outturn_instalments():
    frame, _ = _plan(DEFAULT_WS, api.agreement())
    s = summary(frame, api.agreement())
    assert "dfe_in_outturn" not in s and s["dfe_total"] == pytest.approx(49e6)


def test_instalment_before_any_year_of_the_model_is_rejected():
    h, a = rolled_forward()
    with pytest.raises(ModelError, match="before any year of the model .* check the agreement's first year"):
        plan(h, a, [], Agreement({"2010-11": 1e6}))


@pytest.mark.parametrize("call", [
    pytest.param(lambda h, a: api.plan(h, a), id="api-plan-bundled-agreement"),
    pytest.param(lambda h, a: api.plan(h, a, payments="cambridgeshire-2024"), id="api-plan-with-payments"),
])
def test_api_plan_after_a_roll_forward_is_not_an_error(call):
    h, a = rolled_forward()
    r = call(h, a)
    assert r.summary["dfe_total"] == pytest.approx(49e6 if r.agreement.payments == () else 21.5e6)
    assert r.summary["dfe_in_outturn"] == pytest.approx(19.6e6)


# --- the Excel functions take the payments table (the Safety_Valve cross-check passes Payments_Table) ---

PAYMENT_HEADER = ["Financial year", "Due", "Status", "Received"]


@pytest.mark.parametrize("rows,cleared", [
    # the bundled transport review is General Fund: its £675,000 + 6 x £1,350,000 to 2029-30 no longer
    # clear the DSG deficit that year (it was -£6.6m after contributions, now +£2.2m), so 2030-31
    pytest.param([], "2030-31", id="no-payment-rows-the-profile"),
    # the suspension as known in November 2024 (hnb_xl/data/plan_payments_cambridgeshire_2024.csv):
    # £27.5m less from the DfE, so the deficit is never cleared by 2030-31
    pytest.param([["2022-23", 19_600_000, "paid", 19_600_000], ["2023-24", 7_350_000, "withheld", 1_900_000],
                  ["2024-25", 7_350_000, "withheld", 0], ["2025-26", 7_350_000, "withheld", None],
                  ["2026-27", 7_350_000, "withheld", None]], "not by 2030-31", id="payments-suspended-2024"),
])
def test_balance_year_udf_takes_the_payments_table(rows, cleared):
    from hnb_xl import udfs
    got = udfs.HNB_BALANCE_YEAR(None, None, None, "cleared", None, None, None, None, [PAYMENT_HEADER] + rows
                                + [[None] * 4])
    assert got == cleared
    engine = api.plan(payments="cambridgeshire-2024" if rows else None).summary["deficit_cleared_year"]
    assert got == (engine or "not by 2030-31")
