"""The engine's twin of every calculation and output cell, and the comparison with a recalculation.

The workbook's own inputs (the Inputs sheet's tables, read as the refresh reads them:
:func:`hnb_xl.workbook.refresh.plan.read_table`) are validated by their schemas
(:func:`hnb_xl.tables.schema.to_frame`, rows numbered as the sheet shows them) and run through the
engine's use cases (:mod:`hnb_xl.api`). Each engine figure is then put at the cell that should hold
it, by :mod:`hnb_xl.workbook.layout` (the one place that knows addresses):

* Calc_History: one column per history year, rows ``ehcp budget expenditure accumulated ehcp_growth
  budget_growth expenditure_growth in_year deficit_growth other`` (``HIST``);
* Calc_Projection: one column per projected year, rows ``ehcp cost expenditure funding transfer
  budget in_year other accumulated deficit_growth`` (``PROJ``);
* Calc_Contingency: one row per school, columns ``shortfall exact allocation`` (``CONT``), and the
  scalars total shortfall, payable, allocated and schools receiving;
* Calc_Transfer: the Invest to Transform totals (``TRANS["rows"]``);
* Outputs: the history table and the "deficit growth projected" table (``OUT``);
* Safety_Valve (``SV``): the plan by year (:func:`hnb_xl.api.plan` on the sheet's own agreement
  terms and workstreams, the 2026 settlement left off as the sheet's plan rows leave it), one
  column per projected year as on Calc_Projection, each workstream's attributed saving, and the
  results (first year of in-year balance, year the deficit is cleared, target met; the agreement's
  end and the gap left then where the sheet has those rows).

A twin agrees when (rule of the comparison, the workbook's own tolerance ``Cross_Check_Tolerance``
= £1 on the Inputs sheet, ``layout.MODEL_SETTINGS``): money whose difference, to the penny, is under £1 (so
a formula made £1 more is found); counts and years exactly; rates (fractions) and
projected EHCPs (a count times growth factors, not whole) within 0.000001; an engine blank (NaN, e.g. the first year's growth) against a blank or "" cell.
Everything else, an error value such as ``#REF!`` or text where a number belongs included, is a
disagreement reported at its cell with both values and the cell's formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ... import api
from ...engine.history import history_table
from ...engine.safety_valve import NO_AGREEMENT_TEXT
from ...errors import HnbInputError
from ...tables.cells import is_blank
from ...tables.schema import PARAMETER_TERMS, SCHEMAS, to_frame
from ...tables.validate import TERM_RULES
from ...years import parse_year
from .. import layout as L
from ..refresh.plan import read_table, targets
from .check import Finding

MONEY_TOLERANCE = 1.0          # £
RATE_TOLERANCE = 1e-6          # a fraction


@dataclass(frozen=True)
class Twin:
    """The engine's value for one cell: ``kind`` is money, count, rate or text."""
    sheet: str
    cell: str
    what: str
    kind: str
    expected: object


# ----------------------------------------------------------------------------------- the inputs

def input_frames(cells) -> tuple[dict[str, pd.DataFrame], list[Finding]]:
    """Each Inputs table as a validated frame; each problem as a finding at its Inputs cell.

    ``cells``: :class:`hnb_xl.workbook.refresh.cells.OpenpyxlCells` (or the xlwings twin)."""
    frames, findings = {}, []
    for key, target in targets().items():
        rows = read_table(cells, target)
        if not rows and key in MAY_BE_EMPTY:
            continue
        if not rows and key in EMPTY_FRAME_WHEN_EMPTY:
            frames[key] = pd.DataFrame(columns=[c.name for c in SCHEMAS[key].columns])
            continue
        if key == "parameters":
            frames[key], bad = _parameter_frame(target, rows)
            findings += bad
            continue
        findings += _text_in_numbers(target, rows)
        try:
            frames[key] = to_frame(SCHEMAS[key], list(target.headers), rows, source=target.sheet,
                                   first_row_number=target.first_row)
        except HnbInputError as exc:
            for p in exc.problems or [exc]:
                findings.append(_input_finding(target, p))
            continue
        if key in TERM_RULES:        # the Monte Carlo's settings and spreads: each at its Inputs cell
            findings += [_input_finding(target, p) for p in TERM_RULES[key](frames[key])]
    if L.SAFETY_VALVE in cells.sheetnames:
        sv, bad = safety_valve_frames(cells)
        frames.update(sv)
        findings += bad
    return frames, findings


