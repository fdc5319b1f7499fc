"""Compile each R1C1 shape of formula once with ``formulas`` and reuse the compiled function for the
shape's other cells, each cell with its own inputs.

Why: ``formulas.ExcelModel().loads(path).finish()`` parses (``Parser.ast``) and compiles
(``AstBuilder.compile``: a schedula ``DispatchPipe`` per formula) every formula cell one by one. A
workbook filled down or across repeats a few shapes: the bundled one has 8,454 formulas and about
500 shapes. Compiling one cell of a shape gives a pipe whose calculation does not depend on where
the cell is, only on the values it is given, as long as nothing position-bearing was frozen into
it at compile time (checked by :func:`_refusal`). The other cells of the shape are then neither
parsed nor compiled by ``formulas``: each gets the shared pipe behind its own inputs (its own
references, in the order the pipe expects), and is added to the model exactly as
``formulas`` adds a compiled cell. Every cell is still calculated by ``formulas``' own functions.

This relies on private internals of ``formulas`` 1.3.4 (``Cell``, ``AstBuilder``, ``Range``,
``ExcelModel.compile_cell``). :data:`FORMULAS_VERSION` names the version it was written against;
with another version :class:`ReusingExcelModel` compiles every cell as ``formulas`` does and says why
(a ``RuntimeWarning`` and :attr:`ReuseStats.disabled`). A shape whose prototype does not look as
expected is compiled cell by cell, its reason counted in :attr:`ReuseStats.refused`.
"""

from __future__ import annotations

import collections
import warnings
from dataclasses import dataclass, field

from openpyxl.formula import Tokenizer
from openpyxl.formula.tokenizer import Token
from openpyxl.utils.cell import column_index_from_string

# the A1 parts of a reference (A1, A, 1) and their R1C1 form: the static check's, one rule for both
from .check import _CELL_RE as _CELL_PART
from .check import _COL_RE as _COL_PART
from .check import _ROW_RE as _ROW_PART
from .check import _r1c1_part

FORMULAS_VERSION = "1.3.4"


# --------------------------------------------------------------------------------------------
# the shape of a formula


def _address(ref: str):
    """(sheet prefix with its ``!``, [(kind, column absolute, column, row absolute, row)]) of an A1
    reference token (``A1``, ``$B$2:C9``, ``'Sheet'!A:A``, ``1:5``), or None when ``ref`` is no A1
    address (a defined name, say): such a token means the same in every cell. ``kind`` is 'cell', 'col'
    or 'row', one for both ends (a mixed 'A1:B' is no address; a column or row needs both ends)."""
    sheet, bang, addr = ref.rpartition("!")
    texts = addr.split(":")
    if len(texts) > 2:
        return None
    parts, kind = [], None
    for p in texts:
        m = _CELL_PART.match(p)
        if m and kind in (None, "cell"):
            kind = "cell"
            parts.append((kind, m.group(1), column_index_from_string(m.group(2).upper()), m.group(3),
                          int(m.group(4))))
            continue
        m = _COL_PART.match(p)
        if m and kind in (None, "col"):
            kind = "col"
            parts.append((kind, m.group(1), column_index_from_string(m.group(2).upper()), "", 0))
            continue
        m = _ROW_PART.match(p)
        if m and kind in (None, "row"):
            kind = "row"
            parts.append((kind, "", 0, m.group(1), int(m.group(2))))
            continue
        return None
    if kind != "cell" and len(parts) != 2:
        return None     # 'Pot' or '5' alone is a name or a number, not a whole column or row
    return sheet + bang, parts


def _r1c1(ref: str, row: int, col: int) -> str:
    """A reference token in R1C1 terms relative to the cell at (row, col) (``B3`` at A1 is
    ``R[2]C[1]``, ``$B$3`` is ``R3C2``); a token that is no A1 address is returned as written."""
    parsed = _address(ref)
    if parsed is None:
        return ref
    return parsed[0] + ":".join(_r1c1_part(p, row, col) for p in ref.rpartition("!")[2].split(":"))


