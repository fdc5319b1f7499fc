"""The back-test: the bundled July 2022 forecast's projected EHCPs against DfE's SEN2 actuals.

Expected: projected 6,710 / 7,381 / 8,119 for 2022-23 to 2024-25 (the bundled scenario: 6,100 plans in
2021-22, tests/seed.py, grown 10% a year: 6,100 x 1.1 = 6,710, x 1.1 = 7,381, x 1.1 = 8,119.1) against
6,972 / 7,318 / 8,007 (DfE's 2025 release, January 2023 to January 2025 censuses).
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from hnb_xl.cli import main
from hnb_xl.engine.backtest import backtest
from hnb_xl.errors import ModelError
from tests.seed import HISTORY_TABLE
from tests.test_sen2 import RELEASE

BASE = HISTORY_TABLE["2021-22"][0]
PROJECTED = {"2022-23": BASE * 1.1, "2023-24": BASE * 1.1 ** 2, "2024-25": BASE * 1.1 ** 3}
ACTUAL = {"2022-23": 6972, "2023-24": 7318, "2024-25": 8007}


@pytest.fixture(scope="module")
def release():
    if not RELEASE.exists():
        pytest.fail(f"DfE's 2025 SEN2 release is missing: expected {RELEASE}")
    return RELEASE


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_arithmetic_of_the_expected_projection():
    assert [round(v) for v in PROJECTED.values()] == [6710, 7381, 8119]


@pytest.mark.parametrize("year", list(ACTUAL))
def test_bundled_forecast_against_the_2025_release(capsys, release, year):
    code, out, _ = run(capsys, "backtest", "--sen2", release, "--format", "json")
    assert code == 0
    rows = {r["financial_year"]: r for r in json.loads(out)}
    assert list(rows) == list(ACTUAL)
    r = rows[year]
    assert r["ehcp_count_projected"] == pytest.approx(PROJECTED[year], abs=1e-6)
    assert r["ehcp_count_actual"] == ACTUAL[year]
    assert r["ehcp_count_error"] == pytest.approx(PROJECTED[year] - ACTUAL[year], abs=1e-6)
    assert r["ehcp_count_error_pct"] == pytest.approx((PROJECTED[year] - ACTUAL[year]) / ACTUAL[year])
    assert r["census"] == f"January {int(year[:4]) + 1}"


def test_table_shows_plans_and_per_cent(capsys, release):
    code, out, _ = run(capsys, "backtest", "--sen2", release, "--la", "E10000003")
    assert code == 0
    line = next(l for l in out.splitlines() if l.startswith("2022-23"))
    assert line.split() == ["2022-23", "January", "2023", "6,710", "6,972", "-262", "-3.8%"]
    assert "January Y = financial year (Y-1)-Y" in out


@pytest.mark.parametrize("argv,words", [
    pytest.param(["--la", "Cambridgeshir"], ["no local authority 'Cambridgeshir'", "nearest: Cambridgeshire"],
                 id="misspelt-authority"),
    pytest.param(["--scenario", "no-such-scenario"], ["--scenario", "no-such-scenario"], id="unknown-scenario"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, release, argv, words):
    code, out, err = run(capsys, "backtest", "--sen2", release, *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for w in words:
        assert w in err


# ------------------------------------------------------------------------------ the engine, by arithmetic

def frame(values: dict, **more):
    return pd.DataFrame({"financial_year": list(values), "ehcp_count": list(values.values()), **more})


@pytest.mark.parametrize("projected,actual,expect", [
    pytest.param({"2022-23": 110}, {"2022-23": 100}, (110, 100, 10, 0.10), id="too-high-is-positive"),
    pytest.param({"2022-23": 90}, {"2022-23": 100}, (90, 100, -10, -0.10), id="too-low-is-negative"),
    pytest.param({"2022-23": 5}, {"2022-23": 0}, (5, 0, 5, None), id="zero-actual-has-no-per-cent"),
    pytest.param({"2022-23": 5}, {"2022-23": float("nan")}, (5, None, None, None), id="not-known-actual"),
])
def test_error_in_plans_and_per_cent(projected, actual, expect):
    out = backtest(frame(projected), frame(actual))
    got = tuple(None if (isinstance(v, float) and math.isnan(v)) else v
                for v in out.iloc[0][["ehcp_count_projected", "ehcp_count_actual", "ehcp_count_error",
                                      "ehcp_count_error_pct"]])
    assert got[:3] == expect[:3]
    assert (got[3] is None) == (expect[3] is None) and (got[3] is None or got[3] == pytest.approx(expect[3]))


def test_only_the_years_in_both():
    out = backtest(frame({"2022-23": 1, "2023-24": 2, "2024-25": 3}), frame({"2023-24": 2, "2021-22": 9}))
    assert list(out["financial_year"]) == ["2023-24"]


def test_outturn_measures_where_given():
    proj = frame({"2022-23": 10}, hnb_expenditure=[110.0], accumulated_deficit=[50.0])
    act = frame({"2022-23": 10}, hnb_expenditure=[100.0])
    out = backtest(proj, act)
    assert out.iloc[0]["hnb_expenditure_error"] == 10 and out.iloc[0]["hnb_expenditure_error_pct"] == 0.1
    assert "accumulated_deficit_error" not in out


def test_no_common_year_is_a_model_error():
    with pytest.raises(ModelError) as info:
        backtest(frame({"2030-31": 1}), frame({"2022-23": 1}))
    assert info.value.field == "financial_year"


# ------------------------------------------------------------------------------ spend and deficit, where outturn is given

def test_spend_and_deficit_against_an_outturn_file(capsys, tmp_path, release):
    """The bundled scenario's 2022-23 by the seed's arithmetic (tests/seed.py, hnb_xl/data/README.md):
    accumulated deficit £39,264,000 (2021-22) + in-year deficit - £2.4m other DSG movements, calibrated
    to £49.131m; spend = budget (£85,327,000 x 1.10 + the £2,102,000 transfer) + the in-year deficit."""
    outturn = tmp_path / "outturn.csv"
    outturn.write_text("financial_year,ehcp_count,hnb_budget,hnb_expenditure,accumulated_deficit\n"
                       "2022-23,6972,95961700,110000000,50000000\n2023-24,7318,100000000,115000000,\n")
    code, out, _ = run(capsys, "backtest", "--sen2", release, "--outturn", outturn, "--format", "json")
    assert code == 0
    rows = {r["financial_year"]: r for r in json.loads(out, parse_constant=lambda t: pytest.fail(t))}
    deficit = 49_131_000
    in_year = deficit - HISTORY_TABLE["2021-22"][7] * 1000 + 2_400_000
    spend = HISTORY_TABLE["2021-22"][2] * 1000 * 1.10 + 2_102_000 + in_year
    r = rows["2022-23"]
    assert r["accumulated_deficit_error"] == pytest.approx(deficit - 50_000_000, abs=1000)
    assert r["hnb_expenditure_error"] == pytest.approx(spend - 110_000_000, abs=1000)
    assert r["hnb_expenditure_error_pct"] == pytest.approx((spend - 110_000_000) / 110_000_000, abs=1e-5)
    assert rows["2023-24"]["accumulated_deficit_actual"] is None and rows["2023-24"]["accumulated_deficit_error"] is None
    assert rows["2024-25"]["hnb_expenditure_actual"] is None          # no outturn for the year: not known


def test_a_bad_outturn_file_is_one_line_naming_it(capsys, tmp_path, release):
    outturn = tmp_path / "outturn.csv"
    outturn.write_text("financial_year,hnb_expenditure\n2022-23,5%\n")
    code, out, err = run(capsys, "backtest", "--sen2", release, "--outturn", outturn)
    assert code == 2 and out == "" and "outturn.csv" in err and "Traceback" not in err


# ------------------------------------------------------------- the back-test in report (issue 14 part 5)

REPORT_ROWS = [pytest.param(y, p, ACTUAL[y], id=f"report-backtest-{y}") for y, p in PROJECTED.items()]


@pytest.fixture(scope="module")
def report_outputs(release):
    import io
    from contextlib import redirect_stdout
    out = {}
    for fmt in ("table", "json"):
        buf = io.StringIO()
        with redirect_stdout(buf):
            assert main(["report", "--sen2", str(release), "--format", fmt]) == 0
        out[fmt] = buf.getvalue()
    return out


@pytest.mark.parametrize("year, projected, actual", REPORT_ROWS)
def test_report_sen2_has_the_backtest_table(report_outputs, year, projected, actual):
    err = round(projected) - actual
    line = next(x for x in report_outputs["table"].splitlines() if x.startswith(year) and "January" in x)
    assert line.split() == [year, "January", str(int(year[:4]) + 1), f"{round(projected):,}", f"{actual:,}",
                            f"{err:,}", f"{err / actual:.1%}"]
    rows = {r["financial_year"]: r for r in json.loads(report_outputs["json"])["backtest"]}
    assert rows[year]["ehcp_count_projected"] == pytest.approx(projected)
    assert rows[year]["ehcp_count_actual"] == actual
    assert rows[year]["ehcp_count_error_pct"] == pytest.approx((projected - actual) / actual)


def test_report_without_sen2_lists_the_validation_logs_back_tests(capsys):
    code, out, _ = run(capsys, "report")
    assert code == 0
    section = out[out.index("Back-tests in the validation log"):out.index("Assurance record")]
    assert "Back-test: EHCPs 2022-23 against the January 2023 census" in section and "6,972" in section
    assert "Back-test: projected EHCPs against DfE SEN2 actuals" not in out


def test_report_sen2_with_an_unknown_authority_is_one_line_exit_2(capsys, release):
    code, out, err = run(capsys, "report", "--sen2", release, "--la", "Atlantis")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "Atlantis" in err


def test_pack_sen2_missing_release_is_one_line_exit_2_and_writes_nothing(capsys, tmp_path):
    out = tmp_path / "pack"
    code, _out, err = run(capsys, "pack", "--output", out, "--paths", "100", "--sen2", tmp_path / "none.zip")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "none.zip" in err
    assert not out.exists()
