"""Cache keys and the caches of the Excel functions (helpers of :mod:`hnb_xl.udfs` and
:mod:`hnb_xl.excel.args`).

* :class:`Frozen`: an argument as a cache key (lists -> tuples, hash computed once; a TRUE cell
  stays apart from the 1.0 it equals in Python);
* :func:`frozen_arguments`: while one Excel function runs, the keys its caller (``udfs._call``)
  already made for its arguments, so that :func:`hnb_xl.excel.args.converted` keys a range argument
  without freezing and hashing its cells again (measured: docs/udfs.md). The channel is a
  thread-local map from ``id(argument)`` to ``(argument, key)``; a hit is used only for the very
  same object, still alive;
* :class:`LRU`: the one least-recently-used cache (results in ``udfs``, converted tables here).
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections import OrderedDict

_ROW_TYPES = frozenset({list, tuple})


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


def frozen(value) -> Frozen:
    made = getattr(_call_state, "made", None)
    if made:
        hit = made.get(id(value))
        if hit is not None and hit[0] is value:     # the very object, still alive: same id, same key
            return hit[1]
    return Frozen(value)


class LRU:
    """A thread-safe least-recently-used cache of at most ``size`` entries: :meth:`get` marks an
    entry as used, :meth:`put` adds one and forgets the least recently used beyond ``size``."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            hit = self._data.get(key, default)
            if hit is not default:
                self._data.move_to_end(key)
            return hit

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            if len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def values(self) -> list:
        with self._lock:
            return list(self._data.values())


__all__ = ["Frozen", "LRU", "freeze", "frozen", "frozen_arguments"]
