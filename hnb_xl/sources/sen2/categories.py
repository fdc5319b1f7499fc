"""The sector's categories for SEN2 counts: the DSG management plan's seven placement categories, five
age groups and thirteen primary-need rows. The mappings are data, each row with its source:

* ``hnb_xl/data/sen2_placement_categories.csv``: SEN2 placement (a 2025 column, or a 2023/24 and
  2022 ``establishment_group``/``establishment_type`` pair) -> category, as DfE's own Financial
  Benchmarking and Insights Tool maps them (``la_sen2_eval`` in
  https://github.com/DFE-Digital/education-benchmarking-and-insights,
  ``data-pipeline/src/pipeline/input_schemas/local_authority.py``). The seventh category, other
  placements or direct payments, is **the total minus the six**, so the seven add up to the total;
* ``hnb_xl/data/sen2_age_groups.csv``: a single age or a published band -> the template's group;
* ``hnb_xl/data/sen2_needs.csv``: a 2025 need column -> the template's need row. Down syndrome, a
  primary need new in 2024/25, has no row of its own: DfE counts it under "other difficulty/disability"
  (OTH), and so does this table.

Labels are the DSG management plan template's (DfE, *Dedicated schools grant (DSG): deficit
management plan*, https://www.gov.uk/government/publications/dedicated-schools-grant-dsg-deficit-management-plan,
the children and young people sheets).
"""

from __future__ import annotations

import functools

import pandas as pd

from ...bundled import data_path
from ...tables.schema import PLACEMENT_CATEGORIES   # the seven, with the template's labels: one place

SIX = tuple(list(PLACEMENT_CATEGORIES)[:6])
AGE_GROUPS = {"under_5": "Under 5", "age_5_to_10": "Age 5 to 10", "age_11_to_15": "Age 11 to 15",
              "age_16_to_19": "Age 16 to 19", "age_20_to_25": "Age 20 to 25"}
NEEDS = {"asd": "Autistic Spectrum Disorder", "hi": "Hearing Impairment", "mld": "Moderate Learning Difficulty",
         "msi": "Multi- Sensory Impairment", "pd": "Physical Disability",
         "pmld": "Profound & Multiple Learning Difficulty", "semh": "Social, Emotional and Mental Health",
         "slcn": "Speech, Language and Communications needs", "sld": "Severe Learning Difficulty",
         "spld": "Specific Learning Difficulty", "vi": "Visual Impairment", "oth": "Other Difficulty/Disability",
         "ukn": "SEN support but no specialist assessment of type of need"}


def key(text) -> str:
    """Text compared with case and spacing ignored."""
    return " ".join(str(text).split()).casefold()


@functools.lru_cache(maxsize=None)
def _table(name: str) -> pd.DataFrame:
    with data_path(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def placement_columns() -> dict[str, str]:
    """2025 wide column -> category (the six; everything else is 'other')."""
    t = _table("sen2_placement_categories.csv")
    t = t[t["layout"] == "2025"]
    return dict(zip(t["placement"], t["category"]))


def establishment_types() -> dict[tuple[str, str], str]:
    """(establishment_group, establishment_type), case and spacing ignored -> category (the six)."""
    t = _table("sen2_placement_categories.csv")
    t = t[t["layout"] == "long"]
    return {(key(g), key(ty)): c for g, ty, c in zip(t["establishment_group"], t["placement"], t["category"])}


def age_groups() -> dict[str, str]:
    """Age as published (case and spacing ignored) -> age group."""
    t = _table("sen2_age_groups.csv")
    return {key(a): g for a, g in zip(t["age"], t["age_group"])}


def need_columns() -> dict[str, str]:
    """2025 need column -> template need row."""
    t = _table("sen2_needs.csv")
    return dict(zip(t["column"], t["template_row"]))

