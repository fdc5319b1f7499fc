"""Bridge, tornado, break-even and Monte Carlo over the placement engine (issue 15 parts 2, 4 and 7).

Expected figures: the seed's published forecast (tests/seed.py), the model review's independent
recomputation of the 2021-22 transfer held out of the base (+£0.70m, £1.44m, £2.21m, £3.03m; its
finding F4, made with the reviewer's own scripts), and arithmetic by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from hnb_xl.engine import sensitivity
from hnb_xl.engine.placement import project_placements
from hnb_xl.tables import placement as tables

from .seed import DEFICIT_GROWTH_PROJECTED


@pytest.fixture(scope="module")
def bridge(replica, driver):
    return sensitivity.bridge(replica, driver).set_index("step")


def test_bridge_starts_at_the_replica_which_rounds_to_the_seed(bridge):
    first = bridge.loc[sensitivity.REPLICA]
    for year in ("2022-23", "2023-24", "2024-25", "2025-26"):
        assert round(first[year] / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[year][0]


def test_bridge_rows_add_up_to_the_driver_forecast(bridge, driver):
    steps = bridge.drop(index=[sensitivity.REPLICA, sensitivity.UNMITIGATED])
    assert len(steps) == len(sensitivity.BRIDGE_STEPS)
    total = bridge.loc[sensitivity.REPLICA] + steps.sum()
    final = project_placements(driver).summary.set_index("financial_year")["accumulated_deficit"].iloc[1:]
    assert np.allclose(total.to_numpy(float), final.to_numpy(), atol=0.01)
    assert np.allclose(bridge.loc[sensitivity.UNMITIGATED].to_numpy(float), final.to_numpy(), atol=0.01)


def test_bridge_other_dsg_movements_row_is_2_4m_a_year(bridge):
    row = bridge.loc[sensitivity.BRIDGE_STEPS[0][0]]
    assert [round(row[y]) for y in ("2022-23", "2023-24", "2024-25", "2025-26")] == [2_400_000, 4_800_000,
                                                                                       7_200_000, 9_600_000]


def test_bridge_transfer_held_out_of_the_base_matches_the_review(bridge):
    row = bridge.loc[sensitivity.BRIDGE_STEPS[1][0]]
    assert [round(row[y] / 1e6, 2) for y in ("2022-23", "2023-24", "2024-25", "2025-26")] == [0.70, 1.44, 2.21, 3.03]


def test_tornado_other_dsg_sensitivity_is_9_6m_in_2025_26_and_sorted(driver):
    from hnb_xl import bundled
    assert sensitivity.other_dsg_of(bundled.assumptions()) == pytest.approx(-2_400_000)   # the seed's -£2.4m a year
    assert not any(d.name.startswith("Other DSG") for d in sensitivity.TORNADO)   # no authority's figure in the engine
    t = sensitivity.tornado(driver, "2025-26", other_dsg=sensitivity.other_dsg_of(bundled.assumptions()))
    row = t.set_index("driver").loc["Other DSG movements -£2.4m a year (the aggregate assumptions') / 0"]
    assert row["low_change"] == pytest.approx(-4 * 2_400_000, abs=0.01)
    assert row["high_change"] == pytest.approx(0.0, abs=0.01)
    assert list(t["swing"]) == sorted(t["swing"], reverse=True)
    assert (t["low"] != t["high"]).all()


@pytest.mark.parametrize("key", [pytest.param("ehcp_growth", id="ehcp-growth"),
                                 pytest.param("requests", id="requests-scale"),
                                 pytest.param("inflation", id="unit-cost-inflation"),
                                 pytest.param("allocation_growth", id="allocation-growth")])
def test_break_even_balances_the_chosen_year(driver, key):
    out = sensitivity.break_even(driver, "2025-26", [key]).iloc[0]
    assert np.isfinite(out["value"])
    balanced = sensitivity.BREAK_EVEN[key].apply(driver, out["value"])
    s = project_placements(balanced).summary.set_index("financial_year")
    assert abs(s.loc["2025-26", "in_year_deficit"]) < 1.0


def test_break_even_allocation_growth_by_hand():
    # with the allocation growing at g from the base allocation A, spend S in 2025-26 balances when
    # A (1+g)^4 + transfer = S (2025-26 has no transfer): g = (S / A)^(1/4) - 1
    driver = tables.inputs(tables.load_tables())
    s = project_placements(driver).summary.set_index("financial_year")
    expected = (s.loc["2025-26", "hnb_expenditure"] / s.loc["2021-22", "hnb_allocation"]) ** 0.25 - 1
    out = sensitivity.break_even(driver, "2025-26", ["allocation_growth"]).iloc[0]
    assert out["value"] == pytest.approx(expected, abs=1e-6)


def test_monte_carlo_without_spread_is_the_central_path(driver):
    out = sensitivity.monte_carlo(driver, paths=50, sd_new_plans=0, sd_inflation=0, sd_allocation_growth=0)
    central = project_placements(driver).summary["accumulated_deficit"].to_numpy()[1:]
    for c in ("p5", "p50", "p95", "mean"):
        assert np.allclose(out[c].to_numpy(), central, rtol=1e-12, atol=1e-3)


def test_monte_carlo_zero_spread_reproduces_the_deterministic_run_exactly_over_10_years():
    # 10,000 paths x 10 years (2022-23 .. 2031-32) x 7 categories, no spread: every percentile is the
    # deterministic placement run to the bit (the allocation drawn as a scale on its given path), the mean
    # (a sum of 10,000 equal values divided by 10,000) to the penny
    inputs = tables.inputs(tables.extend(tables.load_tables(), 2031))
    out = sensitivity.monte_carlo(inputs, paths=10_000, sd_new_plans=0, sd_inflation=0, sd_allocation_growth=0)
    s = project_placements(inputs).summary
    assert len(out) == 10 and list(out["financial_year"]) == list(s["financial_year"].iloc[1:])
    central = s["accumulated_deficit"].to_numpy()[1:]
    for c in ("p5", "p50", "p95"):
        assert (out[c].to_numpy() == central).all(), c
    assert np.abs(out["mean"].to_numpy() - central).max() < 0.005


def test_monte_carlo_spread_is_ordered_and_finite(driver):
    out = sensitivity.monte_carlo(driver, paths=2000)
    assert (out["p5"] < out["p50"]).all() and (out["p50"] < out["p95"]).all()
    assert np.isfinite(out.drop(columns="financial_year").to_numpy(float)).all()


def test_tornado_swing_covers_a_driver_that_raises_the_deficit_both_ways(driver):
    # more special places place the 200 waiting pupils (mainstream -> special costs more); fewer send
    # more to independent: both raise the deficit, so the swing is the range over low, central, high
    t = sensitivity.tornado(driver, "2025-26").set_index("driver")
    row = t.loc["Special places +100 / -100"]
    values = [row["low"], row["central"], row["high"]]
    assert row["swing"] == pytest.approx(max(values) - min(values))
    assert row["swing"] >= max(abs(row["low_change"]), abs(row["high_change"]))


def test_the_same_inputs_are_not_projected_twice_and_a_change_is(monkeypatch):
    """api.placement_sensitivity remembers its result under a digest of the inputs (every build and
    refresh computes the Sensitivity snapshot): the same inputs again run no projection and give the
    same frames; a caller changing the frames it got does not change the next answer; one changed
    input (100 more requests for assessment in the first drivers year) is projected again and
    moves the central deficit."""
    from hnb_xl import api, bundled
    from hnb_xl.tables.placement import INPUT_SCHEMAS, load_tables

    loaded = load_tables()
    given = {**{k: loaded[k.removeprefix("placement_")] for k in INPUT_SCHEMAS},
             "placement_history": loaded["placement_history"], "assumptions": bundled.assumptions()}
    history = bundled.history()
    api._sensitivities.clear()
    calls = []
    real = sensitivity.summary_columns
    monkeypatch.setattr(sensitivity, "summary_columns", lambda inputs: calls.append(1) or real(inputs))
    first = api.placement_sensitivity(given, history)
    projected = len(calls)
    assert projected > 20                                   # tornado low/high per driver and the break-evens
    first.tornado.loc[0, "central"] = -1.0                  # the caller's copy
    again = api.placement_sensitivity({k: v.copy() for k, v in given.items()}, history.copy())
    assert len(calls) == projected
    assert again.tornado["central"].iloc[0] == pytest.approx(again.tornado["central"].iloc[-1]) != -1.0
    changed = {k: v.copy() for k, v in given.items()}
    first_year = changed["placement_drivers"].index[0]
    changed["placement_drivers"].loc[first_year, "requests"] += 100
    other = api.placement_sensitivity(changed, history)
    assert len(calls) > projected
    assert other.tornado["central"].iloc[0] > again.tornado["central"].iloc[0]


def test_the_same_figures_from_another_file_are_not_projected_again(monkeypatch):
    """The memo's key is the inputs' figures, not where they were read from: the same tables read
    from another copy of the workbook (each frame's attrs name another file and other rows, and the
    year's cell is another) run no projection and give the same frames; the remembered result does
    not keep the first file's name either."""
    from hnb_xl import api, bundled
    from hnb_xl.tables.placement import INPUT_SCHEMAS, load_tables

    def read_from(name: str, first_row: int) -> dict:
        loaded = load_tables()
        given = {**{k: loaded[k.removeprefix("placement_")].copy() for k in INPUT_SCHEMAS},
                 "placement_history": loaded["placement_history"].copy(), "assumptions": bundled.assumptions()}
        for k, frame in given.items():
            frame.attrs = {"source": f"{name} [Inputs] {k} table",
                           "row_numbers": list(range(first_row, first_row + len(frame)))}
        return given

    api._sensitivities.clear()
    calls = []
    real = sensitivity.summary_columns
    monkeypatch.setattr(sensitivity, "summary_columns", lambda inputs: calls.append(1) or real(inputs))
    first = api.placement_sensitivity(read_from("north.xlsm", 8), bundled.history(), None,
                                      {"year": "north.xlsm Sensitivity!C4"})
    projected = len(calls)
    assert projected > 20
    again = api.placement_sensitivity(read_from("copy of north.xlsm", 40), bundled.history(), None,
                                      {"year": "copy of north.xlsm Sensitivity!C4"})
    assert len(calls) == projected
    assert again.tornado.equals(first.tornado) and again.break_even.equals(first.break_even)
    assert not again.tornado.attrs and not again.break_even.attrs


def test_the_packs_tornado_is_remembered_as_the_workbooks_snapshot_is(monkeypatch):
    """api.placement_charts (the pack's tornado) shares the memo of api.placement_sensitivity (the
    Sensitivity sheet): a second pack of the same inputs runs no projection for it and draws the
    same tornado, and another tornado year is projected again."""
    from hnb_xl import api, bundled
    api._sensitivities.clear()
    calls = []
    real = sensitivity.summary_columns
    monkeypatch.setattr(sensitivity, "summary_columns", lambda inputs: calls.append(1) or real(inputs))
    first = api.placement_charts(bundled.history(), None)["sensitivity"]
    projected = len(calls)
    assert projected > 20
    again = api.placement_charts(bundled.history(), None)["sensitivity"]
    assert len(calls) == projected
    assert again.year == first.year
    assert again.tornado.equals(first.tornado) and again.break_even.equals(first.break_even)
    earlier = api.placement_charts(bundled.history(), None, tornado_year=2024)["sensitivity"]
    assert len(calls) > projected and earlier.year != first.year
