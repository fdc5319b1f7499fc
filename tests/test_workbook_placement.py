"""Calc_Placement (issue 15 item 5): the placement projection in native formulas, its inputs on the
Inputs sheet, LibreOffice = the engine on every cell with a twin, the base year reconciled to the
seed's 2021-22 outturn with the calibration line shown, an input's effect by independent arithmetic,
HNB_PLACEMENTS on the workbook's ranges, and the master check covering the cross-check.

Expected figures come from the seed (2021-22 HNB expenditure £100,178k, tests/seed.py) and from
the bundled CSVs read here with the csv module (hnb_xl/data/placement_*.csv), never from the
module under test; the engine is the twin the sheet is compared with, as for the other sheets.
"""

from __future__ import annotations

import csv
from pathlib import Path
from types import SimpleNamespace

import pytest

import hnb_xl
from hnb_xl import udfs
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.build import build
from hnb_xl.workbook.refresh.cells import OpenpyxlCells
from hnb_xl.workbook.sheets.calc_placement import input_frames as placement_frames
from hnb_xl.workbook.verify.compare import compare, engine_twins, input_frames
from hnb_xl.workbook.verify.recalc import recalculate
from hnb_xl.workbook.verify.run import verify
from tests import northshire, seed
from tests.support import load_book, read_book

pytestmark = pytest.mark.libreoffice

DATA = Path(hnb_xl.__file__).parent / "data"
P = L.PLACE
BASE = L.col(P["base_col"])
OUTTURN_2021_22 = seed.HISTORY_TABLE["2021-22"][4] * 1000          # £100,178,000


