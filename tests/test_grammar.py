"""Same text, same verdict: one table of (text, kind) cases run through every road a number takes
into the model - a cell of a CSV file (tables.files.load), a command-line option
(commands._common.pounds / fraction through argparse), an Excel function's scalar argument
(excel.args.number) and a cell of an Excel table range (excel.args.converted).

Expected values are the arithmetic of the text (450k = 450 x 1,000; 0.5% = 0.5 / 100), written
out here, not taken from the code. The grammar is docs/input-grammar.md.
"""

import argparse
import csv

import pytest

from hnb_xl import cli
from hnb_xl.commands._common import fraction, pounds
from hnb_xl.errors import HnbInputError
from hnb_xl.excel import args as xa
from hnb_xl.tables import files
from hnb_xl.tables.schema import Column, Schema

NBSP = "\u00a0"

# (text, kind, expected value, or the words of the error every road must give)
CASES = [
    pytest.param("GBP 450,000", "money", 450_000.0, id="gbp-prefix-and-commas"),
    pytest.param("gbp450000", "money", 450_000.0, id="gbp-any-case-no-space"),
    pytest.param("\u00a3450,000", "money", 450_000.0, id="pound-sign"),
    pytest.param(f"{NBSP}450000 ", "money", 450_000.0, id="non-breaking-spaces-around"),
    pytest.param("450k", "money", 450_000.0, id="k-suffix"),
    pytest.param("368.2m", "money", 368_200_000.0, id="m-suffix"),
    pytest.param("1.2bn", "money", 1_200_000_000.0, id="bn-suffix"),
    pytest.param("1,234.5", "money", 1234.5, id="thousands-and-decimals"),
    pytest.param("1e5", "money", 100_000.0, id="exponent-in-money"),
    pytest.param("(1,000)", "signed_money", -1000.0, id="accounting-negative"),
    pytest.param("-\u00a35", "signed_money", -5.0, id="minus-pound"),
    pytest.param("(1,000)", "money", "of 0 or more", id="accounting-negative-in-money-is-below-zero"),
    pytest.param("1,0", "money", "groups of three", id="bad-thousands-group"),
    pytest.param("5%", "money", "a percentage is not an amount", id="percent-in-money-is-an-error"),
    pytest.param("5%", "count", "a percentage is not a count", id="percent-in-count-is-an-error"),
    pytest.param("450k", "count", "k, m and bn are for amounts in pounds", id="k-in-count-is-an-error"),
    pytest.param("\u00a35", "rate", "\u00a3 and GBP mark an amount in pounds", id="pound-in-rate-is-an-error"),
    pytest.param("0.5%", "share", 0.005, id="half-percent-share"),
    pytest.param("0.5%", "rate", 0.005, id="half-percent-rate"),
    pytest.param("-1.5%", "rate", -0.015, id="negative-percent-rate"),
    pytest.param("0.09", "rate", 0.09, id="fraction-rate"),
    pytest.param("9", "rate", "did you mean 9% (0.09)?", id="nine-in-rate-hints-percent"),
    pytest.param("40", "share", "did you mean 40% (0.4)?", id="forty-in-share-hints-percent"),
    pytest.param("150%", "rate", "between -1 and 1", id="rate-above-100-percent"),
    pytest.param("nan", "money", "expected a finite number", id="nan-text"),
    pytest.param("inf", "money", "expected a finite number", id="infinity-text"),
    pytest.param("-inf", "rate", "expected a finite number", id="minus-infinity-text"),
    pytest.param("abc", "money", "expected", id="words"),
    pytest.param("12", "count", 12, id="count"),
    pytest.param("2.5", "count", "whole number", id="fractional-count"),
    pytest.param("-3", "count", "of 0 or more", id="negative-count"),
    pytest.param("900001", "id", 900001, id="urn"),
    pytest.param("9.00E+05", "id", "write the identifier in full", id="urn-in-scientific-notation"),
    # plausibility ceilings (tables.cells.MONEY_CEILING = 10**12 pounds, COUNT_CEILING = 10**7)
    pytest.param("1e308", "money", "of at most \u00a31,000,000,000,000", id="money-1e308-above-the-ceiling"),
    pytest.param("1,000,000,000,000", "money", 1e12, id="money-at-the-ceiling"),
    pytest.param("1,000,000,000,001", "money", "of at most", id="money-a-pound-above-the-ceiling"),
    pytest.param("1.5bn", "money", 1_500_000_000.0, id="money-bn-far-below-the-ceiling"),
    pytest.param("-2e12", "signed_money", "in size", id="signed-money-below-minus-the-ceiling"),
    pytest.param("10,000,000", "count", 10_000_000, id="count-at-the-ceiling"),
    pytest.param("10000001", "count", "of at most 10,000,000", id="count-above-the-ceiling"),
    pytest.param("1e308", "count", "of at most 10,000,000", id="count-1e308-above-the-ceiling"),
    pytest.param("1" * 140_000, "money", "(140,000 characters)", id="field-of-140k-digits-is-cut-in-the-message"),
]

