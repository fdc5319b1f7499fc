"""The generated workbook: the committed file equals a fresh build, and its structure is sound."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from openpyxl.worksheet.formula import ArrayFormula

from hnb_xl.tables import schema
from hnb_xl.excel.spec import FUNCTIONS
from hnb_xl.workbook import cells_dump
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.build import DEFAULT_OUTPUT, build
from hnb_xl.workbook.verify.check import check

from tests import seed
from tests.support import read_book

COMMITTED = Path(__file__).resolve().parents[1] / "workbook" / "HNB_Model.xlsm"
COMMITTED_CELLS = COMMITTED.with_name("HNB_Model.cells.txt")
ACCEPT = ("if the new cells are right, run `hnb-xl build` (it rewrites workbook/HNB_Model.xlsm and "
          "workbook/HNB_Model.cells.txt) and commit both; do it last, after every formula change")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("build") / "HNB_Model.xlsm", build_time="2000-01-01 00:00 UTC")


@pytest.fixture(scope="module")
def wb():
    return read_book(COMMITTED, keep_vba=True)


def _text(v):
    return v.text if isinstance(v, ArrayFormula) else v


def _cells(path):
    book = read_book(path, keep_vba=True)
    out = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    out[(ws.title, c.coordinate)] = (_text(c.value), c.number_format)
    return book, out


def test_committed_workbook_is_the_generators_output(fresh):
    """Every sheet's cells (values, formulas, number formats) as a fresh build; only the build time differs."""
    assert DEFAULT_OUTPUT == COMMITTED
    b1, a = _cells(fresh)
    b2, b = _cells(COMMITTED)
    assert b1.sheetnames == b2.sheetnames
    a.pop(L.BUILD_TIME_CELL), b.pop(L.BUILD_TIME_CELL)
    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    assert not diff, f"{len(diff)} cells differ from a fresh build (run `hnb-xl build`), first: " + \
        ", ".join(f"{s}!{c}: committed {b.get((s, c))!r} vs built {a.get((s, c))!r}" for s, c in diff[:5])
    assert sorted(b1.defined_names) == sorted(b2.defined_names)
    assert len(b1[L.OUTPUTS]._charts) == len(b2[L.OUTPUTS]._charts) == 2


def test_committed_cell_dump_is_a_fresh_builds(fresh):
    """workbook/HNB_Model.cells.txt, one `Sheet!A1: formula-or-value` line per cell, is what the build
    writes now: a formula change shows in review as a changed line. On a mismatch the build's dump is
    written to workbook/HNB_Model.cells_actual.txt."""
    built = cells_dump.dump_path(fresh).read_text(encoding="utf-8")
    committed = COMMITTED_CELLS.read_text(encoding="utf-8")
    if built != committed:
        actual = COMMITTED_CELLS.with_name("HNB_Model.cells_actual.txt")
        actual.write_text(built, encoding="utf-8", newline="\n")
        diff = list(difflib.unified_diff(committed.splitlines(), built.splitlines(), "committed", "built",
                                         n=0, lineterm=""))
        pytest.fail(f"the build's cells differ from {COMMITTED_CELLS.name} ({actual.name} written); "
                    f"{ACCEPT}. First lines of the diff:\n" + "\n".join(diff[:30]))


def test_committed_cell_dump_describes_the_committed_workbook(wb):
    """The dump and the .xlsm are committed together (both written by one `hnb-xl build`)."""
    assert cells_dump.text(wb) == COMMITTED_CELLS.read_text(encoding="utf-8"), ACCEPT


