"""The Safety_Valve sheet: native formulas recalculated by LibreOffice (on a copy) equal the engine's
plan, with the default inputs and after editing inputs; the UDF cross-check agrees; no static findings."""

from __future__ import annotations

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


def test_edited_inputs_recalculate_to_the_engine_plan(workbook, libreoffice):
    # Slough-style £27m agreement, 40% first, from 2023-24; one workstream only: £18m cash from 2026-27
    w = V["ws_first"]
    edits = {"SV_DfE_Total": 27_000_000, "SV_First_Year": "2023-24",
             (SHEET, f"A{w}"): "Cash", (SHEET, f"B{w}"): CASH, (SHEET, f"C{w}"): 18_000_000,
             (SHEET, f"D{w}"): "2026-27", (SHEET, f"E{w}"): 1, (SHEET, f"F{w}"): 1}
    for k in range(1, V["ws_max"]):
        for c in "ABCDEFG":
            edits[(SHEET, f"{c}{w + k}")] = None
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
