"""DfE school-level SEN files (wide to 2024, long from 2025): small realistic fixtures written here."""

from __future__ import annotations

import pytest

from hnb_xl.errors import HnbInputError
from hnb_xl.sources import dfe

WIDE_HEAD = ("time_period,URN,laestab,la_name,new_la_code,old_la_code,school_name,phase_type_grouping,"
             "type_of_establishment,Total pupils,SEN support,EHC plan,EHC_Primary_need_asd,EHC_Primary_need_spld")
WIDE_ROWS = [
    "202324,110001,8732001,Cambridgeshire,E10000003,873,Alpha Primary,State-funded primary,Community school,300,40,5,3,2",
    "202324,110002,8732002,Cambridgeshire,E10000003,873,Beta Primary,State-funded primary,Academy converter,120,x,c,c,z",
    "202324,120001,9262001,Norfolk,E10000020,926,Gamma Primary,State-funded primary,Community school,200,20,4,4,0",
    "202324,110003,8734001,Cambridgeshire,E10000003,873,Delta Academy,State-funded secondary,Academy sponsor led,"
    "1100,low,z,z,z",
]

LONG_HEAD = ("time_period,la_name,new_la_code,old_la_code,school_urn,school_name,phase_type_grouping,"
             "sen_provision,sen_primary_need,pupil_count")


def long_rows(la="Cambridgeshire,E10000003,873"):
    a = f"202425,{la},110001,Alpha Primary,State-funded primary"
    b = f"202425,{la},110002,Beta Primary,State-funded primary"
    return [f"{a},Total,Total,300", f"{a},EHC plan,Total,5", f"{a},EHC plan,Autistic spectrum disorder,3",
            f"{a},EHC plan,Specific learning difficulty,2", f"{a},SEN support,Total,40",
            f"{b},Total,Total,120", f"{b},EHC plan,Total,low", f"{b},SEN support,Total,x",
            "202425,Norfolk,E10000020,926,120001,Gamma Primary,State-funded primary,EHC plan,Total,4"]


def write(tmp_path, name, head, rows):
    p = tmp_path / name
    p.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("la", [pytest.param("Cambridgeshire", id="by-name"), pytest.param("cambridgeshire",
                         id="name-any-case"), pytest.param("E10000003", id="new-code"), pytest.param("873", id="old-code")])
def test_wide_filters_one_authority(tmp_path, la):
    r = dfe.read_wide(write(tmp_path, "w.csv", WIDE_HEAD, WIDE_ROWS), la, suppressed_policy="zero")
    assert r.problems == []
    assert list(r.frame["urn"]) == [110001, 110002, 110003]
    assert r.la == "Cambridgeshire" and r.rows_read == 4 and r.layout == "wide"
    alpha = r.frame.iloc[0]
    assert (alpha["pupils_on_roll"], alpha["sen_support"], alpha["ehcp_count"]) == (300, 40, 5)
    assert r.row_numbers == [2, 3, 5]


def test_wide_laestab_prefix_when_no_la_columns(tmp_path):
    head = "URN,laestab,la_name,Total pupils,SEN support,EHC plan"
    rows = ["110001,8732001,,300,40,5", "120001,9262001,,200,20,4"]
    r = dfe.read_wide(write(tmp_path, "w.csv", head, rows), "873")
    assert list(r.frame["urn"]) == [110001]


def test_wide_codes_are_counted_and_treated_explicitly(tmp_path):
    r = dfe.read_wide(write(tmp_path, "w.csv", WIDE_HEAD, WIDE_ROWS), "873", suppressed_policy="zero")
    # Cambridgeshire rows only: Beta has x (SEN support), c (EHC plan), c (asd), z (spld);
    # Delta has low (SEN support), z (EHC plan), z, z
    assert r.suppressed == {"x": 1, "c": 2, "z": 4, "low": 1}
    beta = r.frame.set_index("urn").loc[110002]
    assert beta["ehcp_count"] == 0 and beta["sen_support"] == 0


