"""``formulas``' arithmetic and comparison operators over arrays, with a numeric lane in numpy.

Why: ``formulas`` applies an operator to an array one element at a time (``wrap_ufunc``: a
``numpy.vectorize`` of a Python function that looks for an error among the arguments, converts them,
applies the operator and turns a NaN or infinity into ``#NUM!``: about 15 µs an element). The
bundled workbook's per-school rank (Calc_Contingency, ``SUMPRODUCT(competes * ((R > r) + (R = r)
* ((X > x) + (X = x) * (URN < urn))))`` in each of its 300 rows) is about 900,000 such elements:
most of ``formulas``' calculation of the workbook.

What: while a model is compiled (:func:`numeric_lanes`), the operators ``+ - * / > >= < <= = <>``
are wrapped. An operation over at least :data:`MIN_ELEMENTS` elements is split element by element:

* the **numeric lane**, where both arguments are Python numbers (``float``, ``int``; for
  ``+ - * /`` a ``bool`` too, which ``formulas`` converts with ``float()`` as well; for the
  comparisons no NaN and no int beyond 2**53, see :func:`_comparable_number`), is
  computed by numpy on doubles: the same IEEE 754 operation ``formulas`` applies to each pair
  (``float(x) + float(y)``, ``x > y``), so the same double or bool, given back as Python objects;
* for a comparison, **cells of different kinds** (a number, text or a bool, against one of another
  kind: the rank's rows without a school hold "") are answered by the kinds alone, as ``formulas``
  orders them (``(kind, value)`` tuples, kinds by ``formulas``' own ``_get_type_id``: a number sorts
  before text, text before a bool), see :func:`apart_answer`;
* **every other element** (text against text, a blank, an error, a division by 0, a result that is
  not finite) is computed by ``formulas``' own operator on those elements, so its rules (blank as 0
  or "", case, error propagation, ``#DIV/0!``, ``#NUM!``) are ``formulas``' own.

One cell against one cell (``J5=1``, ``D5*Cost_Per_EHCP``, ``B5=""``: 25,000 of the bundled
workbook's operations) is computed by :func:`one_cell` when it is in one of the first two lanes:
the same Python operation ``formulas`` applies to the pair, without ``numpy.vectorize``'s set-up
(about 50 µs a call); otherwise it goes to ``formulas``' operator, as does any other operation under
:data:`MIN_ELEMENTS` elements. So ``formulas`` parses, resolves, orders and calculates every cell;
only the element loop of these ten operators is numpy's or Python's where it cannot differ.
``tests/test_formulas_lanes.py`` compares each wrapped operator with ``formulas``' own on random
arrays and single cells of every kind (mixed lanes, broadcasting, shapes that do not broadcast),
element by element with its type; ``tests/test_workbook_agreement.py`` then compares the whole
evaluation with LibreOffice.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import operator

import numpy as np

MIN_ELEMENTS = 16

# operator -> (numpy function over arrays of doubles, Python function on one pair of cells)
_OPERATIONS = {
    "+": (np.add, operator.add), "-": (np.subtract, operator.sub), "*": (np.multiply, operator.mul),
    "/": (np.true_divide, operator.truediv), ">": (np.greater, operator.gt), ">=": (np.greater_equal, operator.ge),
    "<": (np.less, operator.lt), "<=": (np.less_equal, operator.le), "=": (np.equal, operator.eq),
    "<>": (np.not_equal, operator.ne),
}
_LANES = {name: ops[0] for name, ops in _OPERATIONS.items()}      # over arrays of doubles
_PYTHON = {name: ops[1] for name, ops in _OPERATIONS.items()}     # on one pair of cells
_COMPARISON = frozenset((">", ">=", "<", "<=", "=", "<>"))
_EXACT = 2 ** 53     # an int up to this is the same number as a double, so compares the same


def _arithmetic_number(v) -> bool:
    """A value formulas' ``+ - * /`` converts with ``float()`` and answers with a Python float
    (a bool among them; not a numpy double, with which formulas answers a numpy double)."""
    return type(v) in (float, int, bool)


def _comparable_number(v) -> bool:
    """A value formulas' comparisons order as a number (type 0 of ``_get_type_id``, not a bool) and
    numpy compares the same, answered with a Python bool: a Python double but NaN (a tuple holding
    the same NaN object equals itself in Python, not in numpy), an int no larger than 2**53 (Python
    compares a larger one exactly); not a numpy double (formulas answers numpy's bool for it)."""
    t = type(v)
    return t is float and v == v or t is int and -_EXACT <= v <= _EXACT


# the Python types the lanes read as they are (type(v), exactly: no subclass, no numpy scalar);
# 0 for any other. A double, an int or a bool is a number of the arithmetic lane; with text, a
# plain cell (_plain_cell).
_CODES = {float: 1, int: 2, bool: 3, str: 4}
_TEXT = 4


def _codes(a: np.ndarray) -> np.ndarray:
    """The :data:`_CODES` of each cell of the object array ``a``, read in one pass (``map(type)``)."""
    codes = np.fromiter(map(_CODES.get, map(type, a.flat), itertools.repeat(0)), np.int8, a.size)
    return codes.reshape(a.shape)


def in_lane(a: np.ndarray, comparison: bool) -> np.ndarray:
    """:func:`_comparable_number` (``comparison``) or :func:`_arithmetic_number` of each cell of the
    object array ``a``, as a bool array: the cells' types read in one pass (:func:`_codes`), the
    NaN and int-range tests applied only to the doubles and the ints."""
    codes = _codes(a)
    if not comparison:
        return (codes > 0) & (codes != _TEXT)
    lane = codes == 1
    if lane.any():
        doubles = a[lane].astype(float)
        lane[lane] = doubles == doubles          # not NaN
    ints = codes == 2
    if ints.any():
        lane[ints] = [-_EXACT <= v <= _EXACT for v in a[ints]]
    return lane


def lane_operator(name: str, slow):
    """``slow`` (``formulas``' operator ``name``) with the numeric lane (module docstring)."""
    from formulas.errors import RangeValueError
    from formulas.functions import Array
    func = _LANES[name]
    comparison = name in _COMPARISON

    def fast(*args):
        if len(args) != 2:
            return slow(*args)
        try:
            values = [getattr(a, "value", a) for a in args]
        except RangeValueError:     # a range with no value yet (formulas probing while it compiles)
            return slow(*args)
        got = one_cell(name, values)
        if got is not None:
            return got
        if not all(isinstance(v, np.ndarray) and v.dtype == object for v in values):
            return slow(*args)
        try:
            x, y = np.broadcast_arrays(*values)
        except ValueError:          # shapes that do not broadcast: formulas' own rule
            return slow(*args)
        if x.size < MIN_ELEMENTS:
            return slow(*args)
        lane = in_lane(x, comparison) & in_lane(y, comparison)
        apart = _kinds_apart(x, y, ~lane) if comparison else None
        if not lane.any() and (apart is None or not apart.any()):
            return slow(*args)
        xf, yf = np.zeros(x.shape), np.ones(y.shape)
        try:
            xf[lane] = x[lane].astype(float)
            yf[lane] = y[lane].astype(float)
        except OverflowError:       # an int too large for a double: formulas' own rule
            return slow(*args)
        if name == "/":
            lane &= yf != 0
        with np.errstate(all="ignore"):
            got = func(xf, yf)
        if not comparison:
            lane &= np.isfinite(got)
        out = got.astype(object)
        if apart is not None and apart.any():
            out[apart] = apart_answer(name, x[apart], y[apart])
            lane |= apart
        if not lane.all():
            rest = ~lane
            others = np.asarray(slow(x[rest].reshape(1, -1).view(Array), y[rest].reshape(1, -1).view(Array)),
                                object)
            if others.size != int(rest.sum()):      # one answer for the whole operation: formulas' own
                return slow(*args)
            out[rest] = others.reshape(-1)
        return out.view(Array)

    fast.__name__ = getattr(slow, "__name__", name)
    fast.slow = slow
    return fast


def _plain_cell(v) -> bool:
    """A cell formulas' comparison reads as it is: a Python number, bool or text (not a blank, which it
    reads as 0 or "" by the other side, and not an error, which it gives back): one of :data:`_CODES`."""
    return type(v) in _CODES


def _kind(v) -> int:
    """formulas' type order of a cell (formulas 1.3.4 functions/look.py ``_get_type_id``: number 0,
    text 1, bool 2)."""
    return _type_id()(v)


@functools.cache
def _type_id():
    from formulas.functions.look import _get_type_id
    return _get_type_id


def _kinds(a):
    """:func:`_kind` of each cell of an object array, as ints."""
    return np.frompyfunc(_type_id(), 1, 1)(a).astype(int)


def _kinds_apart(x, y, candidates):
    """Where (among ``candidates``) both cells are plain (:func:`_plain_cell`) and of different kinds:
    formulas compares two cells as ``(kind, value)`` tuples, so there the kinds alone decide."""
    apart = np.zeros(x.shape, dtype=bool)
    if not candidates.any():
        return apart
    xs, ys = x[candidates], y[candidates]
    plain = (_codes(xs) > 0) & (_codes(ys) > 0)      # _plain_cell of each
    kinds_differ = np.zeros(xs.shape, dtype=bool)
    if plain.any():
        kinds_differ[plain] = _kinds(xs[plain]) != _kinds(ys[plain])
    apart[candidates] = kinds_differ
    return apart


def apart_answer(name: str, xs, ys):
    """The comparison ``name`` of plain cells of different kinds, as Python bools: the kinds compared
    (``(0, 5.0) < (1, "")`` is ``0 < 1``: a number sorts before text, text before a bool)."""
    return _LANES[name](_kinds(xs), _kinds(ys)).astype(object)



def one_cell(name: str, values):
    """The answer of the operator ``name`` on one cell and one cell (each a Python number or an object
    array holding one), or None when it is not in the lane: the same Python float ``float(x) op
    float(y)`` or bool ``x op y`` that formulas computes for that pair (its ``wrap_ufunc``: ``float()``
    of each argument for ``+ - * /``; for a comparison, ``(type, value)`` tuples, which order two
    numbers as the numbers), in an ``Array`` of the arguments' broadcast shape, as formulas gives it.
    A division by 0, a result that is not finite, text, a blank, an error, a NaN or a numpy double
    is not in the lane."""
    from formulas.functions import Array
    comparison = name in _COMPARISON
    number = _comparable_number if comparison else _arithmetic_number
    cells, shapes = [], []
    for v in values:
        if isinstance(v, np.ndarray):
            if v.dtype != object or v.size != 1:
                return None
            shapes.append(v.shape)
            v = v.flat[0]
        else:
            shapes.append(())
        cells.append(v)
    x, y = cells
    try:
        kinds = (_kind(x), _kind(y)) if comparison and _plain_cell(x) and _plain_cell(y) else (0, 0)
        if kinds[0] != kinds[1]:
            got = _PYTHON[name](*kinds)     # the kinds decide (apart_answer)
        elif not (number(x) and number(y)):
            return None
        elif comparison:
            got = _PYTHON[name](x, y)
        else:
            x, y = float(x), float(y)
            if name == "/" and y == 0:
                return None
            got = _PYTHON[name](x, y)
            if not math.isfinite(got):
                return None
    except OverflowError:           # an int too large for a double: formulas' own rule
        return None
    try:
        out = np.empty(np.broadcast_shapes(*shapes), dtype=object)
    except ValueError:
        return None
    out[...] = got
    return out.view(Array)


@contextlib.contextmanager
def numeric_lanes():
    """``formulas``' operators wrapped (:func:`lane_operator`) while a model is compiled: the compiled
    cells keep the wrapped functions for their calculation; the dictionary is restored after."""
    from formulas.functions.operators import OPERATORS
    saved = {name: OPERATORS[name] for name in _LANES}
    try:
        for name, slow in saved.items():
            OPERATORS[name] = lane_operator(name, slow)
        yield
    finally:
        OPERATORS.update(saved)


__all__ = ["MIN_ELEMENTS", "lane_operator", "numeric_lanes"]
