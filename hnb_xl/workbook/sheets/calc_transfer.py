"""Calc_Transfer: Schools Block to HNB transfers against the 0.5% limit, and the Invest to
Transform totals, in native formulas.

Mirrors ``hnb_xl.engine.transfer``: rate = transfer_amount / schools_block; limit amount =
Transfer_Limit_Rate * schools_block; implied schools block at the limit = amount / Transfer_Limit_Rate;
disapplication needed when rate > limit. Invest to Transform: remaining = allocation - committed
(lines with committed spend "TBC" are not known and count apart). The HNB_TRANSFER cross-check
asks the Python engine for the amount at the limit rate on the implied schools block.
"""

from __future__ import annotations

from .. import layout as L
from .. import styles as S
from ._common import NOT_LOADED, calc_sheet, scalar_rows


def build(wb, ctx) -> None:
    T = L.TRANS
    k = T["cols"]
    bt = L.INPUT_TABLES["block_transfer"]
    itt = L.INPUT_TABLES["invest_to_transform"]
    ws = calc_sheet(wb, L.CALC_TRANSFER, "Calculations: block transfer and Invest to Transform",
                    "Rate = transfer / schools block; above the 0.5% limit the Secretary of State must approve "
                    "a disapplication request.")
    ws.freeze_panes = None
    heads = {"year": "Financial year", "amount": "Transfer (£)", "schools_block": "Schools block (£)",
             "rate": "Rate of the schools block", "limit_amount": "Limit amount (£)",
             "implied_block": "Schools block at which the transfer is the limit (£)",
             "needs_disapplication": "Disapplication needed (1 = yes)"}
    S.heading(ws.cell(T["header"] - 1, 1), "Transfers")
    for key, text in heads.items():
        S.header_cell(ws.cell(T["header"], k[key], text))
    ws.row_dimensions[T["header"]].height = 45
    src = {key: L.col(bt.col_of(h)) for key, h in (("year", "Financial year"), ("amount", "Transfer amount"),
                                                  ("schools_block", "Schools block"))}
    c = {key: L.col(v) for key, v in k.items()}
    I = bt.sheet                      # the sheet of the table the formulas read  # noqa: E741
    for i in range(bt.max_rows):
        r, ir = T["first"] + i, bt.first_row + i
        cells = {
            "year": (f'=IF({I}!{src["year"]}{ir}="","",{I}!{src["year"]}{ir})', "@"),
            "amount": (f'=IF(ISNUMBER({I}!{src["amount"]}{ir}),{I}!{src["amount"]}{ir},"")', S.GBP),
            "schools_block": (f'=IF(ISNUMBER({I}!{src["schools_block"]}{ir}),{I}!{src["schools_block"]}{ir},"")',
                              S.GBP),
            "rate": (f'=IF(AND(ISNUMBER({c["amount"]}{r}),ISNUMBER({c["schools_block"]}{r})),'
                     f'{c["amount"]}{r}/{c["schools_block"]}{r},"")', S.PCT2),
            "limit_amount": (f'=IF(ISNUMBER({c["schools_block"]}{r}),Transfer_Limit_Rate*{c["schools_block"]}{r},"")',
                             S.GBP),
            "implied_block": (f'=IF(ISNUMBER({c["amount"]}{r}),{c["amount"]}{r}/Transfer_Limit_Rate,"")', S.GBP),
            "needs_disapplication": (f'=IF(ISNUMBER({c["rate"]}{r}),IF({c["rate"]}{r}>Transfer_Limit_Rate,1,0),"")',
                                     "0"),
        }
        for key, (formula, fmt) in cells.items():
            ws.cell(r, k[key], formula).number_format = fmt

    # Invest to Transform per activity
    ik = T["itt_cols"]
    ic = {key: L.col(v) for key, v in ik.items()}
    S.heading(ws.cell(T["itt_title"], 1), "Invest to Transform")
    for key, text in {"activity": "Activity", "allocation": "Allocation (£)", "committed": "Committed spend (£)",
                      "known": "Committed known (1 = yes)", "remaining": "Remaining (£)"}.items():
        S.header_cell(ws.cell(T["itt_header"], ik[key], text))
    ws.row_dimensions[T["itt_header"]].height = 30
    isrc = {key: L.col(itt.col_of(h)) for key, h in (("activity", "Activity"), ("allocation", "Allocation"),
                                                    ("committed", "Committed spend"))}
    I = itt.sheet                     # noqa: E741
    for i in range(itt.max_rows):
        r, ir = T["itt_first"] + i, itt.first_row + i
        cells = {
            "activity": (f'=IF({I}!{isrc["activity"]}{ir}="","",{I}!{isrc["activity"]}{ir})', "General"),
            "allocation": (f'=IF({ic["activity"]}{r}="","",N({I}!{isrc["allocation"]}{ir}))', S.GBP),
            "committed": (f'=IF(ISNUMBER({I}!{isrc["committed"]}{ir}),{I}!{isrc["committed"]}{ir},'
                          f'IF({I}!{isrc["committed"]}{ir}="","","TBC"))', S.GBP),
            "known": (f'=IF({ic["activity"]}{r}="","",IF(ISNUMBER({ic["committed"]}{r}),1,0))', "0"),
            "remaining": (f'=IF({ic["known"]}{r}=1,{ic["allocation"]}{r}-{ic["committed"]}{r},"")', S.GBP),
        }
        for key, (formula, fmt) in cells.items():
            ws.cell(r, ik[key], formula).number_format = fmt

    first, last = T["itt_first"], T["itt_first"] + itt.max_rows - 1
    rng = lambda key: f"${ic[key]}${first}:${ic[key]}${last}"  # noqa: E731
    R = T["rows"]
    v = T["summary_col"]
    act = L.col(itt.col_of("Activity"))
    summary = [
        ("itt_transfer", "Block transfer funding Invest to Transform (year in ITT_Year)", "£",
         "=SUMIFS(BlockTransfer_transfer_amount,BlockTransfer_financial_year,ITT_Year)", S.GBP,
         L.NAMES["itt_transfer"]),
        ("itt_allocation", "Allocated to activities", "£", f"=SUM({rng('allocation')})", S.GBP,
         L.NAMES["itt_allocation_total"]),
        ("itt_committed", "Committed spend to date (known lines)", "£", f"=SUM({rng('committed')})", S.GBP,
         L.NAMES["itt_committed_total"]),
        ("itt_remaining", "Remaining on lines with known commitments", "£", f"=SUM({rng('remaining')})", S.GBP, None),
        ("itt_tbc_lines", "Activities with committed spend still TBC", "lines",
         f'=SUMPRODUCT(({I}!${act}${itt.first_row}:${act}${itt.last_row}<>"")*({rng("known")}=0))', "0", None),
        ("itt_tbc_allocation", "Allocation on lines still TBC", "£",
         f"=SUMIF({rng('known')},0,{rng('allocation')})", S.GBP, None),
        ("itt_committed_share", "Share of the allocation committed", "%",
         "=IF(ITT_Allocation_Total>0,ITT_Committed_Total/ITT_Allocation_Total,0)", S.PCT, None),
        ("itt_implied_block", "Schools block at which the transfer is exactly the limit", "£",
         "=IF(Transfer_Limit_Rate>0,ITT_Transfer/Transfer_Limit_Rate,0)", S.GBP, None),
        ("udf_amount", "HNB_TRANSFER at the limit rate on that schools block (Python engine)", "£",
         f'=IFERROR(HNB_TRANSFER({L.col(v)}{R["itt_implied_block"]},Transfer_Limit_Rate),"{NOT_LOADED}")', S.GBP, None),
        ("udf_difference", "Difference from the transfer", "£",
         f"=IF(ISNUMBER({L.col(v)}{R['udf_amount']}),ABS({L.col(v)}{R['udf_amount']}-ITT_Transfer),{L.col(v)}{R['udf_amount']})",
         S.GBP, None),
    ]
    S.heading(ws.cell(R["itt_transfer"] - 1, 1), "Totals")
    scalar_rows(ws, ctx, L.CALC_TRANSFER, R, v, summary)
    for key in ("udf_amount", "udf_difference"):       # "UDFs not loaded" sits with the numbers
        ws.cell(R[key], v).alignment = S.RIGHT
    ws.column_dimensions["A"].width = 62
    for key, w in {"year": 30, "amount": 16, "schools_block": 18, "rate": 14, "limit_amount": 16,
                   "implied_block": 22, "needs_disapplication": 16}.items():
        ws.column_dimensions[c[key]].width = w
    S.print_setup(ws, L.print_area(k["needs_disapplication"], R["udf_difference"]))
