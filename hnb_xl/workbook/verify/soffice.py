"""One LibreOffice process kept alive for a run of recalculations (instead of a cold start per file).

:class:`UnoOffice` has the contract of :class:`.recalc.LibreOffice` (``convert(src, outdir)`` gives
the recalculated xlsx) but drives one headless soffice over a UNO pipe through
:mod:`.uno_client`, run by the system Python that has LibreOffice's ``uno`` module (Debian:
``/usr/bin/python3`` with ``python3-uno``; ``HNB_UNO_PYTHON`` overrides). Measured on LibreOffice
7.4 (tooling facts: about 2 s a cold ``--convert-to``, 0.3-0.5 s a file through UNO once soffice is
up). The document is recalculated with ``calculateAll()``, so stale cached values are recomputed
as with the profile's ``OOXMLRecalcMode`` = 0. The profile is private, as for ``LibreOffice``.

:func:`best_office` gives a UnoOffice where that Python is usable, else the per-call
``LibreOffice`` (``soffice --convert-to``, one start per file); both are the same independent
engine (LibreOffice Calc). ``HNB_LIBREOFFICE_ROUTE`` (``uno``, ``convert-to``; unset: the best one
present) forces a route, so either can be tried on a machine that has both. Each office names its
route (:attr:`LibreOffice.route`, :func:`route_text`), and ``hnb-xl verify`` prints it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import uuid
from pathlib import Path

from .recalc import FORMULA_LOAD, VBA_IMPORT, LibreOffice, LibreOfficeError, profile_settings

CLIENT = Path(__file__).with_name("uno_client.py")

# The kept-running LibreOffice's profile: no recalculation on load ("never": OOXMLRecalcMode and
# ODFRecalcMode 1), because :mod:`.uno_client` calls calculateAll() on every document it opens, and
# no import of the workbook's VBA (its macros are never run here: MacroExecutionMode 0). Measured on
# the bundled workbook, four loads each through UNO: 0.45 s a load with the per-call profile
# (recalculation on load, VBA imported), 0.28 s with this one; calculateAll() 0.02-0.04 s either way.
# (LibreOffice's settings: officecfg/registry/schema/org/openoffice/Office/Calc.xcs,
# https://git.libreoffice.org/core/+/refs/heads/master/officecfg/registry/schema/org/openoffice/Office/Calc.xcs)
LIVE_XCU = profile_settings((FORMULA_LOAD, "OOXMLRecalcMode", 1), (FORMULA_LOAD, "ODFRecalcMode", 1),
                            (VBA_IMPORT, "Load", "false"), (VBA_IMPORT, "Executable", "false"))


def uno_python() -> str | None:
    """A Python that can ``import uno`` (``HNB_UNO_PYTHON``, else /usr/bin/python3), or None."""
    for exe in (os.environ.get("HNB_UNO_PYTHON"), "/usr/bin/python3"):
        if exe and Path(exe).exists():
            try:
                if subprocess.run([exe, "-c", "import uno"], capture_output=True, timeout=30).returncode == 0:
                    return exe
            except (OSError, subprocess.TimeoutExpired):
                continue
    return None


ROUTE_ENV = "HNB_LIBREOFFICE_ROUTE"
ROUTES = ("uno", "convert-to")
UNO_INSTALL = "apt-get install python3-uno"


class UnoOffice(LibreOffice):
    """A LibreOffice kept running: started at the first conversion, stopped by :meth:`close`."""

    route = "uno"
    settings = LIVE_XCU

    def __init__(self, soffice: str | None = None, profile: str | Path | None = None, timeout: float = 240,
                 python: str | None = None):
        super().__init__(soffice, profile, timeout)
        self.python = python or uno_python()
        if not self.python:
            raise LibreOfficeError("no Python with LibreOffice's uno module (apt-get install python3-uno)")
        self._proc: subprocess.Popen | None = None

    def _start(self) -> None:
        pipe = f"hnb_xl_{uuid.uuid4().hex}"
        self._proc = subprocess.Popen([self.python, str(CLIENT), self.soffice, self.profile.resolve().as_uri(), pipe],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      text=True, start_new_session=True)
        ready = self._answer()
        if not ready.get("ready"):
            self._stop()
            raise LibreOfficeError(f"LibreOffice (UNO) did not start: {ready.get('error', 'no answer')}")

    def _answer(self) -> dict:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self._proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.timeout)
        if not result or not result[0]:
            self._stop()
            raise LibreOfficeError(f"LibreOffice (UNO) gave no answer within {self.timeout:.0f} s")
        return json.loads(result[0])

    def convert(self, src: Path, outdir: Path, to: str = "xlsx") -> Path:
        if to != "xlsx":      # soffice --convert-to, with a profile that recalculates on load
            return LibreOffice(self.soffice, self.profile / "convert-to", self.timeout).convert(src, outdir, to)
        src, outdir = Path(src), Path(outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        result = outdir / (src.stem + ".xlsx")
        answer = self._request({"src": str(src.resolve()), "out": str(result.resolve())}, check=False)
        if not answer.get("ok") or not result.exists():
            raise LibreOfficeError(f"LibreOffice failed on {src.name}: {answer.get('error', 'no output')}")
        return result

    live = True     # recalc.recalculate may keep the copy open here and read its values through UNO

    def _request(self, req: dict, check: bool = True) -> dict:
        """Send one request to :mod:`.uno_client` (starting it when needed) and return its answer;
        ``check``: an answer that is not ok is a LibreOfficeError."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            self._proc.stdin.write(json.dumps(req) + "\n")
            self._proc.stdin.flush()
            answer = self._answer()
        if check and not answer.get("ok"):
            raise LibreOfficeError(f"LibreOffice (UNO) failed: {answer.get('error', 'no answer')}")
        return answer

    def open_values(self, src: Path, values: bool = True) -> dict | None:
        """Open ``src`` in the running LibreOffice, calculate every formula and return its values
        (:mod:`.uno_client`'s ``open``: {sheet: [[row, col, value], ...]}); the document stays open
        for :meth:`write_values` until :meth:`close_document` or the next open. ``values=False``:
        only open it, for a :meth:`write_values` that follows (which calculates every formula and
        reads the values; about 0.3 s less on the bundled workbook) and return None."""
        answer = self._request({"op": "open", "src": str(Path(src).resolve()), "values": values})
        return answer["values"] if values else None

    def write_values(self, cells: list, blocks: list = ()) -> dict:
        """Set ``blocks`` ([sheet, row, col, rows of numbers and text] each, one UNO call a block) and
        ``cells`` ([sheet, row, col, value] each) in the open document, calculate again and return
        its values (as :meth:`open_values`)."""
        return self._request({"op": "write", "cells": cells, "blocks": list(blocks)})["values"]

    def close_document(self) -> None:
        self._request({"op": "close"})

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
            proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)   # only the process group we started
            proc.wait()

    def close(self) -> None:
        self._stop()
        super().close()


