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
Row numbers in messages count from the top of the range: the header is row 1.

No calculation here: conversion and validation only. Every problem raises
:class:`~hnb_xl.errors.HnbInputError` whose ``source`` is the argument's name.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import re
import threading
from collections import OrderedDict
from numbers import Number
from typing import NamedTuple

import numpy as np
import pandas as pd
from pandas.api.internals import create_dataframe_from_blocks

from ..errors import HnbInputError, HnbInputErrors
from ..tables.schema import Schema, check_contiguous_years, convert_cell, normalise_header, to_frame
from ..years import fy, parse_year

MAX_MESSAGE = 255   # Excel cells (and xlwings classic) cope badly with longer strings

# COM error codes of Excel cell errors (as xlwings classic passes them without err_to_str)
EXCEL_ERRORS = {
    -2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826259: "#NAME?", -2146826288: "#NULL!",
    -2146826252: "#NUM!", -2146826265: "#REF!", -2146826273: "#VALUE!",
}


# ---------------------------------------------------------------- generic cell values

_PLAIN = (float, str, type(None))
_ROW_TYPES = frozenset({list, tuple})


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


def freeze(value):
    """A hashable version of an argument (lists -> tuples), for the results cache."""
    t = type(value)
    if t is list or t is tuple:
        if set(map(type, value)) <= _ROW_TYPES:
            rows = tuple(map(tuple, value))             # the usual case: rows of plain cells
            try:
                hash(rows)
                return rows
            except TypeError:                           # deeper nesting (a list holding a table)
                pass
        return tuple(freeze(v) for v in value)
    if hasattr(value, "tolist"):
        return freeze(value.tolist())
    return value


class Frozen:
    """An argument as a cache key: :func:`freeze`'s value with its hash computed once (hashing a
    range walks every cell, and a lookup plus an insert would otherwise do it again each time).
    A bool argument stays apart from the number it equals (True == 1.0 in Python, not in Excel).
    Raises TypeError for an unhashable value."""

    __slots__ = ("value", "_hash", "_bools")

    def __init__(self, value):
        if type(value) is list and value and set(map(type, value)) <= _ROW_TYPES:
            rows = tuple(map(tuple, value))         # a range (freeze, without hashing it twice)
            try:
                self._hash = hash(rows)
                self.value = rows
                return
            except TypeError:                       # deeper nesting: freeze decides
                pass
        value = freeze(value)
        if type(value) is bool:
            value = (bool, value)
        self.value = value
        self._hash = hash(value)

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        if self is other:
            return True
        if type(other) is not Frozen or self._hash != other._hash or self.value != other.value:
            return False
        # equal values: a TRUE cell inside a range equals 1.0 in Python but not in Excel. Comparing
        # where the bools are costs a walk over the cells, paid only on a cache hit (once per key).
        return self.bool_cells() == other.bool_cells()

    def bool_cells(self) -> tuple:
        """Positions (in the flattened argument) of its bool cells; () when there are none."""
        try:
            return self._bools
        except AttributeError:
            self._bools = _bool_positions(self.value)
            return self._bools


def _bool_positions(value) -> tuple:
    """Positions of the bools in ``value`` flattened (rows of cells, or deeper nesting). The usual
    answer, no bools, costs two C-level passes (chain, set of types) and no Python loop per cell."""
    if type(value) is not tuple:
        return (0,) if type(value) is bool else ()
    flat = value
    while True:
        types = set(map(type, flat))
        if tuple not in types:
            break
        flat = tuple(itertools.chain.from_iterable(flat) if types == {tuple} else
                     itertools.chain.from_iterable(v if type(v) is tuple else (v,) for v in flat))
    if bool not in types:
        return ()
    return tuple(i for i, v in enumerate(flat) if type(v) is bool)


_call_state = threading.local()


@contextlib.contextmanager
def frozen_arguments(values: list, keys: list):
    """While a UDF runs: the :class:`Frozen` keys its caller already made for its arguments, so
    that :func:`table` keys a range argument without freezing and hashing it again."""
    _call_state.made = {id(v): (v, k) for v, k in zip(values, keys) if type(v) is not type(None)}
    try:
        yield
    finally:
        _call_state.made = None


def _frozen(value) -> Frozen:
    made = getattr(_call_state, "made", None)
    if made:
        hit = made.get(id(value))
        if hit is not None and hit[0] is value:     # the very object, still alive: same id, same key
            return hit[1]
    return Frozen(value)


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
_tables: OrderedDict = OrderedDict()
_tables_lock = threading.Lock()


def clear_table_cache() -> None:
    with _tables_lock:
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
        key = (schema.name, arg, _frozen(value))
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
    return hit


