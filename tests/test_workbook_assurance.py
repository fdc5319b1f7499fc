"""A council's own assurance record in the workbook (issue 16 part 4, "All of it in the workbook
(Logs), in report and in the pack"): Northshire (tests/northshire.py, LA 899) gives its own
assurance_<part>.csv files to ``build --sources``; the Logs sheet shows them instead of the
"not written for Northshire" block; ``template --from`` writes them back out; a refresh with one
assumption changed changes that cell and keeps the rest; a refresh without them keeps them; an
assumption without an owner, a rating or a source is refused naming the file, row and column, the
workbook byte for byte as it was; ``report WORKBOOK`` and ``pack WORKBOOK`` show the record.

Every expected text is typed in tests/northshire.py (the record is invented test data).
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from hnb_xl.cli import main
from hnb_xl.sources import templates
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.refresh.cells import OpenpyxlCells
from hnb_xl.workbook.sheets.logs import read_own_record
from hnb_xl.workbook.snapshot import read_workbook

from tests import northshire
from tests.support import sha256_of, templated_copy, read_book

RECORD = northshire.assurance_frames()


@pytest.fixture(scope="module")
def own_book(tmp_path_factory) -> Path:
    """Northshire built from its own files, its assurance record among them."""
    folder = tmp_path_factory.mktemp("own_record")
    book = folder / "Northshire_HNB.xlsm"
    src = folder / "adopt"
    frames = {**northshire.frames(), **northshire.plan_frames(), **RECORD}
    templates.write_templates(src, frames, tables=tuple(frames), formats=("csv",))
    assert main(["build", str(book), "--sources", *[f"{p.stem}={p}" for p in sorted(src.glob("*.csv"))]]) == 0
    return book


def _logs_texts(path: Path) -> list[str]:
    wb = read_book(path)
    try:
        return [str(c.value) for row in wb[L.LOGS].iter_rows() for c in row if isinstance(c.value, str)]
    finally:
        wb.close()


def _record(path: Path) -> dict:
    return read_own_record(OpenpyxlCells(read_workbook(path)))


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _cells(frame) -> list[list]:
    """A frame's cells as the tests compare them: blanks (None, NaN, "") as None."""
    return [[None if v is None or v != v or v == "" else v for v in r] for r in frame.itertuples(index=False)]


# --------------------------------------------------------------------------------------- the build

@pytest.mark.parametrize("part", ["roles", "assumptions", "decisions", "validation", "statement"])
def test_the_logs_hold_the_councils_own_record(own_book, part):
    """Each part on the Logs sheet reads back as the file given, cell for cell."""
    held = _record(own_book)
    given = RECORD[f"assurance_{part}"]
    assert _cells(held[part][list(given.columns)]) == _cells(given)


def test_the_logs_show_no_not_written_block_and_no_bundled_text(own_book):
    texts = "\n".join(_logs_texts(own_book))
    assert "has not been written for" not in texts
    assert "Northshire medium-term plan (test data)" in texts
    assert "Northshire's growth rates are its own estimates (test data)." in texts
    for word in northshire.FORBIDDEN:
        assert word not in texts, word


def test_the_cover_shows_the_councils_roles(own_book):
    wb = read_book(own_book)
    try:
        texts = [str(c.value) for row in wb[L.COVER].iter_rows() for c in row if isinstance(c.value, str)]
    finally:
        wb.close()
    roles = RECORD["assurance_roles"]
    for holder, what in zip(roles["holder"], roles["responsibility"]):
        assert f"{holder}: {what}" in texts
    assert len([t for t in texts if t in set(roles["role"])]) == len(roles)    # no bundled role beside them


def test_template_from_writes_the_record_back_out(own_book, tmp_path):
    out = tmp_path / "from"
    assert main(["template", "--from", str(own_book), str(out)]) == 0
    for name, frame in RECORD.items():
        rows = _csv_rows(out / f"{name}.csv")
        assert len(rows) == 2 + len(frame), name          # header, units row, the records
        assert rows[2][0] == str(frame.iloc[0, 0])


# --------------------------------------------------------------------------------------- refresh

def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_refresh_with_one_assumption_changed_changes_that_cell_and_keeps_the_rest(own_book, tmp_path, capsys):
    book, src = templated_copy(own_book, tmp_path)
    _edit(src / "assurance_assumptions.csv", "N2,Northshire EHCP growth 2025-26,7% a year",
          "N2,Northshire EHCP growth 2025-26,6% a year")
    capsys.readouterr()
    assert main(["refresh", str(book), str(src)]) == 0
    out = capsys.readouterr().out
    assert "assurance_assumptions: 3 -> 3 rows; 0 added, 0 removed, 1 changed (1 cell(s))" in out
    held = _record(book)
    assert list(held["assumptions"]["value"]) == ["8% a year", "6% a year", "£800,000 a year"]
    for part in ("roles", "decisions", "validation", "statement"):
        given = RECORD[f"assurance_{part}"]
        assert _cells(held[part][list(given.columns)]) == _cells(given), part
    texts = "\n".join(_logs_texts(book))
    assert "N2 value 7% a year -> 6% a year" in texts        # the refresh log says what changed
    for word in northshire.FORBIDDEN:
        assert word not in texts


