"""The ONE place that knows the bundled workbook's sheet names, cell anchors and defined names.

Everything else (the builder, refresh, checks, tests) imports from here; nobody else writes a
cell address. Stable public API:

``SHEETS``                      sheet names in reader order (Cover ... xlwings.conf)
``COVER, INPUTS, CALC_HISTORY, CALC_PROJECTION, CALC_CONTINGENCY, CALC_TRANSFER, OUTPUTS,
SENSITIVITY, CHECKS, LOGS, XLWINGS_CONF``    the sheet names one by one
``CALCULATION_SHEETS``          sheets whose formulas may hold no numeric constant except
                                :data:`ALLOWED_CONSTANTS` (read by ``hnb_xl.workbook.verify.check``)
``ALLOWED_CONSTANTS``           (0, 1): the rule agreed with the static checker. 0 and 1 may appear
                                in calculation formulas (``MAX(0, ...)``, ``ROUNDDOWN(x, 0)``,
                                ``1 + growth``, a check's 1/0 result, the first period number);
                                every other number is an input on the Inputs sheet.
``INPUT_TABLES``                {key: :class:`InputTable`} for "parameters", "history",
                                "assumptions", "block_transfer", "invest_to_transform", "schools":
                                sheet, title/units/header rows, first and last data row, first
                                column, headers (= the schema headers of ``hnb_xl.tables.schema``, in
                                that order), max data rows, defined names of the table and of
                                each column
``PARAMETERS``                  the parameter rows (name in parameters.csv -> defined name)
``NAMES``                       headline defined names (master check, outputs)
``BUILD_TIME_CELL``, ``REFRESH_TIME_CELL``  (sheet, cell) of the two timestamps on the Cover;
                                the build time is the only cell that differs between two builds
``OPTIONAL_INPUT_CELLS``        (sheet, cell) pairs that may legitimately be empty

The calculation sheets' rows (``HIST``, ``PROJ``, ``CONT``, ``TRANS``, ``SV``) are computed from
ordered lists of row names with :func:`numbered` and from the input tables' sizes, as ``InputTable``
computes its rows: to add a line, insert its name where it goes.

Adding a sheet: add its name to ``SHEETS`` (reader order), to ``CODE_NAMES`` and, if it
calculates, to ``CALCULATION_SHEETS`` (each is defined once, here); give its anchors and defined
names here as constants;
write one module ``hnb_xl/workbook/sheets/<name>.py`` with ``build(wb, ctx)`` and list it in
``hnb_xl.workbook.build.SHEET_BUILDERS``. Nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils.cell import coordinate_from_string, get_column_letter

from ..tables.schema import (AGREEMENT, AGREEMENT_TERMS, ASSUMPTIONS, BLOCK_TRANSFER, HISTORY, INVEST_TO_TRANSFORM,
                             PAYMENTS, PLACEMENT_CATEGORIES, PLACEMENT_HISTORY, SCHOOLS, SETTLEMENT, WORKSTREAMS)
from ..tables.schema import MONTECARLO, MONTECARLO_TERMS, UNCERTAINTY
from ..engine.montecarlo import MC_DRIVERS
from ..engine.sensitivity import BREAK_EVEN, TORNADO_MAX
from ..engine.placement import SUMMARY_COLUMNS as PLACEMENT_SUMMARY
from ..tables.schema import PARAMETERS as PARAMETERS_SCHEMA
from ..tables.placement import INPUT_SCHEMAS as SCHEMAS   # the placement tables
from ..tables.placement import WORKSTREAMS as PLACEMENT_WORKSTREAMS
from .styles import GBP

# ------------------------------------------------------------------------------------- sheets
COVER = "Cover"
INPUTS = "Inputs"
CALC_HISTORY = "Calc_History"
CALC_PROJECTION = "Calc_Projection"
CALC_CONTINGENCY = "Calc_Contingency"
CALC_TRANSFER = "Calc_Transfer"
CALC_PLACEMENT = "Calc_Placement"
SAFETY_VALVE = "Safety_Valve"
OUTPUTS = "Outputs"
SENSITIVITY = "Sensitivity"
CHECKS = "Checks"
LOGS = "Logs"
XLWINGS_CONF = "xlwings.conf"          # renamed from the template's inactive "_xlwings.conf"

SHEETS = (COVER, INPUTS, CALC_HISTORY, CALC_PROJECTION, CALC_PLACEMENT, CALC_CONTINGENCY, CALC_TRANSFER, SAFETY_VALVE,
          OUTPUTS, SENSITIVITY, CHECKS, LOGS, XLWINGS_CONF)
CALCULATION_SHEETS = (CALC_HISTORY, CALC_PROJECTION, CALC_CONTINGENCY, CALC_TRANSFER, CHECKS, SAFETY_VALVE,
                      CALC_PLACEMENT, SENSITIVITY)
ALLOWED_CONSTANTS = (0, 1)

# VBA code names of the sheets (openpyxl gives new sheets none). The template's Sheet1 becomes the
# Cover and its Sheet2 the xlwings.conf sheet, so their modules keep their names.
CODE_NAMES = {COVER: "Sheet1", XLWINGS_CONF: "Sheet2", INPUTS: "shInputs", CALC_HISTORY: "shCalcHistory",
              CALC_PROJECTION: "shCalcProjection", CALC_PLACEMENT: "shCalcPlacement", CALC_CONTINGENCY: "shCalcContingency",
              CALC_TRANSFER: "shCalcTransfer", SAFETY_VALVE: "shSafetyValve", OUTPUTS: "shOutputs",
              SENSITIVITY: "shSensitivity", CHECKS: "shChecks", LOGS: "shLogs"}

TEMPLATE_SHEET_COVER = "Sheet1"
TEMPLATE_SHEET_CONF = "_xlwings.conf"
CONF_UDF_MODULES_CELL = "B6"           # "UDF Modules" in the xlwings.conf sheet
UDF_MODULES = "hnb_xl.udfs"


def col(n: int) -> str:
    return get_column_letter(n)


def cell_row(address: str) -> int:
    """The row of an A1 address without a sheet: "C8" -> 8."""
    return coordinate_from_string(address)[1]


def print_area(last_col: int, last_row: int) -> str:
    """A sheet's print area from A1 to (last_col, last_row), e.g. print_area(10, 125) = "A1:J125"."""
    return f"{col(1)}1:{col(last_col)}{last_row}"


