"""Sensitivity: the tornado and the break-even values of the "Unmitigated (placement drivers)"
forecast for one year, on this workbook's own Inputs (issue 15 item 4).

A spreadsheet cannot re-run the placement projection twenty times in native formulas, so the sheet
holds a snapshot computed by Python: :func:`hnb_xl.api.placement_sensitivity` on the tables the
Inputs sheet holds (its history, placement history and placement tables), i.e.
:mod:`hnb_xl.engine.sensitivity` (its docstring states the rules):

* **tornado**: the accumulated DSG deficit at 31 March of the year with each driver of
  ``TORNADO`` (and the workbook's own other DSG movements) set low, then high, the others at their central values (one at a time); change =
  that deficit - the central one; swing = the range over low, central and high; largest swing first;
* **break-even**: the value of each driver of ``BREAK_EVEN``, the same in every projection year,
  at which the year's HNB in-year deficit is 0 (regula falsi, kept bracketed as bisection is).

:func:`snapshot_writes` writes it from the Inputs just built
(:func:`hnb_xl.workbook.build.build_workbook`) and again at every refresh, from the tables the
workbook holds after it (called by :func:`hnb_xl.workbook.refresh.plan.plan_refresh`, so the
command line and the Cover's button both recompute it). The year cell is an input: blank is the placement drivers table's last year; another
year must be a projection year, or the refresh is refused naming that cell (nothing written). With
no placement inputs for the base year the sheet says so in one line and the tables are empty. The
Checks sheet's row "Sensitivity: the tornado is for the current Inputs" (shown, not in the master
check; the sheet repeats it) is 1 while the snapshot's central value equals Calc_Placement's
accumulated deficit for the year. The chart is a native bar chart of the two change columns
(overlap 100: a tornado), the largest swing at the top; where both settings move the deficit the
same way (more or fewer special places can both raise it) the high setting's bar is drawn over the
low one's, so the shorter is hidden: the table holds both (docs/placement.md).
"""

from __future__ import annotations

import math

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.styles import Alignment

from ...engine.sensitivity import BREAK_EVEN, UNMITIGATED
from ...errors import HnbInputError
from ...years import parse_year
from .. import layout as L
from .. import styles as S

TITLE = "Sensitivity: the placement-driver forecast, one driver at a time"
NOTE = (f"Accumulated DSG deficit at 31 March of the year, {UNMITIGATED}: each driver set to its low, then its "
        "high setting with the others at their central values; and the break-even values.")
HEADERS = {"driver": "Driver (low / high setting)", "central": "Central", "low": "Low setting",
           "high": "High setting", "low_change": "Change (low)", "high_change": "Change (high)", "swing": "Swing"}
BREAK_HEADERS = {"description": "Driver", "value": "Break-even value", "note": "Note"}
# a scale on the requests is shown as x0.173; every other break-even driver is a rate
BREAK_FORMATS = {"requests": '"x"0.000'}
CHART_TITLE = "Tornado: change in the accumulated DSG deficit from the central forecast"
GBP_M_AXIS = '£#,##0,,"m";-£#,##0,,"m";£0"m"'      # the chart's £m (the cells stay in pounds)
NOT_COMPUTED = "Not computed"          # the message's start when the workbook's own tables cannot be read
# the tables the snapshot runs on (schema names), read from the workbook as the refresh reads them
TABLES = ("history", "assumptions", "placement_history") + L.PLACEMENT_TABLES   # assumptions: its other DSG movements


def _cell(key: str, col: int | None = None) -> str:
    """A scalar's address on the sheet: its row of layout.SENS, the value column unless ``col``."""
    return f"{L.col(col or L.SENS['value_col'])}{L.SENS[key]}"


def year_source(label: str) -> str:
    """Where the year comes from, as an error names it: ``<workbook> [Sensitivity] C4``."""
    return f"{label} [{L.SENSITIVITY}] {_cell('year')}"


def _frames(tmap: dict, rows, label: str) -> dict:
    """The tables of :data:`TABLES` as validated frames (engine names); an empty one is left out."""
    from ...tables.schema import SCHEMAS, to_frame
    out = {}
    for key in TABLES:
        t, held = tmap[key], rows(key)
        if held:
            out[key] = to_frame(SCHEMAS[key], list(t.headers), held, source=f"{label} [{t.sheet}] {key} table",
                                first_row_number=t.first_row)
    return out


