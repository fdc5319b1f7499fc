"""The fast path of table conversion: :func:`hnb_xl.tables.schema.to_frame`'s result for a plainly
valid table, several times faster, for the Excel functions' range arguments (measured in
docs/udfs.md; ``benchmarks/bench_udfs.py``).

:func:`fast_frame` gives up (returns None) at the first thing that is not plainly valid, and
``to_frame`` then decides, with its messages. It reads the same rules as to_frame: each number
column's range and whole-number rule from the :class:`~hnb_xl.tables.schema.Column`
(``low``/``high``/``whole``, defaults in :data:`~hnb_xl.tables.cells.KIND_RULES`) and the header
spellings from ``Column.spellings``. tests/test_excel_args.py proves the two agree on valid and
invalid tables, both ways (Hypothesis).
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pandas as pd
from pandas.api.internals import create_dataframe_from_blocks

from ..years import fy
from .cells import EXCEL_ERRORS, FIRST_YEAR, LAST_YEAR, is_blank, scalar
from .schema import Schema, convert_cell, normalise_header


def consecutive(years: list[str]) -> bool:
    """Financial-year labels ("2022-23", as converted) one after another; False when unsure."""
    try:
        starts = [int(y[:4]) for y in years]
    except ValueError:      # a label of another shape (a year before 1000): schema's check decides
        return False
    return all(b == a + 1 for a, b in zip(starts, starts[1:]))


def blank_row(row) -> bool:
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
        for name in col.spellings:
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


_WHOLE_MAX = 2.0 ** 53 - 1     # larger whole numbers are not exact in a float (nor in Excel): to_frame decides


def _column_bounds(col) -> tuple[float, float, bool]:
    """(lowest, highest, whole numbers only) of a number column: its own range
    (``Column.low/high/whole``, from :data:`~hnb_xl.tables.cells.KIND_RULES` unless the column
    narrows it) within its plausibility ceiling (``Column.ceiling``), open ends as infinities,
    whole columns below 2**53 (exact in a float)."""
    low = -math.inf if col.low is None else float(col.low)
    high = math.inf if col.high is None else float(col.high)
    if col.ceiling is not None:
        low, high = max(low, -col.ceiling), min(high, col.ceiling)
    if col.whole:
        high = min(high, _WHOLE_MAX)
    return low, high, bool(col.whole)


@functools.lru_cache(maxsize=64)
def _bounds(bounds: tuple):
    """For number columns with these (low, high, whole) bounds (rows of a matrix): lowest and
    highest values as column vectors, and the rows that must hold whole numbers."""
    low = np.array([[b[0]] for b in bounds])
    high = np.array([[b[1]] for b in bounds])
    return low, high, [r for r, b in enumerate(bounds) if b[2]]


def fast_frame(schema: Schema, headers: list, body: list, first_row_number: int):
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
    if where is None or not body or any(c.choices for c in schema.columns):
        return None                                         # a choice column: to_frame reads its spellings
    n = len(body)
    columns = list(itertools.zip_longest(*body))            # transpose in C; a short row's cells are None
    width = len(columns)
    if any(not is_blank(v) for j in range(width) if j >= len(headers) or is_blank(headers[j]) for v in columns[j]):
        return None                                         # a value without a header: to_frame's message
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
                data[col.name] = [v if _canonical_year(v, col) else convert_cell(col, v) for v in raw]
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
    kept = [i for i, r in enumerate(body) if not blank_row(r)]
    if not kept:
        return None
    every = len(kept) == len(body)
    values = {}
    for col, j in present:
        low, high, integral = _column_bounds(col)
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
        low, high, integral = _bounds(tuple(_column_bounds(col) for col, _ in present))
        if not ((checked >= low) & (checked <= high)).all():
            return None
        if integral:
            w = checked[integral]
            if not (w == np.floor(w)).all():
                return None
        for k, (col, _) in enumerate(present):
            values[col.name] = xs[k].astype(np.int64) if col.whole and whole[k] else xs[k]
    return (None if every else kept.tolist()), values


def _canonical_year(v, col) -> bool:
    """``v`` is already what convert_cell makes of it ("2022-23", within the column's years):
    cheaper than parsing it."""
    if type(v) is not str or len(v) != 7 or v[4] != "-":
        return False
    try:
        start = int(v[:4])
    except ValueError:
        return False
    low = FIRST_YEAR if col.low is None else col.low
    high = LAST_YEAR if col.high is None else col.high
    return low <= start <= high and fy(start) == v


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

class Columns(dict):
    """Columns as lists with the ``attrs`` that schema.check_contiguous_years reads (cheaper than
    a DataFrame with attrs, which pandas deep-copies)."""

    def __init__(self, columns: dict, row_numbers: list[int]):
        super().__init__(columns)
        self.attrs = {"row_numbers": row_numbers}


__all__ = ["fast_frame", "blank_row", "consecutive", "Columns", "SMALL_TABLE"]
