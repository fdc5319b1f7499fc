"""DfE "Special educational needs in England" school-level underlying data -> the schools table.

Two layouts are published by DfE, *Special educational needs in England* (Explore Education Statistics,
https://explore-education-statistics.service.gov.uk/find-statistics/special-educational-needs-in-england):

* **wide** (up to 2024, ``sen_school_level_underlying_data.csv``): one row per school with
  ``URN, laestab, la_name, new_la_code, old_la_code, phase_type_grouping, type_of_establishment,
  Total pupils, SEN support, EHC plan`` and optional ``EHC_Primary_need_*`` breakdowns;
* **long** (from 2025): one row per school and category with ``school_urn, sen_provision,
  sen_primary_need, pupil_count`` (about 760,000 rows nationally).

Both are filtered to ONE local authority (by ``la_name``, ``new_la_code`` such as E10000003,
``old_la_code`` such as 873, or the first three digits of ``laestab``) and reduced to one row per
school: ``urn, school_name, phase, pupils_on_roll, sen_support, ehcp_count``. DfE files carry no
notional SEN budget: refresh takes it from a schools file or the workbook's current table.

DfE's codes in number columns are handled explicitly and counted per code:

* ``z`` (not applicable) -> 0;
* ``x`` (not available), ``c`` (confidential) and ``low`` (a small number, suppressed) in an EHCP
  count (the wide layout's ``EHC plan``, the long layout's ``EHC plan`` rows) are an ERROR by default
  (``suppressed_policy="error"``): the SEND Contingency pays per EHCP, and a suppressed count read
  as 0 would silently pay a school nothing. One problem names the first such cell (file, row,
  column), how many there are, and the option that reads them as 0 (:data:`ZERO_OPTION`);
  ``suppressed_policy="zero"`` reads them as 0 and counts them. In the other count columns (total
  pupils, SEN support, the primary-need breakdown) they are 0 and counted either way.

Large files are read with pandas in chunks, every column categorical (a national file repeats a few
hundred distinct values), keeping only the chosen authority's rows, with a tqdm progress bar on
the console for files over a few thousand rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import HnbInputError
from ..tables.schema import normalise_header
from ..tables.files import csv_header

SUPPRESSION_CODES = ("z", "x", "c", "low")
SUPPRESSED_POLICIES = ("error", "zero")
ZERO_OPTION = "--suppressed zero"      # the refresh option that reads suppressed EHCP counts as 0
SUPPRESSED = "is suppressed"
PROGRESS_MIN_ROWS = 5000
CHUNK_ROWS = 250_000

# normalised header -> role; the first alias found in a file wins
WIDE_COLUMNS = {
    "urn": ("urn",),
    "la_name": ("laname",),
    "new_la_code": ("newlacode",),
    "old_la_code": ("oldlacode", "lacode"),
    "laestab": ("laestab",),
    "school_name": ("schoolname", "establishmentname"),
    "phase": ("phasetypegrouping",),
    "type_of_establishment": ("typeofestablishment",),
    "pupils_on_roll": ("totalpupils",),
    "sen_support": ("sensupport",),
    "ehcp_count": ("ehcplan",),
    "time_period": ("timeperiod",),
}
WIDE_REQUIRED = ("urn", "la_name", "pupils_on_roll", "sen_support", "ehcp_count")

LONG_COLUMNS = {
    "urn": ("schoolurn",),
    "la_name": ("laname",),
    "new_la_code": ("newlacode",),
    "old_la_code": ("oldlacode",),
    "laestab": ("laestab", "schoollaestab"),
    "school_name": ("schoolname", "establishmentname"),
    "phase": ("phasetypegrouping",),
    "sen_provision": ("senprovision",),
    "sen_primary_need": ("senprimaryneed",),
    "pupil_count": ("pupilcount",),
    "time_period": ("timeperiod",),
}
LONG_REQUIRED = ("urn", "sen_provision", "sen_primary_need", "pupil_count")

# DfE's spellings of the categories in the long layout (compared after normalise_header)
EHCP_PROVISION = {"ehcplan", "ehcp", "educationhealthandcareplan", "ehcplans"}
SUPPORT_PROVISION = {"sensupport"}
TOTAL_PROVISION = {"total", "allpupils", "totalpupils", "all"}
NO_SEN_PROVISION = {"nosen", "nospecialeducationalneeds"}
TOTAL_NEED = {"total", "all", "allneeds", "allprimaryneeds"}


@dataclass
class DfeSchools:
    """The schools of one authority read from a DfE file, and what reading it found."""
    frame: pd.DataFrame                 # urn, school_name, phase, pupils_on_roll, sen_support, ehcp_count
    source: str
    layout: str                         # "wide" or "long"
    rows_read: int                      # data rows in the file (all authorities)
    la: str                             # the authority matched, as the file names it
    suppressed: dict = field(default_factory=dict)   # code -> cells (in the chosen authority's rows)
    problems: list = field(default_factory=list)     # HnbInputError, collected, not raised
    row_numbers: list = field(default_factory=list)  # file row of each school (first row seen)


def column_roles(headers: list, layout: str) -> dict[str, int]:
    table = WIDE_COLUMNS if layout == "wide" else LONG_COLUMNS
    norm = [normalise_header(h) for h in headers]
    found = {}
    for role, aliases in table.items():
        for i, h in enumerate(norm):
            if h in aliases:
                found[role] = i
                break
    return found


def required_roles(layout: str) -> tuple[str, ...]:
    return WIDE_REQUIRED if layout == "wide" else LONG_REQUIRED


def required_headers(layout: str) -> list[str]:
    """Headers as DfE writes them, for messages."""
    if layout == "wide":
        return ["URN", "la_name", "Total pupils", "SEN support", "EHC plan"]
    return ["school_urn", "sen_provision", "sen_primary_need", "pupil_count"]


def _count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


def _category_mask(values: pd.Series, test) -> np.ndarray:
    """Boolean mask of ``values`` (a categorical column) where ``test`` holds, evaluated once per
    distinct value (a national file has ~150 authorities in 760,000 rows), not once per row."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("category")
    cats = pd.Series(values.cat.categories, dtype=object).astype(str)
    hit = np.append(test(cats).to_numpy(dtype=bool), False)  # code -1 (blank cell) -> False
    return hit[values.cat.codes.to_numpy()]


