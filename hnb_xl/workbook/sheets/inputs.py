"""The Inputs sheet: every number the model uses, as titled tables with units, in one input style.

Tables and their positions come from ``layout.INPUT_TABLES``; column order is the schema's.
"""

from __future__ import annotations

from openpyxl.worksheet.datavalidation import DataValidation

from ...tables import schema
from ...tables.cells import to_cell
from .. import layout as L
from .. import styles as S
from ._common import used_print_area

# free-text columns that wrap in their cells; in the tables beside the main column only the long
# texts (the settlement's source, the agreement's basis): they share its rows, so a row takes the
# tallest height of the two sides, but a text cut at its column's edge (or run past the printed
# page) cannot be read at all
WRAPPED = ("note", "purpose")
WRAPPED_BESIDE = {"settlement": ("source",), "agreement": ("basis",), "montecarlo": ("basis",),
                  "uncertainty": ("basis",), "placement_history": ("source",),
                  "placement_other_spend": ("line",),
                  "placement_workstreams": ("name", "lever", "target", "to_category")}        # the s251 lines' names (a placement table's basis: _basis_spans)
# characters; H is the empty column before the payments and settlement tables (I to N)
WIDTHS = {"A": 2, "B": 26, "C": 44, "D": 22, "E": 40, "F": 40, "G": 22,
          "H": 3, "I": 22, "J": 14, "K": 16, "L": 100, "M": 12, "N": 30}
# the empty column before the placement history, then its year, census, the seven and total, source
WIDTHS.update({L.col(c): w for c, w in zip(
    range(L.INPUT_TABLES["placement_history"].first_col - 1, L.INPUT_TABLES["placement_history"].last_col + 1),
    (3, 14, 15) + (18,) * 8 + (90,))})

_KINDS = {
    "history": schema.HISTORY, "assumptions": schema.ASSUMPTIONS, "block_transfer": schema.BLOCK_TRANSFER,
    "schools": schema.SCHOOLS, "invest_to_transform": schema.INVEST_TO_TRANSFORM,
    "payments": schema.PAYMENTS, "settlement": schema.SETTLEMENT,     # read by Safety_Valve
    "agreement": schema.AGREEMENT,
    "montecarlo": schema.MONTECARLO, "uncertainty": schema.UNCERTAINTY,   # the pack's Monte Carlo
    "placement_history": schema.PLACEMENT_HISTORY,                     # the third column group
    **{key: schema.SCHEMAS[key] for key in L.PLACEMENT_TABLES},         # below it: read by Calc_Placement
    "placement_workstreams": schema.SCHEMAS["placement_workstreams"],    # then the mitigated scenario's (the engine's)
}


def column_formats(key: str) -> list[str] | None:
    """The number format of each column of input table ``key`` (``Column.number_format``), as the
    build gives its cells; None for the parameters table, whose value format is each row's
    (``schema.PARAMETER_TERMS``)."""
    sch = _KINDS.get(key)
    return None if sch is None else [c.number_format for c in sch.columns]


def _table_frame(key, ctx):
    if key in ("payments", "settlement", "agreement"):
        from .safety_valve import input_frames
        return input_frames(ctx)[key]
    if key in ("montecarlo", "uncertainty"):     # build --sources: a council's own; else the bundled
        from ... import bundled
        frame = ctx.plan_tables.get(key, bundled.plan_montecarlo_table() if key == "montecarlo"
                                    else bundled.plan_uncertainty()).astype(object)
        return frame.where(frame != "", None)       # a blank text cell empty, as a refresh writes it
    if key in L.PLACEMENT_TABLES:
        from .calc_placement import input_frames as placement_frames
        return placement_frames(ctx)[key]
    if key == "placement_history":
        return _placement_history(ctx)
    if key == "placement_workstreams":
        return _placement_workstreams(ctx)
    return {"history": ctx.history, "assumptions": ctx.assumptions, "block_transfer": ctx.block_transfer,
            "schools": ctx.schools, "invest_to_transform": ctx.invest_to_transform}[key]


