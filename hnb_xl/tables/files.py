"""The one reader of input files: a CSV or XLSX file into header + rows, then a validated table.

Every table is read here (the bundled data, the commands' ``--history``/``--schools``/... files,
the safety valve's workstreams, agreement and actuals, the refresh's sources): CSV in UTF-8 (with
or without a byte-order mark), UTF-16 with its byte-order mark (Excel's "Unicode Text"), else
Windows-1252 (what Excel on Windows saves as "CSV"); any line ending (CR alone too); comma, tab or
semicolon between cells; XLSX/XLSM one table per non-empty sheet, reading only the cells a sheet
holds, whatever its stated used range. What a file is comes from its first bytes (an .xlsx named
.csv is read as the workbook it is). Row numbers in messages are the file's own: the header is
row 1 (after any blank rows above it), the first data row 2, a templates' units row skipped but
counted. docs/input-grammar.md ("What the reader accepts") lists the cases and the measurements.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import HnbInputError
from .cells import is_blank
from .schema import Schema, _header_map, check_contiguous_years, normalise_header, to_frame


@dataclass
class RawTable:
    source: str          # "file.csv" or "file.xlsx [Sheet]"
    headers: list
    rows: list[list]
    first_row_number: int  # file row number of rows[0] (1-based, header is the row before)


def read_tables(path) -> list[RawTable]:
    """All tables in a file: one for a CSV, one per non-empty sheet for an XLSX/XLSM.

    What a file is comes from its first bytes, not only its name: a zip archive (``PK``) is read
    as the XLSX it is even when named ``.csv``; an Excel 97-2003 ``.xls`` (an OLE2 compound file)
    is refused with the way out. The header row is the first non-blank row. Raises
    HnbInputError naming the file when it cannot be read.
    """
    p = Path(path)
    if not p.exists():
        raise HnbInputError("file not found", source=str(path))
    if p.is_dir():
        raise HnbInputError("is a folder, expected a CSV or XLSX file", source=str(path))
    suffix = p.suffix.lower()
    with p.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(OLE2_MAGIC):
        raise HnbInputError("is an Excel 97-2003 workbook (.xls): save it as an Excel Workbook (.xlsx) or as "
                            "CSV UTF-8", source=str(path))
    if suffix in (".xlsx", ".xlsm") or magic.startswith(ZIP_MAGIC):
        return _read_xlsx(p)
    if suffix in (".csv", ".txt", ""):
        return [_read_csv(p)]
    raise HnbInputError(f"unsupported file type '{suffix}': expected .csv or .xlsx", source=str(path))


# The first bytes of a zip archive (every .xlsx/.xlsm: ECMA-376 Part 2, Open Packaging Conventions)
# and of an OLE2 compound file (Excel 97-2003 .xls: Microsoft, "[MS-CFB] Compound File Binary
# File Format", section 2.2, header signature D0 CF 11 E0 A1 B1 1A E1).
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Candidate delimiters: comma (RFC 4180), tab (Excel's "Unicode Text" and "Text (Tab delimited)"),
# semicolon (Excel's "CSV" where the list separator is a comma decimal locale's ";").
DELIMITERS = (",", "\t", ";")


def delimiter(header_line: str) -> str:
    """The delimiter of a text table: whichever of :data:`DELIMITERS` the header line holds most
    often (a comma on a tie or when none is there)."""
    counts = [(header_line.count(d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] > 0 else ","


def csv_rows(text: str, delimiter_: str | None = None):
    """The rows of a CSV text: any line ending (``\\r\\n``, ``\\n`` and old-Mac ``\\r``: the csv module's
    own reading with ``newline=""``, Python docs "csv - CSV File Reading and Writing"), the delimiter
    of :func:`delimiter` unless given, and no field-size limit below the text's own length (the csv
    module refuses a field over 131,072 characters; such a cell is judged by its column's rule)."""
    if delimiter_ is None:
        first = next((ln for ln in io.StringIO(text, newline="") if ln.strip(" ,;\t\r\n")), "")
        delimiter_ = delimiter(first)
    csv.field_size_limit(max(csv.field_size_limit(), min(len(text) + 1, 2 ** 31 - 1)))
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_)


