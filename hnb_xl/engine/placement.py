"""The High Needs Block by placement: caseload x unit cost per category, plus the spend that is not per plan.

The DSG management plan's seven placement categories k (mainstream; resourced provision or SEN
units; maintained special; non-maintained or independent; hospital or AP; post-16 and FE; other or
direct payments). Financial year t runs April to March; its census is the January inside it (the
census of January Y+1 stands for financial year Y-(Y+1), as SEN2 and ``engine.projection`` do).
Formulas (base year b, the last outturn year; every input is a table column)::

    new plans       new_t     = requests_t * assessed_share_t * issued_share_t     (when requests are given)
                              = N_{t-1} * new_plan_growth_t + ceased_t               (otherwise: net growth)
    census          n[k,t]    = n[k,t-1] + new_t * new_plan_share[k] - ceased_rate[k] * n[k,t-1]
                                + moves into k - moves out of k
    capacity        if n[k,t] > places[k,t]: the excess goes to overflow_to[k] (e.g. special ->
                    independent; a category with places but no overflow keeps its excess); spare places
                    take pupils from the backlog awaiting a place in k (held in their waiting category)
    FY caseload     nbar[k,t] = w_before * n[k,t-1] + w_after * n[k,t]   (w = 5/12, 7/12: April-August
                                is in the census year before, September-March in the one after)
    unit cost       u[k,t]    = u[k,t-1] * (1 + inflation_t) * (1 + complexity_drift[k])
    other spend     o[j,t]    = o[j,t-1] * (1 + growth[j])
    calibration     c_b       = outturn_b - sum_k nbar[k,b] u[k,b] - sum_j o[j,b];  c_t = c_{t-1}(1 + g_c)
    HNB spend       S_t       = sum_k nbar[k,t] u[k,t] + sum_j o[j,t] + c_t
    HNB income      A_t       = allocation_t, or A_{t-1} * (1 + allocation_growth_t);  I_t = A_t + transfer_t
                                (a transfer is one year's: A_b = the base budget less its transfer)
    DSG             in_year_t = S_t - I_t;  accumulated_t = accumulated_{t-1} + in_year_t + other_dsg_t

The structure is the one a council finance reviewer expects (``docs/placement.md``; the DSG
management plan template, DfE, *Dedicated schools grant (DSG): deficit management plan*,
https://www.gov.uk/government/publications/dedicated-schools-grant-dsg-deficit-management-plan).
The base year is reconciled exactly: the calibration line is the part of the outturn the categories
and lines do not explain, shown, never hidden. The core (:func:`run_paths`) runs many paths at once
(the Monte Carlo, :mod:`hnb_xl.engine.sensitivity`); :func:`project_placements` is one path.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..years import fy, parse_year

CALIBRATION = "Calibration to the base year outturn"
SUMMARY_COLUMNS = ["financial_year", "census", "ehcp_count", "fy_caseload", "placement_spend", "other_spend",
                   "calibration", "hnb_expenditure", "hnb_allocation", "block_transfer", "hnb_income",
                   "in_year_deficit", "other_dsg_movements", "accumulated_deficit", "backlog"]


@dataclass(frozen=True)
class PlacementInputs:
    """Every input of the placement engine, as tables (engine column names, one row per record):

    ``categories``: category, census_before, census_base (January census before and at the base year),
    unit_cost (£ per plan per year, base year), new_plan_share, ceased_rate, complexity_drift, overflow_to;
    ``drivers``: financial_year (the projection years), requests, assessed_share, issued_share,
    new_plan_growth, inflation; ``income``: financial_year (the base year first), allocation,
    allocation_growth, transfer; ``other_spend``: line, amount (base year), growth; ``capacity``:
    financial_year, category, places; ``moves``: from_category, to_category, plans (a year);
    ``backlog``: category, waiting_in, pupils. ``other_dsg``: £ a year (default 0)."""
    categories: pd.DataFrame
    drivers: pd.DataFrame
    income: pd.DataFrame
    other_spend: pd.DataFrame
    base_year: str
    base_outturn: float
    base_accumulated: float
    capacity: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["financial_year", "category",
                                                                                  "places"]))
    moves: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["from_category", "to_category",
                                                                               "plans"]))
    backlog: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["category", "waiting_in",
                                                                                 "pupils"]))
    weight_before: float = 5 / 12
    weight_after: float = 7 / 12
    calibration_growth: float = 0.0
    other_dsg: tuple = ()

    def with_(self, **changes) -> "PlacementInputs":
        return replace(self, **changes)


@dataclass
class Arrays:
    """The inputs as arrays (K categories, T projection years) for :func:`run_paths`."""
    names: list
    years: list
    before: np.ndarray          # (K,)
    base: np.ndarray            # (K,)
    unit: np.ndarray            # (K,)
    share: np.ndarray           # (K,)
    ceased: np.ndarray          # (K,)
    drift: np.ndarray           # (K,)
    overflow: np.ndarray        # (K,) index or -1
    moves: np.ndarray           # (K,) net plans a year
    requested_new: np.ndarray   # (T,) NaN where growth gives new plans
    growth: np.ndarray          # (T,)
    inflation: np.ndarray       # (T,)
    places: np.ndarray          # (T, K) inf = no limit
    backlog: np.ndarray         # (K,) pupils awaiting a place in k
    waiting_in: np.ndarray      # (K,) index of the category they wait in, or -1
    other_base: np.ndarray      # (J,)
    other_growth: np.ndarray    # (J,)
    other_names: list
    allocation: np.ndarray      # (T,)
    transfer: np.ndarray        # (T,)
    base_allocation: float
    base_transfer: float
    other_dsg: np.ndarray       # (T,)


def _finite(values, what: str, table: str, rows=None) -> np.ndarray:
    # a Series of a numpy dtype through to_numpy: the same array as np.asarray (read-only where it is the
    # frame's own data), without numpy's slow probing of a Series for array interfaces
    numpy_series = isinstance(values, pd.Series) and isinstance(values.dtype, np.dtype)
    a = values.to_numpy(dtype=float) if numpy_series else np.asarray(values, dtype=float)
    bad = ~np.isfinite(a)
    if bad.any():
        i = int(np.argmax(bad))
        raise ModelError(f"{what} must be a number", field=what, table=table,
                         index=i if rows is None else rows[i])
    return a


@lru_cache(maxsize=4096, typed=True)
def _cached_year(value) -> int:
    return parse_year(value)


def _year(value) -> int:
    """``parse_year(value)``, remembered (by type too: 2022 and 2022.0 are two entries; an error is never
    remembered): the inputs' years are parsed again at every projection."""
    try:
        return _cached_year(value)
    except TypeError:       # unhashable: parse_year says what it makes of it
        return parse_year(value)


