"""The ranges the two Outputs charts plot, from the number of years in the input tables.

One place decides which Outputs rows each chart series reads, so that ``hnb-xl build`` draws the
charts and a refresh that adds or removes a year (a new outturn each term) moves them with the
tables, in the file (openpyxl) and in the workbook open in Excel (xlwings/COM):

* chart 1, "Growing budget, growing overspend and numbers of EHCPs": HNB budget and HNB expenditure
  (bars) and EHCPs (line, right axis), from the first year with a published accumulated deficit
  to the last history year, in the Outputs history table;
* chart 2, "Deficit growth projected": accumulated DSG deficit and its growth in the year, from
  that same first year to the last projected year, in the Outputs projection table (history rows
  then projection rows); its category-axis title names the last outturn year.

Series are listed in plot order (chart 1: budget, expenditure, EHCPs), which is the order of
Excel's ``Chart.SeriesCollection`` and of the series of openpyxl's chart and its combined charts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..tables.cells import is_blank
from . import layout as L

CHART2_AXIS_TITLE = "Financial year (outturn to {last}, then forecast)"
# the seed's chart titles; each chart's title adds the years it shows (from the tables, so a refresh
# that adds a year retitles it): "Deficit growth projected, 2016-17 to 2030-31"
CHART_TITLES = ("Growing budget, growing overspend and numbers of EHCPs", "Deficit growth projected")


@dataclass(frozen=True)
class SeriesRange:
    chart: int                  # 0-based, in the order the charts are added to the Outputs sheet
    series: int                 # 0-based, plot order within the chart
    values: str                 # e.g. Outputs!$E$8:$E$14
    categories: str | None      # the year labels, or None (the EHCP line shares the bars' axis)


@dataclass(frozen=True)
class ChartLayout:
    series: tuple[SeriesRange, ...]
    axis_titles: dict           # chart index -> category-axis title
    titles: dict = field(default_factory=dict)   # chart index -> chart title (CHART_TITLES and the years)

    def for_chart(self, chart: int) -> list[SeriesRange]:
        return [s for s in self.series if s.chart == chart]


def _ref(col: int, first: int, last: int) -> str:
    c = L.col(col)
    return f"{L.OUTPUTS}!${c}${first}:${c}${last}"


def first_published(accumulated) -> int:
    """Index of the first history year with a published accumulated deficit (the charts start there:
    the derived base year has none); blank is the table layer's one rule (``tables.cells.is_blank``)."""
    for i, v in enumerate(accumulated):
        if not is_blank(v):
            return i
    return 0


def chart_layout(years_history: int, first_published_index: int, years_projected: int,
                 last_history_year: str, first_year: str | None = None,
                 last_projected_year: str | None = None, authority: str | None = None) -> ChartLayout:
    """The series ranges of both charts for a workbook with ``years_history`` history rows (the
    first published at ``first_published_index``) and ``years_projected`` assumption rows; with
    ``first_year`` (the first published year) the chart titles name the years each shows, and the
    ``authority`` (worded by :func:`hnb_xl.reports.edition.chart_title`)."""
    from ..reports.edition import chart_title
    O = L.OUT
    r1, r2 = O["history_first"] + first_published_index, O["history_first"] + years_history - 1
    q1 = O["projection_first"] + first_published_index
    q2 = O["projection_first"] + years_history + years_projected - 1
    h, p = L.OUT_HISTORY_COLS, L.OUT_PROJECTION_COLS    # the columns sheets/outputs.py placed them in
    hist_years = _ref(h["year"], r1, r2)
    proj_years = _ref(p["year"], q1, q2)
    series = (
        SeriesRange(0, 0, _ref(h["budget"], r1, r2), hist_years),
        SeriesRange(0, 1, _ref(h["expenditure"], r1, r2), hist_years),
        SeriesRange(0, 2, _ref(h["ehcp"], r1, r2), None),
        SeriesRange(1, 0, _ref(p["accumulated"], q1, q2), proj_years),
        SeriesRange(1, 1, _ref(p["growth"], q1, q2), proj_years),
    )
    titles = {} if not first_year else {
        0: chart_title(CHART_TITLES[0], authority, f"{first_year} to {last_history_year}"),
        1: chart_title(CHART_TITLES[1], authority, f"{first_year} to {last_projected_year or last_history_year}")}
    return ChartLayout(series, {1: CHART2_AXIS_TITLE.format(last=last_history_year)}, titles)


def layout_for(history, assumptions, authority: str | None = None) -> ChartLayout:
    """:func:`chart_layout` for a history and an assumptions table (engine column names) and the
    authority's name (the chart titles)."""
    years = list(history["financial_year"])
    first = first_published(list(history["accumulated_deficit"]))
    projected = list(assumptions["financial_year"])
    return chart_layout(len(years), first, len(assumptions), str(years[-1]) if years else "",
                        str(years[first]) if first < len(years) else None, str(projected[-1]) if projected else None,
                        authority)


# ---------------------------------------------------------------------------------------------- writers

def _openpyxl_series(chart) -> list:
    """All series of an openpyxl chart in plot order (a combined chart keeps the others in _charts)."""
    parts = getattr(chart, "_charts", None) or [chart]
    return [s for part in parts for s in part.series]


def apply_openpyxl(wb, layout: ChartLayout) -> int:
    """Point the Outputs charts of an openpyxl workbook at ``layout``'s ranges; returns how many
    series changed."""
    from openpyxl.chart.data_source import AxDataSource, StrRef
    charts = wb[L.OUTPUTS]._charts
    changed = 0
    for i, chart in enumerate(charts):
        current = _openpyxl_series(chart)
        for s in layout.for_chart(i):
            if s.series >= len(current):
                continue
            ser = current[s.series]
            if ser.val.numRef.f != s.values:
                ser.val.numRef.f = s.values
                changed += 1
            if s.categories is not None:
                cat = ser.cat
                ref = None if cat is None else (cat.strRef or cat.numRef)
                if ref is None:
                    ser.cat = AxDataSource(strRef=StrRef(f=s.categories))
                    changed += 1
                elif ref.f != s.categories:
                    ref.f = s.categories
                    changed += 1
        title = layout.axis_titles.get(i)
        if title is not None:
            chart.x_axis.title = title
        if i in layout.titles:
            chart.title = layout.titles[i]
    return changed


def apply_xlwings(book, layout: ChartLayout) -> None:
    """The same through COM on the workbook open in Excel: each series' Values and XValues set to
    its range (Excel's ``Series.Values = "=Outputs!$E$8:$E$14"``), the axis title through
    ``Axes(xlCategory).AxisTitle.Text``."""
    sheet = book.sheets[L.OUTPUTS]
    charts = list(sheet.charts)
    for i, chart in enumerate(charts):
        com = chart.api[1]          # xlwings on Windows: (ChartObject, Chart)
        for s in layout.for_chart(i):
            ser = com.SeriesCollection(s.series + 1)
            ser.Values = "=" + s.values
            if s.categories is not None:
                ser.XValues = "=" + s.categories
        title = layout.axis_titles.get(i)
        if title is not None:
            com.Axes(1).AxisTitle.Text = title   # 1 = xlCategory
        if i in layout.titles:
            com.HasTitle = True
            com.ChartTitle.Text = layout.titles[i]


__all__ = ["CHART_TITLES", "SeriesRange", "ChartLayout", "chart_layout", "layout_for", "first_published", "apply_openpyxl",
           "apply_xlwings"]
