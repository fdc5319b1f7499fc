"""Schools Block to High Needs Block transfers and the Invest to Transform tracker.

Rules (DfE, "Pre-16 schools funding: local authority guidance for 2022 to 2023", schools operational
guide, https://www.gov.uk/government/publications/pre-16-schools-funding-local-authority-guidance-for-2022-to-2023):
a local authority may transfer up to 0.5% of its schools block to another block with Schools Forum agreement, decided
each year; above 0.5% (or if the forum refuses) it needs a disapplication request approved by
the Secretary of State. The transfer lasts one year.

Formulas::

    transfer_amount = rate * schools_block
    rate            = transfer_amount / schools_block
    implied schools block at the limit = transfer_amount / limit_rate   (£2,102,000 / 0.005 = £420.4m)
    per-pupil effect = transfer_amount / pupils   (pupils: schools block funded pupils, October census)

A transfer is a share of the schools block of the SAME financial year (the limit is 0.5% of that
year's block): :func:`year_figures` takes both from the block-transfer table's row for the year, and
:func:`by_year` gives each year's rate and verdict only where that year's block is known; it never
divides one year's transfer by another year's block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ModelError

TRANSFER_LIMIT_RATE = 0.005
WITHIN = "Within 0.5% limit: Schools Forum approval"
ABOVE = "Above 0.5%: disapplication request needed"


def verdict(rate: float, limit_rate: float = TRANSFER_LIMIT_RATE) -> str:
    """Plain-words verdict: within the limit (Schools Forum) or above it (disapplication)."""
    if limit_rate == TRANSFER_LIMIT_RATE:
        return WITHIN if not needs_disapplication(rate, limit_rate) else ABOVE
    pct = f"{limit_rate:.2%}".replace(".00%", "%")
    return (f"Within {pct} limit: Schools Forum approval" if not needs_disapplication(rate, limit_rate)
            else f"Above {pct}: disapplication request needed")


def needs_disapplication(rate: float, limit_rate: float = TRANSFER_LIMIT_RATE) -> bool:
    """True when rate > limit_rate (with a tolerance of 1e-12 for rates computed from pounds)."""
    return rate > limit_rate + 1e-12


@dataclass(frozen=True)
class Transfer:
    schools_block: float          # £
    amount: float                 # £
    rate: float                   # fraction of the schools block
    limit_rate: float             # fraction
    limit_amount: float           # £ = limit_rate * schools_block
    needs_disapplication: bool
    verdict: str
    pupils: float | None = None
    per_pupil: float | None = None  # £ per pupil
    financial_year: str | None = None   # the year of the transfer and of its schools block, when known

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def transfer(schools_block: float, *, rate: float | None = None, amount: float | None = None,
             pupils: float | None = None, limit_rate: float = TRANSFER_LIMIT_RATE,
             financial_year: str | None = None) -> Transfer:
    """A block transfer given the schools block (£) and either a rate (fraction) or an amount (£),
    both of ``financial_year`` (a label: the caller matches the block to the transfer's year)."""
    if (rate is None) == (amount is None):
        raise ModelError("give either a rate or an amount, not both", field="rate")
    if not schools_block or not math.isfinite(schools_block) or schools_block <= 0:
        raise ModelError(f"the schools block must be more than £0, got {schools_block!r}", field="schools_block",
                         value=schools_block)
    if rate is not None:
        if not math.isfinite(rate) or rate < 0:
            raise ModelError(f"the rate must be 0 or more, got {rate!r}", field="rate", value=rate)
        amount = round(rate * schools_block, 2)  # pounds and pence
    else:
        if not math.isfinite(amount) or amount < 0:
            raise ModelError(f"the amount must be 0 or more, got {amount!r}", field="amount", value=amount)
        rate = amount / schools_block
    per_pupil = None
    if pupils is not None:
        if not math.isfinite(pupils) or pupils <= 0:
            raise ModelError(f"pupils must be more than 0, got {pupils!r}", field="pupils", value=pupils)
        per_pupil = amount / pupils
    needs = needs_disapplication(rate, limit_rate)
    return Transfer(schools_block=float(schools_block), amount=float(amount), rate=float(rate),
                    limit_rate=limit_rate, limit_amount=limit_rate * schools_block, needs_disapplication=needs,
                    verdict=verdict(rate, limit_rate), pupils=pupils, per_pupil=per_pupil,
                    financial_year=financial_year)


def _known(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def latest_transfer_year(block_transfers: pd.DataFrame) -> str | None:
    """The last financial year of the block-transfer table with a transfer amount (None: none)."""
    rows = block_transfers[block_transfers["transfer_amount"].notna()]
    return None if rows.empty else str(rows["financial_year"].iloc[-1])


def year_figures(block_transfers: pd.DataFrame, year: str) -> tuple[float | None, float | None]:
    """(transfer amount £, schools block £) of ``year`` in the block-transfer table (financial_year,
    transfer_amount, schools_block); None where the table has no such row or leaves the cell blank."""
    rows = block_transfers[block_transfers["financial_year"].astype(str) == year]
    if rows.empty:
        return None, None
    r = rows.iloc[0]
    return _known(r["transfer_amount"]), _known(r["schools_block"])


BY_YEAR_COLUMNS = ["financial_year", "transfer_amount", "schools_block", "rate", "limit_amount",
                   "schools_block_at_limit", "needs_disapplication", "verdict"]


def by_year(block_transfers: pd.DataFrame, limit_rate: float = TRANSFER_LIMIT_RATE) -> pd.DataFrame:
    """Each year of the block-transfer table, the transfer against the schools block of the same year::

        rate                    = transfer_amount / schools_block        (both of the year, else blank)
        limit_amount            = limit_rate * schools_block
        schools_block_at_limit  = transfer_amount / limit_rate           (the block at which it is the limit)

    The verdict is :func:`verdict` where both are known; "no transfer" without an amount; and without
    the year's block, that the transfer is within the limit only if the block is at least the block
    at the limit. ``needs_disapplication`` is None where it cannot be known."""
    rows = []
    for r in block_transfers.to_dict("records"):
        amount, block = _known(r.get("transfer_amount")), _known(r.get("schools_block"))
        rate = amount / block if amount is not None and block else None
        at_limit = amount / limit_rate if amount is not None else None
        if amount is None:
            text, needs = "no transfer in the table for this year", None
        elif rate is None:
            text, needs = (f"schools block of {r['financial_year']} not known: within the limit only if it is at "
                           f"least £{at_limit:,.0f}"), None
        else:
            text, needs = verdict(rate, limit_rate), needs_disapplication(rate, limit_rate)
        rows.append({"financial_year": str(r["financial_year"]), "transfer_amount": amount, "schools_block": block,
                     "rate": rate, "limit_amount": None if block is None else limit_rate * block,
                     "schools_block_at_limit": at_limit, "needs_disapplication": needs, "verdict": text})
    return pd.DataFrame(rows, columns=BY_YEAR_COLUMNS)


def implied_schools_block(amount: float, rate: float = TRANSFER_LIMIT_RATE) -> float:
    """Schools block (£) at which ``amount`` is exactly ``rate`` of it: amount / rate."""
    if not math.isfinite(rate) or rate <= 0:
        raise ModelError(f"the rate must be more than 0, got {rate!r}", field="rate", value=rate)
    return amount / rate


def invest_to_transform(activities: pd.DataFrame, transfer_amount: float) -> pd.DataFrame:
    """The Invest to Transform tracker: the transfer allocated to activities.

    ``activities`` has ``activity``, ``allocation`` (£) and ``committed_spend`` (£, or NaN where the
    source says "TBC": not yet known, which is not the same as nothing). Adds ``remaining`` =
    allocation - committed_spend (NaN where committed is TBC) and ``committed_known`` (bool).
    Raises :class:`~hnb_xl.errors.ModelError` (field ``allocation``) when the allocations do not add
    up to the transfer.
    """
    a = activities.reset_index(drop=True).copy()
    total = float(a["allocation"].sum())
    if abs(total - transfer_amount) > 0.5:
        raise ModelError(f"Invest to Transform allocations add up to £{total:,.0f}, "
                         f"not the transfer of £{transfer_amount:,.0f}", field="allocation",
                         table="invest_to_transform")
    a["committed_known"] = a["committed_spend"].notna()
    a["remaining"] = a["allocation"] - a["committed_spend"]
    return a


def tracker_totals(tracker: pd.DataFrame) -> dict:
    """Totals of the tracker: allocation, committed (known lines only), lines still TBC."""
    known = tracker["committed_known"]
    return {
        "allocation": float(tracker["allocation"].sum()),
        "committed_spend": float(tracker.loc[known, "committed_spend"].sum()),
        "remaining_known": float(tracker.loc[known, "remaining"].sum()),
        "tbc_lines": int((~known).sum()),
        "tbc_allocation": float(tracker.loc[~known, "allocation"].sum()),
        "committed_share": float(np.divide(tracker.loc[known, "committed_spend"].sum(),
                                           tracker["allocation"].sum())),
    }
