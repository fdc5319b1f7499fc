"""Calc_Contingency: the SEND Contingency per school in native formulas, whole pounds by the
largest-remainder method IN FORMULAS, so the allocations add up to the pot exactly.

Mirrors ``hnb_xl.engine.contingency.allocate``::

    shortfall_s  = ROUNDDOWN(MAX(0, ehcp_count_s * Cost_Per_EHCP - Notional_Share * notional_sen_s), 0)
    payable      = ROUNDDOWN(MIN(Pot, SUM(shortfall)), 0)
    exact_s      = shortfall_s * (payable / SUM(shortfall))
    allocation_s = ROUNDDOWN(exact_s, 0) + 1 for the (payable - SUM(floors)) schools with a shortfall
                   ranked first by remainder (desc), then exact share (desc), then URN (asc)

The rank is a SUMPRODUCT of numeric comparisons (no COUNTIFS on text criteria, which would
round the remainders to 15 digits) over the schools that compete for an extra pound (column
"Competes": 1 with a shortfall, else 0, also on a row without a school, whose other cells are
text ""; comparing that text gives TRUE or FALSE, never an error, and 0 times it is 0)::

    rank_s = 1 + SUMPRODUCT(competes * ((R > r_s) + (R = r_s) * ((X > x_s) + (X = x_s) * (URN < urn_s))))

Each row compares every row, so the sheet's work grows as the square of its rows: ten array
operations a row over its rows, which are only those a council can use
(:func:`hnb_xl.workbook.layout.contingency_rows`: 300 for 250 schools). The engine compares
remainders rounded to 9 decimals; the formulas compare them as computed: the two can only differ
for remainders within 1e-9 of each other, and the HNB_CONTINGENCY cross-check column would show it.

A row whose Inputs row holds no school shows blank in every column (``IF(urn="", "", ...)``), so
the empty capacity never prints £0; the sums skip the blanks and the rank counts only rows with a
number (``ISNUMBER(shortfall)``: Excel ranks text above every number). Without Python the
HNB_CONTINGENCY column says "UDFs not loaded" (``IFERROR``), shown only on rows with a school.
"""

from __future__ import annotations

from .. import layout as L
from .. import styles as S
from ._common import NOT_LOADED, calc_sheet, hide_unused_rows, scalar_rows, used_print_area


