"""`hnb-xl verify WORKBOOK` (hnb_xl/workbook/verify/run.py, compare.py): the committed and a freshly
refreshed workbook pass; a hand-edited formula, a deleted row and an input typed as text are each
found at their cell; the file is never changed; exit codes 0/1/2; no LibreOffice is a finding.

Expected counts are independent arithmetic on the seed's tables (7 history years: the seed's 2016-17..2021-22 and the base year 2015-16,
9 projected years to 2030-31, 250 demo schools, the Inputs layout), never the code's output.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hnb_xl.cli import main
from hnb_xl.sources import templates
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.verify import run as verify_run
from hnb_xl.workbook.verify import soffice as offices
from hnb_xl.workbook.verify.compare import agrees
from hnb_xl.workbook.verify.run import verify

from tests import seed
from tests.support import bundled_frames, sha256_of as sha, load_book

pytestmark = pytest.mark.libreoffice

COMMITTED = Path(__file__).resolve().parents[1] / "workbook" / "HNB_Model.xlsm"
# the seed's history table (2016-17..2021-22) and its base year 2015-16 (the base of the growth rates)
HISTORY_YEARS, PROJECTED_YEARS, SCHOOLS = len(seed.HISTORY_TABLE) + 1, 9, 250
# the Safety_Valve sheet's plan: the five ILLUSTRATIVE workstreams of hnb_xl/data/plan_workstreams.csv
WORKSTREAMS = 5
# Safety_Valve results compared: first balance year, cleared year, target met (and, where the sheet
# has them, the agreement's end year and the gap left then)
SV_RESULTS = 3 + sum(key in L.SV for key in ("end_year", "gap_at_end"))
# Calc_History and Calc_Projection: 11 rows a year (year + 10 engine columns); Outputs: the history
# table's 9 columns a year and the deficit table's 4 columns a year over history + projection;
# Calc_Contingency: 3 columns a school + 3 totals; Calc_Transfer: 4 totals; Safety_Valve: 13 rows a
# year (year + 12 plan columns, the General Fund saving one of them), one saving row a workstream a
# year, and the results
# Calc_Placement (issue 15 item 5): the base year and the nine drivers years of
# hnb_xl/data/placement_drivers.csv, each with its year, 12 summary rows, the 7 categories' census, FY
# caseload, unit cost and spend, and the 6 lines of placement_other_spend.csv
PLACEMENT = (1 + 9) * (1 + 12 + 7 * 4 + 6)
COMPARED = (11 * HISTORY_YEARS + 11 * PROJECTED_YEARS + 9 * HISTORY_YEARS + 4 * (HISTORY_YEARS + PROJECTED_YEARS)
            + 3 * SCHOOLS + 3 + 4 + 13 * PROJECTED_YEARS + WORKSTREAMS * PROJECTED_YEARS + SV_RESULTS + PLACEMENT)




@pytest.fixture(scope="module")
def committed_report(libreoffice):
    before = sha(COMMITTED)
    report = verify(COMMITTED, office=libreoffice)
    assert sha(COMMITTED) == before, "verify must never change the file"
    return report


def edited(tmp_path, edit) -> Path:
    """A copy of the committed workbook changed by ``edit(wb)`` and saved as openpyxl saves."""
    path = tmp_path / "edited.xlsm"
    wb = load_book(COMMITTED, keep_vba=True)
    edit(wb)
    wb.save(path)
    return path


def where(report) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in report.findings:
        out.setdefault(f"{f.sheet}!{f.cell}", []).append(f)
    return out


# ------------------------------------------------------------------------------ what passes

def test_the_committed_workbook_passes(committed_report):
    assert committed_report.findings == []
    assert committed_report.recalculated and committed_report.master_check == 1


def test_every_twin_is_compared(committed_report):
    """COMPARED above: 1,060 cells on the calculation and output sheets, and on Safety_Valve
    13 x 9 + 5 x 9 + 3 = 165 (with the agreement's end and gap rows, 2 more), and on Calc_Placement 470."""
    assert committed_report.compared == COMPARED
    assert COMPARED - 165 - (SV_RESULTS - 3) - PLACEMENT == 1060 and PLACEMENT == 470


def test_the_steps_are_timed(committed_report):
    assert {"load", "static check", "inputs", "engine", "compare"} <= set(committed_report.seconds)
    assert any(k.startswith("recalculate") for k in committed_report.seconds)
    assert all(v >= 0 for v in committed_report.seconds.values())


def test_a_freshly_refreshed_workbook_passes(libreoffice, tmp_path):
    """Refreshed with a changed history (2021-22: 6,200 EHCPs, was 6,100) and one more school: the
    recalculated formulas still agree with the engine on the new inputs."""
    book = tmp_path / "HNB_Model.xlsm"
    shutil.copyfile(COMMITTED, book)
    src = tmp_path / "src"
    templates.write_templates(src, bundled_frames())
    (src / "hnb_sources.xlsx").unlink()
    text = (src / "history.csv").read_text(encoding="utf-8")
    assert "2021-22,6100," in text
    (src / "history.csv").write_text(text.replace("2021-22,6100,", "2021-22,6200,"), encoding="utf-8")
    s = (src / "schools.csv").read_text(encoding="utf-8").splitlines()
    (src / "schools.csv").write_text("\n".join(s + ["900999,New School (synthetic),Primary,100,40,30000"]) + "\n",
                                     encoding="utf-8")
    assert main(["refresh", str(book), str(src)]) == 0
    report = verify(book, office=libreoffice)
    assert report.findings == []
    assert report.compared == COMPARED + 3          # one more school: 3 more cells


# ------------------------------------------------------------------------------ what is found

def _projection_cell(key: str, year_index: int) -> str:
    return f"{L.col(L.PROJ['first_col'] + year_index)}{L.PROJ[key]}"


def _plus_one(wb):
    ws = wb[L.CALC_PROJECTION]
    cell = _projection_cell("expenditure", 1)              # 2023-24
    ws[cell] = ws[cell].value + "+1"


def _delete_cost_row(wb):
    wb[L.CALC_PROJECTION].delete_rows(L.PROJ["cost"])   # openpyxl moves the cells, not the references


def _text_expenditure(wb):
    t = L.INPUT_TABLES["history"]
    wb[t.sheet][t.cell("HNB expenditure", 6)] = "100,178k"   # 2021-22, typed as text


def _text_pot(wb):
    t = L.INPUT_TABLES["parameters"]
    wb[t.sheet][f"{L.col(t.col_of('Value'))}{L.parameter_row('send_contingency_pot')}"] = "450k"


def _sv_cell(key: str, year_index: int) -> str:
    return f"{L.col(L.PROJ['first_col'] + year_index)}{L.SV[key]}"


def _sv_dfe_plus_one(wb):
    ws = wb[L.SAFETY_VALVE]
    cell = _sv_cell("dfe", 1)                              # 2023-24
    ws[cell] = ws[cell].value + "+1"


def _sv_target_met_typed_over(wb):
    wb[L.SAFETY_VALVE][f"{L.col(L.SV['value_col'])}{L.SV['target_met']}"] = "=0"   # the bundled plan meets it


@pytest.mark.parametrize("edit,cell,code,says", [
    pytest.param(_sv_dfe_plus_one, f"{L.SAFETY_VALVE}!{_sv_cell('dfe', 1)}", "disagrees", "dfe_contribution",
                 id="safety-valve-dfe-instalment-plus-one"),
    pytest.param(_sv_target_met_typed_over, f"{L.SAFETY_VALVE}!{L.col(L.SV['value_col'])}{L.SV['target_met']}",
                 "disagrees", "target met", id="safety-valve-target-met-typed-over"),
    pytest.param(_plus_one, f"{L.CALC_PROJECTION}!{_projection_cell('expenditure', 1)}", "disagrees", "+1",
                 id="expenditure-formula-made-plus-one"),
    pytest.param(_delete_cost_row, f"{L.CALC_PROJECTION}!{_projection_cell('cost', 0)}", "disagrees", "2022-23",
                 id="deleted-calculation-row"),
    pytest.param(_text_expenditure,
                 f"{L.INPUTS}!{L.INPUT_TABLES['history'].cell('HNB expenditure', 6)}", "input", "100,178k",
                 id="expenditure-typed-as-text"),
    pytest.param(_text_pot,
                 f"{L.INPUTS}!{L.col(L.INPUT_TABLES['parameters'].col_of('Value'))}"
                 f"{L.parameter_row('send_contingency_pot')}", "input", "450k", id="pot-typed-as-text"),
])
def test_a_hand_edit_is_found_at_its_cell(libreoffice, tmp_path, edit, cell, code, says):
    path = edited(tmp_path, edit)
    before = sha(path)
    report = verify(path, office=libreoffice)
    assert sha(path) == before
    found = where(report).get(cell, [])
    ours = [f for f in found if f.code == code]
    assert len(ours) == 1, report.findings[:5]
    assert says in ours[0].message + ours[0].formula


def test_safety_valve_inputs_edited_on_the_sheet_still_agree(libreoffice, tmp_path):
    """The plan's twins come from the sheet's own inputs: the first workstream's amount halved
    (0.30 -> 0.15) and the DfE total cut to £40m change the sheet's plan and the engine's alike."""
    def edit(wb):
        ws = wb[L.SAFETY_VALVE]
        amount = ws.cell(L.SV["ws_first"], L.SV["ws_cols"]["amount"])
        assert amount.value == pytest.approx(0.30)
        amount.value = 0.15
        t = L.INPUT_TABLES["agreement"]        # the agreement's terms: a table on Inputs the sheet reads
        row = next(r for r in range(t.first_row, t.last_row + 1) if wb[t.sheet].cell(r, t.first_col).value == "dfe_total")
        total = wb[t.sheet].cell(row, t.col_of("Value"))
        assert float(total.value) == 49_000_000
        total.value = 40_000_000
    report = verify(edited(tmp_path, edit), office=libreoffice)
    assert report.findings == [] and report.compared == COMPARED


def test_plus_one_reports_both_values_and_the_formula(libreoffice, tmp_path):
    """The seed's method: 2023-24 expenditure = EHCPs x cost per plan; +1 makes it £1 more."""
    report = verify(edited(tmp_path, _plus_one), office=libreoffice)
    f, = [f for f in where(report)[f"{L.CALC_PROJECTION}!{_projection_cell('expenditure', 1)}"]
          if f.code == "disagrees"]
    assert f.formula.endswith("+1") and f.formula.startswith("=")
    workbook, engine = [float(x.split("£")[1].replace(",", "")) for x in f.message.split(": ", 1)[1].split(", ")]
    assert workbook - engine == pytest.approx(1, abs=1e-6)
    # its dependents move by £1 too: the in-year deficit and the accumulated deficit from 2023-24 on
    assert f"{L.CALC_PROJECTION}!{_projection_cell('in_year', 1)}" in where(report)
    assert f"{L.CALC_PROJECTION}!{_projection_cell('accumulated', PROJECTED_YEARS - 1)}" in where(report)
    assert f"{L.CALC_PROJECTION}!{_projection_cell('accumulated', 0)}" not in where(report)


@pytest.mark.parametrize("kind,expected,got,same", [
    pytest.param("money", 100.0, 100.99, True, id="money-under-a-pound-agrees"),
    pytest.param("money", 100.0, 101.0, False, id="money-a-pound-off-disagrees"),
    pytest.param("money", 115025240.34863, 115025240.34863 + 1, False, id="money-a-pound-off-in-floating-point"),
    pytest.param("count", 6100, 6100.0, True, id="count-exact"),
    pytest.param("count", 6100, 6100.5, False, id="count-half-off"),
    pytest.param("rate", 0.1, 0.1000001, True, id="rate-close"),
    pytest.param("rate", 0.1, 0.101, False, id="rate-off"),
    pytest.param("money", 5.0, "#REF!", False, id="error-value-disagrees"),
    pytest.param("money", float("nan"), "", True, id="engine-blank-workbook-empty"),
    pytest.param("money", float("nan"), 0, False, id="engine-blank-workbook-zero"),
    pytest.param("text", "2022-23", "2022-23", True, id="year-text"),
])
def test_the_comparison_rule(kind, expected, got, same):
    assert agrees(kind, expected, got) is same


# ------------------------------------------------------------------------------ the command

def test_cli_exit_0_and_the_file_unchanged(capsys):
    before = sha(COMMITTED)
    assert main(["verify", str(COMMITTED)]) == 0
    out = capsys.readouterr().out
    assert f"{COMPARED} cells compared" in out and "master check passes" in out and "time:" in out
    assert sha(COMMITTED) == before


def test_cli_json_and_exit_1_on_a_finding(libreoffice, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(verify_run, "default_office", lambda: libreoffice)
    path = edited(tmp_path, _plus_one)
    assert main(["verify", str(path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["cells_compared"] == COMPARED
    assert f"{L.CALC_PROJECTION}!{_projection_cell('expenditure', 1)}" in [f["where"] for f in data["findings"]]


@pytest.mark.parametrize("content,name", [
    pytest.param(b"not a workbook", "model.xlsm", id="text-named-xlsm"),
    pytest.param(None, "missing.xlsm", id="no-such-file"),
])
def test_cli_exit_2_on_an_unreadable_file(tmp_path, capsys, monkeypatch, content, name):
    """One line, exit 2, and at once: LibreOffice is not asked to open a file that is no workbook."""
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setattr(verify_run, "_Conversion", lambda *a: pytest.fail("LibreOffice was started"))
    assert main(["verify", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and name in err and "Traceback" not in err


def test_without_libreoffice_it_says_so_and_how_to_install(monkeypatch, capsys):
    monkeypatch.setattr(verify_run, "find_soffice", lambda: None)
    assert main(["verify", str(COMMITTED)]) == 1
    out = capsys.readouterr().out
    assert "LibreOffice is not installed" in out and "apt-get install libreoffice-calc-nogui" in out


# ------------------------------------------------------------------------------ the LibreOffice route

@pytest.mark.parametrize("route,says", [
    pytest.param("uno", "driven through UNO", id="route-uno-one-libreoffice-kept-running"),
    pytest.param("convert-to", "soffice --convert-to", id="route-convert-to-forced-by-env"),
])
def test_verify_says_which_route_it_took(monkeypatch, capsys, route, says):
    """Both routes recalculate the committed workbook to the same verdict, and the output names the
    route (this machine has python3-uno, so the UNO route is real here, as on CI: scripts/setup.sh)."""
    monkeypatch.setenv(offices.ROUTE_ENV, route)
    assert main(["verify", str(COMMITTED)]) == 0
    out = capsys.readouterr().out
    line, = [x for x in out.splitlines() if x.startswith("recalculated by ")]
    assert says in line and f"{COMPARED} cells compared" in out and "master check passes" in out


def test_without_python3_uno_the_route_is_convert_to_and_says_how_to_get_uno(monkeypatch):
    monkeypatch.delenv(offices.ROUTE_ENV, raising=False)
    monkeypatch.setattr(offices, "uno_python", lambda: None)
    office = offices.best_office()
    try:
        assert office.route == "convert-to" and not isinstance(office, offices.UnoOffice)
        assert "apt-get install python3-uno" in offices.route_text(office)
    finally:
        office.close()


@pytest.mark.parametrize("route,says", [
    pytest.param("uno", "python3-uno", id="uno-forced-where-no-python-has-uno"),
    pytest.param("fast", "expected one of uno, convert-to", id="unknown-route"),
])
def test_a_route_this_machine_cannot_take_is_one_finding(monkeypatch, route, says):
    monkeypatch.setenv(offices.ROUTE_ENV, route)
    monkeypatch.setattr(offices, "uno_python", lambda: None)
    monkeypatch.setattr(verify_run, "_OFFICES", {})
    report = verify(COMMITTED)
    failed = [f for f in report.findings if f.code == "recalculation-failed"]
    assert len(failed) == 1 and says in failed[0].message and not report.recalculated


class _BrokenUno(offices.UnoOffice):
    """A UNO LibreOffice that gives no answer (as when soffice dies under it): every request fails,
    a conversion or an open document read through UNO alike."""

    def _request(self, req, check=True):
        raise offices.LibreOfficeError("LibreOffice (UNO) gave no answer within 1 s")


def test_a_failed_uno_recalculation_is_retried_by_convert_to(soffice, tmp_path):
    office = _BrokenUno(soffice, profile=tmp_path / "profile", python="/usr/bin/python3")
    report = verify(COMMITTED, office=office)
    assert report.findings == [] and report.recalculated and report.compared == COMPARED
    assert "soffice --convert-to" in report.route and "the UNO route failed" in report.route