def _rows(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


CATEGORIES = _rows("placement_categories.csv")
DRIVERS = _rows("placement_drivers.csv")
YEARS = ["2021-22"] + [r["financial_year"] for r in DRIVERS]
SPECIAL = [r["category"] for r in CATEGORIES].index("special")


def _cell(key: str, i: int) -> str:
    """(sheet, cell) of Calc_Placement row ``key`` in the i-th column from the base year."""
    return L.CALC_PLACEMENT, f"{L.col(P['base_col'] + i)}{P[key]}"


def _block(name: str, k: int, i: int) -> tuple[str, str]:
    return L.CALC_PLACEMENT, f"{L.col(P['base_col'] + i)}{P['block'][name] + k}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("placement") / "HNB_Model.xlsm"
    build(path, build_time="2026-01-01 00:00 UTC")
    return path


@pytest.fixture(scope="module")
def seen(built, libreoffice):
    return recalculate(built, office=libreoffice)


def test_libreoffice_equals_the_engine_on_every_placement_cell(built, seen):
    frames, problems = input_frames(OpenpyxlCells(read_book(built, keep_vba=True)))
    assert problems == []
    twins, refused = engine_twins(frames)
    assert refused == []
    mine = [t for t in twins if t.sheet == L.CALC_PLACEMENT]
    # ten columns (2021-22 and the nine drivers years): the year, 12 summary rows, 7 categories x
    # (census, FY caseload, unit cost, spend) and the 6 other spend lines of the bundled CSVs
    assert len(mine) == 10 * (1 + 12 + 7 * 4 + 6)
    assert compare(mine, seen.values, lambda s, c: "") == []
    assert [seen[_cell("year", i)] for i in range(len(YEARS))] == YEARS


def test_the_base_year_is_the_outturn_with_the_calibration_line_shown(seen):
    assert seen[_cell("expenditure", 0)] == OUTTURN_2021_22
    assert seen[(L.CALC_PLACEMENT, f"A{P['calibration']}")] == "Calibration to the base year outturn"
    census = {r["financial_year"]: r for r in _rows("placement_history.csv")}
    placements = sum((5 / 12 * float(census["2020-21"][r["category"]]) + 7 / 12 * float(census["2021-22"][r["category"]]))
                     * float(r["unit_cost"]) for r in CATEGORIES)
    other = sum(float(r["amount"]) for r in _rows("placement_other_spend.csv"))
    assert other == 13_500_000
    assert seen[_cell("calibration", 0)] == pytest.approx(OUTTURN_2021_22 - placements - other, abs=0.01)
    # held flat in cash (calibration_growth 0 in placement_settings.csv)
    assert all(seen[_cell("calibration", i)] == pytest.approx(seen[_cell("calibration", 0)], abs=0.01)
               for i in range(len(YEARS)))


def _unit_cost_effect(seen, plus: float) -> list[float]:
    """The accumulated deficit's change in each year when special's unit cost rises by ``plus``:
    FY caseload x plus x the growth factors each year, less the base year's FY caseload x plus,
    which the calibration line takes up and carries flat (independent of the sheet's formulas but
    for the caseload, which a unit cost does not change)."""
    drift = float(CATEGORIES[SPECIAL]["complexity_drift"])
    factor, total, out = 1.0, 0.0, [0.0]
    base = seen[_block("fy", SPECIAL, 0)]
    for i, r in enumerate(DRIVERS, start=1):
        factor *= (1 + float(r["inflation"])) * (1 + drift)
        total += plus * (seen[_block("fy", SPECIAL, i)] * factor - base)
        out.append(total)
    return out


def test_a_unit_cost_changed_on_the_inputs_sheet_moves_the_native_result_by_the_engines_amount(built, seen,
                                                                                           libreoffice):
    t = L.INPUT_TABLES["placement_categories"]
    cell = t.cell("Unit cost", SPECIAL)
    unit = float(CATEGORIES[SPECIAL]["unit_cost"])
    after = recalculate(built, edits={(L.INPUTS, cell): unit + 1000}, office=libreoffice)
    expected = _unit_cost_effect(seen, 1000)
    got = [after[_cell("accumulated", i)] - seen[_cell("accumulated", i)] for i in range(len(YEARS))]
    assert got == pytest.approx(expected, abs=1.0)
    assert expected[-1] > 5_000_000            # a real effect: over £5m by 2030-31
    assert after[_cell("expenditure", 0)] == OUTTURN_2021_22
    assert after.names[L.NAMES["master_check"]] == 1      # HNB_PLACEMENTS follows the same ranges


def _ranges(path: Path) -> dict[str, list[list]]:
    """The Inputs tables HNB_PLACEMENTS takes, as Excel passes a range: rows of cell values."""
    wb = read_book(path, keep_vba=True)
    out = {}
    for key in ("history", "placement_history", *L.PLACEMENT_TABLES):
        t = L.INPUT_TABLES[key]
        ws = wb[t.sheet]
        out[key] = [[ws.cell(r, c).value for c in range(t.first_col, t.last_col + 1)]
                    for r in range(t.header_row, t.last_row + 1)]
    return out


def _call(ranges: dict) -> list[list]:
    return udfs.HNB_PLACEMENTS("year", "2030-31", ranges["history"], ranges["placement_history"],
                               ranges["placement_categories"], ranges["placement_drivers"],
                               ranges["placement_capacity"], ranges["placement_backlog"], ranges["placement_moves"],
                               ranges["placement_other_spend"], ranges["placement_income"],
                               ranges["placement_settings"])


@pytest.mark.usefixtures("fresh_udfs")
def test_hnb_placements_takes_the_workbooks_ranges(built, seen):
    ranges = _ranges(built)
    grid = _call(ranges)
    assert grid == udfs.HNB_PLACEMENTS("year", "2030-31")           # the workbook holds the bundled tables
    acc = grid[0].index("Accumulated DSG deficit")
    before = [row[acc] for row in grid[1:]]
    t = L.INPUT_TABLES["placement_categories"]
    ranges["placement_categories"][1 + SPECIAL][t.headers.index("Unit cost")] += 1000
    after = [row[acc] for row in _call(ranges)[1:]]
    assert [a - b for a, b in zip(after, before)] == pytest.approx(_unit_cost_effect(seen, 1000), abs=1.0)


@pytest.mark.usefixtures("fresh_udfs")
@pytest.mark.parametrize("table, edit, says", [
    pytest.param("placement_categories", lambda rows: rows[1].__setitem__(1, "lots"),
                 "HNB_PLACEMENTS: categories", id="unit-cost-not-a-number"),
    pytest.param("placement_history", lambda rows: rows.__delitem__(slice(1, None)),
                 "HNB_PLACEMENTS: placement_history", id="no-census-rows"),
])
def test_a_bad_range_is_one_line_naming_its_argument(built, table, edit, says):
    ranges = _ranges(built)
    edit(ranges[table])
    out = _call(ranges)
    assert isinstance(out, str) and out.startswith(says) and "\n" not in out, out


def test_a_hand_edited_placement_formula_is_found_at_its_cell_and_fails_the_master_check(built, tmp_path,
                                                                                        libreoffice):
    sheet, cell = _block("spend", SPECIAL, 3)                 # special's 2024-25 spend
    wb = load_book(built, keep_vba=True)
    wb[sheet][cell] = wb[sheet][cell].value + "+1000"
    edited = tmp_path / "edited.xlsm"
    wb.save(edited)
    report = verify(edited, office=libreoffice)
    found = {(f.sheet, f.cell) for f in report.findings if f.code == "disagrees"}
    assert (sheet, cell) in found
    # verify's recalculation stands the engine comparison in for the HNB_ cross-checks; with the
    # functions computed (as Excel with Python does), the HNB_PLACEMENTS check is 0: £1,000 apart
    seen = recalculate(edited, office=libreoffice)
    row = next(r for r in range(L.CHECKS_LAYOUT["first"], L.CHECKS_LAYOUT["first"] + 60)
               if "HNB_PLACEMENTS" in str(seen[(L.CHECKS, f"B{r}")]))
    assert seen[(L.CHECKS, f"C{row}")] == 0
    assert seen.names[L.NAMES["master_check"]] == 0


def test_a_workbook_for_another_base_year_starts_with_empty_placement_tables():
    """The bundled placement tables project from 2021-22; a council whose history ends in another
    year gets the tables empty to fill (they would describe the bundled authority's years)."""
    frames = placement_frames(SimpleNamespace(history=northshire.frames()["history"], plan_tables={}))
    assert set(frames) == set(L.PLACEMENT_TABLES) and all(len(f) == 0 for f in frames.values())
    bundled = placement_frames(SimpleNamespace(history=hnb_xl.bundled.history(), plan_tables={}))
    assert len(bundled["placement_categories"]) == len(CATEGORIES)


def test_template_from_writes_the_placement_tables_and_a_refresh_takes_them_back(built, tmp_path, libreoffice):
    """template --from writes each placement table as placement_<table>.csv; a refresh from them
    with special's unit cost changed rewrites that one cell, and the refreshed workbook still
    agrees with the engine everywhere."""
    from hnb_xl.cli import main
    book = tmp_path / "HNB_Model.xlsm"
    book.write_bytes(built.read_bytes())
    folder = tmp_path / "from"
    assert main(["template", "--from", str(book), str(folder)]) == 0
    for key in L.PLACEMENT_TABLES:
        assert (folder / f"{key}.csv").is_file(), key
    path = folder / "placement_categories.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, units, *data = rows
    assert [r[0] for r in data] == [r["category"] for r in CATEGORIES]
    data[SPECIAL][header.index("Unit cost")] = "24000"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, units, *data])
    assert main(["refresh", str(book), str(folder)]) == 0
    t = L.INPUT_TABLES["placement_categories"]
    assert read_book(book)[t.sheet][t.cell("Unit cost", SPECIAL)].value == 24000
    report = verify(book, office=libreoffice)
    assert report.findings == [] and report.master_check == 1


