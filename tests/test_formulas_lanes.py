"""hnb_xl.workbook.verify.formulas_lanes: each wrapped operator gives what ``formulas``' own gives,
element for element and type for type, on arrays of every kind of cell.

The arrays mix what a formula sees: doubles (0, -0.0, NaN, ±infinity, the largest, subnormals),
ints (small and beyond 2**53), bools, text (empty, words, numbers as text), formulas' blank
(``schedula.EMPTY``), errors (#N/A, #DIV/0!, #VALUE!) and numpy doubles; as rows, columns and
blocks that broadcast, a row against one cell, arrays too small for the lane, and shapes that do
not broadcast. The whole workbook, with and without the lanes, is compared node by node by
``benchmarks/prove_formulas_reuse.py``; ``tests/test_workbook_agreement.py`` compares the evaluation
with LibreOffice.
"""

from __future__ import annotations

import random
import sys

import numpy as np
import pytest
import schedula as sh
from formulas.functions import Array, Error
from formulas.functions.operators import OPERATORS

from hnb_xl.workbook.verify.formulas_lanes import (_COMPARISON, _LANES, MIN_ELEMENTS, _arithmetic_number,
                                                  _comparable_number, in_lane, lane_operator, numeric_lanes)

CELLS = [0.0, -0.0, 1.0, -2.5, 3.0, 1e308, -1e308, 5e-324, float("nan"), float("inf"), -float("inf"),
         sys.float_info.max, 0, 1, -7, 2 ** 53, 2 ** 53 + 1, -(2 ** 60), 10 ** 20, True, False, "", "abc", "ABC",
         "1", "2.5", " ", sh.EMPTY, Error.errors["#N/A"], Error.errors["#DIV/0!"], Error.errors["#VALUE!"],
         np.float64(4.25), np.float64(0.0)]
NUMBERS = [0.0, 1.0, -2.5, 3.0, 0, 1, -7, 1e-3, 123456.789, np.float64(2.0)]


def _array(rng: random.Random, shape, pool) -> Array:
    return np.array([rng.choice(pool) for _ in range(int(np.prod(shape)))], dtype=object).reshape(shape).view(Array)


def _outcome(op, x, y):
    try:
        got = op(x, y)
    except Exception as exc:       # shapes that do not broadcast: formulas raises BroadcastError
        return ("raised", type(exc).__name__)
    arr = np.asarray(got, dtype=object)
    return type(got).__name__, arr.shape, [(type(v).__name__, repr(v)) for v in arr.ravel()]


SHAPES = [
    pytest.param((1, 40), (1, 40), id="two-rows"),
    pytest.param((40, 1), (40, 1), id="two-columns"),
    pytest.param((30, 1), (1, 1), id="a-column-against-one-cell"),
    pytest.param((1, 1), (1, 25), id="one-cell-against-a-row"),
    pytest.param((8, 6), (1, 6), id="a-block-against-a-row"),
    pytest.param((6, 1), (1, 7), id="a-column-against-a-row"),
    pytest.param((1, MIN_ELEMENTS - 1), (1, MIN_ELEMENTS - 1), id="too-small-for-the-lane"),
    pytest.param((2, 3), (3, 2), id="shapes-that-do-not-broadcast"),
]


@pytest.mark.parametrize("name", sorted(_LANES))
@pytest.mark.parametrize("xs, ys", SHAPES)
@pytest.mark.parametrize("pool", [pytest.param(CELLS, id="every-kind-of-cell"),
                                  pytest.param(NUMBERS, id="numbers-only")])
def test_the_lane_gives_what_formulas_gives(name, xs, ys, pool):
    slow = OPERATORS[name]
    fast = lane_operator(name, slow)
    rng = random.Random(f"{name}{xs}{ys}{len(pool)}")
    for _ in range(20):
        x, y = _array(rng, xs, pool), _array(rng, ys, pool)
        assert _outcome(fast, x, y) == _outcome(slow, x, y), (name, x, y)


def _one(rng: random.Random, form: str, pool):
    """One cell as formulas may meet it: a Python value, a 1x1 Array or object array, or a 0-d array."""
    v = rng.choice(pool)
    if form == "python":
        return v
    if form == "0-d":
        out = np.empty((), dtype=object)
        out[()] = v
        return out
    arr = np.array([[v]], dtype=object)
    return arr.view(Array) if form == "Array" else arr


FORMS = ["python", "Array", "ndarray", "0-d"]


@pytest.mark.parametrize("name", sorted(_LANES))
@pytest.mark.parametrize("x_form", FORMS)
@pytest.mark.parametrize("y_form", FORMS)
def test_one_cell_against_one_cell_gives_what_formulas_gives(name, x_form, y_form):
    slow = OPERATORS[name]
    fast = lane_operator(name, slow)
    rng = random.Random(f"{name}{x_form}{y_form}")
    pool = CELLS + NUMBERS * 3          # numbers often, so the lane is taken often
    for _ in range(60):
        x, y = _one(rng, x_form, pool), _one(rng, y_form, pool)
        assert _outcome(fast, x, y) == _outcome(slow, x, y), (name, x, y)


