"""Static checks (hnb-xl check) on small workbooks built here with openpyxl, each with one planted
error; the bundled workbook's own check is in tests/test_workbook_agreement.py."""

from __future__ import annotations

import hashlib
import json
from collections import namedtuple

import pytest
from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName

from hnb_xl import cli
from hnb_xl.workbook.verify import check as check_mod
from hnb_xl.workbook.verify.check import Policy, check, r1c1

Spec = namedtuple("Spec", "name min_args max_args")
SPEC = {"HNB_GROWTH": Spec("HNB_GROWTH", 1, 1), "HNB_DEFICIT": Spec("HNB_DEFICIT", 0, 3),
        "HNB_VERSION": Spec("HNB_VERSION", 0, 0)}
POLICY = Policy(calculation_sheets=frozenset({"Calc"}), allowed_constants=frozenset({0.0, 1.0}), functions=SPEC)


def clean_workbook():
    """Inputs (pot, cost per EHCP, growth by year, base EHCPs), Calc (one formula per row), Checks."""
    wb = Workbook()
    inputs = wb.active
    inputs.title = "Inputs"
    inputs["A1"], inputs["B1"] = "Pot (£)", 450000
    inputs["A2"], inputs["B2"] = "Cost per EHCP (£)", 6000
    inputs["A4"] = "EHCP growth"
    for col, g in zip("EFGH", [0.1, 0.1, 0.05, 0.05]):
        inputs[f"{col}4"] = g
    inputs["D5"] = 100
    wb.defined_names["Pot"] = DefinedName("Pot", attr_text="Inputs!$B$1")
    wb.defined_names["CostPerEhcp"] = DefinedName("CostPerEhcp", attr_text="Inputs!$B$2")
    calc = wb.create_sheet("Calc")
    calc["D5"] = "=Inputs!D5"
    for prev, col in zip("DEFG", "EFGH"):
        calc[f"{col}5"] = f"={prev}5*(1+Inputs!{col}4)"
        calc[f"{col}6"] = f"={col}5*CostPerEhcp"
    calc["B8"] = "=SUM(E6:H6)"
    calc["B9"] = "=HNB_GROWTH(E5:H5)"
    calc["B10"] = "=HNB_DEFICIT()"
    calc["B11"] = '=IFERROR(HNB_DEFICIT("2025-26"),"UDFs not loaded")'
    calc["B12"] = "=HNB_VERSION()"
    checks = wb.create_sheet("Checks")
    checks["B1"] = "=IF(Calc!B8>=Pot,1,0)"
    checks["B2"] = "=MIN(B1:B1)"
    return wb


def save(wb, tmp_path, name="model.xlsx"):
    path = tmp_path / name
    wb.save(path)
    return path


def test_clean_workbook_has_no_findings(tmp_path):
    assert check(save(clean_workbook(), tmp_path), POLICY) == []


def _set(sheet, cell, value):
    def plant(wb):
        wb[sheet][cell] = value
    return plant


