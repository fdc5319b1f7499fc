"""The Safety_Valve sheet: native formulas recalculated by LibreOffice (on a copy) equal the engine's
plan, with the default inputs and after editing inputs; the UDF cross-check agrees; no static findings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hnb_xl import bundled
from hnb_xl import api
from hnb_xl.engine.safety_valve import CASH, Agreement, Workstream, plan, summary
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.build import build
from hnb_xl.workbook.verify.check import check
from hnb_xl.workbook.verify.recalc import recalculate

V, P = L.SV, L.PROJ
VC = L.col(V["value_col"])
SHEET = L.SAFETY_VALVE


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("sv") / "HNB_Model.xlsm", build_time="2000-01-01 00:00 UTC")


def _row(r, key, n):
    return [r[(SHEET, f"{L.col(P['first_col'] + i)}{V[key]}")] for i in range(n)]


def _compare(r, frame):
    n = len(frame)
    for key, column in [("total_saving", "total_saving"), ("dsg_in_year", "dsg_in_year_deficit"),
                        ("accumulated", "accumulated_deficit"), ("dfe", "dfe_contribution"),
                        ("after", "accumulated_deficit_after_contributions")]:
        assert _row(r, key, n) == pytest.approx(frame[column].tolist(), abs=0.01), key


def test_sheet_is_in_reader_order_and_has_no_static_findings(workbook):
    assert L.SHEETS.index(SHEET) == L.SHEETS.index(L.CALC_TRANSFER) + 1
    assert check(workbook) == []


def test_default_inputs_recalculate_to_the_engine_plan(workbook, libreoffice):
    r = recalculate(workbook, office=libreoffice)
    ag = api.agreement()
    frame, parts = plan(bundled.history(), bundled.assumptions(), api.workstreams(), ag)
    _compare(r, frame)
    for g in range(1, parts.shape[1] + 1):
        row = V["group0"] + V["group_size"] * g + V["group_rows"]["saving"]
        native = [r[(SHEET, f"{L.col(P['first_col'] + i)}{row}")] for i in range(len(frame))]
        assert native == pytest.approx(parts.iloc[:, g - 1].tolist(), abs=0.01)
    s = summary(frame, ag)
    assert r[(SHEET, f"{VC}{V['first_balance_year']}")] == s["first_balance_year"] == "2026-27"
    assert r[(SHEET, f"{VC}{V['cleared_year']}")] == s["deficit_cleared_year"]
    assert r[(SHEET, f"{VC}{V['target_met']}")] == 1
    assert r[(SHEET, f"{VC}{V['udf_balance']}")] == "2026-27"
    assert r[(SHEET, f"{VC}{V['udf_check']}")] == 1
    # the agreement's end, the gap it leaves (the model review's £13.6m, plus the General Fund transport
    # saving no longer off the DSG: 1.5m x 0.9 x 3.5 = £4.725m to 2026-27) and the 2026 settlement by default
    full = api.plan()
    assert _value(r, "end_year") == 2026 and full.summary["agreement_end_year"] == "2026-27"
    assert _value(r, "gap_at_end") == pytest.approx(full.summary["deficit_gap_at_end"], abs=0.01)
    assert round(_value(r, "gap_at_end") / 1e6, 1) == 18.3
    assert _value(r, "dfe_all") == pytest.approx(49e6) and _value(r, "dfe_in_outturn") == 0
    assert _value(r, "instalments_check") == 1
    _compare_settlement(r, full)


def _value(r, key):
    return r[(SHEET, f"{VC}{V[key]}")]


def _compare_settlement(r, full):
    """The settlement rows and results on the sheet equal engine.settlement's (api.plan)."""
    n = len(full.frame)
    for key, column in [("write_off", "write_off"), ("after_write_off", "dsg_deficit_after_write_off"),
                        ("exposure", "general_fund_exposure"), ("carrying", "carrying_cost")]:
        assert _row(r, key, n) == pytest.approx(full.settlement[column].tolist(), abs=0.01), key
    s = full.summary
    assert _value(r, "eligible") == pytest.approx(s["eligible_deficit"], abs=0.01)
    assert _value(r, "write_off_total") == pytest.approx(s["write_off_total"], abs=0.01)
    assert _value(r, "exposure_end") == pytest.approx(s["general_fund_exposure_at_end"], abs=0.01)
    assert _value(r, "carrying_total") == pytest.approx(s["carrying_cost_total"], abs=0.01)


def _assumptions_cell(header, year):
    t = L.INPUT_TABLES["assumptions"]
    i = list(bundled.assumptions()["financial_year"]).index(year)
    return (L.INPUTS, t.cell(header, i))