def _read_csv(p: Path) -> RawTable:
    raw = p.read_bytes()
    text = decode(raw, partial=False)[1]  # Windows-1252: files saved by Excel on Windows
    if not text.strip():
        raise HnbInputError("is empty: expected a header row and data rows", source=str(p))
    try:
        rows = list(csv_rows(text))
    except csv.Error as exc:            # e.g. a NUL byte: not a text table
        raise HnbInputError(f"cannot be read as CSV ({exc})", source=str(p)) from None
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
        encoding, text = decode(raw, partial=not whole)
        if not whole:
            text = text[: max(text.rfind("\n"), text.rfind("\r")) + 1]  # complete lines only
        for i, row in enumerate(csv_rows(text)):
            if any(c.strip() for c in row):
                return i, [c.strip() for c in row], encoding
        if whole:
            raise HnbInputError("is empty: expected a header row and data rows", source=str(path))
        size *= 4


def decode(raw: bytes, *, partial: bool) -> tuple[str, str]:
    """(encoding, text): UTF-16 when the text starts with its byte-order mark (Excel's "Unicode
    Text" save: Microsoft Support, "File formats that are supported in Excel"), else UTF-8 (BOM
    dropped), else Windows-1252. A ``partial`` prefix may end inside a multi-byte character: up
    to three trailing bytes (one for UTF-16) are ignored."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        body = raw[: len(raw) - len(raw) % 2]
        return "utf-16", body.decode("utf-16", errors="replace")
    for cut in (range(4) if partial else (0,)):
        try:
            return "utf-8-sig", raw[: len(raw) - cut].decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
    return "cp1252", raw.decode("cp1252", errors="replace")


def _split(source: str, rows: list[list]) -> RawTable:
    start = 0
    while start < len(rows) and all(is_blank(c) for c in rows[start]):
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
    """One table per sheet that holds data, reading only the cells the sheet's XML holds.

    The sheet's stated used range is not trusted (``reset_dimensions``): one space typed at
    XFD1048576 makes it 17 billion cells, which openpyxl would pad every row to. Each row is
    read as far as its last cell, rows the XML leaves out are one shared empty row, blank cells
    at a row's end and blank rows after the table's last non-blank row are dropped, so time and
    memory follow the cells that hold data (docs/input-grammar.md gives the measurement)."""
    from openpyxl import load_workbook

    try:
        with p.open("rb") as fh:      # a file object: openpyxl then reads an .xlsx named .csv as well
            wb = load_workbook(fh, read_only=True, data_only=True)
            tables = []
            try:
                for ws in wb.worksheets:
                    rows = _sheet_rows(ws)
                    if rows:
                        tables.append(_split(f"{p} [{ws.title}]", rows))
            finally:
                wb.close()
    except HnbInputError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise HnbInputError(f"cannot be read as an Excel workbook ({exc.__class__.__name__}: {exc})",
                            source=str(p)) from None
    if not tables:
        raise HnbInputError("is empty: no sheet has data", source=str(p))
    return tables


_NO_CELLS: list = []     # a row the sheet's XML leaves out (shared: a million of them cost one list)


def _sheet_rows(ws) -> list[list]:
    """The sheet's rows from row 1 to its last non-blank row, each up to its last non-blank cell."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    rows: list[list] = []
    pending = 0                      # blank rows seen since the last non-blank one
    for r in ws.iter_rows(values_only=True):
        end = len(r)
        while end and is_blank(r[end - 1]):
            end -= 1
        if not end:
            pending += 1
            continue
        if pending:
            rows.extend([_NO_CELLS] * pending)
            pending = 0
        rows.append(list(r[:end]))
    return rows


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


__all__ = ["RawTable", "read_tables", "csv_header", "decode", "load", "matches", "normalise_header", "is_units_row"]
