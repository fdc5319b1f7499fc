"""csv/json print an input file's whole-pound figures as the file gives them (131100, not 131100.0).

Regression of issue 11: once the bundled files were read through their schemas (every amount a
float), ``report --format json`` and ``contingency --format json`` printed 131100.0 where they had
printed 131100. The expected figures are the bundled CSVs' own text, read here with the csv module.
"""

from __future__ import annotations

import csv
import io
import json
from importlib import resources

import pytest

from hnb_xl.cli import main


def _csv_rows(name: str) -> list[dict]:
    with (resources.files("hnb_xl") / "data" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _json(argv, capsys):
    assert main(argv) in (0, None)
    return json.loads(capsys.readouterr().out)


HISTORY_MONEY = [("hnb_budget", "hnb_budget"), ("hnb_expenditure", "hnb_expenditure")]
SCHOOLS_FIGURES = [("notional_sen", "Notional SEN budget"), ("pupils_on_roll", "Pupils on roll"), ("ehcp_count", "EHCPs")]


def _assert_integers(rows: list[dict], file_rows: list[dict], pairs) -> None:
    assert len(rows) == len(file_rows)
    for got, want in zip(rows, file_rows):
        for key, header in pairs:
            assert type(got[key]) is int, f"{key} printed as {got[key]!r}"
            assert got[key] == int(want[header])


@pytest.mark.parametrize("argv, section", [
    pytest.param(["report", "--format", "json"], "history", id="report-json-history-budget-and-spend"),
    pytest.param(["history", "--format", "json"], None, id="history-json-budget-and-spend"),
])
def test_history_money_prints_the_files_whole_pounds(argv, section, capsys):
    out = _json(argv, capsys)
    rows = out[section] if section else out
    _assert_integers(rows, _csv_rows("history.csv"), HISTORY_MONEY)


@pytest.mark.parametrize("argv, section", [
    pytest.param(["report", "--format", "json"], "contingency", id="report-json-notional-sen"),
    pytest.param(["contingency", "--format", "json"], None, id="contingency-json-notional-sen"),
])
def test_schools_figures_print_the_files_whole_pounds(argv, section, capsys):
    out = _json(argv, capsys)
    rows = out[section] if section else out
    _assert_integers(rows, _csv_rows("demo_schools.csv"), SCHOOLS_FIGURES)
    assert rows[0]["notional_sen"] == 131100          # Abbotsley, the file's first school


def test_contingency_csv_prints_the_files_whole_pounds(capsys):
    assert main(["contingency", "--format", "csv"]) in (0, None)
    got = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    for g, w in zip(got, _csv_rows("demo_schools.csv")):
        assert g["notional_sen"] == w["Notional SEN budget"]            # "131100", not "131100.0"


def test_computed_amounts_are_not_rounded_to_integers(capsys):
    """Only the input figures: a computed column keeps its value (the projection's pounds and pence)."""
    out = _json(["project", "--format", "json"], capsys)
    assert any(type(r["hnb_expenditure"]) is float and not float(r["hnb_expenditure"]).is_integer() for r in out)
