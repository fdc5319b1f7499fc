"""An authority's EHC plan history from a SEN2 release: the total, by placement category, by age group,
by primary need, and the flows (requests, assessments, new and ceased plans).

**Census years to financial years.** SEN2 counts plans at the January census. The census of January
Y is the count for financial year (Y-1)-Y: January 2022 is 2021-22 (Cambridgeshire's 6,100 plans in
January 2022 are the 2021-22 figure of its Schools Forum paper of 15 July 2022). ``time_period``
``202122`` (an academic year, 2023 onwards) and ``2022`` (a calendar year, 2022 and earlier) are both
the census of January 2022. The flows are counted by calendar year and keep it (``calendar_year``).

**Not known.** DfE's codes ``x`` (not available), ``z`` (not applicable), ``c`` (confidential),
``low`` (rounds to zero) and ``u`` (low reliability), and a blank cell, are not known: the count is
missing (never zero) and each such cell is reported (:class:`NotKnown`: file, row, column, code).
A category or group with a not-known part is not known; "other placements" (the total minus the
six categories) is not known when any of the six is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...errors import HnbInputError
from ...years import fy
from . import categories as cat
from .authority import Chooser, matching
from .release import IDENTITY, Member, Release, open_release

CODES = {"x": "not available", "z": "not applicable", "c": "confidential", "low": "rounds to zero",
         "u": "low reliability", "": "blank"}
CUTS = ("total", "placement", "age", "need", "flows")
KEYS = ["new_la_code", "old_la_code", "la_name", "time_period"]
MONTHS = "January"


@dataclass(frozen=True)
class NotKnown:
    """One cell holding a DfE code (or blank) instead of a count."""
    source: str
    row: int
    column: str
    code: str   # as written, lower case: x, z, c, low, u, or "" (blank)


@dataclass
class Sen2Table:
    """One cut of one authority's history: ``frame`` (one row per census year, or per calendar year
    for the flows), the authority (name and codes), the release's name and layout, and the
    not-known cells behind it."""
    by: str
    frame: pd.DataFrame
    authority: dict
    source: str
    layout: str
    not_known: list[NotKnown] = field(default_factory=list)


def census_year(time_period) -> int:
    """January census year of a ``time_period``: "202122" -> 2022, "2022" -> 2022."""
    text = str(time_period).strip()
    if len(text) == 6 and text.isdigit():
        return int(text[:4]) + 1
    if len(text) == 4 and text.isdigit():
        return int(text)
    raise ValueError(f"'{text}' is not a time period such as 202122 or 2022")


def census_label(year: int) -> str:
    """"January 2022"."""
    return f"{MONTHS} {year}"


def counts(frame: pd.DataFrame, columns, source: str, notes: list[NotKnown]) -> pd.DataFrame:
    """``columns`` of text cells as numbers; DfE codes and blanks become NaN and are appended to
    ``notes``; anything else is an error naming the file, row and column."""
    out = {}
    for c in columns:
        text = frame[c]
        number = pd.to_numeric(text, errors="coerce")
        missing = number.isna().to_numpy() | ~np.isfinite(number.to_numpy(dtype=float, na_value=np.nan))
        if missing.any():
            codes = text[missing].str.strip().str.lower()
            bad = ~codes.isin(list(CODES))
            if bad.any():
                value, row = text[missing][bad].iloc[0], frame["_row"][missing][bad].iloc[0]
                raise HnbInputError(f"'{value}' is not a count: expected a whole number or one of DfE's codes "
                                    "x, z, c, low, u", source=source, row=int(row), column=c)
            notes.extend(NotKnown(source, int(r), c, k) for r, k in zip(frame["_row"][missing], codes))
            number = number.where(~missing)
        out[c] = number.astype(float)
    return pd.DataFrame(out, index=frame.index)


def _sum_all(values: pd.DataFrame) -> pd.Series:
    """Row sums that are NaN when any part is NaN (a total of a not-known part is not known)."""
    return values.sum(axis=1, skipna=False) if len(values.columns) else pd.Series(0.0, index=values.index)


def _group_sum(values: pd.Series, keys: list[pd.Series]) -> pd.Series:
    """Sum by ``keys``; NaN when any summed value is NaN."""
    total = values.fillna(0).groupby(keys).sum()
    unknown = values.isna().groupby(keys).sum()
    return total.where(unknown == 0)


def _topic(frame: pd.DataFrame, *names: str) -> np.ndarray:
    """Rows whose ``breakdown_topic`` is one of ``names`` (case and spacing ignored)."""
    wanted = {cat.key(n) for n in names}
    return matching(frame["breakdown_topic"], lambda v: cat.key(v) in wanted)


def _with_years(frame: pd.DataFrame) -> pd.DataFrame:
    years = frame["time_period"].map({p: census_year(p) for p in frame["time_period"].unique()})
    frame = frame.drop(columns="time_period")
    frame.insert(0, "census", years.map(census_label))
    frame.insert(0, "financial_year", (years - 1).map(fy))
    frame.insert(0, "_census", years)
    return frame


def _read(member: Member, columns, chooser: Chooser) -> pd.DataFrame:
    rows = member.rows([*IDENTITY, *columns], keep=chooser)
    chooser.check(member.source)
    for period in rows["time_period"].unique():
        try:
            census_year(period)
        except ValueError as exc:
            row = rows.loc[rows["time_period"] == period, "_row"].iloc[0]
            raise HnbInputError(str(exc), source=member.source, row=int(row), column="time_period") from None
    return rows


def _need(release: Release, role: str) -> Member:
    m = release.find(role)
    if m is None:
        from .release import LAYOUTS
        what = {"caseload": "caseload file (caseload.csv, or the 2023/24 or 2022 caseload by establishment type)",
                "estab": "caseload by establishment type (sen2_estab_caseload.csv, or the 2023/24 'Caseload - "
                         "establishment type')",
                "age": "caseload by age (sen2_age_caseload.csv, or the 2023/24 'Caseload - age groups')",
                "needs": "sen_needs_all_plans.csv (primary need, 2025 onwards)"}[role]
        raise HnbInputError(f"this {LAYOUTS[release.layout]} release holds no {what}: give the whole release "
                            "(its zip or folder)", source=release.source)
    return m


def _finish(parts: dict[str, pd.Series]) -> pd.DataFrame:
    """One row per authority and time period (the keys become columns)."""
    return pd.DataFrame(parts).reset_index()


def _caseload_2025(release, chooser, by, notes):
    m = _need(release, "caseload")
    place = cat.placement_columns()
    if by == "placement":
        have = {h.lower() for h in m.headers}
        missing = [c for c in place if c not in have]
        if missing:
            raise HnbInputError(f"has no column(s) {', '.join(missing)}: expected the 2025 caseload.csv placement "
                                "columns (hnb_xl/data/sen2_placement_categories.csv)", source=m.source)
    cols = ["breakdown_topic", "breakdown", "ehcplans", *(place if by == "placement" else [])]
    rows = _read(m, cols, chooser)
    total_rows = rows[_topic(rows, "All EHC plans")]
    n = counts(total_rows, ["ehcplans"], m.source, notes)
    parts = {"ehcp_count": n["ehcplans"].groupby([total_rows[k] for k in KEYS]).sum(min_count=1)}
    if by == "placement":
        c = counts(total_rows, list(place), m.source, notes)
        six = {}
        for category in cat.SIX:
            columns = [col for col, k in place.items() if k == category]
            six[category] = _sum_all(c[columns])
        six = pd.DataFrame(six)
        six["other"] = n["ehcplans"] - _sum_all(six)
        for category in cat.PLACEMENT_CATEGORIES:
            parts[category] = six[category].groupby([total_rows[k] for k in KEYS]).sum(min_count=1)
    elif by == "age":
        age_rows = rows[_topic(rows, "Child or young persons age")]
        groups = _age_groups(age_rows, "breakdown", m.source)
        v = counts(age_rows, ["ehcplans"], m.source, notes)["ehcplans"]
        for g in cat.AGE_GROUPS:
            sel = groups == g
            parts[g] = _group_sum(v[sel], [age_rows.loc[sel, k] for k in KEYS])
    return _finish(parts)


def _age_groups(rows: pd.DataFrame, column: str, source: str) -> pd.Series:
    table = cat.age_groups()
    labels = rows[column].map(cat.key)
    groups = labels.map(table)
    unknown = groups.isna() & (labels != "total")
    if unknown.any():
        i = unknown.to_numpy().argmax()
        raise HnbInputError(f"age '{rows[column].iloc[i]}' is not one this reader maps to the DSG plan's five age "
                            "groups (hnb_xl/data/sen2_age_groups.csv)", source=source, row=int(rows["_row"].iloc[i]),
                            column=column)
    return groups


def _plans_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """2023/24 layout: the rows for all plans (``ehcp_or_statement`` Total, else EHC plan)."""
    if "ehcp_or_statement" not in rows:
        return rows
    kind = rows["ehcp_or_statement"].map(cat.key)
    for wanted in ("total", "ehc plan", "ehc plans", "ehcp"):
        if (kind == wanted).any():
            return rows[kind == wanted]
    return rows.iloc[0:0]


def _caseload_long(release, chooser, by, notes):
    count_col = "num_caseload" if release.layout == "2023-24" else "total_all"
    if by == "age":
        m = _need(release, "age")
        age_col = "age" if release.layout == "2023-24" else "characteristic_age"
        rows = _plans_rows(_read(m, [age_col, "ehcp_or_statement", count_col], chooser))
        v = counts(rows, [count_col], m.source, notes)[count_col]
        groups = _age_groups(rows, age_col, m.source)
        labels = rows[age_col].map(cat.key)
        parts = {"ehcp_count": _group_sum(v[labels == "total"], [rows.loc[labels == "total", k] for k in KEYS])}
        for g in cat.AGE_GROUPS:
            sel = groups == g
            parts[g] = _group_sum(v[sel], [rows.loc[sel, k] for k in KEYS])
        return _finish(parts)
    m = _need(release, "estab")
    rows = _plans_rows(_read(m, ["establishment_group", "establishment_type", "ehcp_or_statement", count_col], chooser))
    group, kind = rows["establishment_group"].map(cat.key), rows["establishment_type"].map(cat.key)
    is_total = (group == "total") & (kind == "total")
    v = counts(rows, [count_col], m.source, notes)[count_col]
    keys = lambda sel: [rows.loc[sel, k] for k in KEYS]  # noqa: E731
    parts = {"ehcp_count": _group_sum(v[is_total], keys(is_total))}
    if by == "placement":
        table = cat.establishment_types()
        category = pd.Series([table.get(p) for p in zip(group, kind)], index=rows.index)
        index = parts["ehcp_count"].index
        for c in cat.SIX:
            sel = category == c
            found = _group_sum(v[sel], keys(sel))
            parts[c] = found.reindex(index).where(index.isin(found.index), 0.0)   # no row: no plans
        parts["other"] = parts["ehcp_count"] - pd.DataFrame({c: parts[c] for c in cat.SIX}).sum(axis=1, skipna=False)
    return _finish(parts)


def _needs_2025(release, chooser, notes):
    m = _need(release, "needs")
    needs = cat.need_columns()
    present = [c for c in needs if c in [h.lower() for h in m.headers]]
    rows = _read(m, ["breakdown_topic", "breakdown", "ehc_plans", *present], chooser)
    rows = rows[_topic(rows, "All EHC plans")]
    c = counts(rows, ["ehc_plans", *present], m.source, notes)
    by_keys = [rows[k] for k in KEYS]
    parts = {"ehcp_count": c["ehc_plans"].groupby(by_keys).sum(min_count=1)}
    for row in cat.NEEDS:
        columns = [col for col in present if needs[col] == row]
        parts[row] = _sum_all(c[columns]).groupby(by_keys).sum(min_count=1) if columns else np.nan
    return _finish(parts)


FLOWS = {  # role: (breakdown_topic of all rows, count column, output name)
    "requests": ("All requests for EHC needs assessments", "requests_received_in_year", "requests"),
    "assessments": ("All EHC needs assessments", "assess_in_year", "assessments"),
    "newplans": ("New EHC plans", "new_ehc_plans", "new_plans"),
    "ceased": ("All ceased EHC plans", "total_ceased", "ceased_plans"),
}


def _flows(release, chooser, notes) -> pd.DataFrame:
    parts = {}
    for role, (topic, column, name) in FLOWS.items():
        m = release.find(role)
        if m is None:
            continue
        rows = _read(m, ["breakdown_topic", "breakdown", column], chooser)
        rows = rows[_topic(rows, topic)]
        v = counts(rows, [column], m.source, notes)[column]
        parts[name] = v.groupby([rows[k] for k in KEYS]).sum(min_count=1)
    if not parts:
        raise HnbInputError("this release holds none of the flow files (requests.csv, assessments.csv, newplans.csv, "
                            "ceased_plans.csv: 2025 onwards)", source=release.source)
    out = _finish(parts)
    for _, (_, _, name) in FLOWS.items():
        if name not in out:
            out[name] = np.nan
    years = out["time_period"].map(census_year)
    out = out.drop(columns="time_period")
    out.insert(0, "calendar_year", years)
    return out.sort_values(["old_la_code", "calendar_year"]).reset_index(drop=True)


def _table(release: Release, chooser: Chooser, by: str, notes: list[NotKnown]) -> pd.DataFrame:
    if by not in CUTS:
        raise ValueError(f"by must be one of {', '.join(CUTS)}")
    if by == "flows":
        return _flows(release, chooser, notes)
    if by == "need":
        if release.layout != "2025":
            _need(release, "needs")
        out = _needs_2025(release, chooser, notes)
    elif release.layout == "2025":
        out = _caseload_2025(release, chooser, by, notes)
    else:
        out = _caseload_long(release, chooser, by, notes)
    out = _with_years(out)
    return out.sort_values(["old_la_code", "_census"]).drop(columns="_census").reset_index(drop=True)


COUNT_DTYPE = "Int64"


def _as_counts(frame: pd.DataFrame, skip) -> pd.DataFrame:
    """Counts as whole numbers (nullable: not known stays missing, never 0 or NaN in output)."""
    for c in frame.columns:
        if c not in skip:
            frame[c] = frame[c].round().astype(COUNT_DTYPE)
    return frame


def history(path, la, by: str = "total") -> Sen2Table:
    """One authority's history from the release at ``path`` (zip, folder or CSV), cut ``by`` total,
    placement, age, need or flows. Columns: ``financial_year`` (2021-22 for the January 2022 census),
    ``census`` ("January 2022"), ``ehcp_count`` (all plans; statements included for the years when
    they existed), then one column per category (:mod:`.categories`); the flows: ``calendar_year``
    and requests, assessments, new_plans, ceased_plans."""
    release = open_release(path)
    chooser = Chooser(la)
    notes: list[NotKnown] = []
    frame = _table(release, chooser, by, notes)
    frame = frame.drop(columns=["new_la_code", "old_la_code", "la_name"])
    skip = {"financial_year", "census", "calendar_year"}
    return Sen2Table(by, _as_counts(frame, skip), chooser.found or {}, release.source, release.layout, notes)


def every_authority(path, by: str = "placement") -> tuple[pd.DataFrame, list[NotKnown]]:
    """Every local authority's history in one frame (``new_la_code``, ``old_la_code``, ``la_name`` first)."""
    release = open_release(path)
    notes: list[NotKnown] = []
    frame = _table(release, Chooser(None), by, notes)
    skip = {"financial_year", "census", "calendar_year", "new_la_code", "old_la_code", "la_name"}
    return _as_counts(frame, skip), notes
