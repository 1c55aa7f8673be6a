"""HTTP latency and throughput of a real server (gunicorn + `ledger project --follow`) on PostgreSQL,
beside the Application's own command throughput.

    python -m bench.http_bench --events 1000000
    python -m bench.http_bench --events 50000 --seconds 5        # quick check

Fills a fresh schema with about --events events (bench.populate), adds a bench admin (commands)
and a bench reader (reads; the API-client role sees personal data masked and needs no declared
purpose), catches the views up, measures `Ledger.report` in-process (1 and --clients threads),
then starts gunicorn 'web:create_app()' and a follower on a free loopback port and drives each
scenario from --clients keep-alive clients for --seconds (after --warmup seconds not counted).
Any answer other than 2xx is an error. The server, the follower and the schema are always
removed at the end. Prints one table; copy it into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from application.config import StoreSettings
from application.demo import CATEGORY_WEIGHTS, SOURCE_WEIGHTS, SUMMARIES, DemoCounty
from application.ledger import Ledger
from bench.populate import populate
from bench.projection_bench import PG_URL, drop, settings_for
from domain.reference import Actor

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1"
PURPOSE_HEADER = "X-Access-Purpose"
READ_P95_MS, COMMAND_P95_MS, COMMAND_RATIO = 25.0, 60.0, 0.5
console = Console(stderr=True)


def say(message: str) -> None:
    console.print(f"[dim]{datetime.now():%H:%M:%S}[/dim] {message}")


# ---------------------------------------------------------------------------------------- data


@dataclass
class Fixture:
    """What the scenarios draw from: existing case ids, (town, status) pairs, report bodies."""

    case_ids: list[str]
    town_statuses: list[tuple[str, str]]
    county: str
    reports: list[dict[str, Any]]
    admin: Actor
    tokens: dict[str, str]
    events: int


def report_bodies(ledger: Ledger, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` realistic report bodies (village or grid, category, source, two parties)."""
    rng = random.Random(seed)
    county = DemoCounty(ledger, rng)
    places = sorted(r.code for r in ledger.regions().regions.values() if r.level in ("village", "grid"))
    bodies = []
    for _ in range(n):
        category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
        bodies.append(
            {
                "source": rng.choices(list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values()))[0],
                "category": category,
                "region_code": rng.choice(places),
                "summary": SUMMARIES[category],
                "parties": [
                    {**county.person(), "role": "applicant"},
                    {**county.person(), "role": "respondent"},
                ],
                "people_involved": rng.choice([2, 2, 3, 4, 6]),
                "amount_in_dispute": None
                if category in ("neighbour", "family")
                else f"{rng.randint(2, 4000) * 50}.00",
            }
        )
    return bodies


def vacuum_analyze(settings: StoreSettings) -> None:
    """What autovacuum would do shortly after a bulk load, done before measuring, so that its
    background work on a million fresh rows does not land inside the first scenarios."""
    import psycopg

    t = time.perf_counter()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (settings.schema,)).fetchall()
        for (table,) in tables:
            conn.execute(f'VACUUM (ANALYZE) "{settings.schema}"."{table}"')
    say(f"vacuum analyze of {len(tables)} tables in {time.perf_counter() - t:,.1f} s")


