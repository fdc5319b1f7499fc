"""`hnb-xl contingency`: share the SEND Contingency pot among schools (whole pounds)."""

from __future__ import annotations

import sys

from .. import api, bundled
from ..engine.contingency import rerun_totals
from ..reports.output import input_figures, render
from ..tables.schema import SCHOOLS
from ._common import add_format, fraction, pounds

COLUMNS = ["urn", "school_name", "phase", "pupils_on_roll", "ehcp_count", "notional_sen", "shortfall", "allocation"]
KINDS = {"pupils_on_roll": "count", "ehcp_count": "count", "notional_sen": "money", "shortfall": "money",
         "allocation": "money", "entitlement": "money", "paid": "money", "adjustment": "money",
         "total_paid_after": "money"}
TITLES = {"urn": "URN", "school_name": "School", "phase": "Phase", "pupils_on_roll": "Pupils",
          "ehcp_count": "EHCPs", "notional_sen": "Notional SEN", "shortfall": "Shortfall", "allocation": "Allocation",
          "entitlement": "Entitlement", "paid": "Paid", "adjustment": "Adjustment", "total_paid_after": "Total paid"}
WHOLE = input_figures(SCHOOLS)     # the file's figures, printed as the file gives them (csv, json)


def register(sub) -> None:
    p = sub.add_parser("contingency", help="allocate the SEND Contingency pot to schools",
                       description="shortfall = max(0, EHCPs x cost per EHCP - notional share x notional SEN "
                                   "budget); allocation = shortfall x min(1, pot / total shortfall), whole pounds "
                                   "by largest remainder. Schools file columns: URN, School name, Phase, Pupils on "
                                   "roll, EHCPs, Notional SEN budget. An autumn --rerun settles the balance: it "
                                   "shares only what the first run left of the pot among the schools now owed "
                                   "more, so the pot is never overspent and the first run stays as paid (no "
                                   "school repays); to leave money for it, --hold-back a share in the first run.")
    params = bundled.parameters()
    p.add_argument("--schools", metavar="FILE", help="schools file (CSV/XLSX); default: the SYNTHETIC demo schools")
    p.add_argument("--pot", metavar="POUNDS", type=pounds("--pot"), default=params["send_contingency_pot"],
                   help="the pot in pounds (default: £450,000)")
    p.add_argument("--cost-per-ehcp", metavar="POUNDS", type=pounds("--cost-per-ehcp"), default=params["cost_per_ehcp"],
                   help="cost per EHCP pupil the school meets, in pounds (default: £6,000)")
    p.add_argument("--notional-share", metavar="FRACTION", type=fraction("--notional-share", 0, 1), default=params["notional_share"],
                   help="share of the notional SEN budget available for EHCP pupils (default: 1)")
    p.add_argument("--rerun", metavar="FILE", help="later census snapshot (e.g. autumn): show entitlement, paid, "
                                                  "adjustment per school. By default the re-run shares only the "
                                                  "balance of the pot (pot - paid), so both runs together never "
                                                  "pay more than the pot")
    p.add_argument("--hold-back", metavar="FRACTION", type=fraction("--hold-back", 0, 1), default=0.0,
                   help="share of the pot kept out of the first run for the re-run (default: 0; e.g. 0.5 or 50%%)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--claw-back", action="store_true",
                   help="with --rerun: each school ends on its new entitlement (negative adjustments: repayments)")
    g.add_argument("--top-up-in-full", action="store_true", dest="top_up",
                   help="with --rerun: pay every school its full increase, no repayments; the total CAN exceed "
                        "the pot (the output says so)")
    add_format(p)
    p.set_defaults(func=run)


LABELS = {"pot": "--pot", "cost_per_ehcp": "--cost-per-ehcp", "notional_share": "--notional-share",
          "schools": "--schools", "rerun": "--rerun", "hold_back": "--hold-back"}
RULE_WORDS = {"settle": "the re-run shares the balance of the pot", "claw_back": "with claw-back",
              "top_up": "increases topped up in full"}


def rule_of(claw_back: bool = False, top_up: bool = False) -> str:
    """The re-run rule of the options (:func:`hnb_xl.engine.contingency.rerun`)."""
    return "claw_back" if claw_back else "top_up" if top_up else "settle"


def table(schools=None, pot=None, cost_per_ehcp=None, notional_share=None, rerun=None, claw_back=False,
          top_up=False, hold_back=0.0):
    """The allocation's columns as shown, or the re-run per school (None: the bundled value)."""
    t = api.contingency(schools, pot, cost_per_ehcp, notional_share, rerun=rerun, labels=LABELS,
                        rule=rule_of(claw_back, top_up), hold_back=hold_back)
    return t if rerun else t[[c for c in COLUMNS if c in t.columns]]


def over_pot_warning(t, pot: float) -> str | None:
    """The line saying a re-run pays more than the pot over both runs (None when it does not)."""
    totals = rerun_totals(t, pot)
    if totals["over_pot"] <= 0:
        return None
    return (f"hnb-xl: warning: the two runs pay £{totals['total_paid']:,.0f} from a £{pot:,.0f} pot "
            f"(£{totals['over_pot']:,.0f} over) because --top-up-in-full pays every increase in full")


def heading(t, pot: float, rerun: bool, claw_back: bool, rule: str | None = None) -> str:
    if rerun:
        totals = rerun_totals(t, pot)
        rule = rule or rule_of(claw_back)
        return (f"SEND Contingency re-run: pot £{pot:,.0f}; paid £{totals['paid']:,.0f}; balance "
                f"£{totals['balance']:,.0f}; new entitlement £{totals['entitlement']:,.0f}; adjustments "
                f"£{totals['adjustments']:,.0f}; total paid £{totals['total_paid']:,.0f} ({RULE_WORDS[rule]})")
    shown = t[t["shortfall"] > 0]
    kept = pot - t["allocation"].sum() if t["shortfall"].sum() > pot else 0
    return (f"SEND Contingency: pot £{pot:,.0f}; {len(shown)} of {len(t)} schools have a shortfall "
            f"totalling £{t['shortfall'].sum():,.0f}; allocated £{t['allocation'].sum():,.0f}"
            + (f" (£{kept:,.0f} held back for the re-run)" if kept >= 1 else ""))


def text(t, pot: float, rerun: bool = False, claw_back: bool = False, title: str | None = None,
         rule: str | None = None) -> str:
    """The readable table: schools with a shortfall (or, re-run, with an entitlement or a payment)."""
    shown = t[(t["entitlement"] > 0) | (t["paid"] > 0)] if rerun else t[t["shortfall"] > 0]
    return render(shown, "table", KINDS, TITLES, title=title or heading(t, pot, rerun, claw_back, rule))


def run(args) -> str:
    t = table(args.schools, args.pot, args.cost_per_ehcp, args.notional_share, args.rerun, args.claw_back,
              args.top_up, args.hold_back)
    if args.rerun:
        warning = over_pot_warning(t, args.pot)
        if warning:
            print(warning, file=sys.stderr)
    if args.format != "table":
        out = t.copy()
        out["shortfall"] = out["shortfall"].round(2)
        return render(out, args.format, whole=WHOLE)
    return text(t, args.pot, bool(args.rerun), args.claw_back, rule=rule_of(args.claw_back, args.top_up))
