"""The cross-table validator (hnb_xl/tables/validate.py) and every road it is applied on: the
functions themselves, refresh, build --sources and the Checks sheet's native formulas.

Expected years come from the seed: history 2016-17 (2015-16 a derived base) to 2021-22, so the
first projection year is 2022-23; the bundled block transfers are 2020-21 and 2022-23 (a gap)."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from hnb_xl import bundled
from hnb_xl.cli import main
from hnb_xl.errors import HnbInputError
from hnb_xl.sources import templates
from hnb_xl.tables import validate
from hnb_xl.tables.files import load
from hnb_xl.tables.schema import ASSUMPTIONS, BLOCK_TRANSFER, HISTORY
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.build import bundled_context, with_sources
from tests.support import bundled_frames, make_workbook

ASSUMPTIONS_FILE = "assumptions_published_forecast_july_2022.csv"


def _csv(tmp_path, name, frame: pd.DataFrame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _years_from(start: int, n: int) -> list[str]:
    return [f"{y}-{(y + 1) % 100:02d}" for y in range(start, start + n)]


def _assumptions_from(start: int) -> pd.DataFrame:
    """The bundled assumptions moved to start in ``start``, the 2022-23 block transfer (the
    block-transfer table's) kept on 2022-23, so that only the years are wrong."""
    a = bundled.assumptions()
    transfer = a["block_transfer"].iloc[0]
    a["financial_year"] = _years_from(start, len(a))
    a["block_transfer"] = [transfer if y == "2022-23" else 0.0 for y in a["financial_year"]]
    return a


# ------------------------------------------------------------------------------ the rules themselves

@pytest.mark.parametrize("start,expected", [
    pytest.param(2022, [], id="starts-the-year-after-history"),
    pytest.param(2021, ["row 2, column 'Financial year': assumptions start in 2021-22 but history ends in 2021-22: "
                        "expected 2022-23"], id="starts-in-the-last-history-year"),
    pytest.param(2023, ["row 2, column 'Financial year': assumptions start in 2023-24 but history ends in 2021-22: "
                        "expected 2022-23"], id="starts-a-year-late"),
])
def test_assumptions_start_the_year_after_history(tmp_path, start, expected):
    a = load(ASSUMPTIONS, _csv(tmp_path, "a.csv", _assumptions_from(start)))
    got = [p.describe() for p in validate.problems({"history": bundled.history(), "assumptions": a})]
    assert got == [f"{tmp_path / 'a.csv'}, {e}" for e in expected]


@pytest.mark.parametrize("years,expected", [
    pytest.param(["2022-23", "2023-24", "2024-25"], [], id="contiguous"),
    pytest.param(["2022-23", "2024-25", "2025-26"], ["row 3", "2022-23 is followed by 2024-25"], id="gap"),
])
def test_assumption_years_have_no_gaps(years, expected):
    a = bundled.assumptions().iloc[:3].assign(financial_year=years)
    got = " ".join(p.describe() for p in validate.problems({"assumptions": a}))
    assert all(e in got for e in expected) and (got == "") == (not expected)


def test_block_transfer_years_may_have_gaps_but_not_duplicates():
    bt = bundled.block_transfers()                            # 2020-21 and 2022-23: a gap
    assert list(bt["financial_year"]) == ["2020-21", "2022-23"]
    assert validate.problems({"block_transfer": bt}) == []
    twice = pd.concat([bt, bt.iloc[[1]]], ignore_index=True)
    twice.attrs = {"source": "block_transfer.csv", "row_numbers": [2, 3, 4]}
    got = [p.describe() for p in validate.problems({"block_transfer": twice})]
    assert got == ["block_transfer.csv, row 4, column 'Financial year': duplicate Financial year 2022-23 "
                   "(first seen on row 3)"]


@pytest.mark.parametrize("name,value,problem", [
    pytest.param("send_contingency_pot", -5, "expected an amount in pounds of 0 or more", id="pot-negative"),
    pytest.param("send_contingency_pot", float("nan"), "finite", id="pot-nan"),
    pytest.param("notional_share", 1.5, "between 0 and 1", id="share-above-one"),
    pytest.param("notional_share", "5%", None, id="share-as-percent-is-fine"),
    pytest.param("transfer_limit_rate", -0.001, "between 0 and 1", id="limit-negative"),
    pytest.param("cost_per_ehcp", 6000, None, id="cost-ok"),
    pytest.param("opening_accumulated_deficit", -1e6, None, id="opening-deficit-may-be-negative"),
])
def test_parameter_ranges_are_data(name, value, problem):
    got = validate.parameter_problems({name: value}, {name: validate.Place("--x")})
    assert [p.message for p in got if problem and problem in p.message] == [p.message for p in got]
    assert bool(got) == bool(problem)


def test_parameter_table_rows_are_named_by_file_row_and_column():
    p = bundled.parameter_table()
    p.loc[p["name"] == "send_contingency_pot", "value"] = -5
    p.attrs = {"source": "parameters.csv", "row_numbers": list(range(2, 2 + len(p)))}
    got = [x.describe() for x in validate.parameter_table_problems(p)]
    assert len(got) == 1 and got[0].startswith("parameters.csv, row 2, column 'Value': expected an amount in pounds "
                                               "of 0 or more, got -5")


def test_infinity_in_a_number_column_is_a_problem():
    h = bundled.history()
    h.loc[3, "hnb_budget"] = float("inf")
    h.attrs = {"source": "history.csv", "row_numbers": list(range(2, 2 + len(h)))}
    got = [p.describe() for p in validate.problems({"history": h})]
    assert got == ["history.csv, row 5, column 'HNB budget': expected a finite number, got inf"]


# ------------------------------------------------------------------------------------------- refresh

@pytest.fixture()
def book(tmp_path):
    return make_workbook(tmp_path / "HNB_Model.xlsm")


def _sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_refresh_refuses_assumptions_starting_in_the_last_history_year(book, tmp_path, capsys):
    """The bug: refresh wrote assumptions from 2021-22 beside history to 2021-22 (the workbook then
    showed 2021-22 twice and a deficit in the billions with the master check OK)."""
    src = tmp_path / "src"
    templates.write_templates(src, {"assumptions": _assumptions_from(2021)}, ("assumptions",))
    (src / "hnb_sources.xlsx").unlink()
    digest = _sha(book)
    assert main(["refresh", str(book), str(src / "assumptions.csv")]) == 2
    err = capsys.readouterr().err
    assert (f"{src / 'assumptions.csv'}, row 3, column 'Financial year': assumptions start in 2021-22 but history "
            "ends in 2021-22: expected 2022-23") in err     # row 2 is the templates' units row
    assert _sha(book) == digest


def test_refresh_refuses_history_that_overtakes_the_workbooks_assumptions(book, tmp_path, capsys):
    src = tmp_path / "src"
    h = pd.concat([bundled.history(), pd.DataFrame([{"financial_year": "2022-23", "ehcp_count": 6700,
                                                    "hnb_budget": 9e7, "hnb_expenditure": 1.1e8,
                                                    "accumulated_deficit": 6e7}])], ignore_index=True)
    templates.write_templates(src, {"history": h}, ("history",))
    assert main(["refresh", str(book), str(src / "history.csv")]) == 2
    err = capsys.readouterr().err
    assert "assumptions table, row" in err and "assumptions start in 2022-23 but history ends in 2022-23" in err


def test_refresh_accepts_history_and_assumptions_rolled_forward_together(book, tmp_path):
    src = tmp_path / "src"
    h = pd.concat([bundled.history(), pd.DataFrame([{"financial_year": "2022-23", "ehcp_count": 6700,
                                                    "hnb_budget": 9e7, "hnb_expenditure": 1.1e8,
                                                    "accumulated_deficit": 6e7}])], ignore_index=True)
    templates.write_templates(src, {"history": h, "assumptions": _assumptions_from(2023)}, ("history", "assumptions"))
    assert main(["refresh", str(book), str(src / "history.csv"), str(src / "assumptions.csv")]) == 0


def test_refresh_refuses_a_parameters_file_with_a_negative_pot(book, tmp_path, capsys):
    """The bug: --pot -5 was refused on the command line, but a parameters file with pot -5 was
    written into the workbook."""
    src = tmp_path / "src"
    p = bundled.parameter_table()
    p.loc[p["name"] == "send_contingency_pot", "value"] = -5
    templates.write_templates(src, {"parameters": p}, ("parameters",))
    digest = _sha(book)
    assert main(["refresh", str(book), str(src / "parameters.csv")]) == 2
    err = capsys.readouterr().err
    assert (f"{src / 'parameters.csv'}, row 3, column 'Value': expected an amount in pounds of 0 or more, "
            "got -5") in err
    assert _sha(book) == digest
    with pytest.raises(SystemExit) as e:      # the option is refused by the same rule
        main(["contingency", "--pot", "-5"])
    assert e.value.code == 2 and "--pot: expected an amount in pounds of 0 or more" in capsys.readouterr().err


# ------------------------------------------------------------------------------------- build --sources

def test_build_sources_accepts_the_bundled_block_transfer_file(tmp_path):
    """The bug: build --sources refused the bundled block-transfer file for its year gap."""
    path = bundled.data_path("block_transfer.csv")
    ctx = with_sources(bundled_context("x"), {"block_transfer": str(path)})
    assert list(ctx.block_transfer["financial_year"]) == ["2020-21", "2022-23"]
    assert list(load(BLOCK_TRANSFER, path)["financial_year"]) == ["2020-21", "2022-23"]


def test_build_sources_refuses_assumptions_starting_in_the_last_history_year(tmp_path):
    path = _csv(tmp_path, "assumptions.csv", _assumptions_from(2021))
    with pytest.raises(HnbInputError) as e:
        with_sources(bundled_context("x"), {"assumptions": str(path)})
    assert e.value.describe() == (f"{path}, row 2, column 'Financial year': assumptions start in 2021-22 but history "
                                  "ends in 2021-22: expected 2022-23")


def test_build_sources_checks_a_history_file_against_the_bundled_assumptions(tmp_path):
    h = load(HISTORY, bundled.data_path("history.csv")).iloc[:-1]       # history to 2020-21
    path = _csv(tmp_path, "history.csv", h)
    with pytest.raises(HnbInputError, match="hnb_xl/data/" + ASSUMPTIONS_FILE + ", row 2, column 'Financial year': "
                       "assumptions start in 2022-23 but history ends in 2020-21"):
        with_sources(bundled_context("x"), {"history": str(path)})


def test_build_sources_lists_every_problem_at_once(tmp_path, capsys):
    bad_h = tmp_path / "h.csv"
    bad_h.write_text("Financial year,EHCPs,HNB budget,HNB expenditure\n2020-21,lots,1,1\n", encoding="utf-8")
    bad_s = tmp_path / "s.csv"
    bad_s.write_text("URN,School name,EHCPs,Notional SEN budget\n900001,A,-1,5\n", encoding="utf-8")
    assert main(["build", str(tmp_path / "out.xlsm"), "--sources", f"history={bad_h}", f"schools={bad_s}"]) == 2
    err = capsys.readouterr().err
    assert "h.csv, row 2, column 'EHCPs'" in err and "s.csv, row 2, column 'EHCPs'" in err


# --------------------------------------------------------------- the block transfer held in two tables

def _twins(transfer_2022_23: float, table_amount: float | None = 2_102_000):
    a = load(ASSUMPTIONS, bundled.data_path(ASSUMPTIONS_FILE))
    a.iloc[0, a.columns.get_loc("block_transfer")] = transfer_2022_23
    b = load(BLOCK_TRANSFER, bundled.data_path("block_transfer.csv"))
    b.iloc[1, b.columns.get_loc("transfer_amount")] = float("nan") if table_amount is None else table_amount
    return a, b


@pytest.mark.parametrize("ours,theirs,expected", [
    pytest.param(2_102_000, 2_102_000, [], id="bundled-twins-agree"),
    pytest.param(1_000_000, 2_102_000,
                 ["row 2, column 'Block transfer': the 2022-23 block transfer is £1,000,000 here but £2,102,000 in ",
                  "hnb_xl/data/block_transfer.csv, row 3, column 'Transfer amount'"], id="assumptions-differ"),
    pytest.param(2_102_000, None,
                 ["the 2022-23 block transfer is £2,102,000 here but £0 in ", "hnb_xl/data/block_transfer.csv, row 3"],
                 id="blank-transfer-is-none"),
    pytest.param(0, None, [], id="no-transfer-in-either"),
])
def test_the_block_transfer_twins_agree(ours, theirs, expected):
    a, b = _twins(ours, theirs)
    found = [p.describe() for p in validate.problems({"assumptions": a, "block_transfer": b})]
    assert len(found) == (1 if expected else 0)
    for e in expected:
        assert e in found[0] and found[0].index("hnb_xl/data/" + ASSUMPTIONS_FILE) < found[0].index(e)


def test_build_sources_refuses_a_transfer_file_that_differs_from_the_assumptions(tmp_path, capsys):
    """exit 2, one line naming both files, rows and columns."""
    _, b = _twins(2_102_000, 2_000_000)
    path = _csv(tmp_path, "block_transfer.csv", b)
    assert main(["build", str(tmp_path / "out.xlsm"), "--sources", f"block_transfer={path}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert (f"hnb_xl/data/{ASSUMPTIONS_FILE}, row 2, column 'Block transfer': the 2022-23 block transfer is "
            f"£2,102,000 here but £2,000,000 in {path}, row 3, column 'Transfer amount'") in err
    assert not (tmp_path / "out.xlsm").exists()


def test_refresh_refuses_assumptions_whose_transfer_differs_from_the_workbooks_table(book, tmp_path, capsys):
    """The workbook's block-transfer table says £2,102,000 for 2022-23; new assumptions say £1m."""
    src = tmp_path / "src"
    a = bundled.assumptions()
    a.loc[0, "block_transfer"] = 1_000_000.0
    templates.write_templates(src, {"assumptions": a}, ("assumptions",))
    (src / "hnb_sources.xlsx").unlink()
    digest = _sha(book)
    assert main(["refresh", str(book), str(src / "assumptions.csv")]) == 2
    err = capsys.readouterr().err
    assert (f"{src / 'assumptions.csv'}, row 3, column 'Block transfer': the 2022-23 block transfer is £1,000,000 "
            "here but £2,102,000 in ") in err and "column 'Transfer amount'" in err
    assert _sha(book) == digest


# ------------------------------------------------------------------------------ the Checks sheet (Excel)

@pytest.mark.libreoffice
@pytest.mark.parametrize("row,year,start_ok,gaps_ok", [
    pytest.param(None, None, 1, 1, id="bundled-inputs-pass"),
    pytest.param(0, "2021-22", 0, 0, id="typed-start-in-last-history-year"),
    pytest.param(2, "2025-26", 1, 0, id="typed-gap"),
])
def test_checks_sheet_judges_typed_assumption_years(tmp_path, libreoffice, row, year, start_ok, gaps_ok):
    from hnb_xl.workbook.build import build
    from hnb_xl.workbook.sheets.checks import CHECKS
    from hnb_xl.workbook.verify.recalc import recalculate
    out = build(tmp_path / "HNB_Model.xlsm", build_time="x")
    t = L.INPUT_TABLES["assumptions"]
    edits = {} if row is None else {(t.sheet, t.cell("Financial year", row)): year}
    r = recalculate(out, edits=edits, office=libreoffice, udfs=False)
    titles = [c[0] for c in CHECKS]
    at = {k: L.CHECKS_LAYOUT["first"] + titles.index(k) for k in titles}
    v = L.col(L.CHECKS_LAYOUT["value_col"])
    assert r[L.CHECKS, f"{v}{at['Projection: the assumptions start the year after the last history year']}"] == start_ok
    assert r[L.CHECKS, f"{v}{at['Projection: the assumption years have no gaps (each is the year after the one above)']}"] \
        == gaps_ok
    assert r.names[L.NAMES["master_check"]] == (1 if start_ok and gaps_ok else 0)
