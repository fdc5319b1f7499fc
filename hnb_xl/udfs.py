"""The Excel functions (HNB_ UDFs): thin xlwings adapters over the use-case layer, nothing else.

Each function here is named exactly like its entry in :mod:`hnb_xl.excel.spec` and decorated with
:func:`udf`, which looks the spec up and

* applies xlwings' decorators from it (``@xw.func(category="HNB")``, ``@xw.arg(name, doc=help,
  ndim=2 for ranges)``, ``@xw.ret``); on Linux/macOS these are no-ops, on Windows they give the
  metadata xlwings' "Import Functions" turns into the ``xlwings_udfs`` VBA module;
* catches every exception: a bad argument returns one short line naming the function and the
  argument, logged with the arguments in the log file :data:`LOG_PATH` (no traceback: the line
  says where the problem is, and formatting a traceback was most of a refused call's time: 0.76 s
  of 1.22 s over 1,000 calls of HNB_BALANCE_YEAR with junk); an unexpected error logs its traceback;
* caches results keyed on the argument values (lists -> tuples), :data:`CACHE_SIZE` entries.

An adapter converts arguments (:mod:`hnb_xl.excel.args`), calls :mod:`hnb_xl.api` (or the engine
inside :func:`hnb_xl.api.located`, the same translation of engine errors) with :data:`LABELS`, so
that a bad value names the function's argument or the input range's row and column, and lays the
result out as cells. It does no arithmetic of its own.

To add a function: one ``FunctionSpec`` in hnb_xl/excel/spec.py plus one ``@udf`` adapter here.
"""

from __future__ import annotations

import functools
import inspect
import logging
import logging.handlers
import os
import platform
import reprlib
import tempfile
from pathlib import Path

import xlwings as xw

from . import __version__, api, bundled
from .excel import args as xa
from .excel.cache import LRU
from .engine.contingency import allocate, rerun
from .engine.history import annual_growth
from .engine.placement import CALIBRATION
from .engine.projection import PROJECTION_COLUMNS
from .engine.safety_valve import summary
from .engine.transfer import transfer
from .errors import HnbInputError
from .tables.placement import INPUT_SCHEMAS as PLACEMENT_INPUTS, other_base_year
from .tables.schema import ASSUMPTIONS, HISTORY, PAYMENTS, PLACEMENT_HISTORY, SCHOOLS, WORKSTREAMS
from .excel.spec import FUNCTIONS, FunctionSpec
from .years import fy, parse_year

LOG_PATH = Path(os.environ.get("HNB_XL_LOG") or Path(tempfile.gettempdir()) / "hnb_xl_udfs.log")
CACHE_SIZE = 256

# Header row of the spilled projection (display titles of the engine's columns).
PROJECTION_HEADERS = {
    "financial_year": "Financial year", "ehcp_count": "EHCPs", "cost_per_ehcp": "Cost per EHCP",
    "hnb_expenditure": "HNB expenditure", "hnb_funding": "HNB funding", "block_transfer": "Block transfer",
    "hnb_budget": "HNB budget", "in_year_deficit": "In-year deficit",
    "other_dsg_movements": "Other DSG movements", "accumulated_deficit": "Accumulated DSG deficit",
    "deficit_growth": "Deficit growth",
}
DEFICIT_COLUMNS = ["financial_year", "in_year_deficit", "accumulated_deficit"]
ALLOCATION_HEADER = "Allocation"

log = logging.getLogger("hnb_xl.udfs")
_log_handler: logging.Handler | None = None
_cache = LRU(CACHE_SIZE)


