"""hnb_xl.workbook.verify.formulas_pipes: a compiled pipe called step by step gives what the pipe's own
call gives (the same object type, the same value, the same exception), refuses what it does not do,
and hands over to the pipe's own call when a step fails.

Expected values are the pipe's own call (``formulas`` and schedula as published), computed in the
test beside the straight call; a few are also checked against arithmetic by hand. The whole bundled
workbook is compared node by node by ``benchmarks/prove_formulas_reuse.py`` and against LibreOffice
by ``tests/test_workbook_agreement.py``.
"""

from __future__ import annotations

import formulas
import numpy as np
import pytest
import schedula as sh

from hnb_xl.workbook.verify.formulas_pipes import PipeStats, Refused, straight_pipe


def _result(fn, args):
    """(what the call gave, or the type and message of what it raised)."""
    try:
        return "value", fn(*args)
    except Exception as ex:  # noqa: BLE001 - the exception is what is compared
        return "raised", (type(ex), str(ex))


def _cells(v):
    """A result as comparable data: its type, and each element's type and repr."""
    if isinstance(v, np.ndarray):
        return type(v).__name__, v.shape, [(type(x).__name__, repr(x)) for x in np.asarray(v, object).ravel()]
    return type(v).__name__, repr(v)


def _same(a, b) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "raised":
        return a[1] == b[1]
    return _cells(a[1]) == _cells(b[1])


GRID = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=object)
MIXED = np.array([[1.0, "x"], [True, sh.EMPTY]], dtype=object)

CASES = [
    pytest.param("=A1+1", (2.0,), 3.0, id="arithmetic"),
    pytest.param("=A1*B1-C1/2", (4.0, 2.5, 3.0), 8.5, id="precedence"),
    pytest.param('=IF(A1="","",A1*B1)', ("", 3.0), "", id="if-blank-branch"),
    pytest.param('=IF(A1="","",A1*B1)', (2.0, 3.0), 6.0, id="if-number-branch"),
    pytest.param("=SUM(A1:B2)", (GRID,), 10.0, id="sum-of-a-range"),
    pytest.param("=SUMPRODUCT((A1:B2>2)*A1:B2)", (GRID,), 7.0, id="sumproduct-of-a-comparison"),
    pytest.param("=SUMPRODUCT((A1:B2>2)*A1:B2)", (GRID, GRID), None, id="one-argument-too-many"),
    pytest.param("=A1*B1", (2.0,), None, id="one-argument-too-few"),
    pytest.param("=SUM(A1:B2)", (MIXED,), None, id="sum-of-mixed-cells"),
    pytest.param('=IFERROR(1/A1,"none")', (0.0,), "none", id="iferror-of-div0"),
    pytest.param("=1/A1", (0.0,), None, id="div0-error"),
    pytest.param('="Year "&A1', (2022.0,), "Year 2022", id="text-join"),
    pytest.param("=ROUNDDOWN(MAX(0,A1*B1-C1),0)", (3.0, 1000.5, 100.0), 2901.0, id="rounddown-max"),
    pytest.param("=NO_SUCH_FUNCTION(A1)", (1.0,), None, id="unknown-function-raises-as-formulas-does"),
    pytest.param("=A1+B1", ("text", 1.0), None, id="value-error"),
]


@pytest.mark.parametrize("formula, args, by_hand", CASES)
def test_a_straight_pipe_gives_what_the_pipe_gives(formula, args, by_hand):
    pipe = formulas.Parser().ast(formula)[1].compile()
    stats = PipeStats()
    straight = straight_pipe(pipe, stats)
    got, want = _result(straight, args), _result(pipe, args)
    assert _same(got, want), (got, want)
    assert stats.straightened == 1
    if by_hand is not None:
        value = np.asarray(got[1], object).ravel()[0]
        assert value == by_hand


def test_a_straight_pipe_steps_through_the_pipes_own_functions():
    calls = []
    dsp = sh.Dispatcher(raises=True)
    dsp.add_data("k", default_value=10)
    dsp.add_function("times", lambda a, k: calls.append("times") or a * k, ["a", "k"], ["b"])
    dsp.add_function("plus", lambda b, a: calls.append("plus") or b + a, ["b", "a"], ["c"])
    pipe = sh.DispatchPipe(dsp, "f", ["a"], ["c"])
    straight = straight_pipe(pipe)
    calls.clear()
    assert straight(3) == 33                 # 3 * 10 + 3, the default k and the inputs' order kept
    assert calls == ["times", "plus"]


def test_filters_are_applied_in_order():
    dsp = sh.Dispatcher(raises=True)
    dsp.add_data("b", filters=[lambda v: v + 1, lambda v: v * 2])
    dsp.add_function("f", lambda a: a * 10, ["a"], ["b"])
    pipe = sh.DispatchPipe(dsp, "f", ["a"], ["b"])
    assert pipe(1) == straight_pipe(pipe)(1) == 22    # (1 * 10 + 1) * 2


def _pipe_with(build):
    dsp = sh.Dispatcher(raises=True)
    build(dsp)
    return sh.DispatchPipe(dsp, "f", ["a"], ["c"])


REFUSED = [
    pytest.param(lambda d: d.add_function("f", lambda a: a, ["a"], ["c"], input_domain=lambda a: True),
                 "input domain", id="input-domain"),
    pytest.param(lambda d: d.add_function("f", lambda a: (a, a), ["a"], ["c", "e"]),
                 "several outputs", id="several-outputs"),
    pytest.param(lambda d: (d.add_data("c", callback=print), d.add_function("f", lambda a: a, ["a"], ["c"])),
                 "callback", id="data-callback"),
    pytest.param(lambda d: (d.add_data("c", wait_inputs=True, function=lambda kw: min(kw.values())),
                            d.add_function("f", lambda a: a, ["a"], ["c"]),
                            d.add_function("g", lambda a: a + 1, ["a"], ["c"])),
                 "estimation function", id="data-estimation-function"),
    pytest.param(lambda d: d.add_function("f", sh.SubDispatch(_inner()), ["a"], ["c"]),
                 "dispatcher", id="sub-dispatch"),
]


def _inner():
    inner = sh.Dispatcher()
    inner.add_function("g", lambda x: x, ["a"], ["c"])
    return inner


@pytest.mark.parametrize("build, reason", REFUSED)
def test_what_it_does_not_do_is_refused_with_a_reason(build, reason):
    with pytest.raises(Refused, match=reason):
        straight_pipe(_pipe_with(build))


def test_a_step_with_no_value_hands_over_to_the_pipe():
    pipe = _pipe_with(lambda d: (d.add_function("f", lambda a: sh.NONE if a < 0 else a, ["a"], ["b"]),
                                 d.add_function("g", lambda b: b * 2, ["b"], ["c"])))
    stats = PipeStats()
    straight = straight_pipe(pipe, stats)
    assert straight(4) == 8 and not stats.fallbacks
    got, want = _result(straight, (-1,)), _result(pipe, (-1,))
    assert _same(got, want) and got[0] == "raised"        # schedula: "The pipe is not respected."
    assert stats.fallbacks == {"a step with no value": 1}


def test_a_function_that_raises_hands_over_to_the_pipe():
    def boom(a):
        raise ValueError("no")
    pipe = _pipe_with(lambda d: d.add_function("f", boom, ["a"], ["c"]))
    stats = PipeStats()
    got, want = _result(straight_pipe(pipe, stats), (1,)), _result(pipe, (1,))
    assert _same(got, want) and got[0] == "raised"
    assert stats.fallbacks == {"a function raised": 1}
