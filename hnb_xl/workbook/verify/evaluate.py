"""Evaluate a workbook in Python with the ``formulas`` package, the ``HNB_`` functions registered.

A third, independent calculation beside LibreOffice and the engine. ``formulas`` gives ``#NAME?``
for any function it does not know, even inside IFERROR, so every function of the spec
(``hnb_xl.excel.spec.FUNCTIONS``) is registered from ``hnb_xl.udfs`` before the workbook is
compiled. Arguments reach a UDF as Excel (xlwings classic) would send them: a single cell as a
scalar, a range as a list of rows, empty cells as None (:func:`to_excel_arg`).

Also here, shared with :mod:`hnb_xl.workbook.verify.recalc`: :func:`udf_formula_values`, the Python
value of each cell that calls an ``HNB_`` function, written into the LibreOffice copy.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from openpyxl.formula import Tokenizer
from openpyxl.formula.tokenizer import Token
from openpyxl.utils.cell import get_column_letter, range_boundaries

from ...errors import HnbInputError
from ...tables.cells import to_cell
from .check import split_sheet


# --------------------------------------------------------------------------------------------
# calling the UDFs as Excel would


def udf_functions() -> dict:
    """{EXCEL NAME: python function} for every function of the spec, from ``hnb_xl.udfs``."""
    from ... import udfs
    from ...excel.spec import FUNCTIONS
    out = {}
    for name in FUNCTIONS:
        fn = getattr(udfs, name, None) or getattr(udfs, name.lower(), None)
        if fn is None:
            raise RuntimeError(f"hnb_xl.udfs has no function for {name} in the spec")
        out[name.upper()] = fn
    return out


def _is_empty(v) -> bool:
    try:
        import schedula as sh
    except ImportError:  # formulas not installed: no formulas EMPTY can appear
        return v is None
    return v is None or v is sh.EMPTY


def _clean(v):
    """One cell value as xlwings classic sends it: numbers as float, blanks as None."""
    if _is_empty(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return to_cell(float(v))          # NaN -> None: the one blank rule (tables.cells)
    if type(v).__name__ == "XlError":
        return str(v)
    s = str(v)
    return None if s == "" else s


def to_excel_arg(value, ndim: int | None = None):
    """A range (2-D array or list of rows) -> list of rows of clean values, or a scalar for one cell
    (unless ``ndim`` is 2: xlwings' ``@xw.arg(ndim=2)`` always sends a list of rows)."""
    if isinstance(value, np.ndarray) or (isinstance(value, list) and value and isinstance(value[0], list)):
        arr = np.asarray(value, dtype=object)
        rows = [[_clean(x) for x in row] for row in arr.reshape(arr.shape[0] if arr.ndim else 1, -1)]
        if len(rows) == 1 and len(rows[0]) == 1 and ndim != 2:
            return rows[0][0]
        return rows
    v = _clean(value)
    return [[v]] if ndim == 2 and v is not None else v


def _ndims(name: str) -> list:
    """ndim of each argument from the spec's xlwings options (2 for table arguments)."""
    from ...excel.spec import FUNCTIONS
    spec = FUNCTIONS.get(name.upper())
    return [dict(a.xl).get("ndim") for a in spec.args] if spec is not None else []


def call_udf(functions: dict, name: str, args: list):
    """Call one HNB_ function with Excel-shaped arguments; a list result becomes a list of rows."""
    nd = _ndims(name)
    result = functions[name.upper()](*[to_excel_arg(a, nd[i] if i < len(nd) else None)
                                       for i, a in enumerate(args)])
    if isinstance(result, np.ndarray):
        result = result.tolist()
    if hasattr(result, "values") and hasattr(result, "columns"):  # a DataFrame
        result = [list(result.columns)] + result.values.tolist()
    if isinstance(result, (list, tuple)):
        rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in result]
        return [[("" if x is None else x) for x in r] for r in rows]
    return result


# --------------------------------------------------------------------------------------------
# formulas