def _placement_workstreams(ctx):
    """The mitigated placement scenario's workstreams the build writes: a council's own (``build
    --sources``), else the bundled ILLUSTRATIVE ones (``hnb_xl/data/placement_workstreams.csv``)
    when the build writes the bundled placement tables (they project from the workbook's base
    year), else none."""
    if "placement_workstreams" in ctx.plan_tables:
        return ctx.plan_tables["placement_workstreams"]
    from ...tables.placement import load_workstreams
    from .calc_placement import input_frames as placement_frames
    frame = load_workstreams()
    return frame if len(placement_frames(ctx)["placement_drivers"]) and "placement_drivers" not in ctx.plan_tables \
        else frame.iloc[0:0]


def _placement_history(ctx):
    """The censuses by placement the build writes: a council's own (``build --sources``), else the
    bundled ones (``hnb_xl/data/placement_history.csv``) when the parameters name the bundled
    authority (:func:`hnb_xl.assurance.describes`), else none: another council's counts never stand
    in for its own (``hnb-xl refresh WORKBOOK RELEASE.zip --la LA`` fills them from DfE's SEN2)."""
    from ... import assurance
    from ...tables.placement import census_history
    if "placement_history" in ctx.plan_tables:
        return ctx.plan_tables["placement_history"]
    params = dict(zip(ctx.parameters["name"], ctx.parameters["value"]))
    frame = census_history()
    return frame if assurance.describes(params.get("authority_name"), params.get("authority_code")) else frame.iloc[0:0]


def _frame_table(ws, t: L.InputTable, rows: list[list], columns, formats: list[str]) -> None:
    S.heading(ws.cell(t.title_row, t.first_col), t.title)
    S.note(ws.cell(t.units_row, t.first_col), "Units: " + t.units)
    for j, h in enumerate(t.headers):
        S.header_cell(ws.cell(t.header_row, t.first_col + j, h))
    if len(rows) > t.max_rows:
        raise ValueError(f"{t.title}: {len(rows)} rows, the workbook holds {t.max_rows}")
    for i in range(t.max_rows):
        row = rows[i] if i < len(rows) else [None] * len(t.headers)
        for j, (v, col) in enumerate(zip(row, columns)):
            value = to_cell(v, col.kind)     # an empty text is an empty cell (as the saved file has it)
            c = ws.cell(t.first_row + i, t.first_col + j, None if value == "" else value)
            S.input_cell(c, formats[j])


def _basis_spans(ws, t: L.InputTable) -> dict[str, int]:
    """A placement table's Basis (its last column, 18 characters wide: the placement history's
    category columns above) merged across to the column group's right edge (the placement history's
    Source, 90 characters), in every row of the table's room, as the agreement's basis is on
    Safety_Valve: its texts (up to 250 characters, hnb_xl/data/placement_*.csv) then wrap in two or
    three lines inside the printed area. {header: characters across}."""
    last = L.INPUT_TABLES["placement_history"].last_col
    c = t.col_of("Basis")
    for r in range(t.first_row, t.first_row + t.max_rows):
        ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=last)
    return {"Basis": sum(WIDTHS[L.col(k)] for k in range(c, last + 1))}


def _wrap_text(ws, t: L.InputTable, headers, nrows: int, fill: float = 1.0,
               widths: dict[str, int] | None = None) -> None:
    """Wrap the cells of columns ``headers`` in the first ``nrows`` data rows of ``t`` and give each
    row the height of its longest text (:func:`hnb_xl.workbook.styles.lines`, on ``fill`` of the
    column's width: the settlement sources and agreement bases are long links, which LibreOffice
    breaks earlier than a word wrap, seen in its PDF); the row's other cells align to the top
    beside them. Text would otherwise run past the print area or be cut."""
    for i in range(nrows):
        r = t.first_row + i
        height = 1
        for header in headers:
            c = ws.cell(r, t.col_of(header))
            width = (widths or {}).get(header, WIDTHS[L.col(t.col_of(header))])
            height = max(height, S.lines(c.value or "", int(width * fill)))
        if height > 1 or fill < 1:      # (a side table's text at the top of a row the main table made tall)
            for j in range(len(t.headers)):
                ws.cell(r, t.first_col + j).alignment = S.WRAP
            # a row shared with a table beside keeps the taller of the two heights
            ws.row_dimensions[r].height = max(S.LINE_HEIGHT * height, ws.row_dimensions[r].height or 0)


