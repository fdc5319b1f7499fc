"""hnb_xl.workbook.snapshot reads what openpyxl's full load reads, cell for cell.

The expected values are openpyxl's own full load of the same file (an independent reading, with
styles and merged cells), never the snapshot's output: the bundled workbook, another council's
workbook built from its own files, and a small workbook with the kinds of cell the model's readers
meet (dates, an array formula, a shared formula, an Excel table, a sheet-local name, a styled empty
cell below the last value).
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
