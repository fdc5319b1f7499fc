"""The Schools Forum pack: four PNG charts (:data:`CHARTS`; matplotlib), three more when the placement
tables are filled for the base year (:data:`PLACEMENT_CHARTS`), and ONE self-contained HTML page (the
charts embedded as data: URIs) with the seed's tables beside the plan's.

Charts (money shown in £m, counts as plans; the engine's figures stay in pounds; the authority, its
years and the source come from the data, :mod:`hnb_xl.reports.edition`, never a literal):
  1. ``1_budget_spend_ehcps.png``   "Growing budget, growing overspend and numbers of EHCPs"
     (the seed's chart: HNB budget and expenditure, in-year overspend, EHCPs, over the outturn years)
  2. ``2_deficit_growth_projected.png``  "Deficit growth projected" (the seed's chart: accumulated
     DSG deficit for the last four outturn years, then the unmitigated projection to the scenario's
     own last year)
  3. ``3_mitigation_waterfall.png``  unmitigated DSG in-year deficit in the target year, each DSG
     workstream's saving, and the mitigated in-year position; then each General Fund workstream's
     saving as a separate grey bar, labelled, that does not move the DSG total
  4. ``4_uncertainty_fan.png``  P10-P90 and P50 of the accumulated deficit after contributions
     (Monte Carlo), beside the deterministic plan and the unmitigated projection
  5. ``5_spend_by_category.png``, 6. ``6_placement_scenarios.png`` and 7. ``7_tornado.png`` (:data:`PLACEMENT_CHARTS`,
     when the pack is given the placement frames, :func:`hnb_xl.api.placement_charts`: a
     workbook's own placement tables, or the bundled ones for the bundled authority): the unmitigated placement forecast's HNB spend by
     placement category, stacked with the spend not per plan and the calibration line; the
     accumulated DSG deficit of the replica, the unmitigated and the mitigated placement scenario;
     the unmitigated forecast's tornado for one year (each driver low, then high: the change in the
     year's accumulated deficit, :func:`hnb_xl.engine.sensitivity.tornado`)

The page (``index.html``): a title naming the authority and the data vintage, the hnb_xl version
and the date it was made, a limitations box (calibration plug, other DSG movements, extrapolated
years, the instalment profile, synthetic schools, illustrative workstreams: each stated from the
inputs), headlines, the charts, the seed's tables (history, deficit growth, Invest to Transform,
SEND Contingency summary) and the plan's tables, every column under a human label (the schema's
headers, or this module's one table of labels) and money rounded for reading (£49.1m).

No calculation here: the frames come from the engine (safety_valve, montecarlo, history).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from .. import __version__  # noqa: E402
from ..engine.history import history_table  # noqa: E402
from .edition import Edition, chart_title, edition  # noqa: E402
from .pack_contents import CHARTS, PLACEMENT_CHARTS, PackNotes  # noqa: E402,F401
from .output import format_value  # noqa: E402
from .record import CENSUS_NOTE, Assurance, backtest_text  # noqa: E402
from ..tables.cells import is_blank  # noqa: E402
from ..tables.schema import ASSUMPTIONS, HISTORY, INVEST_TO_TRANSFORM  # noqa: E402
from ..engine.montecarlo import Uncertainty, balance_caveat, fan, probability_of_balance, simulate  # noqa: E402
from ..engine.safety_valve import CASH, LEVERS, NO_AGREEMENT_TEXT, Agreement, Workstream, plan, summary  # noqa: E402
from ..years import fy, parse_year  # noqa: E402

DPI = 110
SIZE = (10, 5.6)
M = 1e6
def _gbp_m(v, _pos=None) -> str:
    """An axis tick in £m: "£20m", "£2.5m" (never a 2.5 tick shown as "£2m"), "-£5m"."""
    text = f"{abs(v):,.2f}".rstrip("0").rstrip(".")
    return f"£{text}m" if v >= 0 or text == "0" else f"-£{text}m"


_GBP_M = FuncFormatter(_gbp_m)

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


def _source_note(fig, ed: Edition | None) -> None:
    """The data's source as a footnote under the chart (the authority row's Source, from the data)."""
    if ed is not None and ed.source:
        fig.text(0.01, 0.005, f"Source: {ed.source}", fontsize=7, color=GREY, ha="left", va="bottom")


def _layout_done(fig) -> None:
    """The layout is fixed once ``tight_layout`` has run: with no layout engine left on the figure,
    ``savefig`` draws it once. (``tight_layout`` leaves its engine on the figure, and with an engine
    matplotlib's ``print_figure`` draws the whole figure a first time, unrendered, to lay it out
    again: 0.6 of the pack's 2.1 s in savefig under cProfile. The PNGs are byte for byte the same;
    a warm bundled pack took 2.53 s before, 2.24-2.32 s after.)"""
    fig.set_layout_engine(None)


def _finish_noted(fig, ax, path: Path, ed: Edition | None) -> Path:
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    fig.tight_layout(rect=(0, 0.03 if ed is not None and ed.source else 0, 1, 1))
    _layout_done(fig)
    _source_note(fig, ed)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def chart_history(history: pd.DataFrame, path: Path, ed: Edition | None = None) -> Path:
    """Seed chart 1: EHCPs at the January census (top panel, plans), HNB budget and expenditure and
    the in-year overspend (bottom panel, £m bars), over the outturn years (a derived base year
    without an accumulated deficit is left out); the authority and years in the title come from the
    data (:mod:`hnb_xl.reports.edition`)."""
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
    years = f"{h['financial_year'].iloc[0]} to {h['financial_year'].iloc[-1]}"
    who = ed.authority if ed is not None else "Outturn"
    top.set_title(CHARTS["history"][1] + f"\n{who} High Needs Block, {years} (outturn)", fontsize=11)
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
    return _finish_noted(fig, ax, path, ed)


OUTTURN_YEARS_SHOWN = 4   # the seed's chart: four outturn years (2018-19 to 2021-22) before the forecast


def chart_deficit(history: pd.DataFrame, plan_frame: pd.DataFrame, path: Path, ed: Edition | None = None) -> Path:
    """Seed chart 2: accumulated DSG deficit (£m), the last :data:`OUTTURN_YEARS_SHOWN` outturn years
    then the unmitigated projection up to the scenario's own last year (``ed.last_forecast``; the
    plan's last year without an edition), with the year's deficit growth (£m) labelled."""
    h = history[["financial_year", "accumulated_deficit"]].dropna()
    p = plan_frame[["financial_year", "unmitigated_accumulated_deficit"]].rename(
        columns={"unmitigated_accumulated_deficit": "accumulated_deficit"})
    rows = pd.concat([h.assign(kind="outturn"), p.assign(kind="projected")], ignore_index=True)
    rows["y"] = [parse_year(v) for v in rows["financial_year"]]
    rows["growth"] = rows["accumulated_deficit"].diff()
    first_year = parse_year(h["financial_year"].iloc[-1]) - OUTTURN_YEARS_SHOWN + 1 if len(h) else rows["y"].min()
    last_year = parse_year(ed.last_forecast) if ed is not None and ed.last_forecast else rows["y"].max()
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
              ["Outturn", "Projected before the plan's mitigations (the scenario as it stands)"], loc="upper left", fontsize=9, frameon=False)
    span = f"{rows['financial_year'].iloc[0]} to {rows['financial_year'].iloc[-1]}" if len(rows) else ""
    who = f"{ed.authority}, " if ed is not None else ""
    ax.set_title(CHARTS["deficit"][1] + f" (£m DSG), {who}{span}\nlabels: accumulated deficit and in-year growth",
                 fontsize=11)
    return _finish_noted(fig, ax, path, ed)


def chart_waterfall(plan_frame: pd.DataFrame, attribution: pd.DataFrame, year: str, path: Path,
                    ed: Edition | None = None, general_fund: tuple[str, ...] = ()) -> Path:
    """Waterfall for ``year``: unmitigated DSG in-year deficit, minus each DSG workstream's saving
    (sequential attribution), equals the mitigated DSG in-year position (£m). The ``general_fund``
    workstreams' savings (a council budget, not the DSG: engine.safety_valve) follow as separate
    grey bars from zero, labelled "General Fund", after a divider: they do not move the DSG total."""
    row = plan_frame.set_index("financial_year").loc[year]
    start = row["unmitigated_dsg_in_year_deficit"] / M
    savings = attribution.loc[year] / M
    labels = ["Before the plan's\nworkstreams"]
    bottoms, heights, colours = [0.0], [start], [RED]
    level = start
    for name, s in savings.items():
        if name in general_fund:
            continue
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
    dsg_bars = len(labels)
    for name, s in savings.items():
        if name in general_fund:
            labels.append("General Fund:\n" + _wrap(str(name)) + "\n(not in the DSG)")
            bottoms.append(0.0)
            heights.append(s)
            colours.append(GREY)
    fig, ax = plt.subplots(figsize=(11, 6))
    x = range(len(labels))
    ax.bar(x, heights, bottom=bottoms, color=colours, edgecolor="white")
    for i, (b, hgt) in enumerate(zip(bottoms, heights)):
        if i == 0:
            text = f"£{hgt:,.1f}m"
        elif i == dsg_bars - 1:
            text = f"£{end:,.1f}m" if end >= 0 else f"-£{-end:,.1f}m"
        elif i >= dsg_bars:
            text = f"£{hgt:,.1f}m saved"
        else:
            text = f"-£{hgt:,.1f}m"
        ax.annotate(text, (i, b + hgt), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=8)
    if len(labels) > dsg_bars:
        ax.axvline(dsg_bars - 0.5, color=GREY, linestyle="--", linewidth=1)
        ax.annotate("General Fund savings: reported,\nnot in the DSG deficit", (dsg_bars - 0.4, start * 1.05),
                    fontsize=8, color=GREY, ha="left", va="top")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(list(x), labels, fontsize=8)
    ax.set_xlabel(f"Workstream (ILLUSTRATIVE sizes where the bundled defaults are used), {year}")
    ax.set_ylabel("DSG in-year deficit, £m")
    ax.yaxis.set_major_formatter(_GBP_M)
    lo = min(0.0, end, *bottoms)
    ax.set_ylim(lo * 1.3 - 0.5 if lo < 0 else 0, start * 1.15)
    who = f"{ed.authority}, " if ed is not None else ""
    ax.set_title(f"{CHARTS['waterfall'][1]}, {who}{year}\nfrom before the plan's workstreams to the mitigated DSG in-year position "
                 "(savings attributed in list order)", fontsize=11)
    return _finish_noted(fig, ax, path, ed)


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
              target: str | None = None, probability: float | None = None, ed: Edition | None = None) -> Path:
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
            label="Before the plan's workstreams, no contributions")
    ax.axhline(0, color=GREY, linewidth=0.8)
    ax.set_xticks(list(x), list(fan_frame["financial_year"]), fontsize=9)
    ax.set_xlabel("Financial year (31 March)")
    ax.set_ylabel("Accumulated DSG deficit, £m")
    ax.yaxis.set_major_formatter(_GBP_M)
    if target is not None and target in list(fan_frame["financial_year"]):
        i = list(fan_frame["financial_year"]).index(target)
        ax.axvline(i, color=GREEN, linestyle="-.", linewidth=1)
        ax.annotate(f"in-year balance target {target}", (i, ax.get_ylim()[1]), textcoords="offset points",
                    xytext=(4, -14), fontsize=8, color=GREEN)
        if probability is not None:   # in the legend, clear of the lines: the figure and a short caveat
            ax.plot([], [], " ", label=f"P(in-year balance by {target}) = {probability:.0%}: a first year of balance, "
                                      "not sustained;\nILLUSTRATIVE spreads, not a forecast (the caveat is in the caption)")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    who = f", {ed.authority}" if ed is not None else ""
    ax.set_title(CHARTS["fan"][1] + who + "\n(Monte Carlo over growth, other DSG movements, transfer and workstream delivery; "
                 "ILLUSTRATIVE)", fontsize=11)
    return _finish_noted(fig, ax, path, ed)


# ---------------------------------------------------------------------------------------------
# The placement projection's charts (issue 15 item 5; engineer D2): drawn when the pack is given
# the placement frames (:func:`hnb_xl.api.placement_charts`), after the four above

# one colour a stacked segment: the seven categories, then the spend not per plan and the calibration line
_SEGMENT_COLOURS = ["#1f5fa8", "#6fa8dc", "#2e8b57", "#c0392b", "#8e44ad", "#e08a1e", "#b8860b", "#7f7f7f",
                    "#d9d9d9"]


def chart_spend_by_category(spend: pd.DataFrame, path: Path, ed: Edition | None = None,
                            source: str = "") -> Path:
    """HNB spend by year (£m), stacked: one segment a column of ``spend`` (index: financial year;
    columns: the placement categories by the DSG plan's names, the spend not per plan, the
    calibration line), the year's total labelled on top. ``source``: the placement inputs' basis
    line, printed under the chart beside the edition's source."""
    years = list(spend.index)
    x = list(range(len(years)))
    fig, ax = plt.subplots(figsize=(11, 6.2))
    bottom = pd.Series(0.0, index=spend.index)
    for i, col in enumerate(spend.columns):
        ax.bar(x, spend[col] / M, 0.7, bottom=bottom / M, label=_wrap(str(col), 34),
               color=_SEGMENT_COLOURS[i % len(_SEGMENT_COLOURS)], edgecolor="white", linewidth=0.5)
        bottom = bottom + spend[col]
    for i, total in zip(x, bottom):
        ax.annotate(f"£{total / M:,.0f}m", (i, total / M), textcoords="offset points", xytext=(0, 3), ha="center",
                    fontsize=8)
    ax.set_xticks(x, years, fontsize=8)
    ax.set_xlabel("Financial year (the first is the base year's outturn)")
    ax.set_ylabel("HNB spend, £m")
    ax.yaxis.set_major_formatter(_GBP_M)
    ax.set_ylim(0, bottom.max() / M * 1.12)
    handles, names = ax.get_legend_handles_labels()     # top segment first, as the bars stack
    ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    who = f"{ed.authority}, " if ed is not None and ed.authority else ""
    ax.set_title(PLACEMENT_CHARTS["by_category"][1] + f"\n{who}{years[0]} to {years[-1]}\n(caseload x unit cost "
                 "by category, plus the spend not per plan; unit costs and flows ILLUSTRATIVE)", fontsize=11)
    return _finish_sourced(fig, ax, path, ed, source)


