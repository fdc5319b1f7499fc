"""Open a DfE "Education, health and care plans" (SEN2) release as published and find its files.

A release is what a modeller downloads from Explore Education Statistics, *Education, health and
care plans* (DfE, published each June;
https://explore-education-statistics.service.gov.uk/find-statistics/education-health-and-care-plans):
the "Download all data" zip **as saved** (read with :mod:`zipfile`, nothing extracted to disk), a
folder of its extracted CSVs, or one CSV from it.

Each CSV's role is recognised **from its header row**, not its name (DfE renames files between
releases). Three generations of layout are known (the column lists in :data:`ROLES`):

* ``2025`` (2025 onwards, wide): ``caseload.csv`` (``breakdown_topic``/``breakdown`` cuts, one
  column per placement, ``ehcplans``), ``sen_needs_all_plans.csv`` (``number_asd`` ...),
  ``newplans.csv``, ``ceased_plans.csv``, ``requests.csv``, ``assessments.csv``;
* ``2023-24`` (the 2023 and 2024 releases, long): "Caseload - establishment type"
  (``establishment_group``, ``establishment_type``, ``ehcp_or_statement``, ``num_caseload``) and
  "Caseload - age groups" (``age``, ``ehcp_or_statement``, ``num_caseload``);
* ``2022`` (2022 and earlier): ``sen2_estab_caseload.csv`` and ``sen2_age_caseload.csv``
  (``establishment_group``/``establishment_type`` or ``characteristic_age``, with ``Total_st``,
  ``Total_ehc``, ``Total_all``: statements and EHC plans counted together until 2018).

Rows are read with pandas as text (``dtype=str``), only the columns a cut needs (``usecols``), in
chunks, keeping only the chosen authority's rows before any number is converted. Encoding: UTF-8
(the 2025 files start with a byte-order mark), else Windows-1252 (the rule of
:mod:`hnb_xl.tables.files`). Row numbers are the file's own: the header is row 1.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ...errors import HnbInputError
from ...tables.files import decode

CHUNK_ROWS = 50_000
IDENTITY = ("time_period", "geographic_level", "country_name", "region_name", "la_name", "old_la_code",
            "new_la_code")


@dataclass(frozen=True)
class Role:
    """One kind of file in a release: its layout generation, its name as published and the headers
    (lower case) that identify it."""
    name: str
    layout: str
    published_as: str
    headers: tuple[str, ...]
    time_identifier: str | None = None   # the first row's time_identifier must start with this


ROLES = (
    Role("caseload", "2025", "caseload.csv", ("breakdown_topic", "breakdown", "ehcplans", "mainstream_total")),
    Role("needs", "2025", "sen_needs_all_plans.csv", ("breakdown_topic", "breakdown", "ehc_plans", "number_asd"),
         time_identifier="academic"),
    Role("newplans", "2025", "newplans.csv", ("breakdown_topic", "breakdown", "new_ehc_plans", "mainstream_total")),
    Role("ceased", "2025", "ceased_plans.csv", ("breakdown_topic", "breakdown", "total_ceased")),
    Role("requests", "2025", "requests.csv", ("breakdown_topic", "breakdown", "requests_received_in_year")),
    Role("assessments", "2025", "assessments.csv", ("breakdown_topic", "breakdown", "assess_in_year")),
    Role("estab", "2023-24", "Caseload - establishment type",
         ("establishment_group", "establishment_type", "ehcp_or_statement", "num_caseload")),
    Role("age", "2023-24", "Caseload - age groups", ("age", "ehcp_or_statement", "num_caseload")),
    Role("estab", "2022", "sen2_estab_caseload.csv", ("establishment_group", "establishment_type", "total_all")),
    Role("age", "2022", "sen2_age_caseload.csv", ("characteristic_age", "total_all")),
)
KNOWN_NAMES = {r.published_as.lower() for r in ROLES if r.published_as.endswith(".csv")}
LAYOUTS = {"2025": "2025 onwards", "2023-24": "2023 and 2024", "2022": "2022 and earlier"}


def expected_text() -> str:
    """What a release must hold, in one line (for messages)."""
    return ("expected DfE's 'Education, health and care plans' (SEN2) release: the 'Download all data' zip, "
            "its folder, or one of its caseload CSVs (caseload.csv with breakdown_topic, breakdown, ehcplans; "
            "a 2023/24 'Caseload' file with establishment_group, establishment_type, ehcp_or_statement, num_caseload; "
            "or sen2_estab_caseload.csv with establishment_group, establishment_type, Total_all)")


@dataclass
class Member:
    """One CSV of the release: where it is, its name in messages, its header (as written and
    lower-cased) and its role (None when not a SEN2 file this reader uses)."""
    source: str
    name: str
    headers: list[str]
    role: Role | None
    _zip: zipfile.ZipFile | None = None
    _path: Path | None = None

    def raw(self) -> bytes:
        if self._zip is not None:
            try:
                return self._zip.read(self.name)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise _damaged(self.source.split("/")[0], exc) from None
        return self._path.read_bytes()

    def rows(self, columns, keep=None) -> pd.DataFrame:
        """The member's rows as text, only ``columns`` (lower-case names) plus ``_row`` (the file's row
        number, header = row 1), filtered chunk by chunk by ``keep(frame) -> bool mask`` when given."""
        lower = [h.lower() for h in self.headers]
        wanted = [c for c in dict.fromkeys(columns) if c in lower]
        actual = [self.headers[lower.index(c)] for c in wanted]
        raw = self.raw()
        encoding, _ = decode(raw[:1 << 16], partial=True)
        reader = pd.read_csv(io.BytesIO(raw), dtype=str, usecols=actual, keep_default_na=False,
                             encoding=encoding, chunksize=CHUNK_ROWS, encoding_errors="replace")
        parts = []
        try:
            for chunk in reader:
                chunk.columns = [c.lower().lstrip("\ufeff") for c in chunk.columns]
                chunk["_row"] = chunk.index + 2
                parts.append(chunk[keep(chunk)] if keep is not None else chunk)
        except (pd.errors.ParserError, UnicodeError) as exc:
            raise HnbInputError(f"cannot be read as CSV ({' '.join(str(exc).split())})", source=self.source) from None
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*wanted, "_row"])
        return frame


def _damaged(name: str, exc) -> HnbInputError:
    return HnbInputError(f"the zip file is damaged or incomplete (a truncated download?): {' '.join(str(exc).split())}; "
                         "download the release again ('Download all data')", source=name)


def header_of(raw_start: bytes) -> list[str]:
    """The first non-blank CSV row of a file's first bytes, each cell stripped (and the UTF-8 BOM
    of DfE's 2025 files dropped): the headers :func:`classify` reads the layout from."""
    _, text = decode(raw_start, partial=True)
    for row in csv.reader(io.StringIO(text)):
        if any(c.strip() for c in row):
            return [c.strip().lstrip("\ufeff").strip() for c in row]
        break
    return []


