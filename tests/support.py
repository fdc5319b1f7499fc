"""Helpers shared by several test modules (a test module never imports another test module).

* :func:`bundled_frames`: the bundled input tables, by ``layout.INPUT_TABLES`` key;
* :func:`make_workbook`: a workbook made from xlwings' quickstart_standalone.xlsm (real VBA) with the
  input tables at ``layout.py``'s anchors, plus a chart, an image, a data validation, a conditional
  format and a user-added sheet (what a refresh must keep);
* :func:`frozen`: a recalculation that a test sharing it cannot change (conftest's session ones);
* :func:`load_book`: a workbook loaded in full, as a refresh loads it (faster than openpyxl's);
  :func:`read_book` the same, loaded once a worker per file content, for a test that only reads it;
* :func:`table_cells`: every input-table cell of a workbook as ``{(key, row, col): (value, type)}``;
* :data:`INJECTIONS`: texts a spreadsheet would run as formulas, which must stay text.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import multiprocessing
import os
import shutil
import sys
import traceback
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import xlwings
from openpyxl import load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from hnb_xl import bundled
from hnb_xl.excel.cache import LRU
from hnb_xl.sources import templates
from hnb_xl.tables.schema import SCHEMAS
from hnb_xl.workbook import layout as L

TEMPLATE = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"


def sha256_of(path: Path) -> str:
    """A file's SHA-256, computed here (not with the code under test)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def frozen(recalculated):
    """A copy of a Recalculated (hnb_xl.workbook.verify.recalc) whose values, names and UDF cells
    are read-only mappings, so the tests that share one (tests/conftest.py) cannot change it."""
    values = MappingProxyType({sheet: MappingProxyType(v) for sheet, v in recalculated.values.items()})
    return replace(recalculated, values=values, names=MappingProxyType(recalculated.names),
                   udf_cells=MappingProxyType(recalculated.udf_cells))


def template_sources(folder: Path) -> Path:
    """The bundled data as template CSVs in ``folder``, one file per table (the XLSX copy removed)."""
    templates.write_templates(folder, bundled_frames())
    (folder / "hnb_sources.xlsx").unlink()
    return folder


@contextlib.contextmanager
def openpyxl_route():
    """Refreshes inside take the openpyxl route: refresh.patch refuses every write, as it refuses
    what it does not write (``RefreshResult.route`` is then "openpyxl")."""
    import hnb_xl.workbook.refresh.file as refresh_file
    from hnb_xl.workbook.refresh.patch import NotPatchable

    def refuse(*_args, **_kwargs):
        raise NotPatchable("the test's openpyxl route")
    real, refresh_file.patched = refresh_file.patched, refuse
    try:
        yield
    finally:
        refresh_file.patched = real


def roll_forward(sources: Path) -> Path:
    """The bundled template CSVs in ``sources`` a term on: 2022-23 becomes outturn (one more history
    row, 2022-23 gone from the assumptions)."""
    hist = sources / "history.csv"
    hist.write_text(hist.read_text(encoding="utf-8").rstrip("\n") + "\n2022-23,6710,93860000,108150000,49100000\n",
                    encoding="utf-8")
    assumptions = sources / "assumptions.csv"
    lines = assumptions.read_text(encoding="utf-8").splitlines()
    assumptions.write_text("\n".join(lines[:2] + [x for x in lines[2:] if not x.startswith("2022-23")]) + "\n",
                           encoding="utf-8")
    return sources


def templated_copy(book: Path, folder: Path) -> tuple[Path, Path]:
    """Next term's starting point: a copy of ``book`` in ``folder`` and its own tables written out
    beside it by ``hnb-xl template --from`` (``folder/sources``). Returns (the copy, the sources)."""
    from hnb_xl.cli import main
    copy = folder / book.name
    shutil.copyfile(book, copy)
    src = folder / "sources"
    assert main(["template", "--from", str(copy), str(src)]) == 0
    return copy, src


def in_a_fork(target, *args, stderr: Path | None = None) -> multiprocessing.Process:
    """``target(*args)`` in a child forked from this test process (started; ``join`` it, read its
    ``exitcode``): a separate process, killed by SIGKILL like any other, but with hnb_xl and its
    libraries already imported, so a kill lands in the work itself rather than in Python starting
    up, and each run costs no start-up (about 1.5 s a subprocess). The exit code is ``target``'s
    return value (an int; None is 0), 1 with its traceback when it raises; stdout is discarded,
    stderr too or written to the file ``stderr``."""
    proc = multiprocessing.get_context("fork").Process(target=_child, args=(target, args, stderr), daemon=True)
    proc.start()
    return proc


def _child(target, args, stderr) -> None:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) if stderr else null, 2)
    sys.stdout = open(os.devnull, "w")
    sys.stderr = open(2, "w", closefd=False)
    code = 1
    try:
        code = int(target(*args) or 0)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)


def bundled_frames():
    return {"schools": bundled.demo_schools(), "history": bundled.history(), "assumptions": bundled.assumptions(),
            "block_transfer": bundled.block_transfers(), "parameters": bundled.parameter_table(),
            "invest_to_transform": bundled.invest_to_transform()}


