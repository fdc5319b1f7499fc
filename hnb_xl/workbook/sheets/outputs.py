"""Outputs: Schools-Forum-ready tables (values in pounds shown as £000/£m by number format) and
two native Excel charts: the seed's "Growing budget, growing overspend and numbers of EHCPs" and
"Deficit growth projected".

Tables have one row per year and read the calculation sheets with INDEX on a row number, so the
formula is the same down each column. The charts' ranges come from :mod:`hnb_xl.workbook.charts`
(the years in the input tables), which a refresh also uses when it adds or removes a year.
"""

from __future__ import annotations


from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.series import SeriesLabel

from ...reports.edition import authority_of
from .. import charts
from .. import layout as L
from .. import styles as S
from ._common import hide_unused_rows, used_print_area
from . import edition


def _table(ws, header_row, first_row, nrows, columns, places=None, number_col=L.OUT_NUMBER_COL):
    """columns: {key: (header, formula(row, n_cell), fmt)}, each in column ``places[key]`` (a
    layout.OUT_*_COLS dict; default: in order after the number column), which holds the row number."""
    places = places or {key: number_col + 1 + j for j, key in enumerate(columns)}
    n = L.col(number_col)
    S.header_cell(ws.cell(header_row, number_col, "No."))
    for key, (head, _f, _fmt) in columns.items():
        S.header_cell(ws.cell(header_row, places[key], head))
    ws.row_dimensions[header_row].height = 45
    for i in range(nrows):
        r = first_row + i
        nc = ws.cell(r, number_col, "=1" if i == 0 else f"={n}{r - 1}+1")
        nc.font = S.NOTE_FONT
        for key, (_h, f, fmt) in columns.items():
            ws.cell(r, places[key], f(r, f"${n}{r}")).number_format = fmt


def _column_chart(ws, header_row: int, title: str, y_title: str, y_format: str, names) -> BarChart:
    """A clustered column chart with one series per name, legend below, 24 x 11 cm. Its series are
    created on the table's header row and pointed at the years' rows by charts.apply_openpyxl (one
    module decides the ranges, here and when a refresh adds a year)."""
    ch = BarChart()
    ch.type = "col"
    ch.grouping = "clustered"
    ch.title = title
    ch.y_axis.title = y_title
    ch.y_axis.number_format = y_format
    ch.y_axis.majorGridlines = None
    for name in names:
        ch.add_data(Reference(ws, min_col=1, min_row=header_row, max_row=header_row), titles_from_data=False)
        ch.series[-1].tx = SeriesLabel(v=name)
    ch.set_categories(Reference(ws, min_col=1, min_row=header_row, max_row=header_row))
    ch.y_axis.delete = False
    ch.x_axis.delete = False
    ch.legend.position = "b"
    ch.width, ch.height = 24, 11
    return ch


