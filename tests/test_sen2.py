"""The SEN2 reader and `hnb-xl sen2` on DfE's real 2025 release ("Education, health and care plans",
reporting year 2025, the "Download all data" zip as saved).

Expected figures are DfE's (checked by hand against caseload.csv and sen_needs_all_plans.csv, listed
with the file where it is kept beside the repository) or the seed's (tests/seed.py); cross-checks
against DfE's own ``*_total`` columns read the CSV independently with the csv module.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from hnb_xl.cli import main
from hnb_xl.errors import HnbInputError
from hnb_xl.sources import sen2
from tests.seed import HISTORY_TABLE

RELEASE = Path(__file__).resolve().parents[1].parent / "shared/data/dfe/education-health-and-care-plans_2025.zip"
SEVEN = ["mainstream", "resourced_provision", "special", "independent", "hospital_ap", "post_16", "other"]
CAMBRIDGESHIRE = {2019: 4198, 2020: 4690, 2021: 5292, 2022: 6100, 2023: 6972, 2024: 7318, 2025: 8007}


@pytest.fixture(scope="module")
def release() -> Path:
    if not RELEASE.exists():
        pytest.fail(f"DfE's 2025 SEN2 release is missing: expected {RELEASE} (Explore Education Statistics, "
                    "'Education, health and care plans', reporting year 2025, 'Download all data')")
    return RELEASE


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def raw_caseload(release: Path) -> list[dict]:
    """caseload.csv read with the csv module (independent of the reader), with file row numbers."""
    with zipfile.ZipFile(release) as zf:
        text = zf.read("data/caseload.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    for n, r in enumerate(rows, start=2):
        r["_row"] = n
    return rows


def _no_nan(text: str):
    def refuse(token):
        raise AssertionError(f"{token} in JSON output")
    return json.loads(text, parse_constant=refuse)


# ------------------------------------------------------------------------------ the README's figures

def test_england_january_2025(release):
    t = sen2.history(release, "England")
    row = t.frame[t.frame["census"] == "January 2025"].iloc[0]
    assert row["ehcp_count"] == 638_745 and row["financial_year"] == "2024-25"


def test_cambridgeshire_all_plans_january_2019_to_2025(release):
    t = sen2.history(release, "Cambridgeshire")
    assert list(t.frame["census"]) == [f"January {y}" for y in CAMBRIDGESHIRE]
    assert list(t.frame["financial_year"]) == [f"{y - 1}-{y % 100:02d}" for y in CAMBRIDGESHIRE]
    assert list(t.frame["ehcp_count"]) == list(CAMBRIDGESHIRE.values())
    assert t.authority == {"name": "Cambridgeshire", "old_la_code": "873", "new_la_code": "E10000003"}


def test_the_january_census_is_the_financial_year_before_it(release):
    """The seed's 2021-22 figure (6,100) is the January 2022 census; its 2020-21 (5,327, July 2022)
    is revised to 5,292 by the 2025 release."""
    by_year = dict(zip(sen2.history(release, "873").frame["financial_year"],
                       sen2.history(release, "873").frame["ehcp_count"]))
    assert by_year["2021-22"] == HISTORY_TABLE["2021-22"][0] == 6100
    assert by_year["2020-21"] == 5292 != HISTORY_TABLE["2020-21"][0]


@pytest.mark.parametrize("la", [
    pytest.param("Cambridgeshire", id="name"),
    pytest.param("  cambridge SHIRE ", id="name-case-and-spacing-ignored"),
    pytest.param("873", id="old-three-digit-code"),
    pytest.param("E10000003", id="new-nine-character-code"),
    pytest.param("e10000003", id="new-code-lower-case"),
])
def test_the_authority_by_name_or_code(release, la):
    assert list(sen2.history(release, la).frame["ehcp_count"]) == list(CAMBRIDGESHIRE.values())


def test_cambridgeshire_january_2022_by_placement(release):
    """README: special total 1,638 = LA maintained 482 + academy/free 1,003 + independent 145 +
    non-maintained 8; FE total 1,018 (UKRLP providers not published, x, that year); mainstream total
    2,554 includes the independent mainstream schools' 74 (caseload.csv) and the units."""
    f = sen2.history(release, "Cambridgeshire", "placement").frame
    row = f[f["census"] == "January 2022"].iloc[0]
    assert row["special"] == 482 + 1003
    assert row["independent"] == 74 + 145 + 8
    assert row["special"] + row["independent"] - 74 == 1638
    assert row["mainstream"] + row["resourced_provision"] + 74 == 2554
    assert row["post_16"] == 1018
    assert sum(row[c] for c in SEVEN) == 6100


