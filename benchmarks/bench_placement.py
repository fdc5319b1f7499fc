"""Time the placement engine (issue 15 part 7): the Monte Carlo over the placement drivers, 10,000 paths x
10 years x 7 categories (target under 0.5 s), and one deterministic projection, the bridge, the tornado
and the break-even values for comparison, and the sensitivity api.placement_sensitivity computes (the
tornado with the other DSG movements and the break-even values of the bundled inputs to the assumptions'
last year: about 75 projections).

Run: .venv/bin/python benchmarks/bench_placement.py
Prints the best and median of several runs (wall clock). The Monte Carlo draws new plans, unit-cost
inflation by year and category and allocation growth (hnb_xl.engine.sensitivity.monte_carlo).
"""

from __future__ import annotations

import statistics
import time

from hnb_xl import api, bundled
from hnb_xl.engine import sensitivity
from hnb_xl.engine.placement import arrays, from_aggregate, project_placements
from hnb_xl.tables import placement as tables

PATHS, RUNS = 10_000, 7
LAST = 2031   # base 2021-22, so 10 years: 2022-23 .. 2031-32


def _time(fn, runs: int) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


def main() -> None:
    t = tables.extend(tables.load_tables(), LAST)
    driver = tables.inputs(t)
    a = arrays(driver)
    years, categories = len(a.years), len(a.names)
    best, med, out = _time(lambda: sensitivity.monte_carlo(driver, paths=PATHS), RUNS)
    print(f"Placement Monte Carlo {PATHS:,} paths x {years} years x {categories} categories, {RUNS} runs")
    print(f"  best   {best:.4f} s")
    print(f"  median {med:.4f} s   (target < 0.5 s: {'met' if med < 0.5 else 'NOT met'})")
    print(f"  throughput {PATHS * years * categories / med:,.0f} path-year-categories/s")
    last = out.iloc[-1]
    print(f"  accumulated DSG deficit {last['financial_year']}: P5 £{last['p5'] / 1e6:,.1f}m, "
          f"P50 £{last['p50'] / 1e6:,.1f}m, P95 £{last['p95'] / 1e6:,.1f}m (ILLUSTRATIVE inputs)")
    replica = from_aggregate(bundled.history(), bundled.assumptions())
    driver9 = tables.inputs(tables.load_tables())
    driver_api = api.placement_driver()[0]      # to the assumptions' last year, as api.placement_sensitivity
    year_api = str(driver_api.drivers["financial_year"].iloc[-1])
    other_dsg = sensitivity.other_dsg_of(bundled.assumptions())

    def sensitivity_api():
        return (sensitivity.tornado(driver_api, year_api, other_dsg=other_dsg),
                sensitivity.break_even(driver_api, year_api))
    for name, fn, runs in (("one projection", lambda: project_placements(driver), RUNS),
                           ("bridge (9 steps)", lambda: sensitivity.bridge(replica, driver9), 3),
                           ("bridge 2025-26 + residual", lambda: sensitivity.bridge_year(replica, driver9, "2025-26"), 3),
                           ("tornado (10 drivers)", lambda: sensitivity.tornado(driver9, "2025-26"), 3),
                           ("break-even (3 drivers)", lambda: sensitivity.break_even(driver9, "2025-26"), 3),
                           (f"sensitivity {year_api}", sensitivity_api, 5)):
        b, m, _ = _time(fn, runs)
        print(f"  {name:24s} best {b:.4f} s, median {m:.4f} s")


if __name__ == "__main__":
    main()