def _first_value(raw_start: bytes, headers: list[str], column: str) -> str:
    _, text = decode(raw_start, partial=True)
    rows = csv.reader(io.StringIO(text))
    next(rows, None)
    first = next(rows, None)
    lower = [h.lower() for h in headers]
    if first and column in lower and lower.index(column) < len(first):
        return first[lower.index(column)].strip().lower()
    return ""


def classify(headers: list[str], raw_start: bytes = b"") -> Role | None:
    """The role whose identifying headers (and identity columns) the file has, or None."""
    lower = {h.lower() for h in headers}
    for role in ROLES:
        if set(role.headers) <= lower and {"time_period", "la_name"} <= lower:
            if role.time_identifier and not _first_value(raw_start, headers, "time_identifier").startswith(
                    role.time_identifier):
                continue
            return role
    return None


def nearest_role(headers: list[str]) -> tuple[Role, list[str]]:
    """The role a wrongly-headed file is closest to, and the headers it lacks."""
    lower = {h.lower() for h in headers}
    best = None
    for role in ROLES:
        need = [*IDENTITY[:1], "la_name", *role.headers]
        missing = [h for h in need if h not in lower]
        if best is None or len(missing) < len(best[1]):
            best = (role, missing)
    return best


def _wrong_headers(source: str, headers: list[str]) -> HnbInputError:
    role, missing = nearest_role(headers)
    hints = []
    for m in missing:
        close = difflib.get_close_matches(m, [h.lower() for h in headers], n=1, cutoff=0.75)
        hints.append(f"'{m}'" + (f" (found '{close[0]}')" if close else ""))
    return HnbInputError(f"not a SEN2 file this reader knows: the {LAYOUTS[role.layout]} {role.published_as} layout "
                         f"needs column(s) {', '.join(hints)}; {expected_text()}", source=source)


