"""Validation of tables from files and Excel ranges."""

import pytest

from hnb_xl.errors import HnbInputError, HnbInputErrors
from hnb_xl.tables.schema import SCHOOLS, normalise_header, to_frame


@pytest.mark.parametrize("header,norm", [
    pytest.param("Notional SEN budget (£)", "notionalsenbudget", id="unit-suffix"),
    pytest.param(" EHCPs ", "ehcps", id="spaces"), pytest.param("school_urn", "schoolurn", id="underscore"),
])
def test_normalise_header(header, norm):
    assert normalise_header(header) == norm


def test_cell_shaped_rows_with_trailing_blanks():
    rows = [[100001.0, "A", None, 200.0, 3.0, 5000.0], [None] * 6, ["", "", "", "", "", ""]]
    f = to_frame(SCHOOLS, SCHOOLS.headers, rows, source="range")
    assert list(f["urn"]) == [100001] and f["ehcp_count"].iloc[0] == 3


def test_every_problem_is_collected():
    rows = [[1, "A", "P", 10, "x", 5], [2, "B", "P", 10, 1, -5]]
    with pytest.raises(HnbInputErrors) as exc:
        to_frame(SCHOOLS, SCHOOLS.headers, rows, source="s.csv")
    text = str(exc.value.describe())
    assert "s.csv, row 2, column 'EHCPs'" in text and "s.csv, row 3, column 'Notional SEN budget'" in text


def test_fractional_count_rejected():
    with pytest.raises(HnbInputError, match="whole number"):
        to_frame(SCHOOLS, SCHOOLS.headers, [[1, "A", "P", 10, 2.5, 5]], source="s")


# --- the table floor: rules as data on the columns ---------------------------------------------------

import csv  # noqa: E402

from hnb_xl import bundled  # noqa: E402
from hnb_xl.tables.cells import KIND_RULES, is_blank, to_cell  # noqa: E402
from hnb_xl.tables.schema import (  # noqa: E402
    ASSUMPTIONS, DFE_NOT_KNOWN, INVEST_TO_TRANSFORM, PARAMETER_TERMS, SCHEMAS, Column, Schema)

SCHOOL = [100001, "A", "Primary", 200, 3]


@pytest.mark.parametrize("notional, words", [
    pytest.param("5%", "a percentage is not an amount", id="percent-notional-sen-is-an-error"),
    pytest.param("450k%", "expected", id="mixed-suffixes"),
])
def test_notional_sen_percentage_is_not_five_pence(notional, words):
    """The seed's bug: a Notional SEN budget cell holding 5% was read silently as £0.05."""
    with pytest.raises(HnbInputError) as e:
        to_frame(SCHOOLS, SCHOOLS.headers, [SCHOOL + [notional]], source="s.csv")
    assert "s.csv, row 2, column 'Notional SEN budget'" in str(e.value) and words in str(e.value)


def assumption_row(growth):
    return [["2022-23", growth, 0.0, 0.0, 0.0, 0.0]]


@pytest.mark.parametrize("growth, words", [
    pytest.param(9, "did you mean 9% (0.09)?", id="nine-means-nine-percent"),
    pytest.param("150%", "between -1 and 1 (-100% to +100%)", id="growth-above-100-percent"),
    pytest.param(-1.01, "between -1 and 1", id="growth-below-minus-100-percent"),
])
def test_growth_rate_outside_plus_minus_100_percent_is_an_error(growth, words):
    with pytest.raises(HnbInputError) as e:
        to_frame(ASSUMPTIONS, ASSUMPTIONS.headers, assumption_row(growth), source="a.csv")
    assert "column 'EHCP growth'" in str(e.value) and words in str(e.value)


@pytest.mark.parametrize("growth, value", [
    pytest.param("10%", 0.1, id="percent"), pytest.param(-1, -1.0, id="minus-100-percent-is-allowed"),
    pytest.param(0.05, 0.05, id="fraction"),
])
def test_growth_rates_within_range(growth, value):
    frame = to_frame(ASSUMPTIONS, ASSUMPTIONS.headers, assumption_row(growth), source="a.csv")
    assert frame["ehcp_growth"].iloc[0] == pytest.approx(value, rel=1e-15)