@pytest.mark.parametrize("other_2027_28,met", [
    pytest.param(None, 1, id="balanced-from-the-target-to-the-end-met"),
    # +£30m of other DSG movements in 2027-28: balanced in the target year 2026-27 but not the next
    pytest.param(30_000_000, 0, id="balanced-in-the-target-year-not-the-next-not-met"),
])
def test_target_met_needs_balance_in_every_year_to_the_agreements_end(workbook, libreoffice, other_2027_28, met):
    """Instalments from 2023-24 run to 2027-28: the target (2026-27) and 2027-28 must both balance."""
    edits = {"SV_First_Year": "2023-24"}
    a = bundled.assumptions()
    if other_2027_28 is not None:
        edits[_assumptions_cell("Other DSG movements", "2027-28")] = other_2027_28
        a.loc[a["financial_year"] == "2027-28", "other_dsg_movements"] = other_2027_28
    r = recalculate(workbook, edits=edits, office=libreoffice)
    ag = Agreement.from_total(49e6, 2023, 5, 0.4, 2026)
    frame, _ = plan(bundled.history(), a, api.workstreams(), ag)
    s = summary(frame, ag)
    _compare(r, frame)
    assert s["first_balance_year"] == _value(r, "first_balance_year") == "2026-27"   # the old rule's answer: met
    assert s["agreement_end_year"] == "2027-28" and _value(r, "end_year") == 2027
    assert _value(r, "target_met") == met and s["target_met"] is bool(met)
    assert _value(r, "gap_at_end") == pytest.approx(s["deficit_gap_at_end"], abs=0.01)


# the suspension as known in November 2024 (hnb_xl/data/plan_payments_cambridgeshire_2024.csv)
SUSPENDED = [("2022-23", 19_600_000, "paid", 19_600_000), ("2023-24", 7_350_000, "withheld", 1_900_000),
             ("2024-25", 7_350_000, "withheld", 0), ("2025-26", 7_350_000, "withheld", 0),
             ("2026-27", 7_350_000, "withheld", 0)]


def _payment_edits(rows):
    t = L.INPUT_TABLES["payments"]
    return {(L.INPUTS, t.cell(h, i)): v for i, row in enumerate(rows)
            for h, v in zip(("Financial year", "Due", "Status", "Received"), row)}


def _settlement_edit(term, value):
    t = L.INPUT_TABLES["settlement"]
    i = [r["parameter"] for r in api.settlement_inputs()].index(term)
    return {(L.INPUTS, t.cell("Value", i)): value}


def test_payments_and_an_approved_write_off_recalculate_to_the_engine(workbook, libreoffice):
    """The Payments and Settlement tables on Inputs drive the sheet: instalments as paid (£21.5m of
    £49m), the write-off approved: 90% of the deficit at 31 March 2026 written off in 2026-27."""
    r = recalculate(workbook, edits={**_payment_edits(SUSPENDED), **_settlement_edit("write_off_approved", "yes")},
                    office=libreoffice)
    full = api.plan(payments="cambridgeshire-2024", settlement_terms={"write_off_approved": "yes"})
    _compare(r, full.frame)
    _compare_settlement(r, full)
    status = [r[(SHEET, f"{L.col(V['inst_cols']['status'])}{V['inst_first'] + i}")] for i in range(5)]
    assert status == ["paid", "withheld", "withheld", "withheld", "withheld"]
    assert _value(r, "dfe_all") == pytest.approx(21.5e6)
    # independent arithmetic: the write-off is 90% of the deficit after contributions at 31 March 2026
    after_2025_26 = _row(r, "after", 4)[3]
    assert _value(r, "write_off_total") == pytest.approx(0.9 * after_2025_26, abs=0.01)
    assert _value(r, "gap_at_end") == pytest.approx(full.summary["deficit_gap_at_end"], abs=0.01)
    assert _value(r, "udf_check") == 1          # HNB_BALANCE_YEAR is given the Payments table
    assert r.names[L.NAMES["master_check"]] == 1


@pytest.mark.parametrize("edits", [
    pytest.param({"SV_First_Year": "2028-29"}, id="instalments-after-the-last-plan-year"),
    pytest.param({"SV_Instalments": V["inst_max"] + 1}, id="more-instalments-than-the-table-holds"),
    pytest.param(_payment_edits([("2019-20", 1_000_000, "paid", 1_000_000)]), id="payment-record-not-an-instalment"),
])
def test_dropped_instalments_fail_the_master_check(workbook, libreoffice, edits):
    from hnb_xl.workbook.sheets.checks import CHECKS
    r = recalculate(workbook, edits=edits, office=libreoffice, udfs=False)
    K = L.CHECKS_LAYOUT
    row = next(i for i, (text, _f) in enumerate(CHECKS) if text.startswith("Safety valve: the instalments add up"))
    assert _value(r, "instalments_check") == 0
    assert r[(L.CHECKS, f"{L.col(K['value_col'])}{K['first'] + row}")] == 0
    assert r.names[L.NAMES["master_check"]] == 0


