"""The Monte Carlo's settings and spreads on the Inputs sheet (issue 16, "Every new input is on the
Inputs sheet, refreshable, and in the CLI's --format json"): the bundled plan_montecarlo.csv and
plan_uncertainty.csv are the build's Inputs tables; a council's own files go to ``build --sources``
and ``refresh``; ``template --from`` writes them back; ``pack WORKBOOK`` runs the Monte Carlo with
them and ``report WORKBOOK --format json`` / ``plan --format json`` echo the settings used; a bad
value (paths 0, a correlation of 1.5, an unknown distribution or driver) is refused at its file's
row and column, or at its Inputs cell, the workbook byte for byte as it was.

Expected values are read from the bundled CSV files with the csv module, or typed here.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from hnb_xl import bundled
from hnb_xl.cli import main
from hnb_xl.sources import templates
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.snapshot import read_workbook

from tests import northshire
from tests.support import sha256_of, templated_copy, load_book

DATA = Path(bundled.data_path("plan_montecarlo.csv")).parent


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if not next(iter(r.values()), "").startswith("[")]


def _inputs_rows(book: Path, key: str) -> list[list]:
    """The data rows of Inputs table ``key`` at layout.py's cells, to the first empty row."""
    t = L.INPUT_TABLES[key]
    ws = read_workbook(book)[t.sheet]
    rows = [[ws.cell(t.first_row + i, t.first_col + j).value for j in range(len(t.headers))]
            for i in range(t.max_rows)]
    return [r for r in rows if any(v is not None for v in r)]


@pytest.fixture(scope="module")
def bundled_book(bundled_build, tmp_path_factory) -> Path:
    book = tmp_path_factory.mktemp("mc") / "HNB_Model.xlsm"
    shutil.copyfile(bundled_build, book)
    return book


def _own_files(folder: Path) -> Path:
    """Northshire's inputs and its own Monte Carlo files: 300 paths, seed 7, no delivery draw
    (blank), an EHCP growth sd of 3 percentage points."""
    settings = bundled.plan_montecarlo_table()
    settings["value"] = settings["value"].astype(object)
    settings.loc[settings["setting"] == "paths", "value"] = 300
    settings.loc[settings["setting"] == "seed", "value"] = 7
    settings.loc[settings["setting"] == "delivery_concentration", "value"] = None
    spreads = bundled.plan_uncertainty()
    spreads.loc[spreads["driver"] == "ehcp_growth", "sd"] = 0.03
    frames = {**northshire.frames(), "montecarlo": settings, "uncertainty": spreads}
    templates.write_templates(folder, frames, tables=tuple(frames), formats=("csv",))
    return folder


