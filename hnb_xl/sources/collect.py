"""Read and validate every source file of a refresh together, collecting ALL problems.

Each table (a CSV, or each sheet of an XLSX in any order) is recognised from its headers
(:mod:`.detect`), validated with the schema (:func:`hnb_xl.tables.schema.to_frame`) or read with the DfE
reader (:mod:`.dfe`). Nothing raises until every file has been read: :func:`collect` returns the
tables, an audit record per file (name, SHA-256, rows read, suppressed cells) and the problems,
among them those of the cross-table rules (:func:`hnb_xl.tables.validate.problems`) between the
tables read.

DfE files give EHCP counts, pupils on roll, phase and names but no notional SEN budget: that comes
from a schools file when one is given, else from ``current_schools`` (the workbook's table).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import HnbInputError
from ..tables import validate
from ..tables.schema import SCHEMAS, SCHOOLS, to_frame
from . import dfe
from .detect import detect
from ..tables.files import RawTable, csv_header, read_tables

SOURCE_SUFFIXES = (".csv", ".xlsx", ".xlsm")


@dataclass
class SourceRecord:
    """What the audit trail records about one source file."""
    path: str
    sha256: str
    rows_read: int = 0
    formats: list = field(default_factory=list)
    suppressed: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass
class Collected:
    tables: dict = field(default_factory=dict)      # schema name -> validated DataFrame (engine names)
    records: list = field(default_factory=list)     # SourceRecord per file
    problems: list = field(default_factory=list)    # HnbInputError
    origin: dict = field(default_factory=dict)      # schema name -> source text
    dfe: dfe.DfeSchools | None = None
    notes: list = field(default_factory=list)       # what was read but not used (empty templates)


def expand(paths) -> list[Path]:
    """Files as given, and the CSV/XLSX files inside any folder (sorted; Excel's ~$ lock files skipped)."""
    out = []
    for p in map(Path, paths):
        out.extend(folder_files(p) if p.is_dir() else [p])
    return out


def folder_files(folder: Path) -> list[Path]:
    """The CSV/XLSX files in ``folder`` (sorted; Excel's ~$ lock files skipped)."""
    return sorted(f for f in folder.iterdir() if f.suffix.lower() in SOURCE_SUFFIXES
                  and not f.name.startswith("~$") and f.is_file())


def empty_folder_problems(paths) -> list[HnbInputError]:
    """A folder given that holds no CSV or XLSX file: one problem naming it (and what it holds)."""
    out = []
    for p in map(Path, paths):
        if p.is_dir() and not folder_files(p):
            others = sorted(f.name for f in p.iterdir())
            held = f" (it holds: {', '.join(others[:5])}{', ...' if len(others) > 5 else ''})" if others else \
                " (it is empty)"
            out.append(HnbInputError(f"is a folder with no CSV or XLSX source files{held}", source=str(p)))
    return out


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _flatten(exc: HnbInputError) -> list[HnbInputError]:
    return list(exc.problems) if exc.problems else [exc]


def _dfe_csv(path: Path) -> list[RawTable] | None:
    """A DfE SEN CSV as a header-only table (its 760,000 rows are read by :mod:`.dfe` in chunks, not
    into memory as lists), or None for any other file."""
    if path.suffix.lower() != ".csv":
        return None
    _, headers, _ = csv_header(path)
    try:
        fmt = detect(headers, str(path))
    except HnbInputError:
        return None
    return [RawTable(str(path), headers, [], 0)] if fmt.is_dfe else None


def collect(paths, *, la: str | None = None, suppressed_policy: str = "error", progress: bool = True,
            current_schools: pd.DataFrame | None = None) -> Collected:
    out = Collected()
    files = expand(paths)
    out.problems.extend(empty_folder_problems(paths))
    if not files and not out.problems:
        out.problems.append(HnbInputError("no source files given (expected CSV or XLSX files or folders)",
                                          source="SOURCE"))
    # Hash each file on a second thread while it is parsed: hashlib and pandas' tokenizer both release
    # the GIL, so a 110 MB DfE file's SHA-256 costs no extra wall time on two cores.
    hasher = ThreadPoolExecutor(max_workers=1)
    try:
        digests = {p: hasher.submit(sha256, p) for p in files if p.is_file()}
        _collect_files(out, files, digests, la, suppressed_policy, progress, current_schools)
        for rec in out.records:
            rec.sha256 = digests[Path(rec.path)].result()
    finally:
        hasher.shutdown(wait=True, cancel_futures=True)
    return out


def _collect_files(out: Collected, files: list, digests: dict, la, suppressed_policy, progress, current_schools):
    dfe_result = None
    for path in files:
        if path not in digests:
            out.problems.append(HnbInputError("file not found", source=str(path)))
            continue
        rec = SourceRecord(str(path), "")
        out.records.append(rec)
        try:
            tables = _dfe_csv(path) or read_tables(path)
        except HnbInputError as exc:
            out.problems.extend(_flatten(exc))
            continue
        for raw in tables:
            try:
                fmt = detect(raw.headers, raw.source)
            except HnbInputError as exc:
                out.problems.append(exc)
                continue
            rec.formats.append(fmt.name)
            if fmt.is_dfe:
                if path.suffix.lower() != ".csv":
                    out.problems.append(HnbInputError("DfE school-level SEN data is read from DfE's CSV file: "
                                                      "save this sheet as CSV", source=raw.source))
                    continue
                if dfe_result is not None:
                    out.problems.append(HnbInputError(f"a second DfE SEN file (the first was {dfe_result.source}): "
                                                      "give one", source=raw.source))
                    continue
                layout = "long" if fmt.name == "dfe_sen_long" else "wide"
                try:
                    dfe_result = dfe.read(path, layout, la, suppressed_policy=suppressed_policy, progress=progress)
                except HnbInputError as exc:
                    out.problems.extend(_flatten(exc))
                    continue
                rec.rows_read += dfe_result.rows_read
                for k, v in dfe_result.suppressed.items():
                    rec.suppressed[k] = rec.suppressed.get(k, 0) + v
                out.problems.extend(dfe_result.problems)
                continue
            data_rows = sum(1 for r in raw.rows if any(v is not None and str(v).strip() != "" for v in r))
            rec.rows_read += data_rows
            if not data_rows:  # a template left empty (hnb-xl template writes them all): nothing to refresh
                out.notes.append(f"{raw.source}: no data rows (an empty template), so the {fmt.name} table is "
                                 "not refreshed")
                continue
            if fmt.name in out.origin:
                out.problems.append(HnbInputError(f"a second {fmt.name} table (the first is {out.origin[fmt.name]}): "
                                                  "give each table once", source=raw.source))
                continue
            out.origin[fmt.name] = raw.source
            try:
                frame = to_frame(fmt.schema, raw.headers, raw.rows, source=raw.source,
                                 first_row_number=raw.first_row_number)
            except HnbInputError as exc:
                out.problems.extend(_flatten(exc))
                continue
            out.tables[fmt.name] = frame
    if files and not out.tables and dfe_result is None and not out.problems:
        out.problems.append(HnbInputError("nothing to refresh: every source table is empty (fill in the templates' "
                                          "rows under the headers and the units row)", source="SOURCE"))
    out.problems.extend(validate.problems(out.tables))   # the cross-table rules among the sources
    if dfe_result is not None:
        out.dfe = dfe_result
        if not dfe_result.problems:
            merged = merge_schools(dfe_result, out.tables.get("schools"), current_schools, out.problems)
            if merged is not None:
                out.tables["schools"] = merged
                out.origin["schools"] = dfe_result.source + (f" + {out.origin['schools']}" if "schools" in out.origin
                                                             else " + notional SEN kept from the workbook")


def merge_schools(d: dfe.DfeSchools, schools: pd.DataFrame | None, current: pd.DataFrame | None,
                  problems: list) -> pd.DataFrame | None:
    """DfE's schools with the notional SEN budget from ``schools`` (a file) or ``current`` (the workbook).

    EHCPs, pupils on roll and phase come from DfE; the school name from DfE when it gives one.
    A DfE school with no notional SEN budget anywhere is a problem (named by URN and DfE row).
    """
    base = schools if schools is not None else current
    by_urn = {} if base is None else {int(u): r for u, r in zip(base["urn"], base.to_dict("records"))}
    out = []
    for rec, row in zip(d.frame.to_dict("records"), d.row_numbers):
        known = by_urn.get(int(rec["urn"]))
        nsen = None if known is None else known.get("notional_sen")
        if nsen is None or pd.isna(nsen):
            where = "the schools file" if schools is not None else "the workbook's schools table"
            problems.append(HnbInputError(f"URN {int(rec['urn'])} has no notional SEN budget in {where}: add it "
                                          "(DfE files do not carry it)", source=d.source, row=int(row),
                                          column="URN" if d.layout == "wide" else "school_urn", value=int(rec["urn"])))
            continue
        name = rec["school_name"] or (known.get("school_name") if known else "") or ""
        phase = rec["phase"] or (known.get("phase") if known else "") or ""
        out.append({"urn": int(rec["urn"]), "school_name": name, "phase": phase,
                    "pupils_on_roll": rec["pupils_on_roll"], "ehcp_count": int(rec["ehcp_count"]),
                    "notional_sen": float(nsen)})
    if len(out) != len(d.frame):
        return None
    return pd.DataFrame(out, columns=[c.name for c in SCHOOLS.columns])


__all__ = ["collect", "Collected", "SourceRecord", "expand", "sha256", "merge_schools", "SCHEMAS"]
