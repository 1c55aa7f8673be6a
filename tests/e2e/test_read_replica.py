"""Reads from a PostgreSQL streaming replica (LEDGER_READ_DATABASE_URL): gunicorn reads its views
from the replica while commands go to the primary. A write is read back through the replica by
its X-Ledger-Position; with replay paused there the same read waits and answers 503
projection_behind (so it really is the replica that answered); with the replica stopped, reads
answer 503 read_replica_unavailable and commands still work.

The replica is a second cluster on this machine, set up by `bash .ci/replica start` (.ci/run does
it). Required in CI with the other PostgreSQL tests; elsewhere it skips with that instruction."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.e2e.stack import VILLAGE, Stack, running_stack
from tests.support import PG_URL

pytestmark = pytest.mark.postgres

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "replica"
REPLICA_URL = os.environ.get("LEDGER_TEST_REPLICA_URL", "postgresql://postgres@127.0.0.1:5433/test")


def _replica_reason() -> str | None:
    try:
        with psycopg.connect(REPLICA_URL, connect_timeout=3, autocommit=True) as conn:
            row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    except psycopg.Error as e:
        return f"no streaming replica at {REPLICA_URL} ({type(e).__name__}); run `bash .ci/replica start`"
    if not row or not row[0]:
        return f"{REPLICA_URL} answers but is not a standby (pg_is_in_recovery is false)"
    return None


def _replica_sql(sql: str) -> None:
    with psycopg.connect(REPLICA_URL, connect_timeout=3, autocommit=True) as conn:
        conn.execute(sql)


def _replica(action: str) -> None:
    subprocess.run(["bash", str(SCRIPT), action], check=True, capture_output=True, timeout=120)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    reason = _replica_reason()
    if reason:
        if os.environ.get("LEDGER_TEST_POSTGRES") == "required":
            pytest.fail(f"the read-replica test is required here: {reason}")
        pytest.skip(reason)
    env = {"LEDGER_READ_DATABASE_URL": REPLICA_URL, "LEDGER_READ_WAIT_SECONDS": "2"}
    try:
        with running_stack(tmp_path, workers=2, env=env) as running:
            yield running
    finally:
        # Leave the replica as found: running, replaying.
        if _replica_reason() is None:
            _replica_sql("SELECT pg_wal_replay_resume()")
        else:
            _replica("resume")


def _report(stack: Stack, summary: str) -> str:
    body = {
        "source": "walk_in",
        "category": "neighbour",
        "region_code": VILLAGE,
        "summary": summary,
        "parties": [{"role": "applicant", "kind": "person", "name": "王小红", "phone": "13912345678"}],
        "people_involved": 2,
    }
    status, headers, case = stack.call("POST", "/disputes", "recorder", body)
    assert status == 201, case
    return headers["X-Ledger-Position"]


def _listed(stack: Stack, position: str) -> tuple[int, Any]:
    status, _, page = stack.call("GET", f"/disputes?region={VILLAGE}&per_page=100", "recorder", position=position)
    return status, page


def test_reads_come_from_the_replica_and_a_lost_replica_says_so(stack: Stack) -> None:
    status, _, health = stack.call("GET", "/healthz")
    assert (status, health["mode"]) == (200, "follower"), health

    first = _report(stack, "邻里通道堵塞引发争执")
    status, page = _listed(stack, first)
    assert status == 200, page
    assert [item["summary"] for item in page["items"]] == ["邻里通道堵塞引发争执"]

    # Replay paused on the replica: the primary has the write and its views, the replica not.
    _replica_sql("SELECT pg_wal_replay_pause()")
    second = _report(stack, "养殖异味影响邻居生活")
    status, page = _listed(stack, second)
    assert (status, page["code"]) == (503, "projection_behind"), page
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        assert conn.execute("SELECT 1").fetchone()  # the primary is fine all along
    _replica_sql("SELECT pg_wal_replay_resume()")
    status, page = _listed(stack, second)
    assert status == 200, page
    assert len(page["items"]) == 2

    _replica("stop")
    try:
        deadline = time.monotonic() + 30
        while True:
            status, _, page = stack.call("GET", f"/disputes?region={VILLAGE}", "recorder")
            if status != 200:
                break
            assert time.monotonic() < deadline, "reads still answered 200 with the replica stopped"
            time.sleep(0.2)
        assert (status, page["code"]) == (503, "read_replica_unavailable"), page
        assert page["message_zh"]
        # Commands go to the primary: they still work, and the write waits there for the replica.
        third = _report(stack, "承包地边界争议")
    finally:
        _replica("resume")
    deadline = time.monotonic() + 30
    while (answer := _listed(stack, third))[0] != 200:
        assert time.monotonic() < deadline, answer
        time.sleep(0.2)
    assert len(answer[1]["items"]) == 3
