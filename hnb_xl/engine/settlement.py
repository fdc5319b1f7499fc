"""The 2026 settlement: the High Needs Stability Grant write-off, the statutory override's end and
the cost of carrying the deficit, laid on a safety valve plan (:func:`hnb_xl.engine.safety_valve.plan`).

Sources (defaults and their status in ``hnb_xl/data/settlement_2026.csv``): DfE/MHCLG, "Explanatory
note on the government's approach to Dedicated Schools Grant deficits", 9 February 2026,
https://www.gov.uk/government/publications/explanatory-note-on-the-governments-approach-to-dedicated-schools-grant-deficits
(eligibility: a DSG deficit at the end of 2025-26; non-high-needs overspends excluded); the 90%
share, the payment in 2026-27 and the condition of an approved local SEND reform plan are from
secondary sources and UNVERIFIED; the override's end at 31 March 2028 is UNVERIFIED (Cheshire East
minutes, https://moderngov.cheshireeast.gov.uk/ecminutes/mgAi.aspx?ID=77918).

By year t (deficits positive, £; ``D_t`` = the plan's accumulated DSG deficit after contributions
at 31 March of year t)::

    eligible     = max(0, D_{write-off year} - excluded)        (31 March 2026: the end of 2025-26)
    write_off    = share * eligible in the paid year (2026-27) if approved, else 0
    deficit_t    = D_t - (write_off if t >= paid year else 0)   (the DSG deficit after the write-off)
    general_fund_exposure_t = max(0, deficit_t) for t after the override's last year, else 0
    carrying_cost_t = interest_rate * (deficit_{t-1} + deficit_t) / 2    (the average deficit;
                      deficit_{t-1} of the first plan year: the opening deficit)

The cost of carrying: the council put the "opportunity cost" at £0.5-0.7m a year on about £27m
(Cambridgeshire County Council press, January 2021), an implied rate of 1.9-2.6%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..years import fy, parse_year


@dataclass(frozen=True)
class Settlement:
    """The settlement's terms: share (fraction) of the eligible deficit at the end of
    ``write_off_year`` (a start year: 2025 = 2025-26, i.e. 31 March 2026) written off in
    ``paid_year`` if ``approved``; ``excluded`` (£) the part of the deficit that is not high
    needs; the override keeps the DSG deficit off the General Fund to the end of
    ``override_end_year`` (2027 = 31 March 2028); ``interest_rate`` for the cost of carrying."""
    share: float = 0.9
    write_off_year: int = 2025
    paid_year: int = 2026
    approved: bool = False
    excluded: float = 0.0
    override_end_year: int = 2027
    interest_rate: float = 0.0

    def validate(self) -> None:
        """share and interest_rate fractions in [0, 1]; excluded finite and >= 0; the write-off paid
        no earlier than the year whose deficit it writes off. Raises ModelError naming the field."""
        if not (math.isfinite(self.share) and 0 <= self.share <= 1):
            raise ModelError(f"the write-off share is a fraction between 0 and 1, got {self.share!r}",
                             field="write_off_share", value=self.share)
        if not (math.isfinite(self.interest_rate) and 0 <= self.interest_rate <= 1):
            raise ModelError(f"the interest rate is a fraction between 0 and 1, got {self.interest_rate!r}",
                             field="interest_rate", value=self.interest_rate)
        if not (math.isfinite(self.excluded) and self.excluded >= 0):
            raise ModelError(f"the excluded deficit must be 0 or more, got {self.excluded!r}",
                             field="excluded_deficit", value=self.excluded)
        if self.paid_year < self.write_off_year:
            raise ModelError(f"the write-off is paid in {fy(self.paid_year)}, before the deficit it writes off "
                             f"(31 March {self.write_off_year + 1})", field="write_off_paid_year",
                             value=fy(self.paid_year))


SETTLEMENT_COLUMNS = ["financial_year", "eligible_deficit", "write_off", "dsg_deficit_after_write_off",
                      "general_fund_exposure", "carrying_cost"]


def settle(plan_frame: pd.DataFrame, terms: Settlement, opening_deficit: float) -> tuple[pd.DataFrame, dict]:
    """The settlement by plan year (:data:`SETTLEMENT_COLUMNS`, formulas in the module docstring) and
    its summary (eligible deficit, write-off, the General Fund exposure at the end, total cost of
    carrying). ``opening_deficit``: the accumulated deficit at the start of the first plan year.
    Years outside the plan: a write-off year not in the plan writes nothing off (eligible None)."""
    terms.validate()
    labels = list(plan_frame["financial_year"])
    years = np.array([parse_year(y) for y in labels])
    before = plan_frame["accumulated_deficit_after_contributions"].to_numpy(float)
    at = np.flatnonzero(years == terms.write_off_year)
    eligible = max(0.0, float(before[at[0]]) - terms.excluded) if at.size else None
    amount = terms.share * eligible if (terms.approved and eligible is not None) else 0.0
    write_off = np.where(years == terms.paid_year, amount, 0.0)
    after = before - np.where(years >= terms.paid_year, amount, 0.0)
    exposure = np.where(years > terms.override_end_year, np.maximum(after, 0.0), 0.0)
    opening = np.concatenate([[float(opening_deficit)], after[:-1]])
    carrying = terms.interest_rate * (opening + after) / 2.0
    frame = pd.DataFrame({
        "financial_year": labels,
        "eligible_deficit": np.where(years == terms.write_off_year, eligible if eligible is not None else np.nan,
                                     np.nan),
        "write_off": write_off,
        "dsg_deficit_after_write_off": after,
        "general_fund_exposure": exposure,
        "carrying_cost": carrying,
    }, columns=SETTLEMENT_COLUMNS)
    summary = {
        "write_off_approved": terms.approved,
        "eligible_deficit": eligible,
        "write_off_total": float(write_off.sum()),
        "override_end": f"31 March {terms.override_end_year + 1}",
        "general_fund_exposure_at_end": float(exposure[-1]) if len(exposure) else 0.0,
        "carrying_cost_total": math.fsum(carrying),
    }
    return frame, summary


__all__ = ["Settlement", "SETTLEMENT_COLUMNS", "settle"]