@pytest.fixture(scope="module")
def own_book(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mc_own")
    src = _own_files(folder / "src")
    book = folder / "Northshire_HNB.xlsm"
    assert main(["build", str(book), "--sources", *[f"{p.stem}={p}" for p in sorted(src.glob("*.csv"))]]) == 0
    return book


# ------------------------------------------------------------------------------------------ build

@pytest.mark.parametrize("key, file, first", [
    pytest.param("montecarlo", "plan_montecarlo.csv", "setting", id="settings-on-inputs"),
    pytest.param("uncertainty", "plan_uncertainty.csv", "driver", id="spreads-on-inputs"),
])
def test_the_build_puts_the_bundled_files_on_the_inputs_sheet(bundled_book, key, file, first):
    rows = _inputs_rows(bundled_book, key)
    expected = _csv(DATA / file)
    assert [r[0] for r in rows] == [e[first] for e in expected]
    value = 1 if key == "montecarlo" else 2
    assert [float(r[value]) for r in rows] == [float(list(e.values())[value] or "nan") for e in expected]


def test_the_built_workbook_passes_the_static_check(own_book, capsys):
    """The blank delivery concentration is an allowed empty input cell."""
    assert main(["check", str(own_book)]) == 0


def test_build_sources_puts_a_councils_settings_on_the_inputs_sheet(own_book):
    rows = {r[0]: r[1] for r in _inputs_rows(own_book, "montecarlo")}
    assert rows["paths"] == 300 and rows["seed"] == 7 and rows["delivery_concentration"] is None
    assert {r[0]: r[2] for r in _inputs_rows(own_book, "uncertainty")}["ehcp_growth"] == 0.03


# ------------------------------------------------------------------------------- json and the pack

def test_report_workbook_json_echoes_the_workbooks_settings(own_book, capsys):
    assert main(["report", str(own_book), "--format", "json"]) == 0
    used = json.loads(capsys.readouterr().out)["montecarlo"]["used"]
    assert used["paths"] == 300 and used["seed"] == 7 and used["delivery_concentration"] is None
    assert used["sd"]["ehcp_growth"] == 0.03 and used["ehcp_cost_correlation"] == -0.4


def test_plan_json_echoes_the_bundled_settings(capsys):
    assert main(["plan", "--format", "json"]) == 0
    mc = json.loads(capsys.readouterr().out)["montecarlo"]
    expected = {r["setting"]: float(r["value"]) for r in _csv(DATA / "plan_montecarlo.csv")}
    assert mc["used"]["paths"] == expected["paths"] and mc["used"]["seed"] == expected["seed"]
    assert mc["used"]["year_correlation"] == expected["year_correlation"]
    assert [r["driver"] for r in mc["spreads"]] == [r["driver"] for r in _csv(DATA / "plan_uncertainty.csv")]


def test_pack_workbook_runs_the_monte_carlo_with_the_workbooks_settings(own_book, tmp_path):
    out = tmp_path / "pack"
    assert main(["pack", str(own_book), "--output", str(out)]) == 0
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "300 paths, seed 7" in html


def test_pack_paths_option_goes_over_the_workbooks(own_book, tmp_path):
    out = tmp_path / "pack"
    assert main(["pack", str(own_book), "--output", str(out), "--paths", "120"]) == 0
    assert "120 paths, seed 7" in (out / "index.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------- refresh

def _set(path: Path, row_key: str, column: str, value: str) -> None:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    i = rows[0].index(column)
    hit = [r for r in rows[2:] if r[0] == row_key]
    assert hit, row_key
    hit[0][i] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def test_template_from_writes_the_settings_back_out(own_book, tmp_path):
    _book, src = templated_copy(own_book, tmp_path)
    settings = {r["Setting"]: r["Value"] for r in _csv(src / "montecarlo.csv")}
    assert settings["paths"] == "300" and settings["seed"] == "7" and settings["delivery_concentration"] == ""
    assert {r["Driver"]: r["SD"] for r in _csv(src / "uncertainty.csv")}["ehcp_growth"] == "0.03"


def test_a_refresh_changes_the_settings(own_book, tmp_path, capsys):
    book, src = templated_copy(own_book, tmp_path)
    _set(src / "montecarlo.csv", "paths", "Value", "500")
    _set(src / "uncertainty.csv", "funding_growth", "SD", "0.015")
    assert main(["refresh", str(book), str(src)]) == 0
    assert {r[0]: r[1] for r in _inputs_rows(book, "montecarlo")}["paths"] == 500
    assert {r[0]: r[2] for r in _inputs_rows(book, "uncertainty")}["funding_growth"] == 0.015
    capsys.readouterr()
    assert main(["report", str(book), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["montecarlo"]["used"]["paths"] == 500


def test_a_refresh_without_the_settings_keeps_them(own_book, tmp_path):
    book, src = templated_copy(own_book, tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copyfile(src / "schools.csv", other / "schools.csv")
    before = {k: _inputs_rows(book, k) for k in ("montecarlo", "uncertainty")}
    assert main(["refresh", str(book), str(other), "--replace", "schools"]) == 0
    assert {k: _inputs_rows(book, k) for k in ("montecarlo", "uncertainty")} == before


@pytest.mark.parametrize("file, key, column, value, row, says", [
    pytest.param("montecarlo.csv", "paths", "Value", "0", 3, "paths", id="paths-0"),
    pytest.param("montecarlo.csv", "ehcp_cost_correlation", "Value", "1.5", 6, "ehcp_cost_correlation",
                 id="correlation-1.5"),
    pytest.param("montecarlo.csv", "year_correlation", "Value", "1", 5, "below 1", id="year-correlation-1"),
    pytest.param("uncertainty.csv", "ehcp_growth", "Distribution", "lognormal", 3, "not supported",
                 id="unknown-distribution"),
    pytest.param("uncertainty.csv", "funding_growth", "Driver", "births", 5, "unknown driver", id="unknown-driver"),
    pytest.param("uncertainty.csv", "block_transfer", "SD", "-5", 7, "SD", id="negative-sd"),
])
def test_a_bad_setting_is_refused_at_its_row_and_column(own_book, tmp_path, capsys, file, key, column, value, row,
                                                        says):
    book, src = templated_copy(own_book, tmp_path)
    _set(src / file, key, column, value)
    before = sha256_of(book)
    capsys.readouterr()
    assert main(["refresh", str(book), str(src)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    assert file in err[0] and f"row {row}" in err[0] and f"'{column}'" in err[0] and says in err[0], err[0]
    assert sha256_of(book) == before


@pytest.mark.parametrize("key, setting, value, says", [
    pytest.param("montecarlo", "paths", 0, "paths", id="inputs-paths-0"),
    pytest.param("montecarlo", "ehcp_cost_correlation", 1.5, "ehcp_cost_correlation", id="inputs-correlation-1.5"),
    pytest.param("uncertainty", "ehcp_growth", "lognormal", "not supported", id="inputs-unknown-distribution"),
])
def test_a_bad_setting_typed_on_the_inputs_sheet_is_named_at_its_cell(own_book, tmp_path, capsys, key, setting,
                                                                      value, says):
    t = L.INPUT_TABLES[key]
    book = tmp_path / own_book.name
    shutil.copyfile(own_book, book)
    wb = load_book(book, keep_vba=True)
    ws = wb[t.sheet]
    column = "Value" if key == "montecarlo" else "Distribution"
    i = next(i for i in range(t.max_rows) if ws.cell(t.first_row + i, t.first_col).value == setting)
    cell = t.cell(column, i)
    ws[cell] = value
    wb.save(book)
    capsys.readouterr()
    assert main(["pack", str(book), "--output", str(tmp_path / "pack")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{L.INPUTS}!{cell}" in err[0] and says in err[0], err


def test_build_refuses_a_bad_setting_and_writes_nothing(tmp_path, capsys):
    settings = bundled.plan_montecarlo_table()
    settings["value"] = settings["value"].astype(object)
    settings.loc[settings["setting"] == "paths", "value"] = 0          # the first setting: file row 3
    src = tmp_path / "src"
    templates.write_templates(src, {"montecarlo": settings}, tables=("montecarlo",), formats=("csv",))
    out = tmp_path / "b.xlsm"
    capsys.readouterr()
    assert main(["build", str(out), "--sources", f"montecarlo={src / 'montecarlo.csv'}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "montecarlo.csv" in err[0] and "row 3" in err[0] and "'Value'" in err[0], err
    assert "paths" in err[0] and not out.exists()