def _logger() -> logging.Logger:
    """The UDF log: a file at :data:`LOG_PATH` (by default in the user's temp folder, set
    HNB_XL_LOG to move it), opened on the first message only."""
    global _log_handler
    path = str(LOG_PATH)
    if _log_handler is None or getattr(_log_handler, "baseFilename", None) != os.path.abspath(path):
        if _log_handler is not None:
            log.removeHandler(_log_handler)
            _log_handler.close()
        try:
            _log_handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2,
                                                                encoding="utf-8", delay=True)
            _log_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            log.addHandler(_log_handler)
            log.setLevel(logging.INFO)
        except OSError:  # a read-only temp folder must not break the functions
            _log_handler = None
    return log


def cache_clear() -> None:
    """Forget cached results and converted input tables (the benchmark and tests use it;
    bundled data stays loaded)."""
    _cache.clear()
    xa.clear_table_cache()
    api.clear_verdicts()
    _agreement.cache_clear()


def _call(spec: FunctionSpec, impl, args: tuple, kwargs: dict):
    """Run one adapter: bind arguments, use the cache, turn every failure into a message."""
    try:
        if len(args) > spec.max_args:
            raise HnbInputError(f"takes at most {spec.max_args} argument(s), got {len(args)}",
                                source=None)
        bound = list(args) + [None] * (spec.max_args - len(args))
        for k, v in kwargs.items():
            if k not in spec.arg_names:
                raise HnbInputError(f"has no argument '{k}' (arguments: {', '.join(spec.arg_names)})")
            bound[spec.arg_names.index(k)] = v
    except HnbInputError as exc:
        return xa.message(spec.name, exc)
    try:
        frozen = [xa.Frozen(v) for v in bound]
        key = (spec.name, tuple(frozen))
    except Exception:  # noqa: BLE001 - an unhashable argument: compute without the cache
        frozen, key = [], None
    if key is not None:
        hit = _cache.get(key)
        if hit is not None:
            return list(map(list, hit)) if isinstance(hit, list) else hit
    try:
        with xa.frozen_arguments(bound, frozen):
            result = impl(*bound)
    except HnbInputError as exc:
        result = xa.message(spec.name, exc)
        _logger().info("%s%s -> %s", spec.name, _short(bound), result)
    except Exception as exc:  # noqa: BLE001 - no exception may escape into Excel
        _logger().exception("%s%s failed", spec.name, _short(bound))
        return xa.truncate(f"{spec.name}: unexpected error ({type(exc).__name__}: {exc}); details in {LOG_PATH}")
    if key is not None:
        _cache.put(key, result)
    return list(map(list, result)) if isinstance(result, list) else result


def _short(args) -> str:
    """Arguments for the log, long tables abbreviated."""
    r = reprlib.Repr()
    r.maxlist, r.maxtuple, r.maxstring, r.maxother = 6, 6, 60, 60
    return "(" + ", ".join(r.repr(a) for a in args) + ")"


def udf(impl):
    """Make ``impl`` an Excel function from its spec entry (same name); see the module docstring."""
    spec = FUNCTIONS[impl.__name__]   # KeyError: the function is not in udf_spec.FUNCTIONS
    params = list(inspect.signature(impl).parameters.values())
    got = [(p.name, p.default is not inspect.Parameter.empty) for p in params]
    want = [(a.name, a.optional) for a in spec.args]
    if got != want or any(p.default not in (None, inspect.Parameter.empty) for p in params):
        raise TypeError(f"{spec.name}: adapter parameters {got} do not match the spec {want} "
                        "(optional ones must default to None)")

    @functools.wraps(impl)
    def adapter(*args, **kwargs):
        try:
            return _call(spec, impl, args, kwargs)
        except Exception as exc:  # noqa: BLE001 - last line of defence: Excel gets text, never a traceback
            return xa.truncate(f"{spec.name}: unexpected error ({type(exc).__name__}: {exc})")

    adapter.__annotations__ = {}          # xlwings would read type hints as converters
    adapter.__doc__ = spec.description    # xlwings' Function Wizard description
    adapter.spec = spec
    return _decorate(adapter, spec)


