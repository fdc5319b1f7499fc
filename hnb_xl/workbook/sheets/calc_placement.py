"""Calc_Placement: the High Needs Block by placement in native formulas (issue 15 item 5).

Mirrors ``hnb_xl.engine.placement.run_paths`` for one path (its module docstring states every
formula; the DSG management plan template, DfE, *Dedicated schools grant (DSG): deficit management
plan*, https://www.gov.uk/government/publications/dedicated-schools-grant-dsg-deficit-management-plan).
Column C is the base year (the last history year: its outturn and accumulated deficit come from
the History table, its January census and the one before from the placement history table), one
column per row of the placement drivers table follows. Per category row k and year t::

    new plans    new_t    = requests_t x assessed_t x issued_t, or sum_k n[k,t-1] x growth_t + ceased_t
    before places m[k,t]  = n[k,t-1] + new_t x share_k - ceased_k x n[k,t-1] + moves into k - moves out of k
    places       cap[k,t] = the places of the category's capacity row for year t, else cap[k,t-1]
                            (a row for the base year or before: from the base year); blank = no limit
    placed       p[k,t]   = min(max(cap - m[k], 0), min(waiting[k,t-1], m[w,t])) from the backlog
                            waiting in category w (when k has places and a backlog)
    over places  x[k,t]   = max(m[k] + p[k] - cap, 0) when k has places and an overflow category
    census       n[k,t]   = m[k] + p[k] - x[k] - (placed from k's waiting pupils) + (overflow into k)
    FY caseload  w_before x n[k,t-1] + w_after x n[k,t]   (w_before = months_before_census / 12)
    unit cost    u[k,t]   = u[k,t-1] x (1 + inflation_t) x (1 + complexity_drift_k)
    spend        FY caseload x unit cost; other lines o[j,t] = o[j,t-1] x (1 + growth_j)
    calibration  c_b = outturn_b - placements_b - other_b, c_t = c_{t-1} x (1 + calibration_growth)
    income       allocation_t (or allocation_{t-1} x (1 + growth_t)) + that year's transfer (never in the base)
    deficit      in-year = spend - income; accumulated_t = accumulated_{t-1} + in-year_t

The engine applies places category by category in the categories table's order; the sheet applies
them to every category at once from the counts before places. The two agree whenever no category
with places is also another capped category's waiting or overflow category (the bundled inputs:
only maintained special has places); a chain of capped categories is left to the engine. Columns
past the last drivers row, category rows past the last category and the whole sheet while the
placement tables are empty, or for another base year than the workbook's (drivers not starting the
year after its last history year: a roll-forward that left them behind; the heading then says so),
show blank. The HNB_PLACEMENTS cross-check spills the function's year
table on the same input ranges below the calculation; the Checks sheet compares its accumulated
deficit with the native one.
"""

from __future__ import annotations

from openpyxl.worksheet.formula import ArrayFormula

from ...engine.placement import CALIBRATION, SUMMARY_COLUMNS
from ...tables.placement import INPUT_SCHEMAS
from ...tables.schema import PLACEMENT_CATEGORIES
from .. import layout as L
from .. import styles as S
from ._common import NOT_LOADED, _hiding_rule, blank_unused_columns, calc_sheet, fill_row, hide_unused_columns, label

# the HNB_PLACEMENTS arguments after by and to_year: the input tables, in the spec's order
UDF_TABLES = ("history", "placement_history") + tuple(INPUT_SCHEMAS)


def input_frames(ctx) -> dict:
    """The placement tables the build writes on the Inputs sheet, by table key: a council's own
    (``build --sources``, held in ``ctx.plan_tables``), else the bundled ones
    (``hnb_xl/data/placement_<table>.csv``) when they project from the workbook's base year (their
    drivers start the year after its last history year), else empty tables for the council to fill
    (the bundled ones describe the bundled authority's years)."""
    from ...tables import placement as tables
    from ...years import parse_year
    bundled = tables.load_tables()
    fits = (len(ctx.history) > 0 and parse_year(bundled["drivers"]["financial_year"].iloc[0])
            == parse_year(ctx.history["financial_year"].iloc[-1]) + 1)
    out = {}
    for key, schema in tables.INPUT_SCHEMAS.items():
        if key in ctx.plan_tables:
            out[key] = ctx.plan_tables[key]
        else:
            frame = bundled[key.removeprefix("placement_")]
            out[key] = frame if fits else frame.iloc[0:0]
    return out


