"""Calc_History: the seed's history table in native formulas, one column per financial year.

Mirrors ``hnb_xl.engine.history.history_table``:
growth_t = value_t / value_{t-1} - 1; in_year_deficit = hnb_expenditure - hnb_budget;
other_dsg_movements_t = accumulated_t - accumulated_{t-1} - in_year_t, with the accumulated
deficit before the first published year = Opening_Deficit; deficit_growth_t = accumulated_t - accumulated_{t-1}.
"""

from __future__ import annotations

from .. import layout as L
from .. import styles as S
from ._common import calc_sheet, fill_row, hide_unused_columns, label, used_print_area


def build(wb, ctx) -> None:
    H = L.HIST
    t = L.INPUT_TABLES["history"]
    n = t.column_names
    ws = calc_sheet(wb, L.CALC_HISTORY, "Calculations: HNB history",
                    "One column per financial year from the History input table; one formula along each row.")
    first, last = H["first_col"], H["first_col"] + H["periods"] - 1
    cols = range(first + 1, last + 1)
    F, Lc = L.col(first), L.col(last)

    label(ws, H["count_row"], "Years in the history table", "years", bold=True)
    ws.cell(H["count_row"], first, f"=COUNTA({n['Financial year']})")
    ctx.define(L.NAMES["history_count"], L.absref(L.CALC_HISTORY, first, H["count_row"]))

    rows = [
        ("period", "Period", "number", "=1", lambda c, p: f"={p}{H['period']}+1", "0"),
        ("flag", "Year holds data (1 = yes)", "flag", None, lambda c, p: f"=IF({c}{H['period']}<=History_Count,1,0)", "0"),
        ("year", "Financial year", "", None,
         lambda c, p: f"=IF({c}{H['flag']}=1,INDEX({n['Financial year']},{c}{H['period']}),\"\")", "@"),
        ("ehcp", "EHCPs (January census)", "plans", None,
         lambda c, p: f"=IF({c}{H['flag']}=1,INDEX({n['EHCPs (January census)']},{c}{H['period']}),\"\")", S.COUNT),
        ("budget", "HNB budget", "£", None,
         lambda c, p: f"=IF({c}{H['flag']}=1,INDEX({n['HNB budget']},{c}{H['period']}),\"\")", S.GBP),
        ("expenditure", "HNB expenditure", "£", None,
         lambda c, p: f"=IF({c}{H['flag']}=1,INDEX({n['HNB expenditure']},{c}{H['period']}),\"\")", S.GBP),
        ("accumulated", "Accumulated DSG deficit (published)", "£", None,
         lambda c, p: (f"=IF(ISNUMBER(INDEX({n['Accumulated DSG deficit']},{c}{H['period']})),"
                       f"INDEX({n['Accumulated DSG deficit']},{c}{H['period']}),\"\")"), S.GBP),
    ]
    for key, text, unit, first_formula, f, fmt in rows:
        label(ws, H[key], text, unit)
        if first_formula:
            ws.cell(H[key], first, first_formula).number_format = fmt
            fill_row(ws, H[key], cols, f, fmt)
        else:
            fill_row(ws, H[key], range(first, last + 1), f, fmt)

    def growth(row):
        return lambda c, p: (f"=IF(AND({c}{H['flag']}=1,ISNUMBER({p}{row}),{p}{row}<>0),"
                             f"{c}{row}/{p}{row}-1,\"\")")

    for key, text, src in (("ehcp_growth", "EHCP growth", "ehcp"), ("budget_growth", "HNB budget growth", "budget"),
                           ("expenditure_growth", "HNB expenditure growth", "expenditure")):
        label(ws, H[key], text, "% a year")
        ws.cell(H[key], first, '=""')
        fill_row(ws, H[key], cols, growth(H[src]), S.PCT)

    label(ws, H["in_year"], "In-year HNB deficit (expenditure - budget)", "£", bold=True)
    fill_row(ws, H["in_year"], range(first, last + 1),
             lambda c, p: f"=IF({c}{H['flag']}=1,{c}{H['expenditure']}-{c}{H['budget']},\"\")", S.GBP)
    label(ws, H["previous"], "Accumulated deficit a year earlier", "£")
    ws.cell(H["previous"], first, f'=IF(ISNUMBER({F}{H["accumulated"]}),Opening_Deficit,"")').number_format = S.GBP
    fill_row(ws, H["previous"], cols,
             lambda c, p: (f"=IF(ISNUMBER({c}{H['accumulated']}),IF(ISNUMBER({p}{H['accumulated']}),"
                           f"{p}{H['accumulated']},Opening_Deficit),\"\")"), S.GBP)
    label(ws, H["deficit_growth"], "Growth in the accumulated deficit", "£")
    fill_row(ws, H["deficit_growth"], range(first, last + 1),
             lambda c, p: (f"=IF(ISNUMBER({c}{H['previous']}),{c}{H['accumulated']}-{c}{H['previous']},\"\")"),
             S.GBP)
    label(ws, H["other"], "Other DSG movements (reconciling line)", "£")
    fill_row(ws, H["other"], range(first, last + 1),
             lambda c, p: (f"=IF(ISNUMBER({c}{H['previous']}),{c}{H['accumulated']}-{c}{H['previous']}"
                           f"-{c}{H['in_year']},\"\")"), S.GBP)
    label(ws, H["in_year_published"], "In-year HNB deficit in years with a published accumulated deficit", "£")
    fill_row(ws, H["in_year_published"], range(first, last + 1),
             lambda c, p: f"=IF(ISNUMBER({c}{H['previous']}),{c}{H['in_year']},\"\")", S.GBP)
    # the helper rows (period number, flag) show nothing in the years past the table's last
    hide_unused_columns(ws, (H["period"], H["flag"]), range(first, last + 1), H["flag"])
    for c in range(first, last + 1):
        ws.column_dimensions[L.col(c)].width = 14
        ws.cell(H["year"], c).alignment = S.RIGHT          # a year label sits over its numbers
    S.print_setup(ws, used_print_area(ctx, L.CALC_HISTORY))
