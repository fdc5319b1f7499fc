"""The Schools Forum pack: four PNG charts (matplotlib) and an HTML page with the plan's tables.

Charts (money shown in £m, counts as plans; the engine's figures stay in pounds):
  1. ``1_budget_spend_ehcps.png``   "Growing budget, growing overspend and numbers of EHCPs"
     (the seed's chart: HNB budget and expenditure, in-year overspend, EHCPs, 2016-17 to 2021-22)
  2. ``2_deficit_growth_projected.png``  "Deficit growth projected" (the seed's chart: accumulated
     DSG deficit 2018-19 to 2021-22 outturn, then the unmitigated projection)
  3. ``3_mitigation_waterfall.png``  unmitigated DSG in-year deficit in the target year, each
     workstream's saving, and the mitigated in-year position
  4. ``4_uncertainty_fan.png``  P10-P90 and P50 of the accumulated deficit after contributions
     (Monte Carlo), beside the deterministic plan and the unmitigated projection

No calculation here: the frames come from the engine (safety_valve, montecarlo, history).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from ..engine.history import history_table  # noqa: E402
from .output import format_value  # noqa: E402
from ..tables.cells import is_blank  # noqa: E402
from ..engine.montecarlo import Uncertainty, fan, probability_of_balance, simulate  # noqa: E402
from ..engine.safety_valve import Agreement, Workstream, plan, summary  # noqa: E402
from ..years import fy, parse_year  # noqa: E402

CHARTS = {
    "history": ("1_budget_spend_ehcps.png", "Growing budget, growing overspend and numbers of EHCPs"),
    "deficit": ("2_deficit_growth_projected.png", "Deficit growth projected"),
    "waterfall": ("3_mitigation_waterfall.png", "Safety valve plan: savings by workstream"),
    "fan": ("4_uncertainty_fan.png", "Accumulated DSG deficit after contributions: uncertainty"),
}
DPI = 110
SIZE = (10, 5.6)
M = 1e6
_GBP_M = FuncFormatter(lambda v, _: f"£{v:,.0f}m" if v >= 0 else f"-£{-v:,.0f}m")

BLUE, ORANGE, RED, GREEN, GREY = "#1f5fa8", "#e08a1e", "#c0392b", "#2e8b57", "#7f7f7f"


@dataclass
class PackResult:
    directory: Path
    files: list[Path]
    plan: pd.DataFrame
    attribution: pd.DataFrame
    summary: dict
    fan: pd.DataFrame
    probability_of_balance: float | None


def _finish(fig, ax, path: Path) -> Path:
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def chart_history(history: pd.DataFrame, path: Path) -> Path:
    """Seed chart 1: EHCPs at the January census (top panel, plans), HNB budget and expenditure and
    the in-year overspend (bottom panel, £m bars), 2016-17 to 2021-22."""
    h = history_table(history)
    h = h[h["accumulated_deficit"].notna()].reset_index(drop=True)
    x = list(range(len(h)))
    fig, (top, ax) = plt.subplots(2, 1, figsize=(10, 6.4), sharex=True, gridspec_kw={"height_ratios": [1, 2]})
    top.plot(x, h["ehcp_count"], color="black", marker="o", label="EHCPs, January census")
    for i, v in zip(x, h["ehcp_count"]):
        top.annotate(f"{v:,.0f}", (i, v), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
    top.set_ylabel("EHCPs\n(number of plans)")
    top.set_ylim(0, h["ehcp_count"].max() * 1.3)
    top.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    top.legend(loc="upper left", fontsize=8, frameon=False)
    top.grid(axis="y", alpha=0.3)
    top.set_title(CHARTS["history"][1] + "\nCambridgeshire High Needs Block, 2016-17 to 2021-22 "
                  "(source: Schools Forum, 15 July 2022)", fontsize=11)
    w = 0.27
    ax.bar([i - w for i in x], h["hnb_budget"] / M, w, label="HNB budget", color=BLUE)
    ax.bar(x, h["hnb_expenditure"] / M, w, label="HNB expenditure", color=ORANGE)
    ax.bar([i + w for i in x], h["in_year_deficit"] / M, w, label="In-year overspend", color=RED)
    ax.set_xticks(x, list(h["financial_year"]))
    ax.set_xlabel("Financial year")
    ax.set_ylabel("£m")
    ax.yaxis.set_major_formatter(_GBP_M)
    ax.set_ylim(0, h["hnb_expenditure"].max() / M * 1.2)
    ax.legend(loc="upper left", fontsize=8, ncol=3, frameon=False)
    return _finish(fig, ax, path)


def chart_deficit(history: pd.DataFrame, plan_frame: pd.DataFrame, path: Path, first_year: int = 2018,
                  last_year: int = 2025) -> Path:
    """Seed chart 2: accumulated DSG deficit (£m), outturn then the unmitigated projection, with
    the year's deficit growth (£m) labelled."""
    h = history[["financial_year", "accumulated_deficit"]].dropna()
    p = plan_frame[["financial_year", "unmitigated_accumulated_deficit"]].rename(
        columns={"unmitigated_accumulated_deficit": "accumulated_deficit"})
    rows = pd.concat([h.assign(kind="outturn"), p.assign(kind="projected")], ignore_index=True)
    rows["y"] = [parse_year(v) for v in rows["financial_year"]]
    rows["growth"] = rows["accumulated_deficit"].diff()
    rows = rows[(rows["y"] >= first_year) & (rows["y"] <= last_year)].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=SIZE)
    colours = [BLUE if k == "outturn" else RED for k in rows["kind"]]
    bars = ax.bar(range(len(rows)), rows["accumulated_deficit"] / M, color=colours,
                  hatch=None, edgecolor="white")
    for b, k in zip(bars, rows["kind"]):
        if k == "projected":
            b.set_hatch("//")
    for i, r in rows.iterrows():
        label = f"£{r['accumulated_deficit'] / M:,.1f}m"
        if not is_blank(r["growth"]) and i > 0:
            label += f"\n(+£{r['growth'] / M:,.1f}m)"
        ax.annotate(label, (i, r["accumulated_deficit"] / M), textcoords="offset points", xytext=(0, 4),
                    ha="center", fontsize=8)
    ax.set_xticks(range(len(rows)), list(rows["financial_year"]))
    ax.set_xlabel("Financial year (31 March)")
    ax.set_ylabel("Accumulated DSG deficit, £m")
    ax.yaxis.set_major_formatter(_GBP_M)
    ax.set_ylim(0, rows["accumulated_deficit"].max() / M * 1.2)
    from matplotlib.patches import Patch
    ax.legend([Patch(color=BLUE), Patch(facecolor=RED, hatch="//", edgecolor="white")],
              ["Outturn", "Projected if left unchecked (unmitigated)"], loc="upper left", fontsize=9, frameon=False)
    ax.set_title(CHARTS["deficit"][1] + " (£m DSG; labels: accumulated deficit and in-year growth)", fontsize=11)
    return _finish(fig, ax, path)


