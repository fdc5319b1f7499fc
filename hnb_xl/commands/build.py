"""`hnb-xl build [--output PATH]`: generate the bundled macro workbook from code and the bundled data."""

from __future__ import annotations

from ..errors import HnbInputError
from ..workbook.build import DEFAULT_OUTPUT, SOURCE_TABLES, build


def register(sub) -> None:
    p = sub.add_parser("build", help="generate the bundled workbook HNB_Model.xlsm",
                       description="Builds workbook/HNB_Model.xlsm from xlwings' standalone template and the "
                                   "bundled data: inputs, native-formula calculations, outputs with charts, "
                                   "checks and logs. Set SOURCE_DATE_EPOCH to fix the build time.")
    p.add_argument("--output", "-o", default=str(DEFAULT_OUTPUT), metavar="PATH",
                   help="where to write the .xlsm (default: workbook/HNB_Model.xlsm in the source tree)")
    p.add_argument("--sources", nargs="+", default=[], metavar="TABLE=FILE",
                   help=f"use your own CSV/XLSX for input tables instead of the bundled data; TABLE is one of "
                        f"{', '.join(SOURCE_TABLES)}, e.g. --sources history=outturn.csv schools=census.xlsx")
    p.add_argument("--build-time", default=None, help="text for the Cover's build time (default: now, UTC)")
    p.set_defaults(func=run)


def run(args) -> str:
    sources = {}
    for item in args.sources:
        key, sep, path = item.partition("=")
        if not sep or not path:
            raise HnbInputError(f"expected TABLE=FILE, got '{item}'", source="--sources")
        sources[key.strip()] = path.strip()
    out = build(args.output, build_time=args.build_time, sources=sources)
    return f"wrote {out}"
