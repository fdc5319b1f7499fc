"""Recalculate a COPY of a workbook with headless LibreOffice and read back every value.

The dynamic half of verification without Excel: LibreOffice is a real spreadsheet engine for the
native formulas. It cannot run the ``HNB_`` functions, so their Python values (from
``hnb_xl.udfs``) are written into the copy first and the cells that depend on them (the UDF
cross-checks) are then computed by LibreOffice too.

Facts this module relies on (measured on LibreOffice 7.4 and kept by ``tests/test_recalc.py``; the
options are LibreOffice's, https://help.libreoffice.org/latest/en-US/text/shared/guide/start_parameters.html):

* ``soffice --headless --convert-to xlsx`` computes cells without a cached value, but not stale
  cached values unless ``OOXMLRecalcMode`` is 0 ("always recalculate") in the profile; every
  per-call profile made here sets it (the LibreOffice kept running by :mod:`.soffice` calls
  calculateAll() on each document instead), so a workbook last saved by Excel is recalculated too.
* Without its own ``-env:UserInstallation`` profile, ``--convert-to`` hands the job to any other
  running soffice: each :class:`LibreOffice` has a private profile directory.
* LibreOffice's output lower-cases unknown functions and rewrites the VBA: it is read for values
  only, in a temporary folder, and never shipped. The original file is only ever copied.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

from ...errors import HnbInputError
from ..snapshot import read_workbook

FORMULA_LOAD = "/org.openoffice.Office.Calc/Formula/Load"      # OOXMLRecalcMode, ODFRecalcMode
VBA_IMPORT = "/org.openoffice.Office.Calc/Filter/Import/VBA"    # Load, Executable


def profile_settings(*settings: tuple[str, str, object]) -> str:
    """A LibreOffice profile's ``user/registrymodifications.xcu`` setting each (path, property, value)."""
    items = "".join(f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value>'
                    "</prop></item>\n" for path, name, value in settings)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            f"{items}</oor:items>\n")


# every formula recalculated when a file is loaded (0: "always"; LibreOffice's default is 1, "never")
RECALC_XCU = profile_settings((FORMULA_LOAD, "OOXMLRecalcMode", 0), (FORMULA_LOAD, "ODFRecalcMode", 0))


class LibreOfficeError(RuntimeError):
    """soffice is missing, failed, or produced no output."""


def find_soffice() -> str | None:
    """Path of soffice (or libreoffice) on PATH, or None. ``HNB_SOFFICE`` overrides."""
    env = os.environ.get("HNB_SOFFICE")
    if env:
        return env
    return shutil.which("soffice") or shutil.which("libreoffice")


