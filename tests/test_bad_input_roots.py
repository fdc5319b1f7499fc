"""Issue 12 at its roots: the one reader (tables.files), the ranges of the one grammar
(tables.cells: plausibility ceilings, financial years) and the validator (tables.validate),
tested where they live; tests/test_adversarial.py runs the same classes through the commands.

Expected values are the seed's history (tests/seed.py: 2016-17 has 3,429 EHCPs, a budget of
£63,001,000) or the text of the file itself, never the code's output.
"""

from __future__ import annotations

import argparse
import csv
import io

import pytest
from openpyxl import Workbook

from hnb_xl.commands._common import year as year_option
from hnb_xl.errors import HnbInputError
from hnb_xl.excel import args as xa
from hnb_xl.sources.collect import collect
from hnb_xl.tables import files, validate
from hnb_xl.tables.schema import ASSUMPTIONS, HISTORY, SCHOOLS, to_frame

from tests.seed import HISTORY_TABLE

HEADER = ["financial_year", "ehcp_count", "hnb_budget", "hnb_expenditure", "accumulated_deficit"]
# the seed's history in pounds (the seed prints £000)
ROWS = [[y, str(e), str(b * 1000), str(x * 1000), str(a * 1000)]
        for y, (e, _, b, _, x, _, _, a) in HISTORY_TABLE.items()]
FIRST = ("2016-17", 3429, 63_001_000.0)


def text(rows, newline="\n", delimiter=","):
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline, delimiter=delimiter).writerows(rows)
    return buf.getvalue()


def write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def first_year(frame):
    r = frame.iloc[0]
    return r["financial_year"], int(r["ehcp_count"]), float(r["hnb_budget"])


# ------------------------------------------------------------------------------------------ the reader

@pytest.mark.parametrize("data", [
    pytest.param(text([HEADER, *ROWS], "\r").encode(), id="old-mac-cr-only-line-endings"),
    pytest.param(text([HEADER, *ROWS], "\r\n").encode(), id="windows-crlf"),
    pytest.param(text([HEADER, *ROWS], "\n").encode(), id="unix-lf"),
    pytest.param(("\ufeff" + text([HEADER, *ROWS], "\r\n", "\t")).encode("utf-16-le"),
                 id="excel-unicode-text-utf16-le-tab"),
    pytest.param(("\ufeff" + text([HEADER, *ROWS], "\r\n", "\t")).encode("utf-16-be"), id="utf16-be-tab"),
    pytest.param(text([HEADER, *ROWS], "\r\n", ";").encode(), id="semicolon-csv-of-a-comma-decimal-locale"),
])
def test_every_text_table_excel_saves_is_read_the_same(tmp_path, data):
    frame = files.load(HISTORY, write(tmp_path, "history.csv", data))
    assert first_year(frame) == FIRST
    assert len(frame) == len(HISTORY_TABLE)
    assert frame.attrs["row_numbers"] == list(range(2, 2 + len(HISTORY_TABLE)))


def test_csv_header_of_a_cr_only_file_longer_than_the_peek(tmp_path):
    """Detection reads only the first bytes: lines ended by CR alone still give the header."""
    body = text([HEADER, *ROWS * 2000], "\r").encode()
    assert len(body) > files.HEADER_PEEK_BYTES
    line, headers, encoding = files.csv_header(write(tmp_path, "h.csv", body))
    assert (line, headers) == (0, HEADER)


def test_a_field_over_the_csv_modules_limit_is_a_located_error_of_one_short_line(tmp_path):
    rows = [HEADER, *[list(r) for r in ROWS]]
    rows[2][2] = "1" * 140_000                  # file row 3, hnb_budget; csv's limit is 131,072
    with pytest.raises(HnbInputError) as e:
        files.load(HISTORY, write(tmp_path, "history.csv", text(rows).encode()))
    line = str(e.value)
    assert "history.csv, row 3, column 'hnb_budget'" in line
    assert "\n" not in line and len(line) < 400


