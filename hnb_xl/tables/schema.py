"""Table schemas shared by file sources, the Excel functions and the workbook.

One place says what each input table's columns are called, what they hold and in what unit,
and how a header written by a person ("EHCPs", "ehcp count", "Notional SEN budget (£)") maps to
the engine's name. :func:`to_frame` validates rows (from a CSV, an XLSX sheet or an Excel range)
and reports every problem with its row and column.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import pandas as pd

from ..engine.safety_valve import FUNDING_SOURCES
from ..errors import HnbInputError, raise_all
from ..years import fy, parse_year
from .cells import KIND_RULES, is_blank, parse_financial_year, parse_number

# kinds (KIND_RULES in .cells gives each one's range, whole-number rule, words and number format):
# "count" (whole number >= 0), "money" (£ >= 0), "signed_money" (£, may be negative), "rate" (fraction
# -1..+1), "share" (fraction 0..1), "money_or_rate" (a fraction or pounds), "year" (financial year),
# "text", "id" (URN)

KIND = ...   # a Column field left as KIND takes its kind's default from KIND_RULES

TBC = ("TBC",)
# DfE's codes for a figure not published in its statistics: x not available, z not applicable,
# c confidential, low a small number rounded to 0, u low reliability ("Symbols used", Explore
# education statistics, https://explore-education-statistics.service.gov.uk/glossary)
DFE_NOT_KNOWN = ("x", "z", "c", "low", "u")


@dataclass(frozen=True)
class Column:
    """One column of an input table: names, kind and unit, and its rules as data.

    ``low``/``high``: the valid range, inclusive (None = open; for a year column, start years);
    ``whole``: whole numbers only; ``number_format``: the Excel number format of its input cells on
    the Inputs sheet; ``ceiling``: the plausibility ceiling on a value's size. Each left
    out takes its kind's default (:data:`~hnb_xl.tables.cells.KIND_RULES`). ``not_known``: codes
    that mean "not known yet" (TBC; DfE's x, z, c, low, u), read as blank; the first is written
    back, unless it is a DfE code (:attr:`blank_written`).
    ``choices``: a text column's only values, each in its one spelling; a cell is read as the choice
    it equals ignoring case and spaces ("general fund", "GeneralFund" -> "General Fund"), anything
    else is refused; a blank cell, or a file without the column, is the first choice.
    """
    name: str                 # engine name
    header: str               # header as written in templates and the workbook
    kind: str
    unit: str
    description: str
    required: bool = True
    aliases: tuple[str, ...] = field(default_factory=tuple)
    not_known: tuple[str, ...] = ()
    low: float | None = KIND
    high: float | None = KIND
    whole: bool = KIND
    number_format: str = KIND
    ceiling: float | None = KIND
    choices: tuple[str, ...] = ()

    def __post_init__(self):
        rule = KIND_RULES[self.kind]
        for name in ("low", "high", "whole", "number_format", "ceiling"):
            if getattr(self, name) is KIND:
                object.__setattr__(self, name, getattr(rule, name))
        if isinstance(self.not_known, str):
            object.__setattr__(self, "not_known", (self.not_known,))

    @functools.cached_property
    def spellings(self) -> frozenset[str]:
        """Every normalised header this column accepts: its header, engine name and aliases."""
        return frozenset({normalise_header(self.header), normalise_header(self.name),
                          *map(normalise_header, self.aliases)})

    @property
    def expected(self) -> str:
        """What a cell of this column should hold, in a message ("an amount in pounds")."""
        return KIND_RULES[self.kind].expected

    @property
    def blank_text(self) -> str:
        """What a blank cell of a text column reads as: its first choice, else ""."""
        return self.choices[0] if self.choices else ""

    @property
    def blank_written(self) -> str | None:
        """What a writer (build, refresh, templates) puts in a blank cell of this column: its first
        "not known yet" word (TBC), or None, an empty cell, when it has none or DfE's codes (a count
        DfE does not give is left blank: the Checks sheet's sums meet numbers or blanks only)."""
        return self.not_known[0] if self.not_known and self.not_known[0] not in DFE_NOT_KNOWN else None

    def is_not_known(self, v) -> bool:
        """True for one of the column's "not known yet" codes ("TBC"), in any case."""
        return bool(self.not_known) and isinstance(v, str) and v.strip().upper() in {c.upper() for c in self.not_known}


@dataclass(frozen=True)
class Schema:
    name: str
    title: str
    columns: tuple[Column, ...]
    key: str | None = None    # column that must be unique (URN, financial year)
    contiguous_years: bool = False   # financial years one after another, no gaps (history, assumptions)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def normalise_header(text) -> str:
    """Lower-case, drop spaces/underscores/punctuation and a trailing unit in brackets.

    "Notional SEN budget (£)" -> "notionalsenbudget"; "EHC plan" -> "ehcplan".
    """
    s = "" if text is None else str(text)
    s = re.sub(r"\s*[\(\[][^\)\]]*[\)\]]\s*$", "", s.strip())
    return re.sub(r"[^0-9a-z]", "", s.lower())


PCT2 = "0.00%"     # growth rates to a hundredth of a per cent (0.0% would hide -1.79% -> -1.8%)

SCHOOLS = Schema("schools", "Schools (census snapshot)", (
    Column("urn", "URN", "id", "", "Unique Reference Number of the school", aliases=("school_urn", "urn")),
    Column("school_name", "School name", "text", "", "School name", aliases=("name", "schoolname", "school")),
    Column("phase", "Phase", "text", "", "Phase of education", required=False,
           aliases=("phase_type_grouping", "phaseofeducation")),
    Column("pupils_on_roll", "Pupils on roll", "count", "pupils", "Pupils on roll (headcount)", required=False,
           aliases=("totalpupils", "pupils", "nor", "numberonroll")),
    Column("ehcp_count", "EHCPs", "count", "pupils", "Pupils with an EHC plan at the census",
           aliases=("ehcp", "ehcps", "ehcpcount", "ehcplan", "ehcplans", "ehcpupils")),
    Column("notional_sen", "Notional SEN budget", "money", "£", "Notional SEN budget within the budget share",
           aliases=("notionalsen", "notionalsenbudget", "notional_sen")),
), key="urn")

HISTORY = Schema("history", "HNB history (outturn)", (
    Column("financial_year", "Financial year", "year", "", "Financial year, e.g. 2021-22",
           aliases=("year", "fy")),
    Column("ehcp_count", "EHCPs (January census)", "count", "plans", "EHCPs at the January census",
           aliases=("ehcps", "ehcp", "ehcpcount")),
    Column("hnb_budget", "HNB budget", "money", "£", "High Needs Block budget", aliases=("budget", "highneedsbudget")),
    Column("hnb_expenditure", "HNB expenditure", "money", "£", "High Needs Block expenditure (outturn)",
           aliases=("expenditure", "highneedsexpenditure", "spend")),
    Column("accumulated_deficit", "Accumulated DSG deficit", "signed_money", "£",
           "Accumulated DSG deficit at 31 March (blank for a base year)", required=False,
           aliases=("accumulated", "accumulateddeficit", "cumulativedeficit")),
), key="financial_year", contiguous_years=True)

ASSUMPTIONS = Schema("assumptions", "Projection assumptions", (
    Column("financial_year", "Financial year", "year", "", "Financial year, e.g. 2022-23", aliases=("year", "fy")),
    Column("ehcp_growth", "EHCP growth", "rate", "fraction", "Growth in EHCP numbers", number_format=PCT2),
    Column("cost_per_ehcp_growth", "Cost per EHCP growth", "rate", "fraction", "Growth in HNB cost per EHCP",
           number_format=PCT2),
    Column("funding_growth", "HNB funding growth", "rate", "fraction", "Growth in HNB funding before transfers",
           aliases=("fundinggrowth", "budgetgrowth"), number_format=PCT2),
    Column("block_transfer", "Block transfer", "signed_money", "£", "Schools Block to HNB transfer in the year",
           aliases=("transfer", "blocktransfer")),
    Column("other_dsg_movements", "Other DSG movements", "signed_money", "£",
           "Other movements in the accumulated DSG deficit (other blocks, adjustments)",
           aliases=("other", "othermovements")),
), key="financial_year", contiguous_years=True)


BLOCK_TRANSFER = Schema("block_transfer", "Schools Block to HNB transfers", (
    Column("financial_year", "Financial year", "year", "", "Financial year of the transfer, e.g. 2022-23",
           aliases=("year", "fy")),
    Column("transfer_amount", "Transfer amount", "money", "£", "Schools Block to HNB transfer (blank if refused "
           "or not agreed)", required=False, aliases=("transfer", "amount", "blocktransfer")),
    Column("schools_block", "Schools block", "money", "£", "Schools Block allocation (blank if not known)",
           required=False, aliases=("schoolsblock", "schoolsblockallocation")),
    Column("published_committed_total", "Committed spend to date", "money", "£",
           "Invest to Transform spend committed to date, as published", required=False,
           aliases=("committed", "committedspend", "publishedcommittedtotal")),
    Column("note", "Note", "text", "", "Where the figures come from", required=False, aliases=("notes", "source")),
), key="financial_year")

PARAMETERS = Schema("parameters", "Model parameters", (
    Column("name", "Parameter", "text", "", "Parameter name as the model uses it (e.g. send_contingency_pot)",
           aliases=("name", "parameter")),
    Column("value", "Value", "signed_money", "as stated in Unit", "Parameter value (pounds or a fraction)"),
    Column("unit", "Unit", "text", "", "£, fraction, ...", required=False),
    Column("description", "Description", "text", "", "What the parameter means", required=False),
    Column("source", "Source", "text", "", "Where the value comes from", required=False),
), key="name")

INVEST_TO_TRANSFORM = Schema("invest_to_transform", "Invest to Transform (the block transfer allocated)", (
    Column("activity", "Activity", "text", "", "Activity funded from the block transfer",
           aliases=("activity", "line", "workstream")),
    Column("purpose", "Purpose", "text", "", "What the money is for", required=False, aliases=("description",)),
    Column("allocation", "Allocation", "money", "£", "Amount allocated to the activity",
           aliases=("allocated", "budget")),
    Column("committed_spend", "Committed spend", "money", "£",
           "Spend committed to date (TBC or blank while not yet known)", required=False,
           aliases=("committed", "committedtodate", "spend"), not_known=TBC),
), key="activity")

# What each parameter row's value is (PARAMETERS' "Value" column holds pounds, fractions and a year):
# its kind, range and the number format of its cell on the Inputs sheet.
PARAMETER_TERMS: dict[str, Column] = {c.name: c for c in (
    Column("send_contingency_pot", "SEND Contingency pot", "money", "£", "SEND Contingency pot shared among schools"),
    Column("cost_per_ehcp", "Cost per EHCP", "money", "£ per EHCP pupil",
           "First £6000 of additional support per EHCP pupil met by the school"),
    Column("notional_share", "Notional share", "share", "fraction",
           "Share of the notional SEN budget assumed available for EHCP pupils", number_format="0%"),
    Column("transfer_limit_rate", "Transfer limit rate", "share", "fraction of schools block",
           "Largest transfer Schools Forum can agree without a disapplication request", number_format=PCT2),
    Column("opening_accumulated_deficit", "Opening accumulated deficit", "signed_money", "£",
           "Accumulated DSG deficit at 1 April 2016"),
    Column("invest_to_transform_year", "Invest to Transform year", "year", "financial year",
           "Year of the block transfer that funds the Invest to Transform table"),
    Column("cross_check_tolerance", "Cross-check tolerance", "money", "£",
           "Largest difference allowed between a native result and the HNB_ function's result"),
    Column("authority_name", "Authority name", "text", "name", "Local authority the data describe"),
    Column("authority_code", "Authority code", "count", "DfE LA code", "DfE three-digit local authority code",
           low=201.0, high=999.0, number_format="0"),
)}
# A one-term-a-row table whose value column holds text on some rows: (name column, value column,
# {term: Column}); to_frame reads a text or year term's value as text (the authority's name), every
# other row's value as the column's own kind (a number; its range is the validator's:
# hnb_xl/tables/validate.py parameter_table_problems, from hnb_xl/data/parameters.csv).
ROW_TERMS = {"parameters": ("name", "value", PARAMETER_TERMS)}

# ---------------------------------------------------------------------------------------------- safety valve
# The safety valve plan's inputs (docs/safety_valve.md): workstreams, the agreement's terms, actuals.

# a workstream's timing and funding source: the safety valve workstreams' columns and the placement
# workstreams' (hnb_xl/tables/placement.py), one rule for both (engine.safety_valve.Workstream)
WORKSTREAM_TIMING = (
    Column("start_year", "Start year", "year", "", "First financial year with an effect, e.g. 2023-24",
           aliases=("start",)),
    Column("ramp_years", "Ramp years", "count", "years", "Years to reach the full effect (blank: 1)",
           required=False, aliases=("rampup", "ramp"), low=1.0),
    Column("delivery_confidence", "Delivery confidence", "share", "fraction",
           "Share of the effect expected to be delivered (blank: 1)", required=False, aliases=("confidence",)),
)
WORKSTREAM_FUNDING = Column(
    "funding", "Funding", "text", "DSG or General Fund",
    "Budget the saving falls on: DSG, or General Fund (reported, never reduces the DSG deficit; blank: DSG)",
    required=False, aliases=("fundingsource", "fundedfrom"), choices=FUNDING_SOURCES)

WORKSTREAMS = Schema("workstreams", "Safety valve workstreams", (
    Column("name", "Name", "text", "", "Workstream name (each name once)", aliases=("workstream",)),
    Column("lever", "Lever", "text", "", "ehcp_growth_reduction, cost_per_ehcp_reduction or cash_saving"),
    Column("amount", "Amount", "money_or_rate", "fraction or £",
           "Full effect: a fraction off EHCP growth or cost per EHCP (0.1 = 10%), or a cash saving in pounds a year",
           low=0.0),
    *WORKSTREAM_TIMING,
    Column("budget_area", "Budget area", "text", "", "Budget area the saving falls in", required=False),
    WORKSTREAM_FUNDING,
    Column("basis", "Basis", "text", "", "Where the figure comes from", required=False),
), key="name")

AGREEMENT = Schema("agreement", "Safety valve agreement (one term a row)", (
    Column("parameter", "Parameter", "text", "", "Term of the agreement (AGREEMENT_TERMS)", aliases=("term", "name")),
    Column("value", "Value", "text", "as stated in Unit", "The term's value (pounds, a year, a count or a fraction)"),
    Column("unit", "Unit", "text", "", "£, financial year, count, fraction", required=False),
    Column("basis", "Basis", "text", "", "Published, or a stated assumption", required=False),
), key="parameter")

# What each term (AGREEMENT row) is: the value column's kind, unit and range for that row.
AGREEMENT_TERMS: dict[str, Column] = {c.name: c for c in (
    Column("dfe_total", "DfE total", "money", "£", "DfE revenue contribution over the agreement"),
    Column("first_year", "First instalment year", "year", "financial year", "Year of the first DfE instalment"),
    Column("target_balance_year", "Target balance year", "year", "financial year",
           "Year by which the DSG is in in-year balance", required=False),
    Column("instalments", "Instalments", "count", "count", "Number of DfE instalments", low=1.0),
    Column("first_share", "First share", "share", "fraction", "Share of the total paid in the first instalment"),
    Column("council_contribution", "Council contribution", "money", "£ a year",
           "Council general-fund contribution a year over the instalment years", required=False),
    Column("tolerance", "Tolerance", "money", "£",
           "Suspension-risk flag when the DSG in-year deficit exceeds the plan by more than this", required=False),
    Column("name", "Name", "text", "", "The agreement's name", required=False),
)}

ACTUALS = Schema("actuals", "DSG in-year deficit actuals (outturn against the plan)", (
    Column("financial_year", "Financial year", "year", "", "Financial year, e.g. 2022-23", aliases=("year", "fy")),
    Column("dsg_in_year_deficit", "DSG in-year deficit", "signed_money", "£",
           "DSG in-year deficit outturn (negative: a surplus)", aliases=("inyeardeficit", "deficit", "actual")),
), key="financial_year")

SCHEMAS = {s.name: s for s in (SCHOOLS, HISTORY, ASSUMPTIONS, BLOCK_TRANSFER, PARAMETERS, INVEST_TO_TRANSFORM,
                               WORKSTREAMS, AGREEMENT, ACTUALS)}
# the tables a council supplies as source files (templates, detection, refresh, build --sources)
SOURCE_TABLES = ("schools", "history", "assumptions", "block_transfer", "parameters", "invest_to_transform")


def _header_map(schema: Schema, headers: list, source: str) -> dict[str, int]:
    """Map engine column names to positions in ``headers``; raise if a required one is missing."""
    norm = [normalise_header(h) for h in headers]
    found: dict[str, int] = {}
    for col in schema.columns:
        for i, h in enumerate(norm):
            if h and h in col.spellings:
                found[col.name] = i
                break
    missing = [c for c in schema.columns if c.required and c.name not in found]
    if missing:
        shown = ", ".join(str(h) for h in headers if h not in (None, "")) or "no headers"
        problems = []
        for c in missing:
            hint = closest_header(c, headers)
            extra = f"; did you mean '{hint}'?" if hint else ""
            problems.append(HnbInputError(f"has no '{c.header}' column (found: {shown}){extra}",
                                          source=source, column=c.header))
        raise_all(problems)
    return found


def closest_header(col: Column, headers: list) -> str | None:
    """The header in ``headers`` closest to one of ``col``'s spellings (a likely misspelling), or None."""
    return closest([normalise_header(col.header), *map(normalise_header, col.aliases)], headers)


def closest(spellings, headers: list) -> str | None:
    """The first of ``spellings`` (normalised) that a header nearly matches (difflib ratio >= 0.75):
    that header as written, or None."""
    import difflib
    names = {normalise_header(h): str(h) for h in headers if h not in (None, "")}
    for t in spellings:
        m = difflib.get_close_matches(t, list(names), n=1, cutoff=0.75)
        if m:
            return names[m[0]]
    return None


def convert_cell(col: Column, v):
    """One non-blank cell converted to the column's kind (:func:`~hnb_xl.tables.cells.parse_number`
    for numbers, its range included), or ValueError naming what was expected."""
    if col.kind == "text":
        if col.choices and not is_blank(v):
            said = re.sub(r"\s+", "", str(v)).casefold()
            chosen = [c for c in col.choices if re.sub(r"\s+", "", c).casefold() == said]
            if not chosen:
                raise ValueError(f"expected {' or '.join(col.choices)}, got {str(v).strip()!r}")
            return chosen[0]
        return col.blank_text if is_blank(v) else str(v).strip()
    if col.kind == "year":
        return fy(parse_financial_year(v, col.low, col.high))
    x = parse_number(v, col)
    return int(x) if col.whole else x


def _headerless_values(headers: list, row: list, source: str, rownum: int) -> list[HnbInputError]:
    """A value in a column without a header (past the header row's last cell, or under a blank
    header cell) would be dropped unseen: a modeller who types one value too many in a row (a note
    after the last column) must hear of it. The column is named by its spreadsheet letter."""
    from openpyxl.utils import get_column_letter
    return [HnbInputError(f"has a value ({str(v).strip()!r}) in a column without a header: give the column a "
                          "header or delete the value", source=source, row=rownum,
                          column=get_column_letter(i + 1))
            for i, v in enumerate(row)
            if not is_blank(v) and (i >= len(headers) or is_blank(headers[i]))]


def to_frame(schema: Schema, headers: list, rows: list[list], *, source: str,
             first_row_number: int = 2, keep_unknown: bool = False) -> pd.DataFrame:
    """Validate ``rows`` against ``schema`` and return a DataFrame with engine column names.

    Rows that are entirely blank are skipped (Excel ranges often carry trailing empty rows).
    ``first_row_number`` is the file/sheet row number of ``rows[0]`` for messages. Every problem
    is collected; one raises :class:`HnbInputError`, several :class:`HnbInputErrors`.
    ``keep_unknown``: columns the schema does not know follow its own, as text under their
    headers (a bundled file's "basis" notes), instead of being dropped.
    """
    where = _header_map(schema, list(headers), source)
    mapped = set(where.values())
    extra = [(i, str(h).strip()) for i, h in enumerate(headers)
             if keep_unknown and i not in mapped and not is_blank(h)] if keep_unknown else []
    problems: list[HnbInputError] = []
    records, numbers = [], []
    terms = ROW_TERMS.get(schema.name)
    for offset, row in enumerate(rows):
        row = list(row)
        if all(is_blank(v) for v in row):
            continue
        rownum = first_row_number + offset
        problems.extend(_headerless_values(headers, row, source, rownum))
        rec = {}
        for col in schema.columns:
            if col.name not in where:
                rec[col.name] = float("nan") if col.kind not in ("text",) else col.blank_text
                continue
            name, i = col.name, where[col.name]
            if terms and name == terms[1]:     # a text or year term is read as such; numbers by the column
                term = terms[2].get(str(rec.get(terms[0], "")).strip())
                col = term if term is not None and term.kind in ("text", "year") else col
            v = row[i] if i < len(row) else None
            if is_blank(v) or col.is_not_known(v):
                if col.required and (col.kind != "text" or (terms and name == terms[1])):
                    problems.append(HnbInputError("is blank: expected " + col.expected, source=source,
                                                  row=rownum, column=str(headers[i])))
                rec[name] = col.blank_text if col.kind == "text" else float("nan")
                continue
            try:
                rec[name] = convert_cell(col, v)
            except ValueError as e:
                problems.append(HnbInputError(str(e), source=source, row=rownum, column=str(headers[i]), value=v))
        for i, h in extra:
            v = row[i] if i < len(row) else None
            rec[h] = "" if is_blank(v) else str(v).strip()
        records.append(rec)
        numbers.append(rownum)
    if not records and not problems:
        problems.append(HnbInputError("has no data rows", source=source))
    if schema.key and not problems:
        seen: dict = {}
        for rec, n in zip(records, numbers):
            k = rec[schema.key]
            if k in seen:
                col = next(c for c in schema.columns if c.name == schema.key)
                problems.append(HnbInputError(f"duplicate {col.header} {k} (first seen on row {seen[k]})",
                                              source=source, row=n, column=col.header, value=k))
            else:
                seen[k] = n
    if problems:
        raise_all(problems)
    frame = pd.DataFrame(records, columns=[c.name for c in schema.columns] + [h for _, h in extra])
    frame.attrs["row_numbers"] = numbers
    frame.attrs["source"] = source
    return frame


def check_contiguous_years(frame: pd.DataFrame, source: str) -> None:
    """Financial years must run one after another with no gaps (2021-22, 2022-23, ...)."""
    years = [parse_year(y) for y in frame["financial_year"]]
    rows = frame.attrs.get("row_numbers", list(range(2, 2 + len(years))))
    for (a, b), r in zip(zip(years, years[1:]), rows[1:]):
        if b != a + 1:
            raise HnbInputError(f"years are not contiguous: {fy(a)} is followed by {fy(b)} (expected {fy(a + 1)})",
                                source=source, row=r, column="Financial year")


def read_terms(frame: pd.DataFrame, terms: dict[str, Column], *, name_column: str = "parameter",
               value_column: str = "value", what: str = "term", name_header: str = "Parameter") -> dict:
    """{term: value} from a validated one-term-a-row table (AGREEMENT, PARAMETERS), each value
    converted by its term's :class:`Column` (kind, range). Every problem is collected, naming the
    table's source, the row (``frame.attrs["row_numbers"]``) and the Value column: an unknown term,
    a bad value, a required term missing. Terms left out are absent from the result."""
    source = frame.attrs.get("source")
    rows = frame.attrs.get("row_numbers", list(range(2, 2 + len(frame))))
    problems: list[HnbInputError] = []
    out: dict = {}
    for (name, value), row in zip(zip(frame[name_column], frame[value_column]), rows):
        term = terms.get(str(name).strip())
        if term is None:
            problems.append(HnbInputError(f"unknown {what} '{name}' (expected one of {', '.join(terms)})",
                                          source=source, row=row, column=name_header, value=name))
            continue
        if is_blank(value) or term.is_not_known(value):
            if term.required:
                problems.append(HnbInputError(f"is blank: expected {term.expected} for {term.name}",
                                              source=source, row=row, column="Value"))
            continue
        try:
            out[term.name] = convert_cell(term, value)
        except ValueError as exc:
            problems.append(HnbInputError(f"{term.name}: {exc}", source=source, row=row, column="Value", value=value))
    for term in terms.values():
        if term.required and term.name not in out and not any(p.value == term.name for p in problems) \
                and term.name not in set(map(str, frame[name_column])):
            problems.append(HnbInputError(f"has no '{term.name}' row ({term.description})", source=source,
                                          column=name_header))
    raise_all(problems)
    return out


# ------------------------------------------------------------------------------------------------------
# Engineer B's block (issue 16): the safety valve's payment records and the 2026 settlement's terms.
# Added here so that SCHEMAS knows them; the reader, templates and refresh need nothing else.

PAYMENTS = Schema("payments", "Safety valve instalments as paid (one instalment a row)", (
    Column("financial_year", "Financial year", "year", "", "Year the instalment was due, e.g. 2023-24",
           aliases=("year", "fy")),
    Column("due", "Due", "money", "£", "The instalment due under the agreement", aliases=("amountdue", "instalment")),
    Column("status", "Status", "text", "", "paid, withheld, back-dated (paid later) or due (not yet known)"),
    Column("received", "Received", "money", "£", "Amount received for this instalment (blank: as due, 0 if withheld)",
           required=False, aliases=("paid", "amountreceived")),
    Column("as_at", "As at", "text", "", "Date the status is known at, e.g. 2024-11", required=False,
           aliases=("date", "asat")),
    Column("basis", "Basis", "text", "", "Published, derived, or a stated assumption", required=False),
), key="financial_year")

SETTLEMENT = Schema("settlement", "The 2026 DSG settlement (one term a row)", (
    Column("parameter", "Parameter", "text", "", "Term of the settlement (SETTLEMENT_TERMS)", aliases=("term", "name")),
    Column("value", "Value", "text", "as stated in Unit", "The term's value"),
    Column("unit", "Unit", "text", "", "fraction, financial year, £, yes/no", required=False),
    Column("source", "Source", "text", "", "Where the value comes from", required=False, aliases=("basis",)),
    Column("date", "Date", "text", "", "Date of the source", required=False),
    Column("status", "Status", "text", "", "published, or unverified", required=False),
), key="parameter")

SETTLEMENT_TERMS: dict[str, Column] = {c.name: c for c in (
    Column("write_off_share", "Write-off share", "share", "fraction", "Share of the eligible deficit written off"),
    Column("write_off_year", "Write-off year", "year", "financial year",
           "Year at whose end (31 March) the eligible deficit is taken"),
    Column("write_off_paid_year", "Write-off paid year", "year", "financial year", "Year the write-off is paid"),
    Column("write_off_approved", "Write-off approved", "text", "yes/no",
           "yes once DfE has approved the council's local SEND reform plan"),
    Column("excluded_deficit", "Excluded deficit", "money", "£",
           "Part of the DSG deficit that is not high needs (not eligible)", required=False),
    Column("override_end_year", "Override end year", "year", "financial year",
           "Last year the statutory override keeps the DSG deficit off the General Fund"),
    Column("interest_rate", "Interest rate", "share", "fraction", "Borrowing or investment rate for the cost of "
           "carrying the deficit", required=False),
)}

SCHEMAS.update({s.name: s for s in (PAYMENTS, SETTLEMENT)})
# source files a refresh recognises and writes to the workbook's Payments and Settlement tables
# (Inputs), besides SOURCE_TABLES; not in the default templates (a council adds them when it has them)
PLAN_SOURCE_TABLES = ("agreement", "workstreams", "payments", "settlement",   # agreement first: it wins a tie with settlement
                      "placement_history")     # EHC plans by placement at each census (Inputs, third column group)
# the placement engine's tables on the Inputs sheet, below the placement history (their schemas are
# hnb_xl/tables/placement.py's, which registers them in SCHEMAS under these names: its INPUT_SCHEMAS)
PLACEMENT_SOURCE_TABLES = tuple(f"placement_{n}" for n in ("categories", "drivers", "capacity", "backlog", "moves",
                                                           "other_spend", "income", "settings"))
PLAN_SOURCE_TABLES += PLACEMENT_SOURCE_TABLES
# the mitigated placement scenario's workstreams (Inputs, under the placement tables; read by the
# engine, no calculation sheet): hnb_xl/tables/placement.py's WORKSTREAMS, registered there too
PLACEMENT_WORKSTREAMS_TABLE = "placement_workstreams"
PLAN_SOURCE_TABLES += (PLACEMENT_WORKSTREAMS_TABLE,)

# Engineer A's block (issue 14): EHC plans by placement at each January census (SEN2), the Inputs
# table the SEN2 refresh fills and the bundled hnb_xl/data/placement_history.csv.

# The DSG management plan's seven placement categories, engine name -> the template's label (DfE,
# *Dedicated schools grant (DSG): deficit management plan*, the children and young people sheets,
# https://www.gov.uk/government/publications/dedicated-schools-grant-dsg-deficit-management-plan)
PLACEMENT_CATEGORIES = {
    "mainstream": "Mainstream schools or academies",
    "resourced_provision": "Resourced provision or SEN units",
    "special": "Maintained special schools or special academies",
    "independent": "Non-maintained special schools or independent",
    "hospital_ap": "Hospital schools or alternative provision",
    "post_16": "Post 16 and further education",
    "other": "Other placements or direct payments",
}

PLACEMENT_HISTORY = Schema("placement_history", "EHC plans by placement at each January census (SEN2)", (
    Column("financial_year", "Financial year", "year", "",
           "Financial year whose January the census is (January 2022 is 2021-22)", aliases=("year", "fy")),
    Column("census", "Census", "text", "", "The January census, e.g. January 2022 (inside the financial year)",
           aliases=("censusdate", "timeperiod")),
    # a DfE code (DFE_NOT_KNOWN: not known, never 0) is read as a blank and written as one
    # (Column.blank_written), so the Checks sheet's sums meet numbers or blanks only
    *(Column(name, label, "count", "plans", f"EHC plans placed in {label.lower()} at the census (blank: not known)",
             required=False, aliases=(name,), not_known=DFE_NOT_KNOWN) for name, label in PLACEMENT_CATEGORIES.items()),
    Column("total", "Total", "count", "plans", "All EHC plans at the census; the seven add up to it (blank: not known)",
           required=False, aliases=("ehcpcount", "allplans"), not_known=DFE_NOT_KNOWN),
    Column("source", "Source", "text", "", "Where the counts come from", required=False, aliases=("basis",)),
), key="financial_year", contiguous_years=True)
SCHEMAS[PLACEMENT_HISTORY.name] = PLACEMENT_HISTORY

# The assurance record (issue 16 part 4; HM Treasury Aqua Book): hnb_xl/data/assurance_*.csv, read
# by hnb_xl.api.assurance. Owners, dates, ratings and sources are data.
ASSURANCE_ASSUMPTIONS = Schema("assurance_assumptions", "Assumptions log (one assumption a row)", (
    Column("id", "Id", "text", "", "A1, A2, ..."),
    Column("assumption", "Assumption", "text", "", "What is assumed"),
    Column("value", "Value", "text", "", "The value assumed, in words"),
    Column("owner", "Owner", "text", "", "Who answers for it (a post)"),
    Column("date", "Date", "text", "", "When it was set or last reviewed"),
    Column("rating", "Rating", "text", "", "Quality: red, amber or green"),
    Column("source", "Source", "text", "", "Where it comes from"),
    Column("sensitivity", "Sensitivity", "text", "", "Which sensitivity gives its effect (aggregate:<driver>, "
           "placement:<tornado row>, plan:..., settlement:...)", required=False),
), key="id")
ASSURANCE_DECISIONS = Schema("assurance_decisions", "Decisions log (one decision a row)", (
    Column("id", "Id", "text", "", "D1, D2, ..."),
    Column("decision", "Decision", "text", "", "What was decided"),
    Column("alternatives", "Alternatives", "text", "", "What else was considered", required=False),
    Column("reason", "Reason", "text", "", "Why"),
    Column("owner", "Owner", "text", "", "Who decided (a post)"),
    Column("date", "Date", "text", "", "When"),
    Column("source", "Source", "text", "", "Where it is implemented or documented"),
), key="id")
ASSURANCE_VALIDATION = Schema("assurance_validation", "Validation log (one check a row)", (
    Column("id", "Id", "text", "", "V1, V2, ..."),
    Column("check", "Check", "text", "", "What is compared"),
    Column("published", "Published", "signed_money", "as stated in Unit", "The published or actual figure"),
    Column("unit", "Unit", "text", "", "£ or plans"),
    Column("source", "Source", "text", "", "Where the published figure comes from"),
    Column("measure", "Measure", "text", "", "The model figure compared (hnb_xl.assurance.measure)"),
), key="id")
ASSURANCE_ROLES = Schema("assurance_roles", "Roles (Aqua Book)", (
    Column("role", "Role", "text", "", "Commissioner, analyst, assurer, approver"),
    Column("holder", "Holder", "text", "", "Who holds it (a post)"),
    Column("responsibility", "Responsibility", "text", "", "What the role answers for"),
), key="role")
ASSURANCE_STATEMENT = Schema("assurance_statement", "Assurance statement and limitations", (
    Column("kind", "Kind", "text", "", "statement or limitation"),
    Column("text", "Text", "text", "", "The sentence"),
))
SCHEMAS.update({s.name: s for s in (ASSURANCE_ASSUMPTIONS, ASSURANCE_DECISIONS, ASSURANCE_VALIDATION, ASSURANCE_ROLES,
                                    ASSURANCE_STATEMENT)})
# the record's files a council gives (build --sources, refresh) for its own record on the Logs sheet
ASSURANCE_SOURCE_TABLES = ("assurance_roles", "assurance_assumptions", "assurance_decisions", "assurance_validation",
                           "assurance_statement")

# The Monte Carlo's settings and the drivers' spreads (issue 16 part 5; hnb_xl/engine/montecarlo.py):
# Inputs tables (hnb_xl/data/plan_montecarlo.csv and plan_uncertainty.csv are the defaults). The
# settings' first header is "Setting", not "Parameter": a file is told from an agreement by it.
MONTECARLO = Schema("montecarlo", "Monte Carlo settings (one setting a row)", (
    Column("setting", "Setting", "text", "", "Setting of the Monte Carlo (MONTECARLO_TERMS)"),
    Column("value", "Value", "signed_money", "as stated in Unit", "The setting's value (blank: a setting that may "
           "be left out, as MONTECARLO_TERMS says)", required=False, number_format="General"),
    Column("unit", "Unit", "text", "", "count, fraction, ...", required=False),
    Column("basis", "Basis", "text", "", "Where the value comes from", required=False),
), key="setting")
MONTECARLO_TERMS: dict[str, Column] = {c.name: c for c in (
    Column("paths", "Paths", "count", "count", "Number of simulated paths", low=1.0, high=1_000_000.0, ceiling=None),
    Column("seed", "Seed", "count", "whole number", "Random seed (the same seed gives the same paths)", ceiling=None),
    Column("year_correlation", "Year correlation", "rate", "fraction",
           "AR(1) correlation of a driver's shock from one year to the next, above -1 and below 1"),
    Column("ehcp_cost_correlation", "EHCP and cost correlation", "rate", "fraction",
           "Correlation of EHCP growth and cost per EHCP growth, -1 to 1"),
    Column("delivery_concentration", "Delivery concentration", "money_or_rate", "",
           "How each workstream's delivery is drawn: 0 all or nothing, k > 0 a Beta share (blank: not drawn)",
           required=False, low=0.0),
)}
ROW_TERMS["montecarlo"] = ("setting", "value", MONTECARLO_TERMS)
UNCERTAINTY = Schema("uncertainty", "Monte Carlo spreads (one driver a row)", (
    Column("driver", "Driver", "text", "", "The driver drawn (hnb_xl.engine.montecarlo.MC_DRIVERS)"),
    Column("distribution", "Distribution", "text", "", "normal (around each year's assumption; blank: normal)",
           required=False),
    Column("sd", "SD", "money_or_rate", "fraction or £", "Standard deviation: a fraction for a growth rate, pounds "
           "for other DSG movements and the block transfer", low=0.0, aliases=("standarddeviation",)),
    Column("basis", "Basis", "text", "", "Where the spread comes from", required=False),
), key="driver")
SCHEMAS.update({s.name: s for s in (MONTECARLO, UNCERTAINTY)})
PLAN_SOURCE_TABLES += ("montecarlo", "uncertainty")
