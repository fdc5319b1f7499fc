"""History of the High Needs Block (HNB): growth, in-year deficit and the DSG reconciliation.

Source: Cambridgeshire Schools Forum, 15 July 2022, "Budget and spend has grown, but not as
fast as EHCP numbers" (EHCPs at January census; HNB budget, expenditure and deficits in £000).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HISTORY_COLUMNS = ["financial_year", "ehcp_count", "hnb_budget", "hnb_expenditure", "accumulated_deficit"]


def annual_growth(values) -> np.ndarray:
    """Annual growth of a series, as a fraction.

    Defined as:: growth_t = value_t / value_{t-1} - 1  (NaN for the first value, or where
    the previous value is zero or missing, or the ratio is beyond a float: not defined).
    """
    v = np.asarray(values, dtype=float)
    out = np.full(v.shape, np.nan)
    if v.size > 1:
        prev = v[:-1]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            g = v[1:] / prev - 1.0
        g[(prev == 0) | ~np.isfinite(prev) | ~np.isfinite(g)] = np.nan
        out[1:] = g
    return out


def in_year_deficit(hnb_expenditure, hnb_budget):
    """In-year HNB deficit (£), positive when spending exceeds the budget.

    Defined as:: in_year_deficit = hnb_expenditure - hnb_budget   (seed: 65,701 - 63,001 = 2,700)
    """
    return np.asarray(hnb_expenditure, dtype=float) - np.asarray(hnb_budget, dtype=float)


def history_table(history: pd.DataFrame, opening_accumulated_deficit: float = 0.0) -> pd.DataFrame:
    """The seed's history table with its derived columns, in pounds and fractions.

    ``history`` has the columns of :data:`HISTORY_COLUMNS`; ``accumulated_deficit`` may be
    missing (NaN) for a base year that only serves as the base of growth rates.

    Derived columns:
      * ``ehcp_growth``, ``budget_growth``, ``expenditure_growth`` = :func:`annual_growth`
      * ``in_year_deficit`` = hnb_expenditure - hnb_budget
      * ``other_dsg_movements`` (£): the reconciling line. The accumulated DSG deficit is not
        the running sum of HNB in-year deficits (other DSG blocks, transfers and adjustments
        move it too), so::

            other_dsg_movements_t = accumulated_deficit_t - accumulated_deficit_{t-1} - in_year_deficit_t

        with accumulated_deficit before the first published year = ``opening_accumulated_deficit``
        (the seed does not publish it; 0 by default, so the first year's line absorbs it).
      * ``deficit_growth`` = accumulated_deficit_t - accumulated_deficit_{t-1}
    """
    h = history.reset_index(drop=True).copy()
    h["ehcp_growth"] = annual_growth(h["ehcp_count"])
    h["budget_growth"] = annual_growth(h["hnb_budget"])
    h["expenditure_growth"] = annual_growth(h["hnb_expenditure"])
    h["in_year_deficit"] = in_year_deficit(h["hnb_expenditure"], h["hnb_budget"])
    acc = h["accumulated_deficit"].astype(float).to_numpy()
    prev = np.concatenate([[np.nan], acc[:-1]])
    first_published = np.argmax(~np.isnan(acc)) if (~np.isnan(acc)).any() else None
    if first_published is not None:
        prev[first_published] = opening_accumulated_deficit
    h["deficit_growth"] = acc - prev
    h["other_dsg_movements"] = acc - prev - h["in_year_deficit"].to_numpy()
    return h