def _finish_sourced(fig, ax, path: Path, ed: Edition | None, source: str) -> Path:
    """As :func:`_finish_noted`, with a second footnote line: the placement inputs' ``source``."""
    if not source:
        return _finish_noted(fig, ax, path, ed)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    note = _wrap(f"Placement counts: {source}", 190)
    fig.tight_layout(rect=(0, 0.03 + 0.022 * (note.count(chr(10)) + 1), 1, 1))
    _layout_done(fig)
    _source_note(fig, ed)
    fig.text(0.01, 0.028, note, fontsize=6.5, color=GREY, ha="left", va="bottom")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def chart_placement_scenarios(deficits: pd.DataFrame, path: Path, ed: Edition | None = None,
                              source: str = "") -> Path:
    """The accumulated DSG deficit (£m) by year of each scenario, one line a column of ``deficits``
    (index: financial year, the base year's outturn first; columns: the scenarios' names, the
    mitigated one last), each line's last value labelled; ``source`` as :func:`chart_spend_by_category`."""
    years = list(deficits.index)
    x = list(range(len(years)))
    fig, ax = plt.subplots(figsize=SIZE)
    styles = [(GREY, "--", "s"), (RED, "-", "o"), (GREEN, "-", "^")]
    for (colour, dash, marker), col in zip(styles, deficits.columns):
        ax.plot(x, deficits[col] / M, color=colour, linestyle=dash, marker=marker, markersize=4, label=str(col))
        last = deficits[col].iloc[-1] / M
        ax.annotate(f"£{last:,.0f}m", (x[-1], last), textcoords="offset points", xytext=(4, 0), fontsize=8,
                    color=colour, va="center")
    ax.set_xticks(x, years, fontsize=8)
    ax.set_xlim(-0.3, len(x) - 0.3)
    ax.set_xlabel("Financial year (31 March; the first is outturn)")
    ax.set_ylabel("Accumulated DSG deficit, £m")
    ax.yaxis.set_major_formatter(_GBP_M)
    ax.set_ylim(0, deficits.to_numpy(float).max() / M * 1.12)
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    who = f"{ed.authority}, " if ed is not None and ed.authority else ""
    ax.set_title(PLACEMENT_CHARTS["scenarios"][1] + f"\n{who}{years[0]} to {years[-1]}\n(mitigated: the placement workstreams' DSG savings; a "
                 "General Fund saving is not in it; ILLUSTRATIVE sizes)", fontsize=11)
    return _finish_sourced(fig, ax, path, ed, source)


