"""The refresh plan shared by the command line (:mod:`.file`) and the Cover's button (:mod:`.excel`).

Refreshing the workbook's input tables from source files, safely.

Order of work (nothing touches the workbook's path until the last step):

1. refuse while Excel has the workbook open (its ``~$<name>`` lock file is next to it);
2. read the workbook (openpyxl, ``keep_vba=True``) and its current input tables;
3. read and validate EVERY source file together (:mod:`hnb_xl.sources.collect`); any problem ->
   :class:`HnbInputErrors` listing all of them (file, row, column, value, what was expected);
4. compute the change per table (rows added, removed, changed) - ``dry_run`` stops here;
5. write the new values (source text always as text: ``=HYPERLINK(..)`` stays a string) and one
   Logs row per source file (time, user, file, SHA-256, rows read, suppressed cells);
6. save to a temporary file in the target's folder, then compare an inventory of the original and
   the new file's zip parts (VBA bytes, images, shapes, charts, x14 extensions, dynamic arrays,
   defined names, validation, conditional formats, sheets): anything that would be lost ->
   refuse, temporary file deleted, workbook untouched;
7. copy the original to a timestamped backup, then ``os.replace`` the temporary file over the
   target (atomic on one filesystem: a kill at any moment leaves either the old or the new file).

Every cell address comes from :mod:`hnb_xl.workbook.layout` (via :func:`targets`). Besides the
tables, the plan writes what follows from them: the print areas (:func:`print_area_writes`), the
Cover's roles, and the Sensitivity sheet's snapshot recomputed on the tables the workbook holds
after the refresh (:func:`hnb_xl.workbook.sheets.sensitivity.snapshot_writes`; a year cell that is
not a projection year refuses the refresh there, before anything is written).

Steps 2-5 are shared with the Cover's button (:mod:`hnb_xl.workbook.refresh.excel`, the workbook
open in Excel): :func:`plan_refresh` and :func:`hnb_xl.workbook.refresh.audit.log_writes` decide every write ONCE, as rectangles
(:class:`~hnb_xl.workbook.refresh.cells.TableWrite`), reading cells through a small interface;
:mod:`hnb_xl.workbook.refresh.cells` applies them with openpyxl here or with xlwings in Excel.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ...errors import HnbInputError, raise_all
from ...sources.collect import Collected, collect
from ...tables.cells import is_blank, to_cell
from ...tables import validate
from ...tables.schema import ASSURANCE_SOURCE_TABLES, SCHEMAS, to_frame
from .. import layout
from ..charts import ChartLayout, layout_for as chart_layout_for
from ...reports.edition import authority_of
from .cells import TableWrite
from .ehcp import ReleaseRecord, apply_releases, split_sources


# ---------------------------------------------------------------------------------------------- layout

Target = layout.InputTable    # where one input table lives (``key``: its schema's name), as layout.py says


def targets() -> dict[str, Target]:
    """The input tables refresh may write, from layout.py (the one place that knows addresses)."""
    return {t.key: t for t in layout_targets(layout)}


def layout_targets(layout) -> list[Target]:
    """layout.INPUT_TABLES with a schema (every input table the refresh may write)."""
    return [t for key, t in layout.INPUT_TABLES.items() if key in SCHEMAS]


@dataclass
class TableChange:
    name: str
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    cells: int = 0
    rows_before: int = 0
    rows_after: int = 0
    # (key, column, old value, new value) for each changed cell of a row both tables hold
    revisions: list = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.name}: {self.rows_before} -> {self.rows_after} rows; {len(self.added)} added, "
                f"{len(self.removed)} removed, {len(self.changed)} changed ({self.cells} cell(s))")

    def keys(self, limit: int | None = None) -> list[str]:
        """One line per kind of change naming the rows by their key (the schema's key column: the
        financial year, URN, parameter or activity), e.g. ``added: 2022-23``; at most ``limit`` keys
        a line (then "and N more"). Without a limit (the dry run), or with at most ``limit`` changed
        cells, each changed cell gets its own line, old -> new: ``changed: 2020-21 ehcp_count 5,327 -> 5,292``."""
        out = []
        for kind, keys in (("added", self.added), ("changed", self.changed), ("removed", self.removed)):
            if not keys:
                continue
            if kind == "changed" and self.revisions and (limit is None or len(self.revisions) <= limit):
                out.extend(f"changed: {revision_text(*r)}" for r in self.revisions)
            else:
                out.append(f"{kind}: {key_list(keys, limit)}")
        return out


def shown(v) -> str:
    """A cell value as a change line shows it: whole numbers with thousands separators (5,327),
    other numbers to 10 significant figures, a blank as ``(blank)``, text as it is."""
    if is_blank(v):
        return "(blank)"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{int(v):,}" if float(v).is_integer() else format(v, ",.10g")
    return str(v)


def revision_text(key, column, old, new) -> str:
    """``2020-21 ehcp_count 5,327 -> 5,292``: one changed cell, by row key and engine column name."""
    return f"{key} {column} {shown(old)} -> {shown(new)}"


def key_list(keys, limit: int | None = None) -> str:
    """``2016-17, 2017-18`` (the first ``limit`` keys, then "and N more")."""
    keys = [str(k) for k in keys]
    if limit is not None and len(keys) > limit:
        return ", ".join(keys[:limit]) + f" and {len(keys) - limit} more"
    return ", ".join(keys)


@dataclass
class RefreshResult:
    workbook: Path
    output: Path
    changes: list
    collected: Collected
    dry_run: bool
    backup: Path | None = None
    warnings: list = field(default_factory=list)
    in_excel: bool = False
    # how the file is written (a dry run: would be): "xml" (refresh.patch: the written parts only) or
    # "openpyxl" (a full load and save: refresh.patch.NotPatchable says why, in ``route_reason``)
    route: str | None = None
    route_reason: str = ""

    def report(self) -> str:
        head = ("Dry run (nothing written): " if self.dry_run else "Refreshed ") + str(self.output)
        lines = [head + (" (open in Excel)" if self.in_excel else "")]
        for r in self.collected.records:
            sup = ", ".join(f"{k}={v}" for k, v in sorted(r.suppressed.items())) or "none"
            lines.append(f"  source {r.name}: {', '.join(r.formats) or '-'}; {r.rows_read} rows read; "
                         f"suppressed cells {sup}; sha256 {r.sha256[:12]}...")
            if isinstance(r, ReleaseRecord):
                lines.append(f"    {r.publication}")
        if self.collected.dfe is not None:
            lines.append(f"  DfE file: local authority {self.collected.dfe.la}, {len(self.collected.dfe.frame)} schools")
        for c in self.changes:
            lines.append("  " + c.line())
            lines.extend("    " + k for k in c.keys(None if self.dry_run else 20))
        if self.backup:
            lines.append(f"  backup: {self.backup}")
        lines.extend("  note: " + w for w in [*self.collected.notes, *self.warnings])
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- tables

def _clean(v):
    """A cell value with every kind of blank (None, "", NaN) as None."""
    return None if is_blank(v) else v


def _cell_value(kind: str, v):
    """The value written for an engine value of ``kind`` (:func:`hnb_xl.tables.cells.to_cell`)."""
    return to_cell(_clean(v), kind)


def _column_map(target: Target) -> dict[int, object]:
    """workbook column offset -> schema Column (the layout's ``column_keys``: the engine name of each
    column the build wrote from the schema)."""
    columns = {c.name: c for c in SCHEMAS[target.key].columns}
    return {j: columns[k] for j, k in enumerate(target.column_keys) if k in columns}


def read_table(cells, target: Target) -> list[list]:
    """Current data rows (values as stored) down to the first row whose cells are all blank.
    ``cells``: :class:`~hnb_xl.workbook.refresh.cells.OpenpyxlCells` or ``XlwingsCells``."""
    block = cells.read(target.sheet, target.first_row, target.first_col, target.max_rows,
                       len(target.headers))
    rows = []
    for vals in block:
        if all(_clean(v) is None for v in vals):
            break
        rows.append(list(vals))
    return rows


def new_rows(target: Target, frame: pd.DataFrame, old: list[list]) -> list[list]:
    """Rows to write: schema columns from ``frame``; columns the schema does not know kept by key."""
    cmap = _column_map(target)
    schema = SCHEMAS[target.key]
    key_col = next((j for j, c in cmap.items() if c.name == schema.key), None)
    old_by_key = {}
    if key_col is not None:
        for row in old:
            old_by_key[_key(row[key_col])] = row
    out = []
    for rec in frame.to_dict("records"):
        row = []
        k = _key(_cell_value(cmap[key_col].kind, rec[cmap[key_col].name])) if key_col is not None else None
        prev = old_by_key.get(k)
        for j in range(len(target.headers)):
            c = cmap.get(j)
            if c is None:
                row.append(prev[j] if prev is not None else None)
            else:
                v = _cell_value(c.kind, rec.get(c.name))
                row.append(c.blank_written if v is None else v)   # "TBC" stays "TBC"
        out.append(row)
    return out


def parameter_rows(target: Target, frame: pd.DataFrame, old: list[list], problems: list, source) -> list[list]:
    """Parameters sit on fixed rows (each has its own defined name): update the rows named in the
    source, keep the others, and report a name the workbook does not have."""
    cmap = _column_map(target)
    name_col = next(j for j, c in cmap.items() if c.name == "name")
    rows = [list(r) for r in old]
    where = {str(r[name_col]).strip(): i for i, r in enumerate(rows)}
    for rec, rownum in zip(frame.to_dict("records"), frame.attrs.get("row_numbers", [None] * len(frame))):
        i = where.get(str(rec["name"]).strip())
        if i is None:
            problems.append(HnbInputError(f"unknown parameter '{rec['name']}' (the workbook has: "
                                          f"{', '.join(where)})", source=source, row=rownum, column="Parameter",
                                          value=rec["name"]))
            continue
        for j, c in cmap.items():
            v = _cell_value(c.kind, rec.get(c.name))
            if v is not None:
                rows[i][j] = v
    return rows


def _key(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return str(v).strip() if isinstance(v, str) else v


def _same(a, b) -> bool:
    a, b = _clean(a), _clean(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
    return a == b


def diff(target: Target, old: list[list], new: list[list]) -> TableChange:
    cmap = _column_map(target)
    schema = SCHEMAS[target.key]
    key_col = next((j for j, c in cmap.items() if c.name == schema.key), None)
    ch = TableChange(target.key, rows_before=len(old), rows_after=len(new))
    if key_col is None:
        keyed_old = {i: r for i, r in enumerate(old)}
        keyed_new = {i: r for i, r in enumerate(new)}
    else:
        keyed_old = {_key(r[key_col]): r for r in old}
        keyed_new = {_key(r[key_col]): r for r in new}
    ch.added = [k for k in keyed_new if k not in keyed_old]
    ch.removed = [k for k in keyed_old if k not in keyed_new]
    for k, r in keyed_new.items():
        if k in keyed_old:
            moved = [(j, a, b) for j, (a, b) in enumerate(zip(keyed_old[k], r)) if not _same(a, b)]
            if moved:
                ch.changed.append(k)
                ch.cells += len(moved)
                ch.revisions += [(k, cmap[j].name if j in cmap else target.headers[j], a, b) for j, a, b in moved]
    ch.cells += sum(sum(1 for v in keyed_new[k] if _clean(v) is not None) for k in ch.added)
    ch.cells += sum(sum(1 for v in keyed_old[k] if _clean(v) is not None) for k in ch.removed)
    return ch


def table_write(target: Target, old: list[list], rows: list[list]) -> TableWrite:
    """``rows`` from the first data row, then blanks over the rows no longer used (values only: the
    cells' formats stay), as one rectangle; a cell whose old value was text (TBC) and new value a
    number gets its column's number format back."""
    width = len(target.headers)
    blank = [[None] * width for _ in range(max(0, len(old) - len(rows)))]
    w = TableWrite(target.sheet, target.first_row, target.first_col, [list(r) for r in rows] + blank,
                   label=target.key)
    formats = _number_formats(target)
    if formats:
        for i, (before, after) in enumerate(zip(old, rows)):
            for j, (a, b) in enumerate(zip(before, after)):
                if isinstance(a, str) and isinstance(b, (int, float)) and not isinstance(b, bool) and j < len(formats):
                    w.number_formats.append((w.row + i, w.row + i, w.col + j, formats[j]))
    return w


def _number_formats(target: Target) -> list[str] | None:
    """Each workbook column's number format (``Column.number_format``, as the build gave it); None
    for the parameters table, whose value format is each row's."""
    if target.key == "parameters":
        return None
    cmap = _column_map(target)
    return [cmap[j].number_format if j in cmap else "General" for j in range(len(target.headers))]


def current_frame(cells, target: Target, rows: list[list] | None = None) -> pd.DataFrame:
    """The workbook's table with engine column names (for the notional SEN kept on a DfE refresh);
    ``rows``: the table's rows when already read (:func:`read_table`)."""
    cmap = _column_map(target)
    recs = [{c.name: row[j] for j, c in cmap.items()} for row in (read_table(cells, target) if rows is None else rows)]
    return pd.DataFrame(recs, columns=[c.name for c in SCHEMAS[target.key].columns])


# ---------------------------------------------------------------------------------------------- plan

@dataclass
class RefreshPlan:
    """What a refresh will do, decided once for the CLI and Excel alike: the validated sources, the
    change per table and the table writes (each table's rows as one rectangle)."""
    collected: Collected
    changes: list
    writes: list
    charts: ChartLayout | None = None   # the Outputs charts' ranges for the refreshed years
    after: dict = field(default_factory=dict)   # table name -> its rows as written (the refreshed tables)


def contingency_room(cells) -> int | None:
    """How many schools the workbook's Calc_Contingency calculates (its rows of per-school formulas,
    :func:`hnb_xl.workbook.layout.contingency_rows_of`); None when it has no such sheet."""
    if layout.CALC_CONTINGENCY not in cells.sheetnames:
        return None
    return layout.contingency_rows_of(cells.last_row(layout.CALC_CONTINGENCY))


def plan_refresh(cells, sources, *, la: str | None = None, suppressed_policy: str = "error",
                 progress: bool = True, workbook_label: str = "workbook", replace=()) -> RefreshPlan:
    """Read and validate every source, compare with the workbook's tables (read through ``cells``).

    A refresh never drops rows silently: a source that leaves out rows the workbook's table holds
    is a problem naming them by key (:func:`dropped_rows`), unless its table is in ``replace``
    (``--replace TABLE``).

    Raises HnbInputError / HnbInputErrors with every problem before anything is written."""
    # a table on another sheet than Inputs (the Safety_Valve workstreams) is refreshed where the sheet is
    tmap = {k: t for k, t in targets().items() if t.sheet == layout.INPUTS or t.sheet in cells.sheetnames}
    missing_sheets = sorted({t.sheet for t in tmap.values() if t.sheet not in cells.sheetnames})
    if missing_sheets:
        raise HnbInputError(f"has no sheet(s) {', '.join(missing_sheets)}: is it the HNB model workbook?",
                            source=workbook_label)
    # the schools (250 rows and more) read once: for the DfE merge and for the table's change
    schools_rows = read_table(cells, tmap["schools"]) if "schools" in tmap else None
    current_schools = current_frame(cells, tmap["schools"], schools_rows) if "schools" in tmap else None
    releases, files = split_sources(sources)
    got = collect(files, la=la, suppressed_policy=suppressed_policy, progress=progress,
                  current_schools=current_schools) if files or not releases else Collected()
    if releases:    # DfE's SEN2 release: the EHCP column of history (:mod:`.ehcp`)
        apply_releases(got, releases, la=la,
                       current_history=current_frame(cells, tmap["history"]) if "history" in tmap else None,
                       current_parameters=current_frame(cells, tmap["parameters"]) if "parameters" in tmap else None)
    problems = list(got.problems)
    # The cross-table rules over the tables the refresh leaves in the workbook: the sources with the
    # workbook's current tables they do not replace (collect checked the sources among themselves).
    for pair, rule in validate.BETWEEN_RULES.items():
        both = {k: got.tables[k] for k in pair if k in got.tables}
        if len(both) == 1 and not problems:
            kept = next(k for k in pair if k not in both)
            if kept in tmap:
                t = tmap[kept]
                try:
                    both[kept] = to_frame(SCHEMAS[kept], list(t.headers), read_table(cells, t),
                                          source=f"{workbook_label} [{t.sheet}] {kept} table",
                                          first_row_number=t.first_row)
                except HnbInputError:
                    pass   # the workbook's own table is judged by its Checks sheet, not by this refresh
            if len(both) == 2:
                problems += rule(both[pair[0]], both[pair[1]])
    tables = []
    for name, frame in got.tables.items():
        t = tmap.get(name)
        if name in ASSURANCE_SOURCE_TABLES:      # the Logs' own record: assurance_writes
            continue
        if t is None:
            problems.append(HnbInputError(f"the workbook has no {name} input table to refresh",
                                          source=got.origin.get(name)))
            continue
        if len(frame) > t.max_rows:
            problems.append(HnbInputError(f"{len(frame)} {name} rows, but the workbook's {name} table holds at most "
                                          f"{t.max_rows} (its formulas reach that far): rebuild the workbook with "
                                          "a larger table (hnb-xl build) or give fewer rows",
                                          source=got.origin.get(name)))
            continue
        room = contingency_room(cells) if name == "schools" else None
        if room is not None and len(frame) > room:
            problems.append(HnbInputError(f"{len(frame)} schools, but the workbook's {layout.CALC_CONTINGENCY} sheet "
                                          f"calculates {room} (the build gave it room for the schools it was "
                                          "built with, and a fifth more): build a new workbook from this one "
                                          "with these schools (hnb-xl template --from, then hnb-xl build "
                                          "--sources; docs/refresh.md)", source=got.origin.get(name)))
            continue
        old = schools_rows if name == "schools" else read_table(cells, t)
        if name == "parameters":
            rows = parameter_rows(t, frame, old, problems, got.origin.get(name))
        else:
            rows = new_rows(t, frame, old)
        tables.append((t, old, rows))
    changes = [diff(t, old, rows) for t, old, rows in tables]
    if not problems:
        problems += dropped_rows(cells, tmap, got, changes, replace)
    if problems:
        raise_all(problems)
    after = {t.key: rows for t, _old, rows in tables}
    held = rows_after(cells, tmap, after)
    note = placement_base_year_note(tmap, held)
    if note:
        got.notes.append(note)
    record = assurance_writes(cells, tmap, after, got, changes)
    if "assurance_roles" in got.tables and layout.COVER in cells.sheetnames:   # the Cover's roles lines too
        from ..sheets.cover import roles_write
        record.append(roles_write(got.tables["assurance_roles"]))
    from ..sheets.sensitivity import snapshot_writes      # the Sensitivity sheet's tornado, recomputed
    return RefreshPlan(got, changes, [table_write(t, old, rows) for t, old, rows in tables]
                       + print_area_writes(cells, tmap, held) + record
                       + snapshot_writes(cells, tmap, held, workbook_label),
                       _chart_layout(cells, tmap, got), after=after)


def assurance_writes(cells, tmap: dict, after: dict, got: Collected | None = None,
                     changes: list | None = None) -> list[TableWrite]:
    """The Logs' assurance record (:func:`hnb_xl.workbook.sheets.logs.assurance_write`): the
    council's own record when the sources give parts of it (``got``: assurance_<part> tables; each
    replaces the workbook's part, the others kept; a change line per part given, in ``changes``);
    kept when the workbook holds an own record; else a short block saying it has not been written
    for the authority when the parameters after the refresh (``after``, else the workbook's) name
    another authority than the bundled record's."""
    if layout.LOGS not in cells.sheetnames or "parameters" not in tmap:
        return []
    from ..sheets.logs import OWN_PARTS, assurance_write, read_own_record
    rows = after["parameters"] if "parameters" in after else read_table(cells, tmap["parameters"])
    params = {str(r[0]).strip(): r[1] for r in rows if r and r[0] is not None}
    given = {t.removeprefix("assurance_"): f for t, f in (got.tables if got else {}).items()
             if t in ASSURANCE_SOURCE_TABLES}
    from ... import assurance
    if not given and assurance.describes(params.get("authority_name"), params.get("authority_code")):
        return []              # the bundled record, or an own one: kept as it is (no cell read)
    last = cells.last_row(layout.LOGS)
    try:
        current = read_own_record(cells, last)
    except HnbInputError:
        current = None if not given else {}   # an own record edited out of shape: rewritten from the files
    if given and changes is not None:
        for part, title, columns in OWN_PARTS:
            if part in given:
                changes.append(_record_change(part, columns, (current or {}).get(part), given[part]))
    first = layout.LOGS_ASSURANCE["first_row"]
    w = assurance_write(params, current, given, used_rows=max(0, last - first + 1))
    return [w] if w is not None else []


def _record_change(part: str, columns, old: pd.DataFrame | None, new: pd.DataFrame) -> TableChange:
    """The change of one part of the own record, as the input tables' (:func:`diff`): rows by the
    part's key (its Id, Role; the statement by position)."""
    name = f"assurance_{part}"
    target = layout.InputTable(name, name, "", layout.LOGS_ASSURANCE["first_row"], tuple(h for _k, h, _w in columns),
                               max(len(new), 1), name, tuple(k for k, _h, _w in columns), sheet=layout.LOGS,
                               first_col=layout.LOGS_ASSURANCE["first_col"])
    keys = [k for k, _h, _w in columns]

    def rows(frame):
        return [] if frame is None else [[_clean(r.get(k)) for k in keys] for r in frame.to_dict("records")]
    return diff(target, rows(old), rows(new))


def rows_after(cells, tmap: dict, after: dict):
    """``rows(key)``: the rows of table ``key`` after the refresh (``after``, else the workbook's
    current ones, each read once: a refresh in Excel reads each range in one call)."""
    cache = dict(after)

    def rows(key):
        if key not in cache:
            cache[key] = read_table(cells, tmap[key])
        return cache[key]
    return rows


def placement_base_year_note(tmap: dict, rows) -> str | None:
    """One line when the placement tables the workbook holds after the refresh (``rows``:
    :func:`rows_after`) are for another base year than its history's last year
    (:func:`hnb_xl.tables.placement.other_base_year`): a roll-forward that appended an outturn year
    and gave no new placement tables. Not a refusal: Calc_Placement then says so in its heading
    and calculates nothing (docs/placement.md, "Term after term")."""
    from ...tables.placement import other_base_year
    if "history" not in tmap or "placement_drivers" not in tmap:
        return None

    def years(key):
        i = list(tmap[key].headers).index("Financial year")
        return pd.DataFrame({"financial_year": [r[i] for r in rows(key)]})
    return other_base_year(years("history"), years("placement_drivers"))


def print_area_writes(cells, tmap: dict, rows) -> list[TableWrite]:
    """The print areas of the sheets whose used part follows the input tables
    (:func:`hnb_xl.workbook.layout.used_print_areas`), for the tables the workbook holds after the
    refresh (``rows``: :func:`rows_after`): a refresh that adds a year widens them. Only in a
    built model workbook (it has the calculation sheets); values are not touched."""
    if layout.CALC_HISTORY not in cells.sheetnames:
        return []
    sizes = {key: len(rows(key)) for key in ("history", "assumptions", "schools", "placement_drivers") if key in tmap}
    areas = layout.used_print_areas(sizes["history"], sizes["assumptions"], sizes["schools"],
                                    sizes.get("placement_drivers", 1))
    return [TableWrite(sheet, 1, 1, [], label="print area", print_area=area)
            for sheet, area in areas.items() if sheet in cells.sheetnames]


class RowsDropped(HnbInputError):
    """A source leaves out rows the workbook's ``table`` holds (``keys``: those rows' keys): refused
    unless the refresh is told to replace the table (``--replace TABLE``, or Yes in Excel's box)."""

    def __init__(self, message: str, *, table: str, keys: list, source: str | None = None):
        super().__init__(message, source=source)
        self.table, self.keys = table, list(keys)


def dropped_rows(cells, tmap: dict, got: Collected, changes, replace=()) -> list[HnbInputError]:
    """One problem per table whose source leaves out rows the workbook holds (named by key), unless
    the table is in ``replace``. Assumption years that the refreshed history now covers are not
    dropped but rolled forward (the year became outturn), so a term's roll-forward needs no option."""
    outturn = set()
    history = got.tables.get("history")
    if history is not None:
        outturn = {str(y) for y in history["financial_year"]}
    elif "history" in tmap:
        outturn = {str(v) for v in current_frame(cells, tmap["history"])["financial_year"] if not is_blank(v)}
    problems = []
    for ch in changes:
        if ch.name in replace:
            continue
        dropped = [k for k in ch.removed if not (ch.name == "assumptions" and str(k) in outturn)]
        if dropped:
            problems.append(RowsDropped(
                f"the {ch.name} source has {ch.rows_after} rows where the workbook's table has {ch.rows_before}: "
                f"the refresh would drop {len(dropped)} row(s) not in the source ({key_list(dropped, 20)}); give "
                f"every row (hnb-xl template --from WORKBOOK DIR writes the current tables to add to), or "
                f"--replace {ch.name} to replace the table", table=ch.name, keys=dropped,
                source=got.origin.get(ch.name)))
    return problems


def _chart_layout(cells, tmap: dict, got: Collected) -> ChartLayout | None:
    """The charts' ranges for the history and assumptions the workbook will hold after the refresh
    (a new outturn year moves both charts); None when the workbook has no such tables."""
    if "history" not in tmap or "assumptions" not in tmap or layout.OUTPUTS not in cells.sheetnames:
        return None
    frames = {}
    for name in ("history", "assumptions"):
        frame = got.tables.get(name)
        if frame is None:
            frame = current_frame(cells, tmap[name])
            frame = frame[frame["financial_year"].notna() & (frame["financial_year"] != "")]
        frames[name] = frame
    if frames["history"].empty:
        return None
    authority = authority_of(got.tables.get("parameters"))     # the charts' titles name it (reports/edition.py)
    if authority is None and "parameters" in tmap:
        authority = authority_of(current_frame(cells, tmap["parameters"]))
    return chart_layout_for(frames["history"], frames["assumptions"], authority)


# ---------------------------------------------------------------------------------------------- shared

def user_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return os.environ.get("USERNAME") or os.environ.get("USER") or "unknown"


def backup_path(path: Path, when: _dt.datetime | None = None) -> Path:
    """``<stem>.backup-YYYYmmdd-HHMMSS<suffix>`` beside ``path``, numbered if it exists already."""
    stamp = (when or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.stem}.backup-{stamp}-{n}{path.suffix}")
        n += 1
    return backup


def error_text(exc: HnbInputError) -> str:
    """The wording of a failed refresh, the same on the console and in Excel's message box."""
    if exc.problems and len(exc.problems) > 1:
        lines = "\n".join(p.describe() for p in exc.problems)
        return f"hnb-xl: error: {len(exc.problems)} problems, workbook unchanged:\n{lines}"
    return f"hnb-xl: error: {exc}"
