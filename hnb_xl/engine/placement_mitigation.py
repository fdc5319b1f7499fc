"""The mitigated placement scenario: each workstream acts where it acts, on a category or a spend line.

A :class:`PlacementWorkstream` is an aggregate :class:`~hnb_xl.engine.safety_valve.Workstream`
(name, amount, start year, ramp, delivery confidence, funding source) with a placement lever and
its target. Its effect in year t is the aggregate rule (:meth:`Workstream.effect`)::

    e_t = amount * min(1, (t - start_year + 1) / ramp_years) * delivery_confidence   (0 before the start)

and 0 in the base year (an outturn year). The levers change the placement engine's inputs from the
start year (:mod:`hnb_xl.engine.placement`; k a category, j an other-spend line)::

    fewer_requests         new_t        = requests_t (1 - e_t) * assessed_share_t * issued_share_t
                           (no requests given that year: new_plan_growth_t (1 - e_t))
    placed_in_maintained   share[from,t] = share[from] (1 - e_t);  share[to,t] = share[to] + share[from] e_t
                           (target = the category the new plans leave, e.g. independent; to_category =
                           maintained special or resourced provision, which must have places in the
                           capacity table and overflow back to the target: the engine's capacity rule then
                           sends any pupil over the places back, so the lever acts only while places exist.
                           New plans take spare places before the backlog does (the engine's order), so
                           where the backlog waits for the same places the lever places new plans ahead
                           of it: the backlog grows, shown in the summary's ``backlog``)
    ceased_19_25           ceased_rate[k,t] = ceased_rate[k] + e_t   (k the post-16 category; a PROXY: the
                           engine has no ages, and post-16 and FE holds the 16 to 25s, so plans ceased at
                           19 to 25 are an extra ceased rate on it. Where a year has no requests, net
                           growth is held and the ceased plans are replaced: the lever then moves the mix)
    unit_cost_review       spend[k,t] = nbar[k,t] u[k,t] (1 - e_t)   (a fraction off k's unit cost)
    cash_saving            o[j,t] = o[j,t] - min(e_t, o[j,t])        (pounds off one other-spend line)

Funding source (:data:`~hnb_xl.engine.safety_valve.FUNDING_SOURCES`): a DSG workstream reduces HNB
spend; a General Fund workstream (the aggregate rule: a cash saving on a council budget outside the
DSG, e.g. home-to-school SEND transport) is reported as ``general_fund_saving`` = sum of its e_t and
changes no DSG figure.

Attribution is sequential in the listed order (the decisions log's D2,
``hnb_xl/data/assurance_decisions.csv``; the aggregate plan's rule,
:func:`hnb_xl.engine.safety_valve.attribution`)::

    saving_i,t = S_t(DSG workstreams 1..i-1) - S_t(DSG workstreams 1..i)
    total_t    = fsum_i saving_i,t;   mitigated S_t = unmitigated S_t - total_t

so the parts add up to the total every year exactly. Mitigated in-year and accumulated deficits
follow the engine's DSG rule on the mitigated spend and the unmitigated income.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..years import fy, parse_year
from .placement import SUMMARY_COLUMNS, PlacementInputs, PlacementResult, arrays, project_placements, run_paths
from .safety_valve import CASH, COST_PER_EHCP, DSG, FUNDING_SOURCES, Workstream

MITIGATED = "Mitigated (placement workstreams)"
TABLE = "placement_workstreams"
FEWER_REQUESTS = "fewer_requests"
PLACED_IN_MAINTAINED = "placed_in_maintained"
CEASED_19_25 = "ceased_19_25"
UNIT_COST_REVIEW = "unit_cost_review"
LEVERS = {
    FEWER_REQUESTS: "fewer EHC needs assessment requests: fraction off requests (off new plan growth where "
                    "requests are not given); no target",
    PLACED_IN_MAINTAINED: "new placements in the target category (independent) placed in to_category (maintained "
                          "special or resourced provision) instead while places exist: fraction of the target's "
                          "share of new plans",
    CEASED_19_25: "plans ceased at 19 to 25: extra ceased rate on the target category (post-16 and FE; a proxy)",
    UNIT_COST_REVIEW: "unit-cost review: fraction off the target category's unit cost",
    CASH: "cash saving in pounds on the target other-spend line (General Fund: a council budget outside the DSG)",
}
GENERAL_FUND_SAVING = "general_fund_saving"
TOTAL_SAVING = "total_saving"


@dataclass(frozen=True)
class PlacementWorkstream(Workstream):
    """One placement mitigation: the aggregate workstream's fields (``amount`` a fraction for the
    rate levers, pounds for ``cash_saving``), ``target`` (the category or other-spend line it acts
    on; blank for fewer_requests) and ``to_category`` (placed_in_maintained only)."""
    target: str = ""
    to_category: str = ""


@dataclass
class MitigatedResult:
    """``summary``: the mitigated projection in :data:`~hnb_xl.engine.placement.SUMMARY_COLUMNS`
    (DSG figures; the base year first); ``savings``: per year each workstream's saving (its name),
    ``total_saving`` (the DSG ones, fsum) and ``general_fund_saving``; ``by_category`` and ``lines``:
    the mitigated spend as :class:`~hnb_xl.engine.placement.PlacementResult` has it;
    ``unmitigated``: the engine's own result on the same inputs."""
    summary: pd.DataFrame
    savings: pd.DataFrame
    by_category: pd.DataFrame
    lines: pd.DataFrame
    unmitigated: PlacementResult


