"""Companion of the HNB model workbook of the same name, written by `hnb-xl build`.

Keep it in the workbook's folder, named like the workbook (HNB_Model.xlsm -> HNB_Model.py; a
renamed workbook needs a copy of this file under its new name, which must be a valid Python
module name: letters, digits and _). The Cover's "Refresh from sources" button runs the
workbook's VBA macro SampleCall (xlwings' quickstart Module1):
    RunPython "import <workbook name>; <workbook name>.main()"
xlwings puts the workbook's folder first on sys.path, so this file is imported and main() runs.
"""

from hnb_xl.workbook.refresh import refresh_from_excel


def main():
    """Ask for source files, validate them, refresh this open workbook in place (see docs/refresh.md)."""
    refresh_from_excel()
