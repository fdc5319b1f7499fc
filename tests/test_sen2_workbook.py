"""EHC plans by placement at each census on the Inputs sheet (issue 14), end to end as a new user.

A workbook for a council that is not Cambridgeshire (Leeds, LA 383, a real authority of DfE's 2025
SEN2 release in ../shared/data/dfe/) is built, then refreshed from the release as saved: its
placement history table must hold the release's figures, read here independently with pandas on
``data/caseload.csv`` and the DfE mapping typed from the release's README (mainstream = LA
maintained + academy + free school; resourced provision = the six resourced provision / SEN unit
columns; special = LA maintained + academy/free; non-maintained or independent = mainstream
independent + special independent + non-maintained; hospital or AP = the three AP/PRU columns;
post-16 = general FE + specialist post-16; other = the total minus the six), and the seven add up
to the total in every row. The January census of year Y is financial year (Y-1)-Y.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from hnb_xl import bundled
from hnb_xl.cli import main
from hnb_xl.sources import templates
from hnb_xl.tables import placement as tables
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.refresh.ehcp import placement_rows
from hnb_xl.workbook.snapshot import read_workbook
from hnb_xl.workbook.verify.recalc import recalculate
from hnb_xl.workbook.verify.run import verify

from tests.support import sha256_of, load_book, read_book

RELEASE = Path(__file__).resolve().parents[2] / "shared" / "data" / "dfe" / "education-health-and-care-plans_2025.zip"
SIX = {  # the release README's mapping of caseload.csv columns to the DSG plan's first six categories
    "mainstream": ["mainstream_la_maintained", "mainstream_academy", "mainstream_free_school"],
    "resourced_provision": ["mainstream_la_maintained_resourced_provision", "mainstream_la_maintained_senunit",
                            "mainstream_academy_resourced_provision", "mainstream_academy_senunit",
                            "mainstream_free_school_resourced_provision", "mainstream_free_school_senunit"],
    "special": ["special_la_maintained", "special_academy_free"],
    "independent": ["mainstream_independent", "special_independent", "special_non_maintained"],
    "hospital_ap": ["ap_pru_academy", "ap_pru_free_school", "ap_pru_la_maintained"],
    "post_16": ["general_fe_tertiary_colleges", "specialist_post_16_institutions"],
}
SEVEN = [*SIX, "other"]
# the release README: Cambridgeshire, All EHC plans, January 2019 to January 2025
CAMBRIDGESHIRE = [4198, 4690, 5292, 6100, 6972, 7318, 8007]


def expected(la_name: str) -> pd.DataFrame:
    """One row a census for ``la_name`` from caseload.csv (All EHC plans), by the mapping above; a
    DfE code (x, c, ...) is NaN, and a category with any code in it is NaN."""
    with zipfile.ZipFile(RELEASE) as z:
        raw = z.read("data/caseload.csv")
    c = pd.read_csv(io.BytesIO(raw), dtype=str, encoding="utf-8-sig", keep_default_na=False)
    c = c[(c["la_name"] == la_name) & (c["breakdown_topic"] == "All EHC plans")
          & (c["geographic_level"] == "Local authority")]
    num = lambda col: pd.to_numeric(c[col], errors="coerce")  # noqa: E731
    out = pd.DataFrame({"census_year": c["time_period"].str[:4].astype(int) + 1})
    for k, cols in SIX.items():
        out[k] = sum(num(col) for col in cols)
    out["total"] = num("ehcplans")
    out["other"] = out["total"] - out[list(SIX)].sum(axis=1, skipna=False)
    out["financial_year"] = [f"{y - 1}-{str(y)[2:]}" for y in out["census_year"]]
    out["census"] = [f"January {y}" for y in out["census_year"]]
    return out.sort_values("census_year").reset_index(drop=True)


def placement_table(book: Path) -> list[dict]:
    """The workbook's placement history rows (engine names), down to the first empty row."""
    t = L.INPUT_TABLES["placement_history"]
    ws = read_workbook(book)[t.sheet]
    rows = []
    for r in range(t.first_row, t.last_row + 1):
        values = [ws.cell(r, t.first_col + j).value for j in range(len(t.headers))]
        if all(v is None for v in values):
            break
        rows.append(dict(zip(t.column_keys, values)))
    return rows


def history_ehcps(book: Path) -> dict:
    t = L.INPUT_TABLES["history"]
    ws = read_book(book)[t.sheet]
    out = {}
    for r in range(t.first_row, t.last_row + 1):
        year = ws.cell(r, t.col_of("Financial year")).value
        if year:
            out[year] = ws.cell(r, t.col_of("EHCPs (January census)")).value
    return out


