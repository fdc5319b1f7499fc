"""A workbook read once, for reading only: every cell's value (formulas as their text), the defined
names and the table names, without openpyxl's styles and merged cells.

Who reads a workbook without changing it (``hnb-xl check``, ``verify``, ``report``, ``pack``,
``template --from``) needs only values, formulas and names. openpyxl's full load also builds every
cell's style and turns each merged range into merged cells, which the readers never look at. The
workbook part, shared strings, date formats, epoch and names come from openpyxl's read-only load;
each worksheet's XML is parsed here (:func:`_sheet_cells`: ElementTree's C parser a piece at a time,
the common cells read with little Python work each, the rarer ones by openpyxl's own
``WorkSheetParser.parse_cell``). Measured by ``benchmarks/bench_snapshot.py`` (best of four runs of
``--repeat 9``, on a shared and noisy machine): the bundled workbook, 0.49 s for the full load and
0.11 s for this reading (0.19 s when every sheet went through openpyxl's read-only sheet parser,
``openpyxl.worksheet._reader.WorkSheetParser``); with 5,000 schools, 2.21 s and 0.56 s (1.57 s).
Values are those of that sheet parser, cell for cell and of the same types (and so of a full load),
with the same shared strings, epoch and date formats; ``tests/test_snapshot.py`` compares the
snapshot with openpyxl's full load and with its sheet parser on the bundled workbook, another
council's, and small workbooks of every kind of cell.

The objects answer the part of openpyxl's workbook and worksheet interface the readers use
(``sheetnames``, ``worksheets``, ``wb[sheet]``, ``defined_names``; a sheet's ``cell(row, column)``,
``ws["B7"]``, ``max_row``, ``max_column``, ``iter_rows``, ``_cells``, ``defined_names``, ``tables``), so
code written for an openpyxl workbook reads a snapshot unchanged. A value set on a snapshot
(``ws["B7"] = 5``, a recalculation's perturbation) changes the snapshot in memory only: nothing
here ever writes a file, and a command that changes the workbook loads it with openpyxl.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from .collector import paused

_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TABLE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"


class CellValue:
    """One cell as read: its value (a formula as its text, "=..."; an array formula as openpyxl's
    ``ArrayFormula``) and its position."""

    __slots__ = ("row", "column", "value")

    def __init__(self, row: int, column: int, value):
        self.row, self.column, self.value = row, column, value

    @property
    def coordinate(self) -> str:
        from openpyxl.utils import get_column_letter
        return f"{get_column_letter(self.column)}{self.row}"


class SheetSnapshot:
    """One worksheet's cells as read. ``_cells`` holds every cell the file writes, with or without a
    value (a styled empty cell counts, as in openpyxl's full load, so ``max_row`` and ``max_column``
    are the same); ``cell`` never adds one."""

    def __init__(self, title: str, cells: dict[tuple[int, int], CellValue], defined_names, tables: dict):
        self.title = title
        self._cells = cells
        self.defined_names = defined_names
        self.tables = tables
        self._bounds: tuple[int, int, int, int] | None = None     # worked out at the first read

    def _extent(self) -> tuple[int, int, int, int]:
        """(min_row, min_column, max_row, max_column) of the cells, (1, 1, 1, 1) for none (openpyxl's).
        Worked out once, again after a cell is set (a refresh plan reads the bounds for every table
        it reads: 2,513 times in one run of the test suite)."""
        if self._bounds is None:
            if not self._cells:
                self._bounds = (1, 1, 1, 1)
            else:
                rows, cols = zip(*self._cells)
                self._bounds = (min(rows), min(cols), max(rows), max(cols))
        return self._bounds

    min_row = property(lambda self: self._extent()[0])
    min_column = property(lambda self: self._extent()[1])
    max_row = property(lambda self: self._extent()[2])
    max_column = property(lambda self: self._extent()[3])

    def cell(self, row: int, column: int) -> CellValue:
        got = self._cells.get((row, column))
        return got if got is not None else CellValue(row, column, None)

    def __getitem__(self, coordinate: str) -> CellValue:
        from openpyxl.utils.cell import coordinate_from_string, column_index_from_string
        col, row = coordinate_from_string(coordinate)
        return self.cell(row, column_index_from_string(col))

    def __setitem__(self, coordinate: str, value) -> None:
        """Set one cell's value in this snapshot (in memory; the file is never written)."""
        cell = self[coordinate]
        cell.value = value
        self._cells[(cell.row, cell.column)] = cell
        self._bounds = None

    def iter_rows(self, min_row: int | None = None, max_row: int | None = None, min_col: int | None = None,
                  max_col: int | None = None, values_only: bool = False):
        """Rows of cells (or of values) as openpyxl's ``Worksheet.iter_rows`` gives them: from row 1 and
        column 1 to the last used ones unless told."""
        r0, r1 = min_row or 1, max_row or self.max_row
        c0, c1 = min_col or 1, max_col or self.max_column
        for r in range(r0, r1 + 1):
            cells = (self.cell(r, c) for c in range(c0, c1 + 1))
            yield tuple(c.value for c in cells) if values_only else tuple(cells)


class WorkbookSnapshot:
    """The workbook's worksheets (in the file's order), its defined names and its sheet names
    (chart sheets included, as openpyxl's ``sheetnames``)."""

    def __init__(self, sheets: list[SheetSnapshot], sheetnames: list[str], defined_names, epoch):
        self.worksheets = sheets
        self.sheetnames = sheetnames
        self.defined_names = defined_names
        self.epoch = epoch
        self._by_title = {ws.title: ws for ws in sheets}

    def __getitem__(self, title: str) -> SheetSnapshot:
        try:
            return self._by_title[title]
        except KeyError:
            raise KeyError(f"Worksheet {title} does not exist.") from None

    def __contains__(self, title: str) -> bool:
        return title in self._by_title

    def __iter__(self):
        return iter(self.worksheets)

    def close(self) -> None:
        """Nothing to close (the file was read whole and closed); openpyxl's interface has it."""


def _table_names(archive: zipfile.ZipFile, parts: set[str], sheet_path: str) -> dict[str, str]:
    """{table name: its range} of the tables a worksheet part relates to (its _rels file), as openpyxl's
    full load keys ``ws.tables``; ``parts``: the archive's part names."""
    folder, name = posixpath.split(sheet_path)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in parts:
        return {}
    out = {}
    for rel in ElementTree.fromstring(archive.read(rels)).iter(f"{_REL_NS}Relationship"):
        if rel.get("Type") != _TABLE_REL:
            continue
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        if part in parts:
            root = ElementTree.fromstring(archive.read(part))
            out[root.get("name") or root.get("displayName") or part] = root.get("ref", "")
    return out


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"   # openpyxl's SHEET_MAIN_NS
_ROW = _MAIN_NS + "row"
_CELL = _MAIN_NS + "c"
_VALUE = _MAIN_NS + "v"
_FORMULA = _MAIN_NS + "f"
_INLINE = _MAIN_NS + "is"
_TEXT = _MAIN_NS + "t"
_DIGITS = "0123456789"
_CHUNK = 1 << 14                      # bytes of a sheet's XML parsed at a time (as openpyxl's iterparse reads)


class _Irregular(Exception):
    """A row with a child that is not a ``<c>``: the sheet is read by openpyxl's own parser instead
    (:func:`_openpyxl_cells`)."""


def _openpyxl_cells(data: bytes, shared_strings, data_only: bool, epoch, date_formats,
                    timedelta_formats) -> dict[tuple[int, int], CellValue]:
    """The cells of one worksheet part (its XML) as openpyxl's read-only mode reads them: its own
    sheet parser (``openpyxl.worksheet._reader.WorkSheetParser.parse``), cell for cell, which is how
    every sheet was read before :func:`_sheet_cells`. What that falls back to for a sheet it does not
    read itself (a row with a child that is not a cell)."""
    from openpyxl.worksheet._reader import WorkSheetParser
    cells: dict[tuple[int, int], CellValue] = {}
    parser = WorkSheetParser(io.BytesIO(data), shared_strings, data_only=data_only, epoch=epoch,
                             date_formats=date_formats, timedelta_formats=timedelta_formats)
    for _, row in parser.parse():
        for c in row:
            cells[(c["row"], c["column"])] = CellValue(c["row"], c["column"], c["value"])
    return cells


def _row_number(r: str) -> int:
    """A row's ``r`` that ``int`` refuses, as openpyxl reads it (``openpyxl.worksheet._reader.
    WorkSheetParser.parse_row``): a float that is a whole number, else ValueError."""
    val = float(r)
    if val.is_integer():
        return int(val)
    raise ValueError(f"{r} is not a valid row number")


def _ended_rows(data: bytes):
    """Each ``{main}row`` element of a worksheet part (its XML) when its end tag is parsed: the rows
    openpyxl's parser reads, in its order (``openpyxl.worksheet._reader.WorkSheetParser.parse``:
    ``iterparse``'s end events, a row element anywhere in the part), each cleared once read as that
    clears it. Parsed a piece at a time (``xml.etree.ElementTree.XMLPullParser``, C-accelerated), so
    only the row being read is in memory."""
    pull = ElementTree.XMLPullParser(events=("end",))

    def ended():
        view = memoryview(data)
        for start in range(0, len(view), _CHUNK):
            pull.feed(view[start:start + _CHUNK])
            yield from pull.read_events()
        pull.close()
        yield from pull.read_events()

    for _, element in ended():
        if element.tag == _ROW:
            yield element
            element.clear()


def _sheet_cells(data: bytes, shared_strings, data_only: bool, epoch, date_formats,
                 timedelta_formats) -> dict[tuple[int, int], CellValue]:
    """The cells of one worksheet part (its XML), exactly as openpyxl's sheet parser reads them: the
    rows of :func:`_ended_rows` read by :func:`_rows_cells`; a sheet with a row child that is not a
    cell is read again, whole, by openpyxl's parser (:func:`_openpyxl_cells`; a warning openpyxl gave
    for a cell of its rows read before, a date out of range, is then given twice)."""
    args = (shared_strings, data_only, epoch, date_formats, timedelta_formats)
    try:
        return _rows_cells(_ended_rows(data), *args)
    except _Irregular:
        return _openpyxl_cells(data, *args)


def _rows_cells(rows, shared_strings, data_only: bool, epoch, date_formats,
                timedelta_formats) -> dict[tuple[int, int], CellValue]:
    """{(row, column): cell} of ``rows`` (row elements, in order), as openpyxl's sheet parser reads
    them (``openpyxl.worksheet._reader.WorkSheetParser``: ``parse_row``, ``parse_cell``,
    ``parse_formula``, and ``_cast_number``), with less Python work for each cell.

    As openpyxl: a row's number is its ``r`` (an int, or a float that is a whole number), else the
    row before's plus one; every child of a row is a cell (here: raises :class:`_Irregular` for a
    child that is not a ``{main}c``); a cell's place is its ``r`` (``coordinate_to_tuple``: the
    letters before its first digit, the digits from there), else the next column of its row; a later
    cell at the same place replaces the earlier one's value and keeps its place in the dict; a
    cell's formula, value and inline string are its first ``{main}f``, ``{main}v`` and ``{main}is``
    child; its style is int() of a non-empty ``s`` (else 0), looked up once for each ``s``.

    Read here, as ``parse_cell`` reads them: a cell without a child (None, whatever its type or
    style), a formula without a type when ``data_only`` is false ("=" + its text), an empty or
    missing ``<v>`` (None), a number (t="n" or none: int unless the text has ".", "E" or "e", then
    float) in a style that is not a date format, a shared string (t="s": the workbook's list by
    index, as openpyxl loaded it), a boolean (t="b": ``bool(int(text))``), a string (t="str",
    t="e" and any other type: the text as written), an inline string of one plain ``<t>`` (its
    text; ``Text.content``). Every other cell (a number in a date or timedelta style, t="d", a
    shared, array or data-table formula or one of another type, any other inline string) is read
    by openpyxl's own ``WorkSheetParser.parse_cell``, given the same row and column counters, so it
    reads as openpyxl reads it; one such parser per sheet, so a shared formula's dependants are
    translated from its master cell (``openpyxl.formula.translate.Translator``) as openpyxl does.

    Unlike openpyxl's parser, the parts of a sheet that are not its cells (conditional formats,
    data validations, page setup, extensions) are not read here: their warnings (an unsupported
    extension) and their errors (a malformed one) do not arise."""
    from openpyxl.utils.cell import coordinate_to_tuple
    cells: dict[tuple[int, int], CellValue] = {}
    styles: dict[str | None, bool] = {}     # a cell's s: is its style in the date formats (timedelta ones too)
    columns: dict[str, int] = {}            # column letters (ASCII letters only) -> column number
    parser = None                           # openpyxl's, for the cells it reads (made at the first)
    row_counter = 0
    for row in rows:
        if len(row) != len(row.findall(_CELL)):
            raise _Irregular
        digits = row.get("r")
        if digits is None:
            row_counter += 1
        else:
            try:
                row_counter = int(digits)
            except ValueError:
                row_counter = _row_number(digits)
            if not (digits.isascii() and digits.isdigit()):
                digits = None               # a cell's r is then split by its letters only
        width = len(digits) if digits else 0
        col_counter = 0
        for c in row:
            s = c.get("s")
            try:
                dated = styles[s]
            except KeyError:
                style_id = 0 if s is None else s
                if style_id:
                    style_id = int(style_id)          # raises for an s int() refuses, as openpyxl
                dated = styles[s] = style_id in date_formats
            before = col_counter
            r = c.get("r")
            if r:
                # r = letters + this row's digits (letters known): r's row is this row's number
                if digits and r.endswith(digits) and (column := columns.get(r[:-width])) is not None:
                    row_number = row_counter
                else:
                    letters = r.rstrip(_DIGITS)
                    column = columns.get(letters)
                    if column is None:
                        row_number, column = coordinate_to_tuple(r)
                        if letters.isascii() and letters.isalpha():
                            columns[letters] = column  # r was letters + digits: split at its first digit
                    else:
                        try:
                            row_number = int(r[len(letters):])
                        except ValueError:             # r is letters only: coordinate_to_tuple's error
                            row_number, column = coordinate_to_tuple(r)
                col_counter = column
            else:
                col_counter += 1
                row_number, column = row_counter, col_counter

            # the first <f>, <v> and <is> children, as Element.find finds them
            kids = len(c)
            if not kids:
                cells[(row_number, column)] = CellValue(row_number, column, None)
                continue
            ftag = vtag = itag = None
            if kids == 1:
                ftag = c[0]
                tag = ftag.tag
                if tag != _FORMULA:
                    if tag == _VALUE:
                        vtag = ftag
                    elif tag == _INLINE:
                        itag = ftag
                    ftag = None
            elif kids == 2:
                ftag, vtag = c
                if ftag.tag != _FORMULA or vtag.tag != _VALUE:
                    ftag, vtag, itag = c.find(_FORMULA), c.find(_VALUE), c.find(_INLINE)
            else:
                ftag, vtag, itag = c.find(_FORMULA), c.find(_VALUE), c.find(_INLINE)

            theirs = False                             # read by openpyxl's parse_cell
            if ftag is not None and not data_only:
                if ftag.get("t") is None:
                    text = ftag.text
                    value = "=" if text is None else "=" + text
                else:
                    theirs = True
            elif (t := c.get("t")) == "inlineStr":
                if itag is None:
                    value = None
                elif len(itag) == 1 and itag[0].tag == _TEXT and not itag.attrib:
                    value = itag[0].text or ""         # Text(t=...).content
                else:
                    theirs = True
            else:
                value = None if vtag is None else (vtag.text or None)
                if value is None:
                    pass
                elif t is None or t == "n":
                    if dated:
                        theirs = True
                    elif "." in value or "E" in value or "e" in value:
                        value = float(value)
                    else:
                        value = int(value)
                elif t == "s":
                    value = shared_strings[int(value)]
                elif t == "b":
                    value = bool(int(value))
                elif t == "d":
                    theirs = True
            if theirs:
                if parser is None:
                    from openpyxl.worksheet._reader import WorkSheetParser
                    parser = WorkSheetParser(None, shared_strings, data_only=data_only, epoch=epoch,
                                             date_formats=date_formats, timedelta_formats=timedelta_formats)
                parser.row_counter, parser.col_counter = row_counter, before
                got = parser.parse_cell(c)
                row_number, column, value = got["row"], got["column"], got["value"]
                col_counter = parser.col_counter
            cells[(row_number, column)] = CellValue(row_number, column, value)
    return cells


def read_workbook(path: str | Path, *, data_only: bool = False) -> WorkbookSnapshot:
    """The workbook at ``path`` as a :class:`WorkbookSnapshot`. ``data_only``: each formula cell's
    value as last calculated and saved (openpyxl's ``data_only``) instead of its formula. Raises what
    openpyxl's ``load_workbook`` raises for a file that is not a workbook.

    The workbook, its sheets, shared strings, date formats, epoch and names are openpyxl's read-only
    load; each worksheet's cells are :func:`_sheet_cells`. The cyclic garbage collector is paused
    while the workbook is read (:func:`.collector.paused`): the reading makes hundreds of thousands
    of objects (XML elements, cells) and the collector's passes over the cells, which all live until
    the end, were about a third of the reading time (``benchmarks/bench_snapshot.py``'s workbooks)."""
    from openpyxl import load_workbook

    with paused():
        wb = load_workbook(path, read_only=True, data_only=data_only)
        try:
            archive = wb._archive
            parts = set(archive.namelist())
            sheets = []
            for ws in wb.worksheets:
                cells = _sheet_cells(archive.read(ws._worksheet_path), ws._shared_strings, data_only,
                                     wb.epoch, wb._date_formats, wb._timedelta_formats)
                tables = _table_names(archive, parts, ws._worksheet_path)
                sheets.append(SheetSnapshot(ws.title, cells, ws.defined_names, tables))
            return WorkbookSnapshot(sheets, list(wb.sheetnames), wb.defined_names, wb.epoch)
        finally:
            wb.close()
