"""LibreOffice recalculation of a copy (hnb_xl/workbook/verify/recalc.py) on small workbooks built here.
Expected values are independent arithmetic written in the tests."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

from hnb_xl.errors import HnbInputError
from hnb_xl.workbook.verify import evaluate as evaluate_mod
from hnb_xl.workbook.verify.recalc import LibreOffice, LibreOfficeError, recalculate

pytestmark = pytest.mark.libreoffice


def small_workbook(path):
    """Inputs: pot £450,000 in B1 (name Pot), rate 0.5% in B2; Calc: pot x rate, plus pot, one
    unknown function; Out: a two-cell defined name."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Inputs"
    ws["B1"], ws["B2"] = 450000, 0.005
    calc = wb.create_sheet("Calc sheet")
    calc["A1"] = "=Inputs!B1*Inputs!B2"
    calc["A2"] = "=A1+Pot"
    calc["A3"] = "=NOSUCHFUNCTION(A1)"
    wb.defined_names["Pot"] = DefinedName("Pot", attr_text="Inputs!$B$1")
    wb.defined_names["Out"] = DefinedName("Out", attr_text="'Calc sheet'!$A$1:$A$2")
    wb.save(path)
    return path


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_values_by_cell_and_by_name(tmp_path, libreoffice):
    path = small_workbook(tmp_path / "small.xlsx")
    r = recalculate(path, office=libreoffice, udfs=False)
    assert r["Calc sheet", "A1"] == pytest.approx(2250)        # 450,000 x 0.005
    assert r["Calc sheet", "A2"] == pytest.approx(452250)
    assert r["Calc sheet", "A3"] == "#NAME?"
    assert r.names["Pot"] == 450000
    assert r.names["Out"] == [[pytest.approx(2250)], [pytest.approx(452250)]]
    assert r.area("Calc sheet", "A1:A2") == r.names["Out"]


@pytest.mark.parametrize("edits,expected_a2", [
    pytest.param({("Inputs", "B1"): 100000}, 100500, id="edit-by-cell"),
    pytest.param({"Pot": 200000}, 201000, id="edit-by-defined-name"),
    pytest.param({("Inputs", "B2"): 0.01}, 454500, id="edit-rate"),
])
def test_edits_move_results(tmp_path, libreoffice, edits, expected_a2):
    path = small_workbook(tmp_path / "small.xlsx")
    before = digest(path)
    r = recalculate(path, office=libreoffice, udfs=False, edits=edits)
    assert r["Calc sheet", "A2"] == pytest.approx(expected_a2)
    assert digest(path) == before  # the original is never touched


def test_unknown_defined_name_edit_is_an_input_error(tmp_path, libreoffice):
    path = small_workbook(tmp_path / "small.xlsx")
    with pytest.raises(HnbInputError, match="Pott"):
        recalculate(path, office=libreoffice, udfs=False, edits={"Pott": 1})


def _stale_copy(tmp_path, libreoffice):
    """A workbook WITH cached values (as Excel saves them) whose input was then changed in the XML
    without updating the cached results: B1 450000 -> 1000 while A1 still caches 2250."""
    path = small_workbook(tmp_path / "small.xlsx")
    cached = libreoffice.convert(path, tmp_path / "cached")
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(cached) as zin, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                new = re.sub(r'(<c r="B1"[^>]*><v>)450000(</v>)', r"\g<1>1000\g<2>", text)
                assert new != text
                data = new.encode()
            zout.writestr(item, data)
    return stale


def test_stale_cached_values_are_recalculated(tmp_path, libreoffice):
    stale = _stale_copy(tmp_path, libreoffice)
    r = recalculate(stale, office=libreoffice, udfs=False)
    assert r["Inputs", "B1"] == 1000
    assert r["Calc sheet", "A1"] == pytest.approx(5)      # 1,000 x 0.005, not the cached 2,250


def test_without_recalc_setting_libreoffice_keeps_stale_values(tmp_path, libreoffice, soffice):
    """Control for the test above: a profile without OOXMLRecalcMode=0 returns the stale cache,
    which is why every per-call profile here sets it (the UNO route calls calculateAll instead)."""
    stale = _stale_copy(tmp_path, libreoffice)
    profile = tmp_path / "plain_profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry"/>')
    plain = LibreOffice(soffice, profile=profile)
    r = recalculate(stale, office=plain, udfs=False)
    assert r["Calc sheet", "A1"] == pytest.approx(2250)


def test_udf_values_are_written_and_their_dependents_recalculated(tmp_path, libreoffice, monkeypatch):
    """HNB_ cells get their Python values; a cell reading them is computed by LibreOffice.
    HNB_TWICE's argument is a formula cell, so a first LibreOffice pass supplies it."""
    functions = {"HNB_TWICE": lambda x: 2 * x, "HNB_TABLE": lambda pot: [["year", "pot"], ["2022-23", pot]]}
    monkeypatch.setattr(evaluate_mod, "udf_functions", lambda: functions)
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = 21
    ws["A2"] = "=A1+1"                      # 22
    ws["B1"] = "=HNB_TWICE(A2)"             # 44 (from Python)
    ws["B2"] = "=B1-2*A2"                   # 0 when the UDF agrees with native arithmetic
    ws["C1"] = ArrayFormula("C1:D2", "=HNB_TABLE(A1)")
    ws["E1"] = "=D2*10"                      # 210: reads the spilled table
    ws["F1"] = '=IFERROR(HNB_TWICE(A1),"UDFs not loaded")'
    path = tmp_path / "udf.xlsx"
    wb.save(path)
    r = recalculate(path, office=libreoffice)
    assert r["S", "B1"] == 44 and r["S", "B2"] == 0
    assert r.area("S", "C1:D2") == [["year", "pot"], ["2022-23", 21]]
    assert r["S", "E1"] == 210
    assert r["S", "F1"] == 42
    assert set(r.udf_cells) == {("S", "B1"), ("S", "C1"), ("S", "F1")}


