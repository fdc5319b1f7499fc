"""The assurance record a reviewer can sign (issue 16 part 4; HM Treasury, The Aqua Book, 2015,
https://www.gov.uk/government/publications/the-aqua-book-guidance-on-producing-quality-analysis-for-government;
ICAEW Financial Modelling Code, https://www.icaew.com/technical/technology/excel-community/financial-modelling-code).

The logs are data, in ``hnb_xl/data/assurance_*.csv`` read by their schemas
(``hnb_xl/tables/schema.py``, ASSURANCE_*): every assumption with its owner, date, red/amber/green
rating and source; the decisions; the validation checks with their published figures; the roles
(commissioner, analyst, assurer, approver); the assurance statement and its limitations.
:func:`record` adds what the model computes, on the bundled data:

* each assumption's **effect on the result** from the sensitivity its ``sensitivity`` column names:
  ``aggregate:<driver>`` the aggregate tornado (:func:`hnb_xl.engine.assurance.aggregate_tornado`,
  the accumulated DSG deficit at the end of :func:`effect_year`, the published forecast's last
  year); ``placement:<row>`` the placement forecast's tornado (:func:`hnb_xl.engine.sensitivity.tornado`,
  same year); ``plan:total_saving`` the workstreams' saving over the plan; ``plan:extrapolated_years``
  what the deficit before the plan's workstreams (the replica, not an unmitigated forecast) adds
  after that year; ``settlement:write_off`` / ``exposure`` /
  ``carrying`` the 2026 settlement's write-off if approved, the largest General Fund exposure,
  the cost of carrying;
* each validation check's **model figure** (its ``measure``: ``replica_largest_gap``, the largest
  difference from the published forecast; ``projected:<column>:<year>`` the projection's figure;
  ``backtest:<year>`` the accumulated deficit of that year projected from the year before with the
  trend of the years up to it, :func:`hnb_xl.engine.assurance.trend_assumptions`), its difference
  from the published figure (model - published) and that difference as a fraction of it.

:func:`rows` gives every part as plain records for ``report``, the pack and the Logs sheet.
"""

from __future__ import annotations

import functools
import math

import pandas as pd

from . import api, bundled
from .engine import assurance as _assurance
from .engine.history import history_table
from .engine.projection import project
from .errors import HnbInputError, raise_all
from .tables import files
from .tables.schema import SCHEMAS
from .years import parse_year

PARTS = ("assumptions", "decisions", "validation", "roles", "statement")


def effect_year() -> str:
    """The year whose accumulated deficit the effects are measured on: the published forecast's last."""
    return str(bundled.published_forecast()["financial_year"].iloc[-1])


def _read(part: str) -> pd.DataFrame:
    name = f"assurance_{part}"
    with bundled_path(f"{name}.csv") as path:
        frame = files.load(SCHEMAS[name], path)
    return frame


def bundled_path(name: str):
    from importlib import resources
    return resources.as_file(bundled.data_path(name))


def _money(v: float) -> str:
    return f"-£{-v / 1e6:,.1f}m" if v < 0 else f"£{v / 1e6:,.1f}m"


