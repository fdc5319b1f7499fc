"""Refresh the workbook open in Excel, in place: the Cover's "Refresh from sources" button.

The button runs xlwings' template macro ``SampleCall`` -> ``RunPython "import HNB_Model; HNB_Model.main()"``
-> :func:`refresh_from_excel` with ``xlwings.Book.caller()``. It runs exactly the CLI's planning
(:func:`hnb_xl.workbook.refresh.plan_refresh`: read and validate every source, diff per table, Logs
rows, Cover time) reading the open workbook through :class:`~hnb_xl.workbook.refresh.cells.XlwingsCells`,
then applies the planned rectangles with :func:`~hnb_xl.workbook.refresh.cells.write_xlwings` (one
bulk write per table, text cells formatted as Text first).

* A source that leaves out rows the workbook's table holds (:class:`~.plan.RowsDropped`, the
  only problem): a Yes/No box names the table(s) and rows; Yes replaces them whole (the CLI's
  ``--replace TABLE``), No changes nothing.
* Any other problem: the CLI's wording (:func:`~hnb_xl.workbook.refresh.error_text`) in a message box,
  and nothing is written (every check happens before the first write). Should Excel refuse a
  write once writing has started (a protected sheet, a cell in edit mode), the message says so
  and asks to close without saving; the backup holds the state before the refresh.
* Before writing: ``Workbook.SaveCopyAs`` keeps ``<name>.backup-YYYYmmdd-HHMMSS.xlsm`` beside the
  workbook (the state just before the refresh, unsaved edits included).
* The workbook is NOT saved: the modeller reviews the refreshed model and saves it (or closes
  without saving to discard the refresh). Excel recalculates as usual.
* No loss check is needed: Excel itself keeps the file's content; openpyxl never saves it.
"""

from __future__ import annotations

import datetime as _dt
import tempfile
from pathlib import Path

from ...errors import HnbInputError
from .audit import log_writes
from .plan import RefreshResult, RowsDropped, backup_path, error_text, plan_refresh, user_name
from ..charts import apply_xlwings as apply_charts_xlwings
from .cells import XlwingsCells, write_xlwings

TITLE_OK = "Refresh from sources"
TITLE_FAILED = "Refresh from sources: nothing changed"
TITLE_STOPPED = "Refresh from sources: stopped part-way"
TITLE_REPLACE = "Refresh from sources: replace a table?"


class RefreshStopped(HnbInputError):
    """Excel refused a write after the refresh had started (e.g. a protected sheet, a cell being edited)."""


def refresh_book(book, sources, *, la: str | None = None, suppressed_policy: str = "error",
                 user: str | None = None, now: _dt.datetime | None = None, replace=()) -> RefreshResult:
    """Refresh the open ``book`` (an ``xlwings.Book``) from ``sources``; raises HnbInputError(s)
    before writing anything."""
    cells = XlwingsCells(book)
    wb_path = Path(book.fullname)
    plan = plan_refresh(cells, sources, la=la, suppressed_policy=suppressed_policy, progress=False,
                        workbook_label=book.name, replace=replace)
    writes = plan.writes + log_writes(cells, plan.collected, user=user or user_name(),
                                      now=now or _dt.datetime.now(_dt.timezone.utc), changes=plan.changes,
                                      after=plan.after, planned=plan.writes)
    result = RefreshResult(wb_path, wb_path, plan.changes, plan.collected, dry_run=False, in_excel=True)
    if wb_path.parent != Path(".") and wb_path.parent.is_dir():
        backup = backup_path(wb_path)
        book.api.SaveCopyAs(str(backup))
        result.backup = backup
    try:
        write_xlwings(book, writes)
        if plan.charts is not None:
            apply_charts_xlwings(book, plan.charts)
    except Exception as exc:  # COM errors have no common Python base class
        keep = f"the state before it is in {result.backup.name}" if result.backup else "nothing was saved"
        raise RefreshStopped(f"the refresh stopped while writing ({exc.__class__.__name__}: {exc}). Close the "
                             f"workbook WITHOUT saving to discard the partial refresh ({keep})",
                             source=book.name) from None
    result.warnings.append("the workbook is not saved yet: check the refreshed model, then save it "
                           "(or close without saving to discard the refresh)")
    return result


