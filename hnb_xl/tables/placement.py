"""The placement engine's input tables: their schemas, the bundled set and where an engine error is.

Nine tables (``hnb_xl/data/placement_*.csv``, provenance in ``hnb_xl/data/README.md``): the base
census by category (SEN2: :func:`base_census` takes it from the placement history, one row a January
census, ``placement_history.csv``: January 2022 is 2021-22), the categories' unit costs and flows, the yearly drivers, capacity, the
backlog, moves, the spend not per plan, HNB income and two settings. Each is read by the one reader
(:func:`hnb_xl.tables.files.load`: validated, every problem with its file, row and column), and a
:class:`~hnb_xl.errors.ModelError` from :mod:`hnb_xl.engine.placement` is turned into the same kind
of one-line message by :func:`located`.
"""

from __future__ import annotations

from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import pandas as pd

from .. import bundled
from ..engine import placement_mitigation as mitigation
from ..engine.placement import PlacementInputs
from ..errors import HnbInputError, ModelError
from ..years import fy, parse_year
from . import validate
from .files import load, read_tables
from .schema import (PCT2, PLACEMENT_CATEGORIES, PLACEMENT_HISTORY, PLACEMENT_SOURCE_TABLES, SCHEMAS,
                     WORKSTREAM_FUNDING, WORKSTREAM_TIMING, Column, Schema, normalise_header)

_YEAR = Column("financial_year", "Financial year", "year", "", "Financial year, e.g. 2022-23", aliases=("year", "fy"))
_CATEGORY = Column("category", "Category", "text", "", "Placement category (the DSG plan's seven)",
                   aliases=("placement", "placementcategory"))
_BASIS = Column("basis", "Basis", "text", "", "Where the figure comes from", required=False,
                aliases=("source", "note"))

# the engine's view of the base census, one row a category: made by base_census from the placement
# history (no file of its own)
CENSUS = Schema("census", "EHC plans by placement at the base census (SEN2)", (
    _CATEGORY,
    Column("label", "Label", "text", "", "The template's name of the category", required=False),
    Column("census_before", "January census before", "count", "plans",
           "EHC plans at the January census before the base year's (January 2021)"),
    Column("census_base", "January census", "count", "plans", "EHC plans at the base year's January census"),
    _BASIS,
), key="category")

CATEGORIES = Schema("categories", "Placement categories: unit cost and flows", (
    _CATEGORY,
    Column("unit_cost", "Unit cost", "money", "£ per plan per year", "Cost per plan in the base year"),
    Column("new_plan_share", "Share of new plans", "share", "fraction", "Share of new plans placed here",
           number_format=PCT2),
    Column("ceased_rate", "Ceased rate", "share", "fraction", "Plans ceasing in a year, of the census before",
           number_format=PCT2),
    Column("complexity_drift", "Complexity drift", "rate", "fraction",
           "Yearly growth in cost per plan beyond inflation (banding, complexity)", number_format=PCT2),
    Column("overflow_to", "Overflow to", "text", "", "Category taking the pupils over this category's places",
           required=False),
    _BASIS,
), key="category")

DRIVERS = Schema("drivers", "Placement drivers by year", (
    _YEAR,
    Column("requests", "Requests for assessment", "count", "requests", "EHC needs assessment requests",
           required=False),
    Column("assessed_share", "Share assessed", "share", "fraction", "Share of requests assessed", required=False),
    Column("issued_share", "Share issued", "share", "fraction", "Share of assessments issuing a plan",
           required=False),
    Column("new_plan_growth", "New plan growth", "rate", "fraction",
           "Net growth of all plans (when requests are not given)", required=False, number_format=PCT2),
    Column("inflation", "Unit cost inflation", "rate", "fraction", "Pay and fee inflation of unit costs",
           number_format=PCT2),
    _BASIS,
), key="financial_year", contiguous_years=True)

CAPACITY = Schema("capacity", "Places by category", (
    _YEAR, _CATEGORY,
    Column("places", "Places", "count", "places", "Places from this year on (until the next row)"),
    _BASIS,
))

BACKLOG = Schema("backlog", "Pupils awaiting a place", (
    _CATEGORY,
    Column("waiting_in", "Waiting in", "text", "", "Category they are counted in until placed"),
    Column("pupils", "Pupils", "count", "pupils", "Pupils awaiting a place at the base census"),
    _BASIS,
), key="category")

MOVES = Schema("moves", "Plans moving between categories", (
    Column("from_category", "From", "text", "", "Category the plans leave", aliases=("from",)),
    Column("to_category", "To", "text", "", "Category the plans join", aliases=("to",)),
    Column("plans", "Plans a year", "count", "plans", "Plans moving each year"),
    _BASIS,
))

