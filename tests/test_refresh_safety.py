"""A refresh never loses the workbook or an update: damaged files, two refreshes at once, kills.

Each test runs the real `hnb-xl refresh` (in-process through ``main``, in a forked child or as a
subprocess) against ``tests.support.make_workbook`` (xlwings' standalone template with the input
tables, a chart, an image, a validation and a user sheet).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hnb_xl.cli import main
from hnb_xl.sources import templates
from hnb_xl.workbook import layout as L
from hnb_xl.workbook.refresh import file as refresh_file

from tests.support import bundled_frames, in_a_fork, sha256_of as sha




def one_error_line(err: str, path: Path) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and str(path) in lines[0], err
    return lines[0]


def history_ehcps(book: Path, year_row: int = 6):
    h = L.INPUT_TABLES["history"]
    ws = load_workbook(book, read_only=True)[h.sheet]
    return ws.cell(h.first_row + year_row, h.col_of("EHCPs (January census)")).value


def with_history_ehcps(sources: Path, value: int) -> None:
    p = sources / "history.csv"
    text = p.read_text(encoding="utf-8")
    assert "2021-22,6100," in text
    p.write_text(text.replace("2021-22,6100,", f"2021-22,{value},"), encoding="utf-8")


# ------------------------------------------------------------------------------- damaged workbooks

def _truncate(p: Path) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


def _zero(p: Path) -> None:
    p.write_bytes(b"")


def _text(p: Path) -> None:
    p.write_text("URN,School name\n100001,A school\n", encoding="utf-8")


def _no_workbook_part(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "not a workbook")


def _bad_checksum(p: Path) -> None:
    """Flip bytes inside a stored member's data: the zip opens, the part fails its CRC."""
    data = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        info = z.getinfo("xl/workbook.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 5
    for i in range(start, start + 8):
        data[i] ^= 0xFF
    p.write_bytes(bytes(data))


@pytest.mark.parametrize("damage,expected", [
    pytest.param(_zero, "is empty (0 bytes)", id="zero-bytes"),
    pytest.param(_truncate, "cannot be read as an Excel workbook", id="truncated"),
    pytest.param(_text, "cannot be read as an Excel workbook", id="csv-renamed-xlsm"),
    pytest.param(_no_workbook_part, "no xl/workbook.xml inside", id="zip-without-workbook"),
    pytest.param(_bad_checksum, ("cannot be read as an Excel workbook", "fails its checksum"), id="damaged-part"),
])
def test_a_damaged_workbook_is_one_located_line_and_exit_2(book, sources, damage, expected, capsys):
    damage(book)
    before = book.read_bytes()
    assert main(["refresh", str(book), str(sources)]) == 2
    line = one_error_line(capsys.readouterr().err, book)
    assert any(e in line for e in ((expected,) if isinstance(expected, str) else expected)), line
    assert book.read_bytes() == before
    assert not list(book.parent.glob(".~hnb_refresh_*"))


# ------------------------------------------------------------------------------- one refresh at a time

def test_a_second_refresh_while_one_runs_is_refused_and_changes_nothing(book, sources, capsys):
    with_history_ehcps(sources, 6200)
    digest = sha(book)
    with refresh_file.one_refresh_at_a_time(book):          # another refresh holds the workbook
        assert main(["refresh", str(book), str(sources)]) == 2
    line = one_error_line(capsys.readouterr().err, book)
    assert "another refresh of this workbook is running" in line
    assert sha(book) == digest
    assert main(["refresh", str(book), str(sources)]) == 0   # released: the next one runs
    assert history_ehcps(book) == 6200


def test_a_dry_run_does_not_need_the_lock(book, sources):
    with refresh_file.one_refresh_at_a_time(book):
        assert main(["refresh", str(book), str(sources), "--dry-run"]) == 0


def _shorter_history(sources: Path) -> None:
    p = sources / "history.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    p.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")      # the last year left out: refused


def _another_refresh_runs(book: Path):
    return refresh_file.one_refresh_at_a_time(book)