def chart_tornado(sensitivity, path: Path, ed: Edition | None = None, source: str = "") -> Path:
    """The tornado (:func:`hnb_xl.api.placement_sensitivity`'s ``tornado`` frame for its ``year``):
    one row a driver, the largest swing at the top, a bar from 0 to the change in the accumulated
    DSG deficit (£m) at its low and at its high setting, each labelled with its change; the central
    value in the subtitle. ``source`` as :func:`chart_spend_by_category`."""
    t = sensitivity.tornado
    y = list(range(len(t)))
    fig, ax = plt.subplots(figsize=(11, 6.2))
    low, high = t["low_change"].to_numpy(float) / M, t["high_change"].to_numpy(float) / M
    for i, lo, hi in zip(y, low, high):
        # both settings the same way (more places can raise spend both ways): the shorter bar drawn
        # over the longer one and labelled inside its end, so neither hides the other
        same = lo * hi > 0
        for v, other, colour in ((lo, hi, BLUE), (hi, lo, ORANGE)):
            inner = same and abs(v) < abs(other)
            ax.barh(i, v, 0.6, color=colour, zorder=3 if inner else 2)
            text = f"£{abs(v):,.1f}m" if round(v, 1) >= 0 else f"-£{abs(v):,.1f}m"
            outward = (v >= 0) != inner
            ax.annotate(text, (v, i), textcoords="offset points", xytext=(4 if outward else -4, 0), zorder=4,
                        ha="left" if outward else "right", va="center", fontsize=8,
                        color="white" if inner else "black")
    ax.set_yticks(y, [_wrap(str(d), 40) for d in t["driver"]], fontsize=8)
    ax.invert_yaxis()                       # the first row (largest swing) at the top
    ax.axvline(0, color=GREY, linewidth=0.8)
    reach = max(float(t[["low_change", "high_change"]].abs().to_numpy().max()) / M, 1e-6)
    ax.set_xlim(-reach * 1.3, reach * 1.3)
    ax.xaxis.set_major_formatter(_GBP_M)
    ax.set_xlabel(f"Change in the accumulated DSG deficit at 31 March {parse_year(sensitivity.year) + 1}, £m")
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(color=BLUE, label="Change at the low setting"),
                       Patch(color=ORANGE, label="Change at the high setting")], loc="lower right", fontsize=8,
              frameon=False)
    who = f"{ed.authority}, " if ed is not None and ed.authority else ""
    ax.set_title(PLACEMENT_CHARTS["tornado"][1] + f"\n{who}{sensitivity.year}: central "
                 f"{_money(float(t['central'].iloc[0]))}\n(each driver at its low, then its high setting, the others "
                 "central; unit costs and flows ILLUSTRATIVE)", fontsize=11)
    return _finish_sourced(fig, ax, path, ed, source)


