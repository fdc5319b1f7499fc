"""The one cell vocabulary: what is blank, how a number is read, how an engine value becomes a cell.

Every road into the model reads numbers with :func:`parse_number`: a cell of a CSV/XLSX file
(:func:`hnb_xl.tables.schema.to_frame`), an Excel function's argument or table range
(:mod:`hnb_xl.excel.args`) and a command-line option (``hnb_xl.commands._common.pounds`` and
``fraction``). The same text gets the same verdict and the same value on all of them
(tests/test_grammar.py runs one table of cases through the three roads).

The number grammar
------------------

* A number (int or float, not a bool) is taken as it is; NaN and infinity are errors
  ("expected a finite number").
* Text: spaces and non-breaking spaces around it are ignored; an optional sign; an accounting
  negative in brackets, ``(1,000)`` = -1000; thousands commas only in groups of three
  (``1,000``, ``1,234.5``; ``1,0`` is an error); an exponent (``1e5``) is allowed except in an
  identifier column.
* ``£`` or ``GBP`` before the number (any case, a space allowed) and a ``k``, ``m`` or ``bn``
  multiplier after it (x 1,000, x 1,000,000, x 1,000,000,000) only in a money column (kinds
  ``money``, ``signed_money``); in any other column they are an error.
* ``%`` after the number (divided by 100) only in a rate or share column. A percentage in a money
  or count column is an error naming the column's unit ("expected an amount in pounds, got '5%':
  a percentage is not an amount"): a Notional SEN budget of ``5%`` is not £0.05.
* An identifier (URN) is digits only, written in full: ``9.00E+05`` is an error ("write the
  identifier in full").
* Then the column's range applies (:data:`KIND_RULES` gives each kind's; a column may narrow it):
  money >= 0, counts whole and >= 0, shares 0 to 1, rates -1 to +1 (a growth rate outside
  -100%...+100% is an error). A value between 1 and 100 written without ``%`` in a rate or share
  column gets the hint "did you mean 9% (0.09)?".
* Then the kind's plausibility ceiling on the value's size (``KindRule.ceiling``): £1 trillion for
  money, 10 million for counts (:data:`MONEY_CEILING`, :data:`COUNT_CEILING`, with their reasons).
* A financial year (:func:`parse_financial_year`) is one from 2000-01 to 2099-00.

The grammar is written out, with examples, in docs/input-grammar.md (in this repository). The
accounting negative and thousands separators are what Excel shows for its "Accounting" and "Number"
formats (Microsoft Support, "Available number formats in Excel").

Blank
-----

:func:`is_blank`: None, empty or spaces-only text, NaN; and 0 as well with ``zero_is_blank``
(Office.js custom functions send a blank cell as 0).

Engine value to cell
--------------------

:func:`to_cell`: NaN/None/NA -> None (an empty cell), numpy scalars -> Python, whole numbers of a
count or identifier column -> int, a whole float of another number column -> int (a cell shows
450000, not 450000.0); text stays text (:func:`write_text` keeps "=HYPERLINK(..)" a string).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from numbers import Number
from typing import NamedTuple

# COM error codes of Excel cell errors (as xlwings classic passes them without err_to_str)
EXCEL_ERRORS = {
    -2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826259: "#NAME?", -2146826288: "#NULL!",
    -2146826252: "#NUM!", -2146826265: "#REF!", -2146826273: "#VALUE!",
}

_PLAIN = (float, str, type(None))


def scalar(v):
    """One cell value as plain Python: numpy scalars unwrapped, COM error codes as "#N/A" text."""
    if type(v) in _PLAIN:
        return v
    if hasattr(v, "item") and getattr(v, "ndim", 0) == 0:
        v = v.item()
    if isinstance(v, int) and not isinstance(v, bool) and v in EXCEL_ERRORS:
        return EXCEL_ERRORS[v]
    return v


def is_blank(v, zero_is_blank: bool = False) -> bool:
    """None, "", spaces, NaN (and pandas' NA); and 0 as well when ``zero_is_blank`` (Office.js blanks)."""
    if v is None:
        return True
    if isinstance(v, str):
        return v.strip() == ""
    if isinstance(v, float):
        return math.isnan(v) or (zero_is_blank and v == 0)
    if type(v).__name__ == "NAType":
        return True
    if hasattr(v, "item") and getattr(v, "ndim", 0) == 0:     # a numpy scalar
        return is_blank(v.item(), zero_is_blank)
    return zero_is_blank and isinstance(v, Number) and not isinstance(v, bool) and v == 0


# ---------------------------------------------------------------------------------------------- kinds

class KindRule(NamedTuple):
    """What a kind of column holds: its valid range (inclusive; None = open), whether whole numbers
    only, the words for what is expected (in messages), the noun for its range, the Excel number
    format its input cells get on the Inputs sheet, and its plausibility ceiling: the largest size
    (absolute value) a real figure of the kind can have (None = no ceiling; see
    :data:`MONEY_CEILING` and :data:`COUNT_CEILING`)."""
    low: float | None
    high: float | None
    whole: bool
    expected: str
    noun: str
    number_format: str
    ceiling: float | None = None


GBP_FORMAT = '£#,##0;-£#,##0;£0'

# Plausibility ceilings. No figure a council or DfE publishes comes near them; a value beyond is a
# typing or unit error, and refusing it keeps NaN and infinity out of the arithmetic (a count of
# 1e308 times £6,000 is infinity; 1e308 as a whole number of pounds overflows int64).
# Money: £1 trillion (10**12), fifteen times England's whole Dedicated Schools Grant (about £65
# billion for 2025-26: DfE, "Dedicated schools grant (DSG): 2025 to 2026", GOV.UK,
# https://www.gov.uk/government/publications/dedicated-schools-grant-dsg-2025-to-2026), and small
# enough that pence stay exact in a float (10**14 pence < 2**53).
MONEY_CEILING = 1e12
# Counts (pupils, EHCPs, places): 10 million, more than every pupil in England's schools (about 9.0
# million in January 2025: DfE, "Schools, pupils and their characteristics: academic year 2024/25",
# https://explore-education-statistics.service.gov.uk/find-statistics/school-pupils-and-their-characteristics)
# and fifteen times England's EHCPs (about 639,000 in January 2025: DfE, "Education, health and care
# plans: reporting year 2025",
# https://explore-education-statistics.service.gov.uk/find-statistics/education-health-and-care-plans).
COUNT_CEILING = 1e7
# Financial years (start years): 2000-01 to 2099-00. The High Needs Block is a block of the DSG,
# paid since 2006-07; 2000-01 leaves room for older outturn, 2099-00 is the last label of the
# century ("2099-00"). A year outside is a typing error (1899-00, 2202-03).
FIRST_YEAR, LAST_YEAR = 2000, 2099

KIND_RULES: dict[str, KindRule] = {
    "money": KindRule(0.0, None, False, "an amount in pounds", "an amount in pounds", GBP_FORMAT, MONEY_CEILING),
    "signed_money": KindRule(None, None, False, "an amount in pounds", "an amount in pounds", GBP_FORMAT,
                             MONEY_CEILING),
    "count": KindRule(0.0, None, True, "a whole number", "a count", "#,##0", COUNT_CEILING),
    "id": KindRule(1.0, None, True, "a URN", "a URN", "0"),
    "rate": KindRule(-1.0, 1.0, False, "a fraction such as 0.05", "a rate", "0.0%"),
    "share": KindRule(0.0, 1.0, False, "a fraction between 0 and 1", "a fraction", "0.0%"),
    # an argument that is a rate when 1 or less and an amount in pounds above (HNB_TRANSFER's
    # rate_or_amount; a workstream's amount, a fraction or pounds by its lever): both words allowed
    "money_or_rate": KindRule(None, None, False, "a fraction or an amount in pounds",
                              "a fraction or an amount in pounds", "General", MONEY_CEILING),
    "year": KindRule(FIRST_YEAR, LAST_YEAR, False, "a financial year such as 2022-23", "a financial year", "@"),
    "text": KindRule(None, None, False, "text", "text", "General"),
}
NUMBER_KINDS = frozenset(k for k in KIND_RULES if k not in ("year", "text"))
MONEY_KINDS = frozenset({"money", "signed_money", "money_or_rate"})
PERCENT_KINDS = frozenset({"rate", "share", "money_or_rate"})

_MULTIPLIERS = {"k": 10 ** 3, "m": 10 ** 6, "bn": 10 ** 9}
_SPACES = " \t\r\n\u00a0\u2007\u202f"
_TEXT_NUMBER = re.compile(r"""
    (?P<open>\()?\s*
    (?P<sign>[+-])?\s*
    (?P<currency>£|gbp)?\s*
    (?P<sign2>[+-])?
    (?P<digits>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)
    (?P<exponent>e[+-]?\d+)?
    \s*(?P<suffix>%|k|m|bn)?
    \s*(?P<close>\))?
    """, re.VERBOSE | re.IGNORECASE)
_WHOLE_DIGITS = re.compile(r"\d+(?:\.0*)?")
_NOT_FINITE = frozenset({"nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})


class Range(NamedTuple):
    """A kind with its range narrowed for one argument or option (what :func:`parse_number` reads
    of a Column: kind, low, high, whole, unit)."""
    kind: str
    low: float | None
    high: float | None
    whole: bool = False
    unit: str = ""
    ceiling: float | None = None


def narrowed(kind: str, low: float | None = None, high: float | None = None) -> Range:
    """``kind``'s range (:data:`KIND_RULES`) narrowed by ``low``/``high`` (None: the kind's own)."""
    rule = KIND_RULES[kind]
    lo = rule.low if low is None else low if rule.low is None else max(low, rule.low)
    hi = rule.high if high is None else high if rule.high is None else min(high, rule.high)
    return Range(kind, lo, hi, rule.whole, "", rule.ceiling)


def _rule(column_or_kind):
    """(kind, low, high, whole, unit, ceiling) of a Column (its own range) or of a kind's defaults."""
    if isinstance(column_or_kind, str):
        r = KIND_RULES[column_or_kind]
        return column_or_kind, r.low, r.high, r.whole, "", r.ceiling
    c = column_or_kind
    return c.kind, c.low, c.high, c.whole, c.unit, getattr(c, "ceiling", KIND_RULES[c.kind].ceiling)


def shown(value, limit: int = 40) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters with its length said (a cell of
    140,000 digits must not make a 140,000-character line)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value):,} characters" if isinstance(value, str) else f"{len(text):,} characters shown"
    return f"{text[:limit]}... ({size})"


def plausible_text(kind: str, ceiling: float) -> str:
    """How a ceiling reads: "of at most £1,000,000,000,000", "of at most 10,000,000"."""
    sign = "£" if kind in MONEY_KINDS else ""
    return f"of at most {sign}{ceiling:,.0f}"


def _g(x: float) -> str:
    return f"{x:g}"


def range_text(kind: str, low, high, noun: str | None = None) -> str:
    """How a range reads in a message: "a fraction between 0 and 1", "an amount in pounds of 0 or more"."""
    noun = noun or KIND_RULES[kind].noun
    if kind == "rate" and low == -1 and high == 1:
        return f"{noun} between -1 and 1 (-100% to +100%)"
    if low is not None and high is not None:
        return f"{noun} between {_g(low)} and {_g(high)}"
    if low is not None:
        return f"{noun} of {_g(low)} or more"
    if high is not None:
        return f"{noun} of {_g(high)} or less"
    return noun


def _percent_hint(kind: str, x: float, text_had_percent: bool) -> str:
    if kind in ("rate", "share") and not text_had_percent and 1 < abs(x) <= 100:
        return f"; did you mean {_g(x)}% ({_g(x / 100)})?"
    return ""


def parse_text(text: str, kind: str, what: str | None = None) -> tuple[float, bool]:
    """(value, written with %) of a number written as text, by the grammar of the module docstring,
    for a column of ``kind``; raises ValueError saying what was expected (``what``: the column's
    own description, e.g. "a number (£)"). No range check here (see :func:`parse_number`)."""
    rule = KIND_RULES[kind]
    shown_ = shown(text)
    s = text.strip(_SPACES)
    expected = what or rule.expected
    if s.lower() in _NOT_FINITE:
        raise ValueError(f"expected a finite number, got {shown_}")
    if kind == "id":
        if _WHOLE_DIGITS.fullmatch(s):
            return float(int(s.split(".")[0])), False
        m = _TEXT_NUMBER.fullmatch(s)
        if m and m.group("exponent"):
            raise ValueError(f"expected {expected}, got {shown_}: write the identifier in full (digits only)")
        raise ValueError(f"expected {expected} (a whole number), got {shown_}")
    m = _TEXT_NUMBER.fullmatch(s)
    if m is None:
        if re.fullmatch(r"[(+\-£a-zA-Z\s]*[\d.,]+\S*", s) and "," in s:
            raise ValueError(f"expected {expected}, got {shown_}: thousands commas go in groups of three "
                             "(1,000 or 1,234.5)")
        raise ValueError(f"expected {expected}, got {shown_}")
    if bool(m.group("open")) != bool(m.group("close")) or (m.group("open") and (m.group("sign") or m.group("sign2"))) \
            or (m.group("sign") and m.group("sign2")):
        raise ValueError(f"expected {expected}, got {shown_}")
    suffix = (m.group("suffix") or "").lower()
    if m.group("currency") and kind not in MONEY_KINDS:
        raise ValueError(f"expected {rule.expected}, got {shown_}: £ and GBP mark an amount in pounds")
    if suffix in _MULTIPLIERS and kind not in MONEY_KINDS:
        raise ValueError(f"expected {rule.expected}, got {shown_}: k, m and bn are for amounts in pounds")
    if suffix == "%" and kind not in PERCENT_KINDS:
        what_not = "an amount" if kind in MONEY_KINDS else "a count" if kind == "count" else "a number of this kind"
        raise ValueError(f"expected {rule.expected}, got {shown_}: a percentage is not {what_not}")
    if suffix == "%" and m.group("currency"):
        raise ValueError(f"expected {expected}, got {shown_}: a percentage is not an amount")
    try:
        x = Decimal(m.group("digits").replace(",", "") + (m.group("exponent") or ""))
    except InvalidOperation:
        raise ValueError(f"expected {expected}, got {shown_}") from None
    if suffix == "%":
        x = x / 100
    elif suffix:
        x = x * _MULTIPLIERS[suffix]
    if m.group("open") or "-" in (m.group("sign") or "", m.group("sign2") or ""):
        x = -x
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {shown_}")
    return value, suffix == "%"


def parse_number(value, column_or_kind, *, what: str | None = None) -> float:
    """A cell's or argument's number, by the one grammar (module docstring), checked against the
    range of ``column_or_kind`` (a :class:`~hnb_xl.tables.schema.Column`, whose own ``low``,
    ``high`` and ``whole`` apply, or a kind name of :data:`KIND_RULES`). Returns a float; raises
    ValueError with the reason (the caller adds where: file, row and column, option or argument).
    ``what`` names what is expected in the caller's words ("an amount in pounds", "a fraction")."""
    kind, low, high, whole, unit, ceiling = _rule(column_or_kind)
    rule = KIND_RULES[kind]
    noun = what or rule.noun
    if isinstance(value, bool):
        raise ValueError(f"expected {what or rule.expected}, got {shown(value)}")
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    percent = False
    if isinstance(value, Number):
        try:
            x = float(value)
        except (OverflowError, TypeError, ValueError):
            raise ValueError(f"expected {what or rule.expected}, got {shown(value)}") from None
        if not math.isfinite(x):
            raise ValueError(f"expected a finite number, got {shown(value)}")
    elif isinstance(value, str):
        described = what or (f"a number ({unit})" if unit and kind != "id" else None)
        x, percent = parse_text(value, kind, described)
    else:
        raise ValueError(f"expected {what or rule.expected}, got {shown(value)}")
    if kind == "id":
        if not x.is_integer() or x < (1 if low is None else low):
            raise ValueError(f"expected {what or rule.expected} (a positive whole number), got {shown(value)}")
        return x
    if (low is not None and x < low) or (high is not None and x > high):
        raise ValueError(f"expected {range_text(kind, low, high, noun)}, got {shown(value)}"
                         f"{_percent_hint(kind, x, percent)}")
    if ceiling is not None and abs(x) > ceiling:
        raise ValueError(f"expected {noun} {plausible_text(kind, ceiling)}"
                         f"{' in size' if low is None or low < 0 else ''}, got {shown(value)}: "
                         "no real figure is that large (plausibility ceilings: docs/input-grammar.md)")
    if whole and not x.is_integer():
        raise ValueError(f"expected a whole number, got {shown(value)}")
    return x


def parse_financial_year(value, low: int | None = None, high: int | None = None) -> int:
    """A financial year's start year (:func:`hnb_xl.years.parse_year`: "2022-23", "2022/23", 2022)
    within :data:`FIRST_YEAR` to :data:`LAST_YEAR` (``low``/``high``: a column's own range);
    raises ValueError saying what was expected. Every road reads a year with this: a file's cell
    (schema.convert_cell), an Excel function's argument, a command-line option."""
    from ..years import fy, parse_year
    y = parse_year(value)
    lo = FIRST_YEAR if low is None else int(low)
    hi = LAST_YEAR if high is None else int(high)
    if not lo <= y <= hi:
        raise ValueError(f"expected a financial year from {fy(lo)} to {fy(hi)}, got {shown(value)}")
    return y


# ---------------------------------------------------------------------------------------------- to cells

def to_cell(v, kind: str | None = None):
    """An engine value as a cell value: None/NaN/NA -> None, numpy scalars -> Python, bools and
    text as they are; for a column of ``kind``: text and years as text, counts and identifiers
    as int, a whole float of another number kind as int. Without a kind, numbers stay as they are."""
    if hasattr(v, "item") and getattr(v, "ndim", 0) == 0:
        v = v.item()
    if v is None or type(v).__name__ == "NAType" or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, (bool, str)) or kind is None:
        return v
    if kind in ("text", "year"):
        return str(v)
    if kind in ("count", "id"):
        return int(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 2 ** 53:
        return int(v)
    return v


def write_text(cell, value) -> None:
    """Put ``value`` in an openpyxl cell; a string is ALWAYS text, even "=HYPERLINK(...)" or "+cmd|..."."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


__all__ = ["EXCEL_ERRORS", "KIND_RULES", "KindRule", "NUMBER_KINDS", "Range", "narrowed", "scalar", "is_blank",
           "parse_number", "parse_financial_year", "shown", "MONEY_CEILING", "COUNT_CEILING", "FIRST_YEAR",
           "LAST_YEAR", "parse_text", "range_text", "to_cell", "write_text"]
