"""Time `hnb-xl verify` against a bare LibreOffice conversion of the same file, in one run, with
each instrument: the static check, the LibreOffice recalculation with the HNB_ values
(``recalc.recalculate``, the test instrument), `verify` (its steps too) and the `formulas`
evaluation (stopped after --formulas-limit seconds), for the bundled workbook and for 600 and
5,000 schools.

    python benchmarks/bench_verify.py                      # bundled, 600, 5,000
    python benchmarks/bench_verify.py --schools 600 --formulas-limit 0   # no formulas run

The larger workbooks are built by the real builder with the layout's schools table widened in this
process (benchmarks/bench_workbook.py's ``build_large``), so `verify` reads them by the same layout.
Every LibreOffice figure is warm (the profile made by one conversion first). Prints figures and the
ratio verify / bare conversion (issue 17: at most 3); nothing is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_workbook import BUNDLED, build_large, time_formulas  # noqa: E402

from hnb_xl.workbook.verify.check import check  # noqa: E402
from hnb_xl.workbook.verify.recalc import LibreOffice, recalculate  # noqa: E402
from hnb_xl.workbook.verify.run import verify  # noqa: E402


def bare_conversion(office: LibreOffice, path: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="hnb_bench_bare_") as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        t = time.perf_counter()
        office.convert(copy, Path(tmp) / "out")
        return time.perf_counter() - t


def bench(label: str, path: Path, office: LibreOffice, formulas_limit: float) -> None:
    bare_conversion(office, path)                       # warm the profile for this file's size
    bare = bare_conversion(office, path)
    t = time.perf_counter()
    findings = check(path)
    t_check = time.perf_counter() - t
    t = time.perf_counter()
    recalculate(path, office=office)
    t_recalc = time.perf_counter() - t
    t = time.perf_counter()
    report = verify(path, office=office)
    t_verify = time.perf_counter() - t
    print(f"\n{label}: {path.name} ({path.stat().st_size / 1e6:.2f} MB)")
    print(f"  bare LibreOffice conversion (warm)     {bare:8.2f} s   = 1.00")
    print(f"  static check (hnb-xl check)            {t_check:8.2f} s   = {t_check / bare:5.2f} x bare   "
          f"findings: {len(findings)}")
    print(f"  recalculate with HNB_ values (tests)   {t_recalc:8.2f} s   = {t_recalc / bare:5.2f} x bare")
    print(f"  hnb-xl verify                          {t_verify:8.2f} s   = {t_verify / bare:5.2f} x bare   "
          f"{report.compared:,} cells compared, findings: {len(report.findings)}, "
          f"master check {report.master_check}")
    print("      steps: " + ", ".join(f"{k} {v:.2f}" for k, v in report.seconds.items()))
    if formulas_limit > 0:
        result, wall = time_formulas(path, formulas_limit)
        if result is None:
            print(f"  formulas evaluation                    > {formulas_limit:.0f} s   (stopped) "
                  f"= > {formulas_limit / bare:.0f} x bare")
        else:
            load, calc, master = result
            print(f"  formulas evaluation                    {load + calc:8.2f} s   = "
                  f"{(load + calc) / bare:5.1f} x bare   (load+compile {load:.2f}, calculate {calc:.2f}; "
                  f"master check {master})")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schools", type=int, nargs="*", default=[600, 5000])
    ap.add_argument("--formulas-limit", type=float, default=60,
                    help="seconds before a formulas run is stopped (0: do not run it)")
    ap.add_argument("--skip-bundled", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hnb_bench_verify_") as tmp:
        office = LibreOffice(profile=Path(tmp) / "profile")
        if not args.skip_bundled:
            bench("bundled", BUNDLED, office, args.formulas_limit)
        for n in sorted(args.schools):
            t = time.perf_counter()
            big = build_large(n, Path(tmp) / f"HNB_Model_{n}_schools.xlsm")
            print(f"\nbuilt the {n:,}-school workbook in {time.perf_counter() - t:.1f} s")
            bench(f"{n:,} schools", big, office, args.formulas_limit)


if __name__ == "__main__":
    main()
