"""Monte Carlo uncertainty: zero variance = deterministic, reproducible, ordered percentiles."""

import numpy as np
import pandas as pd
import pytest

from hnb_xl import api, bundled
from hnb_xl.engine.montecarlo import (MC_DRIVERS, Uncertainty, balance_caveat, delivery_draws, fan,
                                      probability_of_balance, shocks, simulate)
from hnb_xl.engine.projection import project
from hnb_xl.engine.safety_valve import CASH, NO_AGREEMENT, Workstream, plan
from hnb_xl.errors import HnbInputError, ModelError
from tests.seed import HISTORY_TABLE

WS = api.workstreams()
AG = api.agreement()
SPREAD = Uncertainty(sd={"ehcp_growth": 0.02, "cost_per_ehcp_growth": 0.02, "funding_growth": 0.01},
                     year_correlation=0.5, paths=2000, seed=7)


def _sim(ws=WS, ag=AG, u=SPREAD, to_year=2030):
    return simulate(bundled.history(), bundled.assumptions(), ws, ag, u, to_year=to_year)


def test_zero_variance_no_plan_reproduces_projection_exactly():
    sim = _sim((), NO_AGREEMENT, Uncertainty(paths=3))
    un = project(bundled.history(), bundled.assumptions(), to_year=2030)
    for path in sim["accumulated_deficit_after_contributions"]:
        assert path.tolist() == un["accumulated_deficit"].tolist()


def test_zero_variance_with_plan_reproduces_deterministic_plan():
    sim = _sim(WS, AG, Uncertainty(paths=4))
    det, _ = plan(bundled.history(), bundled.assumptions(), WS, AG, to_year=2030)
    for path in sim["accumulated_deficit_after_contributions"]:
        assert path == pytest.approx(det["accumulated_deficit_after_contributions"].to_numpy(), abs=1e-4)
    f = fan(sim)
    assert f["p10"].to_numpy() == pytest.approx(f["p90"].to_numpy(), abs=1e-6)


def test_fixed_seed_is_reproducible_and_another_seed_differs():
    a = _sim()["accumulated_deficit_after_contributions"]
    b = _sim()["accumulated_deficit_after_contributions"]
    c = _sim(u=Uncertainty(sd=SPREAD.sd, year_correlation=0.5, paths=2000, seed=8))[
        "accumulated_deficit_after_contributions"]
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("ws,ag", [pytest.param(WS, AG, id="mitigated-with-agreement"),
                                   pytest.param((), NO_AGREEMENT, id="unmitigated")])
def test_percentiles_are_ordered_every_year(ws, ag):
    f = fan(_sim(ws, ag))
    assert (f["p10"] <= f["p50"]).all() and (f["p50"] <= f["p90"]).all()
    assert (f["p90"] - f["p10"]).iloc[-1] > (f["p90"] - f["p10"]).iloc[0] > 0  # spread widens with time


def test_median_is_near_the_deterministic_plan():
    det, _ = plan(bundled.history(), bundled.assumptions(), WS, AG, to_year=2030)
    f = fan(_sim())
    # 2022-23: sd of the in-year deficit ~ £108m * sqrt(0.02^2 + 0.02^2) (+ £96m * 0.01) ~ £3.2m, so the
    # sampling error of a 2,000-path median is ~ £0.1m: the median lies within £0.5m of the plan
    assert abs(f["p50"].iloc[0] - det["accumulated_deficit_after_contributions"].iloc[0]) < 500_000


def test_shock_moments_and_correlation():
    z = shocks(np.random.default_rng(1), 200_000, 3, 0.5)
    assert z.std(axis=0) == pytest.approx([1, 1, 1], abs=0.01)
    assert np.corrcoef(z[:, 0], z[:, 1])[0, 1] == pytest.approx(0.5, abs=0.01)
    assert np.corrcoef(z[:, 0], z[:, 2])[0, 1] == pytest.approx(0.25, abs=0.01)


def test_probability_of_balance_extremes():
    no_plan = _sim((), NO_AGREEMENT, Uncertainty(paths=10))
    assert probability_of_balance(no_plan, "2030-31") == 0.0  # unmitigated DSG in-year deficit is £9.9m+ a year
    det = _sim(WS, AG, Uncertainty(paths=10))
    # the deterministic illustrative plan first balances in 2026-27 (hnb-xl plan): certain by then, not before
    assert probability_of_balance(det, "2026-27") == 1.0
    assert probability_of_balance(det, "2025-26") == 0.0
    p = probability_of_balance(_sim(), "2026-27")
    p_no_plan = probability_of_balance(_sim((), NO_AGREEMENT), "2026-27")
    assert 0.0 < p < 1.0 and 0.0 <= p_no_plan < p


def test_probability_rejects_target_outside_plan_years():
    with pytest.raises(ModelError, match="after the last plan year"):
        probability_of_balance(_sim(ag=NO_AGREEMENT, to_year=2025), "2026-27")


def test_bundled_uncertainty_is_valid_and_illustrative():
    u = api.uncertainty()
    assert set(u.sd) == set(MC_DRIVERS) and u.paths == 10_000
    assert bundled.plan_uncertainty()["basis"].str.startswith("ILLUSTRATIVE").all()


