"""Safety_Valve: the deterministic safety valve plan in native formulas.

Mirrors ``hnb_xl.engine.safety_valve`` (see its docstring and docs/safety_valve.md). The sheet
holds its own inputs at the top (the agreement and up to ``SV['ws_max']`` workstreams, in the
input style) and calculates below, one column per projected year aligned with Calc_Projection::

    effect_k,t  = amount_k * MIN(1, MAX(0, (period_t - start_period_k + 1) / MAX(1, ramp_k)))
                  * confidence_k (blank = 1) * flag_t,
                  start_period_k = start_year_k - base year (negative for a workstream that started
                  in an outturn year: after a roll-forward its ramp goes on from where it was)
    gf_k        = 1 if funding_k is General Fund (case and spaces ignored, as the table layer reads it),
                  else 0 (in the base column of the group's General Fund row)
    cum_e_k,t   = cum_e_{k-1},t * (1 - effect_k,t * [lever_k = ehcp_growth_reduction] * (1 - gf_k)),  cum_e_0 = 1
    cum_c_k,t   = cum_c_{k-1},t * (1 - effect_k,t * [lever_k = cost_per_ehcp_reduction] * (1 - gf_k)), cum_c_0 = 1
    cash_k,t    = cash_{k-1},t + effect_k,t * [lever_k = cash_saving] * (1 - gf_k),                    cash_0 = 0
    factor_k,t  = factor_k,t-1 * (1 + ehcp_growth_t * cum_e_k,t),  factor_k,base = 1
    exp_k,t     = ehcp_count_base * factor_k,t * cost_per_ehcp_t (unmitigated) * cum_c_k,t - cash_k,t
    saving_k,t  = exp_{k-1},t - exp_k,t  (sequential attribution in list order), or for a General Fund
                  workstream its own cash saving effect_k,t * [lever_k = cash_saving]
    gfsave_k,t  = saving_k,t * gf_k
    total saving (DSG) = sum_k (saving_k,t - gfsave_k,t);  General Fund saving = sum_k gfsave_k,t
    dsg_in_year = (unmitigated expenditure - total saving) - budget + other DSG movements
    after_t     = after_{t-1} + (dsg_in_year - dfe - council) * flag,  after_base = accumulated_base
    dfe_t       = total * share in instalment 1 (total if one instalment), then
                  total * (1 - share) / (instalments - 1) in instalments 2..n

The instalments table lists instalment k = 1..n of the profile in year first_year + k - 1, with
the Payments table's record for that year where there is one (Inputs; blank: the profile)::

    due_k       = total * share (k = 1; total if one instalment), else total * (1 - share) / (n - 1)
    counted_k   = due_k without a payment record; else the record's received amount, or 0 if
                  withheld, or the record's due (engine.safety_valve.Payment.counted)
    where_k     = outturn (year <= the base year: already in the outturn accumulated deficit, kept
                  as received, not deducted again), plan, or after the plan (dropped: the check fails)
    dfe_t       = sum of counted_k over the instalments of year t

No agreement (engine.safety_valve.Agreement.exists): ``has = 1`` if the DfE total is above 0, else 0
(the Agreement table on Inputs left empty, or a DfE total of 0). With ``has = 0`` no instalment is
listed (the first row's status says "No safety valve agreement"), no contribution is laid on the
plan, and the agreement's results (end year, target met, gap at its end) say "No safety valve
agreement" instead of a number; the instalments check is 1 unless the Payments table holds records.

Summary cells give the first year of in-year balance, the year the deficit is cleared, the
agreement's end year E (the last year with a contribution, or the target year if later) and::

    target_met  = 1 if dsg_in_year_t <= 0 in the target year AND every later year to E (all planned)
    gap_at_end  = MAX(0, after_E)                 (what the agreement leaves uncleared)

and the 2026 settlement laid on the plan (engine.settlement; terms from the Settlement table)::

    eligible    = MAX(0, after_{write-off year} - excluded)
    write_off_t = share * eligible in the paid year if approved, else 0
    after_write_off_t = after_t - (write-off if t >= paid year)
    exposure_t  = MAX(0, after_write_off_t) after the override's last year, else 0
    carrying_t  = rate * (after_write_off_{t-1} + after_write_off_t) / 2

They are cross-checked against HNB_BALANCE_YEAR (the Python engine) on the same inputs. The UDF
does not take the council contribution: the cross-check assumes it is 0 (the default).
"""