def test_wide_suppressed_ehcp_count_is_an_error_by_default_naming_the_option(tmp_path):
    """The bug: x, c and low in an EHCP count were read as 0 by default (a school paid nothing)."""
    r = dfe.read_wide(write(tmp_path, "w.csv", WIDE_HEAD, WIDE_ROWS), "873")
    assert [p.describe() for p in r.problems] == [
        f"{tmp_path / 'w.csv'}, row 3, column 'EHC plan': is suppressed ('c'): expected an EHCP count: DfE "
        "suppresses small numbers; give --suppressed zero to read them as 0 (counted in the refresh log)"]
    assert dfe.ZERO_OPTION == "--suppressed zero"
    # SEN support's low (row 5) and x (row 3) and the breakdown's c are not EHCP counts: 0, counted
    assert r.suppressed == {"x": 1, "c": 2, "z": 4, "low": 1}


def test_many_suppressed_ehcp_counts_are_one_line_with_their_number(tmp_path):
    rows = [f"202324,11{i:04d},873{i:04d},Cambridgeshire,E10000003,873,S{i},P,C,300,40,{code},z,z"
            for i, code in enumerate(["5", "x", "c", "low", "x"])]
    r = dfe.read_wide(write(tmp_path, "w.csv", WIDE_HEAD, rows), "873")
    assert len(r.problems) == 1
    assert r.problems[0].row == 3 and "('x')" in r.problems[0].message
    assert "3 more suppressed EHCP count(s)" in r.problems[0].message and "--suppressed zero" in r.problems[0].message


def test_long_suppressed_ehcp_count_is_an_error_by_default(tmp_path):
    r = dfe.read_long(write(tmp_path, "l.csv", LONG_HEAD, long_rows()), "873")
    assert [(p.row, p.column, p.value) for p in r.problems] == [(8, "pupil_count", "low")]   # Beta's EHC plan row
    assert "--suppressed zero" in r.problems[0].message     # Beta's SEN support 'x' (row 9) is not an EHCP count


def test_suppressed_as_zero_reads_them_as_0_and_counts_them(tmp_path):
    r = dfe.read_long(write(tmp_path, "l.csv", LONG_HEAD, long_rows()), "873", suppressed_policy="zero")
    assert r.problems == [] and r.frame.set_index("urn").loc[110002, "ehcp_count"] == 0
    assert r.suppressed == {"low": 1, "x": 1}


def test_refresh_with_a_suppressed_ehcp_count_exits_2_naming_the_option(book, tmp_path, capsys):
    from hnb_xl.cli import main
    from tests.support import sha256_of
    rows = [f"202324,{urn},873{i:04d},Cambridgeshire,E10000003,873,S{i},State-funded primary,C,300,40,{e},0,0"
            for i, (urn, e) in enumerate([(110001, "5"), (110002, "c")])]
    path = write(tmp_path, "sen.csv", WIDE_HEAD, rows)
    before = sha256_of(book)
    assert main(["refresh", str(book), str(path), "--la", "873"]) == 2
    err = capsys.readouterr().err
    assert f"{path}, row 3, column 'EHC plan': is suppressed ('c')" in err and "--suppressed zero" in err
    assert "Traceback" not in err and sha256_of(book) == before


