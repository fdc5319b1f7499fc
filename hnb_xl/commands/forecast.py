"""`hnb-xl forecast`: the replica of the published July 2022 forecast beside the placement-driver forecast.

"Replica of the published July 2022 forecast" is :func:`hnb_xl.engine.projection.project` of the
bundled history and assumptions: its cost per EHCP is a plug solved to hit the published deficits,
so its implied spend growth is shown beside it. "Unmitigated (placement drivers)" is
:func:`hnb_xl.engine.placement.project_placements` of the bundled ``placement_*.csv`` inputs (or a
folder of them, ``--inputs``), other DSG movements 0. ``--bridge`` explains the difference one
assumption at a time (``--bridge YEAR``: one year's rows, the residual and the difference they add up to,
:func:`hnb_xl.api.placement_bridge`); ``--tornado YEAR`` and ``--break-even YEAR`` are the sensitivities
(:mod:`hnb_xl.engine.sensitivity`). See docs/placement.md.
"""

from __future__ import annotations

import pandas as pd

from .. import api, bundled
from ..engine import sensitivity
from ..engine.placement import CALIBRATION, project_placements
from ..engine.projection import OUTTURN, STATUS_COLUMN, project, scenario_last_year, year_status
from ..errors import HnbInputError
from ..reports.output import render
from ..tables import placement as tables
from ..years import fy, parse_year
from ._common import add_format, year

SCENARIOS = {"replica": sensitivity.REPLICA, "unmitigated": sensitivity.UNMITIGATED}
ALL_YEARS = 0   # --bridge without a year: every projection year


def register(sub) -> None:
    p = sub.add_parser("forecast", help="the July 2022 replica beside the placement-driver forecast; bridge, "
                                        "tornado, break-even",
                       description="HNB forecast by placement (caseload x unit cost by the DSG plan's seven "
                                   "categories, plus the spend not per plan) beside the replica of the July 2022 "
                                   "published forecast (its cost per EHCP a plug). See docs/placement.md.")
    p.add_argument("--scenario", choices=["both", *SCENARIOS], default="both",
                   help="both (default, side by side), replica or unmitigated")
    p.add_argument("--by", choices=["year", "category", "line"], default="year",
                   help="year (default); category: the driver forecast's caseload and spend by category; "
                        "line: its spend by line, the calibration line included")
    p.add_argument("--to", type=year("--to"), default=None, metavar="YEAR",
                   help="last year, e.g. 2031-32 (default 2030-31; later years hold the last year's drivers)")
    p.add_argument("--inputs", metavar="FOLDER",
                   help="a folder of placement_<table>.csv files replacing the bundled ones (any left out: bundled)")
    p.add_argument("--bridge", nargs="?", const=ALL_YEARS, type=year("--bridge"), metavar="YEAR",
                   help="the replica to the driver forecast, one row per assumption: every year, or YEAR's "
                        "accumulated DSG deficit with the residual and the difference the rows add up to")
    p.add_argument("--tornado", type=year("--tornado"), metavar="YEAR",
                   help="one-at-a-time sensitivities of YEAR's accumulated DSG deficit")
    p.add_argument("--break-even", type=year("--break-even"), metavar="YEAR", dest="break_even",
                   help="the driver values at which YEAR's HNB in-year deficit is 0")
    p.add_argument("--monte-carlo", type=int, metavar="PATHS", dest="monte_carlo",
                   help="percentiles of the driver forecast's accumulated DSG deficit over PATHS paths (new plans, "
                        "unit-cost inflation and allocation growth drawn; docs/placement.md)")
    add_format(p)
    p.set_defaults(func=run)