def snapshot_writes(cells, tmap: dict, rows, label: str = "workbook") -> list:
    """The snapshot's writes (values only) for the tables the workbook holds (``rows``:
    :func:`hnb_xl.workbook.refresh.plan.rows_after`) and the year in the year cell; none for a
    workbook without the sheet. A year that is not a projection year is an
    :class:`~hnb_xl.errors.HnbInputError` at that cell; a problem in the tables themselves (cells
    edited on the Inputs sheet) is the sheet's one-line message, the tables left empty."""
    from ... import api
    if L.SENSITIVITY not in cells.sheetnames or any(k not in tmap for k in TABLES):
        return []
    SN = L.SENS
    year = cells.read(L.SENSITIVITY, SN["year"], SN["value_col"], 1, 1)[0][0]
    where = year_source(label)
    try:
        frames = _frames(tmap, rows, label)
        result = api.placement_sensitivity(frames, frames.get("history"), year, {"year": where})
    except HnbInputError as exc:
        if exc.source == where:
            raise
        return _writes(None, year, f"{NOT_COMPUTED}: {exc}")
    if result is None:
        h = frames.get("history")
        base = f" {h['financial_year'].iloc[-1]}" if h is not None and len(h) else ""
        return _writes(None, year, f"No placement inputs for the base year{base}: no tornado (fill the placement "
                                   "tables on Inputs for it, then refresh)")
    return _writes(result, result.year, None)


def _number(v, digits: int):
    """A figure as written: rounded (pennies for money), blank for NaN or inf (never written)."""
    v = float(v)
    return round(v, digits) if math.isfinite(v) else None


def _writes(result, year, message: str | None) -> list:
    """Two rectangles: the year and the central value, and the rows from the message down to the
    break-even table's last (the formulas above, the computed line and the current flag, are not
    touched). Without a ``result`` the tables are blank and their titles say there is none."""
    from ..refresh.cells import TableWrite
    SN = L.SENS
    width, first, last = SN["last_col"], SN["message"], SN["break_first"] + SN["break_rows"] - 1
    grid = {r: [None] * width for r in range(first, last + 1)}

    def put(row: int, values) -> None:
        grid[row][:len(values)] = list(values)
    put(SN["message"], [message])
    put(SN["tornado_header"], HEADERS.values())
    put(SN["break_header"], BREAK_HEADERS.values())
    if result is None:
        why = "not computed" if message and message.startswith(NOT_COMPUTED) else "no placement inputs for the base year"
        put(SN["tornado_title"], [f"Tornado: {why}"])
        put(SN["break_title"], [f"Break-even values: {why}"])
        central = None
    else:
        t, b = result.tornado, result.break_even
        put(SN["tornado_title"], [f"Tornado: accumulated DSG deficit at 31 March {parse_year(result.year) + 1} "
                                  f"({result.year}), one driver at a time (largest swing first)"])
        for i, r in enumerate(t.head(SN["tornado_rows"]).to_dict("records")):
            put(SN["tornado_first"] + i, [str(r["driver"])] + [_number(r[k], 2) for k in list(HEADERS)[1:]])
        put(SN["break_title"], [f"Break-even values: each driver, the same in every projection year, at which the "
                                f"HNB in-year deficit of {result.year} is 0"])
        for i, r in enumerate(b.head(SN["break_rows"]).to_dict("records")):
            put(SN["break_first"] + i, [str(r["description"]), _number(r["value"], 9), str(r["note"]).strip() or None])
        central = _number(t["central"].iloc[0], 2) if len(t) else None
    return [TableWrite(L.SENSITIVITY, SN["year"], SN["value_col"], [[year], [central]], label="Sensitivity year"),
            TableWrite(L.SENSITIVITY, first, 1, [grid[r] for r in range(first, last + 1)], label="Sensitivity snapshot")]


def _time_formula() -> str:
    """The line saying when the snapshot was computed: at the last refresh, else at the build (the
    Cover's two times: every refresh writes its time and recomputes the snapshot)."""
    built = L.absref(L.BUILD_TIME_CELL[0], *_coordinates(L.BUILD_TIME_CELL[1]))
    refreshed = L.absref(L.REFRESH_TIME_CELL[0], *_coordinates(L.REFRESH_TIME_CELL[1]))
    return (f'="Values computed by hnb-xl\'s engine (hnb_xl/engine/sensitivity.py) on this workbook\'s Inputs "'
            f'&IF({refreshed}="","when it was built ("&{built}&")","at its last refresh ("&{refreshed}&")")'
            f'&": refresh to recompute after editing the Inputs or the year."')


def _coordinates(address: str) -> tuple[int, int]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    letter, row = coordinate_from_string(address)
    return column_index_from_string(letter), row


