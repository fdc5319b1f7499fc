"""Years after the scenario's own last year are "extrapolated", not "forecast" (issue 13 part 6):
the api's projection carries a per-year ``status``, the CLI shows it, and a cost per EHCP that
falls in the extrapolated years is warned about on stderr.

The bundled scenario's own years are the seed's forecast years (2022-23 to 2025-26: "Deficit
growth projected", tests/seed.py); its rows to 2030-31 say "extrapolated: 2025-26 drivers held".
The £11,504 per plan in 2030-31 is worked out here from the seed's 2021-22 outturn (£100,178,000
for 6,100 EHCPs) and the bundled file's cost-per-EHCP growth rates, read with the csv module."""

from __future__ import annotations

import csv
import io
import json

import pytest

from hnb_xl import api, bundled
from hnb_xl.cli import main
from tests.seed import DEFICIT_GROWTH_PROJECTED, HISTORY_TABLE

SEED_YEARS = [y for y in DEFICIT_GROWTH_PROJECTED if y > "2021-22"]       # 2022-23 .. 2025-26


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _bundled_rows():
    with bundled.data_path("assumptions_published_forecast_july_2022.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _cost_per_ehcp(year: str) -> float:
    """Seed 2021-22 spend per EHCP, grown by the bundled file's cost-per-EHCP growth to ``year``."""
    ehcps, _, _, _, spend_000, *_ = HISTORY_TABLE["2021-22"]
    cost = spend_000 * 1000 / ehcps
    for row in _bundled_rows():
        cost *= 1 + float(row["cost_per_ehcp_growth"])
        if row["financial_year"] == year:
            return cost
    raise AssertionError(year)


@pytest.mark.parametrize("year,status", [
    *[pytest.param(y, "forecast", id=f"{y}-seed-forecast-year") for y in SEED_YEARS],
    *[pytest.param(f"{y}-{(y + 1) % 100:02d}", "extrapolated", id=f"{y}-{(y + 1) % 100:02d}-held-drivers")
      for y in range(2026, 2031)],
])
def test_the_api_projection_carries_each_years_status(year, status):
    p = api.projection().set_index("financial_year")
    assert p.loc[year, "status"] == status


def test_years_past_an_assumptions_files_last_year_are_extrapolated(tmp_path):
    """A file without a basis column: its own last year is its last row (2025-26 here)."""
    path = tmp_path / "a.csv"
    rows = [r for r in _bundled_rows() if r["financial_year"] <= "2025-26"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["financial_year", "ehcp_growth", "cost_per_ehcp_growth", "funding_growth", "block_transfer",
                    "other_dsg_movements"])
        w.writerows([[r[k] for k in ("financial_year", "ehcp_growth", "cost_per_ehcp_growth", "funding_growth",
                                     "block_transfer", "other_dsg_movements")] for r in rows])
    p = api.projection(assumptions=str(path), to_year=2027)
    assert list(p["status"]) == ["forecast"] * 4 + ["extrapolated"] * 2


def test_project_json_and_table_show_the_status(capsys):
    code, out, _ = _run(capsys, "project", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [r["status"] for r in rows] == ["forecast"] * 4 + ["extrapolated"] * 5
    code, out, _ = _run(capsys, "project", "--format", "csv")
    assert next(csv.DictReader(io.StringIO(out)))["status"] == "forecast"
    code, out, _ = _run(capsys, "project")
    lines = {line.split()[0]: line for line in out.splitlines() if line[:2] == "20"}
    assert lines["2025-26"].rstrip().endswith("forecast") and lines["2026-27"].rstrip().endswith("extrapolated")


def test_a_falling_extrapolated_cost_per_ehcp_is_warned_about(capsys):
    """The bundled default extrapolates to £11,504 per plan in 2030-31 (from £14,346 in 2025-26)."""
    assert round(_cost_per_ehcp("2030-31")) == 11_504 and round(_cost_per_ehcp("2025-26")) == 14_346
    code, out, err = _run(capsys, "project", "--format", "json")
    assert code == 0 and json.loads(out)            # stdout stays clean JSON
    warning = [line for line in err.splitlines() if "warning" in line]
    assert len(warning) == 1
    assert "extrapolated years 2026-27 to 2030-31" in warning[0]
    assert "£14,346 in 2025-26" in warning[0] and "£11,504 in 2030-31" in warning[0]


@pytest.mark.parametrize("argv", [
    pytest.param(["--to", "2025-26"], id="no-extrapolated-years"),
    pytest.param(["--scenario", "unmitigated"], id="driver-forecast-cost-rises"),
])
def test_no_warning_without_a_falling_extrapolated_cost(capsys, argv):
    code, _, err = _run(capsys, "project", *argv)
    assert code == 0 and "warning" not in err


def test_a_rising_extrapolated_cost_is_not_warned_about(tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_text("financial_year,ehcp_growth,cost_per_ehcp_growth,funding_growth,block_transfer,other_dsg_movements\n"
                    "2022-23,0.1,0.02,0.05,2102000,0\n", encoding="utf-8")
    code, out, err = _run(capsys, "project", "--assumptions", str(path), "--to", "2025-26", "--format", "json")
    assert code == 0 and [r["status"] for r in json.loads(out)] == ["forecast"] + ["extrapolated"] * 3
    assert "warning" not in err


def test_the_report_projection_shows_the_status(capsys):
    code, out, _ = _run(capsys, "report")
    section = out[out.index("2. Projection"):out.index("4. ")]
    assert code == 0 and "extrapolated" in section and "forecast" in section


def test_the_report_warns_about_the_falling_extrapolated_cost_too(capsys):
    code, _, err = _run(capsys, "report", "--format", "json")
    assert code == 0 and "£11,504 in 2030-31" in err


def test_a_longer_horizon_is_warned_about_to_its_last_year(capsys):
    """The audit's `project --to 2040-41` ran silently to £7,397 per plan: the 2030-31 cost with the
    last row's growth held ten more years."""
    g = float(_bundled_rows()[-1]["cost_per_ehcp_growth"])
    assert round(_cost_per_ehcp("2030-31") * (1 + g) ** 10) == 7_397
    code, _, err = _run(capsys, "project", "--to", "2040-41", "--format", "csv")
    assert code == 0 and "extrapolated years 2026-27 to 2040-41" in err and "£7,397 in 2040-41" in err