def prepare(settings: StoreSettings, events: int, seed: int) -> Fixture:
    from projections.runner import ViewRunner

    ledger = Ledger(settings=settings)
    try:
        t = time.perf_counter()
        step = max(events // 10, 1)
        marks = {"next": step}

        def progress(done: int) -> None:
            if done >= marks["next"]:
                marks["next"] += step
                say(f"populated {done:,} events ({done / (time.perf_counter() - t):,.0f} ev/s)")

        recorded = populate(ledger, events, seed=seed, progress=progress)
        say(f"populated {recorded:,} events in {time.perf_counter() - t:,.1f} s")
        admin, admin_token = ledger.add_actor("bench-admin", "admin")
        _, reader_token = ledger.add_actor("bench-reader", "reader")
        reports = report_bodies(ledger, 500, seed + 1)
        county = sorted(r.code for r in ledger.regions().regions.values() if r.level == "county")[0]
        t = time.perf_counter()
        runner = ViewRunner(ledger)
        try:
            projected = runner.catch_up()
            say(f"projected {projected:,} events in {time.perf_counter() - t:,.1f} s")
            with runner.views.cursor() as cur:
                case_ids = [r["id"] for r in cur.all("SELECT id FROM v_cases")]
                pairs = cur.all("SELECT DISTINCT town_code, status FROM v_cases WHERE town_code IS NOT NULL")
        finally:
            runner.close()
    finally:
        ledger.close()
    return Fixture(
        case_ids=case_ids,
        town_statuses=sorted((p["town_code"], p["status"]) for p in pairs),
        county=county,
        reports=reports,
        admin=admin,
        tokens={"admin": admin_token, "reader": reader_token},
        events=recorded,
    )


# ---------------------------------------------------------------------------------------- direct


@dataclass
class Run:
    """One scenario's measured requests."""

    name: str
    kind: str  # read | command | direct
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)  # first answer of each error kind
    seconds: float = 0.0
    cores: dict[str, float] = field(default_factory=dict)  # CPU seconds / wall seconds, by process kind
    machine_busy: float = 0.0  # fraction of all cores busy during the run

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def ok_rate(self) -> float:
        return (self.requests - self.error_count) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1] * 1000


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def process_cpu(groups: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of the processes in each named process group, and of PostgreSQL's."""
    spent = dict.fromkeys([*groups, "postgres"], 0.0)
    by_group = {pgid: name for name, pgid in groups.items()}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        name = by_group.get(int(rest[2])) or ("postgres" if comm == "postgres" else None)
        if name:
            spent[name] += (int(rest[11]) + int(rest[12])) / tick
    return spent


class Meter:
    """Wall time, CPU used (in cores) by this process (the client), the server's process groups
    and PostgreSQL, and the machine's busy fraction over a block."""

    def __init__(self, groups: dict[str, int] | None = None):
        self.groups = groups or {}

    def __enter__(self) -> Meter:
        self.wall, self.cpu, self.ticks = time.perf_counter(), time.process_time(), cpu_ticks()
        self.procs = process_cpu(self.groups)
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = wall = time.perf_counter() - self.wall
        procs = process_cpu(self.groups)
        self.cores = {"client": (time.process_time() - self.cpu) / wall}
        self.cores.update({name: (procs[name] - self.procs[name]) / wall for name in procs})
        busy, total = cpu_ticks()
        self.machine_busy = (busy - self.ticks[0]) / (total - self.ticks[1]) if total > self.ticks[1] else 0.0
        # The rest: the kernel's network work, other processes on the machine.
        self.cores["other"] = max(0.0, self.machine_busy * (os.cpu_count() or 1) - sum(self.cores.values()))

    def into(self, run: Run) -> Run:
        run.seconds, run.cores, run.machine_busy = self.seconds, self.cores, self.machine_busy
        return run


def direct_reports(
    settings: StoreSettings, fixture: Fixture, threads: int, count: int, seconds: float
) -> Run:
    """``Ledger.report`` in-process: ``count`` reports shared by ``threads`` threads, at most ``seconds``."""
    ledger = Ledger(settings=settings)
    run = Run(f"direct Ledger.report ({threads} thread{'s' if threads > 1 else ''})", "direct")
    lock = threading.Lock()
    try:
        # Warm the reference data caches as a server worker's first requests would.
        body = fixture.reports[0]
        ledger.report(fixture.admin, **{**body, "parties": [dict(p) for p in body["parties"]]})
        deadline = time.perf_counter() + seconds
        share = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]

        def work(index: int) -> None:
            rng = random.Random(index)
            latencies: list[float] = []
            errors: Counter[str] = Counter()
            for _ in range(share[index]):
                if time.perf_counter() >= deadline:
                    break
                body = rng.choice(fixture.reports)
                t = time.perf_counter()
                try:
                    ledger.report(fixture.admin, **{**body, "parties": [dict(p) for p in body["parties"]]})
                except Exception as e:  # noqa: BLE001 - counted and shown
                    errors[type(e).__name__] += 1
                    with lock:
                        run.samples.setdefault(type(e).__name__, str(e)[:300])
                latencies.append(time.perf_counter() - t)
            with lock:
                run.latencies += latencies
                run.errors.update(errors)

        with Meter() as meter:
            pool = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
            for th in pool:
                th.start()
            for th in pool:
                th.join(seconds + 60)
        return meter.into(run)
    finally:
        ledger.close()


