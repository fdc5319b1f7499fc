"""Turn values as Excel sends them into engine inputs, and engine results into cell values.

What arrives (and is accepted):

* xlwings classic (Windows Excel over COM): numbers as floats, blank cells as None, a range as a
  list of lists (``ndim=2``), a single cell as a scalar, Excel errors as their text ("#N/A", with
  ``err_to_str``) or, without it, as COM error codes (-2146826246 ...), which are mapped to text here.
* Office.js custom functions / xlwings Lite: blank cells as 0 (or ""), whole numbers as int.
  A row whose cells are all blank or 0 is a blank row (an input table's trailing rows).
* the ``formulas`` package and tests: numpy arrays and numpy scalars.

Input tables come "as laid out in the workbook", header row first; headers are matched by
:func:`hnb_xl.tables.schema.normalise_header` (case, spaces, punctuation and a trailing "(unit)" ignored).
Row numbers in messages count from the top of the range: the header is row 1. Numbers are read
by the one grammar of :mod:`hnb_xl.tables.cells` (the same as a file cell's and a command-line
option's); a table is converted by the fast path of :mod:`hnb_xl.tables.fast` when it is plainly
valid, else by :func:`hnb_xl.tables.schema.to_frame`, which owns the messages.

No calculation here: conversion and validation only. Every problem raises
:class:`~hnb_xl.errors.HnbInputError` whose ``source`` is the argument's name.
"""

from __future__ import annotations

import math
from numbers import Number
from typing import NamedTuple

import pandas as pd

from ..errors import HnbInputError, HnbInputErrors
from ..tables.cells import (EXCEL_ERRORS, MONEY_CEILING, is_blank, narrowed, parse_financial_year, parse_number,  # noqa: F401
                           scalar, to_cell)
from ..tables.fast import Columns, blank_row, consecutive, fast_frame
from ..tables.schema import Schema, check_contiguous_years, to_frame
# re-exported for udfs (xa.Frozen, xa.frozen_arguments) and tests (xa.freeze, xa.EXCEL_ERRORS)
from .cache import LRU, Frozen, freeze, frozen, frozen_arguments  # noqa: F401

_blank_row = blank_row      # the names tests and benchmarks know
_fast_frame = fast_frame

MAX_MESSAGE = 255   # Excel cells (and xlwings classic) cope badly with longer strings


# ---------------------------------------------------------------- generic cell values

_PLAIN = (float, str, type(None))
_ROW_TYPES = frozenset({list, tuple})

def omitted(value) -> bool:
    """An optional argument left out (None) or pointing at one blank cell (None, "", or the 0
    that Office.js sends for a blank, when it arrives as a 1 x 1 range)."""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        if type(value) in (list, tuple) and (len(value) > 1 or (
                len(value) == 1 and type(value[0]) in (list, tuple) and len(value[0]) > 1)):
            return False                  # a range of several cells (no need to convert them all)
        rows = cells(value)
        return len(rows) == 1 and len(rows[0]) == 1 and is_blank(rows[0][0], zero_is_blank=True)
    return is_blank(value)


def cells(value) -> list[list]:
    """Any range-shaped argument as a list of rows: scalar -> [[v]], 1-D -> one row, 2-D as is."""
    if hasattr(value, "tolist"):          # numpy arrays (formulas package)
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return [[scalar(value)]]
    if not value:
        return []
    if set(map(type, value)) <= _ROW_TYPES:         # the usual case: rows of cells
        return [[v if type(v) in _PLAIN else scalar(v) for v in r] for r in value]
    if all(not isinstance(r, (list, tuple)) and not hasattr(r, "tolist") for r in value):
        return [[scalar(v) for v in value]]
    return [cells(r)[0] if isinstance(r, (list, tuple)) or hasattr(r, "tolist") else [scalar(r)] for r in value]


# ---------------------------------------------------------------- scalar arguments

def _one_cell(value, arg: str):
    rows = cells(value)
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    n = sum(len(r) for r in rows)
    raise HnbInputError(f"expected one cell, got a range of {n} cells", source=arg)



def number(value, arg: str, *, default=None, low: float | None = None, high: float | None = None,
           low_inclusive: bool = True, what: str = "an amount in pounds", kind: str | None = None) -> float:
    """A number from a cell or typed value, by the one grammar (:func:`hnb_xl.tables.cells.parse_number`):
    450000, 450000.0, "450,000", "GBP 450,000", "£450k", "(1,000)"; "0.5%" for a fraction.

    ``kind`` (a kind of :data:`~hnb_xl.tables.cells.KIND_RULES`) says which words the grammar
    allows; left out, it is "share" when ``what`` speaks of a fraction, "money_or_rate" when of a
    rate and an amount, else "signed_money" (an amount in pounds). ``low``/``high`` narrow the
    range (``low_inclusive=False``: more than ``low``). Blank (None, "") gives ``default``; a
    blank required argument is an error.
    """
    v = _one_cell(value, arg)
    if is_blank(v):
        if default is None:
            raise HnbInputError(f"is blank: expected {what}", source=arg)
        return float(default)
    if kind is None:
        kind = "share" if "fraction" in what and "pounds" not in what else \
            "money_or_rate" if "rate" in what and "pounds" in what else "signed_money"
    bounds = narrowed(kind, low, high)
    try:
        x = parse_number(v, bounds, what=what)
    except ValueError as exc:
        raise HnbInputError(str(exc), source=arg, value=v) from None
    if not low_inclusive and x == bounds.low:
        raise HnbInputError(f"expected {what} more than {bounds.low:g}, got {v!r}", source=arg, value=v)
    return x


