"""The assurance record (issue 16 part 4): the assumptions log walked row by row, the sensitivities
and validation figures against independent arithmetic and the model review's figures, the record
on the Logs sheet and the roles on the Cover.

Expected numbers: the seed's history (tests/seed.py, hnb_xl/data/history.csv), the model review's
£110.4m extrapolation to 2026-27 and £9.6m gap against the council's £120m, docs/sen2.md's
6,710 projected against 6,972 actual EHCPs for 2022-23.
"""

from __future__ import annotations

import pandas as pd
import pytest

from hnb_xl import assurance, bundled
from hnb_xl.engine.assurance import RATINGS, aggregate_tornado, log_problems, trend_assumptions
from hnb_xl.engine.history import history_table
from hnb_xl.tables import files
from hnb_xl.tables.schema import SCHEMAS
from hnb_xl.workbook import layout as L
from tests.seed import HISTORY_TABLE
from tests.support import read_book


def _log(part: str) -> pd.DataFrame:
    return files.load(SCHEMAS[f"assurance_{part}"], bundled.data_path(f"assurance_{part}.csv"))


# ------------------------------------------------------------------------------ the log itself

def test_every_assumption_has_an_owner_a_date_a_rating_and_a_source():
    log = _log("assumptions")
    assert len(log) >= 15
    for rec in log.to_dict("records"):
        for column in ("owner", "date", "source"):
            assert isinstance(rec[column], str) and rec[column].strip(), (rec["id"], column)
        assert rec["rating"] in RATINGS, rec["id"]
    assert list(log["id"]) == [f"A{i}" for i in range(1, len(log) + 1)]


def test_the_model_reviews_red_assumptions_are_rated_red():
    """The model review: the -£2.4m other DSG movements and the 10% EHCP growth should be red; so
    is the calibrated cost per EHCP path."""
    rating = {r.assumption: r.rating for r in _log("assumptions").itertuples()}
    assert rating["EHCP growth each projection year"] == "red"
    assert rating["Other DSG movements (reconciling line)"] == "red"
    assert rating["Cost per EHCP growth (calibration plug)"] == "red"


@pytest.mark.parametrize("change,column", [
    pytest.param({"owner": ""}, "owner", id="no-owner"),
    pytest.param({"source": None}, "source", id="no-source"),
    pytest.param({"rating": "purple"}, "rating", id="rating-not-red-amber-green"),
    pytest.param({"rating": ""}, "rating", id="no-rating"),
    pytest.param({"date": "  "}, "date", id="no-date"),
])
def test_a_gap_in_the_log_is_found_naming_the_assumption_and_column(change, column):
    log = _log("assumptions")
    for k, v in change.items():
        log.loc[2, k] = v
    problems = log_problems(log)
    assert [(i, c) for i, c, _m in problems] == [(2, column)]
    assert "A3" in problems[0][2]


def test_the_bundled_log_has_no_gap():
    assert log_problems(_log("assumptions")) == []


def test_decisions_roles_and_statement_are_complete():
    d = _log("decisions")
    assert {"D1", "D2", "D3", "D4"} <= set(d["id"]) and d["owner"].str.strip().all() and d["reason"].str.strip().all()
    assert list(_log("roles")["role"]) == ["Commissioner", "Analyst", "Assurer", "Approver"]
    kinds = _log("statement")["kind"]
    assert "statement" in set(kinds) and (kinds == "limitation").sum() >= 4


# ---------------------------------------------------------------------- the computed effects

def test_aggregate_tornado_ehcp_growth_by_hand():
    """+1pp EHCP growth in 2022-23: spend rises by 1% of the base spend x (1 + cost growth), the
    deficit by the same (funding and other movements unchanged)."""
    a = bundled.assumptions()
    t = aggregate_tornado(bundled.history(), a, "2022-23").set_index("driver")
    by_hand = 100_178_000 * 0.01 * (1 + a["cost_per_ehcp_growth"].iloc[0])
    assert t.loc["ehcp_growth", "high_change"] == pytest.approx(by_hand, abs=1)
    assert t.loc["ehcp_growth", "low_change"] == pytest.approx(-by_hand, abs=1)
    # other DSG movements set to 0 instead of -£2.4m: +£2.4m on the first year's deficit
    assert t.loc["other_dsg_movements", "high_change"] == pytest.approx(2_400_000, abs=1e-6)
    assert t.loc["other_dsg_movements", "low_change"] == 0


def test_each_assumption_with_a_sensitivity_has_its_effect():
    log = assurance.record()["assumptions"].set_index("id")
    for i, rec in log.iterrows():
        if isinstance(rec["sensitivity"], str) and rec["sensitivity"]:
            assert rec["effect"] != "no sensitivity run" and rec["swing"] == rec["swing"], i
    # other DSG movements as given / 0: four years of £2.4m by 31 March 2026
    assert log.loc["A4", "swing"] == pytest.approx(4 * 2_400_000, abs=1)


def test_trend_assumptions_are_the_mean_growth_of_the_history_by_hand():
    h = history_table(bundled.history(), float(bundled.parameters()["opening_accumulated_deficit"]))
    got = trend_assumptions(h, "2020-21").iloc[0]
    years = ["2015-16", "2016-17", "2017-18", "2018-19", "2019-20", "2020-21"]
    ehcp = [3205] + [HISTORY_TABLE[y][0] for y in years[1:]]
    by_hand = sum(ehcp[k] / ehcp[k - 1] - 1 for k in range(1, len(ehcp))) / (len(ehcp) - 1)
    assert got["financial_year"] == "2021-22"
    assert got["ehcp_growth"] == pytest.approx(by_hand, rel=1e-12)
    assert got["block_transfer"] == 0


