"""The model's use cases as plain functions: what the CLI, the report, the pack and the Excel
functions call (after the manner of modelx's ``modelx/core/api.py``: one function per job, plain
values in, frames and dataclasses out).

A *table* argument is a path to a CSV/XLSX file, a DataFrame with the engine's column names, a
:class:`Located` frame (a frame with its source and row numbers, as the Excel functions have them),
or None for the bundled data (``hnb_xl/data``). A *scalar* left None takes the bundled parameter
(``hnb_xl/data/parameters.csv``, ``plan_agreement_cambridgeshire.csv``).

Every input goes through the cross-table validator :mod:`hnb_xl.tables.validate` first. Every
:class:`~hnb_xl.errors.ModelError` the engine raises is translated HERE, in one place
(:func:`located`), into an :class:`~hnb_xl.errors.HnbInputError` naming the user's location:

* a column field -> the table's source, the row as the file shows it (the header is row 1) and
  the column's header;
* a scalar field -> the label the caller gave it (``labels``: the CLI passes
  ``{"pot": "--pot", "notional_share": "--notional-share"}``, the Excel functions their argument
  names), else the bundled file row it came from, else the field's own name.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Hashable, Sequence

import pandas as pd

from . import bundled
from .engine import contingency as _contingency
from .engine import montecarlo as _montecarlo
from .engine import safety_valve as _sv
from .engine import settlement as _settlement
from .engine import transfer as _transfer
from .engine.history import history_table
from .engine.projection import STATUS_COLUMN, extend_assumptions, project, scenario_last_year, year_status
from .errors import HnbInputError, ModelError, raise_all
from .excel.cache import LRU
from .tables import validate
from .tables.cells import is_blank, parse_number
from .tables.schema import AGREEMENT_TERMS, MONTECARLO_TERMS, SCHEMAS, SETTLEMENT_TERMS, read_terms, to_frame
from .tables.validate import Place
from .years import fy, parse_year


@dataclass(frozen=True)
class Located:
    """A validated frame with where it came from: ``source`` (a file, or a function argument's name)
    and the row of each record (None: the header is row 1 and no row is blank). ``key``: a hashable
    stand-in for the table's VALUE and source (equal keys: equal tables), under which the
    validator's verdict is remembered (:func:`_check`); None: validated on every run."""
    frame: pd.DataFrame
    source: str
    row_numbers: Sequence[int] | None = None
    key: Hashable | None = None

    def row(self, index: int) -> int:
        return int(self.row_numbers[index]) if self.row_numbers is not None else index + 2

    def view(self) -> pd.DataFrame:
        """The frame with ``attrs`` for the validator (a shallow copy: the engine gets the original)."""
        v = self.frame.copy(deep=False)
        v.attrs = {"source": self.source,     # a range or tuple: pandas deep-copies attrs on every slice
                   "row_numbers": _compact(self.row_numbers, len(self.frame))}
        return v


def _compact(numbers: Sequence[int] | None, n: int) -> Sequence[int]:
    """Row numbers as a range when they run one after another (deep-copied for free, as pandas
    does with ``attrs`` on every column it hands out), else as a tuple."""
    if numbers is None:
        return range(2, 2 + n)
    if type(numbers) is range:
        return numbers
    numbers = tuple(numbers)
    if numbers and numbers[-1] - numbers[0] == len(numbers) - 1 and list(numbers) == list(
            range(numbers[0], numbers[0] + len(numbers))):
        return range(numbers[0], numbers[0] + len(numbers))
    return numbers


Labels = dict  # {field or table: label (str) or validate.Place}


# ---------------------------------------------------------------------------------- tables in


def table(value, name: str, labels: Labels | None = None) -> Located:
    """The ``name`` input table (a schema name) from a path, a frame, a :class:`Located` or None."""
    if isinstance(value, Located):
        return value
    if value is None:
        return _bundled(name)
    if isinstance(value, pd.DataFrame):
        if value.attrs.get("source"):     # validated already (tables.schema.to_frame, a file)
            return Located(value, value.attrs["source"], value.attrs.get("row_numbers"))
        source = _label(labels, name, name)   # a frame made by hand: validated here, rows counted from 2
        frame = to_frame(SCHEMAS[name], list(value.columns), value.astype(object).values.tolist(), source=source)
        return Located(frame, source, frame.attrs.get("row_numbers"))
    if isinstance(value, (str, os.PathLike)):
        from .tables import files
        frame = files.load(SCHEMAS[name], value)
        return Located(frame, frame.attrs.get("source", str(value)), frame.attrs.get("row_numbers"))
    raise TypeError(f"{name}: expected a path, a DataFrame or None, got {type(value).__name__}")


BUNDLED_FILES = {"history": "history.csv", "schools": "demo_schools.csv", "block_transfer": "block_transfer.csv",
                 "invest_to_transform": "invest_to_transform.csv", "parameters": "parameters.csv",
                 "workstreams": "plan_workstreams.csv", "agreement": bundled.CAMBRIDGESHIRE_AGREEMENT,
                 "uncertainty": "plan_uncertainty.csv", "montecarlo": "plan_montecarlo.csv"}


def _bundled(name: str, scenario: str | None = None) -> Located:
    loaders = {"history": bundled.history, "schools": bundled.demo_schools, "block_transfer": bundled.block_transfers,
               "invest_to_transform": bundled.invest_to_transform, "parameters": bundled.parameter_table,
               "workstreams": bundled.plan_workstreams, "agreement": bundled.plan_agreement_table,
               "uncertainty": bundled.plan_uncertainty, "montecarlo": bundled.plan_montecarlo_table}
    if name == "assumptions":
        key = bundled.DEFAULT_SCENARIO if scenario is None else scenario
        try:
            frame = bundled.assumptions(key)
        except KeyError as exc:
            raise HnbInputError(str(exc.args[0]), source="scenario") from None
        file = bundled.SCENARIOS[key.strip().lower().replace(" ", "-").replace(",", "")][0]
        return Located(frame, f"bundled {file}", key=("bundled", name, file))
    return Located(loaders[name](), f"bundled {BUNDLED_FILES[name]}", key=("bundled", name, BUNDLED_FILES[name]))


def assumptions_table(value, scenario: str | None = None, labels: Labels | None = None) -> Located:
    """The assumptions: a table, or the bundled ``scenario`` (default: the published forecast)."""
    if value is None:
        try:
            return _bundled("assumptions", scenario)
        except HnbInputError as exc:
            raise HnbInputError(exc.message, source=_label(labels, "scenario", "scenario")) from None
    return table(value, "assumptions", labels)


# ------------------------------------------------------------------------- the one translation


def _label(labels: Labels | None, key: str, default: str) -> str:
    v = (labels or {}).get(key)
    if isinstance(v, Place):
        return v.source or default
    return v if v else default


def _place(labels: Labels | None, key: str) -> Place:
    v = (labels or {}).get(key)
    if isinstance(v, Place):
        return v
    return Place(v if v else key)


def translate(exc: ModelError, tables: dict[str, Located], labels: Labels | None = None) -> HnbInputError:
    """The user's location of an engine error (see the module docstring)."""
    if exc.table is not None and exc.table in tables:
        t = tables[exc.table]
        row = t.row(exc.index) if exc.index is not None else None
        return HnbInputError(exc.message, source=t.source, row=row,
                             column=validate.header(SCHEMAS.get(exc.table), exc.field), value=exc.value)
    if exc.table is not None and exc.field not in (labels or {}):
        return HnbInputError(exc.message, source=_label(labels, exc.table, exc.table),
                             column=exc.field, value=exc.value)
    return _place(labels, exc.field).error(exc.message, exc.value)


@contextmanager
def located(tables: dict[str, Located], labels: Labels | None = None):
    """Run engine code; a ModelError leaves as an HnbInputError naming the user's location."""
    try:
        yield
    except ModelError as exc:
        raise translate(exc, tables, labels) from None


VERDICT_CACHE_SIZE = 64
_verdicts = LRU(VERDICT_CACHE_SIZE)     # {(table name, key) or (rule's tables, keys): problems}
_bundled_verdicts: dict = {}            # the same for bundled tables only: once per process


def clear_verdicts() -> None:
    """Forget the remembered verdicts of input tables (those of the bundled tables stay, like the
    bundled data themselves)."""
    _verdicts.clear()


def _verdict(key, bundled_only: bool, work) -> tuple:
    """The problems ``work()`` finds, remembered under ``key`` (None: not remembered)."""
    if key is None:
        return tuple(work())
    store = _bundled_verdicts if bundled_only else _verdicts
    hit = store.get(key)
    if hit is None:
        hit = tuple(work())
        if bundled_only:
            store[key] = hit
        else:
            store.put(key, hit)
    return hit


def _check(tables: dict[str, Located]) -> None:
    """The cross-table validator over the tables of one run: every problem at once.

    Each table is validated once per distinct value (:func:`hnb_xl.tables.validate.table_problems`,
    remembered under its :attr:`Located.key`; the bundled tables' once per process) and each rule
    between two tables once per distinct pair (:data:`hnb_xl.tables.validate.PAIR_RULES`), so that
    many Excel calls over the same ranges (one per year, say) validate them once."""
    found: list = []
    views: dict = {}

    def view(name):                       # each table's view made once, only when a rule runs
        if name not in views:
            views[name] = tables[name].view()
        return views[name]
    for name, t in tables.items():
        key = None if t.key is None else (name, t.key)
        found.extend(_verdict(key, _is_bundled(t), lambda: validate.table_problems(name, view(name))))
    for (a, b), rule in validate.PAIR_RULES.items():
        if a in tables and b in tables:
            ta, tb = tables[a], tables[b]
            key = None if ta.key is None or tb.key is None else ((a, b), ta.key, tb.key)
            found.extend(_verdict(key, _is_bundled(ta) and _is_bundled(tb), lambda: rule(view(a), view(b))))
    raise_all([p.with_traceback(None) for p in found])


def _is_bundled(t: Located) -> bool:
    return type(t.key) is tuple and bool(t.key) and t.key[0] == "bundled"


def _parameter(value, name: str):
    return bundled.parameters()[name] if value is None else value


# -------------------------------------------------------------------------------- the use cases


def history(history=None, labels: Labels | None = None) -> pd.DataFrame:
    """The history table with growth, in-year deficit and the DSG reconciliation
    (:func:`hnb_xl.engine.history.history_table`)."""
    h = table(history, "history", labels)
    _check({"history": h})
    with located({"history": h}, labels):
        return history_table(h.frame, bundled.parameters()["opening_accumulated_deficit"])


def projection(history=None, assumptions=None, scenario: str | None = None, to_year: int | None = None,
               labels: Labels | None = None) -> pd.DataFrame:
    """The year-by-year projection (:func:`hnb_xl.engine.projection.project`) from the last history
    year; ``to_year`` (a start year, 2030 for 2030-31) extends or cuts the assumptions. Its last
    column, ``status``, is "forecast" up to the scenario's own last year and "extrapolated" after it
    (:func:`hnb_xl.engine.projection.year_status`)."""
    tables = {"history": table(history, "history", labels),
              "assumptions": assumptions_table(assumptions, scenario, labels)}
    _check(tables)
    with located(tables, labels):
        out = project(tables["history"].frame, tables["assumptions"].frame, to_year=to_year)
    out[STATUS_COLUMN] = year_status(out["financial_year"], scenario_last_year(tables["assumptions"].frame))
    return out


def placement_scenarios(folder=None, to_year: int | None = None, labels: Labels | None = None):
    """(replica inputs, driver inputs, the placement tables read) for the years up to ``to_year``
    (default: the bundled assumptions' last year): the replica is the aggregate engine's bundled
    inputs as placement inputs (:func:`hnb_xl.engine.placement.from_aggregate`), the driver inputs
    the placement tables (``folder`` of ``placement_<table>.csv``, None the bundled ones) on the
    bundled history (:func:`hnb_xl.tables.placement.inputs`); each table's rows past its last year
    hold its last year's drivers (:func:`hnb_xl.tables.placement.extend`)."""
    from .engine.placement import from_aggregate
    from .tables import placement as tables
    driver, t, last = placement_driver(folder, to_year, labels)
    h = bundled.history()
    a = extend_assumptions(bundled.assumptions(), last)
    first = parse_year(h["financial_year"].iloc[-1]) + 1
    with tables.located(t):
        replica = from_aggregate(h, a)
        if list(replica.drivers["financial_year"]) != list(driver.drivers["financial_year"]):
            d = t["drivers"]
            raise HnbInputError(f"the drivers run {d['financial_year'].iloc[0]} to {d['financial_year'].iloc[-1]}: "
                                f"expected {fy(first)} to {fy(last)}", source=d.attrs.get("source"),
                                column="Financial year")
    return replica, driver, t


def placement_driver(folder=None, to_year: int | None = None, labels: Labels | None = None, *,
                     given: dict | None = None, history: pd.DataFrame | None = None):
    """(driver inputs, the placement tables read, the last year) of :func:`placement_scenarios`:
    the tables of ``folder`` (None: the bundled ones) with ``given`` over them (validated frames
    by table key, ``hnb_xl.tables.placement.INPUT_SCHEMAS``' or ``placement_history``: the Excel
    ranges or the workbook's Inputs tables), on ``history`` (default bundled; base year = its last
    row; the base census from the placement history's rows for it and the year before,
    :func:`hnb_xl.tables.placement.base_census`). ``to_year`` default: the bundled assumptions' last
    year."""
    from .tables import placement as tables
    t = tables.load_tables(folder)
    h = bundled.history() if history is None else history
    for key, frame in (given or {}).items():
        t[key.removeprefix("placement_") if key in tables.INPUT_SCHEMAS else key] = frame
    if given or history is not None:    # the base census of this history's base year, from its placement history
        t["census"] = tables.base_census(t["placement_history"], str(h["financial_year"].iloc[-1]))
    last = parse_year(bundled.assumptions()["financial_year"].iloc[-1]) if to_year is None else to_year
    first = parse_year(h["financial_year"].iloc[-1]) + 1
    if last < first:
        raise HnbInputError(f"{fy(last)} is not after the base year {fy(first - 1)}: give {fy(first)} or later",
                            source=_label(labels, "to_year", "to_year"))
    t = tables.extend(t, last)
    with tables.located(t):
        return tables.inputs(t, h), t, last


def unmitigated_projection(folder=None, to_year: int | None = None, labels: Labels | None = None) -> pd.DataFrame:
    """The "Unmitigated (placement drivers)" scenario (:func:`hnb_xl.engine.placement.project_placements`
    of :func:`placement_scenarios`' driver inputs) in the projection's columns
    (:func:`hnb_xl.engine.placement.as_projection`) with the same ``status`` as :func:`projection`:
    "forecast" up to the placement drivers table's own last year, "extrapolated" after it."""
    from .engine.placement import as_projection, project_placements
    from .tables import placement as tables
    _, driver, t = placement_scenarios(folder, to_year, labels)
    with tables.located(t):
        out = as_projection(project_placements(driver).summary)
    out[STATUS_COLUMN] = year_status(out["financial_year"], scenario_last_year(t["drivers"]))
    return out


def mitigated_placements(folder=None, workstreams=None, to_year: int | None = None, labels: Labels | None = None):
    """The "Mitigated (placement workstreams)" scenario: :func:`hnb_xl.engine.placement_mitigation.project_mitigated`
    of :func:`placement_scenarios`' driver inputs and the placement workstreams (``workstreams``: a
    file, or a folder holding ``placement_workstreams.csv``; None: ``folder``'s, else the bundled
    ILLUSTRATIVE ones, :func:`hnb_xl.tables.placement.load_workstreams`). Returns (the result, the
    tables read, the workstreams table)."""
    from .tables import placement as tables
    _, driver, t = placement_scenarios(folder, to_year, labels)
    w = tables.load_workstreams(workstreams if workstreams is not None else folder)
    return (*_mitigate(driver, t, w), w)


def _mitigate(driver, t: dict, w: pd.DataFrame):
    """(:func:`hnb_xl.engine.placement_mitigation.project_mitigated` of ``driver`` and the placement
    workstreams ``w``, the tables read with ``w`` among them), a bad workstream named at its row."""
    from .engine import placement_mitigation as mitigation
    from .tables import placement as tables
    t = {**t, mitigation.TABLE: w}
    with tables.located(t):
        return mitigation.project_mitigated(driver, mitigation.workstreams_from_frame(w)), t


def mitigated_projection(folder=None, workstreams=None, to_year: int | None = None,
                         labels: Labels | None = None) -> pd.DataFrame:
    """The mitigated scenario (:func:`mitigated_placements`) in the projection's columns
    (:func:`hnb_xl.engine.placement.as_projection`: the DSG figures), then each workstream's saving
    (its name), ``total_saving`` (the DSG workstreams') and ``general_fund_saving`` (reported, never
    in a DSG figure), and ``status`` as :func:`unmitigated_projection`."""
    from .engine.placement import as_projection
    r, t, _ = mitigated_placements(folder, workstreams, to_year, labels)
    out = as_projection(r.summary)
    savings = r.savings.iloc[1:].reset_index(drop=True)
    for col in savings.columns[1:]:
        out[col] = savings[col].to_numpy()
    out[STATUS_COLUMN] = year_status(out["financial_year"], scenario_last_year(t["drivers"]))
    return out


def placement_charts(history=None, edition=None, to_year: int | None = None, *, given: dict | None = None,
                     assumptions=None, tornado_year=None, labels: Labels | None = None) -> dict | None:
    """The frames of the pack's placement charts (:func:`hnb_xl.reports.pack.chart_spend_by_category`,
    :func:`hnb_xl.reports.pack.chart_placement_scenarios`), or None when there are no placement
    inputs for the pack's base year. ``given`` (a workbook's Inputs tables by schema name,
    :mod:`hnb_xl.reports.inputs`; an empty table absent): the workbook's own placement tables on
    its ``history`` and ``assumptions`` (the replica), drawn only when its placement history holds
    the base year's census and its drivers start the year after it, mitigated by its own
    ``placement_workstreams`` (none given: no mitigated line); an empty placement table is none,
    never the bundled one. Without ``given``: the bundled placement tables, drawn only when the
    history's last year (the placement base: outturn and accumulated deficit) and the authority code
    (``edition.code``; None: the bundled one) are the bundled ones. ``spend``: the unmitigated HNB
    spend by year, the base year first, a column per placement category (the DSG plan's names),
    "Spend not per plan" (the other lines) and the calibration line; ``deficits``: the accumulated
    DSG deficit by year of the replica, the unmitigated and the mitigated scenario; ``source``: the
    placement counts' source; ``sensitivity``: the unmitigated forecast's tornado and break-even
    values (:func:`placement_sensitivity`'s, on the same inputs) for ``tornado_year`` (None: the
    placement drivers table's last year; another year must be a projection year, the error naming
    ``labels["year"]``)."""
    from .engine import placement_mitigation as mitigation
    from .engine.placement import CALIBRATION
    from .engine.placement_mitigation import MITIGATED
    from .engine.sensitivity import REPLICA, UNMITIGATED
    from .sources.sen2.categories import PLACEMENT_CATEGORIES
    from .tables import placement as tables
    if given is not None:
        r, t, driver = _own_placements(given, history, edition)
        if r is None:
            return None
        base = history.iloc[-1]
        years = list(r.unmitigated.summary["financial_year"])
        replica = projection(history, assumptions, to_year=parse_year(years[-1]))
    else:
        own = bundled.history()
        base = own.iloc[-1]
        if history is not None:
            last = history.iloc[-1]
            if str(last["financial_year"]) != str(base["financial_year"]) or any(
                    float(last[c]) != float(base[c]) for c in ("hnb_expenditure", "accumulated_deficit")):
                return None
        code = str(bundled.parameters()["authority_code"]).removesuffix(".0")
        if edition is not None and str(edition.code).removesuffix(".0") != code:
            return None
        _, driver, t = placement_scenarios(to_year=to_year)
        r, t = _mitigate(driver, t, tables.load_workstreams())
        t = {**tables.load_tables(), **t}
        years = list(r.summary["financial_year"])
        replica = projection(scenario=bundled.REPLICA_SCENARIO, to_year=parse_year(years[-1]))
    lines = r.unmitigated.lines
    wide = lines.pivot_table(index="financial_year", columns="line", values="amount", aggfunc="sum", sort=False)
    kinds = dict(zip(lines["line"], lines["kind"]))
    categories = [k for k in wide.columns if kinds[k] == "placement"]
    spend = wide[categories].rename(columns=lambda k: PLACEMENT_CATEGORIES.get(k, k))
    spend["Spend not per plan"] = wide[[k for k in wide.columns if kinds[k] == "other"]].sum(axis=1)
    spend[CALIBRATION] = wide[CALIBRATION]
    deficits = pd.DataFrame({REPLICA: [float(base["accumulated_deficit"]), *replica["accumulated_deficit"]],
                             UNMITIGATED: r.unmitigated.summary["accumulated_deficit"].to_numpy(float)}, index=years)
    if t.get(mitigation.TABLE) is not None and len(t[mitigation.TABLE]):
        deficits[MITIGATED] = r.summary["accumulated_deficit"].to_numpy(float)
    sources = [str(v) for k, c in (("placement_history", "source"), ("census", "source"), ("census", "basis"))
               if k in t and c in t[k] for v in t[k][c] if isinstance(v, str) and v.strip()]
    return {"spend": spend.loc[years], "deficits": deficits, "source": sources[0] if sources else "",
            "sensitivity": _sensitivity(driver, t, tornado_year, labels,
                                        bundled.assumptions() if assumptions is None else assumptions)}


def own_placement_driver(given: dict, history: pd.DataFrame | None):
    """(driver inputs, the tables read) of a workbook's own placement tables (``given``, by schema
    name; an absent table is an empty one, never the bundled one) on its ``history``, to the
    drivers' last year; or None when they do not project from its base year (no census for it in
    the placement history, or drivers that do not start the year after it): what
    :func:`placement_charts` and :func:`placement_sensitivity` run on."""
    from .tables import placement as tables
    ph, drivers = given.get("placement_history"), given.get("placement_drivers")
    if history is None or not len(history) or ph is None or drivers is None or not len(ph) or not len(drivers):
        return None
    base = str(history["financial_year"].iloc[-1])
    if base not in set(ph["financial_year"].astype(str)) or \
            parse_year(drivers["financial_year"].iloc[0]) != parse_year(base) + 1:
        return None
    own = {k: given[k] if given.get(k) is not None else pd.DataFrame(columns=[c.name for c in s.columns])
           for k, s in tables.INPUT_SCHEMAS.items()}
    own["placement_history"] = ph
    last = parse_year(drivers["financial_year"].iloc[-1])
    driver, t, _ = placement_driver(to_year=last, given=own, history=history)
    return driver, t


@dataclass(frozen=True)
class Sensitivity:
    """One year's sensitivities of the "Unmitigated (placement drivers)" forecast: the
    :func:`hnb_xl.engine.sensitivity.tornado` and :func:`hnb_xl.engine.sensitivity.break_even`
    frames for ``year``."""
    year: str
    tornado: pd.DataFrame
    break_even: pd.DataFrame


def projection_year(value, years: list[str], source: str) -> str:
    """``value`` (a financial year in any accepted spelling, :func:`hnb_xl.years.parse_year`) as a
    label of ``years`` (the projection years); anything else is an :class:`HnbInputError` at
    ``source`` (the option, argument or cell it came from)."""
    try:
        label = fy(parse_year(value))
    except ValueError as exc:
        raise HnbInputError(str(exc), source=source) from None
    if label not in years:
        raise HnbInputError(f"{label} is not a projection year ({years[0]} to {years[-1]})", source=source)
    return label


SENSITIVITY_CACHE_SIZE = 8
_sensitivities = LRU(SENSITIVITY_CACHE_SIZE)   # {digest of the inputs: Sensitivity}


def placement_sensitivity(given: dict, history: pd.DataFrame | None, year=None,
                          labels: Labels | None = None) -> Sensitivity | None:
    """The tornado and the break-even values (:mod:`hnb_xl.engine.sensitivity`) of a workbook's own
    placement tables (:func:`own_placement_driver`) for ``year``: None (blank) is the placement
    drivers table's last year (the horizon of the stated inputs); another year must be a projection
    year (:func:`projection_year`; the error names ``labels["year"]``: the sheet cell or the CLI
    option). None when there are no placement inputs for the base year.

    About 40 projections (0.5 s), remembered by :func:`_sensitivity`: the same inputs again (a
    second refresh from the same files, the Cover's button pressed twice in one Excel session, a
    pack after a build) are not projected again."""
    own = own_placement_driver(given, history)
    return None if own is None else _sensitivity(*own, year, labels, given.get("assumptions"))


def _digest(*parts) -> str | None:
    """SHA-256 of the pickled ``parts`` (data frames, dicts, dataclasses, text) without where their
    tables were read from (:func:`_unlocated`): a cache key for inputs that are not hashable; None
    when something in them cannot be pickled (then nothing is remembered)."""
    import hashlib
    import pickle
    try:
        return hashlib.sha256(pickle.dumps(_unlocated(parts), protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()
    except (pickle.PicklingError, TypeError, AttributeError):
        return None


def _unlocated(x):
    """``x`` with every frame's ``attrs`` left out: the file and rows a table was read from
    (``source``, ``row_numbers``), which only locate an error message, and an error is never
    remembered. So the same figures read from another copy of a workbook (every refresh of a
    copy, every build and pack of the same inputs) are the same key."""
    if isinstance(x, (pd.DataFrame, pd.Series)):
        x = x.copy(deep=False)
        x.attrs = {}
        return x
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return type(x).__name__, tuple((f.name, _unlocated(getattr(x, f.name))) for f in dataclasses.fields(x))
    if isinstance(x, dict):
        return {k: _unlocated(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_unlocated(v) for v in x)
    return x


def _sensitivity(driver, t: dict, year, labels: Labels | None, assumptions=None) -> Sensitivity:
    """:class:`Sensitivity` of ``driver`` (the tables ``t`` read) for ``year``; None (blank): the
    placement drivers table's own last year (:func:`hnb_xl.engine.projection.scenario_last_year`:
    not a year added past it to reach a later ``to_year``). The tornado's other DSG movements are
    those of the same workbook's or data's aggregate ``assumptions`` (none there: no such row).

    About 40 projections, which every build and refresh (the Sensitivity snapshot) and every pack of
    a workbook with placement tables (the tornado) pays for: the result is remembered under a digest
    of the inputs' figures (not the file they came from, :func:`_unlocated`; the last
    :data:`SENSITIVITY_CACHE_SIZE`) and a copy returned each time, so a caller cannot change the
    remembered frames."""
    key = _digest(driver, t, year, assumptions)     # not labels: they only name an error's cell or option
    hit = _sensitivities.get(key) if key is not None else None
    if hit is None:
        hit = _sensitivity_of(driver, t, year, labels, assumptions)
        if key is not None:
            _sensitivities.put(key, hit)
    return Sensitivity(hit.year, hit.tornado.copy(), hit.break_even.copy())


def _sensitivity_of(driver, t: dict, year, labels: Labels | None, assumptions) -> Sensitivity:
    from .engine import sensitivity
    from .tables import placement as tables
    years = [str(y) for y in driver.drivers["financial_year"]]
    if is_blank(year):
        label = fy(min(scenario_last_year(t["drivers"]), parse_year(years[-1])))
    else:
        label = projection_year(year, years, _label(labels, "year", "year"))
    with tables.located(t):
        return Sensitivity(label, sensitivity.tornado(driver, label, other_dsg=sensitivity.other_dsg_of(assumptions)),
                           sensitivity.break_even(driver, label))


def _own_placements(given: dict, history: pd.DataFrame, edition=None):
    """(the mitigated result, the tables read, the driver inputs) of a workbook's own placement
    tables (:func:`own_placement_driver`), mitigated by its own placement workstreams; or (None,
    None, None) when they do not project from its base year: :func:`placement_charts`."""
    from .engine import placement_mitigation as mitigation
    from .tables import placement as tables
    own = own_placement_driver(given, history)
    if own is None:
        return None, None, None
    driver, t = own
    base = str(history["financial_year"].iloc[-1])
    w = given.get(mitigation.TABLE)
    if w is None:       # none on the Inputs: the bundled ILLUSTRATIVE ones for the bundled authority's base year only
        code = str(bundled.parameters()["authority_code"]).removesuffix(".0")
        ours = (edition is None or str(edition.code).removesuffix(".0") == code) and \
            base == str(bundled.history()["financial_year"].iloc[-1])
        w = tables.load_workstreams() if ours else pd.DataFrame(columns=[c.name for c in tables.WORKSTREAMS.columns])
    r, t = _mitigate(driver, t, w)
    return r, t, driver


PLACEMENT_VIEWS = ("year", "category", "line")


def placement_projection(by: str = "year", folder=None, to_year: int | None = None,
                         labels: Labels | None = None, *, given: dict | None = None,
                         history: pd.DataFrame | None = None) -> pd.DataFrame:
    """The "Unmitigated (placement drivers)" projection (:func:`placement_scenarios`' driver inputs
    through :func:`hnb_xl.engine.placement.project_placements`), the base year first: ``by`` "year"
    the summary (:data:`hnb_xl.engine.placement.SUMMARY_COLUMNS`) with ``status`` (outturn, then as
    :func:`unmitigated_projection`), "category" caseload, unit cost and spend by category, "line"
    spend by line with the calibration line ("Calibration to the base year outturn": the base year's
    lines add up to its outturn). Categories by the DSG plan's names
    (:data:`hnb_xl.sources.sen2.categories.PLACEMENT_CATEGORIES`)."""
    from .engine.placement import project_placements
    from .engine.projection import OUTTURN
    from .sources.sen2.categories import PLACEMENT_CATEGORIES
    from .tables import placement as tables
    if by not in PLACEMENT_VIEWS:
        raise HnbInputError(f"expected {', '.join(PLACEMENT_VIEWS)}, got {by!r}", source=_label(labels, "by", "by"))
    driver, t, _ = placement_driver(folder, to_year, labels, given=given, history=history)
    with tables.located(t):
        r = project_placements(driver)
    if by == "year":
        out = r.summary.copy()
        out[STATUS_COLUMN] = [OUTTURN, *year_status(out["financial_year"].iloc[1:], scenario_last_year(t["drivers"]))]
        return out
    frame, col = (r.by_category, "category") if by == "category" else (r.lines, "line")
    return frame.assign(**{col: frame[col].map(lambda k: PLACEMENT_CATEGORIES.get(k, k))})


def placement_bridge(year: int, folder=None, to_year: int | None = None, labels: Labels | None = None) -> pd.DataFrame:
    """The bridge from the replica to the driver forecast for ``year``'s accumulated DSG deficit
    (:func:`hnb_xl.engine.sensitivity.bridge_year`: one change per assumption in a stated order, the
    residual, the difference they add up to); ``year`` must be a projection year of
    :func:`placement_scenarios` (``to_year`` default: the replica's last year)."""
    from .engine import sensitivity
    from .tables import placement as tables
    replica, driver, t = placement_scenarios(folder, to_year if to_year is not None else max(
        year, parse_year(bundled.assumptions()["financial_year"].iloc[-1])), labels)
    years = list(driver.drivers["financial_year"])
    if fy(year) not in years:
        raise HnbInputError(f"{fy(year)} is not a projection year ({years[0]} to {years[-1]})",
                            source=_label(labels, "year", "year"))
    with tables.located(t):
        return sensitivity.bridge_year(replica, driver, fy(year))


CONTINGENCY_PARAMETERS = {"pot": "send_contingency_pot", "cost_per_ehcp": "cost_per_ehcp",
                          "notional_share": "notional_share"}


def contingency_rules(pot=None, cost_per_ehcp=None, notional_share=None,
                      labels: Labels | None = None) -> tuple[float, float, float]:
    """(pot, cost per EHCP, notional share): each given value checked against its parameter's range
    in ``hnb_xl/data/parameters.csv``; None takes the bundled value."""
    given = {"pot": pot, "cost_per_ehcp": cost_per_ehcp, "notional_share": notional_share}
    problems = []
    for arg, value in given.items():
        if value is not None:
            p = validate.value_problem(CONTINGENCY_PARAMETERS[arg], value, _place(labels, arg))
            if p is not None:
                problems.append(p)
    raise_all(problems)
    return tuple(float(_parameter(v, CONTINGENCY_PARAMETERS[k])) for k, v in given.items())


def contingency(schools=None, pot=None, cost_per_ehcp=None, notional_share=None, rerun=None,
                claw_back: bool = False, labels: Labels | None = None, rule: str | None = None,
                hold_back: float = 0.0) -> pd.DataFrame:
    """The SEND Contingency allocation (:func:`hnb_xl.engine.contingency.allocate`), or with
    ``rerun`` (a later schools snapshot) the re-run per school (:func:`~hnb_xl.engine.contingency.rerun`:
    by default the second run shares only the balance of the pot; ``rule`` "claw_back" or "top_up"
    instead). ``hold_back`` (a fraction, 0 to 1) of the pot is kept out of the first run, for the re-run."""
    rules = contingency_rules(pot, cost_per_ehcp, notional_share, labels)
    if not 0.0 <= float(hold_back) <= 1.0:
        raise _place(labels, "hold_back").error(f"the share held back must be between 0 and 1, got {hold_back!r}",
                                                hold_back)
    tables = {"schools": table(schools, "schools", labels)}
    _check(tables)
    with located(tables, labels):
        first = _contingency.allocate(tables["schools"].frame, rules[0] * (1.0 - float(hold_back)), *rules[1:])
    if rerun is None:
        return first
    later = table(rerun, "schools", {"schools": _label(labels, "rerun", "rerun")})
    _check({"schools": later})
    with located({"schools": later}, labels):
        return _contingency.rerun(first, later.frame, *rules, claw_back=claw_back, rule=rule)


def transfer(schools_block=None, rate=None, amount=None, pupils=None, limit_rate=None,
             labels: Labels | None = None, year=None, block_transfer=None) -> _transfer.Transfer:
    """A Schools Block to HNB transfer (:func:`hnb_xl.engine.transfer.transfer`) against the schools
    block of the SAME financial year. ``year`` (2022-23, or a start year; default: the last year of
    the block-transfer table with a transfer) picks the year; a schools block or amount left None is
    that year's in the block-transfer table (``block_transfer``: a table, None the bundled one).
    When the year's schools block is not known the error says so, naming the year and where to give
    it (the ``schools_block`` label, the table's column), instead of taking another year's block."""
    if schools_block is None or (rate is None and amount is None):
        t = table(block_transfer, "block_transfer", labels)
        _check({"block_transfer": t})
        y = _transfer.latest_transfer_year(t.frame) if year is None else fy(year if isinstance(year, int)
                                                                             else parse_year(year))
        known_amount, known_block = _transfer.year_figures(t.frame, y) if y is not None else (None, None)
        if rate is None and amount is None:
            if known_amount is None:
                raise HnbInputError(f"no {y} transfer in {t.source}: give "
                                    f"{_label(labels, 'rate', 'rate')} or {_label(labels, 'amount', 'amount')}",
                                    source=_label(labels, "year", "year"))
            amount = known_amount
        if schools_block is None:
            if known_block is None:
                raise HnbInputError(f"the {y} schools block is not known (blank or no {y} row in {t.source}): give "
                                    f"it as {_label(labels, 'schools_block', 'schools_block')} in pounds, or in "
                                    f"the table's '{validate.header(SCHEMAS['block_transfer'], 'schools_block')}' "
                                    f"column for {y}", source=_label(labels, "schools_block", "schools_block"))
            schools_block = known_block
    else:
        y = None if year is None else fy(year if isinstance(year, int) else parse_year(year))
    if limit_rate is not None:
        raise_all(validate.parameter_problems({"transfer_limit_rate": limit_rate},
                                              {"transfer_limit_rate": _place(labels, "limit_rate")}))
    with located({}, labels):
        return _transfer.transfer(schools_block, rate=rate, amount=amount, pupils=pupils,
                                  limit_rate=_parameter(limit_rate, "transfer_limit_rate"), financial_year=y)


def invest_to_transform(activities=None, transfer_amount: float | None = None,
                        labels: Labels | None = None) -> pd.DataFrame:
    """The Invest to Transform tracker (:func:`hnb_xl.engine.transfer.invest_to_transform`)."""
    t = table(activities, "invest_to_transform", labels)
    with located({"invest_to_transform": t}, labels):
        return _transfer.invest_to_transform(t.frame, bundled.transfer_2022_23() if transfer_amount is None
                                             else transfer_amount)


# --------------------------------------------------------------------------- the safety valve plan


def _text(v) -> str:
    return "" if is_blank(v) else str(v).strip()


def workstreams(value=None, labels: Labels | None = None) -> list[_sv.Workstream]:
    """The plan's workstreams from a table (name, lever, amount, start_year, ramp_years,
    delivery_confidence, budget_area, funding) or the ILLUSTRATIVE bundled ones; errors name the row."""
    return _workstreams(_plan_table(value, "workstreams", labels), labels)


def _workstreams(t: Located, labels: Labels | None) -> list[_sv.Workstream]:
    out = []
    with located({"workstreams": t}, labels):
        for i, r in enumerate(t.frame.to_dict("records")):
            start = r["start_year"]
            ws = _sv.Workstream(name=_text(r["name"]), lever=_text(r["lever"]), amount=float(r["amount"]),
                                start_year=start if isinstance(start, int) else parse_year(start),
                                ramp_years=_number_or(r.get("ramp_years"), 1.0),
                                delivery_confidence=_number_or(r.get("delivery_confidence"), 1.0),
                                budget_area=_text(r.get("budget_area")),
                                funding=_text(r.get("funding")) or _sv.DSG)
            ws.validate(i)
            out.append(ws)
    return out


def _number_or(v, default: float) -> float:
    return default if is_blank(v) else float(v)


def _plan_table(value, name: str, labels: Labels | None) -> Located:
    """A plan input table (workstreams, agreement, actuals) read through its schema."""
    if value is None and name in BUNDLED_FILES:
        return _bundled(name)
    return table(value, name, labels)


def agreement_terms(value=None, labels: Labels | None = None) -> tuple[dict, dict[str, Place]]:
    """({term: value}, {term: where it came from}) of an agreement table (parameter, value rows;
    each value read by its term's kind and range, :data:`hnb_xl.tables.schema.AGREEMENT_TERMS`),
    or of the bundled authority's agreement."""
    if value is None:
        terms, places = _bundled_terms()
        return dict(terms), dict(places)            # the caller's own dicts
    return _read_terms(_plan_table(value, "agreement", labels))


def _read_terms(t: Located) -> tuple[dict, dict[str, Place]]:
    view = t.view()
    terms = read_terms(view, AGREEMENT_TERMS)
    places = {_text(name): Place(t.source, t.row(i), "Value") for i, name in enumerate(view["parameter"])}
    return terms, places


@functools.lru_cache(maxsize=1)
def _bundled_terms() -> tuple[dict, dict[str, Place]]:
    """The bundled agreement's terms, read once per process (like the bundled data)."""
    return _read_terms(_bundled("agreement"))


def _term(key: str, value):
    """A term given by the caller (an option, an argument), read by the term's kind and range."""
    col = AGREEMENT_TERMS[key]
    if col.kind == "year":
        return value if isinstance(value, int) and not isinstance(value, bool) else parse_year(value)
    return parse_number(value, col)


def agreement(value=None, *, labels: Labels | None = None, plan_years: list[int] | None = None,
              name: str = "", outturn_years: list[int] = (), **overrides) -> _sv.Agreement:
    """An :class:`~hnb_xl.engine.safety_valve.Agreement` from the agreement terms (a table, or the
    bundled one), each term in ``overrides`` (dfe_total £, first_year, target_balance_year,
    instalments, first_share, council_contribution £ a year over the instalment years, tolerance £)
    replacing the table's. With ``plan_years`` the years are checked against them
    (:func:`hnb_xl.tables.validate.agreement_problems`); contributions in ``outturn_years`` (history
    years: after a roll-forward) are kept as received, not checked."""
    terms, places = agreement_terms(value, labels)
    problems = []
    for key, v in overrides.items():
        if key not in AGREEMENT_TERMS or key == "name":
            raise TypeError(f"unknown agreement term {key!r}")
        if v is None:
            continue
        places[key] = _place(labels, key)
        try:
            terms[key] = _term(key, v)
        except ValueError as exc:
            problems.append(places[key].error(str(exc), v))
    raise_all(problems)

    def year(key):
        v = terms.get(key)
        return None if v is None else v if isinstance(v, int) else parse_year(v)
    first, target = year("first_year"), year("target_balance_year")
    n = terms.get("instalments", 5)
    with located({}, {k: places[k] for k in ("dfe_total", "instalments", "first_share") if k in places}):
        sched = _sv.instalment_schedule(float(terms["dfe_total"]), first, n, float(terms.get("first_share", 0.4)))
    council = float(terms.get("council_contribution") or 0.0)
    councils = {y: council for y in sched.index} if council else {}
    ag = _sv.Agreement(dict(sched.items()), councils, target, float(terms.get("tolerance") or 0.0),
                       name=name or str(terms.get("name") or ""))
    if plan_years:
        _check_agreement_years(ag, plan_years, places, outturn_years)
    return ag


def _check_agreement_years(ag: _sv.Agreement, plan_years: list[int], places: dict[str, Place],
                           outturn_years: list[int] = ()) -> None:
    """The agreement's contribution years and target year against the plan years; a contribution
    in an outturn year (``outturn_years``: the history's, after a roll-forward) is kept as
    received (:func:`hnb_xl.engine.safety_valve.outturn_contributions`), not an error."""
    outturn = set(outturn_years)
    paid = [parse_year(y) for d in (ag.dfe_contributions, ag.council_contributions) for y, v in d.items()
            if v != 0 and parse_year(y) not in outturn]
    if paid or ag.target_balance_year is not None:
        first = min(paid, default=plan_years[0])
        raise_all(validate.agreement_problems(first, max(paid, default=first), ag.target_balance_year, plan_years,
                                              places, first_outturn=min(outturn, default=None)))


def actuals(value=None, labels: Labels | None = None) -> dict | None:
    """{financial year: actual/forecast DSG in-year deficit (£)} from an actuals table, or None."""
    if value is None:
        return None
    t = _plan_table(value, "actuals", labels)
    return {fy(parse_year(y)): float(v) for y, v in zip(t.frame["financial_year"], t.frame["dsg_in_year_deficit"])}


# ------------------------------------------------------------- payments and the 2026 settlement

BUNDLED_PAYMENTS = {"cambridgeshire-2024": "plan_payments_cambridgeshire_2024.csv"}
SETTLEMENT_FILE = "settlement_2026.csv"


@functools.lru_cache(maxsize=None)
def _bundled_file(name: str, file: str) -> Located:
    """A bundled table read once per process by its schema (shared: read only)."""
    from .tables import files
    from importlib import resources
    with resources.as_file(bundled.data_path(file)) as path:
        frame = files.load(SCHEMAS[name], path, keep_unknown=True)
    return Located(frame, f"bundled {file}", frame.attrs.get("row_numbers"), key=("bundled", name, file))


def payments(value=None, labels: Labels | None = None) -> list[_sv.Payment] | None:
    """The instalments as paid (financial_year, due, status, received; :data:`hnb_xl.tables.schema.PAYMENTS`)
    from a table, or a bundled scenario by name (:data:`BUNDLED_PAYMENTS`: "cambridgeshire-2024",
    the suspension of March 2024 as known in November 2024); None: none (the assumed profile)."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in BUNDLED_PAYMENTS:
        t = _bundled_file("payments", BUNDLED_PAYMENTS[value.strip().lower()])
    else:
        t = table(value, "payments", labels)
    out = []
    with located({"payments": t}, labels):
        for i, r in enumerate(t.frame.to_dict("records")):
            out.append(_sv.Payment(fy(parse_year(r["financial_year"])), float(r["due"]),
                                   _text(r["status"]).lower(), None if is_blank(r.get("received")) else
                                   float(r["received"])))
        _sv.with_payments(_sv.Agreement(), out)        # the statuses checked, naming the row
    return out


_YES, _NO = ("yes", "y", "true", "1"), ("no", "n", "false", "0")


def _yes_no(value, place: Place) -> bool:
    v = _text(value).lower() if not isinstance(value, bool) else ("yes" if value else "no")
    if v in _YES or v in _NO:
        return v in _YES
    raise place.error(f"expected yes or no, got {value!r}", value)


def settlement_inputs(value=None, labels: Labels | None = None) -> list[dict]:
    """The settlement table's rows as given (parameter, value, unit, source, date, status): what
    ``--format json`` prints beside the figures. ``value``: a table, or None (the bundled one)."""
    t = _bundled_file("settlement", SETTLEMENT_FILE) if value is None else table(value, "settlement", labels)
    cols = ["parameter", "value", "unit", "source", "date", "status"]
    return [{c: (None if is_blank(r.get(c)) else r.get(c)) for c in cols} for r in t.frame.to_dict("records")]


def settlement(value=None, labels: Labels | None = None, **overrides) -> _settlement.Settlement:
    """The 2026 settlement's terms (:class:`~hnb_xl.engine.settlement.Settlement`) from a table of
    terms (:data:`hnb_xl.tables.schema.SETTLEMENT_TERMS`) or the bundled ``settlement_2026.csv``,
    each term in ``overrides`` (write_off_share, write_off_approved, override_end_year,
    excluded_deficit, interest_rate, write_off_year, write_off_paid_year) replacing the table's."""
    if value is None and not any(v is not None for v in overrides.values()):
        return _bundled_settlement()
    return _settlement_from(value, labels, overrides)


def _settlement_from(value, labels: Labels | None, overrides: dict) -> _settlement.Settlement:
    t = _bundled_file("settlement", SETTLEMENT_FILE) if value is None else table(value, "settlement", labels)
    view = t.view()
    terms = read_terms(view, SETTLEMENT_TERMS)
    places = {_text(n): Place(t.source, t.row(i), "Value") for i, n in enumerate(view["parameter"])}
    problems = []
    for key, v in overrides.items():
        if key not in SETTLEMENT_TERMS:
            raise TypeError(f"unknown settlement term {key!r}")
        if v is None:
            continue
        places[key] = _place(labels, key)
        col = SETTLEMENT_TERMS[key]
        try:
            terms[key] = v if col.kind == "text" else (fy(v) if col.kind == "year" and isinstance(v, int)
                                                       else _term_value(col, v))
        except ValueError as exc:
            problems.append(places[key].error(str(exc), v))
    raise_all(problems)
    approved = _yes_no(terms.get("write_off_approved", "no"), places.get("write_off_approved", Place("write_off_approved")))
    s = _settlement.Settlement(share=float(terms["write_off_share"]), write_off_year=parse_year(terms["write_off_year"]),
                               paid_year=parse_year(terms["write_off_paid_year"]), approved=approved,
                               excluded=float(terms.get("excluded_deficit") or 0.0),
                               override_end_year=parse_year(terms["override_end_year"]),
                               interest_rate=float(terms.get("interest_rate") or 0.0))
    with located({}, {k: places[k] for k in places}):
        s.validate()
    return s


@functools.lru_cache(maxsize=1)
def _bundled_settlement() -> _settlement.Settlement:
    """The bundled settlement's terms, read once per process (a frozen dataclass: shared)."""
    return _settlement_from(None, None, {})


def _term_value(col, value):
    from .tables.schema import convert_cell
    return convert_cell(col, value)


_read_agreement, _read_actuals = agreement, actuals   # plan()'s arguments of the same names hide these
_read_payments, _read_settlement = payments, settlement


@dataclass
class Plan:
    """A safety valve plan: the plan by year, the attribution by workstream, the headline summary
    and the inputs it was made from."""
    frame: pd.DataFrame
    parts: pd.DataFrame
    summary: dict
    agreement: _sv.Agreement
    workstreams: list
    history: pd.DataFrame
    assumptions: pd.DataFrame
    to_year: int | None
    sources: dict = field(default_factory=dict)
    settlement: pd.DataFrame | None = None        # by year: engine.settlement.SETTLEMENT_COLUMNS
    settlement_terms: _settlement.Settlement | None = None


NO_AGREEMENT = False
NO_SETTLEMENT = False      # plan(settlement=NO_SETTLEMENT): the plan without the 2026 settlement laid on it


def plan(history=None, assumptions=None, scenario: str | None = None, to_year: int | None = None,
         workstreams=None, agreement=None, terms: dict | None = None, actuals=None,
         tolerance: float | None = None, payments=None, settlement=None, settlement_terms: dict | None = None,
         labels: Labels | None = None) -> Plan:
    """The safety valve plan (:func:`hnb_xl.engine.safety_valve.plan`) and its summary.

    ``workstreams``: a table, a list of Workstream ([] = no mitigations) or None (the ILLUSTRATIVE
    bundled ones). ``agreement``: a table of terms (a frame with no rows: no agreement, a workbook's
    Agreement table left empty), an Agreement, :data:`NO_AGREEMENT` (False: no contributions) or None
    (the bundled authority's terms); ``terms`` replace single terms
    (e.g. ``{"instalments": 4}``). ``actuals``: a table of actual/forecast DSG in-year deficits.
    ``tolerance`` (£) is the suspension-risk tolerance. ``payments``: the instalments as paid (a
    table or a bundled scenario's name, :func:`payments`), replacing the assumed profile where known.
    ``settlement``: the 2026 settlement's terms (a table, or None: the bundled ones), with
    ``settlement_terms`` replacing single terms (:func:`settlement`), or :data:`NO_SETTLEMENT`; laid on the plan by
    :func:`hnb_xl.engine.settlement.settle` (``Plan.settlement``, the summary's settlement keys).
    """
    tables = {"history": table(history, "history", labels),
              "assumptions": assumptions_table(assumptions, scenario, labels)}
    _check(tables)
    h, a = tables["history"].frame, tables["assumptions"].frame
    with located(tables, labels):
        years = [parse_year(y) for y in (extend_assumptions(a, to_year) if to_year is not None else a)["financial_year"]]
    outturn = [parse_year(y) for y in h["financial_year"]]
    if isinstance(workstreams, list):
        ws = workstreams
    else:
        tables["workstreams"] = _plan_table(workstreams, "workstreams", labels)
        ws = _workstreams(tables["workstreams"], labels)
    if agreement is NO_AGREEMENT or (isinstance(agreement, pd.DataFrame) and agreement.empty):
        ag = _sv.Agreement(tolerance=tolerance or 0.0)
    elif isinstance(agreement, _sv.Agreement):
        ag = agreement
        _check_agreement_years(ag, years, {k: _place(labels, k) for k in ("first_year", "target_balance_year")},
                               outturn)
    else:
        extra = {**(terms or {}), **({"tolerance": tolerance} if tolerance is not None else {})}
        ag = _read_agreement(agreement, labels=labels, plan_years=years, outturn_years=outturn, **extra,
                             name=f"{bundled.parameters()['authority_name']} agreement (the bundled one; instalment "
                                  "profile assumed)" if agreement is None else "")
    paid = _read_payments(payments, labels)
    if paid is not None:
        ag = _sv.with_payments(ag, paid)
        _check_agreement_years(ag, years, {"first_year": _place(labels, "payments")}, outturn)
    forecast = _read_actuals(actuals, labels)
    terms_2026 = None if settlement is NO_SETTLEMENT else _read_settlement(settlement, labels, **(settlement_terms or {}))
    settled, settled_summary = None, {}
    with located(tables, labels):
        frame, parts = _sv.plan(h, a, ws, ag, to_year=to_year, forecast_dsg_in_year=forecast)
        if terms_2026 is not None:
            settled, settled_summary = _settlement.settle(frame, terms_2026, float(h["accumulated_deficit"].iloc[-1]))
    return Plan(frame, parts, {**_sv.summary(frame, ag), **settled_summary}, ag, ws, h, a, to_year,
                {k: t.source for k, t in tables.items()}, settled, terms_2026)


def montecarlo_settings(value=None, labels: Labels | None = None) -> dict:
    """The Monte Carlo's settings by name (:data:`hnb_xl.tables.schema.MONTECARLO_TERMS`: paths,
    seed, year_correlation, ehcp_cost_correlation, delivery_concentration) from a table of settings
    (a path, a frame, a :class:`Located`: a workbook's Inputs table) or None (the bundled
    ``plan_montecarlo.csv``); a setting left blank is absent (delivery_concentration: not drawn).
    Each problem names the table's source, row and column (:func:`hnb_xl.tables.validate.montecarlo_problems`)."""
    if value is None:
        return bundled.plan_montecarlo()
    t = table(value, "montecarlo", labels)
    view = t.view()
    raise_all(validate.montecarlo_problems(view))
    return read_terms(view, MONTECARLO_TERMS, name_column="setting", what="setting", name_header="Setting")


def uncertainty(distributions=None, settings: dict | None = None, labels: Labels | None = None,
                montecarlo=None):
    """The Monte Carlo :class:`~hnb_xl.engine.montecarlo.Uncertainty` from a table of spreads
    (driver, distribution, sd: schema.UNCERTAINTY; only the normal distribution; None: the bundled
    ``plan_uncertainty.csv``), the settings table ``montecarlo`` (:func:`montecarlo_settings`; None:
    the bundled ``plan_montecarlo.csv``) and single ``settings`` replacing its values where not None
    (``{"paths": 500}``: an option). Problems name the table's row and column or the option."""
    t = _bundled("uncertainty") if distributions is None else table(distributions, "uncertainty", labels)
    raise_all(validate.uncertainty_problems(t.view()))
    s = {**montecarlo_settings(montecarlo, labels), **{k: v for k, v in (settings or {}).items() if v is not None}}
    sd = {_text(r["driver"]): float(r["sd"]) for r in t.frame.to_dict(orient="records")}
    paths = s.get("paths", 10_000)
    k = s.get("delivery_concentration")
    u = _montecarlo.Uncertainty(sd=sd, year_correlation=float(s.get("year_correlation", 0.0)),
                                paths=int(paths) if float(paths).is_integer() else paths,
                                seed=int(s.get("seed", 20220715)),
                                ehcp_cost_correlation=float(s.get("ehcp_cost_correlation", 0.0)),
                                delivery_concentration=None if k is None or k != k else float(k))
    with located({"uncertainty": t}, labels):
        u.validate()
    return u


def montecarlo_inputs(montecarlo=None, distributions=None, settings: dict | None = None,
                      labels: Labels | None = None) -> dict:
    """What ``--format json`` prints of the Monte Carlo: the settings used (:func:`uncertainty`:
    paths, seed, the correlations, how delivery is drawn, the sd by driver) and the two tables'
    rows as given (``settings_table``: setting, value, unit, basis; ``spreads``: driver,
    distribution, sd, basis)."""
    import dataclasses
    u = uncertainty(distributions, settings, labels, montecarlo)
    rows = {}
    for key, value, cols in (("settings_table", montecarlo, ("setting", "value", "unit", "basis")),
                             ("spreads", distributions, ("driver", "distribution", "sd", "basis"))):
        name = "montecarlo" if key == "settings_table" else "uncertainty"
        t = _bundled(name) if value is None else table(value, name, labels)
        rows[key] = [{c: (None if is_blank(r.get(c)) else r.get(c)) for c in cols} for r in t.frame.to_dict("records")]
    return {"used": dataclasses.asdict(u), **rows}


def pack(directory, plan_result: Plan, spread=None, labels: Labels | None = None, tornado_year=None,
         tornado_labels: Labels | None = None, **page):
    """Write the Schools Forum pack (:func:`hnb_xl.reports.pack.build_pack`) for a plan, with the
    Monte Carlo ``spread`` (an Uncertainty; None: the bundled one); ``page``: build_pack's
    ``edition``, ``sections`` (:func:`report_sections`), ``notes``, ``record`` (the back-test and
    the assurance record, :mod:`hnb_xl.reports.record`) and ``placement`` (default
    :func:`placement_charts` of the plan's history and edition, the tornado for ``tornado_year``:
    a bad year names ``tornado_labels["year"]``)."""
    from .reports.pack import build_pack   # matplotlib only when a pack is written
    u = spread if spread is not None else uncertainty(labels=labels)
    if "placement" not in page:   # the placement charts, where the bundled placement tables are the pack's authority's
        page["placement"] = placement_charts(plan_result.history, page.get("edition"), plan_result.to_year,
                                             tornado_year=tornado_year, labels=tornado_labels)
    with located({}, labels):
        return build_pack(directory, plan_result.history, plan_result.assumptions, plan_result.workstreams,
                          plan_result.agreement, u, to_year=plan_result.to_year, **page)


# ----------------------------------------------------------------------------------- the report


def transfers_by_year(block_transfer=None, limit_rate=None, labels: Labels | None = None) -> pd.DataFrame:
    """Each year's transfer against the schools block of the same year (:func:`hnb_xl.engine.transfer.by_year`)
    from a block-transfer table (None: the bundled one)."""
    t = table(block_transfer, "block_transfer", labels)
    _check({"block_transfer": t})
    with located({"block_transfer": t}, labels):
        return _transfer.by_year(t.frame, _parameter(limit_rate, "transfer_limit_rate"))


def itt_transfer(block_transfer: pd.DataFrame, year: str) -> float | None:
    """The block transfer of ``year`` (the Invest to Transform year) in a block-transfer table, or
    None when the table has none for that year."""
    row = block_transfer[block_transfer["financial_year"] == year]
    v = row["transfer_amount"].iloc[0] if len(row) else None
    return None if is_blank(v) else float(v)


def report_sections(to_year: int | None = None, tables: dict | None = None,
                    parameters: dict | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the report, raw (pounds, fractions), keyed by a short name: history,
    projection, contingency, transfer (each year's transfer against that year's schools block,
    :func:`transfers_by_year`) and the Invest to Transform tracker. ``tables`` ({schema name: frame},
    a workbook's Inputs: hnb_xl.reports.inputs) and ``parameters`` ({name: value}) replace the
    bundled ones they name; the tracker's transfer is the block transfer of the
    ``invest_to_transform_year`` parameter's year when both are given, else the bundled 2022-23 one."""
    t, p = tables or {}, parameters or {}
    amount = bundled.transfer_2022_23()
    bt = t.get("block_transfer")
    if bt is not None and p.get("invest_to_transform_year"):
        amount = itt_transfer(bt, p["invest_to_transform_year"])
        if amount is None:     # no transfer that year: the tracker as allocated (the report says so)
            activities = t.get("invest_to_transform")
            amount = float((bundled.invest_to_transform() if activities is None else activities)["allocation"].sum())
    transfers = transfers_by_year(bt, p.get("transfer_limit_rate"))
    tracker = invest_to_transform(t.get("invest_to_transform"), amount)
    return {"history": history(t.get("history")),
            "projection": projection(t.get("history"), t.get("assumptions"), to_year=to_year),
            "contingency": contingency(t.get("schools"), p.get("send_contingency_pot"), p.get("cost_per_ehcp"),
                                       p.get("notional_share")),
            "transfer": transfers,
            "invest_to_transform": tracker[["activity", "allocation", "committed_spend", "remaining"]]}


__all__ = ["Located", "Plan", "NO_AGREEMENT", "NO_SETTLEMENT", "table", "translate", "located", "history", "projection",
           "placement_scenarios", "unmitigated_projection", "mitigated_placements", "mitigated_projection", "placement_charts", "own_placement_driver",
           "placement_sensitivity", "projection_year", "Sensitivity", "placement_projection", "placement_bridge", "contingency", "contingency_rules", "transfer", "transfers_by_year", "invest_to_transform", "workstreams", "agreement",
           "agreement_terms", "actuals", "payments", "settlement", "settlement_inputs", "plan", "uncertainty", "montecarlo_settings", "montecarlo_inputs", "pack", "report_sections", "itt_transfer"]
