"""Issue 16 part 1: a plan frozen as agreed (`hnb-xl plan --freeze NAME --vintages DIR`), re-run from
its stored inputs, and a later forecast's variance against it. Expected: the seed's published
deficits (tests/seed.py) and the difference of the two plans' own JSON figures, year by year."""

from __future__ import annotations

import json

import pytest

from hnb_xl.cli import main
from hnb_xl.reports import vintage
from tests.seed import DEFICIT_GROWTH_PROJECTED


def _json(argv, capsys):
    assert main(argv) in (0, None)
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def frozen(tmp_path, capsys):
    out = _json(["plan", "--format", "json", "--freeze", "agreed-2022", "--vintages", str(tmp_path),
                 "--as-at", "2022-07-15"], capsys)
    return tmp_path / "agreed-2022.json", out


def test_a_vintage_stores_its_date_inputs_hash_and_figures(frozen):
    path, out = frozen
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["as_at"] == "2022-07-15" and len(doc["inputs_sha256"]) == 64
    assert doc["inputs_sha256"] == vintage.sha256(doc["inputs"])
    for r in out["plan"]:
        f = doc["figures"][r["financial_year"]]
        assert f["accumulated_deficit_after_contributions"] == r["accumulated_deficit_after_contributions"]
        assert f["dsg_in_year_deficit"] == r["dsg_in_year_deficit"] and f["requests"] is None   # not modelled


def test_a_rerun_vintage_gives_its_stored_figures_to_the_pound(frozen, capsys):
    path, _ = frozen
    doc = vintage.load(path)
    again = vintage.rerun(doc)
    assert vintage.reproduces(again.frame, doc)
    by = dict(zip(again.frame["financial_year"], again.frame["unmitigated_accumulated_deficit"]))
    for y in ["2022-23", "2023-24", "2024-25", "2025-26"]:            # the July 2022 replica: 49.1/62.3/77.1/93.2
        assert round(by[y] / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[y][0]
    out = _json(["plan", "--format", "json", "--rerun-vintage", str(path)], capsys)
    assert "gives its stored figures" in out["notes"][0]


def test_a_later_forecasts_variance_is_the_difference_year_by_year(frozen, capsys):
    path, agreed = frozen
    later = _json(["plan", "--format", "json", "--no-mitigations", "--against", str(path)], capsys)
    was = {r["financial_year"]: r for r in agreed["plan"]}
    now = {r["financial_year"]: r for r in later["plan"]}
    for v in later["variance"]:
        y = v["financial_year"]
        assert v["in_year_variance"] == pytest.approx(now[y]["dsg_in_year_deficit"] - was[y]["dsg_in_year_deficit"],
                                                      abs=0.005)
        assert v["cumulative_variance"] == pytest.approx(
            now[y]["accumulated_deficit_after_contributions"] - was[y]["accumulated_deficit_after_contributions"],
            abs=0.005)
    assert later["variance"][-1]["cumulative_variance"] > 0        # no mitigations: worse than agreed


@pytest.mark.parametrize("argv, where", [
    pytest.param(["--freeze", "agreed-2022"], "exists", id="a-vintage-is-never-overwritten"),
    pytest.param(["--freeze", "../escape"], "vintage name", id="a-name-is-not-a-path"),
])
def test_freeze_refusals_are_one_line(frozen, argv, where, capsys):
    path, _ = frozen
    assert main(["plan", *argv, "--vintages", str(path.parent)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and where in err[0] and "--freeze" in err[0]


def test_a_changed_vintage_is_refused(frozen, capsys):
    path, _ = frozen
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["inputs"]["history"][-1]["hnb_expenditure"] += 1
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["plan", "--rerun-vintage", str(path)]) == 2
    assert "changed since it was frozen" in capsys.readouterr().err
