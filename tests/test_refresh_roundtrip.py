"""Round trip against the real `hnb-xl build` workbook: bundled data as source files -> same input
cells, the Cover's button kept, and (LibreOffice, on copies, private profile) the same outputs; a
refresh with changed numbers moves the recalculated outputs exactly as the engine says.

Expected outputs come from the engine (hnb_xl.engine) run on the same source data, never from the
workbook; that the built workbook equals the engine on the bundled data is also checked against
the seed in tests/test_workbook_libreoffice.py.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest

from hnb_xl import bundled
from hnb_xl.engine.contingency import allocate
from hnb_xl.engine.projection import project
from hnb_xl.sources import templates
from hnb_xl.workbook import build
from hnb_xl.workbook import layout as L
from hnb_xl.workbook import refresh as R
from hnb_xl.workbook.check import check
from hnb_xl.workbook.recalc import recalculate

from .test_refresh import bundled_frames, table_cells

POT, COST, SHARE = 450_000, 6_000, 1.0     # parameters.csv (bundled)
NEW_POT = 500_000
GROWTH_YEAR, NEW_GROWTH = "2023-24", 0.12  # bundled EHCP growth that year: 0.10
EXTRA_EHCPS = 3


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build.build(tmp_path_factory.mktemp("built") / "HNB_Model.xlsm", build_time="2026-01-01 00:00 UTC")


def _sources(folder: Path) -> Path:
    templates.write_templates(folder, bundled_frames())
    (folder / "hnb_sources.xlsx").unlink()
    return folder


def test_build_then_refresh_with_bundled_sources_is_identical(built, tmp_path):
    src = _sources(tmp_path / "src")
    before = table_cells(built)
    res = R.refresh(built, [src], output=tmp_path / "out.xlsm", progress=False)
    assert all(c.cells == 0 for c in res.changes)
    assert table_cells(tmp_path / "out.xlsm") == before
    assert R.inventory(tmp_path / "out.xlsm") == R.inventory(built)
    assert check(tmp_path / "out.xlsm") == []   # the static formula checks still pass


def test_refresh_keeps_the_covers_button_byte_for_byte(built, tmp_path):
    """The VML part, the Cover's link to it and its content type survive an openpyxl refresh."""
    out = tmp_path / "out.xlsm"
    R.refresh(built, [_sources(tmp_path / "src")], output=out, progress=False)
    with zipfile.ZipFile(built) as a, zipfile.ZipFile(out) as b:
        assert b.read(L.REFRESH_BUTTON_VML) == a.read(L.REFRESH_BUTTON_VML)
        assert b"vmlDrawing" in b.read("xl/worksheets/_rels/sheet1.xml.rels")
        assert b'Extension="vml"' in b.read("[Content_Types].xml")
    inv = R.inventory(out)
    assert inv["form buttons (VML, with their macros)"] == [
        f"<x:FmlaMacro>[0]!{L.REFRESH_BUTTON_MACRO}</x:FmlaMacro>".encode()]
    assert inv["sheet links to VML drawings (legacyDrawing)"] == 1


# ------------------------------------------------------------------------- LibreOffice recalculation

