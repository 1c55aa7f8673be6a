"""Production shape on PostgreSQL: `ledger project --follow` beside gunicorn with three workers,
as real processes. A dispute from report to archive over HTTP; after every command the case list
and the case read back the write by its X-Ledger-Position, whichever worker answers."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.stack import ORGANISATION, VILLAGE, Stack, running_stack

WORKERS = 3

pytestmark = pytest.mark.postgres


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path, workers=WORKERS) as running:
        yield running


def _wait_for_follower(stack: Stack, position: int) -> dict[str, Any]:
    """/healthz until the follower alone has brought the views to ``position`` (at most 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        status, _, health = stack.call("GET", "/healthz")
        assert status == 200, health
        if health["projection"]["position"] >= position:
            return health
        assert time.monotonic() < deadline, (position, health, stack.output())
        time.sleep(0.1)


def test_gunicorn_workers_beside_a_follower_read_their_writes(stack: Stack) -> None:
    status, _, health = stack.call("GET", "/healthz")
    assert (status, health["status"], health["mode"]) == (200, "ok", "follower"), health
    assert set(health["projection"]) == {"position", "head", "behind"}

    report = {
        "source": "walk_in",
        "category": "neighbour",
        "region_code": VILLAGE,
        "summary": "两户因宅基地排水沟发生相邻纠纷",
        "parties": [{"role": "applicant", "kind": "person", "name": "张建国", "phone": "13812341234"}],
        "people_involved": 2,
    }
    steps: list[tuple[str, str, dict[str, Any], str]] = [
        ("report", "recorder", report, "reported"),
        ("assign", "recorder", {"route": "peoples_mediation", "organisation_code": ORGANISATION}, "assigned"),
        ("accept", "mediator", {}, "accepted"),
        (
            "hold-session",
            "mediator",
            {"mode": "onsite", "participants": ["张建国", "李秀英"], "summary": "现场调解"},
            "mediating",
        ),
        ("record-agreement", "mediator", {"terms": "重修排水沟，费用各半", "amount": "800.00"}, "agreed"),
        ("close", "mediator", {"summary": "达成调解协议"}, "closed"),
        ("follow-up", "mediator", {"satisfaction": "satisfied", "relapse": False}, "closed"),
        ("archive", "supervisor", {"archive_number": "E2E-GUNICORN-1"}, "archived"),
    ]
    case_id = ""
    for version, (command, who, body, expected) in enumerate(steps, start=1):
        path = "/disputes" if command == "report" else f"/disputes/{case_id}/{command}"
        status, headers, case = stack.call("POST", path, who, body)
        assert (status, case.get("status")) == (201 if command == "report" else 200, expected), (
            command,
            case,
        )
        case_id, position = case["id"], headers["X-Ledger-Position"]
        assert case["version"] == version and int(position) == case["position"], (command, case, headers)

        if command == "archive":
            # No read has caught the views up to this write: only the follower can.
            health = _wait_for_follower(stack, int(position))
            assert health["projection"]["behind"] == 0, health

        query = f"/disputes?region={VILLAGE}&status={expected}&per_page=100"
        status, _, page = stack.call("GET", query, who, position=position)
        assert status == 200, (command, page)
        listed = {item["id"]: item for item in page["items"]}
        assert case_id in listed, (command, page)
        assert (listed[case_id]["status"], listed[case_id]["version"]) == (expected, version), command

        # Who no longer handles the case (the recorder once assigned, the supervisor) says why.
        purpose = {"X-Access-Purpose": quote("核对刚办理的事项")}
        status, headers, seen = stack.call(
            "GET", f"/disputes/{case_id}", who, position=position, headers=purpose
        )
        assert status == 200, (command, seen)
        assert (seen["status"], seen["version"]) == (expected, version), (command, seen)
        assert headers["ETag"] == f'"{version}"'
    assert seen["resolution"] == "mediated"

    status, _, health = stack.call("GET", "/healthz")
    assert health["projection"]["head"] >= int(position), health

    # Each request comes on its own connection. One after another they may all be taken by the
    # same idle worker; a burst of concurrent reads must reach several, and each reads the write.
    def served_by() -> set[str]:
        return {line.split()[0] for line in (stack.logs / "access.log").read_text().splitlines()}

    def read_back(_: int) -> tuple[int, Any]:
        status, _, page = stack.call("GET", f"/disputes/{case_id}", "supervisor", position=position, headers=purpose)
        return status, page.get("version")

    with ThreadPoolExecutor(max_workers=4 * WORKERS) as pool:
        for _ in range(10):
            answers = list(pool.map(read_back, range(4 * WORKERS)))
            assert set(answers) == {(200, len(steps))}, answers
            if len(served_by()) > 1:
                break
    assert len(served_by()) > 1, served_by()

    log = stack.output()
    assert not re.search(r"Traceback|WORKER TIMEOUT|Worker \(pid:\d+\) was sent", log), log
    assert stack.stop() == {"gunicorn": 0, "follower": 0}, stack.output()
