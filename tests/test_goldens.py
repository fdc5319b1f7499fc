"""Expect/actual files for the full default projection and the full default safety valve plan.

The pattern is Tax-Calculator's ``tests/test_cpscsv.py``: the expected figures are a committed CSV
(``tests/data/*_expect.csv``, every column, rounded to pennies), so a change in any figure shows as a
line in review. On a mismatch the test writes ``*_actual.csv`` beside it and says how to accept it.

The expect files are regression goldens. Each test ALSO checks the figures in them that the seed
published (Cambridgeshire County Council, *High Needs Block and Safety Valve Update*, Schools Forum,
15 July 2022, typed into ``tests/seed.py``) or that follow from a published figure by plain
arithmetic, so a golden cannot drift from its source.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest

from hnb_xl.cli import main

from tests.seed import DEFICIT_GROWTH_PROJECTED

DATA = Path(__file__).resolve().parent / "data"
TOLERANCE = 0.011          # pounds: the files hold pennies


def _cli_csv(argv, capsys) -> pd.DataFrame:
    assert main(argv) in (0, None)
    return pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"financial_year": str})


def _pennies(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format="%.2f", lineterminator="\n")


def _differences(expect: pd.DataFrame, actual: pd.DataFrame) -> list[str]:
    if list(expect.columns) != list(actual.columns):
        return [f"columns: expected {list(expect.columns)}, got {list(actual.columns)}"]
    if list(expect["financial_year"]) != list(actual["financial_year"]):
        return [f"years: expected {list(expect['financial_year'])}, got {list(actual['financial_year'])}"]
    out = []
    for column in expect.columns[1:]:
        if not pd.api.types.is_numeric_dtype(expect[column]):    # a text column (the projection's status): exactly
            out += [f"{year} {column}: expected {e}, got {a}"
                    for year, e, a in zip(expect["financial_year"], expect[column], actual[column]) if e != a]
            continue
        for year, e, a in zip(expect["financial_year"], expect[column], actual[column]):
            both_blank = (isinstance(e, float) and math.isnan(e)) and (isinstance(a, float) and math.isnan(a))
            if not both_blank and not abs(float(e) - float(a)) <= TOLERANCE:
                out.append(f"{year} {column}: expected {e}, got {a}")
    return out


def compare_with_expect(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Compare ``frame`` (rounded to pennies) with ``tests/data/<name>_expect.csv``; on a mismatch
    write ``<name>_actual.csv`` and fail with the differences. Returns the expect file's frame."""
    expect_path, actual_path = DATA / f"{name}_expect.csv", DATA / f"{name}_actual.csv"
    text = _pennies(frame)
    actual = pd.read_csv(io.StringIO(text), dtype={"financial_year": str})
    expect = pd.read_csv(expect_path, dtype={"financial_year": str})
    diff = _differences(expect, actual)
    if diff:
        actual_path.write_text(text, encoding="utf-8", newline="\n")
        pytest.fail(f"{len(diff)} figures differ from {expect_path.name} (new figures written to "
                    f"tests/data/{actual_path.name}); if the new figures are right, copy {actual_path.name} "
                    f"over {expect_path.name}. First differences:\n" + "\n".join(diff[:20]))
    if actual_path.exists():
        actual_path.unlink()          # a stale actual file from an earlier failure
    return expect


def _m(pounds: float) -> float:
    """£m to one decimal, as the seed prints."""
    return round(pounds / 1e6, 1)


SEED_FORECAST_YEARS = ("2022-23", "2023-24", "2024-25", "2025-26")


def _seed_checks(frame, accumulated: str, growth: str | None, label: str):
    by_year = frame.set_index("financial_year")
    for year in SEED_FORECAST_YEARS:
        acc, grown = DEFICIT_GROWTH_PROJECTED[year]
        assert _m(by_year.loc[year, accumulated]) == acc, f"{label} {year}: seed accumulated deficit £{acc}m"
        if growth:
            assert _m(by_year.loc[year, growth]) == grown, f"{label} {year}: seed deficit growth £{grown}m"


def test_default_projection_to_2030_31(capsys):
    """Every column of `hnb-xl project --to 2030-31`; the seed's "Deficit growth projected" table
    (accumulated £49.1m, £62.3m, £77.1m, £93.2m; growth £9.9m, £13.1m, £14.9m, £16.0m) in both the
    expect file and the new figures."""
    frame = _cli_csv(["project", "--to", "2030-31", "--format", "csv"], capsys)
    assert list(frame["financial_year"]) == [f"{y}-{(y + 1) % 100:02d}" for y in range(2022, 2031)]
    expect = compare_with_expect("projection_default", frame)
    for label, f in (("expect file", expect), ("new figures", frame)):
        _seed_checks(f, "accumulated_deficit", "deficit_growth", label)
        by_year = f.set_index("financial_year")
        # the seed's 2022-23 block transfer (Invest to Transform funding), £2,102,000, and none after
        assert by_year.loc["2022-23", "block_transfer"] == 2_102_000
        assert (by_year.loc["2023-24":, "block_transfer"] == 0).all()
        # c/f = b/f + in-year deficit + other DSG movements, row by row (independent arithmetic)
        previous = by_year["accumulated_deficit"].shift(1).iloc[1:]
        again = previous + by_year["in_year_deficit"].iloc[1:] + by_year["other_dsg_movements"].iloc[1:]
        assert (again - by_year["accumulated_deficit"].iloc[1:]).abs().max() <= 3 * TOLERANCE


DFE_TOTAL = 49_000_000            # Cambridgeshire's published DfE revenue contribution
FIRST = 0.4 * DFE_TOTAL           # the assumed profile: 40% first (as Kent and Slough), then 4 equal
LATER = (DFE_TOTAL - FIRST) / 4


def test_default_plan(capsys):
    """Every column of `hnb-xl plan` (the illustrative workstreams, Cambridgeshire's agreement):
    the unmitigated deficit is the seed's forecast; the DfE instalments are £19.6m then four of
    £7.35m (40% of £49m, then the rest in four), adding to the published £49m."""
    frame = _cli_csv(["plan", "--format", "csv"], capsys)
    expect = compare_with_expect("plan_default", frame)
    for label, f in (("expect file", expect), ("new figures", frame)):
        _seed_checks(f, "unmitigated_accumulated_deficit", None, label)
        by_year = f.set_index("financial_year")
        dfe = by_year["dfe_contribution"]
        assert list(dfe.loc["2022-23":"2026-27"]) == [FIRST, LATER, LATER, LATER, LATER], label
        assert dfe.sum() == DFE_TOTAL and (dfe.loc["2027-28":] == 0).all(), label
        # the mitigated expenditure is the unmitigated less the savings
        saved = by_year["unmitigated_hnb_expenditure"] - by_year["total_saving"] - by_year["hnb_expenditure"]
        assert saved.abs().max() <= 2 * TOLERANCE, label