def _la_mask(frame: pd.DataFrame, la: str) -> np.ndarray:
    key = str(la).strip().lower()
    mask = np.zeros(len(frame), dtype=bool)
    for col in ("la_name", "new_la_code", "old_la_code"):
        if col in frame:
            mask |= _category_mask(frame[col], lambda c: c.str.strip().str.lower().eq(key))
    if "laestab" in frame and key.isdigit() and len(key) == 3:
        mask |= _category_mask(frame["laestab"], lambda c: c.str.strip().str[:3].eq(key))
    return mask


def _authorities(frame: pd.DataFrame) -> set[str]:
    for col in ("la_name", "new_la_code", "old_la_code"):
        if col in frame:
            return {str(v).strip() for v in frame[col].dropna().unique()}
    if "laestab" in frame:
        return {str(v).strip()[:3] for v in frame["laestab"].dropna().unique()}
    return set()


def _numbers(values: pd.Series, rows: pd.Series, *, source: str, column: str, suppressed: dict,
             problems: list, policy: str, ehcp=None) -> pd.Series:
    """Vectorised conversion of a count column: DfE codes handled and counted, bad text listed.
    ``ehcp``: a mask of the cells that are EHCP counts (None: none), where a suppressed code is a
    problem unless ``policy`` is "zero" (the others are 0 and counted)."""
    text = values.astype("string").str.strip()
    lower = text.str.lower()
    out = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype(float)
    for code in SUPPRESSION_CODES:
        hit = lower.eq(code).fillna(False)
        n = int(hit.sum())
        if not n:
            continue
        suppressed[code] = suppressed.get(code, 0) + n
        out[hit] = 0.0
        if code != "z" and policy != "zero" and ehcp is not None:
            for r in rows[hit & np.asarray(ehcp, dtype=bool)].tolist():
                problems.append(HnbInputError(f"{SUPPRESSED} ('{code}'): expected an EHCP count", source=source,
                                              row=int(r), column=column, value=code))
    blank = text.isna() | text.eq("")
    bad = out.isna() & ~blank
    for r, v in zip(rows[bad].tolist(), text[bad].tolist()):
        problems.append(HnbInputError(f"expected a count (a whole number, or one of DfE's codes "
                                      f"{', '.join(SUPPRESSION_CODES)}), got {v!r}", source=source, row=int(r),
                                      column=column, value=v))
    neg = (out < 0).fillna(False)
    for r, v in zip(rows[neg].tolist(), text[neg].tolist()):
        problems.append(HnbInputError(f"expected a count of 0 or more, got {v!r}", source=source, row=int(r),
                                      column=column, value=v))
    frac = (out.notna() & (out % 1 != 0)).fillna(False)
    for r, v in zip(rows[frac].tolist(), text[frac].tolist()):
        problems.append(HnbInputError(f"expected a whole number, got {v!r}", source=source, row=int(r),
                                      column=column, value=v))
    return out