def shape_key(text: str, row: int, col: int):
    """(key, reference texts, pieces) of a formula at (row, col): the key is the formula's token list
    (openpyxl's tokenizer) with each reference in R1C1 terms, so two cells share a key when one's
    formula is the other's filled down or across; the reference texts are that cell's own, in formula
    order; ``pieces`` are the texts between them (``"=" + pieces[0] + refs[0] + pieces[1] ...`` is the
    formula), or None if the tokens do not spell the formula back. None when the text does not
    tokenize."""
    try:
        items = Tokenizer(text).items
    except Exception:   # openpyxl's TokenizerError and the like: formulas will say what is wrong
        return None
    key, refs, pieces, piece = [], [], [], []
    for t in items:
        if t.type == Token.OPERAND and t.subtype == Token.RANGE:
            refs.append(t.value)
            key.append((t.type, t.subtype, _r1c1(t.value, row, col)))
            pieces.append("".join(piece))
            piece = []
        else:
            key.append((t.type, t.subtype, t.value))
            piece.append(t.value)
    pieces.append("".join(piece))
    if "=" + "".join(p + r for p, r in zip(pieces, refs + [""])) != text:
        pieces = None
    return tuple(key), refs, pieces


def _shift(ref: str, dr: int, dc: int):
    """The reference token ``ref`` moved by (dr, dc) as Excel fills it (relative parts move, ``$`` parts
    stay), or None when it would leave the sheet. A token that is no address stays as it is."""
    from openpyxl.utils.cell import get_column_letter
    parsed = _address(ref)
    if parsed is None:
        return ref
    prefix, parts = parsed
    out = []
    for kind, col_abs, c, row_abs, r in parts:
        c2 = c if col_abs or kind == "row" else c + dc
        r2 = r if row_abs or kind == "col" else r + dr
        if (kind != "row" and not 1 <= c2 <= 16384) or (kind != "col" and not 1 <= r2 <= 1048576):
            return None
        out.append(("" if kind == "row" else col_abs + get_column_letter(c2))
                   + ("" if kind == "col" else row_abs + str(r2)))
    return prefix + ":".join(out)


def predicted(text: str, refs: list, pieces: list, dr: int, dc: int):
    """The reference texts of ``text`` when it is the formula ``pieces``/``refs`` of the cell (dr, dc)
    before it, filled down or across (then it has that cell's shape); else None.

    Cheaper than tokenizing: the neighbour's references are moved and the formula spelled with them;
    only an exact match of the whole text counts, so a formula that differs anywhere else is tokenized
    (:func:`shape_key`) as any other.
    """
    moved = []
    for ref in refs:
        got = _shift(ref, dr, dc)
        if got is None:
            return None
        moved.append(got)
    spelled = "=" + "".join(p + r for p, r in zip(pieces, moved + [""]))
    return moved if spelled == text else None


# --------------------------------------------------------------------------------------------
# formulas' internals (1.3.4) used here


def _internals():
    """The private pieces of formulas 1.3.4 this module uses, or raise RuntimeError naming what is
    missing (the caller then compiles every cell as formulas does)."""
    import formulas
    version = getattr(formulas, "__version__", "?")
    if version != FORMULAS_VERSION:
        raise RuntimeError(f"formulas {version} is not {FORMULAS_VERSION}, whose internals the shape reuse "
                           "was written against")
    import schedula as sh
    from formulas import cell as fcell
    from formulas.functions import DSP
    from formulas.ranges import Ranges
    from formulas.tokens.function import Lambda
    from formulas.tokens.operand import Range
    needed = {"Cell.parser": getattr(fcell.Cell, "parser", None), "Cell.update_inputs":
              getattr(fcell.Cell, "update_inputs", None), "Cell._args": getattr(fcell.Cell, "_args", None),
              "wrap_cell_func": getattr(fcell, "wrap_cell_func", None), "CELL": getattr(fcell, "CELL", None),
              "ExcelModel._compile_cell": getattr(formulas.ExcelModel, "_compile_cell", None),
              "CellWrapper": getattr(fcell, "CellWrapper", None)}
    missing = [k for k, v in needed.items() if v is None]
    if missing:
        raise RuntimeError(f"formulas {version} lacks {', '.join(missing)}")
    return {"sh": sh, "Cell": fcell.Cell, "CELL": fcell.CELL, "DSP": DSP, "Ranges": Ranges, "Range": Range,
            "Lambda": Lambda, "wrap_cell_func": fcell.wrap_cell_func, "DispatchPipe": sh.DispatchPipe,
            "CellWrapper": fcell.CellWrapper}


