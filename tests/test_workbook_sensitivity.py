"""The Sensitivity sheet and the pack's tornado (issue 15 item 4: "a one-at-a-time tornado on the main
drivers for a chosen year (table, chart in the pack, a sheet in the workbook) and break-even values").

The sheet is a snapshot hnb-xl's engine writes at the build and at every refresh on the workbook's
own Inputs (hnb_xl/workbook/sheets/sensitivity.py). Expected figures come from arithmetic by hand
and from a second engine, LibreOffice's recalculation of Calc_Placement's native formulas:

* "Other DSG movements -£2.4m a year / 0" at its low setting moves the year's accumulated deficit
  by -£2.4m x the projection years up to the year (2030-31: nine years, -£21.6m; 2025-26: four,
  -£9.6m; Northshire's 2027-28: four, -£9.6m);
* "Independent unit cost x0.9 / x1.1" is linear: the independent category's caseload does not
  depend on its unit cost, so each setting moves the deficit by 10% of the independent spend of the
  projection years less 10% of the base year's (which the calibration line absorbs: it is held
  flat, placement_settings.csv calibration_growth 0), as Calc_Placement computes that spend;
* the break-even allocation growth g balances the year: A (1 + g)^n = the year's spend (A: the base
  year's allocation, £84,693,000 in hnb_xl/data/placement_income.csv; n years; no transfer in
  2030-31), the spend as Calc_Placement computes it;
* the central value is Calc_Placement's accumulated deficit for the year (the Checks row).

Northshire (tests/northshire.py, LA 899) is built from its own files without placement tables,
then refreshed with placement tables of its own made up here (tests only).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from hnb_xl import bundled
from hnb_xl.cli import main
from hnb_xl.sources import templates
from hnb_xl.tables.placement import INPUT_SCHEMAS, load_tables
from hnb_xl.tables.schema import SCHEMAS
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.sheets.checks import SENSITIVITY_ROW, SHOWN
from hnb_xl.workbook.verify.recalc import recalculate
from hnb_xl.workbook.snapshot import read_workbook

from tests import northshire
from tests.support import sha256_of, load_book, read_book

SN, P = L.SENS, L.PLACE
OTHER_DSG = "Other DSG movements -£2.4m a year (the aggregate assumptions') / 0"
INDEPENDENT = "Independent unit cost x0.9 / x1.1"
BASE_ALLOCATION = 84_693_000          # hnb_xl/data/placement_income.csv, 2021-22
YEAR_CELL = f"{L.col(SN['value_col'])}{SN['year']}"
COMMITTED = Path(__file__).resolve().parents[1] / "workbook" / "HNB_Model.xlsm"   # what bundled_native recalculated


def _value(ws_or_seen, key: str):
    """A scalar of the sheet (layout.SENS row, value column) from an openpyxl sheet or a recalculation."""
    cell = f"{L.col(SN['value_col'])}{SN[key]}"
    return ws_or_seen[cell].value if hasattr(ws_or_seen, "cell") else ws_or_seen[(L.SENSITIVITY, cell)]


def _tornado(ws) -> pd.DataFrame:
    """The tornado table as the sheet holds it (openpyxl), by the layout's columns."""
    rows = []
    for r in range(SN["tornado_first"], SN["tornado_first"] + SN["tornado_rows"]):
        row = {k: ws.cell(r, c).value for k, c in SN["cols"].items()}
        if row["driver"] is not None:
            rows.append(row)
    return pd.DataFrame(rows, columns=list(SN["cols"]))


def _break_even(ws) -> dict:
    c = SN["break_cols"]
    return {ws.cell(r, c["description"]).value: ws.cell(r, c["value"]).value
            for r in range(SN["break_first"], SN["break_first"] + SN["break_rows"])}


def _sheet(path: Path):
    """The Sensitivity sheet's cells as read (the snapshot: values and formulas, as a full load has
    them, tests/test_snapshot.py)."""
    return read_workbook(path)[L.SENSITIVITY]


def _placement_column(seen, year: str) -> int:
    """The Calc_Placement column of ``year`` after recalculation."""
    for c in range(P["base_col"], P["first_col"] + P["periods"]):
        if seen[(L.CALC_PLACEMENT, f"{L.col(c)}{P['year']}")] == year:
            return c
    raise AssertionError(f"{year} is not on Calc_Placement")