def test_cell_dump_masks_the_build_time_and_quotes_text(fresh):
    lines = cells_dump.dump_path(fresh).read_text(encoding="utf-8").splitlines()
    sheet, cell = L.BUILD_TIME_CELL
    assert f"{sheet}!{cell}: <build time>" in lines
    assert not any("2000-01-01" in line for line in lines)
    assert f'{L.COVER}!B6: "Built"' in lines                       # text in quotes
    master = next(line for line in lines if line.startswith(f"{L.CHECKS}!C4: "))
    assert master.split(": ", 1)[1].startswith("=IF(")            # a formula as stored
    sheets = [line.split("!", 1)[0] for line in lines]
    assert list(dict.fromkeys(sheets)) == [s for s in L.SHEETS if s in sheets]   # sheet order


def test_two_builds_give_the_same_cells(fresh, tmp_path):
    other = build(tmp_path / "again.xlsm", build_time="2000-01-01 00:00 UTC")
    assert _cells(fresh)[1] == _cells(other)[1]


def test_build_time_is_the_one_known_cell(tmp_path):
    out = build(tmp_path / "t.xlsm", build_time="1999-12-31 23:59 UTC")
    sheet, cell = L.BUILD_TIME_CELL
    assert read_book(out)[sheet][cell].value == "1999-12-31 23:59 UTC"


def test_output_must_be_xlsm(tmp_path):
    from hnb_xl.errors import HnbInputError
    with pytest.raises(HnbInputError):
        build(tmp_path / "x.xlsx")


def test_sheets_in_reader_order_with_code_names(wb):
    assert tuple(wb.sheetnames) == L.SHEETS
    codes = [ws.sheet_properties.codeName for ws in wb.worksheets]
    assert all(codes) and len(set(codes)) == len(codes)
    assert wb[L.COVER].sheet_properties.codeName == "Sheet1"      # the template's modules keep their sheets
    assert wb[L.XLWINGS_CONF].sheet_properties.codeName == "Sheet2"


def test_xlwings_conf_is_active_and_names_the_udf_module(wb):
    assert "_xlwings.conf" not in wb.sheetnames
    ws = wb[L.XLWINGS_CONF]
    assert ws["A6"].value == "UDF Modules"
    assert ws[L.CONF_UDF_MODULES_CELL].value == "hnb_xl.udfs"


@pytest.mark.parametrize("key,sch", [
    pytest.param("history", schema.HISTORY, id="history"),
    pytest.param("assumptions", schema.ASSUMPTIONS, id="assumptions"),
    pytest.param("block_transfer", schema.BLOCK_TRANSFER, id="block-transfer"),
    pytest.param("schools", schema.SCHOOLS, id="schools"),
])
def test_input_tables_have_the_schema_headers_and_defined_names(wb, key, sch):
    t = L.INPUT_TABLES[key]
    ws = wb[t.sheet]
    assert [ws.cell(t.header_row, t.first_col + j).value for j in range(len(sch.headers))] == sch.headers
    assert wb.defined_names[t.name].attr_text == t.ref
    for header, name in t.column_names.items():
        assert wb.defined_names[name].attr_text == t.column_ref(header)
        assert "HNB_" not in name.upper()


def test_inputs_hold_the_seed_figures(wb):
    ws = wb[L.INPUTS]
    h = L.INPUT_TABLES["history"]
    years = [ws[h.cell("Financial year", i)].value for i in range(h.max_rows)]
    for year, (ehcp, _g, budget, _bg, spend, _eg, _iy, acc) in seed.HISTORY_TABLE.items():
        i = years.index(year)
        assert ws[h.cell("EHCPs (January census)", i)].value == ehcp
        assert ws[h.cell("HNB budget", i)].value == budget * 1000
        assert ws[h.cell("HNB expenditure", i)].value == spend * 1000
        assert ws[h.cell("Accumulated DSG deficit", i)].value == acc * 1000
    dest = dict(wb.defined_names["Pot"].destinations)
    assert ws[dest[L.INPUTS].replace("$", "")].value == seed.SEND_CONTINGENCY_POT
    s = L.INPUT_TABLES["schools"]
    urns = [ws[s.cell("URN", i)].value for i in range(s.max_rows)]
    assert sum(u is not None for u in urns) == 250