def _or_zero(value) -> float:
    """``float(np.nan_to_num(value))``: a missing transfer is 0 (infinity the largest float); for a float
    (np.float64 is one) without numpy's array round trip, as it is read every year of every projection."""
    if isinstance(value, float):
        v = float(value)
        if v != v:
            return 0.0
        return math.copysign(sys.float_info.max, v) if math.isinf(v) else v
    return float(np.nan_to_num(value))


def _index(names: list, value, field_: str, table: str, i: int) -> int:
    if value not in names:
        raise ModelError(f"'{value}' is not a placement category (categories: {', '.join(names)})",
                         field=field_, table=table, index=i, value=value)
    return names.index(value)


class _Columns(dict):
    """A table's columns, each read from the frame once, when first used: ``columns[name][i]`` is
    ``frame[name].iloc[i]`` (the same value and type); a missing column raises pandas' KeyError there.
    Reading a column deep-copies the frame's ``attrs`` (row numbers), so reading it once a table matters."""

    def __init__(self, frame: pd.DataFrame):
        super().__init__()
        self.frame = frame

    def __missing__(self, name):
        self[name] = values = self.frame[name].array
        return values


def _rows(frame: pd.DataFrame):
    """(i, row) for the rows of ``frame`` in order, ``row[column]`` the value ``frame.iterrows()`` gives.
    Both read ``frame.values``; iterrows makes each row a Series, which converts a row of only text and
    missing values (to text, the missing ones NaN), so only such a row is made a Series here: a row with
    text and a number (a category and its places, the usual row) is the same values in a dict, quicker."""
    columns = frame.columns
    for i, values in enumerate(frame.values):
        mixed = any(isinstance(v, str) for v in values) and \
            any(isinstance(v, (int, float)) and not isinstance(v, bool) and v == v for v in values)
        yield i, dict(zip(columns, values)) if mixed and columns.is_unique else pd.Series(values, index=columns)