def logs_print_area(trail_cols: int, trail_last_row: int, beside: tuple[int, int, int, int] | None = None) -> str:
    """The Logs' print area, in the build and after a refresh alike: the audit trail (A1 to
    ``trail_cols`` x ``trail_last_row``), then what sits beside it (``beside``: first column, first
    row, last column, last row; the assurance record from LOGS_ASSURANCE) as a second range, which
    prints on pages of its own so each part is fitted to the page width on its own, e.g.
    logs_print_area(8, 60, (10, 4, 17, 60)) = "A1:H60,J4:Q60"."""
    area = print_area(trail_cols, trail_last_row)
    if beside:
        c0, r0, c1, r1 = beside
        area += f",{col(c0)}{r0}:{col(c1)}{r1}"
    return area


def absref(sheet: str, c1: int, r1: int, c2: int | None = None, r2: int | None = None) -> str:
    """Sheet-qualified absolute reference, e.g. 'Inputs'!$B$5:$F$20 (quoted when needed)."""
    q = f"'{sheet}'" if not sheet.replace("_", "").isalnum() else sheet
    a = f"${col(c1)}${r1}"
    if c2 is None:
        return f"{q}!{a}"
    return f"{q}!{a}:${col(c2)}${r2}"


# Where each sheet's title goes (its subtitle is the row below); the Cover and the Inputs keep
# column A as a margin.
TITLE_CELL = "A1"
COVER_TITLE_CELL = "B1"
COVER_NOTE_CELL = "B2"
COVER_SOURCE_CELL = "B3"               # the data's source, under the note (one line each fits the page)
INPUTS_TITLE_CELL = "B1"
INPUTS_NOTE_CELL = "B3"                # "rows left empty at the end of a table are ignored"
INPUTS_FREEZE_CELL = "A4"              # the Inputs' title rows stay in view
CALC_FREEZE_CELL = "C4"                # a calculation sheet's labels, units and title rows stay in view


# ------------------------------------------------------------------------------- input tables
@dataclass(frozen=True)
class InputTable:
    """An input table on the Inputs sheet: title row, units row, header row, then data rows.

    ``headers`` are the schema headers (``hnb_xl.tables.schema``) in schema order, starting at
    ``first_col``. ``name`` is the defined name of header row + all ``max_rows`` data rows (what
    the ``HNB_`` functions take); ``column_names[header]`` the defined name of one column's data
    rows (what native formulas use). Rows beyond the data are left empty.
    """
    key: str
    title: str
    units: str
    title_row: int
    headers: tuple[str, ...]
    max_rows: int
    prefix: str
    column_keys: tuple[str, ...]       # engine names, for the column defined names
    sheet: str = INPUTS
    first_col: int = 2

    @property
    def units_row(self) -> int:
        return self.title_row + 1

    @property
    def header_row(self) -> int:
        return self.title_row + 2

    @property
    def first_row(self) -> int:
        return self.header_row + 1

    @property
    def last_row(self) -> int:
        return self.first_row + self.max_rows - 1

    @property
    def last_col(self) -> int:
        return self.first_col + len(self.headers) - 1

    @property
    def name(self) -> str:
        return f"{self.prefix}_Table"

    @property
    def ref(self) -> str:
        """Header row and every data row, e.g. Inputs!$B$17:$F$31."""
        return absref(self.sheet, self.first_col, self.header_row, self.last_col, self.last_row)

    def col_of(self, header: str) -> int:
        return self.first_col + self.headers.index(header)

    @property
    def column_names(self) -> dict[str, str]:
        # "HNB_" is reserved for the Excel functions (tools find UDF calls by it): hnb_budget -> budget
        return {h: f"{self.prefix}_{k.replace('hnb_', '')}" for h, k in zip(self.headers, self.column_keys)}

    def column_ref(self, header: str) -> str:
        c = self.col_of(header)
        return absref(self.sheet, c, self.first_row, c, self.last_row)

    def cell(self, header: str, i: int) -> str:
        """Address (no sheet) of data row i (0-based) in a column."""
        return f"{col(self.col_of(header))}{self.first_row + i}"

    def defined_names(self) -> dict[str, str]:
        out = {self.name: self.ref}
        out.update({n: self.column_ref(h) for h, n in self.column_names.items()})
        return out




def _schema_table(key, schema, title, units, title_row, max_rows, prefix, first_col=2) -> InputTable:
    return InputTable(key, title, units, title_row, tuple(schema.headers), max_rows, prefix,
                      tuple(c.name for c in schema.columns), first_col=first_col)


