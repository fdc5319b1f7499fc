"""A whole term as a modeller does it, on the workbook of a council that is not Cambridgeshire
(issue 13, "What must hold"): last term's Northshire workbook -> ``template --from`` -> add a year
of outturn, a new census and changed schools -> ``refresh`` -> LibreOffice recalculation compared
with the engine (``verify``) -> Cover, Logs, ``report WORKBOOK`` and ``pack WORKBOOK`` name
Northshire and its years, never the bundled ones; the Logs list the new files' SHA-256; the safety
valve DfE total is unchanged. Then the same term with the audit's inconsistent inputs, and with a
shorter history, each refused with exit 2 and the workbook byte for byte as it was.

The authority and its figures are invented: tests/northshire.py.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from hnb_xl.cli import main
from hnb_xl.sources import templates
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.verify.recalc import recalculate
from hnb_xl.workbook.verify.run import verify

from tests import northshire
from tests.support import sha256_of

pytestmark = pytest.mark.libreoffice

@pytest.fixture(scope="module")
def last_term(tmp_path_factory) -> Path:
    """Last term's Northshire workbook, built from Northshire's own files (every table the
    authority has, its safety valve agreement, workstreams and settlement terms too: ``build
    --sources``), as a council adopting the model does once."""
    folder = tmp_path_factory.mktemp("northshire")
    book = folder / "Northshire_HNB.xlsm"
    src = folder / "adopt"
    frames = {**northshire.frames(), **northshire.plan_frames()}
    templates.write_templates(src, frames, tables=tuple(frames), formats=("csv",))
    tables = [f"{p.stem}={p}" for p in sorted(src.glob("*.csv"))]
    assert len(tables) == len(frames)
    assert main(["build", str(book), "--sources", *tables]) == 0
    return book


def _edit_lines(path: Path, edit) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")


def _term_sources(book: Path, folder: Path) -> Path:
    """``template --from`` the workbook, then the term's changes typed into the CSVs: 2024-25
    outturn appended to history and its assumptions row removed; the first school's EHCPs +3; a new
    school; the early-help workstream's reduction 20% -> 25%."""
    assert main(["template", "--from", str(book), str(folder)]) == 0
    y, e, b, x, a = northshire.OUTTURN_2024_25
    _edit_lines(folder / "history.csv", lambda ls: ls + [f"{y},{e},{b},{x},{a}"])
    _edit_lines(folder / "assumptions.csv", lambda ls: [ln for ln in ls if not ln.startswith(y)])

    def schools(ls):
        header, units, first, *rest = ls
        cells = first.split(",")
        i = header.split(",").index("EHCPs")
        cells[i] = str(int(cells[i]) + 3)
        return [header, units, ",".join(cells), *rest,
                "919999,Northshire New Academy (synthetic),Secondary,200,40,80000"]
    _edit_lines(folder / "schools.csv", schools)
    _edit_lines(folder / "workstreams.csv",
                lambda ls: [ln.replace("ehcp_growth_reduction,0.2,", "ehcp_growth_reduction,0.25,") for ln in ls])
    assert "ehcp_growth_reduction,0.25," in (folder / "workstreams.csv").read_text(encoding="utf-8")
    return folder


def _texts(recalculated, sheets) -> str:
    """Every text a reader sees on the sheets: the values after LibreOffice's recalculation (the
    titles are formulas over the Inputs)."""
    return "\n".join(str(v) for name in sheets for v in recalculated.values[name].values() if isinstance(v, str))


