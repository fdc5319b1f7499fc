"""Format detection from headers, templates (units row skipped) and validation of all files together."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from hnb_xl import bundled
from hnb_xl.cli import main
from hnb_xl.errors import HnbInputError
from hnb_xl.tables.schema import SCHEMAS
from hnb_xl.sources import collect, templates
from hnb_xl.sources.detect import detect

from .support import bundled_frames


@pytest.mark.parametrize("headers,name", [
    pytest.param(["URN", "la_name", "Total pupils", "SEN support", "EHC plan"], "dfe_sen_wide", id="dfe-wide"),
    pytest.param(["time_period", "la_name", "school_urn", "sen_provision", "sen_primary_need", "pupil_count"],
                 "dfe_sen_long", id="dfe-long"),
    pytest.param(SCHEMAS["schools"].headers, "schools", id="schools-template"),
    pytest.param(["urn", "school_name", "ehcp_count", "notional_sen"], "schools", id="schools-engine-names"),
    pytest.param(["financial_year", "ehcp_count", "hnb_budget", "hnb_expenditure", "accumulated_deficit", "basis"],
                 "history", id="bundled-history"),
    pytest.param(SCHEMAS["assumptions"].headers, "assumptions", id="assumptions"),
    pytest.param(["financial_year", "transfer_amount", "schools_block", "note"], "block_transfer", id="transfer"),
])
def test_detects_format_from_headers(headers, name):
    assert detect(headers, "f.csv").name == name


# Every bundled data file (hnb_xl/data, its README gives each one's provenance): its own table, by its
# name (a template name, or one inside the bundled name) and its headers; None: not a source table
BUNDLED = {
    "assumptions_published_forecast_july_2022.csv": "assumptions", "assurance_assumptions.csv": "assurance_assumptions",
    "assurance_decisions.csv": "assurance_decisions", "assurance_roles.csv": "assurance_roles",
    "assurance_statement.csv": "assurance_statement", "assurance_validation.csv": "assurance_validation",
    "block_transfer.csv": "block_transfer", "demo_schools.csv": "schools", "history.csv": "history",
    "invest_to_transform.csv": "invest_to_transform", "parameters.csv": "parameters",
    "placement_backlog.csv": "placement_backlog", "placement_capacity.csv": "placement_capacity",
    "placement_categories.csv": "placement_categories", "placement_drivers.csv": "placement_drivers",
    "placement_history.csv": "placement_history", "placement_income.csv": "placement_income",
    "placement_moves.csv": "placement_moves", "placement_other_spend.csv": "placement_other_spend",
    "placement_profile.csv": None, "placement_settings.csv": "placement_settings",
    "placement_workstreams.csv": "placement_workstreams", "plan_agreement_cambridgeshire.csv": "agreement",
    "plan_montecarlo.csv": "montecarlo", "plan_payments_cambridgeshire_2024.csv": "payments",
    "plan_uncertainty.csv": "uncertainty", "plan_workstreams.csv": "workstreams", "published_forecast.csv": None,
    "sen2_age_groups.csv": None, "sen2_needs.csv": None, "sen2_placement_categories.csv": None,
    "settlement_2026.csv": "settlement",
}


def _bundled_headers(name: str) -> list[str]:
    import csv
    from importlib import resources
    with resources.as_file(bundled.data_path(name)) as p, open(p, newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh))


def test_every_bundled_data_file_is_listed():
    from importlib import resources
    folder = resources.files("hnb_xl") / "data"
    assert sorted(f.name for f in folder.iterdir() if f.name.endswith(".csv")) == sorted(BUNDLED)


@pytest.mark.parametrize("name", [pytest.param(n, id=f"bundled-{n.removesuffix('.csv')}") for n in BUNDLED])
def test_every_bundled_file_is_its_own_table_or_not_a_source(name):
    headers = _bundled_headers(name)
    if BUNDLED[name] is None:
        with pytest.raises(HnbInputError, match="matches no known format"):
            detect(headers, f"data/{name}")
    else:
        assert detect(headers, f"data/{name}").name == BUNDLED[name]


@pytest.mark.parametrize("headers,source,name", [
    pytest.param(["name", "value", "basis"], "x/placement_settings.csv", "placement_settings",
                 id="placement-settings-by-its-template-name"),
    pytest.param(["name", "value", "basis"], "book.xlsx [placement_settings]", "placement_settings",
                 id="placement-settings-by-its-sheet-name"),
    pytest.param(["name", "value", "unit"], "parameters.csv", "parameters", id="parameters-by-name"),
    pytest.param(["parameter", "value", "basis"], "agreement.csv", "agreement", id="agreement-by-name"),
    pytest.param(["setting", "value", "unit", "basis"], "f.csv", "montecarlo", id="montecarlo-settings-by-headers"),
    pytest.param(["financial_year", "allocation", "allocation_growth", "transfer"], "f.csv", "placement_income",
                 id="placement-income-by-its-own-columns"),
    pytest.param(SCHEMAS["history"].headers, "my_history_2024.csv", "history", id="history-name-inside-a-longer-name"),
    pytest.param(SCHEMAS["history"].headers, "block_transfer_notes.csv", "history",
                 id="a-name-inside-a-longer-name-is-only-a-hint"),
])
def test_detects_by_name_then_by_headers(headers, source, name):
    assert detect(headers, source).name == name


@pytest.mark.parametrize("headers,source,text", [
    pytest.param(["name", "value", "basis"], "f.csv",
                 "f.csv: could be the agreement or settlement or placement_settings table (its headers fit each)",
                 id="settings-headers-alone-are-ambiguous"),
    pytest.param(["parameter", "value", "basis"], "mc.csv", "mc.csv: could be the agreement or settlement table",
                 id="montecarlo-headed-parameter-is-not-taken-for-an-agreement"),
    pytest.param(["name", "value", "unit"], "f.csv", "f.csv: could be the parameters or agreement or settlement table",
                 id="name-value-unit-alone-is-ambiguous"),
    pytest.param(["setting", "value", "basis"], "f.csv", "f.csv: could be the placement_settings or montecarlo table",
                 id="setting-value-basis-alone-is-ambiguous"),
    pytest.param(["financial_year", "accumulated_deficit_gbp_m", "deficit_growth_gbp_m", "basis"], "published.csv",
                 "published.csv: matches no known format", id="published-forecast-is-not-placement-income"),
    pytest.param(["financial_year", "accumulated_deficit_gbp_m", "deficit_growth_gbp_m", "basis"], "f.csv",
                 "which no table has", id="a-year-table-cannot-claim-unknown-columns"),
    pytest.param(["parameter", "value", "basis"], "montecarlo.csv",
                 "montecarlo.csv: is named for the montecarlo table", id="a-template-name-lacking-its-columns"),
])
def test_ambiguous_or_unclaimed_files_are_one_line(headers, source, text):
    with pytest.raises(HnbInputError) as exc:
        detect(headers, source)
    assert str(exc.value).startswith(text) or text in str(exc.value)
    assert "\n" not in str(exc.value)


def test_an_ambiguous_file_is_exit_2_naming_it_and_its_tables(book, tmp_path, capsys):
    from hnb_xl.cli import main
    from .support import sha256_of
    src = tmp_path / "settings.csv"
    src.write_text("name,value,basis\npaths,1000,x\n", encoding="utf-8")
    before = sha256_of(book)
    assert main(["refresh", str(book), str(src), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"{src}: could be the agreement or settlement or placement_settings table" in err
    assert "Traceback" not in err and sha256_of(book) == before


@pytest.mark.parametrize("headers,closest,missing", [
    pytest.param(["Financial year", "EHCPs", "HNB budget", "HNB expendture"], "history",
                 "'HNB expenditure' (did you mean 'HNB expendture'?)", id="misspelt-history-not-transfer"),
    pytest.param(["URN", "School nme", "EHCPs", "Notional SEN budget"], "schools",
                 "'School name' (did you mean 'School nme'?)", id="misspelt-school-name"),
    pytest.param(["school_urn", "sen_provision", "pupil_count"], "dfe_sen_long", "'sen_primary_need'",
                 id="dfe-long-missing-need"),
])
def test_no_match_names_closest_format_and_missing_columns(headers, closest, missing):
    with pytest.raises(HnbInputError) as exc:
        detect(headers, "f.csv")
    text = str(exc.value)
    assert text.startswith("f.csv: matches no known format (dfe_sen_long, dfe_sen_wide, schools, history")
    assert f"closest is {closest} " in text and missing in text


def test_one_shared_column_identifies_nothing():
    with pytest.raises(HnbInputError, match="only one column is recognised"):
        detect(["financial_year", "accumulated_deficit_gbp_m"], "f.csv")


def test_template_command_writes_headers_and_units(tmp_path):
    assert main(["template", str(tmp_path / "t")]) == 0
    lines = (tmp_path / "t" / "history.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Financial year,EHCPs (January census),HNB budget,HNB expenditure,Accumulated DSG deficit"
    assert lines[1] == '[e.g. 2022-23],[whole number],[£],[£],"[£, may be negative]"'
    wb = load_workbook(tmp_path / "t" / "hnb_sources.xlsx")
    assert wb.sheetnames == ["schools", "history", "assumptions", "block_transfer", "parameters",
                             "invest_to_transform"]
    assert [c.value for c in wb["schools"][1]] == SCHEMAS["schools"].headers
    assert main(["template", str(tmp_path / "t")]) == 2  # never overwrites without --force


def test_empty_templates_alone_are_nothing_to_refresh(tmp_path):
    templates.write_templates(tmp_path)
    got = collect.collect([tmp_path])
    assert [p.describe() for p in got.problems] == [
        "SOURCE: nothing to refresh: every source table is empty (fill in the templates' rows under the headers "
        "and the units row)"]
    assert len(got.notes) == 12            # 6 CSV templates + 6 sheets of hnb_sources.xlsx, all empty
    assert got.tables == {}


def test_a_template_folder_with_one_table_filled_refreshes_that_table(tmp_path):
    """hnb-xl template writes every table as CSV and as a sheet of hnb_sources.xlsx; a modeller fills
    one of them and refreshes from the folder: the empty ones are notes, not errors or duplicates."""
    templates.write_templates(tmp_path)
    templates.write_csv(SCHEMAS["schools"], tmp_path / "schools.csv", bundled.demo_schools())
    got = collect.collect([tmp_path])
    assert got.problems == []
    assert list(got.tables) == ["schools"] and len(got.tables["schools"]) == 250
    assert f"{tmp_path / 'hnb_sources.xlsx'} [schools]: no data rows (an empty template), so the schools table " \
           "is not refreshed" in got.notes
    assert len(got.notes) == 11


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_filled_templates_read_back_the_bundled_data(tmp_path, kind):
    templates.write_templates(tmp_path, bundled_frames())
    paths = [tmp_path / "hnb_sources.xlsx"] if kind == "xlsx" else sorted(tmp_path.glob("*.csv"))
    got = collect.collect(paths)
    assert got.problems == []
    h = got.tables["history"]
    assert list(h["financial_year"]) == [f"{y}-{(y + 1) % 100:02d}" for y in range(2015, 2022)]
    assert h.set_index("financial_year").loc["2021-22", "accumulated_deficit"] == 39_264_000  # seed £39,264k
    assert len(got.tables["schools"]) == 250
    assert got.tables["assumptions"].iloc[0]["block_transfer"] == 2_102_000
    itt = got.tables["invest_to_transform"].set_index("activity")
    assert itt["allocation"].sum() == 2_102_000                       # seed: the 2022-23 transfer
    assert itt.loc["SEMH Training", "committed_spend"] == 30_323      # seed: £30,323 committed
    assert itt["committed_spend"].isna().sum() == 2                   # seed: two lines TBC
    # the units row is not data: first data row is file row 3
    assert got.tables["history"].attrs["row_numbers"][0] == 3


def test_xlsx_sheet_order_does_not_matter(tmp_path):
    templates.write_xlsx(tmp_path / "s.xlsx", bundled_frames(), ("parameters", "schools", "history"))
    got = collect.collect([tmp_path / "s.xlsx"])
    assert got.problems == [] and set(got.tables) == {"parameters", "schools", "history"}


def test_every_problem_in_every_file_is_reported_together(tmp_path):
    (tmp_path / "history.csv").write_text(
        "Financial year,EHCPs,HNB budget,HNB expenditure\n2019-20,4690,71041000,82619000\n"
        "2021-22,lots,76627000,-5\n", encoding="utf-8")
    (tmp_path / "schools.csv").write_text(
        "URN,School name,EHCPs,Notional SEN budget\n900001,A,5,1000\n900001,B,3,2000\n,No URN,1,5\n", encoding="utf-8")
    (tmp_path / "assumptions.csv").write_text(
        "Financial year,EHCP growth,Cost per EHCP growth,HNB funding growth,Block transfer,Other DSG movements\n"
        "2022-23,0.1,0,0.1,0,0\n2022-23,0.1,0,0.1,0,0\n2024-25,0.1,0,0.1,0,0\n", encoding="utf-8")
    (tmp_path / "odd.csv").write_text("URN,School nme,EHCPs,Notional SEN budget\n1,A,1,1\n", encoding="utf-8")
    got = collect.collect([tmp_path])
    text = "\n".join(p.describe() for p in got.problems)
    h, s, a = (str(tmp_path / n) for n in ("history.csv", "schools.csv", "assumptions.csv"))
    assert f"{h}, row 3, column 'EHCPs': expected a number" in text                 # text in a number column
    assert f"{h}, row 3, column 'HNB expenditure': expected an amount in pounds of 0 or more" in text  # negative
    assert f"{s}, row 4, column 'URN': is blank: expected a URN" in text             # school without a URN
    assert f"{a}, row 3, column 'Financial year': duplicate Financial year 2022-23" in text
    assert "did you mean 'School nme'?" in text                                      # misspelt column
    assert got.tables == {}
    # duplicate URN is found once the other school problems are fixed
    (tmp_path / "schools.csv").write_text(
        "URN,School name,EHCPs,Notional SEN budget\n900001,A,5,1000\n900001,B,3,2000\n", encoding="utf-8")
    text = "\n".join(p.describe() for p in collect.collect([tmp_path / "schools.csv"]).problems)
    assert f"{s}, row 3, column 'URN': duplicate URN 900001 (first seen on row 2)" in text


def test_non_contiguous_years(tmp_path):
    (tmp_path / "history.csv").write_text(
        "Financial year,EHCPs,HNB budget,HNB expenditure\n2019-20,1,1,1\n2021-22,1,1,1\n", encoding="utf-8")
    got = collect.collect([tmp_path / "history.csv"])
    assert [p.describe() for p in got.problems] == [
        f"{tmp_path / 'history.csv'}, row 3, column 'Financial year': years are not contiguous: 2019-20 is "
        "followed by 2021-22 (expected 2020-21)"]


def test_same_table_twice_is_a_problem(tmp_path):
    templates.write_templates(tmp_path, bundled_frames(), ("history",))
    got = collect.collect([tmp_path / "history.csv", tmp_path / "hnb_sources.xlsx"])
    assert any("a second history table" in p.message for p in got.problems)


def test_dfe_merged_with_notional_sen_from_schools_file(tmp_path):
    (tmp_path / "dfe.csv").write_text(
        "URN,la_name,school_name,phase_type_grouping,Total pupils,SEN support,EHC plan\n"
        "110001,Cambridgeshire,Alpha,Primary,300,40,5\n110002,Cambridgeshire,Beta,Primary,120,10,c\n",
        encoding="utf-8")
    (tmp_path / "schools.csv").write_text(
        "URN,School name,EHCPs,Notional SEN budget\n110001,Alpha old,1,50000\n110002,Beta,0,20000\n", encoding="utf-8")
    got = collect.collect([tmp_path], suppressed_policy="zero")      # Beta's suppressed 'c' read as 0
    assert got.problems == []
    s = got.tables["schools"].set_index("urn")
    assert s.loc[110001, "ehcp_count"] == 5 and s.loc[110001, "notional_sen"] == 50000
    assert s.loc[110001, "school_name"] == "Alpha" and s.loc[110002, "ehcp_count"] == 0
    rec = next(r for r in got.records if r.name == "dfe.csv")
    assert rec.suppressed == {"c": 1} and rec.rows_read == 2 and len(rec.sha256) == 64


def test_dfe_school_without_notional_sen_is_named(tmp_path):
    (tmp_path / "dfe.csv").write_text(
        "URN,la_name,Total pupils,SEN support,EHC plan\n110001,Cambridgeshire,300,40,5\n"
        "110002,Cambridgeshire,120,10,2\n", encoding="utf-8")
    (tmp_path / "schools.csv").write_text("URN,School name,EHCPs,Notional SEN budget\n110001,Alpha,1,50000\n",
                                          encoding="utf-8")
    got = collect.collect([tmp_path])
    assert [p.describe() for p in got.problems] == [
        f"{tmp_path / 'dfe.csv'}, row 3, column 'URN': URN 110002 has no notional SEN budget in the schools file: "
        "add it (DfE files do not carry it)"]