def check_value(seen, text: str):
    """The Checks sheet's value on the row whose text starts with ``text`` (recalculated)."""
    K = L.CHECKS_LAYOUT
    ws = seen.values[L.CHECKS]
    for cell, v in ws.items():
        if cell.startswith("B") and isinstance(v, str) and v.startswith(text):
            return ws.get(f"{L.col(K['value_col'])}{cell[1:]}")
    raise AssertionError(f"no check {text!r}")


@pytest.fixture(scope="module")
def leeds(tmp_path_factory):
    """A workbook built for Leeds (its parameters: name and LA code; the history's money is the
    bundled one), then refreshed from DfE's release as saved."""
    folder = tmp_path_factory.mktemp("leeds")
    params = bundled.parameter_table()
    params.loc[params["name"] == "authority_name", "value"] = "Leeds"
    params.loc[params["name"] == "authority_code", "value"] = "383"
    templates.write_templates(folder / "src", {"parameters": params}, tables=("parameters",), formats=("csv",))
    book = folder / "Leeds_HNB.xlsm"
    assert main(["build", str(book), "--sources", f"parameters={folder / 'src' / 'parameters.csv'}"]) == 0
    built = placement_table(book)
    assert main(["refresh", str(book), str(RELEASE), "--la", "Leeds"]) == 0
    return {"book": book, "built": built, "folder": folder}


def test_the_bundled_placement_history_is_cambridgeshire_in_the_release():
    want = expected("Cambridgeshire")
    got = tables.census_history()
    assert list(got["total"]) == CAMBRIDGESHIRE == list(want["total"])
    assert list(got["financial_year"]) == list(want["financial_year"])
    assert list(got["census"]) == [f"January {y}" for y in range(2019, 2026)]
    for k in SEVEN:
        assert got[k].tolist()[:6] == want[k].tolist()[:6], k
        assert pd.isna(got[k].iloc[6]) and pd.isna(want[k].iloc[6]), k       # January 2025: x in the release


def test_the_base_census_is_the_placement_historys_base_year_and_the_year_before():
    census = tables.load_tables()["census"].set_index("category")
    want = expected("Cambridgeshire").set_index("financial_year")
    assert census["census_base"].to_dict() == {k: float(want.loc["2021-22", k]) for k in SEVEN}
    assert census["census_before"].to_dict() == {k: float(want.loc["2020-21", k]) for k in SEVEN}
    assert census["census_base"].sum() == 6100                         # the seed's 2021-22 EHCPs


def test_a_workbook_for_another_council_is_built_without_cambridgeshires_censuses(leeds):
    assert leeds["built"] == []


def test_the_refresh_fills_the_placement_history_with_the_releases_figures(leeds):
    want = expected("Leeds")
    rows = placement_table(leeds["book"])
    assert len(rows) == len(want) == 7
    for row, (_, w) in zip(rows, want.iterrows()):
        assert row["financial_year"] == w["financial_year"] and row["census"] == w["census"]
        for k in [*SEVEN, "total"]:
            assert (row[k] is None) if pd.isna(w[k]) else row[k] == int(w[k]), (row["census"], k)
        if all(row[k] is not None for k in [*SEVEN, "total"]):
            assert sum(row[k] for k in SEVEN) == row["total"], row["census"]
        assert "Leeds (383)" in row["source"] and RELEASE.name in row["source"]
    # the history's EHCP column: the census inside each year it holds
    held = history_ehcps(leeds["book"])
    for _, w in want.iterrows():
        if w["financial_year"] in held:
            assert held[w["financial_year"]] == int(w["total"])


def test_the_placement_history_and_back_test_recalculate_in_the_workbook(leeds, libreoffice):
    report = verify(leeds["book"], office=libreoffice)
    assert report.master_check == 1
    seen = recalculate(leeds["book"], office=libreoffice)
    assert check_value(seen, "Inputs: each census's seven placement categories add up") == 1
    assert check_value(seen, "Inputs: each census in the placement history is the January") == 1
    want = expected("Leeds").set_index("financial_year")
    O = L.OUT
    out = seen.values[L.OUTPUTS]
    years = {}
    for i in range(L.PROJ["periods"]):
        r = O["backtest_first"] + i
        year = out.get(f"{L.col(L.OUT_NUMBER_COL + 1)}{r}")
        if year:
            years[year] = [out.get(f"{L.col(L.OUT_NUMBER_COL + k)}{r}") for k in (2, 3, 4, 5)]
    for year in ("2022-23", "2023-24", "2024-25"):
        projected, actual, error, pct = years[year]
        assert actual == int(want.loc[year, "total"])
        assert error == pytest.approx(projected - actual) and pct == pytest.approx((projected - actual) / actual)


