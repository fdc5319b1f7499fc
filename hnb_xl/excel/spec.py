"""The one spec of the Excel functions (HNB_ UDFs): names, descriptions, argument help, category.

Everything Excel-facing is generated from :data:`FUNCTIONS`: the xlwings decorators applied in
``hnb_xl/udfs.py`` (``@xw.func(category=...)``, ``@xw.arg(name, doc=help, ...)``, ``@xw.ret``),
the ``xlwings_udfs`` VBA module and the Function Wizard registration (``hnb_xl/excel/vba.py``), the
function reference (docs/udfs.md) and the arity checks of ``hnb-xl check``.

Stable public API (other modules import it)::

    FUNCTIONS: dict[str, FunctionSpec]      keyed by Excel name, e.g. FUNCTIONS["HNB_DEFICIT"]
    FunctionSpec.name / .description (<= 255 chars) / .category ("HNB") / .args (tuple[ArgSpec])
    FunctionSpec.min_args / .max_args / .python (the Python callable in hnb_xl.udfs)
    ArgSpec(name, help, optional)

To add a function: append one ``FunctionSpec`` to ``_SPECS`` below and write one adapter in
``hnb_xl/udfs.py`` named exactly like it, decorated with ``@udf``. Optional arguments must come
after the required ones and default to ``None`` in the adapter. Texts are plain ASCII (they are
written into VBA modules) and at most 255 characters (Excel's limit for Function Wizard text).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Mapping

from ..bundled import DEFAULT_SCENARIO, REPLICA_SCENARIO, SCENARIOS, parameters
from ..tables.placement import INPUT_SCHEMAS as PLACEMENT_INPUTS
from ..tables.schema import ASSUMPTIONS, HISTORY, SCHOOLS

CATEGORY = "HNB"
UDF_MODULE = "hnb_xl.udfs"       # the module named in the workbook's xlwings.conf "UDF Modules"
MAX_TEXT = 255                   # Excel's limit for descriptions and argument help

# xlwings conversion options for arguments that take a range (an input table, a row or column):
# always a list of lists (ndim=2), Excel errors (#N/A ...) as their text rather than COM codes.
# Stored as (key, value) pairs so that the specs stay immutable and hashable.
TABLE = (("ndim", 2), ("err_to_str", True))
SCALAR = (("err_to_str", True),)


@dataclass(frozen=True)
class ArgSpec:
    name: str                 # Python and VBA parameter name (shown in the Function Wizard)
    help: str                 # argument help in the Function Wizard (<= 255 chars, ASCII)
    optional: bool = False    # [optional] in Excel; the Python adapter's default is None
    xl: tuple = SCALAR        # options for @xw.arg (conversion) as pairs, e.g. TABLE

    @property
    def xl_options(self) -> dict:
        return dict(self.xl)


@dataclass(frozen=True)
class FunctionSpec:
    name: str                 # Excel name, e.g. "HNB_DEFICIT" (also the Python adapter's name)
    description: str          # Function Wizard description (<= 255 chars, ASCII)
    args: tuple[ArgSpec, ...] = ()
    category: str = CATEGORY
    ret: tuple = ()           # options for @xw.ret as (key, value) pairs

    @property
    def ret_options(self) -> dict:
        return dict(self.ret)

    @property
    def min_args(self) -> int:
        return sum(1 for a in self.args if not a.optional)

    @property
    def max_args(self) -> int:
        return len(self.args)

    @property
    def arg_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.args)

    @property
    def python(self) -> Callable:
        """The Python callable (the adapter in hnb_xl.udfs, imported on first use)."""
        return getattr(importlib.import_module(UDF_MODULE), self.name)

    def signature(self) -> str:
        """Excel-style signature, optional arguments in brackets: HNB_DEFICIT([year], [history], ...)."""
        return f"{self.name}(" + ", ".join(f"[{a.name}]" if a.optional else a.name for a in self.args) + ")"


_P = parameters()


def _table_help(schema, lead: str, tail: str = "") -> str:
    return f"{lead} including its header row ({', '.join(schema.headers)}).{tail}"


_HISTORY = ArgSpec("history", _table_help(HISTORY, "Optional. History input table",
                                          " Default: bundled data."), True, TABLE)
_ASSUMPTIONS = ArgSpec("assumptions", _table_help(ASSUMPTIONS, "Optional. Assumptions input table",
                                                  " Default: bundled scenario."), True, TABLE)

# HNB_PLACEMENTS' input tables after the history, in the workbook's order (the Inputs sheet's
# placement history, then hnb_xl.tables.placement.INPUT_SCHEMAS): each left out is the bundled one
_PLACEMENT_ARGS = (ArgSpec("placement_history", "Optional. EHC plans by placement at each January census, the "
                                                "Inputs table PlacementHistory_Table with its header row (the base "
                                                "year's census and the one before). Default: bundled.", True, TABLE),
                   *(ArgSpec(key.removeprefix("placement_"),
                             _table_help(schema, f"Optional. {schema.title} table", " Default: bundled."), True, TABLE)
                     for key, schema in PLACEMENT_INPUTS.items()))

_WORKSTREAMS = ArgSpec("workstreams", "Optional. Workstreams table including its header row (Name, Lever, Amount, "
                                       "Start year, Ramp years, Delivery confidence). Default: the bundled "
                                       "ILLUSTRATIVE plan; a header row alone means none.", True, TABLE)
_PLAN_ARGS = (
    _WORKSTREAMS, _HISTORY, _ASSUMPTIONS,
    ArgSpec("dfe_total", "Optional. DfE safety valve contribution in pounds (default 49000000, Cambridgeshire); "
                         "0 for none.", True),
    ArgSpec("first_share", "Optional. Share paid as the first instalment, 0 to 1 (default 0.4, an assumption).",
            True),
    ArgSpec("instalments", "Optional. Number of instalments, the rest equal (default 5).", True),
    ArgSpec("first_year", "Optional. Year of the first instalment, e.g. 2022-23 (default 2022-23).", True),
    ArgSpec("payments", "Optional. Payments table including its header row (Financial year, Due, Status, Received): "
                        "the instalments as paid. Default or no rows: the assumed profile.", True, TABLE),
)

_SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "HNB_DEFICIT",
        "Accumulated DSG deficit in pounds at the end of a financial year (31 March). With no year it "
        "spills the projection: year, in-year deficit, accumulated deficit, with a header row. "
        "Bundled data unless history/assumptions are given.",
        (ArgSpec("year", "Optional. Financial year, e.g. 2025-26, 2025/26 or 2025. Leave out to spill "
                         "every projected year.", True),
         _HISTORY, _ASSUMPTIONS),
    ),
    FunctionSpec(
        "HNB_PROJECTION",
        "Year-by-year projection with a header row: EHCPs, cost per EHCP, expenditure, funding, block "
        "transfer, budget, in-year and accumulated DSG deficit (pounds). Bundled data unless "
        "history/assumptions are given.",
        (_HISTORY, _ASSUMPTIONS,
         ArgSpec("scenario", f"Optional. Name of a bundled scenario: {REPLICA_SCENARIO} (the default, also "
                             f"{DEFAULT_SCENARIO}), '{SCENARIOS[REPLICA_SCENARIO][1]}', its cost per "
                             "EHCP a plug. Leave out when you give assumptions.", True)),
    ),
    FunctionSpec(
        "HNB_GROWTH",
        "Annual growth of a row or column of values, as fractions (format as %): value / previous "
        "value - 1. The first value, and one after a blank or zero, give an empty cell. Spills the "
        "same shape as the input.",
        (ArgSpec("values", "A row or a column of numbers, e.g. EHCP numbers by year.", False, TABLE),),
    ),
    FunctionSpec(
        "HNB_CONTINGENCY",
        "SEND Contingency allocation per school in whole pounds, adding up exactly to the pot (or to "
        "the total shortfall if less). Spills a header, then one value per row of the schools range, "
        "to put beside it.",
        (ArgSpec("schools", _table_help(SCHOOLS, "Schools table"), False, TABLE),
         ArgSpec("pot", f"Optional. The pot in pounds (default {_P['send_contingency_pot']:.0f}).", True),
         ArgSpec("cost_per_ehcp", "Optional. Cost per EHCP pupil that the school meets from its notional "
                                  f"SEN budget, in pounds (default {_P['cost_per_ehcp']:.0f}).", True),
         ArgSpec("notional_share", "Optional. Share of the notional SEN budget available for EHCP pupils, "
                                   f"0 to 1 (default {_P['notional_share']:g}).", True)),
    ),
    FunctionSpec(
        "HNB_CONTINGENCY_RERUN",
        "SEND Contingency re-run on a later census (e.g. autumn): per school (URN) the entitlement on "
        "the later snapshot, what the first run paid and the adjustment, in whole pounds. Spills a "
        "table with a header row.",
        (ArgSpec("first_schools", _table_help(SCHOOLS, "Schools table of the first run (e.g. May)"), False,
                 TABLE),
         ArgSpec("later_schools", _table_help(SCHOOLS, "Schools table of the later census (e.g. autumn)"), False,
                 TABLE),
         ArgSpec("pot", f"Optional. The pot in pounds (default {_P['send_contingency_pot']:.0f}).", True),
         ArgSpec("cost_per_ehcp", "Optional. Cost per EHCP pupil met from the notional SEN budget, in pounds "
                                  f"(default {_P['cost_per_ehcp']:.0f}).", True),
         ArgSpec("notional_share", "Optional. Share of the notional SEN budget available for EHCP pupils, "
                                   f"0 to 1 (default {_P['notional_share']:g}).", True),
         ArgSpec("claw_back", "Optional. TRUE: an adjustment may be negative (the school repays). FALSE "
                              "(default): no school repays and the re-run shares only the balance of the pot "
                              "(pot - paid), so both runs together never pay more than the pot.", True),
         ArgSpec("hold_back", "Optional. Share of the pot kept out of the first run for the re-run, 0 to 1 "
                              "(default 0: the first run may pay the whole pot, leaving the re-run nothing).", True)),
    ),
    FunctionSpec(
        "HNB_TRANSFER",
        "Schools Block to HNB transfer: give a rate (1 or less, e.g. 0.005 or 0.5%) to get the amount "
        "in pounds, or an amount in pounds (more than 1) to get the rate as a fraction of the schools "
        "block.",
        (ArgSpec("schools_block", "Schools block in pounds, e.g. 368200000."),
         ArgSpec("rate_or_amount", "A rate (1 or less, e.g. 0.005 or 0.5%) or an amount in pounds (more "
                                   "than 1, e.g. 2102000).")),
    ),
    FunctionSpec(
        "HNB_TRANSFER_CHECK",
        "Plain-words verdict on a Schools Block to HNB transfer against the 0.5% limit: within it "
        "Schools Forum can approve; above it a disapplication request to the Secretary of State is "
        "needed.",
        (ArgSpec("amount", "Transfer in pounds, e.g. 2102000 (a value of 1 or less is read as a rate, "
                           "e.g. 0.005)."),
         ArgSpec("schools_block", "Schools block in pounds, e.g. 368200000.")),
    ),
    FunctionSpec(
        "HNB_VERSION",
        "Versions of hnb_xl, xlwings and Python, for support calls.",
        (),
    ),
    # --- placement projection (issue 15 part 5): an adapter over hnb_xl.api.placement_projection
    FunctionSpec(
        "HNB_PLACEMENTS",
        "Unmitigated placement forecast with a header row (pounds): EHCPs by the DSG plan's seven "
        "categories x unit cost plus spend not per plan, against HNB income; the base year reconciled "
        "to its outturn by a calibration line. Bundled ILLUSTRATIVE inputs.",
        (ArgSpec("by", "Optional. year (default): one row a financial year, the base year first; category: "
                       "caseload, unit cost and spend by category and year; line: spend by line, the "
                       "calibration line included.", True),
         ArgSpec("to_year", "Optional. Last financial year, e.g. 2030-31 (default: the bundled assumptions' "
                            "last year); years after the drivers table's last hold its last year's drivers.",
                 True),
         _HISTORY, *_PLACEMENT_ARGS),
    ),
    # --- safety valve plan (issue 7): adapters over hnb_xl.engine.safety_valve
    FunctionSpec(
        "HNB_PLAN",
        "Safety valve plan by year with a header row (pounds): unmitigated and mitigated DSG in-year "
        "deficit and accumulated deficit, total saving, DfE and council contributions, accumulated "
        "deficit after contributions.",
        _PLAN_ARGS,
    ),
    FunctionSpec(
        "HNB_BALANCE_YEAR",
        "First financial year of DSG in-year balance (in-year deficit <= 0) in the mitigated plan, e.g. "
        "2026-27; with measure \"cleared\" the first year the deficit after DfE contributions is cleared.",
        _PLAN_ARGS[:3] + (
            ArgSpec("measure", "Optional. \"in-year\" (default): first year of in-year balance; \"cleared\": first "
                               "year the accumulated deficit after contributions is 0 or less.", True),
        ) + _PLAN_ARGS[3:],
    ),
)

FUNCTIONS: dict[str, FunctionSpec] = {f.name: f for f in _SPECS}


def problems(functions: Mapping[str, FunctionSpec] | None = None) -> list[str]:
    """Everything wrong with the spec (empty when it is sound): lengths, ASCII, names, order."""
    out = []
    for key, f in (functions or FUNCTIONS).items():
        if key != f.name:
            out.append(f"{key}: keyed under a different name than {f.name}")
        if not (f.name.startswith("HNB_") and f.name.isupper() and f.name.isidentifier()):
            out.append(f"{f.name}: Excel name must be HNB_ in capitals")
        texts = [("description", f.description)] + [(f"argument {a.name}", a.help) for a in f.args]
        for what, text in texts:
            if not text or len(text) > MAX_TEXT:
                out.append(f"{f.name}: {what} is {len(text or '')} characters (1 to {MAX_TEXT})")
            if not text.isascii() or "\n" in text:
                out.append(f"{f.name}: {what} must be one line of plain ASCII (it is written into VBA)")
        seen_optional = False
        for a in f.args:
            if not a.name.isidentifier() or a.name != a.name.lower():
                out.append(f"{f.name}: argument name {a.name!r} must be a lower-case identifier")
            if a.optional:
                seen_optional = True
            elif seen_optional:
                out.append(f"{f.name}: required argument {a.name} follows an optional one")
        if len(set(f.arg_names)) != len(f.args):
            out.append(f"{f.name}: duplicate argument names")
    return out


_bad = problems()
if _bad:  # a broken spec must not load silently
    raise ValueError("hnb_xl.excel.spec: " + "; ".join(_bad))