def _formulas():
    """The ``formulas`` package: a declared extra (``pip install -e '.[verify]'``), used by tests and
    benchmarks only; no user command imports it."""
    try:
        import formulas
    except ModuleNotFoundError:
        raise ModuleNotFoundError("evaluating a workbook needs the 'formulas' package: "
                                  "pip install -e '.[verify]'") from None
    return formulas


def register(functions: dict | None = None) -> dict:
    """Register every HNB_ function with ``formulas`` (and unregister other HNB_ names). Returns them."""
    formulas = _formulas()
    functions = functions if functions is not None else udf_functions()
    registry = formulas.get_functions()
    for stale in [n for n in registry if str(n).upper().startswith("HNB_") and str(n).upper() not in functions]:
        del registry[stale]   # a function no longer given must give #NAME?, as in Excel
    for name in functions:
        def make(n):
            def fn(*args):
                out = call_udf(functions, n, list(args))
                if isinstance(out, list):
                    return np.array(out, dtype=object)
                return out
            fn.__name__ = n
            return fn
        registry[name] = formulas.functions.wrap_ranges_func(make(name))
    return functions


@dataclass
class Evaluated:
    """Values from ``formulas``: ``values[sheet]["B7"]``, ``names["Pot"]`` (as recalc.Recalculated).

    With the shape reuse (:mod:`.formulas_reuse`): ``formula_cells`` compiled through it,
    ``shapes_compiled`` (formulas that formulas parsed and compiled: one per shape, plus each cell of
    a refused shape), ``cells_reused`` (cells given their shape's compiled function) and ``refused``
    ({reason: cells}); all None without it. ``pipes``: the cells' pipes called step by step
    (:class:`.formulas_pipes.PipeStats`), None when they are called as ``formulas`` does.
    """
    values: dict[str, dict[str, object]]
    names: dict[str, object]
    seconds_load: float = 0.0
    seconds_calculate: float = 0.0
    model: object = field(default=None, repr=False)
    formula_cells: int | None = None
    shapes_compiled: int | None = None
    cells_reused: int | None = None
    refused: dict | None = None
    pipes: object = None

    def __getitem__(self, key: tuple[str, str]):
        sheet, cell = key
        return self.values[sheet].get(cell.replace("$", "").upper())


def _py(v):
    if isinstance(v, np.generic):
        v = v.item()
    if type(v).__name__ == "XlError":
        return str(v)
    if _is_empty(v):
        return None
    if isinstance(v, str) and v == "":
        return None
    return v