def _backtest(ws, prow) -> int:
    """4. The back-test (issue 14 item 5): each projection year's EHCPs (Calc_Projection) against the
    January census inside it in the placement history (Inputs; January 2023 is 2022-23), the error in
    plans (projected - actual) and per cent of the actual, as :mod:`hnb_xl.engine.backtest` and
    ``hnb-xl backtest --sen2`` give them; blank where the table holds no Total for the year. Bundled:
    6,710 / 7,381 / 8,119 projected for 2022-23 to 2024-25 against 6,972 / 7,318 / 8,007 (DfE SEN2,
    reporting year 2025)."""
    O, P = L.OUT, L.PROJ
    ph = dict(zip(L.INPUT_TABLES["placement_history"].column_keys,
                  L.INPUT_TABLES["placement_history"].column_names.values()))
    year_col = L.col(L.OUT_NUMBER_COL + 1)
    proj_col, act_col, err_col = (L.col(L.OUT_NUMBER_COL + k) for k in (2, 3, 4))
    S.heading(ws.cell(O["backtest_title"], 1), "Back-test: projected EHCPs against the January census")
    S.note(ws.cell(O["backtest_title"] + 1, 1), "Actual: the placement history's Total (Inputs) for the census inside "
                                                "the year (January 2023 is 2022-23); error = projected - actual")
    held = lambda r: f"SUMPRODUCT(({ph['financial_year']}={year_col}{r})*ISNUMBER({ph['total']}))"  # noqa: E731
    cols = {
        "year": ("Financial year", lambda r, n: f'=IF({n}<=Assumptions_Count,INDEX({prow(P["year"])},{n}),"")', "@"),
        "projected": ("Projected EHCPs", lambda r, n: f'=IF({n}<=Assumptions_Count,INDEX({prow(P["ehcp"])},{n}),"")',
                      S.COUNT),
        "actual": ("Actual EHCPs (census)", lambda r, n: (f'=IF({year_col}{r}="","",IF({held(r)}=0,"",'
                                                          f'SUMIF({ph["financial_year"]},{year_col}{r},{ph["total"]})))'),
                   S.COUNT),
        "error": ("Error (plans)", lambda r, n: f'=IF(ISNUMBER({act_col}{r}),{proj_col}{r}-{act_col}{r},"")', S.COUNT),
        "error_pct": ("Error (% of actual)",
                      lambda r, n: f'=IF(ISNUMBER({act_col}{r}),IF({act_col}{r}=0,"",{err_col}{r}/{act_col}{r}),"")',
                      S.PCT),
    }
    n_rows = P["periods"]
    _table(ws, O["backtest_header"], O["backtest_first"], n_rows, cols)
    hide_unused_rows(ws, L.OUT_NUMBER_COL, range(O["backtest_first"], O["backtest_first"] + n_rows),
                     L.OUT_NUMBER_COL + 1)