def _urns(values: pd.Series, rows: pd.Series, *, source: str, column: str, problems: list) -> pd.Series:
    text = values.astype("string").str.strip()
    num = pd.to_numeric(text, errors="coerce")
    blank = text.isna() | text.eq("")
    for r in rows[blank].tolist():
        problems.append(HnbInputError("is blank: every school needs a URN", source=source, row=int(r), column=column))
    bad = ~blank & (num.isna() | (num <= 0) | (num % 1 != 0)).fillna(True)
    for r, v in zip(rows[bad].tolist(), text[bad].tolist()):
        problems.append(HnbInputError(f"expected a URN (a positive whole number), got {v!r}", source=source,
                                      row=int(r), column=column, value=v))
    return num.where(~bad & ~blank)


def _read_filtered(path: Path, layout: str, la: str | None, progress: bool):
    """Read only the roles' columns (and, in the wide layout, the EHC_Primary_need_* columns, by
    header), in chunks, keeping the chosen authority's rows.

    Every column is parsed as a pandas categorical: a national file repeats a few hundred authority
    names, phases, categories and counts across 760,000 rows, so a chunk costs one small integer
    per cell, and the authority filter compares each distinct value once. Only the kept rows are
    turned back into plain text (object columns, blanks as NaN) for validation. A file that is not
    UTF-8 beyond its first bytes is read again as Windows-1252 (what Excel on Windows saves).

    Returns (frame with role names + '_row' file row numbers, header list, roles, rows_read, authorities seen).
    """
    header_idx, headers, encoding = csv_header(path)
    roles = column_roles(headers, layout)
    names = {i: role for role, i in roles.items()}
    for h in (_need_columns(headers) if layout == "wide" else ()):
        names.setdefault(headers.index(h), h)
    total_lines = _count_lines(path) if progress else 0
    for enc in dict.fromkeys((encoding, "cp1252")):
        try:
            frame, rows_read, seen = _scan(path, header_idx, names, enc, la, total_lines)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise HnbInputError("cannot be decoded as UTF-8 or Windows-1252 text", source=str(path))
    if not rows_read:
        raise HnbInputError("has a header row but no data rows", source=str(path))
    return frame, headers, roles, rows_read, seen


def _scan(path: Path, header_idx: int, names: dict, encoding: str, la: str | None, total_lines: int):
    bar = None
    if total_lines > PROGRESS_MIN_ROWS:
        from tqdm import tqdm
        bar = tqdm(total=max(total_lines - header_idx - 1, 0), unit="rows", desc=path.name, leave=False)
    usecols = sorted(names)
    kept, rows_read, seen = [], 0, set()
    try:
        with pd.read_csv(path, skiprows=header_idx + 1, header=None, usecols=usecols,
                         dtype={i: "category" for i in usecols}, keep_default_na=False, na_values=[""],
                         skip_blank_lines=False, encoding=encoding, chunksize=CHUNK_ROWS) as reader:
            for chunk in reader:
                chunk = chunk.rename(columns=names)
                codes = np.column_stack([chunk[c].cat.codes.to_numpy() for c in chunk.columns])
                blank = (codes == -1).all(axis=1)  # an empty line (skip_blank_lines=False keeps row numbers)
                rows_read += int((~blank).sum())
                if la is None:
                    keep = ~blank
                    seen |= _authorities(chunk)
                else:
                    keep = _la_mask(chunk, la)
                    if not keep.all():
                        seen |= _authorities(chunk)
                part = chunk[keep].astype(object)
                # file row numbers (1-based; the header is line header_idx + 1)
                part["_row"] = np.flatnonzero(keep) + int(chunk.index[0]) + header_idx + 2
                kept.append(part)
                if bar is not None:
                    bar.update(len(chunk))
    except pd.errors.EmptyDataError:  # nothing under the header
        pass
    finally:
        if bar is not None:
            bar.close()
    frame = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=[*names.values(), "_row"])
    frame["_row"] = frame["_row"].astype("int64")
    return frame, rows_read, seen