@pytest.mark.parametrize("row,column,expected", [
    pytest.param("202324,110009,8739009,Cambridgeshire,E10000003,873,Bad,P,C,300,forty,5,3,2", "SEN support",
                 "expected a count", id="text-in-count"),
    pytest.param("202324,110009,8739009,Cambridgeshire,E10000003,873,Bad,P,C,300,40,-5,3,2", "EHC plan",
                 "0 or more", id="negative-count"),
    pytest.param("202324,,8739009,Cambridgeshire,E10000003,873,No URN,P,C,300,40,5,3,2", "URN",
                 "every school needs a URN", id="school-without-urn"),
    pytest.param("202324,110001,8739009,Cambridgeshire,E10000003,873,Dup,P,C,300,40,5,3,2", "URN",
                 "duplicate URN 110001 (first seen on row 2)", id="duplicate-urn"),
    pytest.param("202324,110009,8739009,Cambridgeshire,E10000003,873,Over,P,C,30,40,5,3,2", "Total pupils",
                 "exceeds the stated Total pupils 30", id="total-contradicted"),
    pytest.param("202324,110009,8739009,Cambridgeshire,E10000003,873,Needs,P,C,300,40,5,3,1", "EHC plan",
                 "add up to 4, but the stated total is 5", id="needs-contradict-ehc-total"),
])
def test_wide_bad_cells_are_located(tmp_path, row, column, expected):
    r = dfe.read_wide(write(tmp_path, "w.csv", WIDE_HEAD, [WIDE_ROWS[0], row]), "873")
    text = "\n".join(p.describe() for p in r.problems)
    assert f"w.csv, row 3, column '{column}'" in text and expected in text


def test_long_pivots_to_one_row_per_school(tmp_path):
    r = dfe.read_long(write(tmp_path, "l.csv", LONG_HEAD, long_rows()), "Cambridgeshire", suppressed_policy="zero")
    assert r.problems == [] and r.layout == "long" and r.rows_read == 9
    f = r.frame.set_index("urn")
    assert list(f.index) == [110001, 110002]
    assert (f.loc[110001, "pupils_on_roll"], f.loc[110001, "ehcp_count"], f.loc[110001, "sen_support"]) == (300, 5, 40)
    assert f.loc[110001, "school_name"] == "Alpha Primary"
    assert r.suppressed == {"low": 1, "x": 1}
    assert r.row_numbers == [2, 7]


def test_long_without_total_need_row_sums_the_needs(tmp_path):
    rows = [r for r in long_rows() if ",EHC plan,Total," not in r or "110002" in r]
    r = dfe.read_long(write(tmp_path, "l.csv", LONG_HEAD, rows), "873")
    assert r.frame.set_index("urn").loc[110001, "ehcp_count"] == 5  # 3 + 2


def test_long_needs_contradicting_total_is_a_problem(tmp_path):
    rows = [r.replace("Specific learning difficulty,2", "Specific learning difficulty,4") for r in long_rows()]
    r = dfe.read_long(write(tmp_path, "l.csv", LONG_HEAD, rows), "873")
    text = "\n".join(p.describe() for p in r.problems)
    assert "l.csv, row 3, column 'pupil_count': URN 110001: the EHC plan primary needs add up to 7" in text


def test_long_duplicate_category_row(tmp_path):
    rows = long_rows() + ["202425,Cambridgeshire,E10000003,873,110001,Alpha Primary,P,EHC plan,Total,5"]
    r = dfe.read_long(write(tmp_path, "l.csv", LONG_HEAD, rows), "873")
    assert any(p.row == 11 and "duplicate row for URN 110001" in p.message for p in r.problems)


def test_several_authorities_without_choice_is_refused(tmp_path):
    with pytest.raises(HnbInputError, match=r"holds 2 local authorities \(Cambridgeshire, Norfolk\)"):
        dfe.read_long(write(tmp_path, "l.csv", LONG_HEAD, long_rows()), None)


def test_unknown_authority_suggests_the_closest(tmp_path):
    with pytest.raises(HnbInputError, match="did you mean 'Cambridgeshire'"):
        dfe.read_long(write(tmp_path, "l.csv", LONG_HEAD, long_rows()), "Cambridgshire")


def test_progress_bar_for_large_files(tmp_path, capsys):
    base = "202425,Cambridgeshire,E10000003,873,{u},S{u},P,{p},Total,{n}"
    rows = []
    for u in range(200000, 203000):
        rows += [base.format(u=u, p="Total", n=100), base.format(u=u, p="EHC plan", n=2)]
    r = dfe.read_long(write(tmp_path, "big.csv", LONG_HEAD, rows), "873", progress=True)
    assert len(r.frame) == 3000 and r.frame["ehcp_count"].sum() == 6000
    assert "rows" in capsys.readouterr().err  # tqdm writes to stderr
    dfe.read_long(tmp_path / "big.csv", "873", progress=False)
    assert capsys.readouterr().err == ""


