"""HNB_PLAN and HNB_BALANCE_YEAR: the safety valve plan in Excel, same numbers as the engine/CLI."""

import pytest

from hnb_xl import udfs
from hnb_xl.excel.spec import FUNCTIONS
from tests.seed import DEFICIT_GROWTH_PROJECTED

HEADER = ["Name", "Lever", "Amount", "Start year"]


pytestmark = pytest.mark.usefixtures("fresh_udfs")


def test_plan_spills_header_and_one_row_per_year():
    g = udfs.HNB_PLAN()
    assert g[0][0] == "Financial year" and len(g[0]) == 9
    assert [r[0] for r in g[1:]] == [f"{y}-{(y + 1) % 100:02d}" for y in range(2022, 2031)]


@pytest.mark.parametrize("year", ["2022-23", "2023-24", "2024-25", "2025-26"], ids=lambda y: f"seed-{y}")
def test_plan_unmitigated_column_is_the_seed_forecast(year):
    g = udfs.HNB_PLAN()
    col = g[0].index("Unmitigated accumulated deficit")
    row = next(r for r in g[1:] if r[0] == year)
    assert round(row[col] / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[year][0]


def test_plan_slough_instalments():
    g = udfs.HNB_PLAN(None, None, None, 27_000_000, 0.4, 5, "2022-23")
    col = g[0].index("DfE contribution")
    assert [r[col] for r in g[1:6]] == pytest.approx([10.8e6, 4.05e6, 4.05e6, 4.05e6, 4.05e6])
    assert [r[col] for r in g[6:]] == [0.0] * 4


def test_plan_no_mitigations_no_contributions_equals_projection():
    g = udfs.HNB_PLAN([HEADER], None, None, 0)
    proj = udfs.HNB_PROJECTION()
    acc = proj[0].index("Accumulated DSG deficit")
    after = g[0].index("Accumulated deficit after contributions")
    assert [r[after] for r in g[1:]] == [r[acc] for r in proj[1:]]


def test_balance_year_default_plan_and_cleared():
    assert udfs.HNB_BALANCE_YEAR() == "2026-27"
    # without mitigations the unmitigated DSG in-year deficit never reaches 0 (it grows £9.9m+ a year)
    assert udfs.HNB_BALANCE_YEAR([HEADER]) == "not by 2030-31"


def test_balance_year_from_a_workstreams_range():
    # the unmitigated 2026-27 DSG in-year deficit is ~£17.3m (seed drivers held): £18m cash from 2026-27
    ws = [HEADER, ["Transport", "cash_saving", 18_000_000.0, "2026-27"], [None, None, None, None]]
    assert udfs.HNB_BALANCE_YEAR(ws) == "2026-27"
    # starting a year later, £18m no longer covers 2027-28's ~£18.6m, but £20m does
    assert udfs.HNB_BALANCE_YEAR([HEADER, ["T", "cash_saving", 18_000_000.0, 2027.0]]) == "not by 2030-31"
    assert udfs.HNB_BALANCE_YEAR([HEADER, ["T", "cash_saving", 20_000_000.0, 2027.0]]) == "2027-28"


def test_cleared_depends_on_the_contribution():
    big = udfs.HNB_BALANCE_YEAR([HEADER], None, None, "cleared", 200_000_000, 1.0, 1, "2023-24")
    assert big == "2023-24"  # £200m in 2023-24 clears the £62.3m deficit that year
    assert udfs.HNB_BALANCE_YEAR([HEADER], None, None, "cleared", 0) == "not by 2030-31"


@pytest.mark.parametrize("args,text", [
    pytest.param(([HEADER, ["x", "cash_saving", "abc", "2023-24"]],), "workstreams row 2, column 'Amount'",
                 id="text-amount-row-counted-from-header"),
    pytest.param(([HEADER, ["x", "wishful", 1.0, "2023-24"]],), "unknown lever", id="unknown-lever"),
    pytest.param(([HEADER, ["x", "cash_saving", 5e8, "2023-24"]],), "below zero in 2023-24", id="below-zero"),
    pytest.param((None, None, None, "soon"), "measure", id="unknown-measure"),
    pytest.param((None, None, None, None, None, 1.5), "first_share", id="share-above-one"),
])
def test_balance_year_bad_input_is_a_message(args, text):
    got = udfs.HNB_BALANCE_YEAR(*args)
    assert got.startswith("HNB_BALANCE_YEAR: ") and text in got and len(got) <= 255


def test_specs_exist_with_the_same_optional_arguments():
    assert FUNCTIONS["HNB_PLAN"].min_args == 0 and FUNCTIONS["HNB_PLAN"].max_args == 8     # + payments
    assert FUNCTIONS["HNB_BALANCE_YEAR"].arg_names[3] == "measure"


def test_cached_agreement_is_not_modified_by_the_engine():
    """The agreement built from the arguments is cached and shared between calls: running the plan
    must leave it equal to a freshly built one, and a second call must give the same cells."""
    from hnb_xl import api
    first = udfs.HNB_PLAN(None, None, None, 27_000_000.0, 0.4, 5.0)
    terms = {"dfe_total": 27_000_000.0, "first_share": 0.4, "instalments": 5.0}
    cached = udfs._agreement(tuple(sorted(terms.items())))
    assert cached == api.agreement(None, **terms)
    udfs._cache.clear()  # results forgotten, the agreement stays cached
    assert udfs.HNB_PLAN(None, None, None, 27_000_000.0, 0.4, 5.0) == first
    assert udfs._agreement.cache_info().hits >= 1


# --- engine errors name the function's argument or the range's row (issue 11: one translation) --------

@pytest.mark.parametrize("args,expected", [
    pytest.param((None, None, None, None, None, 0), "HNB_PLAN: instalments: expected a count of 1 or more",
                 id="instalments-zero-names-the-argument"),
    pytest.param((None, None, None, None, None, None, "2031-32"),
                 "HNB_PLAN: first_year: contributions in 2031-32 to 2035-36 fall outside the plan years",
                 id="first-year-beyond-the-plan-names-the-argument"),
    pytest.param(([HEADER, ["x", "cash_saving", 5e8, "2023-24"]],),
                 "HNB_PLAN: workstreams row 2, column 'Amount': workstream 'x' would take HNB expenditure below zero",
                 id="below-zero-names-the-range-row"),
    pytest.param(([HEADER, ["x", "cash_saving", 1.0, "2023-24"], ["x", "cash_saving", 2.0, "2024-25"]],),
                 "HNB_PLAN: workstreams row 3, column 'Name': duplicate Name x", id="duplicate-name-names-the-row"),
])
def test_plan_errors_name_the_argument_or_row(args, expected):
    got = udfs.HNB_PLAN(*args)
    assert isinstance(got, str) and got.startswith(expected)