from __future__ import annotations

import pandas as pd

from ... import api, bundled
from ...engine.safety_valve import NO_AGREEMENT_TEXT
from ...tables.schema import AGREEMENT_TERMS, PAYMENTS
from .. import layout as L
from .. import styles as S
from ._common import (NOT_LOADED, blank_unused_columns, fill_row, hide_unused_columns, hide_when_blank, label,
                      used_print_area)
AGREEMENT_LABELS = {"dfe_total": "DfE revenue contribution (total)", "first_share": "First instalment share",
                    "instalments": "Number of instalments", "first_year": "Year of the first instalment",
                    "council_contribution": "Council contribution (each instalment year)",
                    "target_balance_year": "Target year for DSG in-year balance"}


_BASIS_SPAN = 8       # columns the agreement's basis is merged across, from the one beside its value (to the page's edge)


def input_frames(ctx=None) -> dict[str, pd.DataFrame]:
    """The input tables this sheet reads, as the build fills them: no payment records (the
    agreement's assumed profile), the bundled settlement terms (hnb_xl/data/settlement_2026.csv),
    the bundled agreement (hnb_xl/data/plan_agreement_cambridgeshire.csv) and workstreams
    (hnb_xl/data/plan_workstreams.csv), or ``ctx.plan_tables`` (build --sources). A refresh
    replaces each from a council's own file."""
    return {"payments": pd.DataFrame(columns=[c.name for c in PAYMENTS.columns]),
            "settlement": pd.DataFrame(api.settlement_inputs()),
            "agreement": bundled.plan_agreement_table(), "workstreams": bundled.plan_workstreams(),
            **(ctx.plan_tables if ctx is not None else {})}       # build --sources: a council's own


def _start(cell: str) -> str:
    """The start year of a financial-year label as a number ("2022-23" -> 2022): the digits before
    the dash (no number written into the formula: the static check allows only 0 and 1)."""
    return f'VALUE(LEFT({cell},FIND("-",{cell}&"-")-1))'


