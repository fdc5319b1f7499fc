"""A refresh's writes made in the workbook's own XML, every other part kept byte for byte.

The openpyxl route (:func:`.cells.write_openpyxl`, then ``Workbook.save``) loads every sheet into
objects and writes every part again: on the bundled workbook about 0.4 s to load and 0.3 s to save,
two thirds of a refresh. A refresh only writes values into input tables, the Logs and the Cover
(:class:`.cells.TableWrite` rectangles), and moves some print areas, column widths and the Outputs
charts' ranges. :func:`patched` makes those changes in the parts that hold them and copies the
rest of the package unchanged:

* each written cell as openpyxl writes it (``openpyxl/cell/_writer.py``): a number as ``<v>`` with
  ``"%.16g"``, a boolean as ``t="b"``, text as an inline string (``t="inlineStr"``, ``<is><t>``,
  ``xml:space="preserve"`` when it has outer spaces), a blank as a cell with no value; the cell keeps
  its style (``s``) and loses any formula it held (the Logs' "data loaded" time, which the build writes as a
  formula of the Cover's time); a cell the sheet lacks is added in its row in column order, a row in row order;
  the sheet's ``<dimension>`` grows to cover them;
* every formula cell's cached value dropped and ``fullCalcOnLoad`` set, as openpyxl's save leaves
  them: Excel recalculates every formula when it opens the workbook, and no reader sees figures
  of the inputs before the refresh;
* a print area as openpyxl writes it (``_xlnm.Print_Area``, local to the sheet, its text
  ``PrintArea``'s), a column width as ``<col min max width customWidth="1">``;
* a chart series' range (``c:f``), in openpyxl's order of the drawing's charts and series, and a
  chart or axis title's text (its one run's).

Anything else is :class:`NotPatchable` and the refresh takes the openpyxl route, so a workbook is
never written half one way: a sheet to create, a written cell that holds the first cell of a
shared or array formula (a plain formula is replaced by the value, as openpyxl does), a value that is
not a number, text, boolean or blank (a date), text openpyxl would refuse or cut (XML-illegal
characters, more than 32,767 characters), a chart or axis title to change that is not one run of
text, or a part that is not
where the workbook's relationships say. ``tests/test_refresh_patch.py`` compares every cell, style,
print area, width and chart range of both routes' results.
"""

from __future__ import annotations

import bisect
import math
import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

from ..charts import ChartLayout

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_M = "{%s}" % MAIN
_C = "{%s}" % CHART
TEXT_LIMIT = 32767          # openpyxl's Cell.check_string cuts text here
# the children of <worksheet> that come before <cols> and <sheetData> (ECMA-376 Part 1, 18.3.1.99)
_BEFORE_COLS = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr")


# a formula followed by a value (``<f>..</f><v>``, ``<f .../><v>``, any prefix): the sheets to parse
# for their cached values (a sheet with none, and nothing to write, is copied as it is)
_CACHED = re.compile(rb"f>\s*<(?:\w+:)?v[\s>]|<(?:\w+:)?f\b[^>]*/>\s*<(?:\w+:)?v[\s>]")


class NotPatchable(Exception):
    """The writes need the openpyxl route (the message says why)."""