def test_windows_1252_text_beyond_the_header_peek(tmp_path):
    """The encoding is guessed from the first 64 KiB; a file saved by Excel on Windows with an accented
    name further down is read again as Windows-1252 rather than failing."""
    from hnb_xl.tables.files import HEADER_PEEK_BYTES
    rows, u = [], 200000
    while sum(len(r) + 1 for r in rows) < HEADER_PEEK_BYTES + 1000:
        rows.append(f"202425,Cambridgeshire,E10000003,873,{u},School {u},P,EHC plan,Total,1")
        u += 1
    p = tmp_path / "l.csv"
    p.write_bytes(("\n".join([LONG_HEAD, *rows]) + "\n").encode("ascii") +
                  b"202425,Cambridgeshire,E10000003,873,199999,Ecole \xe9t\xe9,P,EHC plan,Total,3\n")
    r = dfe.read_long(p, "873", progress=False)
    assert r.problems == []
    last = r.frame.set_index("urn").loc[199999]
    assert last["school_name"] == "Ecole \u00e9t\u00e9" and last["ehcp_count"] == 3
    assert len(r.frame) == len(rows) + 1


def test_row_numbers_across_chunks_and_blank_lines(tmp_path, monkeypatch):
    """File row numbers in messages stay right when the file is read in several chunks with blank lines."""
    monkeypatch.setattr(dfe, "CHUNK_ROWS", 3)
    rows = long_rows()  # 9 data rows: file rows 2..10
    rows.insert(4, "")  # a blank line becomes file row 6; later rows move down by one
    assert ",Total,Total,120" in rows[6]
    rows[6] = rows[6].replace(",Total,120", ",Total,-1")  # Beta's Total row, now file row 8
    r = dfe.read_long(write(tmp_path, "l.csv", LONG_HEAD, rows), "873", progress=False)
    assert r.rows_read == 9  # the blank line is not a row read
    text = "\n".join(p.describe() for p in r.problems)
    assert "l.csv, row 8, column 'pupil_count'" in text and "0 or more" in text
    assert r.row_numbers == [2, 8]


def test_dfe_csv_is_not_read_into_memory_as_lists(tmp_path, monkeypatch):
    """collect() recognises a DfE CSV from its header and leaves the rows to the chunked reader."""
    from hnb_xl.sources import collect as C
    big = write(tmp_path, "dfe.csv", LONG_HEAD, long_rows())
    real = C.read_tables

    def refuse(path):
        if path == big:
            raise AssertionError("the DfE file was read whole")
        return real(path)
    monkeypatch.setattr(C, "read_tables", refuse)
    schools = tmp_path / "schools.csv"
    schools.write_text("URN,School name,EHCPs,Notional SEN budget\n110001,A,0,1000\n110002,B,0,2000\n")
    got = C.collect([big, schools], la="873", progress=False, suppressed_policy="zero")   # Beta's EHCPs: low
    assert got.problems == []
    assert got.records[0].rows_read == 9 and got.records[0].formats == ["dfe_sen_long"]
    assert list(got.tables["schools"]["ehcp_count"]) == [5, 0]


@pytest.mark.parametrize("reader,head", [pytest.param(dfe.read_long, LONG_HEAD, id="long"),
                                         pytest.param(dfe.read_wide, WIDE_HEAD, id="wide")])
@pytest.mark.parametrize("tail", [pytest.param("", id="header-only"), pytest.param("\n\n", id="blank-lines")])
def test_header_without_data_rows_is_named(tmp_path, reader, head, tail):
    p = tmp_path / "d.csv"
    p.write_text(head + "\n" + tail, encoding="utf-8")
    with pytest.raises(HnbInputError, match=r"d\.csv.*header row but no data rows"):
        reader(p, "873", progress=False)
