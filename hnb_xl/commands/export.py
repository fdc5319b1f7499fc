"""`hnb-xl export dsg-plan OUT.xlsx`: the DSG management plan's children-and-young-people tables and an HNB
financial summary, in the template's shape and labels (a new workbook; ``workbook/HNB_Model.xlsm`` untouched).

Seven placement sheets, one per category of the DfE's *DSG deficit management plan* template
(https://www.gov.uk/government/publications/dedicated-schools-grant-dsg-deficit-management-plan; the
labels as MastodonC's ``witan.send.adroddiad`` reads them from the template, version 5:
``src/witan/send/adroddiad/dsg_plan.clj`` in https://github.com/MastodonC/witan.send.adroddiad).
A sheet's name is the category's code (Excel allows 31 characters); its title, in A1, is the template's.
On each: "Number of EHCPs by age group" (the five groups, the post-16 sheet only 16-19 and 20-25,
and "Total number by Age Group") and "Number of EHCPs by primary need" (the thirteen needs and
"Total number of EHCPs by primary need"); columns are January census years, history then projection.

History: with ``--sen2`` the authority's placement history from the release (every census year with all
seven known); without, the bundled January 2021 and 2022 counts (``placement_history.csv``). Projection:
the placement engine's census counts for the later years. **The split:** SEN2 publishes no age x placement
or need x placement cut, so each sheet's count is split by the authority's age (or need) distribution of
that census year, or the nearest census year that has one (without ``--sen2``: the bundled
``placement_profile.csv``); the post-16 sheet is split between 16-19 and 20-25 only, in their ratio. Whole
plans by the largest remainder, so every table adds up to its sheet's total.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from .. import api, bundled
from ..engine.placement import project_placements
from ..engine.placement_mitigation import workstreams_from_frame
from ..errors import HnbInputError
from ..sources import sen2
from ..sources.sen2.categories import AGE_GROUPS, NEEDS, PLACEMENT_CATEGORIES
from ..tables import placement as tables
from ._common import year

SHEETS = {   # category -> (sheet name: the template's code, the template's sheet title)
    "mainstream": ("MmSoA", "Mainstream schools or academies placements"),
    "resourced_provision": ("RPSEN", "Resourced provision or SEN Units placements"),
    "special": ("MdSSA", "Maintained special schools or special academies placements"),
    "independent": ("NMISS", "Non-maintained special schools or independent (NMSS or independent) placements"),
    "hospital_ap": ("HspAP", "Hospital schools or alternative provision (AP) placements"),
    "post_16": ("P16FE", "Post 16 and further education (FE) placements"),
    "other": ("OTHER", "Other placements or direct payments"),
}
AGE_TITLE, AGE_TOTAL = "Number of EHCPs by age group", "Total number by Age Group"
NEED_TITLE, NEED_TOTAL = "Number of EHCPs by primary need", "Total number of EHCPs by primary need"
POST_16_AGES = ("age_16_to_19", "age_20_to_25")
SUMMARY = "HNB financial summary"
SPLIT_NOTE = ("SEN2 has no age x placement or need x placement cut: this sheet's count is split by the authority's "
              "age (need) distribution of the census year, or the nearest census year with one; the post-16 sheet "
              "between 16-19 and 20-25 only. Whole plans by the largest remainder.")


def register(sub) -> None:
    p = sub.add_parser("export", help="write the DSG management plan's tables (dsg-plan OUT.xlsx)",
                       description="Write the DSG management plan template's children-and-young-people tables "
                                   "(seven placement sheets: EHCPs by age group and by primary need, census years "
                                   "history then projection) and an HNB financial summary to a new workbook.")
    p.add_argument("what", choices=["dsg-plan"], help="dsg-plan: the DSG management plan's tables")
    p.add_argument("out", metavar="OUT.xlsx", help="the workbook to write (.xlsx)")
    p.add_argument("--sen2", metavar="FILE", help="DfE's SEN2 release (zip, folder or CSV) for the history")
    p.add_argument("--la", default=None, metavar="LA", help="local authority in the release "
                   "(default: the bundled data's authority, hnb_xl/data/parameters.csv)")
    p.add_argument("--inputs", metavar="FOLDER", help="placement_<table>.csv files replacing the bundled ones")
    p.add_argument("--to", type=year("--to"), default=None, metavar="YEAR", help="last financial year projected")
    p.set_defaults(func=run)


def largest_remainder(total: float, weights) -> np.ndarray:
    """Whole numbers in proportion to ``weights`` adding up to round(total) (largest remainder)."""
    w = np.asarray(weights, float)
    n = int(round(float(total)))
    if w.sum() <= 0 or n <= 0:
        out = np.zeros(len(w), int)
        if n > 0:
            out[-1] = n
        return out
    exact = n * w / w.sum()
    out = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - out), kind="stable")[: n - out.sum()]:
        out[i] += 1
    return out


def _nearest(profiles: dict[int, np.ndarray], census: int) -> np.ndarray:
    return profiles[min(profiles, key=lambda y: (abs(y - census), -y))]


def counts(release=None, la: str | None = None, folder=None, to_year=None):
    """(census years x category counts, the last history census, age profiles, need profiles, source).
    ``la``: the authority in the release (None: the bundled data's, ``parameters.csv``)."""
    authority = str(bundled.parameters()["authority_name"])
    la = authority if la is None else la
    _, driver, t = api.placement_scenarios(folder, to_year, {"to_year": "--to"})
    with tables.located(t):
        result = project_placements(driver)
    by = result.by_category
    projected = by.pivot(index="financial_year", columns="category", values="census_count")
    projected.index = [int(y[:4]) + 1 for y in projected.index]
    categories = list(SHEETS)
    if release is not None:
        placement = sen2.history(release, la, "placement")
        h = placement.frame
        known = h[categories + ["ehcp_count"]].notna().all(axis=1)
        gaps = [str(c) for c in h.loc[~known, "census"]]
        h = h[known]
        history = pd.DataFrame({k: h[k].astype(float).to_numpy() for k in categories + ["ehcp_count"]},
                               index=[int(c.split()[-1]) for c in h["census"]])
        profiles = {}
        for cut, groups in (("age", AGE_GROUPS), ("need", NEEDS)):
            f = sen2.history(release, la, cut).frame.dropna(subset=list(groups))
            profiles[cut] = {int(c.split()[-1]): f.loc[i, list(groups)].astype(float).to_numpy()
                             for i, c in zip(f.index, f["census"])}
            if not profiles[cut]:
                raise HnbInputError(f"the release has no {cut} cut for {la}: the split needs one", source=str(release))
        source = f"DfE SEN2 ({Path(str(release)).name}), {la}"
        if gaps:   # a census whose placement cells are DfE codes (x, c, ...): not history, projected
            source += f"; {', '.join(gaps)}: placement not known in the release (DfE code), so projected"
    else:
        c = t["census"].set_index("category")
        base = int(str(driver.base_year)[:4]) + 1
        history = pd.DataFrame({k: [float(c.loc[k, "census_before"]), float(c.loc[k, "census_base"])]
                                for k in categories}, index=[base - 1, base])
        history["ehcp_count"] = history[categories].sum(axis=1)
        prof = bundled._read("placement_profile.csv")
        profiles = {}
        for cut, groups in (("age", AGE_GROUPS), ("need", NEEDS)):
            rows = prof[prof["cut"] == cut].set_index("group")
            census = int(str(rows["census"].iloc[0]).split()[-1])
            profiles[cut] = {census: rows.loc[list(groups), "count"].astype(float).to_numpy()}
        source = f"bundled placement_history.csv (SEN2 January {base - 1} and {base}), {authority}"
    last = int(history.index.max())
    later = projected.loc[projected.index > last, categories]
    frame = pd.concat([history[categories], later])
    return frame, last, profiles, source, result


def split(count: float, profile: np.ndarray, groups: list, keep=None) -> dict:
    """``count`` split by ``profile`` over ``groups`` (only ``keep`` of them, when given)."""
    w = np.array([p if keep is None or g in keep else 0.0 for g, p in zip(groups, profile)])
    return dict(zip(groups, largest_remainder(count, w)))


def write(path, frame: pd.DataFrame, last: int, profiles: dict, source: str, result, mitigated=None) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    years = list(frame.index)
    bold = Font(bold=True)
    for k, (name, title) in SHEETS.items():
        ws = wb.create_sheet(name)
        ws["A1"] = title
        ws["A1"].font = bold
        ws["A2"] = f"History (January censuses to {last}): {source}. Projection: the placement engine, " \
                   "Unmitigated (placement drivers), ILLUSTRATIVE inputs (docs/placement.md)."
        ws["A3"] = SPLIT_NOTE
        row = 5
        for table, groups, labels, total, cut in (
                (AGE_TITLE, list(AGE_GROUPS), AGE_GROUPS, AGE_TOTAL, "age"),
                (NEED_TITLE, list(NEEDS), NEEDS, NEED_TOTAL, "need")):
            keep = POST_16_AGES if (k == "post_16" and cut == "age") else None
            shown = [g for g in groups if keep is None or g in keep]
            ws.cell(row, 1, table).font = bold
            ws.cell(row + 1, 1, "")
            for j, y in enumerate(years):
                ws.cell(row + 1, 2 + j, "History" if y <= last else "Projection")
                ws.cell(row + 2, 2 + j, y).font = bold
            ws.cell(row + 2, 1, "Census year (January)").font = bold
            cells = {y: split(frame.loc[y, k], _nearest(profiles[cut], y), groups, keep) for y in years}
            for i, g in enumerate(shown):
                ws.cell(row + 3 + i, 1, labels[g])
                for j, y in enumerate(years):
                    ws.cell(row + 3 + i, 2 + j, int(cells[y][g]))
            trow = row + 3 + len(shown)
            ws.cell(trow, 1, total).font = bold
            for j, y in enumerate(years):
                ws.cell(trow, 2 + j, int(sum(cells[y][g] for g in shown))).font = bold
            row = trow + 2
        ws.column_dimensions["A"].width = 58
    _summary(wb.create_sheet(SUMMARY), result, bold, mitigated)
    wb.save(path)


def _summary(ws, result, bold, mitigated=None) -> None:
    """Funding, spend by line, block movements, in-year and cumulative, unmitigated (one column a year);
    then, when ``mitigated`` is given ((:class:`hnb_xl.engine.placement_mitigation.MitigatedResult`,
    the placement workstreams table)), the mitigated scenario's spend, in-year and cumulative DSG
    deficit and each workstream's saving: the DSG workstreams add up to the DSG saving, a General
    Fund workstream's saving is its own line, never in a DSG figure (docs/placement.md)."""
    s = result.summary
    lines = result.lines
    years = list(s["financial_year"])
    ws["A1"] = SUMMARY
    ws["A1"].font = bold
    ws["A2"] = ("Unmitigated (placement drivers), then mitigated (the placement workstreams), £. Other DSG "
                "movements are 0 in driver scenarios.")
    ws.cell(4, 1, "£").font = bold
    for j, y in enumerate(years):
        ws.cell(4, 2 + j, y).font = bold
    rows = [("Funding", None), ("HNB allocation", s["hnb_allocation"]), ("Block transfer (one year)", s["block_transfer"]),
            ("Total HNB funding", s["hnb_income"]), ("Spend by line", None)]
    for line in dict.fromkeys(lines["line"]):
        amounts = lines.loc[lines["line"] == line, "amount"].to_numpy(float)
        rows.append((PLACEMENT_CATEGORIES.get(line, line), amounts))
    rows += [("Total HNB spend", s["hnb_expenditure"]), ("In-year deficit (spend - funding)", s["in_year_deficit"]),
             ("Block movements and other DSG movements", s["other_dsg_movements"]),
             ("Cumulative DSG deficit at 31 March", s["accumulated_deficit"])]
    if mitigated is not None:
        m, w = mitigated
        sm, savings = m.summary, m.savings
        rows += [("Mitigated (placement workstreams)", None), ("Total HNB spend, mitigated", sm["hnb_expenditure"]),
                 ("In-year deficit, mitigated", sm["in_year_deficit"]),
                 ("Cumulative DSG deficit at 31 March, mitigated", sm["accumulated_deficit"]),
                 ("Savings by workstream (DSG)", None)]
        dsg = [k.name for k in workstreams_from_frame(w) if k.on_dsg]
        rows += [(n, savings[n]) for n in dsg]
        rows += [("Total DSG saving", savings["total_saving"]),
                 ("General Fund saving (reported, not in the DSG figures)", savings["general_fund_saving"])]
    for i, (label, values) in enumerate(rows):
        cell = ws.cell(5 + i, 1, label)
        if values is None or label.startswith(("Total", "Cumulative")):
            cell.font = bold
        if values is not None:
            for j, v in enumerate(np.asarray(values, float)):
                c = ws.cell(5 + i, 2 + j, round(float(v), 2))
                c.number_format = '£#,##0;-£#,##0;£0'
    ws.column_dimensions["A"].width = 52


def run(args) -> str:
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise HnbInputError(f"'{out.name}' must be an .xlsx file", source="OUT.xlsx")
    if not out.parent.exists():
        raise HnbInputError(f"folder '{out.parent}' not found", source="OUT.xlsx")
    frame, last, profiles, source, result = counts(args.sen2, args.la, args.inputs, args.to)
    m, _, w = api.mitigated_placements(args.inputs, to_year=args.to, labels={"to_year": "--to"})
    write(out, frame, last, profiles, source, result, (m, w))
    return f"wrote {out}: seven placement sheets (census years {frame.index[0]} to {frame.index[-1]}, history to " \
           f"{last}) and '{SUMMARY}'"