def _when_active(formula: str) -> str:
    """``=X`` shown only while the placement inputs are given: ``=IF(<active>=1,X,"")``."""
    P = L.PLACE
    return f'=IF(${L.col(P["base_col"])}${P["active"]}=1,{formula[1:]},"")'


def _names(key: str) -> dict[str, str]:
    """Engine column name -> defined name of an Inputs table's column."""
    t = L.INPUT_TABLES[key]
    return dict(zip(t.column_keys, t.column_names.values()))


def _start(year: str) -> str:
    """The start year of a financial-year label as a number ("2022-23" -> 2022)."""
    return f'VALUE(LEFT({year},FIND("-",{year})-1))'


def build(wb, ctx) -> None:
    P = L.PLACE
    ws = calc_sheet(wb, L.CALC_PLACEMENT, "Calculations: the High Needs Block by placement (unmitigated)",
                    "EHC plans by placement category x unit cost, plus the spend not per plan, against HNB income. "
                    "Column C is the base year; one column per placement drivers row follows.")
    b, first = P["base_col"], P["first_col"]
    last = first + P["periods"] - 1
    cols, allc = range(first, last + 1), range(b, last + 1)
    C = L.col(b)
    ws.cell(4, b, "Base").font = S.BOLD
    cat, drv, inc = _names("placement_categories"), _names("placement_drivers"), _names("placement_income")
    oth, cap, mov = _names("placement_other_spend"), _names("placement_capacity"), _names("placement_moves")
    blg, st, hst = _names("placement_backlog"), _names("placement_settings"), _names("history")
    pc = {k: L.col(v) for k, v in P["param_cols"].items()}
    pf, pl = P["param_first"], P["param_first"] + P["cats"] - 1
    pcol = lambda k: f"${pc[k]}${pf}:${pc[k]}${pl}"              # noqa: E731  a parameter column
    block = lambda name, c: f"{c}${P['block'][name]}:{c}${P['block'][name] + P['cats'] - 1}"  # noqa: E731

    def scalar(key, text, unit, formula, fmt, name=None):
        label(ws, P[key], text, unit)
        ws.cell(P[key], b, formula).number_format = fmt
        if name:
            ctx.define(L.NAMES[name], L.absref(L.CALC_PLACEMENT, b, P[key]))

    def row(key, text, unit, base, f, fmt, bold=False):
        label(ws, P[key], text, unit, bold)
        if base is not None:
            ws.cell(P[key], b, base).number_format = fmt
        fill_row(ws, P[key], cols, f, fmt)

    scalar("years", "Years in the placement drivers table", "years", f"=COUNTA({drv['financial_year']})", "0",
           "placement_years_count")
    scalar("categories", "Rows in the placement categories table", "categories",
           f"=COUNTA({cat['category']})", "0", "placement_category_count")
    first_year, base_year = f"INDEX({drv['financial_year']},1)", "INDEX(History_financial_year,History_Count)"
    fits = f"IFERROR({_start(first_year)}-{_start(base_year)},0)=1"
    scalar("active", "Placement inputs given, for this base year (1 = yes)", "flag",
           f"=IF(AND(Placement_Years_Count>0,Placement_Category_Count>0,{fits}),1,0)", "0")
    # a roll-forward that leaves the placement tables behind: said in the heading, nothing calculated
    ws.cell(P["note"], 1, f'=IF(AND(Placement_Years_Count>0,Placement_Category_Count>0,NOT({fits})),'
                          f'"Not applicable: the placement drivers start in "&{first_year}&", not the year after '
                          f'the base year "&{base_year}&" (roll the placement tables forward: docs/placement.md)","")'
            ).font = S.BOLD
    row("period", "Period (0 = base year)", "number", "=0", lambda c, p: f"={p}{P['period']}+1", "0")
    row("flag", "Year is calculated (1 = yes)", "flag", f"=${C}${P['active']}",
        lambda c, p: f"=IF(AND({c}{P['period']}<=Placement_Years_Count,${C}${P['active']}=1),1,0)", "0")
    row("year", "Financial year", "", "=INDEX(History_financial_year,History_Count)",
        lambda c, p: f"=INDEX({drv['financial_year']},{c}{P['period']})", "@", True)
    Y = f"${C}${P['year']}"
    scalar("history_row", "Row of the base year in the placement history", "row",
           f"=MATCH({Y},PlacementHistory_financial_year,0)", "0")
    scalar("outturn", "Base year HNB outturn (History)", "£", f"=INDEX({hst['hnb_expenditure']},History_Count)", S.GBP)
    scalar("opening", "Base year accumulated DSG deficit (History)", "£",
           f"=INDEX({hst['accumulated_deficit']},History_Count)", S.GBP)
    label(ws, P["months_in_year"], "Months in a year", "months")
    ws.cell(P["months_in_year"], b, 12).number_format = "0"
    ctx.define(L.NAMES["months_in_year"], L.absref(L.CALC_PLACEMENT, b, P["months_in_year"]))
    setting = lambda name: f'INDEX({st["value"]},MATCH("{name}",{st["name"]},0))'  # noqa: E731
    scalar("months", "Months of the financial year before its January census (April to August)", "months",
           f"={setting('months_before_census')}", "0")
    scalar("weight_before", "Weight of the census before", "fraction", f"=${C}${P['months']}/Months_In_Year", "0.0000")
    scalar("weight_after", "Weight of the census after", "fraction", f"=1-${C}${P['weight_before']}", "0.0000")
    scalar("calibration_growth", "Calibration line growth", "% a year", f"={setting('calibration_growth')}", S.PCT2)
    at = lambda name, c: f"INDEX({name},{c}${P['period']})"  # noqa: E731
    row("requests", "Requests for assessment", "requests", None,
        lambda c, p: f'=IF(ISNUMBER({at(drv["requests"], c)}),{at(drv["requests"], c)},"")', S.COUNT)
    for key, text, col in (("assessed", "Share assessed", "assessed_share"), ("issued", "Share issued", "issued_share"),
                           ("growth", "Net growth of all plans (when no requests)", "new_plan_growth"),
                           ("inflation", "Unit cost inflation", "inflation")):
        row(key, text, "fraction", None, lambda c, p, col=col: f"={at(drv[col], c)}", S.PCT2)
    row("ceased", "Plans ceasing (ceased rate x the census before)", "plans", None,
        lambda c, p: f"=SUMPRODUCT({block('census', p)},{pcol('ceased')})", S.COUNT)
    row("new", "New plans (requests x assessed x issued, else growth + ceased)", "plans", None,
        lambda c, p: (f"=IF(ISNUMBER({c}{P['requests']}),{c}{P['requests']}*{c}{P['assessed']}*{c}{P['issued']},"
                      f"SUM({block('census', p)})*{c}{P['growth']}+{c}{P['ceased']})"), S.COUNT)
    row("income_row", "Row of the year in the HNB income table", "row",
        f"=MATCH({C}{P['year']},{inc['financial_year']},0)",
        lambda c, p: f"=MATCH({c}{P['year']},{inc['financial_year']},0)", "0")

    # while the placement tables are empty (a workbook for another authority) these show blank
    for key in ("history_row", "outturn", "opening", "months", "weight_before", "weight_after", "calibration_growth"):
        ws.cell(P[key], b).value = _when_active(ws.cell(P[key], b).value)
    _parameters(ws, cat, mov, blg)
    _census(ws)
    _capacity(ws, cap, Y)
    _blocks(ws, cols, pcol, block)
    _other_spend(ws, oth, cols)
    _summary(ws, cols, inc, block)
    _cross_check(ws, ctx, cols)

    calc_rows = ([P[k] for k in ("requests", "assessed", "issued", "growth", "inflation", "ceased", "new",
                                 "income_row", "year", "ehcp", "fy_caseload", "placement_spend", "other_spend",
                                 "calibration", "expenditure", "allocation", "transfer", "income", "in_year",
                                 "accumulated", "backlog", "udf_difference")]
                 + [r for f in P["block"].values() for r in range(f, f + P["cats"])]
                 + list(range(P["other_first"], P["other_first"] + P["lines"])))
    blank_unused_columns(ws, calc_rows, allc, P["flag"])
    hide_unused_columns(ws, (P["period"], P["flag"]), cols, P["flag"])
    ctx.define(L.NAMES["placement_years"], L.absref(L.CALC_PLACEMENT, b, P["year"], last, P["year"]))
    ctx.define(L.NAMES["placement_accumulated"], L.absref(L.CALC_PLACEMENT, b, P["accumulated"], last,
                                                          P["accumulated"]))
    for c in range(b, last + 1):
        ws.column_dimensions[L.col(c)].width = 14
        ws.cell(P["year"], c).alignment = S.RIGHT
    # printed: the years the build's drivers table fills, to the summary (a refresh sets it again)
    S.print_setup(ws, L.used_print_areas(len(ctx.history), len(ctx.assumptions), len(ctx.schools),
                                         len(input_frames(ctx)["placement_drivers"]))[L.CALC_PLACEMENT])


