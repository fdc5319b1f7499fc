"""`hnb-xl report` (the main job): every table on the bundled data, as readable tables."""

from __future__ import annotations

import pandas as pd

from .. import api, bundled
from ..engine.transfer import implied_schools_block, tracker_totals
from ..reports.output import render, render_mapping
from . import contingency as contingency_cmd
from . import history as history_cmd
from . import project as project_cmd


def register(sub) -> None:
    p = sub.add_parser("report", help="the full report on the bundled data (the default command)",
                       description="History, projection against the published forecast, SEND Contingency, block "
                                   "transfer and the Invest to Transform tracker, on the bundled default data.")
    p.add_argument("--to", default="2030-31", help="projection horizon (default: 2030-31)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="table (readable, default); json: one object with every table; csv: the tables one "
                        "after another, each after a '# name' line")
    p.set_defaults(func=run)


def forecast_comparison(proj: pd.DataFrame) -> pd.DataFrame:
    """The seed's "Deficit growth projected" beside the model (£m, 0.1)."""
    pub = bundled.published_forecast()
    model = proj[["financial_year", "accumulated_deficit", "deficit_growth"]]
    m = pub.merge(model, on="financial_year", how="left")
    return pd.DataFrame({
        "Year": m["financial_year"],
        "Published accumulated £m": m["accumulated_deficit_gbp_m"].map(lambda v: f"{v:.1f}"),
        "Model accumulated £m": m["accumulated_deficit"].map(lambda v: "" if pd.isna(v) else f"{v / 1e6:.1f}"),
        "Published growth £m": m["deficit_growth_gbp_m"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}"),
        "Model growth £m": m["deficit_growth"].map(lambda v: "" if pd.isna(v) else f"{v / 1e6:.1f}"),
    })


def sections(args) -> dict[str, pd.DataFrame]:
    """Every table of the report, raw (pounds, fractions), keyed by a short name."""
    t = api.report_sections(to_year=_to(args.to))
    t["history"] = t["history"][history_cmd.COLUMNS]
    t["contingency"] = t["contingency"][[c for c in contingency_cmd.COLUMNS if c in t["contingency"].columns]]
    return t


# the sections that carry an input file's figures (printed as the file gives them in csv and json)
WHOLE = {"history": history_cmd.WHOLE, "contingency": contingency_cmd.WHOLE}


def run(args) -> str:
    if args.format != "table":
        from ..reports.output import records
        tables = sections(args)
        if args.format == "json":
            import json
            return json.dumps({k: records(v, WHOLE.get(k, ())) for k, v in tables.items()}, indent=2)
        return "\n".join(f"# {k}\n" + render(v, "csv", whole=WHOLE.get(k, ())) for k, v in tables.items())
    parts = []
    parts.append(render(history_cmd.table(), "table", history_cmd.KINDS, history_cmd.TITLES,
                        title="1. HNB history (£; EHCPs at January census; 2015-16 is a derived base)"))
    proj = api.projection(to_year=_to(args.to))
    parts.append(render(proj, "table", project_cmd.KINDS, project_cmd.TITLES,
                        title=f"2. Projection: {bundled.SCENARIOS[bundled.DEFAULT_SCENARIO][1]} (£)"))
    parts.append(render(forecast_comparison(proj), "table",
                        title="3. Deficit growth projected: seed vs model (£m)"))
    params = bundled.parameters()
    alloc = contingency_cmd.table()
    parts.append("4. " + contingency_cmd.text(alloc, params["send_contingency_pot"]).replace(
        "SEND Contingency:", "SEND Contingency (SYNTHETIC demo schools):", 1))
    amount = bundled.transfer_2022_23()
    year, block = bundled.default_schools_block()
    t = {
        "2022-23 transfer (seed)": amount,
        "schools block at which it is exactly 0.5%": implied_schools_block(amount, params["transfer_limit_rate"]),
        f"0.5% of the {year} schools block (£{block / 1e6:.1f}m)": api.transfer(block, rate=0.005).amount,
        "  verdict": api.transfer(block, rate=0.005).verdict,
        f"1.8% of the {year} schools block (requested)": api.transfer(block, rate=0.018).amount,
        "  verdict ": api.transfer(block, rate=0.018).verdict,
    }
    parts.append(render_mapping(t, "table", {k: "money" for k in t if not k.strip().startswith("verdict")},
                                title="5. Schools Block to HNB transfer"))
    tracker = api.invest_to_transform(None, amount)
    show = tracker[["activity", "allocation", "committed_spend", "remaining"]]
    totals = tracker_totals(tracker)
    parts.append(render(show, "table", {"allocation": "money", "committed_spend": "money_tbc", "remaining": "money_tbc"},
                        {"activity": "Activity", "allocation": "Allocation", "committed_spend": "Committed to date",
                         "remaining": "Remaining"},
                        title="6. Invest to Transform tracker (£)")
                 + f"Total allocated £{totals['allocation']:,.0f}; committed £{totals['committed_spend']:,.0f} "
                   f"({totals['committed_share']:.1%}); {totals['tbc_lines']} lines TBC "
                   f"(£{totals['tbc_allocation']:,.0f} allocated, spend not yet known)\n")
    return "\n".join(parts)


def _to(text):
    from ._common import year
    return year("--to")(text)
