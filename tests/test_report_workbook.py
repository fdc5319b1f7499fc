"""``report WORKBOOK`` and ``pack WORKBOOK`` run the engine on a workbook's Inputs, and every output
names the workbook's authority and years from its data (issue 13 parts 2 and 5).

The workbook is built for the made-up Northshire (tests/northshire.py: its own seven years of
history, 2017-18 to 2023-24, assumptions 2024-25 to 2027-28, LA code 899): the bundled build
refreshed with every table of Northshire's (``--replace`` each, as a council adopting the model does);
LibreOffice recalculates a copy for the Cover, Outputs and Logs texts (they are formulas over the
Inputs). None of them may say "Cambridgeshire", "2016-17 to 2021-22" or "15 July 2022"; the bundled
report still names Cambridgeshire. Expected figures come from tests/northshire.py and arithmetic.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from openpyxl import Workbook, load_workbook

from hnb_xl.cli import main
from hnb_xl.sources import templates
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.refresh.audit import REFRESH_LOG_TITLE

from tests import northshire
from tests.support import load_book

pytestmark = pytest.mark.libreoffice

TABLES = ("schools", "history", "assumptions", "block_transfer", "parameters", "invest_to_transform")
OUTTURN = f"{northshire.FIRST_YEAR} to {northshire.LAST_YEAR}"         # 2017-18 to 2023-24
FORECAST = f"{northshire.ASSUMPTIONS[0][0]} to {northshire.ASSUMPTIONS[-1][0]}"   # 2024-25 to 2027-28


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("northshire_book")
    src = folder / "src"
    frames = northshire.frames()
    p = frames["parameters"]
    p.loc[p["name"] == "authority_name", "source"] = "Northshire County Council, outturn reports (test data)"
    templates.write_templates(src, frames)
    (src / templates.XLSX_NAME).unlink()
    out = folder / "Northshire_HNB.xlsm"
    assert main(["build", str(out)]) == 0
    assert main(["refresh", str(out), str(src), *[a for t in TABLES for a in ("--replace", t)]]) == 0
    return out


@pytest.fixture(scope="module")
def values(book, libreoffice, tmp_path_factory):
    """The recalculated workbook's cell values (LibreOffice), by sheet."""
    converted = libreoffice.convert(book, tmp_path_factory.mktemp("recalculated"))
    wb = load_workbook(converted, data_only=True, read_only=True)
    out = {}
    for name in (L.COVER, L.OUTPUTS, L.LOGS):
        rows = []
        for row in wb[name].iter_rows(values_only=True):
            if row and row[0] == REFRESH_LOG_TITLE:
                break    # the refresh log records each change as old -> new: the adoption's old values by design
            rows += [str(v) for v in row if v is not None]
        out[name] = "\n".join(rows)
    wb.close()
    return out


@pytest.mark.parametrize("sheet, says", [
    pytest.param(L.COVER, f"Data: Northshire (DfE LA 899): outturn {OUTTURN}, forecast {FORECAST}", id="cover"),
    pytest.param(L.COVER, "Source: Northshire County Council, outturn reports (test data)", id="cover-source"),
    pytest.param(L.OUTPUTS, "Outputs for Schools Forum and the DfE: Northshire", id="outputs-title"),
    pytest.param(L.OUTPUTS, f"Northshire: budget and spend have grown, but not as fast as EHCP numbers, {OUTTURN}",
                 id="outputs-history-title"),
    pytest.param(L.OUTPUTS, f"Northshire: deficit growth projected, {northshire.FIRST_YEAR} to "
                            f"{northshire.ASSUMPTIONS[-1][0]}", id="outputs-projection-title"),
    pytest.param(L.LOGS, f"Northshire: logs of the inputs, {OUTTURN}", id="logs-header"),
])
def test_the_workbook_says_its_own_authority_and_years(values, sheet, says):
    assert says in values[sheet]


@pytest.mark.parametrize("sheet", [L.COVER, L.OUTPUTS, L.LOGS])
@pytest.mark.parametrize("word", northshire.FORBIDDEN)
def test_the_workbook_never_says_the_bundled_authority(values, sheet, word):
    assert word not in values[sheet]


def test_the_cover_calls_synthetic_schools_synthetic(values):
    # the Northshire schools are the demo schools renamed "(Northshire synthetic NNN)": still synthetic
    assert "schools are SYNTHETIC demo data" in values[L.COVER]