def _effects() -> dict[str, tuple[float, str]]:
    """{sensitivity name: (swing £, effect in words)} on the bundled data."""
    h, a = bundled.history(), bundled.assumptions()
    year = effect_year()
    at = f"the accumulated DSG deficit at 31 March {parse_year(year) + 1}"
    out = {}
    for r in _assurance.aggregate_tornado(h, a, year).itertuples():
        out[f"aggregate:{r.driver}"] = (r.swing, f"{r.label}: {_money(r.low_change)} / {_money(r.high_change)} on {at}")
    from .engine import sensitivity
    _replica, driver, _t = api.placement_scenarios()
    for r in sensitivity.tornado(driver, year).itertuples():
        out[f"placement:{r.driver}"] = (r.swing, f"{r.driver}: {_money(r.low_change)} / {_money(r.high_change)} on "
                                                 f"{at} (placement forecast)")
    plan = api.plan()
    out["plan:total_saving"] = (plan.summary["total_saving"], f"the workstreams save {_money(plan.summary['total_saving'])} "
                                                              "over the plan")
    un = project(h, a, to_year=parse_year(plan.frame["financial_year"].iloc[-1])).set_index("financial_year")
    added = float(un["accumulated_deficit"].iloc[-1] - un.loc[year, "accumulated_deficit"])
    out["plan:extrapolated_years"] = (added, f"the deficit before the plan's workstreams grows {_money(added)} more "
                                             f"from 31 March {parse_year(year) + 1} to 31 March "
                                             f"{parse_year(un.index[-1]) + 1}")
    approved = api.plan(settlement_terms={"write_off_approved": "yes"})
    w = approved.summary["write_off_total"]
    out["settlement:write_off"] = (w, f"{_money(w)} written off if approved (nothing until then)")
    worst = float(plan.settlement["general_fund_exposure"].max())
    out["settlement:exposure"] = (worst, f"largest General Fund exposure after the override {_money(worst)}")
    c = plan.summary["carrying_cost_total"]
    out["settlement:carrying"] = (c, f"cost of carrying the deficit over the plan {_money(c)}")
    return out


def _backtest(year: str) -> float:
    """The accumulated deficit of ``year`` projected one year from the history before it, with the trend."""
    h = bundled.history()
    before = h[[parse_year(y) < parse_year(year) for y in h["financial_year"]]].reset_index(drop=True)
    table = history_table(h, float(bundled.parameters()["opening_accumulated_deficit"]))
    a = _assurance.trend_assumptions(table, parse_year(year) - 1)
    return float(project(before, a).set_index("financial_year").loc[year, "accumulated_deficit"])


def _replica_largest_gap() -> float:
    p = project(bundled.history(), bundled.assumptions()).set_index("financial_year")
    pub = bundled.published_forecast()
    pub = pub[pub["basis"] == "forecast"]
    return max(abs(float(p.loc[y, "accumulated_deficit"]) - float(v) * 1e6)
               for y, v in zip(pub["financial_year"], pub["accumulated_deficit_gbp_m"]))


def _projected(year: str, column: str) -> float:
    p = project(bundled.history(), bundled.assumptions(), to_year=parse_year(year)).set_index("financial_year")
    return float(p.loc[year, column])


def measure(name: str) -> float:
    """The model figure a validation check names (module docstring: replica_largest_gap,
    projected:<column>:<year>, backtest:<year>)."""
    kind, _, rest = name.partition(":")
    if kind == "replica_largest_gap" and not rest:
        return _replica_largest_gap()
    if kind == "projected" and rest.count(":") == 1:
        column, year = rest.split(":")
        return _projected(year, column)
    if kind == "backtest" and rest:
        return _backtest(rest)
    raise HnbInputError(f"unknown measure {name!r} (replica_largest_gap, projected:<column>:<year>, backtest:<year>)",
                        source="assurance_validation.csv", column="measure")


def _check_log(log: pd.DataFrame) -> None:
    rows = log.attrs.get("row_numbers")
    raise_all([HnbInputError(msg, source=log.attrs.get("source", "assurance_assumptions.csv"),
                             row=rows[i] if rows is not None else i + 2, column=col)
               for i, col, msg in _assurance.log_problems(log)])


@functools.lru_cache(maxsize=1)
def _record() -> dict[str, pd.DataFrame]:
    parts = {p: _read(p) for p in PARTS}
    _check_log(parts["assumptions"])
    effects = _effects()
    a = parts["assumptions"].copy()
    keys = [str(s).strip() if isinstance(s, str) else "" for s in a["sensitivity"]]
    a["swing"] = [effects[k][0] if k in effects else math.nan for k in keys]
    a["effect"] = [effects[k][1] if k in effects else "no sensitivity run" for k in keys]
    unknown = [k for k in keys if k and k not in effects]
    if unknown:
        raise HnbInputError(f"unknown sensitivity {unknown[0]!r} (known: {', '.join(sorted(effects))})",
                            source="assurance_assumptions.csv", column="sensitivity")
    parts["assumptions"] = a
    v = parts["validation"].copy()
    v["model"] = [measure(m) for m in v["measure"]]
    v["difference"] = v["model"] - v["published"].astype(float)
    v["difference_share"] = [d / p if p else math.nan for d, p in zip(v["difference"], v["published"].astype(float))]
    parts["validation"] = v
    return parts


