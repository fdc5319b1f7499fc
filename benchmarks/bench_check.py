"""Time the static formula check (``hnb-xl check``: hnb_xl.workbook.verify.check) on the bundled
workbook and on built workbooks with more schools: reading the file, then ``check_workbook`` on it,
best and median of --repeat (time.perf_counter, no profiler).

    python benchmarks/bench_check.py                          # bundled, 600 and 5,000 schools
    python benchmarks/bench_check.py --schools                # the bundled workbook only
    git show HEAD~1:hnb_xl/workbook/verify/check.py > /tmp/old_check.py
    python benchmarks/bench_check.py --against /tmp/old_check.py   # and another check.py, side by side

With --against, that copy of check.py is timed on the same loaded workbook, the runs alternating,
and its findings (``Finding.line()``, in order) are compared with this one's: "same" or "DIFFERENT".
The larger workbooks are built as benchmarks/bench_workbook.py builds them. Prints figures only.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_workbook import BUNDLED, build_large  # noqa: E402

from hnb_xl.workbook.verify import check  # noqa: E402


def other_check(path: Path):
    """A copy of check.py loaded as a module beside the real one (its relative imports still work)."""
    spec = importlib.util.spec_from_file_location("hnb_xl.workbook.verify._bench_other_check", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def seconds(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench(label: str, path: Path, repeat: int, other) -> None:
    loads = [seconds(lambda: check.load(path)) for _ in range(repeat)]
    wb = check.load(path)
    mine, theirs = [], []
    for _ in range(repeat):
        mine.append(seconds(lambda: check.check_workbook(wb)))
        if other is not None:
            theirs.append(seconds(lambda: other.check_workbook(wb)))
    formulas = sum(1 for ws in wb.worksheets for cell in ws._cells.values() if check._formula_text(cell.value))
    print(f"\n{label}: {path.name}, {formulas:,} formulas", flush=True)
    print(f"  {'read (check.load)':<28} best {min(loads):7.3f} s  median {statistics.median(loads):7.3f} s")
    print(f"  {'check_workbook':<28} best {min(mine):7.3f} s  median {statistics.median(mine):7.3f} s")
    if other is not None:
        print(f"  {'check_workbook (--against)':<28} best {min(theirs):7.3f} s  "
              f"median {statistics.median(theirs):7.3f} s  ({min(theirs) / min(mine):.1f}x this one)")
        same = [f.line() for f in check.check_workbook(wb)] == [f.line() for f in other.check_workbook(wb)]
        print(f"  findings: {'same' if same else 'DIFFERENT'}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schools", type=int, nargs="*", default=[600, 5000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--against", type=Path, help="another check.py to time and compare")
    a = ap.parse_args(argv)
    other = other_check(a.against) if a.against else None
    bench("bundled", BUNDLED, a.repeat, other)
    with tempfile.TemporaryDirectory(prefix="hnb_bench_check_") as tmp:
        for n in sorted(a.schools):
            big = build_large(n, Path(tmp) / f"HNB_Model_{n}_schools.xlsm")
            bench(f"{n:,} schools", big, a.repeat, other)
    return 0


if __name__ == "__main__":
    sys.exit(main())