OTHER_SPEND = Schema("other_spend", "HNB spend not per plan", (
    Column("line", "Line", "text", "", "Spend line (s251 high needs lines)"),
    Column("amount", "Base year amount", "money", "£", "Spend in the base year"),
    Column("growth", "Growth", "rate", "fraction", "Yearly growth", number_format=PCT2),
    _BASIS,
), key="line")

INCOME = Schema("income", "HNB income", (
    _YEAR,
    Column("allocation", "HNB allocation", "money", "£", "High needs allocation (blank: grown)", required=False),
    Column("allocation_growth", "Allocation growth", "rate", "fraction", "Growth on last year's allocation",
           required=False, number_format=PCT2),
    Column("transfer", "Block transfer", "signed_money", "£", "One-year transfer into the HNB (never in the base)",
           required=False),
    _BASIS,
), key="financial_year", contiguous_years=True)

SETTINGS = Schema("settings", "Placement settings", (
    Column("name", "Setting", "text", "", "months_before_census or calibration_growth"),
    Column("value", "Value", "signed_money", "", "The setting's value"),
    _BASIS,
), key="name")

# The mitigations (engineer D2; hnb_xl/engine/placement_mitigation.py): not one of the nine the
# unmitigated engine reads, so not in PLACEMENT_SCHEMAS; read by load_workstreams.
WORKSTREAMS = Schema(mitigation.TABLE, "Placement workstreams: mitigations where they act", (
    Column("name", "Name", "text", "", "Workstream name (each name once)", aliases=("workstream",)),
    Column("lever", "Lever", "text", "", ", ".join(mitigation.LEVERS)),
    Column("target", "Target", "text", "", "The category (or other-spend line, for a cash saving) it acts on",
           required=False, aliases=("category", "line")),
    Column("to_category", "To category", "text", "", "placed_in_maintained: the maintained category placing them",
           required=False, aliases=("to",)),
    Column("amount", "Amount", "money_or_rate", "fraction or £",
           "Full effect: a fraction (0.1 = 10%) for the rate levers, pounds a year for a cash saving", low=0.0),
    *WORKSTREAM_TIMING,
    WORKSTREAM_FUNDING,
    _BASIS,
), key="name")
WORKSTREAMS_FILE = f"{mitigation.TABLE}.csv"

PLACEMENT_SCHEMAS = {s.name: s for s in (CENSUS, CATEGORIES, DRIVERS, CAPACITY, BACKLOG, MOVES, OTHER_SPEND,
                                         INCOME, SETTINGS)}
HISTORY_FILE = "placement_history.csv"     # the censuses by placement (schema.PLACEMENT_HISTORY)
# the base census is read from the placement history (one place for the counts; :func:`base_census`)
FILES = {name: HISTORY_FILE if name == "census" else f"placement_{name}.csv" for name in PLACEMENT_SCHEMAS}
OLD_CENSUS_FILE = "placement_census.csv"   # the category-row census of earlier versions: refused, with what to write
# The tables the workbook holds on its Inputs sheet (layout.INPUT_TABLES), keyed by their source
# file's name without .csv (the census is the placement history's, schema.PLACEMENT_HISTORY): in
# the one table of schemas, so the refresh, template --from and verify read them as any input table
INPUT_SCHEMAS = {key: PLACEMENT_SCHEMAS[key.removeprefix("placement_")] for key in PLACEMENT_SOURCE_TABLES}
SCHEMAS.update(INPUT_SCHEMAS)
SCHEMAS[WORKSTREAMS.name] = WORKSTREAMS     # schema.PLACEMENT_WORKSTREAMS_TABLE: an Inputs table too


def census_history() -> pd.DataFrame:
    """The bundled EHC plans by placement at each January census (``hnb_xl/data/placement_history.csv``,
    :data:`hnb_xl.tables.schema.PLACEMENT_HISTORY`; the January census of year Y is financial year
    (Y-1)-Y), read and validated by the one reader; ``attrs["source"]`` names the file."""
    with resources.as_file(bundled.data_path(HISTORY_FILE)) as p:
        frame = load(PLACEMENT_HISTORY, p)
    frame.attrs["source"] = HISTORY_FILE
    return frame