def record() -> dict[str, pd.DataFrame]:
    """Every part of the assurance record (:data:`PARTS`) as a frame (copies: callers may change them)."""
    return {k: f.copy() for k, f in _record().items()}


def rows() -> dict[str, list[dict]]:
    """Every part as records (NaN as None): what ``report --format json``, the pack and the Logs sheet show."""
    out = {}
    for k, f in _record().items():
        out[k] = [{c: (None if isinstance(v, float) and math.isnan(v) else v) for c, v in r.items()}
                  for r in f.to_dict("records")]
    return out


def own_rows(frames: dict) -> dict[str, list[dict]]:
    """A council's own record as records, part by part (:data:`PARTS`; ``frames``: {part: frame} read
    by the ``assurance_<part>`` schemas, from its files or the Logs sheet): each record in its
    schema's columns, a blank (None, "", NaN) as None; a part not given is empty. Nothing is computed
    on it: the effects and model figures of :func:`record` are the bundled data's, not these inputs'."""
    out = {}
    for part in PARTS:
        frame = frames.get(part)
        cols = [c.name for c in SCHEMAS[f"assurance_{part}"].columns]
        recs = [] if frame is None else frame.to_dict("records")
        out[part] = [{c: (None if _blank(r.get(c)) else r.get(c)) for c in cols} for r in recs]
    return out


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def own_problems(frames: dict) -> list[HnbInputError]:
    """The own record's assumptions log checked as the bundled one (:func:`_check_log`): every
    assumption with an owner, a date, a red/amber/green rating and a source, each problem at its
    source's row and column."""
    log = frames.get("assumptions")
    if log is None or not len(log):
        return []
    from .tables.validate import assurance_log_problems
    return assurance_log_problems(log)


def _code(value) -> str:
    """A DfE LA code as text: 873, 873.0 and "873" alike; blank as ""."""
    text = "" if value is None else str(value).strip()
    try:
        return str(int(float(text)))
    except ValueError:
        return text


def authority() -> tuple[str, str]:
    """(name, DfE LA code) of the authority the record is written for: the bundled data's
    (hnb_xl/data/parameters.csv, authority_name and authority_code), on which every effect and
    validation figure above is computed."""
    p = bundled.parameters()
    return str(p["authority_name"]).strip(), _code(p["authority_code"])


def describes(name, code) -> bool:
    """True when inputs naming authority ``name`` with LA code ``code`` are the ones the record
    describes (:func:`authority`: same name, case and spaces aside, and same code)."""
    n, c = authority()
    return str(name or "").strip().lower() == n.lower() and _code(code) == c


# what a council fills in for its own record: the record's files, as hnb_xl/data/assurance_*.csv
FILES = tuple(f"assurance_{p}.csv" for p in PARTS)


def not_written(name, code) -> list[str]:
    """The lines shown instead of the record for another authority's inputs: that the record has
    not been written for it, and which files to fill in (the record's columns: tables/schema.py)."""
    who = str(name or "").strip() or "this authority"
    la = f" (DfE LA {_code(code)})" if _code(code) else ""
    return [f"The assurance record has not been written for {who}{la}: the logs, roles and statement the "
            "model holds describe other inputs, so none of them is shown here.",
            f"To write it, fill in {', '.join(FILES[:-1])} and {FILES[-1]} for these inputs (the columns of "
            "hnb_xl/data/assurance_*.csv: every assumption with an owner, a date, a red/amber/green rating and "
            "a source; the decisions; the validation checks against published figures; the roles; the "
            "statement and limitations), and have the assurer sign the statement."]


__all__ = ["PARTS", "FILES", "effect_year", "measure", "record", "rows", "own_rows", "own_problems", "authority",
           "describes", "not_written"]
