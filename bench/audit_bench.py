"""ledger verify throughput beside the raw read rate, and history / as-of latency for a 50-event case.

    python -m bench.audit_bench --store sqlite --events 1000000
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import timedelta

from application.integrity import verify
from application.ledger import Ledger
from bench.populate import END, populate
from bench.projection_bench import drop, raw_read, settings_for


def fifty_event_case(ledger: Ledger) -> str:
    """A case with exactly 50 events: report, assign, accept and 47 mediation sessions."""
    clock = {"now": END - timedelta(days=40)}
    ledger.clock = lambda: clock["now"]
    admin = ledger.system_actor()
    case = ledger.report(
        admin, source="walk_in", category="neighbour", region_code="621199001001", summary="基准案件",
        parties=[{"role": "applicant", "kind": "person", "name": "王建国"}], people_involved=2,
    ).case
    steps = [("assign", {"route": "peoples_mediation", "organisation_code": "ORG621199001001"}), ("accept", {})]
    steps += [("hold_session", {"mode": "onsite", "participants": ["王建国"], "summary": f"第{i}次调解"}) for i in range(47)]
    for command, args in steps:
        clock["now"] += timedelta(hours=12)
        ledger.execute(admin, case.id, command, **args)
    return str(case.id)


def percentiles(fn, runs: int = 300) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    q = statistics.quantiles(times, n=100)
    return q[49], q[94]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("LEDGER_BENCH_DIR")) as workdir:
        settings = settings_for(args.store, f"audit{args.events}", workdir)
        try:
            ledger = Ledger(settings=settings)
            populate(ledger, args.events)
            case_id = fifty_event_case(ledger)
            raw, decoded = raw_read(ledger)
            t = time.perf_counter()
            report = verify(ledger)
            rate = (ledger.recorder.max_notification_id() or 0) / (time.perf_counter() - t)
            assert report.intact, report.summary()
            fresh = Ledger(settings=settings)  # no cache: every read goes to the store
            middle = fresh.history(case_id)[25].timestamp
            h50, h95 = percentiles(lambda: fresh.history(case_id))
            a50, a95 = percentiles(lambda: fresh.case_as_of(case_id, recorded_at=middle))
            fresh.close()
            ledger.close()
        finally:
            drop(settings)
    print(f"\nstore: {args.store}   python {platform.python_version()}   cpus {os.cpu_count()}   events {report.events:,}")
    print("| raw read ev/s | read+decode ev/s | verify ev/s | verify ÷ raw | ÷ decoded | history p50/p95 ms | as_of p50/p95 ms |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {raw:,.0f} | {decoded:,.0f} | {rate:,.0f} | {rate / raw:.2f} | {rate / decoded:.2f} | {h50:.1f} / {h95:.1f} | {a50:.1f} / {a95:.1f} |")


if __name__ == "__main__":
    main()
