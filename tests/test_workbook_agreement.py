"""The bundled workbook, proved without Excel: static check, LibreOffice, `formulas`, engine, seed.

* ``hnb-xl check`` finds nothing in workbook/HNB_Model.xlsm, and finds each planted error in a copy;
* LibreOffice's values (recalculated copy, HNB_ cells filled from Python) equal the engine's to £1
  on the calculation and output sheets, and the seed's published figures; the master check is 1;
* the ``formulas`` evaluation equals LibreOffice on every native formula cell;
* each UDF cross-check equals its native twin;
* input perturbations in a copy move LibreOffice's results exactly as the engine moves.

Expected numbers come from the engine run on the bundled CSVs and from tests/seed.py (typed from
the seed), never from the workbook. Addresses come from hnb_xl.workbook.layout.
"""

from __future__ import annotations

import hashlib
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from openpyxl.utils.cell import get_column_letter as L
from openpyxl.worksheet.formula import ArrayFormula

from hnb_xl import bundled
from hnb_xl.engine.contingency import allocate
from hnb_xl.engine.history import history_table
from hnb_xl.engine.projection import project
from hnb_xl.workbook import layout as lay
from hnb_xl.workbook.verify.check import check
from hnb_xl.workbook.verify.recalc import recalculate
from tests.seed import (BLOCK_TRANSFER_COMMITTED, BLOCK_TRANSFER_TOTAL, DEFICIT_GROWTH_PROJECTED, HISTORY_TABLE,
                        INVEST_TO_TRANSFORM, SEND_CONTINGENCY_POT)
from tests.support import load_book, read_book

pytestmark = pytest.mark.libreoffice

BUNDLED = Path(__file__).resolve().parents[1] / "workbook" / "HNB_Model.xlsm"
PARAMS = bundled.parameters()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def recalculated(bundled_recalculated):
    """The committed workbook recalculated with the HNB_ cells' Python values (conftest: once a
    session, the shipped file's digest checked before and after)."""
    return bundled_recalculated


@pytest.fixture(scope="module")
def formula_cells():
    """{(sheet, cell): formula} of every formula in the bundled workbook."""
    wb = read_book(BUNDLED, keep_vba=True)
    out = {}
    for ws in wb.worksheets:
        for (r, c), cell in ws._cells.items():
            v = cell.value
            if isinstance(v, ArrayFormula):
                v = v.text
            if isinstance(v, str) and v.startswith("="):
                out[(ws.title, f"{L(c)}{r}")] = v
    return out


def engine_history():
    return history_table(bundled.history(), PARAMS["opening_accumulated_deficit"])


def engine_projection(history=None, assumptions=None):
    return project(history if history is not None else bundled.history(),
                   assumptions if assumptions is not None else bundled.assumptions())


def engine_contingency(pot=None, cost=None, share=None):
    return allocate(bundled.demo_schools(), PARAMS["send_contingency_pot"] if pot is None else pot,
                    PARAMS["cost_per_ehcp"] if cost is None else cost,
                    PARAMS["notional_share"] if share is None else share)


def same(actual, expected, tol):
    """Blank (None or "") in the workbook matches NaN/None in the engine; numbers within tol."""
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return actual in (None, "")
    if isinstance(expected, str):
        return actual == expected
    return isinstance(actual, (int, float)) and abs(actual - float(expected)) <= tol


# ------------------------------------------------------------------------------ static check


def test_bundled_workbook_has_no_findings():
    findings = check(BUNDLED)
    assert [f.line() for f in findings] == []


def _replace(sheet, cell, old, new):
    def plant(wb):
        text = wb[sheet][cell].value
        assert old in text, f"{sheet}!{cell} no longer reads {old!r}: {text}"
        wb[sheet][cell] = text.replace(old, new, 1)
    return plant


def _copy_neighbour(sheet, row, col):
    def plant(wb):
        wb[sheet].cell(row, col).value = wb[sheet].cell(row, col - 1).value  # pasted as text: refs do not move
    return plant