def test_a_refresh_with_the_assumptions_log_alone_keeps_the_other_parts(own_book, tmp_path):
    book, src = templated_copy(own_book, tmp_path)
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copyfile(src / "assurance_assumptions.csv", alone / "assurance_assumptions.csv")
    _edit(alone / "assurance_assumptions.csv", "Northshire transport manager", "Northshire Head of Transport")
    assert main(["refresh", str(book), str(alone)]) == 0
    held = _record(book)
    assert list(held["assumptions"]["owner"])[-1] == "Northshire Head of Transport"
    assert len(held["roles"]) == 2 and len(held["statement"]) == 2 and len(held["decisions"]) == 1


def test_a_refresh_without_the_record_keeps_it(own_book, tmp_path):
    book, src = templated_copy(own_book, tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copyfile(src / "schools.csv", other / "schools.csv")
    _edit(other / "schools.csv", "Northshire synthetic", "Northshire renamed synthetic")
    assert main(["refresh", str(book), str(other)]) == 0
    held = _record(book)
    for name, given in RECORD.items():
        part = name.removeprefix("assurance_")
        assert _cells(held[part][list(given.columns)]) == _cells(given), part


def test_a_longer_record_after_a_refresh_is_inside_the_logs_print_area(own_book, tmp_path):
    """Three more assumptions: the record grows by three rows past what the sheet held; the print
    area's second range (the record) reaches its new last row."""
    import re
    book, src = templated_copy(own_book, tmp_path)
    path = src / "assurance_assumptions.csv"
    rows = _csv_rows(path)
    rows += [[f"N{k}", f"Northshire extra assumption {k}", "x", "Northshire SEND lead", "2024-05", "green",
              "Northshire (test data)", ""] for k in (4, 5, 6)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    assert main(["refresh", str(book), str(src)]) == 0
    wb = read_book(book)
    try:
        ws = wb[L.LOGS]
        first = L.LOGS_ASSURANCE["first_col"]
        last = max(c.row for row in ws.iter_rows(min_col=first) for c in row if c.value not in (None, ""))
        area = ws.print_area
    finally:
        wb.close()
    assert len(_record(book)["assumptions"]) == 6
    ends = [int(m) for m in re.findall(r"\$[A-Z]+\$(\d+)", str(area).split(",")[-1])]
    assert ends[-1] >= last, area


# ------------------------------------------------------- the assumptions log walked: refused at its cell

def _blank_column(column: str):
    def spoil(rows):
        header = rows[0]
        rows[3][header.index(column)] = ""            # the second assumption (file row 4)
        return rows
    return spoil


def _rating(word: str):
    def spoil(rows):
        rows[3][rows[0].index("Rating")] = word
        return rows
    return spoil


@pytest.mark.parametrize("spoil, column, says", [
    pytest.param(_blank_column("Owner"), "Owner", "has no owner", id="assumption-without-an-owner"),
    pytest.param(_blank_column("Rating"), "Rating", "has no rating", id="assumption-without-a-rating"),
    pytest.param(_blank_column("Source"), "Source", "has no source", id="assumption-without-a-source"),
    pytest.param(_rating("purple"), "Rating", "is not one of red, amber, green", id="rating-not-red-amber-green"),
])
def test_a_spoilt_assumptions_log_is_refused_and_the_workbook_kept(own_book, tmp_path, capsys, spoil, column, says):
    book, src = templated_copy(own_book, tmp_path)
    path = src / "assurance_assumptions.csv"
    rows = spoil(_csv_rows(path))
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    before = sha256_of(book)
    capsys.readouterr()
    assert main(["refresh", str(book), str(src)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    assert "assurance_assumptions.csv" in err[0] and "row 4" in err[0] and f"'{column}'" in err[0] and says in err[0]
    assert sha256_of(book) == before


def test_build_refuses_an_assumption_without_an_owner(tmp_path, capsys):
    src = tmp_path / "record"
    log = RECORD["assurance_assumptions"].copy()
    log.loc[2, "owner"] = None                         # the third assumption: file row 5
    templates.write_templates(src, {"assurance_assumptions": log}, tables=("assurance_assumptions",),
                              formats=("csv",))
    capsys.readouterr()
    out = tmp_path / "b.xlsm"
    assert main(["build", str(out), "--sources", f"assurance_assumptions={src / 'assurance_assumptions.csv'}"]) == 2
    err = capsys.readouterr().err.strip()
    assert "assurance_assumptions.csv" in err and "row 5" in err and "'Owner'" in err and "N3 has no owner" in err
    assert not out.exists()


# ----------------------------------------------------------------------------------- report, pack

@pytest.mark.parametrize("fmt", ["table", "json"])
def test_report_workbook_shows_the_councils_record(own_book, capsys, fmt):
    assert main(["report", str(own_book), "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        doc = json.loads(out)
        assert [a["id"] for a in doc["assurance"]["assumptions"]] == ["N1", "N2", "N3"]
        assert "assurance_not_written" not in doc
    assert "Northshire transport review (test data)" in out
    assert "has not been written for" not in out
    for word in northshire.FORBIDDEN:
        assert word not in out


def test_pack_workbook_shows_the_councils_record(own_book, tmp_path):
    out = tmp_path / "pack"
    assert main(["pack", str(own_book), "--output", str(out), "--paths", "200"]) == 0
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Northshire transport review (test data)" in html
    assert "Northshire&#x27;s model is fit for the Schools Forum&#x27;s use (test data)." in html
    assert "has not been written for" not in html
    for word in northshire.FORBIDDEN:
        assert word not in html