class LibreOffice:
    """One soffice binary with its own profile (so conversions never reach another engineer's soffice).

    The first conversion with a new profile is "cold" (LibreOffice builds the profile: about 2 s
    more); later ones reuse it ("warm"). Conversions through one instance are serialised.
    ``route`` names the way it runs LibreOffice (:mod:`.soffice` has the other, "uno").
    """

    route = "convert-to"
    settings = RECALC_XCU       # the profile's registrymodifications.xcu

    def __init__(self, soffice: str | None = None, profile: str | Path | None = None, timeout: float = 240):
        self.soffice = soffice or find_soffice()
        if not self.soffice:
            raise LibreOfficeError("LibreOffice (soffice) is not installed: run scripts/setup.sh --test "
                                   "(apt-get install libreoffice-calc-nogui)")
        self._own_profile = profile is None
        self.profile = Path(profile) if profile else Path(tempfile.mkdtemp(prefix="hnb_xl_lo_profile_"))
        self.timeout = timeout
        self._lock = threading.Lock()
        xcu = self.profile / "user" / "registrymodifications.xcu"
        if not xcu.exists():
            xcu.parent.mkdir(parents=True, exist_ok=True)
            xcu.write_text(self.settings, encoding="utf-8")

    def convert(self, src: Path, outdir: Path, to: str = "xlsx") -> Path:
        """``soffice --convert-to`` one file; returns the converted file (LibreOfficeError on failure)."""
        src, outdir = Path(src), Path(outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        cmd = [self.soffice, f"-env:UserInstallation={self.profile.resolve().as_uri()}", "--headless",
               "--norestore", "--nolockcheck", "--calc", "--convert-to", to, "--outdir", str(outdir), str(src)]
        with self._lock:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
            try:
                out, err = proc.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # only the process group we started
                proc.communicate()
                raise LibreOfficeError(f"soffice timed out after {self.timeout:.0f} s converting {src.name}")
        result = outdir / (src.stem + "." + to.split(":")[0])
        if proc.returncode != 0 or not result.exists():
            raise LibreOfficeError(f"soffice failed on {src.name} (exit {proc.returncode}): "
                                   f"{(err or out).decode(errors='replace').strip()[:500]}")
        return result

    def close(self) -> None:
        if self._own_profile:
            shutil.rmtree(self.profile, ignore_errors=True)


_DEFAULT: LibreOffice | None = None


def default_office() -> LibreOffice:
    """One LibreOffice (one private profile) per process, so repeated recalculations are warm.
    (``hnb-xl verify`` and the tests' session fixture keep one soffice running instead:
    :func:`hnb_xl.workbook.verify.soffice.best_office`.)"""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = LibreOffice()
    return _DEFAULT


@dataclass
class Recalculated:
    """Values after recalculation: ``values[sheet]["B7"]`` and ``names["Pot"]`` (a scalar for a
    one-cell name, otherwise a list of rows). Error cells read as their text, e.g. "#NAME?"."""
    values: dict[str, dict[str, object]]
    names: dict[str, object]
    udf_cells: dict[tuple[str, str], object] = field(default_factory=dict)  # values written for HNB_ cells
    seconds: float = 0.0

    def __getitem__(self, key: tuple[str, str]):
        sheet, cell = key
        return self.values[sheet].get(cell.replace("$", "").upper())

    def area(self, sheet: str, ref: str) -> list[list]:
        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
        vals = self.values[sheet]
        return [[vals.get(f"{get_column_letter(c)}{r}") for c in range(min_col, max_col + 1)]
                for r in range(min_row, max_row + 1)]


def _name_cell(wb, name: str) -> tuple[str, str]:
    dn = wb.defined_names.get(name)
    if dn is None:
        raise HnbInputError(f"no defined name '{name}'", source="recalculate edits")
    dests = list(dn.destinations)
    if len(dests) != 1 or ":" in dests[0][1]:
        raise HnbInputError(f"defined name '{name}' is not a single cell", source="recalculate edits")
    return dests[0][0], dests[0][1].replace("$", "")


def _apply_edits(wb, edits: dict) -> None:
    """``edits`` maps (sheet, cell) or a one-cell defined name to the new value."""
    for key, value in edits.items():
        sheet, cell = key if isinstance(key, tuple) else _name_cell(wb, key)
        if sheet not in wb.sheetnames:
            raise HnbInputError(f"no sheet '{sheet}'", source="recalculate edits")
        wb[sheet][cell] = value


def _read_values(path: Path, name_source) -> tuple[dict, dict]:
    wb = load_workbook(path, data_only=True, read_only=True)
    values: dict[str, dict[str, object]] = {}
    try:
        for ws in wb.worksheets:
            sheet_vals = {}
            for row in ws.iter_rows():
                for c in row:
                    if c.value is not None and hasattr(c, "column_letter"):
                        sheet_vals[f"{c.column_letter}{c.row}"] = c.value
            values[ws.title] = sheet_vals
    finally:
        wb.close()
    return values, _names_of(values, name_source)


def _result_rows(result) -> list[list]:
    """A UDF result (a scalar, a list, or a list of rows) as a list of rows."""
    if isinstance(result, (list, tuple)):
        return [list(r) if isinstance(r, (list, tuple)) else [r] for r in result]
    return [[result]]


def _write_block(ws, anchor_row: int, anchor_col: int, result, area: str | None) -> None:
    """Write a UDF result (scalar or rows) at the anchor, as Excel would show it (spilled)."""
    rows = _result_rows(result)
    if area:
        min_col, min_row, max_col, max_row = range_boundaries(area)
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                i, j = r - min_row, c - min_col
                v = rows[i][j] if i < len(rows) and j < len(rows[i]) else "#N/A"
                ws.cell(r, c).value = v
        return
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            ws.cell(anchor_row + i, anchor_col + j).value = "" if v is None else v


def recalculate(path, *, edits: dict | None = None, udfs: bool = True, office: LibreOffice | None = None,
                keep: str | Path | None = None) -> Recalculated:
    """Recalculate a copy of the workbook at ``path`` with LibreOffice; the original is only read.

    ``edits``: {(sheet, cell) or defined name: value} applied to the copy first (perturbations).
    ``udfs``: compute every ``HNB_`` cell in Python (:mod:`hnb_xl.workbook.verify.evaluate`) and write
    the values into the copy, so their dependents are recalculated; their arguments are read from
    a first LibreOffice pass when they depend on formulas.
    ``keep``: a folder to keep the recalculated copy in (for a look by eye); default: discarded.
    """
    src = Path(path)
    if not src.is_file():
        raise HnbInputError("no such file", source=str(path))
    office = office or default_office()
    start = time.perf_counter()
    if getattr(office, "live", False) and not keep and _values_only(edits):
        return _recalculate_live(src, edits, udfs, office, start)
    with tempfile.TemporaryDirectory(prefix="hnb_xl_recalc_") as tmp:
        tmpdir = Path(tmp)
        copy = tmpdir / ("copy" + src.suffix.lower())
        shutil.copyfile(src, copy)
        keep_vba = src.suffix.lower() in (".xlsm", ".xltm")
        wb = load_workbook(copy, keep_vba=keep_vba)
        written: dict[tuple[str, str], object] = {}
        if edits:
            _apply_edits(wb, edits)
        udf_cells = _udf_cells(wb) if udfs else []
        if edits or udf_cells:
            if udf_cells:
                from .evaluate import udf_formula_values
                first = None
                if _udf_args_need_values(wb, udf_cells):
                    wb.save(copy)
                    first = _read_values(office.convert(copy, tmpdir / "pass1"), wb)[0]
                for (sheet, row, col, text, area), value in udf_formula_values(wb, udf_cells, first).items():
                    _write_block(wb[sheet], row, col, value, area)
                    written[(sheet, f"{get_column_letter(col)}{row}")] = value
            wb.save(copy)
        out = office.convert(copy, tmpdir / "out")
        values, names = _read_values(out, wb)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out, Path(keep) / (src.stem + ".recalculated.xlsx"))
    return Recalculated(values, names, written, time.perf_counter() - start)


