"""Source templates (empty, or filled from the bundled data or a workbook) for the project's own tables, as CSV and XLSX.

Each template has the schema's exact headers, then one row of units in square brackets
("[£]", "[fraction, e.g. 0.05]") that the readers skip (``files.is_units_row``), then data. Values
are written by the table floor's one rule (:func:`hnb_xl.tables.cells.to_cell`).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from ..tables.cells import to_cell, write_text
from ..tables.schema import PLAN_SOURCE_TABLES, SCHEMAS, SOURCE_TABLES, Schema

UNITS = {"id": "URN", "text": "text", "count": "whole number", "money": "£", "signed_money": "£, may be negative",
         "rate": "fraction, e.g. 0.05", "share": "fraction 0 to 1", "year": "e.g. 2022-23"}
TEMPLATE_TABLES = SOURCE_TABLES
XLSX_NAME = "hnb_sources.xlsx"


def units_row(schema: Schema) -> list[str]:
    units = [UNITS[c.kind] if c.kind in UNITS and (c.kind not in ("rate", "signed_money") or c.unit in ("fraction", "£"))
             else c.unit for c in schema.columns]      # a kind with no template word (money_or_rate): its unit
    return [f"[{u}, or {c.blank_written} while not known]" if c.blank_written else f"[{u}]"
            for u, c in zip(units, schema.columns)]


def _rows(schema: Schema, frame: pd.DataFrame | None) -> list[list]:
    """The frame's rows as cell values in schema order; a blank where the column has a "not known
    yet" code is that code ("TBC")."""
    if frame is None:
        return []
    out = []
    for rec in frame.to_dict("records"):
        row = []
        for c in schema.columns:
            v = to_cell(rec.get(c.name, rec.get(c.header)), c.kind)
            row.append(c.blank_written if v is None else v)
        out.append(row)
    return out


def write_csv(schema: Schema, path, frame: pd.DataFrame | None = None) -> Path:
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(schema.headers)
        w.writerow(units_row(schema))
        for row in _rows(schema, frame):
            w.writerow(["" if v is None else v for v in row])
    return path


def write_xlsx(path, frames: dict[str, pd.DataFrame | None], tables=TEMPLATE_TABLES) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    for name in tables:
        schema = SCHEMAS[name]
        ws = wb.create_sheet(name)
        for j, h in enumerate(schema.headers, 1):
            write_text(ws.cell(1, j), h)
            ws.cell(1, j).font = Font(bold=True)
        for j, u in enumerate(units_row(schema), 1):
            write_text(ws.cell(2, j), u)
            ws.cell(2, j).font = Font(italic=True)
        for i, row in enumerate(_rows(schema, frames.get(name)), 3):
            for j, v in enumerate(row, 1):
                write_text(ws.cell(i, j), v)
    wb.save(path)
    return path


def write_templates(folder, frames: dict[str, pd.DataFrame | None] | None = None,
                    tables=TEMPLATE_TABLES, formats=("csv", "xlsx")) -> list[Path]:
    """``<table>.csv`` for each table and/or one ``hnb_sources.xlsx`` with a sheet per table
    (``formats``). Filled templates are written in ONE of the two, so that ``hnb-xl refresh WORKBOOK
    DIR`` reads each table once (two filled copies of a table are refused as a second table)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = frames or {}
    written = [write_csv(SCHEMAS[n], folder / f"{n}.csv", frames.get(n)) for n in tables] if "csv" in formats else []
    if "xlsx" in formats:
        written.append(write_xlsx(folder / XLSX_NAME, frames, tables))
    return written


def workbook_frames(workbook) -> dict[str, pd.DataFrame]:
    """Every input table the model workbook holds (the refresh's own reading of its Inputs sheet,
    :func:`hnb_xl.workbook.refresh.plan.current_frame`, at layout.py's addresses), by schema name,
    parameters included: the templates ``hnb-xl template --from WORKBOOK`` writes, which ``hnb-xl
    refresh`` reads back changing no cell; and the council's own assurance record on the Logs sheet,
    as its assurance_<part> files. Raises HnbInputError for a missing or unreadable file."""
    from ..errors import HnbInputError
    from ..workbook.refresh.cells import OpenpyxlCells
    from ..workbook.refresh.file import readable
    from ..workbook.refresh.plan import current_frame, targets
    from ..workbook.snapshot import read_workbook

    path = Path(workbook)
    if not path.is_file():
        raise HnbInputError("workbook not found", source=str(path))
    readable(path)
    try:
        wb = read_workbook(path)        # read only (hnb_xl.workbook.snapshot)
    except Exception as exc:
        raise HnbInputError(f"cannot be read as an Excel workbook ({exc.__class__.__name__}: {exc})",
                            source=str(path)) from None
    cells = OpenpyxlCells(wb)
    tmap = {k: t for k, t in targets().items()       # the plan's too, where the workbook has their sheet
            if k in TEMPLATE_TABLES or (k in PLAN_SOURCE_TABLES and t.sheet in cells.sheetnames)}
    missing = sorted({t.sheet for t in tmap.values() if t.sheet not in cells.sheetnames})
    if missing:
        raise HnbInputError(f"has no sheet(s) {', '.join(missing)}: is it the HNB model workbook?", source=str(path))
    frames = {name: current_frame(cells, t) for name, t in tmap.items()}
    from ..workbook.sheets.logs import read_own_record     # a council's own assurance record: its files
    frames.update({f"assurance_{part}": f for part, f in (read_own_record(cells) or {}).items()})
    if "parameters" in frames:
        frames["parameters"] = _file_parameters(frames["parameters"])
    return frames


def _file_parameters(frame: pd.DataFrame) -> pd.DataFrame:
    """The parameter rows a parameters file can carry: each row the parameters schema reads back
    (:func:`hnb_xl.tables.schema.to_frame`). A model setting the schema does not take from a file
    (a value of another kind, set on the Inputs sheet) is left out rather than written to fail."""
    from ..errors import HnbInputError
    from ..tables.schema import to_frame

    schema = SCHEMAS["parameters"]
    keep = []
    for row in _rows(schema, frame):
        try:
            to_frame(schema, list(schema.headers), [row], source="workbook")
            keep.append(True)
        except HnbInputError:
            keep.append(False)
    return frame[keep]


__all__ = ["write_templates", "workbook_frames", "write_csv", "write_xlsx", "units_row", "TEMPLATE_TABLES"]
