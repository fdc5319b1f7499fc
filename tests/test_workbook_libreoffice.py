"""The committed workbook recalculated by LibreOffice (on a COPY, private profile): the native
formulas give the seed's figures, the contingency adds up to the pot, the master check passes,
and the UDF cross-checks say "UDFs not loaded" without Python and 1 with the Python values.

Expected numbers come from the seed (tests/seed.py) or plain arithmetic, never from the workbook.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hnb_xl import bundled
from hnb_xl.engine.contingency import allocate
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.verify.recalc import recalculate
from hnb_xl.workbook.sheets.checks import CHECKS, NOT_LOADED

from tests import seed

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

COMMITTED = Path(__file__).resolve().parents[1] / "workbook" / "HNB_Model.xlsm"


@pytest.fixture(scope="module")
def native(bundled_native):
    """Recalculated without the HNB_ functions (as on a PC without Python); conftest: once a session,
    the shipped file's digest checked before and after."""
    return bundled_native


@pytest.fixture(scope="module")
def with_udfs(bundled_recalculated):
    """Recalculated with each HNB_ cell's Python value written into the copy first (conftest)."""
    return bundled_recalculated


def _hist_col(r, year):
    H = L.HIST
    for c in range(H["first_col"], H["first_col"] + H["periods"]):
        if r[(L.CALC_HISTORY, f"{L.col(c)}{H['year']}")] == year:
            return L.col(c)
    raise AssertionError(f"{year} not on {L.CALC_HISTORY}")


@pytest.mark.parametrize("year", [pytest.param(y, id=f"seed-history-{y}") for y in seed.HISTORY_TABLE])
def test_history_table_matches_the_seed(native, year):
    ehcp, eg, budget, bg, spend, sg, in_year, acc = seed.HISTORY_TABLE[year]
    H, c = L.HIST, _hist_col(native, year)
    v = lambda key: native[(L.CALC_HISTORY, f"{c}{H[key]}")]  # noqa: E731
    assert v("ehcp") == ehcp
    assert v("budget") == budget * 1000 and v("expenditure") == spend * 1000
    assert round(v("ehcp_growth") * 100, 1) == eg
    assert round(v("budget_growth") * 100, 1) == bg
    assert round(v("expenditure_growth") * 100, 1) == sg
    assert v("in_year") == in_year * 1000
    assert v("accumulated") == acc * 1000
    # the reconciling line closes the accumulated deficit exactly
    assert v("previous") + v("in_year") + v("other") == acc * 1000


@pytest.mark.parametrize("year", [pytest.param(y, id=f"seed-forecast-{y}")
                                  for y in ("2022-23", "2023-24", "2024-25", "2025-26")])
def test_projection_gives_the_published_forecast_to_a_tenth_of_a_million(native, year):
    acc_m, growth_m = seed.DEFICIT_GROWTH_PROJECTED[year]
    P = L.PROJ
    years = [native[(L.CALC_PROJECTION, f"{L.col(c)}{P['year']}")]
             for c in range(P["first_col"], P["first_col"] + P["periods"])]
    c = L.col(P["first_col"] + years.index(year))
    assert round(native[(L.CALC_PROJECTION, f"{c}{P['accumulated']}")] / 1e6, 1) == acc_m
    assert round(native[(L.CALC_PROJECTION, f"{c}{P['deficit_growth']}")] / 1e6, 1) == growth_m


def test_invest_to_transform_totals(native):
    assert native.names["ITT_Allocation_Total"] == seed.BLOCK_TRANSFER_TOTAL
    assert native.names["ITT_Committed_Total"] == seed.BLOCK_TRANSFER_COMMITTED
    assert native.names["ITT_Transfer"] == seed.BLOCK_TRANSFER_TOTAL
    R = L.TRANS["rows"]
    assert native[(L.CALC_TRANSFER, f"C{R['itt_tbc_lines']}")] == 2          # SEND Contingency, New Provision
    assert native[(L.CALC_TRANSFER, f"C{R['itt_implied_block']}")] == pytest.approx(2_102_000 / 0.005)


def test_contingency_allocations_add_up_to_the_pot_in_whole_pounds(native):
    C = L.CONT
    alloc = [native[(L.CALC_CONTINGENCY, f"{L.col(C['cols']['allocation'])}{r}")]
             for r in range(C["first"], L.contingency_last(L.contingency_rows(250)) + 1)]
    schools = len(bundled.demo_schools())
    assert all(a is None for a in alloc[schools:])          # rows without a school show blank, not £0
    alloc = alloc[:schools]
    assert sum(alloc) == seed.SEND_CONTINGENCY_POT
    assert all(float(a).is_integer() and a >= 0 for a in alloc)
    assert native.names["Contingency_Allocated"] == seed.SEND_CONTINGENCY_POT


