"""Every parameter in hnb_xl/data/parameters.csv has a unit, a source, a kind, a valid range (low/high,
the range as data) and a defined name in the workbook (workbook/layout.py PARAMETERS), and its value
lies in its own range."""

from __future__ import annotations

import csv
import math

import pytest
from openpyxl import load_workbook

from hnb_xl import bundled
from hnb_xl.tables.cells import KIND_RULES
from hnb_xl.tables.validate import Place, parameter_columns, value_problem
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.build import DEFAULT_OUTPUT

with bundled.data_path("parameters.csv").open(encoding="utf-8", newline="") as fh:
    ROWS = list(csv.DictReader(fh))
NAMES = [r["name"] for r in ROWS]
DEFINED = dict(L.PARAMETERS)


def test_the_file_has_the_range_columns():
    assert {"name", "value", "kind", "low", "high", "unit", "description", "source"} <= set(ROWS[0])


@pytest.mark.parametrize("row", ROWS, ids=NAMES)
def test_parameter_has_unit_source_kind_and_range(row):
    assert row["unit"].strip() and row["source"].strip() and row["description"].strip()
    assert row["kind"] in KIND_RULES and row["kind"] not in ("year", "id")   # text: the authority's name
    low = float(row["low"]) if row["low"] else None
    high = float(row["high"]) if row["high"] else None
    assert low is None or high is None or low < high
    # an open range must be stated as such: a parameter of a kind with a natural bound keeps it
    rule = KIND_RULES[row["kind"]]
    assert rule.low is None or (low is not None and low >= rule.low)
    assert "shared/" not in row["source"]          # a citation a reader of the repository can open


@pytest.mark.parametrize("row", ROWS, ids=NAMES)
def test_parameter_value_is_within_its_range(row):
    assert value_problem(row["name"], row["value"], Place("parameters.csv")) is None
    col = parameter_columns()[row["name"]]
    if col.kind == "text":
        assert row["value"].strip()
        return
    x = float(row["value"])
    assert math.isfinite(x) and (col.low is None or x >= col.low) and (col.high is None or x <= col.high)


@pytest.mark.parametrize("name,outside", [
    pytest.param("send_contingency_pot", -1, id="pot-below-zero"),
    pytest.param("cost_per_ehcp", -1, id="cost-below-zero"),
    pytest.param("notional_share", 1.01, id="share-above-one"),
    pytest.param("notional_share", -0.01, id="share-below-zero"),
    pytest.param("transfer_limit_rate", 1.5, id="limit-above-one"),
])
def test_a_value_outside_the_range_is_refused(name, outside):
    assert value_problem(name, outside, Place("x")) is not None


@pytest.mark.parametrize("name", NAMES)
def test_parameter_has_a_defined_name_in_the_layout(name):
    assert name in DEFINED and DEFINED[name] in L.parameter_names()


@pytest.mark.parametrize("name", NAMES)
def test_parameter_defined_name_is_in_the_committed_workbook(name):
    wb = load_workbook(DEFAULT_OUTPUT, read_only=False, keep_vba=False)
    try:
        dn = wb.defined_names[DEFINED[name]]
        sheet, cell = next(dn.destinations)
        want = bundled.parameters()[name]
        got = wb[sheet][cell.replace("$", "")].value
        assert got == (want if isinstance(want, str) else pytest.approx(float(want)))
    finally:
        wb.close()