def _calc(seen, key: str, c: int) -> float:
    return seen[(L.CALC_PLACEMENT, f"{L.col(c)}{P[key]}")]


def _shown_cell(row) -> tuple[str, str]:
    """The Checks cell of a row shown below the checks (sheets/checks.build: after an empty row and
    its heading)."""
    from hnb_xl.workbook.sheets.checks import CHECKS
    K = L.CHECKS_LAYOUT
    r = K["first"] + len(CHECKS) + 2 + SHOWN.index(row)
    return L.CHECKS, f"{L.col(K['value_col'])}{r}"


def _refresh(book: Path, *sources) -> int:
    return main(["refresh", str(book), *map(str, sources)])


def _typed_year(book: Path, value) -> None:
    """A modeller types a year in the Sensitivity sheet's year cell (openpyxl, as Excel would save it)."""
    wb = load_book(book, keep_vba=True)
    wb[L.SENSITIVITY][YEAR_CELL] = value
    wb.save(book)


# ------------------------------------------------------------------------------- the sheet as built

def test_the_sheet_sits_after_outputs_and_prints_in_two_pages(bundled_build):
    wb = read_book(bundled_build, keep_vba=True)
    assert wb.sheetnames.index(L.SENSITIVITY) == wb.sheetnames.index(L.OUTPUTS) + 1
    ws = wb[L.SENSITIVITY]
    assert ws.sheet_properties.codeName == L.CODE_NAMES[L.SENSITIVITY]
    assert ws.print_area == f"'{L.SENSITIVITY}'!$A$1:${L.col(SN['last_col'])}${SN['last_row']}"
    assert [b.id for b in ws.row_breaks.brk] == [SN["chart_row"] - 1]          # the chart on its own page
    dn = wb.defined_names
    assert dn[SN["names"]["year"]].attr_text == f"{L.SENSITIVITY}!$C${SN['year']}"
    assert dn[SN["names"]["central"]].attr_text == f"{L.SENSITIVITY}!$C${SN['central']}"


def test_the_chart_is_a_tornado_of_the_two_change_columns(bundled_build):
    """A native horizontal bar chart, the two change series overlapping (100), categories from the
    table's driver column top down (the largest swing at the top), the £ axis at the bottom."""
    ws = read_book(bundled_build, keep_vba=True)[L.SENSITIVITY]
    (chart,) = ws._charts
    assert chart.type == "bar" and chart.overlap == 100
    first, last = SN["tornado_first"], SN["tornado_first"] + SN["tornado_rows"] - 1
    c = {k: L.col(v) for k, v in SN["cols"].items()}
    refs = [s.val.numRef.f for s in chart.series]
    assert refs == [f"'{L.SENSITIVITY}'!${c[k]}${first}:${c[k]}${last}" for k in ("low_change", "high_change")]
    assert {s.cat.numRef.f if s.cat.numRef else s.cat.strRef.f for s in chart.series} == {
        f"'{L.SENSITIVITY}'!${c['driver']}${first}:${c['driver']}${last}"}
    assert chart.x_axis.scaling.orientation == "maxMin" and chart.y_axis.crosses == "max"
    assert "£m" in chart.y_axis.title.tx.rich.p[0].r[0].t


def test_the_bundled_tornado_is_for_the_drivers_last_year_and_sorted(bundled_build):
    ws = _sheet(bundled_build)
    last = str(bundled.data_path("placement_drivers.csv").read_text(encoding="utf-8").strip().splitlines()[-1]
               ).split(",")[0]
    assert _value(ws, "year") == last == "2030-31"
    t = _tornado(ws)
    assert len(t) == SN["tornado_rows"] and list(t["swing"]) == sorted(t["swing"], reverse=True)
    assert (t["central"] == _value(ws, "central")).all()
    assert ws.cell(SN["message"], 1).value is None
    assert "31 March 2031" in ws.cell(SN["tornado_title"], 1).value


def test_other_dsg_movements_low_setting_is_2_4m_for_each_of_nine_years(bundled_build):
    row = _tornado(_sheet(bundled_build)).set_index("driver").loc[OTHER_DSG]
    assert row["low_change"] == pytest.approx(-9 * 2_400_000, abs=0.01)
    assert row["high_change"] == pytest.approx(0, abs=0.01)


# ------------------------------------------------------------- against LibreOffice's Calc_Placement

