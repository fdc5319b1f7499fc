"""HNB_PLACEMENTS, the Excel function that spills the placement projection (issue 15 part 5).

Expected figures: the seed's 2021-22 outturn (£100,178,000, HNB budget £85,327,000: tests/seed.py),
the placement engine's own inputs (hnb_xl/data/placement_*.csv) and api on the same inputs (the
function is an adapter: it must spill what api gives).
"""

from __future__ import annotations

import math

import pytest

from hnb_xl import api, udfs
from hnb_xl.engine.placement import CALIBRATION
from hnb_xl.sources.sen2.categories import PLACEMENT_CATEGORIES

from .seed import HISTORY_TABLE

BASE_OUTTURN = HISTORY_TABLE["2021-22"][4] * 1000         # £100,178,000
BASE_BUDGET = HISTORY_TABLE["2021-22"][2] * 1000          # £85,327,000


pytestmark = pytest.mark.usefixtures("fresh_udfs")


def _rows(grid):
    header, *body = grid
    return [dict(zip(header, r)) for r in body]


@pytest.mark.parametrize("args, by, to_year", [
    pytest.param((), "year", None, id="by-year-default"),
    pytest.param(("category",), "category", None, id="by-category"),
    pytest.param(("line", "2027-28"), "line", 2027, id="by-line-to-2027-28"),
    pytest.param(("Year", 2033), "year", 2033, id="by-year-to-2033-34-extrapolated"),
])
def test_spilled_figures_equal_api_on_the_same_inputs(args, by, to_year):
    grid = udfs.HNB_PLACEMENTS(*args)
    assert isinstance(grid, list), grid
    frame = api.placement_projection(by, to_year=to_year)
    assert len(grid) == len(frame) + 1
    assert grid[0] == [udfs.PLACEMENT_HEADERS[c] for c in frame.columns]
    for cells, rec in zip(grid[1:], frame.itertuples(index=False)):
        for got, want in zip(cells, rec):
            if isinstance(want, str):
                assert got == want
            else:
                assert got == pytest.approx(float(want), rel=0, abs=1e-6)
                assert math.isfinite(got)


def test_base_year_is_the_2021_22_outturn_with_its_calibration_line():
    first = _rows(udfs.HNB_PLACEMENTS())[0]
    assert first["Financial year"] == "2021-22" and first["Status"] == "outturn"
    assert first["HNB expenditure"] == pytest.approx(BASE_OUTTURN, abs=0.005)
    assert first["HNB income"] == pytest.approx(BASE_BUDGET, abs=0.005)
    parts = first["Spend on placements"] + first["Spend not per plan"] + first[CALIBRATION]
    assert parts == pytest.approx(BASE_OUTTURN, abs=0.005)
    assert first[CALIBRATION] != 0       # shown, not hidden

    lines = [r for r in _rows(udfs.HNB_PLACEMENTS("line")) if r["Financial year"] == "2021-22"]
    assert sum(r["Amount"] for r in lines) == pytest.approx(BASE_OUTTURN, abs=0.005)
    calibration = [r for r in lines if r["Line"] == CALIBRATION]
    assert len(calibration) == 1 and calibration[0]["Amount"] == pytest.approx(first[CALIBRATION], abs=0.005)


def test_by_category_names_the_seven_dsg_plan_categories_in_every_year():
    rows = _rows(udfs.HNB_PLACEMENTS("category"))
    years = {r["Financial year"] for r in rows}
    names = {r["Category"] for r in rows}
    assert names == set(PLACEMENT_CATEGORIES.values())
    assert len(rows) == 7 * len(years)
    for r in rows:   # spend is caseload x unit cost
        assert r["Spend"] == pytest.approx(r["FY caseload"] * r["Unit cost"], rel=1e-12)


@pytest.mark.parametrize("args, fragment", [
    pytest.param(("quarter",), "HNB_PLACEMENTS: by: expected year, category, line", id="by-unknown-view"),
    pytest.param((3,), "HNB_PLACEMENTS: by: expected year, category, line", id="by-a-number"),
    pytest.param(([["year", "line"]],), "HNB_PLACEMENTS: by: expected one cell", id="by-a-range"),
    pytest.param((None, "2020-21"), "HNB_PLACEMENTS: to_year: 2020-21 is not after the base year", id="to-year-history"),
    pytest.param((None, "soon"), "HNB_PLACEMENTS: to_year: expected a financial year", id="to-year-not-a-year"),
    pytest.param((None, "2150-51"), "HNB_PLACEMENTS: to_year: expected a financial year from", id="to-year-too-late"),
    # by, to_year and the ten input tables (history, placement history, the eight placement tables)
    pytest.param((None, "2022-23") + (None,) * 10 + (1,), "HNB_PLACEMENTS: takes at most 12 argument(s)",
                 id="too-many-arguments"),
])
def test_bad_arguments_return_one_line_naming_the_function_and_argument(args, fragment):
    out = udfs.HNB_PLACEMENTS(*args)
    assert isinstance(out, str) and out.startswith(fragment), out
    assert "\n" not in out and "Traceback" not in out and "unexpected error" not in out
