"""Every HNB_ Excel function under cell-shaped junk: it never raises, never returns NaN or infinity,
and a refusal is one message that names the function and one of its arguments.

What Excel (xlwings classic, Office.js, the ``formulas`` package) can send is drawn by Hypothesis:
None (blank), floats including NaN, ±infinity and 1e308, bools, ints, strings (numbers written as
text, percentages, money, junk), dates, COM error codes, numpy scalars, empty and ragged ranges; and,
for each input table, the bundled table laid out as Excel sends it with random cells replaced by junk
(so the junk reaches every column's validation, not only the header check). At least 1,000 calls per
function (``FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hnb_xl import bundled, udfs
from hnb_xl.excel.spec import FUNCTIONS

FUZZ_EXAMPLES = 1000

# bundled input tables as Excel sends them (header row first, blanks as None), by argument name
_SCHOOLS = bundled.demo_schools().head(8)
_TABLES = {
    "history": bundled.history(),
    "assumptions": bundled.assumptions(),
    "schools": _SCHOOLS,
    "first_schools": _SCHOOLS,
    "later_schools": _SCHOOLS,
    "workstreams": bundled.plan_workstreams(),
}


def _laid_out(frame) -> list[list]:
    rows = [list(map(str, frame.columns))]
    for rec in frame.itertuples(index=False):
        rows.append([None if isinstance(v, float) and math.isnan(v) else
                     (v.item() if hasattr(v, "item") else v) for v in rec])
    return rows


TABLE_CELLS = {k: _laid_out(v) for k, v in _TABLES.items()}

junk_scalar = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 0.0, -0.0, 5e-324, 2.0 ** 53]),
    st.booleans(),
    st.integers(min_value=-2 ** 63, max_value=2 ** 63),
    st.sampled_from([-2146826281, -2146826246, -2146826259]),          # COM error codes (#DIV/0!, #N/A, #NAME?)
    st.text(max_size=12),
    st.sampled_from(["", " ", "5%", "-200%", "1e308", "nan", "inf", "£1,234", "GBP 450,000", "(1,000)", "450k",
                     "9.00E+05", "2022-23", "2022/23", "1899", "TBC", "#N/A", "#VALUE!", "TRUE", "cleared",
                     "in-year", "x", "c", "low", "\u00a0", "0", "1,0", "1" * 400]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
    st.floats(allow_nan=False, allow_infinity=False).map(np.float64),
    st.integers(min_value=-10 ** 6, max_value=10 ** 6).map(np.int64),
)
junk_range = st.one_of(
    st.lists(junk_scalar, max_size=6),                                      # a row (1-D)
    st.lists(st.lists(junk_scalar, max_size=6), max_size=6),                # ragged 2-D, maybe empty
    st.just([]), st.just([[]]), st.just([[None]]),
)
junk = st.one_of(junk_scalar, junk_range)


def damaged_table(name: str):
    """The bundled table with some cells replaced by junk (header kept), maybe cut short or ragged."""
    base = TABLE_CELLS[name]

    @st.composite
    def build(draw):
        rows = [list(r) for r in base]
        for _ in range(draw(st.integers(min_value=1, max_value=4))):
            r = draw(st.integers(min_value=1, max_value=len(rows) - 1))
            c = draw(st.integers(min_value=0, max_value=len(rows[r]) - 1))
            rows[r][c] = draw(junk_scalar)
        if draw(st.booleans()):
            rows = rows[: draw(st.integers(min_value=1, max_value=len(rows)))]
        if draw(st.booleans()):
            rows[-1] = rows[-1][: draw(st.integers(min_value=0, max_value=len(rows[-1])))]
        return rows
    return build()


def argument(name: str):
    options = [st.none(), junk]
    if name in TABLE_CELLS:
        options = [st.none(), junk, damaged_table(name), damaged_table(name)]
    return st.one_of(*options)


def _numbers(value):
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, float):
        yield value


pytestmark = pytest.mark.usefixtures("fresh_udfs")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_junk_never_raises_never_returns_nan_and_names_the_argument(name):
    spec = FUNCTIONS[name]
    fn = getattr(udfs, name)
    args = spec.arg_names
    seen = {"calls": 0}

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.tuples(*[argument(a) for a in args]) if args else st.just(()))
    def call(values):
        seen["calls"] += 1
        result = fn(*values)                    # must not raise
        bad = [x for x in _numbers(result) if not math.isfinite(x)]
        assert not bad, f"{name}{values!r} returned {bad[:3]}"
        if isinstance(result, str) and result.startswith(f"{name}:"):
            assert "unexpected error" not in result, f"{name}{values!r}: {result}"
            assert len(result) <= 255
            assert any(a in result for a in args), f"{name}{values!r}: message names no argument: {result}"
    call()
    assert seen["calls"] >= (FUZZ_EXAMPLES if args else 1)
