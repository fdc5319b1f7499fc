"""Time `hnb-xl build` and a LibreOffice recalculation of the result; prints figures, asserts nothing.

Run: /work/venv/bin/python benchmarks/workbook_build.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from hnb_xl.workbook.build import build
from hnb_xl.workbook.verify.check import check
from hnb_xl.workbook.verify.recalc import LibreOffice, recalculate


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "HNB_Model.xlsm"
        t = time.perf_counter()
        build(out, build_time="benchmark")
        t_build = time.perf_counter() - t
        t = time.perf_counter()
        findings = check(out)
        t_check = time.perf_counter() - t
        office = LibreOffice()
        try:
            t = time.perf_counter()
            r = recalculate(out, udfs=False, office=office)
            t_cold = time.perf_counter() - t
            t = time.perf_counter()
            recalculate(out, udfs=False, office=office)
            t_warm = time.perf_counter() - t
            t = time.perf_counter()
            recalculate(out, udfs=True, office=office)
            t_udf = time.perf_counter() - t
        finally:
            office.close()
        print(f"workbook size            {out.stat().st_size / 1024:8.0f} KiB")
        print(f"build                    {t_build:8.2f} s")
        print(f"static check             {t_check:8.2f} s  ({len(findings)} findings)")
        print(f"LibreOffice recalc cold  {t_cold:8.2f} s  (master check {r.names.get('Master_Check')})")
        print(f"LibreOffice recalc warm  {t_warm:8.2f} s")
        print(f"recalc with UDF values   {t_udf:8.2f} s  (two LibreOffice passes)")


if __name__ == "__main__":
    main()