P, C = lay.PROJ, lay.CONT
PLANTED = [
    pytest.param(_replace(lay.CALC_CONTINGENCY, f"C{C['total_shortfall']}", "SUM(", "SUMM("),
                 (lay.CALC_CONTINGENCY, f"C{C['total_shortfall']}", "unknown-function"), id="unknown-function"),
    pytest.param(_replace(lay.CALC_CONTINGENCY, f"C{C['payable']}", "Pot", "#REF!"),
                 (lay.CALC_CONTINGENCY, f"C{C['payable']}", "error-literal"), id="ref-error"),
    pytest.param(_replace(lay.CALC_CONTINGENCY, f"C{C['payable']}", "Pot", "Pott"),
                 (lay.CALC_CONTINGENCY, f"C{C['payable']}", "missing-name"), id="missing-defined-name"),
    pytest.param(_replace(lay.CALC_CONTINGENCY, f"C{C['total_shortfall']}", ")", ")*1.02"),
                 (lay.CALC_CONTINGENCY, f"C{C['total_shortfall']}", "constant"), id="hard-coded-number"),
    pytest.param(_copy_neighbour(lay.CALC_PROJECTION, P["ehcp"], P["first_col"] + 3),
                 (lay.CALC_PROJECTION, f"{L(P['first_col'] + 3)}{P['ehcp']}", "row-pattern"), id="row-pattern"),
    pytest.param(_replace(lay.CALC_PROJECTION, f"{L(P['first_col'] + 2)}{P['udf_accumulated']}",
                          "Assumptions_Table)", "Assumptions_Table,History_Table)"),
                 (lay.CALC_PROJECTION, f"{L(P['first_col'] + 2)}{P['udf_accumulated']}", "udf-arity"),
                 id="udf-too-many-args"),
    pytest.param(_replace(lay.CALC_TRANSFER, f"C{lay.TRANS['rows']['itt_allocation']}", "$C$15", "Old_Inputs!$C$15"),
                 (lay.CALC_TRANSFER, f"C{lay.TRANS['rows']['itt_allocation']}", "missing-sheet"), id="missing-sheet"),
]


@pytest.mark.parametrize("plant,expected", PLANTED)
def test_planted_error_in_a_copy_is_found(tmp_path, plant, expected):
    copy = tmp_path / "planted.xlsm"
    shutil.copyfile(BUNDLED, copy)
    wb = load_book(copy, keep_vba=True)
    plant(wb)
    wb.save(copy)
    found = {(f.sheet, f.cell, f.code) for f in check(copy)}
    assert expected in found
    assert {(s, c) for s, c, _ in found} == {expected[:2]}


# ------------------------------------------------------------------ LibreOffice vs engine vs seed


def test_master_check_is_one(recalculated):
    assert recalculated.names[lay.NAMES["master_check"]] == 1
    from hnb_xl.workbook.sheets.checks import CHECKS
    m = lay.CHECKS_LAYOUT
    # the checks the master check counts (the rows below them are shown, not counted: the revisions)
    results = [row[0] for row in recalculated.area(lay.CHECKS, f"{L(m['value_col'])}{m['first']}:"
                                                                f"{L(m['value_col'])}{m['first'] + len(CHECKS) - 1}")]
    results = [v for v in results if v is not None]
    assert len(results) >= 10 and all(v == 1 for v in results), results
    assert recalculated[lay.MASTER_STATUS_CELL].startswith("OK")


HIST_ROWS = {  # Calc_History row key -> (engine column, tolerance)
    "ehcp": ("ehcp_count", 1e-9), "budget": ("hnb_budget", 1), "expenditure": ("hnb_expenditure", 1),
    "accumulated": ("accumulated_deficit", 1), "ehcp_growth": ("ehcp_growth", 1e-12),
    "budget_growth": ("budget_growth", 1e-12), "expenditure_growth": ("expenditure_growth", 1e-12),
    "in_year": ("in_year_deficit", 1), "deficit_growth": ("deficit_growth", 1), "other": ("other_dsg_movements", 1),
}


@pytest.mark.parametrize("row_key", list(HIST_ROWS))
def test_calc_history_equals_engine(recalculated, row_key):
    h = engine_history()
    col, tol = HIST_ROWS[row_key]
    row = lay.HIST[row_key]
    for i, expected in enumerate(h[col]):
        cell = f"{L(lay.HIST['first_col'] + i)}{row}"
        assert recalculated[lay.CALC_HISTORY, f"{L(lay.HIST['first_col'] + i)}{lay.HIST['year']}"] == \
            h["financial_year"][i]
        assert same(recalculated[lay.CALC_HISTORY, cell], expected, tol), (cell, recalculated[lay.CALC_HISTORY, cell],
                                                                           expected)


