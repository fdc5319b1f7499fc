"""`hnb-xl plan`: the safety valve plan, before the plan's workstreams vs mitigated vs the agreement, by year.

The column before mitigation is the projection without the workstreams. With the bundled
assumptions that projection is the replica of the published July 2022 forecast
(``engine.sensitivity.REPLICA``, ``bundled.SCENARIOS``), whose cost per EHCP is a calibration plug:
it is not an unmitigated forecast of demand (model review F6), so it is labelled by
:func:`before_label`, not "unmitigated". The json keeps its ``unmitigated_*`` keys and adds
``before_workstreams_*`` twins and the label.
"""

from __future__ import annotations

import dataclasses
import json

from .. import api, bundled
from ..engine.safety_valve import NO_AGREEMENT_TEXT
from ..errors import HnbInputError
from ..reports.output import records, render
from ._common import PROJECTION_LABELS, add_format, add_projection_inputs, fraction, pounds, year

KINDS = {"unmitigated_dsg_in_year_deficit": "money", "unmitigated_accumulated_deficit": "money",
         "total_saving": "money", "general_fund_saving": "money", "dsg_in_year_deficit": "money",
         "accumulated_deficit": "money",
         "dfe_contribution": "money", "council_contribution": "money",
         "accumulated_deficit_after_contributions": "money"}
TITLES = {"financial_year": "Year", "unmitigated_dsg_in_year_deficit": "Before workstreams in-year",
          "unmitigated_accumulated_deficit": "Before workstreams accumulated", "total_saving": "DSG saving",
          "general_fund_saving": "General Fund saving (not in DSG)",
          "dsg_in_year_deficit": "Mitigated in-year", "accumulated_deficit": "Mitigated accumulated",
          "dfe_contribution": "DfE", "council_contribution": "Council",
          "accumulated_deficit_after_contributions": "After contributions", "suspension_risk": "Risk"}


def register(sub) -> None:
    p = sub.add_parser("plan", help="safety valve plan: before the plan's workstreams vs mitigated vs the agreement, "
                                    "by year",
                       description="The safety valve plan by year: the projection before the plan's workstreams "
                                   "(with the bundled assumptions, the replica of the published forecast: not an "
                                   "unmitigated forecast of demand), the mitigated one "
                                   "(workstreams applied), DfE/council contributions and the accumulated deficit "
                                   "after them (c/f = b/f + in-year + other - contributions). Defaults: the "
                                   "ILLUSTRATIVE bundled workstreams and the bundled authority's agreement (its terms and "
                                   "their sources in hnb_xl/data/plan_agreement_*.csv; instalment profile assumed "
                                   "where not published: 40%% first, then equal, 5 instalments).")
    add_projection_inputs(p, "plan")
    p.add_argument("--workstreams", metavar="FILE",
                   help="workstreams CSV (name, lever, amount, start_year, ramp_years, delivery_confidence, "
                        "budget_area, funding) instead of the illustrative defaults")
    p.add_argument("--no-mitigations", action="store_true", help="no workstreams (mitigated = before workstreams)")
    p.add_argument("--no-agreement", action="store_true", help="no DfE or council contributions")
    p.add_argument("--dfe-total", type=pounds("--dfe-total"), default=None, metavar="POUNDS",
                   help="DfE revenue contribution in total (default: the bundled agreement's)")
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
    p.add_argument("--payments", metavar="FILE|" + "|".join(api.BUNDLED_PAYMENTS), default=None,
                   help="the instalments as paid (CSV: financial_year, due, status = paid/withheld/back-dated/due, "
                        "received), replacing the assumed profile where known; or a bundled record of the "
                        "payments by name (its file and source: hnb_xl/data/README.md)")
    g = p   # the 2026 settlement (defaults: hnb_xl/data/settlement_2026.csv, each with its source)
    g.add_argument("--settlement", metavar="FILE", default=None, help="settlement terms file (parameter, value rows)")
    g.add_argument("--write-off-share", type=fraction("--write-off-share", 0.0, 1.0), default=None, metavar="FRACTION",
                   help="share of the eligible DSG deficit at 31 March 2026 written off (default: 0.9, unverified)")
    g.add_argument("--write-off-approved", choices=("yes", "no"), default=None,
                   help="has DfE approved the council's local SEND reform plan? (default: no: nothing is written off)")
    g.add_argument("--excluded-deficit", type=pounds("--excluded-deficit"), default=None, metavar="POUNDS",
                   help="part of the DSG deficit that is not high needs, not eligible (default: 0)")
    g.add_argument("--override-end", type=year("--override-end"), default=None, metavar="YEAR",
                   help="last year of the statutory override (default: 2027-28, i.e. 31 March 2028; unverified); "
                        "the General Fund carries the deficit from the year after")
    g.add_argument("--interest-rate", type=fraction("--interest-rate", 0.0, 1.0), default=None, metavar="FRACTION",
                   help="rate for the cost of carrying the deficit (default: 0.022, from the council's £0.5-0.7m "
                        "a year on about £27m)")
    p.add_argument("--workbook", metavar="WORKBOOK", default=None,
                   help="a model workbook (.xlsm/.xlsx): the plan on its own inputs (Inputs' history, assumptions, "
                        "agreement, instalments as paid and settlement; Safety_Valve's workstreams), as its "
                        "Safety_Valve sheet computes it; an option given replaces the workbook's table")
    p.add_argument("--freeze", metavar="NAME", default=None,
                   help="store this plan as the agreed vintage NAME (its inputs, their SHA-256, the date and "
                        "the figures by year) in --vintages DIR/NAME.json; never overwrites")
    p.add_argument("--vintages", metavar="DIR", default=None, help="folder of frozen vintages (with --freeze)")
    p.add_argument("--as-at", metavar="DATE", default=None, help="the vintage's as-at date (default: today)")
    p.add_argument("--against", metavar="FILE", default=None,
                   help="a frozen vintage: report this forecast's variance against it, by year (in-year, cumulative)")
    p.add_argument("--rerun-vintage", metavar="FILE", default=None,
                   help="re-run a frozen vintage from its stored inputs and check it gives its stored figures")
    add_format(p)
    p.set_defaults(func=run)


