"""Issue 16 parts 2 and 3: what a safety valve agreement really requires, the payments as made, and
the 2026 settlement (High Needs Stability Grant write-off, the statutory override's end, the cost of
carrying the deficit).

Expected figures are independent arithmetic on hand-made plans, the published Cambridgeshire figures
(£49m agreement; £21.5m received and £27.5m outstanding by November 2024: LocalGov,
https://www.localgov.co.uk/Cambs-in-bid-to-rescue-49m-funding-deal/61540) and the council's own
carrying cost (£0.5-0.7m a year on about £27m, January 2021 press).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hnb_xl import api
from hnb_xl.cli import main
from hnb_xl.engine import safety_valve as sv
from hnb_xl.engine.settlement import Settlement, settle

YEARS = ["2022-23", "2023-24", "2024-25", "2025-26", "2026-27", "2027-28", "2028-29"]


def plan_frame(in_year, after) -> pd.DataFrame:
    """A plan frame by hand: the DSG in-year deficit and the accumulated deficit after contributions."""
    n = len(in_year)
    return pd.DataFrame({"financial_year": YEARS[:n], "dsg_in_year_deficit": in_year,
                         "unmitigated_dsg_in_year_deficit": [1.0] * n,
                         "accumulated_deficit_after_contributions": after, "dfe_contribution": [0.0] * n,
                         "council_contribution": [0.0] * n, "total_saving": [0.0] * n,
                         "suspension_risk": [np.nan] * n})


# five instalments 2022-23 to 2026-27: the agreement runs to 2026-27
AGREEMENT = sv.Agreement.from_total(49_000_000, 2022, 5, 0.4, target_balance_year=2024)


@pytest.mark.parametrize("in_year, met", [
    pytest.param([5e6, 2e6, -1e5, 3e5, -2e5, -1e5, 4e5], False, id="balance-in-target-year-not-the-next-is-not-met"),
    pytest.param([5e6, 2e6, -1e5, -3e5, -2e5, 4e5, 4e5], True, id="balance-to-the-agreements-end-is-met"),
    pytest.param([5e6, 2e6, 1e5, -3e5, -2e5, -1e5, -1e5], False, id="balance-a-year-late-is-not-met"),
    pytest.param([5e6, 2e6, 0.0, 0.0, 0.0, 4e5, 4e5], True, id="exactly-zero-is-balance"),
])
def test_target_met_needs_balance_in_every_year_from_target_to_the_end(in_year, met):
    s = sv.summary(plan_frame(in_year, [10e6] * 7), AGREEMENT)
    assert s["agreement_end_year"] == "2026-27"
    assert s["target_met"] is met


def test_target_year_beyond_the_plan_is_not_met():
    ag = sv.Agreement.from_total(49_000_000, 2022, 5, 0.4, target_balance_year=2024)
    s = sv.summary(plan_frame([1.0, 1.0, -1.0, -1.0], [1.0] * 4), ag)     # plan ends 2025-26, agreement 2026-27
    assert s["target_met"] is False


@pytest.mark.parametrize("after_at_end, gap", [
    pytest.param(13_600_000.0, 13_600_000.0, id="balanced-but-13.6m-uncleared-shows-the-gap"),
    pytest.param(-250_000.0, 0.0, id="cleared-leaves-no-gap"),
])
def test_deficit_gap_at_the_agreements_end(after_at_end, gap):
    after = [40e6, 35e6, 25e6, 18e6, after_at_end, after_at_end - 1e6, after_at_end - 2e6]
    s = sv.summary(plan_frame([5e6, 2e6, -1e5, -3e5, -2e5, -1e5, -1e5], after), AGREEMENT)
    assert s["target_met"] is True
    assert s["deficit_gap_at_end"] == gap


def test_the_bundled_plan_balances_in_2026_27_but_leaves_18_3m_uncleared():
    """The model review's own recomputation (§3 P4): the illustrative plan carried £13.6m at 31 March
    2027 after the final instalment; the transport review's saving is now General Fund (issue 15), not
    off the DSG: 1.5m x 0.9 x (1/2 + 1 + 1 + 1) = £4,725,000 more to 2026-27, so £18.3m."""
    s = api.plan().summary
    assert s["first_balance_year"] == "2026-27" and s["target_met"] is True
    assert round(s["deficit_gap_at_end"] / 1e6, 1) == round(13.6 + 4.725, 1) == 18.3


# ------------------------------------------------------------------------------------ payments


def test_cambridgeshire_suspended_scenario_received_and_outstanding():
    result = api.plan(payments="cambridgeshire-2024")
    s = result.summary
    assert s["dfe_received"] == 21_500_000 and s["dfe_outstanding"] == 27_500_000
    assert s["dfe_received"] + s["dfe_outstanding"] == 49_000_000
    dfe = dict(zip(result.frame["financial_year"], result.frame["dfe_contribution"]))
    assert dfe["2022-23"] + dfe["2023-24"] == 21_500_000 and dfe["2024-25"] == dfe["2026-27"] == 0
    # what was not paid stays in the deficit: the gap grows by the £27.5m outstanding
    assert s["deficit_gap_at_end"] - api.plan().summary["deficit_gap_at_end"] == pytest.approx(27_500_000, abs=0.01)


@pytest.mark.parametrize("payment, counted", [
    pytest.param(sv.Payment("2023-24", 7_350_000, "withheld"), 0.0, id="withheld-counts-nothing"),
    pytest.param(sv.Payment("2023-24", 7_350_000, "paid"), 7_350_000, id="paid-counts-the-amount-due"),
    pytest.param(sv.Payment("2024-25", 7_350_000, "back-dated", 14_700_000), 14_700_000,
                 id="back-dated-counts-what-was-received"),
])
def test_payment_status_decides_what_the_plan_counts(payment, counted):
    assert payment.counted == counted
    ag = sv.with_payments(AGREEMENT, [payment])
    assert ag.dfe_contributions[payment.financial_year] == counted


def test_a_bad_payment_status_names_the_file_row_and_column(tmp_path, capsys):
    f = tmp_path / "payments.csv"
    f.write_text("financial_year,due,status\n2022-23,19600000,paid\n2023-24,7350000,suspended\n", encoding="utf-8")
    assert main(["plan", "--payments", str(f)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "payments.csv" in err[0] and "row 3" in err[0] and "Status" in err[0]
    assert "suspended" in err[0] and "Traceback" not in err[0]


# ---------------------------------------------------------------------------------- settlement

BEFORE = [60e6, 80e6, 100e6, 104e6, 106e6, 107e6]          # accumulated after contributions, 2023-24 on
SETTLE_YEARS = YEARS[1:]


def settled(**terms):
    frame = pd.DataFrame({"financial_year": SETTLE_YEARS, "accumulated_deficit_after_contributions": BEFORE})
    return settle(frame, Settlement(**terms), opening_deficit=50e6)


@pytest.mark.parametrize("terms, write_off", [
    pytest.param({"approved": True}, 90_000_000, id="approved-writes-off-90pc-of-the-deficit-at-31-march-2026"),
    pytest.param({"approved": False}, 0, id="not-approved-writes-off-nothing"),
    pytest.param({"approved": True, "excluded": 10e6}, 81_000_000, id="a-non-high-needs-part-is-not-eligible"),
    pytest.param({"approved": True, "share": 0.5}, 50_000_000, id="the-share-is-an-input"),
])
def test_write_off_is_the_share_of_the_eligible_deficit_to_the_pound(terms, write_off):
    frame, summary = settled(**terms)
    by = frame.set_index("financial_year")
    assert by.loc["2025-26", "eligible_deficit"] == 100e6 - terms.get("excluded", 0.0)
    assert by.loc["2026-27", "write_off"] == write_off and frame["write_off"].sum() == write_off
    assert summary["write_off_total"] == write_off
    for y, b in zip(SETTLE_YEARS, BEFORE):
        expected = b - (write_off if y >= "2026-27" else 0)
        assert by.loc[y, "dsg_deficit_after_write_off"] == expected      # to the pound (exact)


@pytest.mark.parametrize("override_end, first_exposed", [
    pytest.param(2027, "2028-29", id="override-to-31-march-2028-exposes-2028-29"),
    pytest.param(2025, "2026-27", id="an-earlier-end-exposes-earlier"),
])
def test_general_fund_exposure_is_zero_until_the_override_ends(override_end, first_exposed):
    frame, _ = settled(approved=True, override_end_year=override_end)
    for y, exposure, after in zip(frame["financial_year"], frame["general_fund_exposure"],
                                  frame["dsg_deficit_after_write_off"]):
        assert exposure == (after if y >= first_exposed else 0.0)


def test_cost_of_carrying_is_the_rate_times_the_average_deficit():
    """£27m carried all year at 2.2% is £594,000: within the council's £0.5-0.7m (January 2021)."""
    frame = pd.DataFrame({"financial_year": YEARS[:3], "accumulated_deficit_after_contributions": [27e6, 27e6, 29e6]})
    got, summary = settle(frame, Settlement(interest_rate=0.022), opening_deficit=27e6)
    assert got["carrying_cost"].tolist() == pytest.approx([594_000, 594_000, 0.022 * 28e6])
    assert 500_000 <= got["carrying_cost"].iloc[0] <= 700_000