# ------------------------------------------------------------------------- the validation log

def test_validation_log_against_published_figures():
    v = assurance.record()["validation"].set_index("id")
    assert v.loc["V1", "model"] < 50_000                     # the replica, to the published rounding (£0.1m)
    assert round(v.loc["V2", "model"] / 1e6, 1) == 110.4     # the model review's extrapolation
    assert round(v.loc["V2", "difference"] / 1e6, 1) == -9.6
    assert v.loc["V3", "model"] == pytest.approx(6_710) and v.loc["V3", "difference"] == pytest.approx(-262)
    assert v.loc["V4", "published"] == HISTORY_TABLE["2021-22"][7] * 1000
    assert v.loc["V4", "difference"] == pytest.approx(v.loc["V4", "model"] - 39_264_000)


@pytest.mark.parametrize("name", [pytest.param("nonsense", id="unknown-kind"),
                                  pytest.param("projected:ehcp_count", id="projected-without-year")])
def test_an_unknown_measure_is_one_located_error(name):
    from hnb_xl.errors import HnbInputError
    with pytest.raises(HnbInputError, match="unknown measure") as exc:
        assurance.measure(name)
    assert exc.value.source == "assurance_validation.csv" and exc.value.column == "measure"


def test_rows_have_no_nan():
    for part, rows in assurance.rows().items():
        for r in rows:
            assert all(v == v for v in r.values() if isinstance(v, float)), part


# --------------------------------------------------------------------------- in the workbook

@pytest.fixture(scope="module")
def built(bundled_build):
    """The bundled workbook as built (conftest: once a session, read-only; the refresh writes elsewhere)."""
    return bundled_build


def _texts(ws) -> str:
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_logs_sheet_holds_the_assurance_record_in_print(built):
    wb = read_book(built)
    ws = wb[L.LOGS]
    c0 = L.LOGS_ASSURANCE["first_col"]
    column = [ws.cell(r, c0).value for r in range(1, ws.max_row + 1)]
    for part in ("Roles", "Decisions log", "Assurance statement and limitations"):
        assert part in column
    log = _log("assumptions")
    for rec in log.to_dict("records"):
        r = column.index(rec["id"]) + 1
        row = [ws.cell(r, c0 + j).value for j in range(8)]
        assert row[3] == rec["owner"] and row[5] == rec["rating"] and row[6] == rec["source"]
    last_col = L.col(c0 + 7)
    assert ws.print_area.endswith(f"${last_col}${ws.max_row}") or last_col in ws.print_area


def test_cover_names_the_four_roles(built):
    text = _texts(read_book(built)[L.COVER])
    for role in _log("roles").itertuples():
        assert role.role in text and role.holder in text


def test_report_json_carries_the_assurance_record(capsys):
    import json
    from hnb_xl.cli import main
    assert main(["report", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    record = doc["assurance"]
    assert [r["id"] for r in record["assumptions"]] == list(_log("assumptions")["id"])
    assert all(r["owner"] and r["rating"] in RATINGS and r["source"] for r in record["assumptions"])
    assert [r["role"] for r in record["roles"]] == ["Commissioner", "Analyst", "Assurer", "Approver"]
    assert round(next(r for r in record["validation"] if r["id"] == "V2")["model"] / 1e6, 1) == 110.4


def test_a_refresh_keeps_the_assurance_record(built, sources, tmp_path):
    """The refresh rewrites the audit trail (columns A to H of Logs); the record beside it stays."""
    from hnb_xl.workbook import refresh as R

    def panel(path):
        ws = read_book(path)[L.LOGS]
        c0 = L.LOGS_ASSURANCE["first_col"]
        return [[ws.cell(r, c).value for c in range(c0, c0 + 8)] for r in range(1, ws.max_row + 1)]
    for f in sources.iterdir():                      # a routine refresh of two tables
        if f.name not in ("history.csv", "assumptions.csv"):
            f.unlink()
    out = tmp_path / "refreshed.xlsm"
    R.refresh(built, [sources], output=out, progress=False)
    before, after = panel(built), panel(out)
    assert after[:len(before)] == before and any(row[0] == "A1" for row in after)


@pytest.mark.parametrize("name, code, mine", [
    pytest.param("Cambridgeshire", 873, True, id="bundled-authority-gets-its-record"),
    pytest.param(" cambridgeshire ", "873.0", True, id="case-spaces-and-a-float-code-alike"),
    pytest.param("Northshire", 899, False, id="another-authority-gets-no-record"),
    pytest.param("Cambridgeshire", 899, False, id="same-name-other-code-is-another-authority"),
])
def test_the_record_is_shown_only_for_the_authority_it_describes(name, code, mine):
    """The record is written for the bundled inputs (hnb_xl/data/parameters.csv: Cambridgeshire,
    873); for another authority the Logs show the not-written block (named, with the files)."""
    from hnb_xl.workbook.sheets.logs import assurance_write
    assert assurance.describes(name, code) is mine
    w = assurance_write({"authority_name": name, "authority_code": code})
    if mine:
        assert w is None
    else:
        text = " ".join(str(v) for row in w.rows for v in row if v)
        assert f"has not been written for {name.strip()} (DfE LA {code})" in text
        assert all(f in text for f in assurance.FILES)
        assert "Cambridgeshire" not in text.replace(name, "")