def table(schema: Schema, value, arg: str, *, with_rows: bool = False):
    """:func:`converted`'s frame as the caller's own (copy-on-write) copy; with ``with_rows``
    ``(frame, row_numbers, height)``."""
    hit = converted(schema, value, arg)
    frame = hit.frame.copy(deep=False)
    return (frame, list(hit.row_numbers), hit.height) if with_rows else frame


def _convert_table(schema: Schema, value, arg: str) -> Converted:
    rows = _rows(value)
    start = 0
    while start < len(rows) and _blank_row(rows[start]):
        start += 1
    if start == len(rows):
        raise HnbInputError("is empty: expected the table with its header row", source=arg)
    headers = ["" if is_blank(h, zero_is_blank=True) else h for h in map(scalar, rows[start])]
    fast = _fast_frame(schema, headers, rows[start + 1:], start + 2)
    if fast is not None:
        frame, numbers, columns = fast
        if schema.key == "financial_year" and not _consecutive(columns["financial_year"]):
            check_contiguous_years(_Columns(columns, numbers), arg)     # raises, with the row
        return Converted(frame, tuple(numbers), len(rows), columns)
    # the slow path owns the messages: every cell as plain Python, blank rows as None rows
    rows = cells(value)
    body = [[None] * len(r) if _blank_row(r) else r for r in rows[start + 1:]]
    frame = to_frame(schema, headers, body, source=arg, first_row_number=start + 2)
    if schema.key == "financial_year":
        check_contiguous_years(frame, arg)
    numbers = tuple(frame.attrs.get("row_numbers", []))
    frame.attrs = {}
    return Converted(frame, numbers, len(rows), {c: frame[c].tolist() for c in frame.columns})


def _consecutive(years: list[str]) -> bool:
    """Financial-year labels ("2022-23", as converted) one after another; False when unsure."""
    try:
        starts = [int(y[:4]) for y in years]
    except ValueError:      # a label of another shape (a year before 1000): schema's check decides
        return False
    return all(b == a + 1 for a, b in zip(starts, starts[1:]))


def _rows(value) -> list:
    """The range as rows: a list of lists (what xlwings sends) as it is, with no per-cell work
    (:func:`_fast_frame` looks at cell types column by column); anything else through
    :func:`cells`."""
    if type(value) is list and value and set(map(type, value)) <= _ROW_TYPES:
        return value
    return cells(value)


def _blank_row(row) -> bool:
    """Every cell blank or 0 (Office.js blanks); quick for the usual row whose first cell is data.
    Cells need not be plain Python yet (numpy scalars, COM error codes): judged as :func:`scalar`
    would give them."""
    for v in row:
        t = type(v)
        if t is float or t is int:
            if v == v and v != 0:
                return False
        elif t is str:
            if v.strip():
                return False
        elif not is_blank(scalar(v), zero_is_blank=True):
            return False
    return True


_NONE = type(None)
_NUMERIC = frozenset({float, int, _NONE})      # a number column as Excel sends it (None = blank)
_TEXT = frozenset({str, _NONE})
_STR = pd.Series(["x"]).dtype                  # the dtype pandas gives text columns (to_frame's)
_STR_ARRAY = _STR.construct_array_type()     # its array class (ExtensionArray interface: _from_sequence)


_COMPILED: dict = {}


def _compiled(schema: Schema):
    """Per schema (not per argument), built once: for each normalised header the schema accepts,
    the columns (in schema order) that accept it; the normalised form of every spelling the
    schema itself uses (headers, engine names, aliases: a dict lookup instead of two regular
    expressions per header); the frame's column Index (immutable, shared by every frame)."""
    hit = _COMPILED.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    accepts: dict[str, list[str]] = {}
    for col in schema.columns:
        for name in {normalise_header(col.header), normalise_header(col.name), *map(normalise_header, col.aliases)}:
            accepts.setdefault(name, []).append(col.name)
    spellings = {s: normalise_header(s) for col in schema.columns for s in (col.header, col.name, *col.aliases)}
    required = [c.name for c in schema.columns if c.required]
    compiled = (accepts, spellings, pd.Index([c.name for c in schema.columns]), required)
    _COMPILED[id(schema)] = (schema, compiled)
    return compiled


def _positions(schema: Schema, headers: list):
    """schema column name -> position in ``headers``, as schema._header_map maps them (each
    column at the first header it accepts); None when a required column is missing (to_frame
    then says which)."""
    accepts, spellings, _, required = _compiled(schema)
    where: dict[str, int] = {}
    for i, h in enumerate(headers):
        norm = (spellings.get(h) if type(h) is str else None) or normalise_header(h)
        for name in accepts.get(norm, ()):
            if name not in where:
                where[name] = i
    return where if all(name in where for name in required) else None