# Inputs tables that may be left empty: the instalments as paid (blank: the agreement's assumed
# profile, as hnb_xl.api.plan reads payments=None) and the placement tables (a workbook for another
# authority starts with them empty; capacity, moves and backlog may stay so: none)
MAY_BE_EMPTY = ("payments", "placement_history") + L.PLACEMENT_TABLES + ("placement_workstreams",)
# ... and read as an empty frame when they are: the agreement (none: "No safety valve agreement",
# hnb_xl.api.plan; not absent, which would mean the bundled one) and the workstreams (none: a plan
# without workstreams, as build --sources takes an empty workstreams file)
EMPTY_FRAME_WHEN_EMPTY = ("agreement", "workstreams")


def safety_valve_frames(cells) -> tuple[dict[str, pd.DataFrame], list[Finding]]:
    """The Safety_Valve sheet's own inputs as the plan's tables: ``agreement`` (one term a row, from
    the agreement block's value column) and ``workstreams`` (the rows that are not blank), validated
    by their schemas with the sheet's row numbers; a problem is a finding on the sheet."""
    V, frames, findings = L.SV, {}, []
    rows = sorted((row, key) for key, (row, _name, _fmt) in V["agreement"].items())
    first = rows[0][0]
    values = cells.read(L.SAFETY_VALVE, first, V["value_col"], rows[-1][0] - first + 1, 1)
    terms = [[key, values[row - first][0]] for row, key in rows]
    block = cells.read(L.SAFETY_VALVE, V["ws_first"], 1, V["ws_max"], len(V["ws_headers"]))
    for key, headers, table, first_row in (("agreement", ["Parameter", "Value"], terms, first),
                                           ("workstreams", list(V["ws_headers"]), block, V["ws_first"])):
        if key in targets():      # an input table the refresh writes (layout.INPUT_TABLES): read with the others
            continue
        try:
            frames[key] = to_frame(SCHEMAS[key], headers, table, source=L.SAFETY_VALVE, first_row_number=first_row)
        except HnbInputError as exc:
            findings += [Finding(L.SAFETY_VALVE, "", "input", str(p)) for p in exc.problems or [exc]]
    return frames, findings


def _text_in_numbers(target, rows: list[list]) -> list[Finding]:
    """A number typed as text (Excel's left-aligned "100,178k" or "'6100"): the schema's grammar may
    read it as the file reader would, but the workbook's formulas cannot (N() gives 0, arithmetic
    #VALUE!), so in a workbook it is a finding at its cell. A column's "not known" code (TBC) is not."""
    out = []
    columns = {c.name: c for c in SCHEMAS[target.key].columns}
    for j, key in enumerate(target.column_keys):
        col = columns.get(key)
        if col is None or col.kind in ("text", "year"):
            continue
        for i, row in enumerate(rows):
            v = row[j] if j < len(row) else None
            if isinstance(v, str) and not is_blank(v) and not col.is_not_known(v):
                out.append(Finding(target.sheet, f"{L.col(target.first_col + j)}{target.first_row + i}", "input",
                                   f"{target.title}: column '{target.headers[j]}': a number typed as text "
                                   f"({v!r}): the formulas cannot use it; type the number"))
    return out


def _input_finding(target, p: HnbInputError) -> Finding:
    cell = ""
    if p.row is not None and p.column in target.headers:
        cell = f"{L.col(target.col_of(p.column))}{p.row}"
    value = "" if p.value is None else f" (the cell holds {p.value!r})"
    return Finding(target.sheet, cell, "input", f"{target.title}: column '{p.column}': {p.message}{value}")


# a financial year, the authority's name, the data's source: text; every other parameter is a number
TEXT_PARAMETERS = tuple(n for n, c in PARAMETER_TERMS.items() if c.kind in ("text", "year"))


def _parameter_frame(target, rows: list[list]) -> tuple[pd.DataFrame, list[Finding]]:
    """The parameters table as (name, value) rows. It mixes parameters.csv's numbers with model
    settings (layout.MODEL_SETTINGS: a financial year among them), so it is not read through one
    schema: a parameter whose value is not a number is a finding at its Value cell."""
    names = target.headers.index("Parameter")
    value = target.headers.index("Value")
    records, findings = [], []
    for i, row in enumerate(rows):
        name, v = row[names], row[value]
        if name not in TEXT_PARAMETERS and (_number(v) is None or math.isnan(_number(v))):
            findings.append(Finding(target.sheet, f"{L.col(target.first_col + value)}{target.first_row + i}", "input",
                                    f"{target.title}: '{name}': expected a number, the cell holds {v!r}"))
            continue
        records.append({"name": name, "value": v})
    return pd.DataFrame(records, columns=["name", "value"]), findings