@pytest.fixture(scope="module")
def reports(book):
    import io
    from contextlib import redirect_stdout
    out = {}
    for fmt in ("table", "json", "csv"):
        buf = io.StringIO()
        with redirect_stdout(buf):
            assert main(["report", str(book), "--format", fmt]) == 0
        out[fmt] = buf.getvalue()
    return out


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_report_workbook_names_northshire_and_its_years(reports, fmt):
    text = reports[fmt]
    assert "Northshire" in text and northshire.FIRST_YEAR in text and northshire.LAST_YEAR in text
    for word in northshire.FORBIDDEN:
        assert word not in text, word


def test_report_workbook_json_runs_the_engine_on_the_workbooks_inputs(reports):
    d = json.loads(reports["json"])
    assert d["edition"] == {"authority": "Northshire", "authority_code": "899",
                            "source": "Northshire County Council, outturn reports (test data)",
                            "outturn": [northshire.FIRST_YEAR, northshire.LAST_YEAR],
                            "forecast": [northshire.ASSUMPTIONS[0][0], northshire.ASSUMPTIONS[-1][0]]}
    hist = {r["financial_year"]: r for r in d["history"]}
    y, e, b, x, a = northshire.HISTORY[-1]
    assert (hist[y]["ehcp_count"], hist[y]["hnb_budget"], hist[y]["accumulated_deficit"]) == (e, b, a)
    assert hist[y]["in_year_deficit"] == x - b
    # first projected year: EHCPs grow by the assumption, funding by its growth (independent arithmetic)
    proj = {r["financial_year"]: r for r in d["projection"]}
    fy0, g, _c, f, t, _o = northshire.ASSUMPTIONS[0]
    assert proj[fy0]["ehcp_count"] == pytest.approx(e * (1 + g))
    assert proj[fy0]["hnb_funding"] == pytest.approx(b * (1 + f))
    assert sum(r["allocation"] for r in d["contingency"]) == 450_000


def test_report_workbook_leaves_out_the_bundled_published_forecast(reports):
    assert "published forecast vs model" not in reports["table"]


def test_the_bundled_report_still_names_cambridgeshire(capsys):
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Cambridgeshire (DfE LA 873): outturn 2016-17 to 2021-22")
    assert "1. Cambridgeshire HNB history, 2016-17 to 2021-22" in out and "15 July 2022" in out


@pytest.fixture(scope="module")
def pack(book, tmp_path_factory):
    """``pack WORKBOOK``, recording every chart's texts (titles, footnote)."""
    texts = []
    original = Figure.savefig

    def spy(fig, fname, *a, **k):
        texts.extend(ax.get_title() for ax in fig.axes)
        texts.extend(t.get_text() for t in fig.texts)
        return original(fig, fname, *a, **k)

    mp = pytest.MonkeyPatch()
    mp.setattr(Figure, "savefig", spy)
    out = tmp_path_factory.mktemp("pack")
    try:
        assert main(["pack", str(book), "--output", str(out), "--paths", "200"]) == 0
    finally:
        mp.undo()
    return (out / "index.html").read_text(encoding="utf-8"), texts


def test_pack_workbook_page_names_northshire(pack):
    page, _ = pack
    title = page[page.index("<title>"):page.index("</title>")]
    assert "Northshire" in title and f"outturn {OUTTURN}" in title
    text = re.sub(r"base64,[A-Za-z0-9+/=]+", "", page)
    for word in northshire.FORBIDDEN:
        assert word not in text, word
    assert "Calibration plug" not in text and "the workbook&#x27;s assumptions" in text   # its own assumptions


def test_pack_workbook_charts_name_northshire_and_its_years(pack):
    _, texts = pack
    joined = "\n".join(texts)
    assert f"Northshire High Needs Block, {OUTTURN}" in joined
    assert "Source: Northshire County Council" in joined
    for word in northshire.FORBIDDEN:
        assert word not in joined, word


def _not_a_model(tmp_path: Path) -> Path:
    p = tmp_path / "other.xlsx"
    wb = Workbook()
    wb.active["A1"] = "hello"
    wb.save(p)
    return p