# LibreOffice's error numbers (XCell.getError) as its xlsx export writes them and openpyxl reads
# them back (LibreOffice's sc/source/filter/excel/xltools.cxx, XclTools::GetXclErrorCode; kept by
# tests/test_recalc.py, which reads the same errors by both routes)
ERROR_TEXT = {502: "#VALUE!", 503: "#NUM!", 504: "#VALUE!", 519: "#VALUE!", 521: "#NULL!", 524: "#REF!",
              525: "#NAME?", 532: "#DIV/0!", 32767: "#N/A"}


def _values_only(edits) -> bool:
    """True when no edit is a formula (those are applied by openpyxl, then LibreOffice loads the file)."""
    return all(not (isinstance(v, str) and v.startswith("=")) and (v is None or isinstance(v, (int, float, str)))
               for v in (edits or {}).values())


def _live_values(answer: dict) -> dict[str, dict[str, object]]:
    """:mod:`.uno_client`'s values as ``Recalculated.values``: {sheet: {"B7": value}}, as openpyxl
    reads LibreOffice's xlsx: an error cell as its text ("#NAME?"), a whole number as an int, an
    empty text result as no value."""
    out = {}
    for sheet, cells in answer.items():
        vals = {}
        for r, c, v in cells:
            if v == "":         # an empty text result: openpyxl reads no value from LibreOffice's xlsx
                continue
            if isinstance(v, dict):
                v = ERROR_TEXT.get(v.get("error"), "#VALUE!")
            elif isinstance(v, float) and v.is_integer() and abs(v) < 2 ** 53:
                v = int(v)
            vals[f"{get_column_letter(c)}{r}"] = v
        out[sheet] = vals
    return out


def _names_of(values: dict, name_source) -> dict:
    """``Recalculated.names``: each defined name of ``name_source`` (openpyxl) with one destination
    on a sheet of ``values``, a scalar for one cell, else its rows."""
    names = {}
    for name, dn in name_source.defined_names.items():
        try:
            dests = list(dn.destinations)
        except Exception:
            continue
        if len(dests) != 1:
            continue
        sheet, ref = dests[0]
        if sheet not in values:
            continue
        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
        rows = [[values[sheet].get(f"{get_column_letter(c)}{r}") for c in range(min_col, max_col + 1)]
                for r in range(min_row, max_row + 1)]
        names[name] = rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows
    return names