def year(value, arg: str = "year") -> int:
    """A financial year's start year from "2022-23", "2022/23", 2022 or 2022.0, within the
    plausible years (:func:`hnb_xl.tables.cells.parse_financial_year`)."""
    v = _one_cell(value, arg)
    if is_blank(v):
        raise HnbInputError("is blank: expected a financial year such as 2022-23", source=arg)
    try:
        return parse_financial_year(v)
    except ValueError as exc:
        raise HnbInputError(str(exc), source=arg, value=v) from None


def text(value, arg: str) -> str | None:
    """A text argument; None when blank."""
    v = _one_cell(value, arg)
    return None if is_blank(v) else str(v).strip()


def flag(value, arg: str, *, default: bool = False) -> bool:
    """A yes/no argument: TRUE/FALSE, 1/0 (Office.js and typed numbers) or the words yes/no,
    true/false; blank or left out is ``default``."""
    v = _one_cell(value, arg)
    if is_blank(v):
        return default
    if type(v) is bool:
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.strip().lower() in ("true", "yes", "false", "no"):
        return v.strip().lower() in ("true", "yes")
    raise HnbInputError(f"expected TRUE or FALSE, got {v!r}", source=arg)


# ---------------------------------------------------------------- tables

TABLE_CACHE_SIZE = 32
_tables = LRU(TABLE_CACHE_SIZE)


def clear_table_cache() -> None:
    _tables.clear()


class Converted(NamedTuple):
    """An input table as converted once and remembered: shared, so read only."""
    frame: pd.DataFrame      # engine column names, validated; no attrs
    row_numbers: tuple       # each record's row in the range (the header's row is 1 when it is first)
    height: int              # the range's height
    columns: dict            # engine column name -> the frame's values (numpy array or list of text)


def converted(schema: Schema, value, arg: str) -> Converted:
    """An input table (header row first) converted and validated, remembered for later calls.

    Leading blank rows are skipped (the header is the first non-blank row); rows that are all
    blank, or all 0 (Office.js blanks), are skipped. The frame carries no ``attrs`` (pandas
    deep-copies them on every operation, which costs more than the engine's arithmetic).

    The last :data:`TABLE_CACHE_SIZE` tables are remembered keyed on their cell values, so many
    calls over the same input range (one per year, say) convert it once. What comes back is the
    remembered object itself, for callers that only read it: the UDF adapters hand the frame to
    engine functions, which never modify their inputs (tests/test_udfs.py checks the remembered
    frames stay as converted), and read single values from ``columns``, not the frame (a column
    of a new frame costs more than the conversion of its numbers). Use :func:`table` for a
    frame of your own.
    """
    try:
        key = (schema.name, arg, frozen(value))
    except Exception:  # noqa: BLE001 - unhashable cells: convert without the cache
        key = None
    hit = _tables.get(key) if key is not None else None
    if hit is None:
        hit = _convert_table(schema, value, arg)
        if key is not None:
            _tables.put(key, hit)
    return hit


def table(schema: Schema, value, arg: str) -> pd.DataFrame:
    """:func:`converted`'s frame as the caller's own (copy-on-write) copy."""
    return converted(schema, value, arg).frame.copy(deep=False)


def _convert_table(schema: Schema, value, arg: str) -> Converted:
    rows = _rows(value)
    start = 0
    while start < len(rows) and _blank_row(rows[start]):
        start += 1
    if start == len(rows):
        raise HnbInputError("is empty: expected the table with its header row", source=arg)
    headers = ["" if is_blank(h, zero_is_blank=True) else h for h in map(scalar, rows[start])]
    fast = fast_frame(schema, headers, rows[start + 1:], start + 2)
    if fast is not None:
        frame, numbers, columns = fast
        if schema.contiguous_years and not consecutive(columns["financial_year"]):
            check_contiguous_years(Columns(columns, numbers), arg)     # raises, with the row
        return Converted(frame, tuple(numbers), len(rows), columns)
    # the slow path owns the messages: every cell as plain Python, blank rows as None rows
    rows = cells(value)
    body = [[None] * len(r) if _blank_row(r) else r for r in rows[start + 1:]]
    frame = to_frame(schema, headers, body, source=arg, first_row_number=start + 2)
    if schema.contiguous_years:
        check_contiguous_years(frame, arg)
    numbers = tuple(frame.attrs.get("row_numbers", []))
    frame.attrs = {}
    return Converted(frame, numbers, len(rows), {c: frame[c].tolist() for c in frame.columns})


