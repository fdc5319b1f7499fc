"""A text dump of every cell of a built workbook, so that a formula change shows as a line in review.

``hnb-xl build OUT.xlsm`` writes ``OUT.cells.txt`` beside the workbook (the bundled one is
``workbook/HNB_Model.cells.txt``, committed with it). One line per non-empty cell, sheets in
workbook order, then row by row, left to right::

    Calc_Projection!D16: =C16*D13
    Inputs!C6: 450000
    Cover!B1: "HNB Model: High Needs Block, DSG deficit, SEND Contingency and block transfer"
    Calc_Contingency!L14: {=HNB_CONTINGENCY(Schools_Table,Pot,Cost_Per_EHCP,Notional_Share)} L14:L1014

A formula is written as it is stored (starting with ``=``); an array formula in braces followed by
the range it fills; text in double quotes with JSON escapes (so a text that starts with ``=`` is not
mistaken for a formula, and a line break stays on its line); a number as Python writes it, a whole
float as an integer (what the .xlsx file stores and openpyxl reads back); TRUE/FALSE. The build
time (``layout.BUILD_TIME_CELL``) is written as ``<build time>``, so two builds of the same code
give the same file.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from openpyxl.worksheet.formula import ArrayFormula

from . import layout as L

SUFFIX = ".cells.txt"
BUILD_TIME_MASK = "<build time>"


def dump_path(workbook: str | Path) -> Path:
    """``OUT.cells.txt`` beside ``OUT.xlsm``."""
    p = Path(workbook)
    return p.with_name(p.stem + SUFFIX)


def cell_text(value) -> str:
    """One cell's value as the dump writes it (see the module docstring)."""
    if isinstance(value, ArrayFormula):
        return f"{{{value.text}}} {value.ref}"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    text = str(value)
    if text.startswith("="):
        return text
    return json.dumps(text, ensure_ascii=False)


def lines(wb) -> list[str]:
    """``Sheet!A1: value`` for every non-empty cell of an openpyxl workbook (see the module docstring)."""
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                if (ws.title, c.coordinate) == L.BUILD_TIME_CELL:
                    out.append(f"{ws.title}!{c.coordinate}: {BUILD_TIME_MASK}")
                    continue
                if c.data_type == "s" and isinstance(c.value, str):
                    out.append(f"{ws.title}!{c.coordinate}: {json.dumps(c.value, ensure_ascii=False)}")
                    continue
                out.append(f"{ws.title}!{c.coordinate}: {cell_text(c.value)}")
    return out


def text(wb) -> str:
    return "\n".join(lines(wb)) + "\n"


def write(wb, path: str | Path) -> Path:
    """Write the dump of ``wb`` to ``path`` (UTF-8, ``\\n`` line ends on every system)."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text(wb))
    return Path(path)


__all__ = ["SUFFIX", "BUILD_TIME_MASK", "dump_path", "cell_text", "lines", "text", "write"]