def _text_in_a_number(tmp_path: Path, book: Path) -> Path:
    p = tmp_path / "typed.xlsm"
    wb = load_book(book, keep_vba=True)
    t = L.INPUT_TABLES["history"]
    wb[t.sheet].cell(t.first_row + 1, t.col_of("HNB budget"), "lots")
    wb.save(p)
    return p


@pytest.mark.parametrize("command", ["report", "pack"])
@pytest.mark.parametrize("make, says", [
    pytest.param(lambda tmp, book: tmp / "missing.xlsm", "no such file", id="missing"),
    pytest.param(lambda tmp, book: (tmp / "x.xlsm").write_text("not a zip") and tmp / "x.xlsm",
                 "cannot be read as an Excel workbook", id="not-a-workbook"),
    pytest.param(lambda tmp, book: _not_a_model(tmp), "Inputs", id="no-inputs-sheet"),
    pytest.param(lambda tmp, book: _text_in_a_number(tmp, book), "HNB budget", id="text-in-a-number-cell"),
])
def test_an_unreadable_workbook_is_one_line_exit_2(book, tmp_path, capsys, command, make, says):
    path = make(tmp_path, book)
    args = [command, str(path)] + (["--output", str(tmp_path / "pack")] if command == "pack" else [])
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0] and str(path) in err[0] and "Traceback" not in err[0], err


def test_the_bundled_workbooks_report_is_the_bundled_report(capsys):
    """The committed workbook holds the bundled inputs, so the engine on its Inputs gives the bundled
    report line for line (the assumptions recognised as the bundled replica, basis and all)."""
    from hnb_xl.workbook.build import DEFAULT_OUTPUT
    assert main(["report"]) == 0
    bundled_out = capsys.readouterr().out
    assert main(["report", str(DEFAULT_OUTPUT)]) == 0
    assert capsys.readouterr().out == bundled_out


def test_pack_workbook_takes_the_agreement_from_the_workbook(book, tmp_path):
    """A DfE total of £30m refreshed into the workbook's agreement table (Inputs; the Safety_Valve
    sheet reads it) is the pack's (40% first: £12.0m, then 4 x £4.5m: independent arithmetic). The
    test typed it on the Safety_Valve sheet when the agreement's terms were inputs there."""
    import csv
    import shutil
    edited = tmp_path / "edited.xlsm"
    shutil.copy(book, edited)
    src = tmp_path / "src"
    src.mkdir()
    with bundled.data_path("plan_agreement_cambridgeshire.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if r["parameter"] == "dfe_total":
            r["value"] = "30000000"
    with (src / "agreement.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    assert main(["refresh", str(edited), str(src)]) == 0
    out = tmp_path / "pack"
    assert main(["pack", str(edited), "--output", str(out), "--paths", "100"]) == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "DfE contributions £30.0m" in page and "The DfE total (£30.0m)" in page
    assert '<td class="num">£12.0m</td>' in page and '<td class="num">£4.5m</td>' in page


def test_the_outputs_charts_are_titled_with_the_workbooks_years(book):
    """The Excel charts' titles (in the chart parts of the file; openpyxl does not load charts) name
    the authority and the years the refresh brought: Northshire, 2017-18 to 2023-24 outturn, to
    2027-28 projected."""
    import zipfile
    with zipfile.ZipFile(book) as z:
        xml = "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart"))
    assert f"Growing budget, growing overspend and numbers of EHCPs: Northshire, {OUTTURN}" in xml
    assert f"Deficit growth projected: Northshire, {northshire.FIRST_YEAR} to {northshire.ASSUMPTIONS[-1][0]}" in xml
    for word in northshire.FORBIDDEN:
        assert word not in xml, word


def _itt_year(book: Path, tmp_path: Path, year: str) -> Path:
    """A copy of the workbook whose Invest to Transform year is ``year`` (a year the Northshire
    block-transfer table has no transfer in)."""
    edited = tmp_path / "itt_year.xlsm"
    wb = load_book(book, keep_vba=True)
    t = L.INPUT_TABLES["parameters"]
    wb[t.sheet].cell(L.parameter_row("invest_to_transform_year"), t.col_of("Value"), year)
    wb.save(edited)
    return edited


