"""The DfE safety valve plan: mitigated against unmitigated, workstream attribution, the agreement.

Sign convention (deficits positive, as in the projection)::

    dsg_in_year_deficit_t = in_year_deficit_t + other_dsg_movements_t
    accumulated_deficit_after_contributions_t
        = accumulated_deficit_after_contributions_{t-1} + dsg_in_year_deficit_t
          - dfe_contribution_t - council_contribution_t

i.e. cumulative c/f = b/f + in-year + other - contributions: a DfE instalment or a council
contribution paid in year t *reduces* the accumulated deficit carried forward at 31 March of
year t. After a roll-forward (history gains the outturn of a year with an instalment) that
instalment is kept as received: it is already in the outturn accumulated deficit, the base of the
plan, so it is reported and counted in the agreement's total but not deducted again
(:func:`outturn_contributions`). Contributions do not change the in-year position: the DfE's test is
"reaching an in-year balance on the DSG" (seed, "Safety Valve Context"), so
``first_balance_year`` is the first year with ``dsg_in_year_deficit <= 0``.

Mitigations (the seed's three levers, "The Plan"): each :class:`Workstream` has a lever, a size,
a start year, a ramp-up and a delivery-confidence factor. Its effect in year t is::

    ramp_t   = 0 before the start year, else min(1, (t - start_year + 1) / ramp_years)
    effect_t = amount * ramp_t * delivery_confidence

and the levers act on the projection's drivers (base = last history year, "b")::

    ehcp_growth (lever ``ehcp_growth_reduction``: fewer EHC needs assessment requests)
        mitigated_ehcp_growth_t = ehcp_growth_t * prod_i (1 - effect_i,t)
        ehcp_count_t = ehcp_count_{t-1} * (1 + mitigated_ehcp_growth_t)
    cost per EHCP (lever ``cost_per_ehcp_reduction``: reviews, increasing independence)
        cost_per_ehcp_t = unmitigated cost_per_ehcp_t * prod_i (1 - effect_i,t)
    cash (lever ``cash_saving``: value for money by budget area, e.g. transport, tuition,
        independent placements), in pounds
        hnb_expenditure_t = ehcp_count_t * cost_per_ehcp_t - sum_i effect_i,t

Attribution is **sequential (marginal) in the order the workstreams are listed**: workstream k's
saving is the expenditure with workstreams 1..k-1 applied minus the expenditure with 1..k
applied. The total saving is defined as the sum of these parts (``math.fsum``), and the
mitigated expenditure as unmitigated minus that total, so the parts add up to the whole exactly
in every year. (The parts telescope, so the total equals the saving of all workstreams together,
to rounding.) Interactions between a volume lever and a cost lever are credited to whichever
comes later in the list; list workstreams in the order the plan delivers them.

Funding source: each workstream's saving falls on the DSG or on the council's General Fund
(:data:`FUNDING_SOURCES`). Only the DSG workstreams enter the attribution above and the DSG
figures (``total_saving``, expenditure, in-year, accumulated, target, gap, suspension risk). A
General Fund workstream is a cash saving on a council budget outside the DSG, reported on its own
(``general_fund_saving`` = sum of their effect_t, in pounds) and never deducted from the DSG.
Home-to-school transport (SEND transport included) is such a budget: a council duty under the
Education Act 1996 s508B, paid from the General Fund, not the Dedicated Schools Grant
(https://www.legislation.gov.uk/ukpga/1996/56/section/508B; hnb_xl/data/README.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..years import fy, parse_year
from .projection import extend_assumptions, project

EHCP_GROWTH = "ehcp_growth_reduction"
COST_PER_EHCP = "cost_per_ehcp_reduction"
CASH = "cash_saving"
LEVERS = {
    EHCP_GROWTH: "fewer EHC needs assessment requests: fraction off EHCP growth",
    COST_PER_EHCP: "reviews of the current cohort / increasing independence: fraction off cost per EHCP",
    CASH: "value for money by budget area: cash saving in pounds",
}
DSG, GENERAL_FUND = "DSG", "General Fund"
FUNDING_SOURCES = (DSG, GENERAL_FUND)     # the first is a blank cell's (tables.schema WORKSTREAMS "Funding")


@dataclass(frozen=True)
class Workstream:
    """One mitigation. ``amount`` is a fraction for the two rate levers, pounds for ``cash_saving``."""
    name: str
    lever: str
    amount: float
    start_year: int
    ramp_years: int = 1
    delivery_confidence: float = 1.0
    budget_area: str = ""
    funding: str = DSG

    @property
    def on_dsg(self) -> bool:
        """True when the saving falls on the DSG (else the General Fund: reported, not deducted)."""
        return self.funding == DSG

    def validate(self, index: int | None = None) -> None:
        """The workstream's rules: a known lever; amount finite and >= 0, and <= 1 for the two rate
        levers; ramp_years a whole number >= 1; 0 <= delivery_confidence <= 1; funding one of
        :data:`FUNDING_SOURCES`, and a General Fund workstream a cash saving (the rate levers act on
        HNB spending, which the DSG funds). Raises
        :class:`~hnb_xl.errors.ModelError` naming the column (``index``: the workstream's position)."""
        where = f"workstream '{self.name}'"

        def bad(message, column, value):
            raise ModelError(f"{where}: {message}", field=column, table="workstreams", index=index, value=value)

        if self.lever not in LEVERS:
            bad(f"unknown lever '{self.lever}' (expected one of {', '.join(LEVERS)})", "lever", self.lever)
        if not math.isfinite(self.amount) or self.amount < 0:
            bad(f"amount must be 0 or more, got {self.amount!r}", "amount", self.amount)
        if self.lever != CASH and self.amount > 1:
            bad(f"a {self.lever} is a fraction between 0 and 1 (0.1 = 10%), got {self.amount!r}", "amount",
                self.amount)
        if not math.isfinite(self.ramp_years) or int(self.ramp_years) != self.ramp_years or self.ramp_years < 1:
            bad(f"ramp_years must be a whole number of 1 or more, got {self.ramp_years!r}", "ramp_years",
                self.ramp_years)
        if not 0 <= self.delivery_confidence <= 1:
            bad(f"delivery_confidence must be between 0 and 1, got {self.delivery_confidence!r}",
                "delivery_confidence", self.delivery_confidence)
        if self.funding not in FUNDING_SOURCES:
            bad(f"funding must be {' or '.join(FUNDING_SOURCES)}, got {self.funding!r}", "funding", self.funding)
        if self.funding != DSG and self.lever != CASH:
            bad(f"a {self.funding} workstream is a cash saving on a council budget outside the DSG: its lever must "
                f"be {CASH}, got '{self.lever}' (the rate levers act on HNB spending, which the DSG funds)",
                "lever", self.lever)

    def effect(self, years) -> np.ndarray:
        """effect_t = amount * min(1, (t - start + 1) / ramp_years) * delivery_confidence (0 before start)."""
        t = np.asarray(years, dtype=float)
        ramp = np.clip((t - self.start_year + 1) / float(self.ramp_years), 0.0, 1.0)
        return self.amount * ramp * self.delivery_confidence


# ---------------------------------------------------------------------------------------------
# The agreement: DfE instalments and council contributions


LAST_YEAR = 9998   # the last start year a financial-year label can hold (9998-99)


def instalment_schedule(total: float, first_year: int, instalments: int = 5, first_share: float = 0.4) -> pd.Series:
    """DfE contributions by financial year: a first instalment of ``total * first_share`` in
    ``first_year`` and the remainder in ``instalments - 1`` equal amounts in the following years::

        instalment_1 = total * first_share
        instalment_k = total * (1 - first_share) / (instalments - 1),  k = 2..instalments

    Slough: £27m, 40% first -> £10.8m then four of £4.05m (the profile assumed in
    hnb_xl/data/plan_agreement_cambridgeshire.csv; provenance in hnb_xl/data/README.md).
    With one instalment the whole total is paid in ``first_year``.
    """
    if not math.isfinite(total) or total < 0:
        raise ModelError(f"the DfE total must be 0 or more, got {total!r}", field="dfe_total", value=total)
    if not math.isfinite(instalments) or int(instalments) != instalments or instalments < 1:
        raise ModelError(f"instalments must be a whole number of 1 or more, got {instalments!r}",
                         field="instalments", value=instalments)
    if not 0 <= first_share <= 1:
        raise ModelError(f"first_share must be between 0 and 1, got {first_share!r}", field="first_share",
                         value=first_share)
    n = int(instalments)
    if first_year + n - 1 > LAST_YEAR:
        raise ModelError(f"{n} instalments from {fy(first_year)} would run past {fy(LAST_YEAR)}", field="instalments",
                         value=instalments)
    if n == 1:
        amounts = [float(total)]
    else:
        first = total * first_share
        rest = total * (1 - first_share) / (n - 1)
        amounts = [first] + [rest] * (n - 1)
    return pd.Series(amounts, index=[fy(first_year + k) for k in range(n)], name="dfe_contribution")


@dataclass
class Agreement:
    """A safety valve agreement: DfE contributions by year (£), council contributions by year (£),
    the year by which the DSG must reach in-year balance, and the tolerance (£) for the
    suspension-risk flag."""
    dfe_contributions: dict[str, float] = field(default_factory=dict)
    council_contributions: dict[str, float] = field(default_factory=dict)
    target_balance_year: int | None = None
    tolerance: float = 0.0
    name: str = ""
    end_year: int | None = None             # the agreement's last year (None: see last_year)
    payments: tuple = ()                    # Payment records: what was due, its status, what was received

    @property
    def last_year(self) -> int | None:
        """The agreement's last year: ``end_year`` if stated, else the later of the last year with a
        contribution (an instalment due counts, even if withheld: withholding does not shorten the
        agreement) and the target balance year (None: no contributions and no target)."""
        if self.end_year is not None:
            return self.end_year
        paid = [parse_year(y) for d in (self.dfe_contributions, self.council_contributions) for y, v in d.items()
                if v != 0] + [parse_year(p.financial_year) for p in self.payments if p.due != 0]
        known = paid + ([self.target_balance_year] if self.target_balance_year is not None else [])
        return max(known) if known else None

    @classmethod
    def from_total(cls, total: float, first_year: int, instalments: int = 5, first_share: float = 0.4,
                   target_balance_year: int | None = None, council_contributions: dict | None = None,
                   tolerance: float = 0.0, name: str = "") -> "Agreement":
        s = instalment_schedule(total, first_year, instalments, first_share)
        return cls(dict(s.items()), dict(council_contributions or {}), target_balance_year, tolerance, name)

    @property
    def dfe_total(self) -> float:
        return math.fsum(self.dfe_contributions.values())

    @property
    def exists(self) -> bool:
        """False for "No safety valve agreement": a DfE total of 0 (an empty agreement table, or a
        council without one) and no instalment due in the payment records. Its results (target met,
        the gap at its end, the instalments) are then not reported (:func:`summary`)."""
        return self.dfe_total > 0 or any(p.due > 0 for p in self.payments)


NO_AGREEMENT = Agreement()
NO_AGREEMENT_TEXT = "No safety valve agreement"     # said where an agreement's results would be (plan, sheet)

PAYMENT_STATUSES = ("paid", "withheld", "back-dated", "due")


@dataclass(frozen=True)
class Payment:
    """One DfE instalment as it happened: the financial year it was due, the amount due (£), its
    status (:data:`PAYMENT_STATUSES`: paid, withheld, back-dated = paid later after a withholding,
    due = not yet known) and the amount received (£; None: as due for paid/back-dated/due, 0 for
    withheld)."""
    financial_year: str
    due: float
    status: str
    received: float | None = None

    @property
    def counted(self) -> float:
        """What the plan counts as the DfE contribution of the year: the amount received where known,
        else the amount due unless withheld."""
        if self.received is not None:
            return float(self.received)
        return 0.0 if self.status == "withheld" else float(self.due)


def with_payments(agreement: Agreement, payments: list[Payment]) -> Agreement:
    """The agreement with its instalment profile replaced by what was paid, year by year (a year
    without a payment record keeps the profile's instalment)."""
    for i, p in enumerate(payments):
        if p.status not in PAYMENT_STATUSES:
            raise ModelError(f"unknown payment status '{p.status}' (expected one of {', '.join(PAYMENT_STATUSES)})",
                             field="status", table="payments", index=i, value=p.status)
    dfe = dict(agreement.dfe_contributions)
    dfe.update({fy(parse_year(p.financial_year)): p.counted for p in payments})
    return Agreement(dfe, dict(agreement.council_contributions), agreement.target_balance_year,
                     agreement.tolerance, agreement.name, agreement.end_year, tuple(payments))


def by_year(amounts: dict, years: list[str], what: str, outturn: list[str] = ()) -> np.ndarray:
    """Contributions (£) laid on the plan years (0 where none). A contribution in an ``outturn``
    year (a history year before the plan: after a roll-forward, the agreement's first instalments)
    is kept as received and NOT laid on the plan: it is already in that year's outturn
    accumulated deficit (:func:`outturn_contributions`). A non-zero one before the first outturn
    year or after the last plan year is an error on the agreement's ``first_year`` (the
    instalments run from it)."""
    labels = {fy(parse_year(k)): float(v) for k, v in amounts.items()}
    early = sorted(y for y in set(labels) - set(years) - set(outturn) if y < years[0] and labels[y] != 0)
    if early:
        since = f"the outturn years start in {sorted(outturn)[0]}" if outturn else f"the plan starts in {years[0]}"
        raise ModelError(f"{what} in {', '.join(early)} are before any year of the model ({since}): "
                         f"check the agreement's first year", field="first_year")
    late = sorted(y for y in set(labels) - set(years) - set(outturn) if y > years[-1] and labels[y] != 0)
    if late:
        raise ModelError(f"{what} in {', '.join(late)} fall outside the plan years {years[0]} to {years[-1]}: the "
                         f"plan must run to {late[-1]} at least (more assumption years, or a later end year)",
                         field="first_year")
    return np.array([labels.get(y, 0.0) for y in years])


def outturn_contributions(amounts: dict, first_plan_year: str) -> dict[str, float]:
    """{year: £} of the contributions in years before the first plan year: instalments received
    (or withheld, as the payment records say) in years that are now outturn. The outturn
    accumulated deficit is the DSG reserve as it stood at 31 March, after what was received, so
    these are reported, and counted in the agreement's total, but not deducted again."""
    first = parse_year(first_plan_year)
    return {fy(parse_year(k)): float(v) for k, v in amounts.items() if parse_year(k) < first}


# ---------------------------------------------------------------------------------------------
# The plan


def lever_arrays(workstreams: list[Workstream], years: list[int]):
    """Per-workstream effects by year: (effects [n_ws, n_years], levers list)."""
    eff = np.array([w.effect(years) for w in workstreams]).reshape(len(workstreams), len(years))
    return eff, [w.lever for w in workstreams]


def expenditure_paths(base_ehcp: float, base_cost: float, ehcp_growth, cost_per_ehcp_growth,
                      ehcp_cut=None, cost_cut=None, cash=None) -> np.ndarray:
    """HNB expenditure (£) by year, vectorised over any leading axes (e.g. Monte Carlo paths)::

        ehcp_count_t    = base_ehcp * prod_{s<=t} (1 + ehcp_growth_s * (1 - ehcp_cut_s))
        cost_per_ehcp_t = base_cost * prod_{s<=t} (1 + cost_per_ehcp_growth_s) * (1 - cost_cut_t)
        hnb_expenditure_t = ehcp_count_t * cost_per_ehcp_t - cash_t

    ``ehcp_cut``/``cost_cut`` are the combined fractions (1 - prod(1 - effect)); with no cuts
    the arithmetic is exactly that of :func:`hnb_xl.engine.projection.project`.
    """
    g_e = np.asarray(ehcp_growth, dtype=float)
    if ehcp_cut is not None:
        g_e = g_e * (1.0 - np.asarray(ehcp_cut, dtype=float))
    ehcp = base_ehcp * np.cumprod(1.0 + g_e, axis=-1)
    cost = base_cost * np.cumprod(1.0 + np.asarray(cost_per_ehcp_growth, dtype=float), axis=-1)
    if cost_cut is not None:
        cost = cost * (1.0 - np.asarray(cost_cut, dtype=float))
    exp = ehcp * cost
    if cash is not None:
        exp = exp - np.asarray(cash, dtype=float)
    return exp


def combined_cuts(eff: np.ndarray, levers: list[str], upto: int):
    """Combined cuts of the first ``upto`` workstreams: (ehcp_cut, cost_cut, cash)."""
    n_years = eff.shape[1]
    keep_e = np.ones(n_years)
    keep_c = np.ones(n_years)
    cash = np.zeros(n_years)
    for k in range(upto):
        if levers[k] == EHCP_GROWTH:
            keep_e = keep_e * (1.0 - eff[k])
        elif levers[k] == COST_PER_EHCP:
            keep_c = keep_c * (1.0 - eff[k])
        else:
            cash = cash + eff[k]
    return 1.0 - keep_e, 1.0 - keep_c, cash


def attribution(history: pd.DataFrame, assumptions: pd.DataFrame, workstreams: list[Workstream],
                to_year: int | None = None) -> pd.DataFrame:
    """Saving (£) by workstream and year. A DSG workstream's is its reduction in HNB expenditure,
    sequential in list order over the DSG workstreams::

        saving_k,t = expenditure_t(DSG workstreams 1..k-1) - expenditure_t(DSG workstreams 1..k)

    a General Fund workstream's is its own effect_t (a cash saving on a council budget, not HNB
    expenditure). Rejects (:class:`~hnb_xl.errors.ModelError` on the workstream's ``amount``) a
    workstream that takes expenditure below zero, or two workstreams of the same name. Returns a
    frame indexed by financial year with one column per workstream name, in list order (the DSG
    ones add up to ``plan``'s ``total_saving``, the General Fund ones to ``general_fund_saving``).
    """
    a = extend_assumptions(assumptions, to_year) if to_year is not None else assumptions.reset_index(drop=True)
    years = [parse_year(y) for y in a["financial_year"]]
    labels = [fy(y) for y in years]
    names = [w.name for w in workstreams]
    for k, n in enumerate(names):
        if n in names[:k]:
            raise ModelError(f"workstream names must be unique: '{n}' appears more than once", field="name",
                             table="workstreams", index=k, value=n)
    for k, w in enumerate(workstreams):
        w.validate(k)
    base = history.iloc[-1]
    base_ehcp = float(base["ehcp_count"])
    base_cost = float(base["hnb_expenditure"]) / base_ehcp
    g_e = a["ehcp_growth"].to_numpy(float)
    g_c = a["cost_per_ehcp_growth"].to_numpy(float)
    dsg = [w for w in workstreams if w.on_dsg]
    eff, levers = lever_arrays(dsg, years)
    prev = expenditure_paths(base_ehcp, base_cost, g_e, g_c)
    parts = {w.name: w.effect(years) for w in workstreams if not w.on_dsg}
    for j, w in enumerate(dsg):
        k = workstreams.index(w)
        cur = expenditure_paths(base_ehcp, base_cost, g_e, g_c, *combined_cuts(eff, levers, j + 1))
        below = np.flatnonzero(cur < 0)
        if below.size:
            y = labels[below[0]]
            raise ModelError(f"workstream '{w.name}' would take HNB expenditure below zero in {y} "
                             f"(-£{-cur[below[0]]:,.0f}): its saving is larger than the spending left",
                             field="amount", table="workstreams", index=k, value=w.amount)
        parts[w.name] = prev - cur
        prev = cur
    return pd.DataFrame(parts, index=pd.Index(labels, name="financial_year"), columns=names)


PLAN_COLUMNS = ["financial_year", "unmitigated_hnb_expenditure", "unmitigated_in_year_deficit",
                "unmitigated_dsg_in_year_deficit", "unmitigated_accumulated_deficit", "total_saving",
                "general_fund_saving",
                "ehcp_count", "hnb_expenditure", "hnb_budget", "in_year_deficit", "other_dsg_movements",
                "dsg_in_year_deficit", "accumulated_deficit", "dfe_contribution", "council_contribution",
                "accumulated_deficit_after_contributions", "suspension_risk"]


def plan(history: pd.DataFrame, assumptions: pd.DataFrame, workstreams: list[Workstream] = (),
         agreement: Agreement = NO_AGREEMENT, to_year: int | None = None,
         forecast_dsg_in_year=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The safety valve plan by year, and the attribution table (see :func:`attribution`).

    Columns (:data:`PLAN_COLUMNS`): the unmitigated projection (from
    :func:`~hnb_xl.engine.projection.project`); ``total_saving`` = sum of the DSG workstreams'
    attribution; ``general_fund_saving`` = sum of the General Fund workstreams' (reported only);
    the mitigated ``hnb_expenditure`` = unmitigated - total_saving, ``in_year_deficit`` =
    hnb_expenditure - hnb_budget, ``dsg_in_year_deficit`` = in_year_deficit + other_dsg_movements,
    ``accumulated_deficit`` (mitigated, before contributions) = b/f + dsg in-year; then the
    agreement: ``accumulated_deficit_after_contributions`` = b/f + dsg in-year - dfe - council.
    ``suspension_risk``: the actual/forecast DSG in-year deficit (``forecast_dsg_in_year``, a
    mapping year -> £) exceeds the plan's by more than ``agreement.tolerance``; NaN where no
    forecast is given.
    """
    un = project(history, assumptions, to_year=to_year)
    labels = list(un["financial_year"])
    parts = attribution(history, assumptions, list(workstreams), to_year=to_year if to_year is not None
                        else parse_year(labels[-1]))
    if list(parts.index) != labels:  # pragma: no cover - same extension rule on both sides
        raise AssertionError("attribution years differ from the projection years")
    dsg = [w for w in workstreams if w.on_dsg]

    def fsum_by_year(names):
        m = parts[names].to_numpy()
        return np.array([math.fsum(m[t]) for t in range(len(labels))]) if names else np.zeros(len(labels))
    total = fsum_by_year([w.name for w in dsg])
    general_fund = fsum_by_year([w.name for w in workstreams if not w.on_dsg])
    base = history.iloc[-1]
    base_ehcp = float(base["ehcp_count"])
    a = extend_assumptions(assumptions, parse_year(labels[-1]))
    eff, levers = lever_arrays(dsg, [parse_year(y) for y in labels])
    ehcp_cut = combined_cuts(eff, levers, len(levers))[0]
    ehcp = base_ehcp * np.cumprod(1.0 + a["ehcp_growth"].to_numpy(float) * (1.0 - ehcp_cut))

    expenditure = un["hnb_expenditure"].to_numpy() - total
    budget = un["hnb_budget"].to_numpy()
    other = un["other_dsg_movements"].to_numpy()
    in_year = expenditure - budget
    dsg_in_year = in_year + other
    opening = float(base["accumulated_deficit"])
    accumulated = opening + np.cumsum(in_year + other)
    outturn = [fy(parse_year(y)) for y in history["financial_year"]]
    dfe = by_year(agreement.dfe_contributions, labels, "DfE contributions", outturn)
    council = by_year(agreement.council_contributions, labels, "council contributions", outturn)
    after = opening + np.cumsum(in_year + other - dfe - council)
    if forecast_dsg_in_year is None:
        risk = np.full(len(labels), np.nan)
    else:
        fc = {fy(parse_year(k)): float(v) for k, v in dict(forecast_dsg_in_year).items()}
        risk = np.array([float(fc[y] - d > agreement.tolerance) if y in fc else np.nan
                         for y, d in zip(labels, dsg_in_year)])
    frame = pd.DataFrame({
        "financial_year": labels,
        "unmitigated_hnb_expenditure": un["hnb_expenditure"].to_numpy(),
        "unmitigated_in_year_deficit": un["in_year_deficit"].to_numpy(),
        "unmitigated_dsg_in_year_deficit": un["in_year_deficit"].to_numpy() + other,
        "unmitigated_accumulated_deficit": un["accumulated_deficit"].to_numpy(),
        "total_saving": total,
        "general_fund_saving": general_fund,
        "ehcp_count": ehcp,
        "hnb_expenditure": expenditure,
        "hnb_budget": budget,
        "in_year_deficit": in_year,
        "other_dsg_movements": other,
        "dsg_in_year_deficit": dsg_in_year,
        "accumulated_deficit": accumulated,
        "dfe_contribution": dfe,
        "council_contribution": council,
        "accumulated_deficit_after_contributions": after,
        "suspension_risk": risk,
    }, columns=PLAN_COLUMNS)
    return frame, parts


def first_year_at_or_below_zero(labels, values) -> str | None:
    """The first financial year whose value is <= 0, or None if none is."""
    for y, v in zip(labels, values):
        if v <= 0:
            return y
    return None


def summary(plan_frame: pd.DataFrame, agreement: Agreement = NO_AGREEMENT) -> dict:
    """Headline results of a plan frame::

        agreement                False when there is no safety valve agreement (Agreement.exists):
                                 target_balance_year, target_met, agreement_end_year and
                                 deficit_gap_at_end are then None (nothing to report against)
        first_balance_year       first year with dsg_in_year_deficit <= 0 (mitigated)
        unmitigated_balance_year the same without mitigations
        deficit_cleared_year     first year with accumulated_deficit_after_contributions <= 0
        target_balance_year      from the agreement
        agreement_end_year       the agreement's last year (Agreement.last_year)
        target_met               dsg_in_year_deficit <= 0 in the target year AND every later year of
                                 the agreement (agreements require balance "by ... and in each
                                 subsequent year"); False when any of those years is not planned
        deficit_gap_at_end       accumulated_deficit_after_contributions at the end of the agreement's
                                 last year if above 0, else 0 (£): what the agreement leaves uncleared
        dfe_total, council_total the agreement's contributions (£): over the plan years and, after a
                                 roll-forward, the years now outturn (so the DfE total stays the
                                 agreement's total)
        dfe_in_outturn, council_in_outturn  only when some fall in outturn years: their sum (£), kept
                                 as received (:func:`outturn_contributions`), not deducted again
        total_saving             the sum over the plan years (£) of the DSG workstreams' savings
        general_fund_saving      the same of the General Fund workstreams' (reported, not in any DSG figure)
        dfe_received, dfe_outstanding  with payment records: received so far, and due less received
    """
    labels = list(plan_frame["financial_year"])
    in_year = plan_frame["dsg_in_year_deficit"].to_numpy(float)
    first = first_year_at_or_below_zero(labels, in_year)
    exists = agreement.exists
    target = fy(agreement.target_balance_year) if exists and agreement.target_balance_year is not None else None
    end = agreement.last_year if exists else None
    met = None
    if target is not None:
        required = [fy(y) for y in range(agreement.target_balance_year, max(end, agreement.target_balance_year) + 1)]
        met = set(required) <= set(labels) and all(in_year[labels.index(y)] <= 0 for y in required)
    gap = None
    if end is not None and fy(end) in labels:
        gap = max(0.0, float(plan_frame["accumulated_deficit_after_contributions"].iloc[labels.index(fy(end))]))
    risk = plan_frame["suspension_risk"]
    before_dfe = outturn_contributions(agreement.dfe_contributions, labels[0])
    before_council = outturn_contributions(agreement.council_contributions, labels[0])
    payments = {}
    if before_dfe or before_council:
        payments["dfe_in_outturn"] = math.fsum(before_dfe.values())
        payments["council_in_outturn"] = math.fsum(before_council.values())
    if agreement.payments:
        received = math.fsum(p.counted for p in agreement.payments if p.status != "due")
        payments.update({"dfe_received": received,
                         "dfe_outstanding": math.fsum(p.due for p in agreement.payments) - received})
    return {
        "agreement": exists,
        "agreement_end_year": fy(end) if end is not None else None,
        "deficit_gap_at_end": gap,
        **payments,
        "first_balance_year": first,
        "unmitigated_balance_year": first_year_at_or_below_zero(labels, plan_frame["unmitigated_dsg_in_year_deficit"]),
        "deficit_cleared_year": first_year_at_or_below_zero(labels, plan_frame["accumulated_deficit_after_contributions"]),
        "target_balance_year": target,
        "target_met": met,
        "dfe_total": math.fsum([*plan_frame["dfe_contribution"], *before_dfe.values()]),
        "council_total": math.fsum([*plan_frame["council_contribution"], *before_council.values()]),
        "total_saving": math.fsum(plan_frame["total_saving"]),
        "general_fund_saving": math.fsum(plan_frame["general_fund_saving"]) if "general_fund_saving" in plan_frame
        else 0.0,
        "suspension_risk_years": [y for y, r in zip(labels, risk) if r == 1.0],
    }