PLANTED = [
    pytest.param(_set("Calc", "B8", "=SUMM(E6:H6)"), ("Calc", "B8", "unknown-function"), id="unknown-function"),
    pytest.param(_set("Calc", "B8", "=SUM(E6:H6)+#REF!"), ("Calc", "B8", "error-literal"), id="ref-error"),
    pytest.param(_set("Checks", "B1", "=IF(Calc!B8>=Inputs!#REF!,1,0)"), ("Checks", "B1", "error-literal"),
                 id="ref-error-in-sheet-reference"),
    pytest.param(_set("Checks", "B1", "=IF(Calc!B8>=#N/A,1,0)"), ("Checks", "B1", "error-literal"), id="na-literal"),
    pytest.param(_set("Calc", "B8", "=SUM(E6:H6)*Pott"), ("Calc", "B8", "missing-name"), id="missing-defined-name"),
    pytest.param(_set("Calc", "B8", "=SUM(E6:H6)*1.05"), ("Calc", "B8", "constant"), id="hard-coded-number"),
    pytest.param(_set("Calc", "B8", "=SUM(E6:H6)*5%"), ("Calc", "B8", "constant"), id="hard-coded-percentage"),
    pytest.param(_set("Calc", "F5", "=E5*(1+Inputs!E4)"), ("Calc", "F5", "row-pattern"), id="row-pattern-break"),
    pytest.param(_set("Calc", "F6", "=F5*Pot"), ("Calc", "F6", "row-pattern"), id="row-pattern-other-name"),
    pytest.param(_set("Calc", "B9", "=HNB_GROWTH(E5:H5,E6:H6)"), ("Calc", "B9", "udf-arity"), id="udf-too-many-args"),
    pytest.param(_set("Calc", "B9", "=HNB_GROWTH()"), ("Calc", "B9", "udf-arity"), id="udf-too-few-args"),
    pytest.param(_set("Calc", "B12", "=HNB_VERSION(,)"), ("Calc", "B12", "udf-arity"), id="udf-empty-args-count"),
    pytest.param(_set("Calc", "B9", "=HNB_GROWHT(E5:H5)"), ("Calc", "B9", "unknown-udf"), id="udf-unknown-name"),
    pytest.param(_set("Checks", "B1", "=IF(Calc!B8>=Inputz!B1,1,0)"), ("Checks", "B1", "missing-sheet"),
                 id="missing-sheet"),
    pytest.param(_set("Checks", "B1", "=IF(Calc!B8>='Old inputs'!B1,1,0)"), ("Checks", "B1", "missing-sheet"),
                 id="missing-quoted-sheet"),
    pytest.param(_set("Calc", "B8", "=SUM(E6:H6)*Inputs!B3"), ("Calc", "B8", "empty-reference"),
                 id="empty-input-cell"),
    pytest.param(_set("Calc", "B8", "=SUM(Inputs!J1:J9)"), ("Calc", "B8", "empty-reference"), id="empty-input-range"),
    pytest.param(_set("Calc", "B8", "=SUM(E6:H6)+B13"), ("Calc", "B8", "empty-reference"), id="empty-calc-cell"),
    pytest.param(_set("Calc", "B8", "=SUM(E6:H6)+OFFSET(E6,0,1)"), ("Calc", "B8", "volatile-function"), id="offset"),
    pytest.param(_set("Calc", "B8", "=SUM(E6:H6)+[1]Inputs!B1"), ("Calc", "B8", "external-link"), id="external-link"),
]


@pytest.mark.parametrize("plant,expected", PLANTED)
def test_planted_error_is_found(tmp_path, plant, expected):
    wb = clean_workbook()
    plant(wb)
    found = {(f.sheet, f.cell, f.code) for f in check(save(wb, tmp_path), POLICY)}
    assert expected in found
    # nothing else is reported anywhere else
    assert {(s, c) for s, c, _ in found} == {expected[:2]}


def test_circular_reference_two_cells(tmp_path):
    wb = clean_workbook()
    wb["Calc"]["B8"] = "=SUM(E6:H6)+B13"
    wb["Calc"]["B13"] = "=B8"
    found = [f for f in check(save(wb, tmp_path), POLICY) if f.code == "circular"]
    assert len(found) == 1
    assert (found[0].sheet, found[0].cell) == ("Calc", "B8")
    assert "Calc!B13" in found[0].message


def test_circular_reference_through_a_range_and_another_sheet(tmp_path):
    wb = clean_workbook()
    wb["Calc"]["H6"] = "=H5*CostPerEhcp+Checks!B2"  # Checks!B2 = MIN(B1:B1), B1 reads Calc!B8 = SUM(E6:H6)
    found = [f for f in check(save(wb, tmp_path), POLICY) if f.code == "circular"]
    assert len(found) == 1
    assert "4 cell(s)" in found[0].message


def test_self_reference_in_own_range(tmp_path):
    wb = clean_workbook()
    wb["Calc"]["B8"] = "=SUM(B7:B9)"
    found = {(f.cell, f.code) for f in check(save(wb, tmp_path), POLICY)}
    assert ("B8", "circular") in found