def build(wb, ctx) -> None:
    C = L.CONT
    k = C["cols"]
    t = L.INPUT_TABLES["schools"]
    I = t.sheet                       # the sheet of the schools table the formulas read  # noqa: E741
    ws = calc_sheet(wb, L.CALC_CONTINGENCY, "Calculations: SEND Contingency per school",
                    "Shortfall = EHCPs x cost per EHCP - share x notional SEN budget; the pot is shared in "
                    "proportion, in whole pounds.")
    ws.freeze_panes = f"{L.col(1)}{C['first']}"
    v = C["value_col"]
    f0, l0 = C["first"], L.contingency_last(ctx.contingency_rows)
    rng = lambda key: f"${L.col(k[key])}${f0}:${L.col(k[key])}${l0}"  # noqa: E731

    scalars = [
        ("total_shortfall", "Total shortfall of all schools", "£", f"=SUM({rng('shortfall')})", S.GBP,
         L.NAMES["contingency_total_shortfall"]),
        ("payable", "Pounds to allocate: the pot, or the total shortfall if less", "£",
         "=ROUNDDOWN(MIN(Pot,Contingency_Total_Shortfall),0)", S.GBP, L.NAMES["contingency_payable"]),
        ("ratio", "Share of each school's shortfall paid (pounds to allocate / total shortfall)", "fraction",
         # written out in full: LibreOffice 7.4 reports a false circular reference (Err:522) when
         # the exact-share column reads a cell that reads Contingency_Total_Shortfall
         f"=IF(SUM({rng('shortfall')})>0,ROUNDDOWN(MIN(Pot,SUM({rng('shortfall')})),0)/SUM({rng('shortfall')}),0)",
         S.RATE,
         L.NAMES["contingency_ratio"]),
        ("scale", "Scale = MIN(1, pot / total shortfall)", "fraction",
         "=IF(Contingency_Total_Shortfall>0,MIN(1,Pot/Contingency_Total_Shortfall),0)", S.RATE, None),
        ("floors", "Sum of whole pounds before remainders", "£", f"=SUM({rng('floor')})", S.GBP, None),
        ("left", "Pounds left for the largest remainders", "£", f"=Contingency_Payable-{L.col(v)}{C['floors']}", S.GBP,
         L.NAMES["contingency_left"]),
        ("allocated", "Total allocated", "£", f"=SUM({rng('allocation')})", S.GBP, L.NAMES["contingency_allocated"]),
        ("receiving", "Schools receiving an allocation", "schools", f"=COUNTIF({rng('allocation')},\">0\")",
         S.COUNT, None),
    ]
    scalar_rows(ws, ctx, L.CALC_CONTINGENCY, C, v, scalars)

    heads = {"urn": "URN", "name": "School name", "ehcp": "EHCPs", "notional": "Notional SEN budget (£)",
             "shortfall": "Shortfall (£)", "exact": "Exact share (£)", "floor": "Whole pounds (£)",
             "remainder": "Remainder (£)", "competes": "Competes (1 = yes)",
             "rank": "Rank for an extra £1", "allocation": "Allocation (£)",
             "udf": "HNB_CONTINGENCY (£)", "difference": "Difference (£)"}
    for key, text in heads.items():
        if key != "udf":
            S.header_cell(ws.cell(C["header"], k[key], text))
    ws.row_dimensions[C["header"]].height = 30
    src = {key: L.col(t.col_of(h)) for key, h in (("urn", "URN"), ("name", "School name"), ("ehcp", "EHCPs"),
                                                 ("notional", "Notional SEN budget"))}
    col = {key: L.col(c) for key, c in k.items()}
    U, X, R, CO = rng("urn"), rng("exact"), rng("remainder"), rng("competes")
    for i in range(ctx.contingency_rows):
        r, ir = f0 + i, t.first_row + i
        cells = {
            "urn": (f'=IF({I}!{src["urn"]}{ir}="","",{I}!{src["urn"]}{ir})', "0"),
            "name": (f'=IF({I}!{src["name"]}{ir}="","",{I}!{src["name"]}{ir})', "General"),
            "ehcp": (f"=N({I}!{src['ehcp']}{ir})", S.COUNT),
            "notional": (f"=N({I}!{src['notional']}{ir})", S.GBP),
            "shortfall": (f"=ROUNDDOWN(MAX(0,{col['ehcp']}{r}*Cost_Per_EHCP-Notional_Share*{col['notional']}{r}),0)",
                          S.GBP),
            "exact": (f"={col['shortfall']}{r}*Contingency_Ratio", "#,##0.00"),
            "floor": (f"=ROUNDDOWN({col['exact']}{r},0)", S.GBP),
            "remainder": (f"={col['exact']}{r}-{col['floor']}{r}", S.RATE),
            # 0 (not blank) without a school, so the rank's SUMPRODUCT multiplies numbers only
            "competes": (f'=IF({col["urn"]}{r}="",0,IF({col["shortfall"]}{r}>0,1,0))', "0"),
            "rank": (f"=IF({col['competes']}{r}=1,1+SUMPRODUCT({CO}*(({R}>{col['remainder']}{r})"
                     f"+({R}={col['remainder']}{r})*(({X}>{col['exact']}{r})"
                     f"+({X}={col['exact']}{r})*({U}<{col['urn']}{r})))),0)", "0"),
            "allocation": (f"={col['floor']}{r}+IF(AND({col['shortfall']}{r}>0,{col['rank']}{r}<=Contingency_Left),1,0)",
                           S.GBP),
            "difference": (f'=IF(ISNUMBER({col["udf"]}{r}),ABS({col["allocation"]}{r}-{col["udf"]}{r}),{col["udf"]}{r})',
                           S.GBP),
        }
        for key, (formula, fmt) in cells.items():
            if key not in ("urn", "name", "competes"):  # a row without a school shows nothing
                formula = f'=IF({col["urn"]}{r}="","",{formula[1:]})'
            ws.cell(r, k[key], formula).number_format = fmt
    # one call of the Python engine for the whole table: a legacy array formula (Excel 2016 and
    # later) over the header row and every data row, the shape HNB_CONTINGENCY returns
    from openpyxl.worksheet.formula import ArrayFormula
    area = f"{col['udf']}{C['header']}:{col['udf']}{l0}"
    ws.cell(C["header"], k["udf"]).value = ArrayFormula(
        area, f'=IFERROR(HNB_CONTINGENCY(Schools_Table,Pot,Cost_Per_EHCP,Notional_Share),"{NOT_LOADED}")')
    S.header_cell(ws.cell(C["header"], k["udf"]))
    ws.cell(C["header"] - 1, k["udf"], "Cross-check (needs Python):").font = S.BOLD
    for r in range(C["header"] + 1, l0 + 1):
        ws.cell(r, k["udf"]).number_format = S.GBP
        for key in ("udf", "difference"):              # "UDFs not loaded" sits with the numbers
            ws.cell(r, k[key]).alignment = S.RIGHT
    for key in ("udf", "competes"):                    # "UDFs not loaded" and the 0 of a row without a school
        hide_unused_rows(ws, k[key], range(f0, l0 + 1), k["urn"])
    for key, column in (("allocations", "allocation"), ("urns", "urn"), ("shortfalls", "shortfall"),
                        ("differences", "difference")):
        ctx.define(L.NAMES[f"contingency_{key}"], L.absref(L.CALC_CONTINGENCY, k[column], f0, k[column], l0))
    widths = {"urn": 10, "name": 36, "ehcp": 9, "notional": 14, "shortfall": 13, "exact": 14, "floor": 13,
              "remainder": 11, "competes": 11, "rank": 10, "allocation": 13, "udf": 16, "difference": 16}
    for key, w in widths.items():
        ws.column_dimensions[col[key]].width = w
    ws.column_dimensions["A"].width = 60
    S.print_setup(ws, used_print_area(ctx, L.CALC_CONTINGENCY))
