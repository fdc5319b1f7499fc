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