def _parameters(frame: pd.DataFrame) -> dict[str, object]:
    return dict(zip(frame["name"], frame["value"]))


# ----------------------------------------------------------------------------------- the twins

_HISTORY_ROWS = {"ehcp_count": ("ehcp", "count"), "hnb_budget": ("budget", "money"),
                 "hnb_expenditure": ("expenditure", "money"), "accumulated_deficit": ("accumulated", "money"),
                 "ehcp_growth": ("ehcp_growth", "rate"), "budget_growth": ("budget_growth", "rate"),
                 "expenditure_growth": ("expenditure_growth", "rate"), "in_year_deficit": ("in_year", "money"),
                 "deficit_growth": ("deficit_growth", "money"), "other_dsg_movements": ("other", "money")}
_PROJECTION_ROWS = {"ehcp_count": ("ehcp", "projected"), "cost_per_ehcp": ("cost", "money"),
                    "hnb_expenditure": ("expenditure", "money"), "hnb_funding": ("funding", "money"),
                    "block_transfer": ("transfer", "money"), "hnb_budget": ("budget", "money"),
                    "in_year_deficit": ("in_year", "money"), "other_dsg_movements": ("other", "money"),
                    "accumulated_deficit": ("accumulated", "money"), "deficit_growth": ("deficit_growth", "money")}
_OUT_HISTORY = {"year": ("financial_year", "text"), "ehcp": ("ehcp_count", "count"),
                "ehcp_growth": ("ehcp_growth", "rate"), "budget": ("hnb_budget", "money"),
                "budget_growth": ("budget_growth", "rate"), "expenditure": ("hnb_expenditure", "money"),
                "expenditure_growth": ("expenditure_growth", "rate"), "in_year": ("in_year_deficit", "money"),
                "accumulated": ("accumulated_deficit", "money")}
_OUT_PROJECTION = {"year": ("financial_year", "text"), "accumulated": ("accumulated_deficit", "money"),
                   "growth": ("deficit_growth", "money"), "in_year": ("in_year_deficit", "money")}
_CONT_COLS = {"shortfall": ("shortfall", "money"), "exact": ("exact_share", "money"),
              "allocation": ("allocation", "money")}


def _year_twins(sheet: str, block: dict, rows: dict, frame: pd.DataFrame) -> list[Twin]:
    """One column per financial year of ``frame`` from ``block["first_col"]``: the year label in
    ``block["year"]``, then each of ``rows`` ({engine column: (row name in block, kind)})."""
    out = []
    for i, rec in enumerate(frame.to_dict("records")):
        c = L.col(block["first_col"] + i)
        out.append(Twin(sheet, f"{c}{block['year']}", f"{rec['financial_year']} financial year", "text",
                        rec["financial_year"]))
        for name, (row, kind) in rows.items():
            out.append(Twin(sheet, f"{c}{block[row]}", f"{rec['financial_year']} {name}", kind, rec[name]))
    return out


def _history_twins(hist: pd.DataFrame) -> list[Twin]:
    return _year_twins(L.CALC_HISTORY, L.HIST, _HISTORY_ROWS, hist)


def _projection_twins(proj: pd.DataFrame) -> list[Twin]:
    return _year_twins(L.CALC_PROJECTION, L.PROJ, _PROJECTION_ROWS, proj)


def _output_twins(hist: pd.DataFrame, proj: pd.DataFrame) -> list[Twin]:
    O, out = L.OUT, []
    for i, rec in enumerate(hist.to_dict("records")):
        for key, (name, kind) in _OUT_HISTORY.items():
            out.append(Twin(L.OUTPUTS, f"{L.col(L.OUT_HISTORY_COLS[key])}{O['history_first'] + i}",
                            f"history table {rec['financial_year']} {name}", kind, rec[name]))
    both = hist.to_dict("records") + proj.to_dict("records")
    for i, rec in enumerate(both):
        for key, (name, kind) in _OUT_PROJECTION.items():
            out.append(Twin(L.OUTPUTS, f"{L.col(L.OUT_PROJECTION_COLS[key])}{O['projection_first'] + i}",
                            f"deficit growth table {rec['financial_year']} {name}", kind, rec[name]))
    return out


