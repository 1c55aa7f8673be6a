"""Indicator query latency with comparisons (last year's span, the previous period) against the
plain query of the same table (DESIGN.md §6, issue 11: p95 with comparisons ≤ 1.5 × plain).

    python -m bench.indicator_bench --store sqlite --events 1000000
    python -m bench.indicator_bench --store sqlite --events 1000000 --court-records 1000000

--court-records N also imports N court filings of the demo county (2025-01 to 2026-08, the
common causes; bench/court_import_bench.py's records) through import_court_records, so the
litigation columns (万人成讼率, 无讼村) are computed over that many court cases.

Prints p50/p95 of both; copy them into bench/RESULTS.md with the machine and date.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime

from application.config import county_tz
from application.ledger import Ledger
from bench.populate import populate
from bench.projection_bench import drop, settings_for

#: After the populated history (it ends 1 November 2026): 2026 is still running, as on a real day.
NOW = datetime(2026, 11, 20, 4, tzinfo=UTC)
PERIODS = ["2026", "2026-Q3", "2026-Q4", "2026-10", "2026-01..2026-08", "2025"]
LEVELS = [("621199", "town"), ("621199", "county"), ("621199001", "village")]


def latency(cur_factory, runs: int, comparisons: bool) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    from projections.indicators import indicator_table

    times = []
    for i in range(runs):
        region, level = LEVELS[i % len(LEVELS)]
        t = time.perf_counter()
        with cur_factory() as cur:
            indicator_table(cur, region=region, period=PERIODS[i % len(PERIODS)], level=level, now=NOW,
                            tz=county_tz(), comparisons=comparisons)
        times.append((time.perf_counter() - t) * 1000)
    q = statistics.quantiles(times, n=100)
    return q[49], q[94]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=120)
    parser.add_argument("--court-records", type=int, default=0)
    args = parser.parse_args()
    from projections.runner import ViewRunner

    with tempfile.TemporaryDirectory() as workdir:
        settings = settings_for(args.store, "ind", workdir)
        try:
            ledger = Ledger(settings=settings)
            start = time.perf_counter()
            n = populate(ledger, args.events)
            print(f"populated {n} events in {time.perf_counter() - start:.0f} s")
            if args.court_records:
                from application.court_feed import import_court_records
                from bench.court_import_bench import records

                start = time.perf_counter()
                report = import_court_records(ledger, ledger.system_actor(), records(ledger, args.court_records))
                assert report.filed == args.court_records and not report.problems, report.problems[:3]
                print(f"imported {report.filed} court records in {time.perf_counter() - start:.0f} s")
            runner = ViewRunner(ledger)
            start = time.perf_counter()
            runner.catch_up()
            print(f"projected in {time.perf_counter() - start:.0f} s")
            # warm both, then measure alternately so neither gets a warmer cache
            latency(runner.views.cursor, 12, True)
            plain = latency(runner.views.cursor, args.runs, False)
            compared = latency(runner.views.cursor, args.runs, True)
            print("| events | court records | plain p50 ms | plain p95 ms | with comparisons p50 ms | p95 ms | p95 ÷ plain |")
            print("|---|---|---|---|---|---|---|")
            print(f"| {n} | {args.court_records} | {plain[0]:.1f} | {plain[1]:.1f} | {compared[0]:.1f} | {compared[1]:.1f} "
                  f"| {compared[1] / plain[1]:.2f} |")
            runner.close()
            ledger.close()
        finally:
            drop(settings)


if __name__ == "__main__":
    main()
