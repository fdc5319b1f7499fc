"""Static checks of a workbook's formulas (no calculation): the static half of Aqua Book verification.

The workbook is read with openpyxl (``keep_vba=True``) and is never saved. Every formula is split
into tokens by openpyxl's :class:`~openpyxl.formula.Tokenizer` (once per shape: the formulas filled
along a row or down a column share their tokens but for their references, see ``_Shape``); the
checks, one finding per cell (``sheet!cell``) and kind:

================  ===========================================================================
code              finding
================  ===========================================================================
unknown-function  a function that is neither an Excel built-in (openpyxl's FORMULAE list) nor
                  an ``HNB_`` function
volatile-function OFFSET or INDIRECT (banned by the modelling code: untraceable references)
unknown-udf       an ``HNB_`` name that is not in the function spec (``hnb_xl.excel.spec``)
udf-arity         an ``HNB_`` call with fewer than ``min_args`` or more than ``max_args`` arguments
error-literal     ``#REF!`` (also ``Sheet!#REF!``), ``#N/A``, ``#DIV/0!`` ... written in a formula
missing-sheet     a reference to a sheet that the workbook does not have
external-link     a reference into another workbook (``[1]Sheet!A1``)
missing-name      a name that is neither a defined name nor a table
empty-reference   a reference to a single empty cell, or to a range whose cells are all empty
constant          a number inside a formula on a calculation sheet, other than the allowed
                  constants (0 and 1 by default): the number belongs in an input cell
row-pattern       a formula that differs (in R1C1-relative form) from its left and right
                  neighbours, which agree with each other ("one consistent formula per row");
                  also down a column when the pattern holds for three cells
circular          a circular reference (one finding per cycle, at its first cell)
================  ===========================================================================

Which sheets are calculation sheets and which constants are allowed come from
``hnb_xl.workbook.layout`` (see :func:`default_policy`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from openpyxl.formula import Tokenizer
from openpyxl.formula.tokenizer import Token
from openpyxl.utils import FORMULAE
from openpyxl.utils.cell import column_index_from_string, get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from ...errors import HnbInputError
from ...excel.spec import FUNCTIONS
from .. import layout

BANNED_FUNCTIONS = frozenset({"OFFSET", "INDIRECT"})
FUNCTION_PREFIXES = ("_xlfn._xlws.", "_xlfn.", "_xludf.", "_xlws.")
UDF_PREFIX = "HNB_"
MAX_EXPAND = 1_000_000  # cells: larger references are not scanned for emptiness

_CELL_RE = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")
_COL_RE = re.compile(r"^(\$?)([A-Za-z]{1,3})$")
_ROW_RE = re.compile(r"^(\$?)(\d+)$")


@dataclass(frozen=True)
class Finding:
    sheet: str
    cell: str
    code: str
    message: str
    formula: str = ""

    @property
    def where(self) -> str:
        sheet = f"'{self.sheet}'" if re.search(r"[^A-Za-z0-9_.]", self.sheet) else self.sheet
        return f"{sheet}!{self.cell}" if self.cell else sheet

    def line(self) -> str:
        return f"{self.where}: {self.code}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Policy:
    """What the checker needs to know about the workbook's layout."""
    calculation_sheets: frozenset[str] = frozenset()
    allowed_constants: frozenset[float] = frozenset({0.0, 1.0})
    functions: dict | None = None   # name -> spec with min_args/max_args; None: hnb_xl.excel.spec
    allowed_empty: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # (sheet, cell) optional inputs


def _spec_functions() -> dict:
    return dict(FUNCTIONS)


def default_policy() -> Policy:
    """The bundled workbook's policy, from ``hnb_xl.workbook.layout``: its ``CALCULATION_SHEETS``,
    ``ALLOWED_CONSTANTS`` and ``OPTIONAL_INPUT_CELLS``, and the functions of ``hnb_xl.excel.spec``."""
    return Policy(
        calculation_sheets=frozenset(layout.CALCULATION_SHEETS),
        allowed_constants=frozenset(float(c) for c in layout.ALLOWED_CONSTANTS),
        functions=_spec_functions(),
        allowed_empty=frozenset(layout.OPTIONAL_INPUT_CELLS),
    )


# ---------------------------------------------------------------------------------------------
# references


@dataclass(frozen=True)
class Ref:
    """A parsed reference: sheet (None = the formula's own sheet) and bounds (1-based, inclusive;
    None for open-ended whole rows/columns)."""
    sheet: str | None
    min_col: int | None
    min_row: int | None
    max_col: int | None
    max_row: int | None


