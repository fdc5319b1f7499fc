"""Safety_Valve: the deterministic safety valve plan in native formulas.

Mirrors ``hnb_xl.engine.safety_valve`` (see its docstring and docs/safety_valve.md). The sheet
holds its own inputs at the top (the agreement and up to ``SV['ws_max']`` workstreams, in the
input style) and calculates below, one column per projected year aligned with Calc_Projection::

    effect_k,t  = amount_k * MIN(1, MAX(0, (period_t - start_period_k + 1) / MAX(1, ramp_k)))
                  * confidence_k (blank = 1) * flag_t
    cum_e_k,t   = cum_e_{k-1},t * (1 - effect_k,t * [lever_k = ehcp_growth_reduction]),  cum_e_0 = 1
    cum_c_k,t   = cum_c_{k-1},t * (1 - effect_k,t * [lever_k = cost_per_ehcp_reduction]), cum_c_0 = 1
    cash_k,t    = cash_{k-1},t + effect_k,t * [lever_k = cash_saving],                    cash_0 = 0
    factor_k,t  = factor_k,t-1 * (1 + ehcp_growth_t * cum_e_k,t),  factor_k,base = 1
    exp_k,t     = ehcp_count_base * factor_k,t * cost_per_ehcp_t (unmitigated) * cum_c_k,t - cash_k,t
    saving_k,t  = exp_{k-1},t - exp_k,t          (sequential attribution in list order)
    dsg_in_year = (unmitigated expenditure - total saving) - budget + other DSG movements
    after_t     = after_{t-1} + (dsg_in_year - dfe - council) * flag,  after_base = accumulated_base
    dfe_t       = total * share in instalment 1 (total if one instalment), then
                  total * (1 - share) / (instalments - 1) in instalments 2..n

Summary cells give the first year of in-year balance and the year the deficit is cleared, and
cross-check them against HNB_BALANCE_YEAR (the Python engine) on the same inputs. The UDF does
not take the council contribution: the cross-check assumes it is 0 (the default).
"""

from __future__ import annotations

from ... import bundled
from .. import layout as L
from .. import styles as S
from ._common import fill_row, label

NOT_LOADED = "UDFs not loaded"
AGREEMENT_LABELS = {"dfe_total": "DfE revenue contribution (total)", "first_share": "First instalment share",
                    "instalments": "Number of instalments", "first_year": "Year of the first instalment",
                    "council_contribution": "Council contribution (each instalment year)",
                    "target_balance_year": "Target year for DSG in-year balance"}