@pytest.mark.libreoffice
def test_the_central_value_is_calc_placements_deficit_and_the_check_is_1(bundled_native):
    """The committed workbook (a fresh build: test_workbook_build) recalculated by LibreOffice: the
    snapshot's central value is Calc_Placement's native accumulated deficit at 31 March 2031 (to £1),
    and the Checks row and the sheet's flag say 1."""
    seen = bundled_native
    year = _value(seen, "year")
    native = _calc(seen, "accumulated", _placement_column(seen, year))
    assert _value(seen, "central") == pytest.approx(native, abs=1)
    assert seen[_shown_cell(SENSITIVITY_ROW)] == 1
    assert _value(seen, "current") == 1
    text = seen[(L.SENSITIVITY, f"A{SN['computed']}")]
    assert text.startswith("Values computed by hnb-xl's engine") and "when it was built (" in text


@pytest.mark.libreoffice
def test_independent_unit_cost_moves_the_deficit_by_a_tenth_of_its_spend(bundled_native):
    seen = bundled_native
    order = list(pd.read_csv(bundled.data_path("placement_categories.csv"))["category"])
    row = P["block"]["spend"] + order.index("independent")
    last = _placement_column(seen, _value(seen, "year"))
    spend = [seen[(L.CALC_PLACEMENT, f"{L.col(c)}{row}")] for c in range(P["base_col"], last + 1)]
    expected = 0.1 * sum(s - spend[0] for s in spend[1:])
    got = _tornado(read_book(COMMITTED, keep_vba=True)[L.SENSITIVITY]).set_index("driver").loc[INDEPENDENT]
    assert got["high_change"] == pytest.approx(expected, abs=1)
    assert got["low_change"] == pytest.approx(-expected, abs=1)


@pytest.mark.libreoffice
def test_break_even_allocation_growth_balances_calc_placements_spend(bundled_native):
    seen = bundled_native
    year = _value(seen, "year")
    c = _placement_column(seen, year)
    n = c - P["base_col"]
    spend = _calc(seen, "expenditure", c)
    assert _calc(seen, "transfer", c) in (0, None, "")
    expected = (spend / BASE_ALLOCATION) ** (1 / n) - 1
    got = _break_even(read_book(COMMITTED, keep_vba=True)[L.SENSITIVITY])
    assert got["HNB allocation growth (every year)"] == pytest.approx(expected, abs=1e-6)


@pytest.mark.libreoffice
def test_an_input_edited_without_a_refresh_makes_the_check_0(bundled_build, libreoffice):
    """The special schools' unit cost doubled on Inputs (by openpyxl, as a modeller typing it, no
    refresh): Calc_Placement moves, the snapshot does not, so the Checks row and the sheet say 0."""
    t = L.INPUT_TABLES["placement_categories"]
    order = list(pd.read_csv(bundled.data_path("placement_categories.csv"))["category"])
    header = t.headers[t.column_keys.index("unit_cost")]
    cell = t.cell(header, order.index("special"))
    unit = read_book(bundled_build)[t.sheet][cell].value
    seen = recalculate(bundled_build, edits={(t.sheet, cell): 2 * unit}, udfs=False, office=libreoffice)
    assert seen[_shown_cell(SENSITIVITY_ROW)] == 0
    assert _value(seen, "current") == 0
    assert seen.names[L.NAMES["master_check"]] == 1          # not in the master check: it asks for a refresh


# ----------------------------------------------------------------------------------- the refresh

@pytest.fixture()
def copy(bundled_build, tmp_path) -> Path:
    book = tmp_path / "HNB_Model.xlsm"
    shutil.copyfile(bundled_build, book)
    return book


@pytest.fixture()
def history_source(tmp_path) -> Path:
    """One unchanged source file (a refresh needs one): the bundled history as its template."""
    folder = tmp_path / "src"
    templates.write_templates(folder, {"history": bundled.history()}, tables=("history",), formats=("csv",))
    return folder / "history.csv"


@pytest.mark.parametrize("typed", [pytest.param("2025-26", id="typed-2025-26"),
                                   pytest.param("2025/26", id="typed-2025-slash-26-is-written-2025-26")])
def test_a_refresh_recomputes_for_the_year_typed(copy, history_source, typed):
    _typed_year(copy, typed)
    assert _refresh(copy, history_source) == 0
    ws = _sheet(copy)
    assert _value(ws, "year") == "2025-26"
    row = _tornado(ws).set_index("driver").loc[OTHER_DSG]
    assert row["low_change"] == pytest.approx(-4 * 2_400_000, abs=0.01)     # four years to 2025-26
    assert "31 March 2026" in ws.cell(SN["tornado_title"], 1).value


