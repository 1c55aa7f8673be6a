"""Fault injection: every step a command takes after its commit is made to fail in turn.

A step fails only once the command's event is in the store (before, a failure writes nothing,
which the other tests cover). The client must not be told that nothing happened: the first
answer stands when it could be built; and in every case the retry with the same
Idempotency-Key answers the command's result and writes nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import web.auth
from application.ledger import Ledger
from tests.web.helpers import Http, both_stores, report_body
from tests.web.writes import writes
from web.auth import mask_personal
from web.disputes import routes


class Injected(RuntimeError):
    pass


@dataclass
class Faults:
    """Which step fails, and whether this request has committed yet."""

    step: str | None = None
    committed: bool = False
    seen: list[str] = field(default_factory=list)

    def maybe_fail(self, step: str) -> None:
        if self.step == step and self.committed:
            self.seen.append(step)
            raise Injected(f"{step} failed after the commit")

    def wrap(self, step: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.maybe_fail(step)
            return function(*args, **kwargs)

        return wrapped


@pytest.fixture
def app_config() -> dict[str, Any]:
    # As in production: an unhandled error becomes a 500 answer rather than a test failure.
    return {"PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def faults(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Faults]:
    faults = Faults()
    ledger: Ledger = app.extensions["ledger"]
    insert_events = ledger.recorder.insert_events

    def inserting(*args: Any, **kwargs: Any) -> Any:
        ids = insert_events(*args, **kwargs)  # returns once the transaction is committed
        faults.committed = True
        return ids

    monkeypatch.setattr(ledger.recorder, "insert_events", inserting)
    # The library's own steps after recording (snapshots, notification), inside save().
    for step in ("_take_snapshots", "_notify"):
        monkeypatch.setattr(ledger, step, faults.wrap(f"save.{step}", getattr(ledger, step)))
    for step in ("from_case", "present", "url_for", "disclose_case"):
        monkeypatch.setattr(routes, step, faults.wrap(step, getattr(routes, step)))
    monkeypatch.setattr(routes.s.CaseState, "dump", faults.wrap("schema dump", routes.s.CaseState.dump))
    monkeypatch.setattr(routes.Prepared, "response", faults.wrap("response", routes.Prepared.response))
    monkeypatch.setattr(web.auth, "log_reads", faults.wrap("access log", web.auth.log_reads))

    @app.after_request
    def hook(response: Any) -> Any:
        faults.maybe_fail("after_request")
        return response

    yield faults


#: Steps of building the answer: they run before the commit, so they never fail after it.
BEFORE_COMMIT = ("from_case", "present", "url_for", "schema dump")
#: After the commit, with the answer already built: it stands, key or no key.
ANSWER_BUILT = ("disclose_case", "access log", "after_request")
#: Inside the library's save, after the commit: no answer was built. With a key the 500 handler
#: finds the receipt and answers the command; without one the client gets a 500.
FOUND_BY_KEY = ("save._take_snapshots", "save._notify")
#: Building the response itself: no answer can be sent; the retry with the key gets it.
NO_ANSWER = ("response",)
ANSWER_STANDS = (*BEFORE_COMMIT, *ANSWER_BUILT, *FOUND_BY_KEY)
PURPOSE = {"X-Access-Purpose": "case%20review"}


def _send(http: Http, command: str, case_id: str | None, key: str | None, **headers: str) -> Any:
    if key is not None:
        headers["Idempotency-Key"] = key
    if command == "report":
        return http.post("/disputes", "recorder", report_body(), **headers)
    body = {"instruction": "三日内调处", "due_at": "2026-03-10T00:00:00+08:00"}
    return http.do(str(case_id), command, "supervisor", body, **headers)


@both_stores
def test_a_failure_after_the_commit_never_leads_to_a_second_write(
    http: Http, world: Any, faults: Faults
) -> None:
    case_id = http.report().json["id"]
    for command, step in itertools.product(("report", "add-supervision-note"), (*ANSWER_STANDS, *NO_ANSWER)):
        success = 201 if command == "report" else 200
        key = f"{command}-{step}"
        before = writes(world)
        faults.step, faults.committed = step, False
        first = _send(http, command, case_id, key, **PURPOSE)
        faults.step = None
        written = writes(world) - before
        assert written == {"case": 1, "receipt": 1}, (step, written)
        # The answer's rendering happens before the commit; every other step is reached after it.
        reached = bool(faults.seen) and faults.seen[-1] == step
        assert reached == (step not in BEFORE_COMMIT), (step, faults.seen)
        retry = _send(http, command, case_id, key, **PURPOSE)
        assert writes(world) - before == written, step
        assert retry.status_code == success, (step, retry.json)
        assert retry.headers["Idempotent-Replayed"] == "true", step
        if step in ANSWER_STANDS:
            assert first.status_code == success, (step, first.json)
            assert "Idempotent-Replayed" not in first.headers
            for header in ("ETag", "X-Ledger-Position", "Location"):
                assert retry.headers.get(header) == first.headers.get(header), (step, header)
            # A failed disclosure (the access log is written by save() too) leaves the first
            # answer masked; the retry discloses again.
            assert mask_personal(retry.json) == mask_personal(first.json), step
            if step in (*BEFORE_COMMIT, "after_request"):
                assert retry.get_data() == first.get_data(), step
        else:
            assert (first.status_code, first.json["code"]) == (500, "internal_error"), step
            again = _send(http, command, case_id, key, **PURPOSE)
            assert again.get_data() == retry.get_data(), step


def test_without_a_key_a_failure_after_the_commit_still_answers_the_write(
    http: Http, world: Any, faults: Faults
) -> None:
    """No key to replay with: the answer the client gets is the command's, so it does not resend."""
    case_id = http.report().json["id"]
    for step in (*BEFORE_COMMIT, *ANSWER_BUILT, *FOUND_BY_KEY):
        before = writes(world)
        faults.step, faults.committed = step, False
        answer = _send(http, "add-supervision-note", case_id, None, **PURPOSE)
        faults.step = None
        if step in FOUND_BY_KEY:
            # The one residual: nothing tells this request's failure from a failure before the
            # commit. The error says so; a client that must retry safely sends a key.
            assert (answer.status_code, answer.json["code"]) == (500, "internal_error"), step
            assert writes(world) - before == {"case": 1}, step
            continue
        assert answer.status_code == 200, (step, answer.json)
        assert writes(world) - before == {"case": 1}, step
        assert answer.json["version"] == int(answer.headers["ETag"].strip('"')), step
        assert answer.json["version"] == world.ledger.get_case(case_id).version, step
