"""Turn values as Excel sends them into engine inputs, and engine results into cell values.

What arrives (and is accepted):

* xlwings classic (Windows Excel over COM): numbers as floats, blank cells as None, a range as a
  list of lists (``ndim=2``), a single cell as a scalar, Excel errors as their text ("#N/A", with
  ``err_to_str``) or, without it, as COM error codes (-2146826246 ...), which are mapped to text here.
* Office.js custom functions / xlwings Lite: blank cells as 0 (or ""), whole numbers as int.
  A row whose cells are all blank or 0 is a blank row (an input table's trailing rows).
* the ``formulas`` package and tests: numpy arrays and numpy scalars.

Input tables come "as laid out in the workbook", header row first; headers are matched by
:func:`hnb_xl.schema.normalise_header` (case, spaces, punctuation and a trailing "(unit)" ignored).
Row numbers in messages count from the top of the range: the header is row 1.

No calculation here: conversion and validation only. Every problem raises
:class:`~hnb_xl.errors.HnbInputError` whose ``source`` is the argument's name.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import OrderedDict
from numbers import Number

import numpy as np
import pandas as pd

from .errors import HnbInputError, HnbInputErrors
from .schema import Schema, _header_map, check_contiguous_years, convert_cell, to_frame
from .years import parse_year

MAX_MESSAGE = 255   # Excel cells (and xlwings classic) cope badly with longer strings

# COM error codes of Excel cell errors (as xlwings classic passes them without err_to_str)
EXCEL_ERRORS = {
    -2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826259: "#NAME?", -2146826288: "#NULL!",
    -2146826252: "#NUM!", -2146826265: "#REF!", -2146826273: "#VALUE!",
}


# ---------------------------------------------------------------- generic cell values

_PLAIN = (float, str, type(None))


def scalar(v):
    """One cell value as plain Python: numpy scalars unwrapped, COM error codes as "#N/A" text."""
    if type(v) in _PLAIN:
        return v
    if hasattr(v, "item") and getattr(v, "ndim", 0) == 0:
        v = v.item()
    if isinstance(v, int) and not isinstance(v, bool) and v in EXCEL_ERRORS:
        return EXCEL_ERRORS[v]
    return v


def is_blank(v, zero_is_blank: bool = False) -> bool:
    """None, "", spaces, NaN; and 0 as well when ``zero_is_blank`` (Office.js blanks)."""
    if v is None:
        return True
    if isinstance(v, str):
        return v.strip() == ""
    if isinstance(v, float) and math.isnan(v):
        return True
    return zero_is_blank and isinstance(v, Number) and not isinstance(v, bool) and v == 0


def omitted(value) -> bool:
    """An optional argument left out (None) or pointing at one blank cell (None, "", or the 0
    that Office.js sends for a blank, when it arrives as a 1 x 1 range)."""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
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
    if all(type(r) is list or type(r) is tuple for r in value):      # the usual case: rows of cells
        return [[v if type(v) in _PLAIN else scalar(v) for v in r] for r in value]
    if all(not isinstance(r, (list, tuple)) and not hasattr(r, "tolist") for r in value):
        return [[scalar(v) for v in value]]
    return [cells(r)[0] if isinstance(r, (list, tuple)) or hasattr(r, "tolist") else [scalar(r)] for r in value]


def freeze(value):
    """A hashable version of an argument (lists -> tuples), for the results cache."""
    t = type(value)
    if t is list or t is tuple:
        if all(type(r) is list or type(r) is tuple for r in value):
            rows = tuple(tuple(r) for r in value)       # the usual case: rows of plain cells
            try:
                hash(rows)
                return rows
            except TypeError:                           # deeper nesting (a list holding a table)
                pass
        return tuple(freeze(v) for v in value)
    if hasattr(value, "tolist"):
        return freeze(value.tolist())
    return value


# ---------------------------------------------------------------- scalar arguments

def _one_cell(value, arg: str):
    rows = cells(value)
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    n = sum(len(r) for r in rows)
    raise HnbInputError(f"expected one cell, got a range of {n} cells", source=arg)


_NUMBER = re.compile(r"^\(?-?\d+(?:\.\d*)?\)?$|^\(?-?\.\d+\)?$")


def number(value, arg: str, *, default=None, low: float | None = None, high: float | None = None,
           low_inclusive: bool = True, what: str = "an amount in pounds") -> float:
    """A number from a cell or typed value: 450000, 450000.0, "450,000", "GBP 450,000", "0.5%".

    Blank (None, "") gives ``default``; a blank required argument is an error.
    """
    v = _one_cell(value, arg)
    if is_blank(v):
        if default is None:
            raise HnbInputError(f"is blank: expected {what}", source=arg)
        return float(default)
    if isinstance(v, bool):
        raise HnbInputError(f"expected {what}, got {v!r}", source=arg, value=v)
    if isinstance(v, Number):
        x = float(v)
    else:
        s = str(v).strip().replace(",", "").replace("\u00a3", "").replace(" ", "")
        s = re.sub(r"^gbp", "", s, flags=re.IGNORECASE)
        pct = s.endswith("%")
        s = s[:-1] if pct else s
        if not _NUMBER.match(s):
            raise HnbInputError(f"expected {what}, got {v!r}", source=arg, value=v)
        x = float(s.strip("()")) * (-1 if s.startswith("(") else 1)
        x = x / 100.0 if pct else x
    if not math.isfinite(x):
        raise HnbInputError(f"expected {what}, got {v!r}", source=arg, value=v)
    if low is not None and (x < low or (x == low and not low_inclusive)):
        more = "of" if low_inclusive else "more than"
        raise HnbInputError(f"expected {what} {more} {low:g}{' or more' if low_inclusive else ''}, got {v!r}",
                            source=arg, value=v)
    if high is not None and x > high:
        raise HnbInputError(f"expected {what} between {low:g} and {high:g}, got {v!r}", source=arg, value=v)
    return x


def year(value, arg: str = "year") -> int:
    """A financial year's start year from "2022-23", "2022/23", 2022 or 2022.0."""
    v = _one_cell(value, arg)
    if is_blank(v):
        raise HnbInputError("is blank: expected a financial year such as 2022-23", source=arg)
    try:
        return parse_year(v)
    except ValueError as exc:
        raise HnbInputError(str(exc), source=arg, value=v) from None