PARAMETERS_ROW = 5                      # title row of the parameters table
PARAMETERS = (                          # (name in parameters.csv or a model setting, defined name)
    ("send_contingency_pot", "Pot"),
    ("cost_per_ehcp", "Cost_Per_EHCP"),
    ("notional_share", "Notional_Share"),
    ("transfer_limit_rate", "Transfer_Limit_Rate"),
    ("opening_accumulated_deficit", "Opening_Deficit"),
    ("invest_to_transform_year", "ITT_Year"),
    ("cross_check_tolerance", "Cross_Check_Tolerance"),
    ("authority_name", "Authority_Name"),
    ("authority_code", "Authority_Code"),
)
# Model settings that are not in parameters.csv: (value, unit, description, source)
MODEL_SETTINGS = {
    "invest_to_transform_year": ("2022-23", "financial year",
                                 "Year of the block transfer that funds the Invest to Transform table",
                                 "Seed: Invest to Transform funding 2022-23"),
    "cross_check_tolerance": (1, "£", "Largest difference allowed between a native result and the HNB_ "
                                      "function's result", "Modelling choice: £1"),
}

INPUT_TABLES: dict[str, InputTable] = {
    "parameters": InputTable("parameters", "Parameters", "Value in the unit stated on each row",
                             PARAMETERS_ROW, tuple(PARAMETERS_SCHEMA.headers), len(PARAMETERS), "Parameters",
                             tuple(c.name for c in PARAMETERS_SCHEMA.columns)),
    "history": _schema_table("history", HISTORY, "HNB history (outturn)",
                             "EHCPs: plans at the January census; money: £; accumulated deficit at 31 March",
                             18, 15, "History"),
    "assumptions": _schema_table("assumptions", ASSUMPTIONS, "Projection assumptions (per financial year)",
                                 "Growth rates: fractions shown as %; block transfer and other DSG movements: £",
                                 37, 15, "Assumptions"),
    "block_transfer": _schema_table("block_transfer", BLOCK_TRANSFER, "Schools Block to HNB transfers",
                                    "£ (blank where not agreed or not known)", 56, 6, "BlockTransfer"),
    "invest_to_transform": _schema_table("invest_to_transform", INVEST_TO_TRANSFORM,
                                         "Invest to Transform (the block transfer allocated)",
                                         "£; committed spend TBC where not yet known", 66, 10, "ITT"),
    "schools": _schema_table("schools", SCHOOLS, "Schools (census snapshot) for the SEND Contingency",
                             "EHCPs: pupils with an EHC plan; notional SEN budget: £", 80, 1000, "Schools"),
}


# the safety valve's instalments as paid and the 2026 settlement's terms (Safety_Valve reads them),
# beside the history and the assumptions tables, after an empty column
_BESIDE = max(t.last_col for t in INPUT_TABLES.values()) + 2
INPUT_TABLES["payments"] = _schema_table(
    "payments", PAYMENTS, "Safety valve instalments as paid (blank: the assumed profile)",
    "£; status paid, withheld, back-dated or due; received blank = as due (0 if withheld)",
    INPUT_TABLES["history"].title_row, 10, "Payments", first_col=_BESIDE)
INPUT_TABLES["settlement"] = _schema_table(
    "settlement", SETTLEMENT, "The 2026 DSG settlement (High Needs Stability Grant)",
    "One term a row, in the unit stated; status: published or unverified",
    INPUT_TABLES["assumptions"].title_row, 10, "Settlement", first_col=_BESIDE)
# the safety valve agreement's terms (Safety_Valve reads each by name; one row a term of
# schema.AGREEMENT_TERMS), under the settlement after an empty row
INPUT_TABLES["agreement"] = _schema_table(
    "agreement", AGREEMENT, "Safety valve agreement (DfE): one term a row (none: DfE total 0)",
    "As the Unit says: £, financial year, count or fraction", INPUT_TABLES["settlement"].last_row + 2,
    len(AGREEMENT_TERMS), "Agreement", first_col=_BESIDE)
# the Monte Carlo's settings (one a row of schema.MONTECARLO_TERMS) and the drivers' spreads (one a
# row of engine.montecarlo.MC_DRIVERS), under the agreement, each after an empty row
INPUT_TABLES["montecarlo"] = _schema_table(
    "montecarlo", MONTECARLO, "Monte Carlo settings (the pack's uncertainty fan)",
    "As the Unit says: count, whole number or fraction", INPUT_TABLES["agreement"].last_row + 2,
    len(MONTECARLO_TERMS), "MonteCarlo", first_col=_BESIDE)
INPUT_TABLES["uncertainty"] = _schema_table(
    "uncertainty", UNCERTAINTY, "Monte Carlo spreads (one driver a row)",
    "SD: a fraction for a growth rate, £ for other DSG movements and the block transfer; distribution: normal",
    INPUT_TABLES["montecarlo"].last_row + 2, len(MC_DRIVERS), "Uncertainty", first_col=_BESIDE)
# EHC plans by placement at each January census (SEN2; the SEN2 refresh fills it): a third column
# group right of the second (payments, settlement, agreement, ...), after an empty column
# (Calc_Placement's other inputs go below it); one row a census, room for 15 as the history
_THIRD = max(t.last_col for t in INPUT_TABLES.values() if t.first_col == _BESIDE) + 2
INPUT_TABLES["placement_history"] = _schema_table(
    "placement_history", PLACEMENT_HISTORY, "EHC plans by placement at each January census (SEN2)",
    "Plans at the January census inside the financial year (January 2022: 2021-22); blank: not known",
    PARAMETERS_ROW, INPUT_TABLES["history"].max_rows, "PlacementHistory", first_col=_THIRD)
