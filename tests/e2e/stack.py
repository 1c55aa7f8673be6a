"""gunicorn beside `ledger project --follow` on PostgreSQL, as real processes, for end-to-end tests:
the demo county loaded, one actor per role, each process's output in a log file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.client import Client, free_port
from tests.support import PG_URL, postgres_available, postgres_schema

BIN = Path(sys.executable).parent
LEDGER = str(BIN / "ledger")
GUNICORN = str(BIN / "gunicorn")
TOWN = "621199001"
VILLAGE = "621199001001"
ORGANISATION = "ORG621199001001"
COUNTY = "621199"


def _stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, then SIGKILL to its whole process group if it has not exited within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    return process.returncode


class Stack(Client):
    def __init__(self, base: str, tokens: dict[str, str], logs: Path, processes: dict[str, Any]):
        super().__init__(base, tokens)
        self.logs = logs
        self.processes = processes

    def output(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()}" for p in sorted(self.logs.glob("*.log")))

    def stop(self) -> dict[str, int]:
        return {name: _stop(p) for name, p in reversed(self.processes.items())}


@contextmanager
def running_stack(tmp_path: Path, *, workers: int, env: dict[str, str] | None = None) -> Iterator[Stack]:
    """The stack on a fresh schema of the test server; ``env`` adds settings for gunicorn."""
    reason = postgres_available()
    if reason:
        if os.environ.get("LEDGER_TEST_POSTGRES") == "required":
            pytest.fail(f"PostgreSQL tests are required here: {reason}")
        pytest.skip(reason)
    with postgres_schema() as schema:
        base_env = {**os.environ, "LEDGER_DATABASE_URL": PG_URL, "LEDGER_PG_SCHEMA": schema}
        base_env.pop("LEDGER_INLINE_PROJECTION", None)  # the default on PostgreSQL: follower mode

        def ledger(*args: str) -> str:
            done = subprocess.run(
                [LEDGER, *args], env=base_env, cwd=tmp_path, capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 0, (args, done.stdout, done.stderr)
            return done.stdout

        ledger("init", "--reference", "demo")
        actors = {
            "recorder": ["--region", TOWN],
            "mediator": ["--region", TOWN, "--organisation", ORGANISATION],
            "supervisor": ["--region", COUNTY],
        }
        tokens = {
            role: ledger("actors", "add", f"e2e-{role}", "--role", role, *scope).strip().splitlines()[-1]
            for role, scope in actors.items()
        }

        port = free_port()
        processes: dict[str, subprocess.Popen[bytes]] = {}
        stack = Stack(f"http://127.0.0.1:{port}/api/v1", tokens, tmp_path, processes)

        def start(name: str, *command: str, extra: dict[str, str] | None = None) -> None:
            with (tmp_path / f"{name}.log").open("wb") as out:
                processes[name] = subprocess.Popen(
                    command,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env={**base_env, **(extra or {})},
                    cwd=tmp_path,
                    start_new_session=True,
                )

        try:
            start("follower", LEDGER, "project", "--follow")
            start(
                "gunicorn",
                GUNICORN,
                "web:create_app()",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--access-logfile",
                str(tmp_path / "access.log"),
                "--access-logformat",
                "%(p)s %(r)s %(s)s",
                extra=env,
            )
            deadline = time.monotonic() + 60
            while True:
                for name, process in processes.items():
                    assert process.poll() is None, f"{name} exited\n{stack.output()}"
                try:
                    with urllib.request.urlopen(f"{stack.base}/healthz", timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"no /healthz within 60 s\n{stack.output()}"
                time.sleep(0.1)
            yield stack
        finally:
            stack.stop()
