"""Checks: each check is 1 (pass) or 0 (fail); the master check is the smallest of them (0 when a
check is itself an error, e.g. #VALUE! from text typed into a number input).

UDF cross-checks compare a native result with the ``HNB_`` function on the same inputs. When
Python is not connected (the function is unknown to Excel, #NAME?) the calculation sheets' UDF
cells show "UDFs not loaded" (``IFERROR``) and so do these checks instead of 0/1; text is ignored
by MIN, so the master check does not fail merely because the functions are not imported. A UDF
that answers with a message (bad input) leaves its difference cells without a number, which
makes its check 0: the check counts the differences that are numbers.
"""

from __future__ import annotations

from ...tables.schema import PLACEMENT_CATEGORIES, SCHEMAS
from .. import layout as L
from .. import styles as S
from ._common import NOT_LOADED


def _checks():
    H, P, C, T = L.HIST, L.PROJ, L.CONT, L.TRANS
    hist = f"{L.CALC_HISTORY}!${L.col(H['first_col'])}$%d:${L.col(H['first_col'] + H['periods'] - 1)}$%d"
    proj = f"{L.CALC_PROJECTION}!${L.col(P['first_col'])}$%d:${L.col(P['first_col'] + P['periods'] - 1)}$%d"
    cc = {k: L.col(v) for k, v in C["cols"].items()}
    cn = {k: L.NAMES[f"contingency_{k}"] for k in ("urns", "shortfalls", "allocations", "differences")}
    ic = {k: L.col(v) for k, v in T["itt_cols"].items()}
    itt_n = L.INPUT_TABLES["invest_to_transform"].max_rows
    irng = lambda k: f"{L.CALC_TRANSFER}!${ic[k]}${T['itt_first']}:${ic[k]}${T['itt_first'] + itt_n - 1}"  # noqa: E731
    s = L.INPUT_TABLES["schools"].column_names
    schools_n = f'SUMPRODUCT(({s["URN"]}<>"")*1)'       # the schools on Inputs (two checks count them)
    base = f"{L.CALC_PROJECTION}!${L.col(P['base_col'])}$"
    last_p = f"INDEX({proj % (P['accumulated'], P['accumulated'])},Assumptions_Count)"
    udf_c = f"{L.CALC_CONTINGENCY}!${cc['udf']}${C['header']}"
    udf_p = f"{L.CALC_PROJECTION}!${L.col(P['first_col'])}${P['udf_accumulated']}"
    udf_t = L.absref(L.CALC_TRANSFER, T["summary_col"], T["rows"]["udf_amount"])
    udf_td = L.absref(L.CALC_TRANSFER, T["summary_col"], T["rows"]["udf_difference"])
    sv = {k: v[1] for k, v in L.SV["agreement"].items()}  # defined names of the agreement inputs
    return [
        ("History: the accumulated deficit reconciles (opening + in-year deficits + other DSG movements = "
         "last published)",
         f"=IF(ABS(Opening_Deficit+SUM({hist % (H['in_year_published'], H['in_year_published'])})+SUM({hist % (H['other'], H['other'])})"
         f"-INDEX({hist % (H['accumulated'], H['accumulated'])},History_Count))<Cross_Check_Tolerance,1,0)"),
        ("History: at least two years, so growth can be measured", "=IF(History_Count>1,1,0)"),
        ("Projection: there are assumptions for at least one year", "=IF(Assumptions_Count>0,1,0)"),
        *_year_checks(),
        _block_transfer_twin_check(),
        *_placement_history_checks(),
        ("Projection: the last accumulated deficit = base + in-year deficits + other DSG movements",
         f"=IF(ABS({base}{P['accumulated']}+SUMPRODUCT({proj % (P['in_year'], P['in_year'])},"
         f"{proj % (P['flag'], P['flag'])})+SUMPRODUCT({proj % (P['other'], P['other'])},"
         f"{proj % (P['flag'], P['flag'])})-{last_p})<Cross_Check_Tolerance,1,0)"),
        ("SEND Contingency: allocations add up to the pot (or the total shortfall if less)",
         "=IF(Contingency_Allocated=Contingency_Payable,1,0)"),
        ("SEND Contingency: every school on Inputs has a row on Calc_Contingency (more schools than its rows: "
         "rebuild the workbook from its own inputs, docs/refresh.md)",
         f'=IF({schools_n}=SUMPRODUCT(({cn["urns"]}<>"")*1),1,0)'),
        ("SEND Contingency: no school gets more than its shortfall",
         f"=IF(SUMPRODUCT(({cn['allocations']}>{cn['shortfalls']})*1)=0,1,0)"),
        ("SEND Contingency: no allocation is negative", f"=IF(MIN({cn['allocations']})>=0,1,0)"),
        ("SEND Contingency: every school URN appears once",
         f"=IF(SUMPRODUCT(ISNUMBER({s['URN']})*(COUNTIF({s['URN']},{s['URN']})>1))=0,1,0)"),
        ("SEND Contingency: the notional SEN share is between 0 and 1",
         "=IF(AND(Notional_Share>=0,Notional_Share<=1),1,0)"),
        ("Invest to Transform: allocations add up to the block transfer",
         "=IF(ABS(ITT_Allocation_Total-ITT_Transfer)<Cross_Check_Tolerance,1,0)"),
        ("Invest to Transform: no activity has committed more than its allocation",
         f"=IF(SUMPRODUCT(({irng('known')}=1)*({irng('committed')}>{irng('allocation')}))=0,1,0)"),
        ("Safety valve: the first instalment share is between 0 and 1 and there is at least one instalment",
         f"=IF(AND({sv['first_share']}>=0,{sv['first_share']}<=1,{sv['instalments']}>=1),1,0)"),
        ("Safety valve: the instalments add up to the DfE total and none is dropped (outturn years kept as "
         "received; every payment record is an instalment year)", f"={L.SV['names']['instalments_check']}"),
        *_completeness_checks(),
        ("Cross-check: accumulated deficit by year = HNB_DEFICIT (Python engine)",
         _cross_check(udf_p, proj % (P["udf_difference"], P["udf_difference"]), "Assumptions_Count")),
        ("Cross-check: SEND Contingency allocations = HNB_CONTINGENCY (Python engine)",
         _cross_check(udf_c, cn["differences"], schools_n)),
        ("Cross-check: transfer at the limit = HNB_TRANSFER (Python engine)", _cross_check(udf_t, udf_td, "1")),
        ("Cross-check: safety valve balance and cleared years = HNB_BALANCE_YEAR (Python engine)",
         f"={L.SV['names']['udf_check']}"),
        _placement_cross_check(),
    ]


