"""`hnb-xl refresh WORKBOOK SOURCE...`: update the workbook's input tables from source files, safely.

Exit 0 on success (or a clean dry run), 2 on any problem: every problem is listed with file, row
and column, and the workbook is left byte for byte as it was.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import HnbInputError
from ..tables.schema import PLAN_SOURCE_TABLES, SOURCE_TABLES

INPUT_TABLES = SOURCE_TABLES + PLAN_SOURCE_TABLES     # the safety valve's tables are refreshed too


def register(sub) -> None:
    p = sub.add_parser("refresh", help="update the workbook's input tables from source files (CSV/XLSX, DfE SEN, "
                                       "DfE SEN2 release)",
                       description="Reads every SOURCE (files, or folders of .csv/.xlsx), recognises each table "
                                   "from its headers (the templates of `hnb-xl template`, DfE's school-level "
                                   "SEN data, wide or long, or DfE's EHC plans release (SEN2: the zip as saved, "
                                   "its folder or a CSV of it), whose January census of Y fills the EHCP count "
                                   "of history for financial year (Y-1)-Y), validates all of them together, then "
                                   "writes the workbook atomically after a timestamped backup. Any problem: exit "
                                   "2, every problem listed, workbook unchanged.")
    p.add_argument("workbook", metavar="WORKBOOK", help="the model workbook (.xlsm)")
    p.add_argument("sources", metavar="SOURCE", nargs="+", help="source files or folders")
    p.add_argument("--output", metavar="PATH", help="write the refreshed workbook here instead (no backup needed)")
    p.add_argument("--dry-run", action="store_true",
                   help="validate and list the rows added, changed (each cell old -> new) and removed per "
                        "table, by their key (financial year, URN, parameter); write nothing")
    p.add_argument("--la", metavar="NAME_OR_CODE",
                   help="local authority to take from a DfE file or SEN2 release: la_name, new_la_code "
                        "(E10000003) or old_la_code (873); a release's default is the workbook's "
                        "authority_code parameter, and another authority than it is refused")
    p.add_argument("--suppressed", choices=["error", "zero"], default="error",
                   help="DfE codes x, c and low in an EHCP count: an error naming the first cell (default) or, "
                        "with zero, read as 0 and counted; elsewhere, and z (not applicable) always, 0")
    p.add_argument("--replace", metavar="TABLE", action="append", default=[], choices=INPUT_TABLES,
                   help="let the source replace TABLE whole (repeatable; one of " + ", ".join(INPUT_TABLES) +
                        "): without it, a source that leaves out rows the workbook's table holds is an error "
                        "naming them")
    p.add_argument("--no-progress", action="store_true", help="no progress bar for large files")
    p.set_defaults(func=run)


def run(args) -> str:
    from ..workbook.refresh import error_text, refresh
    if args.output and Path(args.output).suffix.lower() != ".xlsm":
        raise HnbInputError("the output must be an .xlsm file: the refreshed workbook keeps its macros (xlwings "
                            "VBA, the Refresh button), which Excel opens only from a macro workbook",
                            source="--output")
    try:
        result = refresh(args.workbook, args.sources, output=args.output, dry_run=args.dry_run, la=args.la,
                         suppressed_policy=args.suppressed, progress=not args.no_progress,
                         replace=tuple(args.replace))
    except HnbInputError as exc:
        print(error_text(exc), file=sys.stderr)
        return 2
    return result.report()