def _bad(message: str, column: str, i: int, value=None):
    raise ModelError(message, field=column, table=TABLE, index=i, value=value)


def validate(workstreams, a, capacity_categories: set) -> None:
    """Each workstream's rules: the aggregate ones (:meth:`Workstream.validate`, funding included),
    with this module's levers; a known lever; the target a category (a spend line for a DSG cash
    saving, any named budget for a General Fund one) and given where the lever needs one; the
    placed_in_maintained to_category a category other than the target, with places and overflowing
    to the target; the post-16 ceased rate plus the extra at most 1; unique names."""
    names = set()
    for i, w in enumerate(workstreams):
        if w.lever not in LEVERS:
            _bad(f"workstream '{w.name}': unknown lever '{w.lever}' (expected one of {', '.join(LEVERS)})", "lever",
                 i, w.lever)
        if w.name in names:
            _bad(f"two workstreams are named '{w.name}'", "name", i, w.name)
        names.add(w.name)
        if w.funding not in FUNDING_SOURCES:
            _bad(f"workstream '{w.name}': funding must be {' or '.join(FUNDING_SOURCES)}, got {w.funding!r}",
                 "funding", i, w.funding)
        # the aggregate rules (amount, ramp, confidence, a General Fund saving is cash) on an aggregate lever
        try:
            Workstream(name=w.name, lever=CASH if w.lever == CASH else COST_PER_EHCP, amount=w.amount,
                       start_year=w.start_year, ramp_years=w.ramp_years, delivery_confidence=w.delivery_confidence,
                       funding=w.funding).validate(i)
        except ModelError as exc:
            _bad(exc.message.replace(COST_PER_EHCP, w.lever), exc.field, i, exc.value)
        target = w.target.strip()
        if w.lever == FEWER_REQUESTS:
            if target:
                _bad(f"workstream '{w.name}': {FEWER_REQUESTS} acts on every new plan: leave the target blank, "
                     f"got '{target}'", "target", i, target)
            continue
        if not target:
            what = "an other-spend line" if w.lever == CASH else "a placement category"
            _bad(f"workstream '{w.name}': {w.lever} needs a target ({what})", "target", i)
        if w.lever == CASH:
            if w.funding == DSG and target not in a.other_names:
                _bad(f"workstream '{w.name}': '{target}' is not an other-spend line "
                     f"({', '.join(a.other_names)})", "target", i, target)
            continue
        if target not in a.names:
            _bad(f"workstream '{w.name}': '{target}' is not a placement category ({', '.join(a.names)})", "target",
                 i, target)
        k = a.names.index(target)
        if w.lever == CEASED_19_25 and a.ceased[k] + w.amount * w.delivery_confidence > 1:
            _bad(f"workstream '{w.name}': '{target}' ceases {a.ceased[k]:.0%} a year already: an extra "
                 f"{w.amount * w.delivery_confidence:.0%} is more than all its plans", "amount", i, w.amount)
        if w.lever == PLACED_IN_MAINTAINED:
            to = w.to_category.strip()
            if to not in a.names or to == target:
                _bad(f"workstream '{w.name}': to_category must be a placement category other than '{target}' "
                     f"({', '.join(a.names)}), got '{to}'", "to_category", i, to)
            j = a.names.index(to)
            if to not in capacity_categories or a.overflow[j] != k:
                _bad(f"workstream '{w.name}': '{to}' needs places in the capacity table and its overflow to "
                     f"'{target}' (the lever places pupils only while places exist)", "to_category", i, to)


