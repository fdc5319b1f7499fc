"""The one reader of input files: a CSV or XLSX file into header + rows, then a validated table.

Every table is read here (the bundled data, the commands' ``--history``/``--schools``/... files,
the safety valve's workstreams, agreement and actuals, the refresh's sources): CSV in UTF-8 (with
or without a byte-order mark), else Windows-1252 (what Excel on Windows saves as "CSV"); XLSX/XLSM
one table per non-empty sheet. Row numbers in messages are the file's own: the header is row 1
(after any blank rows above it), the first data row 2, a templates' units row skipped but counted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import HnbInputError
from .schema import Schema, _header_map, check_contiguous_years, normalise_header, to_frame


@dataclass
class RawTable:
    source: str          # "file.csv" or "file.xlsx [Sheet]"
    headers: list
    rows: list[list]
    first_row_number: int  # file row number of rows[0] (1-based, header is the row before)


def read_tables(path) -> list[RawTable]:
    """All tables in a file: one for a CSV, one per non-empty sheet for an XLSX/XLSM.

    The header row is the first non-blank row. Raises HnbInputError naming the file when it
    cannot be read.
    """
    p = Path(path)
    if not p.exists():
        raise HnbInputError("file not found", source=str(path))
    if p.is_dir():
        raise HnbInputError("is a folder, expected a CSV or XLSX file", source=str(path))
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(p)
    if suffix in (".csv", ".txt", ""):
        return [_read_csv(p)]
    raise HnbInputError(f"unsupported file type '{suffix}': expected .csv or .xlsx", source=str(path))


def _read_csv(p: Path) -> RawTable:
    raw = p.read_bytes()
    if not raw.strip():
        raise HnbInputError("is empty: expected a header row and data rows", source=str(p))
    text = _decode(raw, partial=False)[1]  # Windows-1252: files saved by Excel on Windows
    rows = list(csv.reader(io.StringIO(text)))
    return _split(str(p), rows)


HEADER_PEEK_BYTES = 1 << 16


def csv_header(path) -> tuple[int, list[str], str]:
    """(0-based line of the header, headers, encoding) of a CSV file, reading only its first bytes
    (a national DfE file is over 100 MB: detection must not read it whole).

    The header is the first non-blank row; the encoding is UTF-8 (with or without BOM), else
    Windows-1252. Raises HnbInputError naming the file when it has no header row.
    """
    p = Path(path)
    size = HEADER_PEEK_BYTES
    while True:
        with p.open("rb") as fh:
            raw = fh.read(size)
        whole = len(raw) < size
        encoding, text = _decode(raw, partial=not whole)
        if not whole:
            text = text[: text.rfind("\n") + 1]  # complete lines only
        for i, row in enumerate(csv.reader(io.StringIO(text))):
            if any(c.strip() for c in row):
                return i, [c.strip() for c in row], encoding
        if whole:
            raise HnbInputError("is empty: expected a header row and data rows", source=str(path))
        size *= 4


def _decode(raw: bytes, *, partial: bool) -> tuple[str, str]:
    """(encoding, text): UTF-8 (BOM dropped), else Windows-1252. A ``partial`` prefix may end inside
    a multi-byte UTF-8 character: up to three trailing bytes are ignored."""
    for cut in (range(4) if partial else (0,)):
        try:
            return "utf-8-sig", raw[: len(raw) - cut].decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
    return "cp1252", raw.decode("cp1252", errors="replace")


def _split(source: str, rows: list[list]) -> RawTable:
    start = 0
    while start < len(rows) and all(str(c).strip() == "" for c in rows[start]):
        start += 1
    if start == len(rows):
        raise HnbInputError("is empty: expected a header row and data rows", source=source)
    headers = [str(c).strip() if c is not None else "" for c in rows[start]]
    body = start + 1
    if body < len(rows) and is_units_row(rows[body]):
        body += 1  # the templates' row of units under the headers ("[£]", "[fraction]") is not data
    return RawTable(source, headers, [list(r) for r in rows[body:]], body + 1)


def is_units_row(row) -> bool:
    """True for a templates' units row: every non-blank cell is written in square brackets ("[£]")."""
    cells = [str(c).strip() for c in row if c is not None and str(c).strip() != ""]
    return bool(cells) and all(c.startswith("[") and c.endswith("]") for c in cells)


def _read_xlsx(p: Path) -> list[RawTable]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise HnbInputError(f"cannot be read as an Excel workbook ({exc.__class__.__name__}: {exc})",
                            source=str(p)) from None
    tables = []
    try:
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            if not any(any(c not in (None, "") for c in r) for r in rows):
                continue
            tables.append(_split(f"{p} [{ws.title}]", rows))
    finally:
        wb.close()
    if not tables:
        raise HnbInputError("is empty: no sheet has data", source=str(p))
    return tables


def matches(schema: Schema, headers: list) -> bool:
    """True when every required column of ``schema`` can be found in ``headers``."""
    try:
        _header_map(schema, headers, "")
        return True
    except HnbInputError:
        return False


def load(schema: Schema, path, *, keep_unknown: bool = False) -> pd.DataFrame:
    """Read and validate one table of ``schema`` from ``path`` (the first sheet that matches it,
    or the only table). Errors name the file, row and column. The frame's ``attrs`` carry the
    ``source`` (file, and sheet) and each record's ``row_numbers`` (header = row 1), for messages
    about it later. ``keep_unknown``: see :func:`~hnb_xl.tables.schema.to_frame`."""
    tables = read_tables(path)
    chosen = next((t for t in tables if matches(schema, t.headers)), tables[0])
    frame = to_frame(schema, chosen.headers, chosen.rows, source=chosen.source,
                     first_row_number=chosen.first_row_number, keep_unknown=keep_unknown)
    if schema.contiguous_years:
        check_contiguous_years(frame, chosen.source)
    return frame


__all__ = ["RawTable", "read_tables", "csv_header", "load", "matches", "normalise_header", "is_units_row"]
