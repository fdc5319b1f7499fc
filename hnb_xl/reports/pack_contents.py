"""What the Schools Forum pack holds, without drawing it: the charts' file names and titles
(:data:`CHARTS`, :data:`PLACEMENT_CHARTS`) and what the page must say about its inputs
(:class:`PackNotes`). :mod:`hnb_xl.reports.pack` draws and writes them; this module imports no
matplotlib, so the command line (``hnb-xl pack --help`` names the files, and every command builds
the same parser) starts without loading it (``hnb-xl --version``: 1.34 s with pyplot and xlwings
imported, 0.75 s without: :data:`hnb_xl.workbook.build.TEMPLATE`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..workbook.charts import CHART_TITLES

CHARTS = {    # the seed's two chart titles are the workbook's (hnb_xl/workbook/charts.py: one place)
    "history": ("1_budget_spend_ehcps.png", CHART_TITLES[0]),
    "deficit": ("2_deficit_growth_projected.png", CHART_TITLES[1]),
    "waterfall": ("3_mitigation_waterfall.png", "Safety valve plan: savings by workstream"),
    "fan": ("4_uncertainty_fan.png", "Accumulated DSG deficit after contributions: uncertainty"),
}

PLACEMENT_CHARTS = {
    # the titles say "placement drivers", not "unmitigated": on the page that word is kept for the one
    # sentence saying the replica is not an unmitigated forecast (model review F6); the legends name the scenarios
    "by_category": ("5_spend_by_category.png", "HNB spend by placement category: placement drivers before mitigations"),
    "scenarios": ("6_placement_scenarios.png",
                  "Accumulated DSG deficit: the replica and the placement drivers before and after mitigations"),
    "tornado": ("7_tornado.png", "Tornado: the placement-driver forecast's accumulated DSG deficit, one driver at "
                                 "a time"),
}


@dataclass(frozen=True)
class PackNotes:
    """What the page must say about the inputs that the frames do not carry: the projection's
    scenario as the user knows it, whether it is the bundled replica of a published forecast (its
    cost-per-EHCP growth calibrated), whether the workstreams are the ILLUSTRATIVE bundled ones."""
    scenario: str = ""
    replica: bool | None = None                # None: from the assumptions' basis ("calibrated")
    illustrative_workstreams: bool = True
    more: tuple[str, ...] = ()                 # further limitations, as text (escaped on the page)