def _edit_csv(path: Path, match, edit) -> None:
    """Change the data rows for which ``match(row)`` holds (header and units rows kept)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    hits = 0
    for row in rows[2:]:
        if match(row):
            edit(row)
            hits += 1
    assert hits == 1, f"{path.name}: {hits} rows matched"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _outputs(r) -> dict:
    acc = r.names[L.NAMES["projection_accumulated"]]
    years = r.names[L.NAMES["projection_years"]]
    alloc = r.names[L.NAMES["contingency_allocations"]]
    flat = lambda a: [v for row in a for v in row] if isinstance(a, list) else [a]  # noqa: E731
    C = L.CONT
    urns = [r[(L.CALC_CONTINGENCY, f"{L.col(C['cols']['urn'])}{row}")] for row in range(C["first"], C["last"] + 1)]
    return {"accumulated": {y: v for y, v in zip(flat(years), flat(acc)) if y not in (None, "")},
            "allocations": {int(u): v for u, v in zip(urns, flat(alloc)) if u not in (None, "")},
            "master": r.names[L.NAMES["master_check"]]}


def _assert_to_the_pound(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    bad = {k: (got[k], expected[k]) for k in expected if not abs(float(got[k]) - float(expected[k])) < 1}
    assert not bad, f"{len(bad)} differ by £1 or more, e.g. {list(bad.items())[:3]}"


@pytest.mark.libreoffice
@pytest.mark.slow
def test_recalculated_outputs_after_refreshes_follow_the_engine(built, tmp_path, libreoffice):
    """Two LibreOffice runs: (1) refreshed with the bundled data: outputs as the engine gives for the
    bundled data (the outputs before the refresh); (2) refreshed with the pot, one school's EHCPs
    and one year's EHCP growth changed: outputs move exactly as the engine says."""
    schools, assumptions = bundled.demo_schools(), bundled.assumptions()
    engine_acc = dict(zip(*project(bundled.history(), assumptions)[["financial_year", "accumulated_deficit"]]
                          .to_numpy().T))
    engine_alloc = allocate(schools, POT, COST, SHARE).set_index("urn")["allocation"]

    same = tmp_path / "same.xlsm"
    R.refresh(built, [_sources(tmp_path / "src_same")], output=same, progress=False)
    run1 = _outputs(recalculate(same, udfs=False, office=libreoffice))
    assert run1["master"] == 1
    _assert_to_the_pound(run1["accumulated"], engine_acc)
    _assert_to_the_pound(run1["allocations"], {int(u): a for u, a in engine_alloc.items()})
    assert sum(run1["allocations"].values()) == POT

    # one school that receives money gets more EHCPs; the pot and one growth rate change
    urn = int(engine_alloc[engine_alloc > 0].index[0])
    src = _sources(tmp_path / "src_changed")
    ehcp_col = 4  # URN, School name, Phase, Pupils on roll, EHCPs, Notional SEN budget
    _edit_csv(src / "schools.csv", lambda row: row[0] == str(urn),
              lambda row: row.__setitem__(ehcp_col, str(int(row[ehcp_col]) + EXTRA_EHCPS)))
    _edit_csv(src / "parameters.csv", lambda row: row[0] == "send_contingency_pot",
              lambda row: row.__setitem__(1, str(NEW_POT)))
    _edit_csv(src / "assumptions.csv", lambda row: row[0] == GROWTH_YEAR, lambda row: row.__setitem__(1, str(NEW_GROWTH)))
    changed = tmp_path / "changed.xlsm"
    res = R.refresh(built, [src], output=changed, progress=False)
    assert {c.name: (len(c.changed), c.cells) for c in res.changes if c.cells} == \
        {"schools": (1, 1), "parameters": (1, 1), "assumptions": (1, 1)}
    run2 = _outputs(recalculate(changed, udfs=False, office=libreoffice))

    schools2 = schools.copy()
    schools2.loc[schools2["urn"] == urn, "ehcp_count"] += EXTRA_EHCPS
    assumptions2 = assumptions.copy()
    assumptions2.loc[assumptions2["financial_year"] == GROWTH_YEAR, "ehcp_growth"] = NEW_GROWTH
    engine_acc2 = dict(zip(*project(bundled.history(), assumptions2)[["financial_year", "accumulated_deficit"]]
                           .to_numpy().T))
    engine_alloc2 = allocate(schools2, NEW_POT, COST, SHARE).set_index("urn")["allocation"]
    assert run2["master"] == 1
    _assert_to_the_pound(run2["accumulated"], engine_acc2)
    _assert_to_the_pound(run2["allocations"], {int(u): a for u, a in engine_alloc2.items()})
    assert sum(run2["allocations"].values()) == NEW_POT
    # and they really moved: the year before the changed growth did not, every later year did
    years = sorted(run1["accumulated"])
    k = years.index(GROWTH_YEAR)
    assert all(run2["accumulated"][y] == run1["accumulated"][y] for y in years[:k])
    assert all(run2["accumulated"][y] > run1["accumulated"][y] + 1 for y in years[k:])
    assert run2["allocations"][urn] > run1["allocations"][urn]