@pytest.mark.parametrize("table,settings,match", [
    pytest.param(pd.DataFrame({"driver": ["ehcp_growth"], "distribution": ["lognormal"], "sd": [0.1]}), {},
                 "not supported", id="unknown-distribution"),
    pytest.param(pd.DataFrame({"driver": ["ehcp_growth"], "distribution": ["normal"], "sd": [-0.1]}), {},
                 "0 or more", id="negative-sd"),
    pytest.param(pd.DataFrame({"driver": ["births"], "distribution": ["normal"], "sd": [0.1]}), {},
                 "unknown driver", id="unknown-driver"),
    pytest.param(pd.DataFrame({"driver": ["ehcp_growth"], "distribution": ["normal"], "sd": [0.1]}),
                 {"year_correlation": 1.0}, "year_correlation", id="correlation-one"),
])
def test_bad_uncertainty_inputs(table, settings, match):
    with pytest.raises(HnbInputError, match=match):
        api.uncertainty(table, settings)


# --- issue 16 part 5: delivery drawn per workstream, transfer and other DSG movements varied, the
# --- correlation of EHCP growth and cost growth an input --------------------------------------------


CASH_WS = Workstream("cash", CASH, 5_000_000, 2022, 1, 0.5)


def test_bernoulli_delivery_gives_each_path_all_or_nothing():
    """k = 0: a path has the workstream in full (its plan at confidence 1) or not at all (no plan)."""
    sim = _sim([CASH_WS], NO_AGREEMENT, Uncertainty(paths=2000, seed=3, delivery_concentration=0.0))
    full, _ = plan(bundled.history(), bundled.assumptions(), [Workstream("cash", CASH, 5_000_000, 2022)],
                   NO_AGREEMENT, to_year=2030)
    none = project(bundled.history(), bundled.assumptions(), to_year=2030)
    paths = sim["accumulated_deficit_after_contributions"]
    delivered = np.array([np.allclose(p, full["accumulated_deficit"], atol=1e-4) for p in paths])
    missed = np.array([np.allclose(p, none["accumulated_deficit"], atol=1e-4) for p in paths])
    assert (delivered | missed).all()
    assert abs(delivered.mean() - 0.5) < 3 * np.sqrt(0.25 / 2000)      # binomial: within 3 standard errors


def test_beta_delivery_has_the_confidence_as_its_mean():
    rng = np.random.default_rng(1)
    ws = [CASH_WS, Workstream("sure", CASH, 1, 2022, 1, 1.0), Workstream("never", CASH, 1, 2022, 1, 0.0)]
    share = delivery_draws(ws, rng, 20_000, 4.0)
    assert abs(share[:, 0].mean() - 0.5) < 0.01 and 0 < share[:, 0].min() and share[:, 0].max() < 1
    # Beta(2, 2): variance c(1-c)/(k+1) = 0.05
    assert share[:, 0].var() == pytest.approx(0.05, abs=0.003)
    assert (share[:, 1] == 1).all() and (share[:, 2] == 0).all()


def test_fixed_delivery_is_the_deterministic_plan():
    share = delivery_draws([CASH_WS], np.random.default_rng(1), 5, None)
    assert (share == 0.5).all()


def test_ehcp_and_cost_growth_draws_have_the_correlation_given():
    u = Uncertainty(sd={"ehcp_growth": 0.02, "cost_per_ehcp_growth": 0.02}, year_correlation=0.5, paths=20_000,
                    seed=5, ehcp_cost_correlation=-0.4)
    d = _sim((), NO_AGREEMENT, u)["drivers"]
    for t in (0, 4):
        r = np.corrcoef(d["ehcp_growth"][:, t], d["cost_per_ehcp_growth"][:, t])[0, 1]
        assert r == pytest.approx(-0.4, abs=0.02)
        assert d["cost_per_ehcp_growth"][:, t].std() == pytest.approx(0.02, rel=0.03)   # sd kept


def test_the_bundled_correlation_is_the_historys():
    """-0.4: the correlation of annual EHCP growth and cost per EHCP growth, 2017-18 to 2021-22 (seed)."""
    years = ["2016-17", "2017-18", "2018-19", "2019-20", "2020-21", "2021-22"]
    ehcp = np.array([HISTORY_TABLE[y][0] for y in years], dtype=float)
    cost = np.array([HISTORY_TABLE[y][4] for y in years], dtype=float) * 1000 / ehcp     # expenditure £000
    r = np.corrcoef(ehcp[1:] / ehcp[:-1] - 1, cost[1:] / cost[:-1] - 1)[0, 1]
    assert r == pytest.approx(-0.3985, abs=0.0005)
    assert api.uncertainty().ehcp_cost_correlation == round(r, 1)


def test_other_dsg_movements_and_the_transfer_are_varied():
    u = Uncertainty(sd={"other_dsg_movements": 1_000_000, "block_transfer": 1_050_000}, paths=20_000, seed=9)
    sim = _sim((), NO_AGREEMENT, u)
    bt = sim["drivers"]["block_transfer"]
    assert (bt >= 0).all()                                             # a transfer is never negative
    # 2023-24 assumes no transfer: E[max(0, N(0, s))] = s / sqrt(2 pi)
    assert bt[:, 1].mean() == pytest.approx(1_050_000 / np.sqrt(2 * np.pi), rel=0.03)
    assert sim["drivers"]["other_dsg_movements"][:, 0].std() == pytest.approx(1_000_000, rel=0.03)
    # 2022-23 in-year: other movements' sd plus the transfer's (clipped around £2.102m, nearly normal)
    assert sim["dsg_in_year_deficit"][:, 0].std() > 1_000_000


def test_the_bundled_monte_carlo_draws_delivery():
    u = api.uncertainty()
    assert u.delivery_concentration == 0.0 and set(u.sd) >= {"other_dsg_movements", "block_transfer"}


def test_probability_of_balance_has_its_caveat():
    text = balance_caveat("2026-27")
    assert "2026-27" in text and "not the sustained balance" in text and "ILLUSTRATIVE" in text