def _json(argv, capsys):
    assert main(argv) in (0, None)
    return json.loads(capsys.readouterr().out)


def test_plan_json_carries_the_write_off_exposure_and_the_summary(capsys):
    out = _json(["plan", "--format", "json", "--write-off-approved", "yes"], capsys)
    by = {r["financial_year"]: r for r in out["plan"]}
    assert {"write_off", "general_fund_exposure", "dsg_deficit_after_write_off", "carrying_cost"} <= set(by["2026-27"])
    eligible = by["2025-26"]["accumulated_deficit_after_contributions"]
    assert by["2026-27"]["write_off"] == pytest.approx(0.9 * eligible, abs=0.005)
    assert by["2026-27"]["dsg_deficit_after_write_off"] == pytest.approx(
        by["2026-27"]["accumulated_deficit_after_contributions"] - 0.9 * eligible, abs=0.005)
    assert all(by[y]["general_fund_exposure"] == 0 for y in by if y <= "2027-28")
    s = out["summary"]
    assert s["target_met"] is True and s["deficit_gap_at_end"] > 0 and s["write_off_approved"] is True


def test_plan_json_by_default_writes_nothing_off_and_names_each_inputs_source(capsys):
    out = _json(["plan", "--format", "json"], capsys)
    assert all(r["write_off"] == 0 for r in out["plan"])
    inputs = {r["parameter"]: r for r in out["settlement_inputs"]}
    assert inputs["write_off_share"]["value"] == "0.9" and inputs["write_off_share"]["status"] == "unverified"
    assert inputs["override_end_year"]["status"] == "unverified" and inputs["write_off_approved"]["value"] == "no"
    assert all(r["source"] and r["date"] and r["status"] in ("published", "unverified") for r in inputs.values())