def _parameters(ws, cat, mov, blg) -> None:
    """One row per category row: its name, the table's figures, its overflow and waiting category
    (as the category's number, 0 = none), its net moves, its backlog and its base censuses."""
    P = L.PLACE
    pc = {k: L.col(v) for k, v in P["param_cols"].items()}
    pf, pl = P["param_first"], P["param_first"] + P["cats"] - 1
    names = f"${pc['name']}${pf}:${pc['name']}${pl}"
    ws.cell(P["param_title"], 1, "The categories (one row per row of the placement categories table)").font = S.BOLD
    headers = {"number": "No.", "name": "Category", "unit_cost": "Unit cost (£)", "share": "Share of new plans",
               "ceased": "Ceased rate", "drift": "Complexity drift", "overflow": "Overflow to (No.)",
               "moves": "Net moves a year", "backlog": "Awaiting a place", "waiting": "Waiting in (No.)",
               "before": "January census before", "base": "January census (base)"}
    for k, c in P["param_cols"].items():
        S.header_cell(ws.cell(P["param_header"], c, headers[k]))
    cf, cl = P["census_first"], P["census_first"] + P["census_rows"] - 1
    census = lambda k: f"${L.col(P['census_cols'][k])}${cf}:${L.col(P['census_cols'][k])}${cl}"  # noqa: E731
    for i in range(P["cats"]):
        r = pf + i
        n, d = f"${pc['number']}{r}", f"${pc['name']}{r}"
        get = lambda col: f'=IF({d}="",0,INDEX({cat[col]},{n}))'  # noqa: E731
        f = {"number": "=1" if i == 0 else f"={pc['number']}{r - 1}+1",
             "name": f'=IF({n}<=Placement_Category_Count,INDEX({cat["category"]},{n}),"")',
             "unit_cost": get("unit_cost"), "share": get("new_plan_share"), "ceased": get("ceased_rate"),
             "drift": get("complexity_drift"),
             "overflow": (f'=IF({d}="",0,IF(INDEX({cat["overflow_to"]},{n})="",0,'
                          f'IFERROR(MATCH(INDEX({cat["overflow_to"]},{n}),{names},0),0)))'),
             "moves": (f'=IF({d}="",0,SUMIF({mov["to_category"]},{d},{mov["plans"]})'
                       f'-SUMIF({mov["from_category"]},{d},{mov["plans"]}))'),
             "backlog": f'=IF({d}="",0,SUMIF({blg["category"]},{d},{blg["pupils"]}))',
             "waiting": (f'=IF({d}="",0,IF(COUNTIF({blg["category"]},{d})=0,0,IFERROR(MATCH(INDEX({blg["waiting_in"]},'
                         f'MATCH({d},{blg["category"]},0)),{names},0),0)))'),
             "before": f'=IF({d}="",0,INDEX({census("before")},MATCH({d},{census("key")},0)))',
             "base": f'=IF({d}="",0,INDEX({census("base")},MATCH({d},{census("key")},0)))'}
        fmts = {"unit_cost": S.GBP, "share": S.PCT2, "ceased": S.PCT2, "drift": S.PCT2, "name": "@"}
        for k, c in P["param_cols"].items():
            ws.cell(r, c, f[k]).number_format = fmts.get(k, S.COUNT)
    ws.conditional_formatting.add(f"{pc['number']}{pf}:{L.col(max(P['param_cols'].values()))}{pl}",
                                  _hiding_rule(f'${pc["name"]}{pf}=""'))


