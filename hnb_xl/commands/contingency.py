"""`hnb-xl contingency`: share the SEND Contingency pot among schools (whole pounds)."""

from __future__ import annotations

from .. import api, bundled
from ..reports.output import input_figures, render
from ..tables.schema import SCHOOLS
from ._common import add_format, fraction, pounds

COLUMNS = ["urn", "school_name", "phase", "pupils_on_roll", "ehcp_count", "notional_sen", "shortfall", "allocation"]
KINDS = {"pupils_on_roll": "count", "ehcp_count": "count", "notional_sen": "money", "shortfall": "money",
         "allocation": "money", "entitlement": "money", "paid": "money", "adjustment": "money",
         "total_paid_after": "money"}
TITLES = {"urn": "URN", "school_name": "School", "phase": "Phase", "pupils_on_roll": "Pupils",
          "ehcp_count": "EHCPs", "notional_sen": "Notional SEN", "shortfall": "Shortfall", "allocation": "Allocation"}
WHOLE = input_figures(SCHOOLS)     # the file's figures, printed as the file gives them (csv, json)


def register(sub) -> None:
    p = sub.add_parser("contingency", help="allocate the SEND Contingency pot to schools",
                       description="shortfall = max(0, EHCPs x cost per EHCP - notional share x notional SEN "
                                   "budget); allocation = shortfall x min(1, pot / total shortfall), whole pounds "
                                   "by largest remainder. Schools file columns: URN, School name, Phase, Pupils on "
                                   "roll, EHCPs, Notional SEN budget.")
    params = bundled.parameters()
    p.add_argument("--schools", metavar="FILE", help="schools file (CSV/XLSX); default: the SYNTHETIC demo schools")
    p.add_argument("--pot", metavar="POUNDS", type=pounds("--pot"), default=params["send_contingency_pot"],
                   help="the pot in pounds (default: £450,000)")
    p.add_argument("--cost-per-ehcp", metavar="POUNDS", type=pounds("--cost-per-ehcp"), default=params["cost_per_ehcp"],
                   help="cost per EHCP pupil the school meets, in pounds (default: £6,000)")
    p.add_argument("--notional-share", metavar="FRACTION", type=fraction("--notional-share", 0, 1), default=params["notional_share"],
                   help="share of the notional SEN budget available for EHCP pupils (default: 1)")
    p.add_argument("--rerun", metavar="FILE", help="later census snapshot (e.g. autumn): show entitlement, paid, "
                                                  "adjustment per school")
    p.add_argument("--claw-back", action="store_true", help="with --rerun: negative adjustments (repayments)")
    add_format(p)
    p.set_defaults(func=run)


LABELS = {"pot": "--pot", "cost_per_ehcp": "--cost-per-ehcp", "notional_share": "--notional-share",
          "schools": "--schools", "rerun": "--rerun"}


def table(schools=None, pot=None, cost_per_ehcp=None, notional_share=None, rerun=None, claw_back=False):
    """The allocation's columns as shown, or the re-run per school (None: the bundled value)."""
    t = api.contingency(schools, pot, cost_per_ehcp, notional_share, rerun=rerun, claw_back=claw_back,
                        labels=LABELS)
    return t if rerun else t[[c for c in COLUMNS if c in t.columns]]


def heading(t, pot: float, rerun: bool, claw_back: bool) -> str:
    if rerun:
        return (f"SEND Contingency re-run: pot £{pot:,.0f}; paid £{t['paid'].sum():,.0f}; new entitlement "
                f"£{t['entitlement'].sum():,.0f}; adjustments £{t['adjustment'].sum():,.0f}"
                f" ({'with' if claw_back else 'no'} claw-back)")
    shown = t[t["shortfall"] > 0]
    return (f"SEND Contingency: pot £{pot:,.0f}; {len(shown)} of {len(t)} schools have a shortfall "
            f"totalling £{t['shortfall'].sum():,.0f}; allocated £{t['allocation'].sum():,.0f}")


def text(t, pot: float, rerun: bool = False, claw_back: bool = False, title: str | None = None) -> str:
    """The readable table: schools with a shortfall (or, re-run, with an entitlement or a payment)."""
    shown = t[(t["entitlement"] > 0) | (t["paid"] > 0)] if rerun else t[t["shortfall"] > 0]
    return render(shown, "table", KINDS, TITLES, title=title or heading(t, pot, rerun, claw_back))


def run(args) -> str:
    t = table(args.schools, args.pot, args.cost_per_ehcp, args.notional_share, args.rerun, args.claw_back)
    if args.format != "table":
        out = t.copy()
        out["shortfall"] = out["shortfall"].round(2)
        return render(out, args.format, whole=WHOLE)
    return text(t, args.pot, bool(args.rerun), args.claw_back)
