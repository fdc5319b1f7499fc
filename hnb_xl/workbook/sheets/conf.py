"""The ``xlwings.conf`` sheet: the template's ``_xlwings.conf`` renamed (which activates it) with
``UDF Modules`` set to ``hnb_xl.udfs``. ``Interpreter_Win`` keeps the template's ``python``
(the first python on PATH); docs/excel.md says how to point it at another interpreter.

The sheet is hidden (Home > Format > Hide & Unhide > Unhide Sheet shows it): xlwings reads its
settings from a hidden sheet as from a visible one, and a hidden sheet is not printed, so its
template text stays out of the printed workbook."""

from __future__ import annotations

from .. import layout as L


def build(wb, ctx) -> None:
    ws = wb[L.TEMPLATE_SHEET_CONF]
    ws.title = L.XLWINGS_CONF
    ws[L.CONF_UDF_MODULES_CELL] = L.UDF_MODULES
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 40
    ws.sheet_state = "hidden"
