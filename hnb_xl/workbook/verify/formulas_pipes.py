"""Call a formula cell's compiled ``formulas`` pipe step by step, without schedula's per-call solution.

Why: ``formulas`` compiles each formula into a schedula ``DispatchPipe`` (formulas 1.3.4 builder.py
``AstBuilder.compile``), the list of the formula's nodes in the order they are computed. Each call of
the pipe (schedula 1.6 utils/dsp.py ``SubDispatchPipe.__call__``) builds a new ``Solution`` (a copy of
the pipe's structure), then sets every node through the dispatcher's machinery (workflow edges,
futures, filters, callbacks): about 0.4 ms of bookkeeping a cell. The bundled workbook's 8,157 cells
that share a shape's pipe (:mod:`.formulas_reuse`) spent 3.3 s of a 10.6 s calculation in it.

What: :func:`straight_pipe` reads the pipe once and gives a function that does what the pipe's call
does for a plain formula, in the same order, with the same objects:

* each data node takes its one value: the call's argument for a pipe input, the value of the function
  node before it that computes it, or its default (a constant of the formula); then its own
  ``filters`` in order;
* each function node calls its own ``function`` (``formulas``' operator or Excel function) with its
  inputs' values in its own input order; then its own ``filters``;
* the pipe's one output is the answer.

Anything else is refused when the pipe is read (:class:`Refused`, the reason; the cell then calls
its pipe as ``formulas`` does): a sub-dispatcher, a data node with an estimation function, a wait, a
callback or two sources, a function node with an input domain or several outputs, a function that
is itself a dispatcher. While a call runs, an exception from a function or a step that gives
``NONE`` (schedula's "no value": the pipe would skip it) stops the straight call and the cell's
own pipe is called instead, with the same arguments, so ``formulas`` decides (its functions are of
their arguments only: no state to undo); so is a call without one argument for each input of the
pipe. :class:`PipeStats` counts both.

``benchmarks/prove_formulas_reuse.py`` compares every node of the whole workbook's solution with
``formulas`` as published; ``tests/test_formulas_pipes.py`` compares single pipes with their own call.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field


class Refused(Exception):
    """The pipe holds something :func:`straight_pipe` does not do: its message says what."""


@dataclass
class PipeStats:
    """``straightened`` pipes, ``refused`` ({reason: pipes}), ``fallbacks`` (calls that handed over to
    the pipe's own call, by reason)."""
    straightened: int = 0
    refused: collections.Counter = field(default_factory=collections.Counter)
    fallbacks: collections.Counter = field(default_factory=collections.Counter)


def _plain_function(fn) -> bool:
    """A function schedula calls as ``fn(*args)`` (schedula 1.6 utils/asy ``_process_funcs``), not a
    dispatcher, a sub-dispatch or a ``run_model`` class, which it calls with its own keywords."""
    from schedula.utils.base import Base     # Dispatcher and SubDispatch (DispatchPipe among them)
    from schedula.utils.dsp import parent_func, run_model
    p = parent_func(fn)
    if isinstance(p, type):
        return not issubclass(p, run_model)
    return callable(fn) and not isinstance(p, Base)


def _steps(pipe):
    """(the pipe's nodes as ((is a data node, source, filters), ...), the output's slot).

    A slot is a node's value by its place in the call: data nodes and function nodes alike, in pipe
    order. ``source`` is ('arg', position), ('slot', slot) or ('const', value) for a data node, and
    (function, input slots) for a function node.
    """
    sol = getattr(pipe, "_sol", None)
    nodes, steps = getattr(sol, "nodes", None), []
    if nodes is None or not hasattr(pipe, "pipe") or not hasattr(pipe, "dsp"):
        raise Refused("not a schedula DispatchPipe as in schedula 1.6")
    pred = pipe.dsp.dmap.pred
    defaults = pipe.dsp.default_values
    args = {k: i for i, k in enumerate(pipe.inputs or ())}
    slots, done = {}, set()
    for task, _next_nodes, next_dispatchers in pipe.pipe:
        node, solution = task[-1]
        if next_dispatchers or solution is not sol:
            raise Refused("a sub-dispatcher")
        attr = nodes[node]
        filters = tuple(attr.get("filters", ()))
        if not all(_plain_function(f) for f in filters):
            raise Refused("a filter that is a dispatcher")
        if attr["type"] == "data":
            if "function" in attr or attr.get("wait_inputs") or "callback" in attr:
                raise Refused("a data node with an estimation function, a wait or a callback")
            if node in slots:
                raise Refused("a data node set twice")
            makers = [f for f in pred[node] if f in done]
            if node in args and not makers:
                source = ("arg", args[node])
            elif len(makers) == 1 and node not in args:
                source = ("slot", slots[("function", makers[0])])
            elif not makers and node in defaults:
                source = ("const", defaults[node]["value"])
            else:
                raise Refused("a data node with no single source")
            slots[node] = len(slots)
        elif attr["type"] == "function":
            if "input_domain" in attr or len(attr["outputs"]) != 1:
                raise Refused("a function node with an input domain or several outputs")
            if not _plain_function(attr["function"]):
                raise Refused("a function node that is a dispatcher")
            source = (attr["function"], tuple(slots[k] for k in attr["inputs"]))
            slots[("function", node)] = len(slots)
            done.add(node)
        else:
            raise Refused(f"a {attr['type']} node")
        steps.append((attr["type"] == "data", source, filters))
    outputs = list(pipe.outputs or ())
    if len(outputs) != 1 or outputs[0] not in slots:
        raise Refused("not one output")
    return tuple(steps), slots[outputs[0]]


def straight_pipe(pipe, stats: PipeStats | None = None):
    """A function of the pipe's arguments that gives what ``pipe(*args)`` gives (module docstring), or
    raise :class:`Refused`. ``stats`` counts the pipe and each call that falls back."""
    import schedula as sh
    steps, out = _steps(pipe)
    none = sh.NONE
    stats = stats if stats is not None else PipeStats()
    stats.straightened += 1
    fallbacks = stats.fallbacks
    n_args = len(pipe.inputs or ())

    def call(*args):
        if len(args) != n_args:     # the pipe's own call fills a default or says what is wrong
            fallbacks["not one argument for each input"] += 1
            return pipe(*args)
        values = []
        push = values.append
        for is_data, source, filters in steps:
            if is_data:
                kind, x = source
                value = args[x] if kind == "arg" else values[x] if kind == "slot" else x
            else:
                fn, inputs = source
                given = [values[i] for i in inputs]
                if any(v is none for v in given):
                    fallbacks["an input with no value"] += 1
                    return pipe(*args)
                try:
                    value = fn(*given)
                except Exception:       # formulas' own call raises it, or handles it its own way
                    fallbacks["a function raised"] += 1
                    return pipe(*args)
            for f in filters:
                value = f(value)
            if value is none:
                fallbacks["a step with no value"] += 1
                return pipe(*args)
            push(value)
        return values[out]

    call.__name__ = getattr(pipe, "__name__", "pipe")
    call.pipe = pipe
    return call


__all__ = ["PipeStats", "Refused", "straight_pipe"]
