"""Shared option handling for subcommands: option types, the common options, and the labels by
which :mod:`hnb_xl.api` names an option in an error (no data loading, no calculation here)."""

from __future__ import annotations

import argparse

from .. import bundled
from ..tables.cells import narrowed, parse_financial_year, parse_number


def add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="output format: table (readable), csv or json (pounds and fractions, unrounded)")


def _option_type(option: str, column, what: str):
    """argparse type reading a number by the one grammar (:func:`hnb_xl.tables.cells.parse_number`),
    checked against ``column``'s range; a problem is one line naming the option (exit code 2)."""
    def parse(text: str) -> float:
        try:
            return parse_number(text, column, what=what)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{option}: {exc}") from None
    return parse


def pounds(option: str):
    """argparse type for an amount in pounds of 0 or more: 450000, 450,000, £450,000, GBP 450,000,
    450k, 368.2m, 1.2bn (a percentage is an error)."""
    return _option_type(option, "money", "an amount in pounds")


def fraction(option: str, low: float | None = None, high: float | None = None, *, kind: str = "share"):
    """argparse type for a fraction: 0.005 or 0.5% (``kind`` "share": 0 to 1 unless ``low``/``high``
    narrow it; "rate": -1 to +1). 9 without % says "did you mean 9% (0.09)?"."""
    return _option_type(option, narrowed(kind, low, high), "a fraction")


def year(option: str):
    """argparse type for a financial year: 2022-23, 2022/23 or 2022, within the plausible years
    (:func:`hnb_xl.tables.cells.parse_financial_year`)."""
    def parse(text: str) -> int:
        try:
            return parse_financial_year(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{option}: {exc}")
    return parse


def add_projection_inputs(p: argparse.ArgumentParser, what: str = "projection", scenarios: dict | None = None) -> None:
    """--scenario, --to, --history, --assumptions: the inputs of a projection (project, plan);
    ``scenarios`` ({name: help}, the first the default): the --scenario choices (None: any bundled name)."""
    if scenarios:
        first = next(iter(scenarios))
        p.add_argument("--scenario", default=first, choices=list(scenarios), metavar="|".join(scenarios),
                       help="; ".join(f"{k}: {v}" for k, v in scenarios.items()) + f" (default: {first})")
    else:
        p.add_argument("--scenario", default=bundled.DEFAULT_SCENARIO,
                       help=f"bundled projection scenario (default: {bundled.DEFAULT_SCENARIO})")
    p.add_argument("--to", type=year("--to"), default=None, metavar="YEAR",
                   help=f"last year of the {what}, e.g. 2030-31 (default: the scenario's last year)")
    p.add_argument("--history", metavar="FILE", help="history file (CSV/XLSX) instead of the bundled data")
    p.add_argument("--assumptions", metavar="FILE", help="assumptions file (CSV/XLSX) instead of the scenario")


# api field -> the option that gave it (api.translate names the option in an error)
PROJECTION_LABELS = {"scenario": "--scenario", "to_year": "--to", "history": "--history",
                     "assumptions": "--assumptions"}
