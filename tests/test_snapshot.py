"""hnb_xl.workbook.snapshot reads what openpyxl's full load reads, cell for cell.

The expected values are openpyxl's own full load of the same file (an independent reading, with
styles and merged cells), never the snapshot's output: the bundled workbook, another council's
workbook built from its own files, and a small workbook with the kinds of cell the model's readers
meet (dates, an array formula, a shared formula, an Excel table, a sheet-local name, a styled empty
cell below the last value).

The snapshot parses the sheets' XML itself; it is also compared, cell for cell and type for type,
with openpyxl's read-only sheet parser (``WorkSheetParser``, how it read every sheet before) on
those workbooks and on a hand-made one with every kind of cell that parser reads (shared strings,
rich and inline strings, dates and a timedelta by style, booleans, errors, shared, array and
data-table formulas, rows and cells without ``r``, a row child that is not a cell).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table

from hnb_xl.cli import main
from hnb_xl.sources import templates
from hnb_xl.workbook.snapshot import read_workbook
from tests import northshire

COMMITTED = Path(__file__).resolve().parents[1] / "workbook" / "HNB_Model.xlsm"


@pytest.fixture(scope="module")
def northshire_book(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("snapshot_northshire")
    frames = northshire.frames()
    templates.write_templates(folder / "src", frames, tables=tuple(frames), formats=("csv",))
    book = folder / "Northshire.xlsm"
    pairs = [f"{p.stem}={p}" for p in sorted((folder / "src").glob("*.csv"))]
    assert main(["build", str(book), "--sources", *pairs]) == 0
    return book


@pytest.fixture(scope="module")
def kinds_book(tmp_path_factory) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["School", "Opened", "Pupils", "Share"])
    ws.append(["Alpha", dt.date(2021, 9, 1), 120, "=C2/SUM($C$2:$C$3)"])
    ws.append(["Beta", dt.datetime(2022, 4, 1, 9, 30), 80, "=C3/SUM($C$2:$C$3)"])
    ws["F1"] = ArrayFormula("F1:F2", "=C2:C3*2")
    ws["G7"].font = Font(bold=True)                       # styled, empty: counts in max_row, max_column
    ws.add_table(Table(displayName="Pupils", ref="A1:D3"))
    other = wb.create_sheet("Other")
    other["A1"] = "=SUM(Pupils[Pupils])"
    other["B2"] = 0.125
    other.defined_names["Local_rate"] = DefinedName("Local_rate", attr_text="Other!$B$2")
    wb.defined_names["Total_pupils"] = DefinedName("Total_pupils", attr_text="Data!$C$2:$C$3")
    folder = tmp_path_factory.mktemp("snapshot_kinds")
    wb.save(folder / "plain.xlsx")
    # D2:D3 as Excel saves a formula filled down: one shared formula (openpyxl writes each cell's own)
    path = folder / "kinds.xlsx"
    with zipfile.ZipFile(folder / "plain.xlsx") as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for old, new in (('<c r="D2"><f>C2/SUM($C$2:$C$3)</f>', '<c r="D2"><f t="shared" ref="D2:D3" si="0">C2/SUM($C$2:$C$3)</f>'),
                                 ('<c r="D3"><f>C3/SUM($C$2:$C$3)</f>', '<c r="D3"><f t="shared" si="0"/>')):
                    assert old in text, f"openpyxl wrote D2:D3 otherwise: {old}"
                    text = text.replace(old, new)
                data = text.encode()
            out.writestr(item, data)
    return path


def _comparable(v):
    return ("array", v.ref, v.text) if isinstance(v, ArrayFormula) else v


def _differences(path: Path, data_only: bool) -> list[str]:
    full = openpyxl.load_workbook(path, data_only=data_only)
    snap = read_workbook(path, data_only=data_only)
    out = []
    if snap.sheetnames != full.sheetnames:
        out.append(f"sheet names {snap.sheetnames} != {full.sheetnames}")
    if sorted(snap.defined_names) != sorted(full.defined_names):
        out.append("defined names differ")
    for ws in full.worksheets:
        s = snap[ws.title]
        for attr in ("max_row", "max_column", "min_row", "min_column"):
            if getattr(s, attr) != getattr(ws, attr):
                out.append(f"{ws.title} {attr}: {getattr(s, attr)} != {getattr(ws, attr)}")
        if sorted(s.tables) != sorted(ws.tables):
            out.append(f"{ws.title} tables: {sorted(s.tables)} != {sorted(ws.tables)}")
        if sorted(s.defined_names) != sorted(ws.defined_names):
            out.append(f"{ws.title} local names: {sorted(s.defined_names)} != {sorted(ws.defined_names)}")
        for (r, c) in set(ws._cells) | set(s._cells):
            a = ws._cells[(r, c)].value if (r, c) in ws._cells else None
            b = s.cell(r, c).value
            if type(a) is not type(b) or _comparable(a) != _comparable(b):
                out.append(f"{ws.title}!R{r}C{c}: {b!r} != {a!r}")
    return out


@pytest.mark.parametrize("data_only", [False, True], ids=["formulas", "saved-values"])
@pytest.mark.parametrize("which", ["bundled", "northshire", "kinds"])
def test_every_cell_name_and_table_is_what_openpyxls_full_load_reads(which, data_only, request):
    path = {"bundled": lambda: COMMITTED, "northshire": lambda: request.getfixturevalue("northshire_book"),
            "kinds": lambda: request.getfixturevalue("kinds_book")}[which]()
    assert _differences(path, data_only) == []


def test_the_kinds_workbook_reads_as_written(kinds_book):
    snap = read_workbook(kinds_book)
    data = snap["Data"]
    assert data["B2"].value == dt.datetime(2021, 9, 1)
    assert data["B3"].value == dt.datetime(2022, 4, 1, 9, 30)
    assert data.cell(3, 4).value == "=C3/SUM($C$2:$C$3)"
    assert isinstance(data["F1"].value, ArrayFormula) and data["F1"].value.ref == "F1:F2"
    assert (data.max_row, data.max_column) == (7, 7)
    assert list(data.tables) == ["Pupils"]
    assert list(snap["Other"].defined_names) == ["Local_rate"]
    assert list(data.iter_rows(min_row=2, max_row=2, max_col=3, values_only=True)) == [
        ("Alpha", dt.datetime(2021, 9, 1), 120)]


def test_reading_a_cell_adds_none_and_a_value_set_stays_in_memory(kinds_book):
    before = kinds_book.read_bytes()
    snap = read_workbook(kinds_book)
    data = snap["Data"]
    assert data.cell(500, 30).value is None and data["Z900"].value is None
    assert (data.max_row, data.max_column) == (7, 7)
    data["C2"] = 999
    assert data["C2"].value == 999
    assert kinds_book.read_bytes() == before
    assert read_workbook(kinds_book)["Data"]["C2"].value == 120


def test_a_file_that_is_not_a_workbook_raises_as_openpyxl_does(tmp_path):
    bad = tmp_path / "not_a_workbook.xlsx"
    bad.write_text("School,Pupils\nAlpha,120\n")
    with pytest.raises(Exception) as snap_error:
        read_workbook(bad)
    with pytest.raises(Exception) as full_error:
        openpyxl.load_workbook(bad)
    assert type(snap_error.value) is type(full_error.value)


def test_the_static_check_sees_the_workbooks_tables_through_the_snapshot(kinds_book, tmp_path):
    """``hnb-xl check`` reads through the snapshot: a structured reference to the workbook's own
    table is no finding, one to a table it does not have is (the table names come from the
    sheets' table parts, as openpyxl's full load finds them)."""
    from hnb_xl.workbook.verify.check import Policy, check
    policy = Policy(calculation_sheets=frozenset(), functions={})
    assert [f for f in check(kinds_book, policy) if "table" in f.message] == []
    wb = openpyxl.load_workbook(kinds_book)
    wb["Other"]["A2"] = "=SUM(Nowhere[Pupils])"
    other = tmp_path / "other.xlsx"
    wb.save(other)
    found = [(f.sheet, f.cell, f.code) for f in check(other, policy) if "table" in f.message]
    assert found == [("Other", "A2", "missing-name")]


# --- the reader against openpyxl's own sheet parser --------------------------------------------------
#
# read_workbook parses each sheet's XML itself (hnb_xl.workbook.snapshot._rows_cells) where it used to
# run openpyxl's read-only sheet parser. The reference below is that earlier reading, kept here: the
# same read-only load, openpyxl.worksheet._reader.WorkSheetParser over each sheet part, cell for cell.

def _parser_cells(path: Path, data_only: bool) -> dict[str, dict[tuple[int, int], object]]:
    """{sheet title: {(row, column): value}} as openpyxl's read-only sheet parser reads the workbook
    (how hnb_xl.workbook.snapshot.read_workbook read every sheet before, kept there as the fallback
    ``_openpyxl_cells``: openpyxl's ``WorkSheetParser.parse``, cell for cell), in the parser's order."""
    from hnb_xl.workbook.snapshot import _openpyxl_cells
    wb = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    try:
        return {ws.title: {key: cell.value for key, cell in
                           _openpyxl_cells(wb._archive.read(ws._worksheet_path), ws._shared_strings, data_only,
                                           wb.epoch, wb._date_formats, wb._timedelta_formats).items()}
                for ws in wb.worksheets}
    finally:
        wb.close()


def _same(a, b) -> bool:
    """The same value, of the same type (an array or data-table formula: the same attributes)."""
    from openpyxl.worksheet.formula import DataTableFormula
    if type(a) is not type(b):
        return False
    if isinstance(a, (ArrayFormula, DataTableFormula)):
        return vars(a) == vars(b)
    return a == b


def _parser_differences(path: Path, data_only: bool) -> list[str]:
    """Where read_workbook and openpyxl's sheet parser (:func:`_parser_cells`) read the workbook
    differently: the sheets, each sheet's cells (the same ones, in the same order), each value and
    its type, each cell's own row and column."""
    want = _parser_cells(path, data_only)
    snap = read_workbook(path, data_only=data_only)
    out = []
    if [ws.title for ws in snap.worksheets] != list(want):
        out.append(f"sheets {[ws.title for ws in snap.worksheets]} != {list(want)}")
    for ws in snap.worksheets:
        ref = want.get(ws.title, {})
        if list(ws._cells) != list(ref):
            missing, extra = set(ref) - set(ws._cells), set(ws._cells) - set(ref)
            out.append(f"{ws.title}: cells differ (missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}, "
                       f"or in another order)")
        for key, cell in ws._cells.items():
            if (cell.row, cell.column) != key:
                out.append(f"{ws.title}!{key}: the cell says R{cell.row}C{cell.column}")
            if key in ref and not _same(cell.value, ref[key]):
                out.append(f"{ws.title}!R{key[0]}C{key[1]}: {cell.value!r} ({type(cell.value).__name__}) != "
                           f"{ref[key]!r} ({type(ref[key]).__name__})")
    return out


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SHARED_STRINGS = (f'<sst xmlns="{_MAIN}" count="3" uniqueCount="3"><si><t>Shared</t></si>'
                   '<si><r><rPr><b/></rPr><t>Rich</t></r><r><t xml:space="preserve"> shared</t></r></si>'
                   '<si><t xml:space="preserve"> spaced </t></si></sst>')


def _odd_sheet(date: str, hours: str, bold: str) -> str:
    """The sheetData of the hand-made workbook's first sheet: every kind of cell openpyxl's sheet
    parser reads (style ids: a date format, a timedelta format, a bold font)."""
    return "".join((
        '<sheetData>',
        # strings: shared (plain, rich, spaced), inline (plain, rich, phonetic, empty, missing), t="str"
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>',
        '<c r="D1" t="inlineStr"><is><t>Inline</t></is></c>',
        '<c r="E1" t="inlineStr"><is><r><rPr><i/></rPr><t>Rich</t></r><r><t xml:space="preserve"> inline</t></r></is></c>',
        '<c r="F1" t="inlineStr"><is><t>Kana</t><rPh sb="0" eb="1"><t>KA</t></rPh></is></c>',
        '<c r="G1" t="inlineStr"><is/></c><c r="H1" t="inlineStr"/><c r="I1" t="str"><v>a str</v></c>',
        '<c r="J1" t="inlineStr"><is><t/></is></c></row>',
        # numbers: int, float, exponent, leading zeros, t="n"; dates and a timedelta by style
        f'<row r="2"><c r="A2"><v>42</v></c><c r="B2"><v>-3.5</v></c><c r="C2"><v>1E3</v></c><c r="D2"><v>1e-2</v></c>',
        f'<c r="E2"><v>007</v></c><c r="F2" t="n"><v>12</v></c><c r="G2" s="{date}"><v>44197.5</v></c>',
        f'<c r="H2" s="{hours}"><v>1.25</v></c><c r="I2" s="{date}" t="n"><v>45000</v></c><c r="J2" s="{date}"><v/></c>',
        f'<c r="K2" s="{date}"><v>0.25</v></c><c r="L2" s="{date}"><v>10000000000</v></c><c r="M2" s=""><v>5</v></c></row>',
        # booleans, errors, an ISO date, a type openpyxl does not know
        '<row r="3"><c r="A3" t="b"><v>1</v></c><c r="B3" t="b"><v>0</v></c><c r="C3" t="e"><v>#DIV/0!</v></c>',
        '<c r="D3" t="e"><v>#N/A</v></c><c r="E3" t="d"><v>2024-02-29T12:00:00</v></c><c r="F3" t="x"><v>odd</v></c></row>',
        # formulas: plain, with a cached string, shared (master then dependants), array, data table,
        # boolean and error results, without a value, a dependant of an unknown master
        '<row r="4"><c r="A4"><f>1+1</f><v>2</v></c><c r="B4" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>',
        '<c r="C4"><f t="shared" ref="C4:E4" si="0">A2+$A$2</f><v>84</v></c>',
        '<c r="D4"><f t="shared" si="0"/><v>38.5</v></c><c r="E4"><f t="shared" si="0"/><v>1042</v></c>',
        '<c r="F4"><f t="array" ref="F4:F5">A2:A3*2</f><v>84</v></c>',
        '<c r="G4"><f t="dataTable" ref="G4:G5" dt2D="0" dtr="0" r1="A2"/><v>1</v></c>',
        '<c r="H4" t="b"><f>TRUE()</f><v>1</v></c><c r="I4" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
        '<c r="J4"><f>A2*2</f></c><c r="K4"><f t="shared" si="7"/><v>0</v></c></row>',
        # a row and cells without r (counted: row 5; A5, B5, C5; F5 given; then G5), a bold empty
        # cell, children out of the usual order or of another namespace, an empty extension list
        f'<row><c><v>1</v></c><c t="s"><v>0</v></c><c s="{bold}"/><c r="F5"><v>6</v></c><c t="b"><v>1</v></c>',
        '<c r="H5"><v>5</v><f>2+3</f></c><c r="I5"><f>1+2</f><v>3</v><extLst/></c>',
        '<c r="J5"><o:v xmlns:o="urn:other">5</o:v></c></row>',
        # a row in another namespace: no row to openpyxl
        '<o:row xmlns:o="urn:other" r="6"><c r="A6"><v>6</v></c></o:row>',
        # a row number written as a float; lower-case and absolute-free coordinates
        f'<row r="7.0"><c r="A7"><v>7</v></c><c r="b7"><v>8</v></c><c r="C7" s="{bold}" t="n"/></row>',
        # the same cell twice (the later value, the first place), cells in other rows than their own
        '<row r="9"><c r="A9"><v>1</v></c><c r="B9"><v>2</v></c><c r="A9"><v>3</v></c><c r="C11"><v>4</v></c>'
        '<c r="D8"><v>5</v></c></row>',
        f'<row r="12" spans="1:3"><c r="A12" s="{bold}"/><c r="B12" s="{bold}"/></row>',
        '</sheetData>'))


_IRREGULAR_SHEET = ('<sheetData><row r="1"><c r="A1"><v>1</v></c><o:other xmlns:o="urn:other"/><c><v>3</v></c></row>'
                    '<row><c t="inlineStr"><is><t>next</t></is></c></row></sheetData>')


@pytest.fixture(scope="module")
def odd_book(tmp_path_factory) -> Path:
    """A workbook openpyxl writes (styles: a date, a timedelta and a bold cell) with its sheets'
    cells then written by hand as Excel may write them (:func:`_odd_sheet`; openpyxl writes no shared
    strings, shared formulas or cells without r), plus a shared-strings part, and a second sheet
    with a row child that is not a cell (:data:`_IRREGULAR_SHEET`)."""
    from xml.etree import ElementTree
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Odd"
    ws["A1"] = dt.datetime(2021, 1, 1)
    ws["B1"] = dt.timedelta(hours=30)
    ws["C1"].font = Font(bold=True)
    wb.create_sheet("Irregular")["A1"] = 1
    folder = tmp_path_factory.mktemp("snapshot_odd")
    wb.save(folder / "written.xlsx")
    path = folder / "odd.xlsx"
    with zipfile.ZipFile(folder / "written.xlsx") as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        written = ElementTree.fromstring(src.read("xl/worksheets/sheet1.xml"))
        styles = {c.get("r"): c.get("s") for c in written.iter(f"{{{_MAIN}}}c")}
        sheets = {"xl/worksheets/sheet1.xml": _odd_sheet(styles["A1"], styles["B1"], styles["C1"]),
                  "xl/worksheets/sheet2.xml": _IRREGULAR_SHEET}
        for item in src.infolist():
            data = src.read(item.filename).decode()
            if item.filename in sheets:
                start, end = data.index("<sheetData>"), data.index("</sheetData>") + len("</sheetData>")
                data = data[:start] + sheets[item.filename] + data[end:]
            elif item.filename == "[Content_Types].xml":
                data = data.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            out.writestr(item, data.encode())
        out.writestr("xl/sharedStrings.xml", _SHARED_STRINGS.encode())
    return path


_OUT_OF_RANGE = "ignore:Cell L2 is marked as a date"       # openpyxl warns (both readers): L2 reads "#VALUE!"


@pytest.mark.filterwarnings(_OUT_OF_RANGE)
@pytest.mark.parametrize("data_only", [False, True], ids=["formulas", "saved-values"])
@pytest.mark.parametrize("which", ["bundled", "northshire", "kinds", "odd"])
def test_every_cell_is_what_openpyxls_sheet_parser_reads(which, data_only, request):
    """The same cells (every one the file writes, in the same order), the same values of the same
    types, as openpyxl's read-only sheet parser, the way read_workbook read sheets before."""
    path = {"bundled": lambda: COMMITTED, "northshire": lambda: request.getfixturevalue("northshire_book"),
            "kinds": lambda: request.getfixturevalue("kinds_book"),
            "odd": lambda: request.getfixturevalue("odd_book")}[which]()
    assert _parser_differences(path, data_only) == []


@pytest.mark.filterwarnings(_OUT_OF_RANGE)
def test_the_hand_made_workbook_reads_as_written(odd_book):
    """The odd workbook holds what its XML says (so the comparison above covers those kinds)."""
    from openpyxl.worksheet.formula import DataTableFormula
    odd = read_workbook(odd_book)["Odd"]
    v = {(c.row, c.column): c.value for c in odd._cells.values()}
    assert [v[(1, c)] for c in range(1, 11)] == ["Shared", "Rich shared", " spaced ", "Inline", "Rich inline",
                                                 "Kana", "", None, "a str", ""]
    assert [v[(2, c)] for c in range(1, 7)] == [42, -3.5, 1000.0, 0.01, 7, 12]
    assert [type(v[(2, c)]) for c in (1, 2, 3, 5)] == [int, float, float, int]
    assert v[(2, 7)] == dt.datetime(2021, 1, 1, 12) and v[(2, 8)] == dt.timedelta(hours=30)
    assert v[(2, 9)] == dt.datetime(2023, 3, 15) and v[(2, 10)] is None and v[(2, 11)] == dt.time(6)
    assert v[(2, 12)] == "#VALUE!" and v[(2, 13)] == 5
    assert [v[(3, c)] for c in range(1, 7)] == [True, False, "#DIV/0!", "#N/A", dt.datetime(2024, 2, 29, 12), "odd"]
    assert [v[(4, c)] for c in (1, 2, 3, 4, 5)] == ["=1+1", '="a"&"b"', "=A2+$A$2", "=B2+$A$2", "=C2+$A$2"]
    assert isinstance(v[(4, 6)], ArrayFormula) and (v[(4, 6)].ref, v[(4, 6)].text) == ("F4:F5", "=A2:A3*2")
    assert isinstance(v[(4, 7)], DataTableFormula) and v[(4, 7)].ref == "G4:G5"
    assert [v[(4, c)] for c in (8, 9, 10, 11)] == ["=TRUE()", "=1/0", "=A2*2", "="]
    assert [(k, v[k]) for k in sorted(v) if k[0] == 5] == [
        ((5, 1), 1), ((5, 2), "Shared"), ((5, 3), None), ((5, 6), 6), ((5, 7), True), ((5, 8), "=2+3"),
        ((5, 9), "=1+2"), ((5, 10), None)]
    assert not any(k[0] == 6 for k in v)                      # the other namespace's row
    assert [v[(7, c)] for c in (1, 2, 3)] == [7, 8, None]
    assert list(odd._cells)[list(odd._cells).index((9, 1)):][:4] == [(9, 1), (9, 2), (11, 3), (8, 4)]
    assert v[(9, 1)] == 3 and v[(11, 3)] == 4 and v[(8, 4)] == 5
    assert (odd.max_row, odd.max_column) == (12, 13) and v[(12, 2)] is None
    saved = {(c.row, c.column): c.value for c in read_workbook(odd_book, data_only=True)["Odd"]._cells.values()}
    assert [saved[(4, c)] for c in range(1, 12)] == [2, "ab", 84, 38.5, 1042, 84, 1, True, "#DIV/0!", None, 0]
    assert saved[(5, 8)] == 5 and saved[(5, 9)] == 3


def test_a_sheet_with_a_row_child_that_is_not_a_cell_is_read_by_openpyxls_parser(odd_book, monkeypatch):
    """The Irregular sheet (a row child in another namespace, which openpyxl counts as an empty cell)
    goes to openpyxl's own parser; the Odd sheet is read by the snapshot's reader."""
    from hnb_xl.workbook import snapshot
    fell_back = []
    real = snapshot._openpyxl_cells

    def recorded(data, *args):
        fell_back.append(data)
        return real(data, *args)
    monkeypatch.setattr(snapshot, "_openpyxl_cells", recorded)
    with pytest.warns(UserWarning, match="marked as a date"):
        snap = read_workbook(odd_book)
    assert len(fell_back) == 1 and b"urn:other" in fell_back[0] and b"next" in fell_back[0]
    irregular = {(c.row, c.column): c.value for c in snap["Irregular"]._cells.values()}
    assert irregular == {(1, 1): 1, (1, 2): None, (1, 3): 3, (2, 1): "next"}
