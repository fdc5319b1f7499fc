"""`hnb-xl pack [WORKBOOK]`: write the Schools Forum pack (four PNG charts and one self-contained
index.html) to a folder, on the bundled data or on a model workbook's Inputs (the engine on them:
:mod:`hnb_xl.reports.inputs`)."""

from __future__ import annotations

from .. import api, bundled
from ..reports.pack import PackNotes
from . import plan as plan_cmd
from .report import inputs_of


def register(sub) -> None:
    p = sub.add_parser("pack", help="write the Schools Forum pack: charts (PNG) and tables (HTML)",
                       description="Write the seed's two charts, the mitigation waterfall and the uncertainty "
                                   "fan (PNG) and one self-contained HTML page (charts embedded) with the seed's "
                                   "and the plan's tables, on the bundled data or WORKBOOK's Inputs. Takes the "
                                   "same plan options as `hnb-xl plan`.")
    p.add_argument("workbook", nargs="?", default=None, metavar="WORKBOOK",
                   help="a model workbook (.xlsm/.xlsx): its Inputs' history, assumptions, schools and "
                        "parameters (default: the bundled data)")
    p.add_argument("--output", "-o", default="hnb_pack", metavar="DIR", help="folder to write (default: hnb_pack)")
    p.add_argument("--paths", type=int, default=None, metavar="N",
                   help="Monte Carlo paths (default: 10,000 from the bundled settings)")
    p.add_argument("--seed", type=int, default=None, help="Monte Carlo random seed (default: 20220715)")
    for action in plan_cmd_options():
        action(p)
    p.set_defaults(func=run)


def plan_cmd_options():
    """The plan options, registered on the pack parser too (same names, same meaning)."""
    def add(p):
        dummy = _Collector()
        plan_cmd.register(dummy)
        for args, kwargs in dummy.arguments:
            if args[0] in ("--format",):
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
    for name in ("history", "assumptions"):     # the workbook's tables, unless a file is given
        if getattr(args, name) is None and inputs.get(name) is not None:
            setattr(args, name, inputs.get(name))
    result = plan_cmd.compute(args)
    u = api.uncertainty(settings={"paths": args.paths, "seed": args.seed}, labels=plan_cmd.LABELS)
    sections = api.report_sections(tables=inputs.tables, parameters=inputs.parameters)
    default = args.assumptions is None and args.scenario == bundled.DEFAULT_SCENARIO
    notes = PackNotes(scenario=bundled.SCENARIOS[bundled.DEFAULT_SCENARIO][1] if default else
                      ("the workbook's assumptions" if inputs.get("assumptions") is not None else "the assumptions given"),
                      replica=default, illustrative_workstreams=args.workstreams is None and not args.no_mitigations)
    ed = inputs.edition() if args.history is None or inputs.get("history") is not None else None
    written = api.pack(args.output, result, u, labels=plan_cmd.LABELS, edition=ed, sections=sections, notes=notes)
    lines = [f"Schools Forum pack written to {written.directory}:"] + [f"  {p.name}" for p in written.files]
    return "\n".join(lines)
