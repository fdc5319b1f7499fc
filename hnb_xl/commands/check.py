"""`hnb-xl check WORKBOOK`: static checks of every formula (see hnb_xl/workbook/verify/check.py).

Prints one line per finding (``sheet!cell: code: message``); exit 0 when clean, 1 with findings,
2 when the file cannot be read. The workbook is never saved.
"""

from __future__ import annotations

import json
import sys

from ..workbook.verify.check import check
from ._common import add_format


def register(sub) -> None:
    p = sub.add_parser("check", help="check every formula of a workbook (static: no calculation)",
                       description="Reports, one line per finding with sheet!cell: unknown functions, #REF! and "
                                   "other error literals, references to missing sheets or names, references to "
                                   "empty cells, numbers written into calculation formulas, formulas that break "
                                   "their row's pattern, HNB_ calls with a wrong name or number of arguments, "
                                   "and circular references. Exit 0 clean, 1 findings, 2 unreadable file.")
    p.add_argument("workbook", metavar="WORKBOOK", help="the .xlsm/.xlsx file (read only, never saved)")
    add_format(p)
    p.set_defaults(func=run)


def run(args) -> int:
    findings = check(args.workbook)
    if args.format == "json":
        text = json.dumps({"workbook": str(args.workbook), "findings": [f.as_dict() | {"where": f.where}
                                                                        for f in findings]}, indent=2)
    elif args.format == "csv":
        import csv
        import io
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["sheet", "cell", "code", "message", "formula"])
        for f in findings:
            w.writerow([f.sheet, f.cell, f.code, f.message, f.formula])
        text = buf.getvalue()
    else:
        lines = [f.line() for f in findings]
        lines.append(f"{args.workbook}: {len(findings)} finding(s)" if findings else f"{args.workbook}: no findings")
        text = "\n".join(lines)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 1 if findings else 0
