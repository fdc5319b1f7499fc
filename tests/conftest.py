"""Shared fixtures.

``soffice``: the LibreOffice binary. A missing LibreOffice FAILS the test that needs it (under CI,
env CI=true, and locally alike: never a skip that hides it); scripts/test.sh installs it.
``libreoffice``: one private LibreOffice profile for the whole session (warm conversions, and
never another engineer's running soffice), with one soffice kept running through UNO when possible.
``bundled_build``, ``bundled_native``, ``bundled_recalculated``: the costly facts about the bundled
workbook made once per session (per pytest-xdist worker) and shared READ-ONLY (copy the file before
changing it; the recalculations are frozen): a fresh ``hnb-xl build``, and LibreOffice's values of the
committed workbook without and with the HNB_ cells' Python values.
"""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import pytest

COMMITTED = Path(__file__).resolve().parents[1] / "workbook" / "HNB_Model.xlsm"

# The garbage collector's thresholds in each test process (and the children it forks): CPython's
# default (700, 10, 10) but for the third, a full collection after 1,000 collections of the middle
# generation instead of 10 (and, as always, only once a quarter more objects have lived on).
# A full collection walks every object alive, and a worker keeps workbooks, formulas models and
# session fixtures alive (several hundred MB). Measured in one run of the suite on two workers
# (gc.callbacks): the default made 111 and 117 full collections, 26.7 s and 24.4 s of
# collecting; (700, 10, 1000) made one each, and 8 s of collecting of all generations per worker
# against 36 s; the largest worker's peak memory went from 490 MB to 1,059 MB.
# The young generation's threshold stays 700: raised to 10,000, it changes the order in which
# the collector finalizes openpyxl's keep_vba archive (ZipFile(BytesIO(), "a")) and its BytesIO,
# and the ZipFile's __del__ then raises on the closed BytesIO (an "unraisable exception" warning).
GC_THRESHOLDS = (700, 10, 1000)
gc.set_threshold(*GC_THRESHOLDS)


@pytest.fixture(scope="session")
def soffice() -> str:
    from hnb_xl.workbook.verify.recalc import find_soffice
    path = find_soffice()
    if not path:
        where = "CI (CI=true)" if os.environ.get("CI") == "true" else "this machine"
        pytest.fail(f"LibreOffice (soffice) is required and missing on {where}: "
                    "run scripts/setup.sh --test (apt-get install libreoffice-calc-nogui)")
    return path


@pytest.fixture(scope="session")
def libreoffice(soffice, tmp_path_factory):
    """One soffice kept running for the session where the system Python has ``uno`` (about 2 s a
    recalculation saved), else a ``--convert-to`` per call; the profile is the session's own (per
    pytest-xdist worker too: tmp_path_factory is per worker)."""
    from hnb_xl.workbook.verify.soffice import best_office
    office = best_office(soffice, profile=tmp_path_factory.mktemp("libreoffice_profile"))
    yield office
    office.close()


def _recalculated_committed(office, udfs: bool):
    from tests.support import frozen, sha256_of
    from hnb_xl.workbook.verify.recalc import recalculate
    before = sha256_of(COMMITTED)
    r = recalculate(COMMITTED, udfs=udfs, office=office)
    assert sha256_of(COMMITTED) == before, "recalculation must never touch the shipped workbook"
    return frozen(r)


@pytest.fixture(scope="session")
def bundled_native(libreoffice):
    """workbook/HNB_Model.xlsm recalculated by LibreOffice without the HNB_ functions (as on a PC
    without Python), once a session; frozen."""
    return _recalculated_committed(libreoffice, udfs=False)


