"""VBA for the workbook, generated from the UDF spec: the ``xlwings_udfs`` module and the
Function Wizard registration.

``xlwings_udfs.bas`` is produced by xlwings' OWN code: its classic decorators and its
``import_udfs`` / ``generate_vba_wrapper`` from ``xlwings/udfs.py``, which is what Excel's
"Import Functions" button runs on Windows. That module imports pywin32 at import time, so it is
loaded here with ``pythoncom``, ``pywintypes`` and ``win32com.client`` stubbed, hnb_xl.udfs is
loaded afresh with xlwings' classic decorators in place of the Linux no-ops, and ``import_udfs``
is run against a stand-in workbook that records what Excel would receive: the module text passed
to ``VBComponents.Import`` and every ``Application.MacroOptions`` call.

``hnb_register.bas`` holds ``HNB_RegisterFunctions``, a VBA Sub making the same MacroOptions
calls (description, argument help, category "HNB") from inside the workbook, because on a
machine that never ran "Import Functions" Excel knows nothing of them.

Files are written with CRLF line ends and plain ASCII, as VBA's Export writes them.
Run ``python -m hnb_xl.excel.vba [OUTDIR]`` to regenerate both (default: :func:`default_outdir`, the
folder ``hnb-xl build`` writes into: a checkout's workbook/, else the current folder).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import io
import sys
import types
from pathlib import Path
from unittest import mock

from .spec import FUNCTIONS, UDF_MODULE, FunctionSpec

WORKBOOK_NAME = "HNB_Model.xlsm"
UDFS_BAS = "xlwings_udfs.bas"
REGISTER_BAS = "hnb_register.bas"
REGISTER_MODULE = "hnb_register"
REGISTER_SUB = "HNB_RegisterFunctions"
_STUBS = ("pythoncom", "pywintypes", "win32com", "win32com.client")


# ---------------------------------------------------------------- xlwings' classic udfs module

@functools.lru_cache(maxsize=None)
def classic_xlwings_udfs() -> types.ModuleType:
    """``xlwings.udfs`` (the Windows implementation) importable on any platform.

    On Windows the real pywin32 is used. Elsewhere stub modules stand in while it is imported and
    are removed again afterwards, as is ``xlwings.udfs`` from ``sys.modules`` (so nothing else
    in the process finds a half-working module); the returned module keeps its references.
    """
    try:
        import pythoncom  # noqa: F401  (Windows with pywin32)
        return importlib.import_module("xlwings.udfs")
    except ImportError:
        pass

    class com_error(Exception):
        pass

    stubs = {
        "pythoncom": types.SimpleNamespace(CoInitialize=lambda: None, IID_IDispatch=None),
        "pywintypes": types.SimpleNamespace(com_error=com_error),
        "win32com": types.ModuleType("win32com"),
        "win32com.client": types.SimpleNamespace(Dispatch=_no_com),
    }
    saved = {k: sys.modules.get(k) for k in (*_STUBS, "xlwings.udfs")}
    import xlwings
    had_attr = hasattr(xlwings, "udfs")
    try:
        sys.modules.update(stubs)
        sys.modules.pop("xlwings.udfs", None)
        module = importlib.import_module("xlwings.udfs")
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
        if not had_attr and hasattr(xlwings, "udfs"):
            delattr(xlwings, "udfs")
    return module


def _no_com(*args, **kwargs):
    raise RuntimeError("COM is not available: this stand-in only serves VBA generation")


def load_udfs_classic(xu: types.ModuleType | None = None) -> types.ModuleType:
    """A fresh copy of hnb_xl.udfs decorated with xlwings' classic decorators (``__xlfunc__``
    metadata as on Windows). The copy is not put in ``sys.modules``."""
    import xlwings

    xu = xu or classic_xlwings_udfs()
    real = importlib.import_module(UDF_MODULE)
    spec = importlib.util.spec_from_file_location(UDF_MODULE, real.__file__)
    module = importlib.util.module_from_spec(spec)
    with mock.patch.multiple(xlwings, func=xu.xlfunc, arg=xu.xlarg, ret=xu.xlret):
        spec.loader.exec_module(module)
    return module


class _Recorder:
    """Stands in for the COM workbook object that ``import_udfs`` talks to."""

    def __init__(self, name: str, excel_version: str = "16.0"):
        self.Name = name
        self.imported: list[str] = []
        self.removed = 0
        self.macro_options: list[tuple[tuple, dict]] = []
        rec = self

        class _Components:
            def __call__(self, name):
                return name

            def Remove(self, component):
                rec.removed += 1

            def Import(self, path):
                with open(path, encoding="utf-8", newline="") as fh:
                    rec.imported.append(fh.read())

        class _App:
            Version = excel_version

            def MacroOptions(self, *args, **kwargs):
                rec.macro_options.append((args, kwargs))

        self.VBProject = types.SimpleNamespace(VBComponents=_Components())
        self.Application = _App()


def run_xlwings_import(workbook_name: str = WORKBOOK_NAME, module=None):
    """Run xlwings' own ``import_udfs`` for hnb_xl.udfs against a recording workbook.

    Returns ``(module_text, macro_options)``: the ``xlwings_udfs`` module text exactly as xlwings
    wrote it (LF line ends, as on Linux) and the list of ``(args, kwargs)`` of every
    ``Application.MacroOptions`` call it made.
    """
    xu = classic_xlwings_udfs()
    module = module or load_udfs_classic(xu)
    book = _Recorder(workbook_name)
    xu.udf_modules[UDF_MODULE] = {"filename": module.__file__, "filetime": None, "module": module}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            xu.import_udfs(UDF_MODULE, book)
    finally:
        xu.udf_modules.pop(UDF_MODULE, None)
    if len(book.imported) != 1:
        raise RuntimeError(f"xlwings imported {len(book.imported)} modules, expected 1")
    return book.imported[0], book.macro_options


# ---------------------------------------------------------------- the files

def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def xlwings_udfs_bas(workbook_name: str = WORKBOOK_NAME) -> str:
    """Text of workbook/xlwings_udfs.bas (CRLF, as Excel's Import Functions writes it on Windows)."""
    text, _ = run_xlwings_import(workbook_name)
    return crlf(text)


def vba_string(text: str) -> str:
    """A VBA string literal: double quotes doubled."""
    if not text.isascii() or "\n" in text:
        raise ValueError(f"VBA text must be one line of ASCII: {text!r}")
    return '"' + text.replace('"', '""') + '"'


def _register_call(f: FunctionSpec) -> list[str]:
    lines = []
    if f.args:
        lines.append(f"ReDim argHelp(1 To {len(f.args)})")
        for i, a in enumerate(f.args, start=1):
            lines.append(f"argHelp({i}) = {vba_string(a.help)}")
    lines.append(f"Application.MacroOptions Macro:=book & {vba_string(f.name)}, _")
    lines.append(f"    Description:={vba_string(f.description)}, _")
    lines.append(f"    Category:={vba_string(f.category)}" + (", _" if f.args else ""))
    if f.args:
        lines.append("    ArgumentDescriptions:=argHelp")
    return lines


def macro_options_vba(functions: dict[str, FunctionSpec] | None = None) -> str:
    """Text of workbook/hnb_register.bas: ``HNB_RegisterFunctions`` calls ``Application.MacroOptions``
    for every spec function (the same description, category and argument help that xlwings'
    Import Functions registers). Needs Excel 2010 or later (ArgumentDescriptions).
    Failures go to the Immediate window, never to a dialog: registration is a nicety."""
    functions = functions or FUNCTIONS
    out = [f'Attribute VB_Name = "{REGISTER_MODULE}"',
           "' Generated by `python -m hnb_xl.excel.vba` from hnb_xl/excel/spec.py - changes will be lost.",
           "' Registers the HNB_ functions' descriptions, argument help and category \"HNB\" in the",
           "' Function Wizard (Insert Function). Run it once after opening, e.g. from Workbook_Open.",
           "Option Explicit",
           "",
           f"Public Sub {REGISTER_SUB}()",
           "    Dim book As String",
           "    Dim argHelp() As String",
           "    On Error GoTo failed",
           "    book = \"'\" & ThisWorkbook.Name & \"'!\""]
    for f in functions.values():
        out += ["    " + line for line in _register_call(f)]
    out += ["    Exit Sub",
            "failed:",
            f'    Debug.Print "{REGISTER_SUB}: " & Err.Description',
            "End Sub",
            ""]
    return crlf("\n".join(out))


SOURCE_TREE = Path(__file__).resolve().parents[2]      # the checkout, when the package runs from one


def default_outdir() -> Path:
    """Where the generated files go without a path (the .bas files here, ``hnb-xl build``'s workbook
    too): in a source checkout (or an editable install of one: ``pyproject.toml`` beside the
    package) its committed ``workbook/`` folder; otherwise the current folder. An installed package
    never writes into its own folder (site-packages)."""
    if (SOURCE_TREE / "pyproject.toml").is_file() and (SOURCE_TREE / "hnb_xl").is_dir():
        return SOURCE_TREE / "workbook"
    return Path.cwd()


def write(outdir: str | Path | None = None) -> list[Path]:
    """Write both .bas files into ``outdir`` (default :func:`default_outdir`; ASCII, CRLF); return their paths."""
    outdir = Path(outdir) if outdir is not None else default_outdir()
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in ((UDFS_BAS, xlwings_udfs_bas()), (REGISTER_BAS, macro_options_vba())):
        p = outdir / name
        p.write_bytes(text.encode("ascii"))
        paths.append(p)
    return paths


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for p in write(argv[0] if argv else None):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
