"""Cover: purpose, version, build and refresh time, versions, master check status, how to use,
units and sign conventions, and the "Refresh from sources" button. The template's ``Sheet1`` (VBA
code name kept) becomes the Cover."""

from __future__ import annotations

from importlib.metadata import version
from xml.sax.saxutils import escape

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from ... import __version__
from .. import layout as L
from .. import styles as S
from . import edition

HOW_TO = (
    "1. Inputs: change only the blue cells on the Inputs sheet (or refresh them from source files with hnb-xl).",
    "2. Calculations: the Calc_ sheets use ordinary Excel formulas; they work without Python.",
    "3. Outputs: tables and charts for Schools Forum and the DfE. Checks: every check should be 1.",
    "4. The HNB_ functions (the cross-checks, and for your own sheets) need Python with hnb_xl installed,",
    "   its path in Interpreter_Win on the xlwings.conf sheet (hidden: Unhide), and a one-time import in each copy of this workbook:",
    "   - press Alt+F8 and run ImportPythonUDFs (or xlwings tab > Import Functions, if the xlwings add-in is installed);",
    "   - this needs File > Options > Trust Center > Macro Settings > 'Trust access to the VBA project object model'.",
    "   - If IT policy blocks that: Alt+F11, File > Import File..., choose xlwings_udfs.bas (shipped beside this",
    "     workbook), save, then Ctrl+Alt+F9.",
    "   - Until then the cross-checks and the HNB_ cells show 'UDFs not loaded'; the model is unaffected.",
    "5. Refresh from sources (the button above): pick new source files; all are checked first, then the Inputs",
    "   of this open workbook are updated and logged on Logs. Needs step 4's Python and <workbook name>.py beside it.",
    "6. Step-by-step set-up and troubleshooting: docs/excel.md in hnb_xl.",
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
    L.CALC_PROJECTION: "projection year by year", L.CALC_PLACEMENT: "placement forecast: EHCPs by category x unit "
    "cost, the calibration line, the unmitigated deficit", L.CALC_CONTINGENCY: "SEND Contingency per school",
    L.CALC_TRANSFER: "block transfer and Invest to Transform", L.SAFETY_VALVE: "safety valve plan: savings, "
    "DfE instalments, year of in-year balance", L.OUTPUTS: "tables and charts",
    L.SENSITIVITY: "tornado and break-even values of the placement forecast (computed at build and refresh)", L.CHECKS: "checks and the master check",
    L.LOGS: "assumptions and data sources; the assurance record (logs, roles, statement)", L.XLWINGS_CONF: "Python settings for xlwings",
}


def build(wb, ctx) -> None:
    ws = wb[L.TEMPLATE_SHEET_COVER]
    ws.title = L.COVER
    S.title(ws, L.COVER_TITLE_CELL, "HNB Model: High Needs Block, DSG deficit, SEND Contingency and block transfer")
    # the authority, its years and the source come from the Inputs (a formula: a refresh changes them)
    S.note(ws[L.COVER_NOTE_CELL], edition.cover_note())
    S.note(ws[L.COVER_SOURCE_CELL], edition.cover_source())
    rows = [(L.VERSION_CELL, "Model version (hnb_xl)", __version__),
            (L.BUILD_TIME_CELL, "Built", ctx.build_time),
            (L.REFRESH_TIME_CELL, "Inputs last refreshed", ""),
            # the installed package's version, read without importing xlwings (hnb_xl.workbook.build)
            (L.XLWINGS_VERSION_CELL, "xlwings (VBA and Python must match)", version("xlwings")),
            (L.PACKAGE_VERSION_CELL, "Python package for the HNB_ functions", "hnb_xl " + __version__)]
    for (sheet, cell), text, value in rows:
        ws.cell(L.cell_row(cell), L.COVER_LABEL_COL, text).font = S.BOLD
        ws[cell] = value if value != "" else None
    sheet, cell = L.MASTER_STATUS_CELL
    ws.cell(L.cell_row(cell), L.COVER_LABEL_COL, "Master check").font = S.BOLD
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
    r += 2
    R = L.COVER_ROLES
    if r != R["title_row"]:
        raise ValueError(f"the Cover's roles heading falls at row {r}: set layout.COVER_ROLES to it")
    S.heading(ws.cell(r, R["role_col"]), "Roles (the assurance record is on Logs)")
    own = ctx.plan_tables.get("assurance_roles")    # a council's own (build --sources), else the bundled
    lines = role_lines(own)
    for i in range(R["max_rows"]):                  # the room bold, so a refresh's roles are too
        ws.cell(R["first_row"] + i, R["role_col"]).font = S.BOLD
    for i, line in enumerate(lines):
        for j, v in enumerate(line):
            ws.cell(R["first_row"] + i, R["role_col"] + j, v)
    ws.column_dimensions["A"].width = 2
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 95
    # long lines run on from B across C: each is short enough to end inside the print area
    S.print_setup(ws, roles_print_area(len(lines)), landscape=True, pages_tall=1)
    add_refresh_button(wb, ws)


def role_lines(roles=None) -> list[list[str]]:
    """The Cover's roles lines, [role, "holder: responsibility"] each: of a council's own
    ``roles`` (the assurance_roles table), else the bundled ones (hnb_xl/data/assurance_roles.csv).
    Raises HnbInputError when there are more than layout.COVER_ROLES holds."""
    from ... import assurance
    from ...errors import HnbInputError
    recs = (assurance.own_rows({"roles": roles}) if roles is not None else assurance.rows())["roles"]
    if len(recs) > L.COVER_ROLES["max_rows"]:
        raise HnbInputError(f"has {len(recs)} roles; the Cover holds {L.COVER_ROLES['max_rows']}",
                            source=(roles.attrs.get("source") if roles is not None else None) or "assurance_roles")
    return [[r["role"], f"{r['holder']}: {r['responsibility']}"] for r in recs]


