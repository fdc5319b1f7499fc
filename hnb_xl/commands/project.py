"""`hnb-xl project`: the year-by-year projection of the HNB and the accumulated DSG deficit.

The bundled scenarios (``--scenario``):

* ``replica`` (the default; ``published-forecast-july-2022`` is its old name, kept): the aggregate
  engine (:func:`hnb_xl.api.projection`) on the bundled assumptions, a **replica of the published
  July 2022 forecast**: its cost per EHCP is a plug solved to hit the published deficits
  (``hnb_xl/data/README.md``), not a driver forecast;
* ``unmitigated``: the placement engine's driver forecast on the bundled placement tables
  (:func:`hnb_xl.api.unmitigated_projection`, ``docs/placement.md``), in the same columns;
* ``mitigated``: the placement engine with the placement workstreams acting where they act
  (:func:`hnb_xl.api.mitigated_projection`; ``--workstreams FILE`` replaces the bundled
  ILLUSTRATIVE ones): the DSG figures in the same columns, then each workstream's saving, the DSG
  total and the General Fund saving on its own line (reported, never in a DSG figure);
* ``all``: the three side by side (each one's HNB spend, in-year and accumulated DSG deficit).

Every year carries its ``status``: "forecast" up to the scenario's own last year, "extrapolated"
after it (its last year's drivers held: :func:`hnb_xl.engine.projection.year_status`). A cost per
EHCP that falls in the extrapolated years prints a warning line on stderr
(:func:`hnb_xl.engine.projection.falling_extrapolated_cost`).
"""

from __future__ import annotations

import sys

import pandas as pd

from .. import api, bundled
from ..engine.placement_mitigation import GENERAL_FUND_SAVING, MITIGATED, TOTAL_SAVING
from ..engine.projection import EXTRAPOLATED, FORECAST, STATUS_COLUMN, falling_extrapolated_cost
from ..engine.sensitivity import REPLICA, UNMITIGATED
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
MITIGATED_SCENARIO = "mitigated"
ALL_SCENARIOS = "all"
PLACEMENT_SCENARIOS = (UNMITIGATED_SCENARIO, MITIGATED_SCENARIO, ALL_SCENARIOS)
SCENARIOS = {bundled.REPLICA_SCENARIO: f"'{bundled.SCENARIOS[bundled.REPLICA_SCENARIO][1]}' (the bundled "
                                       "assumptions; cost per EHCP a plug, not a driver forecast)",
             UNMITIGATED_SCENARIO: f"'{UNMITIGATED}', the placement engine on the bundled placement tables "
                                   "(docs/placement.md)",
             MITIGATED_SCENARIO: f"'{MITIGATED}', the placement engine with the placement workstreams "
                                 "(--workstreams)",
             ALL_SCENARIOS: "the replica, unmitigated and mitigated side by side",
             bundled.DEFAULT_SCENARIO: "the replica's old name"}
# --scenario all: scenario -> its columns' prefix; the figures shown of each
SIDE = {REPLICA: "replica", UNMITIGATED: "unmitigated", MITIGATED: "mitigated"}
SIDE_FIGURES = {"hnb_expenditure": "HNB spend", "in_year_deficit": "in-year deficit",
                "accumulated_deficit": "accumulated deficit"}
LABELS = {**PROJECTION_LABELS, "workstreams": "--workstreams"}
SAVING_LINES = {TOTAL_SAVING: "DSG total saving",
                GENERAL_FUND_SAVING: "General Fund saving (reported, not in the DSG figures)"}


def register(sub) -> None:
    p = sub.add_parser("project", help="project EHCPs, spend, budget and the DSG deficit",
                       description="Project year by year from driver assumptions (EHCP growth, cost per EHCP "
                                   "growth, funding growth, block transfer, other DSG movements), or by placement "
                                   "(--scenario unmitigated; mitigated with the placement workstreams; all three "
                                   "side by side). Years after the scenario's own last year are 'extrapolated' "
                                   "(its last year's drivers held), not 'forecast'.")
    add_projection_inputs(p, "projection", SCENARIOS)
    p.add_argument("--workstreams", metavar="FILE",
                   help="placement workstreams (CSV/XLSX: name, lever, target, to_category, amount, start_year, "
                        "ramp_years, delivery_confidence, funding; docs/placement.md) for --scenario mitigated "
                        "or all, instead of the bundled ILLUSTRATIVE ones")
    add_format(p)
    p.set_defaults(func=run)


def scenario_label(args) -> str:
    """The scenario as every output names it."""
    if args.scenario == UNMITIGATED_SCENARIO:
        return UNMITIGATED
    if args.scenario == MITIGATED_SCENARIO:
        return MITIGATED + (f", workstreams from {args.workstreams}" if args.workstreams else "")
    if args.scenario == ALL_SCENARIOS:
        return f"{REPLICA}, {UNMITIGATED} and {MITIGATED}"
    if args.assumptions:
        return f"assumptions from {args.assumptions}"
    return bundled.SCENARIOS[args.scenario][1]