@pytest.mark.parametrize("change,holder,code,backups", [
    pytest.param(lambda s: with_history_ehcps(s, 6200), None, 0, 1, id="done-leaves-workbook-and-backup"),
    pytest.param(_shorter_history, None, 2, 0, id="refused-shorter-history-leaves-only-the-workbook"),
    pytest.param(lambda s: with_history_ehcps(s, 6200), _another_refresh_runs, 2, 0,
                 id="refused-while-another-runs-leaves-only-the-workbook"),
])
def test_a_refresh_leaves_no_lock_file_in_the_folder(book, sources, change, holder, code, backups):
    """The folder holds the workbook (and its backup, when one is made), never the refresh's
    ``.<name>.hnb-refresh.lock``, whether the refresh is done or refused."""
    change(sources)
    if holder is None:
        assert main(["refresh", str(book), str(sources)]) == code
    else:
        with holder(book):
            assert main(["refresh", str(book), str(sources)]) == code
    left = sorted(p.name for p in book.parent.iterdir() if p != sources)
    made = [n for n in left if n != book.name]
    assert book.name in left and len(made) == backups, left
    assert all(n.startswith(f"{book.stem}.backup-") for n in made), left


def test_a_lock_on_a_lock_file_unlinked_meanwhile_does_not_count(book, monkeypatch):
    """A refresh that opened the lock file just before the refresh holding it finished (and unlinked
    it) locks a file no longer at the path: it must not run beside one that locked the new file."""
    import fcntl
    lock_path = refresh_file.refresh_lock_path(book)
    real, other = refresh_file._lock, []

    def finished_meanwhile(fh):
        if not other:                               # the holder unlinks its file; a third run locks a new one
            os.unlink(lock_path)
            other.append(open(lock_path, "a+b"))
            fcntl.flock(other[0].fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        real(fh)
    monkeypatch.setattr(refresh_file, "_lock", finished_meanwhile)
    open(lock_path, "a+b").close()
    with pytest.raises(refresh_file.HnbInputError, match="another refresh of this workbook is running"):
        with refresh_file.one_refresh_at_a_time(book):
            pass
    other[0].close()


def test_a_workbook_changed_on_disk_meanwhile_is_not_overwritten(book, sources, monkeypatch, capsys):
    """Excel (or anything else) saving the file while the refresh works: the refresh refuses."""
    with_history_ehcps(sources, 6200)
    real = refresh_file.plan_refresh

    def plan_then_someone_saves(*a, **k):
        plan = real(*a, **k)
        with open(book, "ab") as fh:             # still a valid zip: trailing bytes after the directory
            fh.write(b"\0")
        return plan
    monkeypatch.setattr(refresh_file, "plan_refresh", plan_then_someone_saves)
    assert main(["refresh", str(book), str(sources)]) == 2
    line = one_error_line(capsys.readouterr().err, book)
    assert "changed on disk while the refresh was working" in line
    assert history_ehcps(book) == 6100
    assert not list(book.parent.glob(".~hnb_refresh_*"))


def test_temporaries_left_by_a_killed_refresh_are_cleared_not_blocking(book, sources):
    stale = book.with_name(f".~hnb_refresh_{book.name}.abc123{book.suffix}")
    stale.write_bytes(b"half a workbook")
    other = book.with_name(f".~hnb_refresh_Other.xlsm.xyz{book.suffix}")   # another workbook's: kept
    other.write_bytes(b"x")
    with_history_ehcps(sources, 6200)
    assert main(["refresh", str(book), str(sources)]) == 0
    assert not stale.exists() and other.exists()
    assert history_ehcps(book) == 6200


REFRESH = [sys.executable, "-m", "hnb_xl.cli", "refresh"]


def _refresh_in_a_fork(args: list[str], stderr: Path | None = None):
    """`hnb-xl refresh ARGS` in a forked child (:func:`tests.support.in_a_fork`; the fifty kills: 86 s
    against 342 s by subprocess, started side by side on the loaded 2-core machine)."""
    return in_a_fork(main, ["refresh", *args], stderr=stderr)


@pytest.mark.slow
def test_two_concurrent_refreshes_never_both_report_success_with_a_change_lost(book, tmp_path):
    """Two runs started together, each changing a different table: either one is refused, or both
    ran one after the other and the workbook holds both changes."""
    a, b = tmp_path / "a", tmp_path / "b"
    frames = bundled_frames()
    templates.write_templates(a, {"history": frames["history"]})
    templates.write_templates(b, {"invest_to_transform": frames["invest_to_transform"]})
    for folder in (a, b):
        (folder / "hnb_sources.xlsx").unlink()
    with_history_ehcps(a, 6200)
    p = b / "invest_to_transform.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("than notional SEN supports,450000,TBC",
                                                       "than notional SEN supports,450000,450000"), encoding="utf-8")
    outcomes = []
    for _ in range(4):
        errs = [tmp_path / f"{src.name}.err" for src in (a, b)]
        procs = [_refresh_in_a_fork([str(book), str(src), "--no-progress"], err) for src, err in zip((a, b), errs)]
        for pr in procs:
            pr.join(timeout=120)
        results = [(pr.exitcode, err.read_text(encoding="utf-8")) for pr, err in zip(procs, errs)]
        for rc, err in results:
            assert rc in (0, 2) and "Traceback" not in err, err
            if rc == 2:
                assert "another refresh of this workbook is running" in err, err
        ok = [rc == 0 for rc, _ in results]
        outcomes.append(tuple(ok))
        t = L.INPUT_TABLES["invest_to_transform"]
        ws = load_workbook(book, read_only=True)[t.sheet]
        committed = ws.cell(t.first_row + 1, t.col_of("Committed spend")).value
        if all(ok):
            assert history_ehcps(book) == 6200 and committed == 450000
        assert any(ok)
        # back to the original values for the next round (in this process: only the pair above races)
        assert main(["refresh", str(book), str(_originals(tmp_path)), "--no-progress"]) == 0
    assert outcomes