def _decorate(f, spec: FunctionSpec):
    """Apply xlwings' decorators as the spec says, in the order of the usual stack
    ``@xw.func`` / ``@xw.arg`` / ``@xw.ret`` (bottom first): xlwings' classic ``xw.arg`` and
    ``xw.ret`` re-run ``xw.func`` without arguments, which resets the category to "xlwings", so
    ``xw.func(category=...)`` must come last. The decorators are looked up on ``xw`` at call time,
    so that hnb_xl.excel.vba can load this module with the classic Windows ones."""
    f = xw.ret(**spec.ret_options)(f)
    for a in reversed(spec.args):
        f = xw.arg(a.name, doc=a.help, **a.xl_options)(f)
    return xw.func(category=spec.category)(f)


# ---------------------------------------------------------------- inputs (bundled data once)

# Engine fields -> this adapter's argument names, for api's one translation of engine errors.
LABELS = {"history": "history", "assumptions": "assumptions", "scenario": "scenario", "schools": "schools",
          "pot": "pot", "cost_per_ehcp": "cost_per_ehcp", "notional_share": "notional_share",
          "schools_block": "schools_block", "workstreams": "workstreams", "dfe_total": "dfe_total",
          "first_share": "first_share", "instalments": "instalments", "first_year": "first_year",
          "payments": "payments"}


@functools.lru_cache(maxsize=None)
def _bundled_history() -> api.Located:
    return api.table(None, "history")


@functools.lru_cache(maxsize=None)
def _bundled_assumptions(scenario: str) -> api.Located:
    return api.assumptions_table(None, scenario, LABELS)


@functools.lru_cache(maxsize=None)
def _bundled_parameters():
    return bundled.parameters()


def _range_key(schema, value, arg: str):
    """The key of an input range's validation verdict in api: the same frozen cell values that
    key its converted table (:func:`hnb_xl.excel.args.converted`), made once per call."""
    try:
        return ("range", schema.name, arg, xa.frozen(value))
    except Exception:  # noqa: BLE001 - unhashable cells: validated on every call
        return None


def _located(schema, value, arg: str) -> api.Located:
    """An input range as a validated frame with the range's row numbers (the header is row 1)."""
    t = xa.converted(schema, value, arg)     # shared: the engine only reads it
    return api.Located(t.frame, arg, t.row_numbers, _range_key(schema, value, arg))


def _history(value) -> api.Located:
    if xa.omitted(value):
        return _bundled_history()
    t = xa.converted(HISTORY, value, "history")
    if xa.cell(t.columns["accumulated_deficit"][-1]) == "":
        raise HnbInputError(f"the last year ({t.columns['financial_year'][-1]}) needs an Accumulated DSG "
                            "deficit to project from", source="history")
    return api.Located(t.frame, "history", t.row_numbers, _range_key(HISTORY, value, "history"))


def _assumptions(value, scenario=None) -> api.Located:
    name = xa.text(scenario, "scenario") if scenario is not None else None
    given = not xa.omitted(value)
    if given and name:
        raise HnbInputError("give assumptions or a scenario, not both", source="scenario")
    if given:
        return _located(ASSUMPTIONS, value, "assumptions")
    return _bundled_assumptions(name or bundled.DEFAULT_SCENARIO)


def _project(hist: api.Located, assumptions: api.Located, to_year=None):
    return api.projection(hist, assumptions, to_year=to_year, labels=LABELS)


# ---------------------------------------------------------------- the functions