def _choose_la(frame: pd.DataFrame, la: str | None, seen: set, source: str) -> tuple[pd.DataFrame, str]:
    if la is None:
        las = _authorities(frame)
        if len(las) > 1:
            shown = ", ".join(sorted(las)[:8]) + (", ..." if len(las) > 8 else "")
            raise HnbInputError(f"holds {len(las)} local authorities ({shown}): choose one with --la NAME or CODE",
                                source=source)
        return frame, (next(iter(las)) if las else "")
    if frame.empty:
        import difflib
        hint = difflib.get_close_matches(str(la), sorted(seen), n=1, cutoff=0.6)
        extra = f"; did you mean '{hint[0]}'?" if hint else ""
        raise HnbInputError(f"has no rows for local authority '{la}' (matched against la_name, new_la_code, "
                            f"old_la_code and laestab){extra}", source=source, column="la_name")
    name = frame["la_name"].dropna().iloc[0] if "la_name" in frame and frame["la_name"].notna().any() else str(la)
    return frame, str(name)


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[col].fillna("").astype(str).str.strip()


def read_wide(path, la: str | None = None, *, suppressed_policy: str = "error", progress: bool = True) -> DfeSchools:
    """One row per school (the layout up to 2024). EHC plan + SEN support must not exceed Total pupils,
    and the EHC_Primary_need_* columns (when present) must add up to EHC plan."""
    path = Path(path)
    source = str(path)
    frame, headers, roles, rows_read, seen = _read_filtered(path, "wide", la, progress)
    _missing(roles, "wide", headers, source)
    frame, la_name = _choose_la(frame, la, seen, source)
    problems: list = []
    suppressed: dict = {}
    rows = frame["_row"]
    head = {role: headers[i] for role, i in roles.items()}
    urn = _urns(frame["urn"], rows, source=source, column=head["urn"], problems=problems)
    out = pd.DataFrame({"urn": urn, "school_name": _text(frame, "school_name"), "phase": _text(frame, "phase")})
    _check_policy(suppressed_policy)
    for role in ("pupils_on_roll", "sen_support", "ehcp_count"):
        out[role] = _numbers(frame[role], rows, source=source, column=head[role], suppressed=suppressed,
                             problems=problems, policy=suppressed_policy,
                             ehcp=np.ones(len(frame), dtype=bool) if role == "ehcp_count" else None)
    # stated totals: EHC plan + SEN support <= Total pupils
    over = (out["ehcp_count"] + out["sen_support"] > out["pupils_on_roll"]).fillna(False)
    for r, e, s, t in zip(rows[over], out["ehcp_count"][over], out["sen_support"][over], out["pupils_on_roll"][over]):
        problems.append(HnbInputError(f"EHC plan {e:.0f} + SEN support {s:.0f} exceeds the stated Total pupils "
                                      f"{t:.0f}", source=source, row=int(r), column=head["pupils_on_roll"]))
    _check_need_breakdown(headers, frame, out, head, source, suppressed, problems, suppressed_policy)
    _check_duplicates(out, rows, source, head["urn"], problems)
    return DfeSchools(_finish(out), source, "wide", rows_read, la_name, suppressed, _one_suppression(problems),
                      rows.tolist())


def _check_policy(policy: str) -> None:
    if policy not in SUPPRESSED_POLICIES:
        raise ValueError(f"suppressed_policy must be one of {', '.join(SUPPRESSED_POLICIES)}, got {policy!r}")


def _one_suppression(problems: list) -> list:
    """The suppressed EHCP counts as ONE problem (a national file can hold hundreds): the first
    cell's file, row and column, how many cells there are, and the option that reads them as 0."""
    hits = [p for p in problems if p.message.startswith(SUPPRESSED)]
    if not hits:
        return problems
    first = hits[0]
    more = f"; {len(hits) - 1} more suppressed EHCP count(s) in this file" if len(hits) > 1 else ""
    one = HnbInputError(f"{first.message}{more}: DfE suppresses small numbers; give {ZERO_OPTION} to read them "
                        "as 0 (counted in the refresh log)", source=first.source, row=first.row, column=first.column,
                        value=first.value)
    return [one if p is first else p for p in problems if p is first or not p.message.startswith(SUPPRESSED)]