def _census(ws) -> None:
    """The base census and the one before by category, from the placement history's rows for the
    base year and the year before (its years are contiguous), one row per column of the table."""
    P = L.PLACE
    h = _names("placement_history")
    ws.cell(P["census_title"], 1, "January census by placement (placement history: the base year and the year "
                                  "before)").font = S.BOLD
    k = P["census_cols"]
    for c, text in ((k["label"], "Category"), (k["key"], "Column"), (k["before"], "Census before"),
                    (k["base"], "Base census")):
        S.header_cell(ws.cell(P["census_title"] + 1, c, text))
    hr = f"${L.col(P['base_col'])}${P['history_row']}"
    for i, (key, text) in enumerate(PLACEMENT_CATEGORIES.items()):
        r = P["census_first"] + i
        ws.cell(r, k["label"], text)
        ws.cell(r, k["key"], key).font = S.UNITS_FONT
        ws.cell(r, k["before"], _when_active(f"=INDEX({h[key]},{hr}-1)")).number_format = S.COUNT
        ws.cell(r, k["base"], _when_active(f"=INDEX({h[key]},{hr})")).number_format = S.COUNT


def _capacity(ws, cap, Y) -> None:
    """One row per capacity row: its category, its period (years after the base year, 0 for the
    base year or before) and its places."""
    P = L.PLACE
    k = {n: L.col(c) for n, c in P["cap_cols"].items()}
    ws.cell(P["cap_title"], 1, "Places (one row per row of the places by category table)").font = S.BOLD
    for n, text in (("number", "No."), ("category", "Category"), ("period", "From period"), ("places", "Places")):
        S.header_cell(ws.cell(P["cap_title"] + 1, P["cap_cols"][n], text))
    for i in range(P["caps"]):
        r = P["cap_first"] + i
        n, d = f"${k['number']}{r}", f"${k['category']}{r}"
        y = f"INDEX({cap['financial_year']},{n})"
        ws.cell(r, P["cap_cols"]["number"], "=1" if i == 0 else f"={k['number']}{r - 1}+1").number_format = "0"
        ws.cell(r, P["cap_cols"]["category"],
                f'=IF(INDEX({cap["category"]},{n})="","",INDEX({cap["category"]},{n}))').number_format = "@"
        ws.cell(r, P["cap_cols"]["period"], _when_active(f'=IF({d}="","",MAX(0,{_start(y)}-{_start(Y)}))')
                ).number_format = "0"
        ws.cell(r, P["cap_cols"]["places"], f'=IF({d}="","",INDEX({cap["places"]},{n}))').number_format = S.COUNT
    ws.conditional_formatting.add(f"{k['number']}{P['cap_first']}:{k['places']}{P['cap_first'] + P['caps'] - 1}",
                                  _hiding_rule(f'${k["category"]}{P["cap_first"]}=""'))