def _label_of(start: str) -> str:
    """The financial-year label of a start year: 2022 -> "2022-23" (the end year's last two digits
    taken as MID from its length - 1)."""
    end = f"(({start})+1)"
    return f'({start})&"-"&MID({end},LEN({end})-1,LEN({end}))'


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

    # ---------------------------------------------------------------- the agreement (Inputs)
    # each term read by name from the Agreement table on Inputs (a council's own file on refresh):
    # a number term as a number (IF(ISNUMBER, x, VALUE(x))), its basis beside it; a term the table
    # does not hold is 0 (DfE total, share, council contribution), 1 (instalments) or blank
    S.heading(ws.cell(V["agreement_title"], 1), "Agreement (DfE safety valve), from the Agreement table on Inputs")
    ag = L.INPUT_TABLES["agreement"].column_names
    ag_param, ag_value, ag_basis = ag["Parameter"], ag["Value"], ag["Basis"]
    absent = {"dfe_total": "0", "first_share": "0", "instalments": "1", "council_contribution": "0"}
    frame = input_frames(ctx)["agreement"]
    basis = {r["parameter"]: str(r.get("basis") or "") for r in frame.to_dict("records")}
    for key, (row, dname, fmt) in V["agreement"].items():
        at = f'MATCH("{key}",{ag_param},0)'
        value = f"INDEX({ag_value},{at})"
        label(ws, row, AGREEMENT_LABELS[key], AGREEMENT_TERMS[key].unit)
        if key in absent:
            # +0: the formulas engine (hnb-xl verify) calls the text "49000000" a number and returned it as text
            formula = f"=IFERROR(IF(ISNUMBER({value}),{value},VALUE({value}))+0,{absent[key]})"
        else:
            formula = f'=IFERROR({value}&"","")'
        ws.cell(row, vc, formula).number_format = "General" if fmt == S.TEXT else fmt
        S.note(ws.cell(row, vc + 1), f'=IFERROR(INDEX({ag_basis},{at})&"","")')
        # the basis is read across the year columns (D to K, inside the first printed page), wrapped,
        # its row as tall as the build's text needs: one 14-wide column would run it off the page
        ws.merge_cells(start_row=row, start_column=vc + 1, end_row=row, end_column=vc + _BASIS_SPAN)
        ws.cell(row, vc + 1).alignment = S.WRAP
        ws.row_dimensions[row].height = S.LINE_HEIGHT * S.lines(basis.get(key, ""), int(14 * _BASIS_SPAN * 0.75))
        ctx.define(dname, L.absref(L.SAFETY_VALVE, vc, row))

    # ---------------------------------------------------------------- inputs: workstreams
    S.heading(ws.cell(V["ws_title"], 1), "Workstreams (ILLUSTRATIVE defaults; up to "
                                          f"{V['ws_max']}; list them in the order the plan relies on them)")
    for j, h in enumerate(V["ws_headers"]):
        S.header_cell(ws.cell(V["ws_header"], 1 + j, h))
    ws.row_dimensions[V["ws_header"]].height = 30
    frame = input_frames(ctx)["workstreams"]        # the refresh writes a council's own in place (layout)
    keys = list(L.INPUT_TABLES["workstreams"].column_keys)
    fmts = ["General", "General", S.FRACTION_OR_GBP, S.TEXT, "0", "0%", "General", "General", "General"]
    for i in range(V["ws_max"]):
        r = V["ws_first"] + i
        rec = frame.iloc[i].to_dict() if i < len(frame) else {}
        for j, k in enumerate(keys):
            v = rec.get(k)
            if hasattr(v, "item"):
                v = v.item()
            c = ws.cell(r, 1 + j, v)
            S.input_cell(c, fmts[j])
            if k == "start_year":
                c.alignment = S.RIGHT                  # beside the amounts, not run into them
    ctx.define(V["ws_table_name"], L.absref(L.SAFETY_VALVE, 1, V["ws_header"], len(V["ws_headers"]),
                                            V["ws_first"] + V["ws_max"] - 1))

    # ---------------------------------------------------------------- the instalments
    A = {k: v[1] for k, v in V["agreement"].items()}
    pay = L.INPUT_TABLES["payments"].column_names
    p_year, p_due, p_status, p_received = (pay[h] for h in ("Financial year", "Due", "Status", "Received"))
    S.heading(ws.cell(V["inst_title"], 1), "Instalments: the agreement's profile, as paid where the Payments table "
                                            "(Inputs) says; those in outturn years are already in the outturn deficit")
    for j, h in enumerate(V["inst_headers"]):
        S.header_cell(ws.cell(V["inst_header"], 1 + j, h))
    ic = {k: L.col(v) for k, v in V["inst_cols"].items()}
    base_start = _start(f"{L.SAFETY_VALVE}!${L.col(P['base_col'])}${V['year']}")
    first_start = _start(A["first_year"])
    has = f"${L.col(P['base_col'])}${V['has_agreement']}"          # 1 = an agreement (a DfE total above 0)
    none = f'"{NO_AGREEMENT_TEXT}"'
    for i in range(V["inst_max"]):
        r = V["inst_first"] + i
        k = f"(ROW()-ROW(${ic['number']}${V['inst_header']}))"     # the instalment's number, 1 on the first row
        on = f"OR({k}>{A['instalments']},{has}=0)"
        yr, due, cnt = f"${ic['year']}{r}", f"${ic['due']}{r}", f"${ic['counted']}{r}"
        m = f"MATCH({yr},{p_year},0)"
        cells = {
            "number": (f'=IF({on},"",{k})', "0"),
            "year": (f'=IF({on},"",{_label_of(f"{first_start}+{k}-1")})', S.TEXT),
            "due": (f'=IF({on},"",IF({A["instalments"]}=1,{A["dfe_total"]},IF({k}=1,{A["dfe_total"]}*{A["first_share"]},'
                    f'{A["dfe_total"]}*(1-{A["first_share"]})/({A["instalments"]}-1))))', S.GBP),
            "status": (f'=IF({has}=0,IF({k}=1,{none},""),IF({on},"",IF(ISNUMBER({m}),INDEX({p_status},{m}),'
                       f'"assumed (profile)")))', "General"),
            "counted": (f'=IF({on},"",IF(ISNA({m}),{due},IF(ISNUMBER(INDEX({p_received},{m})),INDEX({p_received},{m}),'
                        f'IF(LOWER(TRIM(INDEX({p_status},{m})))="withheld",0,INDEX({p_due},{m})))))', S.GBP),
            "council": (f'=IF({on},"",{A["council_contribution"]})', S.GBP),
            "where": (f'=IF({on},"",IF({first_start}+{k}-1<={base_start},"outturn",IF({first_start}+{k}-1<='
                      f'{base_start}+Assumptions_Count,"plan","after the plan")))', "General"),
            "pays": (f'=IF({on},"",IF(OR({due}<>0,{cnt}<>0,${ic["council"]}{r}<>0),{first_start}+{k}-1,0))', "0"),
        }
        for key, (formula, fmt) in cells.items():
            ws.cell(r, V["inst_cols"][key], formula).number_format = fmt
    inst = lambda key: f"${ic[key]}${V['inst_first']}:${ic[key]}${V['inst_first'] + V['inst_max'] - 1}"  # noqa: E731

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
    yr = V["year"]
    row("start", "Start year (0 = no assumptions)", "year", f"={_start(B + str(yr))}",
        lambda c, p: f"=IF({c}{V['flag']}=1,{_start(c + str(yr))},0)", "0")
    link("ehcp_growth", "EHCP growth (unmitigated)", "% a year", "ehcp_growth", S.PCT2, base=False)
    link("unmit_cost", "Cost per EHCP (unmitigated)", "£ per plan", "cost", S.GBP)
    link("unmit_exp", "HNB expenditure (unmitigated)", "£", "expenditure", S.GBP)
    link("budget", "HNB budget", "£", "budget", S.GBP, base=False)
    link("other", "Other DSG movements", "£", "other", S.GBP, base=False)
    plan_years = f"${F}${V['year']}:${Lc}${V['year']}"
    base_ehcp = f"{proj}!${B}${P['ehcp']}"

    for i in range(V["ws_max"]):
        r, w = V["start_period"] + i, V["ws_first"] + i
        label(ws, r, f"Workstream {i + 1}: start period", "period")
        start = f"${L.col(V['ws_cols']['start'])}${w}"
        ws.cell(r, b, f'=IF({start}="",0,{_start(start)}-{base_start})').number_format = "0"
    label(ws, V["first_period"], "First instalment: period (<= 0: outturn)", "period")
    ws.cell(V["first_period"], b, f"=IF({has}=0,0,{first_start}-{base_start})").number_format = "0"
    label(ws, V["has_agreement"], "Safety valve agreement (1 = a DfE total above 0; 0 = none)", "flag")
    ws.cell(V["has_agreement"], b, f"=IF({A['dfe_total']}>0,1,0)").number_format = "0"

    # the 2026 settlement's terms, read from the Settlement table (Inputs) by parameter name
    st = L.INPUT_TABLES["settlement"].column_names
    st_param, st_value = st["Parameter"], st["Value"]

    def term(name):
        return f'INDEX({st_value},MATCH("{name}",{st_param},0))'

    def number(name):
        return f"(IF(ISNUMBER({term(name)}),{term(name)},VALUE({term(name)}))+0)"     # +0: as the agreement's terms
    for key, text, unit, f, fmt in (
            ("st_share", "Settlement: write-off share", "fraction", f"={number('write_off_share')}", S.PCT),
            ("st_write_off_year", "Settlement: deficit written off at end of", "start year",
             f"={_start(term('write_off_year'))}", "0"),
            ("st_paid_year", "Settlement: write-off paid in", "start year",
             f"={_start(term('write_off_paid_year'))}", "0"),
            ("st_approved", "Settlement: SEND plan approved (1 = yes)", "flag",
             f'=IF(OR(LOWER(TRIM({term("write_off_approved")}))="yes",LOWER(TRIM({term("write_off_approved")}))="y",'
             f'LOWER(TRIM({term("write_off_approved")}))="true",TRIM({term("write_off_approved")}&"")="1"),1,0)', "0"),
            ("st_excluded", "Settlement: excluded (not high needs)", "£",
             f'=IFERROR({number("excluded_deficit")},0)', S.GBP),
            ("st_override_end", "Settlement: override's last year", "start year",
             f"={_start(term('override_end_year'))}", "0"),
            ("st_rate", "Settlement: carrying-cost rate", "fraction",
             f'=IFERROR({number("interest_rate")},0)', S.PCT2)):
        label(ws, V[key], text, unit)
        ws.cell(V[key], b, f).number_format = fmt
    stv = {k: f"${B}${V[k]}" for k in ("st_share", "st_write_off_year", "st_paid_year", "st_approved", "st_excluded",
                                       "st_override_end", "st_rate")}

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
        gf = f"${B}${grow(g, 'general_fund')}"         # its base column: 1 = a General Fund workstream
        e = grow(g, "effect")
        label(ws, e, f"Workstream {g}: effect (amount x ramp x confidence)", "fraction or £", bold=True)
        ws.cell(e, b, f"=${wc['name']}${w}")
        fill_row(ws, e, cols, lambda c, p: (
            f"={c}${V['flag']}*N(${wc['amount']}${w})*MIN(1,MAX(0,({c}${V['period']}-{sp}+1)/"
            f"MAX(1,N(${wc['ramp']}${w}))))*IF(${wc['confidence']}${w}=\"\",1,${wc['confidence']}${w})"), S.FRACTION_OR_GBP)
        for key, text, unit, expr, fmt in (
                ("cum_e", "Share of EHCP growth kept", "fraction",
                 f"={{c}}{grow(g - 1, 'cum_e')}*(1-{{c}}{e}*(${wc['lever']}${w}=\"ehcp_growth_reduction\")*(1-{gf}))",
                 "0.0000"),
                ("cum_c", "Share of cost per EHCP kept", "fraction",
                 f"={{c}}{grow(g - 1, 'cum_c')}*(1-{{c}}{e}*(${wc['lever']}${w}=\"cost_per_ehcp_reduction\")*(1-{gf}))",
                 "0.0000"),
                ("cash", "Cash savings so far (DSG)", "£",
                 f"={{c}}{grow(g - 1, 'cash')}+{{c}}{e}*(${wc['lever']}${w}=\"cash_saving\")*(1-{gf})", S.GBP),
                ("factor", "EHCP growth factor since base", "times base",
                 f"={{p}}{grow(g, 'factor')}*(1+{{c}}${V['ehcp_growth']}*{{c}}{grow(g, 'cum_e')})", "0.0000"),
                ("exp", "HNB expenditure with workstreams 1 to this one", "£",
                 f"={base_ehcp}*{{c}}{grow(g, 'factor')}*{{c}}${V['unmit_cost']}*{{c}}{grow(g, 'cum_c')}"
                 f"-{{c}}{grow(g, 'cash')}", S.GBP),
                ("saving", "Saving attributed to this workstream", "£",
                 f"=IF({gf}=1,{{c}}{e}*(${wc['lever']}${w}=\"cash_saving\"),{{c}}{grow(g - 1, 'exp')}-{{c}}{grow(g, 'exp')})",
                 S.GBP),
                ("general_fund", "Of which General Fund (base: 1 = yes)", "£",
                 f"={{c}}{grow(g, 'saving')}*{gf}", S.GBP)):
            label(ws, grow(g, key), text, unit)
            if key == "factor":
                ws.cell(grow(g, key), b, "=1")
            if key == "general_fund":     # case and spaces ignored, as the table layer reads the Funding column
                ws.cell(grow(g, key), b, f'=IF(SUBSTITUTE(${wc["funding"]}${w}," ","")="GeneralFund",1,0)')
            fill_row(ws, grow(g, key), cols, lambda c, p, expr=expr: expr.format(c=c, p=p), fmt)
        saving_rows.append((grow(g, "saving"), grow(g, "general_fund")))
        # a workstream row left empty: its calculation rows show nothing (not 0.0% and £0)
        hide_when_blank(ws, [grow(g, key) for key in V["group_rows"]], range(b, last + 1), V["ws_cols"]["name"], w)

    row("total_saving", "Total saving on the DSG", "£", None,
        lambda c, p: "=" + "+".join(f"{c}{r}-{c}{f}" for r, f in saving_rows), S.GBP, True)
    row("general_fund_saving", "General Fund saving (not in the DSG)", "£", None,
        lambda c, p: "=" + "+".join(f"{c}{f}" for _, f in saving_rows), S.GBP, True)
    row("mit_exp", "HNB expenditure (mitigated)", "£", None,
        lambda c, p: f"={c}{V['unmit_exp']}-{c}{V['total_saving']}", S.GBP)
    row("in_year", "In-year HNB deficit (mitigated)", "£", None,
        lambda c, p: f"={c}{V['mit_exp']}-{c}{V['budget']}", S.GBP)
    row("dsg_in_year", "DSG in-year deficit (in-year + other DSG movements)", "£", None,
        lambda c, p: f"={c}{V['in_year']}+{c}{V['other']}", S.GBP, True)
    row("accumulated", "Accumulated deficit, mitigated, before contributions", "£",
        f"={proj}!{B}{P['accumulated']}",
        lambda c, p: f"={p}{V['accumulated']}+{c}{V['dsg_in_year']}*{c}{V['flag']}", S.GBP)
    row("instalment", "Instalment number", "number", None,
        lambda c, p: f"={c}{V['period']}-${B}${V['first_period']}+1", "0")
    # (condition)*1, not --(condition): the `formulas` engine (hnb-xl verify) reads --(range=x) as 0
    row("dfe", "DfE contribution (instalments as counted)", "£", None,
        lambda c, p: f"={c}{V['flag']}*SUMPRODUCT(({inst('year')}={c}{V['year']})*1,{inst('counted')})", S.GBP)
    row("council", "Council contribution", "£", None,
        lambda c, p: (f"={c}{V['flag']}*{has}*IF(AND({c}{V['instalment']}>=1,{c}{V['instalment']}<={A['instalments']}),"
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

    # the agreement's years from the target to its end, and the 2026 settlement by year
    end, target = f"${L.col(vc)}${V['end_year']}", _start(A["target_balance_year"])
    row("in_target", "Target year to agreement's end (1 = yes)", "flag", None,
        lambda c, p: f"=IF({has}=0,0,IF(AND({c}{V['flag']}=1,{c}{V['start']}>={target},{c}{V['start']}<={end}),1,0))",
        "0")
    eligible, amount = f"${L.col(vc)}${V['eligible']}", f"${L.col(vc)}${V['write_off_total']}"
    row("write_off", "High Needs Stability Grant write-off", "£", None,
        lambda c, p: f"={c}{V['flag']}*IF({c}{V['start']}={stv['st_paid_year']},{amount},0)", S.GBP)
    row("after_write_off", "DSG deficit after the write-off", "£", f"={proj}!{B}{P['accumulated']}",
        lambda c, p: f"={c}{V['after']}-IF({c}{V['start']}>={stv['st_paid_year']},{amount},0)", S.GBP, True)
    row("exposure", "General Fund exposure (after the override)", "£", None,
        lambda c, p: f"={c}{V['flag']}*IF({c}{V['start']}>{stv['st_override_end']},MAX(0,{c}{V['after_write_off']}),0)",
        S.GBP)
    row("carrying", "Cost of carrying (rate x average deficit)", "£", None,
        lambda c, p: f"={c}{V['flag']}*{stv['st_rate']}*AVERAGE({p}{V['after_write_off']},{c}{V['after_write_off']})",
        S.GBP)

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
    years_required = f"(MAX({end},{target})-{target}+1)"
    results = (
        ("end_year", "Agreement's last year (2026 = 2026-27)", "start year",
         f"=IF({has}=0,{none},MAX({inst('pays')},{target}))", "0"),
        ("target_met", "Target met in every year to the end (1 = yes)", "flag",
         f"=IF({has}=0,{none},IF(AND(SUM({rng('in_target')})={years_required},SUMPRODUCT({rng('in_target')},"
         f"({rng('dsg_in_year')}<=0)*1)={years_required}),1,0))", "0"),
        ("gap_at_end", "Deficit left at the agreement's end", "£",
         f'=IF({has}=0,{none},IFERROR(MAX(0,INDEX({rng("after")},MATCH({end},{rng("start")},0))),'
         f'"end year not planned"))', S.GBP),
        ("dfe_in_outturn", "DfE in outturn years (kept as received)", "£",
         f'=SUMPRODUCT(({inst("where")}="outturn")*1,{inst("counted")})', S.GBP),
        ("dfe_all", "DfE contributions, all years", "£", f"=SUM({inst('counted')})", S.GBP),
        ("instalments_check", "Instalments add up, none dropped (1 = yes)", "flag",
         f'=IF({has}=0,IF(SUMPRODUCT(({p_year}<>"")*1)=0,1,0),'
         f'IF(AND({A["instalments"]}<=ROWS({inst("due")}),ABS(SUM({inst("due")})-{A["dfe_total"]})<Cross_Check_Tolerance,'
         f'COUNTIF({inst("where")},"after the plan")=0,ABS(SUMPRODUCT({rng("dfe")},{rng("flag")})'
         f'+{L.col(vc)}{V["dfe_in_outturn"]}-{L.col(vc)}{V["dfe_all"]})<Cross_Check_Tolerance,'
         f'SUMPRODUCT(({p_year}<>"")*ISNA(MATCH({p_year},{inst("year")},0)))=0),1,0))', "0"),
        ("eligible", "Settlement: eligible deficit", "£",
         f'=IFERROR(MAX(0,INDEX({rng("after")},MATCH({stv["st_write_off_year"]},{rng("start")},0))'
         f'-{stv["st_excluded"]}),"write-off year not planned")', S.GBP),
        ("write_off_total", "Settlement: write-off (0 unless approved)", "£",
         f"=IF(AND({stv['st_approved']}=1,ISNUMBER({eligible})),{stv['st_share']}*{eligible},0)", S.GBP),
        ("exposure_end", "General Fund exposure at the plan's end", "£",
         f"=INDEX({rng('exposure')},Assumptions_Count)", S.GBP),
        ("carrying_total", "Cost of carrying over the plan", "£",
         f"=SUMPRODUCT({rng('carrying')},{rng('flag')})", S.GBP),
    )
    for key, text, unit, f, fmt in results:
        label(ws, V[key], text, unit, bold=key in ("target_met", "gap_at_end"))
        ws.cell(V[key], vc, f).number_format = fmt
        if key in V["names"]:
            ctx.define(V["names"][key], L.absref(L.SAFETY_VALVE, vc, V[key]))
    args = (f"{V['ws_table_name']},History_Table,Assumptions_Table,\"%s\",{A['dfe_total']},{A['first_share']},"
            f"{A['instalments']},{A['first_year']},{L.INPUT_TABLES['payments'].name}")
    label(ws, V["udf_balance"], "HNB_BALANCE_YEAR in-year (Python engine)", "financial year")
    ws.cell(V["udf_balance"], vc, f'=IFERROR(HNB_BALANCE_YEAR({args % "in-year"}),"{NOT_LOADED}")')
    label(ws, V["udf_cleared"], "HNB_BALANCE_YEAR cleared (Python engine)", "financial year")
    ws.cell(V["udf_cleared"], vc, f'=IFERROR(HNB_BALANCE_YEAR({args % "cleared"}),"{NOT_LOADED}")')
    label(ws, V["udf_check"], "Cross-check: native = HNB_BALANCE_YEAR (1 = yes)", "flag", bold=True)
    ws.cell(V["udf_check"], vc, (f'=IF(ISERROR({L.col(vc)}{V["udf_balance"]}),"{NOT_LOADED}",'
                                 f'IF({L.col(vc)}{V["udf_balance"]}="{NOT_LOADED}","{NOT_LOADED}",'
                                 f'IF(AND({L.col(vc)}{V["udf_balance"]}={L.col(vc)}{V["first_balance_year"]},'
                                 f'{L.col(vc)}{V["udf_cleared"]}={L.col(vc)}{V["cleared_year"]}),1,0)))'))
    ctx.define(V["names"]["udf_check"], L.absref(L.SAFETY_VALVE, vc, V["udf_check"]))
    # years past the assumptions show blank (every calculation row after the period and flag rows)
    blank_unused_columns(ws, range(V["flag"] + 1, V["carrying"] + 1), cols, V["flag"])
    hide_unused_columns(ws, (V["period"], V["flag"]), cols, V["flag"])
    for c in range(b, last + 1):
        ws.column_dimensions[L.col(c)].width = 14
        ws.cell(V["year"], c).alignment = S.RIGHT           # a year label sits over its numbers
    S.print_setup(ws, used_print_area(ctx, L.SAFETY_VALVE))
