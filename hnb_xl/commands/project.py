"""`hnb-xl project`: the year-by-year projection of the HNB and the accumulated DSG deficit.

Two bundled scenarios (``--scenario``):

* ``replica`` (the default; ``published-forecast-july-2022`` is its old name, kept): the aggregate
  engine (:func:`hnb_xl.api.projection`) on the bundled assumptions, a **replica of the published
  July 2022 forecast**: its cost per EHCP is a plug solved to hit the published deficits
  (``hnb_xl/data/README.md``), not a driver forecast;
* ``unmitigated``: the placement engine's driver forecast on the bundled placement tables
  (:func:`hnb_xl.api.unmitigated_projection`, ``docs/placement.md``), in the same columns.

Every year carries its ``status``: "forecast" up to the scenario's own last year, "extrapolated"
after it (its last year's drivers held: :func:`hnb_xl.engine.projection.year_status`). A cost per
EHCP that falls in the extrapolated years prints a warning line on stderr
(:func:`hnb_xl.engine.projection.falling_extrapolated_cost`).
"""

from __future__ import annotations

import sys

from .. import api, bundled
from ..engine.projection import EXTRAPOLATED, FORECAST, STATUS_COLUMN, falling_extrapolated_cost
from ..engine.sensitivity import UNMITIGATED
from ..errors import HnbInputError
from ..reports.output import render
from ..years import parse_year
from ._common import PROJECTION_LABELS, add_format, add_projection_inputs

KINDS = {"ehcp_count": "count", "cost_per_ehcp": "money", "hnb_expenditure": "money", "hnb_funding": "money",
         "block_transfer": "money", "hnb_budget": "money", "in_year_deficit": "money",
         "other_dsg_movements": "money", "accumulated_deficit": "money", "deficit_growth": "money"}
TITLES = {"financial_year": "Year", "ehcp_count": "EHCPs", "cost_per_ehcp": "Cost/EHCP",
          "hnb_expenditure": "Expenditure", "hnb_funding": "HNB funding", "block_transfer": "Transfer",
          "hnb_budget": "Budget", "in_year_deficit": "In-year deficit", "other_dsg_movements": "Other DSG",
          "accumulated_deficit": "Accumulated deficit", "deficit_growth": "Deficit growth", STATUS_COLUMN: "Status"}
UNMITIGATED_SCENARIO = "unmitigated"
SCENARIOS = {bundled.REPLICA_SCENARIO: f"'{bundled.SCENARIOS[bundled.REPLICA_SCENARIO][1]}' (the bundled "
                                       "assumptions; cost per EHCP a plug, not a driver forecast)",
             UNMITIGATED_SCENARIO: f"'{UNMITIGATED}', the placement engine on the bundled placement tables "
                                   "(docs/placement.md)",
             bundled.DEFAULT_SCENARIO: "the replica's old name"}


def register(sub) -> None:
    p = sub.add_parser("project", help="project EHCPs, spend, budget and the DSG deficit",
                       description="Project year by year from driver assumptions (EHCP growth, cost per EHCP "
                                   "growth, funding growth, block transfer, other DSG movements), or by placement "
                                   "(--scenario unmitigated). Years after the scenario's own last year are "
                                   "'extrapolated' (its last year's drivers held), not 'forecast'.")
    add_projection_inputs(p, "projection", SCENARIOS)
    add_format(p)
    p.set_defaults(func=run)


def scenario_label(args) -> str:
    """The scenario as every output names it."""
    if args.scenario == UNMITIGATED_SCENARIO:
        return UNMITIGATED
    if args.assumptions:
        return f"assumptions from {args.assumptions}"
    return bundled.SCENARIOS[args.scenario][1]


def table(args):
    if args.scenario == UNMITIGATED_SCENARIO:
        for option, given in (("--history", args.history), ("--assumptions", args.assumptions)):
            if given:
                raise HnbInputError(f"is for the replica: --scenario {UNMITIGATED_SCENARIO} runs on the placement "
                                    "tables (hnb-xl forecast --inputs FOLDER)", source=option)
        return api.unmitigated_projection(to_year=args.to, labels=PROJECTION_LABELS)
    return api.projection(args.history, args.assumptions, args.scenario, to_year=args.to, labels=PROJECTION_LABELS)


def extrapolation_warning(frame) -> str | None:
    """The warning line for a cost per EHCP that falls in the extrapolated years (None: it does not)."""
    status = list(frame[STATUS_COLUMN])
    if EXTRAPOLATED not in status:
        return None
    forecast = [y for y, s in zip(frame["financial_year"], status) if s == FORECAST]
    last = parse_year(forecast[-1]) if forecast else parse_year(frame["financial_year"].iloc[0]) - 1
    fall = falling_extrapolated_cost(frame, last)
    if fall is None:
        return None
    return (f"hnb-xl: warning: cost per EHCP falls in the extrapolated years {fall['first']} to {fall['last']}, from "
            f"£{fall['from']:,.0f} in {fall['scenario_last']} (the scenario's last year) to £{fall['to']:,.0f} in "
            f"{fall['last']}: those years hold the last year's drivers; they are not a forecast")


def run(args) -> str:
    frame = table(args)
    warning = extrapolation_warning(frame)
    if warning:
        print(warning, file=sys.stderr)
    return render(frame, args.format, KINDS, TITLES,
                  title=f"Projection: {scenario_label(args)} (£)" if args.format == "table" else None)
