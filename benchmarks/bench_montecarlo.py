"""Time the safety valve Monte Carlo: 10,000 paths x 10 years (target under 0.5 s).

Run: /work/venv/bin/python benchmarks/bench_montecarlo.py
Prints the best and median of several runs (wall clock), and the throughput in path-years a second.
"""

from __future__ import annotations

import statistics
import time

from hnb_xl import bundled
from hnb_xl.engine.montecarlo import Uncertainty, fan, probability_of_balance, simulate
from hnb_xl import api

PATHS, YEARS, RUNS = 10_000, 10, 7


def main() -> None:
    hist, assumptions = bundled.history(), bundled.assumptions()
    last = 2021 + YEARS  # base 2021-22, so 10 plan years: 2022-23 .. 2031-32
    ws = api.workstreams()
    ag = api.agreement()
    u = Uncertainty(sd={"ehcp_growth": 0.02, "cost_per_ehcp_growth": 0.02, "funding_growth": 0.01},
                    year_correlation=0.5, paths=PATHS, seed=20220715)
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        sim = simulate(hist, assumptions, ws, ag, u, to_year=last)
        f = fan(sim)
        p = probability_of_balance(sim, "2026-27")
        times.append(time.perf_counter() - t0)
    assert sim["dsg_in_year_deficit"].shape == (PATHS, YEARS)
    best, med = min(times), statistics.median(times)
    print(f"Monte Carlo {PATHS:,} paths x {YEARS} years (simulate + P10/P50/P90 + P(balance)), {RUNS} runs")
    print(f"  best   {best:.4f} s")
    print(f"  median {med:.4f} s   (target < 0.5 s: {'met' if med < 0.5 else 'NOT met'})")
    print(f"  throughput {PATHS * YEARS / med:,.0f} path-years/s")
    print(f"  P50 accumulated deficit after contributions {f['financial_year'].iloc[-1]}: £{f['p50'].iloc[-1] / 1e6:,.1f}m;"
          f" P(in-year balance by 2026-27) = {p:.1%}")


if __name__ == "__main__":
    main()
