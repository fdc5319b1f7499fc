"""hnb_xl.workbook.refresh.patch: a refresh's writes made in the workbook's XML give, cell for cell,
what the openpyxl route gives, and keep every other part of the file byte for byte.

Both routes' results are read back by openpyxl's full load (the independent reader here) and
compared: every cell's value, type and style, the bounds, merged ranges, validations, conditional
formats, print areas, column widths, defined names, and the Outputs charts' ranges and titles.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula

import hnb_xl.workbook.refresh.file as refresh_file
from hnb_xl.sources import templates
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.charts import _openpyxl_series
from hnb_xl.workbook.refresh.cells import TableWrite, write_openpyxl
from hnb_xl.workbook.refresh.patch import NotPatchable, patched, save_patched
from tests import northshire
from tests.support import (INJECTIONS, bundled_frames, load_book, make_workbook, openpyxl_route, roll_forward,
                           template_sources)

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbook" / "HNB_Model.xlsm"
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone.utc)
EVERY_TABLE = ["schools", "assumptions", "history", "block_transfer", "invest_to_transform"]


# ------------------------------------------------------------------------------------------ comparing

def _value(cell):
    if cell is None or cell.value is None:
        return None
    v = cell.value
    return (("array", v.ref, v.text) if isinstance(v, ArrayFormula) else v), cell.data_type


def _styles():
    """A cell's style as it reads (number format, font, fill, border, alignment, protection), each
    of a workbook's style combinations read once: a cell's ``_style`` (its indices into the
    workbook's style tables) decides them all within one workbook, and the two routes' workbooks
    number their tables differently (openpyxl's save renumbers them), so one reader per workbook."""
    seen = {}

    def style(cell):
        key = None if cell._style is None else tuple(cell._style)     # None: a merged cell's
        got = seen.get(key) if key is not None else None
        if got is None:
            got = seen[key] = (cell.number_format, repr(cell.font), repr(cell.fill), repr(cell.border),
                               repr(cell.alignment), repr(cell.protection))
        return got
    return style


def _title(title):
    return None if title is None else "".join(r.t for p in title.tx.rich.p for r in (p.r or []))


def differences(a: Path, b: Path) -> list:
    """What openpyxl reads differently in the workbooks ``a`` and ``b`` (empty: the same)."""
    vba = a.suffix == ".xlsm"
    wa, wb = load_book(a, keep_vba=vba), load_book(b, keep_vba=vba)
    out = []
    if wa.sheetnames != wb.sheetnames:
        return [("sheets", wa.sheetnames, wb.sheetnames)]
    style_a, style_b = _styles(), _styles()
    for name in wa.sheetnames:
        x, y = wa[name], wb[name]
        for k in sorted(set(x._cells) | set(y._cells)):
            cx, cy = x._cells.get(k), y._cells.get(k)
            if _value(cx) != _value(cy):
                out.append((name, k, "value", _value(cx), _value(cy)))
            if cx is not None and cy is not None and style_a(cx) != style_b(cy):
                out.append((name, k, "style", style_a(cx), style_b(cy)))
            elif (cx is None) != (cy is None) and (cx or cy).style_id != 0:
                out.append((name, k, "a styled cell on one side only"))
        if (x.max_row, x.max_column) != (y.max_row, y.max_column):
            out.append((name, "bounds", (x.max_row, x.max_column), (y.max_row, y.max_column)))
        if x.print_area != y.print_area:
            out.append((name, "print area", x.print_area, y.print_area))
        widths = [{k: (d.width, d.customWidth) for k, d in ws.column_dimensions.items()} for ws in (x, y)]
        if widths[0] != widths[1]:
            out.append((name, "column widths"))
        if sorted(map(str, x.merged_cells.ranges)) != sorted(map(str, y.merged_cells.ranges)):
            out.append((name, "merged ranges"))
        if [(str(v.sqref), v.type, v.formula1) for v in x.data_validations.dataValidation] != \
                [(str(v.sqref), v.type, v.formula1) for v in y.data_validations.dataValidation]:
            out.append((name, "data validations"))

        def formats(ws):
            return sorted((str(r.sqref), [(q.type, q.operator, tuple(q.formula or ()), q.dxfId, q.priority)
                                          for q in r.rules]) for r in ws.conditional_formatting)
        if formats(x) != formats(y):
            out.append((name, "conditional formats"))
        if (len(x._charts), len(x._images)) != (len(y._charts), len(y._images)):
            out.append((name, "charts and images"))
        for i, (ca, cb) in enumerate(zip(x._charts, y._charts)):
            refs = [[(s.val.numRef.f, (s.cat.strRef or s.cat.numRef).f if s.cat else None)
                     for s in _openpyxl_series(c)] for c in (ca, cb)]
            if refs[0] != refs[1]:
                out.append((name, "chart", i, refs[0], refs[1]))
            if (_title(ca.title), _title(ca.x_axis.title)) != (_title(cb.title), _title(cb.x_axis.title)):
                out.append((name, "chart titles", i))
    names = [{k: d.value for k, d in w.defined_names.items()} for w in (wa, wb)]
    if names[0] != names[1]:
        out.append(("defined names", names[0], names[1]))
    return out


def refreshed_both_ways(workbook: Path, sources: list, folder: Path, **kw):
    """(the workbook refreshed through the XML, through openpyxl, the first's RefreshResult)."""
    folder.mkdir(parents=True, exist_ok=True)
    by_xml, by_openpyxl = folder / "by_xml.xlsm", folder / "by_openpyxl.xlsm"
    shutil.copyfile(workbook, by_xml)
    shutil.copyfile(workbook, by_openpyxl)
    result = refresh_file.refresh(by_xml, sources, progress=False, now=NOW, user="tester", **kw)
    with openpyxl_route():
        other = refresh_file.refresh(by_openpyxl, sources, progress=False, now=NOW, user="tester", **kw)
    assert other.route == "openpyxl"
    return by_xml, by_openpyxl, result


def _csvs(folder: Path, frames: dict) -> Path:
    templates.write_templates(folder, frames)
    (folder / "hnb_sources.xlsx").unlink()
    return folder


def _rolled_forward(folder: Path) -> Path:
    return roll_forward(template_sources(folder))


def _one_more_school(folder: Path) -> Path:
    f = bundled_frames()
    s = f["schools"]
    return _csvs(folder, {**f, "schools": pd.concat([s, s.tail(1).assign(**{s.columns[0]: 999999})],
                                                     ignore_index=True)})


SCENARIOS = [
    pytest.param(lambda tmp: COMMITTED, lambda tmp: template_sources(tmp / "src"), {},
                 id="bundled-workbook-its-own-sources"),
    pytest.param(lambda tmp: COMMITTED, lambda tmp: _csvs(tmp / "src", northshire.frames()),
                 {"replace": EVERY_TABLE}, id="bundled-workbook-northshire-retitles-the-charts"),
    pytest.param(lambda tmp: COMMITTED, _one_more_school, {}, id="one-more-school-lengthens-the-print-areas"),
    pytest.param(lambda tmp: make_workbook(tmp / "made.xlsm"), _rolled_forward, {"replace": ["assumptions"]},
                 id="a-made-workbook-rolled-forward-moves-its-chart"),
]


@pytest.mark.parametrize("workbook, sources, kw", SCENARIOS)
def test_the_xml_route_reads_back_as_the_openpyxl_route(tmp_path, workbook, sources, kw):
    src = sources(tmp_path / "sources")
    by_xml, by_openpyxl, result = refreshed_both_ways(workbook(tmp_path), [src], tmp_path / "out", **kw)
    assert (result.route, result.route_reason) == ("xml", "")
    assert differences(by_xml, by_openpyxl) == []


def test_every_part_the_refresh_does_not_write_is_kept_byte_for_byte(tmp_path):
    """The bundled workbook refreshed with Northshire's files: the zip holds the same entries in the
    same order, and only worksheets, workbook.xml and charts differ."""
    by_xml = tmp_path / "by_xml.xlsm"
    shutil.copyfile(COMMITTED, by_xml)
    result = refresh_file.refresh(by_xml, [_csvs(tmp_path / "src", northshire.frames())], progress=False,
                                  now=NOW, user="tester", replace=EVERY_TABLE)
    assert result.route == "xml"
    with zipfile.ZipFile(COMMITTED) as before, zipfile.ZipFile(by_xml) as after:
        assert before.namelist() == after.namelist()
        changed = [n for n in before.namelist() if before.read(n) != after.read(n)]
    assert changed and all(n.startswith(("xl/worksheets/sheet", "xl/charts/chart")) or n == "xl/workbook.xml"
                           for n in changed), changed
    assert "xl/vbaProject.bin" not in changed and not any(n.startswith("xl/media/") for n in changed)


# ------------------------------------------------------------------------------------ cells, one by one

def _small(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Inputs"
    ws["A1"], ws["B1"], ws["D1"] = "Table", 1.5, "kept"
    ws["B1"].number_format = "#,##0.00"
    ws["A3"] = 7
    ws["C3"] = "=A3*2"
    ws["B5"] = "=SUM(A1:A3)"
    ws.print_area = "A1:D3"
    wb.create_sheet("Logs")["A1"] = "log"
    wb.save(path)
    return path


def _both(tmp_path: Path, writes: list) -> tuple[Path, Path]:
    src = _small(tmp_path / "small.xlsx")
    by_xml, by_openpyxl = tmp_path / "by_xml.xlsx", tmp_path / "by_openpyxl.xlsx"
    save_patched(src, by_xml, patched(src, writes))
    wb = load_workbook(src)
    write_openpyxl(wb, writes)
    wb.save(by_openpyxl)
    return by_xml, by_openpyxl


CELL_WRITES = [
    pytest.param([TableWrite("Inputs", 1, 2, [[2 / 3, 10 ** 15, -0.0]])], id="numbers-as-percent-16g"),
    pytest.param([TableWrite("Inputs", 2, 1, [[True, False]])], id="booleans"),
    pytest.param([TableWrite("Inputs", 1, 1, [[" padded ", "", "plain"]])], id="text-with-outer-spaces-and-empty"),
    pytest.param([TableWrite("Inputs", 4, 1, [INJECTIONS])], id="formula-like-text-stays-text"),
    pytest.param([TableWrite("Inputs", 1, 2, [[None]])], id="a-blank-clears-the-value-keeps-the-format"),
    pytest.param([TableWrite("Inputs", 9, 6, [[1, "x"], [None, 2.25]])], id="new-rows-below-the-sheet"),
    pytest.param([TableWrite("Inputs", 3, 2, [[5]]), TableWrite("Inputs", 2, 3, [["between"]])],
                 id="new-cells-between-cells-and-rows"),
    pytest.param([TableWrite("Inputs", 3, 3, [[99]])], id="a-plain-formula-replaced-by-its-value"),
    pytest.param([TableWrite("Inputs", 1, 1, [["a", "b"], ["c"]])], id="ragged-rows"),
    pytest.param([TableWrite("Inputs", 1, 1, [], print_area="A1:F12")], id="a-print-area-moved"),
    pytest.param([TableWrite("Logs", 1, 1, [["w"]], print_area="A1:A4", column_widths={1: 30.5, 3: 12})],
                 id="a-print-area-added-and-column-widths"),
]


@pytest.mark.parametrize("writes", CELL_WRITES)
def test_each_kind_of_write_reads_back_as_openpyxls(tmp_path, writes):
    by_xml, by_openpyxl = _both(tmp_path, writes)
    assert differences(by_xml, by_openpyxl) == []


def test_text_is_an_inline_string_and_formula_cells_lose_their_cached_values(tmp_path):
    src = _small(tmp_path / "small.xlsx")
    with zipfile.ZipFile(src) as z:                     # a cached value, as Excel or LibreOffice saves one
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert b"<f>A3*2</f><v></v>" in parts[sheet]
    parts[sheet] = parts[sheet].replace(b"<f>A3*2</f><v></v>", b"<f>A3*2</f><v>14</v>")
    with_cache = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(with_cache, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    out = tmp_path / "out.xlsx"
    save_patched(with_cache, out, patched(with_cache, [TableWrite("Inputs", 3, 1, [["=1+1"]])]))
    with zipfile.ZipFile(out) as z:
        xml = z.read(sheet)
        assert b'<calcPr calcId="124519" fullCalcOnLoad="1"/>' in z.read("xl/workbook.xml")
    assert b'<c r="A3" t="inlineStr"><is><t>=1+1</t></is></c>' in xml
    assert b"<v>14</v>" not in xml and b"<f>A3*2</f>" in xml
    assert load_workbook(out, data_only=True)["Inputs"]["C3"].value is None


REFUSED = [
    pytest.param([TableWrite("New sheet", 1, 1, [[1]])], "creates sheet New sheet", id="a-sheet-to-create"),
    pytest.param([TableWrite("Inputs", 1, 1, [[dt.date(2026, 1, 1)]])], "gets a date", id="a-date"),
    pytest.param([TableWrite("Inputs", 1, 1, [["bell\x07"]])], "text openpyxl would change",
                 id="an-xml-illegal-character"),
    pytest.param([TableWrite("Inputs", 1, 1, [["x" * 32768]])], "text openpyxl would change",
                 id="text-longer-than-excel-holds"),
    pytest.param([TableWrite("Inputs", 1, 1, [[float("nan")]])], "gets nan", id="not-a-number"),
    pytest.param([TableWrite("Inputs", 1, 1, [[1]], column_widths={2: 9})], "shares its width",
                 id="a-width-shared-by-a-column-range"),
]


@pytest.mark.parametrize("writes, why", REFUSED)
def test_what_the_xml_route_does_not_write_is_refused_before_anything_is_written(tmp_path, writes, why):
    src = _small(tmp_path / "small.xlsx")
    if writes[0].column_widths:                         # columns B:C share one width
        wb = load_workbook(src)
        wb["Inputs"].column_dimensions.group("B", "C", outline_level=0)
        wb.save(src)
    before = src.read_bytes()
    with pytest.raises(NotPatchable, match=why):
        patched(src, writes)
    assert src.read_bytes() == before


def test_a_written_cell_keeps_only_its_reference_and_style(tmp_path):
    """Excel's metadata of the old value (``vm``: a rich value, ``cm``: a dynamic array) and its
    type go with it, as openpyxl writes a cell (r, s and the new value's t only)."""
    src = _small(tmp_path / "small.xlsx")
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert b'<c r="A3" t="n"><v>7</v></c>' in parts[sheet]
    parts[sheet] = parts[sheet].replace(b'<c r="A3" t="n"><v>7</v></c>',
                                        b'<c r="A3" s="0" t="e" vm="1" cm="1"><v>#N/A</v></c>')
    with zipfile.ZipFile(src, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    out = tmp_path / "out.xlsx"
    save_patched(src, out, patched(src, [TableWrite("Inputs", 3, 1, [[8]])]))
    with zipfile.ZipFile(out) as z:
        assert b'<c r="A3" s="0" t="n"><v>8</v></c>' in z.read(sheet)


def test_a_shared_formulas_first_cell_is_refused(tmp_path):
    src = _small(tmp_path / "small.xlsx")
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"<f>A3*2</f>", b'<f t="shared" ref="C3:C4" si="0">A3*2</f>')
    with zipfile.ZipFile(src, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    with pytest.raises(NotPatchable, match="C3 holds a shared formula's first cell"):
        patched(src, [TableWrite("Inputs", 3, 3, [[1]])])


def test_a_refresh_the_xml_route_cannot_write_goes_through_openpyxl(tmp_path, sources):
    """A workbook without the Logs sheet (the refresh creates it): the openpyxl route, said so."""
    wb = load_workbook(make_workbook(tmp_path / "made.xlsm"), keep_vba=True)
    if L.LOGS in wb.sheetnames:
        del wb[L.LOGS]
    book = tmp_path / "no_logs.xlsm"
    wb.save(book)
    result = refresh_file.refresh(book, [sources], progress=False, now=NOW, user="tester")
    assert (result.route, result.route_reason) == ("openpyxl", f"the refresh creates sheet {L.LOGS}")
    assert L.LOGS in load_workbook(book, read_only=True).sheetnames