def _unquote(sheet: str) -> str:
    if len(sheet) >= 2 and sheet[0] == sheet[-1] == "'":
        return sheet[1:-1].replace("''", "'")
    return sheet


def split_sheet(text: str) -> tuple[str | None, str]:
    """'My Sheet'!A1 -> ("My Sheet", "A1"); A1 -> (None, "A1")."""
    if "!" not in text:
        return None, text
    sheet, _, addr = text.rpartition("!")
    return _unquote(sheet), addr


def parse_area(addr: str):
    """A1, $A$1:B2, A:A, 1:3 -> (min_col, min_row, max_col, max_row) or None if not an area."""
    parts = addr.split(":")
    if len(parts) == 1:
        m = _CELL_RE.match(parts[0])
        if not m:
            return None
        c, r = column_index_from_string(m.group(2).upper()), int(m.group(4))
        return c, r, c, r
    if len(parts) != 2:
        return None
    a, b = parts
    ma, mb = _CELL_RE.match(a), _CELL_RE.match(b)
    if ma and mb:
        c1, r1 = column_index_from_string(ma.group(2).upper()), int(ma.group(4))
        c2, r2 = column_index_from_string(mb.group(2).upper()), int(mb.group(4))
        return min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)
    ca, cb = _COL_RE.match(a), _COL_RE.match(b)
    if ca and cb:
        c1, c2 = column_index_from_string(ca.group(2).upper()), column_index_from_string(cb.group(2).upper())
        return min(c1, c2), None, max(c1, c2), None
    ra, rb = _ROW_RE.match(a), _ROW_RE.match(b)
    if ra and rb:
        r1, r2 = int(ra.group(2)), int(rb.group(2))
        return None, min(r1, r2), None, max(r1, r2)
    return None


def _r1c1_part(part: str, row: int, col: int) -> str:
    m = _CELL_RE.match(part)
    if m:
        c, r = column_index_from_string(m.group(2).upper()), int(m.group(4))
        rs = f"R{r}" if m.group(3) else f"R[{r - row}]"
        cs = f"C{c}" if m.group(1) else f"C[{c - col}]"
        return rs + cs
    m = _COL_RE.match(part)
    if m:
        c = column_index_from_string(m.group(2).upper())
        return f"C{c}" if m.group(1) else f"C[{c - col}]"
    m = _ROW_RE.match(part)
    if m:
        r = int(m.group(2))
        return f"R{r}" if m.group(1) else f"R[{r - row}]"
    return part


def r1c1(formula: str, row: int, col: int, tokens=None) -> str:
    """The formula with every A1 reference written relative to (row, col), R1C1 style, so that a
    formula copied along a row or down a column gives the same text."""
    if not formula.startswith("="):
        return formula
    fmt, slots = _r1c1_format(formula, tokens if tokens is not None else Tokenizer(formula).items, {})
    return _filled(fmt, slots, [0, row, col])


def _filled(fmt: str, slots: list[tuple[int, int, int]], vals: list[int]) -> str:
    """An R1C1 form from its :func:`_r1c1_format` and ``vals`` (0, the row, the column, then the
    columns and rows that vary in the formula's shape)."""
    return fmt.format(*[vals[i] - vals[j] + k for i, j, k in slots])


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


_WRITTEN = ((None, None), (None, None))  # both parts of a reference as written


def _part_format(part: str, at: tuple, slots: list) -> str:
    """:func:`_r1c1_part` as ``str.format`` text, its numbers appended to ``slots`` (see
    :func:`_r1c1_format`). ``at``: where in ``vals`` the part's column and row are (they vary from
    formula to formula), None: the column or row written in the part."""
    col_at, row_at = at

    def row(absolute: bool, written: str) -> str:
        src, k = (row_at, 0) if row_at is not None else (0, int(written))
        slots.append((src, 0 if absolute else 1, k))
        return "R{}" if absolute else "R[{}]"

    def column(absolute: bool, letters: str) -> str:
        src, k = (col_at, 0) if col_at is not None else (0, column_index_from_string(letters.upper()))
        slots.append((src, 0 if absolute else 2, k))
        return "C{}" if absolute else "C[{}]"

    m = _CELL_RE.match(part)
    if m:
        return row(bool(m.group(3)), m.group(4)) + column(bool(m.group(1)), m.group(2))
    m = _COL_RE.match(part)
    if m:
        return column(bool(m.group(1)), m.group(2))
    m = _ROW_RE.match(part)
    if m:
        return row(bool(m.group(1)), m.group(2))
    return _escape(part)