def test_report_and_pack_say_when_the_invest_to_transform_year_has_no_transfer(book, tmp_path, capsys):
    """The tracker is then shown as allocated and both say why, instead of measuring it against the
    bundled authority's £2,102,000 transfer (or failing)."""
    edited = _itt_year(book, tmp_path, "2019-20")
    capsys.readouterr()
    assert main(["report", str(edited)]) == 0
    assert "NOTE: the block-transfer table has no 2019-20 transfer" in capsys.readouterr().out
    out = tmp_path / "pack"
    assert main(["pack", str(edited), "--output", str(out), "--paths", "100"]) == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    box = page[page.index("<div class='note'>"):page.index("</div>")]
    assert "The block-transfer table has no 2019-20 transfer" in box
    assert main(["report"]) == 0
    assert "NOTE: the block-transfer table" not in capsys.readouterr().out


# ------------------------------------------------------------------ the assurance record (issue 16 part 4)
# The record (hnb_xl/data/assurance_*.csv) describes the bundled data: a Northshire workbook's report and
# pack say that none is written for Northshire, and show none of the bundled record's rows.

import csv  # noqa: E402
import html  # noqa: E402

from hnb_xl import bundled  # noqa: E402


def _record_texts() -> list[str]:
    """Texts only the bundled record holds: each assumption's owner and source, each decision, each
    role's holder (an assumption's name, "HNB funding growth", is also a Monte Carlo driver's label)."""
    out = []
    for part, keys in (("assumptions", ("owner", "source")), ("decisions", ("decision",)), ("roles", ("holder",))):
        with bundled.data_path(f"assurance_{part}.csv").open(encoding="utf-8", newline="") as f:
            out += [r[k] for r in csv.DictReader(f) for k in keys]
    return sorted(set(out))


def test_pack_workbook_has_no_bundled_record(pack):
    page, _ = pack
    text = html.unescape(re.sub(r"base64,[A-Za-z0-9+/=]+", "", page))
    assert "The assurance record has not been written for Northshire (DfE LA 899)" in text
    for t in _record_texts():
        assert t not in text, t


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_report_workbook_says_no_record_is_written(reports, fmt):
    text = reports[fmt]
    assert "The assurance record has not been written for Northshire (DfE LA 899)" in text
    for t in _record_texts():
        assert t not in text, t
    if fmt == "json":
        assert "assurance" not in json.loads(text)


def test_the_bundled_report_shows_the_record(capsys):
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "Assurance record (HM Treasury Aqua Book)" in out
    with bundled.data_path("assurance_assumptions.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    lines = out.splitlines()
    for r in rows:   # each assumption on one line of the table, with its owner and rating
        assert any(line.startswith(r["id"] + " ") and r["owner"] in line and r["rating"].capitalize() in line
                   for line in lines), r["id"]


def _chart_xml(path: Path) -> str:
    import zipfile
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart"))


def test_the_built_workbooks_charts_name_the_bundled_authority():
    """hnb-xl build: the seed's titles, the authority (parameters.csv: Cambridgeshire) and the years
    (outturn 2016-17 to 2021-22; the projection to the 2030-31 horizon)."""
    from hnb_xl.workbook.build import DEFAULT_OUTPUT as committed
    xml = _chart_xml(committed)
    assert "Growing budget, growing overspend and numbers of EHCPs: Cambridgeshire, 2016-17 to 2021-22" in xml
    assert "Deficit growth projected: Cambridgeshire, 2016-17 to 2030-31" in xml


def test_a_refresh_without_parameters_keeps_the_workbooks_authority_in_the_chart_titles(book, tmp_path):
    """A refresh of the history alone (no parameters file; one EHCP count revised): the titles take
    the authority the workbook holds (Northshire)."""
    import shutil
    copy = tmp_path / "Northshire_copy.xlsm"
    shutil.copy(book, copy)
    src = tmp_path / "src"
    frames = northshire.frames()
    history = frames["history"].copy()
    history.loc[history.index[-1], "ehcp_count"] += 10
    templates.write_templates(src, {"history": history}, tables=("history",), formats=("csv",))
    assert main(["refresh", str(copy), str(src)]) == 0
    xml = _chart_xml(copy)
    assert f"Growing budget, growing overspend and numbers of EHCPs: Northshire, {OUTTURN}" in xml
    assert f"Deficit growth projected: Northshire, {northshire.FIRST_YEAR} to {northshire.ASSUMPTIONS[-1][0]}" in xml
