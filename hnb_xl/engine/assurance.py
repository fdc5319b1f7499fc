"""The numbers of the assurance record (issue 16 part 4; HM Treasury, The Aqua Book, 2015,
https://www.gov.uk/government/publications/the-aqua-book-guidance-on-producing-quality-analysis-for-government):
an aggregate tornado, a trend back-test, and the rules an assumptions log must follow.

* **Aggregate tornado** (:func:`aggregate_tornado`): one driver of the aggregate projection
  (:func:`hnb_xl.engine.projection.project`) at a time, every projection year's value moved by
  :data:`AGGREGATE_STEPS` (growth rates -1 / +1 percentage point; other DSG movements as given / 0),
  the others as given; the measure is the accumulated DSG deficit of the chosen year::

      low_change  = deficit(driver low)  - deficit(central)
      high_change = deficit(driver high) - deficit(central)
      swing       = max(low, central, high) - min(low, central, high)

  (the placement forecast's tornado is :func:`hnb_xl.engine.sensitivity.tornado`).
* **Trend back-test** (:func:`trend_assumptions`): the assumptions of the year after ``upto``
  from the history up to ``upto`` only: each growth rate the mean of its annual growth over the
  years with a previous year (EHCPs, cost per EHCP = expenditure / EHCPs, HNB budget), other DSG
  movements the mean of the history's, no block transfer. Projected one year and compared with
  the outturn, it says how a trend forecast made a year earlier would have done.
* **The log's rules** (:func:`log_problems`): every assumption has an owner, a date, a source and
  a quality rating of red, amber or green (:data:`RATINGS`).

Pure: pandas in, pandas out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..years import fy, parse_year
from .projection import project

RATINGS = ("red", "amber", "green")
REQUIRED = ("owner", "date", "rating", "source")
# driver: (low, high, how): "shift" adds to every year's value, "set" replaces it (None: as given)
AGGREGATE_STEPS = {
    "ehcp_growth": (-0.01, 0.01, "shift"),
    "cost_per_ehcp_growth": (-0.01, 0.01, "shift"),
    "funding_growth": (-0.01, 0.01, "shift"),
    "other_dsg_movements": (None, 0.0, "set"),
}
AGGREGATE_LABELS = {
    "ehcp_growth": "EHCP growth -1pp / +1pp",
    "cost_per_ehcp_growth": "Cost per EHCP growth -1pp / +1pp",
    "funding_growth": "HNB funding growth -1pp / +1pp",
    "other_dsg_movements": "Other DSG movements as given / 0",
}


def _moved(assumptions: pd.DataFrame, driver: str, value, how: str) -> pd.DataFrame:
    a = assumptions.copy()
    if value is None:
        return a
    a[driver] = a[driver].astype(float) + value if how == "shift" else float(value)
    return a


def _deficit(history: pd.DataFrame, assumptions: pd.DataFrame, year: str, to_year: int) -> float:
    p = project(history, assumptions, to_year=to_year).set_index("financial_year")
    return float(p.loc[year, "accumulated_deficit"])


def aggregate_tornado(history: pd.DataFrame, assumptions: pd.DataFrame, year) -> pd.DataFrame:
    """driver, label, central, low, high, low_change, high_change, swing (£, the accumulated DSG
    deficit at the end of ``year``), one row per :data:`AGGREGATE_STEPS` driver, largest swing first."""
    label = fy(year if isinstance(year, int) else parse_year(year))
    to_year = max(parse_year(label), parse_year(assumptions["financial_year"].iloc[-1]))
    years = [fy(y) for y in range(parse_year(history["financial_year"].iloc[-1]) + 1, to_year + 1)]
    if label not in years:
        raise ModelError(f"{label} is not a projection year ({years[0]} to {years[-1]})", field="year",
                         value=label)
    central = _deficit(history, assumptions, label, to_year)
    rows = []
    for driver, (low, high, how) in AGGREGATE_STEPS.items():
        lo = _deficit(history, _moved(assumptions, driver, low, how), label, to_year)
        hi = _deficit(history, _moved(assumptions, driver, high, how), label, to_year)
        rows.append((driver, AGGREGATE_LABELS[driver], central, lo, hi, lo - central, hi - central,
                     max(lo, hi, central) - min(lo, hi, central)))
    out = pd.DataFrame(rows, columns=["driver", "label", "central", "low", "high", "low_change", "high_change",
                                      "swing"])
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def trend_assumptions(history_table: pd.DataFrame, upto) -> pd.DataFrame:
    """One assumptions row for the year after ``upto`` from ``history_table``
    (:func:`hnb_xl.engine.history.history_table`: with ``other_dsg_movements``) up to ``upto``:
    the mean annual growth of EHCPs, cost per EHCP and HNB budget, the mean other DSG movements."""
    last = parse_year(upto) if not isinstance(upto, int) else upto
    h = history_table[[parse_year(y) <= last for y in history_table["financial_year"]]].reset_index(drop=True)
    if len(h) < 2:
        raise ModelError(f"a trend needs two history years up to {fy(last)}", field="financial_year",
                         table="history")
    ehcp = h["ehcp_count"].to_numpy(float)
    cost = h["hnb_expenditure"].to_numpy(float) / ehcp
    budget = h["hnb_budget"].to_numpy(float)
    other = pd.to_numeric(h["other_dsg_movements"], errors="coerce").dropna().to_numpy(float)
    return pd.DataFrame({"financial_year": [fy(last + 1)],
                         "ehcp_growth": [float(np.mean(ehcp[1:] / ehcp[:-1] - 1))],
                         "cost_per_ehcp_growth": [float(np.mean(cost[1:] / cost[:-1] - 1))],
                         "funding_growth": [float(np.mean(budget[1:] / budget[:-1] - 1))],
                         "block_transfer": [0.0],
                         "other_dsg_movements": [float(np.mean(other)) if other.size else 0.0]})


def log_problems(log: pd.DataFrame) -> list[tuple[int, str, str]]:
    """(row index, column, message) for each assumption without an owner, a date, a rating or a
    source, or with a rating that is not red, amber or green."""
    out = []
    for i, rec in enumerate(log.to_dict("records")):
        for column in REQUIRED:
            v = rec.get(column)
            if v is None or (isinstance(v, float) and np.isnan(v)) or not str(v).strip():
                out.append((i, column, f"assumption {rec.get('id', i + 1)} has no {column}"))
        rating = str(rec.get("rating") or "").strip().lower()
        if rating and rating not in RATINGS:
            out.append((i, "rating", f"assumption {rec.get('id', i + 1)}: rating '{rec.get('rating')}' is not "
                                     f"one of {', '.join(RATINGS)}"))
    return out


__all__ = ["RATINGS", "AGGREGATE_STEPS", "AGGREGATE_LABELS", "aggregate_tornado", "trend_assumptions", "log_problems"]
