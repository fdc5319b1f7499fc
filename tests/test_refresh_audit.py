"""A refresh never drops rows silently, its dry run lists rows by key, and the Logs sheet is a true
audit trail (issue 13 parts 1 and 3), on the workbook ``hnb-xl build`` writes.

Expected figures come from the seed (the bundled history: 6,100 EHCPs at the January 2022 census,
2021-22), file hashes from :func:`tests.support.sha256_of`, sizes from the file system.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
from openpyxl.utils.cell import range_boundaries

from hnb_xl.cli import main
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.snapshot import read_workbook

from tests.support import sha256_of, template_sources, load_book, read_book

# the files the build loads from hnb_xl/data (the Logs name them until a refresh replaces their table)
BUNDLED_FILES = ("history.csv", "assumptions_published_forecast_july_2022.csv", "block_transfer.csv",
                 "demo_schools.csv", "invest_to_transform.csv", "parameters.csv")
TABLES = ("schools", "history", "assumptions", "block_transfer", "parameters", "invest_to_transform")


@pytest.fixture(scope="module")
def built(bundled_build) -> Path:
    """``hnb-xl build``'s workbook (conftest: once a session, read-only; wb_path copies it)."""
    return bundled_build


@pytest.fixture()
def wb_path(built, tmp_path) -> Path:
    book = tmp_path / "HNB_Model.xlsm"
    shutil.copyfile(built, book)
    return book


