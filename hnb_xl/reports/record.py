"""The assurance record and the back-test as ``report`` and the pack show them (issue 16 part 4,
issue 14 part 5).

* The record is :func:`hnb_xl.assurance.rows` (given by the command: ``hnb_xl/commands/report.py``; HM Treasury, The Aqua Book, 2015: roles, the
  assumptions log with each owner, date, red/amber/green rating, source and effect, the decisions
  and validation logs, the statement and limitations), under the Logs sheet's own headings
  (``hnb_xl/workbook/sheets/logs.py``, ASSURANCE_PARTS: one place for them). It describes the
  bundled data (``hnb_xl/data/assurance_*.csv``), so it is shown only for the inputs it describes
  (:func:`hnb_xl.assurance.describes`: the same authority name and DfE LA code); for any other
  authority the report and the pack say, as the Logs sheet does, that it has not been written for
  it and which files to fill in (:func:`hnb_xl.assurance.not_written`), never the bundled record.
* The back-test (``--sen2 RELEASE``) is :func:`hnb_xl.engine.backtest.backtest`: the projected EHCPs
  against DfE's SEN2 actuals year by year, error = projected - actual in plans and as a fraction of
  the actual (census of January Y = financial year (Y-1)-Y). Without a release, the validation
  log's back-test rows (a check whose words say "back-test") say what was back-tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .output import format_value

# the back-test table's columns (engine/backtest.py's names): kinds and titles, for the backtest
# command, the report and the pack
BACKTEST_KINDS = {"ehcp_count_projected": "count", "ehcp_count_actual": "count", "ehcp_count_error": "count",
                  "ehcp_count_error_pct": "pct"}
BACKTEST_TITLES = {"financial_year": "Year", "census": "Actual: census", "ehcp_count_projected": "Projected EHCPs",
                   "ehcp_count_actual": "Actual EHCPs", "ehcp_count_error": "Error (plans)",
                   "ehcp_count_error_pct": "Error"}
CENSUS_NOTE = ("EHC plans at the January census (January Y = financial year (Y-1)-Y). "
               "Error = projected - actual.")


@dataclass(frozen=True)
class Assurance:
    """What the report and the pack show of the record: ``parts`` (:func:`part_tables`; None when
    the inputs are another authority's, and ``not_written`` says so), the validation log's
    back-tests (:func:`stored_backtests`), the inputs' ``authority`` and, with ``--sen2``, the
    back-test table and its release."""
    authority: str
    parts: list[tuple[str, pd.DataFrame]] | None
    stored_backtests: pd.DataFrame | None = None
    not_written: tuple[str, ...] = ()
    backtest: pd.DataFrame | None = None
    backtest_source: str = ""


def _figure(v, unit) -> str:
    if v is None or isinstance(v, str):
        return "" if v is None else v
    return format_value(v, "money_short" if unit == "£" else "count")


def part_tables(parts: dict, layout) -> list[tuple[str, pd.DataFrame]]:
    """Each part of the record (assurance.rows()) as (heading, a frame of text under the Logs
    sheet's headers), in the Logs sheet's order: ``layout`` is its ASSURANCE_PARTS, (part, heading,
    [(column, header, width)])."""
    out = []
    for part, heading, columns in layout:
        rows = []
        for rec in parts.get(part, []):
            row = {}
            for key, header, _w in columns:
                v = rec.get(key)
                if key in ("published", "model", "difference"):
                    v = _figure(v, rec.get("unit"))
                elif key == "rating" and isinstance(v, str):
                    v = v.capitalize()
                row[header] = "" if v is None else str(v)
            rows.append(row)
        out.append((heading, pd.DataFrame(rows, columns=[h for _k, h, _w in columns])))
    return out


def stored_backtests(parts: dict) -> pd.DataFrame:
    """The validation log's back-test rows (what was back-tested, without a release), as text."""
    rows = [{"Check": r["check"], "Published": _figure(r.get("published"), r.get("unit")),
             "Model": _figure(r.get("model"), r.get("unit")), "Difference": _figure(r.get("difference"), r.get("unit")),
             "Source": r.get("source") or ""}
            for r in parts.get("validation", []) if "back-test" in str(r.get("check", "")).lower()]
    return pd.DataFrame(rows, columns=["Check", "Published", "Model", "Difference", "Source"])


def backtest_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The back-test table's cells as text, under :data:`BACKTEST_TITLES` (the EHCP columns)."""
    cols = [c for c in BACKTEST_TITLES if c in frame.columns]
    return pd.DataFrame({BACKTEST_TITLES[c]: [format_value(v, BACKTEST_KINDS[c]) if c in BACKTEST_KINDS else
                                              ("" if v is None else str(v)) for v in frame[c]] for c in cols})


__all__ = ["Assurance", "BACKTEST_KINDS", "BACKTEST_TITLES", "CENSUS_NOTE", "backtest_text", "part_tables",
           "stored_backtests"]
