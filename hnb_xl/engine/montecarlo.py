"""Monte Carlo uncertainty of the safety valve plan over the growth drivers (vectorised numpy).

Distributions are inputs: for each driver ``d`` in ehcp_growth, cost_per_ehcp_growth and
funding_growth, a normal distribution around that year's deterministic assumption with a stated
standard deviation ``sd_d`` (fractions), and an AR(1) correlation ``rho`` between one year's
shock and the next (0 = independent years)::

    z_d,1 = e_d,1
    z_d,t = rho * z_d,t-1 + sqrt(1 - rho^2) * e_d,t,      e ~ N(0, 1) i.i.d., fixed seed
    driver_d,t(path) = assumption_d,t + sd_d * z_d,t

so every year's driver keeps its stated mean and sd. The same holds for the other DSG movements
and the block transfer (sd in pounds; a drawn transfer is never below 0). EHCP growth and cost per
EHCP growth are correlated by ``ehcp_cost_correlation`` (r; default 0, the bundled -0.4)::

    z_cost,t <- r * z_ehcp,t + sqrt(1 - r^2) * z_cost,t     (still AR(1), unit variance, corr r)

The bundled -0.4 is the correlation of the two annual growth rates over the five years 2017-18 to
2021-22 of hnb_xl/data/history.csv (-0.3985: EHCPs +11.5%, +9.8%, +11.7%, +13.6%, +14.5%; cost per
EHCP -4.9%, +0.9%, -4.2%, -5.0%, -1.9%); five points, so a weak basis, stated as such.

Each workstream's **delivery** is drawn once per path for the whole plan (``delivery_concentration``
k; None: not drawn, every path applies the delivery confidence c as the deterministic plan does)::

    k = 0:   delivered ~ Bernoulli(c)            (in full, or not at all)
    k > 0:   delivered ~ Beta(k c, k (1 - c))    (a share delivered; mean c, more spread for small k)
    effect_t(path) = amount * ramp_t * delivered(path)

so the mean effect is the deterministic plan's. The agreement's contributions are held as in the
deterministic plan (instalments in outturn years kept as received, not deducted again). Each path
then runs the same arithmetic as the deterministic plan::

    hnb_expenditure = safety_valve.expenditure_paths(...)      (EHCP and cost levers, cash)
    hnb_budget_t    = hnb_budget_b * prod (1 + funding_growth) + block_transfer_t
    dsg_in_year_t   = hnb_expenditure_t - hnb_budget_t + other_dsg_movements_t
    accumulated_after_contributions_t = b/f + cumsum(dsg_in_year - dfe - council)

With every sd = 0 the paths equal the deterministic plan. Outputs: P10/P50/P90 (numpy's
linear-interpolation percentiles) of the accumulated deficit after contributions and of the
DSG in-year deficit by year, and the probability that the first year of in-year balance
(dsg_in_year <= 0) falls on or before the target year.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..years import fy, parse_year
from .projection import extend_assumptions
from .safety_valve import (COST_PER_EHCP, EHCP_GROWTH, NO_AGREEMENT, Agreement, Workstream, by_year, combined_cuts,
                           expenditure_paths, lever_arrays)

MC_DRIVERS = ("ehcp_growth", "cost_per_ehcp_growth", "funding_growth", "other_dsg_movements", "block_transfer")
DISTRIBUTIONS = ("normal",)     # the shock of every driver: a normal around the year's assumption
PERCENTILES = (10, 50, 90)


@dataclass(frozen=True)
class Uncertainty:
    """Standard deviations by driver (fractions for the growth rates, pounds for other DSG
    movements and the block transfer), the year-to-year correlation, the correlation of EHCP growth
    and cost per EHCP growth, how workstream delivery is drawn (module docstring), paths and seed."""
    sd: dict = field(default_factory=lambda: {d: 0.0 for d in MC_DRIVERS})
    year_correlation: float = 0.0
    paths: int = 10_000
    seed: int = 20220715
    ehcp_cost_correlation: float = 0.0
    delivery_concentration: float | None = None

    def validate(self) -> None:
        """sd by driver: a known driver, finite and >= 0 (``index``: the driver's position in ``sd``);
        -1 < year_correlation < 1; paths a whole number >= 1. Raises :class:`~hnb_xl.errors.ModelError`."""
        for k, (d, s) in enumerate(self.sd.items()):
            if d not in MC_DRIVERS:
                raise ModelError(f"unknown driver '{d}' (expected one of {', '.join(MC_DRIVERS)})", field="driver",
                                 table="uncertainty", index=k, value=d)
            if not math.isfinite(s) or s < 0:
                raise ModelError(f"sd of {d} must be 0 or more, got {s!r}", field="sd", table="uncertainty",
                                 index=k, value=s)
        if not -1 < self.year_correlation < 1:
            raise ModelError(f"year_correlation must be between -1 and 1 (exclusive), got {self.year_correlation!r}",
                             field="year_correlation", value=self.year_correlation)
        if not math.isfinite(self.paths) or int(self.paths) != self.paths or self.paths < 1:
            raise ModelError(f"paths must be a whole number of 1 or more, got {self.paths!r}", field="paths",
                             value=self.paths)
        if not -1 <= self.ehcp_cost_correlation <= 1:
            raise ModelError(f"ehcp_cost_correlation must be between -1 and 1, got {self.ehcp_cost_correlation!r}",
                             field="ehcp_cost_correlation", value=self.ehcp_cost_correlation)
        k = self.delivery_concentration
        if k is not None and not (math.isfinite(k) and k >= 0):
            raise ModelError(f"delivery_concentration must be 0 (all or nothing) or more, got {k!r}",
                             field="delivery_concentration", value=k)


def shocks(rng: np.random.Generator, paths: int, years: int, rho: float) -> np.ndarray:
    """Standard-normal AR(1) shocks, shape (paths, years): z_t = rho z_{t-1} + sqrt(1-rho^2) e_t."""
    e = rng.standard_normal((paths, years))
    if rho == 0.0 or years < 2:
        return e
    z = np.empty_like(e)
    z[:, 0] = e[:, 0]
    k = np.sqrt(1.0 - rho * rho)
    for t in range(1, years):
        z[:, t] = rho * z[:, t - 1] + k * e[:, t]
    return z


def simulate(history: pd.DataFrame, assumptions: pd.DataFrame, workstreams: list[Workstream] = (),
             agreement: Agreement = NO_AGREEMENT, uncertainty: Uncertainty = Uncertainty(),
             to_year: int | None = None) -> dict:
    """Simulate ``uncertainty.paths`` paths. Returns a dict of arrays (paths x years, £):
    ``years`` (labels), ``dsg_in_year_deficit``, ``accumulated_deficit_after_contributions``, and
    ``drivers`` ({driver: its drawn values, paths x years})."""
    uncertainty.validate()
    a = extend_assumptions(assumptions, to_year) if to_year is not None else assumptions.reset_index(drop=True)
    years = [parse_year(y) for y in a["financial_year"]]
    labels = [fy(y) for y in years]
    n_y, n_p = len(years), int(uncertainty.paths)
    rng = np.random.default_rng(uncertainty.seed)
    z = {d: shocks(rng, n_p, n_y, float(uncertainty.year_correlation)) for d in MC_DRIVERS}  # fixed order:
    r = float(uncertainty.ehcp_cost_correlation)                                      # reproducible
    if r:
        z["cost_per_ehcp_growth"] = r * z["ehcp_growth"] + math.sqrt(1.0 - r * r) * z["cost_per_ehcp_growth"]
    drivers = {d: a[d].to_numpy(float)[None, :] + float(uncertainty.sd.get(d, 0.0)) * z[d] for d in MC_DRIVERS}
    if float(uncertainty.sd.get("block_transfer", 0.0)) > 0:
        drivers["block_transfer"] = np.maximum(drivers["block_transfer"], 0.0)      # never a negative transfer

    base = history.iloc[-1]
    base_ehcp = float(base["ehcp_count"])
    base_cost = float(base["hnb_expenditure"]) / base_ehcp
    dsg = [w for w in workstreams if w.on_dsg]       # a General Fund saving is not in the DSG (safety_valve)
    exp = expenditure_paths(base_ehcp, base_cost, drivers["ehcp_growth"], drivers["cost_per_ehcp_growth"],
                            *delivered_cuts(dsg, years, rng, n_p, uncertainty.delivery_concentration))
    budget = float(base["hnb_budget"]) * np.cumprod(1.0 + drivers["funding_growth"], axis=-1) \
        + drivers["block_transfer"]
    dsg_in_year = (exp - budget) + drivers["other_dsg_movements"]
    outturn = [fy(parse_year(y)) for y in history["financial_year"]]   # instalments there: as received
    dfe = by_year(agreement.dfe_contributions, labels, "DfE contributions", outturn)
    council = by_year(agreement.council_contributions, labels, "council contributions", outturn)
    after = float(base["accumulated_deficit"]) + np.cumsum(dsg_in_year - dfe - council, axis=-1)
    return {"years": labels, "dsg_in_year_deficit": dsg_in_year,
            "accumulated_deficit_after_contributions": after, "drivers": drivers}


def delivery_draws(workstreams: list[Workstream], rng: np.random.Generator, paths: int,
                   concentration: float | None) -> np.ndarray:
    """The share of each workstream delivered on each path, shape (paths, workstreams): Bernoulli
    (k = 0) or Beta(k c, k (1 - c)) around its delivery confidence c; c of 0 or 1 is not drawn;
    ``concentration`` None: c itself on every path (no draw)."""
    c = np.array([float(w.delivery_confidence) for w in workstreams])
    if concentration is None or not len(workstreams):
        return np.broadcast_to(c, (paths, len(workstreams))).copy()
    if concentration == 0:
        drawn = (rng.random((paths, len(c))) < c).astype(float)
    else:
        inner = (c > 0) & (c < 1)
        drawn = np.broadcast_to(c, (paths, len(c))).copy()
        k = float(concentration)
        drawn[:, inner] = rng.beta(k * c[inner], k * (1 - c[inner]), size=(paths, int(inner.sum())))
    return drawn


def delivered_cuts(workstreams: list[Workstream], years: list[int], rng, paths: int, concentration):
    """(ehcp_cut, cost_cut, cash) by path and year, as :func:`hnb_xl.engine.safety_valve.combined_cuts`
    with each workstream's effect amount * ramp * its delivery draw (:func:`delivery_draws`)."""
    levers = [w.lever for w in workstreams]
    full, _ = lever_arrays([dataclasses.replace(w, delivery_confidence=1.0) for w in workstreams], years)
    if concentration is None:                      # the deterministic plan's effects, on every path
        eff, _ = lever_arrays(workstreams, years)
        return combined_cuts(eff, levers, len(levers))
    share = delivery_draws(workstreams, rng, paths, concentration)        # (paths, workstreams)
    keep_e = np.ones((paths, len(years)))
    keep_c = np.ones((paths, len(years)))
    cash = np.zeros((paths, len(years)))
    for k, lever in enumerate(levers):
        e = share[:, k:k + 1] * full[k][None, :]
        if lever == EHCP_GROWTH:
            keep_e = keep_e * (1.0 - e)
        elif lever == COST_PER_EHCP:
            keep_c = keep_c * (1.0 - e)
        else:
            cash = cash + e
    return 1.0 - keep_e, 1.0 - keep_c, cash


def balance_caveat(target_year) -> str:
    """What the probability of balance is, and is not, in words beside the figure."""
    t = fy(parse_year(target_year) if not isinstance(target_year, int) else target_year)
    return (f"the share of simulated paths whose DSG in-year deficit is 0 or less in some year up to {t}: a first "
            "year of balance, not the sustained balance an agreement requires, and not the accumulated deficit; "
            "the spreads are ILLUSTRATIVE (hnb_xl/data/plan_uncertainty.csv), so it is not a forecast probability")


def fan(sim: dict, key: str = "accumulated_deficit_after_contributions") -> pd.DataFrame:
    """P10/P50/P90 (and mean) by year of ``sim[key]``."""
    values = sim[key]
    q = np.percentile(values, PERCENTILES, axis=0)
    return pd.DataFrame({"financial_year": sim["years"], "p10": q[0], "p50": q[1], "p90": q[2],
                         "mean": values.mean(axis=0)})


def probability_of_balance(sim: dict, target_year) -> float:
    """Share of paths whose DSG in-year deficit is <= 0 in some year on or before ``target_year``
    (i.e. the first year of in-year balance is no later than the target)."""
    labels = sim["years"]
    t = parse_year(target_year) if not isinstance(target_year, int) else target_year
    cols = [i for i, y in enumerate(labels) if parse_year(y) <= t]
    if not cols:
        raise ModelError(f"target year {fy(t)} is before the first plan year {labels[0]}",
                         field="target_balance_year", value=fy(t))
    if parse_year(labels[-1]) < t:
        raise ModelError(f"target year {fy(t)} is after the last plan year {labels[-1]}: extend the horizon",
                         field="target_balance_year", value=fy(t))
    reached = (sim["dsg_in_year_deficit"][:, cols] <= 0).any(axis=1)
    return float(reached.mean())
