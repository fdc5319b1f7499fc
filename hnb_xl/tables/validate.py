"""Cross-table rules: ONE validator for the inputs of a model run, whatever road they took.

Every function here is pure: it takes validated frames (``tables.schema.to_frame`` output, whose
``attrs`` carry ``source`` and ``row_numbers``, the rows as the file shows them with the header as
row 1) and returns a list of :class:`~hnb_xl.errors.HnbInputError`, each naming the file, row and
column; :func:`check` runs them all and raises them together. The CLI and the Excel functions
(through :mod:`hnb_xl.api`), ``refresh`` (``workbook.refresh.plan.plan_refresh``) and
``build --sources`` (``workbook.build.with_sources``) call :func:`check`; the workbook's Checks sheet
repeats the year rules as native formulas (``workbook/sheets/checks.py``).

The rules:

* history years run one after another with no gaps (2016-17, 2017-18, ...);
* assumptions start the year after the last history year and have no gaps (the projection rolls
  forward one year at a time from the last outturn: :func:`hnb_xl.engine.projection.project`);
* block-transfer years MAY have gaps (a transfer is agreed one year at a time: DfE, "Pre-16 schools
  funding: local authority guidance for 2022 to 2023", https://www.gov.uk/government/publications/
  pre-16-schools-funding-local-authority-guidance-for-2022-to-2023), but a year appears once;
* parameters: each value of its kind and within its valid range, both DATA in
  ``hnb_xl/data/parameters.csv`` (columns ``kind``, ``low`` and ``high``; blank = open), the idea of
  Tax-Calculator's ``validators`` (https://taxcalc.pslmodels.org/, "policy_current_law.json");
* the block transfer held twice (assumptions and block-transfer table) agrees year by year
  (:func:`block_transfer_twin_problems`);
* agreement: the first instalment year is a plan year, the last instalment year is not after the
  last plan year, and the target balance year is not before the first instalment;
* placement history: each census is the January inside its financial year, and the seven
  categories add up to the Total (:func:`placement_history_problems`);
* no NaN or infinity in a number column that the engine reads.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import HnbInputError, raise_all
from ..years import fy, parse_year
from .cells import parse_number
from .schema import ROW_TERMS, SCHEMAS, Column, Schema, check_contiguous_years

NUMBER_KINDS = ("count", "money", "signed_money", "rate", "share")


@dataclass(frozen=True)
class Place:
    """Where a value came from: a file's row and column, or an option / function argument."""
    source: str | None
    row: int | None = None
    column: str | None = None

    def error(self, message: str, value=None) -> HnbInputError:
        return HnbInputError(message, source=self.source, row=self.row, column=self.column, value=value)


def row_number(frame: pd.DataFrame, index: int) -> int:
    """The file row of the frame's ``index``-th record (the header is row 1)."""
    numbers = frame.attrs.get("row_numbers")
    return int(numbers[index]) if numbers is not None and index < len(numbers) else index + 2


def header(schema: Schema | None, name: str) -> str:
    """The column's header as the templates and the workbook write it (the name if unknown)."""
    col = next((c for c in schema.columns if c.name == name), None) if schema is not None else None
    return col.header if col is not None else name


def cell_place(frame: pd.DataFrame, table: str, index: int | None, column: str) -> Place:
    """The place of ``frame``'s column ``column`` (engine name) at record ``index`` (None: no row)."""
    return Place(frame.attrs.get("source", table), None if index is None else row_number(frame, index),
                 header(SCHEMAS.get(table), column))


# ---------------------------------------------------------------------------------------- years


def _years(frame: pd.DataFrame) -> list[int]:
    return [parse_year(y) for y in frame["financial_year"]]


def contiguous_year_problems(frame: pd.DataFrame, table: str) -> list[HnbInputError]:
    """Years one after another with no gaps (:func:`hnb_xl.tables.schema.check_contiguous_years`,
    the rule the file reader applies to history and assumptions): one problem at the first break."""
    try:
        check_contiguous_years(frame, frame.attrs.get("source", table))
    except HnbInputError as exc:
        return [exc]
    return []


