"""The inputs a report or a pack runs on: the bundled data, or a model workbook's Inputs sheet.

A workbook is read the way ``hnb-xl verify`` reads it (:func:`hnb_xl.workbook.verify.check.load`
opens it, never saving; :func:`hnb_xl.workbook.verify.compare.input_frames` reads each Inputs table
at layout.py's addresses through the refresh's :func:`~hnb_xl.workbook.refresh.plan.read_table` and
validates it by its schema). The first problem found is an :class:`~hnb_xl.errors.HnbInputError`
naming the workbook, the sheet and the cell: the command prints it on one line and exits 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import bundled
from ..errors import HnbInputError, raise_all
from ..tables.cells import is_blank
from ..tables.schema import ASSUMPTIONS, PLACEMENT_SOURCE_TABLES, PLACEMENT_WORKSTREAMS_TABLE
from .edition import Edition, edition


@dataclass
class Inputs:
    """Input tables by schema name (None: the bundled table) and the parameters ({name: value})."""
    tables: dict[str, pd.DataFrame | None] = field(default_factory=dict)
    parameters: dict = field(default_factory=bundled.parameters)
    sources: dict = field(default_factory=lambda: _sources(bundled.parameter_table()))   # parameter -> Source
    own_record: dict | None = None     # the council's own assurance record ({part: frame}), from the Logs

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def parameter(self, name: str):
        """A parameter's value: the workbook's, else the bundled one."""
        v = self.parameters.get(name)
        return bundled.parameters()[name] if is_blank(v) else v

    def edition(self) -> Edition:
        h = self.get("history")
        a = self.get("assumptions")
        return edition(bundled.history() if h is None else h, bundled.assumptions() if a is None else a,
                       {k: self.parameter(k) for k in ("authority_name", "authority_code")},
                       self.sources.get("authority_name", ""))


def _sources(frame: pd.DataFrame) -> dict:
    return {str(n).strip(): "" if is_blank(s) else str(s).strip() for n, s in zip(frame["name"], frame["source"])}


# the Inputs tables the report uses, then the plan's: the Safety_Valve sheet's agreement terms and
# workstreams (verify.compare.safety_valve_frames) and the instalments as paid
USED = ("parameters", "history", "assumptions", "block_transfer", "invest_to_transform", "schools",
        "agreement", "workstreams", "payments", "montecarlo", "uncertainty")
PLACEMENT = ("placement_history",) + PLACEMENT_SOURCE_TABLES + (PLACEMENT_WORKSTREAMS_TABLE,)


def bundled_inputs() -> Inputs:
    return Inputs()


def workbook_inputs(path) -> Inputs:
    """The Inputs of the model workbook at ``path``, validated (HnbInputError at the first bad cell)."""
    from ..workbook import layout as L
    from ..workbook.refresh.cells import OpenpyxlCells
    from ..workbook.refresh.plan import current_frame, targets
    from ..workbook.verify.check import load
    from ..workbook.verify.compare import input_frames

    wb = load(path)
    if L.INPUTS not in wb.sheetnames:
        raise HnbInputError(f"has no sheet {L.INPUTS}: is it the HNB model workbook?", source=str(path))
    cells = OpenpyxlCells(wb)
    frames, findings = input_frames(cells)
    # a problem in a table the report and pack do not use is verify's; the payments table left
    # empty means the assumed instalment profile (layout.INPUT_TABLES["payments"])
    titles = tuple(f"{targets()[k].title}:" for k in USED if k in targets())
    empty = f"{targets()['payments'].title}:" if "payments" in targets() else None
    findings = [f for f in findings if (f.message.startswith(titles) or f.sheet == L.SAFETY_VALVE)
                and not (empty and f.message.startswith(empty) and f.message.endswith("has no data rows"))]
    # the placement tables too (the pack's placement charts, api.placement_charts): all of them
    # or, if one holds a problem (verify's to name), none
    placed = tuple(f"{targets()[k].title}:" for k in PLACEMENT if k in targets())
    keep = USED + (() if any(f.message.startswith(placed) for f in findings) else PLACEMENT)
    frames = {k: v for k, v in frames.items() if k in keep}
    sources = _sources(current_frame(cells, targets()["parameters"]))
    from .. import assurance
    from ..workbook.sheets.logs import read_own_record
    own = read_own_record(cells)          # a council's own assurance record (Logs), checked as its files
    raise_all(assurance.own_problems(own or {}))
    if findings:
        f = findings[0]
        more = f" (and {len(findings) - 1} more: hnb-xl verify lists them)" if len(findings) > 1 else ""
        raise HnbInputError(f"{f.where}: {f.message}{more}", source=str(path))
    if "assumptions" in frames:
        frames["assumptions"] = with_bundled_basis(frames["assumptions"])
    p = frames.pop("parameters")
    parameters = {str(n).strip(): v for n, v in zip(p["name"], p["value"])}
    return Inputs(frames, parameters, sources, own)


def with_bundled_basis(frame: pd.DataFrame) -> pd.DataFrame:
    """A workbook's assumptions (the Inputs hold no basis column) with the bundled default
    scenario's basis ("calibrated", "extrapolated: 2025-26") when they ARE that scenario, year for
    year and driver for driver (to 1e-9): so its extrapolated years and its calibration are said as
    for the bundled data. Any other assumptions are returned as they are."""
    ref = bundled.assumptions()
    cols = [c.name for c in ASSUMPTIONS.columns]
    if len(frame) != len(ref) or list(frame["financial_year"]) != list(ref["financial_year"]):
        return frame
    numbers = [c for c in cols if c != "financial_year"]
    a, b = frame[numbers].astype(float).to_numpy(), ref[numbers].astype(float).to_numpy()
    if not np.allclose(a, b, rtol=0, atol=1e-9):
        return frame
    out = frame.copy()
    out["basis"] = list(ref["basis"])
    return out