def _contingency_twins(alloc: pd.DataFrame) -> list[Twin]:
    C, out = L.CONT, []
    for i, rec in enumerate(alloc.to_dict("records")):
        for key, (name, kind) in _CONT_COLS.items():
            out.append(Twin(L.CALC_CONTINGENCY, f"{L.col(C['cols'][key])}{C['first'] + i}",
                            f"school {rec['urn']} {name}", kind, rec[name]))
    v = L.col(C["value_col"])
    out += [Twin(L.CALC_CONTINGENCY, f"{v}{C['total_shortfall']}", "total shortfall", "money",
                 float(alloc["shortfall"].sum())),
            Twin(L.CALC_CONTINGENCY, f"{v}{C['allocated']}", "total allocated", "money",
                 float(alloc["allocation"].sum())),
            Twin(L.CALC_CONTINGENCY, f"{v}{C['receiving']}", "schools receiving an allocation", "count",
                 int((alloc["allocation"] > 0).sum()))]
    return out


def _transfer_twins(itt: pd.DataFrame, transfer_amount: float) -> list[Twin]:
    R, v = L.TRANS["rows"], L.col(L.TRANS["summary_col"])
    known = itt["committed_known"].astype(bool)
    return [Twin(L.CALC_TRANSFER, f"{v}{R['itt_transfer']}", "Invest to Transform transfer", "money", transfer_amount),
            Twin(L.CALC_TRANSFER, f"{v}{R['itt_allocation']}", "Invest to Transform allocations", "money",
                 float(itt["allocation"].sum())),
            Twin(L.CALC_TRANSFER, f"{v}{R['itt_committed']}", "Invest to Transform committed (known)", "money",
                 float(itt.loc[known, "committed_spend"].sum())),
            Twin(L.CALC_TRANSFER, f"{v}{R['itt_tbc_lines']}", "Invest to Transform lines TBC", "count",
                 int((~known).sum()))]


_SV_ROWS = {"unmitigated_hnb_expenditure": ("unmit_exp", "money"), "hnb_budget": ("budget", "money"),
            "other_dsg_movements": ("other", "money"), "total_saving": ("total_saving", "money"),
            "general_fund_saving": ("general_fund_saving", "money"),
            "hnb_expenditure": ("mit_exp", "money"), "in_year_deficit": ("in_year", "money"),
            "dsg_in_year_deficit": ("dsg_in_year", "money"), "accumulated_deficit": ("accumulated", "money"),
            "dfe_contribution": ("dfe", "money"), "council_contribution": ("council", "money"),
            "accumulated_deficit_after_contributions": ("after", "money")}


def _safety_valve_twins(plan, workstream_rows: list[int]) -> list[Twin]:
    """The plan by year (``_SV_ROWS``), each workstream's saving (its group's ``saving`` row: the
    sheet's k-th workstream row feeds group k), and the results in the value column."""
    V = L.SV
    block = {**V, "first_col": L.PROJ["first_col"]}
    out = _year_twins(L.SAFETY_VALVE, block, {k: v for k, v in _SV_ROWS.items() if v[0] in V}, plan.frame)
    for name, sheet_row in zip(plan.parts.columns, workstream_rows):
        row = V["group0"] + V["group_size"] * (sheet_row - V["ws_first"] + 1) + V["group_rows"]["saving"]
        for i, v in enumerate(plan.parts[name]):
            out.append(Twin(L.SAFETY_VALVE, f"{L.col(L.PROJ['first_col'] + i)}{row}",
                            f"{plan.frame['financial_year'].iloc[i]} saving of workstream '{name}'", "money", v))
    s, last = plan.summary, plan.frame["financial_year"].iloc[-1]
    v = L.col(V["value_col"])
    results = [("first_balance_year", "first year of DSG in-year balance", "text",
                s["first_balance_year"] or f"not by {last}"),
               ("cleared_year", "year the deficit is cleared", "text", s["deficit_cleared_year"] or f"not by {last}"),
               ("target_met", "target met (1 = yes)", "count", int(bool(s["target_met"]))),
               ("end_year", "the agreement's last year (its start year, as the sheet computes with it)", "count",
                s["agreement_end_year"] and parse_year(s["agreement_end_year"])),
               ("gap_at_end", "deficit left at the agreement's end", "money", s.get("deficit_gap_at_end"))]
    if not s.get("agreement", True):     # the agreement's results say there is none (engine.safety_valve.summary)
        results = [r if r[0] not in ("target_met", "end_year", "gap_at_end") else (r[0], r[1], "text", NO_AGREEMENT_TEXT)
                   for r in results]
    out += [Twin(L.SAFETY_VALVE, f"{v}{V[key]}", what, kind, expected)
            for key, what, kind, expected in results if key in V and expected is not None]
    return out


