"""The printed workbook (issue 13 part 6): what a Schools Forum member sees on paper or in a PDF.

The committed workbook (equal to a fresh build, tests/test_workbook_build.py) is exported by
LibreOffice twice, on copies: every sheet as CSV of the text each cell SHOWS (its number format
applied; ``soffice --convert-to csv`` with "save cell contents as shown" and sheet -1 = all), and
as a PDF. What a cell shows is judged on that text, never on the code's own numbers:

* each sheet's print area ends at its last cell that shows something (derived from the exported
  text, not from the layout), so empty capacity rows and year columns do not print;
* the unused capacity (history and projection years past the tables, Calc_Contingency rows
  without a school, Invest to Transform rows without an activity) shows nothing: no £0, no growing
  total, no error;
* without Python no cell outside the Checks sheet shows an error; the cross-check cells say
  "UDFs not loaded";
* money, percentages and counts read as such, the workstream amounts as 30.0% or £1,500,000;
* the xlwings.conf sheet stays in the workbook (xlwings reads it) but is hidden, so not printed;
* the PDF has the fewest pages that read well (22 against 37 before) and no error text.

A conditional number format ``;;;`` (what the build uses to hide the period and flag rows and the
UDF cells of unused columns) is not applied by the CSV export; :func:`hidden_cells` finds the cells
it hides from the rules in the file and the exported text, for the two rule shapes the build writes.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries

from hnb_xl.workbook import layout as L
from hnb_xl.workbook.sheets.checks import NOT_LOADED
from tests.support import read_book, roll_forward

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

COMMITTED = Path(__file__).resolve().parents[1] / "workbook" / "HNB_Model.xlsm"
ERRORS = re.compile(r"^(#(NAME\?|VALUE!|REF!|DIV/0!|N/A|NUM!|NULL!)|Err:\d+)$")
# the sheets whose print area the build sets (the Cover and Logs belong to their own tests)
PRINTED = (L.INPUTS, L.CALC_HISTORY, L.CALC_PROJECTION, L.CALC_CONTINGENCY, L.CALC_TRANSFER, L.SAFETY_VALVE,
           L.OUTPUTS, L.CHECKS)
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def _export(soffice: str, workbook: Path, out: Path, target: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    copy = out / workbook.name
    shutil.copyfile(workbook, copy)
    profile = out / "profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
                    "--outdir", str(out), str(copy)], check=True, capture_output=True, timeout=300)
    return out


@pytest.fixture(scope="module")
def shown(soffice, tmp_path_factory) -> dict[str, list[list[str]]]:
    """{sheet: rows of the text each cell shows}, LibreOffice having calculated a copy without Python."""
    before = COMMITTED.read_bytes()
    out = _export(soffice, COMMITTED, tmp_path_factory.mktemp("shown"), CSV_FILTER)
    assert COMMITTED.read_bytes() == before
    sheets = {}
    for name in L.SHEETS:
        path = out / f"{COMMITTED.stem}-{name}.csv"
        with open(path, encoding="utf-8", newline="") as fh:
            sheets[name] = list(csv.reader(fh))
    return sheets


@pytest.fixture(scope="module")
def book():
    return read_book(COMMITTED, keep_vba=True)


def _at(rows, r: int, c: int) -> str:
    """The text shown in row r, column c (1-based); "" beyond the exported block."""
    return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else ""


_RULE = re.compile(r'^(\$?)([A-Z]{1,3})(\$?)(\d+)(<>1|="")$')


def hidden_cells(ws, rows) -> set[tuple[int, int]]:
    """(row, col) of the cells a ``;;;`` conditional number format hides, given the shown text:
    the rule ``D$6<>1`` (hidden where the column's flag is not 1) and ``$B81=""`` (hidden where the
    row's key cell is blank), each relative to its range's top-left cell as Excel reads it."""
    out = set()
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            if rule.dxf is None or rule.dxf.numFmt is None or rule.dxf.numFmt.formatCode != ";;;":
                continue
            m = _RULE.match(rule.formula[0])
            assert m, f"{ws.title}: a hiding rule this test cannot read: {rule.formula[0]}"
            col_abs, col_letters, row_abs, row_text, test = m.groups()
            for rng in cf.sqref.ranges:
                min_col, min_row, max_col, max_row = range_boundaries(rng.coord)
                for r in range(min_row, max_row + 1):
                    for c in range(min_col, max_col + 1):
                        rc = column_index_from_string(col_letters) + (0 if col_abs else c - min_col)
                        rr = int(row_text) + (0 if row_abs else r - min_row)
                        value = _at(rows, rr, rc)
                        if (test == "<>1" and value != "1") or (test == '=""' and value == ""):
                            out.add((r, c))
    return out


def last_shown(ws, rows) -> tuple[int, int]:
    """(last row, last column) holding a cell that shows something."""
    hidden = hidden_cells(ws, rows)
    last_r = last_c = 1
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row, start=1):
            if text.strip() and (r, c) not in hidden:
                last_r, last_c = max(last_r, r), max(last_c, c)
    return last_r, last_c


def print_ranges(ws) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of each range of the sheet's print area."""
    assert ws.print_area, f"{ws.title} has no print area"
    return [range_boundaries(part.split("!")[-1].replace("$", "")) for part in ws.print_area.split(",")]


@pytest.mark.parametrize("sheet", [pytest.param(s, id=f"print-area-ends-at-the-last-shown-cell-{s}") for s in PRINTED])
def test_print_area_ends_at_the_last_used_row_and_column(book, shown, sheet):
    ranges = print_ranges(book[sheet])
    assert ranges[0][:2] == (1, 1)
    r, c = last_shown(book[sheet], shown[sheet])
    ends = (max(x[3] for x in ranges), max(x[2] for x in ranges))
    assert ends == (r, c), f"{sheet}: print area {book[sheet].print_area}, last cell shown {get_column_letter(c)}{r}"


def test_every_shown_input_cell_is_printed(book, shown):
    """Inputs prints in two ranges (the tables beside the main column on pages of their own):
    together they hold every input cell that shows something."""
    ws = book[L.INPUTS]
    ranges = print_ranges(ws)
    hidden = hidden_cells(ws, shown[L.INPUTS])
    outside = [f"{get_column_letter(c)}{r}" for r, row in enumerate(shown[L.INPUTS], start=1)
               for c, text in enumerate(row, start=1) if text.strip() and (r, c) not in hidden
               and not any(a <= c <= b and top <= r <= bottom for a, top, b, bottom in ranges)]
    assert not outside, outside[:10]


def test_print_areas_cover_the_filled_data_only(book):
    """The bundled data fill 7 history years, 9 assumption years and 250 schools of room for 15, 15
    and 1,000 (the CSVs in hnb_xl/data): the printed capacity is what is filled."""
    def last(sheet):
        return print_ranges(book[sheet])[0][2:]
    t = L.INPUT_TABLES
    assert last(L.CALC_HISTORY)[0] == L.HIST["first_col"] + 7 - 1
    assert last(L.CALC_PROJECTION)[0] == L.PROJ["first_col"] + 9 - 1
    assert last(L.CALC_CONTINGENCY)[1] == L.CONT["first"] + 250 - 1
    assert last(L.INPUTS)[1] == t["schools"].first_row + 250 - 1


def _blank_block(rows, hidden, r_range, c_range) -> list[str]:
    return [f"{get_column_letter(c)}{r}={_at(rows, r, c)!r}" for r in r_range for c in c_range
            if _at(rows, r, c).strip() and (r, c) not in hidden]


UNUSED = [
    pytest.param(L.CALC_HISTORY, lambda: (range(1, 40), range(L.HIST["first_col"] + 7, L.HIST["first_col"] + L.HIST["periods"])),
                 id="history-years-past-the-table"),
    pytest.param(L.CALC_PROJECTION, lambda: (range(1, 40), range(L.PROJ["first_col"] + 9, L.PROJ["first_col"] + L.PROJ["periods"])),
                 id="projection-years-past-the-assumptions"),
    pytest.param(L.SAFETY_VALVE, lambda: (range(L.SV["calc_title"], 400), range(L.PROJ["first_col"] + 9, L.PROJ["first_col"] + L.PROJ["periods"])),
                 id="safety-valve-years-past-the-assumptions"),
    pytest.param(L.CALC_CONTINGENCY, lambda: (range(L.CONT["first"] + 250, L.contingency_last(L.contingency_rows(250)) + 1), range(1, 20)),
                 id="contingency-rows-without-a-school"),
    # hnb_xl/data/plan_workstreams.csv has 5 workstreams: groups 6 to 8 of the 8 are unused
    pytest.param(L.SAFETY_VALVE, lambda: (range(L.SV["group0"] + 6 * L.SV["group_size"],
                                                L.SV["group0"] + (L.SV["ws_max"] + 1) * L.SV["group_size"]),
                                          range(L.PROJ["base_col"], L.PROJ["first_col"] + L.PROJ["periods"])),
                 id="safety-valve-rows-of-unused-workstreams"),
]


@pytest.mark.parametrize("sheet,where", UNUSED)
def test_unused_capacity_shows_nothing(book, shown, sheet, where):
    rows, cols = where()
    shows = _blank_block(shown[sheet], hidden_cells(book[sheet], shown[sheet]), rows, cols)
    assert not shows, f"{sheet}: {len(shows)} unused cells show something, e.g. {shows[:5]}"


def test_invest_to_transform_rows_without_an_activity_show_nothing(shown):
    """Calc_Transfer prints whole (it is short), so its empty activity rows must show nothing."""
    T, rows = L.TRANS, shown[L.CALC_TRANSFER]
    activity = T["itt_cols"]["activity"]
    empty = [r for r in range(T["itt_first"], T["itt_first"] + L.INPUT_TABLES["invest_to_transform"].max_rows)
             if not _at(rows, r, activity)]
    assert empty, "the bundled table fills every row: nothing to test"
    shows = _blank_block(rows, set(), empty, range(1, 10))
    assert not shows, shows


def test_without_python_no_cell_outside_checks_shows_an_error(shown):
    errors = [f"{sheet}!{get_column_letter(c)}{r}: {text}" for sheet, rows in shown.items() if sheet != L.CHECKS
              for r, row in enumerate(rows, start=1) for c, text in enumerate(row, start=1) if ERRORS.match(text.strip())]
    assert not errors, f"{len(errors)} error cells, e.g. {errors[:5]}"


UDF_CELLS = [
    pytest.param(L.CALC_PROJECTION, lambda: (L.PROJ["udf_accumulated"], L.PROJ["first_col"]), id="projection-hnb-deficit"),
    pytest.param(L.CALC_PROJECTION, lambda: (L.PROJ["udf_difference"], L.PROJ["first_col"]), id="projection-difference"),
    pytest.param(L.CALC_CONTINGENCY, lambda: (L.CONT["header"], L.CONT["udf_col"]), id="contingency-header"),
    pytest.param(L.CALC_CONTINGENCY, lambda: (L.CONT["first"], L.CONT["udf_col"]), id="contingency-first-school"),
    pytest.param(L.CALC_CONTINGENCY, lambda: (L.CONT["first"], L.CONT["cols"]["difference"]), id="contingency-difference"),
    pytest.param(L.CALC_TRANSFER, lambda: (L.TRANS["rows"]["udf_amount"], L.TRANS["summary_col"]), id="transfer-hnb-transfer"),
    pytest.param(L.SAFETY_VALVE, lambda: (L.SV["udf_balance"], L.SV["value_col"]), id="safety-valve-balance-year"),
]


@pytest.mark.parametrize("sheet,cell", UDF_CELLS)
def test_udf_cells_say_not_loaded_without_python(shown, sheet, cell):
    r, c = cell()
    assert _at(shown[sheet], r, c) == NOT_LOADED


SHOWS = [
    pytest.param(L.SAFETY_VALVE, lambda: (L.SV["ws_first"], L.SV["ws_cols"]["amount"]), "30.0%",
                 id="workstream-fraction-as-percent"),
    pytest.param(L.SAFETY_VALVE, lambda: (L.SV["ws_first"] + 2, L.SV["ws_cols"]["amount"]), "£1,500,000",
                 id="workstream-cash-as-pounds"),
    pytest.param(L.CALC_HISTORY, lambda: (L.HIST["budget"], L.HIST["first_col"] + 1), "£63,001,000",
                 id="history-money-in-pounds"),
    pytest.param(L.CALC_HISTORY, lambda: (L.HIST["ehcp"], L.HIST["first_col"] + 6), "6,100", id="history-ehcps-as-a-count"),
    pytest.param(L.CALC_HISTORY, lambda: (L.HIST["ehcp_growth"], L.HIST["first_col"] + 1), "7.0%",
                 id="history-growth-as-percent"),
    pytest.param(L.OUTPUTS, lambda: (L.OUT["history_first"], L.OUT_HISTORY_COLS["ehcp"]), "3,205", id="outputs-ehcps"),
]


@pytest.mark.parametrize("sheet,cell,text", SHOWS)
def test_numbers_show_in_their_unit(shown, sheet, cell, text):
    """Expected text from the seed (2016-17 budget £63.001m, 6,100 EHCPs in 2021-22, 7.0% EHCP
    growth in 2016-17) and the bundled workstreams (hnb_xl/data/plan_workstreams.csv: 0.3 and
    £1.5m)."""
    r, c = cell()
    assert _at(shown[sheet], r, c) == text


def test_year_labels_sit_right_with_their_numbers(book):
    for sheet, row, cols in ((L.CALC_HISTORY, L.HIST["year"], range(L.HIST["first_col"], L.HIST["first_col"] + 7)),
                             (L.CALC_PROJECTION, L.PROJ["year"], range(L.PROJ["first_col"], L.PROJ["first_col"] + 9)),
                             (L.SAFETY_VALVE, L.SV["year"], range(L.PROJ["first_col"], L.PROJ["first_col"] + 9))):
        assert {book[sheet].cell(row, c).alignment.horizontal for c in cols} == {"right"}, sheet


def test_a_wrapped_check_gets_the_height_of_its_lines(book):
    """Checks rows 15-16 overlapped (wrapped text in a row of one line's height): every check whose
    text is longer than its column is wide gets more than one line's height."""
    ws, K = book[L.CHECKS], L.CHECKS_LAYOUT
    width = ws.column_dimensions["B"].width
    for r in range(K["first"], ws.max_row + 1):
        text = ws.cell(r, 2).value or ""
        if len(text) > width * 1.3:
            assert (ws.row_dimensions[r].height or 15) > 15, f"Checks row {r}: {text}"


def test_xlwings_conf_stays_but_is_not_printed(book):
    ws = book[L.XLWINGS_CONF]
    assert ws[L.CONF_UDF_MODULES_CELL].value == L.UDF_MODULES       # xlwings still reads it
    assert ws.sheet_state == "hidden"                               # a hidden sheet is not printed


@pytest.fixture(scope="module")
def pdf_pages(soffice, tmp_path_factory) -> list[str]:
    out = _export(soffice, COMMITTED, tmp_path_factory.mktemp("pdf"), "pdf")
    pdf = out / f"{COMMITTED.stem}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def test_the_printout_is_short_and_shows_no_error_or_template_text(pdf_pages):
    """37 pages before issue 13 part 6 (5 of empty input rows, 10 of capacity rows, 3 of xlwings'
    template text); 22 after, with 250 synthetic schools taking 6 of them on Inputs and 4 on
    Calc_Contingency; 25 once the safety valve agreement became an Inputs table a council refreshes
    (beside the payments and settlement, it takes the beside range onto a second page); 26 once the
    settlement's sources and the agreement's bases wrap in their column instead of being cut at its
    edge or running off the page (the beside range takes one more page); 28 once the Logs'
    assurance record's rows are as tall as their wrapped text (they printed over each other; the
    audit trail beside them, sharing the rows, takes a second page); 29 once the placement history
    (EHC plans by placement at each census, issue 14) is a third column group of Inputs, printed as
    its own range (its first page); 34 once the placement tables are on Inputs below the placement
    history (two pages: categories to income, then other spend to settings) and Calc_Placement prints
    (three pages: drivers and categories, the census blocks, caseload to the summary; issue 15 item 5);
    36 once the placement workstreams are an Inputs table below the placement settings (their last
    rows on a page of their own, and their wrapped rows, shared with the main column's school list,
    push its end onto one more page); 38 once the Sensitivity sheet prints (its tables, then its
    tornado chart on a page of its own; the Checks sheet, one row longer, is fitted to its one page)."""
    assert len(pdf_pages) <= 38
    text = "\n".join(pdf_pages)
    assert "Use UDF Server" not in text and "Show Console" not in text      # xlwings.conf's settings
    assert not re.search(r"#NAME\?|#VALUE!|#REF!|Err:\d+", text)


def test_long_side_texts_wrap_in_rows_tall_enough_and_the_agreement_basis_spans_the_page():
    """The settlement's Source and the agreement's Basis on Inputs were cut at their column's edge
    (the next cell is filled) or ran off the printed page; the Safety_Valve sheet's copy of each basis
    ran past the page's right edge. Each now wraps, its row at least as tall as the text's lines on
    three quarters of the column (styles.lines), and on Safety_Valve it is merged over eight year columns."""
    from hnb_xl.workbook import styles as S
    from hnb_xl.workbook.sheets.inputs import WIDTHS
    wb = read_book(COMMITTED)
    ws = wb[L.INPUTS]
    seen = 0
    for key, header in (("settlement", "Source"), ("agreement", "Basis")):
        t = L.INPUT_TABLES[key]
        col = t.col_of(header)
        for r in range(t.first_row, t.last_row + 1):
            c = ws.cell(r, col)
            if not c.value:
                continue
            seen += 1
            assert c.alignment.wrap_text, (key, c.coordinate)
            need = S.LINE_HEIGHT * S.lines(c.value, int(WIDTHS[get_column_letter(col)] * 0.75))
            assert (ws.row_dimensions[r].height or 15) >= need, (key, c.coordinate)
    assert seen >= 10
    sv = wb[L.SAFETY_VALVE]
    vc = L.SV["value_col"]
    merged = {str(m) for m in sv.merged_cells.ranges}
    for key, (row, _name, _fmt) in L.SV["agreement"].items():
        assert f"{get_column_letter(vc + 1)}{row}:{get_column_letter(vc + 8)}{row}" in merged, key
        assert sv.cell(row, vc + 1).alignment.wrap_text, key


# ------------------------------------------------------------------------ a refresh moves the print areas

def _area_end(path: Path, sheet: str) -> tuple[int, int]:
    return print_ranges(read_book(path, keep_vba=True)[sheet])[0][2:]


@pytest.mark.parametrize("sheet,column_moves,row_moves", [
    pytest.param(L.CALC_HISTORY, +1, 0, id="refresh-with-a-new-outturn-year-widens-calc-history"),
    pytest.param(L.CALC_PROJECTION, -1, 0, id="refresh-rolling-a-year-into-outturn-narrows-calc-projection"),
    pytest.param(L.SAFETY_VALVE, -1, 0, id="refresh-rolling-a-year-into-outturn-narrows-safety-valve"),
    pytest.param(L.CALC_CONTINGENCY, 0, +1, id="refresh-with-one-more-school-lengthens-calc-contingency"),
    pytest.param(L.INPUTS, 0, +1, id="refresh-with-one-more-school-lengthens-inputs"),
])
def test_a_refresh_moves_the_print_areas_with_the_data(tmp_path, sources, sheet, column_moves, row_moves):
    """A term's roll-forward: 2022-23 becomes outturn (one more history year, one assumption year
    fewer) and one school opens. The print areas follow the data, as a build from the same data
    would set them."""
    from hnb_xl.cli import main
    book = tmp_path / "HNB_Model.xlsm"
    shutil.copyfile(COMMITTED, book)
    roll_forward(sources)
    schools = sources / "schools.csv"
    lines = schools.read_text(encoding="utf-8").splitlines()
    schools.write_text("\n".join(lines + ["999999,New Free School (synthetic),Primary,120,3,50000"]) + "\n",
                       encoding="utf-8")
    before = _area_end(book, sheet)
    assert main(["refresh", str(book), str(sources), "--no-progress"]) == 0
    after = _area_end(book, sheet)
    assert (after[0] - before[0], after[1] - before[1]) == (column_moves, row_moves)
