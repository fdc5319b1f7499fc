"""The HNB_ Excel functions called as Excel calls them: seed figures, CLI agreement, cell-shaped
inputs (floats, None blanks, trailing empty rows, header variants, Office.js 0 blanks and ints),
bad inputs (a message string, never an exception), caching and the log."""

import csv
import json
import math
import platform
from importlib import resources

import numpy as np
import pandas as pd
import pytest
import xlwings

from hnb_xl import __version__, udfs
from hnb_xl.cli import main
from hnb_xl.excel.spec import FUNCTIONS
from tests.seed import DEFICIT_GROWTH_PROJECTED, HISTORY_TABLE, SEND_CONTINGENCY_POT


pytestmark = pytest.mark.usefixtures("fresh_udfs")


def cli_json(capsys, *argv):
    assert main([*argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def raw_csv(name):
    with (resources.files("hnb_xl") / "data" / name).open(encoding="utf-8") as fh:
        return list(csv.reader(fh))


def as_cells(rows, blank=None):
    """CSV text -> what xlwings classic sends: floats for numbers, None (or 0) for blanks."""
    out = []
    for r in rows:
        cells = []
        for v in r:
            if v == "":
                cells.append(blank)
                continue
            try:
                cells.append(float(v))
            except ValueError:
                cells.append(v)
        out.append(cells)
    return out


def walk(value):
    if isinstance(value, list):
        for v in value:
            yield from walk(v)
    else:
        yield value


def assert_no_nan(value):
    for v in walk(value):
        assert not (isinstance(v, float) and math.isnan(v)), value


# ---------------------------------------------------------------- HNB_DEFICIT / HNB_PROJECTION

@pytest.mark.parametrize("year", ["2022-23", "2023-24", "2024-25", "2025-26"])
@pytest.mark.parametrize("spelling", ["label", "slash", "int", "float"])
def test_deficit_for_a_year_matches_the_seed_forecast(year, spelling):
    start = int(year[:4])
    arg = {"label": year, "slash": year.replace("-", "/"), "int": start, "float": float(start)}[spelling]
    value = udfs.HNB_DEFICIT(arg)
    assert isinstance(value, float)
    assert round(value / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[year][0]


def test_deficit_2025_26_is_93_2m():
    assert round(udfs.HNB_DEFICIT("2025-26") / 1e6, 1) == 93.2


def test_deficit_for_a_history_year_is_the_published_figure():
    assert udfs.HNB_DEFICIT("2021-22") == HISTORY_TABLE["2021-22"][7] * 1000
    assert udfs.HNB_DEFICIT(2018) == HISTORY_TABLE["2018-19"][7] * 1000


def test_deficit_without_a_year_spills_what_hnb_xl_project_prints(capsys):
    expected = cli_json(capsys, "project")
    got = udfs.HNB_DEFICIT()
    assert got[0] == ["Financial year", "In-year deficit", "Accumulated DSG deficit"]
    assert got[1:] == [[r["financial_year"], r["in_year_deficit"], r["accumulated_deficit"]] for r in expected]
    assert [row[0] for row in got[1:5]] == ["2022-23", "2023-24", "2024-25", "2025-26"]


def test_deficit_beyond_the_scenario_extends_it_like_hnb_xl_project_to(capsys):
    expected = cli_json(capsys, "project", "--to", "2033-34")
    assert expected[-1]["financial_year"] == "2033-34"
    assert udfs.HNB_DEFICIT("2033-34") == expected[-1]["accumulated_deficit"]


def test_projection_equals_hnb_xl_project(capsys):
    expected = cli_json(capsys, "project")
    got = udfs.HNB_PROJECTION()
    cols = [c for c in expected[0] if c != "status"]     # the CLI's year status is not spilled
    assert len(got[0]) == len(cols) and got[0][0] == "Financial year"
    assert got[1:] == [[r[c] for c in cols] for r in expected]
    assert udfs.HNB_PROJECTION(None, None, "published-forecast-july-2022") == got


def history_cells(blank=None, header=None):
    rows = raw_csv("history.csv")
    header = header or ["financial year", "EHCPs (January census) ", "hnb budget", "HNB EXPENDITURE",
                        "Accumulated DSG deficit (\u00a3)", "basis"]
    return [header] + as_cells(rows[1:], blank)


def assumption_cells(blank=None):
    rows = raw_csv("assumptions_published_forecast_july_2022.csv")
    header = ["Financial Year", "ehcp growth", "Cost per EHCP growth", "HNB funding growth (%)",
              "Block transfer (\u00a3)", "Other DSG movements", "Basis"]
    return [header] + as_cells(rows[1:], blank)


@pytest.mark.parametrize("trailing", [
    pytest.param([], id="no-trailing-rows"),
    pytest.param([[None] * 7] * 3, id="trailing-none-rows"),
    pytest.param([[""] * 7] * 2, id="trailing-empty-strings"),
    pytest.param([[0] * 7] * 4, id="trailing-officejs-zero-rows"),
])
def test_deficit_from_cell_shaped_tables_equals_the_bundled_default(trailing):
    default = udfs.HNB_DEFICIT()
    hist = history_cells() + [r[:6] for r in trailing]
    assume = assumption_cells() + trailing
    assert udfs.HNB_DEFICIT(None, hist, assume) == default
    assert round(udfs.HNB_DEFICIT("2025-26", hist, assume) / 1e6, 1) == 93.2


def test_officejs_history_blank_as_zero_and_ints():
    # Office.js: blank cells as 0, whole numbers as int (the 2015-16 base year's deficit is blank)
    hist = [[int(v) if isinstance(v, float) and v.is_integer() else v for v in r] for r in history_cells(blank=0)]
    assert hist[1][4] == 0 and isinstance(hist[2][1], int)
    assume = assumption_cells(blank=0)
    assert udfs.HNB_DEFICIT(None, hist, assume) == udfs.HNB_DEFICIT()


def test_numpy_arrays_are_accepted():
    # the formulas package passes ranges as 2-D numpy arrays
    hist = np.array(history_cells(), dtype=object)
    assert udfs.HNB_DEFICIT(np.float64(2025), hist) == udfs.HNB_DEFICIT("2025-26")


def test_own_history_changes_the_projection():
    hist = history_cells()
    hist[-1][4] = 49_264_000.0          # £10m more accumulated deficit at 31 March 2022
    got = udfs.HNB_DEFICIT("2025-26", hist)
    assert got - udfs.HNB_DEFICIT("2025-26") == pytest.approx(10_000_000, abs=0.01)


# ---------------------------------------------------------------- HNB_GROWTH

SEED_EHCPS = [HISTORY_TABLE[y][0] for y in sorted(HISTORY_TABLE)]
SEED_GROWTH = [HISTORY_TABLE[y][1] for y in sorted(HISTORY_TABLE)][1:]


def test_growth_of_a_column_matches_the_seed():
    got = udfs.HNB_GROWTH([[float(v)] for v in SEED_EHCPS])
    assert got[0] == [""]
    assert [round(g[0] * 100, 1) for g in got[1:]] == SEED_GROWTH


def test_growth_of_a_row_keeps_the_row_shape():
    got = udfs.HNB_GROWTH([SEED_EHCPS])       # Office.js ints
    assert len(got) == 1 and len(got[0]) == len(SEED_EHCPS)
    assert [round(g * 100, 1) for g in got[0][1:]] == SEED_GROWTH


@pytest.mark.parametrize("values, expected", [
    pytest.param([[100.0], [110.0], [None], [None]], [[""], [0.1], [""], [""]], id="trailing-none"),
    pytest.param([[100], [110], [0], [0]], [[""], [0.1], [""], [""]], id="trailing-officejs-zeros"),
    pytest.param([[100.0], [None], [121.0]], [[""], [""], [""]], id="blank-in-the-middle"),
    pytest.param([[0.0], [5.0], [10.0]], [[""], [""], [1.0]], id="growth-from-zero-is-empty"),
    pytest.param([[7.0]], [[""]], id="one-value"),
])
def test_growth_blanks_give_empty_cells_not_nan(values, expected):
    got = udfs.HNB_GROWTH(values)
    assert got == [[pytest.approx(e) if e != "" else "" for e in r] for r in expected]
    assert_no_nan(got)


# ---------------------------------------------------------------- HNB_CONTINGENCY

def schools_cells(header=None, blank=None, ints=False):
    rows = raw_csv("demo_schools.csv")
    body = as_cells(rows[1:], blank)
    body = [[r[0], r[1], r[2]] + [int(v) if ints and isinstance(v, float) else v for v in r[3:]] for r in body]
    return [header or rows[0]] + body


def test_contingency_on_demo_schools_equals_hnb_xl_contingency(capsys):
    expected = cli_json(capsys, "contingency")
    got = udfs.HNB_CONTINGENCY(schools_cells())
    assert got[0] == ["Allocation"]
    assert len(got) == 1 + len(expected)
    assert [r[0] for r in got[1:]] == [r["allocation"] for r in expected]
    assert sum(r[0] for r in got[1:]) == SEND_CONTINGENCY_POT


@pytest.mark.parametrize("header", [
    pytest.param(["URN", "School name", "Phase", "Pupils on roll", "EHCPs", "Notional SEN budget"], id="schema"),
    pytest.param(["urn", "school name", "phase", "pupils on roll", "ehcps", "notional sen budget"], id="lower"),
    pytest.param(["URN ", " School Name", "Phase", "Pupils on roll", "EHCPs ", "Notional SEN budget (\u00a3)"],
                 id="spaces-and-unit"),
    pytest.param(["URN", "Name", "Phase", "NOR", "EHCP count", "Notional SEN"], id="aliases"),
])
@pytest.mark.parametrize("shape", ["floats", "officejs-ints"])
def test_contingency_accepts_header_variants_and_cell_types(header, shape):
    expected = udfs.HNB_CONTINGENCY(schools_cells())
    cells = schools_cells(header=header, ints=shape == "officejs-ints")
    assert udfs.HNB_CONTINGENCY(cells) == expected


@pytest.mark.parametrize("trailing, blank", [
    pytest.param([None] * 6, "", id="none-rows"),
    pytest.param([0] * 6, "", id="officejs-zero-rows"),
    pytest.param([""] * 6, "", id="empty-string-rows"),
])
def test_contingency_spills_one_cell_per_range_row(trailing, blank):
    cells = schools_cells() + [list(trailing) for _ in range(5)]
    got = udfs.HNB_CONTINGENCY(cells)
    assert len(got) == len(cells)                         # as tall as the range: sits beside it
    assert got[-5:] == [[blank]] * 5
    assert got[:-5] == udfs.HNB_CONTINGENCY(schools_cells())


def test_contingency_small_case_by_hand():
    # shortfall = EHCPs x 6000 - notional SEN: A 5x6000-10000 = 20000; B 2x6000-2000 = 10000;
    # C none (covered); a blank row between B and C. Pot 15000 = half the total shortfall.
    cells = [["URN", "School name", "EHCPs", "Notional SEN budget"],
             [100001.0, "A", 5.0, 10000.0],
             [100002.0, "B", 2.0, 2000.0],
             [None, None, None, None],
             [100003.0, "C", 1.0, 50000.0]]
    assert udfs.HNB_CONTINGENCY(cells, 15000) == [["Allocation"], [10000], [5000], [""], [0]]
    # pot larger than the total shortfall: each school gets its shortfall
    assert udfs.HNB_CONTINGENCY(cells, "\u00a3450,000") == [["Allocation"], [20000], [10000], [""], [0]]
    # cost per EHCP 4000 and half of notional SEN: A 20000-5000, B 8000-1000, C 0 -> 15000, 7000
    assert udfs.HNB_CONTINGENCY(cells, 1e6, 4000, 0.5) == [["Allocation"], [15000], [7000], [""], [0]]


def test_contingency_whole_pounds_add_up_to_an_odd_pot():
    got = udfs.HNB_CONTINGENCY(schools_cells(), 333_333.0)
    values = [r[0] for r in got[1:]]
    assert all(isinstance(v, int) for v in values)
    assert sum(values) == 333_333


# ---------------------------------------------------------------- transfer

def test_transfer_rate_gives_the_amount():
    # 0.5% of a £368.2m schools block = £1,841,000
    assert udfs.HNB_TRANSFER(368_200_000.0, 0.005) == pytest.approx(1_841_000)
    assert udfs.HNB_TRANSFER(368_200_000, "0.5%") == pytest.approx(1_841_000)


def test_transfer_amount_gives_the_rate():
    # the seed's £2,102,000 is exactly 0.5% of a £420.4m schools block
    assert udfs.HNB_TRANSFER(420_400_000.0, 2_102_000.0) == pytest.approx(0.005)
    assert udfs.HNB_TRANSFER(368_200_000, 2_102_000) == pytest.approx(2_102_000 / 368_200_000)


def test_transfer_boundary_one_is_a_rate():
    assert udfs.HNB_TRANSFER(1000.0, 1.0) == pytest.approx(1000.0)   # rate 100%
    assert udfs.HNB_TRANSFER(1000.0, 2.0) == pytest.approx(0.002)    # £2


@pytest.mark.parametrize("amount, block, verdict", [
    pytest.param(2_102_000, 368_200_000, "Above 0.5%: disapplication request needed", id="seed-2102k-of-368.2m"),
    pytest.param(2_102_000, 420_400_000, "Within 0.5% limit: Schools Forum approval", id="exactly-at-limit"),
    pytest.param(1_841_000.0, 368_200_000.0, "Within 0.5% limit: Schools Forum approval", id="within"),
    pytest.param(0.006, 368_200_000, "Above 0.5%: disapplication request needed", id="rate-given"),
    pytest.param("1.8%", 368_200_000, "Above 0.5%: disapplication request needed", id="refused-2020-request"),
])
def test_transfer_check_verdicts(amount, block, verdict):
    assert udfs.HNB_TRANSFER_CHECK(amount, block) == verdict


def test_version_names_package_xlwings_and_python():
    v = udfs.HNB_VERSION()
    assert f"hnb_xl {__version__}" in v
    assert f"xlwings {xlwings.__version__}" in v
    assert f"Python {platform.python_version()}" in v


# ---------------------------------------------------------------- bad inputs: a message, never an exception

def with_header(cells, col, new):
    cells = [list(r) for r in cells]
    cells[0][col] = new
    return cells


def with_cell(cells, row, col, value):
    cells = [list(r) for r in cells]
    cells[row][col] = value
    return cells


BAD = [
    ("HNB_DEFICIT", ("2099-01",), "HNB_DEFICIT: year", "not-a-financial-year"),
    ("HNB_DEFICIT", ("next year",), "HNB_DEFICIT: year", "text-year"),
    ("HNB_DEFICIT", ("2014-15",), "HNB_DEFICIT: year", "before-history"),
    ("HNB_DEFICIT", ([[2024, 2025]],), "HNB_DEFICIT: year: expected one cell", "range-as-year"),
    ("HNB_DEFICIT", (None, [["Year", "EHCPs"], ["2021-22", 6100.0]]), "HNB_DEFICIT: history has no", "history-missing-columns"),
    ("HNB_DEFICIT", (None, None, [["Financial year"], ["2030-31"]]), "HNB_DEFICIT: assumptions has no", "assumptions-missing-columns"),
    ("HNB_DEFICIT", (None, with_cell(history_cells(), 3, 2, "n/a")), "HNB_DEFICIT: history row 4, column 'hnb budget'", "text-in-history"),
    ("HNB_DEFICIT", (None, with_cell(history_cells(), 7, 4, None)), "HNB_DEFICIT: history: the last year (2021-22)", "no-last-deficit"),
    ("HNB_DEFICIT", (None, with_cell(history_cells(), 3, 0, "2030-31")), "HNB_DEFICIT: history row", "years-out-of-order"),
    ("HNB_DEFICIT", (None, None, with_cell(assumption_cells(), 1, 0, "2023-24")), "HNB_DEFICIT: assumptions row 3, column 'Financial year': duplicate", "duplicate-year"),
    ("HNB_DEFICIT", (None, None, assumption_cells()[:1] + assumption_cells()[2:]), "HNB_DEFICIT: assumptions row 2, column 'Financial year': assumptions start in 2023-24 but history ends in 2021-22", "assumptions-start-late"),
    ("HNB_DEFICIT", (None, None, with_cell(assumption_cells(), 2, 1, -2146826246)), "#N/A", "excel-error-code"),
    ("HNB_DEFICIT", (None, None, with_cell(assumption_cells(), 2, 1, "#DIV/0!")), "#DIV/0!", "excel-error-text"),
    ("HNB_DEFICIT", (None, [[None, None], [None, None]]), "HNB_DEFICIT: history is empty", "empty-range"),
    ("HNB_PROJECTION", (None, None, "pessimistic"), "HNB_PROJECTION: scenario: unknown scenario 'pessimistic'", "unknown-scenario"),
    ("HNB_PROJECTION", (None, assumption_cells(), "published-forecast-july-2022"), "not both", "assumptions-and-scenario"),
    ("HNB_PROJECTION", (None, [["Financial year", "EHCP growth"]]), "HNB_PROJECTION: assumptions has no", "header-only"),
    ("HNB_GROWTH", ([["EHCPs"], [3429.0], [3822.0]],), "HNB_GROWTH: values: value 1 is 'EHCPs'", "heading-included"),
    ("HNB_GROWTH", ([[1.0, 2.0], [3.0, 4.0]],), "HNB_GROWTH: values: expected one row or one column", "block"),
    ("HNB_GROWTH", ([],), "HNB_GROWTH: values is empty", "empty-list"),
    ("HNB_GROWTH", ([[True], [1.0]],), "HNB_GROWTH: values: value 1", "boolean"),
    ("HNB_CONTINGENCY", (with_header(schools_cells(), 4, "Plans"),), "HNB_CONTINGENCY: schools has no 'EHCPs' column (found: URN, School name, Phase, Pupils on roll, Plans, Notional SEN budget)", "no-ehcps-column"),
    ("HNB_CONTINGENCY", ([["URN", "Name"], [1.0, "a"]],), "HNB_CONTINGENCY: schools has no 'EHCPs' column (found: URN, Name)", "issue-example"),
    ("HNB_CONTINGENCY", (with_cell(schools_cells(), 2, 4, 2.5),), "HNB_CONTINGENCY: schools row 3, column 'EHCPs': expected a whole number, got 2.5", "fractional-ehcps"),
    ("HNB_CONTINGENCY", (with_cell(schools_cells(), 2, 4, -1.0),), "HNB_CONTINGENCY: schools row 3, column 'EHCPs': expected a count of 0 or more", "negative-ehcps"),
    ("HNB_CONTINGENCY", (with_cell(schools_cells(), 5, 0, schools_cells()[4][0]),), "HNB_CONTINGENCY: schools row 6, column 'URN': duplicate URN", "duplicate-urn"),
    ("HNB_CONTINGENCY", (with_cell(schools_cells(), 2, 5, None),), "HNB_CONTINGENCY: schools row 3, column 'Notional SEN budget': is blank", "blank-notional"),
    ("HNB_CONTINGENCY", (schools_cells(), -1.0), "HNB_CONTINGENCY: pot: expected an amount in pounds of 0 or more, got -1.0", "negative-pot"),
    ("HNB_CONTINGENCY", (schools_cells(), "lots"), "HNB_CONTINGENCY: pot: expected an amount in pounds, got 'lots'", "text-pot"),
    ("HNB_CONTINGENCY", (schools_cells(), None, -6000), "HNB_CONTINGENCY: cost_per_ehcp", "negative-cost"),
    ("HNB_CONTINGENCY", (schools_cells(), None, None, 1.5), "HNB_CONTINGENCY: notional_share: expected a fraction between 0 and 1, got 1.5", "share-above-one"),
    ("HNB_CONTINGENCY", (None,), "HNB_CONTINGENCY: schools is empty", "schools-left-out"),
    ("HNB_CONTINGENCY", ("A1:F20",), "HNB_CONTINGENCY: schools has no 'URN' column", "address-text"),
    ("HNB_TRANSFER", (0, 0.005), "HNB_TRANSFER: schools_block: expected an amount in pounds more than 0, got 0", "zero-block"),
    ("HNB_TRANSFER", (None, 0.005), "HNB_TRANSFER: schools_block is blank", "blank-block"),
    ("HNB_TRANSFER", (368_200_000, -5), "HNB_TRANSFER: rate_or_amount: expected a rate (1 or less) or an amount in pounds of 0 or more", "negative-amount"),
    ("HNB_TRANSFER", (368_200_000, "abc"), "HNB_TRANSFER: rate_or_amount", "text-amount"),
    ("HNB_TRANSFER", (368_200_000, [[1.0, 2.0]]), "HNB_TRANSFER: rate_or_amount: expected one cell, got a range of 2 cells", "range-amount"),
    ("HNB_TRANSFER_CHECK", (2_102_000, "x"), "HNB_TRANSFER_CHECK: schools_block", "text-block"),
    ("HNB_TRANSFER_CHECK", (None, 368_200_000), "HNB_TRANSFER_CHECK: amount is blank", "blank-amount"),
    ("HNB_TRANSFER_CHECK", (True, 368_200_000), "HNB_TRANSFER_CHECK: amount", "boolean-amount"),
    ("HNB_VERSION", (1,), "HNB_VERSION: takes at most 0 argument(s), got 1", "too-many-args"),
    # safety valve functions (issue 7; more cases in tests/test_udfs_plan.py)
    ("HNB_PLAN", (None, None, None, -1.0), "HNB_PLAN: dfe_total", "negative-dfe-total"),
    ("HNB_BALANCE_YEAR", (None, None, None, "soon"), "HNB_BALANCE_YEAR: measure", "unknown-measure"),
]


@pytest.mark.parametrize("name, args, start", [pytest.param(n, a, s, id=f"{n}-{i}") for n, a, s, i in BAD])
def test_bad_input_returns_a_message(name, args, start):
    got = getattr(udfs, name)(*args)
    assert isinstance(got, str)
    assert got.startswith(name + ": ")
    assert start in got
    assert len(got) <= 255


ISSUE_FUNCTIONS = {"HNB_DEFICIT", "HNB_PROJECTION", "HNB_GROWTH", "HNB_CONTINGENCY", "HNB_TRANSFER",
                   "HNB_TRANSFER_CHECK", "HNB_VERSION"}


def test_every_issue_function_has_bad_input_cases():
    assert {n for n, *_ in BAD} >= ISSUE_FUNCTIONS


GARBAGE = [
    pytest.param("garbage", id="text"),
    pytest.param(True, id="boolean"),
    pytest.param(float("inf"), id="infinity"),
    pytest.param([["x", None], [None, "y"]], id="small-block"),
]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("bad", GARBAGE)
def test_any_spec_function_given_garbage_names_itself_and_the_argument(name, bad):
    spec = FUNCTIONS[name]
    for i, arg in enumerate(spec.args):
        args = [None] * spec.max_args
        if not spec.args[0].optional and i != 0:
            continue        # a required first argument left blank would be reported instead
        args[i] = bad
        got = getattr(udfs, name)(*args)
        if isinstance(got, str) and got.startswith(name + ":"):
            assert "unexpected error" not in got, got
            assert arg.name in got or any(a.name in got for a in spec.args), got
        else:   # some garbage is a valid value for some arguments; then it must be a clean result
            assert_no_nan(got)


def test_unknown_keyword_is_a_message():
    assert udfs.HNB_DEFICIT(yeer="2025-26").startswith("HNB_DEFICIT: has no argument 'yeer'")
    assert udfs.HNB_DEFICIT(year="2025-26") == udfs.HNB_DEFICIT("2025-26")


def test_several_problems_report_the_first_and_a_count():
    cells = with_cell(with_cell(schools_cells(), 2, 4, 2.5), 3, 4, "x")
    got = udfs.HNB_CONTINGENCY(cells)
    assert got.startswith("HNB_CONTINGENCY: schools row 3, column 'EHCPs'")
    assert got.endswith("(and 1 more problem)")


def test_long_messages_are_cut_to_255_characters():
    header = [f"Column number {i} with a long heading" for i in range(20)]
    got = udfs.HNB_CONTINGENCY([header, [1.0] * 20])
    assert len(got) <= 255 and got.endswith("...")


def test_unexpected_error_returns_a_message_and_logs_the_traceback(monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("engine exploded")
    monkeypatch.setattr(udfs, "annual_growth", boom)
    got = udfs.HNB_GROWTH([[1.0], [2.0]])
    assert got.startswith("HNB_GROWTH: unexpected error (RuntimeError: engine exploded)")
    log = udfs.LOG_PATH.read_text(encoding="utf-8")
    assert "Traceback" in log and "engine exploded" in log and "HNB_GROWTH" in log


def test_bad_input_is_logged_with_its_arguments_and_message_without_a_traceback():
    got = udfs.HNB_TRANSFER(0, 0.005)
    assert got.startswith("HNB_TRANSFER:")
    log = udfs.LOG_PATH.read_text(encoding="utf-8")
    assert "HNB_TRANSFER(0, 0.005" in log and got in log
    assert "Traceback" not in log      # a refusal is an answer, not a failure (an unexpected error logs one: above)


# ---------------------------------------------------------------- empty results, caching

def test_outputs_have_no_nan():
    for value in [udfs.HNB_DEFICIT(), udfs.HNB_PROJECTION(), udfs.HNB_GROWTH([[1.0], [None], [2.0]]),
                  udfs.HNB_CONTINGENCY(schools_cells() + [[None] * 6])]:
        assert_no_nan(value)


def test_results_are_cached_on_argument_values(monkeypatch):
    from hnb_xl import api        # the Excel functions project through the use-case layer
    calls = []
    real = api.project

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)
    monkeypatch.setattr(api, "project", counting)
    first = udfs.HNB_DEFICIT(None, history_cells())
    second = udfs.HNB_DEFICIT(None, history_cells())      # equal values, new list objects
    assert first == second and len(calls) == 1
    udfs.HNB_DEFICIT("2025-26", history_cells())           # other arguments: computed
    assert len(calls) == 2


def test_cached_results_are_not_shared_with_callers():
    first = udfs.HNB_PROJECTION()
    first[1][0] = "changed"
    assert udfs.HNB_PROJECTION()[1][0] == "2022-23"


def test_bundled_data_is_read_once(monkeypatch):
    from hnb_xl import bundled
    udfs.HNB_DEFICIT("2024-25")                            # loads (if not yet loaded)
    monkeypatch.setattr(bundled, "history", lambda: pytest.fail("bundled history read twice"))
    udfs.cache_clear()
    assert round(udfs.HNB_DEFICIT("2024-25") / 1e6, 1) == 77.1


@pytest.mark.parametrize("blank", [None, "", [[None]], [[""]], [[0]]], ids=["none", "empty", "cell-none", "cell-empty", "cell-officejs-zero"])
def test_optional_table_pointing_at_an_empty_cell_uses_the_bundled_data(blank):
    assert udfs.HNB_DEFICIT("2025-26", blank, blank) == udfs.HNB_DEFICIT("2025-26")
    assert udfs.HNB_PROJECTION(blank, blank) == udfs.HNB_PROJECTION()


@pytest.mark.parametrize("name, args, engine", [
    pytest.param("HNB_GROWTH", ([[1.0], [2.0]],), "annual_growth", id="growth-single-range-arg"),
    pytest.param("HNB_CONTINGENCY", (schools_cells(),), "allocate", id="contingency"),
    pytest.param("HNB_TRANSFER", (368_200_000.0, 0.005), "transfer", id="transfer-scalars"),
    pytest.param("HNB_DEFICIT", (None, history_cells(), assumption_cells()), "project", id="deficit-tables"),
])
def test_every_kind_of_argument_list_is_cached(monkeypatch, name, args, engine):
    from hnb_xl import api        # HNB_DEFICIT projects through the use-case layer
    module = api if engine == "project" else udfs
    calls = []
    real = getattr(module, engine)

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)
    monkeypatch.setattr(module, engine, counting)
    import copy
    first = getattr(udfs, name)(*copy.deepcopy(args))
    assert getattr(udfs, name)(*copy.deepcopy(args)) == first
    assert len(calls) == 1


def test_an_input_table_is_converted_once_for_many_calls(monkeypatch):
    from hnb_xl.excel import args as excel_args
    calls = []
    real = excel_args._convert_table

    def counting(*a, **k):
        calls.append(a[2])
        return real(*a, **k)
    monkeypatch.setattr(excel_args, "_convert_table", counting)
    hist = history_cells()
    values = [udfs.HNB_DEFICIT(y, hist) for y in ("2022-23", "2023-24", "2024-25", "2025-26")]
    assert calls == ["history"]
    assert [round(v / 1e6, 1) for v in values] == [DEFICIT_GROWTH_PROJECTED[y][0]
                                                   for y in ("2022-23", "2023-24", "2024-25", "2025-26")]


def test_converted_tables_are_copied_for_each_caller():
    from hnb_xl.excel import args as excel_args
    from hnb_xl.tables.schema import HISTORY
    first = excel_args.table(HISTORY, history_cells(), "history")
    first.loc[:, "hnb_budget"] = 0.0
    again = excel_args.table(HISTORY, history_cells(), "history")
    assert again["hnb_budget"].iloc[-1] == HISTORY_TABLE["2021-22"][2] * 1000


def test_shared_converted_tables_are_not_changed_by_the_functions():
    # the adapters hand the remembered frames to the engine without copying them: every function
    # that takes an input table must leave them exactly as converted
    from hnb_xl.excel import args as excel_args
    from hnb_xl.tables.schema import ASSUMPTIONS, HISTORY, SCHOOLS
    hist, assume, schools = history_cells(), assumption_cells(), schools_cells()
    udfs.HNB_DEFICIT(None, hist, assume)
    udfs.HNB_DEFICIT("2030-31", hist, assume)          # extends the assumptions
    udfs.HNB_DEFICIT("2019-20", hist, assume)          # a history year
    udfs.HNB_PROJECTION(hist, assume)
    udfs.HNB_CONTINGENCY(schools, 100_000.0)
    udfs.HNB_PLAN(None, hist, assume)
    udfs.HNB_BALANCE_YEAR(None, hist, assume, "cleared")
    for schema, cells, arg in [(HISTORY, hist, "history"), (ASSUMPTIONS, assume, "assumptions"),
                               (SCHOOLS, schools, "schools")]:
        shared = excel_args.converted(schema, cells, arg)
        fresh = excel_args._convert_table(schema, cells, arg)
        assert shared is excel_args.converted(schema, cells, arg)      # remembered, not reconverted
        pd.testing.assert_frame_equal(shared.frame, fresh.frame, check_dtype=True)
        assert shared.frame.attrs == {}
        for name, values in fresh.columns.items():
            np.testing.assert_array_equal(np.asarray(shared.columns[name]), np.asarray(values))


@pytest.mark.parametrize("first, then", [
    pytest.param(True, 1.0, id="bool-then-one"),
    pytest.param(1.0, True, id="one-then-bool"),
])
def test_a_bool_argument_is_not_the_number_it_equals_in_the_cache(first, then):
    # True == 1.0 in Python: the results cache must not answer one with the other's result
    def call(v):
        return udfs.HNB_TRANSFER(368_200_000.0, v)
    a, b = call(first), call(then)
    for value, got in ((first, a), (then, b)):
        if value is True:
            assert isinstance(got, str) and got.startswith("HNB_TRANSFER: rate_or_amount")
        else:
            assert got == pytest.approx(368_200_000.0)         # a rate of 1: the whole block


def _schools_with(ehcps_of_first):
    rows = [["URN", "School name", "EHCPs", "Notional SEN budget"],
            [100001.0, "A", ehcps_of_first, 1000.0], [100002.0, "B", 5.0, 1000.0]]
    return (rows,)


@pytest.mark.parametrize("name, make, ok_value", [
    pytest.param("HNB_GROWTH", lambda v: ([[v], [2.0]],), 1.0, id="growth-range"),
    pytest.param("HNB_CONTINGENCY", _schools_with, 1.0, id="contingency-schools-table"),
])
@pytest.mark.parametrize("order", ["bool-first", "number-first"])
def test_a_true_cell_inside_a_range_is_not_the_number_it_equals_in_the_cache(name, make, ok_value, order):
    """TRUE in a cell of a range equals 1.0 in Python (same hash, equal tuples): neither the results
    cache nor the converted-table cache may answer one with the other's result."""
    fn = getattr(udfs, name)
    calls = [True, ok_value] if order == "bool-first" else [ok_value, True]
    got = {repr(v): fn(*make(v)) for v in calls}
    assert isinstance(got["True"], str) and got["True"].startswith(f"{name}: ")
    assert not isinstance(got[repr(ok_value)], str)


# ---------------------------------------------------------------- HNB_CONTINGENCY_RERUN

def _later_snapshot(tmp_path):
    """The demo census with three changes for the autumn: a school that received money gains 4
    EHCPs, another loses 3, a new school opens. Written as a CSV for the CLI and as cells."""
    rows = raw_csv("demo_schools.csv")
    body = [list(r) for r in rows[1:]]
    first = udfs.HNB_CONTINGENCY(schools_cells())
    paid = [i for i, r in enumerate(first[1:]) if r[0]]
    up, down = paid[0], paid[1]
    body[up][4] = str(int(body[up][4]) + 4)
    body[down][4] = str(int(body[down][4]) - 3)
    body.append(["999001", "New Academy (synthetic)", "Primary", "210", "9", "20000"])
    path = tmp_path / "autumn.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([rows[0], *body])
    return path, [rows[0]] + as_cells(body, None), int(body[up][0]), int(body[down][0])


@pytest.mark.parametrize("claw_back", [pytest.param(False, id="no-claw-back"), pytest.param(True, id="claw-back")])
def test_rerun_equals_hnb_xl_contingency_rerun(tmp_path, capsys, claw_back):
    path, later, up, down = _later_snapshot(tmp_path)
    expected = cli_json(capsys, "contingency", "--rerun", str(path), *(["--claw-back"] if claw_back else []))
    got = udfs.HNB_CONTINGENCY_RERUN(schools_cells(), later, None, None, None, claw_back)
    assert got[0] == ["URN", "School name", "Entitlement (£)", "Paid (£)", "Adjustment (£)", "Total paid after (£)"]
    assert [r[0] for r in got[1:]] == [r["urn"] for r in expected]
    assert [r[2:] for r in got[1:]] == [[r["entitlement"], r["paid"], r["adjustment"], r["total_paid_after"]]
                                        for r in expected]
    by_urn = {r[0]: r for r in got[1:]}
    assert sum(r[3] for r in got[1:]) == SEND_CONTINGENCY_POT            # the first run paid the whole pot
    assert sum(r[2] for r in got[1:]) == SEND_CONTINGENCY_POT            # the re-run shares the same pot
    assert sum(r[5] for r in got[1:]) <= SEND_CONTINGENCY_POT            # both runs within the pot
    # with claw-back the new school's entitlement is all adjustment and more EHCPs are paid more; without
    # it the re-run shares only the balance of the pot, which the first run paid in full: nothing
    assert by_urn[999001][3] == 0 and by_urn[999001][4] == (by_urn[999001][2] if claw_back else 0) >= 0
    assert (by_urn[up][4] > 0) is claw_back
    assert (by_urn[down][4] < 0) is claw_back                            # fewer: repays only with claw-back


def test_rerun_on_the_same_census_adjusts_nothing():
    got = udfs.HNB_CONTINGENCY_RERUN(schools_cells(), schools_cells())
    assert all(r[2] == r[3] and r[4] == 0 for r in got[1:])
    assert len(got) == 1 + 250


@pytest.mark.parametrize("args, text", [
    pytest.param((None, None, None, "maybe"), "HNB_CONTINGENCY_RERUN: claw_back: expected TRUE or FALSE, got 'maybe'",
                 id="claw-back-not-a-flag"),
    pytest.param((-1.0,), "HNB_CONTINGENCY_RERUN: pot", id="negative-pot"),
])
def test_rerun_bad_arguments_are_messages(args, text):
    got = udfs.HNB_CONTINGENCY_RERUN(schools_cells(), schools_cells(), *args)
    assert isinstance(got, str) and got.startswith(text)


def test_rerun_names_the_table_with_the_problem():
    broken = [["URN", "School name", "Notional SEN budget"], [100001.0, "A", 1000.0]]
    got = udfs.HNB_CONTINGENCY_RERUN(schools_cells(), broken)
    assert isinstance(got, str) and got.startswith("HNB_CONTINGENCY_RERUN: later_schools") and "EHCPs" in got


@pytest.mark.parametrize("value, expected", [
    pytest.param(True, True, id="TRUE"), pytest.param(0.0, False, id="zero"), pytest.param(1, True, id="officejs-1"),
    pytest.param("yes", True, id="yes"), pytest.param(" FALSE ", False, id="text-false"),
    pytest.param(None, False, id="left-out"), pytest.param([[None]], False, id="blank-cell"),
])
def test_flag_argument(value, expected):
    from hnb_xl.excel.args import flag
    assert flag(value, "claw_back") is expected
