"""A council's workbook built from its own templates never gains the bundled authority's rows
(issue 13: "no authority is hard-coded"; issue 16: an empty Agreement table is "No safety valve
agreement").

Northshire (tests/northshire.py, LA 899) is built with every plan table that may be empty left
empty (no agreement, no payments, no workstreams, no settlement terms, no placement inputs, no
assurance record of its own) and its own Monte Carlo settings; then ``template --from`` that
workbook, ``build --sources`` from the folder it wrote, and ``refresh`` the rebuilt workbook from
the same folder, as a council moving its model to a new release does. Before, ``template --from``
wrote no file for an empty table and ``build --sources`` refused a file with no rows, so the
rebuilt workbook took Cambridgeshire's agreement (hnb_xl/data/plan_agreement_cambridgeshire.csv)
and workstreams."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hnb_xl.cli import main
from hnb_xl.sources import templates
from hnb_xl.tables.schema import SCHEMAS
from hnb_xl.workbook import cells_dump
from hnb_xl.workbook.build import EMPTY_MEANS_NONE

from tests import northshire
from tests.support import load_book, read_book

# settings every workbook holds (the Monte Carlo's): Northshire's own rows, never empty
SETTINGS = ("montecarlo", "uncertainty")
EMPTY = tuple(t for t in EMPTY_MEANS_NONE if t not in SETTINGS)


def _own_settings() -> dict[str, pd.DataFrame]:
    """The bundled Monte Carlo settings with Northshire's own basis text (a council's own file)."""
    from hnb_xl import bundled
    out = {"montecarlo": bundled.plan_montecarlo_table().copy(), "uncertainty": bundled.plan_uncertainty().copy()}
    for frame in out.values():
        frame["basis"] = "Northshire settings (test data)"
    return out


def _sources(folder: Path) -> list[str]:
    return [f"{p.stem}={p}" for p in sorted(folder.glob("*.csv"))]


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("no_fallback")
    frames = {**northshire.frames(), **_own_settings(),
              **{k: pd.DataFrame(columns=[c.name for c in SCHEMAS[k].columns]) for k in EMPTY}}
    adopt = folder / "adopt"
    templates.write_templates(adopt, frames, tables=tuple(frames), formats=("csv",))
    first = folder / "Northshire_HNB.xlsm"
    assert main(["build", str(first), "--sources", *_sources(adopt)]) == 0
    again = folder / "templated"
    assert main(["template", "--from", str(first), str(again)]) == 0
    rebuilt = folder / "Northshire_rebuilt.xlsm"
    assert main(["build", str(rebuilt), "--sources", *_sources(again)]) == 0
    refreshed = folder / "Northshire_refreshed.xlsm"
    refreshed.write_bytes(rebuilt.read_bytes())
    assert main(["refresh", str(refreshed), str(again)]) == 0
    return {"templated": again, "built": first, "rebuilt": rebuilt, "refreshed": refreshed}


@pytest.fixture(scope="module")
def read(books) -> dict[str, dict[str, pd.DataFrame]]:
    return {k: templates.workbook_frames(books[k]) for k in ("built", "rebuilt", "refreshed")}


@pytest.mark.parametrize("table", [pytest.param(t, id=f"{t}-stays-empty") for t in EMPTY])
def test_an_empty_table_stays_empty_through_template_build_and_refresh(books, read, table):
    assert (books["templated"] / f"{table}.csv").is_file(), "template --from writes the empty table's headers"
    for stage in ("built", "rebuilt", "refreshed"):
        assert table in read[stage], stage
        assert len(read[stage][table]) == 0, f"{stage}: {table} gained {len(read[stage][table])} rows"


@pytest.mark.parametrize("table", [pytest.param(t, id=f"{t}-keeps-the-councils-rows") for t in SETTINGS])
def test_the_councils_settings_stay_its_own(read, table):
    own = _own_settings()[table]
    first = own.columns[0]                        # the setting or the driver
    for stage in ("built", "rebuilt", "refreshed"):
        frame = read[stage][table]
        assert list(frame[first]) == list(own[first]), stage
        assert set(frame["basis"]) == {"Northshire settings (test data)"}, stage


@pytest.mark.parametrize("stage", [pytest.param(s, id=f"{s}-has-no-bundled-authority-text")
                                   for s in ("built", "rebuilt", "refreshed")])
def test_no_bundled_authority_text_in_the_workbook(books, stage):
    text = cells_dump.text(read_book(books[stage]))
    found = [(w, ln[:120]) for ln in text.splitlines() for w in northshire.FORBIDDEN if w in ln]
    assert not found, found[:5]


def test_the_rebuilt_workbook_has_no_safety_valve_agreement(books):
    """The Safety_Valve sheet says so (issue 16), rather than showing a DfE total."""
    text = cells_dump.text(read_book(books["rebuilt"]))
    assert "No safety valve agreement" in text


# ------------------------------------------------------------- the pack's placement charts
# (issue 15 item 5): `pack WORKBOOK` draws them from the workbook's own placement tables (before:
# the bundled ones, whatever the workbook held), and only when they are filled for its base year


@pytest.fixture(scope="module")
def bundled_pack(bundled_build, tmp_path_factory) -> dict:
    """The frames the pack of the session's bundled build drew its placement charts from (the
    "before" of two tests below; read only)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return _pack_frames(monkeypatch, bundled_build, tmp_path_factory.mktemp("bundled_pack"))