def test_input_cells_share_one_style(wb):
    fills = set()
    for t in L.INPUT_TABLES.values():
        ws = wb[t.sheet]             # the workstreams are an input table on Safety_Valve
        for r in (t.first_row, t.last_row):
            c = ws.cell(r, t.first_col)
            fills.add((c.fill.fgColor.rgb, c.font.color.rgb))
    assert len(fills) == 1


def test_every_hnb_formula_names_a_spec_function_with_a_valid_arity(wb):
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                text = _text(c.value)
                if isinstance(text, str) and text.startswith("="):
                    for name, args in re.findall(r"\b(HNB_[A-Z_]+)\(([^()]*)\)", text):
                        spec = FUNCTIONS[name]
                        n = len(args.split(",")) if args.strip() else 0
                        assert spec.min_args <= n <= spec.max_args, f"{ws.title}!{c.coordinate}"
                        seen.add(name)
    assert {"HNB_DEFICIT", "HNB_CONTINGENCY", "HNB_TRANSFER"} <= seen


def test_static_checker_finds_nothing():
    """No unknown functions, OFFSET/INDIRECT, constants on calculation sheets, broken row patterns,
    missing names or cycles (hnb_xl.workbook.verify.check with the layout's policy)."""
    findings = check(COMMITTED)
    assert not findings, "\n".join(f.line() for f in findings[:10])


def test_calculation_formulas_avoid_functions_libreoffice_74_lacks(wb):
    banned = {"XLOOKUP", "OFFSET", "INDIRECT", "FILTER", "SEQUENCE", "LET", "UNIQUE", "IFS", "TEXTJOIN", "LAMBDA"}
    for name in L.CALCULATION_SHEETS + (L.OUTPUTS,):
        for row in wb[name].iter_rows():
            for c in row:
                text = _text(c.value)
                if isinstance(text, str) and text.startswith("="):
                    used = set(re.findall(r"(?<![A-Z_.])([A-Z][A-Z0-9.]*)\(", text.upper()))
                    assert not used & banned, f"{name}!{c.coordinate}: {text}"


