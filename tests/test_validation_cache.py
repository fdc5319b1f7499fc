"""The validator runs once per distinct table value, not once per Excel call (issue 11 regression:
every HNB_ call re-validated its tables, the bundled ones included, and rebuilt the parameters'
ranges: HNB_CONTINGENCY's cold overhead went from 0.40 to 3.4 ms). Counted, not timed.
"""

from __future__ import annotations

import copy
import csv
from importlib import resources

import pytest

from hnb_xl import api, bundled, udfs
from hnb_xl.tables import validate


def _cells(name: str) -> list[list]:
    """A bundled CSV as xlwings sends a range: floats, None for blanks, header row first."""
    with (resources.files("hnb_xl") / "data" / name).open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    out = [rows[0]]
    for r in rows[1:]:
        row = []
        for v in r:
            try:
                row.append(float(v) if v != "" else None)
            except ValueError:
                row.append(v)
        out.append(row)
    return out


HISTORY = _cells("history.csv")
ASSUMPTIONS = _cells("assumptions_published_forecast_july_2022.csv")


@pytest.fixture()
def counted(monkeypatch):
    """{rule: calls} for the per-table validator and the history/assumptions pair rule."""
    calls = {"table": [], "pair": 0}
    table_problems, pair = validate.table_problems, validate.PAIR_RULES[("history", "assumptions")]

    def counting_table(name, frame):
        calls["table"].append(name)
        return table_problems(name, frame)

    def counting_pair(h, a):
        calls["pair"] += 1
        return pair(h, a)
    monkeypatch.setattr(validate, "table_problems", counting_table)
    monkeypatch.setitem(validate.PAIR_RULES, ("history", "assumptions"), counting_pair)
    udfs.cache_clear()
    yield calls
    udfs.cache_clear()


def test_a_second_cold_call_with_an_equal_new_table_does_not_validate_again(counted):
    first = udfs.HNB_DEFICIT("2025-26", copy.deepcopy(HISTORY), copy.deepcopy(ASSUMPTIONS))
    assert sorted(counted["table"]) == ["assumptions", "history"] and counted["pair"] == 1
    # another year over equal ranges (new list objects, as Excel sends them): not in the results cache
    second = udfs.HNB_DEFICIT("2024-25", copy.deepcopy(HISTORY), copy.deepcopy(ASSUMPTIONS))
    udfs._cache.clear()                         # and the very call again, its result forgotten
    third = udfs.HNB_DEFICIT("2025-26", copy.deepcopy(HISTORY), copy.deepcopy(ASSUMPTIONS))
    assert sorted(counted["table"]) == ["assumptions", "history"] and counted["pair"] == 1
    assert isinstance(first, float) and isinstance(second, float) and third == first


def test_a_changed_table_is_validated(counted):
    udfs.HNB_DEFICIT("2025-26", copy.deepcopy(HISTORY), copy.deepcopy(ASSUMPTIONS))
    changed = copy.deepcopy(ASSUMPTIONS)
    changed[1][1] = 0.2                          # the first year's EHCP growth
    udfs.HNB_DEFICIT("2025-26", copy.deepcopy(HISTORY), changed)
    assert sorted(counted["table"]) == ["assumptions", "assumptions", "history"]
    assert counted["pair"] == 2                  # a new pair: the start-year rule runs again


def test_a_remembered_problem_is_still_reported(counted):
    late = copy.deepcopy(ASSUMPTIONS)
    for row in late[1:]:                         # every year one later: 2023-24 after history's 2021-22
        start = int(str(row[0])[:4]) + 1
        row[0] = f"{start}-{(start + 1) % 100:02d}"
    got = [udfs.HNB_DEFICIT(year, copy.deepcopy(HISTORY), copy.deepcopy(late)) for year in ("2025-26", "2026-27")]
    assert got[0] == got[1]
    assert "assumptions start in 2023-24 but history ends in 2021-22" in got[0]
    assert counted["pair"] == 1


def test_bundled_tables_are_validated_once_per_process(counted):
    api.projection()                             # (may be the first time in this process)
    counted["table"].clear()
    counted["pair"] = 0
    api.projection()
    udfs.cache_clear()                           # what a cold Excel call clears: bundled verdicts stay
    udfs.HNB_DEFICIT()
    udfs.HNB_DEFICIT(None, copy.deepcopy(HISTORY))     # a given history with the bundled assumptions
    assert counted["table"] == ["history"] and counted["pair"] == 1


def test_parameter_ranges_are_read_once(monkeypatch):
    validate.parameter_columns()
    calls = []
    real = bundled.parameter_table
    monkeypatch.setattr(bundled, "parameter_table", lambda: calls.append(1) or real())
    udfs.cache_clear()
    for pot in (400_000, 450_000, 500_000):
        assert udfs.HNB_CONTINGENCY(copy.deepcopy(_cells("demo_schools.csv")), pot)[0] == ["Allocation"]
    assert calls == []
