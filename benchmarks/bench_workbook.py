"""Time the three ways of proving the workbook: static check, LibreOffice recalculation (cold and
warm) and `formulas` evaluation, for the bundled workbook and for one with 25,000 school rows,
each beside a bare LibreOffice conversion of the same file (``soffice --convert-to xlsx`` with a warm
private profile, no copy, no UDF values, no reading back) measured in the same run, and as a ratio to
it (issue 17: the Python evaluation within 10x of that conversion).

    python benchmarks/bench_workbook.py                   # bundled + 25,000 schools
    python benchmarks/bench_workbook.py --schools 5000    # a smaller large case
    python benchmarks/bench_workbook.py --formulas-limit 120

The large workbook is built by the real builder (hnb_xl.workbook.build) with the layout's schools
table widened to N rows and a synthetic schools table (repeated demo schools with new URNs). The
`formulas` evaluation of the large workbook runs in a child process and is stopped after
--formulas-limit seconds (it grows with the number of formula cells; printed as "> limit").
Prints figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hnb_xl.workbook.verify.check import check  # noqa: E402
from hnb_xl.workbook.verify.recalc import LibreOffice, recalculate  # noqa: E402

BUNDLED = ROOT / "workbook" / "HNB_Model.xlsm"


def synthetic_schools(n: int):
    import pandas as pd

    from hnb_xl import bundled
    demo = bundled.demo_schools()
    reps = -(-n // len(demo))
    big = pd.concat([demo] * reps, ignore_index=True).iloc[:n].copy()
    big["urn"] = range(100001, 100001 + n)
    big["school_name"] = [f"Synthetic school {i:05d}" for i in range(1, n + 1)]
    return big


def build_large(n: int, out: Path) -> Path:
    """The bundled workbook's builder with n schools (the Inputs table widened past its 1,000 rows in
    this process only when n is larger; Calc_Contingency gets layout.contingency_rows(n) rows)."""
    from hnb_xl.workbook import build as B
    from hnb_xl.workbook import layout as L
    room = max(n, L.INPUT_TABLES["schools"].max_rows)
    L.INPUT_TABLES["schools"] = dataclasses.replace(L.INPUT_TABLES["schools"], max_rows=room)
    L.CONT["room"] = room
    ctx = B.bundled_context("benchmark")
    ctx.schools = synthetic_schools(n)
    wb = B.build_workbook(ctx)
    wb.save(out)
    return out


def _evaluate_child(path: str, q) -> None:
    import contextlib
    import io

    from hnb_xl.workbook.verify.evaluate import evaluate
    with contextlib.redirect_stderr(io.StringIO()):   # formulas prints progress bars
        e = evaluate(path)
    from hnb_xl.workbook import layout as L
    q.put((e.seconds_load, e.seconds_calculate, e.names.get(L.NAMES["master_check"])))


def time_formulas(path: Path, limit: float):
    q = mp.get_context("fork").Queue()
    p = mp.get_context("fork").Process(target=_evaluate_child, args=(str(path), q))
    t = time.perf_counter()
    p.start()
    p.join(limit)
    if p.is_alive():
        p.terminate()   # the child we started, by its handle
        p.join()
        return None, time.perf_counter() - t
    load, calc, master = q.get()
    return (load, calc, master), time.perf_counter() - t


def bench(label: str, path: Path, formulas_limit: float) -> None:
    t = time.perf_counter()
    findings = check(path)
    t_check = time.perf_counter() - t
    with tempfile.TemporaryDirectory(prefix="hnb_bench_lo_") as prof, \
            tempfile.TemporaryDirectory(prefix="hnb_bench_bare_") as out:
        office = LibreOffice(profile=prof)
        cold = recalculate(path, office=office)
        warm = recalculate(path, office=office)
        t = time.perf_counter()
        office.convert(path, Path(out))
        bare = time.perf_counter() - t
    from hnb_xl.workbook import layout as L
    master = warm.names.get(L.NAMES["master_check"])
    n_formulas = sum(len(v) for v in cold.values.values())
    print(f"\n{label}: {path.name} ({path.stat().st_size / 1e6:.1f} MB, {n_formulas:,} non-empty cells after recalculation)")
    print(f"  bare LibreOffice conversion        {bare:8.2f} s   (soffice --convert-to xlsx, warm profile)")
    print(f"  static check (hnb-xl check)        {t_check:8.2f} s   {t_check / bare:5.1f}x   findings: {len(findings)}")
    print(f"  LibreOffice recalculation, cold    {cold.seconds:8.2f} s   {cold.seconds / bare:5.1f}x   "
          f"(new profile; UDF cells: {len(cold.udf_cells)})")
    print(f"  LibreOffice recalculation, warm    {warm.seconds:8.2f} s   {warm.seconds / bare:5.1f}x   master check = {master}")
    result, wall = time_formulas(path, formulas_limit)
    if result is None:
        print(f"  formulas evaluation                > {formulas_limit:.0f} s   > {formulas_limit / bare:.0f}x (stopped)")
    else:
        load, calc, fmaster = result
        print(f"  formulas evaluation                {load + calc:8.2f} s   {(load + calc) / bare:5.1f}x   "
              f"(load+compile {load:.2f} s, calculate {calc:.2f} s; master check = {fmaster}; "
              f"within 10x: {'yes' if load + calc <= 10 * bare else 'no'})")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schools", type=int, default=25_000, help="school rows of the large workbook (default 25,000)")
    ap.add_argument("--formulas-limit", type=float, default=600, help="seconds before the large formulas run is stopped")
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--skip-bundled", action="store_true")
    args = ap.parse_args(argv)
    if not args.skip_bundled:
        bench("bundled", BUNDLED, args.formulas_limit)
    if args.skip_large:
        return
    with tempfile.TemporaryDirectory(prefix="hnb_bench_large_") as tmp:
        t = time.perf_counter()
        big = build_large(args.schools, Path(tmp) / f"HNB_Model_{args.schools}_schools.xlsm")
        print(f"\nbuilt the {args.schools:,}-school workbook in {time.perf_counter() - t:.1f} s")
        bench(f"{args.schools:,} schools", big, args.formulas_limit)


if __name__ == "__main__":
    main()
