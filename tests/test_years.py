import pytest

from hnb_xl.years import fy, parse_year


@pytest.mark.parametrize("text,start", [
    pytest.param("2022-23", 2022, id="hyphen"), pytest.param("2022/23", 2022, id="slash"),
    pytest.param("2022-2023", 2022, id="four-digit-end"), pytest.param(2022, 2022, id="int"),
    pytest.param(2022.0, 2022, id="excel-float"), pytest.param(" FY2099-00 ", 2099, id="century-wrap"),
    pytest.param("2016/17", 2016, id="seed-style"),
])
def test_parse_year(text, start):
    assert parse_year(text) == start


@pytest.mark.parametrize("bad", ["2022-24", "22-23", "", None, True, 2022.5, "twenty"])
def test_parse_year_rejects(bad):
    with pytest.raises(ValueError):
        parse_year(bad)


def test_fy_format():
    assert fy(2025) == "2025-26" and fy(2099) == "2099-00"