LABELS = {**PROJECTION_LABELS, "dfe_total": "--dfe-total", "first_share": "--first-share",
          "instalments": "--instalments", "first_year": "--first-year", "target_balance_year": "--target",
          "council_contribution": "--council", "tolerance": "--tolerance", "workstreams": "--workstreams",
          "actuals": "--actuals", "paths": "--paths", "seed": "--seed", "payments": "--payments",
          "settlement": "--settlement", "write_off_share": "--write-off-share",
          "write_off_approved": "--write-off-approved", "excluded_deficit": "--excluded-deficit",
          "override_end_year": "--override-end", "interest_rate": "--interest-rate"}
SETTLEMENT_OPTIONS = {"write_off_share": "write_off_share", "write_off_approved": "write_off_approved",
                      "excluded_deficit": "excluded_deficit", "override_end_year": "override_end",
                      "interest_rate": "interest_rate"}
TERMS = {"dfe_total": "dfe_total", "first_share": "first_share", "instalments": "instalments",
         "first_year": "first_year", "target_balance_year": "target", "council_contribution": "council"}


# the plan's tables a workbook holds, each taken unless its option is given (pack WORKBOOK, plan --workbook)
WORKBOOK_TABLES = ("history", "assumptions", "workstreams", "payments", "settlement")


def take_workbook(args, inputs) -> None:
    """Set each of :data:`WORKBOOK_TABLES` not given as an option to the workbook's table
    (``inputs``: :func:`hnb_xl.reports.inputs.workbook_inputs`); an empty table leaves the
    option's default (the payments: the assumed profile). The agreement is passed on its own
    (:func:`compute`): an empty Agreement table is "no agreement", not the default."""
    for name in WORKBOOK_TABLES:
        frame = inputs.get(name)
        if getattr(args, name) is None and frame is not None and len(frame):
            setattr(args, name, frame)


def compute(args, agreement=None) -> api.Plan:
    """The plan for the options given (the bundled defaults for the others; ``agreement``: a
    table of the agreement's terms, e.g. a workbook's Safety_Valve sheet, instead of the bundled)."""
    terms = {term: getattr(args, option) for term, option in TERMS.items() if getattr(args, option) is not None}
    return api.plan(args.history, args.assumptions, args.scenario, to_year=args.to,
                    workstreams=[] if args.no_mitigations else args.workstreams,
                    agreement=api.NO_AGREEMENT if args.no_agreement else agreement, terms=terms,
                    actuals=args.actuals, tolerance=args.tolerance, payments=args.payments,
                    settlement=args.settlement,
                    settlement_terms={t: vars(args)[o] for t, o in SETTLEMENT_OPTIONS.items()}, labels=LABELS)


