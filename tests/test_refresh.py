"""`hnb-xl refresh`: validation before write, atomic save, nothing lost, text stays text, audit trail.

The workbook here is ``tests.support.make_workbook``: xlwings' quickstart_standalone.xlsm (real VBA)
with the input tables at layout.py's anchors, plus a chart, an image, a data validation, a
conditional format and a user-added sheet. tests/test_refresh_roundtrip.py does the same against `hnb-xl build`.
"""

from __future__ import annotations

import functools
import io
import re
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hnb_xl.cli import main
from hnb_xl.workbook import layout as L
from hnb_xl.workbook import refresh as R
from hnb_xl.workbook.refresh import file as refresh_file

from tests.support import INJECTIONS, in_a_fork, sha256_of as sha, table_cells



# ------------------------------------------------------------------------------------ round trip

def test_round_trip_bundled_sources_leave_tables_identical(book, sources, tmp_path):
    before = table_cells(book)
    assert main(["refresh", str(book), str(sources), "--output", str(tmp_path / "out.xlsm")]) == 0
    after = table_cells(tmp_path / "out.xlsm")
    assert before == after
    assert len([k for k, v in before.items() if v[0] is not None]) > 250 * 6  # the tables really hold data


def test_changed_files_change_exactly_those_cells(book, sources, tmp_path):
    text = (sources / "history.csv").read_text(encoding="utf-8").replace("2021-22,6100,", "2021-22,6200,")
    (sources / "history.csv").write_text(text, encoding="utf-8")
    s = (sources / "schools.csv").read_text(encoding="utf-8").splitlines()
    s = s[:-1] + ["900999,New School (synthetic),Primary,100,4,30000"] + [s[-1]]
    (sources / "schools.csv").write_text("\n".join(s) + "\n", encoding="utf-8")
    before = table_cells(book)
    assert main(["refresh", str(book), str(sources)]) == 0
    after = table_cells(book)
    differ = {k for k in before if before[k] != after[k]}
    h, sc = L.INPUT_TABLES["history"], L.INPUT_TABLES["schools"]
    new_last = sc.first_row + 249  # the new school sits before the old last school
    expected = {("history", h.first_row + 6, h.col_of("EHCPs (January census)"))}
    expected |= {("schools", r, c) for r in (new_last, new_last + 1) for c in range(sc.first_col, sc.last_col + 1)}
    assert differ == expected
    assert after[("history", h.first_row + 6, h.col_of("EHCPs (January census)"))] == (6200, "n")


def test_invest_to_transform_tracker_update(book, sources):
    """Next term's tracker: the SEND Contingency's committed spend becomes known (£450,000, the whole
    pot), New Provision stays TBC. Exactly that cell changes; TBC stays the text TBC."""
    p = sources / "invest_to_transform.csv"
    text = p.read_text(encoding="utf-8")
    old = "than notional SEN supports,450000,TBC"
    assert old in text
    p.write_text(text.replace(old, "than notional SEN supports,450000,450000"), encoding="utf-8")
    before = table_cells(book)
    assert main(["refresh", str(book), str(sources)]) == 0
    after = table_cells(book)
    t = L.INPUT_TABLES["invest_to_transform"]
    cell = ("invest_to_transform", t.first_row + 1, t.col_of("Committed spend"))
    assert {k for k in before if before[k] != after[k]} == {cell}
    assert before[cell] == ("TBC", "s") and after[cell] == (450000, "n")
    assert after[("invest_to_transform", t.first_row + 4, t.col_of("Committed spend"))] == ("TBC", "s")


