"""Table schemas shared by file sources, the Excel functions and the workbook.

One place says what each input table's columns are called, what they hold and in what unit,
and how a header written by a person ("EHCPs", "ehcp count", "Notional SEN budget (£)") maps to
the engine's name. :func:`to_frame` validates rows (from a CSV, an XLSX sheet or an Excel range)
and reports every problem with its row and column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from ..errors import HnbInputError, raise_all
from ..years import fy, parse_year

# kinds: "count" (whole number >= 0), "money" (£ >= 0), "signed_money" (£, may be negative),
# "rate" (fraction, may be negative), "share" (fraction 0..1), "year" (financial year), "text", "id" (URN)


@dataclass(frozen=True)
class Column:
    name: str                 # engine name
    header: str               # header as written in templates and the workbook
    kind: str
    unit: str
    description: str
    required: bool = True
    aliases: tuple[str, ...] = field(default_factory=tuple)
    not_known: str | None = None   # a word that means "not known yet" (e.g. "TBC"): read as blank, written back


@dataclass(frozen=True)
class Schema:
    name: str
    title: str
    columns: tuple[Column, ...]
    key: str | None = None    # column that must be unique (URN, financial year)

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
), key="financial_year")

ASSUMPTIONS = Schema("assumptions", "Projection assumptions", (
    Column("financial_year", "Financial year", "year", "", "Financial year, e.g. 2022-23", aliases=("year", "fy")),
    Column("ehcp_growth", "EHCP growth", "rate", "fraction", "Growth in EHCP numbers"),
    Column("cost_per_ehcp_growth", "Cost per EHCP growth", "rate", "fraction", "Growth in HNB cost per EHCP"),
    Column("funding_growth", "HNB funding growth", "rate", "fraction", "Growth in HNB funding before transfers",
           aliases=("fundinggrowth", "budgetgrowth")),
    Column("block_transfer", "Block transfer", "signed_money", "£", "Schools Block to HNB transfer in the year",
           aliases=("transfer", "blocktransfer")),
    Column("other_dsg_movements", "Other DSG movements", "signed_money", "£",
           "Other movements in the accumulated DSG deficit (other blocks, adjustments)",
           aliases=("other", "othermovements")),
), key="financial_year")


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
           aliases=("committed", "committedtodate", "spend"), not_known="TBC"),
), key="activity")

SCHEMAS = {s.name: s for s in (SCHOOLS, HISTORY, ASSUMPTIONS, BLOCK_TRANSFER, PARAMETERS, INVEST_TO_TRANSFORM)}


def _header_map(schema: Schema, headers: list, source: str) -> dict[str, int]:
    """Map engine column names to positions in ``headers``; raise if a required one is missing."""
    norm = [normalise_header(h) for h in headers]
    found: dict[str, int] = {}
    for col in schema.columns:
        candidates = {normalise_header(col.header), normalise_header(col.name), *map(normalise_header, col.aliases)}
        for i, h in enumerate(norm):
            if h and h in candidates:
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
    import difflib
    names = {normalise_header(h): str(h) for h in headers if h not in (None, "")}
    targets = [normalise_header(col.header), *map(normalise_header, col.aliases)]
    best = None
    for t in targets:
        m = difflib.get_close_matches(t, list(names), n=1, cutoff=0.75)
        if m:
            best = names[m[0]]
            break
    return best


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v.strip() == "")


def _number(v):
    if isinstance(v, bool):
        raise ValueError
    if isinstance(v, (int, float)):
        return float(v)
    s = str(v).strip().replace(",", "").replace("£", "")
    pct = s.endswith("%")
    if pct:
        s = s[:-1]
    x = float(s)
    return x / 100.0 if pct else x


def _is_not_known(col: Column, v) -> bool:
    """True for the column's "not known yet" word ("TBC"), in any case."""
    return col.not_known is not None and isinstance(v, str) and v.strip().upper() == col.not_known.upper()