def test_no_formula_uses_double_minus_which_the_formulas_engine_reads_as_zero(wb):
    """`--(range=x)` inside SUMPRODUCT is 0 under the `formulas` engine (seen with formulas 1.3.4 on
    this three-cell range, where Excel and LibreOffice give the 2022-23 instalment, 19.6), so the Safety_Valve sheet's DfE
    contributions, cleared year and instalments check read 0 in `hnb-xl verify`; the workbook writes
    (condition)*1, which both engines evaluate alike."""
    import formulas
    import numpy as np
    years = np.array([["2022-23"], ["2023-24"], [""]], dtype=object)
    counted = np.array([[19.6], [7.35], [""]], dtype=object)
    fn = formulas.Parser().ast("=SUMPRODUCT((A1:A3=B1)*1,C1:C3)")[1].compile()
    assert float(fn(years, "2022-23", counted)) == pytest.approx(19.6)
    used = [(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith("=") and "--(" in c.value]
    assert used == []


def test_projection_rows_hold_one_formula_along_the_row(wb):
    from hnb_xl.workbook.verify.check import r1c1
    ws = wb[L.CALC_PROJECTION]
    P = L.PROJ
    for key in ("ehcp", "cost", "expenditure", "accumulated", "deficit_growth", "udf_accumulated"):
        forms = {r1c1(ws.cell(P[key], c).value, P[key], c) for c in range(P["first_col"], P["first_col"] + P["periods"])}
        assert len(forms) == 1, key


def test_excel_recalculates_everything_on_open(wb):
    """openpyxl writes no cached values: the workbook must ask Excel for a full calculation."""
    assert wb.calculation.fullCalcOnLoad


def test_cli_build_writes_the_workbook(tmp_path, capsys):
    from hnb_xl.cli import main
    out = tmp_path / "cli.xlsm"
    assert main(["build", "--output", str(out), "--build-time", "t"]) in (0, None)
    assert out.is_file() and "wrote" in capsys.readouterr().out
    assert read_book(out, keep_vba=True).sheetnames == list(L.SHEETS)


def test_cli_build_refuses_a_non_macro_file_in_one_line(tmp_path, capsys):
    from hnb_xl.cli import main
    code = main(["build", "--output", str(tmp_path / "x.xlsx")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and ".xlsm" in err
    assert not (tmp_path / "x.xlsx").exists()


def test_cli_build_reports_a_bad_source_file_and_writes_nothing(tmp_path, capsys):
    from hnb_xl.cli import main
    bad = tmp_path / "schools.csv"
    bad.write_text("URN,School name,EHCPs,Notional SEN budget\n100001,Alpha,many,1000\n", encoding="utf-8")
    out = tmp_path / "m.xlsm"
    assert main(["build", "--output", str(out), "--sources", f"schools={bad}"]) == 2
    err = capsys.readouterr().err
    assert "schools.csv" in err and "EHCPs" in err and "row 2" in err.lower()
    assert not out.exists()


def test_cli_build_sources_take_every_source_table_of_the_schema(tmp_path, capsys):
    """A council builds its own workbook from its own files: build --sources takes each table of
    tables.schema.SOURCE_TABLES and PLAN_SOURCE_TABLES (the help lists them all); with Northshire's
    templates (tests/northshire.py) the Inputs name Northshire and its LA code, hold its first history
    year, and the Logs list no bundled file for a table it gave."""
    from hnb_xl.cli import main
    from hnb_xl.sources import templates
    from tests import northshire
    frames = northshire.frames()
    own = tmp_path / "own"
    templates.write_templates(own, frames, tables=tuple(frames), formats=("csv",))
    out = tmp_path / "Northshire.xlsm"
    assert main(["build", str(out), "--build-time", "t",
                 "--sources", *[f"{t}={own / (t + '.csv')}" for t in frames]]) == 0
    wb = read_book(out)

    def named(name):
        (sheet, ref), = wb.defined_names[name].destinations
        return wb[sheet][ref.replace("$", "").split(":")[0]].value
    assert named("Authority_Name") == northshire.NAME
    assert named("Authority_Code") == northshire.CODE
    assert named("History_financial_year") == northshire.FIRST_YEAR
    logs = [str(c.value) for row in wb[L.LOGS].iter_rows() for c in row if c.value is not None]
    for t in frames:
        assert any(str(own / f"{t}.csv") in v for v in logs), t
    from hnb_xl.workbook.build import BUNDLED_SOURCE_FILES
    assert [v for v in logs for t in frames
            if t in BUNDLED_SOURCE_FILES and v == f"hnb_xl/data/{BUNDLED_SOURCE_FILES[t]}"] == []
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for t in schema.SOURCE_TABLES + schema.PLAN_SOURCE_TABLES:
        assert t in help_text, t


# ------------------------------------------------------------------ the Cover's Refresh button

def _zip_text(path, name) -> str:
    import zipfile
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def _cover_part(path) -> str:
    """The Cover's worksheet part, found through workbook.xml and its relationships."""
    wbxml = _zip_text(path, "xl/workbook.xml")
    rid = re.search(r'<sheet [^>]*name="%s"[^>]*r:id="([^"]+)"' % L.COVER, wbxml)
    rid = rid or re.search(r'<sheet [^>]*r:id="([^"]+)"[^>]*name="%s"' % L.COVER, wbxml)
    rels = _zip_text(path, "xl/_rels/workbook.xml.rels")
    target = re.search(r'<Relationship [^>]*Target="([^"]+)"[^>]*Id="%s"' % rid.group(1), rels) or \
        re.search(r'<Relationship [^>]*Id="%s"[^>]*Target="([^"]+)"' % rid.group(1), rels)
    t = target.group(1).lstrip("/")
    return t if t.startswith("xl/") else "xl/" + t


def test_cover_has_the_refresh_button_wired_to_the_template_macro():
    """VML legacy drawing on the Cover: one Form Control button, caption and macro from layout.py."""
    part = _cover_part(COMMITTED)
    sheet_xml = _zip_text(COMMITTED, part)
    link = re.search(r'<legacyDrawing [^>]*r:id="([^"]+)"', sheet_xml)
    assert link, "the Cover has no legacyDrawing"
    rels = _zip_text(COMMITTED, part.replace("worksheets/", "worksheets/_rels/") + ".rels")
    rel = re.search(r'<Relationship [^>]*Type="[^"]+/vmlDrawing"[^>]*Target="([^"]+)"[^>]*Id="%s"' % link.group(1),
                    rels)
    assert rel and rel.group(1).lstrip("/") == L.REFRESH_BUTTON_VML
    vml = _zip_text(COMMITTED, L.REFRESH_BUTTON_VML)
    assert vml.count('<x:ClientData ObjectType="Button">') == 1
    assert f"<x:FmlaMacro>[0]!{L.REFRESH_BUTTON_MACRO}</x:FmlaMacro>" in vml
    assert f">{L.REFRESH_BUTTON_CAPTION}</font>" in vml
    anchor = [int(v) for v in re.search(r"<x:Anchor>([^<]+)</x:Anchor>", vml).group(1).split(",")]
    sheet, cell = L.REFRESH_BUTTON_CELL
    assert sheet == L.COVER and f"{L.col(anchor[0] + 1)}{anchor[2] + 1}" == cell
    assert (anchor[1], anchor[3]) == L.REFRESH_BUTTON_OFFSET
    assert 'Extension="vml"' in _zip_text(COMMITTED, "[Content_Types].xml")


def test_committed_button_equals_a_fresh_builds(fresh):
    assert _zip_text(COMMITTED, L.REFRESH_BUTTON_VML) == _zip_text(fresh, L.REFRESH_BUTTON_VML)


def _module1() -> str:
    from oletools.olevba import VBA_Parser
    parser = VBA_Parser(str(COMMITTED))
    try:
        return {name: code for _f, _s, name, code in parser.extract_macros()}["Module1.bas"]
    finally:
        parser.close()


def test_the_button_macro_imports_the_module_named_like_the_workbook():
    """The (untouched) template macro the button runs: RunPython "import <name>; <name>.main()"."""
    code = _module1()
    assert re.search(rf"^Sub {L.REFRESH_BUTTON_MACRO}\(\)", code, re.M)
    assert 'mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, vbTextCompare) - 1))' in code
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in code


def test_companion_py_is_committed_and_is_the_generators():
    from hnb_xl.workbook.build import COMPANION_TEXT, companion_path
    assert companion_path(COMMITTED) == COMMITTED.with_suffix(".py")
    assert COMMITTED.with_suffix(".py").read_text(encoding="utf-8") == COMPANION_TEXT


def test_runpython_command_runs_the_refresh(fresh, tmp_path):
    """What xlwings does for the button: workbook folder first on sys.path, then the macro's command
    with mymodule = the workbook's name; main() must reach refresh_from_excel (stubbed: no Excel)."""
    import subprocess
    import sys
    module = fresh.stem
    command = f"import {module};{module}.main()"          # the VBA's "import " & m & ";" & m & ".main()"
    script = ("import sys; sys.path[0:0] = [sys.argv[1]]\n"
              "import hnb_xl.workbook.refresh as r\n"
              "r.refresh_from_excel = lambda: print('refresh_from_excel called')\n" + command)
    out = subprocess.run([sys.executable, "-c", script, str(fresh.parent)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "refresh_from_excel called"


@pytest.mark.parametrize("name,why", [
    pytest.param("HNB Model.xlsm", "is not a Python module name", id="space"),
    pytest.param("2025_HNB.xlsm", "is not a Python module name", id="leading-digit"),
    pytest.param("HNB-Model.xlsm", "is not a Python module name", id="hyphen"),
    pytest.param("json.xlsm", "is named like the Python module 'json'", id="stdlib-name"),
    pytest.param("hnb_xl.xlsm", "is named like the Python module 'hnb_xl'", id="package-name"),
])
def test_build_refuses_a_name_the_button_cannot_import(tmp_path, capsys, name, why):
    from hnb_xl.cli import main
    assert main(["build", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert why in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_build_positional_output_writes_the_companion(tmp_path, capsys):
    from hnb_xl.cli import main
    from hnb_xl.workbook.build import COMPANION_TEXT
    out = tmp_path / "HNB_Model_2025.xlsm"
    assert main(["build", str(out), "--build-time", "t"]) in (0, None)
    assert "HNB_Model_2025.py" in capsys.readouterr().out
    assert (tmp_path / "HNB_Model_2025.py").read_text(encoding="utf-8") == COMPANION_TEXT
    # and the two VBA modules the Cover tells a user to import by hand (issue 13 part 8: an installed
    # package has no workbook/ folder to take them from), whatever the workbook is called
    assert sorted(p.name for p in tmp_path.iterdir()) == ["HNB_Model_2025.cells.txt", "HNB_Model_2025.py",
                                                          "HNB_Model_2025.xlsm", "hnb_register.bas",
                                                          "xlwings_udfs.bas"]


@pytest.mark.parametrize("schools, rows", [
    pytest.param(0, 50, id="no-schools-50-spare"),
    pytest.param(1, 100, id="one-school-and-50-spare-rounded-up"),
    pytest.param(250, 300, id="bundled-250-and-50-spare"),
    pytest.param(301, 400, id="301-and-a-fifth-is-362-rounded-up"),
    pytest.param(600, 750, id="600-and-a-fifth"),
    pytest.param(900, 1000, id="capped-at-the-inputs-table"),
    pytest.param(1000, 1000, id="a-full-inputs-table"),
])
def test_calc_contingency_has_rows_for_the_schools_and_room_to_grow(schools, rows):
    """n schools and max(50, n/5) spare, rounded up to a multiple of 50, at most the 1,000 rows of
    the Inputs schools table."""
    assert L.contingency_rows(schools) == rows


def test_a_workbook_built_with_301_schools_calculates_400(tmp_path):
    """The build sizes Calc_Contingency by the schools it is given: 301 schools, 400 rows of
    formulas, the defined names the Checks read over the same 400 rows, nothing below them; and a
    refresh of that workbook then holds up to 400."""
    from hnb_xl.cli import main
    src = tmp_path / "schools.csv"
    src.write_text("URN,School name,EHCPs,Notional SEN budget\n" +
                   "".join(f"{200000 + i},S{i},2,1000\n" for i in range(301)), encoding="utf-8")
    out = build(tmp_path / "w.xlsm", build_time="t", sources={"schools": str(src)})
    wb = read_book(out)
    ws = wb[L.CALC_CONTINGENCY]
    first, last = L.CONT["first"], L.CONT["first"] + 400 - 1
    urn = L.col(L.CONT["cols"]["urn"])
    assert ws.max_row == last
    assert str(ws[f"{urn}{last}"].value).startswith("=IF(")
    for key in ("urns", "shortfalls", "allocations", "differences"):
        ref = wb.defined_names[L.NAMES[f"contingency_{key}"]].attr_text
        start, end = ref.split("!")[1].replace("$", "").split(":")
        assert (int(re.sub(r"\D", "", start)), int(re.sub(r"\D", "", end))) == (first, last), ref
    more = tmp_path / "more.csv"
    more.write_text("URN,School name,EHCPs,Notional SEN budget\n" +
                    "".join(f"{300000 + i},T{i},2,1000\n" for i in range(400)), encoding="utf-8")
    assert main(["refresh", str(out), str(more), "--replace", "schools"]) == 0
