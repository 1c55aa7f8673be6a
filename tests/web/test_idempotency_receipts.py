"""Idempotency-Key: the key's receipt is saved with the command's event, so a retry anywhere
(another worker, a restarted server) replays the first answer and writes nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from application.config import StoreSettings
from tests.web.helpers import Http, assert_error, both_stores, report_body
from tests.web.writes import writes
from web import close_app, create_app

NOTE = {"instruction": "三日内调处", "due_at": "2026-03-10T00:00:00+08:00"}
KEPT = ("ETag", "X-Ledger-Position", "Location")


@contextmanager
def another_server(store: StoreSettings, world: Any) -> Iterator[Http]:
    """A second app on the same store: another worker, or the server after a restart."""
    app = create_app({"TESTING": True, "STORE_SETTINGS": store, "CLOCK": world.clock})
    try:
        yield Http(app.test_client(), world)
    finally:
        close_app(app)


@both_stores
def test_a_retry_elsewhere_replays_the_first_answer_with_its_status_and_headers(
    http: Http, world: Any, store: StoreSettings
) -> None:
    before = writes(world)
    reported = http.post("/disputes", "recorder", report_body(), Idempotency_Key="report-1")
    case_id = reported.json["id"]
    noted = http.do(case_id, "add-supervision-note", "supervisor", NOTE, Idempotency_Key="note-1")
    assert (reported.status_code, noted.status_code) == (201, 200)
    assert "Idempotent-Replayed" not in noted.headers
    # Each keyed command wrote its event and its receipt, nothing more.
    assert writes(world) - before == {"case": 2, "receipt": 2}
    # Later events do not change what a retry answers.
    http.ok(case_id, "assign", "recorder")
    world.clock.advance(days=30)
    after = writes(world)

    with another_server(store, world) as elsewhere:
        for first, again in (
            (reported, elsewhere.post("/disputes", "recorder", report_body(), Idempotency_Key="report-1")),
            (
                noted,
                elsewhere.do(case_id, "add-supervision-note", "supervisor", NOTE, Idempotency_Key="note-1"),
            ),
        ):
            assert again.status_code == first.status_code
            assert again.get_data() == first.get_data()
            assert {h: again.headers.get(h) for h in KEPT} == {h: first.headers.get(h) for h in KEPT}
            assert again.headers["Idempotent-Replayed"] == "true"
    assert writes(world) == after
    assert int(noted.headers["X-Ledger-Position"]) > int(reported.headers["X-Ledger-Position"])


def test_a_key_sent_with_another_path_is_refused_and_writes_nothing(http: Http, world: Any) -> None:
    case_id = http.post("/disputes", "recorder", report_body(), Idempotency_Key="k").json["id"]
    before = writes(world)
    body = assert_error(
        http.do(case_id, "assign", "recorder", Idempotency_Key="k"), 422, "idempotency_key_reused"
    )
    assert "Idempotency-Key" in body["errors"]
    assert writes(world) == before


@both_stores
def test_one_key_sent_by_many_at_once_writes_once_and_all_get_its_answer(
    http: Http, world: Any, app: Any
) -> None:
    case_id = http.report().json["id"]
    before = writes(world)
    start = threading.Barrier(8)

    def send(_: int) -> Any:
        client = Http(app.test_client(), world)
        start.wait()
        return client.do(case_id, "add-supervision-note", "supervisor", NOTE, Idempotency_Key="same")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    assert [a.status_code for a in answers] == [200] * 8
    assert len({a.get_data() for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 7
    assert writes(world) - before == {"case": 1, "receipt": 1}
