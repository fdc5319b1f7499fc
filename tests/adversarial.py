"""Bad-input files of the kinds council staff send, written on demand, each with its expected outcome.

``cases(folder)`` writes every file into ``folder`` and returns :class:`Case` records: the ``hnb-xl``
command line to run and what must happen. ``tests/test_adversarial.py`` runs them through the real
command (``hnb_xl.cli.main``). Expected outcomes:

* ``ok``    — exit 0: a forgiving tool accepts it (a BOM, ``£1,234``, Windows-1252, CR line endings, ...);
* ``error`` — exit 2 and ONE line on stderr containing every fragment given (the file's name, the
  row as the file shows it (the header is row 1), the column (as the file spells it, or the
  schema's header for it), the option);
* ``clean`` — either of the two (a file that may be read or refused, e.g. a semicolon-separated CSV),
  but never a traceback and, when refused, one line naming the file.

Run ``python -m tests.adversarial OUTDIR`` to write the files and print the list.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from hnb_xl import bundled


@dataclass
class Case:
    id: str
    argv: list[str]
    outcome: str                       # "ok" | "error" | "clean"
    fragments: list[str] = field(default_factory=list)
    needs_workbook: bool = False       # argv holds "{workbook}": a fresh copy of the built workbook
    isolate: bool = False              # run in a child process with a memory limit (a reader may blow up)


def _rows(frame) -> list[list[str]]:
    out = [list(frame.columns)]
    for rec in frame.itertuples(index=False):
        out.append(["" if (isinstance(v, float) and v != v) else
                    (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in rec])
    return out


def history_rows() -> list[list[str]]:
    return _rows(bundled.history().drop(columns=["basis"], errors="ignore"))


def assumptions_rows() -> list[list[str]]:
    return _rows(bundled.assumptions().drop(columns=["basis"], errors="ignore"))


def schools_rows(n: int = 12) -> list[list[str]]:
    frame = bundled.demo_schools().head(n)
    rows = _rows(frame)
    rows[0] = ["URN", "School name", "Phase", "Pupils on roll", "EHCPs", "Notional SEN budget"]
    return rows


def workstreams_rows() -> list[list[str]]:
    return _rows(bundled.plan_workstreams().drop(columns=["basis"], errors="ignore"))


def actuals_rows() -> list[list[str]]:
    return [["financial_year", "dsg_in_year_deficit"], ["2022-23", "14000000"], ["2023-24", "15500000"]]


def csv_text(rows, newline="\n", delimiter=",") -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline, delimiter=delimiter).writerows(rows)
    return buf.getvalue()


def edited(rows, row: int, column: str, value: str) -> list[list[str]]:
    """``rows`` with the cell at file row ``row`` (header = 1) in ``column`` set to ``value``."""
    out = [list(r) for r in rows]
    out[row - 1][out[0].index(column)] = value
    return out


def _typed(text: str):
    """A CSV cell as Excel would hold it: blank, a number, or text."""
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def write_xlsx(path: Path, rows, *, blank_rows_above: int = 0, stray: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.cell(blank_rows_above + i + 1, j + 1, _typed(v))
    if stray is not None:
        ws[stray] = " "
    wb.save(path)
    return path


def cases(folder: Path) -> list[Case]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Case] = []

    def file(name: str, text: str | bytes, encoding: str = "utf-8") -> str:
        p = folder / name
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_bytes(text.encode(encoding))
        return str(p)

    def add(id_, argv, outcome, *fragments, needs_workbook=False, isolate=False):
        out.append(Case(id_, list(argv), outcome, list(fragments), needs_workbook, isolate))

    H, A, S, W = history_rows(), assumptions_rows(), schools_rows(), workstreams_rows()
    last_hist = len(H)                     # file row of the last history year (2021-22)

    # ---------------------------------------------------------------- history (hnb-xl project --history)
    def hist(id_, rows_or_text, outcome, *frags, encoding="utf-8", name=None):
        text = rows_or_text if isinstance(rows_or_text, (str, bytes)) else csv_text(rows_or_text)
        p = file(name or f"history_{id_}.csv", text, encoding)
        add(f"history-{id_}", ["project", "--history", p], outcome, Path(p).name, *frags)

    hist("plain", H, "ok")
    hist("cr-line-endings", csv_text(H, newline="\r"), "ok")
    hist("crlf-line-endings", csv_text(H, newline="\r\n"), "ok")
    hist("utf8-bom", "\ufeff" + csv_text(H), "ok")
    hist("windows-1252-pound", csv_text(edited(H, 3, "hnb_budget", "£63,001,000")), "ok", encoding="cp1252")
    hist("pound-thousands", edited(H, 3, "hnb_budget", "£63,001,000"), "ok")
    hist("nbsp-in-number", edited(H, 3, "hnb_budget", "63001000\u00a0"), "ok")
    hist("blank-rows-above-header", "\n\n" + csv_text(H), "ok")
    hist("trailing-blank-rows", csv_text(H) + ",,,,\n,,,,\n\n", "ok")
    hist("utf16-tab-unicode-text", "\ufeff" + csv_text(H, delimiter="\t"), "ok", encoding="utf-16-le")
    hist("utf16-be-tab", "\ufeff" + csv_text(H, delimiter="\t"), "ok", encoding="utf-16-be")
    hist("semicolon-delimited", csv_text(H, delimiter=";"), "clean")
    # a comma-decimal locale's CSV: read by its semicolons, but 63001000,5 is not a number here
    hist("semicolon-decimal-comma", csv_text(edited(H, 3, "hnb_budget", "63001000,5"), delimiter=";"), "error",
         "row 3", "hnb_budget")
    hist("field-over-128k", edited(H, 3, "hnb_budget", "1" * 140_000), "error", "row 3", "hnb_budget")
    write_xlsx(folder / "tmp_hist.xlsx", H)
    hist("xlsx-renamed-csv", (folder / "tmp_hist.xlsx").read_bytes(), "ok", name="history_xlsx-renamed.csv")
    # an Excel 97-2003 workbook (OLE2 signature, MS-CFB 2.2) named .csv: refused, saying what to save it as
    hist("xls-97-2003-renamed-csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "error", ".xlsx")
    hist("blank-last-accumulated", edited(H, last_hist, "accumulated_deficit", ""), "error",
         f"row {last_hist}", "accumulated_deficit")
    hist("year-1899", edited(H, 2, "financial_year", "1899-00"), "error", "row 2", "financial_year")
    hist("year-2202", edited(H, 2, "financial_year", "2202-03"), "error", "row 2", "financial_year")
    hist("duplicate-year", edited(H, 3, "financial_year", "2015-16"), "error", "row 3", "financial_year")
    hist("gap-in-years", [r for i, r in enumerate(H) if i != 4], "error", "row 5", "financial_year")   # 2019-20
    hist("negative-ehcps", edited(H, 4, "ehcp_count", "-5"), "error", "row 4", "ehcp_count")
    hist("ehcps-1e308", edited(H, 4, "ehcp_count", "1e308"), "error", "row 4", "ehcp_count")
    hist("budget-two-trillion", edited(H, 4, "hnb_budget", "£2,000,000,000,000"), "error", "row 4", "hnb_budget")
    hist("ehcps-fraction", edited(H, 4, "ehcp_count", "3822.5"), "error", "row 4", "ehcp_count")
    hist("percent-in-money", edited(H, 5, "hnb_budget", "5%"), "error", "row 5", "hnb_budget")
    hist("text-in-number", edited(H, 5, "hnb_expenditure", "about 70m"), "error", "row 5", "hnb_expenditure")
    hist("nan-text", edited(H, 5, "hnb_expenditure", "nan"), "error", "row 5", "hnb_expenditure")
    hist("inf-text", edited(H, 5, "hnb_expenditure", "inf"), "error", "row 5", "hnb_expenditure")
    hist("accounting-negative-budget", edited(H, 5, "hnb_budget", "(1,000)"), "error", "row 5", "hnb_budget")
    hist("bad-thousands-commas", edited(H, 5, "hnb_budget", "65,00,6000"), "error", "row 5", "hnb_budget")
    hist("empty-file", "", "error")
    hist("header-only", csv_text(H[:1]), "error")
    hist("missing-column", csv_text([r[:3] + r[4:] for r in H]), "error", "hnb_expenditure")

    # ---------------------------------------------------------------- assumptions (hnb-xl project --assumptions)
    def assume(id_, rows, outcome, *frags, text=None):
        p = file(f"assumptions_{id_}.csv", text if text is not None else csv_text(rows))
        add(f"assumptions-{id_}", ["project", "--assumptions", p], outcome, Path(p).name, *frags)

    assume("plain", A, "ok")
    start_early = [A[0]] + [[f"{2021 + i}-{(22 + i) % 100:02d}", *r[1:]] for i, r in enumerate(A[1:])]
    assume("starts-in-last-history-year", start_early, "error", "row 2", "financial_year")
    assume("gap-in-years", [r for i, r in enumerate(A) if i != 3], "error", "row 4", "financial_year")
    assume("growth-9-without-percent", edited(A, 3, "ehcp_growth", "9"), "error", "row 3", "ehcp_growth", "9%")
    assume("growth-minus-200-percent", edited(A, 3, "ehcp_growth", "-200%"), "error", "row 3", "ehcp_growth")
    assume("growth-1e308", edited(A, 3, "ehcp_growth", "1e308"), "error", "row 3", "ehcp_growth")
    assume("growth-percent", edited(A, 3, "ehcp_growth", "10%"), "ok")
    assume("transfer-450k", edited(A, 2, "block_transfer", "2102k"), "ok")
    assume("transfer-gbp", edited(A, 2, "block_transfer", "GBP 2,102,000"), "ok")
    assume("transfer-percent", edited(A, 2, "block_transfer", "5%"), "error", "row 2", "block_transfer")
    assume("pound-in-rate", edited(A, 3, "funding_growth", "£5"), "error", "row 3", "funding_growth")

    # ---------------------------------------------------------------- schools (hnb-xl contingency --schools)
    def schools(id_, rows, outcome, *frags, xlsx=False, isolate=False, **kw):
        if xlsx:
            p = str(write_xlsx(folder / f"schools_{id_}.xlsx", rows, **kw))
        else:
            p = file(f"schools_{id_}.csv", csv_text(rows))
        add(f"schools-{id_}", ["contingency", "--schools", p], outcome, Path(p).name, *frags, isolate=isolate)

    schools("plain", S, "ok")
    schools("urn-scientific", edited(S, 3, "URN", "9.00E+05"), "error", "row 3", "URN", "full")
    schools("ehcps-1e308", edited(S, 4, "EHCPs", "1e308"), "error", "row 4", "EHCPs")
    schools("ehcps-above-ten-million", edited(S, 4, "EHCPs", "10000001"), "error", "row 4", "EHCPs")
    schools("notional-1e308", edited(S, 4, "Notional SEN budget", "1e308"), "error", "row 4", "Notional SEN budget")
    schools("ehcps-fraction", edited(S, 4, "EHCPs", "2.5"), "error", "row 4", "EHCPs")
    schools("ehcps-negative", edited(S, 4, "EHCPs", "-1"), "error", "row 4", "EHCPs")
    schools("notional-percent", edited(S, 5, "Notional SEN budget", "5%"), "error", "row 5", "Notional SEN budget")
    schools("notional-pounds-pence", edited(S, 5, "Notional SEN budget", "£12,345.67"), "ok")
    schools("pound-in-count", edited(S, 5, "EHCPs", "£4"), "error", "row 5", "EHCPs")
    schools("duplicate-urn", edited(S, 6, "URN", S[1][0]), "error", "row 6", "URN")
    schools("blank-urn", edited(S, 6, "URN", ""), "error", "row 6", "URN")
    schools("xlsx-plain", S, "ok", xlsx=True)
    schools("xlsx-blank-rows-above", S, "ok", xlsx=True, blank_rows_above=3)
    # one space at the last cell of the sheet: the used range is the whole sheet (17 billion cells)
    schools("xlsx-stray-far-cell", S, "ok", xlsx=True, stray="XFD1048576", isolate=True)
    p = file("schools_xlsx-truncated.xlsx", (folder / "schools_xlsx-plain.xlsx").read_bytes()[:2000])
    add("schools-xlsx-truncated", ["contingency", "--schools", p], "error", Path(p).name)

    # ---------------------------------------------------------------- workstreams / actuals (hnb-xl plan)
    def ws(id_, rows, outcome, *frags, encoding="utf-8"):
        p = file(f"workstreams_{id_}.csv", csv_text(rows), encoding)
        add(f"workstreams-{id_}", ["plan", "--workstreams", p], outcome, Path(p).name, *frags)

    ws("plain", W, "ok")
    ws("windows-1252", edited(W, 2, "budget_area", "EHCP demand £"), "ok", encoding="cp1252")
    ws("unknown-lever", edited(W, 3, "lever", "magic"), "error", "row 3", "lever")
    ws("negative-amount", edited(W, 4, "amount", "-5"), "error", "row 4", "amount")
    ws("confidence-150-percent", edited(W, 2, "delivery_confidence", "150%"), "error", "row 2", "delivery_confidence")
    ws("empty-file", [], "error")

    def actuals(id_, text, outcome, *frags, encoding="utf-8"):
        p = file(f"actuals_{id_}.csv", text, encoding)
        add(f"actuals-{id_}", ["plan", "--actuals", p], outcome, Path(p).name, *frags)

    R = actuals_rows()
    actuals("plain", csv_text(R), "ok")
    actuals("empty-file", "", "error")
    actuals("header-only", csv_text(R[:1]), "error")
    actuals("windows-1252", csv_text(edited(R, 2, "dsg_in_year_deficit", "£14,000,000")), "ok", encoding="cp1252")
    actuals("text-in-number", csv_text(edited(R, 3, "dsg_in_year_deficit", "lots")), "error", "row 3",
            "dsg_in_year_deficit")

    # ---------------------------------------------------------------- options
    add("option-rate-nan", ["transfer", "--rate", "nan"], "error", "--rate")
    add("option-rate-inf", ["transfer", "--rate", "inf"], "error", "--rate")
    add("option-rate-250-percent", ["transfer", "--rate", "250%"], "error", "--rate")
    add("option-limit-rate-nan", ["transfer", "--limit-rate", "nan"], "error", "--limit-rate")
    add("option-notional-share-nan", ["contingency", "--notional-share", "nan"], "error", "--notional-share")
    add("option-pot-negative", ["contingency", "--pot", "-5"], "error", "--pot")
    add("option-pot-gbp", ["contingency", "--pot", "GBP 450,000"], "ok")
    add("option-pot-percent", ["contingency", "--pot", "5%"], "error", "--pot")
    add("option-instalments-zero", ["plan", "--instalments", "0"], "error", "--instalments")
    add("option-to-1899", ["project", "--to", "1899"], "error", "--to")

    # ---------------------------------------------------------------- refresh (hnb-xl refresh WORKBOOK FOLDER)
    empty = folder / "empty_sources"
    empty.mkdir(exist_ok=True)
    add("refresh-empty-folder", ["refresh", "{workbook}", str(empty)], "error", "empty_sources", needs_workbook=True)
    others = folder / "folder_of_pdfs"
    others.mkdir(exist_ok=True)
    (others / "HNB history.pdf").write_bytes(b"%PDF-1.4\n")
    add("refresh-folder-without-sources", ["refresh", "{workbook}", str(others)], "error", "folder_of_pdfs",
        "HNB history.pdf", needs_workbook=True)
    params = folder / "params_negative_pot"
    params.mkdir(exist_ok=True)
    prow = _rows(bundled.parameter_table()[["name", "value", "unit", "description", "source"]])
    pot_row = next(i for i, r in enumerate(prow) if r[0] == "send_contingency_pot") + 1
    (params / "parameters.csv").write_text(csv_text(edited(prow, pot_row, "value", "-5")), encoding="utf-8")
    add("refresh-parameters-negative-pot", ["refresh", "{workbook}", str(params)], "error", "parameters.csv",
        f"row {pot_row}", needs_workbook=True)
    early = folder / "assumptions_early"
    early.mkdir(exist_ok=True)
    (early / "assumptions.csv").write_text(csv_text(start_early), encoding="utf-8")
    add("refresh-assumptions-start-in-history", ["refresh", "{workbook}", str(early)], "error", "assumptions.csv",
        "row 2", needs_workbook=True)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "adversarial_cases")
    for c in cases(target):
        print(f"{c.id:45} {c.outcome:6} hnb-xl {' '.join(c.argv)}")
