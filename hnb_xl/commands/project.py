"""`hnb-xl project`: the year-by-year projection of the HNB and the accumulated DSG deficit."""

from __future__ import annotations

from .. import api
from ..reports.output import render
from ._common import PROJECTION_LABELS, add_format, add_projection_inputs

KINDS = {"ehcp_count": "count", "cost_per_ehcp": "money", "hnb_expenditure": "money", "hnb_funding": "money",
         "block_transfer": "money", "hnb_budget": "money", "in_year_deficit": "money",
         "other_dsg_movements": "money", "accumulated_deficit": "money", "deficit_growth": "money"}
TITLES = {"financial_year": "Year", "ehcp_count": "EHCPs", "cost_per_ehcp": "Cost/EHCP",
          "hnb_expenditure": "Expenditure", "hnb_funding": "HNB funding", "block_transfer": "Transfer",
          "hnb_budget": "Budget", "in_year_deficit": "In-year deficit", "other_dsg_movements": "Other DSG",
          "accumulated_deficit": "Accumulated deficit", "deficit_growth": "Deficit growth"}


def register(sub) -> None:
    p = sub.add_parser("project", help="project EHCPs, spend, budget and the DSG deficit",
                       description="Project year by year from driver assumptions (EHCP growth, cost per EHCP "
                                   "growth, funding growth, block transfer, other DSG movements).")
    add_projection_inputs(p, "projection")
    add_format(p)
    p.set_defaults(func=run)


def table(args):
    return api.projection(args.history, args.assumptions, args.scenario, to_year=args.to, labels=PROJECTION_LABELS)


def run(args) -> str:
    return render(table(args), args.format, KINDS, TITLES,
                  title=f"Projection: {args.scenario} (£)" if args.format == "table" else None)