@pytest.mark.slow
def test_rolled_forward_workbook_keeps_the_outturn_instalment(workbook, sources, tmp_path, libreoffice):
    """Next term (issue 13 part 4): history gains the 2022-23 outturn and the assumptions start in
    2023-24. The 2022-23 instalment (£19.6m) is kept as received, in the outturn deficit; the plan
    years carry the other four; the DfE total stays £49m; the master check and the UDF cross-check pass."""
    import csv
    from hnb_xl.workbook import refresh as R
    outturn = ["2022-23", "6710", "93860000", "111500000", "50000000"]     # ILLUSTRATIVE, as test_refresh_roundtrip
    with open(sources / "history.csv", "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(outturn)
    with open(sources / "assumptions.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with open(sources / "assumptions.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([row for row in rows if row[0] != "2022-23"])
    for f in sources.iterdir():                   # the two tables of the roll-forward only
        if f.name not in ("history.csv", "assumptions.csv"):
            f.unlink()
    out = tmp_path / "next_term.xlsm"
    R.refresh(workbook, [sources], output=out, progress=False)
    r = recalculate(out, office=libreoffice)
    h = bundled.history()
    h.loc[len(h)] = {"financial_year": "2022-23", "ehcp_count": 6710.0, "hnb_budget": 93_860_000.0,
                     "hnb_expenditure": 111_500_000.0, "accumulated_deficit": 50_000_000.0}
    a = bundled.assumptions()
    a = a[a["financial_year"] != "2022-23"].reset_index(drop=True)
    full = api.plan(h, a)
    assert full.frame["financial_year"].iloc[0] == "2023-24"
    _compare(r, full.frame)
    first = [r[(SHEET, f"{L.col(c)}{V['inst_first']}")] for c in range(1, 8)]
    assert first == [1, "2022-23", 19_600_000, "assumed (profile)", 19_600_000, 0, "outturn"]
    assert _row(r, "dfe", 5) == pytest.approx([7.35e6] * 4 + [0])
    assert _value(r, "dfe_in_outturn") == pytest.approx(19.6e6) == full.summary["dfe_in_outturn"]
    assert _value(r, "dfe_all") == pytest.approx(49e6) == full.summary["dfe_total"]
    assert _value(r, "instalments_check") == 1
    assert _value(r, "udf_check") == 1
    assert r.names[L.NAMES["master_check"]] == 1


def test_edited_inputs_recalculate_to_the_engine_plan(workbook, libreoffice):
    # Slough-style £27m agreement, 40% first, from 2023-24; one workstream only: £18m cash from 2026-27
    w = V["ws_first"]
    edits = {"SV_DfE_Total": 27_000_000, "SV_First_Year": "2023-24",
             (SHEET, f"A{w}"): "Cash", (SHEET, f"B{w}"): CASH, (SHEET, f"C{w}"): 18_000_000,
             (SHEET, f"D{w}"): "2026-27", (SHEET, f"E{w}"): 1, (SHEET, f"F{w}"): 1}
    for k in range(1, V["ws_max"]):
        for c in range(1, len(V["ws_headers"]) + 1):       # the basis too: a row left with one is not empty
            edits[(SHEET, f"{L.col(c)}{w + k}")] = None
    r = recalculate(workbook, edits=edits, office=libreoffice)
    ag = Agreement.from_total(27e6, 2023, 5, 0.4, 2026)
    frame, _ = plan(bundled.history(), bundled.assumptions(), [Workstream("Cash", CASH, 18e6, 2026)], ag)
    _compare(r, frame)
    assert _row(r, "dfe", 6)[:6] == pytest.approx([0, 10.8e6, 4.05e6, 4.05e6, 4.05e6, 4.05e6])
    assert r[(SHEET, f"{VC}{V['first_balance_year']}")] == summary(frame, ag)["first_balance_year"] == "2026-27"
    assert r[(SHEET, f"{VC}{V['udf_check']}")] == 1


@pytest.mark.libreoffice
@pytest.mark.parametrize("edits", [
    pytest.param({"SV_First_Share": 1.5}, id="first-share-above-1"),
    pytest.param({"SV_Instalments": 0}, id="no-instalments"),
])
def test_bad_agreement_inputs_fail_the_master_check(workbook, libreoffice, edits):
    """The Checks sheet covers the Safety_Valve inputs: an impossible agreement makes the master check 0."""
    from hnb_xl.workbook.sheets.checks import CHECKS
    r = recalculate(workbook, office=libreoffice, edits=edits, udfs=False)
    K = L.CHECKS_LAYOUT
    row = next(i for i, (text, _f) in enumerate(CHECKS) if text.startswith("Safety valve: the first instalment"))
    assert r[(L.CHECKS, f"{L.col(K['value_col'])}{K['first'] + row}")] == 0
    assert r.names[L.NAMES["master_check"]] == 0


@pytest.mark.slow
def test_payments_and_settlement_files_refresh_into_the_inputs_tables(workbook, tmp_path, libreoffice):
    """The Payments and Settlement tables are refreshable: `hnb-xl refresh` recognises the two files
    by their headers, writes them to Inputs, and the recalculated sheet equals the engine run on the
    same two files (write-off approved, override ending a year early)."""
    import csv
    from hnb_xl import bundled as B
    from hnb_xl.cli import main
    src = tmp_path / "src"
    src.mkdir()
    (src / "payments.csv").write_bytes(B.data_path("plan_payments_cambridgeshire_2024.csv").read_bytes())
    with open(B.data_path("settlement_2026.csv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    for row in rows:
        if row[0] == "write_off_approved":
            row[1] = "yes"
        if row[0] == "override_end_year":
            row[1] = "2026-27"
    with open(src / "settlement.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    out = tmp_path / "refreshed.xlsm"
    assert main(["refresh", str(workbook), str(src), "--output", str(out)]) == 0
    r = recalculate(out, office=libreoffice)
    full = api.plan(payments=str(src / "payments.csv"), settlement=str(src / "settlement.csv"))
    assert full.summary["write_off_approved"] is True and full.summary["write_off_total"] > 0
    _compare(r, full.frame)
    _compare_settlement(r, full)
    assert _value(r, "udf_check") == 1
    assert r.names[L.NAMES["master_check"]] == 1


# --- issue 15: a General Fund workstream; issue 16: an empty agreement ---------------------------------

def test_a_general_fund_workstream_is_on_its_own_line_not_in_the_dsg(workbook, libreoffice):
    """The bundled transport review is General Fund: the sheet's General Fund line is 1.5m x 0.9 x ramp
    (1/2 in 2023-24, then 1), its DSG total saving leaves it out; and a second one typed in odd case and
    spacing ("general  FUND", the table layer's rule) leaves the DSG too, as the engine says."""
    w = V["ws_first"] + 3                                  # the fourth bundled row: Tuition packages review
    funding = f"{L.col(V['ws_cols']['funding'])}{w}"
    r = recalculate(workbook, edits={(SHEET, funding): "general  FUND"}, office=libreoffice)
    ws = [dataclasses.replace(x, funding="General Fund") if x.name == "Tuition packages review" else x
          for x in api.workstreams()]
    ag = api.agreement()
    frame, parts = plan(bundled.history(), bundled.assumptions(), ws, ag)
    _compare(r, frame)
    n = len(frame)
    # 1.5m x 0.9 and 1.0m x 0.9, each with a 2-year ramp from 2023-24: by hand
    by_hand = [0.0, (1_500_000 + 1_000_000) * 0.9 / 2] + [(1_500_000 + 1_000_000) * 0.9] * (n - 2)
    assert _row(r, "general_fund_saving", n) == pytest.approx(by_hand, abs=0.01)
    assert frame["general_fund_saving"].tolist() == pytest.approx(by_hand, abs=0.01)
    assert r[(SHEET, f"{VC}{V['udf_check']}")] == 1
    assert r.names[L.NAMES["master_check"]] == 1


def _agreement_edits(mode):
    t = L.INPUT_TABLES["agreement"]
    terms = list(bundled.plan_agreement_table()["parameter"])
    if mode == "empty":
        return {(L.INPUTS, t.cell(h, i)): None for i in range(t.max_rows) for h in t.headers}
    return {(L.INPUTS, t.cell("Value", terms.index("dfe_total"))): 0}


@pytest.mark.parametrize("mode", [pytest.param("empty", id="agreement-table-left-empty"),
                                  pytest.param("zero", id="dfe-total-0")])
def test_no_agreement_says_so_and_the_master_check_stays_1(workbook, libreoffice, mode):
    from hnb_xl.engine.safety_valve import NO_AGREEMENT, NO_AGREEMENT_TEXT
    r = recalculate(workbook, edits=_agreement_edits(mode), office=libreoffice)
    for key in ("end_year", "target_met", "gap_at_end"):
        assert _value(r, key) == NO_AGREEMENT_TEXT, key
    status = [r[(SHEET, f"{L.col(V['inst_cols']['status'])}{V['inst_first'] + i}")] for i in range(3)]
    assert status == [NO_AGREEMENT_TEXT, None, None]
    frame, _ = plan(bundled.history(), bundled.assumptions(), api.workstreams(), NO_AGREEMENT)
    _compare(r, frame)
    assert _row(r, "dfe", len(frame)) == [0] * len(frame)
    assert _value(r, "instalments_check") == 1 and _value(r, "dfe_all") == 0
    assert _value(r, "udf_check") == 1
    assert r.names[L.NAMES["master_check"]] == 1
