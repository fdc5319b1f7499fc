"""`hnb-xl build [OUT.xlsm | --output OUT.xlsm]`: generate the macro workbook from code and the bundled data,
plus its companion OUT.py (the module the Cover's "Refresh from sources" button imports) and the two
VBA modules to import by hand (xlwings_udfs.bas, hnb_register.bas). Without a path: the committed
workbook/HNB_Model.xlsm in a source checkout, else HNB_Model.xlsm in the current folder
(:func:`hnb_xl.workbook.build.default_output`)."""

from __future__ import annotations

from ..errors import HnbInputError
from ..workbook.build import OTHER_SOURCE_TABLES, SOURCE_TABLES, build, companion_path


def register(sub) -> None:
    p = sub.add_parser("build", help="generate the bundled workbook HNB_Model.xlsm",
                       description="Builds the macro workbook HNB_Model.xlsm from xlwings' standalone template "
                                   "and the bundled data: inputs, native-formula calculations, outputs with charts, "
                                   "checks and logs; beside it OUT.py, OUT.cells.txt and the VBA modules "
                                   "xlwings_udfs.bas and hnb_register.bas. Set SOURCE_DATE_EPOCH to fix the "
                                   "build time.")
    p.add_argument("out", nargs="?", metavar="OUT.xlsm",
                   help="where to write the .xlsm; OUT.py (the Refresh button's Python) is written beside it. "
                        "OUT must be a Python module name: letters, digits and _ "
                        "(default: HNB_Model.xlsm in the current folder; in a source checkout "
                        "its committed workbook/HNB_Model.xlsm)")
    p.add_argument("--output", "-o", default=None, metavar="PATH", help="the same as OUT.xlsm")
    p.add_argument("--sources", nargs="+", default=[], metavar="TABLE=FILE",
                   help=f"use your own CSV/XLSX for input tables instead of the bundled data; TABLE is one of "
                        f"{', '.join(SOURCE_TABLES + OTHER_SOURCE_TABLES)}, e.g. --sources history=outturn.csv schools=census.xlsx")
    p.add_argument("--build-time", default=None, help="text for the Cover's build time (default: now, UTC)")
    p.set_defaults(func=run)


def run(args) -> str:
    sources = {}
    for item in args.sources:
        key, sep, path = item.partition("=")
        if not sep or not path:
            raise HnbInputError(f"expected TABLE=FILE, got '{item}'", source="--sources")
        sources[key.strip()] = path.strip()
    if args.out and args.output and args.out != args.output:
        raise HnbInputError(f"two outputs given ({args.out} and --output {args.output}): give one", source="build")
    out = build(args.out or args.output, build_time=args.build_time, sources=sources)
    return f"wrote {out} and {companion_path(out).name} (the Cover's Refresh button runs its main())"
