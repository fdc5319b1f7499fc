"""The workbook's words about its data, as formulas over the Inputs: the authority, its years and
the source. A refresh that brings another authority's inputs changes them with the inputs, so no
title holds a literal authority, year or source.

The rules are :mod:`hnb_xl.reports.edition`'s (the report and the pack use that module):
outturn = the first history year with an accumulated DSG deficit (a derived base year before it has
none) to the last history year (``History_Count``); forecast = the assumptions' first to last year
(``Assumptions_Count``); authority and DfE code = the ``authority_name`` and ``authority_code``
parameters (``hnb_xl/data/parameters.csv``), source = the authority row's Source cell.
"""

from __future__ import annotations

from .. import layout as L

_NAMES = dict(L.PARAMETERS)
AUTHORITY = _NAMES["authority_name"]
CODE = _NAMES["authority_code"]
_P = L.INPUT_TABLES["parameters"]
SOURCE = L.absref(_P.sheet, _P.col_of("Source"), L.parameter_row("authority_name"))   # the authority row's Source

_H = L.INPUT_TABLES["history"].column_names
_A = L.INPUT_TABLES["assumptions"].column_names
_S = L.INPUT_TABLES["schools"].column_names
_YEAR, _ACC = _H["Financial year"], _H["Accumulated DSG deficit"]
FIRST_OUTTURN = f'IF(ISNUMBER(INDEX({_ACC},1)),INDEX({_YEAR},1),INDEX({_YEAR},2))'
LAST_OUTTURN = f"INDEX({_YEAR},{L.NAMES['history_count']})"
FIRST_FORECAST = f"INDEX({_A['Financial year']},1)"
LAST_FORECAST = f"INDEX({_A['Financial year']},{L.NAMES['assumptions_count']})"
OUTTURN = f'{FIRST_OUTTURN}&" to "&{LAST_OUTTURN}'
FORECAST = f'{FIRST_FORECAST}&" to "&{LAST_FORECAST}'
# a school named "... (synthetic NNN)" is demo data (hnb_xl/data/README.md: demo_schools.csv)
SYNTHETIC = f'IF(COUNTIF({_S["School name"]},"*synthetic*")>0,"; schools are SYNTHETIC demo data","")'


def cover_note() -> str:
    """The Cover's line under the title: "Data: Cambridgeshire (DfE LA 873): outturn 2016-17 to
    2021-22, forecast 2022-23 to 2030-31; schools are SYNTHETIC demo data."."""
    return f'="Data: "&{AUTHORITY}&" (DfE LA "&{CODE}&"): outturn "&{OUTTURN}&", forecast "&{FORECAST}&{SYNTHETIC}&"."'


def cover_source() -> str:
    """The line under it: "Source: Cambridgeshire County Council, ..., Schools Forum, 15 July 2022 (the seed)"."""
    return f'="Source: "&{SOURCE}'


def titled(text: str, years: str = OUTTURN, unit: str = "") -> str:
    """A heading formula: "<authority>: <text>, <years><unit>"."""
    return f'={AUTHORITY}&": {text}, "&{years}' + (f'&"{unit}"' if unit else "")
