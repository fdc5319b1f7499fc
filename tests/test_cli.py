"""The `hnb-xl` command: outputs on the bundled data, formats, and bad input (exit 2, located message)."""

import csv
import json
import subprocess
import sys

import pytest

from hnb_xl.cli import main
from tests.seed import BLOCK_TRANSFER_COMMITTED, DEFICIT_GROWTH_PROJECTED, HISTORY_TABLE, SEND_CONTINGENCY_POT

SCHOOL_HEADER = ["URN", "School name", "Phase", "Pupils on roll", "EHCPs", "Notional SEN budget"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


def test_report_is_the_default_and_shows_every_table(capsys):
    code, out, _ = run(capsys)
    assert code == 0
    for heading in ["HNB history", "Projection", "Deficit growth projected", "SEND Contingency",
                    "Schools Block to HNB transfer", "Invest to Transform"]:
        assert heading in out
    assert "£39,264,000" in out and "£396,165" in out and "£420,400,000" in out


def test_history_json_matches_seed(capsys):
    code, out, _ = run(capsys, "history", "--format", "json")
    rows = {r["financial_year"]: r for r in json.loads(out)}
    assert code == 0
    for year, (ehcps, *_rest, in_year, acc) in HISTORY_TABLE.items():
        assert rows[year]["ehcp_count"] == ehcps
        assert rows[year]["in_year_deficit"] == in_year * 1000
        assert rows[year]["accumulated_deficit"] == acc * 1000


def test_project_csv_to_2030_31(capsys):
    code, out, _ = run(capsys, "project", "--to", "2030-31", "--format", "csv")
    rows = list(csv.DictReader(out.splitlines()))
    assert code == 0 and rows[-1]["financial_year"] == "2030-31" and len(rows) == 9
    got = {r["financial_year"]: round(float(r["accumulated_deficit"]) / 1e6, 1) for r in rows}
    for year in ["2022-23", "2023-24", "2024-25", "2025-26"]:
        assert got[year] == DEFICIT_GROWTH_PROJECTED[year][0]


def test_contingency_json_records(capsys):
    code, out, _ = run(capsys, "contingency", "--format", "json")
    recs = json.loads(out)
    assert code == 0 and len(recs) == 250
    assert {"urn", "shortfall", "allocation"} <= set(recs[0])
    assert sum(r["allocation"] for r in recs) == SEND_CONTINGENCY_POT
    assert all(isinstance(r["allocation"], int) for r in recs)


def test_contingency_with_file_and_options(tmp_path, capsys):
    f = write_csv(tmp_path / "schools.csv", ["urn", "School Name", "phase", "Pupils on roll", "ehcps ",
                                             "Notional SEN budget (£)", "extra"],
                  [[100001, "A", "Primary", 200, 10, 50000, "x"], [100002, "B", "Primary", 300, 20, 60000, "y"]])
    code, out, _ = run(capsys, "contingency", "--schools", f, "--pot", "£30,000", "--format", "json")
    recs = {r["urn"]: r for r in json.loads(out)}
    # shortfalls 10,000 and 60,000; pot 30,000 -> 30,000 * 1/7 = 4,285.71 and 25,714.29 -> 4,286 + 25,714
    assert code == 0
    assert (recs[100001]["allocation"], recs[100002]["allocation"]) == (4286, 25714)


def test_contingency_xlsx_input(tmp_path, capsys):
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.title = "Notes"
    wb.active["A1"] = "this sheet is not the schools table"
    ws = wb.create_sheet("Schools")
    ws.append(SCHOOL_HEADER)
    ws.append([100001, "A", "Primary", 200, 10.0, 50000])
    wb.save(tmp_path / "s.xlsx")
    code, out, _ = run(capsys, "contingency", "--schools", str(tmp_path / "s.xlsx"), "--format", "json")
    assert code == 0 and json.loads(out)[0]["allocation"] == 10000


def test_contingency_rerun(tmp_path, capsys):
    may = write_csv(tmp_path / "may.csv", SCHOOL_HEADER, [[1, "A", "P", 100, 10, 50000]])
    autumn = write_csv(tmp_path / "autumn.csv", SCHOOL_HEADER, [[1, "A", "P", 100, 12, 50000]])
    code, out, _ = run(capsys, "contingency", "--schools", may, "--rerun", autumn, "--format", "json")
    r = json.loads(out)[0]
    assert code == 0 and (r["paid"], r["entitlement"], r["adjustment"]) == (10000, 22000, 12000)


@pytest.mark.parametrize("args,needs,amount", [
    pytest.param(["--schools-block", "368.2m", "--rate", "0.5%"], False, 1_841_000, id="half-percent"),
    pytest.param(["--schools-block", "368200000", "--rate", "0.018"], True, 6_627_600, id="1.8-percent"),
    pytest.param(["--schools-block", "420.4m", "--amount", "2102000"], False, 2_102_000, id="2022-23-at-limit"),
])
def test_transfer_json(capsys, args, needs, amount):
    code, out, _ = run(capsys, "transfer", *args, "--format", "json")
    t = json.loads(out)
    assert code == 0 and t["needs_disapplication"] is needs and t["amount"] == pytest.approx(amount)


BAD_SCHOOLS = [
    pytest.param([["URN", "School name", "Phase", "Pupils on roll", "Notional SEN budget"],
                  [1, "A", "P", 100, 5000]], ["EHCPs", "found:"], id="missing-column"),
    pytest.param([SCHOOL_HEADER, [1, "A", "P", 100, "ten", 5000]], ["row 2", "column 'EHCPs'", "ten"],
                 id="non-numeric-count"),
    pytest.param([SCHOOL_HEADER, [1, "A", "P", 100, 3, 5000], [2, "B", "P", 100, -3, 5000]],
                 ["row 3", "column 'EHCPs'", "0 or more"], id="negative-ehcps"),
    pytest.param([SCHOOL_HEADER, [1, "A", "P", 100, 3, 5000], [1, "B", "P", 100, 3, 5000]],
                 ["row 3", "column 'URN'", "duplicate"], id="duplicate-urn"),
    pytest.param([SCHOOL_HEADER, ["", "A", "P", 100, 3, 5000]], ["row 2", "column 'URN'"], id="school-without-urn"),
    pytest.param([["URN", "School name", "Phase", "Pupils on roll", "EHCP", "Notionl SEN budget"],
                  [1, "A", "P", 100, 3, 5000]], ["Notional SEN budget", "did you mean 'Notionl SEN budget'"],
                 id="misspelt-column"),
]


@pytest.mark.parametrize("rows,fragments", BAD_SCHOOLS)
def test_bad_schools_file(tmp_path, capsys, rows, fragments):
    f = write_csv(tmp_path / "bad.csv", rows[0], rows[1:])
    code, out, err = run(capsys, "contingency", "--schools", f)
    assert code == 2 and out == ""
    assert "bad.csv" in err and "Traceback" not in err
    for frag in fragments:
        assert frag in err


def test_empty_file(tmp_path, capsys):
    (tmp_path / "empty.csv").write_text("")
    code, _, err = run(capsys, "contingency", "--schools", str(tmp_path / "empty.csv"))
    assert code == 2 and "empty.csv" in err and "empty" in err


def test_missing_file(tmp_path, capsys):
    code, _, err = run(capsys, "contingency", "--schools", str(tmp_path / "nope.csv"))
    assert code == 2 and "nope.csv" in err and "not found" in err


@pytest.mark.parametrize("year", ["2022/24", "22-23", "next year"], ids=["wrong-end", "short", "words"])
def test_wrong_year_format_in_history_file(tmp_path, capsys, year):
    f = write_csv(tmp_path / "hist.csv", ["Financial year", "EHCPs", "HNB budget", "HNB expenditure",
                                          "Accumulated DSG deficit"],
                  [["2020-21", 5327, 76627000, 89163000, 26829000], [year, 6100, 85327000, 100178000, 39264000]])
    code, _, err = run(capsys, "history", "--history", f)
    assert code == 2 and "hist.csv" in err and "row 3" in err and "Financial year" in err


def test_non_contiguous_years(tmp_path, capsys):
    f = write_csv(tmp_path / "hist.csv", ["Financial year", "EHCPs", "HNB budget", "HNB expenditure",
                                          "Accumulated DSG deficit"],
                  [["2019-20", 4690, 71041000, 82619000, 16630000], ["2021-22", 6100, 85327000, 100178000, 39264000]])
    code, _, err = run(capsys, "history", "--history", f)
    assert code == 2 and "row 3" in err and "not contiguous" in err


@pytest.mark.parametrize("argv,fragment", [
    pytest.param(["project", "--to", "2030-32"], "--to", id="bad-to-year"),
    pytest.param(["contingency", "--pot", "lots"], "--pot", id="bad-pot"),
    pytest.param(["transfer", "--rate", "0.5", "--amount", "10"], "not allowed", id="rate-and-amount"),
    pytest.param(["project", "--scenario", "nope"], "--scenario: invalid choice: 'nope'", id="unknown-scenario"),
])
def test_bad_options_exit_2(capsys, argv, fragment):
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(argv))
    _, err = capsys.readouterr()
    assert exc.value.code == 2 and fragment in err


def test_console_script_subprocess_exit_code(tmp_path):
    f = write_csv(tmp_path / "bad.csv", SCHOOL_HEADER, [[1, "A", "P", 100, "x", 5000]])
    p = subprocess.run([sys.executable, "-m", "hnb_xl.cli", "contingency", "--schools", f],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "row 2" in p.stderr


def test_report_json_has_every_section(capsys):
    code, out, _ = run(capsys, "report", "--format", "json")
    d = json.loads(out)
    assert code == 0
    assert sum(r["allocation"] for r in d["contingency"]) == SEND_CONTINGENCY_POT
    assert sum(r["committed_spend"] or 0 for r in d["invest_to_transform"]) == BLOCK_TRANSFER_COMMITTED
    assert [r["needs_disapplication"] for r in d["transfer"]] == [None, None]   # no year has both a transfer and its block
