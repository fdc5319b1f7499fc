"""`hnb-xl verify WORKBOOK`: the workbook proved against the engine (hnb_xl/workbook/verify/run.py).

The static check, a LibreOffice recalculation of a copy, the engine on the workbook's own inputs,
and a comparison of every calculation and output cell with its engine twin (money within £1,
counts exactly), the master check and the time of each step. One line per finding
(``sheet!cell: code: message [formula]``). Exit 0 when everything agrees, 1 on any finding,
2 when the file cannot be read. The workbook is never saved. The way LibreOffice ran is printed
(kept running through UNO, or ``soffice --convert-to``; ``HNB_LIBREOFFICE_ROUTE`` forces one).
"""

from __future__ import annotations

import json
import sys

from ..workbook.verify.run import verify


def register(sub) -> None:
    p = sub.add_parser("verify", help="prove a workbook against the engine (static check, LibreOffice "
                                      "recalculation of a copy, cell-by-cell comparison)",
                       description="Checks every formula, recalculates a copy with LibreOffice, runs the engine on "
                                   "the workbook's own inputs and compares every calculation and output cell with "
                                   "the engine (money within £1, counts exactly). Reports each disagreement at its "
                                   "cell with both values and the formula, the master check and the time of each "
                                   "step. Exit 0 all agree, 1 findings, 2 unreadable file. The file is never saved. "
                                   "LibreOffice is kept running through UNO where python3-uno is installed, else "
                                   "started by soffice --convert-to; the output says which "
                                   "(HNB_LIBREOFFICE_ROUTE=uno or convert-to forces one).")
    p.add_argument("workbook", metavar="WORKBOOK", help="the .xlsm/.xlsx file (read only, never saved)")
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="output format: table (readable) or json")
    p.set_defaults(func=run)


def run(args) -> int:
    report = verify(args.workbook)
    if args.format == "json":
        text = json.dumps(report.as_dict(), indent=2, default=str)
    else:
        lines = [f.line() + (f"  [{f.formula}]" if f.formula else "") for f in report.findings]
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in report.seconds.items())
        if report.route:
            lines.append(f"recalculated by {report.route}")
        if report.recalculated:
            lines.append(f"{report.compared} cells compared with the engine; master check "
                         f"{'passes' if report.master_check == 1 else 'FAILS'}")
        lines.extend(f"note: {n}" for n in report.notes)
        lines.append(f"time: {steps}")
        lines.append(f"{args.workbook}: {len(report.findings)} finding(s)" if report.findings
                     else f"{args.workbook}: verified: every cell agrees with the engine")
        text = "\n".join(lines)
    sys.stdout.write(text + "\n")
    return 1 if report.findings else 0