def _r1c1_format(formula: str, tokens, places: dict) -> tuple[str, list[tuple[int, int, int]]]:
    """:func:`r1c1` of the formula as a ``str.format`` string and its slots, so that one tokenising
    serves every formula of its shape (:class:`_Shape`): slot (i, j, k) is ``vals[i] - vals[j] + k``
    with ``vals = [0, row, col, *the columns and rows that vary]``. ``places``: token index -> for
    each part of that reference, where in ``vals`` its column and row are (see :func:`_part_format`)."""
    if not formula.startswith("="):
        return _escape(formula), []
    out, slots = ["="], []
    for n, tok in enumerate(tokens):
        v = tok.value
        if tok.type == Token.OPERAND and tok.subtype == Token.RANGE:
            sheet, addr = split_sheet(v)
            parts = addr.split(":")
            at = places.get(n, _WRITTEN)
            conv = ":".join(_part_format(p, a, slots) for p, a in zip(parts, at)) if len(parts) == 2 else \
                (_part_format(addr, at[0], slots) if _CELL_RE.match(addr) else _escape(addr))
            out.append((_escape(f"'{sheet}'!") if sheet is not None else "") + conv)
        elif tok.type == Token.FUNC and tok.subtype == Token.OPEN and ":" in v:
            ref, _, fn = v.rpartition(":")
            sheet, addr = split_sheet(ref)
            out.append((_escape(f"'{sheet}'!") if sheet is not None else "") + _part_format(addr, (None, None), slots)
                       + ":" + _escape(fn))
        else:
            out.append(_escape(v))
    return "".join(out), slots


# ---------------------------------------------------------------------------------------------
# the checker


def _formula_text(value) -> str | None:
    if isinstance(value, ArrayFormula):
        return value.text if value.text else None
    if isinstance(value, str) and value.startswith("="):
        return value
    return None


class _Book:
    """The parts of an openpyxl workbook the checks read: formulas, non-empty cells, names, tables."""

    def __init__(self, wb):
        self.wb = wb
        self.sheets = {ws.title: ws for ws in wb.worksheets}
        self.sheet_upper = {name.upper(): name for name in self.sheets}
        self.formulas: dict[str, dict[tuple[int, int], str]] = {}
        self.filled: dict[str, set[tuple[int, int]]] = {}
        self.formula_rows_by_col: dict[str, dict[int, list[int]]] = {}
        self.formula_cells: dict[str, set[tuple[int, int]]] = {}
        for ws in wb.worksheets:
            f, filled = {}, set()
            for (r, c), cell in ws._cells.items():
                v = cell.value
                if v is None or v == "":
                    continue
                filled.add((r, c))
                text = _formula_text(v)
                if text is not None:
                    f[(r, c)] = text
                if isinstance(v, ArrayFormula) and v.ref:
                    area = parse_area(v.ref)
                    if area:
                        for rr in range(area[1], area[3] + 1):
                            for cc in range(area[0], area[2] + 1):
                                filled.add((rr, cc))
            self.formulas[ws.title] = f
            self.filled[ws.title] = filled
            by_col: dict[int, list[int]] = {}
            for (r, c) in f:
                by_col.setdefault(c, []).append(r)
            for rows in by_col.values():
                rows.sort()
            self.formula_rows_by_col[ws.title] = by_col
            self.formula_cells[ws.title] = set(f)
        self.names = {n.upper(): n for n in wb.defined_names}
        self.local_names = {ws.title: {n.upper() for n in ws.defined_names} for ws in wb.worksheets}
        self.tables = {t.upper() for ws in wb.worksheets for t in ws.tables}
        self.name_refs: dict[str, list] = {}      # a defined name's areas, resolved once (_resolve_name)

    def sheet(self, name: str) -> str | None:
        return self.sheet_upper.get(name.upper())


