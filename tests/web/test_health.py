"""/healthz and the reads when the views cannot be trusted.

Degraded: an event fails to project (tests/projection_faults.py puts the fault in its handler);
reads that need views past it answer 503 projection_failed, never the views as they are as if
fresh, and /healthz names the event. Stalled: the views are behind the store and have not moved
for LEDGER_STALL_SECONDS, judged from the views' database (a follower in another process writes
when it moved them and, when idle, that it found them caught up) against the app's clock.
Every 503 is checked against the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from eventsourcing.persistence import OperationalError

import projections.case_views
from projections.runner import ProjectionFailed, ViewRunner
from tests.projection_faults import failing_projection
from tests.support import T0, World
from tests.web.helpers import API, Http, assert_error, both_stores

INLINE = {"INLINE_PROJECTION": True}
FOLLOWER = {"INLINE_PROJECTION": False, "READ_WAIT_SECONDS": 0.01}
_document: list[Any] = []  # the OpenAPI document depends on the code only: read once


def _documented(http: Http, path: str, response: Any) -> None:
    """The answer is one the app's own OpenAPI document allows (status, schema, headers)."""
    if not _document:
        _document.append(schemathesis.openapi.from_dict(http.client.get(f"{API}/openapi.json").json))
    _document[0][API + path]["GET"].validate_response(response)


def _health(http: Http, status: int) -> dict[str, Any]:
    response = http.client.get(f"{API}/healthz")
    assert response.status_code == status, response.json
    _documented(http, "/healthz", response)
    root = http.client.get("/healthz")
    assert (root.status_code, root.json["status"]) == (status, response.json["status"])
    return response.json  # type: ignore[no-any-return]


@both_stores
@pytest.mark.parametrize("app_config", [INLINE])
def test_a_failing_event_makes_inline_reads_503_and_health_degraded_until_it_is_fixed(
    http: Http, world: World, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.extensions["ledger_views"].first_retry = 0.0  # every read tries the event again
    first = http.report().json["id"]
    fault = failing_projection(monkeypatch)
    bad = world.event_count() + 1
    fault.fail_at(bad)
    poisoned = http.report()  # the write itself is stored: projecting it is what fails
    assert int(poisoned.headers["X-Ledger-Position"]) == bad

    for path in ("/disputes", f"/disputes/{first}", "/indicators"):
        response = http.get(path, "supervisor", {"period": "2026-03"} if path == "/indicators" else None)
        body = assert_error(response, 503, "projection_failed")
        assert (body["position"], body["failed_position"]) == (bad - 1, bad), body
        assert response.headers["Retry-After"]
        # A reader of another region must not learn the case's id from it.
        assert poisoned.json["id"] not in body["message"]
    _documented(http, "/disputes", http.get("/disputes", "reader"))

    health = _health(http, 503)
    assert (health["status"], health["code"], health["mode"]) == ("degraded", "projection_failed", "inline")
    failure = health["failure"]
    assert (failure["position"], failure["case_id"], failure["version"]) == (bad, poisoned.json["id"], 1)
    assert failure["error"] == "OverflowError" and failure["attempts"] >= 4
    assert health["projection"] == {"position": bad - 1, "head": bad, "behind": 1}

    fault.heal()
    listed = http.get("/disputes", "reader")
    assert listed.status_code == 200, listed.json
    assert {first, poisoned.json["id"]} <= {item["id"] for item in listed.json["items"]}
    health = _health(http, 200)
    assert health["status"] == "ok" and "failure" not in health
    assert app.extensions["ledger_views"].failure() is None


@pytest.mark.parametrize("app_config", [FOLLOWER])
def test_with_a_follower_a_read_past_the_failing_event_answers_503_at_once(
    http: Http, world: World, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    follower = ViewRunner(world.ledger)
    try:
        first = http.report().json["id"]
        follower.catch_up()
        fault = failing_projection(monkeypatch)
        fault.fail_at(world.event_count() + 1)
        poisoned = http.report()
        position = poisoned.headers["X-Ledger-Position"]
        with pytest.raises(ProjectionFailed):
            follower.catch_up()
        raised = fault.raised
        response = http.get("/disputes", "reader", X_Ledger_Position=position)
        body = assert_error(response, 503, "projection_failed")
        assert body["failed_position"] == int(position) and body["position"] == int(position) - 1
        assert fault.raised == raised, "the web worker waited or projected instead of answering at once"
        _documented(http, "/disputes", response)
        # Asking for an earlier position is served: the views have it.
        earlier = http.get(f"/disputes/{first}", "reader", X_Ledger_Position=str(int(position) - 1))
        assert earlier.status_code == 200, earlier.json
        health = _health(http, 503)
        assert (health["status"], health["mode"]) == ("degraded", "follower")
        assert health["failure"]["case_id"] == poisoned.json["id"]
    finally:
        follower.close()


@both_stores
@pytest.mark.parametrize("app_config", [FOLLOWER])
def test_views_behind_the_store_and_not_moving_are_stalled(
    http: Http, world: World, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_STALL_SECONDS", "10")
    follower = ViewRunner(world.ledger)  # another process's follower, on the same clock
    try:
        follower.catch_up()
        assert _health(http, 200)["progress"]["stall_seconds"] == 10

        # A write has just arrived: behind, but not stalled.
        http.report()
        health = _health(http, 200)
        assert health["projection"]["behind"] > 0 and health["progress"]["stalled_for"] is None

        # Nobody projects it (the follower died): after LEDGER_STALL_SECONDS, stalled.
        world.clock.advance(seconds=11)
        health = _health(http, 503)
        assert (health["status"], health["code"]) == ("stalled", "projection_stalled"), health
        assert health["progress"]["stalled_for"] == 11.0
        assert health["progress"]["last_progress_at"].startswith(T0.strftime("%Y-%m-%dT%H:%M:%S"))
        assert health.get("failure") is None

        follower.catch_up()
        assert _health(http, 200)["projection"]["behind"] == 0

        # An idle follower says it is alive, so a write after a long quiet is not a stall.
        world.clock.advance(seconds=600)
        assert follower.catch_up() == 0
        http.report()
        world.clock.advance(seconds=5)
        assert _health(http, 200)["progress"]["stalled_for"] is None

        # A follower that cannot write its views (the store refuses) is stalled, not degraded:
        # no event is to blame.
        def refused(*args: Any, **kwargs: Any) -> None:
            raise OperationalError("could not serialize access")

        monkeypatch.setattr(projections.case_views.LedgerViews, "process_batch", refused)
        with pytest.raises(OperationalError):
            follower.catch_up()
        world.clock.advance(seconds=11)
        health = _health(http, 503)
        assert health["status"] == "stalled" and follower.failure() is None
    finally:
        follower.close()
