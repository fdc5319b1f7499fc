"""Back-test: a forecast's projected figures against what happened, year by year.

For each financial year in both the projection and the actuals, and each measure both hold
(``ehcp_count``; ``hnb_expenditure`` and ``accumulated_deficit`` where outturn is given):

    error      = projected - actual            (plans, or pounds: positive = the forecast was too high)
    error_pct  = error / actual                (a fraction of the actual; not known when actual is 0)

For the bundled July 2022 forecast of Cambridgeshire (Schools Forum, 15 July 2022, typed in
``tests/seed.py``) against DfE's 2025 release: 2022-23 projected 6,710 against 6,972 actual is an
error of -262 plans (-3.8%). An actual that is not known (a DfE code) leaves that year's error not
known. Worked through in docs/sen2.md.

EHCP actuals are January census counts: the census of January Y is financial year (Y-1)-Y, so the
projection's 2022-23 is compared with the January 2023 census (see :mod:`hnb_xl.sources.sen2`).
Pure: pandas in, pandas out; no files, no Excel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ModelError

MEASURES = ("ehcp_count", "hnb_expenditure", "accumulated_deficit")


def backtest(projected: pd.DataFrame, actual: pd.DataFrame, measures=MEASURES) -> pd.DataFrame:
    """``financial_year``, then per measure present in both frames ``<m>_projected``, ``<m>_actual``,
    ``<m>_error``, ``<m>_error_pct``; one row per financial year in both, in year order.

    Raises :class:`~hnb_xl.errors.ModelError` when the two share no financial year or no measure.
    """
    for name, frame in (("projection", projected), ("actuals", actual)):
        if "financial_year" not in frame:
            raise ModelError(f"the {name} has no financial_year column", field="financial_year", table=name)
    both = [m for m in measures if m in projected and m in actual]
    if not both:
        raise ModelError(f"the projection and the actuals share none of {', '.join(measures)}", field=measures[0],
                         table="actuals")
    p = projected.set_index("financial_year")
    a = actual.set_index("financial_year")
    years = [y for y in p.index if y in a.index]
    if not years:
        raise ModelError(f"no financial year in both: the projection has {_span(list(p.index))}, the actuals "
                         f"{_span(list(a.index))}", field="financial_year", table="actuals")
    out = pd.DataFrame({"financial_year": years})
    for m in both:
        proj = pd.to_numeric(p.loc[years, m], errors="coerce").astype(float).to_numpy()
        act = pd.to_numeric(a.loc[years, m], errors="coerce").astype(float).to_numpy()
        err = proj - act
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(act != 0, err / act, np.nan)
        out[f"{m}_projected"] = proj
        out[f"{m}_actual"] = act
        out[f"{m}_error"] = err
        out[f"{m}_error_pct"] = pct
    return out


def _span(years: list) -> str:
    return f"{years[0]} to {years[-1]}" if years else "none"