@pytest.mark.parametrize("name", sorted(_LANES))
def test_one_number_against_one_number_does_not_call_formulas(name):
    calls = []
    slow = OPERATORS[name]
    fast = lane_operator(name, lambda *a: calls.append(a) or slow(*a))
    got = fast(np.array([[6.0]], dtype=object).view(Array), 4)
    assert calls == [] and isinstance(got, Array) and got.shape == (1, 1)
    expected = {"+": 10.0, "-": 2.0, "*": 24.0, "/": 1.5, ">": True, ">=": True, "<": False, "<=": False,
                "=": False, "<>": True}[name]
    assert type(got[0, 0]) is type(expected) and got[0, 0] == expected
    fast(np.array([[6.0]], dtype=object).view(Array), sh.EMPTY)      # a blank: formulas' own
    assert len(calls) == 1


@pytest.mark.parametrize("name", sorted(_COMPARISON))
def test_cells_of_different_kinds_are_compared_by_kind_without_formulas(name):
    """A number sorts before text and text before a bool (formulas' (kind, value) tuples): one cell
    against one cell, and a column of numbers and empty texts against a number, as the bundled
    workbook's rank compares its 50 rows without a school."""
    calls = []
    slow = OPERATORS[name]
    fast = lane_operator(name, lambda *a: calls.append(a) or slow(*a))
    by_kind = {">": (False, True), ">=": (False, True), "<": (True, False), "<=": (True, False),
               "=": (False, False), "<>": (True, True)}[name]      # (number op text, bool op text)
    assert fast(np.array([[6.0]], dtype=object).view(Array), "")[0, 0] is by_kind[0]
    assert fast(True, "abc")[()] is by_kind[1]
    column = np.array([[float(i)] for i in range(10)] + [[""]] * 10, dtype=object).view(Array)
    got = fast(column, np.array([[4.0]], dtype=object).view(Array))
    assert calls == [] and got.shape == (20, 1)
    assert list(got[10:, 0]) == [not by_kind[0] if name not in ("=", "<>") else by_kind[0]] * 10
    assert _outcome(fast, column, 4.0) == _outcome(slow, column, 4.0)


@pytest.mark.parametrize("comparison", [False, True], ids=["arithmetic", "comparison"])
def test_the_lane_mask_is_the_cell_by_cell_test(comparison):
    """in_lane reads the types in one pass; it must say of each cell what _comparable_number or
    _arithmetic_number says (the NaN, the ints beyond 2**53, the bools, numpy doubles, text)."""
    test = _comparable_number if comparison else _arithmetic_number
    rng = random.Random(f"mask{comparison}")
    for shape in ((1, 40), (40, 1), (6, 7), (1, 1)):
        a = _array(rng, shape, CELLS)
        assert in_lane(a, comparison).tolist() == [[bool(test(v)) for v in row] for row in a.tolist()]


@pytest.mark.parametrize("name", sorted(_LANES))
def test_numbers_only_go_through_the_lane(name, monkeypatch):
    """The lane is taken (formulas' operator is not called) for an array of numbers without a
    division by 0; so the comparisons above compared numpy's answers, not formulas' twice."""
    calls = []
    slow = OPERATORS[name]
    fast = lane_operator(name, lambda *a: calls.append(a) or slow(*a))
    x = np.array([[float(i + 1) for i in range(40)]], dtype=object).view(Array)
    y = np.array([[float(40 - i) for i in range(40)]], dtype=object).view(Array)
    got = np.asarray(fast(x, y), dtype=object)
    assert calls == [] and got.shape == (1, 40)
    assert all(type(v) is (bool if name in ("=", "<>", ">", ">=", "<", "<=") else float) for v in got.ravel())


def test_the_operators_are_formulas_own_again_after_a_compile():
    before = {k: OPERATORS[k] for k in _LANES}
    with numeric_lanes():
        assert all(OPERATORS[k] is not before[k] and OPERATORS[k].slow is before[k] for k in _LANES)
    assert all(OPERATORS[k] is before[k] for k in _LANES)


def test_a_failing_compile_still_gives_the_operators_back():
    before = {k: OPERATORS[k] for k in _LANES}
    with pytest.raises(RuntimeError), numeric_lanes():
        raise RuntimeError("compile failed")
    assert all(OPERATORS[k] is before[k] for k in _LANES)


def test_a_nan_never_equals_itself_in_the_lane():
    """formulas compares two cells as (type, value) tuples, and a tuple holding the same NaN object
    equals itself; numpy's NaN does not: a NaN stays out of the lane's comparisons."""
    nan = float("nan")
    x = np.array([[nan] * 20], dtype=object).view(Array)
    slow = OPERATORS["="]
    assert _outcome(lane_operator("=", slow), x, x) == _outcome(slow, x, x)
