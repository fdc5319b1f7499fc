"""Next term (issue 13, "a council's own workbook, term after term"): a refresh appends the 2022-23
outturn to the history and drops 2022-23 from the assumptions, so the workbook's base year moves
from 2021-22 to 2022-23. The placement tables (drivers from 2022-23: hnb_xl/data/placement_drivers.csv)
are then for the old base year: the refresh says so in one line, Calc_Placement shows the message
and calculates nothing, its Checks row is 1 (not applicable), verify skips its twins with that note
and HNB_PLACEMENTS answers with the message (docs/placement.md, "Term after term"). Given placement
tables that start in 2023-24, the same refresh makes the sheet calculate again and LibreOffice
equals the engine.

The outturn row is ILLUSTRATIVE (as test_workbook_safety_valve's roll-forward); the 2022-23
allocation is the bundled 2021-22 allocation (£84,693,000, hnb_xl/data/placement_income.csv) x
(1 + 8.3%), the growth that file gives 2022-23.
"""

from __future__ import annotations

import csv
import shutil

import pandas as pd
import pytest

from hnb_xl import bundled, udfs
from hnb_xl.sources.templates import write_csv
from hnb_xl.tables.placement import INPUT_SCHEMAS, load_tables
from hnb_xl.workbook import layout as L
from hnb_xl.workbook import refresh as R
from hnb_xl.workbook.sheets.checks import CHECKS
from hnb_xl.workbook.verify.recalc import recalculate
from hnb_xl.workbook.verify.run import verify

from .support import template_sources
from tests.support import read_book

OUTTURN = ["2022-23", "6710", "93860000", "111500000", "50000000"]      # ILLUSTRATIVE
NOTE = "placement tables for base year 2021-22, not 2022-23: the placement drivers must start in 2023-24"
P = L.PLACE