def arrays(inputs: PlacementInputs) -> Arrays:
    """Check the inputs and lay them out as arrays; a problem is a ModelError naming the table,
    column and row (positions in the table, whatever its index). Reads each column once (pandas'
    per-row access was most of a projection's time, :mod:`hnb_xl.engine.sensitivity` projects many)."""
    c = inputs.categories
    names = [str(x) for x in c["category"]]
    if not names:
        raise ModelError("no placement categories", field="category", table="categories")
    share = _finite(c["new_plan_share"], "new_plan_share", "categories")
    if abs(share.sum() - 1.0) > 1e-9:
        raise ModelError(f"the new plans' shares add up to {share.sum():.4g}, not 1", field="new_plan_share",
                         table="categories", index=len(names) - 1)
    overflow = np.full(len(names), -1)
    for i, v in enumerate(c["overflow_to"] if "overflow_to" in c else []):
        if isinstance(v, str) and v.strip():
            overflow[i] = _index(names, v.strip(), "overflow_to", "categories", i)

    base_year = _year(inputs.base_year)
    drivers = inputs.drivers
    d = _Columns(drivers)
    years = [_year(y) for y in drivers["financial_year"]]
    if not years:
        raise ModelError("no projection years: the drivers table is empty", field="financial_year", table="drivers")
    for i, y in enumerate(years):
        if y != base_year + 1 + i:
            raise ModelError(f"drivers' years must run from {fy(base_year + 1)} one after another: row has {fy(y)}",
                             field="financial_year", table="drivers", index=i, value=fy(y))
    requests = drivers["requests"].to_numpy(float) if "requests" in drivers else np.full(len(drivers), np.nan)
    requested = np.full(len(drivers), np.nan)
    growth = np.zeros(len(drivers))
    for i in range(len(drivers)):
        if np.isfinite(requests[i]):
            for col in ("assessed_share", "issued_share"):
                if not np.isfinite(float(d[col][i])):
                    raise ModelError(f"requests are given for {fy(years[i])} but not the {col.replace('_', ' ')}",
                                     field=col, table="drivers", index=i)
            requested[i] = requests[i] * float(d["assessed_share"][i]) * float(d["issued_share"][i])
        else:
            g = float(d["new_plan_growth"][i])
            if not np.isfinite(g):
                raise ModelError(f"{fy(years[i])} has neither requests nor a new plan growth",
                                 field="new_plan_growth", table="drivers", index=i)
            growth[i] = g
    inflation = _finite(drivers["inflation"], "inflation", "drivers")

    K, T = len(names), len(years)
    places = np.full((T, K), np.inf)
    for i, r in _rows(inputs.capacity):
        k = _index(names, str(r["category"]), "category", "capacity", i)
        y = _year(r["financial_year"])
        p = float(r["places"])
        if not np.isfinite(p):
            continue
        if base_year + 1 <= y <= base_year + T:
            places[y - base_year - 1:, k] = p
        elif y <= base_year:
            places[:, k] = np.where(np.isinf(places[:, k]), p, places[:, k])
    moves = np.zeros(K)
    for i, r in _rows(inputs.moves):
        a = _index(names, str(r["from_category"]), "from_category", "moves", i)
        b = _index(names, str(r["to_category"]), "to_category", "moves", i)
        n = float(r["plans"])
        moves[a] -= n
        moves[b] += n
    backlog = np.zeros(K)
    waiting = np.full(K, -1)
    for i, r in _rows(inputs.backlog):
        k = _index(names, str(r["category"]), "category", "backlog", i)
        backlog[k] += float(r["pupils"])
        waiting[k] = _index(names, str(r["waiting_in"]), "waiting_in", "backlog", i)

    inc = _Columns(inputs.income)
    inc_years = {_year(y): i for i, y in enumerate(inputs.income["financial_year"])}
    if base_year not in inc_years:
        raise ModelError(f"the income table has no {fy(base_year)} (base year) row", field="financial_year",
                         table="income")
    b = inc_years[base_year]
    base_allocation = float(inc["allocation"][b])
    if not np.isfinite(base_allocation):
        raise ModelError(f"the {fy(base_year)} allocation (base year) must be given", field="allocation",
                         table="income", index=b)
    base_transfer = _or_zero(inc["transfer"][b])
    allocation, transfer = np.zeros(T), np.zeros(T)
    prev = base_allocation
    for t, y in enumerate(years):
        if y not in inc_years:
            raise ModelError(f"the income table has no {fy(y)} row", field="financial_year", table="income")
        i = inc_years[y]
        a = float(inc["allocation"][i])
        if not np.isfinite(a):
            g = float(inc["allocation_growth"][i])
            if not np.isfinite(g):
                raise ModelError(f"{fy(y)} has neither an allocation nor an allocation growth",
                                 field="allocation_growth", table="income", index=i)
            a = prev * (1.0 + g)
        allocation[t] = prev = a
        transfer[t] = _or_zero(inc["transfer"][i])

    o = inputs.other_spend
    other_dsg = np.zeros(T) if len(inputs.other_dsg) == 0 else _finite(inputs.other_dsg, "other_dsg_movements",
                                                                           "other_dsg")
    if other_dsg.shape != (T,):
        raise ModelError(f"other DSG movements need one value per projection year ({T})",
                         field="other_dsg_movements", table="other_dsg")
    weights = np.array([inputs.weight_before, inputs.weight_after], float)
    if not np.all(np.isfinite(weights)) or abs(weights.sum() - 1.0) > 1e-9 or (weights < 0).any():
        raise ModelError("the financial year's census weights must be 0 to 1 and add up to 1",
                         field="months_before_census", table="settings")
    return Arrays(names, years, _finite(c["census_before"], "census_before", "categories"),
                  _finite(c["census_base"], "census_base", "categories"),
                  _finite(c["unit_cost"], "unit_cost", "categories"), share,
                  _finite(c["ceased_rate"], "ceased_rate", "categories"),
                  _finite(c["complexity_drift"], "complexity_drift", "categories"), overflow, moves,
                  requested, growth, inflation, places, backlog, waiting,
                  _finite(o["amount"], "amount", "other_spend"), _finite(o["growth"], "growth", "other_spend"),
                  [str(x) for x in o["line"]], allocation, transfer, base_allocation, base_transfer, other_dsg)


