"""`hnb-xl pack [WORKBOOK]`: write the Schools Forum pack (the PNG charts of
:data:`hnb_xl.reports.pack_contents.CHARTS`, the three of :data:`hnb_xl.reports.pack_contents.PLACEMENT_CHARTS` when
the placement tables are filled for the base year (the tornado's year: ``--tornado-year``), and one
self-contained index.html) to a folder,
on the bundled data or on a model workbook's Inputs (the engine on them: :mod:`hnb_xl.reports.inputs`;
its own placement tables: :func:`hnb_xl.api.placement_charts`)."""

from __future__ import annotations

from .. import api, bundled
from ..reports.pack_contents import CHARTS, PLACEMENT_CHARTS, PackNotes
from . import plan as plan_cmd
from ._common import year
from .report import add_backtest_options, assurance_of, given_table, inputs_of, itt_note


def register(sub) -> None:
    p = sub.add_parser("pack", help="write the Schools Forum pack: charts (PNG) and tables (HTML)",
                       description=f"Write the charts (PNG: {_names(CHARTS)}; and, when the placement tables are "
                                   f"filled for the base year (WORKBOOK's own Inputs tables), {_names(PLACEMENT_CHARTS)}) "
                                   "and one self-contained HTML page (charts embedded) with the seed's "
                                   "and the plan's tables, on the bundled data or WORKBOOK's Inputs. Takes the "
                                   "same plan options as `hnb-xl plan`.")
    p.add_argument("workbook", nargs="?", default=None, metavar="WORKBOOK",
                   help="a model workbook (.xlsm/.xlsx): its Inputs' history, assumptions, schools and "
                        "parameters (default: the bundled data)")
    p.add_argument("--output", "-o", default="hnb_pack", metavar="DIR", help="folder to write (default: hnb_pack)")
    p.add_argument("--paths", type=int, default=None, metavar="N",
                   help="Monte Carlo paths (default: the workbook's Monte Carlo settings, else 10,000 from the "
                        "bundled ones)")
    p.add_argument("--seed", type=int, default=None,
                   help="Monte Carlo random seed (default: the workbook's, else 20220715)")
    p.add_argument("--tornado-year", type=year("--tornado-year"), default=None, metavar="YEAR", dest="tornado_year",
                   help=f"the year of the tornado ({PLACEMENT_CHARTS['tornado'][0]}): a projection year of the "
                        "placement drivers (default: their table's last year)")
    for action in plan_cmd_options():
        action(p)
    add_backtest_options(p)
    p.set_defaults(func=run)


def _names(charts: dict) -> str:
    """The charts' file names, as the help lists them."""
    return ", ".join(name for name, _title in charts.values())


def plan_cmd_options():
    """The plan options, registered on the pack parser too (same names, same meaning)."""
    def add(p):
        dummy = _Collector()
        plan_cmd.register(dummy)
        for args, kwargs in dummy.arguments:
            if args[0] in ("--format", "--workbook"):      # the pack's WORKBOOK is its positional argument
                continue
            p.add_argument(*args, **kwargs)
    return [add]


class _Collector:
    """Stands in for argparse subparsers to collect `plan`'s add_argument calls."""

    def __init__(self):
        self.arguments = []

    def add_parser(self, *a, **k):
        return self

    def add_argument(self, *args, **kwargs):
        self.arguments.append((args, kwargs))

    def set_defaults(self, **k):
        pass


def run(args) -> str:
    inputs = inputs_of(args)
    bundled_workstreams = args.workstreams is None
    # the workbook's tables, unless an option gives another (plan_cmd.WORKBOOK_TABLES), and its agreement
    plan_cmd.take_workbook(args, inputs)
    if inputs.get("workstreams") is not None:
        bundled_workstreams = _same_workstreams(inputs.get("workstreams"), bundled.plan_workstreams())
    result = plan_cmd.compute(args, agreement=inputs.get("agreement"))
    # the Monte Carlo's settings and spreads: the workbook's Inputs tables (else the bundled), --paths/--seed over them
    u = api.uncertainty(given_table(inputs.get("uncertainty")), {"paths": args.paths, "seed": args.seed},
                        labels=plan_cmd.LABELS, montecarlo=given_table(inputs.get("montecarlo")))
    sections = api.report_sections(tables=inputs.tables, parameters=inputs.parameters)
    own = inputs.get("assumptions")
    # the bundled replica: by name, or a workbook holding exactly its assumptions (their basis attached)
    default = (args.assumptions is None and args.scenario == bundled.DEFAULT_SCENARIO) or (
        own is not None and args.assumptions is own and "basis" in own.columns)
    notes = PackNotes(scenario=bundled.SCENARIOS[bundled.DEFAULT_SCENARIO][1] if default else
                      ("the workbook's assumptions" if args.assumptions is own else "the assumptions given"),
                      replica=default, illustrative_workstreams=bundled_workstreams and not args.no_mitigations,
                      more=tuple(n[:1].upper() + n[1:] for n in [itt_note(inputs)] if n))
    ed = inputs.edition() if args.history is None or inputs.get("history") is not None else None
    record = assurance_of(args, inputs, history=args.history, assumptions=args.assumptions, scenario=args.scenario)
    page = {}
    if args.workbook is not None:     # the workbook's own placement tables (none filled: no placement charts)
        page["placement"] = api.placement_charts(result.history, ed, given=inputs.tables, assumptions=result.assumptions,
                                                 tornado_year=args.tornado_year, labels=TORNADO_LABELS)
    written = api.pack(args.output, result, u, labels=plan_cmd.LABELS, tornado_year=args.tornado_year,
                       tornado_labels=TORNADO_LABELS, edition=ed,
                       sections=sections, notes=notes, record=record, **page)
    lines = [f"Schools Forum pack written to {written.directory}:"] + [f"  {p.name}" for p in written.files]
    return "\n".join(lines)


TORNADO_LABELS = {"year": "--tornado-year"}     # a year that is not a projection year names the option


def _same_workstreams(given, bundled_frame) -> bool:
    """The workbook's workstreams are the bundled ILLUSTRATIVE ones (name, lever, amount, start)."""
    cols = ["name", "lever", "amount", "start_year"]
    a, b = given[cols].reset_index(drop=True), bundled_frame[cols].reset_index(drop=True)
    return a.astype(str).equals(b.astype(str))
