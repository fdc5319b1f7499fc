"""The Cover's "Refresh from sources" button: in-place refresh of the workbook open in Excel.

No Excel here, so a fake xlwings Book stands in for it. It starts from the same .xlsm the CLI
tests use, records every call (values written, number formats, alerts, SaveCopyAs) and behaves
like Excel's COM ``Range.Value`` on assignment: a number becomes a (float) number, and a string is
parsed as if typed unless the cell's number format is Text ("@"): "=..", "+..", "-.." and "@.."
become formulas, numeric strings become numbers. Reads return numbers as floats, as Excel does.
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hnb_xl.cli import main
from hnb_xl.workbook import layout as L
from hnb_xl.workbook import refresh as R
from hnb_xl.workbook.refresh import excel as RX


from tests.support import INJECTIONS, make_workbook

NOW = _dt.datetime(2026, 11, 27, 12, 0, tzinfo=_dt.timezone.utc)
ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------------ the fake Excel

class Cell:
    __slots__ = ("kind", "value", "fmt")

    def __init__(self, kind="blank", value=None, fmt="General"):
        self.kind, self.value, self.fmt = kind, value, fmt


def _enter(cell: Cell, v) -> None:
    """What Excel does with ``Range.Value = v`` for one cell."""
    if v is None or v == "":
        cell.kind, cell.value = "blank", None
    elif isinstance(v, bool):
        cell.kind, cell.value = "bool", v
    elif isinstance(v, (int, float)):
        cell.kind, cell.value = "number", float(v)
    elif cell.fmt == "@":
        cell.kind, cell.value = "text", v
    else:
        try:
            cell.kind, cell.value = "number", float(v)
        except ValueError:
            if v[0] in "=+-@" and len(v) > 1:
                cell.kind, cell.value = "formula", v
            else:
                cell.kind, cell.value = "text", v


class FakeRange:
    def __init__(self, sheet, a, b=None):
        self.sheet = sheet
        self.r1, self.c1 = a
        self.r2, self.c2 = b or a

    @property
    def address(self):
        return (self.r1, self.c1, self.r2, self.c2)

    def options(self, ndim=None, **_kw):
        assert ndim == 2
        return self

    def _cells(self):
        return [[self.sheet.cell(r, c) for c in range(self.c1, self.c2 + 1)] for r in range(self.r1, self.r2 + 1)]

    @property
    def value(self):
        self.sheet.book.calls.append(("read", self.sheet.name, self.address))
        # always 2-D: the code reads through .options(ndim=2)
        return [[c.value if c.kind != "formula" else "#FORMULA" for c in row] for row in self._cells()]

    @value.setter
    def value(self, rows):
        self.sheet.book.calls.append(("value", self.sheet.name, self.address, rows))
        cells = self._cells()
        assert len(rows) == len(cells) and all(len(r) == len(cells[0]) for r in rows), "shape mismatch"
        for crow, vrow in zip(cells, rows):
            for c, v in zip(crow, vrow):
                _enter(c, v)

    @property
    def number_format(self):
        return self._cells()[0][0].fmt

    @number_format.setter
    def number_format(self, fmt):
        self.sheet.book.calls.append(("number_format", self.sheet.name, self.address, fmt))
        for row in self._cells():
            for c in row:
                c.fmt = fmt

    @property
    def last_cell(self):
        return FakeRange(self.sheet, (self.r2, self.c2))

    @property
    def row(self):
        return self.r1

    @property
    def column(self):
        return self.c1


class FakeSheet:
    def __init__(self, book, name):
        self.book, self.name, self.cells = book, name, {}
        self.page_setup = type("PageSetup", (), {"print_area": None})()   # xlwings' Sheet.page_setup

    def cell(self, r, c) -> Cell:
        if (r, c) not in self.cells:
            self.cells[(r, c)] = Cell()
        return self.cells[(r, c)]

    def range(self, a, b=None):
        return FakeRange(self, a, b)

    @property
    def used_range(self):
        used = [k for k, c in self.cells.items() if c.kind != "blank"]
        if not used:
            return FakeRange(self, (1, 1))
        return FakeRange(self, (min(r for r, _ in used), min(c for _, c in used)),
                         (max(r for r, _ in used), max(c for _, c in used)))


class FakeSheets:
    def __init__(self, book):
        self.book, self._list = book, []

    def __iter__(self):
        return iter(self._list)

    def __len__(self):
        return len(self._list)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._list[key]
        return next(s for s in self._list if s.name == key)

    def add(self, name, after=None):
        self.book.calls.append(("add_sheet", name))
        s = FakeSheet(self.book, name)
        self._list.append(s)
        return s


class FakeApp:
    def __init__(self, book, picked=None):
        self.book = book
        self.alerts = []
        self.api = type("AppApi", (), {"GetOpenFilename": lambda _s, *a: picked})()

    def alert(self, prompt, title=None, buttons=None, mode=None):
        self.alerts.append((title, prompt, mode))
        return "ok"


class FakeBookApi:
    def __init__(self, book):
        self.book = book

    def SaveCopyAs(self, path):  # noqa: N802 (Excel's name)
        self.book.calls.append(("SaveCopyAs", str(path)))
        shutil.copyfile(self.book.fullname, path)  # the fake's file on disk stands for the in-memory book


class FakeBook:
    """An xlwings Book open in a fake Excel, loaded from ``path`` (values and number formats)."""

    def __init__(self, path: Path, picked=None):
        self.fullname = str(path)
        self.name = Path(path).name
        self.calls = []
        self.sheets = FakeSheets(self)
        self.app = FakeApp(self, picked)
        self.api = FakeBookApi(self)
        wb = load_workbook(path)
        for ws in wb.worksheets:
            sheet = FakeSheet(self, ws.title)
            self.sheets._list.append(sheet)
            for row in ws.iter_rows():
                for c in row:
                    if c.value is None:
                        continue
                    cell = sheet.cell(c.row, c.column)
                    cell.fmt = c.number_format
                    if isinstance(c.value, str) and c.data_type == "f":
                        cell.kind, cell.value = "formula", c.value
                    elif isinstance(c.value, str):
                        cell.kind, cell.value = "text", c.value
                    else:
                        _enter(cell, c.value)
        self.calls.clear()

    def writes(self):
        return [c for c in self.calls if c[0] in ("value", "number_format", "add_sheet", "SaveCopyAs")]

    def values(self, sheet, r1, c1, r2, c2):
        s = self.sheets[sheet]
        return [[s.cell(r, c).value for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]


def _num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


# ------------------------------------------------------------------------------------ fixtures



def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ------------------------------------------------------------------------------------ failures

FAIL = [
    pytest.param([("history.csv", "2021-22,6100,", "2021-22,lots,")], id="text-in-number"),
    pytest.param([("schools.csv", "900002,", "900001,")], id="duplicate-urn"),
    pytest.param([("history.csv", "2021-22,6100,", "2021-22,lots,"), ("schools.csv", "900003,", ",")],
                 id="two-problems-listed-together"),
]


@pytest.mark.parametrize("edits", FAIL)
def test_a_bad_file_shows_the_clis_message_and_writes_nothing(book, sources, capsys, edits):
    for f, old, new in edits:
        _edit(sources / f, old, new)
    fake = FakeBook(book)
    text = R.refresh_from_excel([str(sources)], book=fake)
    assert main(["refresh", str(book), str(sources)]) == 2
    cli = capsys.readouterr().err.strip()
    assert fake.app.alerts == [(RX.TITLE_FAILED, cli, "critical")]
    assert text == cli and "hnb-xl: error:" in cli
    assert fake.writes() == []                         # no value, no format, no backup, no sheet
    assert not list(book.parent.glob("*.backup-*"))


@pytest.mark.parametrize("answer", [pytest.param(True, id="excel-drop-rows-yes-replaces-the-table"),
                                    pytest.param(False, id="excel-drop-rows-no-changes-nothing")])
def test_rows_a_source_would_drop_are_asked_about_in_excel(book, sources, answer):
    """The button has no --replace: a source leaving out rows asks Yes/No, naming the table and rows."""
    lines = (sources / "history.csv").read_text(encoding="utf-8").splitlines()
    (sources / "history.csv").write_text("\n".join(lines[:2] + lines[4:]) + "\n", encoding="utf-8")
    asked = []
    fake = FakeBook(book)
    text = R.refresh_from_excel([str(sources)], book=fake, user="u", now=NOW,
                                confirm=lambda q: asked.append(q) or answer)
    assert len(asked) == 1 and "history: the source leaves out 2 row(s) the workbook holds (2015-16, 2016-17)" in asked[0]
    h = L.INPUT_TABLES["history"]
    first_year = fake.values(h.sheet, h.first_row, h.first_col, h.first_row, h.first_col)[0][0]
    if answer:
        assert fake.app.alerts[0][0] == RX.TITLE_OK and "history: 7 -> 5 rows; 0 added, 2 removed" in text
        assert first_year == "2017-18"
    else:
        assert fake.app.alerts[0][0] == RX.TITLE_FAILED and "--replace history" in text
        assert fake.writes() == [] and first_year == "2015-16"


def test_a_workbook_without_the_input_sheet_is_refused_before_writing(tmp_path, sources):
    wb = load_workbook(make_workbook(tmp_path / "Other.xlsm"), keep_vba=True)
    del wb[L.INPUTS]
    wb.save(tmp_path / "Other.xlsm")
    fake = FakeBook(tmp_path / "Other.xlsm")
    text = R.refresh_from_excel([str(sources)], book=fake)
    assert f"Other.xlsm: has no sheet(s) {L.INPUTS}" in text and fake.writes() == []


# ------------------------------------------------------------------------------------ success

def _changed_sources(sources):
    _edit(sources / "history.csv", "2021-22,6100,", "2021-22,6200,")
    lines = (sources / "schools.csv").read_text(encoding="utf-8").splitlines()
    lines = lines[:-1] + ["900999,New School (synthetic),Primary,100,4,30000"] + [lines[-1]]
    (sources / "schools.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_in_place_refresh_writes_what_the_file_refresh_writes(book, sources, tmp_path):
    """Same plan, two writers: every input-table cell, the Logs rows and the Cover time agree."""
    _changed_sources(sources)
    fake = FakeBook(book)
    text = R.refresh_from_excel([str(sources)], book=fake, user="modeller", now=NOW)
    assert fake.app.alerts[0][0] == RX.TITLE_OK and fake.app.alerts[0][2] == "info"
    assert "history: 7 -> 7 rows; 0 added, 0 removed, 1 changed (1 cell(s))" in text
    assert "schools: 250 -> 251 rows; 1 added" in text and "(open in Excel)" in text

    out = tmp_path / "file_refresh.xlsm"
    R.refresh(book, [sources], output=out, progress=False, user="modeller", now=NOW)
    wb = load_workbook(out)
    compared = 0
    for key, t in L.INPUT_TABLES.items():
        if t.sheet not in wb.sheetnames:      # the Safety_Valve workstreams: this test book has no such sheet
            continue
        ws = wb[t.sheet]
        got = fake.values(t.sheet, t.first_row, t.first_col, t.last_row, t.last_col)
        want = [[_num(ws.cell(r, c).value) for c in range(t.first_col, t.last_col + 1)]
                for r in range(t.first_row, t.last_row + 1)]
        assert got == want, key
        compared += sum(v is not None for row in want for v in row)
    assert compared > 251 * 6
    h = L.INPUT_TABLES["history"]
    assert fake.values(L.INPUTS, h.first_row + 6, h.col_of("EHCPs (January census)"),
                       h.first_row + 6, h.col_of("EHCPs (January census)")) == [[6200.0]]
    logs = wb[L.LOGS]
    file_logs = [[_num(c.value) for c in row] for row in logs.iter_rows(min_col=1, max_col=len(R.REFRESH_LOG_HEADERS))]
    assert fake.values(L.LOGS, 1, 1, logs.max_row, len(R.REFRESH_LOG_HEADERS)) == file_logs
    assert any(r[2] == "schools.csv" and r[1] == "modeller" for r in file_logs)
    # both doors give the Logs the same print area over its audit trail
    assert fake.sheets[L.LOGS].page_setup.print_area and \
        logs.print_area.replace("$", "").endswith("!" + fake.sheets[L.LOGS].page_setup.print_area)
    sheet, cell = L.REFRESH_TIME_CELL
    assert fake.sheets[sheet].range((7, 3)).value == [["2026-11-27 12:00:00 UTC"]] == [[wb[sheet][cell].value]]


def test_one_bulk_write_per_table_not_one_per_cell(book, sources):
    _changed_sources(sources)
    fake = FakeBook(book)
    R.refresh_from_excel([str(sources)], book=fake, user="u", now=NOW)
    values = [c for c in fake.calls if c[0] == "value"]
    tables = {k: t for k, t in L.INPUT_TABLES.items() if k in ("schools", "history", "assumptions",
                                                               "block_transfer", "parameters",
                                                               "invest_to_transform")}
    by_anchor = {(c[1], c[2][0], c[2][1]): c for c in values}
    for key, t in tables.items():
        call = by_anchor[(t.sheet, t.first_row, t.first_col)]
        r1, c1, r2, c2 = call[2]
        assert c2 - c1 + 1 == len(t.headers)
    schools = by_anchor[(L.INPUTS, L.INPUT_TABLES["schools"].first_row, L.INPUT_TABLES["schools"].first_col)]
    assert schools[2][2] - schools[2][0] + 1 == 251          # 251 rows in ONE assignment
    # 6 tables + the Logs (one block from its first part: assumptions, data sources, refresh log) + Cover time
    assert len(values) == 6 + 1 + 1
    reads = [c for c in fake.calls if c[0] == "read"]
    assert len(reads) <= 10                                   # bulk reads too


def test_injection_strings_are_written_as_text(book, tmp_path):
    src = tmp_path / "schools.csv"
    lines = ["URN,School name,Phase,Pupils on roll,EHCPs,Notional SEN budget"]
    for i, name in enumerate(INJECTIONS):
        q = '"' + name.replace('"', '""') + '"'
        lines.append(f"{900001 + i},{q},{q},100,1,1000")
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fake = FakeBook(book)
    # these few schools replace the table's 250 on purpose (issue 13 part 1: a refresh never drops rows silently)
    R.refresh_from_excel([str(src)], book=fake, user="u", now=NOW, replace=("schools",))
    t = L.INPUT_TABLES["schools"]
    ws = fake.sheets[t.sheet]
    for i, name in enumerate(INJECTIONS):
        for col in ("School name", "Phase"):
            c = ws.cell(t.first_row + i, t.col_of(col))
            assert (c.kind, c.value, c.fmt) == ("text", name, "@")
        assert ws.cell(t.first_row + i, t.col_of("EHCPs")).kind == "number"
    # the Text format was set before the values arrived, on the text columns only
    order = [(c[0], c[2]) for c in fake.calls if c[0] in ("number_format", "value") and c[1] == t.sheet]
    table_write = next(i for i, (kind, a) in enumerate(order) if kind == "value" and a[:2] == (t.first_row, t.first_col))
    assert order[table_write][1] == (t.first_row, t.first_col, t.first_row + 250 - 1, t.last_col)  # 4 new + blanks
    fmt_cols = {a[1] for kind, a in order[:table_write] if kind == "number_format"}
    assert fmt_cols >= {t.col_of("School name"), t.col_of("Phase")}
    assert t.col_of("EHCPs") not in fmt_cols and t.col_of("URN") not in fmt_cols


def test_the_fake_turns_text_into_formulas_like_excel_without_the_text_format(book):
    """Control: the fake really parses like COM, so the test above could fail."""
    fake = FakeBook(book)
    s = fake.sheets[L.INPUTS]
    s.range((300, 20), (300, 23)).value = [INJECTIONS]
    assert [s.cell(300, 20 + j).kind for j in range(4)] == ["formula"] * 4
    s.range((301, 20)).value = [["2021"]]
    assert s.cell(301, 20).kind == "number"


def test_backup_copy_is_saved_before_the_first_write(book, sources):
    fake = FakeBook(book)
    R.refresh_from_excel([str(sources)], book=fake, user="u", now=NOW)
    kinds = [c[0] for c in fake.writes()]
    assert kinds[0] == "SaveCopyAs" and kinds.count("SaveCopyAs") == 1
    backup = Path(fake.writes()[0][1])
    assert backup.parent == book.parent and backup.name.startswith("HNB_Model.backup-") and backup.exists()
    assert "backup: " + str(backup) in fake.app.alerts[0][1]


def test_cancelled_file_picker_does_nothing(book):
    fake = FakeBook(book, picked=False)             # Excel's GetOpenFilename returns False on Cancel
    assert R.refresh_from_excel(book=fake) == "cancelled"
    assert fake.writes() == [] and fake.app.alerts == []


def test_the_companion_main_refreshes_the_calling_book(book, sources, monkeypatch):
    """The button's Python end to end: HNB_Model.main() -> Book.caller() -> file picker -> refresh."""
    import xlwings
    picked = tuple(str(p) for p in sorted(sources.iterdir()))
    fake = FakeBook(book, picked=picked)
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: fake))
    spec = importlib.util.spec_from_file_location("HNB_Model", ROOT / "workbook" / "HNB_Model.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "HNB_Model", module)
    spec.loader.exec_module(module)
    module.main()
    assert fake.app.alerts and fake.app.alerts[0][0] == RX.TITLE_OK
    assert "schools: 250 -> 250 rows" in fake.app.alerts[0][1]
    assert any(c[0] == "value" for c in fake.calls)


def test_excel_refusing_a_write_part_way_says_so(book, sources, monkeypatch):
    """A COM error after writing started: a message to close without saving, naming the backup."""
    fake = FakeBook(book)
    real = FakeRange.value.fset
    count = {"n": 0}

    def failing(self, rows):
        count["n"] += 1
        if count["n"] == 3:
            raise RuntimeError("(-2147352567, 'Exception occurred.', 'The cell is protected')")
        real(self, rows)
    monkeypatch.setattr(FakeRange, "value", FakeRange.value.setter(failing))
    text = R.refresh_from_excel([str(sources)], book=fake, user="u", now=NOW)
    title, shown, mode = fake.app.alerts[0]
    assert title == RX.TITLE_STOPPED and mode == "critical" and shown == text
    assert "The cell is protected" in text and "WITHOUT saving" in text
    backup = Path(next(c[1] for c in fake.calls if c[0] == "SaveCopyAs"))
    assert backup.name in text and backup.exists()


def test_many_problems_fit_a_message_box_and_the_full_list_is_kept(book, sources, capsys, tmp_path, monkeypatch):
    """A problem per school (here 60 negative EHCP counts) would make a message box taller than the
    screen (and VBA's MsgBox stops at 1,024 characters): the box shows the first lines and where the
    full text is; that file holds exactly the command line's message."""
    report = tmp_path / "report.txt"
    monkeypatch.setattr(RX, "report_file", lambda: report)
    p = sources / "schools.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    for i in range(2, 62):                                   # data rows start after the units row
        cells = lines[i].split(",")
        cells[4] = "-1"
        lines[i] = ",".join(cells)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fake = FakeBook(book)
    text = R.refresh_from_excel([str(sources)], book=fake)
    assert main(["refresh", str(book), str(sources)]) == 2
    cli = capsys.readouterr().err.strip()
    assert text == cli and cli.startswith("hnb-xl: error: 60 problems")
    title, shown, _mode = fake.app.alerts[0]
    assert title == RX.TITLE_FAILED
    assert len(shown) <= RX.BOX_CHARS and len(shown.splitlines()) <= RX.BOX_LINES + 1
    assert shown.splitlines()[0] == cli.splitlines()[0]
    assert shown.endswith(f"The full text is in {report}")
    assert report.read_text(encoding="utf-8").strip() == cli
    assert fake.writes() == []


def test_the_success_box_shows_the_changes_and_counts_the_sources(book, sources, tmp_path, monkeypatch):
    report = tmp_path / "report.txt"
    monkeypatch.setattr(RX, "report_file", lambda: report)
    _edit(sources / "history.csv", "2021-22,6100,", "2021-22,6200,")
    fake = FakeBook(book)
    text = R.refresh_from_excel([str(sources)], book=fake, user="u", now=NOW)
    shown = fake.app.alerts[0][1]
    assert "history: 7 -> 7 rows; 0 added, 0 removed, 1 changed (1 cell(s))" in shown
    assert "6 source file(s) read" in shown and "backup: " in shown and "not saved yet" in shown
    assert " source history.csv" not in shown and " source history.csv" in text
    assert report.read_text(encoding="utf-8").strip() == text


def test_a_tbc_that_becomes_a_number_gets_its_money_format_back(book, sources):
    """Invest to Transform: committed spend TBC (text, so written with the Text format) becomes
    £450,000 next term. Through COM the Text format would stay on the cell; the refresh puts the
    column's money format back on exactly that cell, before the values arrive."""
    from hnb_xl.workbook import styles as S
    fake = FakeBook(book)
    R.refresh_from_excel([str(sources)], book=fake, user="u", now=NOW)    # TBC cells get "@" in Excel
    t = L.INPUT_TABLES["invest_to_transform"]
    cell = (t.first_row + 1, t.col_of("Committed spend"))
    assert fake.sheets[t.sheet].cell(*cell).fmt == "@"
    _edit(sources / "invest_to_transform.csv", "than notional SEN supports,450000,TBC",
          "than notional SEN supports,450000,450000")
    fake.calls.clear()
    R.refresh_from_excel([str(sources)], book=fake, user="u", now=NOW)
    c = fake.sheets[t.sheet].cell(*cell)
    assert (c.kind, c.value, c.fmt) == ("number", 450000, S.GBP)
    restores = [a for kind, _s, a, fmt in (x for x in fake.calls if x[0] == "number_format") if fmt == S.GBP]
    assert restores == [(cell[0], cell[1], cell[0], cell[1])]                # that cell only
    still_tbc = fake.sheets[t.sheet].cell(t.first_row + 4, t.col_of("Committed spend"))
    assert (still_tbc.kind, still_tbc.value, still_tbc.fmt) == ("text", "TBC", "@")
