"""What a set of inputs describes, in words: the authority, its years and the source, from the data.

Every title that names the authority or its years (the report, the pack's charts and page; the
workbook's Cover and Outputs do the same with formulas, ``hnb_xl/workbook/sheets/edition.py``)
takes them from here, never from a literal:

* authority: the ``authority_name`` and ``authority_code`` parameters (``hnb_xl/data/parameters.csv``;
  the DfE three-digit LA code);
* source: the ``authority_name`` parameter's own Source (for the bundled data, the Schools Forum
  paper of the seed): where this authority's history and assumptions come from;
* outturn years: the first history year with an accumulated DSG deficit (a derived base year
  before it, with none, is not outturn) to the last history year;
* forecast years: the first assumptions year to the last one that is the scenario's own (a row whose
  ``basis`` starts "extrapolated" holds an earlier year's drivers: hnb_xl/data/README.md), or to the
  last row when the table says nothing of it (a workbook's Inputs).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..tables.cells import is_blank


@dataclass(frozen=True)
class Edition:
    authority: str
    code: str
    source: str
    first_outturn: str
    last_outturn: str
    first_forecast: str | None
    last_forecast: str | None

    @property
    def outturn(self) -> str:
        """"2016-17 to 2021-22"."""
        return f"{self.first_outturn} to {self.last_outturn}"

    @property
    def forecast(self) -> str:
        return f"{self.first_forecast} to {self.last_forecast}" if self.first_forecast else "none"

    @property
    def vintage(self) -> str:
        """The data vintage in one line: "outturn 2016-17 to 2021-22, forecast 2022-23 to 2025-26;
        source: ..."."""
        text = f"outturn {self.outturn}, forecast {self.forecast}"
        return text + (f"; source: {self.source}" if self.source else "")

    @property
    def title(self) -> str:
        """"Cambridgeshire High Needs Block, 2016-17 to 2021-22"."""
        return f"{self.authority} High Needs Block, {self.outturn}"

    def as_dict(self) -> dict:
        return {"authority": self.authority, "authority_code": self.code, "source": self.source,
                "outturn": [self.first_outturn, self.last_outturn],
                "forecast": [self.first_forecast, self.last_forecast]}


def _text(v) -> str:
    if is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def chart_title(text: str, authority: str | None, years: str) -> str:
    """A chart's title: "Deficit growth projected: Cambridgeshire, 2016-17 to 2030-31" (the
    workbook's Outputs charts and the pack's captions); without an authority, "<text>, <years>"."""
    return f"{text}: {authority}, {years}" if authority else f"{text}, {years}"


def authority_of(parameters: pd.DataFrame) -> str | None:
    """The ``authority_name`` value of a parameters table (``name``, ``value`` columns), or None."""
    if parameters is None or "name" not in parameters.columns:
        return None
    rows = parameters[parameters["name"].astype(str).str.strip() == "authority_name"]
    return (_text(rows["value"].iloc[0]) or None) if len(rows) else None


def edition(history: pd.DataFrame, assumptions: pd.DataFrame | None, parameters: dict, source: str = "") -> Edition:
    """The :class:`Edition` of validated ``history`` and ``assumptions`` frames (engine names), the
    ``parameters`` ({name: value}) they go with and the authority row's ``source``."""
    years = list(history["financial_year"])
    known = [y for y, a in zip(years, history["accumulated_deficit"]) if not is_blank(a)]
    first = known[0] if known else years[0]
    first_f = last_f = None
    if assumptions is not None and len(assumptions):
        rows = list(assumptions["financial_year"])
        basis = list(assumptions["basis"]) if "basis" in assumptions.columns else [""] * len(rows)
        own = [y for y, b in zip(rows, basis) if not _text(b).lower().startswith("extrapolated")]
        first_f, last_f = rows[0], (own or rows)[-1]
    return Edition(_text(parameters.get("authority_name")) or "The authority", _text(parameters.get("authority_code")),
                   _text(source), first, years[-1], first_f, last_f)
