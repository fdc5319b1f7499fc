"""The command line's refresh: load with openpyxl, plan, write, save atomically (see :mod:`.plan`)."""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from pathlib import Path

from ...errors import HnbInputError
from ..charts import apply_openpyxl as apply_charts_openpyxl
from .cells import OpenpyxlCells, write_openpyxl
from .inventory import cached_values, control_mirrors, inventory, lock_file, losses, precheck_losses
from .plan import RefreshResult, backup_path, log_writes, plan_refresh, user_name


def refresh(workbook, sources, *, output=None, dry_run: bool = False, la: str | None = None,
            suppressed_policy: str = "zero", progress: bool = True, user: str | None = None,
            now: _dt.datetime | None = None) -> RefreshResult:
    """Refresh ``workbook``'s input tables from ``sources`` (files or folders). See the module docstring.

    Raises HnbInputError (one problem) or HnbInputErrors (all of them); the workbook is then unchanged.
    """
    from openpyxl import load_workbook

    wb_path = Path(workbook)
    out_path = Path(output) if output else wb_path
    if not wb_path.is_file():
        raise HnbInputError("workbook not found", source=str(wb_path))
    lock = lock_file(out_path)
    if lock is not None and not dry_run:
        raise HnbInputError(f"is open in Excel (lock file {lock.name} is next to it): close it in Excel and "
                            "run the refresh again (or use the Cover's Refresh from sources button)",
                            source=str(out_path))
    lost = precheck_losses(wb_path)
    if lost:
        raise HnbInputError("refresh refused: saving with openpyxl would lose " + "; ".join(lost) +
                            ". Remove them (or keep them on a sheet of another workbook) and run again; "
                            "the workbook was not changed", source=str(wb_path))
    try:
        wb = load_workbook(wb_path, keep_vba=wb_path.suffix.lower() == ".xlsm")
    except Exception as exc:
        raise HnbInputError(f"cannot be read as an Excel workbook ({exc.__class__.__name__}: {exc})",
                            source=str(wb_path)) from None
    cells = OpenpyxlCells(wb)
    plan = plan_refresh(cells, sources, la=la, suppressed_policy=suppressed_policy, progress=progress,
                        workbook_label=str(wb_path))
    result = RefreshResult(wb_path, out_path, plan.changes, plan.collected, dry_run)
    n_cached = cached_values(wb_path)
    if n_cached:
        result.warnings.append(f"{n_cached} cached formula value(s) are not kept; Excel recalculates every formula "
                               "when it opens the workbook (fullCalcOnLoad)")
    n_mirrors = control_mirrors(wb_path)
    if n_mirrors:
        result.warnings.append(f"{n_mirrors} form control(s) (e.g. the Cover's button) are kept through their VML "
                               "drawing; Excel re-creates their DrawingML copies when it saves")
    if dry_run:
        return result
    write_openpyxl(wb, plan.writes + log_writes(cells, plan.collected, user=user or user_name(),
                                                now=now or _dt.datetime.now(_dt.timezone.utc),
                                                changes=plan.changes))
    if plan.charts is not None:
        apply_charts_openpyxl(wb, plan.charts)
    result.backup = save_atomically(wb, wb_path, out_path)
    return result


def save_atomically(wb, wb_path: Path, out_path: Path) -> Path | None:
    """Save to a temporary file beside ``out_path``, refuse on any loss, back up, then os.replace."""
    folder = out_path.resolve().parent
    fd, tmp_name = tempfile.mkstemp(prefix=".~hnb_refresh_", suffix=out_path.suffix, dir=folder)
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