@pytest.mark.parametrize("argv, where", [
    pytest.param(["--write-off-share", "1.5"], "--write-off-share", id="share-above-one"),
    pytest.param(["--override-end", "20x7"], "--override-end", id="override-end-not-a-year"),
])
def test_bad_settlement_options_are_one_line_naming_the_option(argv, where, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["plan", *argv])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and where in err[0]


def test_a_bad_approval_in_a_settlement_file_names_its_row(tmp_path, capsys):
    f = tmp_path / "settlement.csv"
    f.write_text("parameter,value\nwrite_off_share,0.9\nwrite_off_year,2025-26\nwrite_off_paid_year,2026-27\n"
                 "write_off_approved,perhaps\noverride_end_year,2027-28\n", encoding="utf-8")
    assert main(["plan", "--settlement", str(f)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "settlement.csv" in err[0] and "row 5" in err[0] and "perhaps" in err[0]


@pytest.mark.parametrize("miss, flagged", [
    pytest.param(400_000, 0.0, id="a-miss-of-0.4m-is-within-the-stated-0.5m-tolerance"),
    pytest.param(600_000, 1.0, id="a-miss-of-0.6m-is-a-suspension-risk"),
])
def test_the_default_suspension_tolerance_is_stated_not_zero(miss, flagged, tmp_path, capsys):
    plan = {r["financial_year"]: r["dsg_in_year_deficit"] for r in _json(["plan", "--format", "json"], capsys)["plan"]}
    f = tmp_path / "actuals.csv"
    f.write_text(f"financial_year,dsg_in_year_deficit\n2023-24,{plan['2023-24'] + miss:.2f}\n", encoding="utf-8")
    out = _json(["plan", "--format", "json", "--actuals", str(f)], capsys)
    assert {r["financial_year"]: r["suspension_risk"] for r in out["plan"]}["2023-24"] == flagged


@pytest.mark.parametrize("file, table", [
    pytest.param("plan_agreement_cambridgeshire.csv", "agreement", id="agreement-not-settlement-or-parameters"),
    pytest.param("plan_workstreams.csv", "workstreams", id="workstreams"),
    pytest.param("settlement_2026.csv", "settlement", id="settlement-not-agreement"),
    pytest.param("plan_payments_cambridgeshire_2024.csv", "payments", id="payments"),
    pytest.param("parameters.csv", "parameters", id="parameters-not-agreement"),
])
def test_the_safety_valve_source_files_are_told_apart_by_their_headers(file, table):
    """A refresh recognises a council's agreement, workstreams, payments and settlement files by
    their headers alone (sources.detect): the agreement's (parameter, value, unit, basis) and the
    settlement's (parameter, value, unit, source, ...) share three columns and basis is an alias of
    source, so the tie must go to the agreement, and a settlement file must stay a settlement."""
    import csv
    from hnb_xl import bundled
    from hnb_xl.sources.detect import detect
    with open(bundled.data_path(file), newline="", encoding="utf-8") as fh:
        headers = next(csv.reader(fh))
    assert detect(headers, file).name == table
