"""`hnb-xl verify WORKBOOK`: prove a modeller's workbook against the engine, without Excel.

Steps (each timed; the file itself is only ever copied and read, never saved):

1. ``copy``: the workbook is copied to a private temporary folder;
2. ``recalculate``: LibreOffice recalculates the copy (:mod:`.recalc`; every formula, cached values
   ignored) in its own process, **while** steps 3-5 run in Python;
3. ``static check``: every formula (:mod:`.check`, the findings of ``hnb-xl check``);
4. ``inputs``: the Inputs tables read as the refresh reads them and validated by their schemas
   (a blank or text in a number column is a finding at its cell);
5. ``engine``: the engine's use cases (:mod:`hnb_xl.api`) on those inputs;
6. ``compare``: each calculation and output cell against its engine twin (:mod:`.compare`) and the
   master check (every check on the Checks sheet is 1; the ``HNB_`` cross-checks read
   "UDFs not loaded" here, as the engine comparison stands in for them).

The recalculation takes one of two routes (:mod:`.soffice`): one LibreOffice kept running and
driven through UNO (where Debian's ``python3-uno`` is installed), else ``soffice --convert-to``
started for the file; ``HNB_LIBREOFFICE_ROUTE`` forces one, and a UNO LibreOffice that fails is
retried once by ``--convert-to``. The report says which route was taken (``Report.route``).

LibreOffice is the second spreadsheet engine that makes this a proof: the workbook's formulas are
computed by a program that is not this project's arithmetic, then compared with the engine. When
LibreOffice is not installed, the recalculation is one finding that says how to install it, and
the static check, inputs and engine still run.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import HnbInputError
from .. import layout as L
from ..refresh.cells import OpenpyxlCells
from .check import Finding, check_workbook, load
from .compare import compare, engine_twins, input_frames, placement_note
from .recalc import LibreOffice, LibreOfficeError, _live_values, _names_of, _read_values, find_soffice
from .soffice import best_office, route_text

INSTALL = "apt-get install libreoffice-calc-nogui (Debian/Ubuntu) or https://www.libreoffice.org/download/"


@dataclass
class Report:
    workbook: str
    findings: list[Finding] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    compared: int = 0                  # twins compared
    master_check: object = None        # the recalculated Master_Check (1 = pass), None without LibreOffice
    recalculated: bool = False
    route: str = ""                    # how LibreOffice ran (soffice.route_text)
    notes: list[str] = field(default_factory=list)   # what was not compared, and why

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict:
        return {"workbook": self.workbook, "ok": self.ok, "recalculated": self.recalculated,
                "recalculation_route": self.route,
                "cells_compared": self.compared, "master_check": self.master_check, "notes": self.notes,
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
                "findings": [f.as_dict() | {"where": f.where} for f in self.findings]}


_OFFICES: dict[str, LibreOffice] = {}


def default_office() -> LibreOffice:
    """One LibreOffice per process and route for verify: kept running through UNO when possible."""
    from .soffice import chosen_route
    route = chosen_route()
    if route not in _OFFICES:
        import atexit
        _OFFICES[route] = best_office(route=route)
        atexit.register(_OFFICES[route].close)
    return _OFFICES[route]


class _Conversion(threading.Thread):
    """One LibreOffice recalculation in the background (soffice is its own process): through a
    LibreOffice kept running, the values read through UNO (``values``); else an xlsx (``result``)."""

    def __init__(self, office: LibreOffice, src: Path, outdir: Path):
        super().__init__(daemon=True)
        self.office, self.src, self.outdir = office, src, outdir
        self.result: Path | None = None
        self.values: dict | None = None          # the values when the office read them itself (UNO)
        self.error: Exception | None = None
        self.seconds = 0.0
        self.route = ""

    def run(self) -> None:
        start = time.perf_counter()
        try:
            if getattr(self.office, "live", False):     # values read through UNO, no xlsx stored (recalc)
                self.values = _live_values(self.office.open_values(self.src))
                self.office.close_document()
            else:
                self.result = self.office.convert(self.src, self.outdir)
            self.route = route_text(self.office)
        except LibreOfficeError as exc:
            if self.office.route == "uno":          # a UNO LibreOffice that failed: once by --convert-to
                self._convert_to(exc)
            else:
                self.error = exc
        except Exception as exc:   # reported as a finding by verify()
            self.error = exc
        self.seconds = time.perf_counter() - start

    def _convert_to(self, uno_error: Exception) -> None:
        office = LibreOffice(self.office.soffice)
        try:
            self.result = office.convert(self.src, self.outdir)
            self.route = f"{route_text(office)} (the UNO route failed: {uno_error})"
        except Exception as exc:
            self.error = exc
        finally:
            office.close()


def _formula_of(wb):
    def formula(sheet: str, cell: str) -> str:
        if sheet not in wb.sheetnames:
            return ""
        v = wb[sheet][cell].value
        v = getattr(v, "text", v)
        return v if isinstance(v, str) and v.startswith("=") else ""
    return formula


def _checks_findings(values: dict, names: dict, formula_of) -> list[Finding]:
    from ..sheets.checks import CHECKS, NOT_LOADED
    K = L.CHECKS_LAYOUT
    out = []
    for i, (text, _f) in enumerate(CHECKS):
        cell = f"{L.col(K['value_col'])}{K['first'] + i}"
        got = values.get(L.CHECKS, {}).get(cell)
        if got != 1 and got != NOT_LOADED:
            out.append(Finding(L.CHECKS, cell, "check-failed", f"{text}: {got!r}", formula_of(L.CHECKS, cell)))
    master = names.get(L.NAMES["master_check"])
    if master != 1:
        sheet, cell = L.MASTER_STATUS_CELL
        out.append(Finding(sheet, cell, "master-check", f"the master check is {master!r}, not 1",
                           formula_of(sheet, cell)))
    return out


def _load(copy: Path, path) -> object:
    """The copy read for the checks (:func:`.check.load`); its HnbInputError names ``path``, the
    user's file."""
    try:
        return load(copy)
    except HnbInputError as exc:
        raise HnbInputError(exc.message, source=str(path)) from None


