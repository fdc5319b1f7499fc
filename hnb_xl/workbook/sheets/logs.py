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
    params = {str(n).strip(): v for n, v in zip(ctx.parameters["name"], ctx.parameters["value"])}
    last_col, last_row = assurance_block(ws, params)
    beside = (L.LOGS_ASSURANCE["first_col"], L.LOGS_ASSURANCE["first_row"], last_col, last_row)
    S.print_setup(ws, L.logs_print_area(4, r, beside))       # the trail and the record on pages of their own


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


ASSURANCE_TITLE = "Assurance record (HM Treasury Aqua Book): roles, logs, statement"


def _describes(parameters: dict) -> bool:
    from ... import assurance
    return assurance.describes(parameters.get("authority_name"), parameters.get("authority_code"))


def _not_written_rows(parameters: dict) -> list[list]:
    from ... import assurance
    lines = assurance.not_written(parameters.get("authority_name"), parameters.get("authority_code"))
    return [[ASSURANCE_TITLE], [None]] + [[line] for line in lines]


def _record_extent() -> tuple[int, int]:
    """(rows, columns) the record fills from layout.LOGS_ASSURANCE (title, then per part an empty
    row, its title, its header and its records)."""
    from ... import assurance
    parts = assurance.rows()
    rows = 1 + sum(3 + len(parts[part]) for part, _t, _c in ASSURANCE_PARTS)
    return rows, max(len(c) for _p, _t, c in ASSURANCE_PARTS)


def assurance_write(parameters: dict):
    """The refresh's write of the assurance block for the inputs' ``parameters`` (name -> value):
    the block as the build writes it when the record describes them (the record is left as it is:
    None), else the short not-written block (:func:`hnb_xl.assurance.not_written`) with blanks over
    the rest of the record's extent, so no line of another authority's record is left behind."""
    from ..refresh.cells import TableWrite
    if _describes(parameters):
        return None
    n_rows, n_cols = _record_extent()
    rows = _not_written_rows(parameters)
    rows = [r + [None] * (n_cols - len(r)) for r in rows] + [[None] * n_cols for _ in range(n_rows - len(rows))]
    return TableWrite(L.LOGS, L.LOGS_ASSURANCE["first_row"], L.LOGS_ASSURANCE["first_col"], rows,
                      label="assurance record")


def assurance_block(ws, parameters: dict | None = None) -> tuple[int, int]:
    """The assurance record (hnb_xl/assurance.py: roles, the assumptions log with each effect, the
    decisions and validation logs, the statement and limitations) from layout.LOGS_ASSURANCE, when
    it describes the inputs' ``parameters`` (authority_name and authority_code, as
    :func:`hnb_xl.assurance.describes`; None: the bundled inputs); else the not-written block.
    Returns its last column and row."""
    from ... import assurance
    c0, r = L.LOGS_ASSURANCE["first_col"], L.LOGS_ASSURANCE["first_row"]
    if parameters is not None and not _describes(parameters):
        lines = _not_written_rows(parameters)
        S.heading(ws.cell(r, c0), lines[0][0])
        for i, (line,) in enumerate(lines[2:]):
            ws.cell(r + 2 + i, c0, line).alignment = S.WRAP
        ws.column_dimensions[L.col(c0)].width = 100
        return c0, r + len(lines) - 1
    parts = assurance.rows()
    S.heading(ws.cell(r, c0), ASSURANCE_TITLE)
    widths, texts = {}, []
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
                if isinstance(v, str):
                    texts.append((r, c0 + j, v))
                if key in ("published", "model", "difference") and rec.get("unit") == "£":
                    cell.number_format = S.GBP
                elif key in ("published", "model", "difference"):
                    cell.number_format = S.COUNT
    for c, w in widths.items():
        ws.column_dimensions[L.col(c)].width = w
    # each record's row as tall as its longest wrapped text in the columns' final widths (on 3/4 of
    # the width, as the Inputs' side tables: long words break early), never lower than the audit
    # trail beside it needs: wrapped rows that kept the default height printed over each other
    need: dict[int, int] = {}
    for row, c, text in texts:
        need[row] = max(need.get(row, 1), S.lines(text, int(widths[c] * 0.75)))
    for row, n in need.items():
        if n > 1:
            ws.row_dimensions[row].height = max(S.LINE_HEIGHT * n, ws.row_dimensions[row].height or 0)
    return max(widths), r
