"""A server process killed in the middle of a command with an Idempotency-Key, on both stores.

The command runs in a child process (forked, with its own app and store connections) that dies
with os._exit — no cleanup, no rollback of its own, like SIGKILL — at one of two moments:
- after the commit, before any answer: the retry, in a fresh app, replays and writes nothing;
- after the rows are inserted but before the commit: the store rolls the transaction back, and
  the retry writes the command exactly once (a second retry replays it).
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from application.config import StoreSettings
from tests.support import VILLAGE_COMMITTEE, World
from tests.web.helpers import Http, report_body
from tests.web.writes import writes
from web import close_app, create_app

KILLED = 77
ASSIGN = {"route": "peoples_mediation", "organisation_code": VILLAGE_COMMITTEE}


def _die_after(function: Any) -> Any:
    def then_die(*args: Any, **kwargs: Any) -> Any:
        function(*args, **kwargs)
        os._exit(KILLED)

    return then_die


def _arm(app: Any, moment: str) -> None:
    recorder = app.extensions["ledger"].recorder
    if moment == "after_commit":
        recorder.insert_events = _die_after(recorder.insert_events)
    elif hasattr(recorder, "_fetch_ids_after_insert_events"):
        # PostgreSQL: the rows are inserted and checked, the transaction still open.
        recorder._fetch_ids_after_insert_events = _die_after(recorder._fetch_ids_after_insert_events)
    else:
        # SQLite: the rows are inserted inside the BEGIN that insert_events commits afterwards.
        recorder._insert_events = _die_after(recorder._insert_events)


def _send(http: Http, command: str, case_id: str | None) -> Any:
    if command == "report":
        return http.post("/disputes", "recorder", report_body(), Idempotency_Key="crash-key")
    return http.do(str(case_id), command, "recorder", ASSIGN, Idempotency_Key="crash-key")


def _child(store: StoreSettings, world: World, moment: str, command: str, case_id: str | None) -> None:
    try:
        app = create_app({"STORE_SETTINGS": store, "CLOCK": world.clock})
        _arm(app, moment)
        _send(Http(app.test_client(), world), command, case_id)
    finally:
        os._exit(0)  # not killed where it should have been: the test sees exit code 0


def _run_and_kill(store: StoreSettings, world: World, moment: str, command: str, case_id: str | None) -> None:
    process = multiprocessing.get_context("fork").Process(
        target=_child, args=(store, world, moment, command, case_id)
    )
    process.start()
    process.join(timeout=120)
    assert process.exitcode == KILLED, f"the child was not killed {moment} (exit code {process.exitcode})"


def test_killed_after_the_commit_the_retry_replays_and_writes_nothing(
    store: StoreSettings, world: World
) -> None:
    command = "assign"  # (report takes the same path to the store: Ledger._save)
    case_id = str(world.report().id)
    before = writes(world)
    _run_and_kill(store, world, "after_commit", command, case_id)
    assert writes(world) - before == {"case": 1, "receipt": 1}
    crashed = writes(world)
    world.clock.advance(minutes=5)
    app = create_app({"TESTING": True, "STORE_SETTINGS": store, "CLOCK": world.clock})
    try:
        retry = _send(Http(app.test_client(), world), command, case_id)
    finally:
        close_app(app)
    assert retry.status_code == (201 if command == "report" else 200), retry.json
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert writes(world) == crashed
    case = world.ledger.get_case(retry.json["id"])
    assert (retry.json["version"], retry.json["status"]) == (case.version, case.status)


def test_killed_before_the_commit_the_retry_writes_once(store: StoreSettings, world: World) -> None:
    command, case_id = "report", None
    before = writes(world)
    _run_and_kill(store, world, "before_commit", command, case_id)
    assert writes(world) == before
    app = create_app({"TESTING": True, "STORE_SETTINGS": store, "CLOCK": world.clock})
    try:
        http = Http(app.test_client(), world)
        retry = _send(http, command, case_id)
        assert retry.status_code == (201 if command == "report" else 200), retry.json
        assert "Idempotent-Replayed" not in retry.headers
        assert writes(world) - before == {"case": 1, "receipt": 1}
        again = _send(http, command, case_id)
        assert (again.headers["Idempotent-Replayed"], again.get_data()) == ("true", retry.get_data())
        assert writes(world) - before == {"case": 1, "receipt": 1}
    finally:
        close_app(app)
