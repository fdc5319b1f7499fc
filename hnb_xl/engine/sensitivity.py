"""What the placement forecast depends on: a bridge from the replica, a tornado, break-even values and a
Monte Carlo over the placement drivers (all on :mod:`hnb_xl.engine.placement`; pure pandas/numpy).

* **Bridge** (:func:`bridge`): from "Replica of the published July 2022 forecast" (the aggregate
  engine's inputs as placement inputs, :func:`~hnb_xl.engine.placement.from_aggregate`) to the
  driver forecast, changing one assumption at a time in the order of :data:`BRIDGE_STEPS`; each
  row is the change in the accumulated DSG deficit that assumption makes, given the rows above it,
  so the rows add up to driver - replica exactly (a sequential attribution: another order gives
  other rows, the same total). :func:`bridge_year` gives one year's rows with the residual (what
  no step changes) and the difference they add up to.
* **Tornado** (:func:`tornado`): each driver set low then high with the others at their
  central values (one at a time); the swing is the range of the chosen year's accumulated deficit
  over low, central and high (|high - low| when the driver acts one way; more places, for one, can
  raise spend both ways: the backlog is placed at a special school's cost).
* **Break-even** (:func:`break_even`): the value of one driver, the same in every projection year,
  at which the HNB in-year deficit of the chosen year is 0 (regula falsi within the driver's range,
  :func:`_root`: the deficit is monotone in each driver).
* **Monte Carlo** (:func:`monte_carlo`): new plans, unit-cost inflation and allocation growth drawn
  per path and year (normal around the inputs); percentiles of the accumulated deficit.

The tornado and the break-even values answer what a reviewer of a DSG management plan asks of its
unmitigated forecast: which assumption moves it most, and what it would take to balance (docs/placement.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..years import parse_year
from .placement import PlacementInputs, arrays, project_placements, run_paths, summary_columns

REPLICA = "Replica of the published July 2022 forecast"
UNMITIGATED = "Unmitigated (placement drivers)"


def _accumulated(inputs: PlacementInputs) -> pd.Series:
    s = project_placements(inputs).summary
    return pd.Series(s["accumulated_deficit"].to_numpy(float)[1:], index=s["financial_year"].iloc[1:])


def _base_mix(driver: PlacementInputs) -> np.ndarray:
    n = driver.categories["census_base"].to_numpy(float)
    return n / n.sum()


def _step_transfer(cur: PlacementInputs, drv: PlacementInputs) -> PlacementInputs:
    inc = cur.income.copy()
    d = drv.income.set_index("financial_year")
    inc.loc[0, "allocation"] = float(d.loc[cur.base_year, "allocation"])
    inc.loc[0, "transfer"] = float(np.nan_to_num(d.loc[cur.base_year, "transfer"]))
    return cur.with_(income=inc)


def _step_weights(cur: PlacementInputs, drv: PlacementInputs) -> PlacementInputs:
    cats = cur.categories.copy()
    cats["census_before"] = float(drv.categories["census_before"].sum())
    return cur.with_(categories=cats, weight_before=drv.weight_before, weight_after=drv.weight_after)


def _step_mix(cur: PlacementInputs, drv: PlacementInputs) -> PlacementInputs:
    cats = drv.categories.copy()
    cats["new_plan_share"] = _base_mix(drv)
    cats["ceased_rate"] = 0.0
    cats["complexity_drift"] = 0.0
    cats["overflow_to"] = ""
    other = drv.other_spend.copy()
    other["growth"] = 0.0
    return cur.with_(categories=cats, other_spend=other, calibration_growth=0.0)


def _step_flows(cur: PlacementInputs, drv: PlacementInputs) -> PlacementInputs:
    d = drv.drivers.copy()
    d["inflation"] = cur.drivers["inflation"].to_numpy(float)
    cats = cur.categories.copy()
    for c in ("new_plan_share", "ceased_rate"):
        cats[c] = drv.categories[c].to_numpy()
    return cur.with_(drivers=d, categories=cats, moves=drv.moves)


def _step_costs(cur: PlacementInputs, drv: PlacementInputs) -> PlacementInputs:
    cats = cur.categories.copy()
    cats["complexity_drift"] = drv.categories["complexity_drift"].to_numpy()
    return cur.with_(drivers=drv.drivers, categories=cats)


def _step_other(cur: PlacementInputs, drv: PlacementInputs) -> PlacementInputs:
    return cur.with_(other_spend=drv.other_spend, calibration_growth=drv.calibration_growth)


def _step_capacity(cur: PlacementInputs, drv: PlacementInputs) -> PlacementInputs:
    return cur.with_(categories=drv.categories, capacity=drv.capacity, backlog=drv.backlog)


BRIDGE_STEPS: list[tuple[str, Callable]] = [
    ("Other DSG movements: the replica's -£2.4m a year to 0", lambda c, d: c.with_(other_dsg=d.other_dsg)),
    ("Base-year transfer held out of the base (2021-22: £634,000 one year only)", _step_transfer),
    ("HNB allocation growth and transfers: the driver path", lambda c, d: c.with_(income=d.income)),
    ("Financial-year caseload: 5/12 census before + 7/12 census after", _step_weights),
    ("Placement mix (SEN2 January 2022), unit costs by category, other spend lines and the calibration line",
     _step_mix),
    ("New plans from requests x assessed x issued, shares of new plans, ceased plans, moves", _step_flows),
    ("Unit-cost inflation and complexity drift by category (replacing the cost-per-EHCP plug)", _step_costs),
    ("Growth of the spend not per plan", _step_other),
    ("Special places, overflow to independent and the backlog awaiting a place", _step_capacity),
]


RESIDUAL = "Residual: what no row above changes (e.g. the base year's accumulated deficit)"


def _bridge_levels(replica: PlacementInputs, driver: PlacementInputs) -> list[tuple[str, pd.Series]]:
    """The accumulated deficit by projection year of the replica and after each of
    :data:`BRIDGE_STEPS` in turn (the last: every step applied)."""
    if list(replica.drivers["financial_year"]) != list(driver.drivers["financial_year"]):
        raise ModelError("the replica and the driver forecast must cover the same years", field="financial_year",
                         table="drivers")
    cur = replica
    levels = [(REPLICA, _accumulated(cur))]
    for label, step in BRIDGE_STEPS:
        cur = step(cur, driver)
        levels.append((label, _accumulated(cur)))
    return levels


def bridge(replica: PlacementInputs, driver: PlacementInputs) -> pd.DataFrame:
    """Replica -> driver forecast, one row per assumption (module docstring): columns ``step`` and
    one per projection year (accumulated DSG deficit, £; the first and last rows are the two
    forecasts, the rows between the changes)."""
    levels = _bridge_levels(replica, driver)
    prev = levels[-1][1]
    final = _accumulated(driver)
    if not np.allclose(prev.to_numpy(), final.to_numpy(), rtol=0, atol=0.01):
        raise ModelError("the bridge does not reach the driver forecast", field="financial_year", table="drivers")
    rows = [levels[0]] + [(label, now - before) for (_, before), (label, now) in zip(levels, levels[1:])]
    rows.append((UNMITIGATED, final))
    out = pd.DataFrame([r.to_numpy() for _, r in rows], columns=list(final.index))
    out.insert(0, "step", [label for label, _ in rows])
    return out


def bridge_year(replica: PlacementInputs, driver: PlacementInputs, year: str) -> pd.DataFrame:
    """The bridge for one year: ``step``, ``kind`` ("forecast", "change", "residual", "difference")
    and ``amount`` (£), ``year``'s accumulated DSG deficit. Rows: the replica's deficit; one change
    per assumption of :data:`BRIDGE_STEPS`, in that order, each the deficit after the step minus the
    deficit before it (given the rows above); the residual, the driver forecast's deficit minus the
    deficit after the last step (0 when the steps change every input: a driver forecast on another
    base year or history leaves it non-zero); the driver forecast's deficit; and the difference
    driver - replica, which the changes and the residual add up to (a telescoping sum:
    tests/test_bridge.py checks it to the penny)."""
    years = list(driver.drivers["financial_year"])
    if year not in years:
        raise ModelError(f"{year} is not a projection year ({years[0]} to {years[-1]})", field="year",
                         table="drivers")
    levels = [(label, float(s[year])) for label, s in _bridge_levels(replica, driver)]
    final = float(_accumulated(driver)[year])
    rows = [(REPLICA, "forecast", levels[0][1])]
    rows += [(label, "change", now - before) for (_, before), (label, now) in zip(levels, levels[1:])]
    rows.append((RESIDUAL, "residual", final - levels[-1][1]))
    rows.append((UNMITIGATED, "forecast", final))
    rows.append(("Difference: driver forecast - replica", "difference", final - levels[0][1]))
    return pd.DataFrame(rows, columns=["step", "kind", "amount"])


@dataclass(frozen=True)
class Driver:
    """One tornado/break-even driver: its name, the low and high settings (in words), and how a
    value changes the inputs (``apply(inputs, x)``; x is a shift or a scale as the name says)."""
    name: str
    low: float
    high: float
    apply: Callable[[PlacementInputs, float], PlacementInputs]
    unit: str            # "pp", "scale" or "£"
    range: tuple = (-0.5, 0.5)


def _drivers_col(col: str, how: str):
    def apply(inputs: PlacementInputs, x: float) -> PlacementInputs:
        d = inputs.drivers.copy()
        v = d[col].to_numpy(float)
        d[col] = v + x if how == "shift" else v * x
        return inputs.with_(drivers=d)
    return apply


def _categories_col(col: str, how: str, category: str | None = None):
    def apply(inputs: PlacementInputs, x: float) -> PlacementInputs:
        c = inputs.categories.copy()
        v = c[col].to_numpy(float)
        mask = np.ones(len(c), bool) if category is None else (c["category"] == category).to_numpy()
        c[col] = np.where(mask, v + x if how == "shift" else v * x, v)
        return inputs.with_(categories=c)
    return apply


def _allocation_growth(inputs: PlacementInputs, x: float) -> PlacementInputs:
    inc = inputs.income.copy()
    base = parse_year(inputs.base_year)
    later = np.array([parse_year(y) > base for y in inc["financial_year"]])
    given = inc["allocation"].notna().to_numpy() & later
    if given.any():   # an allocation given as a figure becomes its growth, so the shift acts on it
        a = arrays(inputs)
        implied = np.concatenate([[a.base_allocation], a.allocation])
        growth = implied[1:] / implied[:-1] - 1.0
        inc.loc[later, "allocation_growth"] = growth[: int(later.sum())]
        inc.loc[later, "allocation"] = np.nan
    inc.loc[later, "allocation_growth"] = inc.loc[later, "allocation_growth"].to_numpy(float) + x
    return inputs.with_(income=inc)


def _set_allocation_growth(inputs: PlacementInputs, x: float) -> PlacementInputs:
    inc = inputs.income.copy()
    base = parse_year(inputs.base_year)
    later = np.array([parse_year(y) > base for y in inc["financial_year"]])
    inc.loc[later, "allocation"] = np.nan
    inc.loc[later, "allocation_growth"] = x
    return inputs.with_(income=inc)


def _places(inputs: PlacementInputs, x: float) -> PlacementInputs:
    cap = inputs.capacity.copy()
    cap["places"] = np.maximum(cap["places"].to_numpy(float) + x, 0.0)
    return inputs.with_(capacity=cap)


def _other_growth(inputs: PlacementInputs, x: float) -> PlacementInputs:
    o = inputs.other_spend.copy()
    o["growth"] = o["growth"].to_numpy(float) + x
    return inputs.with_(other_spend=o)


def _other_dsg(inputs: PlacementInputs, x: float) -> PlacementInputs:
    return inputs.with_(other_dsg=(float(x),) * len(inputs.drivers))


def _set_growth(inputs: PlacementInputs, x: float) -> PlacementInputs:
    """New plans by net growth of all plans at ``x`` a year (the requests set aside)."""
    d = inputs.drivers.copy()
    d["requests"] = np.nan
    d["new_plan_growth"] = x
    return inputs.with_(drivers=d)


def _set_col(col: str):
    def apply(inputs: PlacementInputs, x: float) -> PlacementInputs:
        d = inputs.drivers.copy()
        d[col] = x
        return inputs.with_(drivers=d)
    return apply


TORNADO: list[Driver] = [
    Driver("Requests for assessment x0.9 / x1.1", 0.9, 1.1, _drivers_col("requests", "scale"), "scale"),
    Driver("Share of requests assessed -5pp / +5pp", -0.05, 0.05, _drivers_col("assessed_share", "shift"), "pp"),
    Driver("Unit-cost inflation -1pp / +1pp", -0.01, 0.01, _drivers_col("inflation", "shift"), "pp"),
    Driver("Complexity drift -0.5pp / +0.5pp", -0.005, 0.005, _categories_col("complexity_drift", "shift"), "pp"),
    Driver("Ceased rates x0.75 / x1.25", 1.25, 0.75, _categories_col("ceased_rate", "scale"), "scale"),
    Driver("Independent unit cost x0.9 / x1.1", 0.9, 1.1, _categories_col("unit_cost", "scale", "independent"),
           "scale"),
    Driver("HNB allocation growth +1pp / -1pp", 0.01, -0.01, _allocation_growth, "pp"),
    Driver("Special places +100 / -100", 100.0, -100.0, _places, "places"),
    Driver("Growth of spend not per plan -1pp / +1pp", -0.01, 0.01, _other_growth, "pp"),
]
TORNADO_MAX = len(TORNADO) + 1      # rows a tornado may have: the drivers above and other DSG movements


def other_dsg_driver(per_year: float) -> Driver:
    """The aggregate assumptions' other DSG movements (``per_year`` £ a year: the mean of their
    years; the driver forecast holds them at 0, issue 15 item 2) against 0, named by its amount."""
    return Driver(f"Other DSG movements {'-' if per_year < 0 else ''}£{abs(per_year) / 1e6:.1f}m a year "
                  "(the aggregate assumptions') / 0", float(per_year), 0.0, _other_dsg, "£")


def other_dsg_of(assumptions: pd.DataFrame | None) -> float | None:
    """The mean other DSG movements a year of ``assumptions`` (the aggregate model's table), or
    None when there are none or they are all 0 (then the tornado has no such row)."""
    if assumptions is None or "other_dsg_movements" not in assumptions or not len(assumptions):
        return None
    values = pd.to_numeric(assumptions["other_dsg_movements"], errors="coerce").fillna(0.0)
    mean = float(values.mean())
    return mean if mean != 0 and np.isfinite(mean) else None

BREAK_EVEN: dict[str, Driver] = {
    "ehcp_growth": Driver("EHCP growth, net (every year, in place of requests)", 0, 0, _set_growth, "rate",
                          (-0.1, 0.5)),
    "requests": Driver("Requests for assessment (scale on every year's)", 0, 0, _drivers_col("requests", "scale"),
                       "scale", (0.0, 5.0)),
    "inflation": Driver("Unit-cost inflation (every year)", 0, 0, _set_col("inflation"), "rate", (-0.5, 0.5)),
    "allocation_growth": Driver("HNB allocation growth (every year)", 0, 0, _set_allocation_growth, "rate",
                                (-0.5, 1.0)),
}


def _measure(inputs: PlacementInputs, year: str, column: str) -> float:
    """``project_placements(inputs).summary.set_index("financial_year").loc[year, column]`` as a float,
    with its errors, from :func:`~hnb_xl.engine.placement.summary_columns` (the same projection
    without its three tables: a tornado and the break-even values project many times)."""
    columns, _, _ = summary_columns(inputs)
    labels = columns["financial_year"]
    rows = {label: i for i, label in enumerate(labels)}
    if year not in rows:
        raise ModelError(f"{year} is not a projection year ({labels[1]} to {labels[-1]})", field="year",
                         table=None)
    return float(columns[column][rows[year]])     # a column it does not have: KeyError, as .loc's


def tornado(inputs: PlacementInputs, year: str, drivers: list[Driver] | None = None,
            measure: str = "accumulated_deficit", other_dsg: float | None = None) -> pd.DataFrame:
    """One at a time: ``measure`` of ``year`` with each driver low and high (module docstring),
    sorted by swing, largest first; ``drivers`` default :data:`TORNADO`, and with ``other_dsg``
    (£ a year, :func:`other_dsg_of` the aggregate assumptions) :func:`other_dsg_driver` too."""
    central = _measure(inputs, year, measure)
    rows = []
    chosen = list(drivers or TORNADO) + ([other_dsg_driver(other_dsg)] if other_dsg else [])
    for d in chosen:
        lo = _measure(d.apply(inputs, d.low), year, measure)
        hi = _measure(d.apply(inputs, d.high), year, measure)
        rows.append((d.name, central, lo, hi, lo - central, hi - central, max(lo, hi, central) - min(lo, hi, central)))
    out = pd.DataFrame(rows, columns=["driver", "central", "low", "high", "low_change", "high_change", "swing"])
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def break_even(inputs: PlacementInputs, year: str, names=None, tolerance: float = 0.005) -> pd.DataFrame:
    """The value of each driver in ``names`` (keys of :data:`BREAK_EVEN`) at which the HNB in-year
    deficit of ``year`` is 0 (to ``tolerance`` £), by regula falsi within the driver's range (:func:`_root`); NaN with a
    note when the in-year position does not change sign there."""
    rows = []
    for key in names or BREAK_EVEN:
        d = BREAK_EVEN[key]
        lo, hi = d.range

        def f(x):
            return _measure(d.apply(inputs, x), year, "in_year_deficit")
        f_lo, f_hi = f(lo), f(hi)
        if not (np.isfinite(f_lo) and np.isfinite(f_hi)) or np.sign(f_lo) == np.sign(f_hi):
            rows.append((key, d.name, np.nan, f"no balance between {lo:g} and {hi:g}"))
            continue
        rows.append((key, d.name, _root(f, lo, hi, f_lo, f_hi, tolerance), ""))
    return pd.DataFrame(rows, columns=["driver", "description", "value", "note"])


def _root(f, lo: float, hi: float, f_lo: float, f_hi: float, tolerance: float, steps: int = 200) -> float:
    """x in [lo, hi] with |f(x)| < ``tolerance``, f(lo) and f(hi) of opposite signs: regula falsi,
    Illinois variant (the retained end's value halved when the same end is kept twice; Dowell and
    Jarratt, BIT 11 (1971) 168-174, https://doi.org/10.1007/BF01934364), which keeps the root
    bracketed as bisection does and converges superlinearly: about 6 projections a driver
    where bisection to the same tolerance takes about 40; bisection steps when it stalls."""
    x, side = lo, 0
    for _ in range(steps):
        x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo) if f_hi != f_lo else (lo + hi) / 2
        if not lo < x < hi:
            x = (lo + hi) / 2
        f_x = f(x)
        if abs(f_x) < tolerance or hi - lo < 1e-15 * max(1.0, abs(x)):
            return x
        if np.sign(f_x) == np.sign(f_lo):
            lo, f_lo = x, f_x
            if side == -1:
                f_hi /= 2
            side = -1
        else:
            hi, f_hi = x, f_x
            if side == 1:
                f_lo /= 2
            side = 1
    return x


def monte_carlo(inputs: PlacementInputs, paths: int = 10_000, seed: int = 20220715, sd_new_plans: float = 0.10,
                sd_inflation: float = 0.01, sd_allocation_growth: float = 0.01,
                percentiles=(5, 50, 95)) -> pd.DataFrame:
    """Accumulated DSG deficit percentiles by year over ``paths`` paths: new plans x N(1, sd),
    unit-cost inflation + N(0, sd) per year and category, allocation growth + N(0, sd) per year
    (independent draws; normal around the inputs). One vectorised run of the engine's core."""
    a = arrays(inputs)
    T, K = len(a.years), len(a.names)
    rng = np.random.default_rng(seed)
    new_scale = np.maximum(1.0 + sd_new_plans * rng.standard_normal((paths, T)), 0.0)
    inflation = a.inflation[None, :, None] + sd_inflation * rng.standard_normal((paths, T, K))
    implied = np.concatenate([[a.base_allocation], a.allocation])
    growth = implied[1:] / implied[:-1] - 1.0
    # growth g + e on the given path: allocation_t x prod_s (1 + g_s + e_s) / (1 + g_s), exactly the path when e = 0
    shock = sd_allocation_growth * rng.standard_normal((paths, T))
    allocation_scale = np.cumprod((1.0 + growth[None, :] + shock) / (1.0 + growth[None, :]), axis=1)
    r = run_paths(a, (inputs.weight_before, inputs.weight_after), calibration_growth=inputs.calibration_growth,
                  base_outturn=float(inputs.base_outturn), new_scale=new_scale, inflation=inflation,
                  allocation_scale=allocation_scale, check=False)
    accumulated = float(inputs.base_accumulated) + np.cumsum(r["in_year"][:, 1:] + a.other_dsg, axis=1)
    q = np.percentile(accumulated, percentiles, axis=0)
    out = pd.DataFrame({"financial_year": [f"{y}-{(y + 1) % 100:02d}" for y in a.years]})
    for p, row in zip(percentiles, q):
        out[f"p{p}"] = row
    out["mean"] = accumulated.mean(axis=0)
    return out