def _placement_cross_check():
    """Calc_Placement's accumulated deficit in every drivers year = HNB_PLACEMENTS' on the same
    Inputs tables (within Cross_Check_Tolerance); 1 (not applicable) while Calc_Placement
    calculates nothing to compare: the placement tables empty, as a workbook for another authority
    starts, or for another base year (:func:`hnb_xl.tables.placement.other_base_year`; the sheet's
    heading says so)."""
    P = L.PLACE
    diffs = L.absref(L.CALC_PLACEMENT, P["first_col"], P["udf_difference"], P["first_col"] + P["periods"] - 1,
                     P["udf_difference"])
    check = _cross_check(L.NAMES["placement_udf"], diffs, L.NAMES["placement_years_count"])
    active = L.absref(L.CALC_PLACEMENT, P["base_col"], P["active"])
    return ("Cross-check: placement accumulated deficit by year (Calc_Placement) = HNB_PLACEMENTS (Python engine); "
            "1 (not applicable) while the placement tables are empty or for another base year",
            f'=IF({active}=0,1,{check[1:]})')


def _cross_check(udf: str, differences: str, expected: str) -> str:
    """1 when the ``expected`` number of ``differences`` are numbers below the tolerance, 0 when one
    is not a number (the function answered with a message) or too large; "UDFs not loaded" when
    the ``udf`` cell says so (or is itself an error: Excel without the functions' import)."""
    return (f'=IF(ISERROR({udf}),"{NOT_LOADED}",IF({udf}="{NOT_LOADED}","{NOT_LOADED}",'
            f'IF(COUNT({differences})<>{expected},0,IF(SUM({differences})<Cross_Check_Tolerance,1,0))))')


def _start(year: str) -> str:
    """The start year of a financial-year label as a number: "2022-23" -> 2022, a blank cell -> 0, text
    that is not a year -> #VALUE! (the check is then an error, which fails the master check). No IF or
    IFERROR, so it works on a range inside SUMPRODUCT without an array formula."""
    return f'VALUE("0"&LEFT({year},FIND("-",{year}&"-")-1))'


def _year_checks():
    """The year rules of hnb_xl/tables/validate.py as native formulas, so that assumptions typed in
    Excel are judged as a refresh judges them: they start the year after the last history year, and
    each assumption year is the year after the one above it (blank rows below the last year are
    ignored; a blank row between years, or a label that is not a financial year, fails)."""
    h = L.INPUT_TABLES["history"].column_names["Financial year"]
    t = L.INPUT_TABLES["assumptions"]
    c = t.col_of("Financial year")
    above = L.absref(t.sheet, c, t.first_row, c, t.last_row - 1)
    below = L.absref(t.sheet, c, t.first_row + 1, c, t.last_row)
    first = f"INDEX({t.column_names['Financial year']},1)"
    last_history = f"INDEX({h},History_Count)"
    return [
        ("Projection: the assumptions start the year after the last history year",
         f"=IF({_start(first)}={_start(last_history)}+1,1,0)"),
        ("Projection: the assumption years have no gaps (each is the year after the one above)",
         f'=IF(SUMPRODUCT(({below}<>"")*(({_start(below)}-{_start(above)})<>1))=0,1,0)'),
    ]