# The placement engine's other inputs (Calc_Placement reads them; the base census is the placement
# history's), below it in the third group, an empty row between tables: (key = the source file's
# name, placement_<table>.csv; title; units; rows; defined-name prefix)
_PLACEMENT_INPUTS = (
    ("placement_categories", "Placement categories: unit cost and flows",
     "Unit cost: £ per plan per year in the base year; shares, ceased rate and drift: fractions shown as %", 10,
     "PlacementCategories"),
    ("placement_drivers", "Placement drivers by year (new plans, unit cost inflation)",
     "Requests: a count; shares and rates: fractions; blank requests: new plans from the net growth", 15,
     "PlacementDrivers"),
    ("placement_income", "HNB income (the base year first)",
     "£; growth: a fraction of last year's allocation (blank allocation: grown); a transfer is one year's", 16,
     "PlacementIncome"),
    ("placement_other_spend", "HNB spend not per plan", "Base year amount: £; growth: a fraction a year", 12,
     "PlacementOtherSpend"),
    ("placement_capacity", "Places by category", "Places from that year on, until the category's next row", 12,
     "PlacementCapacity"),
    ("placement_moves", "Plans moving between categories", "Plans a year", 8, "PlacementMoves"),
    ("placement_backlog", "Pupils awaiting a place",
     "Pupils at the base census, counted in the Waiting in category until placed", 8, "PlacementBacklog"),
    ("placement_settings", "Placement settings",
     "months_before_census: months of the financial year before its January census; calibration_growth: a "
     "fraction a year", 2, "PlacementSettings"),
)
_below = INPUT_TABLES["placement_history"].last_row
for _key, _title, _units, _rows, _prefix in _PLACEMENT_INPUTS:
    INPUT_TABLES[_key] = _schema_table(_key, SCHEMAS[_key], _title, _units, _below + 2, _rows, _prefix,
                                       first_col=_THIRD)
    _below = INPUT_TABLES[_key].last_row
PLACEMENT_TABLES = tuple(k for k, *_ in _PLACEMENT_INPUTS)
# the mitigated placement scenario's workstreams, below them (the engine reads them: no
# calculation sheet; hnb_xl/engine/placement_mitigation.py)
INPUT_TABLES["placement_workstreams"] = _schema_table(
    "placement_workstreams", PLACEMENT_WORKSTREAMS, "Placement workstreams (the mitigated scenario)",
    "Amount: a fraction (0.1 = 10%) for the rate levers, £ a year for a cash saving; confidence: a fraction",
    _below + 2, 8, "PlacementWorkstreams", first_col=_THIRD)


def parameter_row(name: str) -> int:
    t = INPUT_TABLES["parameters"]
    return t.first_row + [p for p, _ in PARAMETERS].index(name)


def parameter_names() -> dict[str, str]:
    """Defined name -> absolute reference of each parameter's Value cell."""
    t = INPUT_TABLES["parameters"]
    c = t.col_of("Value")
    return {dn: absref(t.sheet, c, parameter_row(p)) for p, dn in PARAMETERS}


# --------------------------------------------------------------------------- calculation sheets
def numbered(first: int, names: str) -> dict[str, int]:
    """{name: row (or column)} for the space-separated ``names`` in order from ``first``, one each:
    the order on the sheet is written once, as a list, and the numbers follow from it."""
    return {name: first + i for i, name in enumerate(names.split())}


# Calc_History: one column per history year (period 1 in column first_col), one row per line.
HIST = dict(first_col=3, periods=INPUT_TABLES["history"].max_rows, count_row=3,
            **numbered(5, "period flag year ehcp budget expenditure accumulated ehcp_growth budget_growth "
                          "expenditure_growth in_year previous deficit_growth other in_year_published"))
# Calc_Projection: column base_col holds the last history year; periods 1.. follow. The HNB_DEFICIT
# cross-check rows follow the calculation after one empty row.
PROJ = dict(base_col=3, first_col=4, periods=INPUT_TABLES["assumptions"].max_rows, count_row=3,
            **numbered(5, "period flag year ehcp_growth cost_growth funding_growth transfer other ehcp_factor "
                          "cost_factor funding_factor ehcp cost expenditure funding budget in_year cumulative "
                          "accumulated deficit_growth"))
PROJ.update(numbered(PROJ["deficit_growth"] + 2, "udf_year udf_accumulated udf_difference"))
# Calc_Placement (issue 15 item 5): column base_col is the base year (the last history year), then one
# column per placement drivers row, as on Calc_Projection. From the top: the years and the drivers;
# the categories' own figures (one row each, columns param_cols); the base census by category of the
# placement history (one row each); the capacity rows; one block per step of the engine (a title
# row, then one row per category row, then an empty row); the other spend lines; the summary; the
# HNB_PLACEMENTS cross-check (the function's year table spilled from udf_spill, udf_width columns).
PLACE = dict(base_col=3, first_col=4, periods=INPUT_TABLES["placement_drivers"].max_rows,
             cats=INPUT_TABLES["placement_categories"].max_rows, lines=INPUT_TABLES["placement_other_spend"].max_rows,
             caps=INPUT_TABLES["placement_capacity"].max_rows, census_rows=len(PLACEMENT_CATEGORIES),
             param_cols=numbered(3, "number name unit_cost share ceased drift overflow moves backlog waiting before "
                                    "base"),
             cap_cols=numbered(3, "number category period places"),
             census_cols=numbered(1, "label key before base"), other_cols=numbered(1, "line number"),
             blocks=("pre", "places", "placed", "waiting", "excess", "census", "fy", "unit", "spend"),
             **numbered(5, "years categories active period flag year history_row outturn opening months_in_year "
                           "months weight_before weight_after calibration_growth requests assessed issued growth "
                           "inflation ceased new income_row"))
