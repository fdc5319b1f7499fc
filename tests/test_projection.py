"""Projection engine: the default scenario reproduces the seed's "Deficit growth projected"."""

import numpy as np
import pandas as pd
import pytest

from hnb_xl import bundled
from hnb_xl.engine.projection import calibrate_cost_growth, extend_assumptions, project
from tests.seed import DEFICIT_GROWTH_PROJECTED, HISTORY_TABLE

FORECAST_YEARS = ["2022-23", "2023-24", "2024-25", "2025-26"]


def _default(to_year=None):
    return project(bundled.history(), bundled.assumptions(), to_year=to_year).set_index("financial_year")


@pytest.mark.parametrize("year", FORECAST_YEARS, ids=[f"seed-forecast-accumulated-{y}" for y in FORECAST_YEARS])
def test_default_scenario_accumulated_deficit_rounds_to_seed(year):
    assert round(_default().loc[year, "accumulated_deficit"] / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[year][0]


@pytest.mark.parametrize("year", FORECAST_YEARS, ids=[f"seed-forecast-growth-{y}" for y in FORECAST_YEARS])
def test_default_scenario_deficit_growth_rounds_to_seed(year):
    assert round(_default().loc[year, "deficit_growth"] / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[year][1]


def test_first_year_by_hand():
    # base 2021-22 from the seed: 6,100 EHCPs, budget £85,327k, expenditure £100,178k, accumulated £39,264k
    e, b, x, acc = 6100, 85_327_000, 100_178_000, 39_264_000
    a = bundled.assumptions().iloc[0]
    ehcp = e * (1 + a.ehcp_growth)
    cost = x / e * (1 + a.cost_per_ehcp_growth)
    budget = b * (1 + a.funding_growth) + a.block_transfer
    expected_acc = acc + ehcp * cost - budget + a.other_dsg_movements
    r = _default().loc["2022-23"]
    assert r["block_transfer"] == 2_102_000
    assert r["accumulated_deficit"] == pytest.approx(expected_acc, abs=0.01)
    assert r["in_year_deficit"] == pytest.approx(ehcp * cost - budget, abs=0.01)


def test_base_is_seed_2021_22():
    assert HISTORY_TABLE["2021-22"][7] * 1000 == bundled.history().iloc[-1]["accumulated_deficit"]


@pytest.mark.parametrize("to_year,last", [pytest.param(2030, "2030-31", id="to-2030-31"),
                                          pytest.param(2035, "2035-36", id="past-the-file-2035-36"),
                                          pytest.param(2023, "2023-24", id="shorter-2023-24")])
def test_horizon_is_configurable(to_year, last):
    p = _default(to_year)
    assert p.index[-1] == last
    assert len(p) == to_year - 2021


def test_extension_repeats_last_drivers_without_transfer():
    a = bundled.assumptions().iloc[:2]
    ext = extend_assumptions(a, 2025)
    assert list(ext["financial_year"]) == ["2022-23", "2023-24", "2024-25", "2025-26"]
    assert ext.iloc[3]["ehcp_growth"] == a.iloc[1]["ehcp_growth"]
    assert ext.iloc[3]["block_transfer"] == 0


def test_accumulated_is_running_total_of_in_year_plus_other():
    p = _default(2030)
    running = 39_264_000 + np.cumsum(p["in_year_deficit"] + p["other_dsg_movements"])
    assert np.allclose(p["accumulated_deficit"], running, atol=0.01)


def test_gap_in_assumption_years_is_rejected():
    a = bundled.assumptions().drop(index=1)
    with pytest.raises(ValueError, match="not contiguous"):
        project(bundled.history(), a)


def test_assumptions_must_follow_history():
    a = bundled.assumptions().iloc[1:]
    with pytest.raises(ValueError, match="expected 2022-23"):
        project(bundled.history(), a)


def test_calibration_recovers_known_cost_growth():
    # Project with chosen drivers, then ask the calibrator to find cost growth from the outcome.
    hist = bundled.history()
    a = pd.DataFrame({"financial_year": ["2022-23", "2023-24"], "ehcp_growth": [0.08, 0.07],
                      "cost_per_ehcp_growth": [0.02, -0.01], "funding_growth": [0.05, 0.04],
                      "block_transfer": [1_000_000.0, 0.0], "other_dsg_movements": [-500_000.0, 0.0]})
    p = project(hist, a)
    got = calibrate_cost_growth(hist, a, p["accumulated_deficit"])
    assert got == pytest.approx([0.02, -0.01], abs=1e-12)


# --- the engine's one error type: which row of which table (issue 11) ---------------------------------

@pytest.mark.parametrize("years,index", [
    pytest.param(["2021-22", "2022-23"], 0, id="starts-in-the-last-history-year"),
    pytest.param(["2022-23", "2024-25"], 1, id="gap-at-the-second-row"),
])
def test_year_errors_name_the_assumptions_row(years, index):
    from hnb_xl.errors import ModelError
    a = bundled.assumptions().iloc[:2].assign(financial_year=years)
    with pytest.raises(ModelError) as e:
        project(bundled.history(), a)
    assert (e.value.table, e.value.field, e.value.index) == ("assumptions", "financial_year", index)
