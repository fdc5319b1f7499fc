"""The older SEN2 layouts, from fixtures written here from the documented headers, read to the same shape
as the 2025 release.

Headers: the 2023/24 "Caseload - establishment type" and "Caseload - age groups" files (Explore
Education Statistics data catalogue, https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/52b8c1e7-2bd3-40a7-ac6d-afefcab2b10d,
and DfE's Financial Benchmarking and Insights Tool's test fixture ``la_sen2_raw`` for the
establishment strings); the 2022 release's ``sen2_estab_caseload.csv`` and ``sen2_age_caseload.csv``
(its data-guidance.txt: Total_st, Total_ehc, Total_all). Cambridgeshire's January 2024 counts are the
ones DfE's 2025 release gives for that census (caseload.csv), so both layouts must read to the same
categories; the arithmetic of each expected category is written out beside it.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd
import pytest

from hnb_xl.cli import main
from hnb_xl.errors import HnbInputError
from hnb_xl.sources import sen2
from hnb_xl.sources.sen2.release import open_release

IDENT_2023 = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
              "region_name", "new_la_code", "old_la_code", "la_name"]
IDENT_2022 = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
              "region_name", "old_la_code", "new_la_code", "la_name"]
CAMBS = {"new_la_code": "E10000003", "old_la_code": "873", "la_name": "Cambridgeshire"}
PBORO = {"new_la_code": "E06000031", "old_la_code": "874", "la_name": "Peterborough"}
SEVEN = ["mainstream", "resourced_provision", "special", "independent", "hospital_ap", "post_16", "other"]

# January 2024, Cambridgeshire: (establishment_group, establishment_type) -> plans (the 2025 release's figures)
JAN_2024 = {
    ("Mainstream school", "Mainstream - LA maintained"): 960,
    ("Mainstream school", "Mainstream - Academy"): 2157,
    ("Mainstream school", "Mainstream - Free school"): 137,
    ("Mainstream school", "Mainstream - LA maintained - Resourced provision"): 12,
    ("Mainstream school", "Mainstream - LA maintained - SEN unit"): 17,
    ("Mainstream school", "Mainstream - Academy - Resourced Provision"): 211,
    ("Mainstream school", "Mainstream - Academy - SEN unit"): 16,
    ("Mainstream school", "Mainstream - Free school - Resourced provision"): 0,
    ("Mainstream school", "Mainstream - Free school - SEN unit"): 0,
    ("Mainstream school", "Mainstream - Independent"): 85,
    ("Mainstream school", "Total"): 3595,                 # a group total: not counted twice
    ("Special school", "Special - LA maintained"): 512,
    ("Special school", "Special - Academy/free"): 1174,
    ("Special school", "Special - Independent"): 244,
    ("Special school", "Special - Non-maintained"): 6,
    ("Special school", "Total"): 1936,
    ("Alternative provision/Pupil referral unit", "AP/PRU - Academy"): 0,
    ("Alternative provision/Pupil referral unit", "AP/PRU - Free school"): 1,
    ("Alternative provision/Pupil referral unit", "AP/PRU - LA maintained"): 0,
    ("Further education", "General FE and tertiary colleges/HE"): 777,
    ("Further education", "Specialist post-16 institutions"): 16,
    ("Further education", "UKRLP provider"): 157,
    ("Educated elsewhere", "Elective home education"): 102,
    ("Educated elsewhere", "Other arrangements by local authority"): 52,
    ("Educated elsewhere", "Other arrangements by parents"): 21,
    ("NEET", "NEET"): 189,
    ("Non-maintained early years", "Non-maintained early years"): 66,
    ("Unknown", "Unknown"): 322,
    ("Other", "Other"): 84,
    ("Total", "Total"): 7318,
}
EXPECT_JAN_2024 = {
    "ehcp_count": 7318,
    "mainstream": 960 + 2157 + 137,
    "resourced_provision": 12 + 17 + 211 + 16 + 0 + 0,
    "special": 512 + 1174,
    "independent": 85 + 244 + 6,
    "hospital_ap": 0 + 1 + 0,
    "post_16": 777 + 16,
    "other": 157 + 102 + 52 + 21 + 189 + 66 + 322 + 84,
}
# January 2023: the non-maintained special schools' count suppressed
JAN_2023 = {**{k: v for k, v in JAN_2024.items()}, ("Special school", "Special - Non-maintained"): "x",
            ("Total", "Total"): 7000}
AGES_2024 = {"Under 5": 320, "Age 5 to 10": 2457, "Age 11 to 15": 2757, "Age 16 to 19": 1303, "Age 20 to 25": 481,
             "Total": 7318}
AGES_2023 = {"Under 5": 300, "Age 5 to 10": 2300, "Age 11 to 15": 2600, "Age 16 to 19": 1300, "Age 20 to 25": "x",
             "Total": 6972}


def _csv(header, rows) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def _place(la, time_period, ident, identifier):
    base = {"time_period": time_period, "time_identifier": identifier, "geographic_level": "Local authority",
            "country_code": "E92000001", "country_name": "England", "region_code": "E12000006",
            "region_name": "East of England", **la}
    return [base[c] for c in ident]


def files_2023() -> dict[str, str]:
    """The two 2023/24 caseload files: each count as 'EHC plan' and as 'Total' (not counted twice)."""
    estab, age = [], []
    for year, counts, ages in (("2023", JAN_2023, AGES_2023), ("2024", JAN_2024, AGES_2024)):
        for la, scale in ((CAMBS, 1), (PBORO, 0)):
            for kind in ("EHC plan", "Total"):
                for (g, t), v in counts.items():
                    estab.append([*_place(la, year, IDENT_2023, "Calendar year"), g, t, kind,
                                  v if scale or v == "x" else 1, ""])
                for a, v in ages.items():
                    age.append([*_place(la, year, IDENT_2023, "Calendar year"), a, kind, v if scale else 1, ""])
    return {
        "ehcp_caseload_establishment_type.csv": _csv(
            [*IDENT_2023, "establishment_group", "establishment_type", "ehcp_or_statement", "num_caseload",
             "pc_caseload"], estab),
        "ehcp_caseload_age_groups.csv": _csv([*IDENT_2023, "age", "ehcp_or_statement", "num_caseload", "pc_caseload"],
                                             age),
    }


# 2022 and earlier: statements and EHC plans together (Total_all = Total_st + Total_ehc)
JAN_2014 = {("Mainstream school", "Mainstream - LA maintained"): (900, 100),
            ("Special school", "Special - LA maintained"): (280, 20),
            ("Special school", "Hospital School"): (2, 1),
            ("Further education", "Sixth form college"): (0, 30),
            ("Educated elsewhere", "Elective home education"): (10, 7),
            ("Total", "Total"): (1192, 158)}


def files_2022() -> dict[str, str]:
    estab, age = [], []
    for year, counts in (("2014", JAN_2014), ("2024", {k: (0, v) for k, v in JAN_2024.items()})):
        for (g, t), (st, ehc) in counts.items():
            estab.append([*_place(CAMBS, year, IDENT_2022, "Calendar year"), t, g, st, "", ehc, "", st + ehc, ""])
    for a, v in AGES_2024.items():
        age.append([*_place(CAMBS, "2024", IDENT_2022, "Calendar year"), a, 0, "", v, "", v, ""])
    totals = ["Total_st", "Total_st_pc", "Total_ehc", "Total_ehc_pc", "Total_all", "Total_all_pc"]
    return {"sen2_estab_caseload.csv": _csv([*IDENT_2022, "establishment_type", "establishment_group", *totals], estab),
            "sen2_age_caseload.csv": _csv([*IDENT_2022, "characteristic_age", *totals], age)}


LAYOUTS = {"2023-24": files_2023, "2022": files_2022}


def write(tmp_path, layout: str, container: str):
    files = LAYOUTS[layout]()
    if container == "zip":
        p = tmp_path / f"education-health-and-care-plans_{layout}.zip"
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, text in files.items():
                zf.writestr(f"data/{name}", text.encode("utf-8-sig" if layout == "2023-24" else "cp1252"))
        return p
    folder = tmp_path / f"release_{layout}"
    (folder / "data").mkdir(parents=True)
    for name, text in files.items():
        (folder / "data" / name).write_text(text, encoding="utf-8")
    if container == "csv":
        return folder / "data" / next(n for n in files if "estab" in n)
    return folder


CONTAINERS = [pytest.param("zip", id="zip-as-saved"), pytest.param("folder", id="extracted-folder"),
              pytest.param("csv", id="one-csv")]


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("layout", [pytest.param("2023-24", id="layout-2023-24"), pytest.param("2022", id="layout-2022")])
def test_placement_categories_read_to_the_2025_shape(tmp_path, layout, container):
    t = sen2.history(write(tmp_path, layout, container), "Cambridgeshire", "placement")
    assert t.layout == layout
    assert list(t.frame.columns) == ["financial_year", "census", "ehcp_count", *SEVEN]
    row = t.frame[t.frame["census"] == "January 2024"].iloc[0]
    assert row["financial_year"] == "2023-24"
    assert {k: row[k] for k in EXPECT_JAN_2024} == EXPECT_JAN_2024
    assert sum(row[c] for c in SEVEN) == row["ehcp_count"]


def test_the_same_census_reads_the_same_from_the_2025_release_and_the_2024_layout(tmp_path):
    from tests.test_sen2 import RELEASE
    if not RELEASE.exists():
        pytest.fail(f"DfE's 2025 SEN2 release is missing: expected {RELEASE}")
    new = sen2.history(RELEASE, "873", "placement").frame
    old = sen2.history(write(tmp_path, "2023-24", "zip"), "873", "placement").frame
    pick = lambda f: f[f["census"] == "January 2024"].reset_index(drop=True)  # noqa: E731
    assert pick(new).equals(pick(old))


def test_a_suppressed_placement_is_not_known_and_reported(tmp_path):
    t = sen2.history(write(tmp_path, "2023-24", "zip"), "873", "placement")
    row = t.frame[t.frame["census"] == "January 2023"].iloc[0]
    assert row["ehcp_count"] == 7000 and row["special"] == 512 + 1174
    assert pd.isna(row["independent"]) and pd.isna(row["other"])
    notes = {(n.column, n.code) for n in t.not_known}
    assert notes == {("num_caseload", "x")}
    assert all(n.source.endswith("ehcp_caseload_establishment_type.csv") and n.row > 1 for n in t.not_known)


@pytest.mark.parametrize("layout", [pytest.param("2023-24", id="layout-2023-24"), pytest.param("2022", id="layout-2022")])
def test_age_groups_read_to_the_2025_shape(tmp_path, layout):
    f = sen2.history(write(tmp_path, layout, "zip"), "873", "age").frame
    assert list(f.columns) == ["financial_year", "census", "ehcp_count", "under_5", "age_5_to_10", "age_11_to_15",
                               "age_16_to_19", "age_20_to_25"]
    row = f[f["census"] == "January 2024"].iloc[0]
    assert list(row.iloc[2:]) == [7318, 320, 2457, 2757, 1303, 481]


def test_statements_and_plans_are_counted_together_before_2018(tmp_path):
    f = sen2.history(write(tmp_path, "2022", "zip"), "873", "placement").frame
    row = f[f["census"] == "January 2014"].iloc[0]
    assert row["financial_year"] == "2013-14"
    assert row["ehcp_count"] == 1192 + 158
    assert row["mainstream"] == 900 + 100
    assert row["hospital_ap"] == 2 + 1                 # Special school / Hospital School (DfE FBIT, until 2024)
    assert row["post_16"] == 0 + 30                    # Further education / Sixth form college
    assert row["other"] == 1350 - 1000 - 300 - 3 - 30


def test_the_authority_is_filtered(tmp_path):
    f = sen2.history(write(tmp_path, "2023-24", "folder"), "E06000031", "total").frame
    assert list(f["ehcp_count"]) == [1, 1]


def test_an_old_layout_has_no_need_file(capsys, tmp_path):
    code = main(["sen2", str(write(tmp_path, "2022", "zip")), "--la", "873", "--by", "need"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "2022 and earlier release holds no sen_needs_all_plans.csv" in err


def test_files_of_two_releases_together_are_an_error(tmp_path):
    folder = write(tmp_path, "2022", "folder")
    (folder / "data" / "caseload.csv").write_text(
        "time_period,geographic_level,la_name,old_la_code,new_la_code,breakdown_topic,breakdown,ehcplans,"
        "mainstream_total\n", encoding="utf-8")
    with pytest.raises(HnbInputError, match="mixes files of different releases"):
        open_release(folder)


@pytest.mark.parametrize("time_period,census", [
    pytest.param("202122", 2022, id="academic-year-202122-is-january-2022"),
    pytest.param("2022", 2022, id="calendar-year-2022-is-january-2022"),
    pytest.param("201819", 2019, id="academic-year-201819-is-january-2019"),
])
def test_census_year(time_period, census):
    assert sen2.census_year(time_period) == census


def _needs_file(tmp_path, extra_header="", extra_value=""):
    header = ("time_period,time_identifier,geographic_level,country_name,region_name,la_name,old_la_code,new_la_code,"
              "breakdown_topic,breakdown,ehc_plans,number_asd,number_hi,number_mld,number_msi,number_oth,number_pd,"
              "number_pmld,number_semh,number_slcn,number_sld,number_spld,number_vi,number_need_unknown" + extra_header)
    row = ("202526,Academic year,Local authority,England,East of England,Cambridgeshire,873,E10000003,All EHC plans,"
           "All EHC plans,1300,100,100,100,100,10,100,100,100,100,100,100,100,100" + extra_value)
    p = tmp_path / "sen_needs_all_plans.csv"
    p.write_text(header + "\n" + row + "\n", encoding="utf-8-sig")
    return p


def test_down_syndrome_goes_to_other_difficulty(tmp_path):
    """DfE's 2025 data guidance (sen_needs_all_plans.csv, footnote 1) counts Down syndrome under 'other
    difficulty/disability'; a file publishing it separately adds it to the template's OTH row."""
    f = sen2.history(_needs_file(tmp_path, ",number_down_syndrome", ",5"), "873", "need").frame
    assert f.iloc[0]["oth"] == 10 + 5 and f.iloc[0]["financial_year"] == "2025-26"
    f = sen2.history(_needs_file(tmp_path), "873", "need").frame
    assert f.iloc[0]["oth"] == 10


@pytest.mark.parametrize("code", [pytest.param(c, id=f"code-{c or 'blank'}") for c in ("x", "z", "c", "low", "u", "")]
                         + [pytest.param("X", id="code-upper-case-X")])
def test_every_dfe_code_is_not_known_never_zero(tmp_path, code):
    p = tmp_path / "caseload.csv"
    p.write_text("time_period,time_identifier,geographic_level,country_name,region_name,la_name,old_la_code,new_la_code,"
                 "breakdown_topic,breakdown,ehcplans,mainstream_total\n"
                 "202324,Academic year,Local authority,England,East,Cambridgeshire,873,E10000003,All EHC plans,"
                 f"All EHC plans,{code},1\n", encoding="utf-8")
    t = sen2.history(p, "873")
    assert pd.isna(t.frame.iloc[0]["ehcp_count"])
    assert [(n.source, n.row, n.column, n.code) for n in t.not_known] == [("caseload.csv", 2, "ehcplans", code.lower())]


def test_a_2025_caseload_without_a_placement_column_names_it(capsys, tmp_path):
    p = tmp_path / "caseload.csv"
    p.write_text("time_period,time_identifier,geographic_level,country_name,region_name,la_name,old_la_code,new_la_code,"
                 "breakdown_topic,breakdown,ehcplans,mainstream_total\n"
                 "202324,Academic year,Local authority,England,East,Cambridgeshire,873,E10000003,All EHC plans,"
                 "All EHC plans,7318,1\n", encoding="utf-8")
    code = main(["sen2", str(p), "--la", "873", "--by", "placement"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "caseload.csv: has no column(s) mainstream_la_maintained" in err