@udf
def HNB_DEFICIT(year=None, history=None, assumptions=None):
    hist, assume = _history(history), _assumptions(assumptions)
    if xa.omitted(year):
        return xa.grid(_project(hist, assume), DEFICIT_COLUMNS, PROJECTION_HEADERS)
    y = xa.year(year, "year")
    h = hist.frame
    base = parse_year(h["financial_year"].iat[-1])
    if y <= base:   # a history year: the published figure
        match = h.loc[[parse_year(v) == y for v in h["financial_year"]], "accumulated_deficit"]
        if match.empty or xa.cell(match.iloc[0]) == "":
            first = h["financial_year"].iloc[0]
            raise HnbInputError(f"{fy(y)} has no accumulated deficit in the history ({first} to {fy(base)})",
                                source="year")
        return xa.cell(match.iloc[0])
    last = parse_year(assume.frame["financial_year"].iat[-1])
    table = _project(hist, assume, to_year=y if y > last else None)
    years = table["financial_year"].tolist()
    return xa.cell(table["accumulated_deficit"].iat[years.index(fy(y))])


@udf
def HNB_PROJECTION(history=None, assumptions=None, scenario=None):
    table = _project(_history(history), _assumptions(assumptions, scenario))
    return xa.grid(table, PROJECTION_COLUMNS, PROJECTION_HEADERS)


@udf
def HNB_GROWTH(values):
    series, (rows, cols) = xa.series(values, "values")
    growth = [xa.cell(g) for g in annual_growth(series)]
    return [growth] if rows == 1 else [[g] for g in growth]


def _rules(pot, cost_per_ehcp, notional_share):
    """(pot, cost per EHCP, notional share): omitted -> the bundled parameters; each checked against
    its range in hnb_xl/data/parameters.csv (api.contingency_rules), errors naming the argument."""
    return api.contingency_rules(xa.number(pot, "pot", default=_bundled_parameters()["send_contingency_pot"]),
                                 xa.number(cost_per_ehcp, "cost_per_ehcp",
                                           default=_bundled_parameters()["cost_per_ehcp"]),
                                 xa.number(notional_share, "notional_share",
                                           default=_bundled_parameters()["notional_share"], what="a fraction"),
                                 labels=LABELS)


@udf
def HNB_CONTINGENCY(schools, pot=None, cost_per_ehcp=None, notional_share=None):
    t = xa.converted(SCHOOLS, schools, "schools")   # shared: allocate only reads it
    frame, numbers, height = t.frame, t.row_numbers, t.height
    rules = _rules(pot, cost_per_ehcp, notional_share)
    with api.located({"schools": api.Located(frame, "schools", numbers)}, LABELS):
        result = allocate(frame, *rules)
    amounts = result["allocation"].to_numpy()
    if len(numbers) == height - 1:          # no blank rows inside the range: one cell per school, in C
        return [[ALLOCATION_HEADER]] + amounts.reshape(-1, 1).tolist()
    blank = [""]            # one list for every blank row: callers get copies (see _call)
    out = [[ALLOCATION_HEADER]] + [blank] * (height - 1)
    for rownum, amount in zip(numbers, amounts.tolist()):
        out[rownum - 1] = [amount]
    return out


RERUN_HEADERS = {"urn": "URN", "school_name": "School name", "entitlement": "Entitlement (£)",
                 "paid": "Paid (£)", "adjustment": "Adjustment (£)", "total_paid_after": "Total paid after (£)"}


@udf
def HNB_CONTINGENCY_RERUN(first_schools, later_schools, pot=None, cost_per_ehcp=None, notional_share=None,
                          claw_back=None, hold_back=None):
    first = _located(SCHOOLS, first_schools, "first_schools")
    later = _located(SCHOOLS, later_schools, "later_schools")
    rules = _rules(pot, cost_per_ehcp, notional_share)
    kept = xa.number(hold_back, "hold_back", default=0.0, low=0, high=1, what="a fraction")
    with api.located({"schools": first}, LABELS):
        paid = allocate(first.frame, rules[0] * (1.0 - kept), *rules[1:])
    with api.located({"schools": later}, LABELS):
        result = rerun(paid, later.frame, *rules, claw_back=xa.flag(claw_back, "claw_back"))
    return xa.grid(result, list(RERUN_HEADERS), RERUN_HEADERS)