def test_cambridgeshire_january_2025_by_need(release):
    f = sen2.history(release, "Cambridgeshire", "need").frame
    assert list(f["census"]) == ["January 2025"]
    row = f.iloc[0]
    assert (row["asd"], row["semh"], row["mld"], row["slcn"]) == (2627, 1921, 1447, 753)
    thirteen = ["asd", "hi", "mld", "msi", "pd", "pmld", "semh", "slcn", "sld", "spld", "vi", "oth", "ukn"]
    assert [c for c in f.columns if c not in ("financial_year", "census", "ehcp_count")] == thirteen
    assert sum(row[c] for c in thirteen) == row["ehcp_count"] == 8007


def test_ages_add_up_to_the_total_where_published(release):
    f = sen2.history(release, "Cambridgeshire", "age").frame
    groups = ["under_5", "age_5_to_10", "age_11_to_15", "age_16_to_19", "age_20_to_25"]
    published = f.dropna(subset=groups)
    assert list(published["census"]) == ["January 2024", "January 2025"]   # single ages from 2023/24 only
    assert (published[groups].sum(axis=1) == published["ehcp_count"]).all()


# ------------------------------------------------------------------------------ the seven categories

def test_the_seven_add_up_to_the_total_for_every_authority_and_year(release):
    frame, _ = sen2.every_authority(release)
    assert frame["la_name"].nunique() > 150 and frame["financial_year"].nunique() == 7
    known = frame.dropna(subset=SEVEN)
    assert len(known) > 0.95 * len(frame)
    assert (known[SEVEN].sum(axis=1) == known["ehcp_count"]).all()
    assert (known[SEVEN] >= 0).all().all()


def test_the_categories_agree_with_dfes_own_totals(release):
    """Independent of the mapping table: DfE's mainstream_total, special_total, ap_pru_total and fe_total
    columns, read with the csv module, against the categories."""
    frame, _ = sen2.every_authority(release)
    ours = {(r.old_la_code, r.census): r for r in frame.itertuples()}
    checked = 0
    for r in raw_caseload(release):
        if r["geographic_level"] != "Local authority" or r["breakdown_topic"] != "All EHC plans":
            continue
        cols = ["mainstream_total", "mainstream_independent", "special_total", "special_independent",
                "special_non_maintained", "ap_pru_total", "fe_total", "ukrlp_provider"]
        if not all(r[c].isdigit() for c in cols):
            continue
        n = {c: int(r[c]) for c in cols}
        o = ours[(r["old_la_code"], f"January {int(r['time_period'][:4]) + 1}")]
        assert o.mainstream + o.resourced_provision == n["mainstream_total"] - n["mainstream_independent"]
        assert o.special == n["special_total"] - n["special_independent"] - n["special_non_maintained"]
        assert o.hospital_ap == n["ap_pru_total"]
        assert o.post_16 == n["fe_total"] - n["ukrlp_provider"]
        checked += 1
    assert checked > 400