def verify(path, *, office: LibreOffice | None = None, soffice: bool = True) -> Report:
    """The report for the workbook at ``path`` (HnbInputError when it cannot be read).

    ``office``: the LibreOffice to use (default: one per process); ``soffice=False`` skips the
    recalculation as if LibreOffice were not installed."""
    src = Path(path)
    if not src.is_file():
        raise HnbInputError("no such file", source=str(path))
    report = Report(str(path))
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[name] = now - clock
        clock = now

    with tempfile.TemporaryDirectory(prefix="hnb_xl_verify_") as tmp:
        copy = Path(tmp) / ("copy" + src.suffix.lower())
        shutil.copyfile(src, copy)
        lap("copy")
        if not zipfile.is_zipfile(copy):    # no workbook at all: its reason now, LibreOffice not asked first
            _load(copy, path)
        conversion = None
        if soffice and (office is not None or find_soffice()):
            try:
                office = office or default_office()
            except LibreOfficeError as exc:   # a route forced that this machine lacks
                report.findings.append(Finding("", "", "recalculation-failed", str(exc)))
            else:
                conversion = _Conversion(office, copy, Path(tmp) / "out")
                conversion.start()
        else:
            report.findings.append(Finding("", "", "no-libreoffice",
                                           f"LibreOffice is not installed, so the formulas were not recalculated "
                                           f"and no cell was compared: install it ({INSTALL}) and run again"))
        try:
            wb = _load(copy, path)
        except HnbInputError:
            if conversion:
                conversion.join()
            raise
        lap("load")
        report.findings += check_workbook(wb)
        lap("static check")
        missing = [s for s in (L.INPUTS, *L.CALCULATION_SHEETS) if s not in wb.sheetnames]
        if missing:
            report.findings.append(Finding("", "", "missing-sheet", "not this model's workbook: no sheet "
                                           + ", ".join(missing)))
            if conversion:
                conversion.join()
            return report
        frames, problems = input_frames(OpenpyxlCells(wb))
        report.findings += problems
        lap("inputs")
        twins, refused = engine_twins(frames)
        report.findings += refused
        report.notes += [n for n in (placement_note(frames),) if n]
        lap("engine")
        if conversion:
            conversion.join()
            report.seconds["recalculate (LibreOffice, alongside)"] = conversion.seconds
            report.route = conversion.route
            clock = time.perf_counter()
            if conversion.error is not None:
                report.findings.append(Finding("", "", "recalculation-failed", str(conversion.error)))
                return report
            if conversion.values is not None:
                values, names = conversion.values, _names_of(conversion.values, wb)
            else:
                values, names = _read_values(conversion.result, wb)
            lap("read recalculated values")
            report.recalculated = True
            formula_of = _formula_of(wb)
            report.findings += compare(twins, values, formula_of)
            report.compared = len(twins)
            report.master_check = names.get(L.NAMES["master_check"])
            report.findings += _checks_findings(values, names, formula_of)
            lap("compare")
    return report


__all__ = ["Report", "verify", "LibreOfficeError"]