def run_paths(a: Arrays, weights=(5 / 12, 7 / 12), *, calibration_growth: float = 0.0, base_outturn: float,
              growth=None, inflation=None, allocation_growth=None, unit_scale=None, new_scale=None,
              allocation_scale=None, share_path=None, ceased_path=None, check: bool = True) -> dict:
    """The engine over P paths at once: ``growth`` (P, T) net new plan growth where requests are
    not given, ``inflation`` (P, T) or (P, T, K), ``allocation_growth`` (P, T) replacing the income
    path from the base allocation, ``unit_scale`` (P, K) multiplying base unit costs. Left out:
    ``new_scale`` (P, T) multiplies the new plans, ``allocation_scale`` (P, T) the projection years'
    allocation path (a scale of exactly 1 leaves it as given, to the bit); ``share_path`` and
    ``ceased_path`` (T, K) the year's new plan shares and ceased rates in place of the categories'
    (the mitigations, :mod:`hnb_xl.engine.placement_mitigation`). Left out: the inputs' own values (P = 1). Returns arrays: census (P, T+1, K) from the base census,
    fy_caseload and spend (P, T+1, K), other (T+1, J), calibration (P, T+1), expenditure,
    income, in_year (P, T+1), backlog (P, T+1): pupils still awaiting a place."""
    K, T = len(a.names), len(a.years)
    g = (a.growth[None, :] if growth is None else np.asarray(growth, float))
    P = max(np.shape(x)[0] for x in (g, inflation, allocation_growth, unit_scale, new_scale, allocation_scale)
            if x is not None)
    g = np.broadcast_to(g, (P, T))
    infl = a.inflation[None, :, None] if inflation is None else np.asarray(inflation, float)
    if infl.ndim == 2:
        infl = infl[:, :, None]
    wb, wa = weights
    n = np.broadcast_to(a.base, (P, K)).astype(float).copy()
    backlog = np.broadcast_to(a.backlog, (P, K)).astype(float).copy()
    census = np.empty((P, T + 1, K))
    census[:, 0] = n
    waiting = np.empty((P, T + 1))
    waiting[:, 0] = backlog.sum(axis=1)
    for t in range(T):
        prev = census[:, t]
        ceased = prev * (a.ceased if ceased_path is None else ceased_path[t])
        if np.isfinite(a.requested_new[t]):
            new = np.full(P, a.requested_new[t])
        else:
            new = prev.sum(axis=1) * g[:, t] + ceased.sum(axis=1)
        if new_scale is not None:
            new = new * np.asarray(new_scale, float)[:, t]
        n = prev + new[:, None] * (a.share if share_path is None else share_path[t]) - ceased + a.moves
        for k in np.flatnonzero(np.isfinite(a.places[t])):
            cap = a.places[t, k]
            w = a.waiting_in[k]
            if w >= 0:
                placed = np.minimum(np.maximum(cap - n[:, k], 0.0), np.minimum(backlog[:, k], n[:, w]))
                n[:, k] += placed
                n[:, w] -= placed
                backlog[:, k] -= placed
            excess = np.maximum(n[:, k] - cap, 0.0)
            if a.overflow[k] >= 0:
                n[:, k] -= excess
                n[:, a.overflow[k]] += excess
        census[:, t + 1] = n
        waiting[:, t + 1] = backlog.sum(axis=1)
    if check and (census < -1e-9).any():
        p, t, k = np.argwhere(census < -1e-9)[0]
        raise ModelError(f"the flows leave {census[p, t, k]:.0f} plans in '{a.names[k]}' at the census of "
                         f"{fy(a.years[t - 1])}: fewer than none (ceased plans or moves out are too many)",
                         field="plans", table="moves")
    fy_caseload = np.empty((P, T + 1, K))
    fy_caseload[:, 0] = wb * a.before + wa * a.base
    fy_caseload[:, 1:] = wb * census[:, :-1] + wa * census[:, 1:]
    unit0 = a.unit if unit_scale is None else a.unit * np.asarray(unit_scale, float)
    step = (1.0 + infl) * (1.0 + a.drift)
    unit = np.concatenate([np.broadcast_to(unit0, (P, 1, K)),
                           np.broadcast_to(unit0, (P, 1, K)) * np.cumprod(np.broadcast_to(step, (P, T, K)),
                                                                           axis=1)], axis=1)
    spend = fy_caseload * unit
    other = a.other_base[None, :] * np.concatenate([np.ones((1, len(a.other_base))),
                                                    np.cumprod(np.broadcast_to(1.0 + a.other_growth,
                                                                               (T, len(a.other_base))), axis=0)])
    base_spend = spend[:, 0].sum(axis=1) + other[0].sum()
    calibration = (base_outturn - base_spend)[:, None] * (1.0 + calibration_growth) ** np.arange(T + 1)
    expenditure = spend.sum(axis=2) + other.sum(axis=1)[None, :] + calibration
    if allocation_growth is None:
        allocation = np.broadcast_to(np.concatenate([[a.base_allocation], a.allocation]), (P, T + 1))
    else:
        ag = np.asarray(allocation_growth, float)
        allocation = a.base_allocation * np.concatenate([np.ones((ag.shape[0], 1)), np.cumprod(1.0 + ag, axis=1)],
                                                        axis=1)
    if allocation_scale is not None:
        allocation = allocation * np.concatenate([np.ones((P, 1)), np.asarray(allocation_scale, float)], axis=1)
    income = allocation + np.concatenate([[a.base_transfer], a.transfer])
    return {"census": census, "fy_caseload": fy_caseload, "unit_cost": unit, "spend": spend, "other": other,
            "calibration": calibration, "expenditure": expenditure, "allocation": allocation,
            "income": income, "in_year": expenditure - income, "backlog": waiting}


