"""Round trip against the real `hnb-xl build` workbook: bundled data as source files -> same input cells."""

from __future__ import annotations

from pathlib import Path

from hnb_xl.sources import templates
from hnb_xl.workbook import build
from hnb_xl.workbook import refresh as R
from hnb_xl.workbook.check import check

from .test_refresh import bundled_frames, table_cells


def test_build_then_refresh_with_bundled_sources_is_identical(tmp_path):
    wb = build.build(tmp_path / "HNB_Model.xlsm", build_time="2026-01-01 00:00 UTC")
    templates.write_templates(tmp_path / "src", bundled_frames())
    (tmp_path / "src" / "hnb_sources.xlsx").unlink()
    before = table_cells(wb)
    res = R.refresh(wb, [tmp_path / "src"], output=tmp_path / "out.xlsm", progress=False)
    assert all(c.cells == 0 for c in res.changes)
    assert table_cells(tmp_path / "out.xlsm") == before
    assert R.inventory(tmp_path / "out.xlsm") == R.inventory(wb)
    assert check(tmp_path / "out.xlsm") == []   # the static formula checks still pass