def roles_print_area(n_roles: int) -> str:
    """The Cover's print area: to its text column, down to the last of ``n_roles`` roles."""
    R = L.COVER_ROLES
    return L.print_area(R["text_col"], R["first_row"] + max(n_roles, 1) - 1)


def roles_write(roles):
    """The refresh's write of the Cover's roles (a council's own ``roles`` table, given as
    assurance_roles.csv): the lines of :func:`role_lines`, blanks over the rest of the room, the
    print area to the last role."""
    from ..refresh.cells import TableWrite
    R = L.COVER_ROLES
    lines = role_lines(roles)
    rows = lines + [[None, None] for _ in range(R["max_rows"] - len(lines))]
    return TableWrite(L.COVER, R["first_row"], R["role_col"], rows, label="Cover roles",
                      print_area=roles_print_area(len(lines)))


# ------------------------------------------------------------------------ the Form Control button

def _col_pixels(ws, letter: str) -> int:
    """Excel's pixel width of a column (Calibri 11: 7 px per character + 5 px padding)."""
    width = ws.column_dimensions[letter].width if letter in ws.column_dimensions else None
    width = 8.43 if width is None else width
    return int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5


def _row_pixels(ws, row: int) -> int:
    height = ws.row_dimensions[row].height if row in ws.row_dimensions else None
    return int((15 if height is None else height) * 4 / 3)


def button_vertices(ws) -> tuple:
    """(col_start, x1, row_start, y1, col_end, x2, row_end, y2) zero-based with pixel offsets, as VML's
    x:Anchor wants them, plus (left, top, width, height) in points for the shape's style."""
    _sheet, cell = L.REFRESH_BUTTON_CELL
    letter, row = coordinate_from_string(cell)
    col = column_index_from_string(letter)
    (dx, dy), (w, h) = L.REFRESH_BUTTON_OFFSET, L.REFRESH_BUTTON_SIZE
    left = sum(_col_pixels(ws, L.col(c)) for c in range(1, col)) + dx
    top = sum(_row_pixels(ws, r) for r in range(1, row)) + dy
    c_end, x2 = col, dx + w
    while x2 >= _col_pixels(ws, L.col(c_end)):
        x2 -= _col_pixels(ws, L.col(c_end))
        c_end += 1
    r_end, y2 = row, dy + h
    while y2 >= _row_pixels(ws, r_end):
        y2 -= _row_pixels(ws, r_end)
        r_end += 1
    anchor = (col - 1, dx, row - 1, dy, c_end - 1, x2, r_end - 1, y2)
    return anchor, tuple(v * 0.75 for v in (left, top, w, h))


def button_vml(ws) -> str:
    """The Cover's VML legacy drawing: one Form Control button running the workbook's macro.

    The structure is the one XlsxWriter's ``worksheet.insert_button()`` writes (and Excel itself
    saves): shapetype 201, ``o:button="t"``, ``<x:ClientData ObjectType="Button">`` whose
    ``x:FmlaMacro`` is ``[0]!<macro>`` ([0] = this workbook).
    """
    anchor, (left, top, width, height) = button_vertices(ws)
    style = (f"position:absolute;margin-left:{left:.15g}pt;margin-top:{top:.15g}pt;width:{width:.15g}pt;"
             f"height:{height:.15g}pt;z-index:1;mso-wrap-style:tight")
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/>'
        '<v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/>'
        '<o:lock v:ext="edit" shapetype="t"/></v:shapetype>'
        f'<v:shape id="_x0000_s1025" type="#_x0000_t201" alt="{escape(L.REFRESH_BUTTON_CAPTION)}" '
        f'style="{style}" o:button="t" fillcolor="buttonFace [67]" strokecolor="windowText [64]" '
        'o:insetmode="auto">'
        '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>'
        '<o:lock v:ext="edit" rotation="t"/>'
        '<v:textbox style="mso-direction-alt:auto" o:singleclick="f"><div style="text-align:center">'
        f'<font face="Calibri" size="220" color="#000000">{escape(L.REFRESH_BUTTON_CAPTION)}</font></div>'
        '</v:textbox>'
        '<x:ClientData ObjectType="Button">'
        f'<x:Anchor>{", ".join(str(v) for v in anchor)}</x:Anchor>'
        '<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>'
        f'<x:FmlaMacro>[0]!{L.REFRESH_BUTTON_MACRO}</x:FmlaMacro>'
        '<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign>'
        '</x:ClientData></v:shape></xml>'
    )


def add_refresh_button(wb, ws) -> None:
    """Put the button's VML part in the workbook and link it from the Cover (``<legacyDrawing>``).

    openpyxl writes a sheet's ``legacy_drawing`` relationship and copies the part itself from the
    workbook's kept VBA archive (what it does for a loaded .xlsm's form controls, and why an
    openpyxl load-and-save - ``hnb-xl refresh`` - keeps the button byte for byte)."""
    if wb.vba_archive is None:
        raise ValueError("the Cover's button needs the macro workbook (openpyxl keep_vba=True)")
    wb.vba_archive.writestr(L.REFRESH_BUTTON_VML, button_vml(ws).encode("utf-8"))
    ws.legacy_drawing = L.REFRESH_BUTTON_VML
