"""The bundled default data set (the seed's figures), read once per process.

Each loader returns a fresh copy, so callers may modify what they get. Provenance of every file
is in hnb_xl/data/README.md. A table with a schema is read like any council's file, through the
one reader (:func:`hnb_xl.tables.files.load`: validated, engine column names); the others (published forecast, Monte Carlo settings, the parameters'
metadata table) with pandas.
"""

from __future__ import annotations

import functools
from importlib import resources

import pandas as pd

from .engine.sensitivity import REPLICA
from .tables import files, schema

DEFAULT_SCENARIO = "published-forecast-july-2022"
REPLICA_SCENARIO = "replica"            # the bundled default's name; DEFAULT_SCENARIO is kept as an alias
SCENARIOS = {      # name: (assumptions file, label): the replica's cost per EHCP is a plug, not a driver forecast
    name: ("assumptions_published_forecast_july_2022.csv", REPLICA) for name in (REPLICA_SCENARIO, DEFAULT_SCENARIO)
}


def data_path(name: str):
    return resources.files("hnb_xl") / "data" / name


@functools.lru_cache(maxsize=None)
def _read(name: str) -> pd.DataFrame:
    with data_path(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, keep_default_na=True)


@functools.lru_cache(maxsize=None)
def _load(table: str, name: str) -> pd.DataFrame:
    """The bundled file read and validated by its schema, every column kept; without ``attrs``
    (pandas deep-copies them on every operation: measured, 0.43 -> 0.74 ms for one contingency
    allocation of the 250 demo schools), as before. They are valid, so no message needs their rows."""
    with resources.as_file(data_path(name)) as path:
        frame = files.load(schema.SCHEMAS[table], path, keep_unknown=True)
    frame.attrs = {}
    return frame


def history() -> pd.DataFrame:
    """EHCPs, HNB budget and expenditure (£), accumulated DSG deficit (£) by financial year,
    2015-16 (derived base) to 2021-22."""
    return _load("history", "history.csv").copy()


def assumptions(scenario: str = DEFAULT_SCENARIO) -> pd.DataFrame:
    """Projection driver assumptions for a named scenario (see :data:`SCENARIOS`)."""
    key = scenario.strip().lower().replace(" ", "-").replace(",", "")
    if key not in SCENARIOS:
        raise KeyError(f"unknown scenario '{scenario}' (known: {', '.join(SCENARIOS)})")
    return _load("assumptions", SCENARIOS[key][0]).copy()


def published_forecast() -> pd.DataFrame:
    """The seed's "Deficit growth projected" table, in £m as published."""
    return _read("published_forecast.csv").copy()


def invest_to_transform() -> pd.DataFrame:
    """The seed's Invest to Transform table; committed spend "TBC" becomes NaN (not known)."""
    return _load("invest_to_transform", "invest_to_transform.csv").copy()


def block_transfers() -> pd.DataFrame:
    """Schools Block to HNB transfers by year (years may have gaps: each is agreed on its own)."""
    return _load("block_transfer", "block_transfer.csv").copy()


def parameters() -> dict[str, float | str]:
    """Named parameters (pot, cost per EHCP, notional share, 0.5% limit, opening deficit) as
    numbers; the text ones (authority name, data source) as text."""
    p = _load("parameters", "parameters.csv")
    return {r.name: r.value if isinstance(r.value, str) else float(r.value) for r in p.itertuples()}


def parameter_table() -> pd.DataFrame:
    """parameters.csv read by its schema (each value of its own kind: numbers, text), with its
    metadata columns beyond the Inputs table's (kind, range) as text."""
    return _load("parameters", "parameters.csv").copy()


def demo_schools() -> pd.DataFrame:
    """The SYNTHETIC demo schools (250 rows), with the engine's column names."""
    return _load("schools", "demo_schools.csv").copy()


def transfer_2022_23() -> float:
    """The 2022-23 Schools Block to HNB transfer (£2,102,000, seed)."""
    bt = block_transfers()
    return float(bt.loc[bt["financial_year"] == "2022-23", "transfer_amount"].iloc[0])


# --- Safety valve plan (issue 7): ILLUSTRATIVE workstreams, Cambridgeshire's agreement, uncertainty ---

CAMBRIDGESHIRE_AGREEMENT = "plan_agreement_cambridgeshire.csv"


def plan_workstreams() -> pd.DataFrame:
    """The ILLUSTRATIVE default workstreams (the seed's three levers; sizes are not published)."""
    return _load("workstreams", "plan_workstreams.csv").copy()


def plan_agreement_terms() -> dict:
    """The agreement's terms converted by their kinds (``schema.AGREEMENT_TERMS``): dfe_total 49000000.0,
    first_year "2022-23", instalments 5, first_share 0.4, ..."""
    return schema.read_terms(_load("agreement", CAMBRIDGESHIRE_AGREEMENT), schema.AGREEMENT_TERMS)


def plan_agreement_table() -> pd.DataFrame:
    return _load("agreement", CAMBRIDGESHIRE_AGREEMENT).copy()


def plan_uncertainty() -> pd.DataFrame:
    """ILLUSTRATIVE Monte Carlo distributions (driver, distribution, sd, basis: schema.UNCERTAINTY)."""
    return _load("uncertainty", "plan_uncertainty.csv").copy()


def plan_montecarlo_table() -> pd.DataFrame:
    """The Monte Carlo settings, one a row (setting, value, unit, basis: schema.MONTECARLO)."""
    return _load("montecarlo", "plan_montecarlo.csv").copy()


def plan_montecarlo() -> dict:
    """Monte Carlo settings by name (schema.MONTECARLO_TERMS): paths, seed, year_correlation, ..."""
    return schema.read_terms(_load("montecarlo", "plan_montecarlo.csv"), schema.MONTECARLO_TERMS,
                             name_column="setting", what="setting", name_header="Setting")