def _roll_forward_sources(folder):
    src = template_sources(folder)
    with open(src / "history.csv", "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(OUTTURN)
    with open(src / "assumptions.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with open(src / "assumptions.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([row for row in rows if row[0] != "2022-23"])
    for f in src.iterdir():
        if f.name not in ("history.csv", "assumptions.csv"):
            f.unlink()
    return src


def _placement_row():
    return next(i for i, (text, _f) in enumerate(CHECKS) if text.startswith("Cross-check: placement"))


def _check_cell(row):
    K = L.CHECKS_LAYOUT
    return (L.CHECKS, f"{L.col(K['value_col'])}{K['first'] + row}")


@pytest.fixture(scope="module")
def rolled(bundled_build, tmp_path_factory):
    """The bundled workbook refreshed with the 2022-23 outturn only, and its refresh report."""
    tmp = tmp_path_factory.mktemp("rollforward")
    book = tmp / "HNB_Model.xlsm"
    shutil.copyfile(bundled_build, book)
    out = tmp / "next_term.xlsm"
    result = R.refresh(book, [_roll_forward_sources(tmp / "src")], output=out, progress=False)
    return out, result.report()


def test_the_refresh_says_in_one_line_that_the_placement_tables_are_for_the_old_base_year(rolled):
    _out, report = rolled
    lines = [line for line in report.splitlines() if "placement tables for base year" in line]
    assert lines == [f"  note: {NOTE}"]


def test_calc_placement_shows_the_message_and_its_check_is_not_applicable(rolled, libreoffice):
    out, _ = rolled
    r = recalculate(out, office=libreoffice, udfs=False)
    heading = r[(L.CALC_PLACEMENT, f"A{P['note']}")]
    assert heading.startswith("Not applicable: the placement drivers start in 2022-23, not the year after the base "
                              "year 2022-23")
    assert r[(L.CALC_PLACEMENT, f"{L.col(P['base_col'])}{P['active']}")] == 0
    numbers = [r[(L.CALC_PLACEMENT, f"{L.col(c)}{P[k]}")] for k in ("accumulated", "ehcp", "expenditure")
               for c in range(P["base_col"], P["first_col"] + 3)]
    assert all(v in ("", None) for v in numbers)
    printed = {cell: v for cell, v in r.values[L.CALC_PLACEMENT].items()      # to the summary, as printed
               if int("".join(ch for ch in cell if ch.isdigit())) <= P["backlog"]}
    assert [c for c, v in printed.items() if isinstance(v, str) and v.startswith("#")] == []
    assert r[_check_cell(_placement_row())] == 1
    assert r.names[L.NAMES["master_check"]] == 1


def test_verify_skips_the_placement_twins_with_the_note(rolled, libreoffice):
    out, _ = rolled
    report = verify(out, office=libreoffice)
    assert report.findings == []
    assert report.notes == [f"Calc_Placement not compared: not applicable: {NOTE}"]
    assert report.master_check == 1


@pytest.mark.usefixtures("fresh_udfs")
def test_hnb_placements_answers_with_the_one_line_message():
    h = bundled.history()
    h.loc[len(h)] = {"financial_year": "2022-23", "ehcp_count": 6710, "hnb_budget": 93_860_000,
                     "hnb_expenditure": 111_500_000, "accumulated_deficit": 50_000_000}
    history = [["Financial year", "EHCPs (January census)", "HNB budget", "HNB expenditure",
                "Accumulated DSG deficit"], *h[["financial_year", "ehcp_count", "hnb_budget", "hnb_expenditure",
                                                 "accumulated_deficit"]].values.tolist()]
    d = load_tables()["drivers"]
    schema = INPUT_SCHEMAS["placement_drivers"]
    drivers = [schema.headers, *[[None if v != v else v for v in row]
                                 for row in d[[c.name for c in schema.columns]].values.tolist()]]
    out = udfs.HNB_PLACEMENTS("year", "2030-31", history, None, None, drivers)
    assert out == f"HNB_PLACEMENTS: drivers: {NOTE}"     # one line, as every function answers bad input


@pytest.mark.slow
def test_new_placement_tables_in_the_same_refresh_calculate_again(bundled_build, tmp_path, libreoffice):
    """Drivers from 2023-24 (the bundled rows after 2022-23) and income from the new base year
    (2022-23: allocation £84,693,000 x 1.083 = £91,722,519, the bundled transfer £2,102,000) given
    to the same refresh: no note, Calc_Placement computes, verify compares its twins, all agree."""
    book = tmp_path / "HNB_Model.xlsm"
    shutil.copyfile(bundled_build, book)
    src = _roll_forward_sources(tmp_path / "src")
    tables = load_tables()
    drivers = tables["drivers"][tables["drivers"]["financial_year"] != "2022-23"]
    income = tables["income"][tables["income"]["financial_year"] != "2021-22"].copy()
    income.loc[income["financial_year"] == "2022-23", ["allocation", "allocation_growth"]] = [91_722_519.0, None]
    write_csv(INPUT_SCHEMAS["placement_drivers"], src / "placement_drivers.csv", drivers)
    write_csv(INPUT_SCHEMAS["placement_income"], src / "placement_income.csv", income)
    out = tmp_path / "next_term.xlsm"
    result = R.refresh(book, [src], output=out, progress=False,
                       replace=("placement_drivers", "placement_income"))
    assert "placement tables for base year" not in result.report()
    report = verify(out, office=libreoffice)
    assert report.findings == [] and report.notes == []
    assert report.master_check == 1
    r = recalculate(out, office=libreoffice, udfs=False)
    assert r[(L.CALC_PLACEMENT, f"A{P['note']}")] in ("", None)
    C = L.col(P["base_col"])
    assert r[(L.CALC_PLACEMENT, f"{C}{P['year']}")] == "2022-23"
    assert r[(L.CALC_PLACEMENT, f"{C}{P['accumulated']}")] == pytest.approx(50_000_000)   # the outturn row's
    assert r[(L.CALC_PLACEMENT, f"{L.col(P['first_col'])}{P['year']}")] == "2023-24"
    # the print area follows the refreshed drivers: one column a year, 2023-24 to 2030-31
    ws = read_book(out, keep_vba=True)[L.CALC_PLACEMENT]
    assert ws.print_area == f"'{L.CALC_PLACEMENT}'!$A$1:${L.col(P['first_col'] + len(drivers) - 1)}${P['backlog']}"


def test_a_refresh_that_adds_drivers_years_widens_the_calc_placement_print_area(bundled_build, tmp_path):
    """The bundled drivers run 2022-23 to 2030-31 (9 columns, D:L); two more years (2031-32,
    2032-33, the last row's figures held) print to column N; the build's area was L."""
    book = tmp_path / "HNB_Model.xlsm"
    shutil.copyfile(bundled_build, book)
    area = lambda path: read_book(path, keep_vba=True)[L.CALC_PLACEMENT].print_area  # noqa: E731
    assert area(book) == f"'{L.CALC_PLACEMENT}'!$A$1:$L${P['backlog']}"
    d = load_tables()["drivers"]
    more = d.iloc[[-1, -1]].assign(financial_year=["2031-32", "2032-33"])
    src = tmp_path / "src"
    src.mkdir()
    write_csv(INPUT_SCHEMAS["placement_drivers"], src / "placement_drivers.csv", pd.concat([d, more], ignore_index=True))
    out = tmp_path / "wider.xlsm"
    R.refresh(book, [src], output=out, progress=False)
    assert area(out) == f"'{L.CALC_PLACEMENT}'!$A$1:$N${P['backlog']}"