def test_a_dfe_code_is_not_known_never_zero_and_reported_per_cell(release):
    """Cambridgeshire, January 2025: the placement columns are x (the need columns are filled)."""
    t = sen2.history(release, "Cambridgeshire", "placement")
    row = t.frame[t.frame["census"] == "January 2025"].iloc[0]
    assert row["ehcp_count"] == 8007
    assert all(pd.isna(row[c]) for c in SEVEN)                      # not known, not 0
    raw = [r for r in raw_caseload(release) if r["old_la_code"] == "873" and r["time_period"] == "202425"
           and r["breakdown_topic"] == "All EHC plans"][0]
    cells = {(n.row, n.column, n.code) for n in t.not_known}
    assert ("caseload.csv" in t.not_known[0].source and all(n.row == raw["_row"] for n in t.not_known))
    assert (raw["_row"], "mainstream_la_maintained", "x") in cells
    assert (raw["_row"], "special_academy_free", "x") in cells


# ------------------------------------------------------------------------------ the command

@pytest.mark.parametrize("by,fields", [
    pytest.param("total", ["financial_year", "census", "ehcp_count"], id="total"),
    pytest.param("placement", ["financial_year", "census", "ehcp_count", *SEVEN], id="placement"),
    pytest.param("age", ["financial_year", "census", "ehcp_count", "under_5", "age_5_to_10", "age_11_to_15",
                         "age_16_to_19", "age_20_to_25"], id="age"),
    pytest.param("need", ["financial_year", "census", "ehcp_count", "asd", "hi", "mld", "msi", "pd", "pmld",
                          "semh", "slcn", "sld", "spld", "vi", "oth", "ukn"], id="need"),
    pytest.param("flows", ["calendar_year", "requests", "assessments", "new_plans", "ceased_plans"], id="flows"),
])
def test_json_has_one_record_per_year_and_no_nan(capsys, release, by, fields):
    code, out, _ = run(capsys, "sen2", release, "--la", "Cambridgeshire", "--by", by, "--format", "json")
    assert code == 0
    records = _no_nan(out)
    assert [list(r) for r in records] == [fields] * len(records)
    for r in records:
        assert all(v is None or (isinstance(v, (int, str)) and not (isinstance(v, float) and math.isinf(v)))
                   for v in r.values())


def test_json_total_record(capsys, release):
    code, out, _ = run(capsys, "sen2", release, "--la", "873", "--format", "json")
    assert code == 0
    assert _no_nan(out)[3] == {"financial_year": "2021-22", "census": "January 2022", "ehcp_count": 6100}


def test_json_placement_2025_is_null_and_the_code_is_reported(capsys, release):
    code, out, err = run(capsys, "sen2", release, "--la", "873", "--by", "placement", "--format", "json")
    last = _no_nan(out)[-1]
    assert last["ehcp_count"] == 8007 and all(last[c] is None for c in SEVEN)
    assert "caseload.csv, row" in err and "x (not available)" in err and "mainstream_la_maintained" in err


def test_flows_are_by_calendar_year(capsys, release):
    code, out, _ = run(capsys, "sen2", release, "--la", "873", "--by", "flows", "--format", "json")
    records = _no_nan(out)
    assert [r["calendar_year"] for r in records] == [2019, 2020, 2021, 2022, 2023, 2024]


def test_table_says_census_and_financial_year(capsys, release):
    code, out, _ = run(capsys, "sen2", release, "--la", "873")
    assert code == 0 and "January 2022" in out and "2021-22" in out and "6,100" in out
    assert "the January census of year Y is financial year (Y-1)-Y" in out


def test_the_extracted_csv_and_folder_read_as_the_zip(tmp_path, release):
    with zipfile.ZipFile(release) as zf:
        zf.extract("data/caseload.csv", tmp_path / "release")
    one = tmp_path / "release" / "data" / "caseload.csv"
    for source in (one, tmp_path / "release"):
        got = sen2.history(source, "873", "placement").frame
        want = sen2.history(release, "873", "placement").frame
        assert got.equals(want)


# ------------------------------------------------------------------------------ bad input: exit 2, one line

def _truncated(tmp_path, release):
    p = tmp_path / "education-health-and-care-plans_2025.zip"
    p.write_bytes(release.read_bytes()[: 2_000_000])
    return p