def duplicate_year_problems(frame: pd.DataFrame, table: str) -> list[HnbInputError]:
    """Each year once (the tables keyed on the year)."""
    seen: dict[int, int] = {}
    out = []
    for i, y in enumerate(_years(frame)):
        if y in seen:
            out.append(cell_place(frame, table, i, "financial_year").error(
                f"duplicate Financial year {fy(y)} (first seen on row {row_number(frame, seen[y])})", fy(y)))
        else:
            seen[y] = i
    return out


def _cell(frame: pd.DataFrame, index: int, column: str):
    """One value (``DataFrame.iat``: no column Series, whose ``attrs`` pandas would deep-copy)."""
    return frame.iat[index, frame.columns.get_loc(column)]


def start_year_problems(history: pd.DataFrame, assumptions: pd.DataFrame) -> list[HnbInputError]:
    """The assumptions' first year is the year after the last history year."""
    if history.empty or assumptions.empty:
        return []
    last, first = parse_year(_cell(history, -1, "financial_year")), parse_year(_cell(assumptions, 0, "financial_year"))
    if first == last + 1:
        return []
    return [cell_place(assumptions, "assumptions", 0, "financial_year").error(
        f"assumptions start in {fy(first)} but history ends in {fy(last)}: expected {fy(last + 1)}", fy(first))]


def base_year_problems(history: pd.DataFrame, assumptions: pd.DataFrame) -> list[HnbInputError]:
    """The projection rolls forward from the last history year's accumulated deficit
    (:func:`hnb_xl.engine.projection.project`): that cell may not be blank (an earlier year's
    may: a base year for growth only). Then :func:`start_year_problems`."""
    out = []
    if not history.empty and "accumulated_deficit" in history.columns \
            and pd.isna(_cell(history, -1, "accumulated_deficit")):
        last = fy(parse_year(_cell(history, -1, "financial_year")))
        out.append(cell_place(history, "history", len(history) - 1, "accumulated_deficit").error(
            f"is blank: the projection starts from the accumulated deficit of the last history year ({last})"))
    return out + start_year_problems(history, assumptions)


# -------------------------------------------------------------------------------------- numbers


def column_values(frame: pd.DataFrame) -> dict[str, list]:
    """{column: its values as Python objects}, taken from the frame in one pass (pandas copies a
    frame's ``attrs`` into every column it hands out, which costs more than the rules here)."""
    values = frame.to_numpy(dtype=object)
    return {name: values[:, j].tolist() for j, name in enumerate(frame.columns.tolist())}


_NUMBER_TYPES = frozenset({float, int, bool})


def finite_problems(frame: pd.DataFrame, table: str, columns: dict[str, list] | None = None) -> list[HnbInputError]:
    """No NaN or infinity in a required number column (NaN stands for a blank optional cell).

    A column of plain numbers is checked in one numpy pass (``np.isfinite``); only a column that
    fails it, or one holding anything else, is walked value by value for the messages.
    ``columns``: :func:`column_values` of the frame, when the caller has them."""
    schema = SCHEMAS.get(table)
    if schema is None:
        return []
    cols = [c for c in schema.columns if c.kind in NUMBER_KINDS and c.name in frame.columns]
    if not cols:
        return []
    columns = column_values(frame) if columns is None else columns
    out = []
    for col in cols:
        vals = columns[col.name]
        if set(map(type, vals)) <= _NUMBER_TYPES:
            xs = np.array(vals, dtype=float)
            if (np.isfinite(xs) if col.required else ~np.isinf(xs)).all():
                continue
        terms = ROW_TERMS.get(table)
        for i, v in enumerate(vals):
            if isinstance(v, str) and terms and col.name == terms[1]:
                continue      # a text parameter (authority name): the reader read it by its own kind
            x = _float(v)
            bad = x is None or math.isinf(x) or (math.isnan(x) and col.required)
            if bad:
                out.append(cell_place(frame, table, i, col.name).error(f"expected a finite number, got {v!r}", v))
    return out


def _float(v) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------------- parameters