def text(value, arg: str) -> str | None:
    """A text argument; None when blank."""
    v = _one_cell(value, arg)
    return None if is_blank(v) else str(v).strip()


# ---------------------------------------------------------------- tables

TABLE_CACHE_SIZE = 32
_tables: OrderedDict = OrderedDict()
_tables_lock = threading.Lock()


def clear_table_cache() -> None:
    with _tables_lock:
        _tables.clear()


def table(schema: Schema, value, arg: str, *, with_rows: bool = False):
    """An input table (header row first) as a validated DataFrame with engine column names.

    Leading blank rows are skipped (the header is the first non-blank row); rows that are all
    blank, or all 0 (Office.js blanks), are skipped. With ``with_rows`` returns ``(frame,
    row_numbers, height)``: each record's row in the range (header = row 1 when it is the first
    row) and the range's height. The frame carries no ``attrs`` (pandas deep-copies them on
    every operation, which costs more than the engine's arithmetic).

    Converted tables are remembered (the last :data:`TABLE_CACHE_SIZE`) keyed on their cell
    values, so many calls over the same input range (one per year, say) convert it once; each
    caller gets its own copy of the frame.
    """
    try:
        key = (schema.name, arg, freeze(value))
        hash(key)
    except Exception:  # noqa: BLE001 - unhashable cells: convert without the cache
        key = None
    with _tables_lock:
        hit = _tables.get(key) if key is not None else None
        if hit is not None:
            _tables.move_to_end(key)
    if hit is None:
        hit = _convert_table(schema, value, arg)
        if key is not None:
            with _tables_lock:
                _tables[key] = hit
                if len(_tables) > TABLE_CACHE_SIZE:
                    _tables.popitem(last=False)
    frame, numbers, height = hit
    frame = frame.copy()
    return (frame, list(numbers), height) if with_rows else frame


def _convert_table(schema: Schema, value, arg: str):
    rows = cells(value)
    start = 0
    while start < len(rows) and _blank_row(rows[start]):
        start += 1
    if start == len(rows):
        raise HnbInputError("is empty: expected the table with its header row", source=arg)
    headers = ["" if is_blank(h, zero_is_blank=True) else h for h in rows[start]]
    body = [[None] * len(r) if _blank_row(r) else r for r in rows[start + 1:]]
    fast = _fast_frame(schema, headers, body, start + 2)
    if fast is not None:
        frame, numbers, columns = fast
        if schema.key == "financial_year":
            check_contiguous_years(_Columns(columns, numbers), arg)
        return frame, numbers, len(rows)
    frame = to_frame(schema, headers, body, source=arg, first_row_number=start + 2)
    if schema.key == "financial_year":
        check_contiguous_years(frame, arg)
    numbers = frame.attrs.get("row_numbers", [])
    frame.attrs = {}
    return frame, numbers, len(rows)