@pytest.fixture(scope="session")
def bundled_recalculated(libreoffice):
    """workbook/HNB_Model.xlsm recalculated by LibreOffice with each HNB_ cell's Python value written
    into the copy first (hnb_xl.workbook.verify.recalc), once a session; frozen."""
    return _recalculated_committed(libreoffice, udfs=True)


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory) -> Path:
    """The bundled workbook as ``hnb-xl build PATH`` writes it, built once a session: READ-ONLY (a
    test or module that changes it copies it first: ``shutil.copyfile(bundled_build, mine)``)."""
    from hnb_xl.cli import main
    path = tmp_path_factory.mktemp("bundled_build") / "HNB_Model.xlsm"
    assert main(["build", str(path)]) == 0
    from tests.support import sha256_of
    built = sha256_of(path)
    yield path
    assert sha256_of(path) == built, "a test changed the shared bundled_build: copy it first"


# each test module's seconds in a measured run (tests/module_seconds.json, written by
# ``scripts/test.sh --record-module-seconds``): only the order in which the workers take the modules
MODULE_SECONDS = Path(__file__).with_name("module_seconds.json")


def pytest_addoption(parser):
    parser.addoption("--record-module-seconds", action="store_true",
                     help=f"write each test module's seconds in this run (setup, call and teardown of its "
                          f"tests, summed) to {MODULE_SECONDS.name}: the order in which workers take modules")


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (scripts/test.sh -n 2), hand out the modules longest first, by their
    seconds in :data:`MODULE_SECONDS` (a module not in it counts as the median module), so that the
    run ends on small modules on both workers instead of on one long module while the other idles
    (longest processing time first; scripts/test.sh's ``--dist loadfile --no-loadscope-reorder``
    hands out whole modules in this order). Every test still runs; only the order changes, and
    only with workers (a plain pytest run keeps the file order). A stale file costs only balance."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return
    seconds = json.loads(MODULE_SECONDS.read_text(encoding="utf-8")) if MODULE_SECONDS.is_file() else {}
    known = sorted(seconds.values())
    median = known[len(known) // 2] if known else 0.0
    items.sort(key=lambda item: -seconds.get(_module(item.nodeid), median))     # stable: file order within


_recorded: dict = {}


def pytest_runtest_logreport(report):
    _recorded[_module(report.nodeid)] = _recorded.get(_module(report.nodeid), 0.0) + report.duration


def pytest_sessionfinish(session, exitstatus):
    """With --record-module-seconds, in the controlling process (with workers it receives every
    report), write :data:`MODULE_SECONDS`, longest first, to a tenth of a second."""
    if not session.config.getoption("--record-module-seconds") or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    ordered = dict(sorted(((k, round(v, 1)) for k, v in _recorded.items()), key=lambda kv: (-kv[1], kv[0])))
    MODULE_SECONDS.write_text(json.dumps(ordered, indent=1) + "\n", encoding="utf-8")


@pytest.fixture()
def book(tmp_path):
    """A workbook to refresh: tests.support.make_workbook (xlwings' template with the input tables,
    a chart, an image, a validation and a user sheet). A test module may define its own."""
    from tests.support import make_workbook
    return make_workbook(tmp_path / "HNB_Model.xlsm")


@pytest.fixture()
def sources(tmp_path):
    """The bundled data as template CSVs, one file per table."""
    from tests.support import template_sources
    return template_sources(tmp_path / "src")


@pytest.fixture(scope="module")
def driver():
    """The bundled placement inputs (hnb_xl/data/placement_*.csv) as the placement engine takes them."""
    from hnb_xl.tables import placement as tables
    return tables.inputs(tables.load_tables())


@pytest.fixture(scope="module")
def replica():
    """The placement engine's one-category twin of the bundled replica (engine.placement.from_aggregate)."""
    from hnb_xl import bundled
    from hnb_xl.engine.placement import from_aggregate
    return from_aggregate(bundled.history(), bundled.assumptions())


@pytest.fixture()
def fresh_udfs(tmp_path, monkeypatch):
    """The Excel functions with their log in the test's own folder and empty caches before and
    after (modules that call them: ``pytestmark = pytest.mark.usefixtures("fresh_udfs")``)."""
    from hnb_xl import udfs
    monkeypatch.setattr(udfs, "LOG_PATH", tmp_path / "hnb_xl_udfs.log")
    udfs.cache_clear()
    yield
    udfs.cache_clear()