BLOCK_TITLES = {
    "pre": ("January census before places: last census + new plans x share - ceased + net moves", "plans"),
    "places": ("Places (blank: no limit)", "places"),
    "placed": ("Placed from the backlog into spare places", "pupils"),
    "waiting": ("Still awaiting a place (the backlog)", "pupils"),
    "excess": ("Over the places, moved to the overflow category", "plans"),
    "census": ("EHC plans at the January census", "plans"),
    "fy": ("Financial-year caseload (weights of the census before and after)", "plans"),
    "unit": ("Unit cost (x (1 + inflation) x (1 + complexity drift) a year)", "£ per plan"),
    "spend": ("Spend on placements (FY caseload x unit cost)", "£"),
}


def _blocks(ws, cols, pcol, block) -> None:
    P = L.PLACE
    pc = {k: L.col(v) for k, v in P["param_cols"].items()}
    C = L.col(P["base_col"])
    cap = {n: L.col(c) for n, c in P["cap_cols"].items()}
    cl = P["cap_first"] + P["caps"] - 1
    cap_cat = f"${cap['category']}${P['cap_first']}:${cap['category']}${cl}"
    cap_per = f"${cap['period']}${P['cap_first']}:${cap['period']}${cl}"
    cap_pl = f"${cap['places']}${P['cap_first']}:${cap['places']}${cl}"
    wb_, wa_ = f"${C}${P['weight_before']}", f"${C}${P['weight_after']}"
    for name in P["blocks"]:
        text, unit = BLOCK_TITLES[name]
        ws.cell(P["block"][name] - 1, 1, text).font = S.BOLD
        ws.cell(P["block"][name] - 1, 2, unit).font = S.UNITS_FONT
    for i in range(P["cats"]):
        pr = P["param_first"] + i
        prm = lambda k: f"${pc[k]}${pr}"  # noqa: E731
        r = {name: P["block"][name] + i for name in P["blocks"]}
        for name in P["blocks"]:
            ws.cell(r[name], 1, f"={prm('name')}")
        fmt = {"unit": S.GBP, "spend": S.GBP}
        base = {
            "places": (f'=IF({prm("name")}="","",IF(COUNTIFS({cap_cat},{prm("name")},{cap_per},0)>0,'
                       f'SUMIFS({cap_pl},{cap_cat},{prm("name")},{cap_per},0),""))'),
            "waiting": f"={prm('backlog')}", "census": f"={prm('base')}",
            "fy": f"={wb_}*{prm('before')}+{wa_}*{prm('base')}", "unit": f"={prm('unit_cost')}",
            "spend": f"={C}{r['fy']}*{C}{r['unit']}"}
        step = {
            "pre": lambda c, p: (f"={p}{r['census']}+{c}${P['new']}*{prm('share')}-{prm('ceased')}*{p}{r['census']}"
                                 f"+{prm('moves')}"),
            "places": lambda c, p: (f"=IF(COUNTIFS({cap_cat},{prm('name')},{cap_per},{c}${P['period']})>0,"
                                    f"SUMIFS({cap_pl},{cap_cat},{prm('name')},{cap_per},{c}${P['period']}),"
                                    f"{p}{r['places']})"),
            "placed": lambda c, p: (f"=IF(AND(ISNUMBER({c}{r['places']}),{prm('waiting')}>0),"
                                    f"MIN(MAX({c}{r['places']}-{c}{r['pre']},0),MIN({p}{r['waiting']},"
                                    f"INDEX({block('pre', c)},{prm('waiting')}))),0)"),
            "waiting": lambda c, p: f"={p}{r['waiting']}-{c}{r['placed']}",
            "excess": lambda c, p: (f"=IF(AND(ISNUMBER({c}{r['places']}),{prm('overflow')}>0),"
                                    f"MAX({c}{r['pre']}+{c}{r['placed']}-{c}{r['places']},0),0)"),
            "census": lambda c, p: (f"={c}{r['pre']}+{c}{r['placed']}-{c}{r['excess']}"
                                    f"-SUMIF({pcol('waiting')},{prm('number')},{block('placed', c)})"
                                    f"+SUMIF({pcol('overflow')},{prm('number')},{block('excess', c)})"),
            "fy": lambda c, p: f"={wb_}*{p}{r['census']}+{wa_}*{c}{r['census']}",
            "unit": lambda c, p: f"={p}{r['unit']}*(1+{c}${P['inflation']})*(1+{prm('drift')})",
            "spend": lambda c, p: f"={c}{r['fy']}*{c}{r['unit']}",
        }
        for name in P["blocks"]:
            if name in base:
                ws.cell(r[name], P["base_col"], base[name]).number_format = fmt.get(name, S.COUNT)
            fill_row(ws, r[name], cols, step[name], fmt.get(name, S.COUNT))
    last, A = L.col(P["first_col"] + P["periods"] - 1), L.col(P["other_cols"]["line"])   # labels in column A
    for name in P["blocks"]:
        f0 = P["block"][name]
        ws.conditional_formatting.add(f"{A}{f0}:{last}{f0 + P['cats'] - 1}", _hiding_rule(f'${A}{f0}=""'))


