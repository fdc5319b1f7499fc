"""Load a workbook with openpyxl for a refresh, keeping each merged range's cells as the file has them.

openpyxl's reader turns every merged range into merged cells as it loads: it replaces each cell
of the range but the top-left one with a ``MergedCell`` and copies the top-left cell's borders onto
the edge ones (``openpyxl.worksheet._reader.WorksheetReader.bind_merged_cells``, then
``Worksheet._clean_merge_range`` and ``MergedCellRange.format``). On the bundled workbook (97
merged ranges: the placement tables' and the agreement's Basis cells) that was a third of every
refresh's load (cProfile over the test suite: 68.5 s of 204.6 s in openpyxl's ``load_workbook``).

A refresh never writes inside a merged range, and the cells the file holds there already carry
their borders (openpyxl wrote them all; Excel writes those it styled), so :func:`load` registers
the merged ranges and leaves the cells as read: a workbook openpyxl wrote saves the same
(``tests/test_refresh_load.py`` compares every part of a workbook saved after each load). The one
difference: where a range's top-left cell has a border and the file lacks the cells on the range's
edge, openpyxl would add those cells with the border copied; they stay as the file had them.
The reader's method is swapped only while :func:`load` reads, under a lock, and put back after,
failure or not (openpyxl is pinned: setup.cfg).
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

_LOCK = threading.Lock()


def _bind_merged_ranges(self) -> None:
    """``WorksheetReader.bind_merged_cells`` leaving the cells the file has in each range as read; a
    cell of a range the file does not have becomes a ``MergedCell`` as there (so the sheet's bounds
    are openpyxl's), without borders copied onto it."""
    from openpyxl.cell.cell import MergedCell
    from openpyxl.worksheet.cell_range import MultiCellRange
    from openpyxl.worksheet.merge import MergedCellRange
    if not self.parser.merged_cells:
        return
    ranges, cells = [], self.ws._cells
    for cr in self.parser.merged_cells.mergeCell:
        mcr = MergedCellRange(self.ws, cr.ref)
        for row, col in mcr.cells:
            if (row, col) not in cells:
                cells[row, col] = MergedCell(self.ws, row, col)
        ranges.append(mcr)
    self.ws.merged_cells = MultiCellRange(ranges)


@contextlib.contextmanager
def _merged_ranges_as_read():
    from openpyxl.worksheet._reader import WorksheetReader
    with _LOCK:
        original = WorksheetReader.bind_merged_cells
        WorksheetReader.bind_merged_cells = _bind_merged_ranges
        try:
            yield
        finally:
            WorksheetReader.bind_merged_cells = original


def load(path: Path, *, keep_vba: bool):
    """``openpyxl.load_workbook(path, keep_vba=keep_vba)`` with each merged range's cells as read."""
    from openpyxl import load_workbook
    with _merged_ranges_as_read():
        return load_workbook(path, keep_vba=keep_vba)
