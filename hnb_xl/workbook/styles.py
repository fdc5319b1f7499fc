"""Cell styles of the bundled workbook: one input style, one calculation style, headings, formats.

Convention (FAST / ICAEW): inputs are blue on pale yellow and nothing else is; calculations are
black; checks green/red by value; money in £ with thousands separators (£000 and £m only through
number formats, never by dividing).
"""

from __future__ import annotations

import weakref

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray

INPUT_FONT = Font(name="Calibri", size=11, color="0000CC")
INPUT_FILL = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
TITLE_FONT = Font(name="Calibri", size=16, bold=True, color="1F3864")
HEADING_FONT = Font(name="Calibri", size=12, bold=True, color="1F3864")
HEADER_FONT = Font(name="Calibri", size=11, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", start_color="1F3864", end_color="1F3864")
UNITS_FONT = Font(name="Calibri", size=10, italic=True, color="595959")
NOTE_FONT = Font(name="Calibri", size=10, color="595959")
BOLD = Font(name="Calibri", size=11, bold=True)
LABEL_FONT = Font(name="Calibri", size=11)
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
TOP_RIGHT = Alignment(horizontal="right", vertical="top")
RIGHT = Alignment(horizontal="right")      # text (a year label) aligned with the numbers under or beside it

# number formats
GBP = '£#,##0;-£#,##0;£0'
GBP_000 = '#,##0,;-#,##0,;0'          # £000 shown by the format (value stays in pounds)
GBP_M = '#,##0.0,,;-#,##0.0,,;0.0'    # £m to one decimal, by the format
COUNT = '#,##0'
PCT = '0.0%'
PCT2 = '0.00%'
RATE = '0.000000'
TEXT = '@'
FRACTION_OR_GBP = '[<=1]0.0%;£#,##0'     # a workstream amount: a fraction off a driver (30.0%) or pounds a year
HIDDEN = ';;;'                         # shows nothing (conditional formats hide unused capacity)
HIDDEN_ID = 400                       # its number-format id in a conditional format (custom ids start at 164; the cells' stay far below)

# the input cells' format per column kind is data on the column: hnb_xl.tables.cells.KIND_RULES /
# Column.number_format (the Inputs sheet reads it there)


LINE_HEIGHT = 15                       # points per line of 11-point Calibri


def lines(text: str, width: int) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` characters wide (a word-wrap
    estimate: openpyxl cannot measure text, and neither Excel nor LibreOffice resizes a row that
    openpyxl wrote). Used to give wrapped cells their row height, so rows never overlap."""
    import textwrap
    return max(1, sum(len(textwrap.wrap(part, max(1, int(width * 1.25)))) or 1 for part in str(text).split("\n")))


_INPUT_STYLE_IDS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # workbook -> {format: ids}


def input_cell(c, number_format: str | None = None) -> None:
    """The input style (blue on pale yellow, boxed) and ``number_format`` on cell ``c``.

    The first input cell of a workbook with a given format registers the font, fill, border and
    format in the workbook's style lists; every later one takes the same four indices. (Assigning
    ``c.font`` and the rest makes openpyxl hash each style object to find its index: that was 40% of
    a build, on 7,211 input cells.) The saved file is the same either way."""
    ids = _INPUT_STYLE_IDS.setdefault(c.parent.parent, {})
    known = ids.get(number_format or None)
    if known is None:
        c.font = INPUT_FONT
        c.fill = INPUT_FILL
        c.border = BOX
        if number_format:
            c.number_format = number_format
        s = c._style
        ids[number_format or None] = (s.fontId, s.fillId, s.borderId, s.numFmtId if number_format else None)
        return
    if c._style is None:
        c._style = StyleArray()
    s = c._style
    s.fontId, s.fillId, s.borderId = known[:3]
    if known[3] is not None:
        s.numFmtId = known[3]


def header_cell(c) -> None:
    c.font = HEADER_FONT
    c.fill = HEADER_FILL
    c.alignment = Alignment(wrap_text=True, vertical="center")


def title(ws, cell: str, text: str, subtitle: str | None = None) -> None:
    ws[cell] = text
    ws[cell].font = TITLE_FONT
    if subtitle:
        from openpyxl.utils.cell import coordinate_from_string
        letter, row = coordinate_from_string(cell)
        ws[f"{letter}{row + 1}"] = subtitle
        ws[f"{letter}{row + 1}"].font = NOTE_FONT


def heading(c, text: str) -> None:
    c.value = text
    c.font = HEADING_FONT


def note(c, text: str) -> None:
    c.value = text
    c.font = NOTE_FONT


def print_setup(ws, area: str, landscape: bool = True, pages_tall: int = 0) -> None:
    """Fit to one page wide (``pages_tall`` pages tall, 0 = as many as needed) so PDF pages stay readable."""
    ws.print_area = area
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = pages_tall
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
