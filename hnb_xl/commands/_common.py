"""Shared option handling and data loading for subcommands (no calculation here)."""

from __future__ import annotations

import argparse
import re

from .. import bundled
from ..errors import HnbInputError
from ..tables.schema import ASSUMPTIONS, HISTORY, SCHOOLS
from ..tables import files
from ..years import parse_year


def add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="output format: table (readable), csv or json (pounds and fractions, unrounded)")


def pounds(option: str):
    """argparse type for an amount in pounds: 450000, 450,000, £450,000, 450k, 368.2m."""
    def parse(text: str) -> float:
        s = text.strip().replace(",", "").replace("£", "").lower()
        m = re.fullmatch(r"(-?\d+(?:\.\d+)?)([km]?)", s)
        if not m:
            raise argparse.ArgumentTypeError(f"{option}: expected an amount in pounds such as 450000 or 368.2m, "
                                             f"got {text!r}")
        value = float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6}[m.group(2)]
        if value < 0:
            raise argparse.ArgumentTypeError(f"{option}: expected an amount of 0 or more, got {text!r}")
        return value
    return parse


def fraction(option: str, low: float = 0.0, high: float | None = None):
    """argparse type for a rate: 0.005 or 0.5%."""
    def parse(text: str) -> float:
        s = text.strip()
        try:
            value = float(s[:-1]) / 100 if s.endswith("%") else float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option}: expected a fraction such as 0.005 or 0.5%, got {text!r}")
        if value < low or (high is not None and value > high):
            rng = f"between {low} and {high}" if high is not None else f"of {low} or more"
            raise argparse.ArgumentTypeError(f"{option}: expected a fraction {rng}, got {text!r}")
        return value
    return parse


def year(option: str):
    def parse(text: str) -> int:
        try:
            return parse_year(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{option}: {exc}")
    return parse


def add_projection_inputs(p: argparse.ArgumentParser, what: str = "projection") -> None:
    """--scenario, --to, --history, --assumptions: the inputs of a projection (project, plan)."""
    p.add_argument("--scenario", default=bundled.DEFAULT_SCENARIO,
                   help=f"bundled projection scenario (default: {bundled.DEFAULT_SCENARIO})")
    p.add_argument("--to", type=year("--to"), default=None, metavar="YEAR",
                   help=f"last year of the {what}, e.g. 2030-31 (default: the scenario's last year)")
    p.add_argument("--history", metavar="FILE", help="history file (CSV/XLSX) instead of the bundled data")
    p.add_argument("--assumptions", metavar="FILE", help="assumptions file (CSV/XLSX) instead of the scenario")


def load_history(path):
    """History from a file (validated) or the bundled data."""
    if path is None:
        return bundled.history()
    return files.load(HISTORY, path)


def load_assumptions(path, scenario: str):
    if path is None:
        try:
            return bundled.assumptions(scenario)
        except KeyError as exc:
            raise HnbInputError(str(exc.args[0]), source="--scenario") from None
    return files.load(ASSUMPTIONS, path)


def load_schools(path):
    if path is None:
        return bundled.demo_schools()
    return files.load(SCHOOLS, path)
