"""``hnb-xl template --from WORKBOOK DIR`` (issue 13 part 1): the templates pre-filled with the
workbook's current inputs, every table, parameters included; a refresh from them, unchanged,
leaves every input cell as it was and the master check passing.

Expected values come from the bundled data files (``hnb_xl/data/*.csv``, typed from the seed),
written by the template writer for the empty-template path (tests.support.template_sources),
never from the workbook reading under test.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from hnb_xl.cli import main
from hnb_xl.sources import templates
from hnb_xl.workbook.verify.run import verify

from tests.support import sha256_of, table_cells, template_sources

DATA = Path(__file__).resolve().parents[1] / "hnb_xl" / "data"
TABLES = ("schools", "history", "assumptions", "block_transfer", "invest_to_transform")


@pytest.fixture(scope="module")
def built(bundled_build) -> Path:
    """The bundled workbook, as ``hnb-xl build`` writes it (conftest: once a session, read-only)."""
    return bundled_build


@pytest.fixture(scope="module")
def prefilled(built, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("from") / "templates"
    assert main(["template", "--from", str(built), str(folder)]) == 0
    return folder


def _data_rows(path: Path) -> list[list[str]]:
    """A template CSV's rows below its header and its units row."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1] and all(v.startswith("[") for v in rows[1] if v), "the units row"
    return rows[2:]


@pytest.mark.parametrize("table", [pytest.param(t, id=f"template-from-prefills-{t}") for t in TABLES])
def test_template_from_holds_the_workbooks_table(prefilled, tmp_path, table):
    """Each table's template holds the bundled file's rows (the workbook's inputs), same headers."""
    expected = template_sources(tmp_path / "bundled")
    got = (prefilled / f"{table}.csv").read_text(encoding="utf-8")
    assert got == (expected / f"{table}.csv").read_text(encoding="utf-8")
    assert len(_data_rows(prefilled / f"{table}.csv")) > 0


def _number_or_text(v: str):
    try:
        return float(v)
    except ValueError:
        return v


def test_template_from_holds_every_bundled_parameter(prefilled):
    """Every row of hnb_xl/data/parameters.csv is in the parameters template with its value."""
    with (DATA / "parameters.csv").open(encoding="utf-8", newline="") as fh:
        bundled = {r["name"]: _number_or_text(r["value"]) for r in csv.DictReader(fh)}
    got = {r[0]: _number_or_text(r[1]) for r in _data_rows(prefilled / "parameters.csv")}
    assert set(bundled) <= set(got)
    assert {k: got[k] for k in bundled} == bundled
    assert got["send_contingency_pot"] == 450000 and got["transfer_limit_rate"] == 0.005   # the seed's figures


def test_template_from_writes_one_copy_so_refresh_reads_each_table_once(built, prefilled, tmp_path):
    """The CSVs only by default; --xlsx: the one workbook only, holding the same rows."""
    from openpyxl import load_workbook
    assert not (prefilled / templates.XLSX_NAME).exists()
    folder = tmp_path / "xlsx"
    assert main(["template", "--from", str(built), str(folder), "--xlsx"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == [templates.XLSX_NAME]
    wb = load_workbook(folder / templates.XLSX_NAME, read_only=True)
    history = [r for r in wb["history"].iter_rows(min_row=3, values_only=True) if any(v is not None for v in r)]
    assert [r[0] for r in history] == [r[0] for r in _data_rows(prefilled / "history.csv")]
    assert ("2021-22", 6100) == history[-1][:2]     # the seed's January 2022 census
    wb.close()
    book = tmp_path / "HNB_Model.xlsm"
    shutil.copyfile(built, book)
    before = table_cells(book)
    assert main(["refresh", str(book), str(folder)]) == 0
    assert table_cells(book) == before


def test_xlsx_without_from_is_exit_2_naming_the_option(tmp_path, capsys):
    assert main(["template", str(tmp_path / "t"), "--xlsx"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--xlsx" in err and "--from" in err


@pytest.mark.libreoffice
def test_round_trip_changes_no_input_cell_and_the_master_check_passes(built, prefilled, tmp_path, libreoffice):
    """template --from, then refresh from that folder with no change: every input cell of every
    table (parameters included) has the value and type it had; LibreOffice's recalculation of the
    refreshed workbook passes the master check, with every output equal to the engine's (no finding:
    the fresh build verifies clean too)."""
    book = tmp_path / "HNB_Model.xlsm"
    shutil.copyfile(built, book)
    folder = tmp_path / "sources"
    shutil.copytree(prefilled, folder)
    before = table_cells(book)
    assert main(["refresh", str(book), str(folder)]) == 0
    after = table_cells(book)
    assert sum(1 for v in before.values() if v[0] is not None) > 250 * 6
    assert {k for k in before if before[k] != after[k]} == set()
    report = verify(book, office=libreoffice)
    assert report.recalculated and report.master_check == 1
    assert [(f.sheet, f.cell, f.message) for f in report.findings] == []


def _text_file(folder: Path) -> Path:
    path = folder / "notes.xlsm"
    path.write_text("not a workbook", encoding="utf-8")
    return path


@pytest.mark.parametrize("make, expected", [
    pytest.param(lambda d: d / "missing.xlsm", "workbook not found", id="template-from-missing-workbook"),
    pytest.param(_text_file, "not a complete .xlsx/.xlsm file", id="template-from-not-a-workbook"),
])
def test_template_from_a_bad_workbook_is_one_line_exit_2(tmp_path, capsys, make, expected):
    path = make(tmp_path)
    assert main(["template", "--from", str(path), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and expected in err and "Traceback" not in err
    assert not (tmp_path / "out" / "history.csv").exists()


def test_template_from_does_not_overwrite_without_force(built, prefilled, tmp_path, capsys):
    folder = tmp_path / "t"
    shutil.copytree(prefilled, folder)
    digest = sha256_of(folder / "history.csv")
    (folder / "history.csv").write_text("mine\n", encoding="utf-8")
    assert main(["template", "--from", str(built), str(folder)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (folder / "history.csv").read_text(encoding="utf-8") == "mine\n"
    assert main(["template", "--from", str(built), str(folder), "--force"]) == 0
    assert sha256_of(folder / "history.csv") == digest
