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
* **every other element** (text, a blank, an error, a division by 0, a result that is not finite)
  is computed by ``formulas``' own operator on those elements, so its rules (type order, blank as
  0 or "", error propagation, ``#DIV/0!``, ``#NUM!``) are ``formulas``' own.

A smaller operation (a cell against a cell) goes to ``formulas``' operator unchanged. So ``formulas``
parses, resolves, orders and calculates every cell; only the element loop of these ten operators is
numpy's where it cannot differ. ``tests/test_formulas_lanes.py`` compares each wrapped operator with
``formulas``' own on random arrays of every kind of cell (mixed lanes, broadcasting, shapes that do
not broadcast), element by element with its type; ``tests/test_workbook_agreement.py`` then
compares the whole evaluation with LibreOffice.
"""

from __future__ import annotations

import contextlib

import numpy as np

MIN_ELEMENTS = 16

# operator -> numpy function
_LANES = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide,
    ">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "=": np.equal,
    "<>": np.not_equal,
}
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


_LANE_TEST = {False: np.frompyfunc(_arithmetic_number, 1, 1), True: np.frompyfunc(_comparable_number, 1, 1)}


def lane_operator(name: str, slow):
    """``slow`` (``formulas``' operator ``name``) with the numeric lane (module docstring)."""
    from formulas.errors import RangeValueError
    from formulas.functions import Array
    func = _LANES[name]
    comparison = name in _COMPARISON
    in_lane = _LANE_TEST[comparison]

    def fast(*args):
        if len(args) != 2:
            return slow(*args)
        try:
            values = [getattr(a, "value", a) for a in args]
        except RangeValueError:     # a range with no value yet (formulas probing while it compiles)
            return slow(*args)
        if not all(isinstance(v, np.ndarray) and v.dtype == object for v in values):
            return slow(*args)
        try:
            x, y = np.broadcast_arrays(*values)
        except ValueError:          # shapes that do not broadcast: formulas' own rule
            return slow(*args)
        if x.size < MIN_ELEMENTS:
            return slow(*args)
        lane = in_lane(x).astype(bool) & in_lane(y).astype(bool)
        if not lane.any():
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
