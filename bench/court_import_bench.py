"""Importing court case records, beside the store's raw insert rate of rows of the same size.

    python bench/court_import_bench.py --store both                 # 100,000 records
    python bench/court_import_bench.py --store sqlite --records 1000000

For each store: a fresh store with the demo county, N generated records (demo county, 2025–2026,
the common causes) imported by import_court_records (checks, the one scan for existing cases,
hash-chained events, saves of SAVE_CHUNK aggregates per transaction); then the same records
again (a re-import, which writes nothing); then the views catch up (every view, the court
views among them, in the runner's batches); then the raw rate: N rows of the same size as the
stored Filed events (same columns, same state bytes length) INSERTed in one transaction, in
batches, into a table of the same shape in the same store. Prints one table; the stores are
removed at the end. Run as a script (not -m) so PYTHONPATH can point at another checkout.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

if __package__ in (None, ""):  # run as a script: the checkout on PYTHONPATH (or this one) is the code
    sys.path[0] = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or str(
        Path(__file__).resolve().parent.parent
    )

from application.court_feed import CourtRecord, import_court_records  # noqa: E402
from application.ledger import Ledger  # noqa: E402
from application.reference_files import load_demo_reference  # noqa: E402
from bench.projection_bench import drop, settings_for  # noqa: E402

console = Console(stderr=True)
CAUSES = (
    "民间借贷纠纷",
    "金融借款合同纠纷",
    "信用卡纠纷",
    "买卖合同纠纷",
    "离婚纠纷",
    "物业服务合同纠纷",
    "劳动争议",
)
RAW_BATCH = 1000


def records(ledger: Ledger, count: int) -> list[CourtRecord]:
    """``count`` distinct, valid records of the demo county: serials run on within each year."""
    villages = sorted(c for c, r in ledger.regions().regions.items() if r.level == "village")
    first = date(2025, 1, 1)
    out = []
    for i in range(count):
        filed = first + timedelta(days=i * 600 // max(count, 1))
        out.append(
            CourtRecord(
                case_number=f"({filed.year})甘1199民初{i + 1}号",
                court_code="ORGC-COURT",
                cause=CAUSES[i % len(CAUSES)],
                filed_on=filed,
                plaintiff_region=villages[(i * 7) % len(villages)] if i % 3 else None,
                defendant_region=villages[i % len(villages)],
                plaintiff_is_financial=i % 5 == 1,
            )
        )
    return out


def stored_state_size(ledger: Ledger) -> int:
    """Bytes of state of a stored Filed event (the raw rows are made this long)."""
    for note in ledger.recorder.select_notifications(start=1, limit=10_000):
        if note.topic.endswith("CourtCase.Filed"):
            return len(note.state)
    raise RuntimeError("no court case was stored")


def raw_insert_rate(ledger: Ledger, count: int, size: int) -> float:
    """Rows/s of a batched INSERT of ``count`` rows (id, version, topic, state of ``size`` bytes)
    into a table shaped like the events table, in one transaction of the same store."""
    topic = "domain.court_case:CourtCase.Filed"
    state = b"x" * size
    rows = [(uuid.uuid4(), 1, topic, state) for _ in range(count)]
    settings = ledger.settings
    if settings.is_postgres:
        import psycopg

        with psycopg.connect(settings.url) as conn:
            conn.execute(f"SET search_path TO {settings.schema}")
            conn.execute(
                "CREATE TABLE bench_raw (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
                "topic text, state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
            )
            conn.commit()
            start = time.perf_counter()
            with conn.cursor() as cur:
                for i in range(0, count, RAW_BATCH):
                    cur.executemany(
                        "INSERT INTO bench_raw (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)",
                        rows[i : i + RAW_BATCH],
                    )
            conn.commit()
            return count / (time.perf_counter() - start)
    import sqlite3

    conn = sqlite3.connect(settings.sqlite_path, isolation_level=None)
    try:
        conn.execute(
            "CREATE TABLE bench_raw (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
        text_rows = [(r[0].hex, r[1], r[2], r[3]) for r in rows]
        start = time.perf_counter()
        conn.execute("BEGIN")
        for i in range(0, count, RAW_BATCH):
            conn.executemany("INSERT INTO bench_raw VALUES (?, ?, ?, ?)", text_rows[i : i + RAW_BATCH])
        conn.execute("COMMIT")
        return count / (time.perf_counter() - start)
    finally:
        conn.close()


def run(store: str, count: int, workdir: str) -> list[str]:
    settings = settings_for(store, "court", workdir)
    ledger = Ledger(settings=settings)
    try:
        load_demo_reference(ledger)
        admin = ledger.system_actor()
        batch = records(ledger, count)
        console.print(f"{store}: importing {count:,} records")
        start = time.perf_counter()
        report = import_court_records(ledger, admin, batch)
        first = time.perf_counter() - start
        assert report.filed == count and not report.problems, report.problems[:5]
        start = time.perf_counter()
        again = import_court_records(ledger, admin, batch)
        second = time.perf_counter() - start
        assert again.unchanged == count
        from projections.runner import ViewRunner

        runner = ViewRunner(ledger)
        try:
            start = time.perf_counter()
            projected = runner.catch_up()
            project_rate = projected / (time.perf_counter() - start)
        finally:
            runner.close()
        size = stored_state_size(ledger)
        console.print(f"{store}: raw insert of {count:,} rows of {size} bytes")
        raw = raw_insert_rate(ledger, count, size)
        rate = count / first
        return [
            store, f"{count:,}", f"{first:,.1f}", f"{rate:,.0f}", f"{raw:,.0f}", f"{rate / raw:.2f}",
            f"{count / second:,.0f}", f"{project_rate:,.0f}", f"{size}",
        ]  # fmt: skip
    finally:
        ledger.close()
        drop(settings)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    table = Table(title=f"court import, {args.records:,} records", box=box.MARKDOWN)
    for column in (
        "store", "records", "import s", "import records/s", "raw insert rows/s", "ratio",
        "re-import records/s", "project events/s", "state bytes",
    ):  # fmt: skip
        table.add_column(column, justify="right")
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    with tempfile.TemporaryDirectory() as workdir:
        for store in stores:
            table.add_row(*run(store, args.records, workdir))
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