def chart_waterfall(plan_frame: pd.DataFrame, attribution: pd.DataFrame, year: str, path: Path) -> Path:
    """Waterfall for ``year``: unmitigated DSG in-year deficit, minus each workstream's saving
    (sequential attribution), equals the mitigated DSG in-year position (£m)."""
    row = plan_frame.set_index("financial_year").loc[year]
    start = row["unmitigated_dsg_in_year_deficit"] / M
    savings = attribution.loc[year] / M
    labels = ["Unmitigated\nin-year deficit"]
    bottoms, heights, colours = [0.0], [start], [RED]
    level = start
    for name, s in savings.items():
        labels.append(_wrap(str(name)))
        bottoms.append(level - s)
        heights.append(s)
        colours.append(GREEN)
        level -= s
    end = row["dsg_in_year_deficit"] / M
    labels.append("Mitigated\nin-year position")
    bottoms.append(min(0.0, end))
    heights.append(abs(end))
    colours.append(RED if end > 0 else BLUE)
    fig, ax = plt.subplots(figsize=(11, 6))
    x = range(len(labels))
    ax.bar(x, heights, bottom=bottoms, color=colours, edgecolor="white")
    for i, (b, hgt) in enumerate(zip(bottoms, heights)):
        if i == 0:
            text = f"£{hgt:,.1f}m"
        elif i == len(labels) - 1:
            text = f"£{end:,.1f}m" if end >= 0 else f"-£{-end:,.1f}m"
        else:
            text = f"-£{hgt:,.1f}m"
        ax.annotate(text, (i, b + hgt), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=8)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(list(x), labels, fontsize=8)
    ax.set_xlabel(f"Workstream (ILLUSTRATIVE sizes where the bundled defaults are used), {year}")
    ax.set_ylabel("DSG in-year deficit, £m")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"£{v:,.0f}m" if v >= 0 else f"-£{-v:,.0f}m"))
    lo = min(0.0, end, *bottoms)
    ax.set_ylim(lo * 1.3 - 0.5 if lo < 0 else 0, start * 1.15)
    ax.set_title(f"{CHARTS['waterfall'][1]}, {year}\nfrom the unmitigated to the mitigated DSG in-year position "
                 "(savings attributed in list order)", fontsize=11)
    return _finish(fig, ax, path)


def _wrap(text: str, width: int = 16) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    return "\n".join(lines)


