"""EHCP counts from DfE's SEN2 release as a refresh source (``hnb-xl refresh WORKBOOK RELEASE.zip --la LA``).

DfE publishes every authority's EHC plans at the January census each June ("Education, health and
care plans", https://explore-education-statistics.service.gov.uk/find-statistics/education-health-and-care-plans);
:mod:`hnb_xl.sources.sen2` reads the release as saved. Here a release fills the EHCP column
(``ehcp_count``) of the workbook's history table and the Inputs' placement history (EHC plans by
the DSG plan's seven categories at each census, :func:`placement_rows`), nothing else:

* the January census of year Y is the count of financial year (Y-1)-Y (January 2022 = 2021-22,
  :func:`hnb_xl.sources.sen2.history`), so each census fills the history row of that financial
  year; the money columns stay as the history table (or a history source given with it) has them;
* a census year with no history row (no outturn for it yet) is not added (a history row needs
  its money), and a count the release does not know (DfE's ``x``, ``c``, ...) leaves the
  workbook's figure: both are said in the refresh's notes;
* a count the release revises (the seed's 5,327 for 2020-21 is 5,292 in the 2025 release) is an
  ordinary change of the history table: the dry run lists it old -> new and the Logs record it;
* the authority is ``--la`` (name, old or new code), else the workbook's own ``authority_code``
  parameter (``authority_name`` when it has no code; the parameters a source of the same refresh
  gives, else the Inputs sheet's), so the Cover's button needs no option. A release authority
  other than the workbook's ``authority_code`` is refused: another council's counts never land in
  this council's history unnoticed;
* the placement history gets every census the release has (the newest ``max_rows`` when it has
  more, ``hnb_xl.workbook.layout.INPUT_TABLES["placement_history"]``), a count DfE does not give
  left blank, never 0; a refresh without a release leaves the table as it is.

A source is a release when it is a ``.zip`` file, or a CSV or folder whose headers are SEN2's
(:func:`hnb_xl.sources.sen2.release.classify`). The Logs' data-sources row names the release's
file, SHA-256 and publication (:func:`hnb_xl.sources.sen2.provenance`: reporting year and the
date of its files) and the authority.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ...errors import HnbInputError
from ...sources import sen2
from ...sources.collect import SourceRecord, folder_files
from ...sources.sen2.release import classify, header_of
from ...tables.schema import PLACEMENT_HISTORY
from .. import layout

SEN2_FORMAT = "sen2"
FILLS = "history: EHCPs (January census); placement history"   # what a release gives, as the Logs' data-sources row says


@dataclass
class ReleaseRecord(SourceRecord):
    """A SEN2 release's audit record: the file's as any source's, with its publication."""
    publication: str = ""


def _is_sen2_csv(path: Path) -> bool:
    with path.open("rb") as fh:
        start = fh.read(1 << 16)
    return classify(header_of(start), start) is not None


def is_release(path) -> bool:
    """A ``.zip``; a CSV headed as a SEN2 file; or a folder holding one (at any depth, as DfE's
    zip extracts to ``data/``) whose own top-level source files are all SEN2's (a folder of the
    project's templates stays the templates' even with a release saved inside it)."""
    p = Path(path)
    if p.suffix.lower() == ".zip":
        return True
    if p.is_file():
        return p.suffix.lower() == ".csv" and _is_sen2_csv(p)
    if not p.is_dir():
        return False
    if not all(f.suffix.lower() == ".csv" and _is_sen2_csv(f) for f in folder_files(p)):
        return False
    return any(_is_sen2_csv(f) for f in sorted(p.rglob("*.csv")))


def split_sources(sources) -> tuple[list[Path], list]:
    """(SEN2 releases, every other source) in the order given."""
    releases, others = [], []
    for s in sources:
        if is_release(s):
            releases.append(Path(s))
        else:
            others.append(s)
    return releases, others


def publication(prov: dict, authority: dict) -> str:
    """``SEN2 release, reporting year 2025 (files dated 2025-07-01); Cambridgeshire (873, E10000003)``."""
    when = []
    if prov.get("reporting_year"):
        when.append(f"reporting year {prov['reporting_year']}")
    if prov.get("files_dated"):
        when.append(f"(files dated {prov['files_dated']})")
    codes = ", ".join(str(authority[k]) for k in ("old_la_code", "new_la_code") if authority.get(k))
    who = f"{authority.get('name', '')} ({codes})" if codes else str(authority.get("name", ""))
    return "; ".join(x for x in ("SEN2 release" + (", " + " ".join(when) if when else ""), who) if x)