def _other_release(tmp_path, release):
    p = tmp_path / "special-educational-needs-in-england_2025.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("data/sen_school_level_underlying_data.csv",
                    "time_period,la_name,URN,Total pupils,SEN support,EHC plan\n202425,Cambridgeshire,1,100,10,2\n")
    return p


def _wrong_headers(tmp_path, release):
    p = tmp_path / "caseload.csv"
    p.write_text("time_period,geographic_level,la_name,old_la_code,new_la_code,breakdown_topic,breakdown,ehc_plan,"
                 "mainstream_total\n202425,Local authority,Cambridgeshire,873,E10000003,All EHC plans,All EHC plans,"
                 "8007,x\n", encoding="utf-8-sig")
    return p


@pytest.mark.parametrize("make,la,words", [
    pytest.param(lambda t, r: r, "Cambridgeshir", ["caseload.csv", "no local authority 'Cambridgeshir'",
                                                   "nearest: Cambridgeshire"], id="misspelt-authority"),
    pytest.param(lambda t, r: r, "999", ["caseload.csv", "no local authority '999'"], id="unknown-code"),
    pytest.param(lambda t, r: t / "missing.zip", "873", ["missing.zip", "file not found"], id="missing-file"),
    pytest.param(_truncated, "873", ["education-health-and-care-plans_2025.zip", "damaged or incomplete"],
                 id="truncated-zip"),
    pytest.param(_other_release, "873", ["special-educational-needs-in-england_2025.zip", "holds no SEN2 caseload",
                                         "Education, health and care plans"], id="another-dfe-release"),
    pytest.param(_wrong_headers, "873", ["caseload.csv", "'ehcplans' (found 'ehc_plan')"], id="csv-wrong-headers"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, release, make, la, words):
    code, out, err = run(capsys, "sen2", make(tmp_path, release), "--la", la)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for w in words:
        assert w in err


def test_the_reader_raises_the_input_error_with_its_file(tmp_path, release):
    with pytest.raises(HnbInputError) as info:
        sen2.history(_wrong_headers(tmp_path, release), "873")
    assert info.value.source == "caseload.csv"


def test_a_count_that_is_not_a_number_names_file_row_and_column(tmp_path):
    p = tmp_path / "caseload.csv"
    p.write_text("time_period,time_identifier,geographic_level,country_name,region_name,la_name,old_la_code,new_la_code,"
                 "breakdown_topic,breakdown,ehcplans,mainstream_total\n"
                 "202324,Academic year,Local authority,England,East,Cambridgeshire,873,E10000003,All EHC plans,"
                 "All EHC plans,7318,1\n"
                 "202425,Academic year,Local authority,England,East,Cambridgeshire,873,E10000003,All EHC plans,"
                 "All EHC plans,8 007,1\n", encoding="utf-8")
    with pytest.raises(HnbInputError) as info:
        sen2.history(p, "873")
    assert (info.value.source, info.value.row, info.value.column) == ("caseload.csv", 3, "ehcplans")


# ------------------------------------------------------------------------------ speed (issue 14 part 6)

def test_one_authority_under_2_s_and_every_authority_under_5_s(release):
    """The targets themselves (benchmarks/bench_sen2.py prints the times and the ratio to pandas)."""
    import time
    t0 = time.perf_counter()
    sen2.history(release, "Cambridgeshire", "placement")
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    sen2.every_authority(release, "placement")
    every = time.perf_counter() - t0
    assert one < 2 and every < 5, f"one authority {one:.2f} s, every authority {every:.2f} s"


def test_provenance_for_the_workbook_logs(release):
    """The file's SHA-256 and the release's dates as DfE's own README lists them (files dated 1 July 2025)."""
    assert sen2.provenance(release) == {
        "file": "education-health-and-care-plans_2025.zip",
        "sha256": "489583bbf9119cf489fc94102db2a7eb6e10b8fae501e315d8d2e373ae310b4f",
        "reporting_year": 2025, "files_dated": "2025-07-01"}