GENERAL_FUND_NOTE = "General Fund: not in the DSG figures"


def saving_titles(result: api.Plan) -> dict[str, str]:
    """Each workstream's column title in the attribution table: its name, and for a General Fund
    workstream the words saying its saving is not in the DSG figures."""
    return {w.name: w.name if w.on_dsg else f"{w.name} ({GENERAL_FUND_NOTE})" for w in result.workstreams}


def funding_of(result: api.Plan) -> dict[str, str]:
    """{workstream: its funding source} (DSG or General Fund)."""
    return {w.name: w.funding for w in result.workstreams}


def before_label(args) -> str:
    """What the plan's column before mitigation is: "before the plan's workstreams (the replica of
    the published July 2022 forecast)" for a bundled scenario (its label, ``bundled.SCENARIOS``),
    else "before the plan's workstreams (the assumptions given)"."""
    scenario = bundled.SCENARIOS.get(str(args.scenario or "").strip().lower())
    what = ("the " + scenario[1][:1].lower() + scenario[1][1:]) if args.assumptions is None and scenario \
        else "the assumptions given"
    return f"before the plan's workstreams ({what})"


def summary_lines(s: dict, before: str = "before the plan's workstreams") -> str:
    def show(v):
        return v if v else "not within the plan years"
    lines = [f"First year of DSG in-year balance (mitigated): {show(s['first_balance_year'])}",
             f"First year of in-year balance, {before}: {show(s['unmitigated_balance_year'])}",
             f"Accumulated deficit cleared (after contributions): {show(s['deficit_cleared_year'])}"]
    if not s.get("agreement", True):
        lines.append(f"{NO_AGREEMENT_TEXT}: no target year, deficit gap or instalments to report")
    elif s["target_balance_year"]:
        end = s.get("agreement_end_year")
        span = f" and in every year to {end}" if end and end != s["target_balance_year"] else ""
        lines.append(f"Target in-year balance by {s['target_balance_year']}{span}: "
                     f"{'met' if s['target_met'] else 'NOT met'}")
    if s.get("deficit_gap_at_end") is not None:
        gap = s["deficit_gap_at_end"]
        lines.append(f"Deficit at the end of the agreement ({s['agreement_end_year']}): "
                     + ("cleared" if gap <= 0 else f"NOT cleared: gap £{gap:,.0f}"))
    if "dfe_received" in s:
        lines.append(f"DfE instalments received £{s['dfe_received']:,.0f}; outstanding £{s['dfe_outstanding']:,.0f}")
    if "write_off_total" in s:
        lines.append(f"High Needs Stability Grant write-off: £{s['write_off_total']:,.0f} "
                     + ("(approved)" if s["write_off_approved"] else "(not approved: nothing written off)")
                     + f"; General Fund exposure after the override ({s['override_end']}) at the end: "
                     f"£{s['general_fund_exposure_at_end']:,.0f}; cost of carrying the deficit over the plan "
                     f"£{s['carrying_cost_total']:,.0f}")
    if s["suspension_risk_years"]:
        lines.append("SUSPENSION RISK (actual/forecast misses the plan by more than the tolerance): "
                     + ", ".join(s["suspension_risk_years"]))
    lines.append(f"DfE contributions £{s['dfe_total']:,.0f}; council £{s['council_total']:,.0f}; "
                 f"DSG savings over the plan £{s['total_saving']:,.0f}")
    if s.get("general_fund_saving"):
        lines.append(f"General Fund savings over the plan £{s['general_fund_saving']:,.0f} (reported: they do not "
                     "reduce the DSG deficit)")
    if "dfe_in_outturn" in s:
        lines.append(f"Of the contributions, DfE £{s['dfe_in_outturn']:,.0f} and council £{s['council_in_outturn']:,.0f} "
                     "fall in years now outturn: kept as received, already in the outturn accumulated deficit")
    return "\n".join(lines) + "\n"