def _function_name(tok_value: str) -> str:
    name = tok_value[:-1]
    if ":" in name:
        name = name.rpartition(":")[2]
    upper = name.upper()
    for p in FUNCTION_PREFIXES:
        if upper.startswith(p.upper()):
            return upper[len(p):]
    return upper


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def check_workbook(wb, policy: Policy | None = None) -> list[Finding]:
    """All findings for an openpyxl workbook (loaded with formulas, not data_only)."""
    policy = policy or default_policy()
    functions = {k.upper(): v for k, v in (policy.functions if policy.functions is not None
                                           else _spec_functions()).items()}
    book = _Book(wb)
    run = _Run(book, policy, functions)
    findings: list[Finding] = []
    refs_by_cell: dict[tuple[str, int, int], list[Ref]] = {}
    rel_forms: dict[str, dict[tuple[int, int], str]] = {}  # R1C1 forms (_check_patterns)

    for sheet, formulas in book.formulas.items():
        is_calc = sheet in policy.calculation_sheets
        forms = rel_forms[sheet] = {}
        for (row, col), text in formulas.items():
            forms[(row, col)], refs_by_cell[(sheet, row, col)], messages = run.formula(sheet, is_calc, text, row, col)
            if messages:
                cell = f"{get_column_letter(col)}{row}"
                seen: set[tuple[str, str]] = set()
                for code, message in messages:
                    if (code, message) not in seen:
                        seen.add((code, message))
                        findings.append(Finding(sheet, cell, code, message, text))

    findings += _check_names(book)
    findings += _check_patterns(book, rel_forms)
    findings += _check_cycles(book, refs_by_cell)
    return sorted(findings, key=_order(book))


def _order(book: _Book):
    index = {name: i for i, name in enumerate(book.sheets)}

    def key(f: Finding):
        m = re.match(r"([A-Z]+)(\d+)$", f.cell or "")
        pos = (int(m.group(2)), column_index_from_string(m.group(1))) if m else (0, 0)
        return (index.get(f.sheet, len(index)), f.sheet, pos, f.code, f.message)
    return key


def _resolve_name(book: _Book, name: str) -> list[Ref]:
    """The areas a defined name refers to, resolved once per name (openpyxl tokenises the name's
    text on every ``destinations``: half the static check's time on the bundled workbook)."""
    key = name.upper()
    if key not in book.name_refs:
        book.name_refs[key] = _name_areas(book, name)
    return book.name_refs[key]


def _name_areas(book: _Book, name: str) -> list[Ref]:
    dn = book.wb.defined_names.get(book.names.get(name.upper(), name))
    if dn is None:
        return []
    out = []
    try:
        dests = list(dn.destinations)
    except Exception:
        return []
    for sheet, addr in dests:
        area = parse_area(addr.replace("$", "$"))
        real = book.sheet(sheet)
        if area and real:
            out.append(Ref(real, *area))
    return out


def _check_reference(book: _Book, sheet: str, value: str, add) -> list[Ref]:
    """Check one RANGE operand; return the cell areas it refers to."""
    if "#REF!" in value.upper():
        add("error-literal", f"#REF! in reference {value}")
        return []
    if value.startswith("[") or re.match(r"^'?\[", value):
        add("external-link", f"reference into another workbook: {value}")
        return []
    ref_sheet, addr = split_sheet(value)
    if ref_sheet is not None and ref_sheet.startswith("["):
        add("external-link", f"reference into another workbook: {value}")
        return []
    real_sheet = sheet
    if ref_sheet is not None:
        names = ref_sheet.split(":")  # 3-D reference Sheet1:Sheet3!A1
        missing = [n for n in names if book.sheet(n) is None]
        if missing:
            add("missing-sheet", f"reference to missing sheet '{missing[0]}': {value}")
            return []
        real_sheet = book.sheet(names[0])
    area = parse_area(addr)
    if area is not None:
        return [Ref(real_sheet, *area)]
    if "[" in addr:  # structured reference Table1[Column]
        table = addr.split("[", 1)[0]
        if table and table.upper() not in book.tables:
            add("missing-name", f"table '{table}' does not exist: {value}")
        return []
    upper = addr.upper()
    if upper in book.local_names.get(real_sheet, set()):
        return []
    if ref_sheet is None and upper in book.names:
        return _resolve_name(book, addr)
    add("missing-name", f"name '{addr}' is not defined")
    return []


_RUNS = re.compile(r"([A-Za-z]+|\d+)")  # split() keeps the runs of letters and of digits