@functools.lru_cache(maxsize=None)
def parameter_columns() -> dict[str, Column]:
    """{parameter: a Column of its kind and range} from ``hnb_xl/data/parameters.csv`` (columns
    ``kind``, ``low``, ``high``: inclusive, blank = open), so that a parameter's value is read and
    checked by the one number grammar (:func:`hnb_xl.tables.cells.parse_number`). Built once per
    process, like the bundled data it reads (shared: read only)."""
    from .. import bundled   # the bundled data sit above the table floor: read them when asked

    def bound(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "" else float(v)
    return {str(r["name"]): Column(str(r["name"]), str(r["name"]), str(r["kind"]), str(r["unit"]), "",
                                   low=bound(r["low"]), high=bound(r["high"]))
            for r in bundled.parameter_table().to_dict("records")}


def value_problem(name: str, value, place: Place, columns: dict | None = None) -> HnbInputError | None:
    """One parameter value against its kind and range; None when it is fine (or not a parameter)."""
    col = (columns if columns is not None else parameter_columns()).get(name)
    if col is None or col.kind == "text":     # a text parameter (authority name): any text, read as text
        return None
    try:
        parse_number(value, col)
    except ValueError as exc:
        return place.error(str(exc), value)
    return None


def parameter_problems(values: dict, places: dict[str, Place]) -> list[HnbInputError]:
    """Scalar parameters given to a model run (``{name: value}``; None = the bundled value)."""
    columns = parameter_columns()
    out = []
    for name, value in values.items():
        if value is None:
            continue
        p = value_problem(name, value, places.get(name, Place(name)), columns)
        if p is not None:
            out.append(p)
    return out


def parameter_table_problems(frame: pd.DataFrame) -> list[HnbInputError]:
    """Each row of a parameters table (name, value) within its range; unknown names are left to
    the caller (the workbook reports the names it has)."""
    columns = parameter_columns()
    out = []
    for i, rec in enumerate(frame.to_dict("records")):
        name = str(rec.get("name", "")).strip()
        p = value_problem(name, rec.get("value"), cell_place(frame, "parameters", i, "value"), columns)
        if p is not None:
            out.append(p)
    return out


# ------------------------------------------------------------------------------------ agreement


def agreement_problems(first_paid: int, last_paid: int, target_year: int | None, plan_years: list[int],
                       places: dict[str, Place], first_outturn: int | None = None) -> list[HnbInputError]:
    """The agreement's years against the plan years: contributions are paid from ``first_paid`` to
    ``last_paid`` (the years with a non-zero instalment or council contribution), both within the
    plan years; the target balance year is not before the first plan year. ``places``: where
    first_year, instalments and target_balance_year came from. ``first_outturn``: the first
    history year, when contributions in outturn years are kept as received (after a roll-forward):
    then a contribution before it is before the whole model, and the message says so."""
    if not plan_years:
        return []
    out = []
    first_plan, last_plan = plan_years[0], plan_years[-1]

    def where(key):
        return places.get(key, Place(key))
    if first_outturn is not None and first_paid < first_outturn:
        out.append(where("first_year").error(
            f"contributions in {fy(first_paid)} fall before the model's first year {fy(first_outturn)} (outturn "
            f"from {fy(first_outturn)}, plan to {fy(last_plan)}): check the agreement's first year", fy(first_paid)))
    elif first_paid < first_plan:
        out.append(where("first_year").error(
            f"contributions in {fy(first_paid)} fall outside the plan years {fy(first_plan)} to {fy(last_plan)}: "
            f"the first instalment is before the first plan year", fy(first_paid)))
    if last_paid > last_plan:
        out.append(where("first_year").error(
            f"contributions in {fy(last_plan + 1)} to {fy(last_paid)} fall outside the plan years {fy(first_plan)} "
            f"to {fy(last_plan)}: extend the horizon", fy(last_paid)))
    if target_year is not None and target_year < first_plan:
        out.append(where("target_balance_year").error(
            f"the target balance year {fy(target_year)} is before the first plan year {fy(first_plan)}",
            fy(target_year)))
    return out


# ---------------------------------------------------------------------------------------- check


def table_problems(name: str, frame: pd.DataFrame) -> list[HnbInputError]:
    """The problems of one table on its own (``name``: its schema name): finite numbers, and by
    table, years once and one after another, parameters within their ranges."""
    columns = column_values(frame)
    out = finite_problems(frame, name, columns)
    if name in ("history", "assumptions"):
        years = [parse_year(y) for y in columns["financial_year"]]
        if years != list(range(years[0], years[0] + len(years))) if years else False:   # else both rules hold
            out.extend(duplicate_year_problems(frame, name) or contiguous_year_problems(frame, name))
    elif name == "block_transfer":
        out.extend(duplicate_year_problems(frame, name))
    elif name == "parameters":
        out.extend(parameter_table_problems(frame))
    elif name in TERM_RULES:
        out.extend(TERM_RULES[name](frame))
    return out


# ------------------------------------------------------------------- Monte Carlo, assurance record


def montecarlo_problems(frame: pd.DataFrame) -> list[HnbInputError]:
    """The Monte Carlo settings (schema.MONTECARLO_TERMS): each setting known, once, within its
    range (paths 1 to 1,000,000; correlations -1 to 1), and the year-to-year correlation strictly
    between -1 and 1 (the AR(1) shock sqrt(1 - rho^2) e_t vanishes at 1: hnb_xl/engine/montecarlo.py)."""
    from .schema import MONTECARLO_TERMS, read_terms
    try:
        terms = read_terms(frame, MONTECARLO_TERMS, name_column="setting", what="setting", name_header="Setting")
    except HnbInputError as exc:
        return list(exc.problems or [exc])
    rho = terms.get("year_correlation")
    if rho is not None and abs(rho) >= 1:
        i = [str(n).strip() for n in frame["setting"]].index("year_correlation")
        return [cell_place(frame, "montecarlo", i, "value").error(
            f"year_correlation must be above -1 and below 1, got {rho!r}", rho)]
    return []


def uncertainty_problems(frame: pd.DataFrame) -> list[HnbInputError]:
    """The Monte Carlo's spreads: each driver one the Monte Carlo draws
    (:data:`hnb_xl.engine.montecarlo.MC_DRIVERS`) and its distribution one it knows
    (:data:`~hnb_xl.engine.montecarlo.DISTRIBUTIONS`; blank: normal); sd >= 0 is the column's range."""
    from ..engine.montecarlo import DISTRIBUTIONS, MC_DRIVERS
    out = []
    for i, rec in enumerate(frame.to_dict("records")):
        d = str(rec.get("driver") or "").strip()
        if d not in MC_DRIVERS:
            out.append(cell_place(frame, "uncertainty", i, "driver").error(
                f"unknown driver '{d}' (expected one of {', '.join(MC_DRIVERS)})", d))
        dist = str(rec.get("distribution") or "").strip().lower()
        if dist and dist not in DISTRIBUTIONS:
            out.append(cell_place(frame, "uncertainty", i, "distribution").error(
                f"distribution '{dist}' is not supported (expected {' or '.join(DISTRIBUTIONS)})", dist))
    return out


def assurance_log_problems(frame: pd.DataFrame) -> list[HnbInputError]:
    """The assumptions log (schema.ASSURANCE_ASSUMPTIONS): every assumption has an owner, a date,
    a red/amber/green rating and a source (:func:`hnb_xl.engine.assurance.log_problems`)."""
    from ..engine.assurance import log_problems
    return [cell_place(frame, "assurance_assumptions", i, column).error(message)
            for i, column, message in log_problems(frame)]


# ------------------------------------------------------------------------- placement history


def census_of(financial_year: str) -> str:
    """The January census inside a financial year: 2021-22 -> "January 2022" (the January census of
    year Y is the count of financial year (Y-1)-Y, as hnb_xl/sources/sen2/cuts.py reads DfE's SEN2)."""
    return f"January {parse_year(financial_year) + 1}"


def placement_history_problems(frame: pd.DataFrame) -> list[HnbInputError]:
    """EHC plans by placement at each census (schema.PLACEMENT_HISTORY): each row's census is the
    January inside its financial year (January 2022 is 2021-22), and where no count of the row is
    blank the seven categories add up to its Total (the seventh, other placements, is the total
    minus the six: hnb_xl/sources/sen2/categories.py). One problem at the cell that is wrong."""
    from .schema import PLACEMENT_CATEGORIES
    columns = column_values(frame)
    out = []
    for i, year in enumerate(columns["financial_year"]):
        census = str(columns["census"][i]).strip()
        if census != census_of(year):
            out.append(cell_place(frame, "placement_history", i, "census").error(
                f"{census or '(blank)'} is not the census of {year}: expected {census_of(year)} (the January "
                "inside the financial year)", census))
        counts = [_float(columns[k][i]) for k in PLACEMENT_CATEGORIES]
        total = _float(columns["total"][i])
        if total is None or math.isnan(total) or any(c is None or math.isnan(c) for c in counts):
            continue
        if sum(counts) != total:
            out.append(cell_place(frame, "placement_history", i, "total").error(
                f"the seven categories of {year} add up to {sum(counts):,.0f}, not the Total {total:,.0f}", total))
    return out


# the one-table rules of the tables above, by schema name
TERM_RULES = {"montecarlo": montecarlo_problems, "uncertainty": uncertainty_problems,
              "assurance_assumptions": assurance_log_problems, "placement_history": placement_history_problems}


def block_transfer_twin_problems(assumptions: pd.DataFrame, block_transfer: pd.DataFrame) -> list[HnbInputError]:
    """The block transfer is held twice: the assumptions' ``block_transfer`` (the projection's
    income) and the block-transfer table's ``transfer_amount`` (the Invest to Transform and the 0.5%
    check). For every year in both tables the two agree to the penny (a blank transfer amount: no
    transfer, £0); a year in one table only is not compared. One problem per year that differs,
    at the assumptions' cell, naming the block-transfer table's file, row and column."""
    if assumptions.empty or block_transfer.empty or "block_transfer" not in assumptions.columns:
        return []
    rows = {parse_year(y): i for i, y in enumerate(block_transfer["financial_year"])}
    out = []
    for i, y in enumerate(_years(assumptions)):
        j = rows.get(y)
        if j is None:
            continue
        ours, theirs = _float(_cell(assumptions, i, "block_transfer")), _float(_cell(block_transfer, j, "transfer_amount"))
        ours = 0.0 if ours is None or math.isnan(ours) else ours
        theirs = 0.0 if theirs is None or math.isnan(theirs) else theirs
        if abs(ours - theirs) >= 0.005:
            there = cell_place(block_transfer, "block_transfer", j, "transfer_amount")
            out.append(cell_place(assumptions, "assumptions", i, "block_transfer").error(
                f"the {fy(y)} block transfer is {_pounds(ours)} here but {_pounds(theirs)} in {there.source}, row "
                f"{there.row}, column '{there.column}': the two tables must give the same transfer", ours))
    return out


def _pounds(x: float) -> str:
    return f"£{x:,.0f}" if float(x).is_integer() else f"£{x:,.2f}"


# the rules between two tables: {(first table, second table): rule}. BETWEEN_RULES are what lies
# between the two only: a refresh applies them when one table is the workbook's own, kept (its own
# problems are its Checks sheet's); PAIR_RULES add the history's own base-year rule.
BETWEEN_RULES = {("history", "assumptions"): start_year_problems,
                 ("assumptions", "block_transfer"): block_transfer_twin_problems}
PAIR_RULES = {**BETWEEN_RULES, ("history", "assumptions"): base_year_problems}


def problems(tables: dict[str, pd.DataFrame]) -> list[HnbInputError]:
    """Every problem of ``tables`` ({schema name: frame}): :func:`table_problems` of each, then the
    rules of :data:`PAIR_RULES` between them; a table left out is not checked."""
    out: list[HnbInputError] = []
    for name, frame in tables.items():
        if frame is not None:
            out.extend(table_problems(name, frame))
    for (a, b), rule in PAIR_RULES.items():
        if tables.get(a) is not None and tables.get(b) is not None:
            out.extend(rule(tables[a], tables[b]))
    return out


def check(tables: dict[str, pd.DataFrame]) -> None:
    """Raise every problem of :func:`problems` together (nothing when the tables agree)."""
    raise_all(problems(tables))


__all__ = ["Place", "check", "problems", "table_problems", "PAIR_RULES", "contiguous_year_problems", "duplicate_year_problems",
           "start_year_problems", "finite_problems", "parameter_problems", "parameter_table_problems",
           "parameter_columns", "value_problem", "agreement_problems", "cell_place", "row_number"]