def _other_spend(ws, oth, cols) -> None:
    """One row per line of the spend not per plan: base year amount, then x (1 + growth) a year."""
    P = L.PLACE
    f0 = P["other_first"]
    A, N = L.col(P["other_cols"]["line"]), L.col(P["other_cols"]["number"])
    ws.cell(f0 - 1, 1, "Spend not per plan (one row per line; column B: its row in the table), £").font = S.BOLD
    for i in range(P["lines"]):
        r = f0 + i
        n, a = f"${N}{r}", f"${A}{r}"                 # the line's number in the table, its name
        ws.cell(r, P["other_cols"]["number"], "=1" if i == 0 else f"={N}{r - 1}+1").font = S.UNITS_FONT
        ws.cell(r, P["other_cols"]["line"], f'=IF({n}<=COUNTA({oth["line"]}),INDEX({oth["line"]},{n}),"")')
        ws.cell(r, P["base_col"], f'=IF({a}="",0,INDEX({oth["amount"]},{n}))').number_format = S.GBP
        fill_row(ws, r, cols, lambda c, p: f'={p}{r}*(1+IF({a}="",0,INDEX({oth["growth"]},{n})))', S.GBP)
    last = L.col(P["first_col"] + P["periods"] - 1)
    ws.conditional_formatting.add(f"{A}{f0}:{last}{f0 + P['lines'] - 1}", _hiding_rule(f'${A}{f0}=""'))