def side_by_side(replica, driver, t, which: str = "both") -> pd.DataFrame:
    """One row per financial year (the base year first): each scenario's HNB spend, its growth, HNB
    income, in-year deficit and accumulated DSG deficit."""
    history = bundled.history()
    with tables.located(t):
        rep = project(history, bundled.assumptions(), to_year=parse_year(replica.drivers["financial_year"].iloc[-1]))
        drv = project_placements(driver).summary
    base = history.iloc[-1]
    rep = pd.concat([pd.DataFrame({"financial_year": [base["financial_year"]],
                                   "hnb_expenditure": [float(base["hnb_expenditure"])],
                                   "hnb_budget": [float(base["hnb_budget"])],
                                   "in_year_deficit": [float(base["hnb_expenditure"]) - float(base["hnb_budget"])],
                                   "accumulated_deficit": [float(base["accumulated_deficit"])]}), rep],
                    ignore_index=True)
    out = pd.DataFrame({"financial_year": drv["financial_year"]})
    if which in ("both", "replica"):
        out["replica_spend"] = rep["hnb_expenditure"].to_numpy()
        out["replica_spend_growth"] = rep["hnb_expenditure"].pct_change().to_numpy()
        out["replica_income"] = rep["hnb_budget"].to_numpy()
        out["replica_in_year"] = rep["in_year_deficit"].to_numpy()
        out["replica_accumulated"] = rep["accumulated_deficit"].to_numpy()
    if which in ("both", "unmitigated"):
        out["unmitigated_spend"] = drv["hnb_expenditure"].to_numpy()
        out["unmitigated_spend_growth"] = drv["hnb_expenditure"].pct_change().to_numpy()
        out["unmitigated_calibration"] = drv["calibration"].to_numpy()
        out["unmitigated_income"] = drv["hnb_income"].to_numpy()
        out["unmitigated_in_year"] = drv["in_year_deficit"].to_numpy()
        out["unmitigated_accumulated"] = drv["accumulated_deficit"].to_numpy()
    if which == "both":
        out["difference"] = out["unmitigated_accumulated"] - out["replica_accumulated"]
    # the replica's own years (its assumptions' last year) are forecast; the placement drivers' run further
    last = scenario_last_year(bundled.assumptions() if which != "unmitigated" else t["drivers"])
    out[STATUS_COLUMN] = [OUTTURN, *year_status(out["financial_year"].iloc[1:], last)]
    before = float(history["hnb_expenditure"].iloc[-2])   # the base year's growth, on the year before it
    for c in ("replica_spend_growth", "unmitigated_spend_growth"):
        if c in out:
            out.loc[0, c] = float(history["hnb_expenditure"].iloc[-1]) / before - 1.0
    return out


TITLES = {"financial_year": "Year", "replica_spend": "Replica: HNB spend", "replica_spend_growth": "growth",
          "replica_income": "income", "replica_in_year": "in-year", "replica_accumulated": "accumulated",
          "unmitigated_spend": "Unmitigated: HNB spend", "unmitigated_spend_growth": "growth",
          "unmitigated_calibration": "of which calibration", "unmitigated_income": "income",
          "unmitigated_in_year": "in-year", "unmitigated_accumulated": "accumulated",
          "difference": "Difference (accumulated)", STATUS_COLUMN: "Status"}


def _kinds(frame: pd.DataFrame) -> dict:
    return {c: ("pct" if c.endswith("growth") or c.endswith("share") else "count"
                if c in ("census_count", "fy_caseload", "backlog") else "money")
            for c in frame.columns if c not in ("financial_year", "step", "driver", "description", "note",
                                                "category", "kind", "line", "value", STATUS_COLUMN)}


