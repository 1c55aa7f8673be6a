"""Importing court case records, beside the store's raw insert rate of rows of the same size.

    python bench/court_import_bench.py --store both                 # 100,000 records
    python bench/court_import_bench.py --store both --repeat 3      # median of 3 rounds
    python bench/court_import_bench.py --store sqlite --records 1000000

For each store: a fresh store with the demo county, N generated records (demo county, 2025–2026,
the common causes) imported by import_court_records (checks, the one scan for existing cases,
hash-chained events, saves of SAVE_CHUNK aggregates per transaction); right after it the raw
rate: N rows of the same size as the stored Filed events (same columns, same state bytes
length) INSERTed in one transaction, in batches, into a table of the same shape in the same
store. With --repeat, that pair again in a fresh store each round. In the last round also the
same records again (a re-import, which writes nothing), then the views catch up (every view,
the court views among them, in the runner's batches). Prints one table; the stores are
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


def one_round(store: str, count: int, workdir: str, *, round_: int, last: bool) -> dict[str, float]:
    """Import into a fresh store, then the raw insert into the same store; on the last round
    also the re-import and the projection."""
    settings = settings_for(store, f"court{round_}", workdir)
    ledger = Ledger(settings=settings)
    try:
        load_demo_reference(ledger)
        admin = ledger.system_actor()
        batch = records(ledger, count)
        console.print(f"{store}: round {round_ + 1}, importing {count:,} records")
        start = time.perf_counter()
        report = import_court_records(ledger, admin, batch)
        out = {"import_s": time.perf_counter() - start}
        assert report.filed == count and not report.problems, report.problems[:5]
        size = stored_state_size(ledger)
        console.print(f"{store}: raw insert of {count:,} rows of {size} bytes")
        out["raw"] = raw_insert_rate(ledger, count, size)
        out["size"] = size
        if last:
            start = time.perf_counter()
            again = import_court_records(ledger, admin, batch)
            out["reimport"] = count / (time.perf_counter() - start)
            assert again.unchanged == count
            from projections.runner import ViewRunner

            runner = ViewRunner(ledger)
            try:
                start = time.perf_counter()
                projected = runner.catch_up()
                out["project"] = projected / (time.perf_counter() - start)
            finally:
                runner.close()
        return out
    finally:
        ledger.close()
        drop(settings)
        if not settings.is_postgres:
            Path(settings.sqlite_path).unlink(missing_ok=True)


def run(store: str, count: int, workdir: str, repeat: int) -> list[str]:
    """``repeat`` rounds of import then raw insert, each in a fresh store: the machine is shared,
    so the ratio is taken per round (import and raw measured a few seconds apart) and the
    median round reported, with the range of the ratios."""
    rounds = [one_round(store, count, workdir, round_=i, last=i == repeat - 1) for i in range(repeat)]
    ratios = sorted((count / r["import_s"]) / r["raw"] for r in rounds)
    middle = sorted(rounds, key=lambda r: (count / r["import_s"]) / r["raw"])[len(rounds) // 2]
    rate = count / middle["import_s"]
    last = rounds[-1]
    return [
        store, f"{count:,}", f"{middle['import_s']:,.1f}", f"{rate:,.0f}", f"{middle['raw']:,.0f}",
        f"{rate / middle['raw']:.2f}", f"{ratios[0]:.2f}–{ratios[-1]:.2f}",
        f"{last['reimport']:,.0f}", f"{last['project']:,.0f}", f"{last['size']:.0f}",
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of import and raw insert (median reported)")
    args = parser.parse_args()
    table = Table(title=f"court import, {args.records:,} records", box=box.MARKDOWN)
    for column in (
        "store", "records", "import s", "import records/s", "raw insert rows/s", "ratio", "ratio range",
        "re-import records/s", "project events/s", "state bytes",
    ):  # fmt: skip
        table.add_column(column, justify="right")
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    with tempfile.TemporaryDirectory() as workdir:
        for store in stores:
            table.add_row(*run(store, args.records, workdir, args.repeat))
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