@dataclass
class PlacementResult:
    """One path: ``summary`` (one row per financial year, the base year first), ``by_category``
    (year x category: census count, FY caseload, unit cost, spend) and ``lines`` (spend by line:
    the seven categories, the other lines and the calibration line)."""
    summary: pd.DataFrame
    by_category: pd.DataFrame
    lines: pd.DataFrame


def summary_columns(inputs: PlacementInputs) -> tuple[dict, dict, Arrays]:
    """The columns of :func:`project_placements`' summary (a dict in the order of
    :data:`SUMMARY_COLUMNS`, numpy arrays but the two label columns), the engine core's result
    (:func:`run_paths`, one path) and the arrays it ran on; a ModelError when a number of the
    projection is not finite. One projection without its tables: the tornado and the break-even
    values (:mod:`hnb_xl.engine.sensitivity`) read one figure of many projections."""
    a = arrays(inputs)
    r = run_paths(a, (inputs.weight_before, inputs.weight_after), calibration_growth=inputs.calibration_growth,
                  base_outturn=float(inputs.base_outturn))
    base_year = parse_year(inputs.base_year)
    years = [base_year, *a.years]
    labels = [fy(y) for y in years]
    in_year = r["in_year"][0]
    other_dsg = np.concatenate([[0.0], a.other_dsg])
    accumulated = float(inputs.base_accumulated) + np.cumsum(np.concatenate([[0.0], in_year[1:] + a.other_dsg]))
    census = r["census"][0]
    columns = {      # in the order of SUMMARY_COLUMNS (so no columns= argument, which reindexes)
        "financial_year": labels,
        "census": [f"January {y + 1}" for y in years],
        "ehcp_count": census.sum(axis=1),
        "fy_caseload": r["fy_caseload"][0].sum(axis=1),
        "placement_spend": r["spend"][0].sum(axis=1),
        "other_spend": r["other"].sum(axis=1),
        "calibration": r["calibration"][0],
        "hnb_expenditure": r["expenditure"][0],
        "hnb_allocation": r["allocation"][0],
        "block_transfer": np.concatenate([[a.base_transfer], a.transfer]),
        "hnb_income": r["income"][0],
        "in_year_deficit": in_year,
        "other_dsg_movements": other_dsg,
        "accumulated_deficit": accumulated,
        "backlog": r["backlog"][0],
    }
    # every number of the three frames of project_placements is one of these arrays'
    numbers = [columns[c] for c in SUMMARY_COLUMNS[2:]] + [census, r["fy_caseload"][0], r["unit_cost"][0],
                                                           r["spend"][0], r["other"]]
    if not all(np.isfinite(x).all() for x in numbers):
        raise ModelError("the projection is not finite: a growth rate or unit cost is too large", field="inputs")
    return columns, r, a