def run(args) -> str:
    to_year = args.to
    for option, y in (("--tornado", args.tornado), ("--break-even", args.break_even)):
        if y is not None and to_year is not None and y > to_year:
            raise HnbInputError(f"{fy(y)} is after --to {fy(to_year)}", source=option)
    if args.bridge not in (None, ALL_YEARS):
        out = api.placement_bridge(args.bridge, args.inputs, to_year, {"to_year": "--to", "year": "--bridge"})
        return _show(out, args.format, f"Bridge: {sensitivity.REPLICA} -> {sensitivity.UNMITIGATED}, accumulated "
                                       f"DSG deficit at 31 March {args.bridge + 1} (each change given the rows above "
                                       "it)", {"step": "Assumption", "kind": "Row", "amount": fy(args.bridge)})
    replica, driver, t = api.placement_scenarios(args.inputs, to_year, {"to_year": "--to"})
    years = list(driver.drivers["financial_year"])
    for option, y in (("--tornado", args.tornado), ("--break-even", args.break_even)):
        if y is not None and fy(y) not in years:
            raise HnbInputError(f"{fy(y)} is not a projection year ({years[0]} to {years[-1]})", source=option)
    with tables.located(t):
        if args.tornado is not None:
            out = sensitivity.tornado(driver, fy(args.tornado),       # the replica's other DSG movements
                                      other_dsg=sensitivity.other_dsg_of(bundled.assumptions()))
            title = (f"Tornado: accumulated DSG deficit at 31 March {args.tornado + 1}, {sensitivity.UNMITIGATED}, "
                     "one driver at a time")
            return _show(out, args.format, title, {"driver": "Driver", "central": "Central", "low": "Low setting",
                                                    "high": "High setting", "low_change": "Change (low)",
                                                    "high_change": "Change (high)", "swing": "Swing"})
        if args.break_even is not None:
            out = sensitivity.break_even(driver, fy(args.break_even))
            title = f"Break-even: the value at which the HNB in-year deficit of {fy(args.break_even)} is 0"
            text = render(out, args.format) if args.format != "table" else render(
                out.assign(value=[_value(k, v) for k, v in zip(out["driver"], out["value"])]), "table",
                title=title, titles={"driver": "Driver", "description": "", "value": "Break-even", "note": "Note"})
            return text
        if args.monte_carlo is not None:
            if not 1 <= args.monte_carlo <= 1_000_000:
                raise HnbInputError(f"{args.monte_carlo} paths: give 1 to 1,000,000", source="--monte-carlo")
            out = sensitivity.monte_carlo(driver, paths=args.monte_carlo)
            return _show(out, args.format, f"Monte Carlo: {sensitivity.UNMITIGATED}, accumulated DSG deficit over "
                                           f"{args.monte_carlo:,} paths", {"financial_year": "Year", "p5": "P5",
                                                                           "p50": "P50", "p95": "P95",
                                                                           "mean": "Mean"})
        if args.bridge:
            out = sensitivity.bridge(replica, driver)
            return _show(out, args.format, f"Bridge: {sensitivity.REPLICA} -> {sensitivity.UNMITIGATED}, "
                                           "accumulated DSG deficit (each row given the rows above it)",
                         {"step": "Assumption"}, note="")
        if args.by != "year":
            out = api.placement_projection(args.by, args.inputs, to_year, {"to_year": "--to", "by": "--by"})
            return _show(out, args.format, f"{sensitivity.UNMITIGATED}: by {args.by}", {"financial_year": "Year"})
        out = side_by_side(replica, driver, t, args.scenario)
    note = (f"\n{sensitivity.REPLICA}: engine.projection with the bundled assumptions; its cost per EHCP is a plug "
            "solved to hit the published £49.1m / £62.3m / £77.1m / £93.2m, so only its spend growth is pinned down."
            f"\n{sensitivity.UNMITIGATED}: caseload x unit cost by the DSG plan's seven categories (SEN2 January 2022 "
            f"base), other DSG movements 0; 2021-22 reconciled to the £100,178,000 outturn by '{CALIBRATION}'. "
            "Unit costs and flows are ILLUSTRATIVE (hnb_xl/data/README.md).\n")
    return _show(out, args.format, "HNB forecast: scenarios side by side", TITLES, note=note)


def _value(key: str, v: float) -> str:
    if v != v:
        return ""
    return f"x{v:.3f}" if key == "requests" else f"{v:.2%}"  # a scale, or a rate


def _show(out: pd.DataFrame, fmt: str, title: str, titles: dict, note: str = "") -> str:
    if fmt != "table":
        return render(out, fmt)
    return render(out, "table", _kinds(out), titles, title=title) + note