def _chart(ws) -> BarChart:
    """The tornado: one horizontal bar a driver for each change column (overlap 100, so the low
    and the high bar of a driver share a line), the first table row (largest swing) at the top."""
    SN = L.SENS
    c = SN["cols"]
    first, last = SN["tornado_first"], SN["tornado_first"] + SN["tornado_rows"] - 1
    ch = BarChart()
    ch.type = "bar"
    ch.grouping = "clustered"
    ch.overlap = 100
    ch.gapWidth = 40
    ch.title = CHART_TITLE
    for key, name, colour in (("low_change", "Change at the low setting", "1F5FA8"),
                              ("high_change", "Change at the high setting", "E08A1E")):
        ch.add_data(Reference(ws, min_col=c[key], min_row=first, max_row=last), titles_from_data=False)
        s = ch.series[-1]
        s.tx = SeriesLabel(v=name)
        s.graphicalProperties.solidFill = colour
        s.graphicalProperties.line.solidFill = colour
    ch.set_categories(Reference(ws, min_col=c["driver"], min_row=first, max_row=last))
    ch.x_axis.scaling.orientation = "maxMin"     # the first row (largest swing) at the top
    ch.x_axis.tickLblPos = "low"                 # driver names left of the plot, not on the zero line
    ch.x_axis.delete = False
    ch.y_axis.crosses = "max"                    # the £m axis at the bottom (the categories run top down)
    ch.y_axis.title = "Change in the accumulated DSG deficit (£m)"
    ch.y_axis.number_format = GBP_M_AXIS
    ch.y_axis.delete = False
    ch.legend.position = "b"
    # anchored over cells A to G of the chart's rows (not a size in cm): Excel and LibreOffice
    # measure columns differently, and the chart must fill the printed width in both
    from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
    ch.anchor = TwoCellAnchor(_from=AnchorMarker(col=0, row=SN["chart_row"] - 1),
                              to=AnchorMarker(col=SN["last_col"], row=SN["last_row"]))
    return ch


def build(wb, ctx) -> None:
    """The sheet, its year and central value's defined names and the chart; the snapshot's values
    are written once every sheet is built (:func:`hnb_xl.workbook.build.build_workbook`, with
    :func:`snapshot_writes` on the Inputs read back as a refresh reads them)."""
    from openpyxl.worksheet.pagebreak import Break
    SN, K = L.SENS, L.SENS["cols"]
    ws = wb.create_sheet(L.SENSITIVITY)
    S.title(ws, L.TITLE_CELL, TITLE, NOTE)
    ws.cell(SN["computed"], 1, _time_formula()).font = S.NOTE_FONT
    for key, text, unit in (("year", "Year (a projection year: type another, then refresh)", "financial year"),
                            ("central", "Central: accumulated DSG deficit at 31 March of the year", "£"),
                            ("current", "For the current Inputs and year (1 = yes; 0: refresh to recompute)", "flag")):
        ws.cell(SN[key], 1, text)
        ws.cell(SN[key], 2, unit).font = S.UNITS_FONT
    S.input_cell(ws[_cell("year")], S.TEXT)
    ws[_cell("central")].number_format = S.GBP
    ws[_cell("current")] = f"={SN['names']['current']}"
    ws[_cell("current")].number_format = "0"
    ws.cell(SN["message"], 1).font = S.BOLD
    for key in ("year", "central"):
        ctx.define(SN["names"][key], L.absref(L.SENSITIVITY, SN["value_col"], SN[key]))
    for title_row, header_row, headers in ((SN["tornado_title"], SN["tornado_header"], HEADERS),
                                           (SN["break_title"], SN["break_header"], BREAK_HEADERS)):
        ws.cell(title_row, 1).font = S.HEADING_FONT
        for j, h in enumerate(headers.values()):
            S.header_cell(ws.cell(header_row, 1 + j, h))
            if 0 < j and h != BREAK_HEADERS["note"]:          # over a column of figures: right, as they are
                ws.cell(header_row, 1 + j).alignment = Alignment(horizontal="right", vertical="center", wrap_text=True)
    for i in range(SN["tornado_rows"]):
        for key, c in K.items():
            if key != "driver":
                ws.cell(SN["tornado_first"] + i, c).number_format = S.GBP
    for i, key in enumerate(BREAK_EVEN):
        ws.cell(SN["break_first"] + i, SN["break_cols"]["value"]).number_format = BREAK_FORMATS.get(key, S.PCT2)
    ws.column_dimensions["A"].width = 62
    for c in range(2, SN["last_col"] + 1):
        ws.column_dimensions[L.col(c)].width = 16
    ws.add_chart(_chart(ws))
    ws.row_breaks.append(Break(id=SN["chart_row"] - 1))      # the chart on a page of its own
    S.print_setup(ws, L.print_area(SN["last_col"], SN["last_row"]))