def load_tables(folder=None) -> dict[str, pd.DataFrame]:
    """The nine tables from ``folder`` (files named ``placement_<table>.csv``; one missing there is
    the bundled one), or all bundled. Row numbers stay in each frame's ``attrs`` for messages."""
    if folder is not None:
        if not Path(folder).is_dir():
            raise HnbInputError("is not a folder: expected a folder of placement_<table>.csv files",
                                source=str(folder))
        if (Path(folder) / OLD_CENSUS_FILE).exists():
            raise HnbInputError(f"is no longer read: write the censuses to {HISTORY_FILE} instead (one row a January "
                                "census: Financial year, Census, the seven categories, Total; hnb-xl template writes "
                                "one)", source=str(Path(folder) / OLD_CENSUS_FILE))
        if not any((Path(folder) / f).exists() for f in FILES.values()):
            raise HnbInputError(f"has none of the placement files ({', '.join(FILES.values())})", source=str(folder))
    out = {}
    for name, schema in PLACEMENT_SCHEMAS.items():
        if name == "census":
            schema = PLACEMENT_HISTORY
        path = Path(folder) / FILES[name] if folder is not None else None
        if path is not None and path.exists():
            out[name] = load(schema, path, keep_unknown=True)
        else:
            with resources.as_file(bundled.data_path(FILES[name])) as p:
                frame = load(schema, p, keep_unknown=True)
            frame.attrs["source"] = FILES[name]
            out[name] = frame
    out["placement_history"] = out.pop("census")
    out["census"] = base_census(out["placement_history"], str(bundled.history()["financial_year"].iloc[-1]))
    return out


def other_base_year(history: pd.DataFrame, drivers: pd.DataFrame) -> str | None:
    """None when the placement drivers start the year after the history's last year (the
    workbook's base year) or either table is empty; else the one line a modeller reads after a
    roll-forward (history gained an outturn year, the placement tables did not move): "placement
    tables for base year 2021-22, not 2022-23: the placement drivers must start in 2023-24"
    (docs/placement.md, "Term after term"). Not an error: the rest of the model still runs."""
    if len(history) == 0 or len(drivers) == 0:
        return None
    try:
        base, first = parse_year(history["financial_year"].iloc[-1]), parse_year(drivers["financial_year"].iloc[0])
    except (ValueError, TypeError, HnbInputError):
        return None                         # not a year: the tables' own checks name it
    if first == base + 1:
        return None
    return (f"placement tables for base year {fy(first - 1)}, not {fy(base)}: "
            f"the placement drivers must start in {fy(base + 1)}")


def base_census(placement_history: pd.DataFrame, base_year: str) -> pd.DataFrame:
    """The base census by category (:data:`CENSUS`'s columns: the engine's view) from the placement
    history's rows (:data:`hnb_xl.tables.schema.PLACEMENT_HISTORY`): ``census_base`` from the base
    year's row (its January census: January 2022 for 2021-22), ``census_before`` from the year
    before's. A missing row or a blank count is refused at the placement history's file, row and
    column; ``attrs`` point at the base year's row, so an engine error is located there."""
    ph = placement_history
    source = ph.attrs.get("source", HISTORY_FILE)
    years = [str(y) for y in ph["financial_year"]]
    before = fy(parse_year(base_year) - 1)
    rows = {}
    for year, what in ((before, "the census before the base year's"), (base_year, "the base year's census")):
        if year not in years:
            raise HnbInputError(f"has no row for {year} ({what}, {validate.census_of(year)}): the placement engine "
                                f"starts from the January censuses of {before} and {base_year}", source=source)
        i = years.index(year)
        blank = [PLACEMENT_CATEGORIES[k] for k in PLACEMENT_CATEGORIES if pd.isna(ph[k].iloc[i])]
        if blank:
            raise HnbInputError(f"{year}'s {blank[0]} is blank (not known): the placement engine needs every category "
                                f"at the {validate.census_of(year)} census", source=source,
                                row=validate.row_number(ph, i), column=blank[0])
        rows[year] = i
    b, a = rows[before], rows[base_year]
    basis = ph["source"].iloc[a] if "source" in ph else ""
    out = pd.DataFrame({"category": list(PLACEMENT_CATEGORIES), "label": list(PLACEMENT_CATEGORIES.values()),
                        "census_before": [float(ph[k].iloc[b]) for k in PLACEMENT_CATEGORIES],
                        "census_base": [float(ph[k].iloc[a]) for k in PLACEMENT_CATEGORIES],
                        "basis": [basis] * len(PLACEMENT_CATEGORIES)})
    out.attrs = {"source": source, "row_numbers": [validate.row_number(ph, a)] * len(PLACEMENT_CATEGORIES)}
    return out


def load_workstreams(path=None) -> pd.DataFrame:
    """The placement workstreams (:data:`WORKSTREAMS`) from ``path`` (a CSV/XLSX file, or a folder
    holding ``placement_workstreams.csv``), else the bundled ILLUSTRATIVE ones; read and validated by
    the one reader, ``attrs["source"]`` naming the file for messages (:func:`located`)."""
    if path is not None and Path(path).is_dir():
        path = Path(path) / WORKSTREAMS_FILE if (Path(path) / WORKSTREAMS_FILE).exists() else None
    if path is not None:
        return load(WORKSTREAMS, path)
    with resources.as_file(bundled.data_path(WORKSTREAMS_FILE)) as p:
        frame = load(WORKSTREAMS, p)
    frame.attrs["source"] = WORKSTREAMS_FILE
    return frame