def test_contingency_per_school_equals_the_engine(native):
    """The formulas' largest remainder gives the engine's allocation to every school."""
    C = L.CONT
    k = C["cols"]
    expected = allocate(bundled.demo_schools(), 450_000, 6_000, 1.0).set_index("urn")["allocation"]
    got = {}
    for r in range(C["first"], L.contingency_last(L.contingency_rows(250)) + 1):
        urn = native[(L.CALC_CONTINGENCY, f"{L.col(k['urn'])}{r}")]
        if urn not in (None, ""):
            got[int(urn)] = native[(L.CALC_CONTINGENCY, f"{L.col(k['allocation'])}{r}")]
    assert len(got) == 250
    assert got == {int(u): int(a) for u, a in expected.items()}


def test_master_check_passes_without_python(native):
    K = L.CHECKS_LAYOUT
    results = [native[(L.CHECKS, f"{L.col(K['value_col'])}{K['first'] + i}")] for i in range(len(CHECKS))]
    udf_rows = [i for i, (text, _f) in enumerate(CHECKS) if text.startswith("Cross-check")]
    assert udf_rows
    assert [results[i] for i in udf_rows] == [NOT_LOADED] * len(udf_rows)
    assert [results[i] for i in range(len(CHECKS)) if i not in udf_rows] == [1] * (len(CHECKS) - len(udf_rows))
    assert native.names["Master_Check"] == 1
    sheet, cell = L.MASTER_STATUS_CELL
    assert native[(sheet, cell)].startswith("OK")


def test_cross_checks_pass_with_the_python_values(with_udfs):
    K = L.CHECKS_LAYOUT
    results = [with_udfs[(L.CHECKS, f"{L.col(K['value_col'])}{K['first'] + i}")] for i in range(len(CHECKS))]
    assert results == [1] * len(CHECKS)
    assert with_udfs.names["Master_Check"] == 1


def test_a_broken_input_fails_the_master_check(libreoffice):
    """An Invest to Transform allocation that no longer adds up to the transfer: a check turns 0."""
    t = L.INPUT_TABLES["invest_to_transform"]
    r = recalculate(COMMITTED, udfs=False, office=libreoffice,
                    edits={(t.sheet, t.cell("Allocation", 0)): 526_046})
    assert r.names["Master_Check"] == 0
    assert r[L.MASTER_STATUS_CELL].startswith("CHECK FAILED")


def test_a_smaller_pot_is_still_allocated_exactly(libreoffice):
    r = recalculate(COMMITTED, udfs=False, office=libreoffice, edits={"Pot": 123_457})
    assert r.names["Contingency_Allocated"] == 123_457
    assert r.names["Master_Check"] == 1


@pytest.mark.parametrize("row, passes", [
    pytest.param(299, 1, id="school-on-the-last-calculated-row"),
    pytest.param(300, 0, id="school-below-the-calculated-rows"),
])
def test_a_school_typed_below_the_calculated_rows_fails_the_master_check(libreoffice, row, passes):
    """The bundled 250 schools get 300 calculation rows (250 and 50 spare, a multiple of 50): a
    school typed in Excel on the Inputs table's 300th row is calculated, one on the 301st is not,
    and its check says so instead of the pot going to the others unremarked."""
    t = L.INPUT_TABLES["schools"]
    school = {"URN": 999001, "School name": "Typed Academy", "EHCPs": 3, "Notional SEN budget": 1_000}
    r = recalculate(COMMITTED, udfs=False, office=libreoffice,
                    edits={(t.sheet, t.cell(h, row)): v for h, v in school.items()})
    assert r[_check_row("SEND Contingency: every school on Inputs has a row")] == passes
    assert r.names["Master_Check"] == passes
    assert r.names["Contingency_Allocated"] == seed.SEND_CONTINGENCY_POT


def test_ties_in_the_remainder_go_to_the_smaller_urn_as_in_the_engine(libreoffice):
    """Four schools with the same shortfall tie on remainder and exact share: the formulas must
    break the tie by URN exactly as the engine does, and still add up to the pot."""
    t = L.INPUT_TABLES["schools"]
    schools = bundled.demo_schools()
    edits = {}
    for i in range(4):                                   # shortfall 10 * 6,000 - 50,000 = 10,000 each
        edits[(t.sheet, t.cell("EHCPs", i))] = 10
        edits[(t.sheet, t.cell("Notional SEN budget", i))] = 50_000
        schools.loc[i, ["ehcp_count", "notional_sen"]] = [10, 50_000]
    for pot in range(100_000, 101_000):                  # a pot whose last spare pounds split the tie
        expected = allocate(schools, pot, 6_000, 1.0).set_index("urn")["allocation"]
        tied = expected.loc[schools["urn"].iloc[:4]].tolist()
        if len(set(tied)) == 2:
            break
    assert len(set(tied)) == 2, "no pot in range splits the tied schools"
    assert tied == sorted(tied, reverse=True)            # the smaller URNs get the extra pound
    edits["Pot"] = pot
    r = recalculate(COMMITTED, udfs=False, office=libreoffice, edits=edits)
    C, k = L.CONT, L.CONT["cols"]
    got = {int(r[(L.CALC_CONTINGENCY, f"{L.col(k['urn'])}{row}")]): r[(L.CALC_CONTINGENCY, f"{L.col(k['allocation'])}{row}")]
           for row in range(C["first"], C["first"] + len(schools))}
    assert got == {int(u): int(a) for u, a in expected.items()}
    assert sum(got.values()) == pot