def test_the_bundled_workbook_shows_the_revision_and_the_back_test(bundled_build, tmp_path, libreoffice):
    book = tmp_path / "HNB_Model.xlsm"
    shutil.copyfile(bundled_build, book)
    seen = recalculate(book, office=libreoffice)
    # the seed's history keeps 5,327 for 2020-21; the release says 5,292: shown, not failed
    assert check_value(seen, "Revisions: census years whose EHCPs") == 1
    assert check_value(seen, "Revisions: the history's EHCPs minus") == 5327 - 5292
    K = L.CHECKS_LAYOUT
    assert seen.values[L.CHECKS][f"{L.col(K['value_col'])}{K['master_row']}"] == 1
    out = seen.values[L.OUTPUTS]
    rows = {out.get(f"B{L.OUT['backtest_first'] + i}"): [out.get(f"{c}{L.OUT['backtest_first'] + i}") for c in "CDE"]
            for i in range(3)}
    # the figures: projected 6,710 / 7,381 / 8,119 against actual 6,972 / 7,318 / 8,007
    for year, projected, actual in (("2022-23", 6710, 6972), ("2023-24", 7381, 7318), ("2024-25", 8119, 8007)):
        assert round(rows[year][0]) == projected and rows[year][1] == actual
        assert rows[year][2] == pytest.approx(rows[year][0] - actual)


