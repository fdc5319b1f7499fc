"""Round trip against the real `hnb-xl build` workbook: bundled data as source files -> same input
cells, the Cover's button kept, and (LibreOffice, on copies, private profile) the same outputs; a
refresh with changed numbers moves the recalculated outputs exactly as the engine says.

Expected outputs come from the engine (hnb_xl.engine) run on the same source data, never from the
workbook; that the built workbook equals the engine on the bundled data is also checked against
the seed in tests/test_workbook_libreoffice.py.
"""

from __future__ import annotations

import contextlib
import csv
import zipfile
from pathlib import Path

import pytest

from hnb_xl import bundled
from hnb_xl.engine.contingency import allocate
from hnb_xl.engine.projection import project
from hnb_xl.sources import templates
from hnb_xl.workbook import layout as L
from hnb_xl.workbook import refresh as R
from hnb_xl.workbook.verify.check import check
from hnb_xl.workbook.verify.recalc import recalculate

from tests.support import bundled_frames, openpyxl_route, table_cells

POT, COST, SHARE = 450_000, 6_000, 1.0     # parameters.csv (bundled)
NEW_POT = 500_000
GROWTH_YEAR, NEW_GROWTH = "2023-24", 0.12  # bundled EHCP growth that year: 0.10
EXTRA_EHCPS = 3


@pytest.fixture(scope="module")
def built(bundled_build) -> Path:
    """The bundled workbook as built (conftest: once a session, read-only; refreshes write elsewhere)."""
    return bundled_build


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
    urns = [r[(L.CALC_CONTINGENCY, f"{L.col(C['cols']['urn'])}{row}")] for row in range(C["first"], C["first"] + len(flat(alloc)))]
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


# an ILLUSTRATIVE 2022-23 outturn (not published in the seed): the modeller's next term
OUTTURN_2022_23 = ["2022-23", "6710", "93860000", "111500000", "50000000"]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_rolling_forward_a_year_recalculates_as_the_engine(built, tmp_path, libreoffice):
    """Next term: history gains the 2022-23 outturn and the assumptions start in 2023-24. After the
    refresh the workbook's projection starts from the new base year and equals the engine's
    projection of the same two files, to the pound; the master check still passes."""
    src = _sources(tmp_path / "src")
    with open(src / "history.csv", "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(OUTTURN_2022_23)
    with open(src / "assumptions.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with open(src / "assumptions.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([r for r in rows if r[0] != "2022-23"])
    out = tmp_path / "next_term.xlsm"
    res = R.refresh(built, [src], output=out, progress=False)
    got = {c.name: (len(c.added), len(c.removed)) for c in res.changes if c.cells}
    assert got == {"history": (1, 0), "assumptions": (0, 1)}

    history = bundled.history()
    history.loc[len(history)] = {"financial_year": "2022-23", "ehcp_count": 6710.0, "hnb_budget": 93_860_000.0,
                                 "hnb_expenditure": 111_500_000.0, "accumulated_deficit": 50_000_000.0}
    assumptions = bundled.assumptions()
    assumptions = assumptions[assumptions["financial_year"] != "2022-23"].reset_index(drop=True)
    engine = project(history, assumptions)
    expected = dict(zip(engine["financial_year"], engine["accumulated_deficit"]))
    # independent arithmetic for the first projected year: 2022-23 base, 10% more EHCPs, cost per EHCP
    # -3.382%, funding +6%, no transfer, other DSG movements -£2.4m
    first = 111_500_000 * 1.10 * (1 - 0.033820) - 93_860_000 * 1.06 - 2_400_000 + 50_000_000
    assert abs(expected["2023-24"] - first) < 1

    recalculated = recalculate(out, udfs=False, office=libreoffice)
    run = _outputs(recalculated)
    assert run["master"] == 1
    assert min(run["accumulated"]) == "2023-24"
    _assert_to_the_pound(run["accumulated"], expected)

    # the charts moved with the tables: chart 1 ends on the new outturn year, chart 2 on the last
    # projected year, and chart 2's axis title names the new outturn year
    from openpyxl import load_workbook
    ws = load_workbook(out, keep_vba=True)[L.OUTPUTS]
    ends = []
    for chart in ws._charts:
        first = (chart._charts or [chart])[0].series[0]
        ref = (first.cat.strRef or first.cat.numRef).f            # e.g. Outputs!$B$8:$B$14
        sheet, cells = ref.split("!")
        start, end = cells.replace("$", "").split(":")
        ends.append((recalculated[(sheet.strip("'"), start)], recalculated[(sheet.strip("'"), end)]))
    assert ends == [("2016-17", "2022-23"), ("2016-17", "2030-31")]
    assert ws._charts[1].x_axis.title.tx.rich.p[0].r[0].t == "Financial year (outturn to 2022-23, then forecast)"


# ------------------------------------------------------------------------- after Excel has saved it

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
MIRROR = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr="{XDR}" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice xmlns:a14="http://schemas.microsoft.com/office/drawing/2010/main" '
    'Requires="a14"><xdr:twoCellAnchor editAs="absolute"><xdr:from><xdr:col>2</xdr:col><xdr:colOff>2476500</xdr:colOff>'
    '<xdr:row>5</xdr:row><xdr:rowOff>38100</xdr:rowOff></xdr:from><xdr:to><xdr:col>2</xdr:col><xdr:colOff>4476750'
    '</xdr:colOff><xdr:row>6</xdr:row><xdr:rowOff>152400</xdr:rowOff></xdr:to>'
    '<xdr:sp macro="[0]!SampleCall" textlink=""><xdr:nvSpPr><xdr:cNvPr id="1025" name="Button 1" hidden="1">'
    '<a:extLst><a:ext uri="{63B3BB69-23CF-44E3-9099-C40C66FF867C}"><a14:compatExt spid="_x0000_s1025"/></a:ext>'
    '</a:extLst></xdr:cNvPr><xdr:cNvSpPr/></xdr:nvSpPr><xdr:spPr bwMode="auto"><a:xfrm><a:off x="0" y="0"/>'
    '<a:ext cx="0" cy="0"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr><xdr:txBody>'
    '<a:bodyPr/><a:lstStyle/><a:p><a:r><a:t>Refresh from sources</a:t></a:r></a:p></xdr:txBody></xdr:sp>'
    '<xdr:clientData fPrintsWithSheet="0"/></xdr:twoCellAnchor></mc:Choice><mc:Fallback/></mc:AlternateContent>'
    '</xdr:wsDr>')
CTRL = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<formControlPr '
        'xmlns="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" objectType="Button" lockText="1"/>')
