"""Calc_Projection: the year-by-year projection in native formulas (base = last history year).

Mirrors ``hnb_xl.engine.projection.project`` operation for operation (cumulative products and
sums from the base, so the floating-point results are the engine's)::

    factor_t      = factor_{t-1} * (1 + growth_t), factor_base = 1
    ehcp_count_t  = ehcp_count_b * ehcp_factor_t
    cost_per_ehcp_t = (hnb_expenditure_b / ehcp_count_b) * cost_factor_t
    hnb_expenditure_t = ehcp_count_t * cost_per_ehcp_t
    hnb_funding_t = hnb_budget_b * funding_factor_t;  hnb_budget_t = hnb_funding_t + block_transfer_t
    in_year_deficit_t = hnb_expenditure_t - hnb_budget_t
    cumulative_t  = cumulative_{t-1} + (in_year_deficit_t + other_dsg_movements_t), cumulative_b = 0
    accumulated_deficit_t = accumulated_deficit_b + cumulative_t
    deficit_growth_t = accumulated_deficit_t - accumulated_deficit_{t-1}

Columns past the last assumption row are flagged 0 and every formula in them shows blank
(``IF(flag=1, ..., "")``): nothing prints there, and outputs and checks use only flagged columns.
The cross-check rows call HNB_DEFICIT for the same year on the same input tables
(``IFERROR(..., "UDFs not loaded")`` without Python); inactive columns ask for the last projected
year and are hidden by a conditional number format (``;;;``), as a UDF cell must stay a bare
``IFERROR(HNB_...)`` for the verification's recalculation to compute it.
"""

from __future__ import annotations

from .. import layout as L
from .. import styles as S
from ._common import NOT_LOADED, blank_unused_columns, calc_sheet, fill_row, hide_unused_columns, label, used_print_area