def chart_fan(fan_frame: pd.DataFrame, plan_frame: pd.DataFrame, path: Path, paths: int,
              target: str | None = None, probability: float | None = None) -> Path:
    """Fan: P10-P90 band and P50 of the accumulated deficit after contributions (£m), with the
    deterministic plan and the unmitigated projection."""
    x = range(len(fan_frame))
    fig, ax = plt.subplots(figsize=SIZE)
    ax.fill_between(x, fan_frame["p10"] / M, fan_frame["p90"] / M, color=BLUE, alpha=0.25,
                    label=f"P10 to P90 ({paths:,} simulated paths)")
    ax.plot(x, fan_frame["p50"] / M, color=BLUE, linewidth=2, label="P50 (median)")
    ax.plot(x, plan_frame["accumulated_deficit_after_contributions"] / M, color="black", linestyle="--",
            label="Deterministic plan (mitigated, after DfE contributions)")
    ax.plot(x, plan_frame["unmitigated_accumulated_deficit"] / M, color=RED, linestyle=":",
            label="Unmitigated, no contributions")
    ax.axhline(0, color=GREY, linewidth=0.8)
    ax.set_xticks(list(x), list(fan_frame["financial_year"]), fontsize=9)
    ax.set_xlabel("Financial year (31 March)")
    ax.set_ylabel("Accumulated DSG deficit, £m")
    ax.yaxis.set_major_formatter(_GBP_M)
    if target is not None and target in list(fan_frame["financial_year"]):
        i = list(fan_frame["financial_year"]).index(target)
        ax.axvline(i, color=GREEN, linestyle="-.", linewidth=1)
        text = f"in-year balance target {target}"
        if probability is not None:
            text += f"\nP(balance by then) = {probability:.0%}"
        ax.annotate(text, (i, ax.get_ylim()[1]), textcoords="offset points", xytext=(4, -28), fontsize=8,
                    color=GREEN)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_title(CHARTS["fan"][1] + "\n(Monte Carlo over EHCP, cost per EHCP and funding growth; "
                 "ILLUSTRATIVE distributions)", fontsize=11)
    return _finish(fig, ax, path)


# ---------------------------------------------------------------------------------------------
# HTML


def _money(v) -> str:
    return format_value(v, "money")