def evaluate(path, *, functions: dict | None = None, edits: dict | None = None,
             reuse: bool = True, lanes: bool = True, straight: bool = True) -> Evaluated:
    """Compile and calculate the workbook at ``path`` with ``formulas`` (the file is only read).

    ``edits`` maps (sheet, cell) to a new input value for this calculation. ``reuse`` compiles each
    R1C1 formula shape once and gives the shape's other cells that compiled function with their own
    inputs (:mod:`.formulas_reuse`: the same calculation, about 4x faster to load); False compiles
    every cell as ``formulas.ExcelModel`` does. ``lanes`` has numpy compute the numbers of an
    arithmetic or comparison over 16 cells or more, every other element by ``formulas``' own
    operator (:mod:`.formulas_lanes`: the same values; the bundled workbook's calculation 16.3 s ->
    12.5 s); False leaves ``formulas``' operators as they are. ``straight`` (with ``reuse``) has every
    formula cell call its pipe step by step (:mod:`.formulas_pipes`: the same calls of the same
    functions without schedula's per-call solution; 10.6 s -> 7.3 s); False calls it as
    ``formulas`` does. (``reuse=False, lanes=False`` is ``formulas`` as published:
    ``benchmarks/prove_formulas_reuse.py`` compares the two.) The cyclic
    garbage collector is paused while the model is compiled and calculated
    (:func:`hnb_xl.workbook.collector.paused`).
    """
    formulas = _formulas()
    from openpyxl import load_workbook

    src = Path(path)
    if not src.is_file():
        raise HnbInputError("no such file", source=str(path))
    register(functions)
    book_sheets = load_workbook(src, read_only=True, keep_vba=False)
    try:
        sheet_names = {s.upper(): s for s in book_sheets.sheetnames}
        defined = {n.upper(): n for n in book_sheets.defined_names}
    finally:
        book_sheets.close()
    t0 = time.perf_counter()
    from ..collector import paused
    from .formulas_lanes import numeric_lanes
    with paused():      # the model and its solution live on: 2.3 s of 21.2 s in collector passes
        with numeric_lanes() if lanes else contextlib.nullcontext():     # the compiled cells keep the operators
            if reuse:
                from .formulas_reuse import reusing_model_class
                model = reusing_model_class(straight)().loads(str(src)).finish()
            else:
                model = formulas.ExcelModel().loads(str(src)).finish()
        t1 = time.perf_counter()
        inputs = {}
        if edits:
            known = {str(k).upper(): k for k in model.cells}
            for (sheet, cell), value in edits.items():
                want = f"'[{src.name}]{sheet}'!{cell.replace('$', '')}".upper()
                if want not in known:
                    raise HnbInputError(f"no input cell {sheet}!{cell} in the model", source=str(path))
                inputs[known[want]] = value
        sol = model.calculate(inputs=inputs) if inputs else model.calculate()
        t2 = time.perf_counter()
    values: dict[str, dict[str, object]] = {s: {} for s in sheet_names.values()}
    names: dict[str, object] = {}
    for key, rng in sol.items():
        key = str(key)
        if "!" not in key:
            continue
        sheet_part, _, ref = key.rpartition("!")
        sheet_part = sheet_part.strip("'")
        sheet_up = sheet_part.split("]", 1)[1] if "]" in sheet_part else sheet_part
        arr = np.asarray(getattr(rng, "value", rng), dtype=object)
        if arr.ndim < 2:
            arr = arr.reshape(1, -1)
        if sheet_up == "":
            real = defined.get(ref.upper())
            if real is not None:
                names[real] = _py(arr[0, 0]) if arr.shape == (1, 1) else [[_py(x) for x in r] for r in arr]
            continue
        sheet = sheet_names.get(sheet_up)
        if sheet is None:
            continue
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except ValueError:
            continue
        for i in range(max_row - min_row + 1):
            for j in range(max_col - min_col + 1):
                if i < arr.shape[0] and j < arr.shape[1]:
                    v = _py(arr[i, j])
                    if v is not None:
                        values[sheet][f"{get_column_letter(min_col + j)}{min_row + i}"] = v
    stats = getattr(model, "reuse", None)
    if stats is None:
        return Evaluated(values, names, t1 - t0, t2 - t1, model)
    return Evaluated(values, names, t1 - t0, t2 - t1, model, stats.formula_cells, stats.shapes_compiled,
                     stats.cells_reused, dict(stats.refused), stats.pipes)


# --------------------------------------------------------------------------------------------
# UDF cells for the LibreOffice copy


def _top_call(tokens):
    """(name, [arg token lists]) when the formula is ``HNB_X(...)`` or ``IFERROR(HNB_X(...), ...)``."""
    toks = [t for t in tokens if t.type != Token.WSPACE]
    if toks and toks[0].type == Token.FUNC and toks[0].value.upper() == "IFERROR(":
        depth, inner = 0, []
        for t in toks[1:]:
            if t.type == Token.FUNC and t.subtype == Token.OPEN:
                depth += 1
            elif t.type == Token.FUNC and t.subtype == Token.CLOSE:
                depth -= 1
            if depth == 0 and t.type == Token.SEP and t.subtype == Token.ARG:
                break
            inner.append(t)
        toks = inner
    if not toks or toks[0].type != Token.FUNC or not toks[0].value.upper().startswith("HNB_"):
        return None
    name = toks[0].value[:-1].upper()
    args, cur, depth = [], [], 0
    for t in toks[1:]:
        if t.type in (Token.FUNC, Token.PAREN, Token.ARRAY) and t.subtype == Token.OPEN:
            depth += 1
        elif t.type in (Token.FUNC, Token.PAREN, Token.ARRAY) and t.subtype == Token.CLOSE:
            if depth == 0:
                args.append(cur)
                break
            depth -= 1
        if depth == 0 and t.type == Token.SEP and t.subtype == Token.ARG:
            args.append(cur)
            cur = []
            continue
        cur.append(t)
    if args == [[]]:
        args = []
    return name, args


