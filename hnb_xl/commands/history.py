"""`hnb-xl history`: the seed's history table with growth, in-year deficit and reconciliation."""

from __future__ import annotations

from .. import api
from ..reports.output import input_figures, render
from ..tables.schema import HISTORY
from ._common import add_format

COLUMNS = ["financial_year", "ehcp_count", "ehcp_growth", "hnb_budget", "budget_growth", "hnb_expenditure",
           "expenditure_growth", "in_year_deficit", "other_dsg_movements", "accumulated_deficit"]
KINDS = {"ehcp_count": "count", "ehcp_growth": "pct", "hnb_budget": "money", "budget_growth": "pct",
         "hnb_expenditure": "money", "expenditure_growth": "pct", "in_year_deficit": "money",
         "other_dsg_movements": "money", "accumulated_deficit": "money"}
TITLES = {"financial_year": "Year", "ehcp_count": "EHCPs", "ehcp_growth": "growth", "hnb_budget": "HNB budget",
          "budget_growth": "growth", "hnb_expenditure": "HNB expenditure", "expenditure_growth": "growth",
          "in_year_deficit": "In-year deficit", "other_dsg_movements": "Other DSG movements",
          "accumulated_deficit": "Accumulated deficit"}
WHOLE = input_figures(HISTORY)     # the file's figures, printed as the file gives them (csv, json)


def register(sub) -> None:
    p = sub.add_parser("history", help="HNB history: EHCPs, budget, expenditure, deficits and growth",
                       description="The history table (January census EHCPs; HNB budget and expenditure; "
                                   "in-year and accumulated deficit, in pounds) with annual growth.")
    p.add_argument("--history", metavar="FILE", help="history file (CSV/XLSX); default: the bundled seed data")
    add_format(p)
    p.set_defaults(func=run)


def table(history=None):
    """The history table's columns as shown (``history``: a file, or None for the bundled data)."""
    return api.history(history, labels={"history": "--history"})[COLUMNS]


def run(args) -> str:
    return render(table(args.history), args.format, KINDS, TITLES, whole=WHOLE,
                  title="HNB history (£; EHCPs at January census)" if args.format == "table" else None)