def test_no_cycle_in_long_chain(tmp_path):
    """A 5,000-step chain is deep but acyclic (the cycle search must not recurse)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Calc"
    ws["A1"] = 1
    for r in range(2, 5002):
        ws[f"A{r}"] = f"=A{r - 1}+A$1"
    assert [f for f in check(save(wb, tmp_path), POLICY) if f.code == "circular"] == []


def test_constants_allowed_off_calculation_sheets_and_zero_one_on_them(tmp_path):
    wb = clean_workbook()
    wb["Checks"]["B3"] = "=IF(ABS(Calc!B8-Pot)<=0.5,1,0)"
    wb["Calc"]["B13"] = "=ROUND(B8,0)*1"
    assert check(save(wb, tmp_path), POLICY) == []


def test_one_line_per_finding_names_sheet_and_cell(tmp_path):
    wb = clean_workbook()
    wb["Calc"]["B8"] = "=SUMM(E6:H6)*7"
    lines = [f.line() for f in check(save(wb, tmp_path), POLICY)]
    assert lines == ["Calc!B8: constant: number 7 written into a calculation: make it an input",
                     "Calc!B8: unknown-function: unknown function SUMM"]


@pytest.mark.parametrize("formula,row,col,expected", [
    pytest.param("=D5*(1+Inputs!E4)", 5, 5, "=R[0]C[-1]*(1+'Inputs'!R[-1]C[0])", id="relative"),
    pytest.param("=$D$5+D$5+$D5", 6, 6, "=R5C4+R5C[-2]+R[-1]C4", id="absolute-mixed"),
    pytest.param("=SUM(E6:H6)", 8, 2, "=SUM(R[-2]C[3]:R[-2]C[6])", id="area"),
    pytest.param("=SUM(A:A)+Pot", 1, 2, "=SUM(C[-1]:C[-1])+Pot", id="column-and-name"),
])
def test_r1c1(formula, row, col, expected):
    assert r1c1(formula, row, col) == expected


def test_r1c1_same_for_copied_formula():
    assert r1c1("=E5*CostPerEhcp", 6, 5) == r1c1("=F5*CostPerEhcp", 6, 6)
    assert r1c1("=E5*CostPerEhcp", 6, 5) != r1c1("=E5*CostPerEhcp", 6, 6)


# ---- the command ---------------------------------------------------------------------------


@pytest.fixture()
def stub_policy(monkeypatch):
    monkeypatch.setattr(check_mod, "default_policy", lambda: POLICY)


def test_cli_clean_exits_0(tmp_path, capsys, stub_policy):
    path = save(clean_workbook(), tmp_path)
    assert cli.main(["check", str(path)]) == 0
    assert "no findings" in capsys.readouterr().out


def test_cli_findings_exit_1_one_line_each(tmp_path, capsys, stub_policy):
    wb = clean_workbook()
    wb["Calc"]["B8"] = "=SUM(E6:H6)+#REF!"
    wb["Calc"]["B9"] = "=HNB_GROWTH(E5:H5,E6:H6)"
    path = save(wb, tmp_path)
    assert cli.main(["check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Calc!B8: error-literal:")
    assert out[1].startswith("Calc!B9: udf-arity:")
    assert out[2].endswith("2 finding(s)")


def test_cli_json(tmp_path, capsys, stub_policy):
    wb = clean_workbook()
    wb["Checks"]["B1"] = "=IF(Calc!B8>=Inputz!B1,1,0)"
    path = save(wb, tmp_path)
    assert cli.main(["check", str(path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [(f["sheet"], f["cell"], f["code"], f["where"]) for f in data["findings"]] == \
        [("Checks", "B1", "missing-sheet", "Checks!B1")]


@pytest.mark.parametrize("content,name", [
    pytest.param(b"not a zip file", "broken.xlsm", id="not-a-zip"),
    pytest.param(None, "missing.xlsm", id="missing-file"),
])
def test_cli_unreadable_exits_2(tmp_path, capsys, content, name):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert cli.main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and name in err and "Traceback" not in err


def test_check_never_writes_the_file(tmp_path, stub_policy):
    path = save(clean_workbook(), tmp_path)
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    check(path)
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before


@pytest.mark.parametrize("formula,code", [
    pytest.param("=HNB_DEFICIT(A1,A1:A2,A1:A2,A1)", "udf-arity", id="deficit-four-args"),
    pytest.param("=HNB_GROWTH()", "udf-arity", id="growth-no-args"),
    pytest.param("=HNB_DEFICITS()", "unknown-udf", id="misspelt"),
])
def test_real_function_spec(tmp_path, formula, code):
    """Arity and names from hnb_xl.excel.spec (Policy.functions=None reads the real spec)."""
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["A2"] = 2025, 1
    ws["B1"] = formula
    policy = Policy(calculation_sheets=frozenset(), functions=None)
    assert [(f.cell, f.code) for f in check(save(wb, tmp_path), policy)] == [("B1", code)]
    ws["B1"] = "=HNB_DEFICIT(A1)"
    assert check(save(wb, tmp_path, "ok.xlsx"), policy) == []


def test_each_defined_name_is_resolved_once(tmp_path, monkeypatch):
    """CostPerEhcp is read by four formulas; openpyxl tokenises a name's text on every
    ``destinations``, so the check asks once per name for the references (and once per name when it
    checks the names themselves): at most 2 calls a name, where a call per reference made 5 for it."""
    calls: list[str] = []
    real = DefinedName.destinations

    def counted(self):
        calls.append(self.name)
        return real.fget(self)
    monkeypatch.setattr(DefinedName, "destinations", property(counted))
    assert check(save(clean_workbook(), tmp_path), POLICY) == []
    assert calls.count("CostPerEhcp") <= 2 and calls.count("Pot") <= 2
