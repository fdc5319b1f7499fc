"""History engine against the seed's table "Budget and spend has grown, but not as fast as EHCP numbers"."""

import math

import pytest

from hnb_xl import bundled
from hnb_xl.engine.history import annual_growth, history_table, in_year_deficit
from tests.seed import DEFICIT_GROWTH_PROJECTED, HISTORY_TABLE


def _row(year):
    h = history_table(bundled.history())
    return h.set_index("financial_year").loc[year]


def _pct1(x):
    """Round half away from zero to one decimal of a percentage, as a spreadsheet would show it."""
    return math.floor(x * 1000 + 0.5) / 10


@pytest.mark.parametrize("year", list(HISTORY_TABLE), ids=[f"seed-growth-{y}" for y in HISTORY_TABLE])
def test_growth_rates_match_seed_to_one_decimal(year):
    _, ehcp_g, _, budget_g, _, exp_g, _, _ = HISTORY_TABLE[year]
    r = _row(year)
    assert _pct1(r["ehcp_growth"]) == ehcp_g
    assert _pct1(r["budget_growth"]) == budget_g
    assert _pct1(r["expenditure_growth"]) == exp_g


@pytest.mark.parametrize("year", list(HISTORY_TABLE), ids=[f"seed-in-year-{y}" for y in HISTORY_TABLE])
def test_in_year_deficit_to_the_pound(year):
    assert _row(year)["in_year_deficit"] == HISTORY_TABLE[year][6] * 1000


@pytest.mark.parametrize("year", list(HISTORY_TABLE), ids=[f"seed-accumulated-{y}" for y in HISTORY_TABLE])
def test_accumulated_deficit_reconciles_to_the_pound(year):
    h = history_table(bundled.history()).set_index("financial_year")
    years = list(h.index)
    i = years.index(year)
    prev_acc = 0.0 if year == "2016-17" else h.loc[years[i - 1], "accumulated_deficit"]
    r = h.loc[year]
    # the reconciling line takes the running total exactly to the published figure
    assert prev_acc + r["in_year_deficit"] + r["other_dsg_movements"] == HISTORY_TABLE[year][7] * 1000


@pytest.mark.parametrize("year", [y for y, (_, g) in DEFICIT_GROWTH_PROJECTED.items() if g and y <= "2021-22"],
                         ids=lambda y: f"seed-deficit-growth-{y}")
def test_history_deficit_growth_matches_published_growth(year):
    assert round(_row(year)["deficit_growth"] / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[year][1]


def test_other_dsg_movements_2017_18_by_hand():
    # 642 - 113 - 4,626 = -4,097 (£000)
    assert _row("2017-18")["other_dsg_movements"] == -4_097_000


def test_opening_balance_moves_only_the_first_reconciling_line():
    a = history_table(bundled.history(), opening_accumulated_deficit=0.0).set_index("financial_year")
    b = history_table(bundled.history(), opening_accumulated_deficit=1_000_000.0).set_index("financial_year")
    assert b.loc["2016-17", "other_dsg_movements"] == a.loc["2016-17", "other_dsg_movements"] - 1_000_000
    assert (b.loc["2017-18":, "other_dsg_movements"] == a.loc["2017-18":, "other_dsg_movements"]).all()


@pytest.mark.parametrize("values,expected", [
    pytest.param([100, 110, 121], [None, 0.10, 0.10], id="ten-percent"),
    pytest.param([0, 5], [None, None], id="zero-base-is-undefined"),
    pytest.param([50], [None], id="single-value"),
])
def test_annual_growth(values, expected):
    got = annual_growth(values)
    for g, e in zip(got, expected):
        assert (math.isnan(g) if e is None else g == pytest.approx(e))


def test_in_year_deficit_is_expenditure_minus_budget():
    assert list(in_year_deficit([65701, 100], [63001, 120])) == [2700, -20]
