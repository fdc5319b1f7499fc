"""The authority is data (issue 13 part 2): the parameters ``authority_name`` (text) and
``authority_code`` (DfE's three-digit LA code, a whole number 201..999) pass through the one reader
and validator, the Inputs sheet, the templates and the refresh like every other parameter.

Expected values: Cambridgeshire and its code 873 from the SEN2 2025 release (``old_la_code``,
../shared/data/dfe/, read here with the csv module); the code range from the same release (its
authorities' codes run 201 to 943)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hnb_xl import bundled
from hnb_xl.cli import main
from hnb_xl.errors import HnbInputError
from hnb_xl.tables.schema import PARAMETERS, to_frame
from hnb_xl.errors import raise_all
from hnb_xl.tables.validate import parameter_columns, table_problems
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.build import DEFAULT_OUTPUT

from tests.support import sha256_of, template_sources

RELEASE = Path(__file__).resolve().parents[2] / "shared" / "data" / "dfe" / "education-health-and-care-plans_2025.zip"


def _release_codes() -> dict[str, str]:
    with zipfile.ZipFile(RELEASE) as z, z.open("data/caseload.csv") as fh:
        rows = csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8-sig"))
        return {r["old_la_code"]: r["la_name"] for r in rows if r["old_la_code"].strip()}


def test_the_bundled_authority_is_cambridgeshire_873_as_dfe_codes_it():
    codes = _release_codes()
    p = bundled.parameters()
    assert p["authority_name"] == "Cambridgeshire"
    assert codes[str(int(p["authority_code"]))] == "Cambridgeshire"


def test_the_code_range_covers_every_authority_in_the_sen2_release():
    col = parameter_columns()["authority_code"]
    codes = [int(c) for c in _release_codes()]
    assert len(codes) > 150
    assert col.low <= min(codes) and max(codes) <= col.high and col.whole
    assert (col.low, col.high) == (201, 999)      # three digits, the smallest code DfE uses


def _parameters_file(tmp_path: Path, rows) -> Path:
    f = tmp_path / "parameters.csv"
    with f.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(PARAMETERS.headers)
        w.writerows(rows)
    return f


def _read(rows):
    """A parameters file's rows through the one reader and the validator (the refresh's road)."""
    frame = to_frame(PARAMETERS, PARAMETERS.headers, rows, source="p.csv")
    raise_all(list(table_problems("parameters", frame)))
    return frame


@pytest.mark.parametrize("value, expected", [
    pytest.param("Northshire", "Northshire", id="name-is-text"),
    pytest.param("  Northshire  ", "Northshire", id="name-trimmed"),
    pytest.param("873", "873", id="a-name-of-digits-stays-text"),
])
def test_a_text_parameter_is_read_as_text(value, expected):
    frame = _read([["authority_name", value, "name", "", ""]])
    assert frame["value"].iloc[0] == expected


@pytest.mark.parametrize("value, expected", [
    pytest.param("873", 873, id="code-from-text"),
    pytest.param(201, 201, id="lowest-code"),
    pytest.param(999.0, 999, id="highest-code-whole"),
])
def test_the_code_is_a_whole_number(value, expected):
    frame = _read([["authority_code", value, "", "", ""]])
    v = frame["value"].tolist()[0]
    assert v == expected and float(v).is_integer()


@pytest.mark.parametrize("name, value, says", [
    pytest.param("authority_code", 200, "201", id="code-below-201"),
    pytest.param("authority_code", 1000, "999", id="code-above-999"),
    pytest.param("authority_code", 873.5, "whole", id="code-not-whole"),
    pytest.param("authority_code", "Cambs", "expected a number", id="code-not-a-number"),
    pytest.param("authority_name", "", "blank", id="name-blank"),
    pytest.param("send_contingency_pot", "Northshire", "expected a number", id="text-in-a-money-parameter"),
])
def test_a_bad_authority_value_names_the_row_and_column(name, value, says):
    with pytest.raises(HnbInputError) as e:
        _read([["notional_share", 1, "", "", ""], [name, value, "", "", ""]])
    text = str(e.value)
    assert "p.csv" in text and "row 3" in text and "Value" in text and says in text, text


def test_the_built_workbook_holds_the_authority_as_inputs():
    wb = load_workbook(DEFAULT_OUTPUT)
    try:
        def value(defined):
            (sheet, ref), = wb.defined_names[defined].destinations
            return wb[sheet][ref.replace("$", "")]
        name, code = value("Authority_Name"), value("Authority_Code")
        assert name.value == "Cambridgeshire" and name.data_type == "s"
        assert code.value == 873
        assert dict(L.PARAMETERS)["authority_name"] == "Authority_Name"
    finally:
        wb.close()


def test_the_template_carries_the_authority(tmp_path):
    src = template_sources(tmp_path / "src")
    text = (src / "parameters.csv").read_text(encoding="utf-8")
    assert "authority_name,Cambridgeshire," in text and "authority_code,873," in text


def _with_authority(src: Path, name: str, code) -> None:
    f = src / "parameters.csv"
    lines = f.read_text(encoding="utf-8").splitlines()
    out = []
    for ln in lines:
        if ln.startswith("authority_name,"):
            ln = f'authority_name,{name},name,,"Northshire County Council, outturn reports (test data)"'
        elif ln.startswith("authority_code,"):
            ln = f"authority_code,{code},DfE LA code,,Northshire (test data)"
        out.append(ln)
    f.write_text("\n".join(out) + "\n", encoding="utf-8")


def test_a_refresh_writes_the_authority_to_the_inputs(book, sources):
    _with_authority(sources, "Northshire", 899)
    assert main(["refresh", str(book), str(sources), "--replace", "schools"]) == 0
    wb = load_workbook(book)
    t = L.INPUT_TABLES["parameters"]
    ws = wb[t.sheet]
    rows = {ws.cell(r, t.col_of("Parameter")).value: r for r in range(t.first_row, t.last_row + 1)}
    name = ws.cell(rows["authority_name"], t.col_of("Value"))
    code = ws.cell(rows["authority_code"], t.col_of("Value"))
    source = ws.cell(rows["authority_name"], t.col_of("Source"))
    assert (name.value, name.data_type, code.value) == ("Northshire", "s", 899)
    assert source.value.startswith("Northshire County Council")


def test_a_refresh_with_a_bad_code_is_refused_and_the_workbook_kept(book, sources, capsys):
    _with_authority(sources, "Northshire", 1200)
    before = sha256_of(book)
    capsys.readouterr()
    assert main(["refresh", str(book), str(sources), "--replace", "schools"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "parameters.csv" in err[0] and "999" in err[0], err
    assert sha256_of(book) == before
