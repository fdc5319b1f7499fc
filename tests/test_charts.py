"""The Outputs charts' ranges: one module for the build and for a refresh that adds or removes a year."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from hnb_xl import bundled
from hnb_xl.workbook import build
from hnb_xl.workbook import charts as C
from hnb_xl.workbook import layout as L


def _series(path):
    ws = load_workbook(path, keep_vba=True)[L.OUTPUTS]
    out = []
    for chart in ws._charts:
        rows = []
        for s in C._openpyxl_series(chart):
            cat = None if s.cat is None else (s.cat.strRef or s.cat.numRef).f
            rows.append((s.val.numRef.f, cat))
        title = chart.x_axis.title.tx.rich.p[0].r[0].t if chart.x_axis.title else None
        out.append((rows, title))
    return out


@pytest.mark.parametrize("n_hist,first_pub,n_proj,expected", [
    # bundled: 2015-16 (derived, no published deficit) .. 2021-22, then 9 projected years.
    # Outputs history rows start at 7 -> 2016-17 is row 8, 2021-22 row 13; projection table rows start
    # at 49 -> 2016-17 row 50, 2030-31 row 49 + 7 + 9 - 1 = 64
    pytest.param(7, 1, 9, ((8, 13), (50, 64)), id="bundled-2016-17-to-2021-22"),
    # a term later: 2022-23 outturn added, projection from 2023-24 (8 years)
    pytest.param(8, 1, 8, ((8, 14), (50, 64)), id="next-term-adds-2022-23"),
    # history with every year published
    pytest.param(3, 0, 2, ((7, 9), (49, 53)), id="all-published"),
])
def test_chart_rows(n_hist, first_pub, n_proj, expected):
    lay = C.chart_layout(n_hist, first_pub, n_proj, "2099-00")
    (r1, r2), (q1, q2) = expected
    assert [s.values for s in lay.for_chart(0)] == [f"Outputs!$E${r1}:$E${r2}", f"Outputs!$G${r1}:$G${r2}",
                                                    f"Outputs!$C${r1}:$C${r2}"]
    assert [s.categories for s in lay.for_chart(0)] == [f"Outputs!$B${r1}:$B${r2}"] * 2 + [None]
    assert [s.values for s in lay.for_chart(1)] == [f"Outputs!$C${q1}:$C${q2}", f"Outputs!$D${q1}:$D${q2}"]
    assert lay.axis_titles == {1: "Financial year (outturn to 2099-00, then forecast)"}


@pytest.mark.parametrize("values,expected", [
    pytest.param([None, 1.0], 1, id="blank-first"), pytest.param([float("nan"), "", 5.0], 2, id="nan-and-empty"),
    pytest.param([3.0], 0, id="first")])
def test_first_published(values, expected):
    assert C.first_published(values) == expected


def test_built_workbook_charts_follow_the_layout(tmp_path):
    path = build.build(tmp_path / "b.xlsm", build_time="2026-01-01 00:00 UTC")
    lay = C.layout_for(bundled.history(), bundled.assumptions())
    got = _series(path)
    for i in (0, 1):
        assert got[i][0] == [(s.values, s.categories) for s in lay.for_chart(i)]
    assert got[1][1] == "Financial year (outturn to 2021-22, then forecast)"


class _ComSeries:
    def __init__(self, log, chart, k):
        self.log, self.chart, self.k = log, chart, k

    def __setattr__(self, name, value):
        if name in ("Values", "XValues"):
            self.log.append((self.chart, self.k, name, value))
        object.__setattr__(self, name, value)


class _ComChart:
    def __init__(self, log, i):
        self.log, self.i = log, i
        title = type("T", (), {})()
        self._axis = type("A", (), {"AxisTitle": title})()

    def SeriesCollection(self, k):  # noqa: N802 (Excel's name)
        return _ComSeries(self.log, self.i, k)

    def Axes(self, kind):  # noqa: N802
        self.log.append((self.i, "Axes", kind))
        return self._axis


def test_apply_xlwings_sets_each_series_through_com():
    log = []
    coms = [_ComChart(log, 0), _ComChart(log, 1)]
    charts = [type("Chart", (), {"api": (None, com)})() for com in coms]
    sheet = type("Sheet", (), {"charts": charts})()
    book = type("Book", (), {"sheets": {L.OUTPUTS: sheet}})()
    lay = C.chart_layout(8, 1, 8, "2022-23")
    C.apply_xlwings(book, lay)
    assert (0, 1, "Values", "=Outputs!$E$8:$E$14") in log
    assert (0, 2, "XValues", "=Outputs!$B$8:$B$14") in log
    assert (0, 3, "Values", "=Outputs!$C$8:$C$14") in log
    assert not any(e[:3] == (0, 3, "XValues") for e in log)    # the EHCP line keeps the bars' axis
    assert (1, 2, "Values", "=Outputs!$D$50:$D$64") in log
    assert (1, "Axes", 1) in log
    assert coms[1]._axis.AxisTitle.Text == "Financial year (outturn to 2022-23, then forecast)"
