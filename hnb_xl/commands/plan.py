"""`hnb-xl plan`: the safety valve plan, unmitigated vs mitigated vs the agreement, by year."""

from __future__ import annotations

import json

from .. import api
from ..reports.output import records, render
from ._common import PROJECTION_LABELS, add_format, add_projection_inputs, fraction, pounds, year

KINDS = {"unmitigated_dsg_in_year_deficit": "money", "unmitigated_accumulated_deficit": "money",
         "total_saving": "money", "dsg_in_year_deficit": "money", "accumulated_deficit": "money",
         "dfe_contribution": "money", "council_contribution": "money",
         "accumulated_deficit_after_contributions": "money"}
TITLES = {"financial_year": "Year", "unmitigated_dsg_in_year_deficit": "Unmitigated in-year",
          "unmitigated_accumulated_deficit": "Unmitigated accumulated", "total_saving": "Saving",
          "dsg_in_year_deficit": "Mitigated in-year", "accumulated_deficit": "Mitigated accumulated",
          "dfe_contribution": "DfE", "council_contribution": "Council",
          "accumulated_deficit_after_contributions": "After contributions", "suspension_risk": "Risk"}


def register(sub) -> None:
    p = sub.add_parser("plan", help="safety valve plan: unmitigated vs mitigated vs the agreement, by year",
                       description="The safety valve plan by year: the unmitigated projection, the mitigated one "
                                   "(workstreams applied), DfE/council contributions and the accumulated deficit "
                                   "after them (c/f = b/f + in-year + other - contributions). Defaults: the "
                                   "ILLUSTRATIVE bundled workstreams and Cambridgeshire's £49m agreement (instalment "
                                   "profile assumed: 40%% first, then equal, 5 instalments).")
    add_projection_inputs(p, "plan")
    p.add_argument("--workstreams", metavar="FILE",
                   help="workstreams CSV (name, lever, amount, start_year, ramp_years, delivery_confidence, "
                        "budget_area) instead of the illustrative defaults")
    p.add_argument("--no-mitigations", action="store_true", help="no workstreams (mitigated = unmitigated)")
    p.add_argument("--no-agreement", action="store_true", help="no DfE or council contributions")
    p.add_argument("--dfe-total", type=pounds("--dfe-total"), default=None, metavar="POUNDS",
                   help="DfE revenue contribution in total (default: £49m, Cambridgeshire)")
    p.add_argument("--first-share", type=fraction("--first-share", 0.0, 1.0), default=None, metavar="FRACTION",
                   help="share paid as the first instalment (default: 0.4, an assumption)")
    p.add_argument("--instalments", type=int, default=None, metavar="N", help="number of instalments (default: 5)")
    p.add_argument("--first-year", type=year("--first-year"), default=None, metavar="YEAR",
                   help="year of the first instalment (default: 2022-23)")
    p.add_argument("--target", type=year("--target"), default=None, metavar="YEAR",
                   help="year by which the DSG must reach in-year balance (default: 2026-27)")
    p.add_argument("--council", type=pounds("--council"), default=None, metavar="POUNDS",
                   help="council contribution each instalment year (default: 0)")
    p.add_argument("--actuals", metavar="FILE",
                   help="actual or forecast DSG in-year deficit by year (CSV: financial_year, dsg_in_year_deficit) "
                        "to flag suspension risk against the plan")
    p.add_argument("--tolerance", type=pounds("--tolerance"), default=None, metavar="POUNDS",
                   help="suspension-risk tolerance: flag a year whose actual/forecast in-year deficit exceeds "
                        "the plan's by more than this (default: 0)")
    add_format(p)
    p.set_defaults(func=run)


LABELS = {**PROJECTION_LABELS, "dfe_total": "--dfe-total", "first_share": "--first-share",
          "instalments": "--instalments", "first_year": "--first-year", "target_balance_year": "--target",
          "council_contribution": "--council", "tolerance": "--tolerance", "workstreams": "--workstreams",
          "actuals": "--actuals", "paths": "--paths", "seed": "--seed"}
TERMS = {"dfe_total": "dfe_total", "first_share": "first_share", "instalments": "instalments",
         "first_year": "first_year", "target_balance_year": "target", "council_contribution": "council"}


def compute(args) -> api.Plan:
    """The plan for the options given (the bundled defaults for the others)."""
    terms = {term: getattr(args, option) for term, option in TERMS.items() if getattr(args, option) is not None}
    return api.plan(args.history, args.assumptions, args.scenario, to_year=args.to,
                    workstreams=[] if args.no_mitigations else args.workstreams,
                    agreement=api.NO_AGREEMENT if args.no_agreement else None, terms=terms,
                    actuals=args.actuals, tolerance=args.tolerance, labels=LABELS)


def summary_lines(s: dict) -> str:
    def show(v):
        return v if v else "not within the plan years"
    lines = [f"First year of DSG in-year balance (mitigated): {show(s['first_balance_year'])}",
             f"First year of in-year balance (unmitigated):   {show(s['unmitigated_balance_year'])}",
             f"Accumulated deficit cleared (after contributions): {show(s['deficit_cleared_year'])}"]
    if s["target_balance_year"]:
        lines.append(f"Target in-year balance by {s['target_balance_year']}: "
                     f"{'met' if s['target_met'] else 'NOT met'}")
    if s["suspension_risk_years"]:
        lines.append("SUSPENSION RISK (actual/forecast misses the plan by more than the tolerance): "
                     + ", ".join(s["suspension_risk_years"]))
    lines.append(f"DfE contributions £{s['dfe_total']:,.0f}; council £{s['council_total']:,.0f}; "
                 f"savings over the plan £{s['total_saving']:,.0f}")
    return "\n".join(lines) + "\n"


def run(args) -> str:
    result = compute(args)
    frame, parts, s = result.frame, result.parts, result.summary
    if args.format == "json":
        attr = parts.reset_index()
        return json.dumps({"plan": records(frame), "attribution": records(attr), "summary": s}, indent=2)
    if args.format == "csv":
        wide = frame.copy()
        for name in parts.columns:
            wide[f"saving: {name}"] = parts[name].to_numpy()
        return render(wide, "csv")
    cols = ["financial_year", *KINDS]
    if frame["suspension_risk"].notna().any():
        frame = frame.assign(suspension_risk=["" if r != r else ("RISK" if r == 1.0 else "ok")
                                              for r in frame["suspension_risk"]])
        cols.append("suspension_risk")
    shown = frame[cols]
    out = render(shown, "table", KINDS, TITLES, title="Safety valve plan (£; in-year = DSG in-year deficit)")
    attr = parts.reset_index()
    out += "\n" + render(attr, "table", {c: "money" for c in parts.columns}, {"financial_year": "Year"},
                         title="Saving by workstream (£, sequential attribution in list order)")
    return out + "\n" + summary_lines(s)