def test_column_rules_default_to_the_kind_and_can_be_narrowed():
    share = Column("s", "S", "share", "fraction", "")
    assert (share.low, share.high, share.whole, share.number_format) == (0.0, 1.0, False, "0.0%")
    ramp = Column("r", "R", "count", "years", "", low=1.0)
    assert (ramp.low, ramp.high, ramp.whole) == (1.0, None, True)
    with pytest.raises(HnbInputError, match="of 1 or more"):
        to_frame(Schema("t", "t", (ramp,)), ["R"], [[0]], source="t")


def test_every_column_of_every_schema_has_a_known_kind_and_a_number_format():
    for sch in SCHEMAS.values():
        for c in sch.columns:
            assert c.kind in KIND_RULES and c.number_format, f"{sch.name}.{c.name}"
            assert c.low is None or c.high is None or c.low <= c.high, f"{sch.name}.{c.name}"


def test_spellings_are_the_header_name_and_aliases_normalised():
    ehcps = SCHOOLS.columns[4]
    assert {"ehcps", "ehcpcount", "ehcp"} <= ehcps.spellings
    assert all(s == normalise_header(s) for s in ehcps.spellings)


@pytest.mark.parametrize("code", ["x", "Z", " c ", "LOW", "u"])
def test_dfe_codes_read_as_not_known(code):
    col = Column("n", "N", "count", "pupils", "", required=False, not_known=DFE_NOT_KNOWN)
    frame = to_frame(Schema("t", "t", (Column("k", "K", "text", "", ""), col)), ["K", "N"], [["a", code]],
                     source="t")
    assert is_blank(frame["n"].iloc[0])


def test_tbc_is_a_not_known_code_and_written_back():
    committed = INVEST_TO_TRANSFORM.columns[3]
    assert committed.not_known == ("TBC",) and committed.is_not_known(" tbc ")


def test_parameter_terms_agree_with_parameters_csv():
    """Inputs' per-row formats come from PARAMETER_TERMS; the kinds and ranges must be the data's
    (hnb_xl/data/parameters.csv carries them for the validator): no drift between the two."""
    with bundled.data_path("parameters.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {"kind", "low", "high"} <= set(rows[0])
    for r in rows:
        term = PARAMETER_TERMS[r["name"]]
        assert term.kind == r["kind"], r["name"]
        assert term.low == (float(r["low"]) if r["low"] else None), r["name"]
        assert term.high == (float(r["high"]) if r["high"] else None), r["name"]


@pytest.mark.parametrize("value, kind, cell", [
    pytest.param(float("nan"), "money", None, id="nan-is-empty"),
    pytest.param(None, "text", None, id="none-is-empty"),
    pytest.param(450000.0, "money", 450000, id="whole-pounds-as-int"),
    pytest.param(0.005, "share", 0.005, id="fraction-stays"),
    pytest.param(3.0, "count", 3, id="count-as-int"),
    pytest.param("2022-23", "year", "2022-23", id="year-text"),
    pytest.param(2.0, None, 2.0, id="no-kind-number-as-is"),
])
def test_to_cell(value, kind, cell):
    import numpy as np
    got = to_cell(value, kind)
    assert got == cell and type(got) is type(cell)
    assert to_cell(np.float64(value) if isinstance(value, float) else value, kind) == cell


def test_bundled_agreement_terms_are_read_by_their_kinds():
    """Cambridgeshire's agreement as published (hnb_xl/data/README.md: £49m DfE revenue contribution,
    agreed 2022-23, in-year balance by 2026-27) plus the stated assumptions (5 instalments, 40% first)."""
    terms = bundled.plan_agreement_terms()
    assert terms["dfe_total"] == 49_000_000.0 and terms["first_year"] == "2022-23"
    assert terms["target_balance_year"] == "2026-27"
    assert terms["instalments"] == 5 and type(terms["instalments"]) is int and terms["first_share"] == 0.4