def _pack_frames(monkeypatch, workbook: Path, out: Path) -> dict:
    """``hnb-xl pack WORKBOOK``, the frames its placement charts were drawn from captured."""
    from hnb_xl.reports import pack
    seen = {}
    real_spend, real_scenarios = pack.chart_spend_by_category, pack.chart_placement_scenarios
    monkeypatch.setattr(pack, "chart_spend_by_category",
                        lambda spend, *a, **k: seen.setdefault("spend", spend) is not None and real_spend(spend, *a, **k))
    monkeypatch.setattr(pack, "chart_placement_scenarios",
                        lambda d, *a, **k: seen.setdefault("deficits", d) is not None and real_scenarios(d, *a, **k))
    assert main(["pack", str(workbook), "--paths", "200", "-o", str(out)]) == 0
    return seen


def _special_unit_cost(path: Path, factor: float) -> float:
    """Multiply the special schools' unit cost on the Inputs' placement categories table; its old value."""
    from hnb_xl.workbook import layout as L
    wb = load_book(path, keep_vba=True)
    ws, t = wb[L.INPUTS], L.INPUT_TABLES["placement_categories"]
    row = next(r for r in range(t.first_row, t.last_row + 1) if ws.cell(r, t.first_col).value == "special")
    cell = ws.cell(row, t.col_of("Unit cost"))
    old = float(cell.value)
    cell.value = old * factor
    wb.save(path)
    return old


def test_the_pack_draws_the_workbooks_own_placement_tables(bundled_build, bundled_pack, tmp_path, monkeypatch):
    """Special schools' unit cost doubled on the workbook's Inputs: the pack's spend on special
    schools doubles in every year (spend = caseload x unit cost; the caseload does not depend on
    the cost), the other categories' spend stays."""
    from hnb_xl.sources.sen2.categories import PLACEMENT_CATEGORIES
    before = bundled_pack
    edited = tmp_path / "edited.xlsm"
    edited.write_bytes(bundled_build.read_bytes())
    _special_unit_cost(edited, 2.0)
    after = _pack_frames(monkeypatch, edited, tmp_path / "after")
    special = PLACEMENT_CATEGORIES["special"]
    assert list(after["spend"][special]) == pytest.approx([2 * v for v in before["spend"][special]], rel=1e-12)
    others = [c for c in PLACEMENT_CATEGORIES.values() if c != special and c in before["spend"]]
    assert others and after["spend"][others].equals(before["spend"][others])


def test_the_pack_has_no_placement_charts_without_the_workbooks_placement_tables(books, tmp_path, monkeypatch):
    """Northshire's placement tables are empty: its pack draws four charts, none from the bundled
    authority's placement tables."""
    seen = _pack_frames(monkeypatch, books["rebuilt"], tmp_path / "pack")
    assert seen == {}
    assert sorted(p.name for p in (tmp_path / "pack").glob("*.png")) == [
        "1_budget_spend_ehcps.png", "2_deficit_growth_projected.png", "3_mitigation_waterfall.png",
        "4_uncertainty_fan.png"]


# ------------------------------------------------------------- the Cover's roles after a refresh
# a refresh given assurance_roles.csv rewrites the Cover's roles lines (layout.COVER_ROLES) as it
# rewrites the Logs' record (before: only the build wrote them; the Cover kept the old roles)

_ROLES = [("Commissioner", "Northshire Director of Education (test data)", "Asks for the model"),
          ("Analyst", "Northshire finance analyst (test data)", "Runs the model"),
          ("Approver", "Northshire Section 151 officer (test data)", "Approves its use")]


