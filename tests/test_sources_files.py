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


# --- the safety valve's tables through the one reader: header = row 1, UTF-8 or Windows-1252 ---------

from hnb_xl.tables.schema import ACTUALS, AGREEMENT, AGREEMENT_TERMS, WORKSTREAMS, read_terms  # noqa: E402

ACTUALS_CSV = "financial_year,dsg_in_year_deficit\n2022-23,\"\u00a39,900,000\"\n2023-24,(250k)\n"
WORKSTREAMS_CSV = ("Name,Lever,Amount,Start year,Ramp years,Delivery confidence,Budget area\n"
                   "Transport \u2013 re-tender,cash_saving,\u00a31.5m,2023-24,2,90%,transport\n"
                   "Reviews,cost_per_ehcp_reduction,6%,2023-24,,,\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_actuals_file_is_read_in_any_encoding(tmp_path, encoding):
    p = tmp_path / "actuals.csv"
    p.write_bytes(ACTUALS_CSV.encode(encoding))
    frame = files.load(ACTUALS, p)
    assert frame["financial_year"].tolist() == ["2022-23", "2023-24"]
    assert frame["dsg_in_year_deficit"].tolist() == [9_900_000.0, -250_000.0]
    assert frame.attrs["row_numbers"] == [2, 3]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_workstreams_file_is_read_in_any_encoding(tmp_path, encoding):
    p = tmp_path / "workstreams.csv"
    p.write_bytes(WORKSTREAMS_CSV.encode(encoding))
    frame = files.load(WORKSTREAMS, p)
    assert frame["name"].tolist() == ["Transport \u2013 re-tender", "Reviews"]
    assert frame["amount"].tolist() == [1_500_000.0, 0.06]
    assert frame["delivery_confidence"].iloc[0] == 0.9
    assert frame.attrs["row_numbers"] == [2, 3]


@pytest.mark.parametrize("content, where", [
    pytest.param("financial_year,dsg_in_year_deficit\n2022-23,9900000\n2023-24,lots\n",
                 "actuals.csv, row 3, column 'dsg_in_year_deficit'", id="actuals-text-is-row-3"),
    pytest.param("financial_year,dsg_in_year_deficit\n2022-23,9900000\n\n2023-24,5%\n",
                 "actuals.csv, row 4, column 'dsg_in_year_deficit'", id="actuals-blank-line-counts"),
])
def test_actuals_errors_name_the_files_own_row(tmp_path, content, where):
    p = tmp_path / "actuals.csv"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(HnbInputError) as e:
        files.load(ACTUALS, p)
    assert where in str(e.value)


def test_workstream_errors_name_the_files_own_row(tmp_path):
    p = tmp_path / "workstreams.csv"
    p.write_bytes((WORKSTREAMS_CSV + "Tuition,cash_saving,lots,2023-24,1,1,tuition\n").encode("cp1252"))
    with pytest.raises(HnbInputError) as e:
        files.load(WORKSTREAMS, p)
    assert "workstreams.csv, row 4, column 'Amount'" in str(e.value)


def test_agreement_terms_are_read_by_their_kinds_with_rows(tmp_path):
    p = tmp_path / "agreement.csv"
    p.write_bytes("parameter,value,unit,basis\ndfe_total,\u00a349m,\u00a3,x\nfirst_year,2022-23,,\n"
                  "instalments,0,count,\nfirst_share,40%,,\n".encode("cp1252"))
    frame = files.load(AGREEMENT, p)
    with pytest.raises(HnbInputError) as e:
        read_terms(frame, AGREEMENT_TERMS)
    assert "agreement.csv, row 4, column 'Value'" in str(e.value) and "1 or more" in str(e.value)
    p.write_text(p.read_text(encoding="cp1252").replace("instalments,0", "instalments,5"), encoding="utf-8")
    terms = read_terms(files.load(AGREEMENT, p), AGREEMENT_TERMS)
    assert terms == {"dfe_total": 49_000_000.0, "first_year": "2022-23", "instalments": 5, "first_share": 0.4}


# ------------------------------------------------------------------ a value without a header

from hnb_xl.tables.schema import HISTORY  # noqa: E402

_HISTORY_HEADER = "Financial year,EHCPs (January census),HNB budget,HNB expenditure,Accumulated DSG deficit"


@pytest.mark.parametrize("content, where", [
    pytest.param(_HISTORY_HEADER + "\n2021-22,6100,1,2,3,note\n", "row 2, column 'F'", id="one-value-too-many"),
    pytest.param(_HISTORY_HEADER + ",\n2020-21,5327,1,2,3,\n2021-22,6100,1,2,3,x\n", "row 3, column 'F'",
                 id="value-under-a-blank-header"),
])
def test_a_value_without_a_header_is_refused_not_dropped(tmp_path, content, where):
    """A row with one value more than the header (a note typed after the last column) would have
    been read with the value dropped unseen."""
    p = tmp_path / "history.csv"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(HnbInputError) as err:
        files.load(HISTORY, p)
    assert where in str(err.value) and "without a header" in str(err.value)


def test_a_blank_cell_past_the_header_is_no_value(tmp_path):
    p = tmp_path / "history.csv"
    p.write_text(_HISTORY_HEADER + "\n2021-22,6100,1,2,3,,\n", encoding="utf-8")
    assert files.load(HISTORY, p)["ehcp_count"].tolist() == [6100]
