"""The access log under concurrent reads (issue 10 item 7): appends to one case's log from many
threads at once never fail a read and lose no entry, and a list read appends one entry for the
whole request that the per-case log still shows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import pytest

from application.integrity import verify
from tests.web.helpers import Http, both_stores

PURPOSE = quote("信访复核")
THREADS, READS = 16, 5


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"INLINE_PROJECTION": True}


def _log(http: Http, case_id: str) -> tuple[int, list[dict[str, Any]]]:
    response = http.get("/audit/access-log", "auditor", {"dispute": case_id, "per_page": 100})
    assert response.status_code == 200, response.json
    return response.json["total"], response.json["items"]


@both_stores
def test_sixteen_threads_reading_one_case_all_get_their_answer_and_every_read_is_logged(
    app: Any, http: Http, world: Any
) -> None:
    case_id = http.report().json["id"]

    def reads(who: str) -> list[int]:
        client = Http(app.test_client(), world)  # a client per thread, like separate connections
        return [
            client.get(f"/disputes/{case_id}", who, X_Access_Purpose=PURPOSE).status_code
            for _ in range(READS)
        ]

    # Two actors, so the threads race on the case's log from different tokens as well as the same.
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = [s for batch in pool.map(reads, ["auditor", "supervisor"] * (THREADS // 2)) for s in batch]

    assert statuses == [200] * THREADS * READS
    total, items = _log(http, case_id)
    assert total == THREADS * READS
    assert {e["actor_id"] for e in items} == {"auditor", "supervisor"}
    assert [e["sequence"] for e in items] == list(range(2, 2 + min(total, 100)))  # 1 opened the log
    assert verify(world.ledger).intact


@both_stores
def test_a_list_read_appends_one_entry_naming_its_cases_which_each_case_log_shows(
    http: Http, world: Any
) -> None:
    ids = [http.report().json["id"] for _ in range(3)]
    before = world.event_count()
    listed = http.get("/disputes", "supervisor", {"per_page": 2}, X_Access_Purpose=PURPOSE)
    assert listed.status_code == 200
    shown = [item["id"] for item in listed.json["items"]]
    # The actor's listing log is opened by the first list read: the open and one entry.
    assert world.event_count() - before == 2
    before = world.event_count()
    http.get("/disputes", "supervisor", {"per_page": 3}, X_Access_Purpose=PURPOSE)
    assert world.event_count() - before == 1

    for case_id in ids:
        _, items = _log(http, case_id)
        expected = 2 if case_id in shown else 1
        assert len(items) == expected
        assert all(
            (e["endpoint"], e["actor_id"], e["handler"]) == ("GET /api/v1/disputes", "supervisor", False)
            for e in items
        )
        assert all(e["cases"] in (2, 3) and len(e["hash"]) == 64 for e in items)
    # One entry, shown under each case it named: the same link of the same chain.
    first = {(e["log"], e["sequence"], e["hash"]) for e in _log(http, shown[0])[1]}
    second = {(e["log"], e["sequence"], e["hash"]) for e in _log(http, shown[1])[1]}
    assert first == second
    assert verify(world.ledger).intact


def test_concurrent_list_reads_by_one_actor_all_succeed(app: Any, http: Http, world: Any) -> None:
    case_id = http.report().json["id"]

    def lists(_: int) -> list[int]:
        client = Http(app.test_client(), world)
        return [client.get("/disputes", "auditor", X_Access_Purpose=PURPOSE).status_code for _ in range(3)]

    with ThreadPoolExecutor(8) as pool:
        statuses = [s for batch in pool.map(lists, range(8)) for s in batch]
    assert statuses == [200] * 24
    total, _ = _log(http, case_id)
    assert total == 24


@both_stores
def test_a_purpose_with_a_control_character_is_refused_before_anything_is_written(
    http: Http, world: Any
) -> None:
    case_id = http.report().json["id"]
    before = world.event_count()
    for path in (f"/disputes/{case_id}", "/disputes"):
        response = http.get(path, "auditor", X_Access_Purpose=quote("复核\x00"))
        assert response.status_code == 422, response.json
        assert "purpose" in response.json["errors"]
    assert world.event_count() == before
    # The views still follow the store: a later read is indexed and shown.
    assert http.get(f"/disputes/{case_id}", "auditor", X_Access_Purpose=PURPOSE).status_code == 200
    assert _log(http, case_id)[0] == 1
