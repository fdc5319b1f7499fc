"""Logs: the assumptions with their sources, and the data sources with their SHA-256 and time."""

from __future__ import annotations

from .. import layout as L
from .. import styles as S


def build(wb, ctx) -> None:
    ws = wb.create_sheet(L.LOGS)
    S.title(ws, L.TITLE_CELL, L.LOGS, "Where every input came from. The data-source time is the build (or last refresh) "
                              "time on the Cover.")
    r = 4
    S.heading(ws.cell(r, 1), "Assumptions")
    r += 1
    for j, h in enumerate(("Assumption", "Value", "Unit", "Source")):
        S.header_cell(ws.cell(r, 1 + j, h))
    for p in ctx.parameters.to_dict("records"):
        r += 1
        ws.cell(r, 1, p["name"])
        ws.cell(r, 2, float(p["value"]))
        ws.cell(r, 3, p["unit"])
        ws.cell(r, 4, p["source"]).alignment = S.WRAP
    for name, (v, unit, _d, src) in L.MODEL_SETTINGS.items():
        r += 1
        ws.cell(r, 1, name), ws.cell(r, 2, v), ws.cell(r, 3, unit), ws.cell(r, 4, src)
    for a in ctx.assumptions.to_dict("records"):
        r += 1
        ws.cell(r, 1, f"Projection drivers {a['financial_year']}")
        ws.cell(r, 2, "see Inputs")
        ws.cell(r, 4, f"Scenario 'published forecast, July 2022': {a.get('basis', '')} "
                      "(hnb_xl/data/README.md explains the calibration)").alignment = S.WRAP
    r += 2
    S.heading(ws.cell(r, 1), "Data sources")
    r += 1
    for j, h in enumerate(("File", "Data rows", "SHA-256", "Loaded at")):
        S.header_cell(ws.cell(r, 1 + j, h))
    sheet, cell = L.BUILD_TIME_CELL
    refresh_sheet, refresh_cell = L.REFRESH_TIME_CELL
    for name, rows, sha in ctx.sources:
        r += 1
        ws.cell(r, 1, name)
        ws.cell(r, 2, rows)
        ws.cell(r, 3, sha).font = S.NOTE_FONT
        ws.cell(r, 4, f'=IF({refresh_sheet}!{refresh_cell}<>"",{refresh_sheet}!{refresh_cell},{sheet}!{cell})')
    ws.column_dimensions["A"].width = 50
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].width = 60
    S.print_setup(ws, L.print_area(4, r))