def _transfer(schools_block, rate_or_amount, arg: str):
    """Rule for rate_or_amount: a value of 1 or less is a rate (fraction), more than 1 an amount (pounds)."""
    block = xa.number(schools_block, "schools_block", low=0, low_inclusive=False)
    value = xa.number(rate_or_amount, arg, low=0, what="a rate (1 or less) or an amount in pounds")
    limit = _bundled_parameters()["transfer_limit_rate"]
    labels = {**LABELS, "rate": arg, "amount": arg}
    with api.located({}, labels):
        if value <= 1:
            return transfer(block, rate=value, limit_rate=limit), "rate"
        return transfer(block, amount=value, limit_rate=limit), "amount"


@udf
def HNB_TRANSFER(schools_block, rate_or_amount):
    t, given = _transfer(schools_block, rate_or_amount, "rate_or_amount")
    return t.amount if given == "rate" else t.rate


@udf
def HNB_TRANSFER_CHECK(amount, schools_block):
    t, _ = _transfer(schools_block, amount, "amount")
    return t.verdict


@udf
def HNB_VERSION():
    return f"hnb_xl {__version__}; xlwings {xw.__version__}; Python {platform.python_version()}"


# ---------------------------------------------------------------- placement projection

# Header row of the spilled placement projection (api.placement_projection's columns, by view).
PLACEMENT_HEADERS = {
    **PROJECTION_HEADERS, "census": "Census", "ehcp_count": "EHCPs at the census", "fy_caseload": "FY caseload",
    "placement_spend": "Spend on placements", "other_spend": "Spend not per plan", "calibration": CALIBRATION,
    "hnb_allocation": "HNB allocation", "hnb_income": "HNB income", "backlog": "Awaiting a specialist place",
    "status": "Status", "category": "Category", "census_count": "EHCPs at the census", "unit_cost": "Unit cost",
    "spend": "Spend", "kind": "Kind", "line": "Line", "amount": "Amount",
}


@udf
def HNB_PLACEMENTS(by=None, to_year=None, history=None, placement_history=None, categories=None, drivers=None,
                   capacity=None, backlog=None, moves=None, other_spend=None, income=None, settings=None):
    """The placement projection; each table range given replaces the bundled table (the workbook's
    Inputs tables: ``Calc_Placement``'s cross-check passes them all)."""
    view = (xa.text(by, "by") or "year").lower()
    if view not in api.PLACEMENT_VIEWS:
        raise HnbInputError(f"expected {', '.join(api.PLACEMENT_VIEWS)}, got {by!r}", source="by")
    ranges = {"placement_history": placement_history, "placement_categories": categories,
              "placement_drivers": drivers, "placement_capacity": capacity, "placement_backlog": backlog,
              "placement_moves": moves, "placement_other_spend": other_spend, "placement_income": income,
              "placement_settings": settings}
    given = {key: _placement_table(key, value) for key, value in ranges.items() if not xa.omitted(value)}
    own_history = None if xa.omitted(history) else _history(history).frame
    if own_history is not None and "placement_drivers" in given:    # a roll-forward that left them behind
        why = other_base_year(own_history, given["placement_drivers"])
        if why:
            raise HnbInputError(why, source="drivers")
    last = None if xa.omitted(to_year) else xa.year(to_year, "to_year")
    table = api.placement_projection(view, to_year=last, labels={**LABELS, "to_year": "to_year", "by": "by"},
                                     given=given, history=own_history)
    return xa.grid(table, list(table.columns), PLACEMENT_HEADERS)


def _placement_table(key: str, value):
    """A placement input range as a validated frame: its argument names it in messages, with the
    range's row numbers (the header is row 1)."""
    arg = key.removeprefix("placement_") if key != "placement_history" else key
    t = xa.converted(PLACEMENT_HISTORY if key == "placement_history" else PLACEMENT_INPUTS[key], value, arg)
    frame = t.frame.copy(deep=False)
    frame.attrs = {**frame.attrs, "source": arg, "row_numbers": list(t.row_numbers)}
    return frame


