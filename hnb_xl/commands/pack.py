"""`hnb-xl pack`: write the Schools Forum pack (four PNG charts and index.html) to a folder."""

from __future__ import annotations

from .. import api
from . import plan as plan_cmd


def register(sub) -> None:
    p = sub.add_parser("pack", help="write the Schools Forum pack: charts (PNG) and tables (HTML)",
                       description="Write the seed's two charts, the mitigation waterfall and the uncertainty "
                                   "fan (PNG) and an HTML page with the plan's tables. Takes the same plan "
                                   "options as `hnb-xl plan`.")
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
    result = plan_cmd.compute(args)
    u = api.uncertainty(settings={"paths": args.paths, "seed": args.seed}, labels=plan_cmd.LABELS)
    written = api.pack(args.output, result, u, labels=plan_cmd.LABELS)
    lines = [f"Schools Forum pack written to {written.directory}:"] + [f"  {p.name}" for p in written.files]
    return "\n".join(lines)