def test_dry_run_reports_and_writes_nothing(book, sources, capsys):
    (sources / "history.csv").write_text((sources / "history.csv").read_text(encoding="utf-8")
                                         .replace("2021-22,6100,", "2021-22,6200,"), encoding="utf-8")
    digest = sha(book)
    assert main(["refresh", str(book), str(sources), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run (nothing written)" in out
    assert "history: 7 -> 7 rows; 0 added, 0 removed, 1 changed (1 cell(s))" in out
    assert "schools: 250 -> 250 rows; 0 added, 0 removed, 0 changed (0 cell(s))" in out
    assert sha(book) == digest


def test_in_place_refresh_keeps_a_backup_and_everything_else(book, sources):
    original = book.read_bytes()
    inv_before = R.inventory(book)
    assert main(["refresh", str(book), str(sources)]) == 0
    backups = list(book.parent.glob("HNB_Model.backup-*.xlsm"))
    assert len(backups) == 1 and backups[0].read_bytes() == original
    inv_after = R.inventory(book)
    # VBA bytes, images, charts, names, validation, formats, sheets all kept; one defined name more:
    # the refresh gives the Logs sheet a print area over its audit trail (issue 13 part 3), and this
    # test workbook's Logs sheet had none (a built workbook's has one, which the refresh moves)
    assert inv_after == {**inv_before, "defined names": inv_before["defined names"] + 1}
    with zipfile.ZipFile(book) as z, zipfile.ZipFile(io.BytesIO(original)) as z0:
        assert z.read("xl/vbaProject.bin") == z0.read("xl/vbaProject.bin")
    wb = load_workbook(book, keep_vba=True)
    assert wb["My notes"]["A1"].value == "kept"
    assert "Schools_Table" in wb.defined_names
    assert wb[L.LOGS].print_area is not None and not load_workbook(io.BytesIO(original))[L.LOGS].print_area
    fill = wb[L.INPUTS].cell(L.INPUT_TABLES["history"].first_row, L.INPUT_TABLES["history"].first_col).fill
    assert fill.fgColor.rgb.endswith("FFF2CC")
    assert not list(book.parent.glob(".~hnb_refresh_*"))  # no temporary file left


def test_logs_record_each_source(book, sources, tmp_path):
    dfe = tmp_path / "dfe.csv"
    dfe.write_text("URN,la_name,school_name,Total pupils,SEN support,EHC plan\n"
                   "900001,Cambridgeshire,Abbotsley,380,40,c\n900002,Cambridgeshire,Barton,104,x,1\n", encoding="utf-8")
    (sources / "schools.csv").unlink()
    # the DfE file's 2 schools replace the workbook's 250 on purpose: a refresh that drops rows must
    # say so (--replace schools, issue 13 part 1)
    # Abbotsley's EHC plan count is suppressed ('c'): an error unless read as 0 (issue 13 part 7)
    assert main(["refresh", str(book), str(sources), str(dfe), "--replace", "schools"]) == 2
    assert main(["refresh", str(book), str(sources), str(dfe), "--replace", "schools", "--suppressed", "zero"]) == 0
    ws = load_workbook(book)[L.LOGS]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    title = next(i for i, r in enumerate(rows) if r[0] == R.REFRESH_LOG_TITLE)
    assert rows[title + 1][:8] == list(R.REFRESH_LOG_HEADERS)
    logged = {r[2]: r for r in rows[title + 2:] if r[2]}
    assert set(logged) == {"history.csv", "assumptions.csv", "block_transfer.csv", "parameters.csv",
                           "invest_to_transform.csv", "dfe.csv"}
    assert logged["dfe.csv"][3] == sha(dfe) and logged["dfe.csv"][4] == 2
    assert logged["dfe.csv"][5] == "c=1, x=1" and logged["history.csv"][4] == 7
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", logged["dfe.csv"][0]) and logged["dfe.csv"][1]
    # the DfE file replaced the schools table with its 2 schools, notional SEN kept from the workbook
    wb = load_workbook(book)
    t = L.INPUT_TABLES["schools"]
    ws = wb[L.INPUTS]
    assert [ws.cell(t.first_row, c).value for c in range(t.first_col, t.last_col + 1)] == \
        [900001, "Abbotsley", "Primary", 380, 0, 131100]
    assert ws.cell(t.first_row + 2, t.first_col).value is None


# ------------------------------------------------------------------------------- text stays text

def test_formula_injection_strings_stay_text(book, tmp_path):
    src = tmp_path / "schools.csv"
    lines = ["URN,School name,Phase,Pupils on roll,EHCPs,Notional SEN budget"]
    for i, name in enumerate(INJECTIONS):
        q = '"' + name.replace('"', '""') + '"'
        lines.append(f"{900001 + i},{q},{q},100,1,1000")
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # these few schools replace the table's 250 on purpose (--replace schools, issue 13 part 1)
    assert main(["refresh", str(book), str(src), "--replace", "schools"]) == 0
    ws = load_workbook(book)[L.INPUTS]
    t = L.INPUT_TABLES["schools"]
    for i, name in enumerate(INJECTIONS):
        for col in ("School name", "Phase"):
            cell = ws.cell(t.first_row + i, t.col_of(col))
            assert (cell.value, cell.data_type) == (name, "s")
    with zipfile.ZipFile(book) as z:
        sheet_xml = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = b"".join(z.read(n) for n in sheet_xml)
        assert b'<t>=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)</t>' in xml or b"<t>=HYPERLINK(" in xml
        assert not re.search(rb"<f>[^<]*HYPERLINK", xml) and not re.search(rb"<f>[^<]*cmd", xml)


# ------------------------------------------------------------------------------------ bad input

def _dfe(tmp_path, rows):
    p = tmp_path / "dfe.csv"
    p.write_text("URN,la_name,Total pupils,SEN support,EHC plan\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


BAD = [
    pytest.param("history.csv", ("2021-22,6100,", "2021-22,lots,"), "history.csv, row 9, column 'EHCPs (January census)'",
                 id="text-in-number"),
    pytest.param("history.csv", ("2021-22,6100,85327000,100178000", "2021-22,6100,85327000,-100178000"),
                 "row 9, column 'HNB expenditure': expected an amount in pounds of 0 or more", id="negative-money"),
    pytest.param("history.csv", ("2019-20,", "2020-21,"), "history.csv, row 8, column 'Financial year': duplicate Financial year 2020-21 (first seen on row 7)", id="dup-year"),
    pytest.param("history.csv", ("2016-17,", "2014-15,"), "history.csv, row 4, column 'Financial year': years are "
                 "not contiguous", id="non-contiguous"),
    pytest.param("history.csv", ("HNB budget", "HNB budgte"), "did you mean 'HNB budgte'?", id="misspelt-column"),
    pytest.param("schools.csv", ("900002,", "900001,"), "schools.csv, row 4, column 'URN': duplicate URN 900001",
                 id="dup-urn"),
    pytest.param("schools.csv", ("900003,", ","), "schools.csv, row 5, column 'URN': is blank", id="no-urn"),
    pytest.param("schools.csv", (",5,131100", ",-5,131100"), "schools.csv, row 3, column 'EHCPs': expected a count "
                 "of 0 or more", id="negative-count"),
    pytest.param("invest_to_transform.csv", (",359227", ",soon"), "invest_to_transform.csv, row 3, column "
                 "'Committed spend': expected a number", id="itt-text-in-committed-spend"),
    pytest.param("invest_to_transform.csv", ("SEMH Training,", "SEND Contingency,"),
                 "invest_to_transform.csv, row 5, column 'Activity': duplicate Activity SEND Contingency",
                 id="itt-duplicate-activity"),
    pytest.param("parameters.csv", ("send_contingency_pot", "send_contingency_pott"),
                 "parameters.csv, row 3, column 'Parameter': unknown parameter 'send_contingency_pott'",
                 id="unknown-parameter"),
]


@pytest.mark.parametrize("file,edit,expected", BAD)
def test_bad_input_exit_2_located_and_workbook_unchanged(book, sources, capsys, file, edit, expected):
    p = sources / file
    text = p.read_text(encoding="utf-8")
    assert edit[0] in text
    p.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    digest = sha(book)
    assert main(["refresh", str(book), str(sources)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert sha(book) == digest
    assert list(book.parent.glob("*.backup-*")) == []


def test_total_contradicting_stated_total(book, tmp_path, capsys):
    dfe = _dfe(tmp_path, ["900001,Cambridgeshire,30,40,5"])
    digest = sha(book)
    assert main(["refresh", str(book), str(dfe)]) == 2
    assert "dfe.csv, row 2, column 'Total pupils': EHC plan 5 + SEN support 40 exceeds the stated Total pupils 30" \
        in capsys.readouterr().err
    assert sha(book) == digest


def test_all_problems_listed_together(book, sources, capsys):
    for f, a, b in (("history.csv", "2021-22,6100,", "2021-22,lots,"), ("schools.csv", "900003,", ",")):
        (sources / f).write_text((sources / f).read_text(encoding="utf-8").replace(a, b, 1), encoding="utf-8")
    assert main(["refresh", str(book), str(sources)]) == 2
    err = capsys.readouterr().err
    assert "2 problems, workbook unchanged" in err and "history.csv, row 9" in err and "schools.csv, row 5" in err


def test_too_many_schools_for_the_table(book, tmp_path, capsys):
    src = tmp_path / "schools.csv"
    cap = L.INPUT_TABLES["schools"].max_rows
    src.write_text("URN,School name,EHCPs,Notional SEN budget\n" +
                   "".join(f"{100000 + i},S{i},1,1000\n" for i in range(cap + 1)), encoding="utf-8")
    digest = sha(book)
    assert main(["refresh", str(book), str(src)]) == 2
    assert f"{cap + 1} schools rows, but the workbook's schools table holds at most {cap}" in capsys.readouterr().err
    assert sha(book) == digest


@pytest.mark.parametrize("schools, code", [
    pytest.param(300, 0, id="as-many-as-calc-contingency-rows"),
    pytest.param(301, 2, id="one-more-than-calc-contingency-rows"),
])
def test_more_schools_than_the_calculation_rows_are_refused(tmp_path, capsys, schools, code):
    """The bundled workbook calculates 300 schools (its 250 and 50 spare): a refresh with 301
    would leave one uncalculated, so it is refused in one line, the workbook unchanged."""
    import shutil
    book = Path(shutil.copy(Path(__file__).resolve().parents[1] / "workbook" / "HNB_Model.xlsm", tmp_path))
    src = tmp_path / "schools.csv"
    src.write_text("URN,School name,EHCPs,Notional SEN budget\n" +
                   "".join(f"{100000 + i},S{i},1,1000\n" for i in range(schools)), encoding="utf-8")
    digest = sha(book)
    assert main(["refresh", str(book), str(src), "--replace", "schools"]) == code
    err = capsys.readouterr().err
    if code:
        assert f"301 schools, but the workbook's {L.CALC_CONTINGENCY} sheet calculates 300" in err
        assert len([line for line in err.splitlines() if "schools.csv" in line]) == 1
        assert sha(book) == digest
    else:
        assert sha(book) != digest


def test_unknown_format_names_closest(book, tmp_path, capsys):
    p = tmp_path / "x.csv"
    p.write_text("URN,School nme,EHCPs,Notional SEN budget\n1,A,1,1\n", encoding="utf-8")
    assert main(["refresh", str(book), str(p)]) == 2
    assert "closest is schools" in capsys.readouterr().err


def test_refuses_while_open_in_excel(book, sources, capsys):
    lock = book.with_name("~$" + book.name)
    lock.write_bytes(b"owner")
    digest = sha(book)
    assert main(["refresh", str(book), str(sources)]) == 2
    assert "is open in Excel (lock file ~$HNB_Model.xlsm" in capsys.readouterr().err
    assert sha(book) == digest


# ------------------------------------------------------------------------------ known losses

def _patch_zip(src: Path, dst: Path, member_pred, edit) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        done = False
        for item in zin.infolist():
            data = zin.read(item.filename)
            if not done and member_pred(item.filename):
                new = edit(data)
                data, done = new, new != data
            zout.writestr(item, data)
        assert done


SPARKLINE = (b'<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
             b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:sparklineGroups '
             b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:sparklineGroup>'
             b'<x14:sparklines><x14:sparkline><xm:f>Inputs!C20:C26</xm:f><xm:sqref>A1</xm:sqref></x14:sparkline>'
             b'</x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext></extLst></worksheet>')


def _first_sheet(name):
    return re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name) is not None


@pytest.mark.parametrize("edit,expected", [
    pytest.param(lambda d: d.replace(b"</worksheet>", SPARKLINE), "x14 extension", id="sparkline"),
    pytest.param(lambda d: re.sub(rb"<c r=\"(\w+)\"", rb'<c r="\1" cm="1"', d, count=1),
                 "dynamic-array formula(s) would become legacy array formulas", id="dynamic-array"),
])
def test_known_losses_are_refused(book, sources, tmp_path, capsys, edit, expected):
    risky = tmp_path / "risky.xlsm"
    _patch_zip(book, risky, _first_sheet, edit)
    digest = sha(risky)
    assert main(["refresh", str(risky), str(sources)]) == 2
    err = capsys.readouterr().err
    assert "refresh refused: saving with openpyxl would lose" in err and expected in err
    assert sha(risky) == digest


def test_shapes_are_refused(book, sources, tmp_path, capsys):
    risky = tmp_path / "risky.xlsm"
    shape = (b'<sp macro="" textlink=""><nvSpPr><cNvPr id="9" name="Text Box 1"/><cNvSpPr txBox="1"/>'
             b'</nvSpPr><spPr/></sp>')
    _patch_zip(book, risky, lambda n: n.startswith("xl/drawings/drawing") and n.endswith(".xml"),
               lambda d: re.sub(rb"(<clientData ?/></oneCellAnchor>)", shape + rb"\1", d,
                                count=1))     # "<clientData />" from ElementTree, "<clientData/>" from lxml
    digest = sha(risky)
    assert main(["refresh", str(risky), str(sources)]) == 2
    assert "shape(s)/text box(es)" in capsys.readouterr().err and sha(risky) == digest


def test_images_counted_and_kept(book, sources):
    assert R.inventory(book)["images (xl/media)"] == 1
    assert main(["refresh", str(book), str(sources)]) == 0
    assert R.inventory(book)["images (xl/media)"] == 1


def test_a_loss_found_after_saving_refuses(book, sources, monkeypatch, capsys):
    """Whatever else openpyxl might drop is caught by comparing the saved file with the original."""
    real = R.inventory
    calls = []

    def fake(path):
        inv = real(path)
        calls.append(path)
        if Path(path).name.startswith(".~hnb_refresh_"):
            inv["charts"] = 0
        return inv
    monkeypatch.setattr(refresh_file, "inventory", fake)    # patched where the save looks it up
    digest = sha(book)
    assert main(["refresh", str(book), str(sources)]) == 2
    assert "the saved workbook would lose charts: 1 before, 0 after" in capsys.readouterr().err
    assert sha(book) == digest and not list(book.parent.glob(".~hnb_refresh_*"))


def test_cached_values_are_a_note_not_a_refusal(book, sources, tmp_path):
    cached = tmp_path / "cached.xlsm"
    _patch_zip(book, cached, lambda n: n == "xl/worksheets/sheet1.xml" or _first_sheet(n),
               lambda d: d.replace(b"</sheetData>", b'<row r="999"><c r="A999"><f>1+1</f><v>2</v></c></row>'
                                   b"</sheetData>", 1))
    res = R.refresh(cached, [sources], dry_run=True, progress=False)
    assert any("1 cached formula value(s) are not kept" in w for w in res.warnings)


# ------------------------------------------------------------------------------- kill test


def test_killed_refresh_never_damages_the_workbook(book, sources):
    """Five SIGKILLs at random moments of ``hnb_xl.workbook.refresh.refresh`` (the API, in a forked
    child: tests.support.in_a_fork), from its start to well after its end (about 0.4-0.6 s): a
    complete workbook is at the original path every time, whatever the moment."""
    import random
    rng = random.Random(6)
    for i in range(5):
        p = in_a_fork(functools.partial(R.refresh, progress=False), book, [sources])
        time.sleep(rng.uniform(0.0, 1.0))
        p.kill()
        p.join()
        load_workbook(book, keep_vba=True)  # a complete workbook at the original path, whatever the moment
        with zipfile.ZipFile(book) as z:
            assert z.testzip() is None
        for tmp in book.parent.glob(".~hnb_refresh_*"):
            tmp.unlink()  # a killed run may leave its temporary file; never the workbook
    assert book.exists()


# ------------------------------------------------------------------------------- inside Excel
# The Cover's button (in-place refresh of the open workbook through xlwings) is tested with a
# recording fake Excel in tests/test_refresh_excel.py.


@pytest.mark.parametrize("after,expected", [
    pytest.param([], "form buttons (VML, with their macros): 1 of 1 missing or changed", id="button-dropped"),
    pytest.param([b"<x:FmlaMacro>[0]!Other</x:FmlaMacro>"], "1 of 1 missing or changed", id="button-re-pointed"),
])
def test_a_lost_or_re_pointed_button_is_a_loss(after, expected):
    before = {"form buttons (VML, with their macros)": [b"<x:FmlaMacro>[0]!SampleCall</x:FmlaMacro>"]}
    assert R.losses(before, {"form buttons (VML, with their macros)": after}) == \
        ["form buttons (VML, with their macros): " + expected.split(": ")[-1]]