@pytest.mark.parametrize("typed, says", [
    pytest.param("2040-41", "2040-41 is not a projection year (2022-23 to 2030-31)", id="year-past-the-drivers"),
    pytest.param("2021-22", "2021-22 is not a projection year", id="the-base-year"),
    pytest.param("soon", "expected a financial year such as 2022-23", id="not-a-year"),
])
@pytest.mark.parametrize("dry", [pytest.param(False, id="refresh"), pytest.param(True, id="dry-run")])
def test_a_year_that_is_not_a_projection_year_is_refused_at_its_cell(copy, history_source, capsys, typed, says,
                                                                     dry):
    _typed_year(copy, typed)
    before = sha256_of(copy)
    capsys.readouterr()
    assert _refresh(copy, history_source, *(["--dry-run"] if dry else [])) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"[{L.SENSITIVITY}] {YEAR_CELL}: " in err[0] and says in err[0], err
    assert "Traceback" not in err[0]
    assert sha256_of(copy) == before
    assert sorted(p.name for p in copy.parent.iterdir()) == sorted([copy.name, "src"])


def test_a_placement_table_spoilt_on_inputs_leaves_the_tables_empty_and_says_where(copy, history_source):
    """Text typed over a number of the placement drivers on the Inputs sheet (no refresh checks the
    workbook's own tables: its Checks and verify do): the refresh goes on, the sheet says in one line
    that it is not computed and which cell, and shows no stale tornado."""
    t = L.INPUT_TABLES["placement_drivers"]
    header = t.headers[t.column_keys.index("requests")]
    wb = load_book(copy, keep_vba=True)
    wb[t.sheet][t.cell(header, 1)] = "many"
    wb.save(copy)
    assert _refresh(copy, history_source) == 0
    ws = _sheet(copy)
    message = ws.cell(SN["message"], 1).value
    assert message.startswith("Not computed: ") and "\n" not in message
    assert f"row {t.first_row + 1}" in message and header in message
    assert _tornado(ws).empty and _value(ws, "central") is None
    assert _value(ws, "year") == "2030-31"                  # the year as it was


# ------------------------------------------------------------------------------------ Northshire

def _northshire_placement(folder: Path) -> Path:
    """Northshire's own placement tables (made up for the tests): censuses of January 2023 and 2024
    split from its EHCP counts, drivers for its four assumption years, its 2023-24 HNB budget as
    the base allocation; the bundled categories, other spend and settings with its own basis."""
    folder.mkdir(parents=True, exist_ok=True)
    shares = {"mainstream": 0.40, "resourced_provision": 0.03, "special": 0.28, "independent": 0.06,
              "hospital_ap": 0.0, "post_16": 0.17}
    census = []
    for year, ehcps, *_ in northshire.HISTORY[-2:]:
        counts = {k: int(ehcps * s) for k, s in shares.items()}
        counts["other"] = ehcps - sum(counts.values())
        census.append({"financial_year": year, "census": f"January {int(year[:4]) + 1}", **counts, "total": ehcps,
                       "source": "Northshire census (test data)"})
    frames = {"placement_history": pd.DataFrame(census)}
    years = [a[0] for a in northshire.ASSUMPTIONS]
    frames["placement_drivers"] = pd.DataFrame({"financial_year": years, "requests": [600.0] * 4,
                                                "assessed_share": 0.8, "issued_share": 0.95,
                                                "new_plan_growth": None, "inflation": 0.03,
                                                "basis": "Northshire (test data)"})
    base = northshire.HISTORY[-1]
    frames["placement_income"] = pd.DataFrame(
        {"financial_year": [base[0], *years], "allocation": [float(base[2]), None, None, None, None],
         "allocation_growth": [None, 0.05, 0.04, 0.03, 0.03], "transfer": 0.0, "basis": "Northshire (test data)"})
    frames["placement_capacity"] = pd.DataFrame({"financial_year": [years[0]], "category": ["special"],
                                                 "places": [1000.0], "basis": ["Northshire (test data)"]})
    bundled_tables = load_tables()
    for key in ("placement_categories", "placement_other_spend", "placement_settings"):
        frames[key] = bundled_tables[key.removeprefix("placement_")].assign(basis="Northshire (test data)")
    for key, frame in frames.items():
        schema = SCHEMAS.get(key) or INPUT_SCHEMAS[key]
        templates.write_csv(schema, folder / f"{key}.csv", frame)
    return folder