def make_workbook(path: Path) -> Path:
    """The workbook described in the module docstring, at ``path``: made once per process and then
    copied (its bytes are the same every time; 71 tests take one)."""
    Path(path).write_bytes(_workbook_bytes())
    return path


@functools.cache
def _workbook_bytes() -> bytes:
    buf = io.BytesIO()
    _make_workbook(buf)
    return buf.getvalue()


def _make_workbook(path) -> None:
    wb = load_workbook(TEMPLATE, keep_vba=True)
    wb["Sheet1"].title = L.COVER
    ws = wb.create_sheet(L.INPUTS)
    wb.create_sheet(L.LOGS)["A1"] = "Data sources"
    frames = bundled_frames()
    for key, t in L.INPUT_TABLES.items():
        if key not in frames:
            continue
        ws.cell(t.title_row, t.first_col, t.title)
        for j, h in enumerate(t.headers):
            ws.cell(t.header_row, t.first_col + j, h)
        rows = templates._rows(SCHEMAS[key], frames[key])
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                ws.cell(t.first_row + i, t.first_col + j, v).fill = PatternFill("solid", fgColor="FFF2CC")
        for name, ref in t.defined_names().items():
            wb.defined_names[name] = DefinedName(name, attr_text=ref)
    dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    ws.add_data_validation(dv)
    dv.add(L.INPUT_TABLES["schools"].column_ref("EHCPs").split("!")[1].replace("$", ""))
    ws.conditional_formatting.add("C20:C30", CellIsRule(operator="lessThan", formula=["0"],
                                                        fill=PatternFill("solid", fgColor="FFC7CE")))
    out = wb.create_sheet("My notes")  # a sheet the user added
    out["A1"] = "kept"
    chart = BarChart()
    t = L.INPUT_TABLES["history"]
    chart.add_data(Reference(ws, min_col=t.col_of("HNB budget"), min_row=t.header_row, max_row=t.first_row + 6),
                   titles_from_data=True)
    out.add_chart(chart, "C3")
    from PIL import Image as PILImage
    buf = io.BytesIO()
    PILImage.new("RGB", (8, 8), "red").save(buf, format="PNG")
    buf.seek(0)
    out.add_image(Image(buf), "J3")
    wb.save(path)


def load_book(path: Path, keep_vba: bool = False):
    """A workbook loaded in full, as a refresh loads it (:func:`hnb_xl.workbook.refresh.load.load`:
    openpyxl's load with the merged ranges' cells left as read, about half the time on the bundled
    workbook; tests/test_refresh_load.py shows a save after it is a save after openpyxl's own)."""
    from hnb_xl.workbook.refresh.load import load
    return load(path, keep_vba=keep_vba)


# (SHA-256 of the file, keep_vba) -> (the workbook, its fingerprint); 4 kept a worker (the committed
# one, bundled_build, a test module's own), the least recently used forgotten
_READ_BOOKS = LRU(4)


def _fingerprint(wb) -> str:
    """A digest of every sheet's name, bounds and filled cells (coordinates and values): 0.05 s on the
    bundled workbook. Reading a blank cell with ``ws.cell`` adds an empty one, which changes nothing
    here unless it lies beyond the sheet's last row or column (then ``max_row`` would change too)."""
    h = hashlib.sha256()
    for ws in wb.worksheets:
        h.update(repr((ws.title, ws.max_row, ws.max_column)).encode())
        h.update(repr([(k, c.value) for k, c in ws._cells.items() if c.value is not None]).encode())
    return h.hexdigest()


def read_book(path: Path, keep_vba: bool = False):
    """:func:`load_book` for a test that only reads the workbook: loaded once a worker for each file
    content (SHA-256) and handed to every test that reads the same bytes. READ-ONLY: a test that
    changes cells uses :func:`load_book`. A workbook found changed when it is handed out again
    fails the test that asks for it (so the test that changed it is the one before, in that worker)."""
    key = (sha256_of(path), keep_vba)
    hit = _READ_BOOKS.get(key)
    if hit is not None:
        wb, fingerprint = hit
        assert _fingerprint(wb) == fingerprint, f"a test changed the shared read_book of {Path(path).name}: " \
                                                "use load_book to change a workbook"
        return wb
    wb = load_book(path, keep_vba=keep_vba)
    _READ_BOOKS.put(key, (wb, _fingerprint(wb)))
    return wb


def table_cells(path: Path) -> dict:
    wb = read_book(path, keep_vba=True)
    ws = wb[L.INPUTS]
    out = {}
    for key, t in L.INPUT_TABLES.items():
        for r in range(t.first_row, t.last_row + 1):
            for c in range(t.first_col, t.last_col + 1):
                cell = ws._cells.get((r, c))        # not ws.cell: it adds the cells below the sheet's last row
                out[(key, r, c)] = (None, "n") if cell is None else (cell.value, cell.data_type)
    return out


INJECTIONS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