def _xlsx_bytes(rows, blank_rows_above=0, stray=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.cell(blank_rows_above + i + 1, j + 1, float(v) if v.replace(".", "").isdigit() else v)
    if stray:
        ws[stray] = " "
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_an_xlsx_renamed_csv_is_read_as_the_xlsx_it_is(tmp_path):
    frame = files.load(HISTORY, write(tmp_path, "history.csv", _xlsx_bytes([HEADER, *ROWS])))
    assert first_year(frame) == FIRST


def test_an_excel_97_2003_xls_is_refused_with_the_way_out(tmp_path):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    for name in ("history.xls", "history.csv"):
        with pytest.raises(HnbInputError) as e:
            files.load(HISTORY, write(tmp_path, name, ole2))
        assert str(e.value).startswith(str(tmp_path / name)) and ".xlsx" in str(e.value)
        assert "\n" not in str(e.value)


def test_xlsx_blank_rows_above_the_table_as_the_csv_path_takes_them(tmp_path):
    """Header on sheet row 4 (three blank rows above): found, and rows numbered as the sheet shows them."""
    rows = [HEADER, *[list(r) for r in ROWS]]
    rows[2][1] = "-5"                           # a negative EHCP count on sheet row 3 + 3 = 6
    p = write(tmp_path, "history.xlsx", _xlsx_bytes(rows, blank_rows_above=3))
    with pytest.raises(HnbInputError) as e:
        files.load(HISTORY, p)
    assert "row 6, column 'ehcp_count'" in str(e.value)
    good = write(tmp_path, "good.xlsx", _xlsx_bytes([HEADER, *ROWS], blank_rows_above=3))
    frame = files.load(HISTORY, good)
    assert first_year(frame) == FIRST and frame.attrs["row_numbers"][0] == 5


def test_xlsx_reads_only_the_cells_that_hold_data(tmp_path):
    """A space at AZ5000 widens the sheet's used range to 52 x 5000 cells; the table stays 7 x 5.
    (The XFD1048576 case runs under a memory limit in tests/test_adversarial.py.)"""
    p = write(tmp_path, "history.xlsx", _xlsx_bytes([HEADER, *ROWS], stray="AZ5000"))
    (table,) = files.read_tables(p)
    assert len(table.rows) == len(HISTORY_TABLE)
    assert max(map(len, [table.headers, *table.rows])) == len(HEADER)


# ------------------------------------------------------------------------------ ceilings and years

@pytest.mark.parametrize("column, value, words", [
    pytest.param("EHCPs", 1e308, "of at most 10,000,000", id="ehcps-1e308-number"),
    pytest.param("Notional SEN budget", 1e308, "of at most \u00a31,000,000,000,000", id="notional-1e308-number"),
    pytest.param("EHCPs", 10_000_001, "of at most 10,000,000", id="ehcps-above-every-pupil-in-england"),
])
def test_absurd_magnitudes_in_an_excel_range_name_the_row_and_column(column, value, words):
    cells = [["URN", "School name", "EHCPs", "Notional SEN budget"], [900001, "A", 5, 131100.0],
             [900002, "B", 7, 69700.0]]
    j = cells[0].index(column)
    cells[2][j] = value
    with pytest.raises(HnbInputError) as e:
        xa.converted(SCHOOLS, cells, "schools")
    assert f"row 3, column '{column}'" in str(e.value) and words in str(e.value)


def _year_roads(value):
    """The verdict of every road a financial year takes: a file's cell (to_frame), an Excel function's
    argument (excel.args.year) and a command-line option (commands._common.year, as --to)."""
    out = {}
    frame_rows = [[value, "0.1", "0.02", "0.03", "0", "0"]]
    headers = [c.name for c in ASSUMPTIONS.columns]
    for road, call in {
        "file cell": lambda: to_frame(ASSUMPTIONS, headers, frame_rows, source="a.csv")["financial_year"].iloc[0],
        "Excel argument": lambda: xa.year(value, "to_year"),
        "option": lambda: year_option("--to")(str(value)),
    }.items():
        try:
            out[road] = ("ok", call())
        except (HnbInputError, argparse.ArgumentTypeError) as exc:
            out[road] = ("error", str(exc))
    return out


@pytest.mark.parametrize("value, start", [
    pytest.param("2000-01", 2000, id="first-plausible-year"),
    pytest.param("2099-00", 2099, id="last-plausible-year"),
    pytest.param("2022-23", 2022, id="a-plan-year"),
])
def test_plausible_years_are_read_on_every_road(value, start):
    for road, (verdict, got) in _year_roads(value).items():
        assert verdict == "ok", f"{road}: {got}"
        assert got in (start, f"{start}-{(start + 1) % 100:02d}"), road


@pytest.mark.parametrize("value", [
    pytest.param("1899-00", id="1899-00"), pytest.param("1899", id="1899-as-a-number"),
    pytest.param("1999-00", id="a-year-before-2000-01"), pytest.param("2100-01", id="a-year-after-2099-00"),
])
def test_implausible_years_are_refused_on_every_road(value):
    for road, (verdict, got) in _year_roads(value).items():
        assert verdict == "error", f"{road} accepted {value}"
        assert "2000-01 to 2099-00" in got, road
    assert "row 2, column 'financial_year'" in _year_roads(value)["file cell"][1]
    assert _year_roads(value)["option"][1].startswith("--to:")


# --------------------------------------------------------------------------------- validator, folders

def _history(last_accumulated):
    rows = [list(r) for r in ROWS]
    rows[-1][4] = last_accumulated
    return to_frame(HISTORY, HEADER, rows, source="history.csv")


def _assumptions():
    headers = [c.name for c in ASSUMPTIONS.columns]
    return to_frame(ASSUMPTIONS, headers, [["2022-23", "0.1", "0.02", "0.03", "0", "0"]], source="assumptions.csv")


def test_a_blank_last_accumulated_deficit_is_refused_where_it_is():
    """The projection rolls forward from it (the Excel function refused it; now every road does)."""
    found = validate.problems({"history": _history(""), "assumptions": _assumptions()})
    assert [(p.source, p.row, p.column) for p in found] == [("history.csv", 7, "Accumulated DSG deficit")]
    assert validate.problems({"history": _history("39264000"), "assumptions": _assumptions()}) == []
    assert validate.problems({"history": _history("")}) == []      # the history on its own may end blank


@pytest.mark.parametrize("holds, words", [
    pytest.param([], "(it is empty)", id="empty-folder"),
    pytest.param(["notes.txt", "history.pdf"], "history.pdf, notes.txt", id="folder-of-other-files"),
])
def test_a_source_folder_without_sources_is_named(tmp_path, holds, words):
    folder = tmp_path / "sources"
    folder.mkdir()
    for name in holds:
        (folder / name).write_text("x")
    found = collect([folder], progress=False).problems
    assert len(found) == 1 and found[0].source == str(folder) and words in found[0].message


# ------------------------------------------------------------------------ an Excel function's series

@pytest.mark.parametrize("values, expected", [
    pytest.param([1.0, float("inf")], "HNB_GROWTH: values: value 2 is inf", id="infinity-in-the-series"),
    pytest.param([1.0, 1e308], "HNB_GROWTH: values: value 2 is 1e+308", id="1e308-in-the-series"),
    pytest.param([5e-324, 1e12], [["", ""]], id="a-ratio-beyond-a-float-is-not-defined"),
    pytest.param([3429.0, 3822.0], [["", 3822 / 3429 - 1]], id="seed-ehcps-2016-17-to-2017-18"),
])
def test_hnb_growth_never_returns_infinity(values, expected):
    from hnb_xl import udfs
    got = udfs.HNB_GROWTH(values)
    if isinstance(expected, str):
        assert isinstance(got, str) and got.startswith(expected) and "1,000,000,000,000" in got
    else:
        assert got == expected
