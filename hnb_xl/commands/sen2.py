"""`hnb-xl sen2`: an authority's EHC plan history from DfE's SEN2 release, as published.

The January census of year Y is financial year (Y-1)-Y: the January 2022 count is 2021-22's. See
docs/sen2.md and :mod:`hnb_xl.sources.sen2`.
"""

from __future__ import annotations

import sys

from ..reports.output import render
from ..sources import sen2
from ..sources.sen2.categories import AGE_GROUPS, NEEDS
from ._common import add_format

# the seven categories' short titles for the console (full labels: categories.PLACEMENT_CATEGORIES, in docs/sen2.md)
SHORT_PLACEMENT_TITLES = {"mainstream": "Mainstream", "resourced_provision": "RP or SEN unit", "special": "Special",
                          "independent": "NMSS or independent", "hospital_ap": "Hospital or AP",
                          "post_16": "Post-16 and FE", "other": "Other or direct payments"}
CENSUS_RULE = "the January census of year Y is financial year (Y-1)-Y (January 2022 = 2021-22)"
TITLES = {"financial_year": "Year", "census": "Census", "ehcp_count": "EHC plans", "calendar_year": "Calendar year",
          "requests": "Requests for assessment", "assessments": "Assessments", "new_plans": "New plans",
          "ceased_plans": "Plans ceased", **SHORT_PLACEMENT_TITLES, **AGE_GROUPS,
          **{k: k.upper() for k in NEEDS}}
CUT_TITLES = {"total": "all plans", "placement": "by placement category (DSG management plan)",
              "age": "by age group (DSG management plan)", "need": "by primary need (DSG management plan rows)",
              "flows": "requests, assessments, new and ceased plans by calendar year"}


def register(sub) -> None:
    p = sub.add_parser("sen2", help="EHC plan history from DfE's SEN2 release (zip, folder or CSV) for one authority",
                       description="An authority's EHC plans from DfE's 'Education, health and care plans' release "
                                   "(the 'Download all data' zip as saved, its folder or one CSV; 2025, 2023/24 and "
                                   f"2022-and-earlier layouts): {CENSUS_RULE}. DfE's codes x, z, c, low and u are "
                                   "not known (blank, null in JSON) and listed, never counted as zero.")
    p.add_argument("file", metavar="FILE", help="the release: zip, folder of its CSVs, or one CSV")
    p.add_argument("--la", required=True, metavar="LA",
                   help="local authority: name (case and spacing ignored), old code (873) or new code (E10000003)")
    p.add_argument("--by", choices=sen2.CUTS, default="total",
                   help="total (default); placement: the DSG plan's seven categories (other = total minus the six); "
                        "age: its five groups; need: its thirteen rows; flows: by calendar year")
    add_format(p)
    p.set_defaults(func=run)


def not_known_lines(notes) -> list[str]:
    """One line per file row: the columns holding a DfE code instead of a count."""
    rows: dict[tuple, list[str]] = {}
    for n in notes:
        rows.setdefault((n.source, n.row, n.code), []).append(n.column)
    return [f"{src}, row {row}: {f'{code} ({sen2.cuts.CODES[code]})' if code else 'blank'} in {', '.join(cols)}"
            for (src, row, code), cols in rows.items()]


def run(args) -> str:
    table = sen2.history(args.file, args.la, args.by)
    kinds = {c: "count" for c in table.frame.columns if c not in ("financial_year", "census", "calendar_year")}
    notes = not_known_lines(table.not_known)
    if args.format != "table":
        for line in notes:
            print(f"hnb-xl: not known: {line}", file=sys.stderr)
        return render(table.frame, args.format)
    a = table.authority
    title = (f"EHC plans, {a.get('name')} ({', '.join(c for c in (a.get('old_la_code'), a.get('new_la_code')) if c)}): "
             f"{CUT_TITLES[args.by]}")
    text = render(table.frame, "table", kinds, TITLES, title=title)
    foot = [f"Source: {table.source} (DfE, Education, health and care plans; layout {table.layout}). "
            + (f"Counts at the January census; {CENSUS_RULE}." if args.by != "flows" else "Calendar years.")]
    if notes:
        foot.append("Not known (DfE codes; blank above, never zero):")
        foot += [f"  {line}" for line in notes]
    return text + "\n" + "\n".join(foot) + "\n"
