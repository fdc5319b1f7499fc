"""`hnb-xl project --scenario replica|unmitigated` (issue 15): the replica of the published July
2022 forecast (the bundled default, its old name kept as an alias) and the unmitigated placement-
driver forecast, in the same columns.

The replica's figures are the seed's ("Deficit growth projected": £49.1m / £62.3m / £77.1m /
£93.2m, tests/seed.py). The unmitigated figures are not typed here: they are the placement engine's
own run (:func:`hnb_xl.engine.placement.project_placements` of the bundled placement tables on the
bundled history, made here from the tables), which the command must reproduce."""

from __future__ import annotations

import json

import pytest

from hnb_xl import bundled
from hnb_xl.cli import main
from hnb_xl.engine.placement import project_placements
from hnb_xl.tables import placement as tables
from tests.seed import DEFICIT_GROWTH_PROJECTED

SEED_YEARS = [y for y in DEFICIT_GROWTH_PROJECTED if y > "2021-22"]       # 2022-23 .. 2025-26
LABEL = "Replica of the published July 2022 forecast"


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _deficits(capsys, *argv) -> dict[str, float]:
    code, out, _ = _run(capsys, "project", *argv, "--format", "json")
    assert code == 0
    return {r["financial_year"]: r["accumulated_deficit"] for r in json.loads(out)}


def _placement_engine() -> dict[str, float]:
    """The placement engine run on the bundled placement tables and history (no command, no api)."""
    t = tables.load_tables()
    s = project_placements(tables.inputs(t, bundled.history())).summary
    return dict(zip(s["financial_year"], s["accumulated_deficit"]))


@pytest.mark.parametrize("scenario", [pytest.param([], id="default"), pytest.param(["--scenario", "replica"], id="replica"),
                                      pytest.param(["--scenario", "published-forecast-july-2022"], id="old-name-alias")])
@pytest.mark.parametrize("year", SEED_YEARS)
def test_the_replica_reproduces_the_seeds_forecast(capsys, scenario, year):
    got = _deficits(capsys, *scenario)
    assert round(got[year] / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[year][0]


@pytest.mark.parametrize("year", SEED_YEARS)
def test_unmitigated_is_the_placement_engines_own_run_and_not_the_replica(capsys, year):
    unmitigated = _deficits(capsys, "--scenario", "unmitigated")
    replica = _deficits(capsys, "--scenario", "replica")
    assert unmitigated[year] == pytest.approx(_placement_engine()[year], abs=0.01)
    assert abs(unmitigated[year] - replica[year]) > 1e6


def test_unmitigated_is_the_forecast_commands_driver_forecast(capsys):
    code, out, _ = _run(capsys, "forecast", "--scenario", "unmitigated", "--format", "json")
    forecast = {r["financial_year"]: r["unmitigated_accumulated"] for r in json.loads(out)}
    got = _deficits(capsys, "--scenario", "unmitigated")
    assert code == 0 and all(got[y] == pytest.approx(forecast[y], abs=0.01) for y in got)


def test_unmitigated_columns_are_the_replicas(capsys):
    code, out, _ = _run(capsys, "project", "--scenario", "unmitigated", "--format", "json")
    rows = json.loads(out)
    code2, out2, _ = _run(capsys, "project", "--format", "json")
    assert code == code2 == 0 and list(rows[0]) == list(json.loads(out2)[0])
    for r in rows:   # spend = EHCPs x cost per EHCP; budget = funding + transfer (independent arithmetic)
        assert r["hnb_expenditure"] == pytest.approx(r["ehcp_count"] * r["cost_per_ehcp"])
        assert r["hnb_budget"] == pytest.approx(r["hnb_funding"] + r["block_transfer"])


@pytest.mark.parametrize("argv,title", [
    pytest.param(["project"], f"Projection: {LABEL} (£)", id="project-replica"),
    pytest.param(["project", "--scenario", "unmitigated"], "Projection: Unmitigated (placement drivers) (£)",
                 id="project-unmitigated"),
    pytest.param(["report"], LABEL, id="report"),
    pytest.param(["forecast", "--bridge"], LABEL, id="forecast-bridge"),
])
def test_the_replica_is_labelled_as_such_where_the_scenario_is_named(capsys, argv, title):
    code, out, _ = _run(capsys, *argv)
    assert code == 0 and title in out
    assert "Published forecast, July 2022 (calibrated" not in out


def test_an_unknown_scenario_is_one_line_naming_the_option_and_the_choices(capsys):
    with pytest.raises(SystemExit) as e:
        main(["project", "--scenario", "best-case"])   # ("mitigated" was the example until it became a scenario)
    err = capsys.readouterr().err
    assert e.value.code == 2 and len(err.strip().splitlines()) == 1
    assert "--scenario" in err and "'replica'" in err and "'unmitigated'" in err and "Traceback" not in err


@pytest.mark.parametrize("option", ["--history", "--assumptions"])
def test_unmitigated_refuses_the_replicas_input_files(capsys, option):
    code, _, err = _run(capsys, "project", "--scenario", "unmitigated", option, "x.csv")
    assert code == 2 and err.startswith(f"hnb-xl: error: {option}: is for the replica")


@pytest.mark.parametrize("scenario,statuses", [
    pytest.param("both", ["outturn"] + ["forecast"] * 4 + ["extrapolated"] * 5, id="side-by-side-replica-years"),
    pytest.param("unmitigated", ["outturn"] + ["forecast"] * 9, id="placement-drivers-run-to-2030-31"),
])
def test_forecast_marks_the_base_year_outturn_and_the_extrapolated_years(capsys, scenario, statuses):
    code, out, _ = _run(capsys, "forecast", "--scenario", scenario, "--format", "json")
    assert code == 0 and [r["status"] for r in json.loads(out)] == statuses