def test_another_authoritys_workbook_shows_no_error_on_calc_placement(tmp_path, libreoffice):
    """Northshire's workbook (its own files; the placement tables empty): Calc_Placement's printed
    part shows no error value (the cross-check below it may: the function answers that the tables
    are empty) and the Checks sheet's placement cross-check is 1."""
    from hnb_xl.cli import main
    from hnb_xl.sources import templates
    frames = {**northshire.frames(), **northshire.plan_frames()}
    src = tmp_path / "src"
    templates.write_templates(src, frames, tables=tuple(frames), formats=("csv",))
    book = tmp_path / "Northshire_HNB.xlsm"
    assert main(["build", str(book), "--sources", *[f"{p.stem}={p}" for p in sorted(src.glob("*.csv"))]]) == 0
    seen = recalculate(book, office=libreoffice)
    shown = {cell: v for cell, v in seen.values[L.CALC_PLACEMENT].items()
             if int("".join(ch for ch in cell if ch.isdigit())) <= P["backlog"]}
    assert [c for c, v in shown.items() if isinstance(v, str) and v.startswith("#")] == []
    row = next(r for r in range(L.CHECKS_LAYOUT["first"], L.CHECKS_LAYOUT["first"] + 60)
               if "HNB_PLACEMENTS" in str(seen[(L.CHECKS, f"B{r}")]))
    assert seen[(L.CHECKS, f"C{row}")] == 1


@pytest.mark.parametrize("key", [pytest.param(k, id=f"{k}-basis-wraps-to-the-group-edge") for k in L.PLACEMENT_TABLES])
def test_placement_basis_texts_wrap_inside_the_printed_area(bundled_build, key):
    """Each placement table's Basis is merged from its column to the placement history's last
    column (the column group's printed right edge) and wraps there; a row's height holds its text
    (the longest bundled basis, 254 characters, was one line running off the printed page)."""
    from hnb_xl.workbook import styles as S
    from hnb_xl.workbook.sheets.inputs import WIDTHS
    ws = read_book(bundled_build, keep_vba=True)[L.INPUTS]
    t = L.INPUT_TABLES[key]
    c, last = t.col_of("Basis"), L.INPUT_TABLES["placement_history"].last_col
    merged = {str(m) for m in ws.merged_cells.ranges}
    width = sum(WIDTHS[L.col(k)] for k in range(c, last + 1))
    for r in range(t.first_row, t.first_row + t.max_rows):
        assert f"{L.col(c)}{r}:{L.col(last)}{r}" in merged
        cell = ws.cell(r, c)
        if cell.value:
            assert cell.alignment.wrap_text
            assert (ws.row_dimensions[r].height or S.LINE_HEIGHT) >= S.LINE_HEIGHT * S.lines(cell.value, int(width * 0.75))