def test_xlsm_copy_keeps_original_bytes(tmp_path, libreoffice):
    """An .xlsm with a VBA part: recalculated from a copy; the original's bytes never change."""
    import openpyxl
    template = next(iter(__import__("pathlib").Path(__import__("xlwings").__file__).parent.rglob(
        "quickstart_standalone.xlsm")), None)
    assert template is not None, "xlwings' quickstart_standalone.xlsm not found"
    wb = openpyxl.load_workbook(template, keep_vba=True)
    wb.active["A1"] = 6
    wb.active["A2"] = "=A1*7"
    path = tmp_path / "macro.xlsm"
    wb.save(path)
    before = digest(path)
    r = recalculate(path, office=libreoffice, udfs=False)
    assert r[wb.active.title, "A2"] == 42
    assert digest(path) == before


def test_missing_file(tmp_path, libreoffice):
    with pytest.raises(HnbInputError, match="no such file"):
        recalculate(tmp_path / "nope.xlsm", office=libreoffice)


def test_no_soffice_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HNB_SOFFICE", "")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(LibreOfficeError, match="not installed"):
        LibreOffice()


@pytest.mark.parametrize("formula, calls", [
    pytest.param('=IFERROR(HNB_DEFICIT(A1,B1:C3),"UDFs not loaded")', True, id="iferror-call"),
    pytest.param("=hnb_transfer(A1,B1)", True, id="lower-case-call"),
    pytest.param('="computed by hnb_xl/engine/sensitivity.py at "&A1', False, id="hnb-in-text-is-no-call"),
    pytest.param('=IF(A1="HNB_DEFICIT(1)",1,0)', False, id="call-spelled-in-a-string-is-no-call"),
    pytest.param("=SUM(HNB_Range)", False, id="defined-name-starting-hnb-is-no-call"),
])
def test_only_a_call_of_an_hnb_function_is_computed_in_python(formula, calls):
    """The recalculation writes Python values only for cells that call an HNB_ function; a note
    that names hnb_xl's files in its text is an ordinary formula for LibreOffice."""
    from hnb_xl.workbook.verify.recalc import _udf_cells
    wb = Workbook()
    wb.active["D4"] = formula
    assert bool(_udf_cells(wb)) is calls


ERRORS = {  # formula -> what Excel shows (Microsoft's error values: #DIV/0!, #N/A, #NAME?, #VALUE!)
    "=1/0": "#DIV/0!", "=NA()": "#N/A", "=NOSUCHFUNCTION(1)": "#NAME?",
    '=1+"x"': "#VALUE!", "=IFERROR(1/0,7)": 7, '=IF(1=1,"","x")': None, "=2.5*2": 5, "=0.1+0.2": 0.3,
}


def _same(a, b) -> bool:
    """Equal, numbers to 1e-12 relative: the xlsx stores 15 significant digits, UNO the double."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == pytest.approx(b, rel=1e-12)
    return a == b


def test_the_kept_running_route_reads_values_as_the_file_route(tmp_path, libreoffice, soffice):
    """recalculate through a LibreOffice kept running reads values through UNO, with no file
    stored; it must read every cell as the --convert-to route's xlsx read by openpyxl: errors as
    their text, whole numbers as numbers, an empty text result as no value; and an edit and an
    HNB_ cell's value (a spilled area padded with #N/A) set through UNO as openpyxl sets them."""
    if not getattr(libreoffice, "live", False):
        pytest.fail("the tests' LibreOffice is not kept running through UNO: apt-get install python3-uno")
    path = tmp_path / "errors.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Calc"
    for i, formula in enumerate(ERRORS, start=1):
        ws.cell(i, 1, formula)
    ws["C1"], ws["C2"] = 4, "=C1*2"
    wb.save(path)
    by_file = LibreOffice(soffice, profile=tmp_path / "profile")
    try:
        for edits in (None, {("Calc", "C1"): 10}):
            live, file = (recalculate(path, edits=edits, office=o) for o in (libreoffice, by_file))
            assert live.values.keys() == file.values.keys()
            for sheet, cells in file.values.items():
                assert cells.keys() == live.values[sheet].keys()
                assert all(_same(live.values[sheet][k], v) for k, v in cells.items()), sheet
            got = [live["Calc", f"A{i}"] for i in range(1, len(ERRORS) + 1)]
            assert all(_same(g, e) for g, e in zip(got, ERRORS.values())), got
            assert live["Calc", "C2"] == (20 if edits else 8)
    finally:
        by_file.close()
