"""Year-by-year projection of the High Needs Block and the accumulated DSG deficit.

Driver assumptions per financial year (fractions and pounds):
  ehcp_growth, cost_per_ehcp_growth, funding_growth, block_transfer (£), other_dsg_movements (£).

Formulas (base = last history year, "b")::

    ehcp_count_t       = ehcp_count_{t-1} * (1 + ehcp_growth_t)
    cost_per_ehcp_t    = cost_per_ehcp_{t-1} * (1 + cost_per_ehcp_growth_t),
                         cost_per_ehcp_b = hnb_expenditure_b / ehcp_count_b
    hnb_expenditure_t  = ehcp_count_t * cost_per_ehcp_t
    hnb_funding_t      = hnb_funding_{t-1} * (1 + funding_growth_t),  hnb_funding_b = hnb_budget_b
    hnb_budget_t       = hnb_funding_t + block_transfer_t
                         (a schools block transfer lasts one year: it is not carried into the base)
    in_year_deficit_t  = hnb_expenditure_t - hnb_budget_t
    accumulated_deficit_t = accumulated_deficit_{t-1} + in_year_deficit_t + other_dsg_movements_t
    deficit_growth_t   = accumulated_deficit_t - accumulated_deficit_{t-1}

This is the "deficit layer" of the DSG management plan (HNB allocation + block transfer - spend,
accumulated), as in the seed: Cambridgeshire County Council, "High Needs Block and Safety Valve
Update", Schools Forum, 15 July 2022 (provenance in hnb_xl/data/README.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..years import fy, parse_year

PROJECTION_COLUMNS = ["financial_year", "ehcp_count", "cost_per_ehcp", "hnb_expenditure", "hnb_funding",
                      "block_transfer", "hnb_budget", "in_year_deficit", "other_dsg_movements",
                      "accumulated_deficit", "deficit_growth"]


def extend_assumptions(assumptions: pd.DataFrame, to_year: int) -> pd.DataFrame:
    """Assumptions up to ``to_year`` (start year): rows past the last given year repeat its
    growth rates and other DSG movements, with no block transfer (transfers are agreed one year
    at a time). Rows after ``to_year`` are dropped."""
    a = assumptions.reset_index(drop=True).copy()
    years = [parse_year(y) for y in a["financial_year"]]
    a["financial_year"] = [fy(y) for y in years]
    last = years[-1]
    if to_year > last:
        tail = a.iloc[[-1]]
        extra = []
        for y in range(last + 1, to_year + 1):
            row = tail.copy()
            row["financial_year"] = fy(y)
            row["block_transfer"] = 0.0
            extra.append(row)
        a = pd.concat([a, *extra], ignore_index=True)
    keep = [parse_year(y) <= to_year for y in a["financial_year"]]
    return a.loc[keep].reset_index(drop=True)


def check_years(base_year: int, years: list[int]) -> None:
    """The projection's year rule: the assumptions start the year after the base (last history)
    year and run one after another with no gaps. Raises :class:`~hnb_xl.errors.ModelError` naming
    the assumptions' ``financial_year`` at the offending row (0-based ``index``)."""
    if not years:
        raise ModelError("no projection years: the assumptions table is empty", field="financial_year",
                         table="assumptions")
    if years[0] != base_year + 1:
        raise ModelError(f"assumptions start in {fy(years[0])} but history ends in {fy(base_year)}: "
                         f"expected {fy(base_year + 1)}", field="financial_year", table="assumptions", index=0,
                         value=fy(years[0]))
    for i, (prev, cur) in enumerate(zip(years, years[1:]), start=1):
        if cur != prev + 1:
            raise ModelError(f"assumption years are not contiguous: {fy(prev)} is followed by {fy(cur)}",
                             field="financial_year", table="assumptions", index=i, value=fy(cur))


def project(history: pd.DataFrame, assumptions: pd.DataFrame, to_year: int | None = None) -> pd.DataFrame:
    """Project from the last row of ``history`` using ``assumptions`` (see module docstring).

    ``history`` needs ``financial_year, ehcp_count, hnb_budget, hnb_expenditure,
    accumulated_deficit`` for its last row. ``assumptions`` must start the year after it
    and have no gaps. ``to_year`` (start year, e.g. 2030 for 2030-31) sets the horizon.
    Returns one row per projected year with :data:`PROJECTION_COLUMNS`.
    """
    base = history.iloc[-1]
    base_year = parse_year(base["financial_year"])
    a = assumptions
    if to_year is not None:
        a = extend_assumptions(a, to_year)
    years = [parse_year(y) for y in a["financial_year"]]
    check_years(base_year, years)
    g_e = a["ehcp_growth"].to_numpy(float)
    g_c = a["cost_per_ehcp_growth"].to_numpy(float)
    g_f = a["funding_growth"].to_numpy(float)
    transfer = a["block_transfer"].to_numpy(float)
    other = a["other_dsg_movements"].to_numpy(float)

    ehcp = float(base["ehcp_count"]) * np.cumprod(1.0 + g_e)
    cost = float(base["hnb_expenditure"]) / float(base["ehcp_count"]) * np.cumprod(1.0 + g_c)
    expenditure = ehcp * cost
    funding = float(base["hnb_budget"]) * np.cumprod(1.0 + g_f)
    budget = funding + transfer
    in_year = expenditure - budget
    accumulated = float(base["accumulated_deficit"]) + np.cumsum(in_year + other)
    growth = np.diff(np.concatenate([[float(base["accumulated_deficit"])], accumulated]))
    return pd.DataFrame({
        "financial_year": [fy(y) for y in years],
        "ehcp_count": ehcp,
        "cost_per_ehcp": cost,
        "hnb_expenditure": expenditure,
        "hnb_funding": funding,
        "block_transfer": transfer,
        "hnb_budget": budget,
        "in_year_deficit": in_year,
        "other_dsg_movements": other,
        "accumulated_deficit": accumulated,
        "deficit_growth": growth,
    }, columns=PROJECTION_COLUMNS)


