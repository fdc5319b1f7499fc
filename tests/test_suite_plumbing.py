"""The test suite's own plumbing (issue 17: the suite in half the time, no test removed):

* scripts/test.sh hands each test module whole to one pytest-xdist worker (``--dist loadfile``), in
  conftest's order (``--no-loadscope-reorder``): the longest modules first, by their seconds in
  tests/module_seconds.json, so a module-scoped fixture is made once and the run ends on small ones;
* the recalculations that tests/conftest.py shares for the whole session are read-only
  (tests.support.frozen): a test that shares one cannot change what the next one reads;
* each test process, and each child it forks, runs the garbage collector with conftest's
  GC_THRESHOLDS (a full collection after 1,000 of the middle generation, not CPython's 10).
"""

from __future__ import annotations

import json
import shlex
from types import SimpleNamespace
from operator import setitem
from pathlib import Path

import pytest

from hnb_xl.workbook.verify.recalc import Recalculated
from tests.support import frozen

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "test.sh"


def _pytest_words() -> list[str]:
    """The words of scripts/test.sh's DIST array and pytest line (the one test command)."""
    words = []
    for line in SCRIPT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if "DIST=(" in line and not line.startswith("#"):
            words += shlex.split(line.split("DIST=(", 1)[1].rstrip(")"))
    return words


@pytest.mark.parametrize("words", [
    pytest.param(["--dist", "loadfile"], id="each-module-whole-on-one-worker"),
    pytest.param(["--no-loadscope-reorder"], id="modules-in-conftest-order-longest-first"),
])
def test_the_test_command_keeps_each_module_on_one_worker(words):
    got = _pytest_words()
    assert any(got[i:i + len(words)] == words for i in range(len(got))), got


def test_workers_take_the_longest_modules_first(tmp_path, monkeypatch):
    """Modules by their recorded seconds, longest first; one not recorded counts as the median
    module; the tests of a module keep their order."""
    from tests import conftest
    seconds = tmp_path / "module_seconds.json"
    seconds.write_text(json.dumps({"tests/a.py": 1.0, "tests/b.py": 9.0, "tests/c.py": 5.0}), encoding="utf-8")
    monkeypatch.setattr(conftest, "MODULE_SECONDS", seconds)
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    items = [SimpleNamespace(nodeid=n) for n in
             ("tests/a.py::one", "tests/a.py::two", "tests/b.py::one", "tests/d.py::one", "tests/c.py::one")]
    conftest.pytest_collection_modifyitems(None, items)
    assert [i.nodeid for i in items] == ["tests/b.py::one", "tests/d.py::one", "tests/c.py::one",
                                         "tests/a.py::one", "tests/a.py::two"]


def test_the_recorded_seconds_name_only_modules_that_exist():
    from tests import conftest
    recorded = json.loads(conftest.MODULE_SECONDS.read_text(encoding="utf-8"))
    root = SCRIPT.parents[1]
    assert len(recorded) > 50
    assert [m for m in recorded if not (root / m).is_file()] == []


def _shared() -> Recalculated:
    return frozen(Recalculated({"Calc_History": {"C5": 1.0}}, {"Pot": 250_000}, {("Calc_Transfer", "C9"): 2.0}))


@pytest.mark.parametrize("change", [
    pytest.param(lambda r: setitem(r.values["Calc_History"], "C5", 2.0), id="a-cell-value"),
    pytest.param(lambda r: setitem(r.values, "Outputs", {}), id="a-sheet"),
    pytest.param(lambda r: setitem(r.names, "Pot", 0), id="a-defined-name"),
    pytest.param(lambda r: setitem(r.udf_cells, ("Calc_Transfer", "C9"), 0), id="a-udf-cell"),
])
def test_a_shared_recalculation_cannot_be_changed(change):
    shared = _shared()
    with pytest.raises(TypeError):
        change(shared)
    assert shared[("Calc_History", "C5")] == 1.0 and shared.names["Pot"] == 250_000
    assert shared.area("Calc_History", "C5:C5") == [[1.0]]


def test_the_workers_collect_garbage_with_the_suites_thresholds():
    """tests/conftest.py's GC_THRESHOLDS are in force in this worker and in a child it forks (the
    refresh tests' children)."""
    import gc
    from tests.conftest import GC_THRESHOLDS
    from tests.support import in_a_fork
    assert gc.get_threshold() == GC_THRESHOLDS

    def child() -> int:
        return 0 if gc.get_threshold() == GC_THRESHOLDS else 3
    proc = in_a_fork(child)
    proc.join()
    assert proc.exitcode == 0