@dataclass
class _Shape:
    """What tokenising one formula tells about every formula of its shape: the same text but for
    the column letters and row numbers of its plain references (a formula filled along a row or
    down a column). The tokenizer reads letters and digits as plain characters but in its
    scientific-notation rule (1E+5) and its number and TRUE/FALSE operands, none of which such a
    reference can meet (_varying_references), so the formulas of a shape have the same tokens but
    for those references, and the same findings but for theirs."""
    fixed: tuple[int, ...]             # indices of the runs a formula must share with this one to fit
    varying: tuple[tuple[int, bool], ...]  # (run index, is column letters) of vals[3:]
    findings: list[tuple[str, str]]    # (code, message) of the text's checks and its fixed references
    refs: list                         # in order: a Ref, or (sheet, col, col, row, row) places in vals
    fmt: str | None                    # the R1C1 form (_r1c1_format); None: unparsable, the text is its form
    slots: list[tuple[int, int, int]]

    def values(self, runs: list[str]) -> list[int] | None:
        """The varying columns and rows of a formula with these runs (and this shape's fixed ones);
        None if it does not have this shape after all: a run of letters where this shape has digits,
        or the other way round, or letters that are no column (past ZZZ)."""
        try:
            return [column_index_from_string(runs[i].upper()) if letters else int(runs[i])
                    for i, letters in self.varying]
        except ValueError:
            return None


class _Run:
    """One check run's memory, so that the work that depends on a formula's text is done once per
    shape (:class:`_Shape`) and each area is read once: a cell only places its shape at its row
    and column and reads the columns and rows of its references."""

    def __init__(self, book: _Book, policy: Policy, functions: dict):
        self.book, self.policy, self.functions = book, policy, functions
        # (sheet, text between the runs) -> [(indices of fixed runs, {their values: shape})]
        self.shapes: dict[tuple[str, str], list[tuple[tuple[int, ...], dict[tuple, _Shape]]]] = {}
        self.areas: dict[tuple, tuple[Ref, str | None]] = {}

    def formula(self, sheet: str, is_calc: bool, text: str, row: int, col: int):
        """(R1C1 form, references, [(code, message)] findings) of the formula at (row, col)."""
        pieces = _RUNS.split(text)
        runs = pieces[1::2]
        key = (sheet, "A".join(pieces[0::2]))  # the pieces have no letter A: the key tells them apart
        entries = self.shapes.setdefault(key, [])
        for fixed, table in entries:
            shape = table.get(tuple([runs[i] for i in fixed]))
            numbers = shape.values(runs) if shape is not None else None
            if numbers is not None:
                break
        else:
            shape = self._shape(sheet, is_calc, text, runs)
            table = next((t for f, t in entries if f == shape.fixed), None)
            if table is None:
                table = {}
                entries.append((shape.fixed, table))
            table[tuple([runs[i] for i in shape.fixed])] = shape
            numbers = shape.values(runs)
        vals = [0, row, col, *numbers]
        refs, messages = [], shape.findings
        for ref in shape.refs:
            if ref.__class__ is not Ref:
                ref_sheet, c1, c2, r1, r2 = ref
                a, b = vals[r1], vals[r2]
                if c1 is None:
                    area = (ref_sheet, None, min(a, b), None, max(a, b))
                else:
                    area = (ref_sheet, min(vals[c1], vals[c2]), min(a, b), max(vals[c1], vals[c2]), max(a, b))
                ref, empty = self.area(area)
                if empty is not None:
                    messages = messages + [("empty-reference", empty)]
            refs.append(ref)
        if shape.fmt is None:
            return text, refs, messages
        return _filled(shape.fmt, shape.slots, vals), refs, messages

    def area(self, key: tuple) -> tuple[Ref, str | None]:
        """The Ref (sheet, min_col, min_row, max_col, max_row) and its empty-reference message (None:
        not empty), worked out once per area (a Ref always names its sheet)."""
        hit = self.areas.get(key)
        if hit is None:
            ref, got = Ref(*key), []
            _check_empty(self.book, ref.sheet, ref, self.policy, lambda code, message: got.append(message))
            hit = self.areas[key] = (ref, got[0] if got else None)
        return hit

    def _shape(self, sheet: str, is_calc: bool, text: str, runs: list[str]) -> _Shape:
        """Tokenise the formula and check what holds for its whole shape."""
        findings: list[tuple[str, str]] = []

        def add(code, message):
            findings.append((code, message))

        try:
            tokens = Tokenizer(text).items
        except Exception as exc:  # openpyxl raises TokenizerError on unbalanced text
            add("unparsable", f"formula cannot be parsed: {exc}")
            return _Shape(tuple(range(len(runs))), (), findings, [], None, [])
        varying = _varying_references(self.book, sheet, text, tokens, runs)
        columns = {c for _, parts in varying.values() for c, _ in parts if c is not None}
        order = sorted(columns | {r for _, parts in varying.values() for _, r in parts})
        at = {i: 3 + n for n, i in enumerate(order)}
        places = {n: [tuple(None if i is None else at[i] for i in part) for part in parts]
                  for n, (_, parts) in varying.items()}
        refs: list = []

        def reference(n, value):
            if n in places:
                (c1, r1), (c2, r2) = places[n][0], places[n][-1]
                refs.append((varying[n][0], c1, c2, r1, r2))
                return
            for ref in _check_reference(self.book, sheet, value, add):
                refs.append(ref)
                empty = self.area((ref.sheet, ref.min_col, ref.min_row, ref.max_col, ref.max_row))[1]
                if empty is not None:
                    add("empty-reference", empty)

        _check_tokens(tokens, is_calc, self.policy, self.functions, add, reference)
        fixed = tuple(i for i in range(len(runs)) if i not in at)
        return _Shape(fixed, tuple((i, i in columns) for i in order), findings, refs,
                      *_r1c1_format(text, tokens, places))


