"""Logs: the assumptions with their sources, and the data sources with their SHA-256 and time."""

from __future__ import annotations

from ... import bundled
from .. import layout as L
from .. import styles as S
from . import edition


def build(wb, ctx) -> None:
    ws = wb.create_sheet(L.LOGS)
    S.title(ws, L.TITLE_CELL, edition.titled(f"{L.LOGS.lower()} of the inputs"),   # authority and years: Inputs
            "Where every input came from. The data-source time is the build (or last refresh) time on the Cover.")
    r = 4
    S.heading(ws.cell(r, 1), "Assumptions")
    r += 1
    for j, h in enumerate(("Assumption", "Value", "Unit", "Source")):
        S.header_cell(ws.cell(r, 1 + j, h))
    for p in ctx.parameters.to_dict("records"):
        r += 1
        ws.cell(r, 1, p["name"])
        ws.cell(r, 2, p["value"] if isinstance(p["value"], str) else float(p["value"]))   # text: authority name
        ws.cell(r, 3, p["unit"])
        ws.cell(r, 4, p["source"]).alignment = S.WRAP
    for name, (v, unit, _d, src) in L.MODEL_SETTINGS.items():
        r += 1
        ws.cell(r, 1, name), ws.cell(r, 2, v), ws.cell(r, 3, unit), ws.cell(r, 4, src)
    for a in ctx.assumptions.to_dict("records"):
        r += 1
        ws.cell(r, 1, f"Projection drivers {a['financial_year']}")
        ws.cell(r, 2, "see Inputs")
        ws.cell(r, 4, f"Scenario '{bundled.SCENARIOS[bundled.DEFAULT_SCENARIO][1]}': {a.get('basis', '')} "
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
    last_col, last_row = assurance_block(ws)
    S.print_setup(ws, L.print_area(max(4, last_col), max(r, last_row)))


# the assurance record's parts on the Logs sheet: (part, title, [(column, header, width)])
ASSURANCE_PARTS = (
    ("roles", "Roles", [("role", "Role", 14), ("holder", "Holder", 40), ("responsibility", "Responsibility", 50)]),
    ("assumptions", "Assumptions log (effect: on the bundled data, as built)",
     [("id", "Id", 14), ("assumption", "Assumption", 40), ("value", "Value", 50), ("owner", "Owner", 30),
      ("date", "Date", 12), ("rating", "Rating", 9), ("source", "Source", 60), ("effect", "Effect on the result", 60)]),
    ("decisions", "Decisions log",
     [("id", "Id", 14), ("decision", "Decision", 40), ("alternatives", "Alternatives", 50), ("reason", "Reason", 30),
      ("owner", "Owner", 12), ("date", "Date", 9), ("source", "Source", 60)]),
    ("validation", "Validation log (model on the bundled data, as built; difference = model - published)",
     [("id", "Id", 14), ("check", "Check", 40), ("published", "Published", 50), ("model", "Model", 30),
      ("difference", "Difference", 12), ("unit", "Unit", 9), ("source", "Source", 60)]),
    ("statement", "Assurance statement and limitations", [("kind", "Kind", 14), ("text", "Text", 40)]),
)


def assurance_block(ws) -> tuple[int, int]:
    """The assurance record (hnb_xl/assurance.py: roles, the assumptions log with each effect, the
    decisions and validation logs, the statement and limitations) from layout.LOGS_ASSURANCE;
    returns its last column and row."""
    from ... import assurance
    parts = assurance.rows()
    c0, r = L.LOGS_ASSURANCE["first_col"], L.LOGS_ASSURANCE["first_row"]
    S.heading(ws.cell(r, c0), "Assurance record (HM Treasury Aqua Book): roles, logs, statement")
    widths = {}
    for part, title, columns in ASSURANCE_PARTS:
        r += 2
        S.heading(ws.cell(r, c0), title)
        r += 1
        for j, (_k, header, width) in enumerate(columns):
            S.header_cell(ws.cell(r, c0 + j, header))
            widths[c0 + j] = max(widths.get(c0 + j, 0), width)
        for rec in parts[part]:
            r += 1
            for j, (key, _h, _w) in enumerate(columns):
                v = rec.get(key)
                cell = ws.cell(r, c0 + j, round(v, 2) if isinstance(v, float) else v)   # pence: the file keeps them
                cell.alignment = S.WRAP
                if key in ("published", "model", "difference") and rec.get("unit") == "£":
                    cell.number_format = S.GBP
                elif key in ("published", "model", "difference"):
                    cell.number_format = S.COUNT
    for c, w in widths.items():
        ws.column_dimensions[L.col(c)].width = w
    return max(widths), r