def _edit(path: Path, edit) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows = edit(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _drop_first(n):
    return lambda rows: rows[:2] + rows[2 + n:]


def _history_rows(book: Path) -> list:
    t = L.INPUT_TABLES["history"]
    ws = read_workbook(book)[t.sheet]
    out = []
    for r in range(t.first_row, t.first_row + t.max_rows):
        v = ws.cell(r, t.first_col).value
        if v is None:
            break
        out.append([ws.cell(r, t.first_col + j).value for j in range(len(t.headers))])
    return out


# ------------------------------------------------------------------------- never drop rows silently

@pytest.mark.parametrize("table, n, named", [
    pytest.param("history", 2, "2015-16, 2016-17", id="refresh-shorter-history-is-refused"),
    pytest.param("schools", 2, "900001, 900002", id="refresh-fewer-schools-is-refused"),
    pytest.param("invest_to_transform", 1, "SEND Transformation", id="refresh-fewer-itt-lines-is-refused"),
])
def test_a_shorter_source_is_refused_naming_the_rows(wb_path, tmp_path, capsys, table, n, named):
    src = template_sources(tmp_path / "src")
    _edit(src / f"{table}.csv", _drop_first(n))
    digest = sha256_of(wb_path)
    assert main(["refresh", str(wb_path), str(src)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{table}.csv" in err and f"({named})" in err and f"--replace {table}" in err
    assert sha256_of(wb_path) == digest
    assert not list(wb_path.parent.glob("HNB_Model.backup-*"))
    # the dry run refuses it alike
    assert main(["refresh", str(wb_path), str(src), "--dry-run"]) == 2
    assert f"({named})" in capsys.readouterr().err


def test_replace_lets_the_source_replace_the_table(wb_path, tmp_path):
    src = template_sources(tmp_path / "src")
    _edit(src / "history.csv", _drop_first(2))
    assert main(["refresh", str(wb_path), str(src), "--replace", "history", "--replace", "schools"]) == 0
    years = [r[0] for r in _history_rows(wb_path)]
    assert years == ["2017-18", "2018-19", "2019-20", "2020-21", "2021-22"]


def test_replace_an_unknown_table_is_exit_2_naming_the_option(wb_path, tmp_path, capsys):
    src = template_sources(tmp_path / "src")
    digest = sha256_of(wb_path)
    with pytest.raises(SystemExit) as exc:        # argparse refuses the option's value
        raise SystemExit(main(["refresh", str(wb_path), str(src), "--replace", "histroy"]))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--replace" in err and "histroy" in err and "history" in err
    assert sha256_of(wb_path) == digest


def test_a_roll_forward_needs_no_replace(wb_path, tmp_path):
    """A year that became outturn moves from assumptions to history: not a dropped row."""
    src = template_sources(tmp_path / "src")
    _edit(src / "history.csv", lambda rows: rows + [["2022-23", "6972", "86500000", "95000000", "-60000000"]])
    _edit(src / "assumptions.csv", lambda rows: [r for r in rows if r[0] != "2022-23"])
    assert main(["refresh", str(wb_path), str(src)]) == 0
    assert _history_rows(wb_path)[-1][:2] == ["2022-23", 6972]


def test_dry_run_lists_added_changed_and_removed_rows_by_key(wb_path, tmp_path, capsys):
    src = template_sources(tmp_path / "src")
    _edit(src / "history.csv", lambda rows: [["2021-22", "6200", *r[2:]] if r[0] == "2021-22" else r for r in rows])
    _edit(src / "schools.csv", lambda rows: [r for r in rows if r[0] != "900002"] +
          [["919999", "New Academy (synthetic)", "Secondary", "200", "40", "80000"]])
    digest = sha256_of(wb_path)
    assert main(["refresh", str(wb_path), str(src), "--dry-run", "--replace", "schools"]) == 0
    out = capsys.readouterr().out
    assert "Dry run (nothing written)" in out
    assert "history: 7 -> 7 rows; 0 added, 0 removed, 1 changed (1 cell(s))" in out
    assert "changed: 2021-22 ehcp_count 6,100 -> 6,200" in out
    assert "schools: 250 -> 250 rows; 1 added, 1 removed, 0 changed" in out
    assert "added: 919999" in out and "removed: 900002" in out
    assert sha256_of(wb_path) == digest


# ------------------------------------------------------------------------------ the Logs audit trail

AUDIT_COLUMNS = 8       # the audit trail's columns A to H (the build's assurance record sits beside it)


def _logs(book: Path):
    """The Logs sheet (openpyxl, with its print area and widths) and its audit trail's rows (columns A to H)."""
    ws = read_book(book)[L.LOGS]
    rows = [[c.value for c in r] for r in ws.iter_rows(max_col=AUDIT_COLUMNS)]
    return ws, rows


def _log_rows(book: Path):
    """The audit trail's rows (columns A to H) of the Logs sheet, values only (hnb_xl.workbook.snapshot,
    which tests/test_snapshot.py holds to openpyxl's full load)."""
    ws = read_workbook(book)[L.LOGS]
    return [list(r) for r in ws.iter_rows(max_col=AUDIT_COLUMNS, values_only=True)]


def _section(rows, title: str) -> list[dict]:
    """The rows of the Logs part titled ``title`` as dicts by its header row, down to a blank row."""
    t = next(i for i, r in enumerate(rows) if r and r[0] == title)
    header = [h for h in rows[t + 1] if h is not None]
    out = []
    for r in rows[t + 2:]:
        if all(v is None for v in r):
            break
        out.append(dict(zip(header, r)))
    return out


def _renamed_sources(folder: Path, prefix: str = "northshire_") -> Path:
    """The bundled data as templates under names no bundled file has."""
    src = template_sources(folder)
    for t in TABLES:
        (src / f"{t}.csv").rename(src / f"{prefix}{t}.csv")
    return src


def test_logs_data_sources_are_the_files_loaded(wb_path, tmp_path):
    src = _renamed_sources(tmp_path / "src")
    assert main(["refresh", str(wb_path), str(src)]) == 0
    sources = _section(_log_rows(wb_path), "Data sources")
    by_path = {r["File (path as given)"]: r for r in sources}
    for t in TABLES:
        f = src / f"northshire_{t}.csv"
        row = by_path[str(f)]
        assert row["SHA-256"] == sha256_of(f)
        assert row["Size (bytes)"] == f.stat().st_size
        assert row["Tables"] == t
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", row["Loaded at"])
    assert by_path[str(src / "northshire_schools.csv")]["Rows read"] == 250


def test_no_bundled_file_is_named_after_a_refresh_from_other_files(wb_path, tmp_path):
    """Before: the build's Logs name every bundled file. After a refresh of every input table from
    other files, a bundled file appears only on a row that says it was not refreshed."""
    text_before = "\n".join(str(v) for r in _log_rows(wb_path) for v in r if v is not None)
    assert all(name in text_before for name in BUNDLED_FILES)
    src = _renamed_sources(tmp_path / "src")
    assert main(["refresh", str(wb_path), str(src)]) == 0
    rows = _log_rows(wb_path)
    for r in rows:
        text = " ".join(str(v) for v in r if v is not None)
        if "hnb_xl/data" in text or any(name in text.split() for name in BUNDLED_FILES):
            assert "not refreshed" in text, text
    drivers = [r for r in rows if isinstance(r[0], str) and r[0].startswith("Projection drivers ")]
    assert len(drivers) == 9 and all(str(src / "northshire_assumptions.csv") in r[3] for r in drivers)


def test_a_table_not_refreshed_keeps_its_source_and_says_so(wb_path, tmp_path):
    src = template_sources(tmp_path / "src")
    assert main(["refresh", str(wb_path), str(src / "history.csv")]) == 0
    sources = _section(_log_rows(wb_path), "Data sources")
    assert [r["File (path as given)"] for r in sources if r["Tables"] == "history"] == [str(src / "history.csv")]
    kept = [r for r in sources if r["Tables"] in ("schools", "assumptions", "parameters")]
    assert len(kept) == 3
    assert all(r["File (path as given)"].startswith("hnb_xl/data/") and "not refreshed" in r["Loaded at"]
               for r in kept)


def test_a_second_refresh_keeps_the_first_listed(wb_path, tmp_path):
    first = _renamed_sources(tmp_path / "one", prefix="first_")
    assert main(["refresh", str(wb_path), str(first)]) == 0
    second = tmp_path / "two" / "second_history.csv"
    second.parent.mkdir()
    shutil.copyfile(first / "first_history.csv", second)
    _edit(second, lambda rows: [["2021-22", "6200", *r[2:]] if r[0] == "2021-22" else r for r in rows])
    assert main(["refresh", str(wb_path), str(second)]) == 0
    ws, rows = _logs(wb_path)
    log = _section(rows, "Refresh log")
    files = [r["Source file"] for r in log]
    assert files == sorted(f"first_{t}.csv" for t in TABLES) + ["second_history.csv"]
    assert [r["SHA-256"] for r in log if r["Source file"].endswith("history.csv")] == \
        [sha256_of(first / "first_history.csv"), sha256_of(second)]
    assert "2021-22 ehcp_count 6,100 -> 6,200" in log[-1]["Changes"]
    sources = {r["Tables"]: r for r in _section(rows, "Data sources")}
    assert sources["history"]["File (path as given)"] == str(second)
    assert sources["schools"]["File (path as given)"] == str(first / "first_schools.csv")
    assert sources["schools"]["Loaded at"].startswith("not refreshed since ")
    # the print area covers every cell the Logs hold (the audit trail, and beside it the build's
    # assurance record as a range of its own), with no blank rows below them
    _print_area_covers_every_used_cell(ws, trail_cols=AUDIT_COLUMNS)


def _print_ranges(ws) -> list[tuple[int, int, int, int]]:
    """The sheet's print ranges as (min_col, min_row, max_col, max_row)."""
    return [range_boundaries(a.split("!")[-1].replace("$", "")) for a in ws.print_area.split(",")]


def _print_area_covers_every_used_cell(ws, *, trail_cols: int) -> None:
    """Two ranges: the audit trail A1:<trail_cols> and the assurance record from LOGS_ASSURANCE,
    each ending at its last used cell; every used cell lies in one of them."""
    every = [[c.value for c in r] for r in ws.iter_rows()]
    used = [(i + 1, j + 1) for i, r in enumerate(every) for j, v in enumerate(r) if v is not None]
    trail = [(r, c) for r, c in used if c <= trail_cols]
    record = [(r, c) for r, c in used if c > trail_cols]
    c0, r0 = L.LOGS_ASSURANCE["first_col"], L.LOGS_ASSURANCE["first_row"]
    assert _print_ranges(ws) == [(1, 1, trail_cols, max(r for r, _ in trail)),
                                 (c0, r0, max(c for _, c in record), max(r for r, _ in record))]
    assert min(c for _, c in record) == c0 and min(r for r, _ in record) == r0
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage


@pytest.mark.parametrize("refreshed, trail_cols", [
    pytest.param(False, 4, id="build-prints-trail-and-assurance-record-as-two-ranges"),
    pytest.param(True, AUDIT_COLUMNS, id="refresh-prints-trail-and-assurance-record-as-two-ranges"),
])
def test_logs_print_the_audit_trail_and_the_assurance_record_on_pages_of_their_own(
        wb_path, tmp_path, refreshed, trail_cols):
    if refreshed:
        assert main(["refresh", str(wb_path), str(template_sources(tmp_path / "src"))]) == 0
    _print_area_covers_every_used_cell(_logs(wb_path)[0], trail_cols=trail_cols)


def test_a_refreshed_trail_shows_each_sha256_whole(wb_path, tmp_path):
    """A SHA-256 is 64 hex digits: the columns that hold one after a refresh (B in the data
    sources, D in the refresh log) are at least 64 characters wide, and the changes column (H) is
    not the default 8.43 the build leaves it."""
    assert main(["refresh", str(wb_path), str(template_sources(tmp_path / "src"))]) == 0
    ws, rows = _logs(wb_path)
    assert len(_section(rows, "Data sources")[0]["SHA-256"]) == 64 == len(_section(rows, "Refresh log")[0]["SHA-256"])
    assert ws.column_dimensions["B"].width >= 64 and ws.column_dimensions["D"].width >= 64
    assert ws.column_dimensions["H"].width >= 60


def test_each_refresh_log_row_carries_only_its_own_tables_changes(wb_path, tmp_path):
    """Two tables changed in one refresh of six files: the history row names the 2021-22 EHCP change
    (seed: 6,100), the assumptions row the 2023-24 other DSG movements (seed: -£2.4m), and no row
    names another table's changes."""
    src = template_sources(tmp_path / "src")
    _edit(src / "history.csv", lambda rows: [["2021-22", "6200", *r[2:]] if r[0] == "2021-22" else r for r in rows])
    _edit(src / "assumptions.csv", lambda rows: [[*r[:5], "-2500000"] if r[0] == "2023-24" else r for r in rows])
    assert main(["refresh", str(wb_path), str(src)]) == 0
    log = {r["Source file"]: r["Changes"] for r in _section(_log_rows(wb_path), "Refresh log")}
    assert sorted(log) == sorted(f"{t}.csv" for t in TABLES)
    assert "2021-22 ehcp_count 6,100 -> 6,200" in log["history.csv"]
    assert "2023-24 other_dsg_movements -2,400,000 -> -2,500,000" in log["assumptions.csv"]
    for name, text in log.items():
        table = name[:-len(".csv")]
        named = {t for t in TABLES if re.search(rf"(^|; ){t}: ", text or "")}
        assert named <= {table}, (name, text)
        assert "ehcp_count" not in text if table != "history" else "other_dsg" not in text, (name, text)


def test_a_dfe_schools_file_is_the_schools_source_until_schools_are_refreshed_again(wb_path, tmp_path):
    dfe = tmp_path / "dfe.csv"
    dfe.write_text("URN,la_name,school_name,Total pupils,SEN support,EHC plan\n"
                   "900001,Cambridgeshire,Abbotsley,380,40,7\n900002,Cambridgeshire,Barton,104,3,1\n", encoding="utf-8")
    assert main(["refresh", str(wb_path), str(dfe), "--replace", "schools"]) == 0
    sources = _section(_log_rows(wb_path), "Data sources")
    assert [r["Tables"] for r in sources if r["File (path as given)"] == str(dfe)] == ["schools: DfE dfe_sen_wide"]
    assert not [r for r in sources if r["Tables"] == "schools"]       # the bundled schools file: replaced
    src = template_sources(tmp_path / "src")
    assert main(["refresh", str(wb_path), str(src / "schools.csv")]) == 0
    sources = _section(_log_rows(wb_path), "Data sources")
    assert [r["File (path as given)"] for r in sources if r["Tables"].startswith("schools")] == [str(src / "schools.csv")]


def test_assumptions_provenance_follows_the_new_parameters(wb_path, tmp_path):
    src = template_sources(tmp_path / "src")

    def pot(rows):
        return [[r[0], "500000", r[2], r[3], "Northshire Schools Forum, March 2025"]
                if r[0] == "send_contingency_pot" else r for r in rows]
    _edit(src / "parameters.csv", pot)
    assert main(["refresh", str(wb_path), str(src)]) == 0
    assumptions = {r["Assumption"]: r for r in _section(_log_rows(wb_path), "Assumptions")}
    assert assumptions["send_contingency_pot"]["Value"] == 500000
    assert assumptions["send_contingency_pot"]["Source"] == "Northshire Schools Forum, March 2025"
    assert assumptions["cost_per_ehcp"]["Value"] == 6000          # the seed's figure, not in the change


# ------------------------------------------------------------------ DfE's SEN2 release as a source

RELEASE = Path(__file__).resolve().parents[2] / "shared" / "data" / "dfe" / "education-health-and-care-plans_2025.zip"
RELEASE_SHA256 = "489583bbf9119cf489fc94102db2a7eb6e10b8fae501e315d8d2e373ae310b4f"   # its README's
# the seed's history (hnb_xl/data/history.csv) to 2017-18, then the release's January 2019 to
# January 2022 census (its README: 4,198; 4,690; 5,292; 6,100), each the financial year ending then
SEN2_HISTORY = [3205, 3429, 3822, 4198, 4690, 5292, 6100]


def test_sen2_dry_run_shows_the_revision_of_a_count_the_workbook_holds(wb_path, capsys):
    assert sha256_of(RELEASE) == RELEASE_SHA256
    digest = sha256_of(wb_path)
    assert main(["refresh", str(wb_path), str(RELEASE), "--la", "873", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "history: 7 -> 7 rows; 0 added, 0 removed, 1 changed (1 cell(s))" in out
    assert "changed: 2020-21 ehcp_count 5,327 -> 5,292" in out
    assert "reporting year 2025" in out and "2022-23 (January 2023)" in out   # not in history: said, not added
    assert sha256_of(wb_path) == digest


def test_sen2_refresh_fills_the_ehcp_column_and_logs_the_release(wb_path):
    before = _history_rows(wb_path)
    assert main(["refresh", str(wb_path), str(RELEASE), "--la", "Cambridgeshire"]) == 0
    after = _history_rows(wb_path)
    assert [r[1] for r in after] == SEN2_HISTORY
    assert [r[:1] + r[2:] for r in after] == [r[:1] + r[2:] for r in before]       # the money as it was
    rows = _log_rows(wb_path)
    sources = _section(rows, "Data sources")
    release = next(r for r in sources if r["File (path as given)"] == str(RELEASE))
    assert release["SHA-256"] == RELEASE_SHA256 and release["Size (bytes)"] == RELEASE.stat().st_size
    for text in ("reporting year 2025", "files dated 2025-07-01", "Cambridgeshire (873, E10000003)",
                 "January 2019 to January 2022"):
        assert text in release["Publication"]
    # the history's money still comes from the build's file, which says it was not refreshed
    kept = [r for r in sources if r["Tables"] == "history"]
    assert len(kept) == 1 and "not refreshed" in kept[0]["Loaded at"]
    log = _section(rows, "Refresh log")
    assert log[-1]["Source file"] == RELEASE.name and log[-1]["SHA-256"] == RELEASE_SHA256
    assert "2020-21 ehcp_count 5,327 -> 5,292" in log[-1]["Changes"]


def test_sen2_fills_a_new_outturn_year_given_with_it(wb_path, tmp_path):
    """A history source adding 2022-23 and the release together: the January 2023 census (6,972,
    the release's README) is 2022-23's count, whatever the history file typed."""
    src = tmp_path / "src"
    src.mkdir()
    template = template_sources(tmp_path / "all")
    shutil.copyfile(template / "history.csv", src / "history.csv")
    shutil.copyfile(template / "assumptions.csv", src / "assumptions.csv")
    _edit(src / "history.csv", lambda rows: rows + [["2022-23", "7000", "86500000", "95000000", "-60000000"]])
    _edit(src / "assumptions.csv", lambda rows: [r for r in rows if r[0] != "2022-23"])
    assert main(["refresh", str(wb_path), str(src), str(RELEASE), "--la", "E10000003"]) == 0
    assert [r[1] for r in _history_rows(wb_path)] == SEN2_HISTORY + [6972]


def _without_authority_code(book: Path) -> None:
    """The workbook's authority_code and authority_name parameter values blanked (an older workbook)."""
    t = L.INPUT_TABLES["parameters"]
    wb = load_book(book, keep_vba=True)
    ws = wb[t.sheet]
    for r in range(t.first_row, t.first_row + t.max_rows):
        if ws.cell(r, t.first_col).value in ("authority_code", "authority_name"):
            ws.cell(r, t.col_of("Value")).value = None
    wb.save(book)


def test_sen2_refresh_takes_the_workbooks_authority_code_without_la(wb_path):
    assert main(["refresh", str(wb_path), str(RELEASE)]) == 0
    assert [r[1] for r in _history_rows(wb_path)] == SEN2_HISTORY
    release = next(r for r in _section(_log_rows(wb_path), "Data sources") if r["File (path as given)"] == str(RELEASE))
    assert "Cambridgeshire (873, E10000003)" in release["Publication"]


def test_sen2_release_extracted_to_a_folder_reads_as_the_zip(wb_path, tmp_path):
    import zipfile
    folder = tmp_path / "release"
    with zipfile.ZipFile(RELEASE) as z:
        z.extractall(folder)
    assert main(["refresh", str(wb_path), str(folder), "--la", "873"]) == 0
    assert [r[1] for r in _history_rows(wb_path)] == SEN2_HISTORY


@pytest.mark.parametrize("argv, named, blank", [
    pytest.param([], "--la", True, id="sen2-refresh-without-la-or-authority-code-is-refused"),
    pytest.param(["--la", "Cambridgeshyre"], "Cambridgeshire", False, id="sen2-refresh-misspelt-la-names-the-nearest"),
    pytest.param(["--la", "Norfolk"], "authority_code parameter is 873", False,
                 id="sen2-refresh-of-another-authority-is-refused"),
])
def test_sen2_refresh_without_a_known_authority_is_exit_2(wb_path, capsys, argv, named, blank):
    if blank:
        _without_authority_code(wb_path)
    digest = sha256_of(wb_path)
    assert main(["refresh", str(wb_path), str(RELEASE), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and RELEASE.name in err and named in err and "Traceback" not in err, err
    assert sha256_of(wb_path) == digest
