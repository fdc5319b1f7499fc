"""`hnb-xl backtest`: a bundled scenario's projected EHCPs against DfE's SEN2 actuals, year by year.

The projection is :func:`hnb_xl.api.projection` of the bundled history and the scenario's
assumptions; the actuals are the authority's January census counts from the release
(:func:`hnb_xl.sources.sen2.history`), the census of January Y standing for financial year
(Y-1)-Y. Error = projected - actual, in plans and as a fraction of the actual
(:func:`hnb_xl.engine.backtest.backtest`). With ``--outturn`` (a file in the history layout), HNB
expenditure and the accumulated deficit are set against it the same way.
"""

from __future__ import annotations

from .. import api, bundled
from ..engine.backtest import backtest
from ..errors import HnbInputError, ModelError
from ..reports.output import render
from ..reports.record import BACKTEST_KINDS, BACKTEST_TITLES, CENSUS_NOTE
from ..sources import sen2
from ._common import add_format

DEFAULT_LA = "Cambridgeshire"   # the bundled data's authority (hnb_xl/data/README.md: the seed)
COLUMNS = ["financial_year", "census", "ehcp_count_projected", "ehcp_count_actual", "ehcp_count_error",
           "ehcp_count_error_pct"]
KINDS, TITLES = BACKTEST_KINDS, BACKTEST_TITLES   # one place: hnb_xl/reports/record.py


def register(sub) -> None:
    p = sub.add_parser("backtest", help="a scenario's projected EHCPs against DfE's SEN2 actuals, year by year",
                       description="Back-test: the bundled scenario's projected EHCPs against the authority's "
                                   "actual EHC plans in DfE's SEN2 release (the January census of year Y is "
                                   "financial year (Y-1)-Y), with the error (projected - actual) in plans and "
                                   "per cent.")
    p.add_argument("--sen2", required=True, metavar="FILE", help="DfE's SEN2 release: zip, folder or caseload CSV")
    p.add_argument("--la", default=DEFAULT_LA, metavar="LA",
                   help=f"local authority: name, old code (873) or new code (E10000003); default {DEFAULT_LA}, "
                        "the bundled data's")
    p.add_argument("--scenario", default=bundled.DEFAULT_SCENARIO,
                   help=f"bundled projection scenario (default: {bundled.DEFAULT_SCENARIO})")
    p.add_argument("--outturn", metavar="FILE",
                   help="outturn years in the layout of a history file (CSV/XLSX, the columns of "
                        "`hnb-xl history --history`): HNB expenditure and the accumulated deficit are "
                        "back-tested too, for the years it holds")
    add_format(p)
    p.set_defaults(func=run)


OUTTURN = ("hnb_expenditure", "accumulated_deficit")


def table(release, la: str = DEFAULT_LA, scenario: str = bundled.DEFAULT_SCENARIO, outturn=None,
          history=None, assumptions=None):
    """The back-test table (one row per financial year in both the projection and the release); with
    ``outturn`` (a history-layout file) spend and the accumulated deficit too, where it has the year.
    ``history``/``assumptions`` (a workbook's, for ``report``/``pack``): projected from them instead
    of the bundled history and the scenario."""
    projected = api.projection(history, assumptions, scenario=scenario, labels={"scenario": "--scenario"})
    actual = sen2.history(release, la, "total")
    actuals = actual.frame[["financial_year", "ehcp_count"]]
    measures = ("ehcp_count",)
    if outturn is not None:
        spend = api.table(outturn, "history", labels={"history": "--outturn"}).frame[["financial_year", *OUTTURN]]
        actuals = actuals.merge(spend, on="financial_year", how="left")
        measures += OUTTURN
    try:
        out = backtest(projected, actuals, measures=measures)
    except ModelError as exc:
        raise HnbInputError(f"{exc.message} (scenario '{scenario}')", source=actual.source) from None
    census = dict(zip(actual.frame["financial_year"], actual.frame["census"]))
    out.insert(1, "census", out["financial_year"].map(census))
    columns = COLUMNS + [f"{m}_{k}" for m in measures[1:] for k in ("projected", "actual", "error", "error_pct")]
    return out[columns], actual


def run(args) -> str:
    out, actual = table(args.sen2, args.la, args.scenario, args.outturn)
    if args.format != "table":
        return render(out, args.format)
    a = actual.authority
    title = f"Back-test: scenario '{args.scenario}' against DfE SEN2, {a.get('name')}"
    kinds = {**KINDS, **{c: ("pct" if c.endswith("_pct") else "money") for c in out.columns if c not in KINDS
                         and c not in ("financial_year", "census")}}
    titles = {**TITLES, **{c: _title(c) for c in out.columns if c not in TITLES}}
    text = render(out, "table", kinds, titles, title=title)
    return text + f"\nActuals: {actual.source}, {CENSUS_NOTE}\n"


def _title(column: str) -> str:
    """"hnb_expenditure_error_pct" -> "HNB expenditure error %" (the outturn columns' titles)."""
    for m, label in (("hnb_expenditure", "HNB expenditure"), ("accumulated_deficit", "Accumulated deficit")):
        if column.startswith(m):
            rest = column[len(m) + 1:].replace("_pct", " %").replace("_", " ")
            return f"{label} {rest}"
    return column
