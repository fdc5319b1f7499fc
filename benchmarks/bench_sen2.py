"""Time the SEN2 reader on DfE's 2025 release (issue 14 part 6).

Run: .venv/bin/python benchmarks/bench_sen2.py [ZIP]
(default ZIP: ../shared/data/dfe/education-health-and-care-plans_2025.zip beside the repository).

Prints, in one run (median of several, wall clock, each from the zip as saved):
  * one authority's history (Cambridgeshire: total, placement, age, need, flows): target under 2 s each;
  * every authority's placement history: target under 5 s;
  * pandas reading caseload.csv alone (``pd.read_csv`` of the zip member, every column as text), and
    the ratio of the two: target within 2x.
"""

from __future__ import annotations

import statistics
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd

from hnb_xl.sources import sen2

RUNS = 5
DEFAULT = Path(__file__).resolve().parents[1].parent / "shared/data/dfe/education-health-and-care-plans_2025.zip"


def median_time(fn) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def pandas_alone(path: Path) -> pd.DataFrame:
    with zipfile.ZipFile(path) as zf, zf.open("data/caseload.csv") as fh:
        return pd.read_csv(fh, dtype=str, encoding="utf-8-sig")


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT
    if not path.exists():
        print(f"missing: {path} (DfE, Education, health and care plans, reporting year 2025, 'Download all data')")
        return 2
    print(f"SEN2 reader, {path.name}, median of {RUNS} runs")
    for by in sen2.CUTS:
        t = median_time(lambda: sen2.history(path, "Cambridgeshire", by))
        print(f"  one authority, --by {by:<9} {t:7.3f} s   (target < 2 s: {'met' if t < 2 else 'NOT met'})")
    every = median_time(lambda: sen2.every_authority(path, "placement"))
    alone = median_time(lambda: pandas_alone(path))
    ratio = every / alone
    frame, _ = sen2.every_authority(path, "placement")
    print(f"  every authority's placement history ({frame['la_name'].nunique()} authorities, {len(frame):,} rows) "
          f"{every:7.3f} s   (target < 5 s: {'met' if every < 5 else 'NOT met'})")
    print(f"  pandas reading caseload.csv alone                                   {alone:7.3f} s")
    print(f"  ratio every-authority / pandas alone: {ratio:.2f}x   (target within 2x: {'met' if ratio <= 2 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