_PLACEMENT_ROWS = {"ehcp_count": ("ehcp", "projected"), "fy_caseload": ("fy_caseload", "projected"),
                   "placement_spend": ("placement_spend", "money"), "other_spend": ("other_spend", "money"),
                   "calibration": ("calibration", "money"), "hnb_expenditure": ("expenditure", "money"),
                   "hnb_allocation": ("allocation", "money"), "block_transfer": ("transfer", "money"),
                   "hnb_income": ("income", "money"), "in_year_deficit": ("in_year", "money"),
                   "accumulated_deficit": ("accumulated", "money"), "backlog": ("backlog", "projected")}
_PLACEMENT_BLOCKS = {"census_count": ("census", "projected"), "fy_caseload": ("fy", "projected"),
                     "unit_cost": ("unit", "money"), "spend": ("spend", "money")}


def placement_views(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The placement engine on the workbook's own tables (its history, placement history and
    placement tables; an empty table is none, never the bundled one), to the drivers' last year:
    {view: frame} for :data:`hnb_xl.api.PLACEMENT_VIEWS`."""
    from ...tables.placement import INPUT_SCHEMAS
    given = {k: frames[k] if k in frames else pd.DataFrame(columns=[c.name for c in INPUT_SCHEMAS[k].columns])
             for k in INPUT_SCHEMAS}
    given["placement_history"] = frames["placement_history"]
    last = parse_year(frames["placement_drivers"]["financial_year"].iloc[-1])
    return {view: api.placement_projection(view, to_year=last, given=given, history=frames["history"])
            for view in api.PLACEMENT_VIEWS}


def placement_note(frames: dict[str, pd.DataFrame]) -> str | None:
    """Why the placement twins are not compared, when the workbook's placement tables are for
    another base year than its history's last year (:func:`hnb_xl.tables.placement.other_base_year`:
    Calc_Placement then calculates nothing, its heading says so): "not applicable: placement tables
    for base year ...". None otherwise."""
    from ...tables.placement import other_base_year
    if "history" not in frames or "placement_drivers" not in frames:
        return None
    why = other_base_year(frames["history"], frames["placement_drivers"])
    return None if why is None else f"Calc_Placement not compared: not applicable: {why}"


def _placement_twins(views: dict[str, pd.DataFrame]) -> list[Twin]:
    """Calc_Placement: the summary by year from the base column, each category row's census, FY
    caseload, unit cost and spend (its block row: the k-th category row of the table is the k-th
    row of each block) and each other spend line."""
    P = L.PLACE
    out = _year_twins(L.CALC_PLACEMENT, {**P, "first_col": P["base_col"]}, _PLACEMENT_ROWS, views["year"])
    years = list(views["year"]["financial_year"])
    by = views["category"]
    k = len(by) // len(years)
    for t, year in enumerate(years):
        c = L.col(P["base_col"] + t)
        for i, rec in enumerate(by.iloc[t * k:(t + 1) * k].to_dict("records")):
            for name, (block, kind) in _PLACEMENT_BLOCKS.items():
                out.append(Twin(L.CALC_PLACEMENT, f"{c}{P['block'][block] + i}", f"{year} {rec['category']} {name}",
                                kind, rec[name]))
        lines = views["line"]
        other = lines[(lines["financial_year"] == year) & (lines["kind"] == "other")]
        for j, rec in enumerate(other.to_dict("records")):
            out.append(Twin(L.CALC_PLACEMENT, f"{c}{P['other_first'] + j}", f"{year} {rec['line']}", "money",
                            rec["amount"]))
    return out