def project_placements(inputs: PlacementInputs) -> PlacementResult:
    """The placement projection of ``inputs`` (module docstring), the base year reconciled to its
    outturn with the calibration line shown."""
    columns, r, a = summary_columns(inputs)
    labels = columns["financial_year"]
    census = r["census"][0]
    summary = pd.DataFrame(columns)
    K = len(a.names)
    by_category = pd.DataFrame({
        "financial_year": np.repeat(labels, K),
        "category": a.names * len(labels),
        "census_count": census.ravel(),
        "fy_caseload": r["fy_caseload"][0].ravel(),
        "unit_cost": r["unit_cost"][0].ravel(),
        "spend": r["spend"][0].ravel(),
    })
    # each year: a row a category, then one an other line, then the calibration line
    names = a.names + a.other_names + [CALIBRATION]
    kinds = ["placement"] * K + ["other"] * len(a.other_names) + ["calibration"]
    amounts = np.concatenate([r["spend"][0], r["other"], r["calibration"][0][:, None]], axis=1)
    lines = pd.DataFrame({"financial_year": [label for label in labels for _ in names], "kind": kinds * len(labels),
                          "line": names * len(labels), "amount": amounts.ravel()})
    return PlacementResult(summary, by_category, lines)


def as_projection(summary: pd.DataFrame) -> pd.DataFrame:
    """A placement summary (:func:`project_placements`) in the aggregate projection's columns
    (:data:`hnb_xl.engine.projection.PROJECTION_COLUMNS`), the projection years only (the base year
    dropped), so that both scenarios print alike::

        ehcp_count    = the January census (sum over categories)
        cost_per_ehcp = hnb_expenditure / ehcp_count   (all HNB spend per plan, as the aggregate engine)
        hnb_funding   = hnb_allocation;  hnb_budget = hnb_income (allocation + that year's transfer)
        deficit_growth_t = accumulated_t - accumulated_{t-1}
    """
    s = summary.reset_index(drop=True)
    acc = s["accumulated_deficit"].to_numpy(float)
    ehcp = s["ehcp_count"].to_numpy(float)
    out = pd.DataFrame({
        "financial_year": s["financial_year"], "ehcp_count": ehcp,
        "cost_per_ehcp": np.divide(s["hnb_expenditure"].to_numpy(float), ehcp, out=np.full(len(s), np.nan),
                                   where=ehcp > 0),
        "hnb_expenditure": s["hnb_expenditure"], "hnb_funding": s["hnb_allocation"], "block_transfer": s["block_transfer"],
        "hnb_budget": s["hnb_income"], "in_year_deficit": s["in_year_deficit"],
        "other_dsg_movements": s["other_dsg_movements"], "accumulated_deficit": acc,
        "deficit_growth": np.concatenate([[np.nan], np.diff(acc)])})
    return out.iloc[1:].reset_index(drop=True)


