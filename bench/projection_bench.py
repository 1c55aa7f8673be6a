"""Projection catch-up throughput, rebuild memory and indicator latency at two store sizes.

    python -m bench.projection_bench --store sqlite --sizes 100000 1000000

Prints a table; copy it into bench/RESULTS.md with the machine and date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

from application.config import StoreSettings
from application.ledger import Ledger
from bench.populate import populate

PG_URL = os.environ.get("LEDGER_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def settings_for(store: str, tag: str, workdir: str) -> StoreSettings:
    if store == "sqlite":
        return StoreSettings(sqlite_path=os.path.join(workdir, f"bench-{tag}.sqlite3"), url=None, schema="public")
    import psycopg

    schema = f"bench_{tag}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return StoreSettings(sqlite_path="", url=PG_URL, schema=schema)


def drop(settings: StoreSettings) -> None:
    if settings.is_postgres:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {settings.schema} CASCADE")


def raw_read(ledger: Ledger) -> tuple[float, float]:
    """(notifications/s read in pages, events/s read and decoded), the baselines."""
    rates = []
    for decode in (False, True):
        start, position, n = time.perf_counter(), 0, 0
        while True:
            page = ledger.recorder.select_notifications(start=position + 1, limit=1000)
            if not page:
                break
            if decode:
                for x in page:
                    ledger.mapper.to_domain_event(x)
            position, n = page[-1].id, n + len(page)
        rates.append(n / (time.perf_counter() - start))
    return rates[0], rates[1]


REBUILD = """
import json, resource, sys, time
from application.config import StoreSettings
from application.ledger import Ledger
from projections.runner import ViewRunner
s = StoreSettings(**json.loads(sys.argv[1]))
ledger = Ledger(settings=s)
runner = ViewRunner(ledger)
t = time.perf_counter()
n = runner.rebuild()
dt = time.perf_counter() - t
print(json.dumps({"events": n, "seconds": dt, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def rebuild_in_process(settings: StoreSettings) -> dict[str, Any]:
    """Rebuild in a fresh process so its peak memory is the rebuild's own."""
    arg = json.dumps({"sqlite_path": settings.sqlite_path, "url": settings.url, "schema": settings.schema})
    out = subprocess.run([sys.executable, "-c", REBUILD, arg], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def query_latency(settings: StoreSettings, runs: int = 200) -> tuple[float, float]:
    from projections.indicators import indicator_table
    from projections.runner import ViewRunner

    ledger = Ledger(settings=settings)
    runner = ViewRunner(ledger)
    periods = ["2026", "2026-Q1", "2025-Q3", "2026-03", "2025-11"]
    levels = [("621199", "town"), ("621199", "county"), ("621199001", "village")]
    times = []
    for i in range(runs):
        region, level = levels[i % len(levels)]
        t = time.perf_counter()
        with runner.views.cursor() as cur:
            indicator_table(cur, region=region, period=periods[i % len(periods)], level=level)
        times.append((time.perf_counter() - t) * 1000)
    runner.close()
    ledger.close()
    q = statistics.quantiles(times, n=100)
    return q[49], q[94]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("LEDGER_BENCH_DIR")) as workdir:
        for size in args.sizes:
            settings = settings_for(args.store, str(size), workdir)
            try:
                ledger = Ledger(settings=settings)
                t = time.perf_counter()
                n = populate(ledger, size)
                fill = n / (time.perf_counter() - t)
                raw, decoded = raw_read(ledger)
                ledger.close()
                rebuild = rebuild_in_process(settings)
                rate = rebuild["events"] / rebuild["seconds"]
                p50, p95 = query_latency(settings)
                rows.append((size, n, fill, raw, decoded, rate, rate / raw, rate / decoded, rebuild["maxrss_kb"] / 1024, p50, p95))
                print(f"done {size}", file=sys.stderr, flush=True)
            finally:
                drop(settings)
    print(f"\nstore: {args.store}   python {platform.python_version()}   {platform.machine()}   cpus {os.cpu_count()}")
    print("| events | fill ev/s | raw read ev/s | read+decode ev/s | projection ev/s | ÷ raw | ÷ decoded | rebuild peak RSS MiB | indicators p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for _size, n, fill, raw, decoded, rate, r1, r2, rss, p50, p95 in rows:
        print(f"| {n:,} | {fill:,.0f} | {raw:,.0f} | {decoded:,.0f} | {rate:,.0f} | {r1:.2f} | {r2:.2f} | {rss:,.0f} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