def project_mitigated(inputs: PlacementInputs, workstreams) -> MitigatedResult:
    """The mitigated projection of ``inputs`` (module docstring). With no workstreams, or all of
    size 0, the summary is the unmitigated one to the bit."""
    workstreams = list(workstreams)
    un = project_placements(inputs)
    a = arrays(inputs)
    capacity = {str(k) for k in inputs.capacity["category"]} if len(inputs.capacity) else set()
    validate(workstreams, a, capacity)
    base = parse_year(inputs.base_year)
    years = [base, *a.years]
    labels = [fy(y) for y in years]
    T, K, J = len(a.years), len(a.names), len(a.other_names)

    share = np.broadcast_to(a.share, (T, K)).copy()
    ceased = np.broadcast_to(a.ceased, (T, K)).copy()
    growth = a.growth.copy()
    new_scale = np.ones(T)
    unit_factor = np.ones((T + 1, K))
    cash = np.zeros((T + 1, J))

    def run():
        r = run_paths(a, (inputs.weight_before, inputs.weight_after), calibration_growth=inputs.calibration_growth,
                      base_outturn=float(inputs.base_outturn), growth=growth[None, :], new_scale=new_scale[None, :],
                      share_path=share, ceased_path=ceased)
        spend = r["spend"][0] * unit_factor
        other = r["other"] - np.minimum(cash, r["other"])
        expenditure = spend.sum(axis=1) + other.sum(axis=1) + r["calibration"][0]
        return r, spend, other, expenditure

    r, spend, other, prev = run()
    parts = {}
    for i, w in enumerate(workstreams):
        e = w.effect(years)
        e[0] = 0.0     # the base year is outturn
        if not w.on_dsg:
            parts[w.name] = e
            continue
        p = e[1:]
        if w.lever == FEWER_REQUESTS:
            requested = np.isfinite(a.requested_new)
            new_scale = np.where(requested, new_scale * (1.0 - p), new_scale)
            growth = np.where(requested, growth, growth * (1.0 - p))
        elif w.lever == PLACED_IN_MAINTAINED:
            k, j = a.names.index(w.target.strip()), a.names.index(w.to_category.strip())
            moved = share[:, k] * p
            share[:, k] -= moved
            share[:, j] += moved
        elif w.lever == CEASED_19_25:
            ceased[:, a.names.index(w.target.strip())] += p
        elif w.lever == UNIT_COST_REVIEW:
            unit_factor[:, a.names.index(w.target.strip())] *= 1.0 - e
        else:
            cash[:, a.other_names.index(w.target.strip())] += e
        r, spend, other, cur = run()
        parts[w.name] = prev - cur
        prev = cur

    dsg = [w.name for w in workstreams if w.on_dsg]
    total = np.array([math.fsum(parts[n][t] for n in dsg) for t in range(T + 1)])
    general_fund = np.array([math.fsum(parts[w.name][t] for w in workstreams if not w.on_dsg)
                             for t in range(T + 1)])
    s = un.summary
    expenditure = s["hnb_expenditure"].to_numpy(float) - total
    in_year = expenditure - s["hnb_income"].to_numpy(float)
    other_dsg = s["other_dsg_movements"].to_numpy(float)
    accumulated = float(inputs.base_accumulated) + np.cumsum(np.concatenate([[0.0], in_year[1:] + other_dsg[1:]]))
    census = r["census"][0]
    summary = s.copy()
    summary["ehcp_count"] = census.sum(axis=1)
    summary["fy_caseload"] = r["fy_caseload"][0].sum(axis=1)
    summary["placement_spend"] = spend.sum(axis=1)
    summary["other_spend"] = other.sum(axis=1)
    summary["hnb_expenditure"] = expenditure
    summary["in_year_deficit"] = in_year
    summary["accumulated_deficit"] = accumulated
    summary["backlog"] = r["backlog"][0]
    summary = summary[SUMMARY_COLUMNS]
    savings = pd.DataFrame({"financial_year": labels, **{n: parts[n] for n in dsg}, TOTAL_SAVING: total,
                            **{w.name: parts[w.name] for w in workstreams if not w.on_dsg},
                            GENERAL_FUND_SAVING: general_fund})
    by_category = un.by_category.copy()
    by_category["census_count"] = census.ravel()
    by_category["fy_caseload"] = r["fy_caseload"][0].ravel()
    by_category["unit_cost"] = (r["unit_cost"][0] * unit_factor).ravel()
    by_category["spend"] = spend.ravel()
    lines = un.lines.copy()
    kinds = lines["kind"].to_numpy()
    for t, label in enumerate(labels):
        at = (lines["financial_year"] == label).to_numpy()
        lines.loc[at & (kinds == "placement"), "amount"] = spend[t]
        lines.loc[at & (kinds == "other"), "amount"] = other[t]
    for frame in (summary, savings, by_category, lines):
        if not np.isfinite(frame.select_dtypes("number").to_numpy(float)).all():
            raise ModelError("the mitigated projection is not finite", field="amount", table=TABLE)
    return MitigatedResult(summary.reset_index(drop=True), savings, by_category, lines, un)


def workstreams_from_frame(frame: pd.DataFrame) -> list[PlacementWorkstream]:
    """The ``placement_workstreams`` table (engine column names, ``tables.placement.WORKSTREAMS``) as
    workstreams: blank ramp 1, blank confidence 1, blank funding DSG."""
    out = []
    for _, r in frame.reset_index(drop=True).iterrows():
        def num(col, default):
            v = r.get(col)
            return default if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
        ramp = num("ramp_years", 1.0)
        out.append(PlacementWorkstream(
            name=str(r["name"]), lever=str(r["lever"]).strip(), amount=num("amount", float("nan")),
            start_year=parse_year(r["start_year"]), ramp_years=int(ramp) if ramp.is_integer() else ramp,
            delivery_confidence=num("delivery_confidence", 1.0), budget_area=str(r.get("budget_area", "") or ""),
            funding=str(r.get("funding", "") or DSG), target=str(r.get("target", "") or ""),
            to_category=str(r.get("to_category", "") or "")))
    return out