def _roles_file(folder: Path, roles) -> Path:
    folder.mkdir(exist_ok=True)
    frame = pd.DataFrame([{"role": r, "holder": h, "responsibility": s} for r, h, s in roles])
    templates.write_csv(SCHEMAS["assurance_roles"], folder / "assurance_roles.csv", frame)
    return folder


def test_a_refresh_rewrites_the_covers_roles(bundled_build, tmp_path):
    from hnb_xl.workbook import layout as L
    book = tmp_path / "HNB_Model.xlsm"
    book.write_bytes(bundled_build.read_bytes())
    assert main(["refresh", str(book), str(_roles_file(tmp_path / "roles", _ROLES))]) == 0
    ws = read_book(book)[L.COVER]
    R = L.COVER_ROLES
    assert ws.cell(R["title_row"], R["role_col"]).value.startswith("Roles")
    shown = [(ws.cell(r, R["role_col"]).value, ws.cell(r, R["text_col"]).value)
             for r in range(R["first_row"], R["first_row"] + R["max_rows"])]
    assert shown == [(r, f"{h}: {s}") for r, h, s in _ROLES] + [(None, None)] * (R["max_rows"] - len(_ROLES))
    assert ws.cell(R["first_row"], R["role_col"]).font.b      # bold, as the build writes a role
    last = R["first_row"] + len(_ROLES) - 1
    assert ws.print_area.replace("$", "").endswith(f":C{last}"), ws.print_area


def test_more_roles_than_the_cover_holds_are_refused(bundled_build, tmp_path, capsys):
    from hnb_xl.workbook import layout as L
    from tests.support import sha256_of
    book = tmp_path / "HNB_Model.xlsm"
    book.write_bytes(bundled_build.read_bytes())
    before = sha256_of(book)
    many = [(f"Role {i}", "Holder (test data)", "Responsibility") for i in range(L.COVER_ROLES["max_rows"] + 1)]
    assert main(["refresh", str(book), str(_roles_file(tmp_path / "roles", many))]) == 2
    err = capsys.readouterr().err
    assert f"has {len(many)} roles; the Cover holds {L.COVER_ROLES['max_rows']}" in err
    assert "assurance_roles.csv" in err and "Traceback" not in err
    assert sha256_of(book) == before


# ------------------------------------------------ the placement workstreams on the Inputs sheet
# (issue 15): an Inputs table under the placement tables, written by the build with them,
# refreshable from placement_workstreams.csv, written back by template --from; the pack's mitigated
# placement scenario is the workbook's


def test_the_bundled_workbook_holds_the_placement_workstreams(bundled_build):
    from hnb_xl.tables.placement import load_workstreams
    own = templates.workbook_frames(bundled_build)["placement_workstreams"]
    bundled_rows = load_workstreams()
    assert len(own) > 0 and list(own["name"]) == list(bundled_rows["name"])
    assert list(own["amount"]) == pytest.approx(list(bundled_rows["amount"]))


def test_the_packs_mitigated_scenario_is_the_workbooks_workstreams(bundled_build, bundled_pack, tmp_path,
                                                                    monkeypatch):
    """template --from, every placement workstream's amount set to 0 in placement_workstreams.csv,
    refresh: the pack's mitigated placement line is the unmitigated one, year for year (a
    workstream of no size saves nothing)."""
    from hnb_xl.engine.placement_mitigation import MITIGATED
    from hnb_xl.engine.sensitivity import UNMITIGATED
    book = tmp_path / "HNB_Model.xlsm"
    book.write_bytes(bundled_build.read_bytes())
    folder = tmp_path / "templated"
    assert main(["template", "--from", str(book), str(folder)]) == 0
    frame = pd.read_csv(folder / "placement_workstreams.csv", skiprows=[1])
    assert len(frame) > 0
    frame["Amount"] = 0
    only = tmp_path / "only"
    only.mkdir()
    frame.to_csv(only / "placement_workstreams.csv", index=False)
    before = bundled_pack["deficits"]                     # the pack of the same workbook before the refresh
    assert (before[MITIGATED] < before[UNMITIGATED]).iloc[1:].any()
    assert main(["refresh", str(book), str(only)]) == 0
    assert list(templates.workbook_frames(book)["placement_workstreams"]["amount"]) == [0] * len(frame)
    after = _pack_frames(monkeypatch, book, tmp_path / "after")["deficits"]
    assert list(after[MITIGATED]) == list(after[UNMITIGATED])
    assert list(after[UNMITIGATED]) == list(before[UNMITIGATED])