def _cell_context(ix, cell, context):
    """The parse context formulas gives a cell's formula: the sheet's context plus the cell's filename,
    sheet and position (``cr``, ``cc``), as in formulas 1.3.4 cell.py ``Cell.__init__``."""
    sh = ix["sh"]
    r = cell.range.ranges[0]
    return sh.combine_dicts(context or {}, sh.selector(("filename", "sheet"), r, allow_miss=True),
                            base={"cr": r["r1"], "cc": r["n1"]})


def _reference_names(ix, refs, cell_context, cache=None):
    """formulas' node name for each reference text (``'[BOOK.XLSX]SHEET'!A1``, ``POT``), read by formulas'
    own ``Range`` token as its parser would (formulas 1.3.4 tokens/operand.py); None if a text is not
    one whole reference to formulas.

    ``cache`` ({text: name}, for one sheet's context) skips the re-reading of a text already read: a
    name depends on the text and the sheet only, except for an R1C1 reference (``R[1]C[2]``, read
    relative to the cell), and a text with a ``[`` is never cached.
    """
    from formulas.errors import TokenError
    names = []
    for text in refs:
        name = cache.get(text) if cache is not None else None
        if name is None:
            try:
                tok = ix["Range"](text, cell_context, ix["Cell"].parser)
            except TokenError:
                return None
            if tok.end_match != len(text) or not tok.attr.get("name"):
                return None
            name = tok.attr["name"]
            if cache is not None and "[" not in text:
                cache[text] = name
        names.append(name)
    return names


# --------------------------------------------------------------------------------------------
# the prototype of a shape


@dataclass
class _Prototype:
    """A shape's compiled pipe and how to give it another cell's inputs: ``plan`` lists, in the pipe's
    input order, (prototype node name, how its Ranges is made: 'default', 'context' or 'reference')."""
    pipe: object
    names: list
    plan: list
    call: object = None     # the pipe called step by step (formulas_pipes.straight_pipe), or None


def _downstream(dmap, start) -> set:
    """Every node reachable from ``start`` in a schedula graph (data -> function -> data)."""
    seen, stack = set(start), list(start)
    while stack:
        for nxt in dmap.succ.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _input_ranges(ix, mode, name, context, reference=None, cache=None):
    """The Ranges formulas' ``AstBuilder.compile`` (formulas 1.3.4 builder.py) gives a pipe input: an
    operand's own default ``Ranges().push(name)`` (an operand of ``:``, space or ``,``), a plain
    reference's ``Ranges().push(name, context=context)``, or a defined name's Ranges as given.

    ``cache`` ({(mode, name): Ranges}, for one sheet's context) saves re-reading a name: each call still
    returns a new Ranges with its own copies of the area dicts, as a fresh push would.
    """
    if mode == "reference":
        return reference
    key = (mode, name)
    got = cache.get(key) if cache is not None else None
    if got is None:
        got = ix["Ranges"]().push(name) if mode == "default" else ix["Ranges"]().push(name, context=context)
        if cache is not None:
            cache[key] = got
    return ix["Ranges"](tuple(dict(r) for r in got.ranges), dict(got.values))


def _same_ranges(a, b) -> bool:
    """Two pipe inputs are the same Ranges (same areas, same values)."""
    return (getattr(a, "ranges", None) == getattr(b, "ranges", None)
            and getattr(a, "values", None) == getattr(b, "values", None))


