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
    own = {t.removeprefix("assurance_"): f for t, f in ctx.plan_tables.items() if t.startswith("assurance_")}
    last_col, last_row = assurance_block(ws, params, own or None)
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


# A council's own record (build --sources / refresh with its assurance_*.csv files): the same
# parts in the same order, each under its schema's title and headers (tables/schema.py
# ASSURANCE_*), so the block reads back as the files (read_own_record: template --from, report
# WORKBOOK, a refresh that keeps it). A sheet column is shared by the parts: as wide as the widest
# of the columns that fall in it (characters, by the column's content)
OWN_TITLE = "Assurance record (HM Treasury Aqua Book), as written for these inputs: roles, logs, statement"
_OWN_WIDTHS = {"id": 8, "role": 14, "kind": 12, "date": 12, "rating": 9, "unit": 10, "published": 16,
               "source": 50, "owner": 30, "sensitivity": 30, "measure": 30}     # others: free text, 40


def _own_parts() -> tuple:
    from ...tables.schema import SCHEMAS
    schemas = [(part, SCHEMAS[f"assurance_{part}"]) for part, _t, _c in ASSURANCE_PARTS]
    widths: dict[int, int] = {}
    for _p, schema in schemas:
        for j, c in enumerate(schema.columns):
            widths[j] = max(widths.get(j, 0), _OWN_WIDTHS.get(c.name, 40))
    return tuple((part, schema.title, [(c.name, c.header, widths[j]) for j, c in enumerate(schema.columns)])
                 for part, schema in schemas)


OWN_PARTS = _own_parts()
OWN_WIDTH = max(len(c) for _p, _t, c in OWN_PARTS)      # columns the own record spans


def own_block_rows(record: dict[str, list[dict]]) -> list[list]:
    """The own record's rows from layout.LOGS_ASSURANCE: its title, then per part an empty row, the
    part's title, its headers and its records (``record``: :func:`hnb_xl.assurance.own_rows`)."""
    rows = [[OWN_TITLE]]
    for part, title, columns in OWN_PARTS:
        rows += [[None], [title], [h for _k, h, _w in columns]]
        rows += [[rec.get(k) for k, _h, _w in columns] for rec in record.get(part, [])]
    return rows


def read_own_record(cells, last_row: int | None = None) -> dict | None:
    """The council's own record the Logs sheet holds ({part: frame by its schema}, with the Logs'
    row numbers for messages), or None when the block there is not one (the bundled record, the
    not-written block, no Logs sheet). ``cells``: the refresh's reading interface; ``last_row``: the
    Logs' last used row when the caller has it (one read fewer in Excel)."""
    import pandas as pd

    from ...tables.cells import is_blank
    from ...tables.schema import SCHEMAS, to_frame
    c0, r0 = L.LOGS_ASSURANCE["first_col"], L.LOGS_ASSURANCE["first_row"]
    if L.LOGS not in cells.sheetnames:
        return None
    last = cells.last_row(L.LOGS) if last_row is None else last_row
    if last < r0:
        return None
    block = cells.read(L.LOGS, r0, c0, last - r0 + 1, OWN_WIDTH)
    if not block or block[0][0] != OWN_TITLE:
        return None
    titles = {title: part for part, title, _c in OWN_PARTS}
    out, i = {}, 1
    while i < len(block):
        part = titles.get(block[i][0]) if isinstance(block[i][0], str) else None
        if part is None or i + 1 >= len(block):
            i += 1
            continue
        schema = SCHEMAS[f"assurance_{part}"]
        n = len(schema.columns)
        j = i + 2
        while j < len(block) and not all(is_blank(v) for v in block[j]):
            j += 1
        rows = [r[:n] for r in block[i + 2:j]]
        out[part] = (to_frame(schema, block[i + 1][:n], rows, source=f"{L.LOGS} ({title_of(part)})",
                              first_row_number=r0 + i + 2) if rows
                     else pd.DataFrame(columns=[c.name for c in schema.columns]))
        i = j
    return out


