"""hnb_xl.workbook.refresh.load: a refresh's load keeps each merged range's cells as the file has them,
and a workbook saved after it is the workbook saved after openpyxl's own load, part for part."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Border, Side
from openpyxl.worksheet._reader import WorksheetReader

from hnb_xl.workbook.refresh import load as refresh_load
from tests.support import make_workbook

COMMITTED = Path(__file__).resolve().parents[1] / "workbook" / "HNB_Model.xlsm"
THIN = Side(style="thin", color="FF0000")


def _merged_book(path: Path) -> Path:
    """Two merged ranges: one whose cells all carry a box (as openpyxl writes them), one with only
    its top-left cell in the file (as Excel writes an unstyled range), and a value under a range."""
    wb = Workbook()
    ws = wb.active
    ws["B2"] = "Basis text long enough to wrap across the merged columns"
    for row in ws["B2:E3"]:
        for c in row:
            c.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    ws.merge_cells("B2:E3")
    ws["G5"] = "second"
    ws.merge_cells("G5:H5")
    ws["B6"] = 42
    wb.save(path)
    return path


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        # docProps/core.xml carries the time of the save
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("which", [
    pytest.param("committed", id="bundled-workbook-97-merged-ranges"),
    pytest.param("merged", id="small-book-merged-with-and-without-inner-cells"),
    pytest.param("plain", id="xlwings-template-book-no-merged-ranges"),
])
def test_a_save_after_the_refresh_load_equals_a_save_after_openpyxls(tmp_path, which):
    src = {"committed": lambda: COMMITTED, "merged": lambda: _merged_book(tmp_path / "merged.xlsx"),
           "plain": lambda: make_workbook(tmp_path / "plain.xlsm")}[which]()
    keep_vba = src.suffix == ".xlsm"
    load_workbook(src, keep_vba=keep_vba).save(tmp_path / f"theirs{src.suffix}")
    refresh_load.load(src, keep_vba=keep_vba).save(tmp_path / f"ours{src.suffix}")
    theirs, ours = _parts(tmp_path / f"theirs{src.suffix}"), _parts(tmp_path / f"ours{src.suffix}")
    assert sorted(ours) == sorted(theirs)
    assert [n for n in theirs if ours[n] != theirs[n]] == []
    a, b = load_workbook(src, keep_vba=keep_vba), refresh_load.load(src, keep_vba=keep_vba)
    assert [(ws.title, ws.max_row, ws.max_column) for ws in b] == [(ws.title, ws.max_row, ws.max_column) for ws in a]


def test_the_merged_ranges_are_kept_and_their_cells_left_as_read(tmp_path):
    wb = refresh_load.load(_merged_book(tmp_path / "merged.xlsx"), keep_vba=False)
    ws = wb.active
    assert sorted(str(r) for r in ws.merged_cells.ranges) == ["B2:E3", "G5:H5"]
    assert type(ws["C3"]).__name__ == "Cell" and ws["C3"].border.bottom.style == "thin"
    assert type(ws["H5"]).__name__ == "MergedCell"      # not in the file: made as openpyxl makes it
    assert ws["B2"].value.startswith("Basis") and ws["B6"].value == 42
    # openpyxl's own load makes them merged cells
    assert type(load_workbook(tmp_path / "merged.xlsx").active["C3"]).__name__ == "MergedCell"


def test_openpyxls_reader_is_put_back_after_a_load_that_fails(tmp_path):
    before = WorksheetReader.bind_merged_cells
    bad = tmp_path / "not.xlsx"
    bad.write_bytes(b"PK\x05\x06" + b"\0" * 18)       # an empty zip: no workbook inside
    with pytest.raises(Exception):
        refresh_load.load(bad, keep_vba=False)
    assert WorksheetReader.bind_merged_cells is before
    refresh_load.load(_merged_book(tmp_path / "merged.xlsx"), keep_vba=False)
    assert WorksheetReader.bind_merged_cells is before
    assert type(load_workbook(tmp_path / "merged.xlsx").active["C3"]).__name__ == "MergedCell"
