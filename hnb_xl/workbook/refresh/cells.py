"""The two sides of a refresh that touch cells: reading the workbook and applying the planned writes.

:mod:`hnb_xl.workbook.refresh` plans a refresh ONCE (collect, validate, diff, Logs rows, Cover
time) as a list of :class:`TableWrite` rectangles, reading cells only through a "cells" object:

* :class:`OpenpyxlCells` / :func:`write_openpyxl`: a workbook file (the CLI; saved atomically by refresh);
* :class:`XlwingsCells` / :func:`write_xlwings`: the workbook open in Excel (the Cover's button,
  through ``xlwings.Book.caller()``): one bulk ``Range.value`` per rectangle, never one COM call per cell.

Text stays text on both sides. openpyxl: the cell's data type is set to string. Excel (COM): a
value assigned to a cell is parsed as if typed, so ``=HYPERLINK(..)``, ``+cmd|..``, ``-2+3`` and
``@SUM(..)`` would become formulas, ``2021-22`` a date and ``00123`` a number. Before the bulk write,
the cells that receive text get the number format ``"@"`` (Text), one call per run of text cells in
a column; Excel then stores whatever is assigned as text. Chosen over an apostrophe prefix because
the cell keeps exactly the source text (nothing to strip when read back by openpyxl, xlwings or
formulas), later typing into the cell stays text too, and it does not depend on Excel's
"transition formula entry" option, which changes how a leading apostrophe is treated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...tables.cells import write_text

TEXT_FORMAT = "@"


@dataclass
class TableWrite:
    """Write ``rows`` (a rectangle; None = blank) with its top-left cell at (``row``, ``col``) of ``sheet``."""
    sheet: str
    row: int
    col: int
    rows: list
    label: str = ""
    # (first row, last row, column, number format): cells whose text (e.g. TBC) becomes a number get
    # their column's format back (Excel: the Text format set for the text would otherwise stay)
    number_formats: list = field(default_factory=list)
    print_area: str | None = None     # the sheet's print area after the write (e.g. "A1:H40"), if it moves
    column_widths: dict = field(default_factory=dict)   # column number -> width (characters), if they move

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), max((len(r) for r in self.rows), default=0)


# ---------------------------------------------------------------------------------------------- openpyxl

class OpenpyxlCells:
    """Read access to an openpyxl workbook or a :mod:`hnb_xl.workbook.snapshot` of one (never creates
    cells below the sheet's last row)."""

    def __init__(self, wb):
        self.wb = wb

    @property
    def sheetnames(self) -> list[str]:
        return list(self.wb.sheetnames)

    def read(self, sheet: str, row: int, col: int, nrows: int, ncols: int) -> list[list]:
        ws = self.wb[sheet]
        have = max(0, min(nrows, ws.max_row - row + 1))
        out = [[ws.cell(row + i, col + j).value for j in range(ncols)] for i in range(have)]
        return out + [[None] * ncols for _ in range(nrows - have)]

    def last_row(self, sheet: str) -> int:
        """The last used row, 0 for an empty sheet."""
        ws = self.wb[sheet]
        return ws.max_row if any(c.value is not None for c in ws._cells.values()) else 0

    def last_col(self, sheet: str) -> int:
        """The last used column (as far as the sheet's cells reach; 1 for an empty sheet)."""
        return self.wb[sheet].max_column


def write_openpyxl(wb, writes: list[TableWrite]) -> None:
    from openpyxl.utils import get_column_letter
    for w in writes:
        ws = wb[w.sheet] if w.sheet in wb.sheetnames else wb.create_sheet(w.sheet)
        for i, row in enumerate(w.rows):
            for j, v in enumerate(row):
                write_text(ws.cell(w.row + i, w.col + j), v)
        if w.print_area:
            ws.print_area = w.print_area
        for c, width in w.column_widths.items():
            ws.column_dimensions[get_column_letter(c)].width = width


# ---------------------------------------------------------------------------------------------- xlwings

def _from_excel(v):
    """Excel gives every number as a float: whole numbers back to int, as openpyxl reads them; an
    empty string is an empty cell."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None if v == "" else v


class XlwingsCells:
    """Read access to a workbook open in Excel (an ``xlwings.Book``): one bulk read per rectangle."""

    def __init__(self, book):
        self.book = book

    @property
    def sheetnames(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def read(self, sheet: str, row: int, col: int, nrows: int, ncols: int) -> list[list]:
        if nrows <= 0 or ncols <= 0:
            return []
        rng = self.book.sheets[sheet].range((row, col), (row + nrows - 1, col + ncols - 1))
        values = rng.options(ndim=2).value
        return [[_from_excel(v) for v in r] for r in values]

    def last_row(self, sheet: str) -> int:
        used = self.book.sheets[sheet].used_range
        last = used.last_cell.row
        if last == 1 and used.last_cell.column == 1 and used.value in (None, ""):
            return 0
        return last

    def last_col(self, sheet: str) -> int:
        """The used range's last column (1 for an empty sheet)."""
        return self.book.sheets[sheet].used_range.last_cell.column


def text_runs(w: TableWrite) -> list[tuple[int, int, int]]:
    """(first row, last row, column) of each vertical run of string values in ``w`` (absolute cells)."""
    runs = []
    nrows, ncols = w.shape
    for j in range(ncols):
        start = None
        for i in range(nrows + 1):
            is_text = i < nrows and j < len(w.rows[i]) and isinstance(w.rows[i][j], str)
            if is_text and start is None:
                start = i
            elif not is_text and start is not None:
                runs.append((w.row + start, w.row + i - 1, w.col + j))
                start = None
    return runs


def write_xlwings(book, writes: list[TableWrite]) -> int:
    """Apply ``writes`` to the open workbook: per rectangle, the Text format on its text cells
    (one call per run), then ONE bulk value assignment. Returns the number of value writes."""
    names = {s.name for s in book.sheets}
    n = 0
    for w in writes:
        if w.sheet not in names:
            book.sheets.add(w.sheet, after=book.sheets[len(book.sheets) - 1])
            names.add(w.sheet)
        sheet = book.sheets[w.sheet]
        for r1, r2, c in text_runs(w):
            sheet.range((r1, c), (r2, c)).number_format = TEXT_FORMAT
        for r1, r2, c, fmt in w.number_formats:
            sheet.range((r1, c), (r2, c)).number_format = fmt
        nrows, ncols = w.shape
        rows = [list(r) + [None] * (ncols - len(r)) for r in w.rows]
        if nrows:                                       # a print-area-only write has no values
            sheet.range((w.row, w.col), (w.row + nrows - 1, w.col + ncols - 1)).value = rows
        if w.print_area:
            sheet.page_setup.print_area = w.print_area     # xlwings' PageSetup (Windows and macOS alike)
        for col, width in w.column_widths.items():
            sheet.range((1, col), (1, col)).column_width = width      # sets the whole column's width
        n += 1
    return n
