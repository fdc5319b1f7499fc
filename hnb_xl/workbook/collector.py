"""The cyclic garbage collector paused while a large graph of objects that all live on is built.

CPython's collector runs a pass every 700 allocations net of frees, and a full pass, over every
object alive, after every ten passes of the middle generation (``gc.get_threshold()``,
https://docs.python.org/3/library/gc.html#gc.set_threshold). Building a graph that outlives the
build (a workbook's cells, a ``formulas`` model) makes those passes walk objects none of which can
be garbage yet. Measured on the bundled workbook: about a third of :func:`.snapshot.read_workbook`'s
time (``benchmarks/bench_snapshot.py``), and 2.3 s of 21.2 s of the ``formulas`` evaluation
(:func:`.verify.evaluate.evaluate`: twelve full passes). What is freed meanwhile without a cycle
is freed at once by its reference count as always; cycles wait for the next pass after the pause.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def paused():
    """The collector disabled for the ``with`` block, then restored as it was (enabled or not)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
