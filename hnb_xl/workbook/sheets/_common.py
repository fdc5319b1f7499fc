"""Helpers for the calculation sheets: labelled rows with one formula along each row."""

from __future__ import annotations

from typing import Callable

from .. import layout as L
from .. import styles as S


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
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 16
    ws.freeze_panes = L.CALC_FREEZE_CELL
    return ws