def _rows(value) -> list:
    """The range as rows: a list of lists (what xlwings sends) as it is, with no per-cell work
    (:func:`_fast_frame` looks at cell types column by column); anything else through
    :func:`cells`."""
    if type(value) is list and value and set(map(type, value)) <= _ROW_TYPES:
        return value
    return cells(value)


def series(value, arg: str) -> tuple[list[float], tuple[int, int]]:
    """A row or a column of numbers -> (values, (rows, columns)). Blanks are NaN; a trailing run
    of blanks or zeros (Office.js blanks) is NaN too. Each number is finite and no larger in size
    than the largest plausibility ceiling (:data:`~hnb_xl.tables.cells.MONEY_CEILING`: the series
    may be pounds or counts)."""
    rows = cells(value)
    if not rows or not rows[0]:
        raise HnbInputError("is empty: expected a row or a column of numbers", source=arg)
    shape = (len(rows), max(len(r) for r in rows))
    if shape[0] > 1 and shape[1] > 1:
        raise HnbInputError(f"expected one row or one column, got {shape[0]} rows x {shape[1]} columns",
                            source=arg)
    flat = [r[0] if r else None for r in rows] if shape[1] == 1 else list(rows[0])
    out = []
    for i, v in enumerate(flat, start=1):
        if is_blank(v):
            out.append(math.nan)
        elif isinstance(v, Number) and not isinstance(v, bool):
            try:
                x = float(v)
            except (OverflowError, TypeError, ValueError):
                x = math.inf
            if not abs(x) <= MONEY_CEILING:          # infinity, NaN-like, 1e308
                raise HnbInputError(f"value {i} is {v!r}: expected a finite number of at most "
                                    f"{MONEY_CEILING:,.0f} in size", source=arg, value=v)
            out.append(x)
        else:
            raise HnbInputError(f"value {i} is {v!r}: expected a number (select the numbers without "
                                "their heading)", source=arg, value=v)
    end = len(out)
    while end > 0 and (math.isnan(out[end - 1]) or out[end - 1] == 0):
        end -= 1
    out[end:] = [math.nan] * (len(out) - end)
    return out, shape


# ---------------------------------------------------------------- results and messages

def cell(v):
    """An engine value as an Excel function's result cell: :func:`~hnb_xl.tables.cells.to_cell`,
    with a blank as "" (an empty-looking cell: xlwings shows None as 0 in an array)."""
    v = to_cell(v)
    return "" if v is None else v


GRID_BY_COLUMN_ROWS = 50   # from this many rows, laying out a column at a time is faster (measured)


def grid(frame: pd.DataFrame, columns: list[str], headers: dict[str, str]) -> list[list]:
    """``columns`` of ``frame`` as a list of lists with a header row (``headers`` titles)."""
    out = [[headers.get(c, c) for c in columns]]
    names = frame.columns.tolist()
    if len(frame) >= GRID_BY_COLUMN_ROWS and len(set(names)) == len(names):
        # a long table (a school per row): a column at a time, whole numeric columns in C
        cols = []
        for c in columns:
            col = frame[c]
            vals = col.tolist()
            if col.dtype.kind in "iub" or (col.dtype.kind == "f" and not col.isna().any()):
                cols.append(vals)
            else:
                cols.append([v if type(v) is str or (type(v) is float and v == v) else cell(v) for v in vals])
        out += map(list, zip(*cols))
        return out
    if len(set(names)) == len(names):   # the whole frame as Python objects at once (a column at a time costs more)
        rows = frame.to_numpy(dtype=object)[:, [names.index(c) for c in columns]].tolist()
    else:
        rows = zip(*[frame[c].tolist() for c in columns])
    out += [[v if type(v) is str or (type(v) is float and v == v) else cell(v) for v in row] for row in rows]
    return out


def message(function: str, exc: HnbInputError) -> str:
    """One short line for the cell: "HNB_CONTINGENCY: schools has no 'EHCPs' column (found: ...)".

    Several problems: the first, and how many more. At most 255 characters.
    """
    first = exc.problems[0] if isinstance(exc, HnbInputErrors) and exc.problems else exc
    more = len(exc.problems) - 1 if isinstance(exc, HnbInputErrors) else 0
    src, msg = first.source, first.message
    if first.row is not None:
        where = f"{src} row {first.row}" + (f", column '{first.column}'" if first.column else "")
        text = f"{where}: {msg}"
    elif src and msg.startswith(("has no", "is ", "years are")):
        text = f"{src} {msg}"
    elif src:
        text = f"{src}: {msg}"
    else:
        text = msg
    if more:
        text += f" (and {more} more problem{'s' if more > 1 else ''})"
    return truncate(f"{function}: {text}")


def truncate(text: str, limit: int = MAX_MESSAGE) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