_WHOLE_MAX = 2.0 ** 53 - 1     # larger whole numbers are not exact in a float (nor in Excel)
_KIND_BOUNDS = {        # kind -> (lowest, highest, whole numbers only): schema.convert_cell's rules
    "count": (0.0, _WHOLE_MAX, True), "id": (1.0, _WHOLE_MAX, True),     # a URN: a whole number > 0
    "money": (0.0, math.inf, False), "share": (0.0, 1.0, False),
    "signed_money": (-math.inf, math.inf, False), "rate": (-math.inf, math.inf, False),
}


@functools.lru_cache(maxsize=64)
def _bounds(kinds: tuple):
    """For number columns of these kinds (rows of a matrix): lowest and highest values as column
    vectors, and the rows that must hold whole numbers (below 2**53, exact in a float)."""
    low = np.array([[_KIND_BOUNDS[k][0]] for k in kinds])
    high = np.array([[_KIND_BOUNDS[k][1]] for k in kinds])
    return low, high, [r for r, k in enumerate(kinds) if _KIND_BOUNDS[k][2]]


def _fast_frame(schema: Schema, headers: list, body: list, first_row_number: int):
    """``(frame, row_numbers, columns)``: the frame :func:`hnb_xl.tables.schema.to_frame` builds from
    ``body`` with its blank rows (every cell blank or 0) skipped, several times faster; ``None``
    (so that to_frame runs, with its messages) at the first thing that is not plainly valid: a
    string, bool, numpy scalar or blank in a number column, a value out of range, a duplicate
    key, a missing column, no data rows.

    Works on the raw cells, transposed in C: one type check per number column
    (``set(map(type, col))``); numbers checked cell by cell for a small table
    (:func:`_numbers_by_cell`), in one numpy matrix for a larger one (:func:`_numbers_by_matrix`);
    text stripped with ``map``; the frame built once from its blocks (:func:`_frame`). to_frame
    owns the rules; tests/test_excel_args.py proves the two agree on valid and invalid tables,
    both ways.
    """
    where = _positions(schema, headers)
    if where is None or not body:
        return None
    n = len(body)
    columns = list(itertools.zip_longest(*body))            # transpose in C; a short row's cells are None
    width = len(columns)
    # the schema's number columns: plain numbers and blanks only, else to_frame decides
    present = [(col, where[col.name]) for col in schema.columns
               if col.kind not in ("text", "year") and where.get(col.name, width) < width]
    types = {j: set(map(type, columns[j])) for _, j in present}
    if not all(types[j] <= _NUMERIC for _, j in present):
        return None                                         # text, bools, numpy scalars
    if any(int in types[j] and any(type(v) is int and v in EXCEL_ERRORS for v in columns[j]) for _, j in present):
        return None                                         # a COM error code: "#N/A" to to_frame
    if n <= SMALL_TABLE:
        got = _numbers_by_cell(body, columns, present)
    else:
        got = _numbers_by_matrix(n, columns, sorted(types), present)
    if got is None:
        return None
    kept, values = got
    every = kept is None
    m = n if every else len(kept)
    data = {}
    for col in schema.columns:
        j = where.get(col.name)
        if col.name in values:
            data[col.name] = values[col.name]
        elif j is None or j >= width:                       # absent (optional), or right of every row
            if col.kind == "text":
                data[col.name] = [""] * m
            elif col.required:                              # all blank
                return None
            else:
                data[col.name] = np.full(m, np.nan)
        elif col.kind == "text":
            raw = columns[j] if every else [columns[j][i] for i in kept]
            try:
                data[col.name] = list(map(str.strip, raw))    # all text: the usual case
            except TypeError:                                # blanks, or numbers (to_frame decides)
                if not set(map(type, raw)) <= _TEXT:
                    return None
                data[col.name] = ["" if v is None else v.strip() for v in raw]
        else:                                               # year
            raw = columns[j] if every else [columns[j][i] for i in kept]
            try:
                data[col.name] = [v if _canonical_year(v) else convert_cell(col, v) for v in raw]
            except (ValueError, TypeError, OverflowError):
                return None
    if schema.key:
        key = data[schema.key]
        if type(key) is list:
            if len(set(key)) != m:
                return None
        elif not (np.diff(key) > 0).all() and len(set(key.tolist())) != m:    # ascending: unique
            return None
    numbers = list(range(first_row_number, first_row_number + n)) if every else [first_row_number + i for i in kept]
    return _frame(schema, data, m), numbers, data


SMALL_TABLE = 24     # rows; up to this many, numbers are checked cell by cell (numpy's per-call cost is larger)