def _refusal(ix, builder, cell, names, references, context):
    """(None, _Prototype) when the compiled ``cell`` may serve its whole shape, else (reason, None).

    ``builder`` is the cell's AstBuilder before compiling (formulas 1.3.4 builder.py), ``names`` the
    node name of each of its references from :func:`_reference_names`. The pipe may be shared only if
    nothing that depends on the cell's position is frozen into it: the position-bearing nodes are the
    cell itself (``CELL``, read by ROW(), COLUMN() and implicit intersection), the dispatcher (``DSP``,
    ISFORMULA) and every reference that is not a defined name; a value formulas computed at compile
    time downstream of one of them (ROW(A5) folded to 5, a ``:`` of two references) would be wrong for
    another cell, so the shape is refused. The pipe's inputs must all be references of the formula, and
    rebuilding the prototype's own inputs as :func:`_input_ranges` would must give formulas' own.
    """
    pipe = getattr(cell.func, "__wrapped__", None)
    if not isinstance(pipe, ix["DispatchPipe"]) or not hasattr(pipe, "inputs") or not hasattr(pipe, "dsp"):
        return "the compiled cell is not a formulas DispatchPipe as in 1.3.4", None
    tokens = list(builder.nodes)
    if any(isinstance(t, ix["Lambda"]) for t in tokens):
        return "LAMBDA/LET", None
    ranges = {builder.nodes[t] for t in tokens if isinstance(t, ix["Range"])}
    if ranges != set(names):
        return "formulas' references differ from the tokenizer's", None
    refs = references or {}
    bearing = {n for n in ranges if n not in refs}
    bearing |= {k for k in (ix["CELL"], ix["DSP"]) if k in builder.dsp.nodes}
    moving = _downstream(builder.dsp.dmap, bearing)
    inputs = pipe.inputs
    for n in pipe.dsp.default_values:
        if n not in inputs and n in moving:
            return f"a value frozen at compile time depends on the position ({n})", None
    defaults = builder.dsp.default_values
    plan = []
    for k, rng in inputs.items():
        if k not in ranges:
            return f"a pipe input is no reference of the formula ({k})", None
        if k in refs:
            mode = "reference"
        else:
            mode = "default" if k in defaults else "context"
            if not _same_ranges(_input_ranges(ix, mode, k, context), rng):
                return f"formulas' input {k} is not the Ranges expected of 1.3.4", None
        plan.append((k, mode))
    return None, _Prototype(pipe, names, plan)


# --------------------------------------------------------------------------------------------
# a reused cell


class SharedPipe:
    """One cell's handle on its shape's compiled pipe: the cell's own ``inputs`` (an OrderedDict from
    its references' node names to their Ranges, in the pipe's input order) and the shared function.

    formulas' ``Cell`` reads ``func.inputs`` to wire the cell into the model and to hand the pipe its
    arguments (formulas 1.3.4 cell.py ``Cell.update_inputs``, ``Cell._args``); the pipe itself takes
    them by position. A DispatchPipe keeps one solution that each call overwrites, so sharing it
    is safe as long as calls do not nest, which they cannot: a cell's pipe calls only functions of
    values, never another cell.
    """

    def __init__(self, pipe, inputs, name, call=None):
        """``name`` labels the cell's function node in the model: the cell's own formula text (formulas
        names it by its parsed expression, which the reused cell never has; only a label). ``call``, when
        given, is the pipe called step by step (:func:`.formulas_pipes.straight_pipe`): the same
        answer without schedula's per-call solution."""
        self.pipe = pipe
        self.inputs = inputs
        self.outputs = list(pipe.outputs or ())
        self.__name__ = name
        self._call = call if call is not None else pipe

    def __call__(self, *args, **kwargs):
        if kwargs:
            return self.pipe(*args, **kwargs)
        return self._call(*args)


def _reused_cell(ix, proto, crd, text, refs, context, references, cache):
    """The cell at ``crd`` as formulas would compile it, built on ``proto``'s pipe, or None (the caller
    compiles it itself) when its references do not map one to one onto the prototype's.

    The Cell is made as formulas makes a value-less cell (its range and output node), then given a
    :class:`SharedPipe` with its own inputs and wired by formulas' own ``update_inputs``. ``cache``
    holds the sheet's already read names and Ranges (:func:`_reference_names`, :func:`_input_ranges`).
    """
    from collections import OrderedDict
    cell = ix["Cell"](crd, None, context=context)
    names = _reference_names(ix, refs, _cell_context(ix, cell, context), cache["names"])
    if names is None or len(names) != len(proto.names):
        return None
    to_own = {}
    for mine, theirs in zip(proto.names, names):
        if to_own.setdefault(mine, theirs) != theirs:
            return None
    if len(set(to_own.values())) != len(to_own):
        return None   # two references the prototype kept apart are one here (or the reverse)
    inputs = OrderedDict()
    for k, mode in proto.plan:
        own = to_own[k]
        if mode == "reference" and own != k:
            return None
        inputs[own] = _input_ranges(ix, mode, own, context, proto.pipe.inputs[k], cache["ranges"])
    cell.func = ix["wrap_cell_func"](SharedPipe(proto.pipe, inputs, f"={text.lstrip('=')}", proto.call),
                                     cell._args)
    cell.update_inputs(references=references)
    return cell