PROJ_ROWS = {"ehcp": ("ehcp_count", 1e-6), "cost": ("cost_per_ehcp", 1e-6), "expenditure": ("hnb_expenditure", 1),
             "funding": ("hnb_funding", 1), "transfer": ("block_transfer", 1), "budget": ("hnb_budget", 1),
             "in_year": ("in_year_deficit", 1), "other": ("other_dsg_movements", 1),
             "accumulated": ("accumulated_deficit", 1), "deficit_growth": ("deficit_growth", 1)}


def projection_matches(values, p, sheet=lay.CALC_PROJECTION):
    bad = []
    for key, (col, tol) in PROJ_ROWS.items():
        for i, expected in enumerate(p[col]):
            cell = f"{L(P['first_col'] + i)}{P[key]}"
            if not same(values[sheet, cell], expected, tol):
                bad.append((key, p["financial_year"][i], cell, values[sheet, cell], expected))
    return bad


def test_calc_projection_equals_engine(recalculated):
    p = engine_projection()
    assert [recalculated[lay.CALC_PROJECTION, f"{L(P['first_col'] + i)}{P['year']}"] for i in range(len(p))] \
        == list(p["financial_year"])
    assert projection_matches(recalculated, p) == []


def test_projection_reproduces_seed_forecast(recalculated):
    """The seed's "Deficit growth projected" to £0.1m, 2022-23 to 2025-26 (and growth)."""
    years = [recalculated[lay.CALC_PROJECTION, f"{L(P['first_col'] + i)}{P['year']}"] for i in range(P["periods"])]
    for year in ("2022-23", "2023-24", "2024-25", "2025-26"):
        i = years.index(year)
        acc = recalculated[lay.CALC_PROJECTION, f"{L(P['first_col'] + i)}{P['accumulated']}"]
        growth = recalculated[lay.CALC_PROJECTION, f"{L(P['first_col'] + i)}{P['deficit_growth']}"]
        assert round(acc / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[year][0]
        assert round(growth / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[year][1]


def test_history_reproduces_seed_table(recalculated):
    """The seed's history table: EHCPs, £000 figures and growth % to one decimal."""
    years = [recalculated[lay.CALC_HISTORY, f"{L(lay.HIST['first_col'] + i)}{lay.HIST['year']}"]
             for i in range(lay.HIST["periods"])]
    for year, (ehcps, eg, budget, bg, spend, sg, in_year, acc) in HISTORY_TABLE.items():
        c = L(lay.HIST["first_col"] + years.index(year))
        v = lambda key: recalculated[lay.CALC_HISTORY, f"{c}{lay.HIST[key]}"]  # noqa: E731
        assert v("ehcp") == ehcps
        assert (v("budget") / 1000, v("expenditure") / 1000, v("in_year") / 1000, v("accumulated") / 1000) == \
            (budget, spend, in_year, acc)
        assert (round(v("ehcp_growth") * 100, 1), round(v("budget_growth") * 100, 1),
                round(v("expenditure_growth") * 100, 1)) == (eg, bg, sg)


def contingency_mismatches(values, a):
    bad = []
    cols = C["cols"]
    for i, row in a.iterrows():
        r = C["first"] + i
        for key, col, tol in (("shortfall", "shortfall", 1e-6), ("exact", "exact_share", 1e-6),
                              ("allocation", "allocation", 0)):
            got = values[lay.CALC_CONTINGENCY, f"{L(cols[key])}{r}"]
            if not same(got, row[col], tol):
                bad.append((row["urn"], key, got, row[col]))
    return bad


def test_calc_contingency_equals_engine(recalculated):
    a = engine_contingency()
    assert contingency_mismatches(recalculated, a) == []
    s = lambda key: recalculated[lay.CALC_CONTINGENCY, f"{L(C['value_col'])}{C[key]}"]  # noqa: E731
    assert s("total_shortfall") == pytest.approx(a["shortfall"].sum(), abs=1e-6)
    assert s("allocated") == SEND_CONTINGENCY_POT == a["allocation"].sum()
    assert s("receiving") == int((a["allocation"] > 0).sum())
    # rows past the 250 schools allocate nothing
    r = C["first"] + len(a)
    assert recalculated[lay.CALC_CONTINGENCY, f"{L(C['cols']['allocation'])}{r}"] in (0, None, "")


def test_calc_transfer_and_invest_to_transform(recalculated):
    rows = lay.TRANS["rows"]
    v = lambda key: recalculated[lay.CALC_TRANSFER, f"C{rows[key]}"]  # noqa: E731
    assert v("itt_transfer") == BLOCK_TRANSFER_TOTAL
    assert v("itt_allocation") == sum(a for a, _ in INVEST_TO_TRANSFORM.values()) == BLOCK_TRANSFER_TOTAL
    assert v("itt_committed") == BLOCK_TRANSFER_COMMITTED
    known = [(a, c) for a, c in INVEST_TO_TRANSFORM.values() if c is not None]
    assert v("itt_remaining") == sum(a - c for a, c in known)                      # 279,880
    assert v("itt_tbc_lines") == 2
    assert v("itt_implied_block") == pytest.approx(BLOCK_TRANSFER_TOTAL / PARAMS["transfer_limit_rate"])  # £420.4m
    # per transfer row: limit amount = 0.5% x schools block where the schools block is known
    bt = bundled.block_transfers()
    cols = lay.TRANS["cols"]
    for i, row in bt.iterrows():
        r = lay.TRANS["first"] + i
        limit = recalculated[lay.CALC_TRANSFER, f"{L(cols['limit_amount'])}{r}"]
        if not math.isnan(row["schools_block"]):
            assert limit == pytest.approx(PARAMS["transfer_limit_rate"] * row["schools_block"], abs=1)
        rate = recalculated[lay.CALC_TRANSFER, f"{L(cols['rate'])}{r}"]
        if not math.isnan(row["schools_block"]) and not math.isnan(row["transfer_amount"]):
            assert rate == pytest.approx(row["transfer_amount"] / row["schools_block"], abs=1e-12)


def _header_columns(values, sheet, header_row, width=12):
    return {values[sheet, f"{L(c)}{header_row}"]: c for c in range(1, width + 1)
            if values[sheet, f"{L(c)}{header_row}"] is not None}


def test_outputs_history_table_equals_engine(recalculated):
    h = engine_history()
    cols = _header_columns(recalculated, lay.OUTPUTS, lay.OUT["history_header"])
    wanted = {"Financial year": ("financial_year", 0), "EHCPs": ("ehcp_count", 1e-9),
              "EHCP growth": ("ehcp_growth", 1e-12), "HNB budget £000": ("hnb_budget", 1),
              "Budget growth": ("budget_growth", 1e-12), "HNB expenditure £000": ("hnb_expenditure", 1),
              "Expenditure growth": ("expenditure_growth", 1e-12), "In-year deficit £000": ("in_year_deficit", 1),
              "Accumulated DSG deficit £000": ("accumulated_deficit", 1)}
    assert set(wanted) <= set(cols), cols
    for i in range(len(h)):
        r = lay.OUT["history_first"] + i
        for header, (col, tol) in wanted.items():
            got = recalculated[lay.OUTPUTS, f"{L(cols[header])}{r}"]
            assert same(got, h[col][i], tol), (header, h["financial_year"][i], got, h[col][i])
    # rows past the data are blank
    assert recalculated[lay.OUTPUTS, f"{L(cols['Financial year'])}{lay.OUT['history_first'] + len(h)}"] in (None, "")


def test_outputs_deficit_table_equals_engine_and_seed(recalculated):
    h, p = engine_history(), engine_projection()
    cols = _header_columns(recalculated, lay.OUTPUTS, lay.OUT["projection_header"])
    expected = [(y, a, g, d) for y, a, g, d in zip(h["financial_year"], h["accumulated_deficit"],
                                                   h["deficit_growth"], h["in_year_deficit"])]
    expected += [(y, a, g, d) for y, a, g, d in zip(p["financial_year"], p["accumulated_deficit"],
                                                    p["deficit_growth"], p["in_year_deficit"])]
    for i, (year, acc, growth, in_year) in enumerate(expected):
        r = lay.OUT["projection_first"] + i
        got = [recalculated[lay.OUTPUTS, f"{L(cols[k])}{r}"] for k in
               ("Financial year", "Accumulated DSG deficit £m", "Deficit growth in the year £m", "In-year HNB deficit £m")]
        assert got[0] == year
        assert same(got[1], acc, 1) and same(got[2], growth, 1) and same(got[3], in_year, 1), (year, got)
        if year in DEFICIT_GROWTH_PROJECTED:
            seed_acc, seed_growth = DEFICIT_GROWTH_PROJECTED[year]
            assert round(got[1] / 1e6, 1) == seed_acc
            if seed_growth is not None:
                assert round(got[2] / 1e6, 1) == seed_growth


def test_outputs_invest_to_transform_equals_seed(recalculated):
    cols = _header_columns(recalculated, lay.OUTPUTS, lay.OUT["itt_header"])
    seen = {}
    for i in range(len(INVEST_TO_TRANSFORM) + 5):
        r = lay.OUT["itt_first"] + i
        activity = recalculated[lay.OUTPUTS, f"{L(cols['Activity'])}{r}"]
        if activity in INVEST_TO_TRANSFORM:
            seen[activity] = (recalculated[lay.OUTPUTS, f"{L(cols['Allocation £'])}{r}"],
                              recalculated[lay.OUTPUTS, f"{L(cols['Committed spend to date £'])}{r}"])
        if activity == "Total" or recalculated[lay.OUTPUTS, f"B{r}"] == "Total":
            break
    assert {k: (a, None if c == "TBC" else c) for k, (a, c) in seen.items()} == INVEST_TO_TRANSFORM


# ------------------------------------------------------------------------ UDF cross-checks


def test_udf_cross_checks_equal_native_twins(recalculated):
    p = engine_projection()
    # projection: HNB_DEFICIT per year = native accumulated deficit, difference row 0
    for i in range(len(p)):
        c = L(P["first_col"] + i)
        udf = recalculated[lay.CALC_PROJECTION, f"{c}{P['udf_accumulated']}"]
        assert isinstance(udf, float) and abs(udf - recalculated[lay.CALC_PROJECTION, f"{c}{P['accumulated']}"]) <= 1
        assert recalculated[lay.CALC_PROJECTION, f"{c}{P['udf_difference']}"] == pytest.approx(0, abs=1)
    # contingency: HNB_CONTINGENCY spilled beside the native allocation, difference 0 on every row
    cols = C["cols"]
    a = engine_contingency()
    for i in range(len(a)):
        r = C["first"] + i
        udf = recalculated[lay.CALC_CONTINGENCY, f"{L(cols['udf'])}{r}"]
        assert udf == recalculated[lay.CALC_CONTINGENCY, f"{L(cols['allocation'])}{r}"] == a["allocation"][i]
        assert recalculated[lay.CALC_CONTINGENCY, f"{L(cols['difference'])}{r}"] == 0
    # transfer: HNB_TRANSFER at the limit = the transfer
    rows = lay.TRANS["rows"]
    assert recalculated[lay.CALC_TRANSFER, f"C{rows['udf_amount']}"] == pytest.approx(BLOCK_TRANSFER_TOTAL, abs=1)
    assert recalculated[lay.CALC_TRANSFER, f"C{rows['udf_difference']}"] == pytest.approx(0, abs=1)
    # and the UDF values really came from Python (not blank, not an error)
    assert len(recalculated.udf_cells) >= len(p) + 2


# ------------------------------------------------------------------------ formulas vs LibreOffice


@pytest.mark.slow
def test_formulas_evaluation_equals_libreoffice_on_every_native_cell(recalculated, formula_cells):
    from hnb_xl.workbook.verify.evaluate import evaluate
    e = evaluate(BUNDLED)
    mismatches = []
    native = {k: f for k, f in formula_cells.items() if "HNB_" not in f.upper()}
    for (sheet, cell), formula in native.items():
        a, b = recalculated[sheet, cell], e[sheet, cell]
        if isinstance(a, bool) or isinstance(b, bool):
            ok = a == b
        elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
            ok = abs(a - b) <= 1e-9 * max(1.0, abs(a))
        else:
            ok = (a in (None, "") and b in (None, "")) or a == b
        if not ok:
            mismatches.append(f"{sheet}!{cell} {formula}: LibreOffice {a!r}, formulas {b!r}")
    assert len(native) > 1000
    assert mismatches == []
    # UDF cells evaluated by formulas (HNB_ registered) equal LibreOffice's copy of the Python values
    for (sheet, cell), value in recalculated.udf_cells.items():
        if not isinstance(value, list):
            assert e[sheet, cell] == pytest.approx(value)


# ------------------------------------------------------------------------ perturbations


def _assumption_cell(key, year_index):
    t = lay.INPUT_TABLES["assumptions"]
    return (t.sheet, t.cell(t.headers[t.column_keys.index(key)], year_index))


def _history_cell(key, row_index):
    t = lay.INPUT_TABLES["history"]
    return (t.sheet, t.cell(t.headers[t.column_keys.index(key)], row_index))


def _perturbed_assumptions(key, i, value):
    a = bundled.assumptions()
    a.loc[i, key] = value
    return a


def _perturbed_history(key, i, value):
    h = bundled.history()
    h.loc[i, key] = value
    return h


PERTURBATIONS = [
    pytest.param({"Pot": 300_000}, dict(pot=300_000), id="pot-300k"),
    pytest.param({"Cost_Per_EHCP": 7_000}, dict(cost=7_000), id="cost-per-ehcp-7000"),
    pytest.param({"Notional_Share": 0.5}, dict(share=0.5), id="notional-share-half"),
    pytest.param({_assumption_cell("ehcp_growth", 1): 0.12},
                 dict(assumptions=_perturbed_assumptions("ehcp_growth", 1, 0.12)), id="ehcp-growth-2023-24"),
    # 2023-24: a year the block-transfer table does not hold (2022-23 must agree with that table's
    # transfer, which the Invest to Transform allocations add up to: the Checks sheet's twin rule)
    pytest.param({_assumption_cell("block_transfer", 1): 500_000},
                 dict(assumptions=_perturbed_assumptions("block_transfer", 1, 500_000.0)),
                 id="block-transfer-2023-24-half-a-million"),
    pytest.param({_history_cell("hnb_expenditure", len(bundled.history()) - 1): 101_178_000},
                 dict(history=_perturbed_history("hnb_expenditure", len(bundled.history()) - 1, 101_178_000.0)),
                 id="expenditure-2021-22-plus-1m"),
]


@pytest.mark.parametrize("edits,engine_change", PERTURBATIONS)
def test_perturbation_moves_libreoffice_as_the_engine(recalculated, libreoffice, edits, engine_change):
    before = digest(BUNDLED)
    after = recalculate(BUNDLED, office=libreoffice, edits=edits)
    assert digest(BUNDLED) == before
    history = engine_change.get("history")
    assumptions = engine_change.get("assumptions")
    p0, p1 = engine_projection(), engine_projection(history, assumptions)
    a0 = engine_contingency()
    a1 = engine_contingency(engine_change.get("pot"), engine_change.get("cost"), engine_change.get("share"))
    # the perturbed workbook equals the perturbed engine everywhere we compare ...
    assert projection_matches(after, p1) == []
    assert contingency_mismatches(after, a1) == []
    if history is not None:
        h1 = history_table(history, PARAMS["opening_accumulated_deficit"])
        for i, expected in enumerate(h1["other_dsg_movements"]):
            got = after[lay.CALC_HISTORY, f"{L(lay.HIST['first_col'] + i)}{lay.HIST['other']}"]
            assert same(got, expected, 1)
    # ... so it moved exactly as the engine moved; and something did move
    moved_engine = (not np.allclose(p0["accumulated_deficit"], p1["accumulated_deficit"])
                    or not (a0["allocation"] == a1["allocation"]).all())
    assert moved_engine
    acc = [after[lay.CALC_PROJECTION, f"{L(P['first_col'] + i)}{P['accumulated']}"] -
           recalculated[lay.CALC_PROJECTION, f"{L(P['first_col'] + i)}{P['accumulated']}"] for i in range(len(p1))]
    assert np.allclose(acc, p1["accumulated_deficit"] - p0["accumulated_deficit"], atol=1)
    # the UDF cross-checks still agree after the change (Python saw the same inputs)
    assert after.names[lay.NAMES["master_check"]] == 1
    assert all(after[lay.CALC_PROJECTION, f"{L(P['first_col'] + i)}{P['udf_difference']}"] <= 1
               for i in range(len(p1)))