PLACE.update(param_title=PLACE["income_row"] + 2, param_header=PLACE["income_row"] + 3,
             param_first=PLACE["income_row"] + 4)
PLACE.update(census_title=PLACE["param_first"] + PLACE["cats"] + 1)
PLACE.update(census_first=PLACE["census_title"] + 2, cap_title=PLACE["census_title"] + 3 + PLACE["census_rows"])
PLACE.update(cap_first=PLACE["cap_title"] + 2)
PLACE["block"] = {}                       # block -> its first category row (its title is the row above)
_r = PLACE["cap_first"] + PLACE["caps"] + 2
for _b in PLACE["blocks"]:
    PLACE["block"][_b] = _r
    _r += PLACE["cats"] + 2
PLACE.update(other_first=_r)
PLACE.update(numbered(PLACE["other_first"] + PLACE["lines"] + 1,
                      "ehcp fy_caseload placement_spend other_spend calibration expenditure allocation transfer "
                      "income in_year accumulated backlog"))
PLACE.update(numbered(PLACE["backlog"] + 3, "udf_to_year udf_difference udf_spill"))
PLACE.update(udf_width=len(PLACEMENT_SUMMARY) + 1, udf_rows=PLACE["periods"] + 2)   # + status; header, base year, years
PLACE["note"] = 3                          # under the subtitle: why the sheet calculates nothing (if it does not)

# Calc_Contingency: scalars in column value_col from row 4, the per-school table from its header
# row (two rows after the scalars and a table heading), one row per row of the Inputs schools table,
# for the first contingency_rows(schools) of them (the build's choice; the workbook's own count is
# the last row of the sheet: contingency_rows_of).
CONT = dict(value_col=3, **numbered(4, "total_shortfall payable ratio scale floors left allocated receiving"),
            cols=numbered(2, "urn name ehcp notional shortfall exact floor remainder competes rank allocation udf "
                           "difference"))
CONT.update(header=CONT["receiving"] + 3, udf_col=CONT["cols"]["udf"])
CONT.update(first=CONT["header"] + 1, room=INPUT_TABLES["schools"].max_rows)
CONT_STEP = 50          # rows: the calculation's room is a multiple of this, and at least this many spare