def _summary(ws, cols, inc, block) -> None:
    P = L.PLACE
    b = P["base_col"]
    C = L.col(b)
    o0, o1 = P["other_first"], P["other_first"] + P["lines"] - 1
    at = lambda col, c: f"INDEX({inc[col]},{c}${P['income_row']})"  # noqa: E731
    rows = (
        ("ehcp", "EHC plans at the January census (all categories)", "plans", S.COUNT, True,
         lambda c, p: f"=SUM({block('census', c)})", None),
        ("fy_caseload", "Financial-year caseload (all categories)", "plans", S.COUNT, False,
         lambda c, p: f"=SUM({block('fy', c)})", None),
        ("placement_spend", "Spend on placements", "£", S.GBP, False, lambda c, p: f"=SUM({block('spend', c)})", None),
        ("other_spend", "Spend not per plan", "£", S.GBP, False, lambda c, p: f"=SUM({c}{o0}:{c}{o1})", None),
        ("calibration", CALIBRATION, "£", S.GBP, True,
         lambda c, p: f"={p}{P['calibration']}*(1+${C}${P['calibration_growth']})",
         f"=${C}${P['outturn']}-{C}{P['placement_spend']}-{C}{P['other_spend']}"),
        ("expenditure", "HNB expenditure", "£", S.GBP, True,
         lambda c, p: f"={c}{P['placement_spend']}+{c}{P['other_spend']}+{c}{P['calibration']}", None),
        ("allocation", "HNB allocation (before the year's transfer)", "£", S.GBP, False,
         lambda c, p: (f"=IF(ISNUMBER({at('allocation', c)}),{at('allocation', c)},"
                       f"{p}{P['allocation']}*(1+{at('allocation_growth', c)}))"), f"={at('allocation', C)}"),
        ("transfer", "Block transfer (one year's)", "£", S.GBP, False, lambda c, p: f"={at('transfer', c)}+0", None),
        ("income", "HNB income (allocation + transfer)", "£", S.GBP, False,
         lambda c, p: f"={c}{P['allocation']}+{c}{P['transfer']}", None),
        ("in_year", "In-year HNB deficit (expenditure - income)", "£", S.GBP, True,
         lambda c, p: f"={c}{P['expenditure']}-{c}{P['income']}", None),
        ("accumulated", "Accumulated DSG deficit at 31 March", "£", S.GBP, True,
         lambda c, p: f"={p}{P['accumulated']}+{c}{P['in_year']}", f"=${C}${P['opening']}"),
        ("backlog", "Pupils still awaiting a specialist place", "pupils", S.COUNT, False,
         lambda c, p: f"=SUM({block('waiting', c)})", None),
    )
    for key, text, unit, fmt, bold, f, base in rows:
        label(ws, P[key], text, unit, bold)
        fill_row(ws, P[key], cols, f, fmt)
        if base is not None:
            ws.cell(P[key], b, base).number_format = fmt
        elif key != "calibration":
            ws.cell(P[key], b, f(C, None)).number_format = fmt