def test_the_dry_run_shows_the_placement_history_and_the_logs_record_it(bundled_build, tmp_path, capsys):
    book = tmp_path / "HNB_Model.xlsm"
    shutil.copyfile(bundled_build, book)
    digest = sha256_of(book)
    assert main(["refresh", str(book), str(RELEASE), "--la", "873", "--dry-run"]) == 0
    out = capsys.readouterr().out
    # the bundled censuses are the release's: no count changes, only each row's source (the release as saved)
    lines = out.splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.strip().startswith("placement_history: 7 -> 7 rows; 0 added, 0 removed"))
    changed = [ln for ln in lines[at + 1:at + 8] if ln.strip().startswith("changed:")]
    assert len(changed) == 7 and all(ln.split()[2] == "source" for ln in changed), changed
    assert sha256_of(book) == digest
    assert main(["refresh", str(book), str(RELEASE), "--la", "873"]) == 0
    logs = read_book(book)[L.LOGS]
    texts = [str(c.value) for row in logs.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("placement history: January 2019 to January 2025" in t for t in texts)


def test_a_refresh_without_a_release_leaves_the_placement_history(leeds, tmp_path):
    before = placement_table(leeds["book"])
    params = tmp_path / "p"
    templates.write_templates(params, {"parameters": bundled.parameter_table().query("name == 'send_contingency_pot'")},
                              tables=("parameters",), formats=("csv",))
    assert main(["refresh", str(leeds["book"]), str(params / "parameters.csv")]) == 0
    assert placement_table(leeds["book"]) == before


def test_template_from_writes_the_placement_history_and_build_sources_takes_it(leeds, tmp_path):
    folder = tmp_path / "out"
    assert main(["template", "--from", str(leeds["book"]), str(folder)]) == 0
    written = folder / "placement_history.csv"
    assert written.exists()
    book = tmp_path / "Again.xlsm"
    params = leeds["folder"] / "src" / "parameters.csv"
    assert main(["build", str(book), "--sources", f"placement_history={written}", f"parameters={params}"]) == 0
    assert placement_table(book) == placement_table(leeds["book"])


def test_a_release_for_an_authority_not_in_the_file_is_refused_at_la(bundled_build, tmp_path, capsys):
    book = tmp_path / "HNB_Model.xlsm"
    shutil.copyfile(bundled_build, book)
    digest = sha256_of(book)
    assert main(["refresh", str(book), str(RELEASE), "--la", "999"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and RELEASE.name in err and "Traceback" not in err, err
    assert "no local authority '999'" in err and "--la" in err, err
    assert sha256_of(book) == digest


def _edited_copy(leeds, tmp_path) -> Path:
    """The Leeds workbook with 2020-21's mainstream count raised by 10 (so the seven no longer add up)."""
    book = tmp_path / "Edited.xlsm"
    wb = load_book(leeds["book"], keep_vba=True)
    t = L.INPUT_TABLES["placement_history"]
    cell = wb[t.sheet][t.cell(PLACEMENT_HEADERS["mainstream"], 2)]
    cell.value = cell.value + 10
    wb.save(book)
    return book


PLACEMENT_HEADERS = dict(zip(L.INPUT_TABLES["placement_history"].column_keys, L.INPUT_TABLES["placement_history"].headers))


def test_a_placement_table_edited_so_the_seven_do_not_add_up_fails_its_check(leeds, tmp_path, libreoffice):
    book = _edited_copy(leeds, tmp_path)
    report = verify(book, office=libreoffice)
    failed = [f for f in report.findings if f.code == "check-failed"]
    assert len(failed) == 1 and "seven placement categories add up" in failed[0].message
    assert failed[0].sheet == L.CHECKS and report.master_check == 0
    # ... and the cell itself: 2020-21's Total on the Inputs sheet (the table's third row)
    t = L.INPUT_TABLES["placement_history"]
    at = [f for f in report.findings if f.code == "input"]
    assert [(f.sheet, f.cell) for f in at] == [(t.sheet, t.cell("Total", 2))], at
    assert "add up to" in at[0].message


def test_a_placement_table_edited_so_the_seven_do_not_add_up_is_refused_at_its_cell(leeds, tmp_path, capsys):
    book = _edited_copy(leeds, tmp_path)
    folder = tmp_path / "out"
    assert main(["template", "--from", str(book), str(folder)]) == 0
    capsys.readouterr()
    assert main(["build", str(tmp_path / "B.xlsm"), "--sources",
                 f"placement_history={folder / 'placement_history.csv'}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    # row 5: the header is row 1, the template's units row 2, 2018-19 row 3 ... 2020-21 row 5
    assert "placement_history.csv, row 5, column 'Total'" in err and "2020-21" in err, err


@pytest.mark.parametrize("edit, expected", [
    pytest.param(lambda t: t.replace("2020-21,January 2021", "2020-21,January 2020"),
                 "row 4, column 'Census': January 2020 is not the census of 2020-21: expected January 2021",
                 id="census-not-in-its-financial-year-is-refused"),
    pytest.param(lambda t: t.replace(",1018,888,6100,", ",1018,888,6101,"),
                 "row 5, column 'Total': the seven categories of 2021-22 add up to 6,100, not the Total 6,101",
                 id="seven-not-adding-to-the-total-is-refused"),
])
def test_a_placement_history_file_is_validated_at_its_cell(tmp_path, capsys, edit, expected):
    text = bundled.data_path("placement_history.csv").read_text(encoding="utf-8")
    (tmp_path / "placement_history.csv").write_text(edit(text), encoding="utf-8")
    assert main(["build", str(tmp_path / "B.xlsm"), "--sources",
                 f"placement_history={tmp_path / 'placement_history.csv'}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err and "Traceback" not in err, err


def test_a_dfe_code_reads_as_blank_and_the_base_census_needs_the_count(tmp_path, capsys):
    text = bundled.data_path("placement_history.csv").read_text(encoding="utf-8")
    (tmp_path / "placement_history.csv").write_text(text.replace("2021-22,January 2022,2278", "2021-22,January 2022,x"),
                                                   encoding="utf-8")
    book = tmp_path / "B.xlsm"
    assert main(["build", str(book), "--sources", f"placement_history={tmp_path / 'placement_history.csv'}"]) == 0
    assert placement_table(book)[3]["mainstream"] is None          # blank, never 0 and never "x"
    assert main(["forecast", "--inputs", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "placement_history.csv, row 5, column 'Mainstream schools or academies'" in err and "blank" in err, err


def test_an_old_placement_census_file_is_refused_with_what_to_write(tmp_path, capsys):
    (tmp_path / "placement_census.csv").write_text("category,census_before,census_base\nmainstream,1,2\n",
                                                  encoding="utf-8")
    assert main(["forecast", "--inputs", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "placement_census.csv" in err and "placement_history.csv" in err, err


def test_the_newest_censuses_are_kept_when_a_release_has_more_than_the_table_holds():
    room = L.INPUT_TABLES["placement_history"].max_rows
    years = list(range(2005, 2005 + room + 2))           # two more censuses than the table holds
    frame = pd.DataFrame({"financial_year": [f"{y - 1}-{str(y)[2:]}" for y in years],
                          "census": [f"January {y}" for y in years], "ehcp_count": [7 * y for y in years],
                          **{k: years for k in SEVEN}})
    rows, notes = placement_rows(frame, "test")
    assert list(rows["census"]) == [f"January {y}" for y in years[2:]]
    assert list(rows["total"]) == [7 * y for y in years[2:]]
    assert len(notes) == 1 and "January 2005 to January 2006" in notes[0]


def test_the_placement_history_prints_as_its_own_range():
    t = L.INPUT_TABLES["placement_history"]
    areas = L.used_print_areas(7, 9, 250)[L.INPUTS].split(",")
    mine = f"{L.col(t.first_col)}{t.title_row}:"
    assert sum(a.startswith(mine) for a in areas) == 1
    assert len(areas) >= 3            # the main column, the second group, the placement history's group
