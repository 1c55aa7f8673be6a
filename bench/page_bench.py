"""The pages beside the API in one run: the dashboard (/ui/) and the case list (/ui/cases) as a
signed-in browser gets them, and the API answers they are drawn from, on the same store, server
and clients (gunicorn + `ledger project --follow` on PostgreSQL, as bench/http_bench.py).

    python -m bench.page_bench --events 1000000
    python -m bench.page_bench --events 100000 --seconds 10        # quicker, on a loaded machine

Each client signs in once through the form (CSRF token and all) and keeps its session cookie;
the pages are read as the reader role (personal data masked, nothing access-logged), the API
with the same actor's bearer token. Issue 15's target: page p95 ≤ 100 ms at 1e6 events with 16
clients. Prints one table; copy it into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

from rich import box
from rich.console import Console
from rich.table import Table

from bench.http_bench import API, Fixture, Request, Run, Server, drive, prepare, say, vacuum_analyze
from bench.projection_bench import PG_URL, drop, settings_for

PAGE_P95_MS = 100.0
SECRET_KEY = "page-bench"  # every gunicorn worker must sign and read the same cookies


def sign_in(port: int, token: str) -> str:
    """The Cookie header of a page session opened through the sign-in form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/ui/login")
        form = conn.getresponse()
        html = form.read().decode()
        cookie = form.getheader("Set-Cookie", "").split(";")[0]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert csrf and cookie, html[:500]
        body = urlencode({"token": token, "csrf_token": csrf.group(1)})
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        conn.request("POST", "/ui/login", body=body, headers=headers)
        signed = conn.getresponse()
        signed.read()
        assert signed.status == 302, signed.status
        return signed.getheader("Set-Cookie", "").split(";")[0]
    finally:
        conn.close()


def scenarios(fixture: Fixture, cookie: str, period: str) -> list[tuple[str, str, Callable[[random.Random], Request]]]:
    page = {"Cookie": cookie}
    api = {"Authorization": f"Bearer {fixture.tokens['reader']}"}

    def pair(rng: random.Random) -> str:
        town, status = rng.choice(fixture.town_statuses)
        return f"town={town}&status={status}"

    return [
        ("page GET /ui/?level=town", "page",
         lambda rng: ("GET", f"/ui/?region={fixture.county}&period={period}&level=town", None, page)),
        ("api  GET /indicators?level=town", "read",
         lambda rng: ("GET", f"{API}/indicators?region={fixture.county}&period={period}&level=town", None, api)),
        ("page GET /ui/cases?town=&status=", "page", lambda rng: ("GET", f"/ui/cases?{pair(rng)}", None, page)),
        ("api  GET /disputes?region=town&status=", "read",
         lambda rng: ("GET", f"{API}/disputes?{pair(rng).replace('town=', 'region=')}", None, api)),
    ]  # fmt: skip


def print_results(args: argparse.Namespace, fixture: Fixture, runs: list[Run]) -> None:
    out = Console(width=max(Console().width, 160))
    out.print()
    out.print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC   store: PostgreSQL   events {fixture.events:,}   "
        f"cases {len(fixture.case_ids):,}   cpus {os.cpu_count()}   server: gunicorn -w {args.workers} (sync) + follower"
    )
    out.print(f"load: {args.clients} clients, {args.seconds:g} s per scenario after {args.warmup:g} s warm-up; as reader")
    table = Table(box=box.MARKDOWN, show_edge=True)
    for col in ("scenario", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "machine busy", "target"):
        table.add_column(col, justify="left" if col in ("scenario", "target") else "right")
    for run in runs:
        p95 = run.percentile(95)
        target = ""
        if run.kind == "page":
            met = p95 <= PAGE_P95_MS and not run.error_count
            target = f"p95 ≤ {PAGE_P95_MS:g} ms: {'[green]met[/green]' if met else '[red]missed[/red]'}"
        table.add_row(
            run.name, f"{run.requests:,}", str(run.error_count), f"{run.ok_rate:,.1f}", f"{run.percentile(50):.1f}",
            f"{p95:.1f}", f"{run.percentile(99):.1f}", f"{run.machine_busy:.0%}", target,
        )  # fmt: skip
    out.print(table)
    for run in runs:
        for outcome, count in run.errors.most_common():
            out.print(f"[red]errors[/red] {run.name}: {count} × {outcome}; first: {run.samples.get(outcome, '')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="about this many events in the store")
    parser.add_argument("--seconds", type=float, default=15, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3, help="uncounted seconds before each scenario")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--max-requests", type=int, default=200_000, help="per client per scenario")
    parser.add_argument("--period", default="2026-Q1")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=os.environ.get("LEDGER_BENCH_DIR")) as workdir:
        settings = settings_for("postgres", f"page{args.events}", workdir)
        say(f"schema {settings.schema} on {PG_URL}")
        server: Server | None = None
        try:
            fixture = prepare(settings, args.events, args.seed)
            vacuum_analyze(settings)
            server = Server(settings, workdir, workers=args.workers, threads=1, extra_env={"LEDGER_SECRET_KEY": SECRET_KEY})
            server.wait_healthy()
            behind, waited = server.wait_caught_up(600)
            say(f"server up; follower {behind:,} behind, caught up in {waited:.1f} s")
            cookie = sign_in(server.port, fixture.tokens["reader"])
            runs = []
            for name, kind, make in scenarios(fixture, cookie, args.period):
                say(f"{name}: {args.clients} clients, {args.seconds:g} s")
                runs.append(
                    drive(server.port, name, kind, make, clients=args.clients, seconds=args.seconds, warmup=args.warmup,
                          max_requests=args.max_requests, seed=args.seed, groups=server.groups())  # fmt: skip
                )
            for name, (count, first) in server.problems().items():
                say(f"[red]{name} logged {count} problems[/red]\n{first}")
            print_results(args, fixture, runs)
        finally:
            if server is not None:
                server.stop()
            drop(settings)


if __name__ == "__main__":
    main()