def _cross_check(ws, ctx, cols) -> None:
    """HNB_PLACEMENTS on the same input ranges, its year table spilled from udf_spill; the
    difference of its accumulated deficit from the native one, per projection year."""
    P = L.PLACE
    b = P["base_col"]
    label(ws, P["udf_to_year"] - 1, "Cross-check with HNB_PLACEMENTS (needs Python; see the Cover)", bold=True)
    label(ws, P["udf_to_year"], "Last year asked of HNB_PLACEMENTS", "")
    ws.cell(P["udf_to_year"], b, _when_active("=INDEX(PlacementDrivers_financial_year,Placement_Years_Count)")
            ).alignment = S.RIGHT
    args = ",".join(L.INPUT_TABLES[k].name for k in UDF_TABLES)
    top, bottom = P["udf_spill"], P["udf_spill"] + P["udf_rows"] - 1
    right = b + P["udf_width"] - 1
    area = f"{L.col(b)}{top}:{L.col(right)}{bottom}"
    ws.cell(top, b).value = ArrayFormula(
        area, f'=IFERROR(HNB_PLACEMENTS("year",${L.col(b)}${P["udf_to_year"]},{args}),"{NOT_LOADED}")')
    ctx.define(L.NAMES["placement_udf"], L.absref(L.CALC_PLACEMENT, b, top))
    for r in range(top, bottom + 1):
        for c in range(b, right + 1):
            ws.cell(r, c).number_format = S.GBP
    acc = L.col(b + SUMMARY_COLUMNS.index("accumulated_deficit"))
    spill = f"${acc}${top}:${acc}${bottom}"
    # whole pounds (INT): under £1 is 0 in every engine, where the two sums' last digits differ
    # (LibreOffice and the formulas package add in another order: 1e-8 apart on £500m)
    label(ws, P["udf_difference"], "Difference of its accumulated deficit from the native one (whole £)", "£")
    x = lambda c: f"INDEX({spill},{c}${P['period']}+1+1)"  # noqa: E731
    fill_row(ws, P["udf_difference"], cols,
             lambda c, p: f"=IF(ISNUMBER({x(c)}),INT(ABS({x(c)}-{c}{P['accumulated']})),{x(c)})", S.GBP)