def _varying_references(book: _Book, sheet: str, text: str, tokens, runs: list[str]) -> dict:
    """The references of a formula that may vary within its shape: token index -> (sheet, for each
    part (run index of its column letters, of its row number)). Such a reference is a cell, a
    range of cells or of rows, with no finding, no + or - and not ending in E (the tokenizer's
    scientific-notation rule cannot see it), in a formula whose tokens spell its text (so that
    their places in it are known)."""
    if "=" + "".join(tok.value for tok in tokens) != text:
        return {}
    starts = {m.start(): i for i, m in enumerate(_RUNS.finditer(text))}

    def run(start, value):  # the index of the run that is exactly value at start, else None
        i = starts.get(start)
        return i if i is not None and runs[i] == value else None

    out = {}
    offset = 1
    for n, tok in enumerate(tokens):
        v, place = tok.value, offset
        offset += len(v)
        if tok.type != Token.OPERAND or tok.subtype != Token.RANGE or "+" in v or "-" in v or v.endswith(("E", "e")):
            continue
        got: list[str] = []
        found = _check_reference(book, sheet, v, lambda code, message: got.append(message))
        addr = split_sheet(v)[1]
        if got or len(found) != 1 or parse_area(addr) is None:
            continue
        place += len(v) - len(addr)
        parts = []
        for part in addr.split(":"):
            m = _CELL_RE.match(part)
            if m:
                col, row = run(place + m.start(2), m.group(2)), run(place + m.start(4), m.group(4))
                if col is None:
                    break
            else:
                m = _ROW_RE.match(part)
                if not m:  # whole columns stay as written
                    break
                col, row = None, run(place + m.start(2), m.group(2))
            if row is None:
                break
            parts.append((col, row))
            place += len(part) + 1
        else:
            out[n] = (found[0].sheet, parts)
    return out


def _check_tokens(tokens, is_calc, policy, functions, add, reference) -> None:
    """The checks of a formula's functions, arity, error values and constants; ``reference(i, value)``
    for each reference in it (token i)."""
    stack: list[list] = []  # [kind, name, args, saw_token_in_current_arg]
    for i, tok in enumerate(tokens):
        t, s, v = tok.type, tok.subtype, tok.value
        if stack and not (t == Token.FUNC and s == Token.CLOSE) and not (t == Token.SEP and s == Token.ARG):
            stack[-1][3] = True
        if t == Token.FUNC and s == Token.OPEN:
            name = _function_name(v)
            if ":" in v[:-1]:
                reference(i, v[:-1].rpartition(":")[0])
            if name.startswith(UDF_PREFIX):
                if name not in functions:
                    known = ", ".join(sorted(functions)) or "none"
                    add("unknown-udf", f"{name} is not an HNB function (known: {known})")
            elif name in BANNED_FUNCTIONS:
                add("volatile-function", f"{name} is not allowed (volatile, hides its references)")
            elif name not in FORMULAE and v[:-1] != "":
                add("unknown-function", f"unknown function {name}")
            stack.append(["func", name, 1, False])
        elif t == Token.FUNC and s == Token.CLOSE:
            kind, name, nargs, saw = stack.pop() if stack else ("func", "", 0, False)
            if kind == "func" and name in functions:
                n = nargs if (saw or nargs > 1) else 0
                spec = functions[name]
                lo, hi = getattr(spec, "min_args", 0), getattr(spec, "max_args", None)
                if n < lo or (hi is not None and n > hi):
                    want = f"{lo}" if lo == hi else f"{lo} to {hi}" if hi is not None else f"at least {lo}"
                    add("udf-arity", f"{name} called with {n} argument(s), expects {want}")
        elif t == Token.ARRAY and s == Token.OPEN:
            stack.append(["array", "", 1, False])
        elif t == Token.ARRAY and s == Token.CLOSE:
            if stack:
                stack.pop()
        elif t == Token.PAREN and s == Token.OPEN:
            stack.append(["paren", "", 1, False])
        elif t == Token.PAREN and s == Token.CLOSE:
            if stack:
                stack.pop()
        elif t == Token.SEP and s == Token.ARG:
            if stack:
                stack[-1][2] += 1
                stack[-1][3] = False
        elif t == Token.OPERAND and s == Token.ERROR:
            add("error-literal", f"error value {v} in formula")
        elif t == Token.OPERAND and s == Token.RANGE:
            reference(i, v)
        elif t == Token.OPERAND and s == Token.NUMBER and is_calc:
            num = _number(v)
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if num is not None and nxt is not None and nxt.type == Token.OP_POST and nxt.value == "%":
                num /= 100
                v = v + "%"
            if num is not None and abs(num) not in policy.allowed_constants:
                add("constant", f"number {v} written into a calculation: make it an input")


