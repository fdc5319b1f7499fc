"""tests.support.read_book: the workbook a test only reads, loaded once a worker per file content,
and refused when a test has changed it (so a test that changes the shared copy cannot pass on
another's changes)."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import Workbook

from tests.support import read_book


@pytest.fixture()
def small(tmp_path, request):
    """A workbook of its own bytes for each test (the test's name is in it)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Inputs"
    ws["A1"], ws["B2"], ws["D1"] = "School", 123.5, request.node.name
    path = tmp_path / "small.xlsx"
    wb.save(path)
    return path


def test_the_same_bytes_give_the_same_workbook_and_other_bytes_another(small, tmp_path):
    copy = tmp_path / "copy.xlsx"
    shutil.copyfile(small, copy)
    first = read_book(small)
    assert read_book(copy) is first                 # the content, not the path, is the key
    assert read_book(small, keep_vba=True) is not first
    first["Inputs"]["C2"].value                     # reading a blank cell inside the sheet changes nothing
    assert read_book(small) is first
    other = tmp_path / "other.xlsx"
    wb = Workbook()
    wb.active["A1"] = "School"
    wb.save(other)
    assert read_book(other)["Sheet"]["A1"].value == "School"


@pytest.mark.parametrize("change", [
    pytest.param(lambda ws: setattr(ws["B2"], "value", 124), id="a-value-changed"),
    pytest.param(lambda ws: setattr(ws["A1"], "value", None), id="a-value-cleared"),
    pytest.param(lambda ws: ws.cell(ws.max_row + 1, 1), id="a-cell-read-below-the-last-row"),
])
def test_a_changed_shared_workbook_is_refused_when_handed_out_again(small, change):
    change(read_book(small)["Inputs"])
    with pytest.raises(AssertionError, match="changed the shared read_book of small.xlsx"):
        read_book(small)