# ---------------------------------------------------------------- safety valve plan

PLAN_HEADERS = {
    "financial_year": "Financial year", "unmitigated_dsg_in_year_deficit": "Unmitigated DSG in-year deficit",
    "unmitigated_accumulated_deficit": "Unmitigated accumulated deficit", "total_saving": "Total saving (DSG)",
    "dsg_in_year_deficit": "Mitigated DSG in-year deficit", "accumulated_deficit": "Mitigated accumulated deficit",
    "dfe_contribution": "DfE contribution", "council_contribution": "Council contribution",
    "accumulated_deficit_after_contributions": "Accumulated deficit after contributions",
}


@functools.lru_cache(maxsize=None)
def _bundled_workstreams():
    return tuple(api.workstreams(None, LABELS))


def _workstreams(value):
    """The workstreams range (header row + rows; blank rows skipped) as a located table, so that
    api names its rows; or the bundled plan's workstreams; or none for a header alone."""
    if xa.omitted(value):
        return list(_bundled_workstreams())
    if all(xa.is_blank(v) for row in xa.cells(value)[1:] for v in row):
        return []                                   # the header alone: no mitigations
    return _located(WORKSTREAMS, value, "workstreams")


@functools.lru_cache(maxsize=64)
def _agreement(items: tuple):
    """The Agreement for these terms (the bundled ones with the arguments given), built once (the
    engine does not modify it: a test checks)."""
    return api.agreement(None, labels=LABELS, **dict(items))


def _payments(value):
    """The payments range (header row + rows) as a located table; None (the assumed profile) when
    omitted or when it has no rows."""
    if xa.omitted(value) or all(xa.is_blank(v) for row in xa.cells(value)[1:] for v in row):
        return None
    return _located(PAYMENTS, value, "payments")


def _sv(workstreams, history, assumptions, dfe_total, first_share, instalments, first_year, payments=None):
    terms = {}
    if not xa.omitted(dfe_total):
        terms["dfe_total"] = xa.number(dfe_total, "dfe_total", kind="money")
    if not xa.omitted(first_share):
        terms["first_share"] = xa.number(first_share, "first_share", what="a fraction")
    if not xa.omitted(instalments):
        terms["instalments"] = xa.number(instalments, "instalments", kind="count")
    if not xa.omitted(first_year):
        terms["first_year"] = fy(xa.year(first_year, "first_year"))
    agreement = _agreement(tuple(sorted(terms.items())))
    result = api.plan(_history(history), _assumptions(assumptions), workstreams=_workstreams(workstreams),
                      agreement=agreement, payments=_payments(payments), settlement=api.NO_SETTLEMENT, labels=LABELS)
    return result.frame, result.agreement


@udf
def HNB_PLAN(workstreams=None, history=None, assumptions=None, dfe_total=None, first_share=None,
             instalments=None, first_year=None, payments=None):
    frame, _ = _sv(workstreams, history, assumptions, dfe_total, first_share, instalments, first_year, payments)
    return xa.grid(frame, list(PLAN_HEADERS), PLAN_HEADERS)


@udf
def HNB_BALANCE_YEAR(workstreams=None, history=None, assumptions=None, measure=None, dfe_total=None,
                     first_share=None, instalments=None, first_year=None, payments=None):
    which = (xa.text(measure, "measure") or "in-year").lower().replace(" ", "-")
    if which not in ("in-year", "cleared"):
        raise HnbInputError(f"expected \"in-year\" or \"cleared\", got {measure!r}", source="measure")
    frame, agreement = _sv(workstreams, history, assumptions, dfe_total, first_share, instalments, first_year,
                           payments)
    s = summary(frame, agreement)
    year = s["first_balance_year"] if which == "in-year" else s["deficit_cleared_year"]
    return year or f"not by {frame['financial_year'].iloc[-1]}"