CONTROLS = (
    f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="x14"><controls><mc:AlternateContent xmlns:mc="{MC}">'
    f'<mc:Choice Requires="x14"><control xmlns:r="{REL}" shapeId="1025" r:id="rIdCtrl1" name="Button 1"><controlPr '
    'defaultSize="0" print="0" autoFill="0" autoPict="0" macro="[0]!SampleCall"><anchor moveWithCells="1">'
    f'<from><xdr:col xmlns:xdr="{XDR}">2</xdr:col><xdr:colOff xmlns:xdr="{XDR}">260</xdr:colOff>'
    f'<xdr:row xmlns:xdr="{XDR}">5</xdr:row><xdr:rowOff xmlns:xdr="{XDR}">4</xdr:rowOff></from>'
    f'<to><xdr:col xmlns:xdr="{XDR}">2</xdr:col><xdr:colOff xmlns:xdr="{XDR}">470</xdr:colOff>'
    f'<xdr:row xmlns:xdr="{XDR}">6</xdr:row><xdr:rowOff xmlns:xdr="{XDR}">16</xdr:rowOff></to></anchor>'
    '</controlPr></control></mc:Choice></mc:AlternateContent></controls></mc:Choice></mc:AlternateContent>')


def _as_saved_by_excel(src: Path, dst: Path) -> None:
    """Add what Excel 2010+ writes for a Form Control besides its VML shape (the ctrlProp part, the
    sheet's <controls> entry and a DrawingML mirror tied to the VML shape by a14:compatExt), from
    Excel-saved files published with XlsxWriter/excelize-style tooling; no Excel here."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        drawing = next(f"xl/drawings/drawing{i}.xml" for i in range(1, 99) if f"xl/drawings/drawing{i}.xml" not in names)
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b"<legacyDrawing " in data
                data = data.replace(b"<legacyDrawing ", f'<drawing xmlns:r="{REL}" r:id="rIdDr1"/><legacyDrawing '.encode())
                data = data.replace(b"</worksheet>", CONTROLS.encode() + b"</worksheet>")
            elif item.filename == "xl/worksheets/_rels/sheet1.xml.rels":
                data = data.replace(b"</Relationships>", (
                    f'<Relationship Id="rIdDr1" Type="{REL}/drawing" Target="/{drawing}"/>'
                    '<Relationship Id="rIdCtrl1" Type="http://schemas.microsoft.com/office/2006/relationships/ctrlProp" '
                    'Target="/xl/ctrlProps/ctrlProp1.xml"/></Relationships>').encode())
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    f'<Override PartName="/{drawing}" ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>'
                    '<Override PartName="/xl/ctrlProps/ctrlProp1.xml" '
                    'ContentType="application/vnd.ms-excel.controlproperties+xml"/></Types>').encode())
            zout.writestr(item, data)
        zout.writestr(drawing, MIRROR)
        zout.writestr("xl/ctrlProps/ctrlProp1.xml", CTRL)


@pytest.mark.parametrize("route", [
    pytest.param("xml", id="xml-route-keeps-the-drawingml-mirror-too"),
    pytest.param("openpyxl", id="openpyxl-route-keeps-the-vml-and-says-the-mirror-goes"),
])
def test_a_workbook_saved_by_excel_keeps_its_button_through_a_refresh(built, tmp_path, route):
    """Not refused for the button's DrawingML mirror; the VML (what Excel shows and runs) is kept.
    The XML route (refresh.patch) keeps the Cover's <controls> and its drawing as Excel wrote them;
    the openpyxl route drops <controls> (Excel writes them again at its next save) and says so."""
    excel_saved = tmp_path / "excel_saved.xlsm"
    _as_saved_by_excel(built, excel_saved)
    assert R.control_mirrors(excel_saved) == 1 and R.precheck_losses(excel_saved) == []
    out = tmp_path / "out.xlsm"
    with openpyxl_route() if route == "openpyxl" else contextlib.nullcontext():
        res = R.refresh(excel_saved, [_sources(tmp_path / "src")], output=out, progress=False)
    assert res.route == route
    said = [w for w in res.warnings if "1 form control(s)" in w]
    assert len(said) == (1 if route == "openpyxl" else 0), res.warnings
    with zipfile.ZipFile(excel_saved) as a, zipfile.ZipFile(out) as b:
        assert b.read(L.REFRESH_BUTTON_VML) == a.read(L.REFRESH_BUTTON_VML)
        assert b.read("xl/ctrlProps/ctrlProp1.xml") == a.read("xl/ctrlProps/ctrlProp1.xml")
        cover = b.read("xl/worksheets/sheet1.xml")
        drawings = {n: (a.read(n), b.read(n)) for n in a.namelist()      # openpyxl renumbers them
                    if n.startswith("xl/drawings/drawing") and route == "xml"}
    assert b"<legacyDrawing " in cover
    assert (b"<controls>" in cover) == (route == "xml")
    if route == "xml":
        assert drawings and all(x == y for x, y in drawings.values())
    inv = R.inventory(out)
    assert inv["form buttons (VML, with their macros)"] == R.inventory(excel_saved)["form buttons (VML, with their macros)"]
    assert R.losses(R.inventory(excel_saved), inv) == []


def test_a_real_shape_beside_the_mirror_is_still_refused(built, tmp_path):
    excel_saved = tmp_path / "excel_saved.xlsm"
    _as_saved_by_excel(built, excel_saved)
    risky = tmp_path / "risky.xlsm"
    with zipfile.ZipFile(excel_saved) as zin, zipfile.ZipFile(risky, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/drawings/drawing") and b"compatExt" in data:
                data = data.replace(b"</xdr:wsDr>", b'<xdr:absoluteAnchor><xdr:sp macro="" textlink=""><xdr:nvSpPr>'
                                    b'<xdr:cNvPr id="9" name="Text Box 1"/><xdr:cNvSpPr txBox="1"/></xdr:nvSpPr>'
                                    b'</xdr:sp><xdr:clientData/></xdr:absoluteAnchor></xdr:wsDr>')
            zout.writestr(item, data)
    assert R.precheck_losses(risky) == ["1 shape(s)/text box(es) in drawings would be removed"]