@dataclass
class Release:
    """The CSVs of one release, by role. ``source`` names it in messages (the zip's or folder's name)."""
    source: str
    members: list[Member]

    def find(self, name: str) -> Member | None:
        """The member playing role ``name`` (caseload, needs, newplans, ceased, requests, assessments,
        estab, age), in the newest layout present."""
        for m in self.members:
            if m.role is not None and m.role.name == name:
                return m
        return None

    @property
    def layout(self) -> str:
        layouts = [m.role.layout for m in self.members if m.role is not None]
        return layouts[0]


def open_release(path) -> Release:
    """Open a zip, a folder or one CSV of a SEN2 release; raise :class:`HnbInputError` (one line
    naming the file and what was expected) when it is none of these."""
    p = Path(path)
    if not p.exists():
        raise HnbInputError(f"file not found; {expected_text()}", source=str(path))
    members: list[Member] = []
    if p.is_dir():
        for f in sorted(p.rglob("*.csv")):
            with f.open("rb") as fh:
                start = fh.read(1 << 16)
            headers = header_of(start)
            members.append(Member(f"{p.name}/{f.relative_to(p).as_posix()}", f.name, headers,
                                  classify(headers, start), _path=f))
    elif zipfile.is_zipfile(p) or p.suffix.lower() == ".zip":
        try:
            zf = zipfile.ZipFile(p)
            names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
            for n in names:
                with zf.open(n) as fh:
                    start = fh.read(1 << 16)
                headers = header_of(start)
                members.append(Member(f"{p.name}/{n}", n, headers, classify(headers, start), _zip=zf))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise _damaged(p.name, exc) from None
    else:
        with p.open("rb") as fh:
            start = fh.read(1 << 16)
        headers = header_of(start)
        role = classify(headers, start)
        if role is None:
            raise _wrong_headers(p.name, headers)
        members.append(Member(p.name, p.name, headers, role, _path=p))
    # a file named as a release's caseload file but headed otherwise is an error, not silently skipped
    for m in members:
        if m.role is None and Path(m.name).name.lower() in KNOWN_NAMES:
            raise _wrong_headers(m.source, m.headers)
    if not any(m.role is not None for m in members):
        raise HnbInputError(f"holds no SEN2 caseload file; {expected_text()}", source=p.name)
    layouts = {m.role.layout for m in members if m.role is not None}
    if len(layouts) > 1:
        raise HnbInputError(f"mixes files of different releases ({', '.join(LAYOUTS[x] for x in sorted(layouts))}); "
                            "give one release at a time", source=p.name)
    return Release(p.name, members)


def provenance(path) -> dict:
    """What a workbook's Logs should record of a release: ``file`` (its name), ``sha256`` (of the file's
    bytes: a zip or one CSV; a folder has none), ``reporting_year`` (from the data guidance's second
    line, "Reporting year 2025", when the release holds it) and ``files_dated`` (the newest date of
    the zip's members, ISO format, e.g. 2025-07-01 for the 2025 release)."""
    p = Path(path)
    out = {"file": p.name, "sha256": None, "reporting_year": None, "files_dated": None}
    if p.is_file():
        out["sha256"] = hashlib.sha256(p.read_bytes()).hexdigest()
    guidance = None
    if p.is_file() and zipfile.is_zipfile(p):
        try:
            with zipfile.ZipFile(p) as zf:
                infos = zf.infolist()
                if infos:
                    y, m, d = max(i.date_time for i in infos)[:3]
                    out["files_dated"] = f"{y:04d}-{m:02d}-{d:02d}"
                name = next((i.filename for i in infos if i.filename.lower().endswith("data-guidance.txt")), None)
                if name:
                    guidance = zf.read(name)[:4096]
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise _damaged(p.name, exc) from None
    elif p.is_dir():
        found = sorted(p.rglob("data-guidance.txt"))
        guidance = found[0].read_bytes()[:4096] if found else None
    if guidance:
        m = re.search(r"Reporting year (\d{4})", decode(guidance, partial=True)[1])
        out["reporting_year"] = int(m.group(1)) if m else None
    return out