def title_of(part: str) -> str:
    return next(t for p, t, _c in OWN_PARTS if p == part)


def _record_extent() -> tuple[int, int]:
    """(rows, columns) the record fills from layout.LOGS_ASSURANCE (title, then per part an empty
    row, its title, its header and its records)."""
    from ... import assurance
    parts = assurance.rows()
    rows = 1 + sum(3 + len(parts[part]) for part, _t, _c in ASSURANCE_PARTS)
    return rows, max(len(c) for _p, _t, c in ASSURANCE_PARTS)


def assurance_write(parameters: dict, current: dict | None = None, given: dict | None = None,
                    used_rows: int = 0):
    """The refresh's write of the assurance block for the inputs' ``parameters`` (name -> value).

    ``given`` (parts from the refresh's sources, {part: frame}): the council's own record, those
    parts replacing the workbook's own ones (``current``, :func:`read_own_record`; the others kept).
    Without them, the workbook's own record is kept (None), as is the bundled record when it
    describes the parameters; else the short not-written block (:func:`hnb_xl.assurance.not_written`).
    Blanks go over the rest of the block's extent (the bundled record's, or ``used_rows`` from its
    first row: what the sheet holds now), so no line of an earlier record is left behind."""
    from ... import assurance
    from ..refresh.cells import TableWrite
    if given:
        rows = own_block_rows(assurance.own_rows({**(current or {}), **given}))
    elif current is not None or _describes(parameters):
        return None
    else:
        rows = _not_written_rows(parameters)
    n_rows = max(used_rows or _record_extent()[0], len(rows))
    n_cols = max(OWN_WIDTH, max(len(c) for _p, _t, c in ASSURANCE_PARTS))
    rows = [r + [None] * (n_cols - len(r)) for r in rows] + [[None] * n_cols for _ in range(n_rows - len(rows))]
    return TableWrite(L.LOGS, L.LOGS_ASSURANCE["first_row"], L.LOGS_ASSURANCE["first_col"], rows,
                      label="assurance record")


def assurance_block(ws, parameters: dict | None = None, own: dict | None = None) -> tuple[int, int]:
    """The assurance record from layout.LOGS_ASSURANCE: the council's ``own`` record when given
    ({part: frame}, build --sources: :data:`OWN_PARTS`); else the bundled one (hnb_xl/assurance.py:
    roles, the assumptions log with each effect, the decisions and validation logs, the statement
    and limitations) when it describes the inputs' ``parameters`` (authority_name and
    authority_code, as :func:`hnb_xl.assurance.describes`; None: the bundled inputs); else the
    not-written block. Returns its last column and row."""
    from ... import assurance
    c0, r = L.LOGS_ASSURANCE["first_col"], L.LOGS_ASSURANCE["first_row"]
    if own is not None:
        return _styled_block(ws, c0, r, OWN_TITLE, OWN_PARTS, assurance.own_rows(own))
    if parameters is not None and not _describes(parameters):
        lines = _not_written_rows(parameters)
        S.heading(ws.cell(r, c0), lines[0][0])
        for i, (line,) in enumerate(lines[2:]):
            ws.cell(r + 2 + i, c0, line).alignment = S.WRAP
        ws.column_dimensions[L.col(c0)].width = 100
        return c0, r + len(lines) - 1
    return _styled_block(ws, c0, r, ASSURANCE_TITLE, ASSURANCE_PARTS, assurance.rows())


def _styled_block(ws, c0: int, r: int, heading: str, layout, parts: dict) -> tuple[int, int]:
    """The record's block from (``r``, ``c0``): ``heading``, then each part of ``layout`` ((part,
    title, [(column, header, width)])) with its records from ``parts``, in the Logs' styles; each
    row as tall as its longest wrapped text. Returns its last column and row."""
    S.heading(ws.cell(r, c0), heading)
    widths, texts = {}, []
    for part, title, columns in layout:
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