def _numbers_by_cell(body: list, columns: list, present: list):
    """``(kept, values)`` for a small table, in plain Python: the rows that are not blank (None
    when all are kept) and, per number column of the schema (``present``: (column, position)),
    its values as a float or int64 array; None when to_frame must decide (a blank in a required
    column, a value outside the column kind's bounds, infinity, ...). Same rules as
    :func:`_numbers_by_matrix`; tests/test_excel_args.py runs the fast path both ways."""
    kept = [i for i, r in enumerate(body) if not _blank_row(r)]
    if not kept:
        return None
    every = len(kept) == len(body)
    values = {}
    for col, j in present:
        low, high, integral = _KIND_BOUNDS[col.kind]
        out, blank = [], False
        for v in (columns[j] if every else [columns[j][i] for i in kept]):
            if v is None or v != v:                         # blank (None or NaN)
                blank = True
                out.append(math.nan)
                continue
            if type(v) is int:
                try:
                    v = float(v)
                except OverflowError:
                    return None
            if not low <= v <= high or v - v != 0 or (integral and v != math.floor(v)):   # v - v: inf
                return None
            out.append(v)
        if blank and col.required:
            return None
        values[col.name] = np.array(out, dtype=np.int64 if integral and not blank else float)
    return (None if every else kept), values


def _numbers_by_matrix(n: int, columns: list, numeric: list, present: list):
    """:func:`_numbers_by_cell` for a larger table: the schema's number columns (positions
    ``numeric``) converted at once into one float matrix, blank rows and bounds checked there by
    numpy. The other columns decide only rows that the number columns leave blank."""
    if numeric:
        try:
            x = np.array([columns[j] for j in numeric], dtype=float)     # None -> NaN
        except OverflowError:                               # an int beyond float range
            return None
        nonblank = (np.abs(x) > 0).any(axis=0)              # NaN > 0 is False
    else:
        nonblank = np.zeros(n, dtype=bool)
    every = bool(nonblank.all())
    if not every:                                           # the other columns decide the other rows
        undecided = np.flatnonzero(~nonblank)
        for j, col in enumerate(columns):
            if j in numeric:
                continue
            t = set(map(type, col))
            if t <= _NUMERIC:
                nonblank[undecided] |= [col[i] is not None and col[i] == col[i] and col[i] != 0 for i in undecided]
            elif t <= _TEXT:
                nonblank[undecided] |= [col[i] is not None and col[i].strip() != "" for i in undecided]
            else:
                nonblank[undecided] |= [not is_blank(scalar(col[i]), zero_is_blank=True) for i in undecided]
        every = bool(nonblank.all())
    kept = None if every else np.flatnonzero(nonblank)
    if kept is not None and not len(kept):
        return None
    values = {}
    if present:
        row = {j: r for r, j in enumerate(numeric)}
        rows = [row[j] for _, j in present]
        xs = x if rows == list(range(len(x))) else x[rows]
        if not every:
            xs = xs[:, kept]
        finite = np.isfinite(xs)
        whole = finite.all(axis=1)
        if whole.all():
            checked = xs
        else:
            if np.isinf(xs).any():
                return None
            if any(col.required and not w for (col, _), w in zip(present, whole.tolist())):
                return None                                 # a blank in a required number column
            checked = np.where(finite, xs, 1.0)             # a blank passes every kind's test
        low, high, integral = _bounds(tuple(col.kind for col, _ in present))
        if not ((checked >= low) & (checked <= high)).all():
            return None
        if integral:
            w = checked[integral]
            if not (w == np.floor(w)).all():
                return None
        for k, (col, _) in enumerate(present):
            values[col.name] = xs[k].astype(np.int64) if _KIND_BOUNDS[col.kind][2] and whole[k] else xs[k]
    return (None if every else kept.tolist()), values


def _canonical_year(v) -> bool:
    """``v`` is already what convert_cell makes of it ("2022-23"): cheaper than parsing it."""
    if type(v) is not str or len(v) != 7 or v[4] != "-":
        return False
    try:
        start = int(v[:4])
    except ValueError:
        return False
    return start >= 1000 and fy(start) == v


def _frame(schema: Schema, data: dict, rows: int) -> pd.DataFrame:
    """A DataFrame from validated column values (numpy arrays, lists of text), built directly
    from its blocks (one 2-D array per numpy dtype, one string array per text column) with
    pandas' low-level public constructor: the dict constructor re-infers and re-checks every
    column, which costs more than the engine's arithmetic on a small table. The result equals
    to_frame's (dtypes included); tests/test_excel_args.py checks it."""
    index = _compiled(schema)[2]
    values = list(data.values())
    blocks, by_dtype = [], {}
    for i, v in enumerate(values):
        if type(v) is list:
            blocks.append((_STR_ARRAY._from_sequence(v, dtype=_STR), np.array([i], dtype=np.intp)))
        else:
            by_dtype.setdefault(v.dtype, []).append(i)
    for where in by_dtype.values():
        block = values[where[0]].reshape(1, -1) if len(where) == 1 else np.vstack([values[i] for i in where])
        blocks.append((block, np.array(where, dtype=np.intp)))
    return create_dataframe_from_blocks(blocks, index=pd.RangeIndex(rows), columns=index)

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