def _block_transfer_twin_check():
    """The block transfer held twice (the assumptions' Block transfer, the Schools Block to HNB
    transfers table's Transfer amount) agrees in every year both tables have, a blank counting as
    £0; a year in one table only is not compared: the workbook's own form of
    :func:`hnb_xl.tables.validate.block_transfer_twin_problems`, which files, options, refresh and
    build meet (to the penny there; here within the workbook's Cross_Check_Tolerance input, £1
    bundled, as every money check on this sheet: the static check admits no other literal).
    ``(condition)*1``, not ``--(condition)``: the formulas engine reads the latter as 0."""
    a, b = L.INPUT_TABLES["assumptions"].column_names, L.INPUT_TABLES["block_transfer"].column_names
    year, amount = a["Financial year"], a["Block transfer"]
    their_year, theirs = b["Financial year"], b["Transfer amount"]
    return ("Projection: each year's block transfer in the assumptions equals the Schools Block to HNB transfers "
            "table's (a blank is £0; a year in one table only is not compared)",
            f'=IF(SUMPRODUCT(({year}<>"")*(COUNTIF({their_year},{year})>0)'
            f'*(ABS({amount}-SUMIF({their_year},{year},{theirs}))>=Cross_Check_Tolerance))=0,1,0)')


def _placement_history_checks():
    """The placement history's rules (:func:`hnb_xl.tables.validate.placement_history_problems`) as
    native formulas, so counts typed in Excel are judged as a refresh judges a file: each census is
    the January inside its financial year (January 2022: 2021-22), and where none of a row's eight
    counts is blank (a blank: DfE does not give it) the seven categories add up to its Total."""
    t = L.INPUT_TABLES["placement_history"]
    n = dict(zip(t.column_keys, t.column_names.values()))
    year, census, total = n["financial_year"], n["census"], n["total"]
    seven = [n[k] for k in PLACEMENT_CATEGORIES]
    known = "*".join(f"ISNUMBER({c})" for c in [*seven, total])
    return [
        ("Inputs: each census in the placement history is the January inside its financial year "
         "(January 2022 is 2021-22)",
         f'=IF(SUMPRODUCT(({year}<>"")*({census}<>"January "&({_start(year)}+1)))=0,1,0)'),
        ("Inputs: each census's seven placement categories add up to its Total (where none is blank)",
         f'=IF(SUMPRODUCT({known}*(({"+".join(seven)}-{total})<>0))=0,1,0)'),
    ]


def _revision_rows():
    """Shown below the checks, not counted in the master check: the years where the history's EHCPs
    (its January census count) and the placement history's Total differ, which a later SEN2 release
    does when DfE revises a count (the seed's 5,327 for 2020-21 is 5,292 in the 2025 release). Both
    are inputs; the difference is reported, the history's figure is the one the projection uses."""
    t = L.INPUT_TABLES["placement_history"]
    n = dict(zip(t.column_keys, t.column_names.values()))
    h = L.INPUT_TABLES["history"]
    hn = dict(zip(h.column_keys, h.column_names.values()))
    year, total = n["financial_year"], n["total"]
    diff = (f'({year}<>"")*ISNUMBER({total})*(COUNTIF({hn["financial_year"]},{year})>0)'
            f'*(SUMIF({hn["financial_year"]},{year},{hn["ehcp_count"]})-{total})')
    return [
        ("Revisions: census years whose EHCPs in the history differ from the placement history's Total",
         f"=SUMPRODUCT(({diff}<>0)*1)"),
        ("Revisions: the history's EHCPs minus the placement history's Total over those years (plans)",
         f"=SUMPRODUCT({diff})"),
    ]


def _completeness_checks():
    """Inputs typed in Excel are not validated like a refresh: one check per table that every row
    with a key (financial year, URN) has a number in each required number column and text in each
    required text column (the schema's ``required`` flags, hnb_xl/tables/schema.py). A blank would
    otherwise count as 0 in the formulas."""
    out = []
    for key, what in (("history", "history year"), ("assumptions", "assumptions year"), ("schools", "school")):
        t, schema = L.INPUT_TABLES[key], SCHEMAS[key]
        names = t.column_names
        header = dict(zip(t.column_keys, t.headers))
        k = names[header[schema.key]]
        terms, cols = [], []
        for c in schema.columns:
            if not c.required or c.name == schema.key:
                continue
            n = names[header[c.name]]
            terms.append(f'({n}="")' if c.kind == "text" else f"(1-ISNUMBER({n}))")
            cols.append(c.header)
        out.append((f"Inputs: every {what} has {', '.join(cols)} (a number in each number column)",
                    f'=IF(SUMPRODUCT(({k}<>"")*({"+".join(terms)}))=0,1,0)'))
    return out