# ---------------------------------------------------------------------------------------------
# HTML: one self-contained page (the charts embedded as data: URIs), the seed's tables beside the plan's


def _money(v) -> str:
    return format_value(v, "money_short")


def _sentence(text: str) -> str:
    """First letter up, the rest as written ("EHC" stays "EHC")."""
    return text[:1].upper() + text[1:]


def _cell(v, kind: str | None) -> str:
    if kind is None:
        return f"<td>{html.escape('' if is_blank(v) else str(v))}</td>"
    return f'<td class="num">{html.escape(format_value(v, kind))}</td>'


def _table(frame: pd.DataFrame, kinds: dict[str, str], titles: dict[str, str], caption: str = "",
           long: bool = False) -> str:
    """An HTML table of ``frame``'s columns in order: headers from ``titles`` (every column needs
    one: no engine name reaches the page), cells formatted by ``kinds`` (output.format_value;
    a column without a kind is text), in a block that keeps the caption with its table on one
    printed page; ``long``: a table that may run over pages (its header row repeated), rows whole."""
    missing = [c for c in frame.columns if c not in titles]
    if missing:
        raise KeyError(f"pack table without a human label for {missing}")
    head = "".join(f"<th>{html.escape(titles[c])}</th>" for c in frame.columns)
    body = ["<tr>" + "".join(_cell(v, kinds.get(c)) for c, v in zip(frame.columns, row)) + "</tr>"
            for row in frame.itertuples(index=False)]
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (f"<div class='{'long' if long else 'tbl'}'><table>{cap}<thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _header(schema, name: str) -> str:
    return next(c.header for c in schema.columns if c.name == name)


# the one place for the labels of the computed columns the page shows (input columns take their
# schema header: hnb_xl/tables/schema.py)
_PLAN_TITLES = {"financial_year": "Year", "status": "Outturn, forecast or extrapolated",
                "unmitigated_dsg_in_year_deficit": "DSG in-year deficit before the plan's workstreams",
                "unmitigated_accumulated_deficit": "Accumulated deficit before the plan's workstreams",
                "total_saving": "DSG saving", "general_fund_saving": "General Fund saving (not in the DSG)",
                "dsg_in_year_deficit": "Mitigated DSG in-year deficit",
                "accumulated_deficit": "Mitigated accumulated deficit (before contributions)",
                "dfe_contribution": "DfE contribution", "council_contribution": "Council contribution",
                "accumulated_deficit_after_contributions": "Accumulated deficit after contributions"}
_HISTORY_TITLES = {"financial_year": _header(HISTORY, "financial_year"), "ehcp_count": _header(HISTORY, "ehcp_count"),
                   "ehcp_growth": "EHCP growth", "hnb_budget": _header(HISTORY, "hnb_budget"),
                   "budget_growth": "Budget growth", "hnb_expenditure": _header(HISTORY, "hnb_expenditure"),
                   "expenditure_growth": "Expenditure growth", "in_year_deficit": "In-year deficit",
                   "accumulated_deficit": _header(HISTORY, "accumulated_deficit")}
_HISTORY_KINDS = {"ehcp_count": "count", "ehcp_growth": "pct", "hnb_budget": "money_short", "budget_growth": "pct",
                  "hnb_expenditure": "money_short", "expenditure_growth": "pct", "in_year_deficit": "money_short",
                  "accumulated_deficit": "money_short"}
_DEFICIT_TITLES = {"financial_year": "Year", "accumulated_deficit": _header(HISTORY, "accumulated_deficit"),
                   "deficit_growth": "Deficit growth in the year", "status": "Outturn, forecast or extrapolated"}
_ITT_TITLES = {c.name: c.header for c in INVEST_TO_TRANSFORM.columns} | {"remaining": "Remaining"}
_DRIVER_TITLES = {c.name: c.header for c in ASSUMPTIONS.columns}
_DRIVER_KINDS = {c.name: c.kind for c in ASSUMPTIONS.columns}     # a rate's spread in points, money's in £


def status_of(year: str, ed: Edition) -> str:
    """outturn (a history year), forecast (up to the scenario's own last year) or extrapolated
    (after it: an earlier year's drivers carried on; hnb_xl/data/README.md)."""
    y = parse_year(year)
    if y <= parse_year(ed.last_outturn):
        return "outturn"
    return "forecast" if ed.last_forecast and y <= parse_year(ed.last_forecast) else "extrapolated"


def _statuses(frame: pd.DataFrame, ed: Edition) -> list[str]:
    if "status" in frame.columns:          # the api's own per-year flag, where it gives one
        return list(frame["status"])
    return [status_of(y, ed) for y in frame["financial_year"]]


def _image(path: Path, caption: str) -> str:
    """A chart embedded in the page (data: URI), so the page is one file that can be emailed."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f"<figure><img src=\"data:image/png;base64,{data}\" alt=\"{html.escape(caption)}\">"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def limitations(ed: Edition, history: pd.DataFrame, assumptions: pd.DataFrame, agreement: Agreement,
                notes: PackNotes, contingency: pd.DataFrame | None) -> list[str]:
    """What the figures assume or only illustrate, in words made from the inputs."""
    basis = " ".join(str(b) for b in assumptions.get("basis", pd.Series([], dtype=object)) if not is_blank(b))
    replica = notes.replica if notes.replica is not None else "calibrated" in basis.lower()
    out = []
    if replica:
        out.append(f"<b>Calibration plug.</b> The projection is the scenario "
                   f"<b>{html.escape(notes.scenario or 'the bundled default')}</b>: a replica of a published forecast, "
                   "<b>not an unmitigated forecast</b> of demand. Its cost-per-EHCP growth is solved year by year so "
                   "that the accumulated deficit reproduces the published figures.")
    else:
        out.append(f"<b>Projection assumptions</b> ({html.escape(notes.scenario or 'as given')}, forecast "
                   f"{html.escape(ed.forecast)}) are the inputs' own; the model projects them, it does not test them.")
    if "other_dsg_movements" in assumptions.columns and len(assumptions):
        others = assumptions["other_dsg_movements"].astype(float)
        out.append(f"<b>Other DSG movements</b> ({_money(others.mean())} a year on average in the assumptions) "
                   "reconcile the HNB in-year deficit with the accumulated DSG deficit (other blocks, adjustments); "
                   "they are assumed, not forecast.")
    ext = [y for y in assumptions["financial_year"] if status_of(y, ed) == "extrapolated"]
    if ext:
        out.append(f"<b>Extrapolated years</b> {html.escape(ext[0])} to {html.escape(ext[-1])} hold the scenario's last "
                   f"year's drivers ({html.escape(str(ed.last_forecast))}): they are extrapolated, not forecast.")
    total = sum(agreement.dfe_contributions.values())
    if total:
        if agreement.payments:
            out.append(f"<b>DfE instalments</b> ({_money(total)} in all) follow the payment records given.")
        else:
            out.append(f"<b>Instalment profile.</b> The DfE total ({_money(total)}) is split into "
                       f"{len(agreement.dfe_contributions)} instalments by an <b>assumed</b> profile (the agreement's "
                       "own profile is not public); what is actually paid may differ.")
    if contingency is not None and contingency["school_name"].astype(str).str.contains("synthetic", case=False).any():
        out.append("<b>Synthetic schools.</b> The SEND Contingency schools are SYNTHETIC demo data, not a census: "
                   "replace them with the authority's own snapshot before sharing any allocation.")
    if notes.illustrative_workstreams:
        out.append("<b>Illustrative workstreams.</b> The workstream sizes, ramp-up and delivery confidence are the "
                   "bundled <b>ILLUSTRATIVE</b> defaults (the seed names the levers, not their sizes); so are the "
                   "Monte Carlo distributions.")
    else:
        out.append("<b>Monte Carlo distributions</b> are the bundled <b>ILLUSTRATIVE</b> ones unless given.")
    return out + [html.escape(m) for m in notes.more]


_CSS = """body{font-family:Arial,Helvetica,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.85em}th,td{border:1px solid #bbb;padding:3px 6px}
th{background:#eef2f7;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:bold;padding:0.3em 0}
img{max-width:100%;border:1px solid #ddd}figure{margin:0.5em 0 1.5em}figcaption{font-size:0.85em;color:#555}
.note{background:#fff8e1;padding:0.6em 1em;border-left:4px solid #e0a800}.note li{margin:0.3em 0}
.stamp{color:#555;font-size:0.9em}.caveat{color:#555;font-size:0.9em}
td.rag.red{background:#f4c7c3}td.rag.amber{background:#fce8b2}td.rag.green{background:#b7e1cd}
@page{size:A4 landscape;margin:1.2cm}figure,.tbl{break-inside:avoid}h2,h3{break-after:avoid}
.long table{break-inside:auto}.long tr{break-inside:avoid}.long caption{break-after:avoid}@media print{body{margin:0;max-width:none}table{font-size:0.75em}img{max-height:15cm;width:auto}}"""


def record_html(record: Assurance | None) -> list[str]:
    """The back-test (with a SEN2 release; else the validation log's back-tests) and the assurance
    record (:mod:`hnb_xl.reports.record`), or the sentence that none is written for the authority."""
    if record is None:
        return []
    out = []
    if record.backtest is not None:
        out += [f"<h2>Back-test: projected EHCPs against DfE SEN2 actuals, {html.escape(record.authority)}</h2>",
                _text_table(backtest_text(record.backtest)),
                f"<p>Actuals: {html.escape(record.backtest_source)}; {html.escape(CENSUS_NOTE)}</p>"]
    else:
        stored = record.stored_backtests
        if stored is not None and len(stored):
            out += ["<h2>Back-tests in the validation log</h2>", _text_table(stored),
                    "<p>hnb-xl pack --sen2 RELEASE adds the back-test against DfE's SEN2 actuals year by year.</p>"]
    out.append("<h2 id='assurance'>Assurance record (HM Treasury Aqua Book)</h2>")
    if record.parts is None:
        return out + ["<div class='note'>" + "".join(f"<p>{html.escape(t)}</p>" for t in record.not_written) + "</div>"]
    for heading, frame in record.parts:
        if len(frame):
            out.append(_text_table(frame, heading, rated="Rating" in frame.columns))
    return out


def _text_table(frame: pd.DataFrame, caption: str = "", rated: bool = False) -> str:
    """A table of text cells under their own headers; ``rated``: the Rating cell coloured by its
    red/amber/green value (such a log may run over pages)."""
    html_ = _table(frame, {}, {c: c for c in frame.columns}, caption, long=rated)
    if rated:
        for word in ("Red", "Amber", "Green"):
            html_ = html_.replace(f"<td>{word}</td>", f"<td class='rag {word.lower()}'>{word}</td>")
    return html_


def write_html(path: Path, result: PackResult, workstreams: list[Workstream], agreement: Agreement,
               uncertainty: Uncertainty, images: list[Path], ed: Edition, history: pd.DataFrame,
               assumptions: pd.DataFrame, sections: dict | None = None, notes: PackNotes = PackNotes(),
               made: str = "", record: Assurance | None = None) -> Path:
    """The pack's page: title (authority and data vintage), version and date stamp, limitations,
    headlines, the charts, the seed's tables (history, deficit growth, Invest to Transform, SEND
    Contingency summary) and the plan's tables; money rounded for reading (£49.1m)."""
    sections = sections or {}
    s = result.summary
    plan = result.plan.copy()
    plan.insert(1, "status", _statuses(plan, ed))
    plan_cols = list(_PLAN_TITLES)
    money_kinds = {c: "money_short" for c in plan_cols if c not in ("financial_year", "status")}
    attr = result.attribution.reset_index()
    attr_titles = {"financial_year": "Year"} | {c: str(c) for c in attr.columns if c != "financial_year"}
    ws_frame = pd.DataFrame([{"name": w.name, "lever": _sentence(LEVERS.get(w.lever, w.lever)),
                              "budget_area": w.budget_area, "funding": w.funding,
                              "amount": _money(w.amount) if w.lever == CASH else f"{w.amount:.1%}",
                              "start": fy(w.start_year), "ramp": f"{w.ramp_years:g}",
                              "confidence": f"{w.delivery_confidence:.0%}"} for w in workstreams])
    ws_titles = {"name": "Workstream", "lever": "Lever", "budget_area": "Budget area",
                 "funding": "Funding (General Fund: not in the DSG figures)", "amount": "Full effect",
                 "start": "Start", "ramp": "Ramp-up (years)", "confidence": "Delivery confidence"}
    inst = pd.DataFrame({"financial_year": list(agreement.dfe_contributions),
                         "dfe_contribution": list(agreement.dfe_contributions.values())})
    fan_t = result.fan[["financial_year", "p10", "p50", "p90", "mean"]]
    unc = pd.DataFrame({"driver": [_DRIVER_TITLES.get(d, d) for d in uncertainty.sd],
                        "distribution": "normal around the year's assumption",
                        "sd": [_money(v) if _DRIVER_KINDS.get(d) in ("money", "signed_money") else
                               f"{v * 100:.1f} percentage points" for d, v in uncertainty.sd.items()]})

    h = history_table(history)
    deficit = pd.concat([h[["financial_year", "accumulated_deficit", "deficit_growth"]].dropna(subset=["accumulated_deficit"]),
                         plan[["financial_year", "unmitigated_accumulated_deficit"]].rename(
                             columns={"unmitigated_accumulated_deficit": "accumulated_deficit"})], ignore_index=True)
    deficit["deficit_growth"] = deficit["accumulated_deficit"].diff()
    deficit["status"] = [status_of(y, ed) for y in deficit["financial_year"]]

    def show(v):
        return html.escape(v) if v else "not within the plan years"
    who = html.escape(ed.authority)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{who} High Needs Block and safety valve plan: Schools Forum pack ({html.escape(ed.vintage)})</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{who} High Needs Block and safety valve plan</h1>",
        f"<p class='stamp'>Data: {html.escape(ed.vintage)}. DfE LA code {html.escape(ed.code)}. "
        f"Made with hnb_xl {html.escape(__version__)} on {html.escape(made)}. Money in pounds, rounded for reading "
        "(£49.1m = £49,100,000 to the nearest £0.1m); the CSV/JSON outputs of hnb-xl carry the exact figures.</p>",
        "<div class='note'><b>Limitations: what is assumed or illustrative</b><ul>",
        *[f"<li>{line}</li>" for line in limitations(ed, history, assumptions, agreement, notes,
                                                   sections.get("contingency"))],
        "<li>Sign convention: accumulated deficit carried forward = brought forward + in-year deficit + other DSG "
        "movements &minus; DfE and council contributions; a positive deficit is an overspend.</li></ul></div>",
        "<h2>Headlines</h2><ul>",
        f"<li>First year of DSG in-year balance (mitigated): <b>{show(s['first_balance_year'])}</b></li>",
        f"<li>First year of in-year balance before the plan's workstreams: {show(s['unmitigated_balance_year'])}</li>",
        f"<li>Accumulated deficit cleared (after contributions): <b>{show(s['deficit_cleared_year'])}</b></li>",
    ]
    if not s.get("agreement", True):
        parts.append(f"<li><b>{NO_AGREEMENT_TEXT}</b>: no target year, deficit gap or instalments to report</li>")
    if s["target_balance_year"]:
        line = (f"<li>Target in-year balance by {s['target_balance_year']}: "
                f"<b>{'met' if s['target_met'] else 'NOT met'}</b> in the deterministic plan")
        if result.probability_of_balance is not None:
            line += (f"; probability in the Monte Carlo: <b>{result.probability_of_balance:.0%}</b>"
                     f"<br><span class='caveat'>What this probability is: "
                     f"{html.escape(balance_caveat(s['target_balance_year']))}.</span>")
        parts.append(line + "</li>")
    parts.append(f"<li>DfE contributions {_money(s['dfe_total'])}; council contributions {_money(s['council_total'])}; "
                 f"DSG savings over the plan years {_money(s['total_saving'])}"
                 + (f"; General Fund savings {_money(s['general_fund_saving'])} (reported, not in the DSG deficit)"
                    if s.get("general_fund_saving") else "") + "</li></ul>")
    captions = {CHARTS["history"][0]: chart_title(CHARTS["history"][1], ed.authority, f"outturn {ed.outturn}"),
                CHARTS["deficit"][0]: chart_title(CHARTS["deficit"][1], ed.authority,
                                                  "outturn then the projection before the plan's workstreams"),
                CHARTS["waterfall"][0]: CHARTS["waterfall"][1], CHARTS["fan"][0]: CHARTS["fan"][1],
                **{name: title for name, title in PLACEMENT_CHARTS.values()}}
    if result.probability_of_balance is not None:     # the figure the chart prints, with its caveat beside it
        captions[CHARTS["fan"][0]] += (f". P(balance by {s['target_balance_year']}) = "
                                       f"{result.probability_of_balance:.0%}: {balance_caveat(s['target_balance_year'])}")
    figures = [_image(img, captions.get(img.name, img.stem)) for img in images]
    # the heading printed on the page of the first chart (a heading alone at a page's foot reads badly)
    parts += [f"<div class='tbl'><h2>Charts</h2>{figures[0]}</div>" if figures else "<h2>Charts</h2>", *figures[1:]]
    parts += [f"<h2>{who}: the Schools Forum tables</h2>",
              _table(h[list(_HISTORY_TITLES)], _HISTORY_KINDS, _HISTORY_TITLES,
                     f"Budget and spend have grown, but not as fast as EHCP numbers: outturn {ed.outturn}"),
              _table(deficit, {"accumulated_deficit": "money_short", "deficit_growth": "money_short"}, _DEFICIT_TITLES,
                     "Deficit growth projected: outturn, then the projection before the plan's workstreams")]
    itt = sections.get("invest_to_transform")
    if itt is not None:
        parts.append(_table(itt, {"allocation": "money_short", "committed_spend": "money_tbc", "remaining": "money_tbc"},
                            _ITT_TITLES, "Invest to Transform funding (committed spend TBC where not yet known)"))
    cont = sections.get("contingency")
    if cont is not None:
        allocated = cont["allocation"].sum()
        short = cont["shortfall"].sum()
        summ = pd.DataFrame([
            {"what": "Schools with a shortfall", "value": f"{int((cont['shortfall'] > 0).sum()):,} of {len(cont):,}"},
            {"what": "Total shortfall", "value": _money(short)},
            {"what": "Allocated (the pot, shared pro rata)", "value": _money(allocated)},
            {"what": "Share of each shortfall paid", "value": f"{min(1.0, allocated / short):.1%}" if short else "n/a"},
            {"what": "Schools receiving an allocation", "value": f"{int((cont['allocation'] > 0).sum()):,}"}])
        parts.append(_table(summ, {}, {"what": "SEND Contingency", "value": "Amount"}, "SEND Contingency summary"))
    parts += ["<h2>Plan by year: before the plan's workstreams ("
              + html.escape(("the " + notes.scenario[:1].lower() + notes.scenario[1:]) if notes.scenario and notes.replica
                            else notes.scenario or "the assumptions given")
              + "), mitigated, agreement</h2>",
              _table(plan[plan_cols], money_kinds, _PLAN_TITLES),
              "<h2>Saving by workstream</h2><p>Sequential attribution in the order listed: each workstream's "
              "saving is the further reduction in expenditure it brings on top of those above it, so the parts add "
              "up to the total saving in every year.</p>",
              _table(attr, {c: "money_short" for c in attr.columns if c != "financial_year"}, attr_titles),
              "<h2>Workstreams</h2>", _table(ws_frame, {}, ws_titles) if len(ws_frame) else "<p>None.</p>",
              "<h2>DfE instalments</h2>",
              _table(inst, {"dfe_contribution": "money_short"}, {"financial_year": "Year", "dfe_contribution": "DfE instalment"})
              if len(inst) and agreement.exists else f"<p>{NO_AGREEMENT_TEXT}.</p>" if not agreement.exists
              else "<p>None.</p>",
              f"<h2>Uncertainty: accumulated deficit after contributions, {uncertainty.paths:,} paths, "
              f"seed {uncertainty.seed}</h2>",
              _table(fan_t, {k: "money_short" for k in ("p10", "p50", "p90", "mean")},
                     {"financial_year": "Year", "p10": "P10", "p50": "P50 (median)", "p90": "P90", "mean": "Mean"}),
              _table(unc, {}, {"driver": "Driver", "distribution": "Distribution", "sd": "Standard deviation"}),
              f"<p>Year-to-year correlation of shocks: {uncertainty.year_correlation:.2f}.</p>",
              *record_html(record),
              "</body></html>"]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def build_pack(out_dir, history: pd.DataFrame, assumptions: pd.DataFrame, workstreams: list[Workstream],
               agreement: Agreement, uncertainty: Uncertainty, to_year: int | None = None, *,
               edition: Edition | None = None, sections: dict | None = None, notes: PackNotes = PackNotes(),
               made: str | None = None, record: Assurance | None = None,
               placement: dict | None = None) -> PackResult:
    """Compute the plan and Monte Carlo and write the four PNGs and ``index.html`` (the PNGs
    embedded) to ``out_dir``; ``placement`` (:func:`hnb_xl.api.placement_charts`): three more, the
    spend by placement category, the three scenarios' accumulated deficit and the tornado
    (:data:`PLACEMENT_CHARTS`). ``edition``: the authority, years and source (default: from the
    inputs and the bundled parameters); ``sections``: the report's tables (api.report_sections) for
    the seed's Invest to Transform and SEND Contingency tables; ``made``: the date stamp (default today);
    ``record``: the back-test and the assurance record (:mod:`hnb_xl.reports.record`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ed = edition or _bundled_edition(history, assumptions)
    frame, parts = plan(history, assumptions, workstreams, agreement, to_year=to_year)
    last = parse_year(frame["financial_year"].iloc[-1])
    sim = simulate(history, assumptions, workstreams, agreement, uncertainty, to_year=last)
    f = fan(sim)
    s = summary(frame, agreement)
    target = s["target_balance_year"]
    prob = probability_of_balance(sim, target) if target and parse_year(target) <= last else None
    wf_year = target if target in list(frame["financial_year"]) else frame["financial_year"].iloc[-1]
    images = [
        chart_history(history, out / CHARTS["history"][0], ed),
        chart_deficit(history, frame, out / CHARTS["deficit"][0], ed),
        chart_waterfall(frame, parts, wf_year, out / CHARTS["waterfall"][0], ed,
                        tuple(w.name for w in workstreams if not w.on_dsg)),
        chart_fan(f, frame, out / CHARTS["fan"][0], uncertainty.paths, target, prob, ed),
    ]
    if placement is not None:
        images += [chart_spend_by_category(placement["spend"], out / PLACEMENT_CHARTS["by_category"][0], ed,
                                           placement["source"]),
                   chart_placement_scenarios(placement["deficits"], out / PLACEMENT_CHARTS["scenarios"][0], ed,
                                             placement["source"])]
        if placement.get("sensitivity") is not None:
            images.append(chart_tornado(placement["sensitivity"], out / PLACEMENT_CHARTS["tornado"][0], ed,
                                        placement["source"]))
    result = PackResult(out, [], frame, parts, s, f, prob)
    page = write_html(out / "index.html", result, list(workstreams), agreement, uncertainty, images, ed, history,
                      assumptions, sections, notes, made or _dt.date.today().isoformat(), record)
    result.files = [*images, page]
    return result


def _bundled_edition(history: pd.DataFrame, assumptions: pd.DataFrame) -> Edition:
    from .. import bundled
    p = bundled.parameters()
    source = dict(zip(bundled.parameter_table()["name"], bundled.parameter_table()["source"]))
    return edition(history, assumptions, p, source.get("authority_name", ""))