def build(wb, ctx) -> None:
    P = L.PROJ
    a = L.INPUT_TABLES["assumptions"].column_names
    h = L.INPUT_TABLES["history"].column_names
    ws = calc_sheet(wb, L.CALC_PROJECTION, "Calculations: projection of the HNB and the accumulated DSG deficit",
                    "Column C is the last history year (the base); one column per projected year follows.")
    b, first = P["base_col"], P["first_col"]
    last = first + P["periods"] - 1
    B = L.col(b)
    cols = range(first, last + 1)
    ws.cell(4, b, "Base").font = S.BOLD

    label(ws, P["count_row"], "Years in the assumptions table", "years", bold=True)
    ws.cell(P["count_row"], b, f"=COUNTA({a['Financial year']})")
    ctx.define(L.NAMES["assumptions_count"], L.absref(L.CALC_PROJECTION, b, P["count_row"]))

    def row(key, text, unit, base, f, fmt, bold=False):
        label(ws, P[key], text, unit, bold)
        if base is not None:
            ws.cell(P[key], b, base).number_format = fmt
        fill_row(ws, P[key], cols, f, fmt)

    hist_at = lambda col: f"INDEX({col},History_Count)"  # noqa: E731
    row("period", "Period (0 = base year)", "number", "=0", lambda c, p: f"={p}{P['period']}+1", "0")
    row("flag", "Year has assumptions (1 = yes)", "flag", None,
        lambda c, p: f"=IF({c}{P['period']}<=Assumptions_Count,1,0)", "0")
    row("year", "Financial year", "", f"={hist_at(h['Financial year'])}",
        lambda c, p: f"=IF({c}{P['flag']}=1,INDEX({a['Financial year']},{c}{P['period']}),\"\")", "@", True)
    for key, text, hdr, unit, fmt in (
            ("ehcp_growth", "EHCP growth", "EHCP growth", "% a year", S.PCT2),
            ("cost_growth", "Cost per EHCP growth", "Cost per EHCP growth", "% a year", S.PCT2),
            ("funding_growth", "HNB funding growth", "HNB funding growth", "% a year", S.PCT2),
            ("transfer", "Block transfer", "Block transfer", "£", S.GBP),
            ("other", "Other DSG movements", "Other DSG movements", "£", S.GBP)):
        row(key, text, unit, None, lambda c, p, hdr=hdr: f"=INDEX({a[hdr]},{c}{P['period']})", fmt)
    for key, text, g in (("ehcp_factor", "EHCP growth factor since base", "ehcp_growth"),
                         ("cost_factor", "Cost per EHCP growth factor since base", "cost_growth"),
                         ("funding_factor", "Funding growth factor since base", "funding_growth")):
        row(key, text, "times base", "=1", lambda c, p, g=g, key=key: f"={p}{P[key]}*(1+{c}{P[g]})", "0.0000")
    row("ehcp", "EHCPs", "plans", f"={hist_at(h['EHCPs (January census)'])}",
        lambda c, p: f"=${B}${P['ehcp']}*{c}{P['ehcp_factor']}", S.COUNT)
    row("cost", "Cost per EHCP", "£ per plan", f"={B}{P['expenditure']}/{B}{P['ehcp']}",
        lambda c, p: f"=${B}${P['cost']}*{c}{P['cost_factor']}", S.GBP)
    row("expenditure", "HNB expenditure", "£", f"={hist_at(h['HNB expenditure'])}",
        lambda c, p: f"={c}{P['ehcp']}*{c}{P['cost']}", S.GBP)
    row("funding", "HNB funding before transfer", "£", f"={hist_at(h['HNB budget'])}",
        lambda c, p: f"=${B}${P['funding']}*{c}{P['funding_factor']}", S.GBP)
    row("budget", "HNB budget (funding + block transfer)", "£", f"={B}{P['funding']}",
        lambda c, p: f"={c}{P['funding']}+{c}{P['transfer']}", S.GBP)
    row("in_year", "In-year HNB deficit (expenditure - budget)", "£", f"={B}{P['expenditure']}-{B}{P['budget']}",
        lambda c, p: f"={c}{P['expenditure']}-{c}{P['budget']}", S.GBP, True)
    row("cumulative", "In-year deficit + other DSG movements since base", "£", "=0",
        lambda c, p: f"={p}{P['cumulative']}+({c}{P['in_year']}+{c}{P['other']})", S.GBP)
    row("accumulated", "Accumulated DSG deficit at 31 March", "£", f"={hist_at(h['Accumulated DSG deficit'])}",
        lambda c, p: f"=${B}${P['accumulated']}+{c}{P['cumulative']}", S.GBP, True)
    row("deficit_growth", "Growth in the accumulated deficit", "£", None,
        lambda c, p: f"={c}{P['accumulated']}-{p}{P['accumulated']}", S.GBP)

    label(ws, P["udf_year"] - 1, "Cross-check with the HNB_ functions (needs Python; see the Cover)", bold=True)
    row("udf_year", "Year asked of HNB_DEFICIT", "", None,
        lambda c, p: f"=INDEX({a['Financial year']},MIN({c}{P['period']},Assumptions_Count))", "@")
    row("udf_accumulated", "HNB_DEFICIT (Python engine)", "£", None,
        lambda c, p: (f"=IFERROR(HNB_DEFICIT({c}{P['udf_year']},History_Table,Assumptions_Table),"
                      f"\"{NOT_LOADED}\")"), S.GBP)
    # the function's own message (bad input) or "UDFs not loaded" shows here as text, never an error
    row("udf_difference", "Difference from native (years with assumptions)", "£", None,
        lambda c, p: (f"=IF(ISNUMBER({c}{P['udf_accumulated']}),ABS({c}{P['udf_accumulated']}-{c}{P['accumulated']}),"
                      f"{c}{P['udf_accumulated']})"), S.GBP)
    blank_unused_columns(ws, [P[k] for k in ("ehcp_growth", "cost_growth", "funding_growth", "transfer", "other",
                                             "ehcp_factor", "cost_factor", "funding_factor", "ehcp", "cost",
                                             "expenditure", "funding", "budget", "in_year", "cumulative",
                                             "accumulated", "deficit_growth", "udf_difference")], cols, P["flag"])
    hide_unused_columns(ws, (P["period"], P["flag"], P["udf_year"], P["udf_accumulated"]), cols, P["flag"])

    Lc = L.col(last)
    ctx.define(L.NAMES["projection_accumulated"], L.absref(L.CALC_PROJECTION, first, P["accumulated"], last,
                                                           P["accumulated"]))
    ctx.define(L.NAMES["projection_growth"], L.absref(L.CALC_PROJECTION, first, P["deficit_growth"], last,
                                                      P["deficit_growth"]))
    ctx.define(L.NAMES["projection_years"], L.absref(L.CALC_PROJECTION, first, P["year"], last, P["year"]))
    for c in range(b, last + 1):
        ws.column_dimensions[L.col(c)].width = 14
        for r in (P["year"], P["udf_year"], P["udf_accumulated"], P["udf_difference"]):
            ws.cell(r, c).alignment = S.RIGHT               # a year or "UDFs not loaded" sits with the numbers
    S.print_setup(ws, used_print_area(ctx, L.CALC_PROJECTION))
