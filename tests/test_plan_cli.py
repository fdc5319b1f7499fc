"""`hnb-xl plan`: formats, agreement options, and bad input (exit 2, one located line)."""

import csv
import json

import pytest

from hnb_xl.cli import main
from tests.seed import DEFICIT_GROWTH_PROJECTED


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_table_shows_unmitigated_mitigated_agreement_and_summary(capsys):
    code, out, _ = run(capsys, "plan")
    assert code == 0
    for text in ["Before workstreams accumulated", "Mitigated accumulated", "DfE", "After contributions",
                 "Saving by workstream", "£19,600,000", "£7,350,000", "Target in-year balance by 2026-27",
                 "£93,164,790"]:  # 40% of £49m; 60% / 4; the seed's £93.2m 2025-26 unmitigated
        assert text in out, text


def test_json_has_plan_attribution_and_summary(capsys):
    code, out, _ = run(capsys, "plan", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and set(doc) == {"plan", "attribution", "funding", "summary", "payments", "settlement_inputs",
                                      "settlement_terms", "montecarlo"}   # issue 16: the new inputs as data; 15: funding
    rows = {r["financial_year"]: r for r in doc["plan"]}
    for y in ["2022-23", "2023-24", "2024-25", "2025-26"]:
        assert round(rows[y]["unmitigated_accumulated_deficit"] / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[y][0]
    assert sum(r["dfe_contribution"] for r in doc["plan"]) == pytest.approx(49e6)
    assert doc["summary"]["target_balance_year"] == "2026-27"


def test_csv_has_one_saving_column_per_workstream_summing_to_total(capsys):
    code, out, _ = run(capsys, "plan", "--format", "csv")
    rows = list(csv.DictReader(out.splitlines()))
    cols = [c for c in rows[0] if c.startswith("saving: ")]          # the four DSG workstreams
    general_fund = [c for c in rows[0] if c.startswith("general fund saving: ")]
    assert code == 0 and len(cols) == 4 and general_fund == ["general fund saving: SEND transport review and re-tender"]
    for r in rows:
        assert sum(float(r[c]) for c in cols) == pytest.approx(float(r["total_saving"]), abs=1e-4)
        assert float(r[general_fund[0]]) == pytest.approx(float(r["general_fund_saving"]), abs=1e-4)


def test_slough_style_agreement_from_options(capsys):
    code, out, _ = run(capsys, "plan", "--dfe-total", "27m", "--first-share", "40%", "--instalments", "5",
                       "--first-year", "2022-23", "--format", "json")
    dfe = [r["dfe_contribution"] for r in json.loads(out)["plan"]]
    assert code == 0
    assert dfe[:5] == pytest.approx([10.8e6, 4.05e6, 4.05e6, 4.05e6, 4.05e6]) and dfe[5:] == [0.0] * 4


def test_no_mitigations_no_agreement_equals_project(capsys):
    _, plan_out, _ = run(capsys, "plan", "--no-mitigations", "--no-agreement", "--format", "json")
    _, proj_out, _ = run(capsys, "project", "--format", "json")
    plan_rows = json.loads(plan_out)["plan"]
    proj_rows = json.loads(proj_out)
    assert [r["accumulated_deficit_after_contributions"] for r in plan_rows] == \
        [r["accumulated_deficit"] for r in proj_rows]


def test_workstreams_file(capsys, tmp_path):
    path = tmp_path / "ws.csv"
    path.write_text("name,lever,amount,start_year\nTransport,cash_saving,1000000,2023-24\n")
    code, out, _ = run(capsys, "plan", "--workstreams", str(path), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and [r["Transport"] for r in doc["attribution"]][:3] == [0.0, 1e6, 1e6]


@pytest.mark.parametrize("content,match", [
    pytest.param("name,lever,amount,start_year\nX,cash_saving,abc,2023-24\n", "row 2, column 'amount'",
                 id="amount-not-a-number"),   # the header is row 1 (it said row 1 before: one off)
    pytest.param("name,lever,amount,start_year\nX,wishful,1,2023-24\n", "unknown lever", id="unknown-lever"),
    pytest.param("name,lever,amount,start_year\nX,cash_saving,500m,2023-24\n", "below zero", id="below-zero"),
    pytest.param("name,lever,amount\nX,cash_saving,1\n", "no 'Start year' column", id="missing-column"),
])
def test_bad_workstreams_file_exits_2_with_one_line(capsys, tmp_path, content, match):
    path = tmp_path / "ws.csv"
    path.write_text(content.replace("500m", "500000000"))
    code, out, err = run(capsys, "plan", "--workstreams", str(path))
    assert code == 2 and out == ""
    assert match in err and str(path) in err and len(err.strip().splitlines()) == 1


def test_contribution_beyond_horizon_exits_2(capsys):
    code, _, err = run(capsys, "plan", "--to", "2024-25")
    assert code == 2 and "outside the plan years" in err


def test_actuals_flag_suspension_risk_beyond_tolerance(capsys, tmp_path):
    # plan DSG in-year deficits (illustrative plan): 2022-23 £9,866,995; 2023-24 £10,020,392 (the General
    # Fund transport review's £675,000 no longer off it): 11.7m misses 2023-24 by £1.68m, between 1m and 2m
    path = tmp_path / "actuals.csv"
    path.write_text("financial_year,dsg_in_year_deficit\n2022-23,9900000\n2023-24,11700000\n")
    code, out, _ = run(capsys, "plan", "--actuals", str(path), "--tolerance", "1m", "--format", "json")
    doc = json.loads(out)
    risk = [r["suspension_risk"] for r in doc["plan"]]
    assert code == 0 and risk[:2] == [0.0, 1.0] and risk[2:] == [None] * 7
    assert doc["summary"]["suspension_risk_years"] == ["2023-24"]
    code, out, _ = run(capsys, "plan", "--actuals", str(path), "--tolerance", "2m")
    assert code == 0 and "SUSPENSION RISK" not in out and "RISK" not in out.split("Saving by workstream")[0]


def test_bad_actuals_file_exits_2_naming_row_and_column(capsys, tmp_path):
    path = tmp_path / "actuals.csv"
    path.write_text("financial_year,dsg_in_year_deficit\n2022-23,lots\n")
    code, _, err = run(capsys, "plan", "--actuals", str(path))
    assert code == 2 and "row 2, column 'dsg_in_year_deficit'" in err and str(path) in err   # header = row 1


# --- the workstreams and actuals readers are the one file reader (issue 11) ----------------------------

def test_windows_1252_workstreams_file_is_read(capsys, tmp_path):
    """A workstreams file saved by Excel on Windows (Windows-1252: £ is byte 0xA3)."""
    path = tmp_path / "ws.csv"
    path.write_bytes("name,lever,amount,start_year,budget_area\nTransport,cash_saving,£1000000,2023-24,"
                     "transport £\n".encode("cp1252"))
    code, out, _ = run(capsys, "plan", "--workstreams", str(path), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and [r["Transport"] for r in doc["attribution"]][:3] == [0.0, 1e6, 1e6]


def test_windows_1252_actuals_file_is_read_and_rows_count_from_the_header(capsys, tmp_path):
    path = tmp_path / "actuals.csv"
    path.write_bytes("financial_year,dsg_in_year_deficit\n2022-23,£9900000\n2023-24,£lots\n".encode("cp1252"))
    code, _, err = run(capsys, "plan", "--actuals", str(path))
    assert code == 2 and f"{path}, row 3, column 'dsg_in_year_deficit'" in err     # header = row 1
    # 2023-24's plan is £10,020,392 (the General Fund transport saving not off it): £11.7m misses it by > £1m
    path.write_bytes("financial_year,dsg_in_year_deficit\n2022-23,£9900000\n2023-24,£11700000\n".encode("cp1252"))
    code, out, _ = run(capsys, "plan", "--actuals", str(path), "--tolerance", "1m", "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["suspension_risk_years"] == ["2023-24"]


@pytest.mark.parametrize("argv,option", [
    pytest.param(["--instalments", "0"], "--instalments", id="instalments-zero-names-the-option"),
    pytest.param(["--first-year", "2030-31"], "--first-year", id="instalments-beyond-the-horizon"),
])
def test_agreement_options_are_named_not_a_table(capsys, argv, option):
    code, _, err = run(capsys, "plan", *argv)
    assert code == 2 and err.startswith(f"hnb-xl: error: {option}: ") and "agreement," not in err


def _rolled_forward(tmp_path):
    """The next term's files: history with an ILLUSTRATIVE 2022-23 outturn, assumptions from 2023-24."""
    from hnb_xl import bundled
    h = bundled.history()
    h.loc[len(h)] = {"financial_year": "2022-23", "ehcp_count": 6710.0, "hnb_budget": 93_860_000.0,
                     "hnb_expenditure": 111_500_000.0, "accumulated_deficit": 50_000_000.0}
    a = bundled.assumptions()
    h.drop(columns=["basis"], errors="ignore").to_csv(tmp_path / "history.csv", index=False)
    a[a["financial_year"] != "2022-23"].drop(columns=["basis"], errors="ignore").to_csv(
        tmp_path / "assumptions.csv", index=False)
    return ["--history", str(tmp_path / "history.csv"), "--assumptions", str(tmp_path / "assumptions.csv")]


def test_plan_after_a_roll_forward_keeps_the_outturn_instalment(capsys, tmp_path):
    code, out, err = run(capsys, "plan", *_rolled_forward(tmp_path), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["plan"][0]["financial_year"] == "2023-24"
    assert doc["summary"]["dfe_total"] == 49_000_000            # the agreement's total, unchanged
    assert doc["summary"]["dfe_in_outturn"] == 19_600_000       # 40% of £49m, in 2022-23: now outturn
    code, out, _ = run(capsys, "plan", *_rolled_forward(tmp_path))
    assert code == 0 and "£19,600,000" in out and "kept as received" in out and "horizon" not in out


def test_pack_after_a_roll_forward_is_written(capsys, tmp_path):
    code, out, err = run(capsys, "pack", *_rolled_forward(tmp_path), "--paths", "50", "--output", str(tmp_path / "p"))
    assert code == 0, err
    assert (tmp_path / "p" / "index.html").exists()


REPLICA_BEFORE = "before the plan's workstreams (the replica of the published July 2022 forecast)"   # model review F6


@pytest.mark.parametrize("argv, label", [
    pytest.param((), REPLICA_BEFORE, id="bundled-replica-is-not-called-unmitigated"),
    pytest.param(("--scenario", "published-forecast-july-2022"), REPLICA_BEFORE, id="replica-by-its-old-name"),
    pytest.param(("--assumptions", "OWN"), "before the plan's workstreams (the assumptions given)",
                 id="own-assumptions-are-not-called-the-replica"),
])
def test_the_column_before_mitigation_says_what_it_is(capsys, tmp_path, argv, label):
    from hnb_xl import bundled
    if "OWN" in argv:
        own = tmp_path / "assumptions.csv"
        own.write_bytes(bundled.data_path("assumptions_published_forecast_july_2022.csv").read_bytes())
        argv = tuple(str(own) if a == "OWN" else a for a in argv)
    code, out, _ = run(capsys, "plan", *argv)
    assert code == 0 and label in out
    assert "unmitigated" not in out.lower()
    code, out, _ = run(capsys, "plan", *argv, "--format", "json")
    doc = json.loads(out)
    assert doc["summary"]["before_workstreams_label"] == label
    assert doc["summary"]["before_workstreams_balance_year"] == doc["summary"]["unmitigated_balance_year"]
    for row in doc["plan"]:      # the old keys kept, the new ones added beside them
        assert row["before_workstreams_accumulated_deficit"] == row["unmitigated_accumulated_deficit"]
        assert row["before_workstreams_dsg_in_year_deficit"] == row["unmitigated_dsg_in_year_deficit"]


def test_the_pack_calls_the_replica_before_the_plans_workstreams(tmp_path, capsys):
    """The pack's plan table heading and labels (model review F6): 'unmitigated' is left only in the
    limitations box's sentence that says the replica is NOT an unmitigated forecast."""
    assert main(["pack", "--output", str(tmp_path)]) == 0
    page = "\n".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.html"))
    assert "<h2>Plan by year: " + REPLICA_BEFORE + ", mitigated, agreement</h2>" in page
    assert page.lower().count("unmitigated") == page.count("not an unmitigated forecast") == 1


# --- issue 16: no safety valve agreement ------------------------------------------------------------------

@pytest.mark.parametrize("argv", [pytest.param(["--no-agreement"], id="no-agreement-option"),
                                  pytest.param(["--dfe-total", "0"], id="dfe-total-0")])
def test_no_agreement_is_said_not_shown_as_zeros(capsys, argv):
    from hnb_xl.engine.safety_valve import NO_AGREEMENT_TEXT
    code, out, _ = run(capsys, "plan", *argv)
    assert code == 0 and f"{NO_AGREEMENT_TEXT}: no target year, deficit gap or instalments to report" in out
    assert "Target in-year balance" not in out and "Deficit at the end of the agreement" not in out
    code, out, _ = run(capsys, "plan", *argv, "--format", "json")
    s = json.loads(out)["summary"]
    assert code == 0 and s["agreement"] is False
    assert s["target_met"] is None and s["deficit_gap_at_end"] is None and s["agreement_end_year"] is None


def test_report_on_a_workbook_with_an_empty_agreement_table_says_no_agreement(capsys, tmp_path):
    """A council without a safety valve agreement leaves the Agreement table on Inputs empty: the report
    says so (not the bundled £49m), and exits 0; the bundled report has the agreement's results."""
    from openpyxl import load_workbook

    from hnb_xl.engine.safety_valve import NO_AGREEMENT_TEXT
    from hnb_xl.workbook import layout as L
    from hnb_xl.workbook.build import build
    path = build(tmp_path / "HNB_Model.xlsm", build_time="2000-01-01 00:00 UTC")
    wb = load_workbook(path, keep_vba=True)
    t = L.INPUT_TABLES["agreement"]
    for i in range(t.max_rows):
        for h in t.headers:
            wb[t.sheet][t.cell(h, i)].value = None
    wb.save(path)
    code, out, err = run(capsys, "report", str(path))
    section = out.split("7. Safety valve plan")[1].split("\n8. ")[0]
    assert code == 0 and f"{NO_AGREEMENT_TEXT}: no target year" in section, err
    assert "DfE contributions £0; council £0" in section and "Target in-year balance" not in section
    code, out, _ = run(capsys, "report")
    assert code == 0 and "Target in-year balance by 2026-27: met" in out.split("7. Safety valve plan")[1]