def _blank_row(row) -> bool:
    """Every cell blank or 0 (Office.js blanks); quick for the usual row whose first cell is data."""
    for v in row:
        t = type(v)
        if t is float or t is int:
            if v == v and v != 0:
                return False
        elif t is str:
            if v.strip():
                return False
        elif not is_blank(v, zero_is_blank=True):
            return False
    return True


@functools.lru_cache(maxsize=64)
def _columns_at(schema: Schema, headers: tuple):
    """schema column name -> position in ``headers`` (None when a required one is missing)."""
    try:
        return _header_map(schema, list(headers), "")
    except HnbInputError:
        return None


_NUMERIC = {float, int}
_NONE = type(None)


_EXACT = 2.0 ** 53   # whole numbers beyond this are not exact in a float (nor in Excel)


def _kind_ok(kind: str, x: np.ndarray) -> bool:
    if kind == "count":
        return bool(((x >= 0) & (x == np.floor(x)) & (x < _EXACT)).all())
    if kind == "id":
        return bool(((x > 0) & (x == np.floor(x)) & (x < _EXACT)).all())
    if kind == "money":
        return bool((x >= 0).all())
    if kind == "share":
        return bool(((x >= 0) & (x <= 1)).all())
    return True     # signed_money, rate


def _fast_frame(schema: Schema, headers: list, body: list[list], first_row_number: int):
    """The frame :func:`hnb_xl.schema.to_frame` would build, for a clean table, several times
    faster; ``None`` (so that to_frame runs, with its messages) at the first thing that is not
    plainly valid: a string or blank in a number column, a value out of range, a duplicate key,
    a missing column. to_frame owns the rules; tests/test_udfs.py proves the two agree.
    ``body`` rows that are blank are all None (as :func:`table` leaves them)."""
    try:
        where = _columns_at(schema, tuple(headers))
    except TypeError:       # an unhashable header cell
        return None
    if where is None:
        return None
    numbers = [first_row_number + i for i, r in enumerate(body) if r.count(None) != len(r)]
    kept = [body[n - first_row_number] for n in numbers]
    if not kept:
        return None
    lengths = set(map(len, kept))
    columns = list(zip(*kept)) if len(lengths) == 1 else None     # transpose in C when rectangular
    data = {}
    for col in schema.columns:
        if col.name not in where:
            data[col.name] = [""] * len(kept) if col.kind == "text" else np.full(len(kept), np.nan)
            continue
        i = where[col.name]
        raw = columns[i] if columns is not None and i < len(columns) else [r[i] if i < len(r) else None for r in kept]
        types = set(map(type, raw))
        if col.kind == "text":
            if not types <= {str, _NONE}:
                return None
            data[col.name] = [v.strip() if v is not None else "" for v in raw]
        elif col.kind == "year":
            try:
                data[col.name] = [convert_cell(col, v) for v in raw]
            except (ValueError, TypeError):
                return None
        else:
            if _NONE in types:
                if col.required:
                    return None
                raw = [np.nan if v is None else v for v in raw]
                types.discard(_NONE)
                types.add(float)
            if not types <= _NUMERIC:
                return None
            x = np.array(raw, dtype=float)
            finite = np.isfinite(x)
            if col.required and not finite.all():
                return None
            if not (_kind_ok(col.kind, x[finite]) and not np.isinf(x).any()):
                return None
            data[col.name] = x.astype(np.int64) if col.kind in ("count", "id") and finite.all() else x
    if schema.key and len(set(data[schema.key])) != len(kept):
        return None
    return pd.DataFrame(data, columns=[c.name for c in schema.columns]), numbers, data


class _Columns(dict):
    """Columns as lists with the ``attrs`` that schema.check_contiguous_years reads (cheaper than
    a DataFrame with attrs, which pandas deep-copies)."""

    def __init__(self, columns: dict, row_numbers: list[int]):
        super().__init__(columns)
        self.attrs = {"row_numbers": row_numbers}


def series(value, arg: str) -> tuple[list[float], tuple[int, int]]:
    """A row or a column of numbers -> (values, (rows, columns)). Blanks are NaN; a trailing run
    of blanks or zeros (Office.js blanks) is NaN too."""
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
            out.append(float(v))
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
    """An engine value as a cell value: NaN/None -> "" (an empty-looking cell), numpy -> Python."""
    if hasattr(v, "item") and getattr(v, "ndim", 0) == 0:
        v = v.item()
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    return v


def grid(frame: pd.DataFrame, columns: list[str], headers: dict[str, str]) -> list[list]:
    """``columns`` of ``frame`` as a list of lists with a header row (``headers`` titles)."""
    out = [[headers.get(c, c) for c in columns]]
    values = [frame[c].tolist() for c in columns]
    out += [[v if type(v) is str or (type(v) is float and v == v) else cell(v) for v in row] for row in zip(*values)]
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