def refresh_from_excel(paths=None, *, book=None, alert=None, ask=None, user=None, now=None, replace=(),
                       confirm=None) -> str:
    """Entry point of the Cover's button (``main()`` of the companion ``<workbook name>.py``).

    Asks for source files through Excel (unless ``paths``), refreshes the calling workbook in place
    and shows the report, or the problems in the CLI's words, in a message box. Returns that text.
    ``replace``: the tables a source may replace whole (the CLI's ``--replace``). When the only
    problems are rows a source would drop, ``confirm(text)`` (default: a Yes/No box) is asked
    whether to replace those tables; yes runs the refresh again with them replaced.
    """
    if book is None:
        import xlwings as xw
        book = xw.Book.caller()
    if alert is None:
        def alert(text, title):
            book.app.alert(text, title=title, mode="info" if title == TITLE_OK else "critical")
    if paths is None:
        paths = (ask or (lambda: _ask_files(book)))()
        if not paths:
            return "cancelled"
    try:
        result = _refresh_or_ask(book, paths, user=user, now=now, replace=tuple(replace), confirm=confirm)
    except HnbInputError as exc:
        text = error_text(exc)
        alert(for_message_box(text), TITLE_STOPPED if isinstance(exc, RefreshStopped) else TITLE_FAILED)
        return text
    text = result.report()
    alert(success_box(result, text), TITLE_OK)
    return text


def _refresh_or_ask(book, paths, *, user, now, replace: tuple, confirm) -> RefreshResult:
    """:func:`refresh_book`; when its only problems are rows a source would drop, ask (``confirm``,
    default a Yes/No box) whether to replace those tables, and on yes refresh again replacing them."""
    try:
        return refresh_book(book, paths, user=user, now=now, replace=replace)
    except HnbInputError as exc:
        drops = exc.problems or [exc]
        if not all(isinstance(p, RowsDropped) for p in drops):
            raise
        ask = confirm or (lambda text: book.app.alert(text, title=TITLE_REPLACE, buttons="yes_no",
                                                      mode="critical") == "yes")
        if not ask(replace_question(drops)):
            raise
    return refresh_book(book, paths, user=user, now=now, replace=replace + tuple(p.table for p in drops))


def replace_question(drops: list) -> str:
    """The Yes/No question for rows a refresh would drop, one line per table (at most 10 keys each)."""
    from .plan import key_list
    lines = [f"{p.table}: the source leaves out {len(p.keys)} row(s) the workbook holds ({key_list(p.keys, 10)})"
             for p in drops]
    return for_message_box("\n".join(lines + ["Replace these tables whole with the sources (those rows are "
                                              "removed; the backup keeps them)? No changes nothing."]))


BOX_LINES = 20          # a message box taller than this runs off the screen
BOX_CHARS = 1000        # and VBA's MsgBox shows at most 1,024 characters


def report_file() -> Path:
    """Where the full text goes when it is too long for a message box (beside the UDFs' log)."""
    return Path(tempfile.gettempdir()) / "hnb_xl_refresh.txt"


def success_box(result: RefreshResult, full: str) -> str:
    """The report of a refresh that worked, for the message box: the changes per table, the backup
    and Excel's notes; the per-file lines (names, rows, SHA-256) and empty-template notes, which
    the Logs sheet also records, are counted and written whole to :func:`report_file`."""
    sources = [line for line in full.splitlines() if line.startswith("  source ")]
    empty = {"  note: " + n for n in result.collected.notes}
    keep = [line for line in full.splitlines() if line not in empty and not line.startswith("  source ")]
    if not sources and not empty:
        return for_message_box(full)
    path = report_file()
    path.write_text(full + "\n", encoding="utf-8")
    extra = f"  {len(sources)} source file(s) read: names, rows and SHA-256 on the Logs sheet and in {path}"
    if empty:
        extra += f"\n  {len(empty)} empty template(s) skipped (listed in that file)"
    return for_message_box("\n".join([keep[0], extra, *keep[1:]]))


def for_message_box(text: str) -> str:
    """``text`` as it fits a message box: whole when short; else its first lines and where the full
    text was written (a DfE file can give a problem per school: 150 lines)."""
    lines = text.splitlines()
    if len(lines) <= BOX_LINES and len(text) <= BOX_CHARS:
        return text
    path = report_file()
    path.write_text(text + "\n", encoding="utf-8")
    kept, size = [], 0
    for line in lines[:BOX_LINES]:
        if size + len(line) + 1 > BOX_CHARS - 200:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept) + f"\n... and {len(lines) - len(kept)} more line(s). The full text is in {path}"


def _ask_files(book) -> list[str]:
    """File picker through Excel (Windows): Application.GetOpenFilename with MultiSelect."""
    picked = book.app.api.GetOpenFilename("Source files (*.csv;*.xlsx;*.zip),*.csv;*.xlsx;*.zip", 1,
                                          "Choose the source files", None, True)
    if picked in (False, None):
        return []
    return [str(p) for p in (picked if isinstance(picked, (list, tuple)) else [picked])]
