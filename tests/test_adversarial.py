"""The adversarial suite: every bad-input file of ``tests/adversarial.py`` through the real `hnb-xl`
command. Refused: exit 2 and one line naming the file (or option), row and column. Accepted: exit 0.
Never a traceback; a refused refresh leaves the workbook byte for byte as it was."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from hnb_xl.cli import main
from hnb_xl.tables.schema import SCHEMAS

from tests.adversarial import cases

with tempfile.TemporaryDirectory(prefix="hnb_adversarial_ids_") as _folder:
    CASES = cases(Path(_folder))      # only for collecting ids: a private folder per process (xdist workers)


def test_the_suite_has_at_least_sixty_cases_of_every_kind():
    assert len(CASES) >= 60
    assert {c.outcome for c in CASES} == {"ok", "error", "clean"}
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def built_workbook(bundled_build):
    """``hnb-xl build``'s workbook (conftest: built once a session; each test copies it)."""
    return bundled_build


# a column may be named as the file spells it (engine name) or by the schema's header for it
HEADERS = {c.name: c.header for s in SCHEMAS.values() for c in s.columns}


def names(fragment: str, line: str) -> bool:
    return fragment in line or (fragment in HEADERS and f"'{HEADERS[fragment]}'" in line)


CHILD_MEMORY = 2 * 1024 ** 3      # bytes: a reader that builds a sheet's whole used range dies, not the machine


def _in_child(argv) -> tuple[int, str]:
    import resource
    import subprocess
    import sys

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
    try:
        done = subprocess.run([sys.executable, "-m", "hnb_xl.cli", *argv], capture_output=True, text=True,
                              timeout=120, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hnb-xl {' '.join(argv)} took more than 120 s")
    return done.returncode, done.stderr


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Every case's files, written once (the commands only read them)."""
    return {c.id: c for c in cases(tmp_path_factory.mktemp("adversarial_files"))}


@pytest.mark.parametrize("case_id", [c.id for c in CASES])
def test_bad_input_case(case_id, generated, tmp_path, capsys, request):
    case = generated[case_id]
    argv = list(case.argv)
    before = None
    if case.needs_workbook:
        wb = tmp_path / "HNB_Model.xlsm"
        shutil.copy2(request.getfixturevalue("built_workbook"), wb)
        argv = [str(wb) if a == "{workbook}" else a for a in argv]
        before = wb.read_bytes()
    capsys.readouterr()
    if case.isolate:
        rc, err = _in_child(argv)
    else:
        try:
            rc = main(argv)
        except SystemExit as exc:          # argparse refusing an option value
            rc = exc.code
        except Exception as exc:           # a traceback a user would see
            pytest.fail(f"hnb-xl {' '.join(argv)} raised {type(exc).__name__}: {exc}")
        err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert "Traceback" not in err
    if case.outcome == "ok" or (case.outcome == "clean" and rc == 0):
        assert rc == 0, f"expected to be accepted, got exit {rc}: {err}"
    else:
        assert rc == 2, f"expected exit 2, got {rc}: {err}"
        assert len(lines) == 1, f"expected one line, got:\n{err}"
        missing = [f for f in case.fragments if not names(f, lines[0])]
        assert not missing, f"the message does not name {missing}: {lines[0]}"
        if before is not None:
            assert wb.read_bytes() == before, "a refused refresh changed the workbook"
