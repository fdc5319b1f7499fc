"""The Logs sheet after a refresh: the audit trail of the data the workbook now holds.

Written on every refresh, from the CLI and the Cover's button alike (:func:`log_writes`, after
:func:`hnb_xl.workbook.refresh.plan.plan_refresh`), as one rectangle from row :data:`FIRST_ROW`:

1. **Assumptions**: every parameter as the Inputs sheet holds it after the refresh (value, unit,
   source), then one row per projection year: its scenario is the source file it came from
   (``Scenario from assumptions.csv: calibrated``), or as the sheet said when the refresh did not
   touch the assumptions;
2. **Data sources**: one row per file actually loaded by this refresh: the path as given, its
   SHA-256, its size in bytes, the time it was loaded (UTC), the table(s) it gave and the rows
   read (a SEN2 release: the history's EHCP column, the census years used and its publication,
   :mod:`.ehcp`); a table this refresh did not load keeps its earlier row (the build's bundled file, or an
   earlier refresh's), its time saying "not refreshed", so the list always names where each input
   table came from;
3. **Refresh log**: the earlier refreshes' rows as they were, then one row per file of this one,
   with the changes to its own tables only (each changed cell, old -> new, when a table has at most
   :data:`REVISIONS_LOGGED` of them: a DfE revision of a count the workbook held is on record).

Cells left over from the longer old layout are blanked, and the sheet's print area is set to
cover all three parts (columns A to H) and, as a second range printed on pages of its own,
whatever the sheet holds beside them (the build's assurance record from column J, which the
refresh leaves as it is): :func:`hnb_xl.workbook.layout.logs_print_area`, as the build sets it. The SHA-256 is FIPS 180-4's (Python's ``hashlib``).
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from ...sources.collect import Collected
from ...sources.detect import DFE_LONG, DFE_WIDE
from .. import layout
from .cells import TableWrite
from .ehcp import FILLS, SEN2_FORMAT, ReleaseRecord
from .plan import read_table, revision_text, targets

REFRESH_LOG_TITLE = "Refresh log"
REFRESH_LOG_HEADERS = ("Time", "User", "Source file", "SHA-256", "Rows read", "Suppressed cells (DfE codes)",
                       "Tables", "Changes")
_LOG_KEYS = ("time", "user", "file", "sha256", "rows_read", "suppressed", "tables", "changes")
REVISIONS_LOGGED = 20
# the audit trail's column widths (characters), A to H: each part puts other things in a column, so
# each width fits the widest of them: a SHA-256 (64 hex digits) in B (data sources) and D (refresh log),
# a change line in H; the build's A:D widths suit its own four columns only
TRAIL_WIDTHS = {1: 44, 2: 66, 3: 24, 4: 66, 5: 16, 6: 10, 7: 22, 8: 60}

FIRST_ROW = 4
ASSUMPTIONS_TITLE = "Assumptions"
ASSUMPTIONS_HEADERS = ("Assumption", "Value", "Unit", "Source")
DATA_SOURCES_TITLE = "Data sources"
DATA_SOURCES_HEADERS = ("File (path as given)", "SHA-256", "Size (bytes)", "Loaded at", "Tables", "Rows read",
                        "Publication")
NOT_REFRESHED = "not refreshed"   # a data-sources row kept for a table the latest refresh did not load
# what the build's data-sources rows name (hnb_xl/data/<file>): the table each bundled file fills
_BUNDLED = {"parameters.csv": "parameters", "published_forecast.csv": "published forecast (comparison)"}


def _bundled_tables() -> dict[str, str]:
    from ..build import BUNDLED_SOURCE_FILES
    return {**{f: t for t, f in BUNDLED_SOURCE_FILES.items()}, **_BUNDLED}


def _blank(v) -> bool:
    return v is None or v == ""


def _find(block: list[list], title: str, start: int = 0) -> int | None:
    """Index in ``block`` of the row whose first cell is ``title`` (at or after ``start``)."""
    return next((i for i in range(start, len(block)) if block[i] and block[i][0] == title), None)


def _rows_after(block: list[list], header: int) -> list[list]:
    """The rows below ``header`` down to the first blank one."""
    out = []
    for r in block[header + 1:]:
        if all(_blank(v) for v in r):
            break
        out.append(list(r))
    return out


def _records(target, rows: list[list]) -> list[dict]:
    keys = target.column_keys
    return [{k: r[j] for j, k in enumerate(keys) if j < len(r)} for r in rows]


def audit_rows(old: list[list], got, *, parameters: list[dict], assumptions: list[dict], loaded_at: str,
               built_at, log_rows: list[list], width: int) -> list[list]:
    """The Logs sheet from :data:`FIRST_ROW` down (see the module docstring). ``old``: the sheet's
    rows from row 1 as they were (``width`` columns); ``log_rows``: this refresh's refresh-log rows."""
    body = old[FIRST_ROW - 1:]
    rows: list[list] = [[ASSUMPTIONS_TITLE], list(ASSUMPTIONS_HEADERS)]
    for p in parameters:
        rows.append([p.get("name"), p.get("value"), p.get("unit"), p.get("source")])
    previous = {str(r[0])[len("Projection drivers "):]: r[3] for r in body
                if isinstance(r[0], str) and r[0].startswith("Projection drivers ") and len(r) > 3}
    origin = got.origin.get("assumptions")
    for a in assumptions:
        year = str(a.get("financial_year"))
        basis = a.get("basis") or "as given"
        if origin is not None:
            text = f"Scenario from {origin}: {basis}"
        else:
            text = previous.get(year) or f"Scenario as held in the workbook: {basis}"
        rows.append([f"Projection drivers {year}", "see Inputs", None, text])

    rows += [[], [DATA_SOURCES_TITLE], list(DATA_SOURCES_HEADERS)]
    # the tables a source file gave whole (a SEN2 release fills one column of history: not loaded)
    loaded = ({f for rec in got.records for f in rec.formats} & set(got.tables)) | \
        ({"schools"} if getattr(got, "dfe", None) is not None else set())
    for rec in got.records:
        try:
            size = os.path.getsize(rec.path)
        except OSError:
            size = None
        if isinstance(rec, ReleaseRecord):
            rows.append([rec.path, rec.sha256, size, loaded_at, FILLS, rec.rows_read, rec.publication])
        else:
            rows.append([rec.path, rec.sha256, size, loaded_at, ", ".join(_tables_of(rec.formats)), rec.rows_read])
    rows += _kept_sources(body, loaded, built_at)

    rows += [[], [REFRESH_LOG_TITLE], list(REFRESH_LOG_HEADERS)]
    t = _find(body, REFRESH_LOG_TITLE)
    if t is not None and t + 1 < len(body):
        rows += _rows_after(body, t + 1)
    rows += log_rows
    return [list(r) + [None] * (width - len(r)) for r in rows]