def table(args):
    if args.scenario in PLACEMENT_SCENARIOS:
        for option, given in (("--history", args.history), ("--assumptions", args.assumptions)):
            if given:
                raise HnbInputError(f"is for the replica: --scenario {args.scenario} runs on the placement "
                                    "tables (hnb-xl forecast --inputs FOLDER)", source=option)
    elif args.workstreams:
        raise HnbInputError(f"is for --scenario {MITIGATED_SCENARIO} or {ALL_SCENARIOS}: the replica has no "
                            "placement workstreams (hnb-xl plan applies its own)", source="--workstreams")
    if args.scenario == UNMITIGATED_SCENARIO:
        return api.unmitigated_projection(to_year=args.to, labels=PROJECTION_LABELS)
    if args.scenario == MITIGATED_SCENARIO:
        return api.mitigated_projection(workstreams=args.workstreams, to_year=args.to, labels=LABELS)
    if args.scenario == ALL_SCENARIOS:
        return side_by_side(args)
    return api.projection(args.history, args.assumptions, args.scenario, to_year=args.to, labels=PROJECTION_LABELS)


def side_by_side(args) -> pd.DataFrame:
    """--scenario all: per projection year each scenario's HNB spend, in-year and accumulated DSG
    deficit (:data:`SIDE`), the General Fund saving on its own, and ``status`` ("extrapolated" where
    any of the three is)."""
    frames = {UNMITIGATED: api.unmitigated_projection(to_year=args.to, labels=PROJECTION_LABELS),
              MITIGATED: api.mitigated_projection(workstreams=args.workstreams, to_year=args.to, labels=LABELS)}
    years = list(frames[UNMITIGATED]["financial_year"])
    frames[REPLICA] = api.projection(scenario=bundled.REPLICA_SCENARIO, to_year=parse_year(years[-1]),
                                     labels=PROJECTION_LABELS)
    out = {"financial_year": years}
    for scenario, prefix in SIDE.items():
        for col in SIDE_FIGURES:
            out[f"{prefix}_{col}"] = frames[scenario][col].to_numpy(float)
    out[GENERAL_FUND_SAVING] = frames[MITIGATED][GENERAL_FUND_SAVING].to_numpy(float)
    out[STATUS_COLUMN] = [EXTRAPOLATED if EXTRAPOLATED in states else FORECAST
                          for states in zip(*(frames[s][STATUS_COLUMN] for s in SIDE))]
    return pd.DataFrame(out)


def savings_table(frame: pd.DataFrame) -> str:
    """The mitigated scenario's savings in the table format, a line each (£, one column a year): the
    DSG workstreams, the DSG total, the General Fund workstreams and the General Fund saving on its
    own line (the columns after ``deficit_growth``, in that order: :func:`hnb_xl.api.mitigated_projection`)."""
    first = list(frame.columns).index("deficit_growth") + 1
    rows = [(SAVING_LINES.get(c, c), *frame[c]) for c in frame.columns[first:] if c != STATUS_COLUMN]
    t = pd.DataFrame(rows, columns=["line", *frame["financial_year"]])
    return render(t, "table", {y: "money" for y in frame["financial_year"]}, {"line": "Saving by workstream"},
                  title="Savings by workstream (£): sequential in the order listed")


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
    warning = extrapolation_warning(frame) if "cost_per_ehcp" in frame else None
    if warning:
        print(warning, file=sys.stderr)
    title = f"Projection: {scenario_label(args)} (£)" if args.format == "table" else None
    if args.scenario == ALL_SCENARIOS:
        kinds = {c: "money" for c in frame.columns if c not in ("financial_year", STATUS_COLUMN)}
        titles = {"financial_year": "Year", STATUS_COLUMN: "Status", GENERAL_FUND_SAVING: "General Fund saving",
                  **{f"{p}_{c}": f"{p.capitalize()} {t}" for p in SIDE.values() for c, t in SIDE_FIGURES.items()}}
        return render(frame, args.format, kinds, titles, title=title)
    if args.scenario == MITIGATED_SCENARIO and args.format == "table":
        first = list(frame.columns).index("deficit_growth") + 1
        dsg = frame[[*frame.columns[:first], STATUS_COLUMN]]
        return render(dsg, "table", KINDS, TITLES, title=title) + "\n" + savings_table(frame)
    kinds = {**KINDS, **{c: "money" for c in frame.columns if c not in KINDS and c not in TITLES}}
    return render(frame, args.format, kinds, TITLES, title=title)