def _recalculate_live(src: Path, edits: dict | None, udfs: bool, office, start: float) -> Recalculated:
    """:func:`recalculate` through a LibreOffice kept running (:class:`.soffice.UnoOffice`): the copy
    is opened once, calculated, its edits and HNB_ values set through UNO and calculated again,
    and every value read through UNO; no file is written (measured on the bundled workbook: about
    2 s less than storing an xlsx and reading it with openpyxl, and one load instead of two when
    HNB_ cells read formulas)."""
    with tempfile.TemporaryDirectory(prefix="hnb_xl_recalc_") as tmp:
        copy = Path(tmp) / ("copy" + src.suffix.lower())
        shutil.copyfile(src, copy)
        wb = read_workbook(copy)     # the HNB_ cells and their arguments are read from the cells
        written: dict[tuple[str, str], object] = {}
        cells = []
        if edits:
            for key, value in edits.items():
                sheet, cell = key if isinstance(key, tuple) else _name_cell(wb, key)
                if sheet not in wb.sheetnames:
                    raise HnbInputError(f"no sheet '{sheet}'", source="recalculate edits")
                wb[sheet][cell] = value          # in the snapshot, for the HNB_ arguments
                col, row = range_boundaries(cell)[:2]
                cells.append([sheet, row, col, value])
        udf_cells = _udf_cells(wb) if udfs else []
        need_values = bool(udf_cells) and _udf_args_need_values(wb, udf_cells)
        # the values at opening are read only when nothing is written after (a write calculates
        # every formula again and reads them) or when the HNB_ arguments need them unedited
        read_at_open = not (cells or udf_cells) or (need_values and not cells)
        opened = office.open_values(copy, values=read_at_open)
        values = _live_values(opened) if read_at_open else None
        if cells and need_values:
            values = _live_values(office.write_values(cells))     # the edits' effect on the HNB_ arguments
            cells = []
        blocks = []
        if udf_cells:
            from .evaluate import udf_formula_values
            first = values if need_values else None
            for (sheet, row, col, text, area), value in udf_formula_values(wb, udf_cells, first).items():
                block, errors = _block(sheet, row, col, value, area)
                blocks.append(block)
                cells += errors
                written[(sheet, f"{get_column_letter(col)}{row}")] = value
        if cells or blocks or values is None:
            values = _live_values(office.write_values(cells, blocks))
        office.close_document()
        names = _names_of(values, wb)
    return Recalculated(values, names, written, time.perf_counter() - start)


def _block(sheet: str, anchor_row: int, anchor_col: int, result, area: str | None) -> tuple[list, list]:
    """A UDF result as :func:`_write_block` writes it, for :meth:`.soffice.UnoOffice.write_values`:
    ([sheet, row, col, rows], [[sheet, row, col, "#N/A"] for each cell of an array area the result
    does not reach]); a blank (None) is written as empty text."""
    rows = _result_rows(result)
    if area:
        min_col, min_row, max_col, max_row = range_boundaries(area)
        grid = [[rows[i][j] if i < len(rows) and j < len(rows[i]) else "#N/A" for j in range(max_col - min_col + 1)]
                for i in range(max_row - min_row + 1)]
        anchor_row, anchor_col = min_row, min_col
    else:
        width = max(len(r) for r in rows)
        grid = [["" if v is None else v for v in r] + [""] * (width - len(r)) for r in rows]
    errors = [[sheet, anchor_row + i, anchor_col + j, v] for i, r in enumerate(grid) for j, v in enumerate(r)
              if v == "#N/A"]
    grid = [["" if v == "#N/A" or v is None else v for v in r] for r in grid]
    return [sheet, anchor_row, anchor_col, grid], errors


def _udf_cells(wb) -> list[tuple[str, int, int, str, str | None]]:
    """(sheet, row, col, formula, array area or None) of every formula that calls an HNB_ function."""
    out = []
    for ws in wb.worksheets:
        for (r, c), cell in ws._cells.items():
            v = cell.value
            area = None
            if isinstance(v, ArrayFormula):
                area, v = v.ref, v.text
            if isinstance(v, str) and v.startswith("=") and "HNB_" in v.upper() and calls_udf(v):
                out.append((ws.title, r, c, v, area))
    return out


def calls_udf(formula: str) -> bool:
    """True when ``formula`` calls an ``HNB_`` function (a function token, per openpyxl's tokenizer,
    named as the static check names it): text that merely mentions ``hnb_xl`` inside a string
    literal is not a call."""
    from openpyxl.formula import Tokenizer
    from openpyxl.formula.tokenizer import Token
    from .check import UDF_PREFIX, _function_name
    try:
        tokens = Tokenizer(formula).items
    except Exception:       # not a formula openpyxl can read: judged by the static check, not here
        return True
    return any(t.type == Token.FUNC and t.subtype == Token.OPEN and _function_name(t.value).startswith(UDF_PREFIX)
               for t in tokens)


def _udf_args_need_values(wb, udf_cells) -> bool:
    """True when an HNB_ call reads a cell that holds a formula (so LibreOffice must compute it first)."""
    from .evaluate import udf_argument_areas
    for sheet, r, c, text, _ in udf_cells:
        for ref_sheet, ref in udf_argument_areas(wb, sheet, text):
            ws = wb[ref_sheet]
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            for (rr, cc), cell in ws._cells.items():
                if min_row <= rr <= max_row and min_col <= cc <= max_col and (
                        isinstance(cell.value, ArrayFormula) or
                        (isinstance(cell.value, str) and cell.value.startswith("="))):
                    return True
    return False