def _tables_of(formats) -> list[str]:
    """The input tables a source file's formats fill: a schema's name is its table; DfE's
    school-level SEN file (``dfe_sen_wide``/``dfe_sen_long``, :mod:`hnb_xl.sources.detect`) fills
    the schools table (``schools: DfE dfe_sen_wide``, so that a later refresh of schools replaces its row)."""
    return [f"schools: DfE {f}" if f in (DFE_WIDE.name, DFE_LONG.name) else f for f in formats]


def _tables_filled(formats) -> set[str]:
    """The input tables a source file's formats fill: a schema's name is its table, DfE's
    school-level SEN file fills schools and a SEN2 release the history (:mod:`.ehcp`)."""
    return {"schools" if f in (DFE_WIDE.name, DFE_LONG.name) else "history" if f == SEN2_FORMAT else f
            for f in formats}


def _changes_text(changes, formats) -> str:
    """The change line of each table this source file filled (``formats``: its formats), with its
    changed cells old -> new when there are at most :data:`REVISIONS_LOGGED`
    (``history: 7 -> 7 rows; ...; 2020-21 ehcp_count 5,327 -> 5,292``); another file's tables are
    on that file's row."""
    mine = _tables_filled(formats)
    parts = []
    for c in changes:
        if c.name not in mine:
            continue
        text = c.line()
        if c.revisions and len(c.revisions) <= REVISIONS_LOGGED:
            text += "; " + ", ".join(revision_text(*r) for r in c.revisions)
        parts.append(text)
    return "; ".join(parts)


def _kept_sources(body: list[list], loaded: set, built_at) -> list[list]:
    """The earlier data-sources rows of the tables this refresh did not load."""
    t = _find(body, DATA_SOURCES_TITLE)
    end = _find(body, REFRESH_LOG_TITLE) or len(body)
    if t is None or t + 1 >= end:
        return []
    header = body[t + 1]
    out = []
    for r in _rows_after(body[:end], t + 1):
        if tuple(header[:6]) == DATA_SOURCES_HEADERS[:6]:                          # an earlier refresh's row
            tables = [x.strip() for x in str(r[4] or "").split(",") if x.strip()]
            kept = [x for x in tables if x.split(":")[0] not in loaded]     # "history: EHCPs ..." is history's
            if kept:
                when = str(r[3] or "")
                when = when if when.startswith(NOT_REFRESHED) else f"{NOT_REFRESHED} since {when}"
                out.append([r[0], r[1], r[2], when, ", ".join(kept), r[5], *r[6:len(DATA_SOURCES_HEADERS)]])
        elif header[:3] == ["File", "Data rows", "SHA-256"]:                       # the build's row
            table = _bundled_tables().get(Path(str(r[0])).name)
            if table not in loaded:
                out.append([r[0], r[2], None, f"{NOT_REFRESHED}: {built_at}", table, r[1]])
    return out