@pytest.fixture(scope="module")
def northshire_books(tmp_path_factory) -> dict[str, Path]:
    """Northshire's workbook built from its own files (no placement tables), and a copy refreshed
    with its own placement tables."""
    folder = tmp_path_factory.mktemp("northshire_sensitivity")
    src = folder / "adopt"
    frames = {**northshire.frames(), **northshire.plan_frames()}
    templates.write_templates(src, frames, tables=tuple(frames), formats=("csv",))
    built = folder / "Northshire_HNB.xlsm"
    assert main(["build", str(built), "--sources", *[f"{p.stem}={p}" for p in sorted(src.glob("*.csv"))]]) == 0
    refreshed = folder / "Northshire_placed.xlsm"
    shutil.copyfile(built, refreshed)
    assert _refresh(refreshed, _northshire_placement(folder / "placement")) == 0
    return {"built": built, "refreshed": refreshed, "folder": folder}


def test_without_placement_inputs_the_sheet_says_so_in_one_line(northshire_books):
    ws = _sheet(northshire_books["built"])
    message = ws.cell(SN["message"], 1).value
    assert message.startswith(f"No placement inputs for the base year {northshire.LAST_YEAR}")
    assert "\n" not in message
    assert _tornado(ws).empty and all(v is None for v in _break_even(ws).values())
    assert _value(ws, "central") is None and _value(ws, "year") is None


def test_a_refresh_with_northshires_placement_tables_recomputes_the_tornado(northshire_books):
    ws = _sheet(northshire_books["refreshed"])
    assert _value(ws, "year") == northshire.ASSUMPTIONS[-1][0] == "2027-28"
    assert ws.cell(SN["message"], 1).value is None
    t = _tornado(ws)
    assert len(t) == SN["tornado_rows"]
    # Northshire's own other DSG movements (-£500,000 in each of its four assumption years), never
    # the bundled authority's -£2.4m: four projection years to 2027-28
    own = "Other DSG movements -£0.5m a year (the aggregate assumptions') / 0"
    assert [a[5] for a in northshire.ASSUMPTIONS] == [-500_000] * 4
    assert t.set_index("driver").loc[own, "low_change"] == pytest.approx(-4 * 500_000, abs=0.01)
    assert OTHER_DSG not in set(t["driver"])


@pytest.mark.libreoffice
def test_northshires_snapshot_is_its_calc_placement_and_says_nothing_of_the_bundled_authority(
        northshire_books, libreoffice):
    seen = recalculate(northshire_books["refreshed"], udfs=False, office=libreoffice)
    year = _value(seen, "year")
    assert _value(seen, "central") == pytest.approx(_calc(seen, "accumulated", _placement_column(seen, year)), abs=1)
    assert seen[_shown_cell(SENSITIVITY_ROW)] == 1
    texts = "\n".join(str(v) for v in seen.values[L.SENSITIVITY].values() if isinstance(v, str))
    assert "at its last refresh (" in texts
    for word in northshire.FORBIDDEN:
        assert word not in texts


@pytest.mark.parametrize("book, drawn", [pytest.param("built", False, id="no-placement-inputs-no-tornado"),
                                         pytest.param("refreshed", True, id="own-placement-tables-a-tornado")])
def test_the_pack_of_northshires_workbook_draws_the_tornado_when_it_has_placement_inputs(
        northshire_books, tmp_path, book, drawn):
    out = tmp_path / "pack"
    assert main(["pack", str(northshire_books[book]), "--output", str(out), "--paths", "200"]) == 0
    assert (out / "7_tornado.png").is_file() == drawn
    html = (out / "index.html").read_text(encoding="utf-8")
    assert ("one driver at a time" in html) == drawn
    for word in northshire.FORBIDDEN:
        assert word not in html


def test_the_pack_refuses_a_tornado_year_past_northshires_drivers(northshire_books, tmp_path, capsys):
    out = tmp_path / "pack"
    capsys.readouterr()
    assert main(["pack", str(northshire_books["refreshed"]), "--output", str(out), "--paths", "200",
                 "--tornado-year", "2030-31"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hnb-xl: error: --tornado-year: 2030-31 is not a projection year")
    assert not out.exists()
