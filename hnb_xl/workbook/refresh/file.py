"""The command line's refresh: read the workbook (:mod:`..snapshot`), plan (see :mod:`.plan`), write
the changed parts in the workbook's own XML (:mod:`.patch`; what it does not write goes through a
full openpyxl load and save, :mod:`.load`) and save atomically.

Safety, in the order it is checked:

* the workbook must be a readable Excel file (a truncated or empty file is a located error, exit 2);
* Excel must not have it open (its ``~$`` owner file, :func:`.inventory.lock_file`);
* one refresh of a workbook at a time: an exclusive lock on ``.<name>.hnb-refresh.lock`` beside it,
  held until the new file is in place (the operating system releases it if the process dies, so a
  killed refresh never blocks the next one) and removed when the refresh ends, done or refused
  (:func:`one_refresh_at_a_time`); a second refresh is refused, not queued, so two runs never both
  report "Refreshed" with one of their changes missing;
* the original must not change while the refresh works (its SHA-256 is compared before the replace);
* the save goes to a temporary file beside the target, is compared part by part with the original
  (:func:`.inventory.losses`), then replaces it with ``os.replace`` after a backup. Temporary files
  left by a killed refresh (``.~hnb_refresh_*``) are removed by the next refresh that holds the lock.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from ...errors import HnbInputError
from ...sources.collect import sha256
from ..charts import apply_openpyxl as apply_charts_openpyxl
from .cells import OpenpyxlCells, write_openpyxl
from ..snapshot import read_workbook
from .load import load
from .patch import NotPatchable, PatchedWorkbook, patched
from .inventory import cached_values, control_mirrors, inventory, lock_file, losses, precheck_losses
from .audit import log_writes
from .plan import RefreshResult, backup_path, plan_refresh, user_name


def refresh(workbook, sources, *, output=None, dry_run: bool = False, la: str | None = None,
            suppressed_policy: str = "error", progress: bool = True, user: str | None = None,
            now: _dt.datetime | None = None, replace=()) -> RefreshResult:
    """Refresh ``workbook``'s input tables from ``sources`` (files or folders). See the module docstring.

    Raises HnbInputError (one problem) or HnbInputErrors (all of them); the workbook is then unchanged.
    """
    wb_path = Path(workbook)
    out_path = Path(output) if output else wb_path
    if not wb_path.is_file():
        raise HnbInputError("workbook not found", source=str(wb_path))
    readable(wb_path)
    lock = lock_file(out_path)
    if lock is not None and not dry_run:
        raise HnbInputError(f"is open in Excel (lock file {lock.name} is next to it): close it in Excel and "
                            "run the refresh again (or use the Cover's Refresh from sources button)",
                            source=str(out_path))
    with contextlib.ExitStack() as held:
        if not dry_run:
            held.enter_context(one_refresh_at_a_time(out_path))
            remove_stale_temporaries(out_path)
        return _refresh(wb_path, out_path, sources, dry_run=dry_run, la=la, suppressed_policy=suppressed_policy,
                        progress=progress, user=user, now=now, replace=replace)


def _refresh(wb_path: Path, out_path: Path, sources, *, dry_run, la, suppressed_policy, progress, user,
             now, replace=()) -> RefreshResult:
    digest = sha256(wb_path)
    lost = precheck_losses(wb_path)
    if lost:
        raise HnbInputError("refresh refused: saving with openpyxl would lose " + "; ".join(lost) +
                            ". Remove them (or keep them on a sheet of another workbook) and run again; "
                            "the workbook was not changed", source=str(wb_path))
    cells = OpenpyxlCells(_read(read_workbook, wb_path))
    plan = plan_refresh(cells, sources, la=la, suppressed_policy=suppressed_policy, progress=progress,
                        workbook_label=str(wb_path), replace=replace)
    result = RefreshResult(wb_path, out_path, plan.changes, plan.collected, dry_run)
    n_cached = cached_values(wb_path)
    if n_cached:
        result.warnings.append(f"{n_cached} cached formula value(s) are not kept; Excel recalculates every formula "
                               "when it opens the workbook (fullCalcOnLoad)")
    writes = plan.writes + log_writes(cells, plan.collected, user=user or user_name(),
                                      now=now or _dt.datetime.now(_dt.timezone.utc),
                                      changes=plan.changes, after=plan.after, planned=plan.writes)
    try:
        parts = patched(wb_path, writes, plan.charts)
        result.route = "xml"
    except NotPatchable as why:
        parts = None
        result.route, result.route_reason = "openpyxl", str(why)
        n_mirrors = control_mirrors(wb_path)
        if n_mirrors:       # the XML route keeps them as they are
            result.warnings.append(f"{n_mirrors} form control(s) (e.g. the Cover's button) are kept through their "
                                   "VML drawing; Excel re-creates their DrawingML copies when it saves")
    if dry_run:
        return result
    book = PatchedWorkbook(wb_path, parts) if parts is not None else _openpyxl_book(wb_path, writes, plan.charts)
    result.backup = save_atomically(book, wb_path, out_path, original_sha256=digest)
    return result


def _openpyxl_book(wb_path: Path, writes: list, charts):
    """The refresh's writes in a full openpyxl load of the workbook (the route for what
    :mod:`.patch` does not write)."""
    wb = _read(lambda path: load(path, keep_vba=path.suffix.lower() == ".xlsm"), wb_path)
    write_openpyxl(wb, writes)
    if charts is not None:
        apply_charts_openpyxl(wb, charts)
    return wb


def _read(reader, wb_path: Path):
    """``reader(wb_path)``, whatever it raises said as the one error of an unreadable workbook."""
    try:
        return reader(wb_path)
    except Exception as exc:
        raise HnbInputError(f"cannot be read as an Excel workbook ({exc.__class__.__name__}: {exc})",
                            source=str(wb_path)) from None


def readable(path: Path) -> None:
    """Refuse a file that is not an Excel workbook (a zip with a workbook part) before any work."""
    if path.stat().st_size == 0:
        raise HnbInputError("is empty (0 bytes): not an Excel workbook; restore it from a backup "
                            "(<name>.backup-<time>.xlsm beside it)", source=str(path))
    try:
        with zipfile.ZipFile(path) as z:
            if "xl/workbook.xml" not in z.namelist():
                raise HnbInputError("is not an Excel workbook (no xl/workbook.xml inside)", source=str(path))
            bad = z.testzip()
    except HnbInputError:
        raise
    except OSError as exc:
        raise HnbInputError(f"cannot be read ({exc.strerror or exc})", source=str(path)) from None
    except Exception:   # BadZipFile, zlib.error, EOFError...: a truncated or damaged file, or another format
        raise HnbInputError("cannot be read as an Excel workbook (not a complete .xlsx/.xlsm file: truncated, "
                            "damaged or another format); restore it from a backup", source=str(path)) from None
    if bad is not None:
        raise HnbInputError(f"is damaged (part {bad} fails its checksum); restore it from a backup",
                            source=str(path))


def refresh_lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.hnb-refresh.lock")


@contextlib.contextmanager
def one_refresh_at_a_time(path: Path):
    """Hold an exclusive, non-blocking lock on ``.<name>.hnb-refresh.lock`` for the refresh of ``path``,
    and remove that file when done (refused or not), so the user's folder keeps no litter.

    ``fcntl.flock`` (POSIX) or ``msvcrt.locking`` (Windows): the lock belongs to the open file, so
    the operating system drops it when the process ends, killed or not. The file is unlinked while
    the lock is still held, and a lock just acquired counts only if the file locked is still the one
    at the path (same inode, ``os.fstat`` against ``os.stat``; otherwise open the path again): a
    process that opened the file just before it was unlinked can never run beside one that locks
    the new file (a lock belongs to the open file, not its name: flock(2),
    https://man7.org/linux/man-pages/man2/flock.2.html). On Windows an open file cannot be
    unlinked, so the file goes after the lock is released, unless another process has it open."""
    lock_path = refresh_lock_path(path)
    while True:
        try:
            fh = open(lock_path, "a+b")
        except OSError as exc:
            raise HnbInputError(f"cannot create the refresh lock file {lock_path.name} beside it "
                                f"({exc.strerror or exc})", source=str(path)) from None
        try:
            _lock(fh)
        except OSError:
            fh.close()
            raise HnbInputError("another refresh of this workbook is running: wait for it to finish, then run "
                                "this one again (nothing was changed)", source=str(path)) from None
        if _same_file(fh, lock_path):
            break
        fh.close()                          # the file was unlinked (and maybe re-created) meanwhile
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)            # still holding the lock (POSIX)
        fh.close()                          # releases the lock
        if os.name == "nt":
            with contextlib.suppress(OSError):
                os.unlink(lock_path)        # fails while another process has it open: that one keeps it


def _same_file(fh, lock_path: Path) -> bool:
    """The open lock file ``fh`` is the file now at ``lock_path``."""
    try:
        return os.fstat(fh.fileno()).st_ino == os.stat(lock_path).st_ino
    except OSError:                         # unlinked since it was opened
        return False


def _lock(fh) -> None:
    try:
        import fcntl
    except ImportError:                     # Windows
        import msvcrt
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def temporary_prefix(path: Path) -> str:
    """``.~hnb_refresh_<name>.``: a temporary save of ``path`` (hidden; never read as a source)."""
    return f".~hnb_refresh_{path.name}."


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Temporary saves left beside ``path`` by a refresh that was killed (we hold the lock, so no
    running refresh owns them)."""
    gone = []
    for tmp in path.resolve().parent.glob(f"{temporary_prefix(path)}*"):
        with contextlib.suppress(OSError):
            tmp.unlink()
            gone.append(tmp)
    return gone


def save_atomically(wb, wb_path: Path, out_path: Path, *, original_sha256: str | None = None) -> Path | None:
    """Save to a temporary file beside ``out_path``, refuse on any loss (or if the original changed
    since it was read: ``original_sha256``), back up, then os.replace."""
    folder = out_path.resolve().parent
    fd, tmp_name = tempfile.mkstemp(prefix=temporary_prefix(out_path), suffix=out_path.suffix, dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    backup = None
    try:
        wb.save(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        lost = losses(inventory(wb_path), inventory(tmp))
        if lost:
            raise HnbInputError("refresh refused: the saved workbook would lose " + "; ".join(lost) +
                                "; the workbook was not changed", source=str(wb_path))
        if original_sha256 is not None and sha256(wb_path) != original_sha256:
            raise HnbInputError("changed on disk while the refresh was working (saved by Excel or another "
                                "program?): nothing was written; run the refresh again", source=str(wb_path))
        if out_path.exists():
            backup = backup_path(out_path)
            shutil.copy2(out_path, backup)
        os.replace(tmp, out_path)
        _fsync_dir(folder)
    finally:
        if tmp.exists():
            tmp.unlink()
    return backup


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