def build(wb, ctx) -> None:
    O, H, P = L.OUT, L.HIST, L.PROJ
    ws = wb.create_sheet(L.OUTPUTS)
    S.title(ws, L.TITLE_CELL, f'="Outputs for Schools Forum and the DfE: "&{edition.AUTHORITY}',  # from Inputs
            "Figures in pounds shown as £000 or £m by number format; positive deficit = overspend.")
    ws[O["master_label"]] = "Master check (Checks sheet):"
    ws[O["master_label"]].font = S.BOLD
    ws[O["master_status"]] = '=IF(Master_Check=1,"OK: all checks pass","CHECK FAILED: see the Checks sheet")'
    ws[O["master_status"]].font = S.BOLD

    hrow = lambda row: f"{L.CALC_HISTORY}!${L.col(H['first_col'])}${row}:${L.col(H['first_col'] + H['periods'] - 1)}${row}"  # noqa: E501,E731
    prow = lambda row: f"{L.CALC_PROJECTION}!${L.col(P['first_col'])}${row}:${L.col(P['first_col'] + P['periods'] - 1)}${row}"  # noqa: E501,E731

    def hcol(row):
        return lambda r, n: f'=IF(INDEX({hrow(H["flag"])},{n})=1,INDEX({hrow(row)},{n}),"")'

    def pcol(row):
        return lambda r, n: f'=IF(INDEX({prow(P["flag"])},{n})=1,INDEX({prow(row)},{n}),"")'

    # 1. history table (the seed's "Budget and spend has grown, but not as fast as EHCP numbers")
    S.heading(ws.cell(O["history_title"], 1), edition.titled("budget and spend have grown, but not as fast as EHCP "
                                                             "numbers", unit=" (£000)"))
    hist_cols = {
        "year": ("Financial year", hcol(H["year"]), "@"),
        "ehcp": ("EHCPs", hcol(H["ehcp"]), S.COUNT),
        "ehcp_growth": ("EHCP growth", hcol(H["ehcp_growth"]), S.PCT),
        "budget": ("HNB budget £000", hcol(H["budget"]), S.GBP_000),
        "budget_growth": ("Budget growth", hcol(H["budget_growth"]), S.PCT),
        "expenditure": ("HNB expenditure £000", hcol(H["expenditure"]), S.GBP_000),
        "expenditure_growth": ("Expenditure growth", hcol(H["expenditure_growth"]), S.PCT),
        "in_year": ("In-year deficit £000", hcol(H["in_year"]), S.GBP_000),
        "accumulated": ("Accumulated DSG deficit £000", hcol(H["accumulated"]), S.GBP_000),
    }
    _table(ws, O["history_header"], O["history_first"], H["periods"], hist_cols, L.OUT_HISTORY_COLS)

    # 2. deficit growth projected: history years, then projected years, in one run of rows
    S.heading(ws.cell(O["projection_title"], 1),
              edition.titled("deficit growth projected", f'{edition.FIRST_OUTTURN}&" to "&{edition.LAST_FORECAST}',
                             " (£m)"))
    n_rows = H["periods"] + P["periods"]

    def both(hr, pr, fmt_blank='""'):
        return lambda r, n: (f"=IF({n}<=History_Count,INDEX({hrow(hr)},{n}),"
                             f"IF({n}-History_Count<=Assumptions_Count,INDEX({prow(pr)},{n}-History_Count),{fmt_blank}))")

    proj_cols = {"year": ("Financial year", both(H["year"], P["year"]), "@"),
                 "accumulated": ("Accumulated DSG deficit £m", both(H["accumulated"], P["accumulated"]), S.GBP_M),
                 "growth": ("Deficit growth in the year £m", both(H["deficit_growth"], P["deficit_growth"]), S.GBP_M),
                 "in_year": ("In-year HNB deficit £m", both(H["in_year"], P["in_year"]), S.GBP_M),
                 "status": ("Outturn or forecast",
                            lambda r, n: (f'=IF({n}<=History_Count,IF(ISNUMBER(INDEX({hrow(H["accumulated"])},{n})),'
                                          f'"outturn","base (derived)"),'
                                          f'IF({n}-History_Count<=Assumptions_Count,"forecast",""))'),
                            "@")}
    _table(ws, O["projection_header"], O["projection_first"], n_rows, proj_cols, L.OUT_PROJECTION_COLS)

    # 3. SEND Contingency and transfer summary
    S.heading(ws.cell(O["summary_title"], 1), "SEND Contingency and block transfer")
    summary = [("SEND Contingency pot", "=Pot", S.GBP), ("Total shortfall of all schools", "=Contingency_Total_Shortfall", S.GBP),
               ("Share of each shortfall paid", "=Contingency_Ratio", S.PCT),
               ("Total allocated to schools", "=Contingency_Allocated", S.GBP),
               ("Schools receiving an allocation",
                f"={L.CALC_CONTINGENCY}!{L.col(L.CONT['value_col'])}{L.CONT['receiving']}", S.COUNT),
               ("Block transfer to the HNB (Invest to Transform)", "=ITT_Transfer", S.GBP),
               ("Transfer limit without a disapplication", "=Transfer_Limit_Rate", S.PCT),
               ("Schools block at which the transfer is the limit",
                f"={L.CALC_TRANSFER}!{L.col(L.TRANS['summary_col'])}{L.TRANS['rows']['itt_implied_block']}", S.GBP)]
    for i, (text, formula, fmt) in enumerate(summary):
        r = O["summary_first"] + i
        ws.cell(r, 2, text)
        ws.cell(r, 5, formula).number_format = fmt

    S.heading(ws.cell(O["itt_title"], 1), "Invest to Transform funding")
    T = L.TRANS
    ic = {k: L.col(v) for k, v in T["itt_cols"].items()}
    itt_n = L.INPUT_TABLES["invest_to_transform"].max_rows
    trow = lambda key: f"{L.CALC_TRANSFER}!${ic[key]}${T['itt_first']}:${ic[key]}${T['itt_first'] + itt_n - 1}"  # noqa: E731
    tcol = lambda key: (lambda r, n: f'=IF(INDEX({trow("activity")},{n})="","",INDEX({trow(key)},{n}))')  # noqa: E731
    _table(ws, O["itt_header"], O["itt_first"], itt_n,
           {"activity": ("Activity", tcol("activity"), "General"), "allocation": ("Allocation £", tcol("allocation"), S.GBP),
            "committed": ("Committed spend to date £", tcol("committed"), S.GBP),
            "remaining": ("Remaining £", tcol("remaining"), S.GBP)})
    from openpyxl.styles import Alignment
    for i in range(itt_n):                 # "TBC" sits right-aligned with the amounts
        ws.cell(O["itt_first"] + i, 4).alignment = Alignment(horizontal="right")
    for i in range(n_rows):
        ws.cell(O["projection_first"] + i, L.OUT_PROJECTION_COLS["status"]).alignment = Alignment(horizontal="center")
    tot = O["itt_first"] + itt_n
    ws.cell(tot, 2, "Total").font = S.BOLD
    ws.cell(tot, 3, "=ITT_Allocation_Total").number_format = S.GBP
    ws.cell(tot, 4, "=ITT_Committed_Total").number_format = S.GBP
    for c in (2, 3, 4):
        ws.cell(tot, c).font = S.BOLD

    _backtest(ws, prow)

    bars = _column_chart(ws, O["history_header"], charts.CHART_TITLES[0],    # + the years: charts.apply_openpyxl
                         "HNB budget and expenditure (£000)", "#,##0,",
                         ("HNB budget (£000)", "HNB expenditure (£000)"))
    bars.x_axis.title = "Financial year"
    line = LineChart()
    hh = O["history_header"]
    line.add_data(Reference(ws, min_col=1, min_row=hh, max_row=hh), titles_from_data=False)
    line.series[0].tx = SeriesLabel(v="EHCPs (right axis)")
    line.y_axis.axId = 200
    line.y_axis.title = "EHCPs (plans)"
    line.y_axis.crosses = "max"
    line.y_axis.number_format = "#,##0"
    line.y_axis.majorGridlines = None
    line.y_axis.delete = False
    # the EHCP line gets its own hidden category axis (the usual secondary-axis pattern); sharing
    # the bars' one makes LibreOffice draw it, title and all, a second time at the top
    line.x_axis.axId = 500
    line.x_axis.delete = True
    line.x_axis.crossAx = 200
    line.y_axis.crossAx = 500
    bars += line
    ws.add_chart(bars, O["chart1_anchor"])
    ws.add_chart(_column_chart(ws, O["projection_header"], charts.CHART_TITLES[1],
                               "Accumulated deficit and growth (£m)", "#,##0,,",
                               ("Accumulated DSG deficit (£m)", "Deficit growth in the year (£m)")),
                 O["chart2_anchor"])
    charts.apply_openpyxl(wb, charts.layout_for(ctx.history, ctx.assumptions, authority_of(ctx.parameters)))

    from openpyxl.worksheet.pagebreak import Break
    for row in O["page_breaks"]:
        ws.row_breaks.append(Break(id=row))
    widths = {"A": 5, "B": 16, "C": 14, "D": 14, "E": 16, "F": 18, "G": 16, "H": 12, "I": 14, "J": 16}
    for k, w in widths.items():
        ws.column_dimensions[k].width = w
    ws.column_dimensions["J"].width = 16
    # the No. column (the INDEX row number of every formula) shows nothing on rows without a year
    for first, n in ((O["history_first"], H["periods"]), (O["projection_first"], n_rows), (O["itt_first"], itt_n)):
        hide_unused_rows(ws, L.OUT_NUMBER_COL, range(first, first + n), L.OUT_NUMBER_COL + 1)
    # the derived base year (a history row without a published accumulated deficit) said under the table
    note = ws.cell(O["history_first"] + H["periods"], L.OUT_HISTORY_COLS["year"],
                   f'=IF(History_Count=0,"",IF(ISNUMBER(INDEX({hrow(H["accumulated"])},1)),"",'
                   f'INDEX({hrow(H["year"])},1)&" has no published accumulated deficit: a derived base year, used '
                   f'only for the next year\'s growth rates"))')
    note.font = S.NOTE_FONT
    S.print_setup(ws, used_print_area(ctx, L.OUTPUTS), landscape=False)   # to the back-test's last year