def convert_cell(col: Column, v):
    """Convert one cell to the column's kind, or raise ValueError naming what was expected."""
    if col.kind == "text":
        return "" if _is_blank(v) else str(v).strip()
    if col.kind == "year":
        return fy(parse_year(v))
    if col.kind == "id":
        try:
            x = _number(v)
        except ValueError:
            raise ValueError(f"expected a URN (a whole number), got {v!r}") from None
        if not x.is_integer() or x <= 0:
            raise ValueError(f"expected a URN (a positive whole number), got {v!r}")
        return int(x)
    try:
        x = _number(v)
    except (ValueError, TypeError):
        raise ValueError(f"expected a number ({col.unit or col.kind}), got {v!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"expected a finite number, got {v!r}")
    if col.kind == "count":
        if x < 0:
            raise ValueError(f"expected a count of 0 or more, got {v!r}")
        if not x.is_integer():
            raise ValueError(f"expected a whole number, got {v!r}")
        return int(x)
    if col.kind == "money" and x < 0:
        raise ValueError(f"expected an amount in pounds of 0 or more, got {v!r}")
    if col.kind == "share" and not 0 <= x <= 1:
        raise ValueError(f"expected a fraction between 0 and 1, got {v!r}")
    return x


def to_frame(schema: Schema, headers: list, rows: list[list], *, source: str,
             first_row_number: int = 2) -> pd.DataFrame:
    """Validate ``rows`` against ``schema`` and return a DataFrame with engine column names.

    Rows that are entirely blank are skipped (Excel ranges often carry trailing empty rows).
    ``first_row_number`` is the file/sheet row number of ``rows[0]`` for messages. Every problem
    is collected; one raises :class:`HnbInputError`, several :class:`HnbInputErrors`.
    """
    where = _header_map(schema, list(headers), source)
    problems: list[HnbInputError] = []
    records, numbers = [], []
    for offset, row in enumerate(rows):
        row = list(row)
        if all(_is_blank(v) for v in row):
            continue
        rownum = first_row_number + offset
        rec = {}
        for col in schema.columns:
            if col.name not in where:
                rec[col.name] = float("nan") if col.kind not in ("text",) else ""
                continue
            i = where[col.name]
            v = row[i] if i < len(row) else None
            if _is_blank(v) or _is_not_known(col, v):
                if col.required and col.kind != "text":
                    problems.append(HnbInputError("is blank: expected " + _expected(col), source=source,
                                                  row=rownum, column=str(headers[i])))
                rec[col.name] = "" if col.kind == "text" else float("nan")
                continue
            try:
                rec[col.name] = convert_cell(col, v)
            except ValueError as e:
                problems.append(HnbInputError(str(e), source=source, row=rownum, column=str(headers[i]), value=v))
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
    frame = pd.DataFrame(records, columns=[c.name for c in schema.columns])
    frame.attrs["row_numbers"] = numbers
    frame.attrs["source"] = source
    return frame


def _expected(col: Column) -> str:
    return {"id": "a URN", "year": "a financial year such as 2022-23", "count": "a whole number",
            "money": "an amount in pounds", "signed_money": "an amount in pounds", "rate": "a fraction such as 0.05",
            "share": "a fraction between 0 and 1", "text": "text"}[col.kind]


def check_contiguous_years(frame: pd.DataFrame, source: str) -> None:
    """Financial years must run one after another with no gaps (2021-22, 2022-23, ...)."""
    years = [parse_year(y) for y in frame["financial_year"]]
    rows = frame.attrs.get("row_numbers", list(range(2, 2 + len(years))))
    for (a, b), r in zip(zip(years, years[1:]), rows[1:]):
        if b != a + 1:
            raise HnbInputError(f"years are not contiguous: {fy(a)} is followed by {fy(b)} (expected {fy(a + 1)})",
                                source=source, row=r, column="Financial year")