class _EmptyCell:
    """What an empty cell (no value, no formula) compiles to: nothing for the model.

    formulas compiles every cell of a sheet's rectangle, empty ones too, each a ``Cell`` with its own
    parsed Ranges, and then adds none of them: ``ExcelModel.add_cell`` adds a cell only if
    ``Cell.add`` adds a node, which it does only for a formula or a value (formulas 1.3.4
    excel/__init__.py ``add_cell``, cell.py ``Cell.add``). This stands in for such a Cell: no
    output in the model, no value, adds nothing. (A third of the bundled workbook's cells.)
    """
    output = None
    inputs = None

    @property
    def value(self):
        import schedula as sh
        return sh.EMPTY

    def add(self, dsp, context=None):
        return set()


_EMPTY_CELL = _EmptyCell()


# --------------------------------------------------------------------------------------------
# the model


@dataclass
class ReuseStats:
    """What the shape reuse did: ``formula_cells`` compiled through it, ``shapes_compiled`` (cells
    compiled by formulas: one prototype per shape plus every cell of a refused shape), ``cells_reused``
    (cells given a prototype's pipe), ``refused`` (reason: cells), ``disabled`` (why no reuse at all),
    ``pipes`` (the cells' pipes called step by step, :class:`.formulas_pipes.PipeStats`; None when
    they are called as formulas does)."""
    formula_cells: int = 0
    shapes_compiled: int = 0
    cells_reused: int = 0
    refused: collections.Counter = field(default_factory=collections.Counter)
    disabled: str | None = None
    pipes: object = None