def test_build_from_a_modellers_schools_file(libreoffice, tmp_path):
    """--sources schools=FILE: the workbook holds that file's schools and logs its hash; with a total
    shortfall below the pot every school gets its whole shortfall."""
    import hashlib

    from hnb_xl.workbook.build import build
    src = tmp_path / "census.csv"
    src.write_text("URN,School name,EHCPs,Notional SEN budget\n"
                   "100001,Alpha Primary,30,10000\n"        # 30 x 6,000 - 10,000 = 170,000
                   "100002,Beta Primary,2,50000\n"          # 12,000 - 50,000 < 0: nothing
                   "100003,Gamma Academy,10,45500\n", encoding="utf-8")   # 60,000 - 45,500 = 14,500
    out = build(tmp_path / "m.xlsm", build_time="t", sources={"schools": str(src)})
    r = recalculate(out, udfs=False, office=libreoffice)
    assert r.names["Contingency_Total_Shortfall"] == 184_500
    assert r.names["Contingency_Allocated"] == 184_500
    assert r.names["Master_Check"] == 1
    logged = [v for v in r.values[L.LOGS].values() if isinstance(v, str)]
    assert hashlib.sha256(src.read_bytes()).hexdigest() in logged


def _check_row(prefix: str) -> str:
    K = L.CHECKS_LAYOUT
    i = next(i for i, (text, _f) in enumerate(CHECKS) if text.startswith(prefix))
    return L.CHECKS, f"{L.col(K['value_col'])}{K['first'] + i}"


COMPLETENESS = ("Inputs: every history year", "Inputs: every assumptions year", "Inputs: every school")


@pytest.mark.parametrize("edits,failing", [
    pytest.param({("history", "HNB budget", 3): None, ("assumptions", "EHCP growth", 2): None,
                  ("schools", "Notional SEN budget", 7): None}, COMPLETENESS, id="blank-in-each-table"),
    pytest.param({("assumptions", "Other DSG movements", 0): "n/a"}, COMPLETENESS[1:2], id="text-in-a-number-column"),
    pytest.param({("schools", "School name", 0): None}, COMPLETENESS[2:], id="school-without-a-name"),
])
def test_incomplete_inputs_typed_in_excel_fail_the_master_check(libreoffice, edits, failing):
    """A required input left blank (or text) in Excel would count as 0 in the formulas: the check for
    its table turns 0, the others stay 1, and the master check fails."""
    cells = {}
    for (table, header, i), value in edits.items():
        t = L.INPUT_TABLES[table]
        cells[(t.sheet, t.cell(header, i))] = value
    r = recalculate(COMMITTED, udfs=False, office=libreoffice, edits=cells)
    assert {p: r[_check_row(p)] for p in COMPLETENESS} == {p: 0 if p in failing else 1 for p in COMPLETENESS}
    assert r.names["Master_Check"] == 0


_TWIN = next(i for i, (text, _f) in enumerate(CHECKS) if "block transfer in the assumptions" in text)


@pytest.mark.parametrize("edits, passes", [
    pytest.param({}, 1, id="bundled-twins-agree"),
    pytest.param({("assumptions", "Block transfer", 0): 2_000_000}, 0, id="assumptions-2022-23-differs"),
    pytest.param({("block_transfer", "Transfer amount", 1): 2_000_000}, 0, id="table-2022-23-differs"),
    pytest.param({("assumptions", "Block transfer", 1): 500_000}, 1, id="2023-24-in-the-assumptions-only"),
])
def test_the_checks_sheet_holds_the_block_transfer_twin_rule(libreoffice, edits, passes):
    """The cross-table rule tables/validate.block_transfer_twin_problems, as the Checks sheet's
    native formula (a workbook edited in Excel meets it there): bundled 2022-23 £2,102,000 in both
    tables; a year the block-transfer table does not hold (2023-24) is not compared."""
    cells = {(L.INPUT_TABLES[k].sheet, L.INPUT_TABLES[k].cell(h, i)): v for (k, h, i), v in edits.items()}
    r = recalculate(COMMITTED, edits=cells, udfs=False, office=libreoffice)
    K = L.CHECKS_LAYOUT
    assert r[(L.CHECKS, f"{L.col(K['value_col'])}{K['first'] + _TWIN}")] == passes
    assert r.names[L.NAMES["master_check"]] == passes
