"""Time `hnb-xl verify` against a bare LibreOffice conversion of the same file, in one run, with
each instrument, for the bundled workbook and for 600 and 5,000 schools.

    python benchmarks/bench_verify.py                       # bundled, 600, 5,000
    python benchmarks/bench_verify.py --schools 600 --formulas-limit 0   # no formulas run

Per workbook, in this order (every figure a wall-clock time on this machine, this run):

* **bare conversion**: ``soffice --headless --convert-to xlsx`` of a copy, nothing else: once with
  a new profile (cold) and once more with it (warm). The warm one is the yardstick (= 1.00);
* **static check** (``hnb-xl check``);
* **recalculate** (``recalc.recalculate``, the test instrument: HNB_ values written first, so two
  conversions where a UDF reads a formula), through a warm ``--convert-to``;
* **verify**, each route as a user meets it, a new LibreOffice each time (:mod:`hnb_xl.workbook.verify.soffice`):
  ``uno`` (one soffice started and driven through UNO) and ``convert-to``; then ``uno`` kept
  running (a second verify through the same office, as a test session or a re-run has it);
  for the bundled workbook also ``hnb-xl verify`` as a command (a new Python process: imports too);
* **formulas**: the Python evaluation with the HNB_ functions (stopped after --formulas-limit s).

The ratios printed are each time / the warm bare conversion. Issue 17 asks verify <= 3x and the
formulas evaluation <= 10x on the bundled workbook; nothing is asserted here (a benchmark).

The larger workbooks are built by the real builder with the layout's schools table widened in
this process (benchmarks/bench_workbook.py's ``build_large``: the 250 demo schools of
scripts/make_demo_schools.py repeated with new URNs), so `verify` reads them by the same layout;
the command (a new process, the layout as shipped) is timed on the bundled workbook only.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
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
from hnb_xl.workbook.verify.soffice import best_office, uno_python  # noqa: E402


def bare_conversion(office: LibreOffice, path: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="hnb_bench_bare_") as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        t = time.perf_counter()
        office.convert(copy, Path(tmp) / "out")
        return time.perf_counter() - t


def timed(work):
    t = time.perf_counter()
    result = work()
    return result, time.perf_counter() - t


def verify_fresh(path: Path, route: str):
    """verify as one user run has it: a new office (new profile, soffice started) for this run."""
    office = best_office(route=route)
    try:
        return timed(lambda: verify(path, office=office))
    finally:
        office.close()


def command_seconds(path: Path, route: str) -> tuple[float, int]:
    env = dict(os.environ, HNB_LIBREOFFICE_ROUTE=route, PYTHONPATH=str(ROOT))
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "hnb_xl.cli", "verify", str(path)], env=env,
                          capture_output=True, text=True)
    return time.perf_counter() - t, done.returncode


def line(what: str, seconds: float, bare: float, extra: str = "") -> None:
    print(f"  {what:<46} {seconds:8.2f} s  {seconds / bare:6.2f} x bare   {extra}", flush=True)


def bench(label: str, path: Path, formulas_limit: float, command: bool) -> None:
    print(f"\n{label}: {path.name} ({path.stat().st_size / 1e6:.2f} MB)", flush=True)
    with tempfile.TemporaryDirectory(prefix="hnb_bench_profile_") as prof:
        office = LibreOffice(profile=prof)
        cold = bare_conversion(office, path)
        bare = bare_conversion(office, path)
        line("bare conversion, new profile (cold)", cold, bare)
        line("bare conversion, warm  (the yardstick)", bare, bare)
        findings, t_check = timed(lambda: check(path))
        line("static check (hnb-xl check)", t_check, bare, f"findings: {len(findings)}")
        _, t_recalc = timed(lambda: recalculate(path, office=office))
        line("recalculate with HNB_ values (tests), warm", t_recalc, bare)
    routes = ["uno", "convert-to"] if uno_python() else ["convert-to"]
    for route in routes:
        report, t_verify = verify_fresh(path, route)
        line(f"verify, route {route}, new LibreOffice", t_verify, bare,
             f"{report.compared:,} cells, {len(report.findings)} finding(s), master check {report.master_check}")
        print("      steps: " + ", ".join(f"{k} {v:.2f}" for k, v in report.seconds.items()), flush=True)
    if "uno" in routes:
        office = best_office(route="uno")
        try:
            verify(path, office=office)                       # starts soffice
            report, t_warm = timed(lambda: verify(path, office=office))
        finally:
            office.close()
        line("verify, route uno, LibreOffice kept running", t_warm, bare, f"{len(report.findings)} finding(s)")
    if command:
        for route in routes:
            seconds, rc = command_seconds(path, route)
            line(f"hnb-xl verify (command, route {route})", seconds, bare, f"exit {rc}")
    if formulas_limit > 0:
        with contextlib.redirect_stderr(io.StringIO()):
            result, wall = time_formulas(path, formulas_limit)
        if result is None:
            print(f"  {'formulas evaluation (HNB_ registered)':<46} > {formulas_limit:6.0f} s  "
                  f"> {formulas_limit / bare:5.0f} x bare   (stopped)", flush=True)
        else:
            load, calc, master = result
            line("formulas evaluation (HNB_ registered)", load + calc, bare,
                 f"load+compile {load:.1f} s, calculate {calc:.1f} s; master check {master}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schools", type=int, nargs="*", default=[600, 5000])
    ap.add_argument("--formulas-limit", type=float, default=300,
                    help="seconds before a formulas run is stopped (0: do not run it)")
    ap.add_argument("--skip-bundled", action="store_true")
    args = ap.parse_args(argv)
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; uno route: "
          f"{'yes (' + uno_python() + ')' if uno_python() else 'no python3-uno'}", flush=True)
    if not args.skip_bundled:
        bench("bundled", BUNDLED, args.formulas_limit, command=True)
    with tempfile.TemporaryDirectory(prefix="hnb_bench_verify_") as tmp:
        for n in sorted(args.schools):
            t = time.perf_counter()
            big = build_large(n, Path(tmp) / f"HNB_Model_{n}_schools.xlsm")
            print(f"\nbuilt the {n:,}-school workbook in {time.perf_counter() - t:.1f} s", flush=True)
            bench(f"{n:,} schools", big, args.formulas_limit, command=False)


if __name__ == "__main__":
    main()
