"""SEND Contingency: share a fixed pot among schools whose EHCP numbers are high relative to
their notional SEN budget.

Source: seed, Invest to Transform: "SEND Contingency - To support those schools with higher
numbers of SEND / EHCPs than notional SEN supports (£450k)"; initial figures from EHCP numbers
as at May 2022, "repeated in the autumn term". Mainstream schools meet the first £6,000 of
additional support per EHCP pupil from their notional SEN budget (DfE notional SEN guide).

Formulas, per school s::

    shortfall_s  = rounddown(max(0, ehcp_count_s * cost_per_ehcp - notional_share * notional_sen_s))
                   (whole pounds, rounded down, so no school is ever paid more than its shortfall)
    scale        = min(1, pot / sum(shortfall))
    allocation_s = shortfall_s * scale, in whole pounds by the largest-remainder method, so
                   sum(allocation) = min(pot, sum(shortfall)) exactly (the pot rounded down to
                   whole pounds).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import ModelError


def shortfall(ehcp_count, notional_sen, cost_per_ehcp: float = 6000.0, notional_share: float = 1.0) -> np.ndarray:
    """shortfall = rounddown(max(0, ehcp_count * cost_per_ehcp - notional_share * notional_sen)), in whole £.

    (Excel: ROUNDDOWN(MAX(0, ...), 0).) The 1e-9 guards against binary fractions such as 0.1 * 3.
    """
    e = np.asarray(ehcp_count, dtype=float)
    n = np.asarray(notional_sen, dtype=float)
    return np.floor(np.maximum(0.0, e * cost_per_ehcp - notional_share * n) + 1e-9)


def largest_remainder(amounts, total: int, keys=None) -> np.ndarray:
    """Whole-pound shares of ``total`` proportional to ``amounts`` (each >= 0).

    Each share is floor(exact) plus one pound for the ``total - sum(floors)`` largest
    fractional remainders. Ties in the remainder go to the larger exact amount, then to the
    smaller key (URN), so the result does not depend on row order.
    Defined as:: exact_s = total * amount_s / sum(amount)
    """
    a = np.asarray(amounts, dtype=float)
    out = np.zeros(a.shape, dtype=np.int64)
    denom = float(a.sum())
    if total <= 0 or denom <= 0:
        return out
    exact = a * (total / denom)
    floors = np.floor(exact + 1e-9).astype(np.int64)
    remainder = exact - floors
    short = int(total - floors.sum())
    keys = np.arange(a.size) if keys is None else np.asarray(keys)
    if short > 0:
        # sort: remainder desc, exact desc, key asc (lexsort uses the last key as primary)
        order = np.lexsort((keys, -exact, -np.round(remainder, 9)))
        eligible = [i for i in order if a[i] > 0]
        for i in eligible[:short]:
            floors[i] += 1
    return floors


def check_rules(pot: float, cost_per_ehcp: float, notional_share: float) -> None:
    """The allocation's scalar rules: pot >= 0 (£), cost per EHCP >= 0 (£), 0 <= notional share <= 1,
    each a finite number. Raises :class:`~hnb_xl.errors.ModelError` naming the field."""
    for field, value, low, high, what in (("pot", pot, 0.0, None, "the pot must be 0 or more"),
                                          ("cost_per_ehcp", cost_per_ehcp, 0.0, None,
                                           "cost per EHCP must be 0 or more"),
                                          ("notional_share", notional_share, 0.0, 1.0,
                                           "the notional SEN share must be between 0 and 1")):
        x = float(value)
        if not math.isfinite(x) or x < low or (high is not None and x > high):
            raise ModelError(f"{what}, got {value!r}", field=field, value=value)


def allocate(schools: pd.DataFrame, pot: float, cost_per_ehcp: float = 6000.0,
             notional_share: float = 1.0) -> pd.DataFrame:
    """Allocate the pot (£) to schools.

    ``schools`` needs ``urn``, ``ehcp_count`` and ``notional_sen`` (other columns are kept).
    Returns the rows in the order given with ``shortfall`` (£, exact), ``exact_share`` (£, before
    rounding) and ``allocation`` (whole £). Schools without a shortfall get 0.
    """
    check_rules(pot, cost_per_ehcp, notional_share)
    out = schools.reset_index(drop=True).copy()
    sf = shortfall(out["ehcp_count"], out["notional_sen"], cost_per_ehcp, notional_share)
    total_shortfall = float(sf.sum())
    payable = int(math.floor(min(float(pot), total_shortfall) + 1e-9))
    scale = min(1.0, pot / total_shortfall) if total_shortfall > 0 else 0.0
    out["shortfall"] = sf
    out["exact_share"] = sf * scale
    out["allocation"] = largest_remainder(sf, payable, keys=out["urn"].to_numpy())
    return out


RERUN_RULES = ("settle", "claw_back", "top_up")


def rerun(paid: pd.DataFrame, later: pd.DataFrame, pot: float, cost_per_ehcp: float = 6000.0,
          notional_share: float = 1.0, claw_back: bool = False, rule: str | None = None) -> pd.DataFrame:
    """Re-run the allocation on a later census snapshot (the seed's autumn re-run).

    ``paid`` has ``urn`` and ``allocation`` (what the first run paid, £); ``later`` is the
    new schools snapshot. Per school (union of both URN sets)::

        entitlement = allocation on the later snapshot (same pot and rules)
        owed        = max(0, entitlement - paid)

    and by ``rule`` (``claw_back=True`` is ``rule="claw_back"``):

    * ``"settle"`` (the default): the second run shares only the balance of the pot,
      ``balance = pot - sum(paid)`` (whole pounds, at least 0), among the schools owed money::

          adjustment = owed scaled to min(balance, sum(owed)), whole pounds by largest remainder

      so sum(paid) + sum(adjustment) <= pot, to the pound, and no school repays. This is the
      "settle the balance" reading of a fixed one-off pot (the model review's §4: July as a payment
      on account, the autumn run settling the balance of the pot, as Telford's SEND fair share fund
      pays in two rounds, https://www.telfordsend.org.uk/info/1/home/111/send_fair_share_fund_for_mainstream_schools).
      Chosen over holding back a share in the first run because it leaves the first run (the seed's
      May 2022 figures) as published; a council that wants money left for the autumn holds some
      back in the first run (a smaller first-run pot), and the second run then shares what is left.
    * ``"claw_back"``: adjustment = entitlement - paid (a school paid more than its new
      entitlement repays), so each school ends on its entitlement and the total is sum(entitlement)
      <= pot.
    * ``"top_up"``: adjustment = owed, in full (no school repays): the total CAN exceed the pot
      (``total_paid_after`` shows it; the caller says so).
    """
    rule = "claw_back" if claw_back and rule is None else (rule or "settle")
    if rule not in RERUN_RULES:
        raise ModelError(f"unknown re-run rule {rule!r} (expected one of {', '.join(RERUN_RULES)})", field="rule",
                         value=rule)
    new = allocate(later, pot, cost_per_ehcp, notional_share)
    merged = new[["urn", "school_name", "shortfall", "allocation"]] if "school_name" in new else \
        new[["urn", "shortfall", "allocation"]]
    merged = merged.rename(columns={"allocation": "entitlement"})
    p = paid[["urn", "allocation"]].rename(columns={"allocation": "paid"})
    m = merged.merge(p, on="urn", how="outer").sort_values("urn", kind="stable").reset_index(drop=True)
    m["entitlement"] = m["entitlement"].fillna(0).astype(np.int64)
    m["paid"] = m["paid"].fillna(0).astype(np.int64)
    m["shortfall"] = m["shortfall"].fillna(0.0)
    diff = m["entitlement"] - m["paid"]
    owed = diff.clip(lower=0)
    if rule == "claw_back":
        m["adjustment"] = diff
    elif rule == "top_up":
        m["adjustment"] = owed
    else:
        balance = max(0, int(math.floor(float(pot) + 1e-9)) - int(m["paid"].sum()))
        m["adjustment"] = largest_remainder(owed.to_numpy(), min(balance, int(owed.sum())),
                                            keys=m["urn"].to_numpy())
    m["total_paid_after"] = m["paid"] + m["adjustment"]
    return m


def rerun_totals(result: pd.DataFrame, pot: float) -> dict:
    """The re-run's totals (£): pot, paid in the first run, the balance left (pot - paid, at least
    0), the adjustments, the total paid over both runs and by how much it exceeds the pot (0 when
    it does not: never under the default rule, see :func:`rerun`)."""
    paid = float(result["paid"].sum())
    total = float(result["total_paid_after"].sum())
    return {"pot": float(pot), "paid": paid, "balance": max(0.0, math.floor(float(pot) + 1e-9) - paid),
            "entitlement": float(result["entitlement"].sum()), "adjustments": float(result["adjustment"].sum()),
            "total_paid": total, "over_pot": max(0.0, total - math.floor(float(pot) + 1e-9))}
