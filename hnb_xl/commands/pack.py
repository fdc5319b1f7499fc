"""`hnb-xl pack`: write the Schools Forum pack (four PNG charts and index.html) to a folder."""

from __future__ import annotations

from .. import bundled
from ..engine.montecarlo import uncertainty_from_tables
from ..errors import HnbInputError
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
    from ..reports.pack import build_pack  # matplotlib is imported only when a pack is written

    i = plan_cmd.inputs(args)
    settings = bundled.plan_montecarlo()
    if args.paths is not None:
        if args.paths < 1:
            raise HnbInputError(f"expected 1 or more paths, got {args.paths}", source="--paths")
        settings["paths"] = args.paths
    if args.seed is not None:
        settings["seed"] = args.seed
    u = uncertainty_from_tables(bundled.plan_uncertainty(), settings, source="bundled plan_uncertainty.csv")
    try:
        result = build_pack(args.output, i.history, i.assumptions, i.workstreams, i.agreement, u,
                            to_year=i.to_year, source=i.workstreams_source)
    except HnbInputError:
        raise
    except ValueError as exc:
        raise HnbInputError(str(exc), source=getattr(args, "assumptions", None) or "--to") from None
    lines = [f"Schools Forum pack written to {result.directory}:"] + [f"  {p.name}" for p in result.files]
    return "\n".join(lines)