def _table(frame: pd.DataFrame, money: set[str], titles: dict | None = None) -> str:
    titles = titles or {}
    head = "".join(f"<th>{html.escape(titles.get(c, str(c)))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for c, v in zip(frame.columns, row):
            if c in money:
                cells.append(f'<td class="num">{_money(v)}</td>')
            elif isinstance(v, float):
                cells.append(f'<td class="num">{"" if is_blank(v) else f"{v:,.1f}"}</td>')
            else:
                cells.append(f"<td>{html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_PLAN_TITLES = {"financial_year": "Year", "unmitigated_dsg_in_year_deficit": "Unmitigated DSG in-year deficit",
                "unmitigated_accumulated_deficit": "Unmitigated accumulated deficit", "total_saving": "Total saving",
                "dsg_in_year_deficit": "Mitigated DSG in-year deficit",
                "accumulated_deficit": "Mitigated accumulated deficit (before contributions)",
                "dfe_contribution": "DfE contribution", "council_contribution": "Council contribution",
                "accumulated_deficit_after_contributions": "Accumulated deficit after contributions"}

_CSS = """body{font-family:Arial,Helvetica,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.85em}th,td{border:1px solid #bbb;padding:3px 6px}
th{background:#eef2f7;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;border:1px solid #ddd;margin:0.5em 0 1.5em}.note{background:#fff8e1;padding:0.6em;border-left:4px solid #e0a800}"""


def write_html(path: Path, result: PackResult, workstreams: list[Workstream], agreement: Agreement,
               uncertainty: Uncertainty, images: list[Path]) -> Path:
    s = result.summary
    plan_cols = ["financial_year", *_PLAN_TITLES][:1] + [c for c in _PLAN_TITLES if c != "financial_year"]
    money_cols = set(plan_cols) - {"financial_year"}
    attr = result.attribution.reset_index()
    ws_frame = pd.DataFrame([{"Workstream": w.name, "Lever": w.lever, "Budget area": w.budget_area,
                              "Amount": (f"£{w.amount:,.0f}" if w.lever == "cash_saving" else f"{w.amount:.1%}"),
                              "Start": fy(w.start_year), "Ramp-up (years)": w.ramp_years,
                              "Delivery confidence": f"{w.delivery_confidence:.0%}"} for w in workstreams])
    inst = pd.DataFrame({"Year": list(agreement.dfe_contributions),
                         "DfE instalment": list(agreement.dfe_contributions.values())})
    fan_t = result.fan.rename(columns={"financial_year": "Year", "p10": "P10", "p50": "P50", "p90": "P90",
                                       "mean": "Mean"})
    unc = pd.DataFrame({"Driver": list(uncertainty.sd), "Distribution": "normal around the year's assumption",
                        "Standard deviation": [f"{v * 100:.1f} percentage points" for v in uncertainty.sd.values()]})
    def show(v):
        return html.escape(v) if v else "not within the plan years"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>High Needs Block safety valve plan: Schools Forum pack</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>High Needs Block and safety valve plan</h1>",
        "<p class='note'>Money in pounds (£). Workstream sizes and Monte Carlo distributions in the bundled "
        "defaults are <b>ILLUSTRATIVE</b>: the seed names the levers, not their sizes. The DfE instalment profile "
        "of Cambridgeshire's £49m agreement is not public: the default is an assumption (40% first, then equal, "
        "five instalments). Sign convention: accumulated deficit c/f = b/f + in-year + other DSG movements "
        "&minus; DfE and council contributions.</p>",
        "<h2>Headlines</h2><ul>",
        f"<li>First year of DSG in-year balance (mitigated): <b>{show(s['first_balance_year'])}</b></li>",
        f"<li>First year of in-year balance without mitigations: {show(s['unmitigated_balance_year'])}</li>",
        f"<li>Accumulated deficit cleared (after contributions): <b>{show(s['deficit_cleared_year'])}</b></li>",
    ]
    if s["target_balance_year"]:
        parts.append(f"<li>Target in-year balance by {s['target_balance_year']}: "
                     f"<b>{'met' if s['target_met'] else 'NOT met'}</b> in the deterministic plan")
        if result.probability_of_balance is not None:
            parts.append(f"; probability in the Monte Carlo: <b>{result.probability_of_balance:.0%}</b>")
        parts.append("</li>")
    parts.append(f"<li>DfE contributions {_money(s['dfe_total'])}; council contributions {_money(s['council_total'])}; "
                 f"savings over the plan years {_money(s['total_saving'])}</li></ul>")
    for img in images:
        parts.append(f"<img src='{html.escape(img.name)}' alt='{html.escape(img.stem)}'>")
    parts += ["<h2>Plan by year: unmitigated, mitigated, agreement</h2>",
              _table(result.plan[plan_cols], money_cols, _PLAN_TITLES),
              "<h2>Saving by workstream (£)</h2><p>Sequential attribution in the order listed: each workstream's "
              "saving is the further reduction in expenditure it brings on top of those above it, so the parts add "
              "up to the total saving in every year.</p>",
              _table(attr.rename(columns={"financial_year": "Year"}), set(attr.columns) - {"financial_year"}),
              "<h2>Workstreams</h2>", _table(ws_frame, set()) if len(ws_frame) else "<p>None.</p>",
              "<h2>DfE instalments</h2>", _table(inst, {"DfE instalment"}) if len(inst) else "<p>None.</p>",
              f"<h2>Uncertainty: accumulated deficit after contributions (£), {uncertainty.paths:,} paths, "
              f"seed {uncertainty.seed}</h2>",
              _table(fan_t, {"P10", "P50", "P90", "Mean"}), _table(unc, set()),
              f"<p>Year-to-year correlation of shocks: {uncertainty.year_correlation:.2f}.</p>",
              "</body></html>"]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def build_pack(out_dir, history: pd.DataFrame, assumptions: pd.DataFrame, workstreams: list[Workstream],
               agreement: Agreement, uncertainty: Uncertainty, to_year: int | None = None) -> PackResult:
    """Compute the plan and Monte Carlo and write the four PNGs and ``index.html`` to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frame, parts = plan(history, assumptions, workstreams, agreement, to_year=to_year)
    last = parse_year(frame["financial_year"].iloc[-1])
    sim = simulate(history, assumptions, workstreams, agreement, uncertainty, to_year=last)
    f = fan(sim)
    s = summary(frame, agreement)
    target = s["target_balance_year"]
    prob = probability_of_balance(sim, target) if target and parse_year(target) <= last else None
    wf_year = target if target in list(frame["financial_year"]) else frame["financial_year"].iloc[-1]
    images = [
        chart_history(history, out / CHARTS["history"][0]),
        chart_deficit(history, frame, out / CHARTS["deficit"][0]),
        chart_waterfall(frame, parts, wf_year, out / CHARTS["waterfall"][0]),
        chart_fan(f, frame, out / CHARTS["fan"][0], uncertainty.paths, target, prob),
    ]
    result = PackResult(out, [], frame, parts, s, f, prob)
    page = write_html(out / "index.html", result, list(workstreams), agreement, uncertainty, images)
    result.files = [*images, page]
    return result
