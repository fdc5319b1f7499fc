"""`hnb-xl report [WORKBOOK]` (the main job): every table on the bundled data, or on a model
workbook's Inputs (:mod:`hnb_xl.reports.inputs`: the engine on them), as readable tables. The
authority, its years and the source in the headings come from the data (:mod:`hnb_xl.reports.edition`)."""

from __future__ import annotations

import sys

import pandas as pd

from .. import api, bundled
from ..reports.inputs import Inputs, bundled_inputs, workbook_inputs
from ..engine.transfer import tracker_totals
from ..reports.output import render, render_mapping
from ..reports.record import CENSUS_NOTE, Assurance, backtest_text, part_tables, stored_backtests
from . import contingency as contingency_cmd
from . import history as history_cmd
from . import project as project_cmd


def register(sub) -> None:
    p = sub.add_parser("report", help="the full report on the bundled data or a workbook (the default command)",
                       description="History, projection (against the published forecast, for the bundled "
                                   "authority), SEND Contingency, block transfer and the Invest to Transform "
                                   "tracker, on the bundled default data or on WORKBOOK's Inputs.")
    p.add_argument("workbook", nargs="?", default=None, metavar="WORKBOOK",
                   help="a model workbook (.xlsm/.xlsx): run on its Inputs (default: the bundled data)")
    p.add_argument("--to", default="2030-31", help="projection horizon (default: 2030-31)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="table (readable, default); json: one object with every table; csv: the tables one "
                        "after another, each after a '# name' line")
    add_backtest_options(p)
    p.set_defaults(func=run)


def add_backtest_options(p) -> None:
    """--sen2 RELEASE and --la LA (report and pack): the back-test against DfE's SEN2 actuals."""
    p.add_argument("--sen2", default=None, metavar="RELEASE",
                   help="DfE's SEN2 release (zip, folder or caseload CSV): add the back-test, the projected EHCPs "
                        "against the actual plans year by year (without it: the validation log's back-tests)")
    p.add_argument("--la", default=None, metavar="LA",
                   help="the authority in the release: name, old code (873) or new code (E10000003); default: "
                        "the inputs' own DfE LA code")


def forecast_comparison(proj: pd.DataFrame) -> pd.DataFrame:
    """The seed's "Deficit growth projected" beside the model (£m, 0.1)."""
    pub = bundled.published_forecast()
    model = proj[["financial_year", "accumulated_deficit", "deficit_growth"]]
    m = pub.merge(model, on="financial_year", how="left")
    return pd.DataFrame({
        "Year": m["financial_year"],
        "Published accumulated £m": m["accumulated_deficit_gbp_m"].map(lambda v: f"{v:.1f}"),
        "Model accumulated £m": m["accumulated_deficit"].map(lambda v: "" if pd.isna(v) else f"{v / 1e6:.1f}"),
        "Published growth £m": m["deficit_growth_gbp_m"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}"),
        "Model growth £m": m["deficit_growth"].map(lambda v: "" if pd.isna(v) else f"{v / 1e6:.1f}"),
    })


def inputs_of(args) -> Inputs:
    """WORKBOOK's Inputs, or the bundled data (an unreadable workbook: HnbInputError, exit 2)."""
    return bundled_inputs() if args.workbook is None else workbook_inputs(args.workbook)