def chosen_route(route: str | None = None) -> str:
    """``route``, else ``HNB_LIBREOFFICE_ROUTE``, else "auto"; anything else is a LibreOfficeError."""
    route = (route or os.environ.get(ROUTE_ENV) or "auto").strip().lower()
    if route not in ("auto", *ROUTES):
        raise LibreOfficeError(f"{ROUTE_ENV}={route!r}: expected one of {', '.join(ROUTES)} (or unset)")
    return route


def best_office(soffice: str | None = None, profile: str | Path | None = None, route: str | None = None) -> LibreOffice:
    """The office for ``route`` (:func:`chosen_route`): "uno" a :class:`UnoOffice` (a LibreOfficeError
    when no Python has ``uno``), "convert-to" a per-call :class:`LibreOffice`, "auto" a UnoOffice
    when a Python with ``uno`` exists, else the per-call one."""
    route = chosen_route(route)
    if route == "uno" or (route == "auto" and uno_python()):
        return UnoOffice(soffice, profile)
    return LibreOffice(soffice, profile)


def route_text(office: LibreOffice) -> str:
    """One line for the user: which way LibreOffice recalculated, and how to get the faster one."""
    if office.route == "uno":
        return "LibreOffice kept running, driven through UNO (python3-uno)"
    text = "LibreOffice started for this file (soffice --convert-to)"
    if chosen_route() == "auto":
        text += f": {UNO_INSTALL} to keep one LibreOffice running (faster for repeated runs)"
    return text


__all__ = ["ROUTE_ENV", "UnoOffice", "best_office", "chosen_route", "route_text", "uno_python"]