HEADERS = {"money": "Amount", "signed_money": "Movement", "count": "Pupils", "id": "URN", "rate": "Growth",
           "share": "Share"}
UNITS = {"money": "\u00a3", "signed_money": "\u00a3", "count": "pupils", "id": "", "rate": "fraction",
         "share": "fraction"}


def one_column(kind: str) -> Schema:
    return Schema("t", "one column", (Column("x", HEADERS[kind], kind, UNITS[kind], "the value"),))


def outcome(call):
    """("ok", value) or ("error", message)."""
    try:
        return "ok", call()
    except HnbInputError as exc:
        return "error", exc.message
    except SystemExit as exc:          # argparse: the option's message went to stderr
        return "error", f"exit {exc.code}"


def file_cell(tmp_path, text, kind):
    path = tmp_path / "t.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([[HEADERS[kind]], [text]])
    return files.load(one_column(kind), path)["x"].iloc[0]


def cli_option(text, kind, capsys):
    make = {"money": lambda: pounds("--x"), "share": lambda: fraction("--x"),
            "rate": lambda: fraction("--x", kind="rate")}.get(kind)
    if make is None:
        return None                     # no option of this kind
    p = argparse.ArgumentParser(prog="hnb-xl")
    p.add_argument("--x", type=make())
    try:
        return p.parse_args([f"--x={text}"]).x
    except SystemExit as exc:
        err = capsys.readouterr().err
        assert exc.code == 2 and "Traceback" not in err
        raise HnbInputError(err.strip().splitlines()[-1]) from None


def excel_argument(text, kind):
    what = "a fraction" if kind in ("share", "rate") else "an amount in pounds" if "money" in kind else "a number"
    return xa.number(text, "x", kind=kind, what=what)


def excel_range(text, kind):
    return xa.converted(one_column(kind), [[HEADERS[kind]], [text]], "x").columns["x"][0]


@pytest.mark.parametrize("text, kind, expected", CASES)
def test_same_text_same_verdict_on_every_road(tmp_path, capsys, text, kind, expected):
    roads = {
        "file cell": outcome(lambda: file_cell(tmp_path, text, kind)),
        "Excel argument": outcome(lambda: excel_argument(text, kind)),
        "Excel table range": outcome(lambda: excel_range(text, kind)),
    }
    option = outcome(lambda: cli_option(text, kind, capsys))
    if option != ("ok", None):
        roads["command-line option"] = option
    for road, (verdict, got) in roads.items():
        if isinstance(expected, str):
            assert verdict == "error", f"{road}: accepted {text!r} as {got!r}"
            assert expected in got, f"{road}: {got}"
        else:
            assert verdict == "ok", f"{road}: refused {text!r}: {got}"
            assert got == pytest.approx(expected, rel=1e-15), road
            assert float(got) == float(expected) or abs(got - expected) <= 1e-12 * abs(expected), road


@pytest.mark.parametrize("argv, words", [
    pytest.param(["contingency", "--pot", "5%"], "a percentage is not an amount", id="pot-percent-is-an-error"),
    pytest.param(["contingency", "--pot", "1,0"], "groups of three", id="pot-bad-commas"),
    pytest.param(["contingency", "--notional-share", "90"], "did you mean 90% (0.9)?", id="share-ninety-hints"),
    pytest.param(["transfer", "--schools-block", "GBP 368,200,000", "--rate", "\u00a35"], "\u00a3 and GBP",
                 id="pound-sign-in-rate"),
])
def test_command_line_refuses_with_exit_code_2_and_one_line(capsys, argv, words):
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [
    pytest.param(["contingency", "--pot", "GBP 450,000", "--format", "json"], id="gbp-pot"),
    pytest.param(["contingency", "--pot", "450k", "--format", "json"], id="k-pot"),
])
def test_command_line_accepts_the_money_words(capsys, argv):
    assert cli.main(argv) == 0