def patched(path: Path, writes: list, charts: ChartLayout | None = None) -> dict[str, bytes]:
    """The parts of the workbook at ``path`` that ``writes`` (TableWrite rectangles, in order) and
    ``charts`` change, as new bytes ({part name: bytes}); raises NotPatchable (nothing written)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        book = _parse(z.read("xl/workbook.xml"))
        order = [s.get("name") for s in book.iter(_M + "sheet")]
        parts = _sheet_parts(z, book)
        by_sheet: dict[str, list] = {}
        for w in writes:
            if w.sheet not in parts:
                raise NotPatchable(f"the refresh creates sheet {w.sheet}")
            by_sheet.setdefault(w.sheet, []).append(w)
        out: dict[str, bytes] = {}
        for sheet, part in parts.items():
            if part not in names:
                raise NotPatchable(f"{part} is missing")
            data = z.read(part)
            if sheet not in by_sheet and not _CACHED.search(data):
                continue                        # nothing to write and no formula value to drop
            root = _parse(data)
            for w in by_sheet.get(sheet, ()):
                _write(root, w, ILLEGAL_CHARACTERS_RE)
                if w.column_widths:
                    _widths(root, w.column_widths)
            dropped = _drop_cached_values(root)
            if sheet in by_sheet or dropped:
                out[part] = _bytes(root)
        names_changed = _print_areas(book, order, writes)
        calc = book.find(_M + "calcPr")
        if calc is None:
            calc = etree.Element(_M + "calcPr")
            _insert_after(book, calc, ("sheets", "functionGroups", "externalReferences", "definedNames"))
        if calc.get("fullCalcOnLoad") not in ("1", "true") or names_changed:
            calc.set("fullCalcOnLoad", "1")
            out["xl/workbook.xml"] = _bytes(book)
        if charts is not None:
            out.update(_chart_parts(z, names, parts, charts))
    return out


def save_patched(path: Path, target: Path, parts: dict[str, bytes]) -> None:
    """Write a copy of the workbook at ``path`` to ``target`` with ``parts`` replaced: the same
    entries in the same order, each with its name, time and compression."""
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = parts.get(info.filename)
            entry = zipfile.ZipInfo(info.filename, info.date_time)     # no extra fields carried over
            entry.compress_type, entry.external_attr = info.compress_type, info.external_attr
            zout.writestr(entry, zin.read(info) if data is None else data)


class PatchedWorkbook:
    """What :func:`.file.save_atomically` saves: ``save(target)`` writes the patched copy."""

    def __init__(self, path: Path, parts: dict[str, bytes]):
        self.path, self.parts = Path(path), parts

    def save(self, target) -> None:
        save_patched(self.path, Path(target), self.parts)


# ------------------------------------------------------------------------------------------ parts

def _parse(data: bytes):
    return etree.fromstring(data, etree.XMLParser(remove_blank_text=False, resolve_entities=False,
                                                          huge_tree=True))


def _bytes(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """{relationship id: (type, target part)} of ``part`` (targets resolved from the part's folder)."""
    folder, name = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", name + ".rels")
    if rels_part not in z.namelist():
        return {}
    out = {}
    for rel in _parse(z.read(rels_part)).iter("{%s}Relationship" % PKG_REL):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id")] = (rel.get("Type", "").rsplit("/", 1)[-1], target)
    return out


def _sheet_parts(z: zipfile.ZipFile, book) -> dict[str, str]:
    rels = _rels(z, "xl/workbook.xml")
    out = {}
    for s in book.iter(_M + "sheet"):
        kind, target = rels.get(s.get("{%s}id" % REL), ("", ""))
        if kind == "worksheet":
            out[s.get("name")] = target
    return out


def _insert_after(parent, el, tags) -> None:
    """Put ``el`` in ``parent`` after the last child whose local name is in ``tags`` (first if none)."""
    at = 0
    for i, child in enumerate(parent):
        if etree.QName(child).localname in tags:
            at = i + 1
    parent.insert(at, el)


# ------------------------------------------------------------------------------------------ cells

def _col_row(ref: str) -> tuple[int, int]:
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string
    letters, row = coordinate_from_string(ref)
    return column_index_from_string(letters), row


def _write(root, w, illegal) -> None:
    from openpyxl.utils import get_column_letter
    data = root.find(_M + "sheetData")
    if data is None:
        raise NotPatchable("a sheet without sheetData")
    rows = {}
    for row in data.iterchildren(_M + "row"):
        r = row.get("r")
        if r is None:
            raise NotPatchable("a row without its number")
        rows[int(r)] = row
    numbers = sorted(rows)
    bounds = []
    for i, values in enumerate(w.rows):
        if not values:
            continue
        r = w.row + i
        row = rows.get(r)
        if row is None:
            row = etree.Element(_M + "row", r=str(r))
            at = bisect.bisect(numbers, r)
            if at < len(numbers):
                rows[numbers[at]].addprevious(row)
            else:
                data.append(row)
            rows[r] = row
            numbers.insert(at, r)
        row.attrib.pop("spans", None)           # a hint only (ECMA-376 18.3.1.73); it may no longer hold
        cells = {}
        for c in row.iterchildren(_M + "c"):
            ref = c.get("r")
            if ref is None:
                raise NotPatchable("a cell without its reference")
            cells[_col_row(ref)[0]] = c
        for j, value in enumerate(values):
            col = w.col + j
            c = cells.get(col)
            if c is None:
                c = etree.Element(_M + "c", r=f"{get_column_letter(col)}{r}")
                later = [n for n in cells if n > col]
                if later:
                    cells[min(later)].addprevious(c)
                else:
                    row.append(c)
                cells[col] = c
            _set(c, value, illegal)
            bounds.append((r, col))
    if bounds:
        _grow_dimension(root, bounds)


def _set(c, value, illegal) -> None:
    """The value of cell element ``c`` as openpyxl's writer gives it (module docstring)."""
    f = c.find(_M + "f")
    if f is not None and (f.get("t") in ("array", "dataTable") or f.get("ref")):
        # openpyxl writes each cell of a shared formula's range with its own formula; here the
        # others would lose theirs with the first cell's (and an array's cells are one formula)
        raise NotPatchable(f"cell {c.get('r')} holds a {f.get('t') or 'shared'} formula's first cell")
    if value is not None and not isinstance(value, (str, bool, int, float)):
        if hasattr(value, "item") and not isinstance(value, (bytes, bytearray)):
            value = value.item()                # a numpy scalar, as openpyxl takes it
        if not isinstance(value, (str, bool, int, float)):
            raise NotPatchable(f"cell {c.get('r')} gets a {type(value).__name__}")
    if isinstance(value, str) and (len(value) > TEXT_LIMIT or illegal.search(value)):
        raise NotPatchable(f"cell {c.get('r')} gets text openpyxl would change")
    if isinstance(value, float) and not math.isfinite(value):
        raise NotPatchable(f"cell {c.get('r')} gets {value}")
    for child in list(c):
        c.remove(child)
    for name in [n for n in c.attrib if n not in ("r", "s")]:     # t, and Excel's cm/vm metadata of the
        del c.attrib[name]                                          # old value: openpyxl writes r, s, t only
    if value is None or value == "":
        return
    if isinstance(value, str):
        c.set("t", "inlineStr")
        t = etree.SubElement(etree.SubElement(c, _M + "is"), _M + "t")
        t.text = value
        if value != value.strip():
            t.set("{%s}space" % XML_NS, "preserve")
        return
    if isinstance(value, bool):
        c.set("t", "b")
    else:
        c.set("t", "n")
    etree.SubElement(c, _M + "v").text = "%.16g" % value


def _grow_dimension(root, bounds) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import range_boundaries
    dim = root.find(_M + "dimension")
    rows = [r for r, _ in bounds]
    cols = [c for _, c in bounds]
    if dim is not None and dim.get("ref"):
        ref = dim.get("ref")
        try:
            c1, r1, c2, r2 = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
        except ValueError:
            raise NotPatchable(f"dimension {ref}") from None
        rows += [r1, r2]
        cols += [c1, c2]
    elif dim is None:
        dim = etree.Element(_M + "dimension")
        _insert_after(root, dim, ("sheetPr",))
    dim.set("ref", f"{get_column_letter(min(cols))}{min(rows)}:{get_column_letter(max(cols))}{max(rows)}")


_CACHED_VALUES = etree.XPath("//m:c[m:f]/m:v", namespaces={"m": MAIN})
_TYPED_FORMULAS = etree.XPath("//m:c[m:f][@t]", namespaces={"m": MAIN})


def _drop_cached_values(root) -> int:
    """Remove the cached value (and its type) of every formula cell; how many were dropped (found by
    XPath: lxml's C search, not a Python loop over the sheet's formulas)."""
    values, typed = _CACHED_VALUES(root), _TYPED_FORMULAS(root)
    for v in values:
        v.getparent().remove(v)
    for c in typed:
        del c.attrib["t"]
    return len(values) + len(typed)


def _widths(root, widths: dict) -> None:
    """Set each column's width (characters) as openpyxl writes a width it was given."""
    cols = root.find(_M + "cols")
    if cols is None:
        cols = etree.Element(_M + "cols")
        _insert_after(root, cols, _BEFORE_COLS)
    for col, width in sorted(widths.items()):
        el = None
        for existing in cols.iterchildren(_M + "col"):
            lo, hi = int(existing.get("min")), int(existing.get("max"))
            if lo <= col <= hi:
                if lo != hi:
                    raise NotPatchable(f"column {col} shares its width with columns {lo} to {hi}")
                el = existing
                break
        if el is None:
            el = etree.Element(_M + "col", min=str(col), max=str(col))
            later = [e for e in cols.iterchildren(_M + "col") if int(e.get("min")) > col]
            if later:
                later[0].addprevious(el)
            else:
                cols.append(el)
        el.set("width", "%.16g" % float(width))
        el.set("customWidth", "1")


def _print_areas(book, order: list[str], writes: list) -> bool:
    """Each write's print area into workbook.xml's ``_xlnm.Print_Area`` names; whether any changed."""
    from openpyxl.worksheet.print_settings import PrintArea
    areas = {w.sheet: w.print_area for w in writes if w.print_area}
    if not areas:
        return False
    names = book.find(_M + "definedNames")
    if names is None:
        names = etree.Element(_M + "definedNames")
        _insert_after(book, names, ("sheets", "functionGroups", "externalReferences"))
    changed = False
    for sheet, area in areas.items():
        pa = PrintArea.from_string(area)
        pa.title = sheet
        text, idx = str(pa), str(order.index(sheet))
        el = next((d for d in names.iterchildren(_M + "definedName")
                   if d.get("name") == "_xlnm.Print_Area" and d.get("localSheetId") == idx), None)
        if el is None:
            el = etree.SubElement(names, _M + "definedName", name="_xlnm.Print_Area", localSheetId=idx)
        if el.text != text:
            el.text = text
            changed = True
    return changed


# ------------------------------------------------------------------------------------------ charts

def _title_text(el) -> str | None:
    """The text of a chart or axis ``c:title`` (its runs joined), None without one."""
    if el is None:
        return None
    return "".join(t.text or "" for t in el.iter("{%s}t" % A))


def _retitle(title, text: str, what: str) -> bool:
    """Give a chart or axis title ``text``; whether it changed. The title's one run of text takes
    it, its formatting kept (openpyxl writes a new title of one run, ``title_maker``); a title of
    several runs or paragraphs, a new line in ``text`` or no title is NotPatchable."""
    if _title_text(title) == text:
        return False
    runs = [] if title is None else list(title.iter("{%s}t" % A))
    if len(runs) != 1 or title.find(f"{_C}tx/{_C}rich") is None or "\n" in text:
        raise NotPatchable(f"{what} changes and is not one run of text")
    runs[0].text = text
    return True


def _chart_parts(z: zipfile.ZipFile, names: set, parts: dict, layout: ChartLayout) -> dict[str, bytes]:
    """The Outputs charts' parts whose series ranges ``layout`` moves; NotPatchable when a title changes."""
    from .. import layout as L
    part = parts.get(L.OUTPUTS)
    if part is None:
        return {}
    drawing = next((t for kind, t in _rels(z, part).values() if kind == "drawing"), None)
    if drawing is None or drawing not in names:
        return {}
    rels = _rels(z, drawing)
    tree = _parse(z.read(drawing))
    ids = []          # openpyxl's order (SpreadsheetDrawing._chart_rels): two-cell, one-cell, absolute anchors
    for anchor in ("twoCellAnchor", "oneCellAnchor", "absoluteAnchor"):
        for a in tree.iterchildren("{%s}%s" % (DRAWING, anchor)):
            ids += [c.get("{%s}id" % REL) for c in a.iter(_C + "chart")]
    out = {}
    for i, rid in enumerate(ids):
        kind, chart_part = rels.get(rid, ("", ""))
        if kind != "chart" or chart_part not in names:
            raise NotPatchable(f"chart {i + 1} of {L.OUTPUTS} is not where its drawing says")
        root = _parse(z.read(chart_part))
        chart = root.find(_C + "chart")
        plot = chart.find(_C + "plotArea") if chart is not None else None
        if plot is None:
            raise NotPatchable(f"chart {i + 1} of {L.OUTPUTS} has no plot area")
        changed = False
        if i in layout.titles:
            changed |= _retitle(chart.find(_C + "title"), layout.titles[i], f"chart {i + 1}'s title")
        if i in layout.axis_titles:
            changed |= _retitle(_x_axis(plot).find(_C + "title"), layout.axis_titles[i],
                                f"chart {i + 1}'s axis title")
        series = list(plot.iter(_C + "ser"))
        for s in layout.for_chart(i):
            if s.series >= len(series):
                continue
            ser, what = series[s.series], f"chart {i + 1}'s series {s.series + 1}"
            changed |= _point(ser, ("val/numRef",), s.values, f"{what} has no value range")
            if s.categories is not None:
                changed |= _point(ser, ("cat/strRef", "cat/numRef"), s.categories, f"{what} has no category range")
        if changed:
            out[chart_part] = _bytes(root)
    return out


def _point(ser, paths: tuple, ref: str, missing: str) -> bool:
    """Set the range (``c:f``) at the first of ``paths`` a series has to ``ref``; whether it changed."""
    f = next((f for f in (ser.find("/".join(_C + t for t in (*p.split("/"), "f"))) for p in paths)
              if f is not None), None)
    if f is None:
        raise NotPatchable(missing)
    if f.text == ref:
        return False
    f.text = ref
    return True


def _x_axis(plot):
    """openpyxl's ``chart.x_axis`` of a chart read from a file (``PlotArea.from_tree``): the category
    or date axis among the first plot's axis ids."""
    first = next((child for child in plot if etree.QName(child).localname.endswith("Chart")), None)
    axes = {ax.find(_C + "axId").get("val"): ax for ax in plot
            if etree.QName(ax).localname in ("catAx", "dateAx") and ax.find(_C + "axId") is not None}
    found = None
    for ax_id in (first.iterchildren(_C + "axId") if first is not None else ()):
        found = axes.get(ax_id.get("val"), found)
    if found is None:
        raise NotPatchable("a chart without its category axis")
    return found