def sections(args, inputs: Inputs | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the report, raw (pounds, fractions), keyed by a short name."""
    inputs = inputs or inputs_of(args)
    t = api.report_sections(to_year=_to(args.to), tables=inputs.tables, parameters=inputs.parameters)
    t["history"] = t["history"][history_cmd.COLUMNS]
    t["contingency"] = t["contingency"][[c for c in contingency_cmd.COLUMNS if c in t["contingency"].columns]]
    return t


TRANSFER_KINDS = {"transfer_amount": "money", "schools_block": "money", "rate": "pct2", "schools_block_at_limit": "money"}
TRANSFER_TITLES = {"financial_year": "Year", "transfer_amount": "Transfer", "schools_block": "Schools block",
                   "rate": "Rate", "schools_block_at_limit": "Block at which it is the limit", "verdict": "Verdict"}

# the sections that carry an input file's figures (printed as the file gives them in csv and json)
WHOLE = {"history": history_cmd.WHOLE, "contingency": contingency_cmd.WHOLE}


def _is_bundled_authority(inputs: Inputs) -> bool:
    """The published forecast (hnb_xl/data/published_forecast.csv) is the bundled authority's: it is
    compared only with that authority's data (its DfE code)."""
    return float(inputs.parameter("authority_code")) == float(bundled.parameters()["authority_code"])


def assurance_of(args, inputs: Inputs, history=None, assumptions=None, scenario=None) -> Assurance:
    """The assurance record for the inputs (none written for another authority) and, with --sen2,
    the back-test of the projection (the inputs' history and assumptions, or those given) against
    the release's actuals for --la (default: the inputs' DfE LA code)."""
    ed = inputs.edition()
    frame, source = None, ""
    if args.sen2:
        from . import backtest as backtest_cmd
        h = inputs.get("history") if history is None else history
        a = inputs.get("assumptions") if assumptions is None else assumptions
        frame, actual = backtest_cmd.table(args.sen2, args.la or ed.code, scenario or bundled.DEFAULT_SCENARIO,
                                           history=h, assumptions=a)
        source = f"{actual.source}, {actual.authority.get('name')}"
    from .. import assurance
    from ..workbook.sheets.logs import ASSURANCE_PARTS, OWN_PARTS      # the Logs sheet's headings: one place
    if inputs.own_record is not None:         # the council's own record, as the workbook's Logs hold it
        parts = assurance.own_rows(inputs.own_record)
        return Assurance(ed.authority, part_tables(parts, OWN_PARTS), stored_backtests(parts), (), frame, source)
    code = inputs.parameter("authority_code")
    if not assurance.describes(ed.authority, code):
        return Assurance(ed.authority, None, None, tuple(assurance.not_written(ed.authority, code)), frame, source)
    parts = assurance.rows()
    return Assurance(ed.authority, part_tables(parts, ASSURANCE_PARTS), stored_backtests(parts), (), frame, source)


def montecarlo_of(inputs: Inputs, settings: dict | None = None, labels: dict | None = None) -> dict:
    """The Monte Carlo's settings and spreads the inputs hold (a workbook's Inputs tables, else the
    bundled files), with ``settings`` (options such as --paths) over them: :func:`hnb_xl.api.montecarlo_inputs`."""
    return api.montecarlo_inputs(given_table(inputs.get("montecarlo")), given_table(inputs.get("uncertainty")),
                                 settings, labels)


def given_table(frame):
    """A workbook table, or None (the bundled one) when the workbook has none or it is empty."""
    return frame if frame is not None and len(frame) else None


def assurance_text(a: Assurance, number: int) -> list[str]:
    """The report's back-test and assurance sections, as tables."""
    out = []
    if a.backtest is not None:
        out.append(render(backtest_text(a.backtest), "table", title=f"{number}. Back-test: projected EHCPs against "
                                                                    f"DfE SEN2 actuals, {a.authority}")
                   + f"Actuals: {a.backtest_source}; {CENSUS_NOTE}\n")
    else:
        stored = a.stored_backtests
        if stored is not None and len(stored):
            out.append(render(stored, "table", title=f"{number}. Back-tests in the validation log "
                                                    "(--sen2 RELEASE for the back-test against DfE SEN2)"))
    if a.parts is None:
        out.append(f"{number + 1}. Assurance record\n" + "\n".join(a.not_written) + "\n")
        return out
    out.append(f"{number + 1}. Assurance record (HM Treasury Aqua Book)\n")
    out += [render(frame, "table", title=heading) for heading, frame in a.parts if len(frame)]
    return out


def plan_of(inputs: Inputs) -> api.Plan:
    """The safety valve plan on the inputs: a workbook's workstreams, agreement (its table left empty:
    no agreement) and instalments as paid, else the bundled ones (as ``hnb-xl plan``)."""
    return api.plan(inputs.get("history"), inputs.get("assumptions"), workstreams=inputs.get("workstreams"),
                    agreement=inputs.get("agreement"), payments=given_table(inputs.get("payments")))


def itt_note(inputs: Inputs) -> str | None:
    """What to say when the workbook's block-transfer table has no transfer in the Invest to
    Transform year (the tracker is then shown as allocated: api.report_sections)."""
    year = inputs.parameter("invest_to_transform_year") if inputs.get("block_transfer") is not None else None
    if year and api.itt_transfer(inputs.get("block_transfer"), year) is None:
        return (f"the block-transfer table has no {year} transfer (the Invest to Transform year): the tracker "
                "is shown as allocated, and the workbook's Invest to Transform check fails.")
    return None


def run(args) -> str:
    inputs = inputs_of(args)
    tables = sections(args, inputs)
    record = assurance_of(args, inputs)    # a bad --sen2/--la fails here, before any warning is printed
    warning = project_cmd.extrapolation_warning(tables["projection"])   # a falling extrapolated cost per EHCP
    if warning:
        print(warning, file=sys.stderr)
    ed = inputs.edition()
    if record.backtest is not None:
        tables["backtest"] = record.backtest
    if args.format != "table":
        from ..reports.output import records
        if args.format == "json":
            import json
            out = {"edition": ed.as_dict()} | {k: records(v, WHOLE.get(k, ())) for k, v in tables.items()}
            out["montecarlo"] = montecarlo_of(inputs)     # the pack's Monte Carlo settings, as the inputs hold them
            if record.parts is not None:    # the record describes these inputs (hnb_xl/assurance.py)
                from .. import assurance
                out["assurance"] = (assurance.own_rows(inputs.own_record) if inputs.own_record is not None
                                    else assurance.rows())
            else:
                out["assurance_not_written"] = list(record.not_written)
            return json.dumps(out, indent=2)
        heading = pd.DataFrame([ed.as_dict() | {"outturn": ed.outturn, "forecast": ed.forecast}])
        return "\n".join(f"# {k}\n" + render(v, "csv", whole=WHOLE.get(k, ()))
                         for k, v in {"edition": heading, **tables}.items())
    parts = [f"{ed.authority} (DfE LA {ed.code}): {ed.vintage}\n"]
    h = tables["history"]
    base = h["financial_year"].iloc[0] if h["accumulated_deficit"].isna().iloc[0] else None
    parts.append(render(h, "table", history_cmd.KINDS, history_cmd.TITLES,
                        title=f"1. {ed.authority} HNB history, {ed.outturn} (£; EHCPs at January census"
                              + (f"; {base} is a derived base)" if base else ")")))
    proj = tables["projection"]
    own = inputs.get("assumptions")      # a workbook's, with the bundled basis when they are the bundled scenario
    scenario = (bundled.SCENARIOS[bundled.DEFAULT_SCENARIO][1] if own is None or "basis" in own.columns
                else f"the workbook's assumptions, forecast {ed.forecast}")
    parts.append(render(proj, "table", project_cmd.KINDS, project_cmd.TITLES,
                        title=f"2. Projection: {scenario} (£)"))
    if _is_bundled_authority(inputs):
        parts.append(render(forecast_comparison(proj), "table",
                            title="3. Deficit growth projected: published forecast vs model (£m)"))
    alloc = tables["contingency"]
    synthetic = alloc["school_name"].astype(str).str.contains("synthetic", case=False).any()
    parts.append("4. " + contingency_cmd.text(alloc, float(inputs.parameter("send_contingency_pot"))).replace(
        "SEND Contingency:", "SEND Contingency (SYNTHETIC demo schools):" if synthetic else "SEND Contingency:", 1))
    by_year = tables["transfer"]
    parts.append(render(by_year[[c for c in by_year.columns if c in TRANSFER_TITLES]], "table", TRANSFER_KINDS, TRANSFER_TITLES,
                        title="5. Schools Block to HNB transfer (each year against the same year's schools block)"))
    show = tables["invest_to_transform"]
    totals = tracker_totals(show.assign(committed_known=show["committed_spend"].notna()))   # TBC: not known
    note = itt_note(inputs)
    note = f"NOTE: {note}\n" if note else ""
    parts.append(render(show, "table", {"allocation": "money", "committed_spend": "money_tbc", "remaining": "money_tbc"},
                        {"activity": "Activity", "allocation": "Allocation", "committed_spend": "Committed to date",
                         "remaining": "Remaining"},
                        title="6. Invest to Transform tracker (£)")
                 + f"Total allocated £{totals['allocation']:,.0f}; committed £{totals['committed_spend']:,.0f} "
                   f"({totals['committed_share']:.1%}); {totals['tbc_lines']} lines TBC "
                   f"(£{totals['tbc_allocation']:,.0f} allocated, spend not yet known)\n" + note)
    from . import plan as plan_cmd
    parts.append("7. Safety valve plan (hnb-xl plan gives it by year)\n" + plan_cmd.summary_lines(plan_of(inputs).summary))
    parts += assurance_text(record, 8)
    return "\n".join(parts)


def _to(text):
    from ._common import year
    return year("--to")(text)