def engine_twins(frames: dict[str, pd.DataFrame]) -> tuple[list[Twin], list[Finding]]:
    """Every twin the engine gives for these input frames; an engine refusal is a finding."""
    twins: list[Twin] = []
    findings: list[Finding] = []
    params = _parameters(frames["parameters"]) if "parameters" in frames else {}

    def run(what, work):
        try:
            return work()
        except HnbInputError as exc:
            findings.append(Finding(L.INPUTS, "", "engine", f"the engine refused the {what}: {exc}"))
            return None

    hist = proj = None
    if "history" in frames:
        h = frames["history"]
        hist = run("history", lambda: _history(h, params))
        if hist is not None:
            twins += _history_twins(hist)
        if "assumptions" in frames:
            proj = run("projection", lambda: api.projection(h, frames["assumptions"]))
            if proj is not None:
                twins += _projection_twins(proj)
    if hist is not None and proj is not None:
        twins += _output_twins(hist, proj)
        if "workstreams" in frames and "agreement" in frames:
            ws = frames["workstreams"]
            paid = frames.get("payments")
            plan = run("safety valve plan", lambda: api.plan(
                frames["history"], frames["assumptions"], workstreams=ws, agreement=frames["agreement"],
                payments=paid if paid is not None and len(paid) else None, settlement=api.NO_SETTLEMENT))
            if plan is not None:
                twins += _safety_valve_twins(plan, list(ws.attrs.get("row_numbers", [])))
    if "history" in frames and "placement_history" in frames and "placement_categories" in frames \
            and "placement_drivers" in frames and placement_note(frames) is None:
        views = run("placement projection", lambda: placement_views(frames))
        if views is not None:
            twins += _placement_twins(views)
    if "schools" in frames:
        alloc = run("SEND Contingency", lambda: api.contingency(
            frames["schools"], pot=params.get("send_contingency_pot"), cost_per_ehcp=params.get("cost_per_ehcp"),
            notional_share=params.get("notional_share")))
        if alloc is not None:
            twins += _contingency_twins(alloc)
    if "invest_to_transform" in frames and "block_transfer" in frames:
        bt = frames["block_transfer"]
        year = params.get("invest_to_transform_year")
        amounts = bt.loc[bt["financial_year"] == year, "transfer_amount"]
        if len(amounts) == 1 and not is_blank(amounts.iloc[0]):
            amount = float(amounts.iloc[0])
            itt = run("Invest to Transform", lambda: api.invest_to_transform(frames["invest_to_transform"], amount))
            if itt is not None:
                twins += _transfer_twins(itt, amount)
    return twins, findings


def _history(frame: pd.DataFrame, params: dict) -> pd.DataFrame:
    """api.history with the workbook's own opening deficit (api.history takes the bundled one)."""
    opening = params.get("opening_accumulated_deficit")
    if opening is None or is_blank(opening):
        return api.history(frame)
    located = api.table(frame, "history")
    with api.located({"history": located}):
        return history_table(located.frame, float(opening))


# ----------------------------------------------------------------------------------- comparing

def _number(v) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        import numpy as np
        if isinstance(v, np.number):
            return float(v)
    except ImportError:  # pragma: no cover
        pass
    return None


def agrees(kind: str, expected, got) -> bool:
    """The rule in the module docstring."""
    if is_blank(expected):
        return is_blank(got) or got == ""
    if kind == "text":
        return str(expected).strip() == ("" if got is None else str(got).strip())
    e, g = _number(expected), _number(got)
    if e is None or g is None or math.isnan(g):
        return False
    if kind == "money":
        return round(abs(e - g), 2) < MONEY_TOLERANCE
    if kind == "count":
        return e == g
    return abs(e - g) <= RATE_TOLERANCE          # rate, projected


def _show(kind: str, v) -> str:
    n = _number(v)
    if n is None or math.isnan(n):
        return "blank" if is_blank(v) or v == "" else repr(v)
    if kind == "money":
        return f"£{n:,.2f}"
    if kind == "rate":
        return f"{n:.6f}"
    return f"{n:,.10g}"


def compare(twins: list[Twin], values: dict[str, dict[str, object]], formula_of) -> list[Finding]:
    """A finding per twin whose recalculated value disagrees; ``formula_of(sheet, cell)`` gives the
    cell's formula text ("" for a constant)."""
    out = []
    for t in twins:
        got = values.get(t.sheet, {}).get(t.cell)
        if not agrees(t.kind, t.expected, got):
            out.append(Finding(t.sheet, t.cell, "disagrees",
                               f"{t.what}: workbook {_show(t.kind, got)}, engine {_show(t.kind, t.expected)}",
                               formula_of(t.sheet, t.cell)))
    return out
