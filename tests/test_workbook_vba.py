"""The workbook's VBA (read back with oletools' olevba) is xlwings' own and names the pinned xlwings.

The xlwings VBA module calls a DLL named after one xlwings version; a different installed xlwings
fails in Excel ("xlwings version mismatch"). This test fails when the workbook's VBA, the
installed xlwings and the setup.cfg pin disagree: then rebuild with `hnb-xl build`.
"""

from __future__ import annotations

import configparser
import re
import zipfile
from pathlib import Path

import pytest
import xlwings
from oletools.olevba import VBA_Parser

from hnb_xl.workbook.build import TEMPLATE

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbook" / "HNB_Model.xlsm"


@pytest.fixture(scope="module")
def modules() -> dict[str, str]:
    parser = VBA_Parser(str(COMMITTED))
    try:
        assert parser.detect_vba_macros(), "no VBA project in the workbook"
        return {name: code for _f, _s, name, code in parser.extract_macros()}
    finally:
        parser.close()


def pinned_xlwings() -> str:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    pins = [line.strip() for line in cfg["options"]["install_requires"].splitlines() if line.strip()]
    match = [p for p in pins if p.startswith("xlwings==")]
    assert match, "setup.cfg must pin xlwings exactly (xlwings==X.Y.Z)"
    return match[0].split("==", 1)[1]


def test_vba_version_matches_installed_and_pinned_xlwings(modules):
    code = modules["xlwings.bas"]
    found = re.findall(r'XLWINGS_VERSION As String = "([^"]+)"', code)
    assert found, "XLWINGS_VERSION not found in the xlwings module"
    assert set(found) == {xlwings.__version__} == {pinned_xlwings()}


def test_dll_names_match_the_version(modules):
    dlls = set(re.findall(r'"(xlwings(?:32|64)-([0-9.]+)\.dll)"', modules["xlwings.bas"]))
    assert dlls, "no xlwings DLL named in the VBA"
    assert {v for _name, v in dlls} == {xlwings.__version__}
    assert {name for name, _v in dlls} == {f"xlwings32-{xlwings.__version__}.dll", f"xlwings64-{xlwings.__version__}.dll"}


def test_the_vba_project_is_the_templates_byte_for_byte():
    """No VBA of ours is injected: the shipped project is xlwings' standalone template's."""
    with zipfile.ZipFile(COMMITTED) as a, zipfile.ZipFile(TEMPLATE) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")


def test_import_functions_macro_is_there(modules):
    """The Cover tells users to run ImportPythonUDFs: it must exist in the VBA."""
    assert re.search(r"^\s*(Public\s+)?Sub\s+ImportPythonUDFs\b", modules["xlwings.bas"], re.M | re.I)


def test_udf_module_text_for_manual_import_is_committed():
    """The Cover's fallback (import xlwings_udfs.bas by hand) needs the file beside the workbook."""
    bas = (ROOT / "workbook" / "xlwings_udfs.bas").read_text(encoding="ascii")
    assert 'Attribute VB_Name = "xlwings_udfs"' in bas
    for name in ("HNB_DEFICIT", "HNB_CONTINGENCY", "HNB_TRANSFER"):
        assert f"Function {name}(" in bas
