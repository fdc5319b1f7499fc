"""`hnb-xl export dsg-plan` (issue 15 part 6): the DSG management plan template's tables.

Expected: the template's labels (as read from the template by MastodonC, witan.send.adroddiad
dsg_plan.clj, typed here) and Cambridgeshire's SEN2 totals by January census, typed from DfE's
Education, health and care plans release (reporting year 2025).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from hnb_xl.cli import main

RELEASE = Path(__file__).resolve().parents[1].parent / "shared/data/dfe/education-health-and-care-plans_2025.zip"
SEN2_TOTALS = {2019: 4198, 2020: 4690, 2021: 5292, 2022: 6100, 2023: 6972, 2024: 7318}   # DfE, Cambridgeshire
TITLES = {"MmSoA": "Mainstream schools or academies placements",
          "RPSEN": "Resourced provision or SEN Units placements",
          "MdSSA": "Maintained special schools or special academies placements",
          "NMISS": "Non-maintained special schools or independent (NMSS or independent) placements",
          "HspAP": "Hospital schools or alternative provision (AP) placements",
          "P16FE": "Post 16 and further education (FE) placements",
          "OTHER": "Other placements or direct payments"}
AGES = ["Under 5", "Age 5 to 10", "Age 11 to 15", "Age 16 to 19", "Age 20 to 25"]
NEEDS = ["Autistic Spectrum Disorder", "Hearing Impairment", "Moderate Learning Difficulty",
         "Multi- Sensory Impairment", "Physical Disability", "Profound & Multiple Learning Difficulty",
         "Social, Emotional and Mental Health", "Speech, Language and Communications needs",
         "Severe Learning Difficulty", "Specific Learning Difficulty", "Visual Impairment",
         "Other Difficulty/Disability", "SEN support but no specialist assessment of type of need"]


def tables_of(ws):
    """{table title: (years, {row label: [values]}, total label, [totals])} read from the sheet."""
    rows = list(ws.iter_rows(values_only=True))
    out = {}
    for i, r in enumerate(rows):
        if r[0] in ("Number of EHCPs by age group", "Number of EHCPs by primary need"):
            kinds, years = rows[i + 1][1:], rows[i + 2][1:]
            n = sum(1 for y in years if y is not None)
            body, j = {}, i + 3
            while not str(rows[j][0]).startswith("Total"):
                body[rows[j][0]] = list(rows[j][1:1 + n])
                j += 1
            out[r[0]] = (list(years[:n]), list(kinds[:n]), body, rows[j][0], list(rows[j][1:1 + n]))
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    if not RELEASE.exists():
        pytest.fail(f"DfE's 2025 SEN2 release is missing: expected {RELEASE}")
    out = tmp_path_factory.mktemp("export") / "dsg.xlsx"
    assert main(["export", "dsg-plan", str(out), "--sen2", str(RELEASE), "--la", "Cambridgeshire"]) == 0
    return openpyxl.load_workbook(out)


def test_seven_placement_sheets_with_the_templates_titles_and_a_financial_summary(exported):
    assert exported.sheetnames == [*TITLES, "HNB financial summary"]
    for name, title in TITLES.items():
        assert exported[name]["A1"].value == title


def test_seven_sheets_add_up_to_the_sen2_total_in_every_history_year(exported):
    sums = {}
    for name in TITLES:
        years, kinds, body, _, totals = tables_of(exported[name])["Number of EHCPs by age group"]
        for y, k, t in zip(years, kinds, totals):
            if k == "History":
                sums[y] = sums.get(y, 0) + t
    assert sums == SEN2_TOTALS


@pytest.mark.parametrize("name", list(TITLES))
def test_age_and_need_tables_add_up_to_the_sheets_total_with_the_templates_labels(exported, name):
    t = tables_of(exported[name])
    age, need = t["Number of EHCPs by age group"], t["Number of EHCPs by primary need"]
    assert age[3] == "Total number by Age Group" and need[3] == "Total number of EHCPs by primary need"
    assert list(need[2]) == NEEDS
    assert list(age[2]) == (AGES[3:] if name == "P16FE" else AGES)
    assert age[4] == need[4]                               # one sheet total
    for table in (age, need):
        for j, total in enumerate(table[4]):
            assert sum(v[j] for v in table[2].values()) == total
            assert all(isinstance(v[j], int) and v[j] >= 0 for v in table[2].values())
    assert age[0] == need[0] == list(range(2019, 2032))   # census years: history then projection
    assert age[1] == ["History"] * 6 + ["Projection"] * 7


def test_post_16_sheet_has_no_under_16_rows(exported):
    labels = [r[0] for r in exported["P16FE"].iter_rows(values_only=True)]
    assert not {"Under 5", "Age 5 to 10", "Age 11 to 15"} & set(labels)


def test_financial_summary_shows_the_calibration_line_and_the_base_outturn(exported):
    ws = exported["HNB financial summary"]
    rows = {r[0]: r[1:] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    assert rows["£"][0] == "2021-22"
    assert rows["Total HNB spend"][0] == 100_178_000                     # seed, 2021-22 outturn
    assert "Calibration to the base year outturn" in rows
    assert rows["Cumulative DSG deficit at 31 March"][0] == 39_264_000   # seed
    for label, values in rows.items():
        assert all(v is None or isinstance(v, (str, int, float)) and v == v for v in values), label


def test_without_sen2_history_is_the_bundled_january_2021_and_2022(tmp_path):
    out = tmp_path / "dsg.xlsx"
    assert main(["export", "dsg-plan", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    sums = {}
    for name in TITLES:
        years, kinds, body, _, totals = tables_of(wb[name])["Number of EHCPs by primary need"]
        for y, k, t in zip(years, kinds, totals):
            if k == "History":
                sums[y] = sums.get(y, 0) + t
    assert sums == {2021: 5292, 2022: 6100}


@pytest.mark.parametrize("args, expected", [
    pytest.param(["export", "dsg-plan", "out.csv"], "'out.csv' must be an .xlsx file", id="not-xlsx"),
    pytest.param(["export", "dsg-plan", "/no/such/folder/out.xlsx"], "folder '/no/such/folder' not found",
                 id="no-folder"),
    pytest.param(["export", "dsg-plan", "OUT.xlsx", "--sen2", "/no/such.zip"], "/no/such.zip: file not found",
                 id="sen2-missing"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, monkeypatch, capsys, args, expected):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err


# DfE SEN2, Cambridgeshire, maintained special schools or special academies, January 2019 to 2024
SEN2_SPECIAL = [1181, 1299, 1415, 1485, 1575, 1686]


def test_special_sheet_history_is_sen2s_special_count_and_the_split_is_stated(exported):
    ws = exported["MdSSA"]
    years, kinds, body, _, totals = tables_of(ws)["Number of EHCPs by age group"]
    assert totals[:6] == SEN2_SPECIAL
    assert "no age x placement or need x placement cut" in ws["A3"].value
    assert "January 2025: placement not known in the release" in ws["A2"].value


def test_financial_summary_has_the_mitigated_scenario_with_general_fund_apart(exported):
    """Issue 15 item 6 (unmitigated and mitigated) and item 3: the DSG workstreams' savings add up
    to the DSG saving; the mitigated in-year deficit is the unmitigated one less the DSG saving, so
    the General Fund saving (the bundled transport review, placement_workstreams.csv) is in no DSG figure."""
    ws = exported["HNB financial summary"]
    labels = [r[0] for r in ws.iter_rows(min_row=4, values_only=True)]
    rows = {r[0]: [v or 0 for v in r[1:]] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    n = sum(1 for y in rows["£"] if y)
    first, total = labels.index("Savings by workstream (DSG)") + 1, labels.index("Total DSG saving")
    dsg_lines = labels[first:total]
    assert len(dsg_lines) >= 2 and not any("transport" in s.lower() for s in dsg_lines)
    general_fund = rows["General Fund saving (reported, not in the DSG figures)"]
    assert max(general_fund[:n]) > 0
    cumulative = 0.0
    for j in range(n):
        saving = rows["Total DSG saving"][j]
        assert sum(rows[s][j] for s in dsg_lines) == pytest.approx(saving, abs=0.05)
        assert rows["In-year deficit (spend - funding)"][j] - rows["In-year deficit, mitigated"][j] \
            == pytest.approx(saving, abs=0.05)
        cumulative += saving
        assert rows["Cumulative DSG deficit at 31 March"][j] - rows["Cumulative DSG deficit at 31 March, mitigated"][j] \
            == pytest.approx(cumulative, abs=0.5)
