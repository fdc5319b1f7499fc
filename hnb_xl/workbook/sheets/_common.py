"""Helpers for the calculation sheets: labelled rows with one formula along each row."""

from __future__ import annotations

from typing import Callable

from .. import layout as L
from .. import styles as S

# what a cross-check cell shows when Excel does not know the HNB_ functions (Python not set up):
# IFERROR(HNB_X(...), NOT_LOADED) on the calculation sheets, and the Checks sheet's cross-checks
NOT_LOADED = "UDFs not loaded"


def label(ws, row: int, text: str, unit: str = "", bold: bool = False) -> None:
    ws.cell(row, 1, text).font = S.BOLD if bold else S.LABEL_FONT
    if unit:
        ws.cell(row, 2, unit).font = S.UNITS_FONT


def fill_row(ws, row: int, cols: range, formula: Callable[[str, str], str], fmt: str | None = None) -> None:
    """Write ``formula(this_col_letter, previous_col_letter)`` in every column of ``cols``."""
    for c in cols:
        cell = ws.cell(row, c, formula(L.col(c), L.col(c - 1)))
        if fmt:
            cell.number_format = fmt


def scalar_rows(ws, ctx, sheet: str, rows: dict, value_col: int, items) -> None:
    """One labelled value per row. ``items``: (key, label, unit, formula, number format, defined
    name or None); ``rows[key]`` is the row, ``value_col`` the column of the formula."""
    for key, text, unit, formula, fmt, name in items:
        ws.cell(rows[key], 1, text)
        ws.cell(rows[key], 2, unit).font = S.UNITS_FONT
        ws.cell(rows[key], value_col, formula).number_format = fmt
        if name:
            ctx.define(name, L.absref(sheet, value_col, rows[key]))


def calc_sheet(wb, name: str, title: str, subtitle: str):
    ws = wb.create_sheet(name)
    S.title(ws, L.TITLE_CELL, title, subtitle)
    ws.column_dimensions["A"].width = 62             # the longest label in full
    ws.column_dimensions["B"].width = 16
    ws.freeze_panes = L.CALC_FREEZE_CELL
    return ws


def used_print_area(ctx, sheet: str) -> str:
    """``sheet``'s print area over the rows and year columns the build's tables fill
    (:func:`hnb_xl.workbook.layout.used_print_areas`)."""
    return L.used_print_areas(len(ctx.history), len(ctx.assumptions), len(ctx.schools))[sheet]


def blank_unused_columns(ws, rows, cols: range, flag_row: int) -> None:
    """Every formula in ``rows`` x ``cols`` shows blank in a column whose flag (row ``flag_row``
    of the same column) is not 1: ``=X`` becomes ``=IF(<flag>=1,X,"")``. The capacity columns past
    the last year then print nothing (never £0, a growing total or an error), and the used columns
    compute exactly what they did."""
    for r in rows:
        for c in cols:
            cell = ws.cell(r, c)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.value = f'=IF({L.col(c)}${flag_row}=1,{cell.value[1:]},"")'


def hide_unused_columns(ws, rows, cols: range, flag_row: int) -> None:
    """Show nothing in ``rows`` x ``cols`` where the column's flag (row ``flag_row``) is not 1, by a
    conditional number format ``;;;`` (the value stays; only its display goes). For cells that must
    keep their formula as it is, such as a bare ``IFERROR(HNB_X(...), ...)`` that the verification's
    recalculation computes in Python, and for the period and flag rows the others read."""
    first = L.col(cols.start)
    for r in rows:
        ws.conditional_formatting.add(f"{first}{r}:{L.col(cols.stop - 1)}{r}", _hiding_rule(f"{first}${flag_row}<>1"))


def hide_unused_rows(ws, column: int, rows: range, key_column: int) -> None:
    """Show nothing in ``column`` on the rows of ``rows`` whose key cell (same row, ``key_column``)
    is blank, by the conditional number format of :func:`hide_unused_columns`."""
    c, key = L.col(column), L.col(key_column)
    ws.conditional_formatting.add(f"{c}{rows.start}:{c}{rows.stop - 1}", _hiding_rule(f'${key}{rows.start}=""'))


def hide_when_blank(ws, rows, cols: range, key_col: int, key_row: int) -> None:
    """Show nothing in ``rows`` x ``cols`` while the one key cell (``key_col``, ``key_row``) is blank,
    e.g. the calculation rows of a workstream row left empty (the Safety_Valve's unused capacity),
    by the conditional number format of :func:`hide_unused_columns`."""
    condition = f'${L.col(key_col)}${key_row}=""'
    for r in rows:
        ws.conditional_formatting.add(f"{L.col(cols.start)}{r}:{L.col(cols.stop - 1)}{r}", _hiding_rule(condition))


def _hiding_rule(condition: str):
    """A conditional format that shows nothing (number format ``;;;``) where ``condition`` holds."""
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles.differential import DifferentialStyle
    from openpyxl.styles.numbers import NumberFormat
    return Rule(type="expression", formula=[condition],
                dxf=DifferentialStyle(numFmt=NumberFormat(numFmtId=S.HIDDEN_ID, formatCode=S.HIDDEN)))
