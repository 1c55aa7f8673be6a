"""`ledger serve` as a real process on a free port: a dispute from report to archive over HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.client import Client, free_port

LEDGER = str(Path(sys.executable).with_name("ledger"))
VILLAGE = "621199001001"
ORGANISATION = "ORG621199001001"
COURT = "ORGC-COURT"


class Server(Client):
    pass


@pytest.fixture
def server(tmp_path: Path) -> Any:
    port = free_port()
    env = {**os.environ, "LEDGER_DB": str(tmp_path / "ledger.sqlite3")}
    env.pop("LEDGER_DATABASE_URL", None)
    out = (tmp_path / "serve.out").open("w")
    process = subprocess.Popen(
        [LEDGER, "serve", "--port", str(port), "--demo", "--demo-disputes", "5", "--demo-court-scale", "0.02"],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "serve.out").read_text()
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.out").read_text()
            time.sleep(0.2)
        text = (tmp_path / "serve.out").read_text()
        tokens = dict(
            re.findall(r"^(recorder|mediator|judge|supervisor|auditor|reader|admin): (\S+)$", text, re.M)
        )
        assert len(tokens) == 7, text
        yield Server(base, tokens)
    finally:
        process.terminate()
        process.wait(timeout=10)
        out.close()


def test_a_dispute_from_report_to_archive_against_a_running_server(server: Server) -> None:
    status, headers, health = server.call("GET", "/healthz")
    assert (status, health["status"]) == (200, "ok")

    report = {
        "source": "walk_in",
        "category": "neighbour",
        "region_code": VILLAGE,
        "summary": "两户因宅基地排水沟发生相邻纠纷",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "张建国", "phone": "13812341234"},
            {"role": "respondent", "kind": "person", "name": "李秀英"},
        ],
        "people_involved": 2,
    }
    status, headers, case = server.call("POST", "/disputes", "recorder", report)
    assert status == 201, case
    case_id = case["id"]
    assert headers["Location"] == f"/api/v1/disputes/{case_id}"

    steps = [
        ("assign", "recorder", {"route": "peoples_mediation", "organisation_code": ORGANISATION}, "assigned"),
        ("accept", "mediator", {}, "accepted"),
        (
            "hold-session",
            "mediator",
            {"mode": "onsite", "participants": ["张建国"], "summary": "调解"},
            "mediating",
        ),
        ("record-agreement", "mediator", {"terms": "分期赔偿", "amount": "500.00"}, "agreed"),
        ("request-confirmation", "mediator", {"court_code": COURT, "online": False, "applicants": ["张建国", "李秀英"]}, "confirmation_pending"),
        ("decide-confirmation", "judge", {"granted": True, "reason": "协议合法"}, "confirmed"),
        ("record-performance", "mediator", {"performed": "full"}, "confirmed"),
        ("close", "mediator", {"summary": "已化解"}, "closed"),
        ("follow-up", "mediator", {"satisfaction": "satisfied", "relapse": False}, "closed"),
        ("archive", "supervisor", {"archive_number": "E2E-1"}, "archived"),
    ]
    for command, who, body, expected in steps:
        status, headers, case = server.call("POST", f"/disputes/{case_id}/{command}", who, body)
        assert (status, case.get("status")) == (200, expected), (command, case)
    assert case["version"] == 11 and headers["ETag"] == '"11"'

    status, _, seen = server.call("GET", f"/disputes/{case_id}", "reader")
    assert (status, seen["status"], seen["parties"][0]["name"]) == (200, "archived", "张**")
    status, _, history = server.call(
        "GET", f"/disputes/{case_id}/history", "auditor", headers={"X-Access-Purpose": quote("年度抽查")}
    )
    assert [e["command"] for e in history["events"]] == ["report"] + [s[0] for s in steps]
    status, _, log = server.call("GET", f"/audit/access-log?dispute={case_id}", "auditor")
    assert status == 200
    assert [(r["actor_id"], r["purpose"]) for r in log["items"]][-1] == ("demo-auditor", "年度抽查")
    status, _, refused = server.call("POST", f"/disputes/{case_id}/reopen", "reader", {"reason": "x"})
    assert (status, refused["code"]) == (403, "forbidden")