def reusing_model_class(straight: bool = True):
    """``ReusingExcelModel``: formulas' ExcelModel whose ``compile_cell`` compiles a formula shape once
    (a class made on demand: formulas is an optional dependency). With ``straight`` the cells that
    share a shape's pipe call it step by step (:mod:`.formulas_pipes`); False calls it as formulas
    does."""
    import formulas

    from .formulas_pipes import PipeStats

    class ReusingExcelModel(formulas.ExcelModel):
        """formulas.ExcelModel compiling each R1C1 formula shape of a sheet once (see the module)."""

        def __init__(self):
            super().__init__()
            self.reuse = ReuseStats(pipes=PipeStats() if straight else None)
            self._shapes = {}
            self._cache_context, self._cache_store = None, None
            try:
                self._ix = _internals()
            except (RuntimeError, ImportError) as ex:
                self._ix = None
                self.reuse.disabled = str(ex)
                warnings.warn(f"formulas shape reuse disabled, every cell compiled: {ex}", RuntimeWarning,
                              stacklevel=2)

        def compile_cell(self, cell, context, references, formula_references):
            """formulas 1.3.4 ``ExcelModel.compile_cell``, reusing a shape's compiled pipe for a plain
            formula cell (array formulas and values go to formulas' own; an empty cell is
            :data:`_EMPTY_CELL`)."""
            crd = cell.coordinate
            val = cell.value
            if self._ix is not None and val is None and cell.data_type != "f":
                return _EMPTY_CELL
            if (self._ix is None or cell.data_type != "f" or not isinstance(val, str)
                    or crd in formula_references):
                return super().compile_cell(cell, context, references, formula_references)
            val = val[:2] == "==" and val[1:] or val     # as formulas' compile_cell
            self.reuse.formula_cells += 1
            got = self._shape(context, cell.row, cell.column, val)
            if got is None:
                return self._plain(crd, val, context, references, "the tokenizer cannot read it")
            shape, refs = got
            proto = self._shapes.get(shape)
            if isinstance(proto, _Prototype):
                out = _reused_cell(self._ix, proto, crd, val, refs, context, references, self._cache(context))
                if out is not None:
                    self.reuse.cells_reused += 1
                    return out
                return self._plain(crd, val, context, references, "its references do not map onto the shape's")
            if proto is not None:     # a refused shape: its reason
                return self._plain(crd, val, context, references, proto)
            return self._prototype(shape, crd, val, refs, context, references)

        def _cache(self, context):
            """The read names and Ranges of the sheet whose context this is (one context object per
            sheet pushed: formulas 1.3.4 ``ExcelModel.push``), and the shapes of its cells seen so far
            (``cells``: {(row, column): (shape, refs, pieces)}); new for a new context."""
            if context is not self._cache_context:
                self._cache_context = context
                self._cache_store = {"names": {}, "ranges": {}, "cells": {}}
            return self._cache_store

        def _shape(self, context, row, col, text):
            """(shape, reference texts) of the formula ``text`` at (row, col): the shape of the cell
            above or to the left when ``text`` is that cell's formula filled on (:func:`predicted`),
            else from :func:`shape_key`; None if it does not tokenize. The shape is per book and sheet.
            """
            cells = self._cache(context)["cells"]
            for dr, dc in ((1, 0), (0, 1)):
                seen = cells.get((row - dr, col - dc))
                if seen is not None and seen[2] is not None:
                    refs = predicted(text, seen[1], seen[2], dr, dc)
                    if refs is not None:
                        cells[(row, col)] = (seen[0], refs, seen[2])
                        return seen[0], refs
            got = shape_key(text, row, col)
            if got is None:
                return None
            key, refs, pieces = got
            shape = (context.get("excel"), context.get("sheet"), key)
            cells[(row, col)] = (shape, refs, pieces)
            return shape, refs

        def _plain(self, crd, val, context, references, reason):
            """formulas' own compile of one formula cell, counting why it was not reused (its pipe then
            called step by step as any other's, :meth:`_straight_cell`)."""
            self.reuse.shapes_compiled += 1
            self.reuse.refused[reason] += 1
            return self._straight_cell(self._compile_cell(crd, val, context, True, references))

        def _prototype(self, shape, crd, val, refs, context, references):
            """Compile the first cell of a shape as formulas does (formulas 1.3.4 ``_compile_cell``) and
            keep its pipe for the shape, or the reason it cannot serve the shape."""
            ix = self._ix
            self.reuse.shapes_compiled += 1
            cell = ix["Cell"](crd, val, context=context, check_formula=True)
            builder = cell.builder
            cell.compile(references=references, context=context)
            if builder is None or cell.func is None:
                reason = "not a compiled formula"
            else:
                names = _reference_names(ix, refs, _cell_context(ix, cell, context))
                if names is None:
                    reason = "a reference formulas reads differently"
                else:
                    reason, proto = _refusal(ix, builder, cell, names, references, context)
                    if proto is not None:
                        self._shapes[shape] = proto
                        proto.call = self._straight(proto.pipe)
                        return self._straight_cell(cell, proto.call)
            self._shapes[shape] = reason
            self.reuse.refused[reason] += 1
            return self._straight_cell(cell)

        def _straight(self, pipe):
            """The pipe called step by step, or None when that is off or the pipe is refused (counted by
            reason: its cells then call the pipe as formulas does)."""
            stats = self.reuse.pipes
            if stats is None:
                return None
            from .formulas_pipes import Refused, straight_pipe
            try:
                return straight_pipe(pipe, stats)
            except Refused as ex:
                stats.refused[str(ex)] += 1
                return None

        def _straight_cell(self, cell, call=None):
            """A cell formulas compiled (a prototype, or one compiled on its own) calling its pipe step by
            step: ``call``, else its own pipe's (:meth:`_straight`). formulas 1.3.4 gives the cell a
            ``CellWrapper`` whose ``func`` is the pipe (cell.py ``wrap_cell_func``); anything else is left
            as it is."""
            wrapper = getattr(cell, "func", None)
            if (self.reuse.pipes is None or not isinstance(wrapper, self._ix["CellWrapper"])
                    or not isinstance(wrapper.func, self._ix["DispatchPipe"])):
                return cell
            call = call if call is not None else self._straight(wrapper.func)
            if call is not None:
                wrapper.func = call
            return cell

        def finish(self, complete=True, circular=False, assemble=True, anchors=True):
            """formulas' ``finish``; circular references are not supported with shared pipes (formulas'
            cycle check reads a cell's pipe graph by the prototype's node names) nor with pipes called
            step by step (the check reads the pipe's graph from the cell's function)."""
            straightened = self.reuse.pipes is not None and self.reuse.pipes.straightened
            if circular and (self.reuse.cells_reused or straightened):
                raise NotImplementedError("solve_circular with reused shape pipes; use formulas.ExcelModel")
            return super().finish(complete=complete, circular=circular, assemble=assemble, anchors=anchors)

    return ReusingExcelModel