def from_aggregate(history: pd.DataFrame, assumptions: pd.DataFrame) -> PlacementInputs:
    """The aggregate engine's inputs (:func:`hnb_xl.engine.projection.project`) as placement inputs:
    one category holding every plan at the base census, unit cost = outturn / EHCPs, new plans
    from the EHCP growth (net), unit-cost inflation = the cost-per-EHCP growth, no drift, no flows,
    no capacity, no other lines, the FY caseload = the census after (weights 0 and 1), the base
    budget as the allocation (its transfer in the base, as the aggregate engine has it), the
    assumptions' funding growth, transfers and other DSG movements. Projects the same figures."""
    base = history.iloc[-1]
    ehcp = float(base["ehcp_count"])
    years = list(assumptions["financial_year"])
    categories = pd.DataFrame({"category": ["all"], "census_before": [ehcp], "census_base": [ehcp],
                               "unit_cost": [float(base["hnb_expenditure"]) / ehcp], "new_plan_share": [1.0],
                               "ceased_rate": [0.0], "complexity_drift": [0.0], "overflow_to": [""]})
    drivers = pd.DataFrame({"financial_year": years, "requests": np.nan, "assessed_share": np.nan,
                            "issued_share": np.nan,
                            "new_plan_growth": assumptions["ehcp_growth"].to_numpy(float),
                            "inflation": assumptions["cost_per_ehcp_growth"].to_numpy(float)})
    income = pd.DataFrame({"financial_year": [str(base["financial_year"]), *years],
                           "allocation": [float(base["hnb_budget"]), *[np.nan] * len(years)],
                           "allocation_growth": [np.nan, *assumptions["funding_growth"].to_numpy(float)],
                           "transfer": [0.0, *assumptions["block_transfer"].to_numpy(float)]})
    other_spend = pd.DataFrame({"line": pd.Series([], dtype=str), "amount": pd.Series([], dtype=float),
                                "growth": pd.Series([], dtype=float)})
    return PlacementInputs(categories, drivers, income, other_spend, base_year=str(base["financial_year"]),
                           base_outturn=float(base["hnb_expenditure"]),
                           base_accumulated=float(base["accumulated_deficit"]), weight_before=0.0, weight_after=1.0,
                           other_dsg=tuple(assumptions["other_dsg_movements"].to_numpy(float)))
