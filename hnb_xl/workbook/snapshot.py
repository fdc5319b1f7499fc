"""A workbook read once, for reading only: every cell's value (formulas as their text), the defined
names and the table names, without openpyxl's styles and merged cells.

Who reads a workbook without changing it (``hnb-xl check``, ``verify``, ``report``, ``pack``,
``template --from``) needs only values, formulas and names. openpyxl's full load also builds every
cell's style and turns each merged range into merged cells, which the readers never look at:
measured by ``benchmarks/bench_snapshot.py``, 0.51 s for the full load of the bundled workbook and
0.25 s for this reading (2.0x); 2.07 s and 1.43 s with 5,000 schools. Values are those of a full
load, cell for cell: the same openpyxl sheet parser (``openpyxl.worksheet._reader.WorkSheetParser``,
what its read-only mode uses), with the same shared strings, epoch and date formats;
``tests/test_snapshot.py`` compares the two on the bundled workbook and on another council's.

The objects answer the part of openpyxl's workbook and worksheet interface the readers use
(``sheetnames``, ``worksheets``, ``wb[sheet]``, ``defined_names``; a sheet's ``cell(row, column)``,
``ws["B7"]``, ``max_row``, ``max_column``, ``iter_rows``, ``_cells``, ``defined_names``, ``tables``), so
code written for an openpyxl workbook reads a snapshot unchanged. A value set on a snapshot
(``ws["B7"] = 5``, a recalculation's perturbation) changes the snapshot in memory only: nothing
here ever writes a file, and a command that changes the workbook loads it with openpyxl.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from xml.etree import ElementTree

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


def read_workbook(path: str | Path, *, data_only: bool = False) -> WorkbookSnapshot:
    """The workbook at ``path`` as a :class:`WorkbookSnapshot`. ``data_only``: each formula cell's
    value as last calculated and saved (openpyxl's ``data_only``) instead of its formula. Raises what
    openpyxl's ``load_workbook`` raises for a file that is not a workbook."""
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser

    wb = load_workbook(path, read_only=True, data_only=data_only)
    try:
        archive = wb._archive
        parts = set(archive.namelist())
        sheets = []
        for ws in wb.worksheets:
            cells: dict[tuple[int, int], CellValue] = {}
            with ws._get_source() as src:
                parser = WorkSheetParser(src, ws._shared_strings, data_only=data_only, epoch=wb.epoch,
                                         date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
                for _, row in parser.parse():
                    for c in row:
                        cells[(c["row"], c["column"])] = CellValue(c["row"], c["column"], c["value"])
            tables = _table_names(archive, parts, ws._worksheet_path)
            sheets.append(SheetSnapshot(ws.title, cells, ws.defined_names, tables))
        return WorkbookSnapshot(sheets, list(wb.sheetnames), wb.defined_names, wb.epoch)
    finally:
        wb.close()
