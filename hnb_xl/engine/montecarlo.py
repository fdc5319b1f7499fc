"""Monte Carlo uncertainty of the safety valve plan over the growth drivers (vectorised numpy).

Distributions are inputs: for each driver ``d`` in ehcp_growth, cost_per_ehcp_growth and
funding_growth, a normal distribution around that year's deterministic assumption with a stated
standard deviation ``sd_d`` (fractions), and an AR(1) correlation ``rho`` between one year's
shock and the next (0 = independent years)::

    z_d,1 = e_d,1
    z_d,t = rho * z_d,t-1 + sqrt(1 - rho^2) * e_d,t,      e ~ N(0, 1) i.i.d., fixed seed
    driver_d,t(path) = assumption_d,t + sd_d * z_d,t

so every year's driver keeps its stated mean and sd. Block transfers, other DSG movements,
mitigations (:mod:`hnb_xl.engine.safety_valve`, applied with their delivery confidence) and the
agreement's contributions are held as in the deterministic plan (instalments in outturn years kept
as received, not deducted again). Each path then runs the same
arithmetic as the deterministic plan::

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

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..years import fy, parse_year
from .projection import extend_assumptions
from .safety_valve import NO_AGREEMENT, Agreement, Workstream, by_year, combined_cuts, expenditure_paths, lever_arrays

MC_DRIVERS = ("ehcp_growth", "cost_per_ehcp_growth", "funding_growth")
PERCENTILES = (10, 50, 90)


@dataclass(frozen=True)
class Uncertainty:
    """Standard deviations (fractions) by driver, the year-to-year correlation, paths and seed."""
    sd: dict = field(default_factory=lambda: {d: 0.0 for d in MC_DRIVERS})
    year_correlation: float = 0.0
    paths: int = 10_000
    seed: int = 20220715

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
    ``years`` (labels), ``dsg_in_year_deficit``, ``accumulated_deficit_after_contributions``."""
    uncertainty.validate()
    a = extend_assumptions(assumptions, to_year) if to_year is not None else assumptions.reset_index(drop=True)
    years = [parse_year(y) for y in a["financial_year"]]
    labels = [fy(y) for y in years]
    n_y, n_p = len(years), int(uncertainty.paths)
    rng = np.random.default_rng(uncertainty.seed)
    drivers = {}
    for d in MC_DRIVERS:  # fixed order, so the stream of random numbers is reproducible
        z = shocks(rng, n_p, n_y, float(uncertainty.year_correlation))
        drivers[d] = a[d].to_numpy(float)[None, :] + float(uncertainty.sd.get(d, 0.0)) * z

    base = history.iloc[-1]
    base_ehcp = float(base["ehcp_count"])
    base_cost = float(base["hnb_expenditure"]) / base_ehcp
    eff, levers = lever_arrays(list(workstreams), years)
    exp = expenditure_paths(base_ehcp, base_cost, drivers["ehcp_growth"], drivers["cost_per_ehcp_growth"],
                            *combined_cuts(eff, levers, len(levers)))
    budget = float(base["hnb_budget"]) * np.cumprod(1.0 + drivers["funding_growth"], axis=-1) \
        + a["block_transfer"].to_numpy(float)
    other = a["other_dsg_movements"].to_numpy(float)
    dsg_in_year = (exp - budget) + other
    outturn = [fy(parse_year(y)) for y in history["financial_year"]]   # instalments there: as received
    dfe = by_year(agreement.dfe_contributions, labels, "DfE contributions", outturn)
    council = by_year(agreement.council_contributions, labels, "council contributions", outturn)
    after = float(base["accumulated_deficit"]) + np.cumsum(dsg_in_year - dfe - council, axis=-1)
    return {"years": labels, "dsg_in_year_deficit": dsg_in_year,
            "accumulated_deficit_after_contributions": after}


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