def by_year(result: api.Plan) -> list[dict]:
    """The plan's records by year with the settlement's columns (write_off, general_fund_exposure, ...)
    and each year's instalment status where payment records are given."""
    frame = result.frame
    if result.settlement is not None:
        frame = frame.merge(result.settlement, on="financial_year", how="left")
    status = {p.financial_year: p.status for p in result.agreement.payments}
    rows = records(frame)
    for r in rows:
        r["instalment_status"] = status.get(r["financial_year"])
        for key in ("dsg_in_year_deficit", "accumulated_deficit"):      # added twins of the old keys
            if f"unmitigated_{key}" in r:
                r[f"before_workstreams_{key}"] = r[f"unmitigated_{key}"]
    return rows


def payment_rows(result: api.Plan) -> list[dict]:
    return [{"financial_year": p.financial_year, "due": p.due, "status": p.status, "received": p.received,
             "counted": p.counted} for p in result.agreement.payments]


def _vintages(args):
    """--freeze / --against / --rerun-vintage: (the plan, its variance or None, notes)."""
    from ..reports import vintage
    notes = []
    if args.rerun_vintage:
        doc = vintage.load(args.rerun_vintage)
        result = vintage.rerun(doc)
        same = vintage.reproduces(result.frame, doc)
        notes.append(f"Vintage {doc['name']} (as at {doc['as_at']}) re-run from its stored inputs: "
                     + ("gives its stored figures" if same else "DOES NOT give its stored figures"))
    elif args.workbook is not None:
        from ..reports.inputs import workbook_inputs
        inputs = workbook_inputs(args.workbook)
        take_workbook(args, inputs)
        result = compute(args, agreement=inputs.get("agreement"))
    else:
        result = compute(args)
    if args.freeze:
        if not args.vintages:
            raise HnbInputError("needs --vintages DIR: the folder to store the vintage in", source="--freeze")
        path = vintage.freeze(result, args.freeze, args.vintages, args.as_at)
        notes.append(f"Frozen as vintage {args.freeze}: {path}")
    var = vintage.variance(result.frame, vintage.load(args.against)) if args.against else None
    return result, var, notes


def run(args) -> str:
    result, var, notes = _vintages(args)
    frame, parts, s = result.frame, result.parts, result.summary
    if args.format == "json":
        attr = parts.reset_index()
        s = {**s, "before_workstreams_balance_year": s.get("unmitigated_balance_year"),
             "before_workstreams_label": before_label(args)}
        return json.dumps({"plan": by_year(result), "attribution": records(attr), "funding": funding_of(result),
                           "summary": s,
                           "payments": payment_rows(result),
                           "settlement_inputs": api.settlement_inputs(args.settlement, LABELS),
                           "settlement_terms": dataclasses.asdict(result.settlement_terms)
                           if result.settlement_terms else None,
                           # the Monte Carlo's settings (the pack's fan; hnb_xl/data/plan_montecarlo.csv)
                           "montecarlo": api.montecarlo_inputs(labels=LABELS),
                           **({"variance": records(var)} if var is not None else {}),
                           **({"notes": notes} if notes else {})}, indent=2)
    if args.format == "csv":
        wide = frame.copy()
        funding = funding_of(result)
        for name in parts.columns:
            wide[f"{'' if funding[name] == 'DSG' else 'general fund '}saving: {name}"] = parts[name].to_numpy()
        return render(wide, "csv")
    cols = ["financial_year", *(k for k in KINDS if k != "general_fund_saving" or frame[k].any())]
    if frame["suspension_risk"].notna().any():
        frame = frame.assign(suspension_risk=["" if r != r else ("RISK" if r == 1.0 else "ok")
                                              for r in frame["suspension_risk"]])
        cols.append("suspension_risk")
    shown = frame[cols]
    out = render(shown, "table", KINDS, TITLES, title=f"Safety valve plan (£; in-year = DSG in-year deficit; "
                                                      f"'before workstreams' = {before_label(args)})")
    attr = parts.reset_index()
    out += "\n" + render(attr, "table", {c: "money" for c in parts.columns},
                         {"financial_year": "Year", **saving_titles(result)},
                         title="Saving by workstream (£; DSG workstreams: sequential attribution in list order, "
                               "adding up to the DSG saving; General Fund ones: their own saving, not in the DSG)")
    if var is not None:
        out += "\n" + render(var, "table", {c: "money" for c in var.columns if c != "financial_year"},
                             {"financial_year": "Year"}, title="Variance against the frozen vintage (£; forecast - agreed)")
    return out + "\n" + summary_lines(s, before_label(args)) + "".join(n + "\n" for n in notes)