def fill_history(history: pd.DataFrame, counts: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """``history`` with ``ehcp_count`` from ``counts`` (the release: ``financial_year``, ``census``,
    ``ehcp_count``) for each financial year both hold and the release knows. Returns the frame, the
    census labels used, and notes (years not in history; counts not known)."""
    out = history.copy()
    years = [str(y) for y in out["financial_year"]]
    used, unknown, missing = [], [], []
    for rec in counts.to_dict("records"):
        year, census, n = str(rec["financial_year"]), rec["census"], rec["ehcp_count"]
        if year not in years:
            missing.append(f"{year} ({census})")
            continue
        if n is None or pd.isna(n):
            unknown.append(f"{year} ({census})")
            continue
        out.loc[years.index(year), "ehcp_count"] = int(n)
        used.append(census)
    notes = []
    if missing:
        notes.append(f"the release's counts for {', '.join(missing)} are not filled: the history table has no "
                     "row for them (add each year's outturn row, then refresh again)")
    if unknown:
        notes.append(f"the release does not give a count for {', '.join(unknown)} (a DfE code such as x): the "
                     "workbook's figure is kept")
    return out, used, notes


def _text(v) -> str:
    """A parameter value as text: 873.0 -> "873", blank -> ""."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def workbook_authority(parameters: pd.DataFrame | None) -> tuple[str, str]:
    """(authority_code, authority_name) of a parameters table (``name``, ``value``), "" where absent."""
    if parameters is None or "name" not in parameters:
        return "", ""
    values = {str(n).strip(): v for n, v in zip(parameters["name"], parameters["value"])}
    return _text(values.get("authority_code")), _text(values.get("authority_name"))


def apply_releases(got, releases: list[Path], *, la: str | None, current_history: pd.DataFrame | None,
                   current_parameters: pd.DataFrame | None = None) -> None:
    """Fill ``got.tables["history"]`` (the history source given, else the workbook's ``current_history``)
    from each release; its audit record and notes join ``got``; problems join ``got.problems``.
    The authority: ``la``, else the workbook's (:func:`workbook_authority` of the parameters source
    given, else of ``current_parameters``)."""
    given, held = workbook_authority(got.tables.get("parameters")), workbook_authority(current_parameters)
    code, name = given[0] or held[0], given[1] or held[1]
    for path in releases:
        chosen = la or code or name
        if not chosen:
            got.problems.append(HnbInputError("a SEN2 release holds every local authority: give --la NAME_OR_CODE "
                                              "(e.g. Cambridgeshire, 873 or E10000003; the workbook has no "
                                              "authority_code parameter to take)", source=str(path)))
            continue
        try:
            table = sen2.history(path, chosen, "total")
            prov = sen2.provenance(path)
        except HnbInputError as exc:
            got.problems.extend(exc.problems or [exc])
            continue
        found = str(table.authority.get("old_la_code", ""))
        if code and found and found != code:
            got.problems.append(HnbInputError(
                f"--la {la} is {table.authority.get('name')} ({found}), not the workbook's authority (its "
                f"authority_code parameter is {code}{', ' + name if name else ''}): give --la {code}, or refresh "
                "the parameters with this authority's name and code first", source=str(path)))
            continue
        base = got.tables.get("history", current_history)
        if base is None:
            got.problems.append(HnbInputError("the workbook has no history table for the release's EHCP counts",
                                              source=str(path)))
            continue
        base = base[base["financial_year"].notna() & (base["financial_year"] != "")].reset_index(drop=True)
        filled, used, notes = fill_history(base, table.frame)
        got.tables["history"] = filled
        origin = got.origin.get("history", "the workbook's history table")
        got.origin["history"] = f"{origin} + EHCPs from {path.name}"
        try:
            placement = sen2.history(path, chosen, "placement")
        except HnbInputError as exc:
            got.problems.extend(exc.problems or [exc])
            continue
        rows, kept = placement_rows(placement.frame, f"DfE {publication(prov, {})}, {path.name}; {who(table.authority)}")
        got.tables["placement_history"] = rows
        got.origin["placement_history"] = f"EHC plans by placement from {path.name}"
        rec = ReleaseRecord(str(path), prov.get("sha256") or "", rows_read=len(table.frame), formats=[SEN2_FORMAT],
                            suppressed=dict(Counter(n.code or "blank" for n in [*table.not_known, *placement.not_known])),
                            publication=publication(prov, table.authority) +
                            (f"; history: EHCPs for {used[0]} to {used[-1]}" if used else "") +
                            (f"; placement history: {rows['census'].iloc[0]} to {rows['census'].iloc[-1]}"
                             if len(rows) else ""))
        got.records.append(rec)
        got.notes.extend(f"{path.name}: {n}" for n in [*notes, *kept])


def who(authority: dict) -> str:
    """``Cambridgeshire (873)``: the release's authority by name and old code."""
    code = authority.get("old_la_code")
    return f"{authority.get('name', '')} ({code})" if code else str(authority.get("name", ""))


def placement_rows(frame: pd.DataFrame, source: str) -> tuple[pd.DataFrame, list[str]]:
    """The placement history table's rows (:data:`hnb_xl.tables.schema.PLACEMENT_HISTORY`) from a
    release's placement cut (``financial_year``, ``census``, ``ehcp_count``, the seven): one row a
    census, the total its ``ehcp_count``, a count DfE does not give (x, c, ...) blank, ``source``
    on every row. The workbook's table holds ``max_rows`` censuses: the newest are kept (and a note
    says which were left out)."""
    room = layout.INPUT_TABLES["placement_history"].max_rows
    out = frame.rename(columns={"ehcp_count": "total"})
    out = out[[c.name for c in PLACEMENT_HISTORY.columns if c.name in out.columns]].copy()
    out["source"] = source
    notes = []
    if len(out) > room:
        left = out.iloc[:len(out) - room]
        notes.append(f"the workbook's placement history holds {room} censuses: {left['census'].iloc[0]} to "
                     f"{left['census'].iloc[-1]} are left out (the newest are kept)")
        out = out.iloc[len(out) - room:]
    return out.reset_index(drop=True), notes


__all__ = ["ReleaseRecord", "is_release", "split_sources", "publication", "fill_history", "apply_releases",
           "workbook_authority", "placement_rows", "who",
           "SEN2_FORMAT", "FILLS"]
