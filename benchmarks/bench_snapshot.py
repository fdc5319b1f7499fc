"""Time reading a workbook for its values and formulas: openpyxl's full load (what the readers used
before) against hnb_xl.workbook.snapshot.read_workbook (what ``check``, ``verify``, ``report``,
``pack`` and ``template --from`` use now), in one run, best of --repeat.

    python benchmarks/bench_snapshot.py                     # the bundled workbook and 5,000 schools
    python benchmarks/bench_snapshot.py --schools 0 my.xlsm # the bundled workbook and a file of yours

Prints each time and the ratio full / snapshot; nothing is asserted (a benchmark). The 5,000-school
workbook is built as benchmarks/bench_workbook.py builds it.

Measured (best of four runs of ``--repeat 9``, on a shared and noisy machine): bundled, full load
0.49 s, snapshot 0.11 s; 5,000 schools, 2.21 s and 0.56 s. The snapshot's own reader of the sheets'
XML replaced openpyxl's read-only sheet parser there; with that parser the snapshot took 0.19 s and
1.57 s in the same runs (the full load's times varied by up to 40% from run to run).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_workbook import BUNDLED, build_large  # noqa: E402

from hnb_xl.workbook.snapshot import read_workbook  # noqa: E402


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workbooks", nargs="*", type=Path, help="more workbooks to time")
    ap.add_argument("--schools", type=int, default=5000, help="also a built workbook with this many schools (0: none)")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    from openpyxl import load_workbook
    with tempfile.TemporaryDirectory(prefix="hnb_bench_snapshot_") as tmp:
        books = [("bundled", BUNDLED)]
        if a.schools:
            books.append((f"{a.schools:,} schools", build_large(a.schools, Path(tmp) / "large.xlsm")))
        books += [(p.name, p) for p in a.workbooks]
        print(f"{'workbook':<22} {'full load':>10} {'snapshot':>10} {'full/snapshot':>14}")
        for label, path in books:
            vba = path.suffix.lower() == ".xlsm"
            full = best(lambda: load_workbook(path, keep_vba=vba), a.repeat)
            snap = best(lambda: read_workbook(path), a.repeat)
            print(f"{label:<22} {full:>9.3f}s {snap:>9.3f}s {full / snap:>13.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