def _dfe_total(path: Path, folder: Path) -> float:
    """The safety valve agreement's DfE total as the workbook holds it, read back as a modeller
    would: ``template --from`` and the agreement file's dfe_total row."""
    assert main(["template", "--from", str(path), str(folder)]) == 0
    with (folder / "agreement.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return next(float(r[1]) for r in rows if r and r[0] == "dfe_total")


@pytest.fixture(scope="module")
def term(last_term, tmp_path_factory, libreoffice):
    folder = tmp_path_factory.mktemp("term")
    book = folder / last_term.name
    shutil.copyfile(last_term, book)
    dfe_before = _dfe_total(book, folder / "before")
    src = _term_sources(book, folder / "sources")
    assert main(["refresh", str(book), str(src)]) == 0      # a roll-forward needs no --replace
    return {"book": book, "sources": src, "dfe_before": dfe_before, "report": verify(book, office=libreoffice),
            "folder": folder, "seen": recalculate(book, office=libreoffice)}


def test_every_output_equals_the_engine(term):
    report = term["report"]
    assert report.findings == []
    assert report.recalculated and report.master_check == 1


def test_the_new_outturn_year_is_in_the_workbook(term):
    again = term["folder"] / "again"
    assert main(["template", "--from", str(term["book"]), str(again)]) == 0
    history = (again / "history.csv").read_text(encoding="utf-8")
    assert "2024-25,3760,63400000,71500000,36000000" in history
    assert "2017-18,2100," in history
    assert "2024-25" not in (again / "assumptions.csv").read_text(encoding="utf-8").split("\n", 2)[2]
    assert "919999" in (again / "schools.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("sheet", L.SHEETS)
def test_no_sheet_says_the_bundled_authority(term, sheet):
    """Every text a reader sees on the sheet, after recalculation, names none of the bundled
    authority, its years or its paper's date."""
    text = _texts(term["seen"], (sheet,))
    for word in northshire.FORBIDDEN:
        assert word not in text, f"{sheet} still says {word!r}"


@pytest.mark.parametrize("sheet", [L.COVER, L.OUTPUTS, L.LOGS])
def test_the_reader_sheets_name_northshire(term, sheet):
    assert northshire.NAME in _texts(term["seen"], (sheet,))


def test_the_logs_say_no_assurance_record_is_written_for_northshire(term):
    """The bundled assurance record describes Cambridgeshire's data; another authority's Logs say
    it has not been written and which files to fill in."""
    logs = _texts(term["seen"], (L.LOGS,))
    assert f"has not been written for {northshire.NAME} (DfE LA {northshire.CODE})" in logs
    assert "assurance_assumptions.csv" in logs


def test_the_changed_workstream_is_in_the_workbook(term):
    seen, V = term["seen"], L.SV
    assert seen[(L.SAFETY_VALVE, f"A{V['ws_first']}")] == "Northshire early help"
    assert seen[(L.SAFETY_VALVE, f"{L.col(V['ws_cols']['amount'])}{V['ws_first']}")] == 0.25
    # the Funding column made the round trip (built, templated, refreshed): one of each (issue 15)
    funding = L.col(V["ws_cols"]["funding"])
    assert [seen[(L.SAFETY_VALVE, f"{funding}{V['ws_first'] + i}")] for i in range(2)] == ["DSG", "General Fund"]


def test_the_logs_list_the_new_files_sha256(term):
    text = _texts(term["seen"], (L.LOGS,))
    for name in ("history.csv", "assumptions.csv", "schools.csv"):
        assert sha256_of(term["sources"] / name) in text, name


def test_the_safety_valve_dfe_total_is_northshires_and_unchanged(term):
    assert term["dfe_before"] == northshire.DFE_TOTAL
    assert _dfe_total(term["book"], term["folder"] / "after") == northshire.DFE_TOTAL
    assert term["seen"].names[L.SV["agreement"]["dfe_total"][1]] == northshire.DFE_TOTAL


def test_plan_workbook_is_the_safety_valve_sheet_and_freezes_as_agreed(term, capsys):
    """Issue 16 item 1: `plan --workbook` is the plan on the council's own workbook (its agreement,
    workstreams, history and assumptions): its accumulated deficit after contributions equals the
    Safety_Valve sheet's native formulas as LibreOffice computes them, year by year to £1, and the
    vintage frozen from it re-runs to its own stored figures."""
    vintages = term["folder"] / "vintages"
    assert main(["plan", "--workbook", str(term["book"]), "--format", "json",
                 "--freeze", "northshire-agreed", "--vintages", str(vintages)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["dfe_total"] == northshire.DFE_TOTAL
    seen, V = term["seen"], L.SV
    sheet = {}
    for c in range(L.PROJ["first_col"], L.PROJ["first_col"] + L.PROJ["periods"]):
        y = seen[(L.SAFETY_VALVE, f"{L.col(c)}{V['year']}")]
        if y:
            sheet[y] = seen[(L.SAFETY_VALVE, f"{L.col(c)}{V['after']}")]
    plan = {r["financial_year"]: r["accumulated_deficit_after_contributions"] for r in doc["plan"]}
    assert len(sheet) >= 3 and set(sheet) <= set(plan)
    for y, v in sheet.items():
        assert plan[y] == pytest.approx(v, abs=1), y
    assert main(["plan", "--rerun-vintage", str(vintages / "northshire-agreed.json")]) == 0
    assert "gives its stored figures" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_report_workbook_names_northshire(term, capsys, fmt):
    assert main(["report", str(term["book"]), "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        json.loads(out)
    assert northshire.NAME in out and "2024-25" in out
    for word in northshire.FORBIDDEN:
        assert word not in out


def test_pack_workbook_names_northshire(term, capsys):
    out = term["folder"] / "pack"
    assert main(["pack", str(term["book"]), "--output", str(out)]) == 0
    html = "\n".join(p.read_text(encoding="utf-8") for p in out.glob("*.html"))
    assert northshire.NAME in html
    for word in northshire.FORBIDDEN:
        assert word not in html


# ------------------------------------------------------------------------ refused, nothing written

def _assumptions_from_last_outturn(src: Path) -> None:
    """The audit's first inconsistency: the assumptions start in the last outturn year (2024-25)."""
    y = northshire.OUTTURN_2024_25[0]
    _edit_lines(src / "assumptions.csv", lambda ls: ls[:2] + [f"{y},0.08,0.02,0.05,0,-500000"] + ls[2:])


def _growth_of_nine(src: Path) -> None:
    """The audit's second: an EHCP growth of 9 (meant 9%) in 2025-26."""
    def edit(ls):
        return [ln.replace("2025-26,0.07,", "2025-26,9,") for ln in ls]
    _edit_lines(src / "assumptions.csv", edit)
    assert "2025-26,9," in (src / "assumptions.csv").read_text(encoding="utf-8")


def _shorter_history(src: Path) -> None:
    """History without its first year (2017-18), and no --replace history."""
    _edit_lines(src / "history.csv", lambda ls: [ln for ln in ls if not ln.startswith(northshire.FIRST_YEAR)])


@pytest.mark.parametrize("spoil, says", [
    pytest.param(_assumptions_from_last_outturn, "2024-25", id="assumptions-start-in-last-outturn-year"),
    pytest.param(_growth_of_nine, "9", id="growth-of-nine"),
    pytest.param(_shorter_history, northshire.FIRST_YEAR, id="shorter-history-without-replace"),
])
def test_a_spoilt_term_is_refused_and_the_workbook_kept(last_term, tmp_path, capsys, spoil, says):
    book = tmp_path / last_term.name
    shutil.copyfile(last_term, book)
    src = _term_sources(book, tmp_path / "sources")
    spoil(src)
    before = sha256_of(book)
    capsys.readouterr()
    assert main(["refresh", str(book), str(src)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0] and "Traceback" not in err[0], err
    assert sha256_of(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([book.name, "sources"])
