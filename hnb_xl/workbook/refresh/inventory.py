"""What an openpyxl load-and-save may lose, counted from a workbook's zip parts; Excel's lock file.

The refresh refuses to save when a count falls (:func:`losses`) and refuses to start when the
original holds things openpyxl is known to drop (:func:`precheck_losses`).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path


def lock_file(path: Path) -> Path | None:
    """Excel's owner file ``~$<name>`` (long names lose their first two characters)."""
    for name in ("~$" + path.name, "~$" + path.name[2:]):
        p = path.with_name(name)
        if p.exists():
            return p
    return None


_INVENTORY = {
    "VBA project (xl/vbaProject.bin)": None,
    "images (xl/media)": None,
    "pictures in drawings": rb"<(?:\w+:)?pic>",
    "shapes and text boxes": rb"<(?:\w+:)?sp[ >]",
    "charts": None,
    "x14 extensions (sparklines, extended data bars, x14 conditional formats)": rb"<x14:",
    "dynamic-array formulas": None,
    "defined names": rb"<definedName ",
    "data validations": rb"<dataValidation ",
    "conditional formats": rb"<conditionalFormatting",
    "sheets": rb"<sheet ",
    "form controls and comments (VML)": None,
    "form buttons (VML, with their macros)": rb"<x:FmlaMacro>[^<]*</x:FmlaMacro>",
    "sheet links to VML drawings (legacyDrawing)": rb"<legacyDrawing ",
}


def inventory(path: Path) -> dict[str, object]:
    """Counts of the things an openpyxl load-and-save may lose, read from the zip's XML parts."""
    inv: dict[str, object] = {k: 0 for k in _INVENTORY}
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        inv["VBA project (xl/vbaProject.bin)"] = z.read("xl/vbaProject.bin") if "xl/vbaProject.bin" in names else b""
        inv["images (xl/media)"] = sum(1 for n in names if n.startswith("xl/media/"))
        inv["charts"] = sum(1 for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        inv["form controls and comments (VML)"] = sum(1 for n in names if n.endswith(".vml"))
        # each button with its macro text: a button kept but re-pointed counts as lost
        inv["form buttons (VML, with their macros)"] = sorted(
            m for n in names if n.endswith(".vml")
            for m in re.findall(_INVENTORY["form buttons (VML, with their macros)"], z.read(n)))
        for n in names:
            if not n.endswith(".xml"):
                continue
            data = z.read(n)
            if n.startswith("xl/drawings/"):
                inv["pictures in drawings"] += len(re.findall(_INVENTORY["pictures in drawings"], data))
                inv["shapes and text boxes"] += len(drawing_shapes(data)[0])
            if n.startswith("xl/worksheets/"):
                inv["x14 extensions (sparklines, extended data bars, x14 conditional formats)"] += \
                    len(re.findall(rb"<x14:", data))
                inv["data validations"] += len(re.findall(rb"<dataValidation ", data))
                inv["conditional formats"] += len(re.findall(rb"<conditionalFormatting", data))
                # a dynamic-array formula carries a cell-metadata index (cm="1") pointing at xl/metadata.xml
                inv["dynamic-array formulas"] += len(re.findall(rb"<c [^>]*\bcm=\"\d+\"", data))
                inv["sheet links to VML drawings (legacyDrawing)"] += len(re.findall(rb"<legacyDrawing ", data))
            if n == "xl/workbook.xml":
                inv["defined names"] = len(re.findall(rb"<definedName ", data))
                inv["sheets"] = len(re.findall(rb"<sheet ", data))
    return inv


_SHAPE = re.compile(rb"<((?:\w+:)?sp)[ >].*?</\1>", re.S)
_VML_MIRROR = rb"compatExt spid="


def drawing_shapes(data: bytes) -> tuple[list[bytes], list[bytes]]:
    """(shapes, form-control mirrors) in one DrawingML part.

    Excel 2010+ saves each Form Control (like the Cover's button) twice: the VML shape that
    defines it, and a DrawingML copy tied to it by ``<a14:compatExt spid="_x0000_s1025"/>``. An
    openpyxl save drops the copy but keeps the VML, from which Excel shows and runs the control
    (files written by XlsxWriter have only the VML), so a mirror is not a loss; any other shape is."""
    shapes, mirrors = [], []
    for m in _SHAPE.finditer(data):
        (mirrors if _VML_MIRROR in m.group(0) else shapes).append(m.group(0))
    return shapes, mirrors


def control_mirrors(path: Path) -> int:
    """DrawingML copies of Form Controls (see :func:`drawing_shapes`) in the workbook's drawings."""
    with zipfile.ZipFile(path) as z:
        return sum(len(drawing_shapes(z.read(n))[1]) for n in z.namelist()
                   if n.startswith("xl/drawings/") and n.endswith(".xml"))


def cached_values(path: Path) -> int:
    """Formula cells carrying a cached value (Excel saved them); an openpyxl save drops them all."""
    n = 0
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                n += len(re.findall(rb"</f><v>", z.read(name)))
    return n


def losses(before: dict, after: dict) -> list[str]:
    out = []
    for k, v in before.items():
        a = after.get(k)
        if isinstance(v, bytes):
            if v != a:
                out.append(f"{k}: changed or removed")
        elif isinstance(v, list):
            gone = [x for x in v if x not in (a or [])]
            if gone:
                out.append(f"{k}: {len(gone)} of {len(v)} missing or changed")
        elif a < v:
            out.append(f"{k}: {v} before, {a} after")
    return out


def precheck_losses(path: Path) -> list[str]:
    """What an openpyxl load-and-save is known to drop, found in the original's XML before any work."""
    inv = inventory(path)
    out = []
    x14 = inv["x14 extensions (sparklines, extended data bars, x14 conditional formats)"]
    if x14:
        out.append(f"{x14} x14 extension element(s) (sparklines, extended data bars, x14 conditional formats) "
                   "would be removed")
    if inv["dynamic-array formulas"]:
        out.append(f"{inv['dynamic-array formulas']} dynamic-array formula(s) would become legacy array formulas")
    if inv["shapes and text boxes"]:
        out.append(f"{inv['shapes and text boxes']} shape(s)/text box(es) in drawings would be removed")
    return out
