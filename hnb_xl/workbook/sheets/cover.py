"""Cover: purpose, version, build and refresh time, versions, master check status, how to use,
units and sign conventions. The template's ``Sheet1`` (VBA code name kept) becomes the Cover."""

from __future__ import annotations

import xlwings

from ... import __version__
from .. import layout as L
from .. import styles as S

HOW_TO = (
    "1. Inputs: change only the blue cells on the Inputs sheet (or refresh them from source files with hnb-xl).",
    "2. Calculations: the Calc_ sheets use ordinary Excel formulas; they work without Python.",
    "3. Outputs: tables and charts for Schools Forum and the DfE. Checks: every check should be 1.",
    "4. The HNB_ functions (the cross-checks, and for your own sheets) need Python with hnb_xl installed,",
    "   its path in Interpreter_Win on the xlwings.conf sheet, and a one-time import in each copy of this workbook:",
    "   - press Alt+F8 and run ImportPythonUDFs (or xlwings tab > Import Functions, if the xlwings add-in is installed);",
    "   - this needs File > Options > Trust Center > Macro Settings > 'Trust access to the VBA project object model'.",
    "   - If IT policy blocks that: Alt+F11, File > Import File..., choose xlwings_udfs.bas (shipped beside this",
    "     workbook), save, then Ctrl+Alt+F9.",
    "   - Until then the cross-checks show 'UDFs not loaded' and HNB_ cells show #NAME?; the model is unaffected.",
    "5. Step-by-step set-up and troubleshooting: docs/excel.md in hnb_xl.",
)
CONVENTIONS = (
    "Money is in pounds (£); tables show £000 or £m through the number format, the cells hold pounds.",
    "Rates are fractions shown as % (0.005 = 0.5%). Financial years are written 2022-23 (1 April to 31 March).",
    "Deficits are positive: in-year deficit = HNB expenditure - HNB budget; the accumulated DSG deficit is at "
    "31 March.",
    "EHCPs are plans at the January census. Input cells: blue on pale yellow. Checks: 1 = pass, 0 = fail.",
)

SHEET_NOTES = {
    L.COVER: "this page", L.INPUTS: "every input, with units", L.CALC_HISTORY: "history: growth, in-year and accumulated deficit",
    L.CALC_PROJECTION: "projection year by year", L.CALC_CONTINGENCY: "SEND Contingency per school",
    L.CALC_TRANSFER: "block transfer and Invest to Transform", "Safety_Valve": "safety valve plan: savings, "
    "DfE instalments, year of in-year balance", L.OUTPUTS: "tables and charts", L.CHECKS: "checks and the master check",
    L.LOGS: "assumptions and data sources", L.XLWINGS_CONF: "Python settings for xlwings",
}


def build(wb, ctx) -> None:
    ws = wb[L.TEMPLATE_SHEET_COVER]
    ws.title = L.COVER
    S.title(ws, "B1", "HNB Model: High Needs Block, DSG deficit, SEND Contingency and block transfer")
    S.note(ws["B2"], "Dedicated Schools Grant High Needs Block model for English local authorities. Bundled data: "
                     "Cambridgeshire Schools Forum update, 15 July 2022; schools are SYNTHETIC demo data.")
    rows = [(L.VERSION_CELL, "Model version (hnb_xl)", __version__),
            (L.BUILD_TIME_CELL, "Built", ctx.build_time),
            (L.REFRESH_TIME_CELL, "Inputs last refreshed", ""),
            ((L.COVER, "C8"), "xlwings (VBA and Python must match)", xlwings.__version__),
            ((L.COVER, "C9"), "Python package for the HNB_ functions", "hnb_xl " + __version__)]
    for (sheet, cell), text, value in rows:
        r = int(cell[1:])
        ws.cell(r, 2, text).font = S.BOLD
        ws[cell] = value if value != "" else None
    sheet, cell = L.MASTER_STATUS_CELL
    r = int(cell[1:])
    ws.cell(r, 2, "Master check").font = S.BOLD
    ws[cell] = '=IF(Master_Check=1,"OK: all checks pass","CHECK FAILED: see the Checks sheet")'
    ws[cell].font = S.HEADING_FONT
    r = 12
    S.heading(ws.cell(r, 2), "Purpose")
    r += 1
    for line in ("Shows how High Needs spending has outgrown the budget and projects the accumulated DSG deficit;",
                 "plans a safety valve; shares the SEND Contingency pot among schools whose EHCP numbers are high",
                 "for their notional SEN budget; tracks the Schools Block to HNB transfer (Invest to Transform)."):
        ws.cell(r, 2, line)
        r += 1
    r -= 1
    r += 2
    S.heading(ws.cell(r, 2), "How to use")
    for line in HOW_TO:
        r += 1
        ws.cell(r, 2, line)
    r += 2
    S.heading(ws.cell(r, 2), "Units and sign conventions")
    for line in CONVENTIONS:
        r += 1
        ws.cell(r, 2, line)
    r += 2
    S.heading(ws.cell(r, 2), "Sheets")
    for name in L.SHEETS:
        r += 1
        ws.cell(r, 2, name).font = S.BOLD
        ws.cell(r, 3, SHEET_NOTES.get(name, ""))
    ws.column_dimensions["A"].width = 2
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 95
    # long lines run on from B across C: each is short enough to end inside the print area
    S.print_setup(ws, f"A1:C{r}", landscape=True, pages_tall=1)