OUTTURN, FORECAST, EXTRAPOLATED = "outturn", "forecast", "extrapolated"
STATUS_COLUMN = "status"
HELD = (EXTRAPOLATED, "extended")      # a basis starting so: the row holds an earlier year's drivers


def scenario_last_year(assumptions: pd.DataFrame) -> int:
    """The scenario's own last year: the last assumptions row that is not itself marked as an
    extrapolation (a ``basis`` column starting "extrapolated", as the bundled scenario's rows after
    2025-26 say: "extrapolated: 2025-26 drivers held", or "extended", as the placement tables' rows
    added past their last year say); without such a column, the table's last row."""
    years = [parse_year(y) for y in assumptions["financial_year"]]
    if "basis" in assumptions.columns:
        own = [y for y, b in zip(years, assumptions["basis"])
               if not (isinstance(b, str) and b.strip().lower().startswith(HELD))]
        if own:
            return own[-1]
    return years[-1]


def year_status(years, last_year: int) -> list[str]:
    """Each projected year's status: "forecast" up to the scenario's own last year
    (:func:`scenario_last_year`), "extrapolated" after it (its drivers are the last year's, held:
    :func:`extend_assumptions`). Outturn years (history) are "outturn" (:data:`OUTTURN`)."""
    return [FORECAST if parse_year(y) <= last_year else EXTRAPOLATED for y in years]


def falling_extrapolated_cost(projection: pd.DataFrame, last_year: int) -> dict | None:
    """When cost per EHCP falls in the extrapolated years (after ``last_year``): {first, last
    (years), from (£, the cost in the scenario's last year), to (£, in the last year)}; else None.
    A falling cost per plan held for years is a calibration artefact, not a forecast (the bundled
    replica's -4.3% a year gives £11,504 per plan in 2030-31)."""
    years = [parse_year(y) for y in projection["financial_year"]]
    cost = projection["cost_per_ehcp"].to_numpy(float)
    later = [i for i, y in enumerate(years) if y > last_year]
    if not later:
        return None
    start = later[0] - 1
    before = cost[start] if start >= 0 else None
    path = cost[later]
    steps = np.diff(np.concatenate([[before], path])) if before is not None else np.diff(path)
    if not len(steps) or not (steps < 0).any():
        return None
    return {"first": fy(years[later[0]]), "last": fy(years[later[-1]]), "scenario_last": fy(last_year),
            "from": float(before if before is not None else path[0]), "to": float(path[-1])}


def calibrate_cost_growth(history: pd.DataFrame, assumptions: pd.DataFrame,
                          target_accumulated_deficit) -> np.ndarray:
    """Solve, year by year, the cost-per-EHCP growth that makes the accumulated deficit equal
    ``target_accumulated_deficit`` (£, one per assumption row), holding the other drivers.

    In-year deficit is linear in cost per EHCP, so each year has a closed form::

        cost_t = (target_t - target_{t-1} - other_t + budget_t) / ehcp_count_t
        cost_per_ehcp_growth_t = cost_t / cost_{t-1} - 1

    Used to document how the bundled "published forecast, July 2022" scenario was calibrated.
    """
    base = history.iloc[-1]
    targets = np.asarray(target_accumulated_deficit, dtype=float)
    ehcp = float(base["ehcp_count"]) * np.cumprod(1.0 + assumptions["ehcp_growth"].to_numpy(float))
    funding = float(base["hnb_budget"]) * np.cumprod(1.0 + assumptions["funding_growth"].to_numpy(float))
    budget = funding + assumptions["block_transfer"].to_numpy(float)
    other = assumptions["other_dsg_movements"].to_numpy(float)
    prev_acc = np.concatenate([[float(base["accumulated_deficit"])], targets[:-1]])
    cost = (targets - prev_acc - other + budget) / ehcp
    prev_cost = np.concatenate([[float(base["hnb_expenditure"]) / float(base["ehcp_count"])], cost[:-1]])
    return cost / prev_cost - 1.0