def _check_empty(book: _Book, sheet: str, ref: Ref, policy: Policy, add) -> None:
    if None in (ref.min_col, ref.min_row, ref.max_col, ref.max_row):
        return
    size = (ref.max_col - ref.min_col + 1) * (ref.max_row - ref.min_row + 1)
    if size > MAX_EXPAND:
        return
    target = ref.sheet or sheet
    filled = book.filled.get(target, set())
    if size <= len(filled):
        for r in range(ref.min_row, ref.max_row + 1):
            for c in range(ref.min_col, ref.max_col + 1):
                if (r, c) in filled or (target, f"{get_column_letter(c)}{r}") in policy.allowed_empty:
                    return
    else:
        for (r, c) in filled:
            if ref.min_row <= r <= ref.max_row and ref.min_col <= c <= ref.max_col:
                return
        if size == 1 and (target, f"{get_column_letter(ref.min_col)}{ref.min_row}") in policy.allowed_empty:
            return
    a = f"{get_column_letter(ref.min_col)}{ref.min_row}"
    b = f"{get_column_letter(ref.max_col)}{ref.max_row}"
    where = a if size == 1 else f"{a}:{b}"
    what = "empty cell" if size == 1 else "range with no values"
    add("empty-reference", f"refers to {what} {target}!{where}")


def _check_names(book: _Book) -> list[Finding]:
    out = []
    for name in book.wb.defined_names:
        dn = book.wb.defined_names[name]
        text = dn.value or ""
        if "#REF!" in text.upper():
            out.append(Finding("", f"name {name}", "error-literal", f"defined name {name} refers to {text}", text))
            continue
        try:
            dests = list(dn.destinations)
        except Exception:
            dests = []
        for sheet, _ in dests:
            if book.sheet(sheet) is None:
                out.append(Finding("", f"name {name}", "missing-sheet",
                                   f"defined name {name} refers to missing sheet '{sheet}'", text))
    return out


def _check_patterns(book: _Book, rel_forms: dict) -> list[Finding]:
    """Interior breaks of a row's (or column's) pattern, in R1C1-relative form."""
    out = []
    for sheet, formulas in book.formulas.items():
        rel = {pos: rel_forms.get(sheet, {}).get(pos, text) for pos, text in formulas.items()}
        flagged = set()
        for (r, c), form in rel.items():
            left, right = rel.get((r, c - 1)), rel.get((r, c + 1))
            if left is not None and left == right and form != left:
                flagged.add((r, c))
                out.append(Finding(sheet, f"{get_column_letter(c)}{r}", "row-pattern",
                                   f"formula differs from the rest of its row ({get_column_letter(c - 1)}{r} and "
                                   f"{get_column_letter(c + 1)}{r} agree)", formulas[(r, c)]))
        for (r, c), form in rel.items():
            if (r, c) in flagged:
                continue
            up, down = rel.get((r - 1, c)), rel.get((r + 1, c))
            if up is None or up != down or form == up:
                continue
            if rel.get((r - 2, c)) == up or rel.get((r + 2, c)) == up:
                out.append(Finding(sheet, f"{get_column_letter(c)}{r}", "row-pattern",
                                   f"formula differs from the rest of its column ({get_column_letter(c)}{r - 1} and "
                                   f"{get_column_letter(c)}{r + 1} agree)", formulas[(r, c)]))
    return out


