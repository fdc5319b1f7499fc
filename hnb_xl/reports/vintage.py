"""Forecast vintages: a safety valve plan frozen as agreed, re-run, and later forecasts set against it
(issue 16 part 1; the model review's P3: "keep the agreed trajectory frozen, stamped with its as-at
date and data vintage").

A vintage is one JSON file ``<folder>/<name>.json`` holding

* ``name``, ``as_at`` (the date it was frozen, ISO), ``data_vintage`` (where each input came from);
* ``inputs``: every input of the plan as data (history, assumptions, workstreams, the agreement's
  contributions and target, the horizon), and ``inputs_sha256``: the SHA-256 of their canonical
  JSON, so that a re-run can show it used the same inputs;
* ``figures``: by year, the DSG in-year deficit and the accumulated deficit after contributions
  (£), and the KPI the model has (total EHCPs); the KPIs it does not model (requests, new plans,
  share in mainstream, non-maintained/independent placements) are recorded as null.

Variance of a later forecast against a vintage, by year: ``later - frozen``, in-year and cumulative.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import math
import re
from pathlib import Path

import pandas as pd

from ..errors import HnbInputError

FIGURES = ("dsg_in_year_deficit", "accumulated_deficit_after_contributions", "ehcp_count")
NOT_MODELLED = ("requests", "new_plans", "share_in_mainstream", "independent_placements")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


def _clean(v):
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item") and getattr(v, "ndim", 0) == 0:
        return _clean(v.item())
    return v


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _clean(v) for k, v in r.items()} for r in frame.to_dict("records")]


def inputs_of(result) -> dict:
    """The plan's inputs as plain data (``result``: an :class:`hnb_xl.api.Plan`)."""
    ag = result.agreement
    return {
        "history": _records(result.history),
        "assumptions": _records(result.assumptions),
        "workstreams": [dataclasses.asdict(w) for w in result.workstreams],
        "agreement": {"dfe_contributions": ag.dfe_contributions, "council_contributions": ag.council_contributions,
                      "target_balance_year": ag.target_balance_year, "tolerance": ag.tolerance, "name": ag.name,
                      "end_year": ag.end_year},
        "to_year": result.to_year,
    }


def sha256(inputs: dict) -> str:
    """SHA-256 of the inputs' canonical JSON (keys sorted, no spaces)."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def figures_of(frame: pd.DataFrame) -> dict:
    return {r["financial_year"]: {**{k: _clean(r[k]) for k in FIGURES}, **{k: None for k in NOT_MODELLED}}
            for r in frame.to_dict("records")}


def freeze(result, name: str, folder, as_at: str | None = None) -> Path:
    """Write the vintage ``name`` of the plan ``result`` to ``folder/name.json`` (the folder is made
    if needed; an existing vintage of that name is never overwritten). Returns the path."""
    if not _NAME.match(name or ""):
        raise HnbInputError("a vintage name is letters, digits, '-', '_' or '.', up to 80 characters, "
                            f"got {name!r}", source="--freeze", value=name)
    folder = Path(folder)
    path = folder / f"{name}.json"
    if path.exists():
        raise HnbInputError(f"{path} exists: a frozen vintage is never overwritten (choose another name)",
                            source="--freeze", value=name)
    inputs = inputs_of(result)
    doc = {"name": name, "as_at": as_at or _dt.date.today().isoformat(), "data_vintage": dict(result.sources),
           "inputs_sha256": sha256(inputs), "inputs": inputs, "figures": figures_of(result.frame)}
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def load(path) -> dict:
    """A vintage file; a missing or unreadable one is one line naming the file."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HnbInputError("no such vintage file", source=str(p)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HnbInputError(f"not a vintage file ({type(exc).__name__})", source=str(p)) from None
    if not isinstance(doc, dict) or not {"inputs", "figures", "inputs_sha256"} <= set(doc):
        raise HnbInputError("not a vintage file (expected inputs, figures and inputs_sha256)", source=str(p))
    return doc


def rerun(doc: dict):
    """The plan re-run from a vintage's stored inputs (an :class:`hnb_xl.api.Plan`)."""
    from .. import api
    from ..engine import safety_valve as sv
    if sha256(doc["inputs"]) != doc["inputs_sha256"]:
        raise HnbInputError("the vintage's inputs do not match its inputs_sha256: changed since it was frozen",
                            source=doc.get("name", "vintage"))
    i = doc["inputs"]
    a = i["agreement"]
    agreement = sv.Agreement(dict(a["dfe_contributions"]), dict(a["council_contributions"]),
                             a["target_balance_year"], float(a["tolerance"]), a.get("name", ""), a.get("end_year"))
    workstreams = [sv.Workstream(**w) for w in i["workstreams"]]
    return api.plan(pd.DataFrame(i["history"]), pd.DataFrame(i["assumptions"]), to_year=i.get("to_year"),
                    workstreams=workstreams, agreement=agreement, settlement=api.NO_SETTLEMENT)


def reproduces(frame: pd.DataFrame, doc: dict) -> bool:
    """Whether a plan frame gives the vintage's stored figures to the pound (within half a penny)."""
    stored = doc["figures"]
    got = figures_of(frame)
    return set(got) == set(stored) and all(
        abs(float(got[y][k]) - float(stored[y][k])) < 0.005 for y in stored for k in FIGURES)


def variance(frame: pd.DataFrame, doc: dict) -> pd.DataFrame:
    """By year of the later plan ``frame``: its in-year and cumulative DSG position, the vintage's,
    and the variance (later - frozen; NaN for a year the vintage does not have)."""
    frozen = doc["figures"]
    rows = []
    for r in frame.to_dict("records"):
        y = r["financial_year"]
        f = frozen.get(y, {})
        row = {"financial_year": y}
        for key, short in (("dsg_in_year_deficit", "in_year"), ("accumulated_deficit_after_contributions", "cumulative")):
            later, was = float(r[key]), f.get(key)
            row[f"{short}_forecast"] = later
            row[f"{short}_agreed"] = math.nan if was is None else float(was)
            row[f"{short}_variance"] = math.nan if was is None else later - float(was)
        rows.append(row)
    return pd.DataFrame(rows)


__all__ = ["freeze", "load", "rerun", "reproduces", "variance", "inputs_of", "sha256", "figures_of"]
