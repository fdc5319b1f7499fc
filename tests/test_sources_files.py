"""Reading source files: the CSV header is found from the file's first bytes, in either encoding."""

from __future__ import annotations

import pytest

from hnb_xl.errors import HnbInputError
from hnb_xl.tables import files
from hnb_xl.tables.files import HEADER_PEEK_BYTES, csv_header


@pytest.mark.parametrize("content,expected", [
    pytest.param(b"URN,EHCPs\n1,2\n", (0, ["URN", "EHCPs"], "utf-8-sig"), id="plain-utf8"),
    pytest.param(b"\xef\xbb\xbfURN,EHCPs\n1,2\n", (0, ["URN", "EHCPs"], "utf-8-sig"), id="utf8-bom-dropped"),
    pytest.param(b"\n , \nURN, EHCPs \n1,2\n", (2, ["URN", "EHCPs"], "utf-8-sig"), id="blank-lines-before-header"),
    pytest.param(b"URN,Caf\xe9 name\n1,x\n", (0, ["URN", "Caf\u00e9 name"], "cp1252"), id="windows-1252"),
])
def test_csv_header(tmp_path, content, expected):
    p = tmp_path / "f.csv"
    p.write_bytes(content)
    assert csv_header(p) == expected


def test_csv_header_reads_only_the_first_bytes(tmp_path, monkeypatch):
    """A 100 MB DfE file must not be read whole to find its header: count the bytes read."""
    p = tmp_path / "big.csv"
    p.write_bytes(b"URN,EHCPs\n" + b"1,2\n" * 200_000)  # 800 kB
    read = []
    real_open = type(p).open

    def spy(self, *a, **k):
        fh = real_open(self, *a, **k)
        orig = fh.read
        fh.read = lambda n=-1: (read.append(n), orig(n))[1]
        return fh
    monkeypatch.setattr(type(p), "open", spy)
    assert csv_header(p)[1] == ["URN", "EHCPs"]
    assert read and all(0 < n <= HEADER_PEEK_BYTES for n in read)


def test_utf8_character_cut_at_the_peek_boundary_stays_utf8(tmp_path):
    # the peek ends in the middle of a two-byte UTF-8 character: still UTF-8, not Windows-1252
    head = b"URN,Name\n"
    filler = b"1," + b"a" * (HEADER_PEEK_BYTES - len(head) - 3) + b"\xc3\xa9\n2,b\n"
    p = tmp_path / "f.csv"
    p.write_bytes(head + filler)
    assert p.read_bytes()[HEADER_PEEK_BYTES - 1:HEADER_PEEK_BYTES] == b"\xc3"
    assert csv_header(p) == (0, ["URN", "Name"], "utf-8-sig")


def test_header_after_more_blank_lines_than_the_peek(tmp_path):
    p = tmp_path / "f.csv"
    p.write_bytes(b"\n" * (HEADER_PEEK_BYTES + 10) + b"URN,EHCPs\n1,2\n")
    assert csv_header(p) == (HEADER_PEEK_BYTES + 10, ["URN", "EHCPs"], "utf-8-sig")


@pytest.mark.parametrize("content", [pytest.param(b"", id="empty"), pytest.param(b"\n \n,,\n", id="blank-lines")])
def test_csv_without_header_is_named(tmp_path, content):
    p = tmp_path / "empty.csv"
    p.write_bytes(content)
    with pytest.raises(HnbInputError, match=r"empty\.csv.*is empty"):
        csv_header(p)


def test_undefined_windows_1252_byte_does_not_crash(tmp_path):
    # 0x81 is undefined in Windows-1252: the old strict decode raised UnicodeDecodeError, not a message
    p = tmp_path / "f.csv"
    p.write_bytes(b"Financial year,Notes\n2022-23,\x81\xe9\n")
    table = files.read_tables(p)[0]
    assert table.headers == ["Financial year", "Notes"] and table.rows[0][0] == "2022-23"