def _sensitivity_row():
    """Whether the Sensitivity sheet's snapshot (values hnb-xl computes at the build and at each
    refresh, sheets/sensitivity.py) is for the Inputs and the year as they are now: its central
    value equals Calc_Placement's accumulated deficit for its year within Cross_Check_Tolerance
    (an edited input moves the native one, not the snapshot); 1 while Calc_Placement calculates
    nothing (no placement inputs for the base year: the sheet then shows no tornado either); 0
    when the year is not one of Calc_Placement's. Shown, not in the master check: a stale snapshot
    is not a wrong model, it asks for a refresh."""
    P = L.PLACE
    active = L.absref(L.CALC_PLACEMENT, P["base_col"], P["active"])
    names = L.SENS["names"]
    deficit = f'INDEX({L.NAMES["placement_accumulated"]},MATCH({names["year"]},{L.NAMES["placement_years"]},0))'
    return ("Sensitivity: the tornado is for the current Inputs (1 = yes; 0: refresh to recompute)",
            f"=IF({active}=0,1,IFERROR(IF(ABS({names['central']}-{deficit})<Cross_Check_Tolerance,1,0),0))")


CHECKS = _checks()
SENSITIVITY_ROW = _sensitivity_row()
SHOWN = _revision_rows() + [SENSITIVITY_ROW]   # below the checks after an empty row: not in the master check
CHECK_WIDTH = 100                     # characters: column B, where each check's text wraps


def build(wb, ctx) -> None:
    K = L.CHECKS_LAYOUT
    ws = wb.create_sheet(L.CHECKS)
    S.title(ws, L.TITLE_CELL, "Checks", "Each check is 1 when it passes and 0 when it fails. The master check is 1 only "
                                "when every check is 1. Cross-checks need Python (see the Cover).")
    first, last = K["first"], K["first"] + len(CHECKS) - 1
    v = L.col(K["value_col"])
    ws.cell(K["master_row"], 1, "Master check (1 = all pass)").font = S.BOLD
    ws.cell(K["master_row"], K["value_col"], (f"=IF(SUMPRODUCT(ISERROR({v}{first}:{v}{last})*1)>0,0,"
                                              f"IF(MIN({v}{first}:{v}{last})=1,1,0))")).font = S.BOLD
    ctx.define(L.NAMES["master_check"], L.absref(L.CHECKS, K["value_col"], K["master_row"]))
    for j, h in enumerate(("No.", "Check", "Result")):
        S.header_cell(ws.cell(K["header"], 1 + j, h))
    for i, (text, formula) in enumerate(CHECKS):
        r = first + i
        ws.cell(r, 1, i + 1).alignment = S.TOP
        ws.cell(r, 2, text).alignment = S.WRAP
        ws.cell(r, K["value_col"], formula).alignment = S.TOP_RIGHT
        # openpyxl cannot measure text and LibreOffice keeps the default height: give a wrapped
        # check its lines, or the next row is drawn over it
        ws.row_dimensions[r].height = S.LINE_HEIGHT * S.lines(text, CHECK_WIDTH)
    shown = last + 2
    ws.cell(shown, 2, "Shown, not counted in the master check").font = S.BOLD
    for i, (text, formula) in enumerate(SHOWN):
        r = shown + 1 + i
        ws.cell(r, 2, text).alignment = S.WRAP
        ws.cell(r, K["value_col"], formula).alignment = S.TOP_RIGHT
        ws.row_dimensions[r].height = S.LINE_HEIGHT * S.lines(text, CHECK_WIDTH)
        if (text, formula) == SENSITIVITY_ROW:         # the Sensitivity sheet shows it too
            ctx.define(L.SENS["names"]["current"], L.absref(L.CHECKS, K["value_col"], r))
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill
    # the master check and the checks, not the empty row between them (a blank equals 0: pink)
    rng = f"{v}{K['master_row']} {v}{first}:{v}{last}"
    ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=["1"],
                                                  fill=PatternFill("solid", start_color="C6EFCE", end_color="C6EFCE")))
    ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=["0"],
                                                  fill=PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")))
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = CHECK_WIDTH
    ws.column_dimensions["C"].width = 18
    S.print_setup(ws, L.print_area(K["value_col"], shown + len(SHOWN)), pages_tall=1)   # the checks on one page