# ---------------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn 'web:create_app()' and `ledger project --follow`, each in its own process group."""

    def __init__(
        self, settings: StoreSettings, workdir: str, *, workers: int, threads: int, extra_env: dict[str, str] | None = None
    ):
        self.port = free_port()
        self.logs = {"gunicorn": Path(workdir, "gunicorn.log"), "follower": Path(workdir, "follower.log")}
        env = {k: v for k, v in os.environ.items() if k != "LEDGER_DB"}
        env.update(
            LEDGER_DATABASE_URL=settings.url or "",
            LEDGER_PG_SCHEMA=settings.schema,
            LEDGER_INLINE_PROJECTION="0",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra_env or {})
        gunicorn = [
            sys.executable, "-m", "gunicorn", "web:create_app()",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers),
            "--timeout", "60", "--graceful-timeout", "10",
            "--log-level", "warning",
        ]  # fmt: skip
        if threads > 1:
            gunicorn += ["--worker-class", "gthread", "--threads", str(threads)]
        follower = [sys.executable, "-c", "from cli.main import main; main()", "project", "--follow"]
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        for name, cmd in (("follower", follower), ("gunicorn", gunicorn)):
            with open(self.logs[name], "wb") as log:
                self.procs[name] = subprocess.Popen(
                    cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )

    def groups(self) -> dict[str, int]:
        """Process group ids (each process leads its own group, workers included in gunicorn's)."""
        return {"server" if name == "gunicorn" else name: proc.pid for name, proc in self.procs.items()}

    def get(self, path: str, timeout: float = 5) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")

    def wait_healthy(self, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            try:
                status, body = self.get("/healthz")
                if status == 200:
                    return json.loads(body)  # type: ignore[no-any-return]
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no healthy /healthz after {timeout:.0f} s:\n{self.tail('gunicorn')}")
            time.sleep(0.2)

    def wait_caught_up(self, timeout: float) -> tuple[int, float]:
        """(events behind when asked, seconds until the follower caught up or gave up)."""
        t = time.perf_counter()
        first = None
        while time.perf_counter() - t < timeout:
            behind = int(self.wait_healthy()["projection"]["behind"])
            first = behind if first is None else first
            if behind == 0:
                break
            time.sleep(0.2)
        return first or 0, time.perf_counter() - t

    def tail(self, name: str, lines: int = 40) -> str:
        try:
            return "\n".join(self.logs[name].read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def problems(self) -> dict[str, tuple[int, str]]:
        """Per log: (tracebacks and ERROR lines, the first traceback)."""
        found = {}
        for name, path in self.logs.items():
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            count = text.count("Traceback (most recent call last)") + text.count("[ERROR]")
            first = ""
            if "Traceback (most recent call last)" in text:
                start = text.index("Traceback (most recent call last)")
                first = "\n".join(text[start:].splitlines()[:60])
            if count:
                found[name] = (count, first)
        return found

    def stop(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                say(f"[yellow]{name} did not stop on SIGTERM; killing it[/yellow]")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


# ---------------------------------------------------------------------------------------- load


Request = tuple[str, str, bytes | None, dict[str, str]]


def scenarios(
    fixture: Fixture, read_as: str, period: str
) -> list[tuple[str, str, Callable[[random.Random], Request]]]:
    read_headers = {"Authorization": f"Bearer {fixture.tokens[read_as]}"}
    if read_as == "admin":
        read_headers[PURPOSE_HEADER] = "http benchmark"
    write_headers = {"Authorization": f"Bearer {fixture.tokens['admin']}", "Content-Type": "application/json"}
    encoded = [json.dumps(b, ensure_ascii=False).encode() for b in fixture.reports]

    def one_case(rng: random.Random) -> Request:
        return "GET", f"{API}/disputes/{rng.choice(fixture.case_ids)}", None, read_headers

    def town_list(rng: random.Random) -> Request:
        town, status = rng.choice(fixture.town_statuses)
        return "GET", f"{API}/disputes?region={town}&status={status}", None, read_headers

    def indicators(rng: random.Random) -> Request:
        return (
            "GET",
            f"{API}/indicators?region={fixture.county}&period={period}&level=town",
            None,
            read_headers,
        )

    def report(rng: random.Random) -> Request:
        return "POST", f"{API}/disputes", rng.choice(encoded), write_headers

    return [
        ("GET /disputes/{id}", "read", one_case),
        ("GET /disputes?region=town&status=", "read", town_list),
        (f"GET /indicators?region=county&period={period}&level=town", "read", indicators),
        ("POST /disputes (report)", "command", report),
    ]


def drive(
    port: int,
    name: str,
    kind: str,
    make: Callable[[random.Random], Request],
    *,
    clients: int,
    seconds: float,
    warmup: float,
    max_requests: int,
    seed: int,
    groups: dict[str, int],
) -> Run:
    """``clients`` threads, each on its own connection (kept alive unless the server closes it:
    gunicorn's sync workers do after every answer), send requests back to back; those that start
    within ``warmup`` are not counted. Each client stops after ``max_requests`` or when the time
    is up. ``groups``: the server's process groups, whose CPU is measured."""
    run = Run(name, kind)
    lock = threading.Lock()
    start = time.perf_counter()
    counted_from, deadline = start + warmup, start + warmup + seconds

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies: list[float] = []
        errors: Counter[str] = Counter()
        samples: dict[str, str] = {}
        try:
            for _ in range(max_requests):
                t = time.perf_counter()
                if t >= deadline:
                    break
                method, path, body, headers = make(rng)
                try:
                    conn.request(method, path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    outcome, ok = str(resp.status), 200 <= resp.status < 300
                except (OSError, http.client.HTTPException) as e:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    outcome, ok, data = type(e).__name__, False, str(e).encode()
                elapsed = time.perf_counter() - t
                if t < counted_from:
                    continue
                latencies.append(elapsed)
                if not ok:
                    errors[outcome] += 1
                    samples.setdefault(outcome, f"{method} {path}: {data[:300].decode(errors='replace')}")
        finally:
            conn.close()
            with lock:
                run.latencies += latencies
                run.errors.update(errors)
                for k, v in samples.items():
                    run.samples.setdefault(k, v)

    pool = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for th in pool:
        th.start()
    time.sleep(max(0.0, counted_from - time.perf_counter()))
    with Meter(groups) as meter:
        for th in pool:
            th.join(seconds + 60)
    return meter.into(run)


def reads_while_writing(server: Server, fixture: Fixture, args: argparse.Namespace) -> list[Run]:
    """The list and the indicator table read by ``clients - writers`` clients while ``writers``
    clients report disputes all along: the views move on every follower batch, so the query
    cache keeps being emptied and the reads pay for their queries again."""
    made = scenarios(fixture, args.read_as, args.period)
    report = made[3][2]
    runs = []
    for i, (name, kind, make) in enumerate(made[1:3]):
        label = f"{name} while {args.writers} clients report"
        say(f"{label}: {args.clients - args.writers} readers")
        writes: list[Run] = []

        def write(out: list[Run] = writes, seed: int = args.seed + 40 + i) -> None:
            out.append(
                drive(
                    server.port, "reports beside reads", "command", report,
                    clients=args.writers, seconds=args.seconds, warmup=args.warmup,
                    max_requests=args.max_requests, seed=seed, groups={},
                )
            )  # fmt: skip

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        run = drive(
            server.port, label, kind, make,
            clients=args.clients - args.writers, seconds=args.seconds, warmup=args.warmup,
            max_requests=args.max_requests, seed=args.seed + 30 + i, groups=server.groups(),
        )  # fmt: skip
        writer.join(args.seconds + 90)
        if writes:
            say(f"  beside it: {writes[0].requests:,} reports, {writes[0].ok_rate:,.1f}/s, p95 {writes[0].percentile(95):.1f} ms")
            run.name += f" ({writes[0].ok_rate:,.0f} reports/s)"
        runs.append(run)
    return runs


# ---------------------------------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    return "[green]met[/green]" if ok else "[red]missed[/red]"


def print_results(
    args: argparse.Namespace, fixture: Fixture, runs: list[Run], direct: list[Run], extra: list[str]
) -> None:
    out = Console(width=max(Console().width, 200))
    out.print()
    out.print(
        f"machine: {platform.platform()}  {platform.machine()}  cpus {os.cpu_count()}  python {platform.python_version()}"
    )
    out.print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC   store: PostgreSQL   events {fixture.events:,}   "
        f"cases {len(fixture.case_ids):,}   server: gunicorn -w {args.workers}"
        f"{f' gthread --threads {args.threads}' if args.threads > 1 else ' (sync)'} + ledger project --follow"
    )
    out.print(
        f"load: {args.clients} clients on loopback, {args.seconds:g} s per scenario after "
        f"{args.warmup:g} s warm-up; reads as {args.read_as}"
    )
    table = Table(box=box.MARKDOWN, show_edge=True)
    for col in (
        "scenario",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "cores: client / server / follower / pg / other",
        "machine busy",
        "target",
    ):
        table.add_column(col, justify="left" if col in ("scenario", "target") else "right")
    for run in [*runs, *direct]:
        p95 = run.percentile(95)
        if run.kind == "read":
            target = f"p95 ≤ {READ_P95_MS:g} ms: {verdict(p95 <= READ_P95_MS and not run.error_count)}"
        elif run.kind == "command":
            target = f"p95 ≤ {COMMAND_P95_MS:g} ms: {verdict(p95 <= COMMAND_P95_MS and not run.error_count)}"
        else:
            target = ""
        errors = f"[red]{run.error_count}[/red]" if run.error_count else "0"
        table.add_row(
            run.name, f"{run.requests:,}", errors, f"{run.ok_rate:,.1f}",
            f"{run.percentile(50):.1f}", f"{p95:.1f}", f"{run.percentile(99):.1f}",
            " / ".join(f"{run.cores.get(k, 0):.2f}" for k in ("client", "server", "follower", "postgres", "other")),
            f"{run.machine_busy:.0%}", target,
        )  # fmt: skip
    out.print(table)
    commands = [r for r in runs if r.kind == "command"]
    if commands and direct:
        http_rate = commands[0].ok_rate
        best = max(direct, key=lambda r: r.ok_rate)
        ratios = "   ".join(f"÷ {r.name}: {http_rate / r.ok_rate:.2f}" for r in direct if r.ok_rate)
        ok = best.ok_rate > 0 and http_rate / best.ok_rate >= COMMAND_RATIO
        out.print(
            f"HTTP command throughput {http_rate:,.1f}/s   {ratios}   "
            f"target ≥ {COMMAND_RATIO:g} × the faster direct: {verdict(ok)}"
        )
    for run in [*runs, *direct]:
        for outcome, count in run.errors.most_common():
            out.print(
                f"[red]errors[/red] {run.name}: {count} × {outcome}; first: {run.samples.get(outcome, '')}"
            )
    for line in extra:
        out.print(line)


# ---------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="about this many events in the store")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3, help="uncounted seconds before each scenario")
    parser.add_argument(
        "--clients", type=int, default=16, help="concurrent HTTP clients (and direct threads)"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (>1: gthread worker class)"
    )
    parser.add_argument("--max-requests", type=int, default=200_000, help="per client per scenario")
    parser.add_argument("--direct-count", type=int, default=3000, help="reports per direct measurement")
    parser.add_argument("--direct-seconds", type=float, default=30, help="time bound per direct measurement")
    parser.add_argument("--period", default="2026-Q1")
    parser.add_argument(
        "--read-as",
        choices=["reader", "admin"],
        default="reader",
        help="reader: masked, nothing logged; admin: declares X-Access-Purpose (reads may be access-logged)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--writers", type=int, default=2,
        help="then read the list and indicators again while this many of the clients report (0: skip)",
    )  # fmt: skip
    parser.add_argument(
        "--uncached", action=argparse.BooleanOptionalAction, default=True,
        help="then restart the server with the query cache off and read the list and indicators again",
    )  # fmt: skip
    args = parser.parse_args()

    started = time.perf_counter()
    server: Server | None = None
    runs: list[Run] = []
    direct: list[Run] = []
    extra: list[str] = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("LEDGER_BENCH_DIR")) as workdir:
        settings = settings_for("postgres", f"http{args.events}", workdir)
        say(f"schema {settings.schema} on {PG_URL}")
        try:
            fixture = prepare(settings, args.events, args.seed)
            for threads in (1, args.clients):
                say(f"direct Ledger.report, {threads} thread(s)")
                direct.append(
                    direct_reports(settings, fixture, threads, args.direct_count, args.direct_seconds)
                )
            from projections.runner import ViewRunner

            ledger = Ledger(settings=settings)
            runner = ViewRunner(ledger)
            try:
                runner.catch_up()  # the direct reports, so the follower starts with nothing to do
            finally:
                runner.close()
                ledger.close()

            vacuum_analyze(settings)
            server = Server(settings, workdir, workers=args.workers, threads=args.threads)
            health = server.wait_healthy()
            say(f"server on 127.0.0.1:{server.port}: {health}")
            for i, (name, kind, make) in enumerate(scenarios(fixture, args.read_as, args.period)):
                server.check_alive()
                say(f"{name}: {args.clients} clients, {args.warmup:g} + {args.seconds:g} s")
                run = drive(
                    server.port, name, kind, make,
                    clients=args.clients, seconds=args.seconds, warmup=args.warmup,
                    max_requests=args.max_requests, seed=args.seed + i, groups=server.groups(),
                )  # fmt: skip
                say(
                    f"  {run.requests:,} requests, {run.error_count} errors, {run.ok_rate:,.1f}/s, "
                    f"p95 {run.percentile(95):.1f} ms"
                )
                runs.append(run)
                if kind == "command":
                    behind, waited = server.wait_caught_up(120)
                    extra.append(
                        f"follower: {behind:,} events behind after the commands, caught up in {waited:.1f} s"
                    )
            server.check_alive()
            if args.writers:
                runs += reads_while_writing(server, fixture, args)
            if args.uncached:
                server.stop()
                extra += [f"{name}: {count} tracebacks / ERROR lines" for name, (count, _) in server.problems().items()]
                server = Server(settings, workdir, workers=args.workers, threads=args.threads,
                                extra_env={"LEDGER_QUERY_CACHE_ENTRIES": "0"})
                server.wait_healthy()
                for i, (name, kind, make) in enumerate(scenarios(fixture, args.read_as, args.period)[1:3]):
                    say(f"{name}, query cache off: {args.clients} clients")
                    run = drive(
                        server.port, f"{name} (query cache off)", kind, make,
                        clients=args.clients, seconds=args.seconds, warmup=args.warmup,
                        max_requests=args.max_requests, seed=args.seed + 20 + i, groups=server.groups(),
                    )  # fmt: skip
                    runs.append(run)
                server.check_alive()
        finally:
            if server is not None:
                server.stop()
                for name, (count, first) in server.problems().items():
                    extra.append(f"[red]{name} log: {count} tracebacks / ERROR lines[/red]\n{first}")
                    say(extra[-1])
            drop(settings)
            say(f"schema {settings.schema} dropped; {time.perf_counter() - started:,.0f} s in all")
    print_results(args, fixture, runs, direct, extra)


if __name__ == "__main__":
    main()
