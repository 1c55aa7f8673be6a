"""The read-access log under concurrent reads with a declared purpose, through a real server.

    python bench/access_bench.py --store both --seconds 10
    PYTHONPATH=/path/to/other/checkout python bench/access_bench.py   # the same against other code

Fills a fresh store with about --events events (bench.populate), adds an auditor (who must
declare a purpose to see personal data), then serves it — SQLite: `ledger serve` (one process,
threads); PostgreSQL: gunicorn with --workers × --threads beside `ledger project --follow` — and
drives two scenarios from --clients threads for --seconds each:

- one case: every client reads the details of the SAME case (its log is one hash chain, so
  every read contends with every other);
- list pages: every client reads pages of GET /disputes (--per-page cases each).

For each it counts the answers by status, the events the store gained, the events appended per
successful read, and (one case) the entries in the case's own access log against the reads that
succeeded; and the store positions skipped by appends that rolled back (on PostgreSQL each
lost race to a log's next version burns one). Run as a script (not -m) so PYTHONPATH can point the whole run, server included, at
another checkout's code: the "before" figures. Prints one table; the store is removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from rich import box
from rich.console import Console
from rich.table import Table

if __package__ in (None, ""):  # run as a script: the checkout on PYTHONPATH (or this one) is the code
    sys.path[0] = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or str(
        Path(__file__).resolve().parent.parent
    )

from application.config import StoreSettings  # noqa: E402
from application.ledger import Ledger  # noqa: E402
from bench.http_bench import free_port  # noqa: E402
from bench.populate import populate  # noqa: E402
from bench.projection_bench import drop, settings_for  # noqa: E402
from domain.access import AccessLog  # noqa: E402

API = "/api/v1"
PURPOSE = quote("信访复核 benchmark")
console = Console(stderr=True)


@dataclass
class Result:
    store: str
    scenario: str
    statuses: Counter[str] = field(default_factory=Counter)
    events: int = 0
    skipped_ids: int = 0  # positions taken by appends that rolled back (a lost race, then a retry)
    log_entries: int | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if s.startswith("2"))


def prepare(settings: StoreSettings, events: int, seed: int) -> tuple[str, str]:
    """(the auditor's token, the id of the case every client of the one-case scenario reads)."""
    ledger = Ledger(settings=settings)
    try:
        populate(ledger, events, seed=seed)
        _, token = ledger.add_actor("bench-auditor", "auditor")
        first = ledger.recorder.select_notifications(start=1, limit=10_000)
        case_id = next(str(n.originator_id) for n in first if n.topic.endswith("Case.Reported"))
    finally:
        ledger.close()
    return token, case_id


class Served:
    """The server for one store, its code taken from PYTHONPATH like this script's."""

    def __init__(self, settings: StoreSettings, workdir: str, workers: int, threads: int):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
        env.update(PYTHONUNBUFFERED="1", PYTHONPATH=sys.path[0])
        if settings.is_postgres:
            env.update(
                LEDGER_DATABASE_URL=settings.url or "",
                LEDGER_PG_SCHEMA=settings.schema,
                LEDGER_INLINE_PROJECTION="0",
            )
            commands = [
                [sys.executable, "-m", "gunicorn", "web:create_app()", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
                 "--timeout", "60", "--log-level", "warning"],
                [sys.executable, "-c", "from cli.main import main; main()", "project", "--follow"],
            ]  # fmt: skip
        else:
            env.update(LEDGER_DB=settings.sqlite_path)
            commands = [
                [
                    sys.executable,
                    "-c",
                    "from cli.main import main; main()",
                    "serve",
                    "--port",
                    str(self.port),
                ],
            ]
        self.log = Path(workdir, "server.log")
        self.procs = []
        with self.log.open("wb") as out:
            for command in commands:
                # cwd away from any checkout, so imports follow PYTHONPATH alone.
                self.procs.append(
                    subprocess.Popen(
                        command,
                        cwd=workdir,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        self.wait_healthy()

    def wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"the server exited:\n{self.log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError("no healthy /healthz")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def drive(
    port: int, token: str, path: Callable[[random.Random], str], clients: int, seconds: float
) -> Counter[str]:
    """``clients`` threads on keep-alive connections send reads back to back until the time is up."""
    headers = {"Authorization": f"Bearer {token}", "X-Access-Purpose": PURPOSE}
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        rng = random.Random(index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: Counter[str] = Counter()
        try:
            while time.monotonic() < deadline:
                try:
                    conn.request("GET", path(rng), headers=headers)
                    response = conn.getresponse()
                    response.read()
                    mine[str(response.status)] += 1
                except (OSError, http.client.HTTPException) as e:
                    mine[type(e).__name__] += 1
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        finally:
            conn.close()
            with lock:
                statuses.update(mine)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    return statuses


def run_store(store: str, args: argparse.Namespace) -> list[Result]:
    workdir = tempfile.mkdtemp(prefix="access-bench-")
    settings = settings_for(store, "access", workdir)
    server = None
    try:
        console.print(f"[dim]{store}: populating about {args.events:,} events[/dim]")
        token, case_id = prepare(settings, args.events, args.seed)
        server = Served(settings, workdir, args.workers, args.threads)
        ledger = Ledger(settings=settings)
        try:
            scenarios: list[tuple[str, Callable[[random.Random], str]]] = [
                (f"one case, {args.clients} readers", lambda rng: f"{API}/disputes/{case_id}"),
                (
                    f"list pages of {args.per_page}, {args.clients} readers",
                    lambda rng: f"{API}/disputes?per_page={args.per_page}&page={rng.randint(1, 5)}",
                ),
            ]
            results = []
            for name, path in scenarios:
                before = ledger.recorder.max_notification_id() or 0
                t = time.perf_counter()
                statuses = drive(server.port, token, path, args.clients, args.seconds)
                result = Result(store, name, statuses, seconds=time.perf_counter() - t)
                head = ledger.recorder.max_notification_id() or 0
                kinds = Counter(
                    n.topic.rpartition(":")[2]
                    for n in ledger.recorder.select_notifications(start=before + 1, limit=10**6)
                )
                result.events = sum(kinds.values())
                result.skipped_ids = head - before - result.events
                if name.startswith("one case"):
                    stream = ledger.events.get(AccessLog.create_id(case_id))
                    result.log_entries = sum(1 for e in stream if type(e).__name__ == "Read")
                results.append(result)
                console.print(
                    f"[dim]{store}: {name}: {dict(statuses)}, {result.events:,} events: {dict(kinds)}[/dim]"
                )
            return results
        finally:
            ledger.close()
    finally:
        if server is not None:
            server.stop()
        drop(settings)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--events", type=int, default=5_000, help="about this many events in the store first")
    parser.add_argument("--seconds", type=float, default=10, help="per scenario")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (PostgreSQL)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (PostgreSQL)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    results = [r for store in stores for r in run_store(store, args)]

    code = Path(sys.path[0]).resolve()
    table = Table(title=f"access log under load — code from {code}", box=box.SIMPLE_HEAD)
    for column in (
        "store",
        "scenario",
        "reads ok",
        "errors",
        "reads/s",
        "events appended",
        "events per read",
        "rolled-back appends",
        "case log entries",
    ):
        table.add_column(column, justify="left" if column in ("store", "scenario", "errors") else "right")
    for r in results:
        errors = (
            ", ".join(f"{n} × {s}" for s, n in sorted(r.statuses.items()) if not s.startswith("2")) or "0"
        )
        table.add_row(
            r.store,
            r.scenario,
            f"{r.ok:,}",
            errors,
            f"{r.ok / r.seconds:,.0f}",
            f"{r.events:,}",
            f"{r.events / r.ok:.2f}" if r.ok else "-",
            f"{r.skipped_ids:,}",
            "" if r.log_entries is None else f"{r.log_entries:,} (= reads ok: {r.log_entries == r.ok})",
        )
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
