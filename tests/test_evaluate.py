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


# --------------------------------------------------------------------------------------------
# one compile per R1C1 shape (hnb_xl/workbook/verify/formulas_reuse.py)

SHAPE_ROWS = (8, 9, 10, 11)    # 9 -> 10: 'DATA!A10' sorts before 'DATA!A9', so the pipe's inputs reorder


@pytest.fixture()
def shapes_workbook(tmp_path):
    wb = Workbook()
    data = wb.active
    data.title = "Data"
    for r in range(1, 13):
        data[f"A{r}"], data[f"B{r}"] = r, 10 * r
    data["C1"] = 2
    calc = wb.create_sheet("Calc")
    calc["E7"] = 1
    for col in "FGHI":                                                  # filled across
        prev = chr(ord(col) - 1)
        calc[f"{col}7"] = f"={prev}7+Data!$C$1"
    for r in SHAPE_ROWS:                                                # filled down
        calc[f"A{r}"] = f"=10*Data!A{r}-Data!A{r + 1}"                  # relative, cross-sheet
        calc[f"B{r}"] = f"=$A{r}*Data!B$1+Data!$C$1"                    # mixed $A1 / A$1, absolute
        calc[f"C{r}"] = f"=SUMPRODUCT((Data!$A$1:$A$12>Data!A{r})*Data!$B$1:$B$12)"
        calc[f"D{r}"] = f"=IF(A{r}>Pot,A{r}-Pot,Pot)"                   # a defined name, an IF
        calc[f"F{r}"] = "=ROW()*2"                                      # the cell's own position
        calc[f"G{r}"] = "=Data!$A$1+Data!$A$2"
    wb.defined_names["Pot"] = DefinedName("Pot", attr_text="Data!$B$9")
    path = tmp_path / "shapes.xlsx"
    wb.save(path)
    return path


def _expected_shapes():
    """The sheet's values by plain arithmetic: Data!A r = r, Data!B r = 10r, Data!C1 = 2, Pot = 90."""
    out = {"F7": 3, "G7": 5, "H7": 7, "I7": 9}
    for r in SHAPE_ROWS:
        a = 10 * r - (r + 1)
        out[f"A{r}"] = a
        out[f"B{r}"] = a * 10 + 2
        out[f"C{r}"] = sum(10 * k for k in range(r + 1, 13))
        out[f"D{r}"] = a - 90 if a > 90 else 90
        out[f"F{r}"] = 2 * r
        out[f"G{r}"] = 3
    return out


def test_shape_reuse_gives_each_cell_its_own_values(shapes_workbook):
    e = evaluate(shapes_workbook, functions=FUNCTIONS)
    expected = _expected_shapes()
    assert expected["A9"] == 80 and expected["D11"] == 8 and expected["C9"] == 330   # rows checked by hand
    assert {c: e["Calc", c] for c in expected} == pytest.approx(expected)
    # 7 shapes, 28 formulas: the ROW() shape is refused (its 4 cells compiled one by one), the others
    # compiled once and reused for their other cells
    assert e.formula_cells == 28
    assert e.shapes_compiled == 6 + 4
    assert e.cells_reused == 28 - 10
    assert sum(e.refused.values()) == 4 and all("position" in reason for reason in e.refused)


def test_shape_reuse_equals_the_plain_compile(shapes_workbook):
    fast = evaluate(shapes_workbook, functions=FUNCTIONS)
    plain = evaluate(shapes_workbook, functions=FUNCTIONS, reuse=False)
    assert fast.values == plain.values and fast.names == plain.names
    assert plain.shapes_compiled is None


def test_shared_pipes_called_step_by_step_equal_their_own_call(shapes_workbook):
    # hnb_xl/workbook/verify/formulas_pipes.py: the pipes of the 6 reused shapes and of the 4 ROW()
    # cells compiled one by one are called step by step
    straight = evaluate(shapes_workbook, functions=FUNCTIONS)
    dispatched = evaluate(shapes_workbook, functions=FUNCTIONS, straight=False)
    assert straight.values == dispatched.values and straight.names == dispatched.names
    assert straight.pipes.straightened == 6 + 4 and not straight.pipes.refused and not straight.pipes.fallbacks
    assert dispatched.pipes is None
    assert {c: straight["Calc", c] for c in _expected_shapes()} == pytest.approx(_expected_shapes())


