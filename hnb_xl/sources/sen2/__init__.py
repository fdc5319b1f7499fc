"""DfE's "Education, health and care plans" statistics (SEN2) as published, for any local authority.

:func:`history` reads one authority's EHC plan history from the release (the "Download all data"
zip as saved, its folder or one CSV, in the 2025, 2023/24 or 2022-and-earlier layout): the total,
by the DSG management plan's seven placement categories, five age groups or thirteen need rows, or
the flows. The January census of year Y is financial year (Y-1)-Y (January 2022 = 2021-22).
See docs/sen2.md.
"""

from .cuts import CUTS, NotKnown, Sen2Table, census_label, census_year, every_authority, history
from .release import open_release, provenance

__all__ = ["CUTS", "NotKnown", "Sen2Table", "census_label", "census_year", "every_authority", "history",
           "open_release", "provenance"]