def _check_cycles(book: _Book, refs_by_cell) -> list[Finding]:
    """Circular references: strongly connected components of the graph formula cell -> area ->
    formula cells inside the area (areas are shared nodes, so a column total referenced by
    25,000 rows costs 25,000 edges, not 25,000 squared)."""
    nodes: dict = {}
    edges: list[list[int]] = []

    def node(key) -> int:
        i = nodes.get(key)
        if i is None:
            i = nodes[key] = len(edges)
            edges.append([])
        return i

    for key in refs_by_cell:
        node(key)
    area_done = set()
    for (sheet, row, col), refs in refs_by_cell.items():
        src = nodes[(sheet, row, col)]
        for ref in refs:
            target = ref.sheet or sheet
            by_col = book.formula_rows_by_col.get(target, {})
            if ref.min_col == ref.max_col and ref.min_row == ref.max_row and ref.min_col is not None:
                if (ref.min_row, ref.min_col) in book.formula_cells.get(target, ()):
                    edges[src].append(nodes[(target, ref.min_row, ref.min_col)])
                continue
            akey = ("area", target, ref.min_col, ref.min_row, ref.max_col, ref.max_row)
            a = node(akey)
            edges[src].append(a)
            if akey in area_done:
                continue
            area_done.add(akey)
            lo_r, hi_r = ref.min_row or 1, ref.max_row or 1_048_576
            for c, rows in by_col.items():
                if ref.min_col is not None and not (ref.min_col <= c <= ref.max_col):
                    continue
                for r in rows[bisect.bisect_left(rows, lo_r):bisect.bisect_right(rows, hi_r)]:
                    edges[a].append(nodes[(target, r, c)])

    keys = list(nodes)
    out = []
    for comp in _sccs(edges):
        cells = [keys[i] for i in comp if keys[i][0] != "area"]
        if not cells:
            continue
        if len(comp) == 1 and comp[0] not in edges[comp[0]]:
            continue
        cells.sort(key=lambda k: (list(book.sheets).index(k[0]), k[1], k[2]))
        names = [f"{s}!{get_column_letter(c)}{r}" for s, r, c in cells]
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        s, r, c = cells[0]
        out.append(Finding(s, f"{get_column_letter(c)}{r}", "circular",
                           f"circular reference through {len(names)} cell(s): {shown}", book.formulas[s][(r, c)]))
    return out


def _sccs(edges: list[list[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components, iterative (no recursion limit on long chains).
    Only components with more than one node or a self-loop can be cycles; all are returned."""
    n = len(edges)
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    out = []
    counter = 0
    for start in range(n):
        if index[start] != -1:
            continue
        work = [(start, 0)]
        while work:
            v, pi = work.pop()
            if pi == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack[v] = True
            recurse = False
            for j in range(pi, len(edges[v])):
                w = edges[v][j]
                if index[w] == -1:
                    work.append((v, j + 1))
                    work.append((w, 0))
                    recurse = True
                    break
                if on_stack[w]:
                    low[v] = min(low[v], index[w])
            if recurse:
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in edges[v]:
                    out.append(comp)
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
    return out


def load(path) -> object:
    """The workbook at ``path`` read for its formulas, values and names (:func:`hnb_xl.workbook.snapshot.
    read_workbook`: never written, and about twice as fast as openpyxl's full load, which also builds
    styles and merged cells the checks do not read). Unreadable: HnbInputError."""
    import zipfile

    from ..snapshot import read_workbook
    p = Path(path)
    if not p.is_file():
        raise HnbInputError("no such file", source=str(path))
    try:
        return read_workbook(p)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise HnbInputError(f"cannot be read as an Excel workbook ({type(exc).__name__}: {exc})",
                            source=str(path)) from None
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise HnbInputError(f"cannot be read as an Excel workbook ({type(exc).__name__}: {exc})",
                            source=str(path)) from None


def check(path, policy: Policy | None = None) -> list[Finding]:
    """Findings for the workbook at ``path`` (the file is opened read-only in effect: never saved)."""
    return check_workbook(load(path), policy)
