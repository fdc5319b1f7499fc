"""Python evaluation with `formulas` (hnb_xl/workbook/verify/evaluate.py): HNB_ functions registered,
Excel-shaped arguments, values by sheet/cell and by defined name."""

from __future__ import annotations

import hashlib

import pytest
from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

from hnb_xl.workbook.verify.evaluate import call_udf, evaluate, to_excel_arg, udf_formula_values

SEEN = []


def hnb_sum(values, extra=None):
    SEEN.append((values, extra))
    return sum(x for row in values for x in row if x is not None) + (extra or 0)


FUNCTIONS = {"HNB_SUM": hnb_sum, "HNB_TABLE": lambda x: [["label", "value"], ["x", x]]}


@pytest.fixture()
def workbook(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Inputs"
    ws["B1"], ws["B2"], ws["C1"] = 450000, 3, 1           # C2 empty
    calc = wb.create_sheet("My Calc")
    calc["A1"] = "=Inputs!B1*Inputs!B2"                    # 1,350,000
    calc["A2"] = "=HNB_SUM(Inputs!B1:C2,Pot)"              # 450,000+1+3 + 450,000 = 900,004
    calc["A3"] = '=IFERROR(HNB_SUM(Inputs!B1:C2),"UDFs not loaded")'   # 450,004
    calc["A4"] = "=A2-A3-Pot"                              # 0
    calc["C1"] = ArrayFormula("C1:D2", "=HNB_TABLE(A1)")
    calc["E1"] = "=D2/1000"                                # 1,350
    wb.defined_names["Pot"] = DefinedName("Pot", attr_text="Inputs!$B$1")
    path = tmp_path / "eval.xlsx"
    wb.save(path)
    return path


def test_native_udf_and_spilled_cells(workbook):
    SEEN.clear()
    e = evaluate(workbook, functions=FUNCTIONS)
    assert e["My Calc", "A1"] == pytest.approx(1_350_000)
    assert e["My Calc", "A2"] == pytest.approx(900_004)
    assert e["My Calc", "A3"] == pytest.approx(450_004)
    assert e["My Calc", "A4"] == pytest.approx(0)
    assert [e["My Calc", c] for c in ("C1", "D1", "C2", "D2")] == ["label", "value", "x", pytest.approx(1_350_000)]
    assert e["My Calc", "E1"] == pytest.approx(1350)
    assert e.names["Pot"] == 450000
    # ranges arrive as rows of floats with None for the empty cell, one cell as a scalar
    assert ([[450000.0, 1.0], [3.0, None]], 450000.0) in SEEN


def test_edits(workbook):
    e = evaluate(workbook, functions=FUNCTIONS, edits={("Inputs", "B2"): 4})
    assert e["My Calc", "A1"] == pytest.approx(1_800_000)
    assert e["My Calc", "A2"] == pytest.approx(900_005)


def test_unregistered_function_gives_name_error(workbook):
    e = evaluate(workbook, functions={"HNB_SUM": hnb_sum})   # HNB_TABLE missing
    assert e["My Calc", "A2"] == pytest.approx(900_004)
    assert e["My Calc", "E1"] == "#NAME?"


def test_file_is_only_read(workbook):
    before = hashlib.sha256(workbook.read_bytes()).hexdigest()
    evaluate(workbook, functions=FUNCTIONS)
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("value,expected", [
    pytest.param([[1, None], ["a", 2.5]], [[1.0, None], ["a", 2.5]], id="rows"),
    pytest.param([[7]], 7.0, id="one-cell-is-scalar"),
    pytest.param(3, 3.0, id="int-to-float"),
    pytest.param("", None, id="blank"),
])
def test_to_excel_arg(value, expected):
    assert to_excel_arg(value) == expected


def test_call_udf_rows_and_blanks():
    assert call_udf({"HNB_T": lambda: [[1, None]]}, "hnb_t", []) == [[1, ""]]


def test_udf_formula_values_for_the_libreoffice_copy(workbook):
    from openpyxl import load_workbook
    wb = load_workbook(workbook)
    cells = [("My Calc", 2, 1, "=HNB_SUM(Inputs!B1:C2,Pot)", None),
             ("My Calc", 3, 1, '=IFERROR(HNB_SUM(Inputs!B1:C2),"UDFs not loaded")', None),
             ("My Calc", 5, 1, '=HNB_SUM(Inputs!B1:B2,-2)', None)]
    out = udf_formula_values(wb, cells, functions=FUNCTIONS)
    assert list(out.values()) == [900_004, 450_004, 450_001]
    with pytest.raises(NotImplementedError, match="My Calc!A6"):
        udf_formula_values(wb, [("My Calc", 6, 1, "=1+HNB_SUM(Inputs!B1)", None)], functions=FUNCTIONS)
