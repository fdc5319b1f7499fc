"""Generate the bundled macro workbook ``workbook/HNB_Model.xlsm`` from code and the bundled data.

How it works:

1. Open xlwings' own ``quickstart_standalone.xlsm`` with openpyxl ``keep_vba=True`` (its VBA
   project, including the ``xlwings`` module tied to the pinned xlwings version, is kept byte for
   byte). No VBA of ours is injected.
2. Rename the template's ``Sheet1`` to the Cover and ``_xlwings.conf`` to ``xlwings.conf`` (active),
   set ``UDF Modules`` to ``hnb_xl.udfs``.
3. Run each sheet builder of :data:`SHEET_BUILDERS` in reader order; each is a module in
   ``hnb_xl/workbook/sheets`` with ``build(wb, ctx)``, takes every address from
   :mod:`hnb_xl.workbook.layout` and registers its defined names through ``ctx.define``.
4. Order the sheets as ``layout.SHEETS``, give every new sheet a VBA ``codeName``, save.
5. Write the companion ``<name>.py`` beside ``<name>.xlsm``: the Cover's "Refresh from sources"
   button runs the template's ``Module1.SampleCall``, i.e. ``RunPython "import <name>; <name>.main()"``
   (xlwings puts the workbook's folder first on ``sys.path``), and ``main()`` refreshes the open
   workbook (:func:`hnb_xl.workbook.refresh.refresh_from_excel`). The companion's text does not
   depend on the name, so a renamed workbook needs only a copy of it under the new name; a name
   that cannot be a Python module (``HNB Model.xlsm``, ``json.xlsm``) is refused here.

Reproducible: the same data gives the same cells; only the build time (``layout.BUILD_TIME_CELL``)
differs. ``SOURCE_DATE_EPOCH`` (or ``build_time=``) fixes it too.

To add a sheet (e.g. issue 7's Safety Valve): layout entries + one module in ``sheets/`` + one
entry in :data:`SHEET_BUILDERS` (and ``layout.SHEETS`` for its position).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.util
import keyword
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.workbook.defined_name import DefinedName

from .. import __version__, bundled
from ..tables import schema as _schema
from . import cells_dump
from . import layout as L
from .sheets import (calc_contingency, calc_history, calc_placement, calc_projection, calc_transfer, checks, conf,
                     cover, inputs, logs, outputs, safety_valve, sensitivity)

# Builders run in this order (inputs before the calculations that name them; checks after the
# sheets they check; the cover last but one so it can name the master check).
SHEET_BUILDERS = (conf, inputs, calc_history, calc_projection, calc_placement, calc_contingency, calc_transfer, safety_valve,
                  outputs, sensitivity, checks, logs, cover)

# xlwings' own folder, found without importing xlwings (its import loads matplotlib: 0.4 s of the
# start of every command, whose parser imports this module)
TEMPLATE = Path(importlib.util.find_spec("xlwings").origin).parent / "quickstart_standalone.xlsm"
SOURCE_TREE = Path(__file__).resolve().parents[2]      # the checkout, when the package runs from one
DEFAULT_OUTPUT = SOURCE_TREE / "workbook" / "HNB_Model.xlsm"    # the committed workbook of a checkout
WORKBOOK_NAME = DEFAULT_OUTPUT.name


def default_output() -> Path:
    """Where ``hnb-xl build`` writes without a path: ``HNB_Model.xlsm`` in
    :func:`hnb_xl.excel.vba.default_outdir` (a source checkout's committed ``workbook/``, otherwise
    the current folder; never the package's own folder, site-packages when installed)."""
    from ..excel import vba
    return vba.default_outdir() / WORKBOOK_NAME
DATA_FILES = ("history.csv", "assumptions_published_forecast_july_2022.csv", "parameters.csv",
              "block_transfer.csv", "invest_to_transform.csv", "demo_schools.csv", "published_forecast.csv")


@dataclass
class Context:
    """What the sheet builders share: the data, the versions, the build time, the names made."""
    history: object
    assumptions: object
    block_transfer: object
    invest_to_transform: object
    schools: object
    parameters: object                 # DataFrame of parameters.csv
    build_time: str
    sources: list = field(default_factory=list)   # (file, rows, sha256)
    plan_tables: dict = field(default_factory=dict)   # a council's agreement, workstreams, payments, settlement
    names: dict = field(default_factory=dict)     # defined name -> reference
    checks: list = field(default_factory=list)    # (label, formula, explanation, native: bool)

    @property
    def contingency_rows(self) -> int:
        """Calc_Contingency's per-school rows for these schools (:func:`layout.contingency_rows`)."""
        return L.contingency_rows(len(self.schools))

    def define(self, name: str, ref: str) -> str:
        if name in self.names and self.names[name] != ref:
            raise ValueError(f"defined name {name} made twice")
        self.names[name] = ref
        return name


def _sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def default_build_time() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = (_dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch
           else _dt.datetime.now(_dt.timezone.utc))
    return now.strftime("%Y-%m-%d %H:%M UTC")


def bundled_context(build_time: str | None = None) -> Context:
    sources = []
    for name in DATA_FILES:
        p = bundled.data_path(name)
        text = p.read_text(encoding="utf-8")
        sources.append((f"hnb_xl/data/{name}", max(0, len(text.strip().splitlines()) - 1), _sha256(p)))
    return Context(history=bundled.history(), assumptions=bundled.assumptions(),
                   block_transfer=bundled.block_transfers(), invest_to_transform=bundled.invest_to_transform(),
                   schools=bundled.demo_schools(), parameters=bundled.parameter_table(),
                   build_time=build_time or default_build_time(), sources=sources)


# --sources takes every source table of hnb_xl/tables/schema.py: each of SOURCE_TABLES replaces the
# bundled table of the same name; the rest are held in the plan tables (the safety valve's
# PLAN_SOURCE_TABLES, the Safety_Valve sheet's input_frames) or, for the parameters, merged over
# the bundled ones by name
SOURCE_TABLES = tuple(t for t in _schema.SOURCE_TABLES if t != "parameters")
OTHER_SOURCE_TABLES = ("parameters",) + tuple(t for t in _schema.PLAN_SOURCE_TABLES if t not in _schema.SOURCE_TABLES) \
    + _schema.ASSURANCE_SOURCE_TABLES     # a council's own assurance record: the Logs sheet (sheets/logs.py)


# a plan table given as its headers and no rows (what ``template --from`` writes for an empty
# Inputs table) is an empty table: the council has none (no agreement, no workstreams, no placement
# inputs, ...), never the bundled authority's rows
EMPTY_MEANS_NONE = tuple(t for t in OTHER_SOURCE_TABLES if t != "parameters")


BUNDLED_SOURCE_FILES = {"history": "history.csv", "assumptions": "assumptions_published_forecast_july_2022.csv",
                        "block_transfer": "block_transfer.csv", "schools": "demo_schools.csv",
                        "invest_to_transform": "invest_to_transform.csv", "parameters": "parameters.csv",
                        "agreement": "plan_agreement_cambridgeshire.csv", "workstreams": "plan_workstreams.csv",
                        "settlement": "settlement_2026.csv", "montecarlo": "plan_montecarlo.csv",
                        "uncertainty": "plan_uncertainty.csv"}


def with_sources(ctx: Context, sources: dict[str, str]) -> Context:
    """Replace bundled input tables by modellers' files: {"history": "h.csv", "schools": "s.xlsx", ...}.

    Each file is read and validated with :func:`hnb_xl.tables.files.load` (errors name the file,
    row and column), then the tables the workbook will hold (the files with the bundled tables they
    do not replace) are checked together by :func:`hnb_xl.tables.validate.problems` (assumptions
    start the year after the last history year, ...). Every problem is reported at once. Each file
    is logged on the Logs sheet with its SHA-256 in place of the bundled file.
    """
    from ..errors import HnbInputError, raise_all
    from ..tables import validate
    from ..tables.files import load
    from ..tables.schema import SCHEMAS
    problems, loaded = [], {}
    for key, path in sources.items():
        if key not in SOURCE_TABLES + OTHER_SOURCE_TABLES:
            problems.append(HnbInputError(f"unknown table '{key}' (known: "
                                          f"{', '.join(SOURCE_TABLES + OTHER_SOURCE_TABLES)})",
                                          source="--sources"))
            continue
        try:
            frame = load(SCHEMAS[key], path)
        except HnbInputError as exc:
            found = exc.problems or [exc]
            if key not in EMPTY_MEANS_NONE or [p.message for p in found] != ["has no data rows"]:
                problems.extend(found)
                continue
            frame = pd.DataFrame(columns=[c.name for c in SCHEMAS[key].columns])   # the council has none
        limit = L.INPUT_TABLES[key].max_rows if key in L.INPUT_TABLES else len(frame)   # the record: no limit
        if len(frame) > limit:
            problems.append(HnbInputError(f"has {len(frame)} rows; the workbook's {key} table holds {limit}",
                                          source=str(path)))
            continue
        loaded[key] = frame
    if not problems:
        held = {k: f for k, f in loaded.items() if k in OTHER_SOURCE_TABLES}
        for key in SOURCE_TABLES:
            frame = loaded.get(key)
            if frame is None:
                frame = getattr(ctx, key).copy(deep=False)
                frame.attrs = {"source": f"hnb_xl/data/{BUNDLED_SOURCE_FILES[key]}"}
            held[key] = frame
        problems = validate.problems(held)
    raise_all(problems)
    for key, frame in loaded.items():
        path = sources[key]
        if key == "parameters":
            own = set(frame["name"])
            kept = ctx.parameters[~ctx.parameters["name"].isin(own)]
            ctx.parameters = pd.concat([kept, frame], ignore_index=True)
        elif key in OTHER_SOURCE_TABLES:
            ctx.plan_tables[key] = frame
        else:
            setattr(ctx, key, frame)
        if key in BUNDLED_SOURCE_FILES:     # the bundled file it replaces is no longer a source
            ctx.sources = [s for s in ctx.sources if not s[0].endswith("/" + BUNDLED_SOURCE_FILES[key])]
        ctx.sources.append((str(path), len(frame), _sha256(path)))
    return ctx


def build_workbook(ctx: Context):
    """The openpyxl workbook (not saved)."""
    wb = openpyxl.load_workbook(TEMPLATE, keep_vba=True)
    for builder in SHEET_BUILDERS:
        builder.build(wb, ctx)
    _sensitivity_snapshot(wb)
    for name, ref in sorted(ctx.names.items()):
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    # reader order: every sheet of the layout is built (a missing one is a KeyError here)
    wb._sheets = [wb[s] for s in L.SHEETS] + [ws for ws in wb._sheets if ws.title not in L.SHEETS]
    for ws in wb.worksheets:
        code = L.CODE_NAMES.get(ws.title)
        if code:
            ws.sheet_properties.codeName = code
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == L.COVER
    stamp = _dt.datetime(2000, 1, 1)
    wb.properties.creator = f"hnb_xl {__version__}"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.lastModifiedBy = "hnb-xl build"
    wb.calculation.fullCalcOnLoad = True
    return wb


def _sensitivity_snapshot(wb) -> None:
    """The Sensitivity sheet's values (:func:`hnb_xl.workbook.sheets.sensitivity.snapshot_writes`)
    on the Inputs as built, read back through the refresh's own reader: the build writes what the
    first refresh would."""
    from .refresh.cells import OpenpyxlCells, write_openpyxl
    from .refresh.plan import rows_after, targets
    cells, tmap = OpenpyxlCells(wb), targets()
    write_openpyxl(wb, sensitivity.snapshot_writes(cells, tmap, rows_after(cells, tmap, {})))


COMPANION_TEXT = '''"""Companion of the HNB model workbook of the same name, written by `hnb-xl build`.

Keep it in the workbook's folder, named like the workbook (HNB_Model.xlsm -> HNB_Model.py; a
renamed workbook needs a copy of this file under its new name, which must be a valid Python
module name: letters, digits and _). The Cover's "Refresh from sources" button runs the
workbook's VBA macro SampleCall (xlwings' quickstart Module1):
    RunPython "import <workbook name>; <workbook name>.main()"
xlwings puts the workbook's folder first on sys.path, so this file is imported and main() runs.
"""

from hnb_xl.workbook.refresh import refresh_from_excel


def main():
    """Ask for source files, validate them, refresh this open workbook in place (see docs/refresh.md)."""
    refresh_from_excel()
'''

# Modules xlwings' Python has already imported (or could find first) when the button's
# "import <name>" runs: a workbook named like one of them would run the wrong module.
_TAKEN = {"hnb_xl", "xlwings", "numpy", "pandas", "openpyxl", "pywintypes", "pythoncom", "win32com"}


def companion_path(workbook: str | Path) -> Path:
    """``<name>.py`` beside ``<name>.xlsm``: the module the Cover's button imports."""
    p = Path(workbook)
    return p.with_name(p.stem + L.COMPANION_SUFFIX)


def module_name_problem(stem: str) -> str | None:
    """Why ``import <stem>`` (what the button's macro runs) cannot import the companion, or None."""
    if not stem.isidentifier() or keyword.iskeyword(stem) or not stem.isascii():
        return ("is not a Python module name (letters, digits and _ only, not starting with a digit), so the "
                "Cover's Refresh button could not import its companion .py; e.g. HNB_Model_2025.xlsm")
    if stem in sys.stdlib_module_names or stem.lower() in _TAKEN:
        return (f"is named like the Python module '{stem}', so the Cover's Refresh button would import that "
                "module instead of the workbook's companion .py; choose another name")
    return None


def build(output: str | Path | None = None, build_time: str | None = None,
          sources: dict[str, str] | None = None) -> Path:
    """Build the workbook from the bundled data (or ``sources``, see :func:`with_sources`) into
    ``output`` (default :func:`default_output`), plus its companion ``<name>.py``
    (:data:`COMPANION_TEXT`), the text dump of its cells ``<name>.cells.txt`` (:mod:`.cells_dump`)
    and the two VBA modules the Cover tells a user to import by hand (``xlwings_udfs.bas``,
    ``hnb_register.bas``, generated from the function spec by :mod:`hnb_xl.excel.vba`), all
    written atomically: on any error nothing is written. A folder that cannot be written is one
    line naming the path (HnbInputError)."""
    from ..errors import HnbInputError
    out = Path(output) if output is not None else default_output()
    if out.suffix.lower() != ".xlsm":
        raise HnbInputError("the output must be an .xlsm file (it carries the xlwings VBA)", source=str(output))
    problem = module_name_problem(out.stem)
    if problem:
        raise HnbInputError(problem, source=str(output))
    ctx = bundled_context(build_time)
    if sources:
        ctx = with_sources(ctx, sources)
    wb = build_workbook(ctx)
    from ..excel import vba
    modules = {vba.UDFS_BAS: vba.xlwings_udfs_bas(), vba.REGISTER_BAS: vba.macro_options_vba()}
    temps: list[str] = []
    try:
        out.parent.mkdir(parents=True, exist_ok=True)

        def temp(suffix: str) -> str:
            fd, path = tempfile.mkstemp(suffix=suffix, dir=out.parent)
            os.close(fd)
            temps.append(path)
            return path

        tmp, tmp_py, tmp_cells = temp(".xlsm"), temp(".py.tmp"), temp(".cells.tmp")
        tmp_bas = {name: temp(".bas.tmp") for name in modules}
        wb.save(tmp)
        with open(tmp_py, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(COMPANION_TEXT)
        cells_dump.write(wb, tmp_cells)
        for name, text in modules.items():
            Path(tmp_bas[name]).write_bytes(text.encode("ascii"))
        for t in temps:                               # mkstemp's 0600 would survive the replace
            os.chmod(t, _FILE_MODE)
        os.replace(tmp, out)
        os.replace(tmp_py, companion_path(out))
        os.replace(tmp_cells, cells_dump.dump_path(out))
        for name in modules:
            os.replace(tmp_bas[name], out.with_name(name))
    except OSError as exc:
        raise HnbInputError(f"cannot write there: {exc.strerror or exc}", source=str(output or out)) from None
    finally:
        for t in temps:
            if os.path.exists(t):
                os.unlink(t)
    return out


def _file_mode() -> int:
    """The mode a new file gets here (0666 less the process umask), as a plain ``open`` gives it."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()