@pytest.mark.parametrize("straight", [True, False], ids=["pipes-step-by-step", "pipes-as-formulas-calls-them"])
def test_circular_references_are_refused_with_pipes_called_step_by_step(tmp_path, straight):
    # formulas' cycle check reads each cell's pipe graph from the cell's function, which a pipe called
    # step by step no longer is; one formula, so no cell is reused and only the straight pipe counts
    from hnb_xl.workbook.verify.formulas_reuse import reusing_model_class
    wb = Workbook()
    wb.active.title = "Data"
    wb["Data"]["A1"], wb["Data"]["B1"] = 21, "=A1*2"
    path = tmp_path / "one.xlsx"
    wb.save(path)
    model = reusing_model_class(straight)().loads(str(path))
    assert model.reuse.cells_reused == 0
    if straight:
        with pytest.raises(NotImplementedError, match="solve_circular"):
            model.finish(circular=True)
    else:
        model.finish(circular=True)
        assert model.calculate()["'[one.xlsx]DATA'!B1"].value[0, 0] == 42


def test_shape_reuse_off_for_another_formulas_version(shapes_workbook, monkeypatch):
    from hnb_xl.workbook.verify import formulas_reuse
    monkeypatch.setattr(formulas_reuse, "FORMULAS_VERSION", "0.0.0")
    with pytest.warns(RuntimeWarning, match="shape reuse disabled"):
        e = evaluate(shapes_workbook, functions=FUNCTIONS)
    assert e.cells_reused == 0
    assert {c: e["Calc", c] for c in _expected_shapes()} == pytest.approx(_expected_shapes())


@pytest.mark.parametrize("a,b,same", [
    pytest.param(("=A1+$B$1", 2, 3), ("=A2+$B$1", 3, 3), True, id="filled-down"),
    pytest.param(("=A1+$B$1", 2, 3), ("=B1+$B$1", 2, 4), True, id="filled-across"),
    pytest.param(("=$A1+A$1", 2, 3), ("=$A2+B$1", 3, 4), True, id="mixed"),
    pytest.param(("=A1+$B$1", 2, 3), ("=A1+$B$1", 3, 3), False, id="same-text-other-row"),
    pytest.param(("=SUM(A1:A9)", 10, 1), ("=SUM(A2:A10)", 11, 1), True, id="range"),
    pytest.param(("=Pot*A1", 2, 1), ("=Pots*A2", 3, 1), False, id="other-name"),
    pytest.param(("=Pot*A1", 2, 1), ("=Pot*B1", 2, 2), True, id="name-across"),
    pytest.param(("=Pot*A1", 2, 1), ("=Pou*B1", 2, 2), False, id="other-name-across"),
])
def test_shape_key(a, b, same):
    from hnb_xl.workbook.verify.formulas_reuse import shape_key
    assert (shape_key(*a)[0] == shape_key(*b)[0]) is same


@pytest.mark.parametrize("above,below,dr,dc,refs", [
    pytest.param("=A9+$B$1*C$2", "=A10+$B$1*C$2", 1, 0, ["A10", "$B$1", "C$2"], id="down-9-to-10"),
    pytest.param("=SUM(Data!E5:E9)+Pot", "=SUM(Data!F5:F9)+Pot", 0, 1, ["Data!F5:F9", "Pot"], id="across"),
    pytest.param("=A9+1", "=A10+2", 1, 0, None, id="other-constant"),
    pytest.param("=A9+1", "=A9+1", 1, 0, None, id="same-text-is-no-fill"),
])
def test_predicted_fill(above, below, dr, dc, refs):
    from hnb_xl.workbook.verify.formulas_reuse import predicted, shape_key
    _, their_refs, pieces = shape_key(above, 9, 5)
    assert predicted(below, their_refs, pieces, dr, dc) == refs
    if refs is not None:     # a predicted cell has the shape its own tokens give
        assert shape_key(below, 9 + dr, 5 + dc)[0] == shape_key(above, 9, 5)[0]