def _need_columns(headers: list) -> list[str]:
    return [h for h in headers if normalise_header(h).startswith("ehcprimaryneed")]


def _check_need_breakdown(headers, frame, out, head, source, suppressed, problems, policy):
    """EHC_Primary_need_* columns, when the file has them, must add up to EHC plan."""
    need_cols = _need_columns(headers)
    if not need_cols or frame.empty:
        return
    extra = frame[need_cols].reset_index(drop=True)
    rows = frame["_row"].reset_index(drop=True)
    total = pd.Series(0.0, index=extra.index)
    for c in need_cols:
        total += _numbers(extra[c], rows, source=source, column=c, suppressed=suppressed, problems=problems,
                          policy=policy).fillna(0)
    stated = out["ehcp_count"].reset_index(drop=True)
    # with suppressed cells in the breakdown the sum is a lower bound only
    bad = (stated.notna() & (total != stated)).fillna(False)
    has_codes = extra.apply(lambda s: s.astype("string").str.strip().str.lower().isin(SUPPRESSION_CODES)).any(axis=1)
    bad &= ~has_codes
    for r, t, s in zip(rows[bad], total[bad], stated[bad]):
        problems.append(HnbInputError(f"the EHC_Primary_need_* columns add up to {t:.0f}, but the stated total is "
                                      f"{s:.0f}", source=source, row=int(r), column=head["ehcp_count"]))


def _check_duplicates(out: pd.DataFrame, rows: pd.Series, source: str, column: str, problems: list) -> None:
    urn = out["urn"]
    dup = urn.duplicated(keep="first") & urn.notna()
    if dup.any():
        first = {u: r for u, r in zip(urn[~dup], rows[~dup])}
        for u, r in zip(urn[dup], rows[dup]):
            problems.append(HnbInputError(f"duplicate URN {int(u)} (first seen on row {first.get(u)})",
                                          source=source, row=int(r), column=column, value=int(u)))


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    out = out.dropna(subset=["urn"]).copy()
    out["urn"] = out["urn"].astype("int64")
    for c in ("pupils_on_roll", "sen_support", "ehcp_count"):
        out[c] = out[c].astype(float)
    return out.reset_index(drop=True)


def _missing(roles: dict, layout: str, headers: list, source: str) -> None:
    need = required_roles(layout)
    missing = [h for role, h in zip(need, required_headers(layout)) if role not in roles]
    if missing:
        raise HnbInputError(f"is not a complete DfE {layout} SEN file: missing column(s) {', '.join(missing)}",
                            source=source)