def inputs(tables: dict[str, pd.DataFrame], history: pd.DataFrame | None = None, *,
           other_dsg: float = 0.0) -> PlacementInputs:
    """The engine's inputs from the tables and the history (base year = its last row: outturn and
    accumulated deficit; bundled by default). ``other_dsg``: £ a year in every projection year."""
    h = bundled.history() if history is None else history
    base = h.iloc[-1]
    if "placement_history" in tables:      # the base census of this history's base year
        tables = {**tables, "census": base_census(tables["placement_history"], str(base["financial_year"]))}
    census, cats = tables["census"], tables["categories"]
    cat_names = list(cats["category"])
    for i, k in enumerate(census["category"]):
        if k not in cat_names:
            raise HnbInputError(f"'{k}' has no row in the categories table ({', '.join(cat_names)})",
                                source=census.attrs.get("source"), row=validate.row_number(census, i),
                                column="Category")
    names = list(census["category"])
    for i, k in enumerate(cat_names):
        if k not in names:
            raise HnbInputError(f"'{k}' has no row in the census table ({', '.join(names)})",
                                source=cats.attrs.get("source"), row=validate.row_number(cats, i), column="Category")
    # in the categories table's order, so an engine error's row is that table's
    merged = cats.merge(census[["category", "label", "census_before", "census_base"]], on="category", how="left")
    settings = dict(zip(tables["settings"]["name"], tables["settings"]["value"]))
    months = float(settings.get("months_before_census", 5))
    if not 0 <= months <= 12:
        s = tables["settings"]
        i = list(s["name"]).index("months_before_census")
        raise HnbInputError(f"months before the census must be 0 to 12, got {months:g}", source=s.attrs.get("source"),
                            row=validate.row_number(s, i), column="Value")
    years = len(tables["drivers"])
    return PlacementInputs(
        categories=merged, drivers=tables["drivers"], income=tables["income"], other_spend=tables["other_spend"],
        base_year=str(base["financial_year"]), base_outturn=float(base["hnb_expenditure"]),
        base_accumulated=float(base["accumulated_deficit"]), capacity=tables["capacity"], moves=tables["moves"],
        backlog=tables["backlog"], weight_before=months / 12, weight_after=1 - months / 12,
        calibration_growth=float(settings.get("calibration_growth", 0.0)), other_dsg=(float(other_dsg),) * years)


def extend(tables: dict[str, pd.DataFrame], to_year: int) -> dict[str, pd.DataFrame]:
    """The drivers and income to ``to_year`` (start year): later years repeat the last row's
    drivers and allocation growth, with no transfer (transfers are agreed a year at a time); rows
    after it are dropped."""
    out = dict(tables)
    for name in ("drivers", "income"):
        f = tables[name]
        attrs = dict(f.attrs)
        years = [parse_year(y) for y in f["financial_year"]]
        rows = [f]
        for y in range(years[-1] + 1, to_year + 1):
            row = f.iloc[[-1]].copy()
            row["financial_year"] = fy(y)
            if name == "income":
                row["allocation"] = float("nan")
                row["transfer"] = 0.0
                if pd.isna(row["allocation_growth"].iloc[0]):
                    row["allocation_growth"] = 0.0
            row["basis"] = f"extended: {fy(years[-1])} held"
            rows.append(row)
        g = pd.concat(rows, ignore_index=True)
        g = g[[parse_year(y) <= to_year for y in g["financial_year"]]].reset_index(drop=True)
        g.attrs = attrs
        out[name] = g
    return out


@contextmanager
def located(tables: dict[str, pd.DataFrame]):
    """Run the engine; a ModelError leaves as an HnbInputError naming the table's file, row and column."""
    try:
        yield
    except ModelError as exc:
        frame = tables.get(exc.table)
        schema = WORKSTREAMS if exc.table == WORKSTREAMS.name else PLACEMENT_SCHEMAS.get(exc.table)
        if frame is None:
            raise HnbInputError(exc.message, source=exc.table, column=exc.field) from None
        row = validate.row_number(frame, exc.index) if exc.index is not None else None
        source = frame.attrs.get("source", FILES.get(exc.table))
        raise HnbInputError(exc.message, source=source, row=row, column=_header(schema, exc.field, source),
                            value=exc.value) from None


def _header(schema: Schema | None, name: str, source: str) -> str:
    """The column's header as the file writes it (the bundled files write engine names), else the schema's."""
    col = next((c for c in schema.columns if c.name == name), None) if schema else None
    if col is None:
        return name
    path = Path(bundled.data_path(source)) if not Path(source).exists() else Path(source)
    try:
        headers = read_tables(path)[0].headers
    except HnbInputError:
        return col.header
    return next((str(h) for h in headers if normalise_header(h) in col.spellings), col.header)
