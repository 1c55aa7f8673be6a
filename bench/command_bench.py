"""Command throughput beside the raw single-row insert rate of the same store, in one run.

    python -m bench.command_bench --store both --count 2000 --clients 16

For each store: a fresh store with the demo county and about --events events (bench.populate);
then, each once with one client and once with --clients threads sharing --count operations:
  raw      one INSERT per transaction into a table shaped like the events table (uuid, version,
           topic, state of the same size as a stored report), committed at once — the floor
           under any command, since each command commits at least one such row;
  report   Ledger.report in-process (authorisation, checks, a new case, its events, commit);
  mid-life Ledger.execute(assess_risk) on cases already in the store (read the case's events,
           replay them, check, append, commit).
Target (issue 17): commands at ≥ ½ of raw. Prints one table; copy it into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from rich import box
from rich.console import Console
from rich.table import Table

from application.config import StoreSettings
from application.ledger import Ledger
from bench.http_bench import report_bodies
from bench.populate import populate
from bench.projection_bench import drop, settings_for

console = Console(stderr=True)
TOPIC = "domain.case:Case.Reported"


def report_size(ledger: Ledger) -> int:
    sizes = [len(n.state) for n in ledger.recorder.select_notifications(start=1, limit=5000) if n.topic.endswith(".Reported")]
    return int(statistics.mean(sizes))


def timed(threads: int, count: int, make_worker: Callable[[int], Callable[[int], None]]) -> tuple[float, float, float]:
    """(operations/s, p50 ms, p95 ms) of ``count`` calls shared by ``threads`` threads."""
    latencies: list[float] = []
    lock = threading.Lock()
    share = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]

    def run(index: int) -> None:
        work = make_worker(index)
        mine = []
        for i in range(share[index]):
            t = time.perf_counter()
            work(i)
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return count / elapsed, latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.95)] * 1000


def raw_worker(settings: StoreSettings, size: int) -> Callable[[int], Callable[[int], None]]:
    state = b"x" * size
    if settings.is_postgres:
        import psycopg

        with psycopg.connect(settings.url, autocommit=True) as conn:  # type: ignore[arg-type]
            conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{settings.schema}".bench_raw (originator_id uuid NOT NULL, '
                "originator_version bigint NOT NULL, topic text, state bytea, notification_id bigserial, "
                "PRIMARY KEY (originator_id, originator_version))"
            )

        def make(_: int) -> Callable[[int], None]:
            conn = psycopg.connect(settings.url, autocommit=True)  # type: ignore[arg-type]
            sql = f'INSERT INTO "{settings.schema}".bench_raw (originator_id, originator_version, topic, state) VALUES (%s, 1, %s, %s)'

            def work(_: int) -> None:
                conn.execute(sql, (uuid.uuid4(), TOPIC, state))

            return work

        return make

    setup = sqlite3.connect(settings.sqlite_path)
    setup.execute(
        "CREATE TABLE IF NOT EXISTS bench_raw (originator_id TEXT, originator_version INTEGER, topic TEXT, "
        "state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    setup.close()

    def make_sqlite(_: int) -> Callable[[int], None]:
        # As the event store's connections: WAL, one writer at a time (BEGIN IMMEDIATE), waiting.
        conn = sqlite3.connect(settings.sqlite_path, isolation_level=None, check_same_thread=False, timeout=30)

        def work(_: int) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO bench_raw VALUES (?, 1, ?, ?)", (uuid.uuid4().hex, TOPIC, state))
            conn.execute("COMMIT")

        return work

    return make_sqlite


def run(store: str, count: int, clients: int, events: int, workdir: str) -> list[list[str]]:
    settings = settings_for(store, "cmd", workdir)
    ledger = Ledger(settings=settings)
    rows: list[list[str]] = []
    try:
        populate(ledger, events)
        admin, _ = ledger.add_actor("bench-admin", "admin")
        bodies = report_bodies(ledger, 300, 11)
        size = report_size(ledger)
        case_ids = [n.originator_id for n in ledger.recorder.select_notifications(start=1, limit=events) if n.topic.endswith(".Reported")]
        rng = random.Random(5)

        def report_worker(index: int) -> Callable[[int], None]:
            local = random.Random(index)

            def work(_: int) -> None:
                body = local.choice(bodies)
                ledger.report(admin, **{**body, "parties": [dict(p) for p in body["parties"]]})

            return work

        def midlife_worker(index: int) -> Callable[[int], None]:
            mine = case_ids[index::clients] if clients > 1 else case_ids
            local = random.Random(index)

            def work(i: int) -> None:
                ledger.execute(admin, mine[i % len(mine)], "assess_risk", level=local.choice(["low", "medium", "high"]))

            return work

        report_worker(0)(0)  # warm the reference caches as a worker's first request would
        for threads in (1, clients):
            raw = timed(threads, count, raw_worker(settings, size))
            rows.append([store, "raw single-row INSERT", str(threads), f"{raw[0]:,.0f}", f"{raw[1]:.2f}", f"{raw[2]:.2f}", "1.00"])
            for name, worker in (("Ledger.report", report_worker), ("execute(assess_risk)", midlife_worker)):
                rate = timed(threads, count, worker)
                rows.append([store, name, str(threads), f"{rate[0]:,.0f}", f"{rate[1]:.2f}", f"{rate[2]:.2f}", f"{rate[0] / raw[0]:.2f}"])
        rng.random()
        console.print(f"{store}: report state {size} bytes, {len(case_ids):,} cases in the store")
    finally:
        ledger.close()
        drop(settings)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--count", type=int, default=2000, help="operations per measurement")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--events", type=int, default=20000, help="events in the store before measuring")
    args = parser.parse_args()
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    table = Table(title=f"commands beside raw single-row inserts — {platform.node()}, {os.cpu_count()} cores, "
                  f"{datetime.now(UTC):%Y-%m-%d}", box=box.MARKDOWN)
    for column in ("store", "operation", "clients", "ops/s", "p50 ms", "p95 ms", "÷ raw (same clients)"):
        table.add_column(column)
    with tempfile.TemporaryDirectory() as workdir:
        for store in stores:
            for row in run(store, args.count, args.clients, args.events, workdir):
                table.add_row(*row)
    Console().print(table)


if __name__ == "__main__":
    main()