def build(wb, ctx) -> None:
    V = L.SV
    P = L.PROJ
    ws = wb.create_sheet(L.SAFETY_VALVE)
    S.title(ws, L.TITLE_CELL, "Safety valve plan: mitigated against unmitigated, and the DfE agreement",
            "Inputs in blue on yellow (workstream sizes ILLUSTRATIVE; the instalment profile an assumption). "
            "Calculations below, one column per projected year as on Calc_Projection.")
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 24
    ws.freeze_panes = f"{L.col(V['value_col'])}{V['period'] + 1}"
    vc = V["value_col"]

    # ---------------------------------------------------------------- inputs: the agreement
    S.heading(ws.cell(V["agreement_title"], 1), "Agreement (DfE safety valve)")
    agreement = bundled.plan_agreement()
    units = {r.parameter: (r.unit, r.basis) for r in bundled.plan_agreement_table().itertuples()}
    for key, (row, dname, fmt) in V["agreement"].items():
        unit, basis = units[key]
        value = agreement[key]
        if fmt != S.TEXT:
            value = float(value)
        label(ws, row, AGREEMENT_LABELS[key], unit)
        c = ws.cell(row, vc, value)
        S.input_cell(c, fmt)
        S.note(ws.cell(row, vc + 1), basis)
        ctx.define(dname, L.absref(L.SAFETY_VALVE, vc, row))

    # ---------------------------------------------------------------- inputs: workstreams
    S.heading(ws.cell(V["ws_title"], 1), "Workstreams (ILLUSTRATIVE defaults; up to "
                                          f"{V['ws_max']}; list them in the order the plan relies on them)")
    for j, h in enumerate(V["ws_headers"]):
        S.header_cell(ws.cell(V["ws_header"], 1 + j, h))
    ws.row_dimensions[V["ws_header"]].height = 30
    frame = bundled.plan_workstreams()
    keys = ["name", "lever", "amount", "start_year", "ramp_years", "delivery_confidence", "budget_area"]
    fmts = ["General", "General", "#,##0.####", S.TEXT, "0", "0%", "General"]
    for i in range(V["ws_max"]):
        r = V["ws_first"] + i
        rec = frame.iloc[i].to_dict() if i < len(frame) else {}
        for j, k in enumerate(keys):
            v = rec.get(k)
            if hasattr(v, "item"):
                v = v.item()
            c = ws.cell(r, 1 + j, v)
            S.input_cell(c, fmts[j])
    ctx.define(V["ws_table_name"], L.absref(L.SAFETY_VALVE, 1, V["ws_header"], len(V["ws_headers"]),
                                            V["ws_first"] + V["ws_max"] - 1))

    # ---------------------------------------------------------------- calculations
    b, first = P["base_col"], P["first_col"]
    last = first + P["periods"] - 1
    B, F, Lc = L.col(b), L.col(first), L.col(last)
    cols = range(first, last + 1)
    proj = L.CALC_PROJECTION
    S.heading(ws.cell(V["calc_title"], 1), "Calculations")
    ws.cell(V["calc_title"], b, "Base").font = S.BOLD

    def row(key, text, unit, base, f, fmt, bold=False):
        label(ws, V[key], text, unit, bold)
        if base is not None:
            ws.cell(V[key], b, base).number_format = fmt
        fill_row(ws, V[key], cols, f, fmt)

    def link(key, text, unit, proj_key, fmt, base=True):
        row(key, text, unit, f"={proj}!{B}{P[proj_key]}" if base else None,
            lambda c, p: f"={proj}!{c}{P[proj_key]}", fmt)

    link("period", "Period (0 = base year)", "number", "period", "0")
    link("flag", "Year has assumptions (1 = yes)", "flag", "flag", "0", base=False)
    link("year", "Financial year", "", "year", "@")
    link("ehcp_growth", "EHCP growth (unmitigated)", "% a year", "ehcp_growth", S.PCT2, base=False)
    link("unmit_cost", "Cost per EHCP (unmitigated)", "£ per plan", "cost", S.GBP)
    link("unmit_exp", "HNB expenditure (unmitigated)", "£", "expenditure", S.GBP)
    link("budget", "HNB budget", "£", "budget", S.GBP, base=False)
    link("other", "Other DSG movements", "£", "other", S.GBP, base=False)
    years = f"${B}${V['year']}:${Lc}${V['year']}"
    plan_years = f"${F}${V['year']}:${Lc}${V['year']}"
    base_ehcp = f"{proj}!${B}${P['ehcp']}"

    for i in range(V["ws_max"]):
        r, w = V["start_period"] + i, V["ws_first"] + i
        label(ws, r, f"Workstream {i + 1}: start period", "period")
        start = f"${L.col(V['ws_cols']['start'])}${w}"
        ws.cell(r, b, f'=IF({start}="",0,IFERROR(MATCH({start},{years},0),1)-1)').number_format = "0"
    label(ws, V["first_period"], "First instalment: period", "period")
    ws.cell(V["first_period"], b, f"=IFERROR(MATCH({V['agreement']['first_year'][1]},{years},0),1)-1")

    wc = {k: L.col(v) for k, v in V["ws_cols"].items()}   # workstream input columns
    g0 = V["group0"]
    gs = V["group_size"]
    off = V["group_rows"]

    def grow(g, key):
        return g0 + gs * g + off[key]

    # group 0: nothing applied (the unmitigated projection)
    label(ws, grow(0, "effect") - 0, "No workstream applied", "", bold=True)
    for key, text, unit, f, fmt in (
            ("cum_e", "Share of EHCP growth kept", "fraction", lambda c, p: "=1", "0.0000"),
            ("cum_c", "Share of cost per EHCP kept", "fraction", lambda c, p: "=1", "0.0000"),
            ("cash", "Cash savings so far", "£", lambda c, p: "=0", S.GBP),
            ("factor", "EHCP growth factor since base", "times base",
             lambda c, p: f"={p}{grow(0, 'factor')}*(1+{c}${V['ehcp_growth']}*{c}{grow(0, 'cum_e')})", "0.0000"),
            ("exp", "HNB expenditure", "£", lambda c, p: f"={c}${V['unmit_exp']}", S.GBP)):
        label(ws, grow(0, key), text, unit)
        if key == "factor":
            ws.cell(grow(0, key), b, "=1")
        fill_row(ws, grow(0, key), cols, f, fmt)

    saving_rows = []
    for g in range(1, V["ws_max"] + 1):
        w = V["ws_first"] + g - 1
        sp = f"${B}${V['start_period'] + g - 1}"
        e = grow(g, "effect")
        label(ws, e, f"Workstream {g}: effect (amount x ramp x confidence)", "fraction or £", bold=True)
        ws.cell(e, b, f"=${wc['name']}${w}")
        fill_row(ws, e, cols, lambda c, p: (
            f"={c}${V['flag']}*N(${wc['amount']}${w})*MIN(1,MAX(0,({c}${V['period']}-{sp}+1)/"
            f"MAX(1,N(${wc['ramp']}${w}))))*IF(${wc['confidence']}${w}=\"\",1,${wc['confidence']}${w})"), "#,##0.0000")
        for key, text, unit, expr, fmt in (
                ("cum_e", "Share of EHCP growth kept", "fraction",
                 f"={{c}}{grow(g - 1, 'cum_e')}*(1-{{c}}{e}*(${wc['lever']}${w}=\"ehcp_growth_reduction\"))", "0.0000"),
                ("cum_c", "Share of cost per EHCP kept", "fraction",
                 f"={{c}}{grow(g - 1, 'cum_c')}*(1-{{c}}{e}*(${wc['lever']}${w}=\"cost_per_ehcp_reduction\"))", "0.0000"),
                ("cash", "Cash savings so far", "£",
                 f"={{c}}{grow(g - 1, 'cash')}+{{c}}{e}*(${wc['lever']}${w}=\"cash_saving\")", S.GBP),
                ("factor", "EHCP growth factor since base", "times base",
                 f"={{p}}{grow(g, 'factor')}*(1+{{c}}${V['ehcp_growth']}*{{c}}{grow(g, 'cum_e')})", "0.0000"),
                ("exp", "HNB expenditure with workstreams 1 to this one", "£",
                 f"={base_ehcp}*{{c}}{grow(g, 'factor')}*{{c}}${V['unmit_cost']}*{{c}}{grow(g, 'cum_c')}"
                 f"-{{c}}{grow(g, 'cash')}", S.GBP),
                ("saving", "Saving attributed to this workstream", "£",
                 f"={{c}}{grow(g - 1, 'exp')}-{{c}}{grow(g, 'exp')}", S.GBP)):
            label(ws, grow(g, key), text, unit)
            if key == "factor":
                ws.cell(grow(g, key), b, "=1")
            fill_row(ws, grow(g, key), cols, lambda c, p, expr=expr: expr.format(c=c, p=p), fmt)
        saving_rows.append(grow(g, "saving"))

    row("total_saving", "Total saving (sum of the workstreams)", "£", None,
        lambda c, p: "=" + "+".join(f"{c}{r}" for r in saving_rows), S.GBP, True)
    row("mit_exp", "HNB expenditure (mitigated)", "£", None,
        lambda c, p: f"={c}{V['unmit_exp']}-{c}{V['total_saving']}", S.GBP)
    row("in_year", "In-year HNB deficit (mitigated)", "£", None,
        lambda c, p: f"={c}{V['mit_exp']}-{c}{V['budget']}", S.GBP)
    row("dsg_in_year", "DSG in-year deficit (in-year + other DSG movements)", "£", None,
        lambda c, p: f"={c}{V['in_year']}+{c}{V['other']}", S.GBP, True)
    row("accumulated", "Accumulated deficit, mitigated, before contributions", "£",
        f"={proj}!{B}{P['accumulated']}",
        lambda c, p: f"={p}{V['accumulated']}+{c}{V['dsg_in_year']}*{c}{V['flag']}", S.GBP)
    A = {k: v[1] for k, v in V["agreement"].items()}
    row("instalment", "Instalment number", "number", None,
        lambda c, p: f"={c}{V['period']}-${B}${V['first_period']}+1", "0")
    row("dfe", "DfE contribution", "£", None,
        lambda c, p: (f"={c}{V['flag']}*IF({c}{V['instalment']}=1,IF({A['instalments']}=1,{A['dfe_total']},"
                      f"{A['dfe_total']}*{A['first_share']}),IF(AND({c}{V['instalment']}>1,"
                      f"{c}{V['instalment']}<={A['instalments']}),{A['dfe_total']}*(1-{A['first_share']})/"
                      f"({A['instalments']}-1),0))"), S.GBP)
    row("council", "Council contribution", "£", None,
        lambda c, p: (f"={c}{V['flag']}*IF(AND({c}{V['instalment']}>=1,{c}{V['instalment']}<={A['instalments']}),"
                      f"{A['council_contribution']},0)"), S.GBP)
    row("after", "Accumulated deficit after contributions (b/f + in-year - contributions)", "£",
        f"={proj}!{B}{P['accumulated']}",
        lambda c, p: f"={p}{V['after']}+({c}{V['dsg_in_year']}-{c}{V['dfe']}-{c}{V['council']})*{c}{V['flag']}",
        S.GBP, True)
    for flag_key, count_key, first_key, test_key, what in (
            ("balance", "balance_count", "balance_first", "dsg_in_year", "DSG in-year deficit <= 0"),
            ("cleared", "cleared_count", "cleared_first", "after", "deficit after contributions <= 0")):
        row(flag_key, f"Year with {what} (1 = yes)", "flag", None,
            lambda c, p, t=test_key: f"=IF(AND({c}{V['flag']}=1,{c}{V[t]}<=0),1,0)", "0")
        row(count_key, "Such years so far", "count", "=0",
            lambda c, p, k=count_key, fk=flag_key: f"={p}{V[k]}+{c}{V[fk]}", "0")
        row(first_key, "First such year (1 = yes)", "flag", None,
            lambda c, p, fk=flag_key, k=count_key: f"=IF(AND({c}{V[fk]}=1,{c}{V[k]}=1),1,0)", "0")

    # ---------------------------------------------------------------- summary and cross-check
    S.heading(ws.cell(V["summary_title"], 1), "Results")
    last_year = f"INDEX({plan_years},Assumptions_Count)"
    rng = lambda k: f"${F}${V[k]}:${Lc}${V[k]}"  # noqa: E731
    for key, text, first_key in (("first_balance_year", "First year of DSG in-year balance", "balance_first"),
                                 ("cleared_year", "Accumulated deficit cleared (after contributions)",
                                  "cleared_first")):
        label(ws, V[key], text, "financial year", bold=True)
        ws.cell(V[key], vc, f'=IFERROR(INDEX({plan_years},MATCH(1,{rng(first_key)},0)),"not by "&{last_year})')
        ctx.define(V["names"][key], L.absref(L.SAFETY_VALVE, vc, V[key]))
    label(ws, V["target_met"], "In-year balance by the target year (1 = yes)", "flag", bold=True)
    ws.cell(V["target_met"], vc, f"=IF(ISERROR(MATCH(1,{rng('balance_first')},0)),0,"
                                 f"IF(MATCH(1,{rng('balance_first')},0)<=MATCH({A['target_balance_year']},"
                                 f"{plan_years},0),1,0))")
    ctx.define(V["names"]["target_met"], L.absref(L.SAFETY_VALVE, vc, V["target_met"]))
    args = (f"{V['ws_table_name']},History_Table,Assumptions_Table,\"%s\",{A['dfe_total']},{A['first_share']},"
            f"{A['instalments']},{A['first_year']}")
    label(ws, V["udf_balance"], "HNB_BALANCE_YEAR in-year (Python engine)", "financial year")
    ws.cell(V["udf_balance"], vc, f"=HNB_BALANCE_YEAR({args % 'in-year'})")
    label(ws, V["udf_cleared"], "HNB_BALANCE_YEAR cleared (Python engine)", "financial year")
    ws.cell(V["udf_cleared"], vc, f"=HNB_BALANCE_YEAR({args % 'cleared'})")
    label(ws, V["udf_check"], "Cross-check: native = HNB_BALANCE_YEAR (1 = yes)", "flag", bold=True)
    ws.cell(V["udf_check"], vc, (f'=IF(ISERROR({L.col(vc)}{V["udf_balance"]}),"{NOT_LOADED}",'
                                 f'IF(AND({L.col(vc)}{V["udf_balance"]}={L.col(vc)}{V["first_balance_year"]},'
                                 f'{L.col(vc)}{V["udf_cleared"]}={L.col(vc)}{V["cleared_year"]}),1,0))'))
    ctx.define(V["names"]["udf_check"], L.absref(L.SAFETY_VALVE, vc, V["udf_check"]))
    for c in range(b, last + 1):
        ws.column_dimensions[L.col(c)].width = 14
    S.print_setup(ws, L.print_area(last, V["udf_check"]))
