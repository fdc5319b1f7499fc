"""The placement engine (issue 15 part 1): caseload x unit cost by the DSG plan's seven categories.

Expected numbers come from the seed (tests/seed.py), DfE's SEN2 release (the counts typed below) or
arithmetic done here by hand, never from the engine's own output.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from hnb_xl import bundled
from hnb_xl.cli import main
from hnb_xl.engine.placement import CALIBRATION, PlacementInputs, from_aggregate, project_placements
from hnb_xl.engine.projection import project
from hnb_xl.errors import ModelError
from hnb_xl.tables import placement as tables

from .seed import HISTORY_TABLE

# DfE, Education, health and care plans, reporting year 2025, Cambridgeshire: the seven categories
SEN2_JANUARY_2022 = {"mainstream": 2278, "resourced_provision": 202, "special": 1485, "independent": 227,
                     "hospital_ap": 2, "post_16": 1018, "other": 888}
SEN2_JANUARY_2021_TOTAL = 5292


def _assumptions(kind: str) -> pd.DataFrame:
    a = bundled.assumptions()
    if kind == "flat":
        a[["ehcp_growth", "cost_per_ehcp_growth", "funding_growth", "block_transfer", "other_dsg_movements"]] = 0.0
    elif kind == "transfers-every-year":
        a["block_transfer"] = 1_500_000.0
        a["ehcp_growth"] = np.linspace(0.14, 0.02, len(a))
    return a


@pytest.mark.parametrize("kind", [pytest.param("bundled", id="replica-assumptions"),
                                  pytest.param("flat", id="no-growth-at-all"),
                                  pytest.param("transfers-every-year", id="transfers-and-falling-growth")])
def test_one_category_equals_the_aggregate_engine_to_the_penny(kind):
    history, a = bundled.history(), _assumptions(kind)
    aggregate = project(history, a)
    placement = project_placements(from_aggregate(history, a)).summary.iloc[1:].reset_index(drop=True)
    for mine, theirs in [("ehcp_count", "ehcp_count"), ("hnb_expenditure", "hnb_expenditure"),
                         ("hnb_income", "hnb_budget"), ("block_transfer", "block_transfer"),
                         ("in_year_deficit", "in_year_deficit"), ("accumulated_deficit", "accumulated_deficit")]:
        assert np.abs(placement[mine].to_numpy() - aggregate[theirs].to_numpy()).max() < 0.005, mine


@pytest.fixture(scope="module")
def result(driver):
    return project_placements(driver)


def test_bundled_base_mix_is_sen2_january_2022_and_adds_to_the_seeds_6100():
    census = tables.load_tables()["census"].set_index("category")["census_base"].to_dict()
    assert census == SEN2_JANUARY_2022
    assert sum(census.values()) == HISTORY_TABLE["2021-22"][0] == 6100


def test_base_year_equals_the_2021_22_outturn_with_the_calibration_line_shown(result):
    outturn = HISTORY_TABLE["2021-22"][4] * 1000            # £100,178,000, seed
    base = result.summary.iloc[0]
    assert base["financial_year"] == "2021-22"
    assert base["hnb_expenditure"] == pytest.approx(outturn, abs=1e-6)
    lines = result.lines[result.lines["financial_year"] == "2021-22"]
    assert lines["amount"].sum() == pytest.approx(outturn, abs=1e-6)
    calibration = lines.loc[lines["line"] == CALIBRATION, "amount"]
    assert len(calibration) == 1
    explained = lines.loc[lines["kind"] != "calibration", "amount"].sum()
    assert calibration.iloc[0] == pytest.approx(outturn - explained, abs=1e-6)
    assert base["in_year_deficit"] == pytest.approx(HISTORY_TABLE["2021-22"][6] * 1000, abs=1e-6)


def test_financial_year_caseload_is_five_twelfths_before_and_seven_after(result):
    base = result.summary.iloc[0]
    assert base["fy_caseload"] == pytest.approx((5 * SEN2_JANUARY_2021_TOTAL + 7 * 6100) / 12)
    s = result.summary
    assert s["fy_caseload"].iloc[1] == pytest.approx((5 * s["ehcp_count"].iloc[0] + 7 * s["ehcp_count"].iloc[1]) / 12)


def test_one_year_transfer_never_enters_the_next_years_base(result):
    s = result.summary.set_index("financial_year")
    base = HISTORY_TABLE["2021-22"][2] * 1000 - 634_000        # seed budget less the one-year 0.16% transfer
    assert s.loc["2021-22", "hnb_allocation"] == base
    assert s.loc["2022-23", "hnb_allocation"] == pytest.approx(base * 1.083)
    assert s.loc["2022-23", "hnb_income"] == pytest.approx(base * 1.083 + 2_102_000)
    assert s.loc["2023-24", "hnb_allocation"] == pytest.approx(base * 1.083 * 1.06)


def _small(**changes) -> PlacementInputs:
    """Two categories worked by hand: 100 mainstream at £5,000, 50 special at £20,000."""
    cats = pd.DataFrame({"category": ["mainstream", "special"], "census_before": [100.0, 50.0],
                         "census_base": [100.0, 50.0], "unit_cost": [5000.0, 20000.0], "new_plan_share": [0.5, 0.5],
                         "ceased_rate": [0.0, 0.0], "complexity_drift": [0.0, 0.0], "overflow_to": ["", ""]})
    drivers = pd.DataFrame({"financial_year": ["2022-23", "2023-24"], "requests": [np.nan, np.nan],
                            "assessed_share": [np.nan, np.nan], "issued_share": [np.nan, np.nan],
                            "new_plan_growth": [0.0, 0.0], "inflation": [0.0, 0.0]})
    income = pd.DataFrame({"financial_year": ["2021-22", "2022-23", "2023-24"], "allocation": [1.5e6, np.nan, np.nan],
                           "allocation_growth": [np.nan, 0.0, 0.0], "transfer": [0.0, 0.0, 0.0]})
    other = pd.DataFrame({"line": ["SEN support services"], "amount": [100_000.0], "growth": [0.1]})
    base = dict(categories=cats, drivers=drivers, income=income, other_spend=other, base_year="2021-22",
                base_outturn=1_600_000.0, base_accumulated=0.0, weight_before=0.0, weight_after=1.0)
    base.update(changes)
    return PlacementInputs(**base)


def test_new_plans_from_requests_assessed_and_issued():
    i = _small()
    d = i.drivers.copy()
    d.loc[0, ["requests", "assessed_share", "issued_share"]] = [200, 0.5, 0.8]   # 80 new plans
    r = project_placements(i.with_(drivers=d)).by_category.set_index(["financial_year", "category"])
    assert r.loc[("2022-23", "mainstream"), "census_count"] == pytest.approx(140)
    assert r.loc[("2022-23", "special"), "census_count"] == pytest.approx(90)


def test_capacity_overflows_to_independent_and_spare_places_take_the_backlog():
    i = _small()
    cats = pd.concat([i.categories, pd.DataFrame({"category": ["independent"], "census_before": [0.0],
                                                  "census_base": [0.0], "unit_cost": [50000.0],
                                                  "new_plan_share": [0.0], "ceased_rate": [0.0],
                                                  "complexity_drift": [0.0], "overflow_to": [""]})],
                     ignore_index=True)
    cats.loc[1, "overflow_to"] = "independent"
    d = i.drivers.copy()
    d["new_plan_growth"] = [0.2, 0.0]                   # 30 new plans in 2022-23: 15 want special
    cap = pd.DataFrame({"financial_year": ["2022-23", "2023-24"], "category": ["special", "special"],
                        "places": [60.0, 80.0]})
    backlog = pd.DataFrame({"category": ["special"], "waiting_in": ["mainstream"], "pupils": [10.0]})
    r = project_placements(i.with_(categories=cats, drivers=d, capacity=cap, backlog=backlog))
    by = r.by_category.set_index(["financial_year", "category"])["census_count"]
    # 2022-23: special wants 65 against 60 places -> 5 to independent, the backlog of 10 still waits
    assert by[("2022-23", "special")] == 60 and by[("2022-23", "independent")] == 5
    assert by[("2022-23", "mainstream")] == 115
    # 2023-24: 80 places, 60 in special -> the 10 waiting are placed from mainstream
    assert by[("2023-24", "special")] == 70 and by[("2023-24", "mainstream")] == 105
    assert list(r.summary["backlog"]) == [10, 10, 0]


def test_unit_cost_inflation_and_drift_and_lines_with_their_growth():
    i = _small()
    d = i.drivers.copy()
    d["inflation"] = [0.05, 0.0]
    cats = i.categories.copy()
    cats["complexity_drift"] = [0.0, 0.02]
    r = project_placements(i.with_(drivers=d, categories=cats))
    by = r.by_category.set_index(["financial_year", "category"])["unit_cost"]
    assert by[("2022-23", "special")] == pytest.approx(20000 * 1.05 * 1.02)
    assert by[("2023-24", "mainstream")] == pytest.approx(5000 * 1.05)
    lines = r.lines.set_index(["financial_year", "line"])["amount"]
    assert lines[("2023-24", "SEN support services")] == pytest.approx(121_000)
    assert lines[("2023-24", CALIBRATION)] == pytest.approx(1_600_000 - 500_000 - 1_000_000 - 100_000)


@pytest.mark.parametrize("change, field", [
    pytest.param({"new_plan_share": [0.5, 0.4]}, "new_plan_share", id="shares-not-adding-to-one"),
    pytest.param({"overflow_to": ["", "nowhere"]}, "overflow_to", id="overflow-to-an-unknown-category"),
])
def test_bad_categories_name_the_field_and_row(change, field):
    i = _small()
    cats = i.categories.copy()
    for k, v in change.items():
        cats[k] = v
    with pytest.raises(ModelError) as err:
        project_placements(i.with_(categories=cats))
    assert err.value.field == field and err.value.table == "categories" and err.value.index == 1


def test_no_nan_or_infinity_in_any_output(result):
    for frame in (result.summary, result.by_category, result.lines):
        assert np.isfinite(frame.select_dtypes("number").to_numpy(float)).all()


@pytest.mark.parametrize("args", [pytest.param([], id="side-by-side"), pytest.param(["--by", "category"], id="by-category"),
                                  pytest.param(["--by", "line"], id="by-line"), pytest.param(["--bridge"], id="bridge"),
                                  pytest.param(["--tornado", "2025-26"], id="tornado"),
                                  pytest.param(["--to", "2031-32"], id="to-2031-32"),
                                  pytest.param(["--monte-carlo", "500"], id="monte-carlo"),
                                  pytest.param(["--break-even", "2025-26"], id="break-even")])
def test_forecast_json_has_no_nan(args, capsys):
    assert main(["forecast", *args, "--format", "json"]) == 0
    text = capsys.readouterr().out
    assert "NaN" not in text and "Infinity" not in text and "null" not in text
    assert json.loads(text)


def _folder(tmp_path, name, replace):
    src = bundled.data_path(f"placement_{name}.csv")
    text = src.read_text(encoding="utf-8")
    old, new = replace
    assert old in text
    (tmp_path / f"placement_{name}.csv").write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name, replace, expected", [
    pytest.param("categories", ("mainstream,7000,0.66", "mainstream,7000,0.76"),
                 "placement_categories.csv, row 8, column 'new_plan_share': the new plans' shares add up to 1.1",
                 id="shares-add-to-1.1"),
    pytest.param("categories", ("mainstream,7000,0.66", "mainstream,7000,66%x"),
                 "placement_categories.csv, row 2, column 'new_plan_share': expected a number", id="share-not-a-number"),
    pytest.param("moves", ("mainstream,special,20", "mainstream,specail,20"),
                 "placement_moves.csv, row 2, column 'to_category': 'specail' is not a placement category", id="move-to-a-typo"),
    pytest.param("income", ("2023-24,,0.06,0", "2023-24,,,0"),
                 "placement_income.csv, row 4, column 'allocation_growth': 2023-24 has neither", id="income-year-blank"),
])
def test_bad_input_is_one_located_line_exit_2(tmp_path, capsys, name, replace, expected):
    folder = _folder(tmp_path, name, replace)
    assert main(["forecast", "--inputs", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert expected in err


@pytest.mark.parametrize("make, expected", [
    pytest.param(lambda p: p / "missing", "missing: is not a folder", id="inputs-folder-missing"),
    pytest.param(lambda p: p, "has none of the placement files", id="inputs-folder-without-placement-files"),
])
def test_inputs_folder_problems_are_one_line(tmp_path, capsys, make, expected):
    assert main(["forecast", "--inputs", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err


def test_months_before_census_setting_sets_the_weights(tmp_path):
    folder = _folder(tmp_path, "settings", ("months_before_census,5,", "months_before_census,0,"))
    r = project_placements(tables.inputs(tables.load_tables(folder)))
    s = r.summary
    assert s["fy_caseload"].iloc[0] == pytest.approx(6100)                  # the census after only
    assert s["fy_caseload"].iloc[2] == pytest.approx(s["ehcp_count"].iloc[2])


@pytest.mark.parametrize("args, expected", [
    pytest.param(["--to", "2021-22"], "--to: 2021-22 is not after the base year 2021-22", id="to-the-base-year"),
    pytest.param(["--monte-carlo", "0"], "--monte-carlo: 0 paths: give 1 to 1,000,000", id="monte-carlo-no-paths"),
    pytest.param(["--tornado", "2031-32"], "--tornado: 2031-32 is not a projection year", id="tornado-past-the-horizon"),
    pytest.param(["--to", "2025-26", "--break-even", "2026-27"], "--break-even: 2026-27 is after --to 2025-26",
                 id="break-even-after-to"),
])
def test_bad_forecast_options_are_one_line_exit_2(capsys, args, expected):
    assert main(["forecast", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err