def read_long(path, la: str | None = None, *, suppressed_policy: str = "error", progress: bool = True) -> DfeSchools:
    """One row per school and category (the layout from 2025), pivoted to one row per school.

    EHCPs = ``pupil_count`` where ``sen_provision`` is EHC plan and ``sen_primary_need`` is Total
    (or, with no Total row, the sum over primary needs); SEN support likewise; pupils on roll = the
    provision "Total" row, else EHC plan + SEN support + No SEN when all three are present. A school
    whose primary needs add up to a different number than its stated Total row is a problem.
    """
    path = Path(path)
    source = str(path)
    frame, headers, roles, rows_read, seen = _read_filtered(path, "long", la, progress)
    _missing(roles, "long", headers, source)
    frame, la_name = _choose_la(frame, la, seen, source)
    problems: list = []
    suppressed: dict = {}
    head = {role: headers[i] for role, i in roles.items()}
    rows = frame["_row"]
    urn = _urns(frame["urn"], rows, source=source, column=head["urn"], problems=problems)
    _check_policy(suppressed_policy)
    prov = frame["sen_provision"].fillna("").map(normalise_header)
    count = _numbers(frame["pupil_count"], rows, source=source, column=head["pupil_count"], suppressed=suppressed,
                     problems=problems, policy=suppressed_policy, ehcp=prov.isin(EHCP_PROVISION).to_numpy())
    need = frame["sen_primary_need"].fillna("").map(normalise_header)
    category = np.select([prov.isin(EHCP_PROVISION), prov.isin(SUPPORT_PROVISION), prov.isin(TOTAL_PROVISION),
                          prov.isin(NO_SEN_PROVISION)], ["ehcp_count", "sen_support", "total", "no_sen"], "other")
    is_total_need = need.isin(TOTAL_NEED)
    long = pd.DataFrame({"urn": urn, "category": category, "total_need": is_total_need.to_numpy(),
                         "count": count, "row": rows, "prov": frame["sen_provision"]})
    long = long[long["urn"].notna()]
    # duplicate (school, provision, need) rows
    key = pd.DataFrame({"u": long["urn"], "p": prov[long.index], "n": need[long.index]})
    dup = key.duplicated(keep="first")
    if dup.any():
        firsts = dict(zip(map(tuple, key[~dup].itertuples(index=False)), long["row"][~dup]))
        for k, r in zip(map(tuple, key[dup].itertuples(index=False)), long["row"][dup]):
            problems.append(HnbInputError(f"duplicate row for URN {int(k[0])}, this sen_provision and "
                                          f"sen_primary_need (first seen on row {firsts.get(k)})", source=source,
                                          row=int(r), column=head["urn"], value=int(k[0])))
    stated = long[long["total_need"]].pivot_table(index="urn", columns="category", values="count", aggfunc="sum")
    needs = long[~long["total_need"]].pivot_table(index="urn", columns="category", values="count", aggfunc="sum")
    first_row = long.groupby("urn")["row"].min()
    out = pd.DataFrame(index=first_row.index)
    for cat in ("ehcp_count", "sen_support", "total", "no_sen"):
        s = stated[cat] if cat in stated else pd.Series(np.nan, index=out.index)
        n = needs[cat] if cat in needs else pd.Series(np.nan, index=out.index)
        out[cat] = s.reindex(out.index).fillna(n.reindex(out.index))
        both = s.reindex(out.index).notna() & n.reindex(out.index).notna()
        contra = both & (s.reindex(out.index) != n.reindex(out.index))
        if cat in ("ehcp_count", "sen_support") and contra.any():
            label = "EHC plan" if cat == "ehcp_count" else "SEN support"
            rows_total = long[long["total_need"] & (long["category"] == cat)].groupby("urn")["row"].min()
            for u in out.index[contra]:
                problems.append(HnbInputError(
                    f"URN {int(u)}: the {label} primary needs add up to {n[u]:.0f}, but the stated Total is "
                    f"{s[u]:.0f}", source=source, row=int(rows_total.get(u, first_row[u])),
                    column=head["pupil_count"]))
    parts = out["ehcp_count"] + out["sen_support"] + out["no_sen"]
    pupils = out["total"].fillna(parts)
    over = ((out["ehcp_count"].fillna(0) + out["sen_support"].fillna(0)) > pupils).fillna(False)
    for u in out.index[over]:
        problems.append(HnbInputError(f"URN {int(u)}: EHC plan + SEN support exceeds the stated total pupils "
                                      f"{pupils[u]:.0f}", source=source, row=int(first_row[u]),
                                      column=head["pupil_count"]))
    no_ehcp = out["ehcp_count"].isna()
    for u in out.index[no_ehcp]:
        problems.append(HnbInputError(f"URN {int(u)} has no EHC plan row (sen_provision 'EHC plan')", source=source,
                                      row=int(first_row[u]), column=head["sen_provision"]))
    info = frame.loc[long.index].assign(urn=long["urn"]).drop_duplicates("urn").set_index("urn")
    result = pd.DataFrame({
        "urn": out.index,
        "school_name": _text(info, "school_name").reindex(out.index).fillna("").to_numpy(),
        "phase": _text(info, "phase").reindex(out.index).fillna("").to_numpy(),
        "pupils_on_roll": pupils.to_numpy(),
        "sen_support": out["sen_support"].to_numpy(),
        "ehcp_count": out["ehcp_count"].fillna(0).to_numpy(),
    })
    order = first_row.reindex(out.index).to_numpy()
    result = result.iloc[np.argsort(order, kind="stable")]
    return DfeSchools(_finish(result), source, "long", rows_read, la_name, suppressed, _one_suppression(problems),
                      sorted(order.tolist()))


def read(path, layout: str, la: str | None = None, **kw) -> DfeSchools:
    return (read_wide if layout == "wide" else read_long)(path, la, **kw)


__all__ = ["DfeSchools", "read", "read_wide", "read_long", "SUPPRESSION_CODES", "SUPPRESSED_POLICIES", "ZERO_OPTION",
           "column_roles"]