def build(wb, ctx) -> None:
    ws = wb.create_sheet(L.INPUTS)
    S.title(ws, L.INPUTS_TITLE_CELL, "Inputs", "Every number the model uses. Input cells are blue on pale yellow; change "
                               "only these. Money in pounds (£); rates as fractions shown as %.")
    S.note(ws[L.INPUTS_NOTE_CELL], "Rows left empty at the end of a table are ignored. Keep the column order and headers.")

    # parameters (fixed rows, one defined name per value)
    t = L.INPUT_TABLES["parameters"]
    ptab = {r["name"]: r for r in ctx.parameters.to_dict("records")}
    rows = []
    for name, _dn in L.PARAMETERS:
        if name in ptab:
            r = ptab[name]
            rows.append([name, r["value"], r["unit"], r["description"], r["source"]])
        else:
            v, unit, desc, src = L.MODEL_SETTINGS[name]
            rows.append([name, v, unit, desc, src])
    _frame_table(ws, t, rows, schema.PARAMETERS.columns, ["General"] * len(schema.PARAMETERS.columns))
    value_col = t.col_of("Value")
    for i, (name, _dn) in enumerate(L.PARAMETERS):
        ws.cell(t.first_row + i, value_col).number_format = schema.PARAMETER_TERMS[name].number_format
        # the description and source wrap in their columns (they would run past the print area)
    _wrap_text(ws, t, ("Description", "Source"), len(L.PARAMETERS))
    for dn, ref in L.parameter_names().items():
        ctx.define(dn, ref)

    for key, sch in _KINDS.items():
        t = L.INPUT_TABLES[key]
        frame = _table_frame(key, ctx)
        # a blank where the column has a "not known yet" word (committed spend: TBC) is that word
        rows = [[c.blank_written if to_cell(r.get(c.name)) is None else r.get(c.name)
                 for c in sch.columns] for r in frame.to_dict("records")]
        _frame_table(ws, t, rows, sch.columns, column_formats(key))
        # free text (a transfer's note, an activity's purpose) wraps in its column
        spans = _basis_spans(ws, t) if key in L.PLACEMENT_TABLES + ("placement_workstreams",) else {}
        _wrap_text(ws, t, [c.header for c in sch.columns
                           if c.kind == "text" and (c.name in WRAPPED or c.name in WRAPPED_BESIDE.get(key, ())
                                                    or c.header in spans)],
                   len(rows), fill=0.75 if key in WRAPPED_BESIDE or spans else 1.0, widths=spans)
        for n, ref in t.defined_names().items():
            ctx.define(n, ref)

    # a light guard on the two most error-prone input kinds
    # the growth rates' range is the columns' (tables.schema.ASSUMPTIONS: rates -1..+1, -100%..+100%)
    (low, high), = {(c.low, c.high) for c in schema.ASSUMPTIONS.columns if c.kind == "rate"}   # one range
    dv = DataValidation(type="decimal", operator="between", formula1=f"{low:g}", formula2=f"{high:g}",
                        allow_blank=True, errorTitle="Growth rate",
                        error=f"Enter a growth rate as a fraction between {low:g} and {high:g} "
                              f"({low:.0%} to {high:+.0%}), e.g. 0.05 for 5%.")
    a = L.INPUT_TABLES["assumptions"]
    dv.add(f"{L.col(a.first_col + 1)}{a.first_row}:{L.col(a.first_col + 3)}{a.last_row}")
    ws.add_data_validation(dv)

    for k, w in WIDTHS.items():
        ws.column_dimensions[k].width = w
    for t in L.INPUT_TABLES.values():
        if t.sheet == L.INPUTS:              # the workstreams are written in place on Safety_Valve
            # (a header row may be a wrapped row of a table beside: it keeps the taller height)
            # (and a header that wraps, the placement categories' labels, its lines)
            tallest = max(S.lines(h, WIDTHS.get(L.col(t.col_of(h)), 10)) for h in t.headers)
            ws.row_dimensions[t.header_row].height = max(30, S.LINE_HEIGHT * tallest,
                                                         ws.row_dimensions[t.header_row].height or 0)
    ws.freeze_panes = L.INPUTS_FREEZE_CELL
    S.print_setup(ws, used_print_area(ctx, L.INPUTS))
    ws.print_title_rows = "1:2"
