"""The bridge for one year from the replica to the driver forecast (issue 15 part 2):
hnb_xl.engine.sensitivity.bridge_year, hnb_xl.api.placement_bridge and ``hnb-xl forecast --bridge YEAR``.

What must hold: the changes (one per assumption, in the stated order) plus the residual add up to
driver - replica to the penny, on the bundled inputs and on other cases. Expected figures: the
seed's published forecast (tests/seed.py: the replica rounds to £93.2m in 2025-26), its -£2.4m a year of
other DSG movements (4 years to 2025-26: £9.6m), and arithmetic (a base-year accumulated deficit
£1m higher moves every later year's deficit by £1m and no step changes it: the residual).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from hnb_xl import api, bundled
from hnb_xl.cli import main
from hnb_xl.engine import sensitivity
from hnb_xl.engine.placement import project_placements

from .seed import DEFICIT_GROWTH_PROJECTED

PENNY = 0.005


def _deficit(inputs, year: str) -> float:
    return float(project_placements(inputs).summary.set_index("financial_year").loc[year, "accumulated_deficit"])


def _adds_up(out) -> None:
    """changes + residual == driver - replica (to the penny), and the rows name both forecasts."""
    rows = out.set_index("step")
    replica_deficit = rows.loc[sensitivity.REPLICA, "amount"]
    driver_deficit = rows.loc[sensitivity.UNMITIGATED, "amount"]
    parts = out.loc[out["kind"].isin(["change", "residual"]), "amount"].sum()
    assert abs(parts - (driver_deficit - replica_deficit)) < PENNY
    assert abs(rows.loc["Difference: driver forecast - replica", "amount"] - (driver_deficit - replica_deficit)) < PENNY
    assert list(out.loc[out["kind"] == "change", "step"]) == [label for label, _ in sensitivity.BRIDGE_STEPS]
    assert np.isfinite(out["amount"].to_numpy(float)).all()


def _other_case(driver):
    """A driver forecast unlike the bundled one: unit-cost inflation 1pp higher, the FY caseload
    6/12 + 6/12, other DSG movements -£1m a year, and a base-year deficit £1m higher (no step moves it)."""
    d = driver.drivers.copy()
    d["inflation"] = d["inflation"] + 0.01
    years = len(d)
    return driver.with_(drivers=d, weight_before=0.5, weight_after=0.5, other_dsg=(-1_000_000.0,) * years,
                        base_accumulated=float(driver.base_accumulated) + 1_000_000)


@pytest.mark.parametrize("year", [pytest.param("2022-23", id="bundled-first-year"),
                                  pytest.param("2025-26", id="bundled-2025-26"),
                                  pytest.param("2030-31", id="bundled-last-year")])
def test_bundled_bridge_adds_up_to_the_difference_to_the_penny(replica, driver, year):
    out = sensitivity.bridge_year(replica, driver, year)
    _adds_up(out)
    rows = out.set_index("step")["amount"]
    assert abs(rows[sensitivity.REPLICA] - _deficit(replica, year)) < PENNY
    assert abs(rows[sensitivity.UNMITIGATED] - _deficit(driver, year)) < PENNY
    assert abs(rows[sensitivity.RESIDUAL]) < PENNY   # the steps change every bundled input


def test_bundled_bridge_2025_26_starts_at_the_seed_and_drops_the_2_4m_a_year(replica, driver):
    rows = sensitivity.bridge_year(replica, driver, "2025-26").set_index("step")["amount"]
    assert round(rows[sensitivity.REPLICA] / 1e6, 1) == DEFICIT_GROWTH_PROJECTED["2025-26"][0]
    assert rows[sensitivity.BRIDGE_STEPS[0][0]] == pytest.approx(4 * 2_400_000, abs=PENNY)


@pytest.mark.parametrize("year", [pytest.param("2024-25", id="other-case-2024-25"),
                                  pytest.param("2027-28", id="other-case-2027-28")])
def test_other_case_bridge_adds_up_and_the_residual_is_the_base_year_million(replica, driver, year):
    other = _other_case(driver)
    out = sensitivity.bridge_year(replica, other, year)
    _adds_up(out)
    rows = out.set_index("step")["amount"]
    assert rows[sensitivity.RESIDUAL] == pytest.approx(1_000_000, abs=PENNY)
    assert abs(rows[sensitivity.UNMITIGATED] - _deficit(other, year)) < PENNY
    n = ["2022-23", "2023-24", "2024-25", "2025-26", "2026-27", "2027-28"].index(year) + 1
    # other DSG movements: the replica's -2.4m a year becomes -1m a year
    assert rows[sensitivity.BRIDGE_STEPS[0][0]] == pytest.approx(n * 1_400_000, abs=PENNY)


def test_bridge_year_outside_the_projection_is_refused(replica, driver):
    with pytest.raises(sensitivity.ModelError, match="2019-20 is not a projection year"):
        sensitivity.bridge_year(replica, driver, "2019-20")


def test_api_bridge_equals_the_engine_and_reaches_past_the_replica(replica, driver):
    out = api.placement_bridge(2025)
    assert out.equals(sensitivity.bridge_year(replica, driver, "2025-26"))
    later = api.placement_bridge(2029)       # past the replica's last year: the horizon follows the year
    _adds_up(later)


def test_cli_bridge_year_json_adds_up(capsys):
    assert main(["forecast", "--bridge", "2025-26", "--format", "json"]) == 0
    rows = {r["step"]: r for r in json.loads(capsys.readouterr().out)}
    parts = sum(r["amount"] for r in rows.values() if r["kind"] in ("change", "residual"))
    diff = rows[sensitivity.UNMITIGATED]["amount"] - rows[sensitivity.REPLICA]["amount"]
    assert abs(parts - diff) < PENNY


def test_cli_bridge_year_table_names_the_year_and_the_residual(capsys):
    assert main(["forecast", "--bridge", "2025-26"]) == 0
    out = capsys.readouterr().out
    assert "31 March 2026" in out and sensitivity.RESIDUAL in out and "£9,600,000" in out


@pytest.mark.parametrize("argv, message", [
    pytest.param(["--bridge", "2021-22"], "--bridge: 2021-22 is not a projection year", id="bridge-base-year-refused"),
    pytest.param(["--bridge", "2030-31", "--to", "2026-27"], "--bridge: 2030-31 is not a projection year",
                 id="bridge-year-after-to-refused"),
    pytest.param(["--bridge", "next year"], "--bridge", id="bridge-year-not-a-year"),
])
def test_cli_bridge_bad_year_is_one_line_exit_2(capsys, argv, message):
    try:
        code = main(["forecast", *argv])
    except SystemExit as exc:      # argparse refuses a value that is not a year
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