def contingency_rows(schools: int) -> int:
    """Calc_Contingency's rows of per-school formulas in a workbook built with ``schools`` schools:
    the schools, a fifth more (at least ``CONT_STEP``) for schools that open before the next
    rebuild, rounded up to a multiple of ``CONT_STEP``; at most the Inputs table's room
    (``CONT["room"]``). 250 schools: 300 rows; 600: 750; none: 50.

    Each row's rank is a SUMPRODUCT over every row, so the sheet's work grows as the square of
    its rows: formulas for the rows a council can use, not for the whole Inputs table (1,000 rows
    cost the ``formulas`` evaluation 150 s against 51 s for 250; docs/checks.md)."""
    spare = max(CONT_STEP, -(-schools // 5))
    return min(CONT["room"], CONT_STEP * -(-(schools + spare) // CONT_STEP))


def contingency_last(rows: int) -> int:
    """The last per-school row of Calc_Contingency when it has ``rows`` rows."""
    return CONT["first"] + rows - 1


def contingency_rows_of(last_row: int) -> int:
    """The rows of per-school formulas of a built workbook whose Calc_Contingency sheet's last used
    row is ``last_row`` (the per-school table is the sheet's last block)."""
    return max(0, last_row - CONT["first"] + 1)
# Calc_Transfer: one row per block-transfer input row, then the Invest to Transform block (one row
# per Inputs row), then its totals; a heading row and an empty row between the blocks.
TRANS = dict(header=4, first=5, summary_col=3,
             cols=numbered(2, "year amount schools_block rate limit_amount implied_block needs_disapplication"),
             itt_cols=numbered(2, "activity allocation committed known remaining"))
TRANS["itt_title"] = TRANS["first"] + INPUT_TABLES["block_transfer"].max_rows + 2
TRANS.update(itt_header=TRANS["itt_title"] + 1, itt_first=TRANS["itt_title"] + 2)
TRANS["summary"] = TRANS["itt_first"] + INPUT_TABLES["invest_to_transform"].max_rows + 2
TRANS["rows"] = numbered(TRANS["summary"], "itt_transfer itt_allocation itt_committed itt_remaining itt_tbc_lines "
                                           "itt_tbc_allocation itt_committed_share itt_implied_block udf_amount "
                                           "udf_difference")

# --------------------------------------------------------------------------------- outputs
# The Outputs tables' columns in order from column B (column A numbers the rows): the history table
# and the projection table. sheets/outputs.py places its columns by these keys and charts.py plots
# them by the same keys, so reordering a table cannot make a chart plot the wrong column.
OUT_NUMBER_COL = 1
OUT_HISTORY_COLUMNS = ("year", "ehcp", "ehcp_growth", "budget", "budget_growth", "expenditure",
                       "expenditure_growth", "in_year", "accumulated")
OUT_PROJECTION_COLUMNS = ("year", "accumulated", "growth", "in_year", "status")
OUT_HISTORY_COLS = {k: OUT_NUMBER_COL + 1 + i for i, k in enumerate(OUT_HISTORY_COLUMNS)}
OUT_PROJECTION_COLS = {k: OUT_NUMBER_COL + 1 + i for i, k in enumerate(OUT_PROJECTION_COLUMNS)}
OUT = dict(master_label="A3", master_status="D3",                        # the master check's line
           history_title=5, history_header=6, history_first=7,           # rows = history periods
           chart1_anchor="B23",                                           # below the history table
           projection_title=47, projection_header=48, projection_first=49,   # rows = history + projection
           chart2_anchor="B80",                                           # below the projection table
           summary_title=104, summary_first=105, itt_title=115, itt_header=116, itt_first=117,
           page_breaks=(46, 103))                                         # print: a page per section
# the back-test under the Invest to Transform table (its rows and a total row), after an empty row:
# one row a projection year (assumptions' room)
OUT.update(backtest_title=OUT["itt_first"] + INPUT_TABLES["invest_to_transform"].max_rows + 2)
OUT.update(backtest_header=OUT["backtest_title"] + 2, backtest_first=OUT["backtest_title"] + 3)
OUT.update(print_cols=10)      # the sheet prints columns A to J; down to the back-test's last projection year

# --------------------------------------------------------------------------------- checks
CHECKS_LAYOUT = dict(master_row=4, header=6, first=7, value_col=3)

# ----------------------------------------------------------------------------- Sensitivity
# The tornado and the break-even values of the "Unmitigated (placement drivers)" forecast for one
# year (sheets/sensitivity.py): a snapshot the Python engine writes at the build and at every
# refresh. Under the title and note: the line saying when it was computed (column A), then the
# scalars as on the calculation sheets (label in column A, unit in B, value in value_col): the year
# (an input), the central value, whether it is for the current Inputs (the Checks sheet's row);
# the one-line message in column A (no placement inputs); after an empty row the tornado (one row
# a driver of engine.sensitivity.TORNADO or the other DSG movements, the largest swing first), after an empty row the
# break-even values (one row a driver of BREAK_EVEN, in its order), after an empty row the chart,
# on a page of its own, over columns A to last_col of chart_rows rows.
SENS = dict(value_col=3, **numbered(3, "computed year central current message"),
            cols=numbered(1, "driver central low high low_change high_change swing"),
            break_cols=numbered(1, "description value note"), tornado_rows=TORNADO_MAX,
            break_rows=len(BREAK_EVEN), chart_rows=32,
            names=dict(year="Sensitivity_Year", central="Sensitivity_Central", current="Sensitivity_Current"))
SENS.update(tornado_title=SENS["message"] + 2)
SENS.update(tornado_header=SENS["tornado_title"] + 1, tornado_first=SENS["tornado_title"] + 2)
SENS.update(break_title=SENS["tornado_first"] + SENS["tornado_rows"] + 1)
SENS.update(break_header=SENS["break_title"] + 1, break_first=SENS["break_title"] + 2)
SENS.update(chart_row=SENS["break_first"] + SENS["break_rows"] + 1)
SENS.update(last_row=SENS["chart_row"] + SENS["chart_rows"] - 1, last_col=max(SENS["cols"].values()))

# ------------------------------------------------------------------------------ named outputs
NAMES = {
    "master_check": "Master_Check",
    "placement_years_count": "Placement_Years_Count",
    "placement_category_count": "Placement_Category_Count",
    "placement_years": "Placement_Years",
    "placement_accumulated": "Placement_Accumulated_Deficit",
    "placement_udf": "Placement_UDF",
    "months_in_year": "Months_In_Year",
    "history_count": "History_Count",
    "assumptions_count": "Assumptions_Count",
    "contingency_total_shortfall": "Contingency_Total_Shortfall",
    "contingency_payable": "Contingency_Payable",
    "contingency_ratio": "Contingency_Ratio",
    "contingency_left": "Contingency_Left",
    "contingency_allocated": "Contingency_Allocated",
    "contingency_allocations": "Contingency_Allocations",
    # Calc_Contingency's per-school columns over its rows, whatever their number (the Checks read them)
    "contingency_urns": "Contingency_URNs",
    "contingency_shortfalls": "Contingency_Shortfalls",
    "contingency_differences": "Contingency_Differences",
    "projection_accumulated": "Projection_Accumulated_Deficit",
    "projection_growth": "Projection_Deficit_Growth",
    "projection_years": "Projection_Years",
    "itt_transfer": "ITT_Transfer",
    "itt_allocation_total": "ITT_Allocation_Total",
    "itt_committed_total": "ITT_Committed_Total",
}

# Logs: the assurance record (roles, assumptions, decisions and validation logs, statement) from this
# column and row, right of the audit trail a refresh rewrites (columns A to H), so a refresh keeps it
LOGS_ASSURANCE = dict(first_col=10, first_row=4)
BUILD_TIME_CELL = (COVER, "C6")
REFRESH_TIME_CELL = (COVER, "C7")
VERSION_CELL = (COVER, "C5")
XLWINGS_VERSION_CELL = (COVER, "C8")
PACKAGE_VERSION_CELL = (COVER, "C9")
MASTER_STATUS_CELL = (COVER, "C10")
COVER_LABEL_COL = 2                    # the labels of those cells, in column B
# The Cover's roles (the assurance record's, sheets/cover.py): a heading at title_row under the
# sheet list, then one role a row from first_row (its name in role_col, holder and responsibility
# in text_col), room for max_rows; the build writes them and a refresh given assurance_roles.csv
# rewrites them, the print area ending at the last role
COVER_ROLES = dict(title_row=53, first_row=54, max_rows=10, role_col=2, text_col=3)

# The Cover's "Refresh from sources" Form Control button: a VML legacy drawing anchored in
# REFRESH_BUTTON_CELL, offset right of the build/refresh times it sits beside, REFRESH_BUTTON_SIZE
# (width, height) in pixels. It runs REFRESH_BUTTON_MACRO, xlwings' quickstart Sub in Module1
# (RunPython "import <workbook name>; <workbook name>.main()"), so the build writes the companion
# <workbook name>.py (COMPANION_SUFFIX) beside the workbook.
REFRESH_BUTTON_CELL = (COVER, "C6")
REFRESH_BUTTON_OFFSET = (260, 4)       # pixels right of / below the cell's top-left corner
REFRESH_BUTTON_SIZE = (210, 32)
REFRESH_BUTTON_CAPTION = "Refresh from sources"
REFRESH_BUTTON_MACRO = "SampleCall"
REFRESH_BUTTON_VML = "xl/drawings/vmlDrawing1.vml"   # openpyxl keeps xl/drawings/*vmlDrawing<digit>.vml
COMPANION_SUFFIX = ".py"



def _table_cells(keys) -> tuple[tuple[str, str], ...]:
    out = []
    for key in keys:
        t = INPUT_TABLES[key]
        for r in range(t.first_row, t.last_row + 1):
            for c in range(t.first_col, t.last_col + 1):
                out.append((t.sheet, f"{col(c)}{r}"))
    return tuple(out)



# ------------------------------------------------------------------------------ Safety_Valve
# Inputs at the top of the sheet (agreement values in column C; workstreams table from row ws_header),
# then calculations with the same columns as Calc_Projection (PROJ base_col / first_col / periods).
_SV_AGREEMENT_TITLE = 4
_SV_AGREEMENT = (  # parameter in plan_agreement_cambridgeshire.csv, defined name, number format; in row order
    ("dfe_total", "SV_DfE_Total", GBP),
    ("first_share", "SV_First_Share", "0%"),
    ("instalments", "SV_Instalments", "0"),
    ("first_year", "SV_First_Year", "@"),
    ("council_contribution", "SV_Council_Contribution", GBP),
    ("target_balance_year", "SV_Target_Year", "@"),
)
SV = dict(
    value_col=3, agreement_title=_SV_AGREEMENT_TITLE,
    agreement={key: (_SV_AGREEMENT_TITLE + 1 + i, name, fmt) for i, (key, name, fmt) in enumerate(_SV_AGREEMENT)},
    ws_max=8, ws_table_name="SV_Workstreams_Table",
    ws_headers=tuple(WORKSTREAMS.headers),     # the workstreams source table's columns, in its order
    ws_cols=numbered(1, "name lever amount start ramp confidence area funding"),
    group_size=9, group_rows=numbered(0, "effect cum_e cum_c cash factor exp saving general_fund"),  # + an empty row
    names=dict(first_balance_year="SV_First_Balance_Year", cleared_year="SV_Deficit_Cleared_Year",
               target_met="SV_Target_Met", udf_check="SV_UDF_Check", end_year="SV_Agreement_End_Year",
               gap_at_end="SV_Deficit_Gap_At_End", dfe_in_outturn="SV_DfE_In_Outturn", dfe_all="SV_DfE_All_Years",
               instalments_check="SV_Instalments_Check", write_off_total="SV_Write_Off",
               exposure_end="SV_General_Fund_Exposure_At_End"),
    # the instalments, one row each (the agreement's profile, as paid where the Payments table says)
    inst_max=10, inst_headers=("No.", "Financial year", "Due (profile)", "Status", "Counted", "Council",
                               "Where", "Start year if it pays"),
    inst_cols=numbered(1, "number year due status counted council where pays"),
)
# the workstreams table: a title row after an empty row, its header, then ws_max rows
SV["ws_title"] = _SV_AGREEMENT_TITLE + len(_SV_AGREEMENT) + 2
SV.update(ws_header=SV["ws_title"] + 1, ws_first=SV["ws_title"] + 2)
# ... an input table the refresh writes in place, on the Safety_Valve sheet (its header row is the
# table's; the title and units rows of an Inputs table are the sheet's own heading above it)
INPUT_TABLES["workstreams"] = InputTable(
    "workstreams", "Safety valve workstreams", "fraction or £ as the lever says", SV["ws_header"] - 2,
    tuple(WORKSTREAMS.headers), SV["ws_max"], "SV_Workstream", tuple(c.name for c in WORKSTREAMS.columns),
    sheet=SAFETY_VALVE, first_col=1)
# the calculations: a title after an empty row, the driver rows, then (after an empty row) each
# workstream's start period, the first plan period, then after an empty row one group of
# group_size rows per number of workstreams applied (0 .. ws_max), then the totals and the summary
# the instalments table: a title after an empty row, its header, then inst_max rows
SV["inst_title"] = SV["ws_first"] + SV["ws_max"] + 1
SV.update(inst_header=SV["inst_title"] + 1, inst_first=SV["inst_title"] + 2)
SV["calc_title"] = SV["inst_first"] + SV["inst_max"] + 1
SV.update(numbered(SV["calc_title"] + 1, "period flag year start ehcp_growth unmit_cost unmit_exp budget other"))
SV["start_period"] = SV["other"] + 2
SV["first_period"] = SV["start_period"] + SV["ws_max"]
SV["has_agreement"] = SV["first_period"] + 1        # 1 = a DfE total above 0; 0 = "No safety valve agreement"
# the 2026 settlement's terms read from the Inputs table (one row each), after an empty row
SV.update(numbered(SV["has_agreement"] + 2, "st_share st_write_off_year st_paid_year st_approved st_excluded "
                                           "st_override_end st_rate"))
SV["group0"] = SV["st_rate"] + 2
SV.update(numbered(SV["group0"] + (SV["ws_max"] + 1) * SV["group_size"] + 1,
                   "total_saving general_fund_saving mit_exp in_year dsg_in_year accumulated instalment dfe council "
                   "after balance "
                   "balance_count balance_first cleared cleared_count cleared_first in_target write_off "
                   "after_write_off exposure carrying"))
SV["summary_title"] = SV["carrying"] + 2
SV.update(numbered(SV["summary_title"] + 1, "first_balance_year cleared_year end_year target_met gap_at_end "
                                            "dfe_in_outturn dfe_all instalments_check eligible write_off_total "
                                            "exposure_end carrying_total udf_balance udf_cleared udf_check"))
# Rows past the data in the variable-length input tables are empty by design (the calculation
# sheets read every row up to max_rows and treat empty as nothing), as are optional columns; so are
# the unused rows of the Safety_Valve workstreams table and the refresh time of a never-refreshed book.
OPTIONAL_INPUT_CELLS = (
    _table_cells(("history", "assumptions", "block_transfer", "invest_to_transform", "schools", "payments",
                  "settlement", "agreement", "montecarlo", "uncertainty", "placement_history") + PLACEMENT_TABLES
                 + ("placement_workstreams",))
    + (REFRESH_TIME_CELL,)
    # the Sensitivity snapshot: empty for a workbook without placement inputs for its base year
    + tuple((SENSITIVITY, f"{col(SENS['value_col'])}{SENS[k]}") for k in ("year", "central"))
    + ((SENSITIVITY, f"{col(1)}{SENS['message']}"),)
    + tuple((SENSITIVITY, f"{col(c)}{r}") for r in range(SENS["tornado_first"], SENS["tornado_first"] + TORNADO_MAX)
            for c in SENS["cols"].values())
    + tuple((SENSITIVITY, f"{col(c)}{r}") for r in range(SENS["break_first"], SENS["break_first"] + len(BREAK_EVEN))
            for c in SENS["break_cols"].values())
    + tuple((SAFETY_VALVE, f"{col(c)}{r}") for r in range(SV["ws_first"], SV["ws_first"] + SV["ws_max"])
            for c in range(1, len(SV["ws_headers"]) + 1)))


# ------------------------------------------------------------------------------ printing
def used_print_areas(history: int, assumptions: int, schools: int, drivers: int = 1) -> dict[str, str]:
    """The print area of each sheet whose used part depends on the input tables' sizes, for a
    workbook holding ``history`` history years, ``assumptions`` assumption years and ``schools``
    schools: the rows and year columns actually filled, never the empty capacity (the build gives
    each table room for ``max_rows``). The build sets these and a refresh sets them again for the
    tables it leaves, so a refresh that adds a year widens them. The Inputs tables right of the main
    column are a range for each column group (payments, settlement and agreement; the placement
    history and what is below it): they print on pages of their own, so the main tables keep a
    readable width. Calc_Placement prints one column per placement ``drivers`` row, to the summary
    (not the HNB_PLACEMENTS cross-check)."""
    h, a, s = max(1, history), max(1, assumptions), max(1, schools)
    sv_last_row = max(v for v in SV.values() if isinstance(v, int))      # the sheet's last row, however many
    filled = {"history": h, "assumptions": a, "schools": s}              # other tables print their room
    inputs = [t for t in INPUT_TABLES.values() if t.sheet == INPUTS]
    main = [t for t in inputs if t.first_col == INPUT_TABLES["parameters"].first_col]
    beside = [t for t in inputs if t not in main]          # tables right of the main column: their own pages
    area = print_area(max(t.last_col for t in main),
                      max(t.first_row + filled[t.key] - 1 if t.key in filled else t.last_row for t in main))
    for first in sorted({t.first_col for t in beside}):    # each column group (same first column) its own range
        group = [t for t in beside if t.first_col == first]
        area += (f",{col(first)}{min(t.title_row for t in group)}:"
                 f"{col(max(t.last_col for t in group))}{max(t.last_row for t in group)}")
    return {
        INPUTS: area,
        CALC_HISTORY: print_area(HIST["first_col"] + h - 1, HIST["in_year_published"]),
        CALC_PROJECTION: print_area(PROJ["first_col"] + a - 1, PROJ["udf_difference"]),
        CALC_CONTINGENCY: print_area(CONT["cols"]["difference"], CONT["first"] + s - 1),
        SAFETY_VALVE: print_area(max(len(SV["ws_headers"]), PROJ["first_col"] + a - 1), sv_last_row),
        OUTPUTS: print_area(OUT["print_cols"], OUT["backtest_first"] + a - 1),
        CALC_PLACEMENT: print_area(PLACE["first_col"] + max(1, drivers) - 1, PLACE["backlog"]),
    }