def _arg_area(wb, sheet: str, value: str):
    """(sheet, 'A1:B2') for a reference or a defined name, else None."""
    ref_sheet, addr = split_sheet(value)
    if ref_sheet is None and addr in wb.defined_names:
        dests = list(wb.defined_names[addr].destinations)
        if len(dests) == 1:
            return dests[0][0], dests[0][1].replace("$", "")
        return None
    try:
        range_boundaries(addr.replace("$", ""))
    except ValueError:
        return None
    return (ref_sheet or sheet), addr.replace("$", "")


def udf_argument_areas(wb, sheet: str, text: str) -> list[tuple[str, str]]:
    """Every cell area an HNB_ formula reads."""
    out = []
    for t in Tokenizer(text).items:
        if t.type == Token.OPERAND and t.subtype == Token.RANGE:
            a = _arg_area(wb, sheet, t.value)
            if a:
                out.append(a)
    return out


def _area_values(wb, values, sheet, ref):
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    rows = []
    for r in range(min_row, max_row + 1):
        row = []
        for c in range(min_col, max_col + 1):
            addr = f"{get_column_letter(c)}{r}"
            if values is not None and sheet in values:
                v = values[sheet].get(addr)
            else:
                v = wb[sheet][addr].value
            row.append(v)
        rows.append(row)
    return rows


def udf_formula_values(wb, udf_cells, values=None, functions: dict | None = None) -> dict:
    """Python value of each HNB_ cell: {(sheet, row, col, formula, area): scalar or rows}.

    Handles ``=HNB_X(args)`` and ``=IFERROR(HNB_X(args), fallback)`` whose arguments are
    references, defined names, text, numbers or empty; argument values come from ``values``
    (a first LibreOffice pass) when given, else from the workbook's cells. Other shapes raise
    NotImplementedError naming the cell.
    """
    functions = functions if functions is not None else udf_functions()
    out = {}
    for key in udf_cells:
        sheet, row, col, text, area = key
        call = _top_call(Tokenizer(text).items)
        if call is None:
            raise NotImplementedError(f"{sheet}!{get_column_letter(col)}{row}: cannot compute {text} in Python "
                                      "(only =HNB_X(...) and =IFERROR(HNB_X(...),...))")
        name, arg_tokens = call
        args = []
        for toks in arg_tokens:
            toks = [t for t in toks if t.type != Token.WSPACE]
            if not toks:
                args.append(None)
            elif len(toks) == 1 and toks[0].subtype == Token.RANGE:
                a = _arg_area(wb, sheet, toks[0].value)
                if a is None:
                    raise NotImplementedError(f"{sheet}!{get_column_letter(col)}{row}: argument {toks[0].value}")
                args.append(_area_values(wb, values, *a))
            elif len(toks) == 1 and toks[0].subtype == Token.TEXT:
                args.append(toks[0].value[1:-1].replace('""', '"'))
            elif len(toks) <= 2 and toks[-1].subtype == Token.NUMBER:
                sign = -1.0 if len(toks) == 2 and toks[0].value == "-" else 1.0
                args.append(sign * float(toks[-1].value))
            elif len(toks) == 1 and toks[0].subtype == Token.LOGICAL:
                args.append(toks[0].value.upper() == "TRUE")
            else:
                raise NotImplementedError(f"{sheet}!{get_column_letter(col)}{row}: argument "
                                          f"{''.join(t.value for t in toks)} is an expression")
        out[key] = call_udf(functions, name, args)
    return out