def logs_write(cells, got, *, after: dict, log_rows: list[list], loaded_at: str, width: int,
               planned: list | None = None) -> TableWrite:
    """The Logs rectangle from :data:`FIRST_ROW` (blanking what the old layout held below it) with
    the print area over all of it, and over what the refresh's ``planned`` writes put beside it (the
    assurance record a refresh rewrites: :func:`_planned_beside`)."""
    sheet = layout.LOGS
    last = cells.last_row(sheet) if sheet in cells.sheetnames else 0
    old = cells.read(sheet, 1, 1, last, width) if last else []
    tmap = targets()

    def table(name):
        t = tmap.get(name)
        if t is None or t.sheet not in cells.sheetnames:
            return []
        return _records(t, after[name] if name in after else read_table(cells, t))

    built_at = None
    sheet_b, cell_b = layout.BUILD_TIME_CELL
    if sheet_b in cells.sheetnames:
        from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
        letter, row = coordinate_from_string(cell_b)
        built_at = cells.read(sheet_b, row, column_index_from_string(letter), 1, 1)[0][0]
    built_at = f"built {built_at}" if built_at else "at the build"
    rows = audit_rows(old, got, parameters=table("parameters"), assumptions=table("assumptions"),
                      loaded_at=loaded_at, built_at=built_at, log_rows=log_rows, width=width)
    blank = max(0, (last - FIRST_ROW + 1) - len(rows))
    rows += [[None] * width for _ in range(blank)]
    end = FIRST_ROW + len(rows) - 1 - blank
    return TableWrite(sheet, FIRST_ROW, 1, rows, label="Logs",
                      print_area=layout.logs_print_area(width, max(end, FIRST_ROW), _union(
                          _beside(cells, sheet, width, last), _planned_beside(planned or (), sheet, width))),
                      column_widths={c: w for c, w in TRAIL_WIDTHS.items() if c <= width})


def _planned_beside(planned, sheet: str, width: int) -> tuple[int, int, int, int] | None:
    """(first column, first row, last column, last row) of the non-blank cells the ``planned``
    writes put on ``sheet`` right of the trail's ``width`` columns (a longer assurance record than
    the sheet holds now); None when they put none there."""
    used = [(w.row + i, w.col + j) for w in planned if w.sheet == sheet for i, r in enumerate(w.rows)
            for j, v in enumerate(r) if w.col + j > width and not _blank(v)]
    if not used:
        return None
    return (min(c for _, c in used), min(r for r, _ in used), max(c for _, c in used), max(r for r, _ in used))


def _union(a, b):
    """The smallest (first column, first row, last column, last row) holding both (either may be None)."""
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _beside(cells, sheet: str, width: int, last: int) -> tuple[int, int, int, int] | None:
    """(first column, first row, last column, last row) of what the Logs hold to the right of the
    audit trail's ``width`` columns (the build's assurance record, layout.LOGS_ASSURANCE), which a
    refresh keeps as the print area's second range; None when nothing is there."""
    last_col = cells.last_col(sheet) if last else 0
    if last_col <= width:
        return None
    block = cells.read(sheet, 1, width + 1, last, last_col - width)
    used = [(i + 1, width + 1 + j) for i, r in enumerate(block) for j, v in enumerate(r) if not _blank(v)]
    if not used:
        return None
    return (min(c for _, c in used), min(r for r, _ in used), max(c for _, c in used), max(r for r, _ in used))


def log_writes(cells, got: Collected, *, user: str, now: _dt.datetime, changes, after: dict | None = None,
               planned: list | None = None) -> list[TableWrite]:
    """The Logs sheet and the Cover's refresh time after this refresh: the assumptions with their
    sources as the workbook will hold them (``after``: the refreshed tables' rows,
    :attr:`~hnb_xl.workbook.refresh.plan.RefreshPlan.after`), the data sources actually loaded (path,
    SHA-256, size, time, table), and the refresh log: the earlier refreshes' rows, then one row per
    source file (time, user, file, SHA-256, rows read, suppressed cells, tables, the changes to its
    own tables); the print
    area covers it all (:func:`logs_write`)."""
    stamp = now.strftime("%Y-%m-%d %H:%M:%S UTC")
    rows = []
    for rec in got.records:
        sup = ", ".join(f"{k}={v}" for k, v in sorted(rec.suppressed.items())) or "none"
        values = {"time": stamp, "user": user, "file": rec.name, "sha256": rec.sha256, "rows_read": rec.rows_read,
                  "suppressed": sup, "tables": ", ".join(rec.formats), "changes": _changes_text(changes, rec.formats)}
        rows.append([values[k] for k in _LOG_KEYS])
    out = [logs_write(cells, got, after=after or {}, log_rows=rows, loaded_at=stamp,
                      width=len(REFRESH_LOG_HEADERS), planned=planned)]
    cell = layout.REFRESH_TIME_CELL
    if cell and cell[0] in cells.sheetnames:
        from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
        letter, row = coordinate_from_string(cell[1])
        out.append(TableWrite(cell[0], row, column_index_from_string(letter), [[stamp]], label="Cover refresh time"))
    return out


__all__ = ["audit_rows", "logs_write", "log_writes", "DATA_SOURCES_TITLE", "DATA_SOURCES_HEADERS", "ASSUMPTIONS_TITLE",
           "FIRST_ROW",
           "REFRESH_LOG_TITLE", "REFRESH_LOG_HEADERS"]