def _originals(tmp_path: Path) -> Path:
    folder = tmp_path / "originals"
    if not folder.exists():
        frames = bundled_frames()
        templates.write_templates(folder, {k: frames[k] for k in ("history", "invest_to_transform")})
        (folder / "hnb_sources.xlsx").unlink()
    return folder


# ------------------------------------------------------------------------------- kills

@pytest.mark.slow
def test_fifty_kills_at_random_moments_never_damage_the_workbook(book, sources):
    """50 SIGKILLs spread over a whole refresh (measured first): after each the workbook is either
    byte for byte the original or a complete refreshed workbook; what a kill leaves never blocks
    the next refresh."""
    with_history_ehcps(sources, 6200)
    original = book.read_bytes()
    cmd = [*REFRESH, str(book), str(sources), "--no-progress"]
    spare = book.with_name("spare.xlsm")
    spare.write_bytes(original)
    t0 = time.perf_counter()
    measured = _refresh_in_a_fork([str(spare), str(sources), "--no-progress"])
    measured.join()
    full = time.perf_counter() - t0
    assert measured.exitcode == 0
    rng = random.Random(20220715)
    states = {"original": 0, "refreshed": 0}
    for _ in range(50):
        book.write_bytes(original)
        for backup in book.parent.glob("HNB_Model.backup-*"):
            backup.unlink()
        proc = _refresh_in_a_fork(cmd[len(REFRESH):])
        # to half as long again as the measured refresh: a third of the kills come after its end, so
        # both outcomes occur even when one run is slower than the measured one (the refresh takes
        # about 0.6 s, and a fork's start and a busy machine move it by a tenth or more)
        time.sleep(rng.uniform(0.0, full * 1.5))
        proc.kill()
        proc.join()
        if book.read_bytes() == original:
            states["original"] += 1
            continue
        with zipfile.ZipFile(book) as z:
            assert z.testzip() is None
        load_workbook(book, keep_vba=True)
        assert history_ehcps(book) == 6200, "the workbook changed but is not the refreshed one"
        states["refreshed"] += 1
    assert sum(states.values()) == 50
    assert states["original"] and states["refreshed"], states      # the kills really spread over the run
    book.write_bytes(original)
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert history_ehcps(book) == 6200
    assert not list(book.parent.glob(f".~hnb_refresh_{book.name}.*"))
