"""Lists and indicator tables are kept per views position (projections/query_cache.py) and the
hottest reads are written without the schema's dump (web/json.answer). Neither may ever change
an answer: every write is seen by the next read that asks for it, overdue is judged when asked,
rebuilt views are new views, and the fast answers are the documented ones."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, timedelta, timezone
from typing import Any

import pytest

from application.config import StoreSettings
from projections.runner import ViewRunner
from tests.support import TOWN, World
from tests.web.helpers import Http, both_stores
from web import close_app, create_app


def _cache(app: Any) -> Any:
    return app.extensions["ledger_query_cache"]


def test_a_list_read_from_the_cache_judges_overdue_when_asked(http: Http, world: World, app: Any) -> None:
    http.report()

    def deadlines() -> list[dict[str, Any]]:
        return http.get("/disputes", "supervisor", {"status": "reported"}).json["items"][0]["deadlines"]

    assert [d["overdue"] for d in deadlines()] == [False]
    hits = _cache(app).hits
    world.clock.advance(days=4)  # triage is due in 3 days; nothing is written meanwhile
    assert [d["overdue"] for d in deadlines()] == [True]
    assert _cache(app).hits == hits + 1


class TestFollowerMode:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"INLINE_PROJECTION": False, "READ_WAIT_SECONDS": 5}

    @both_stores
    def test_each_write_is_in_the_next_read_that_names_its_position(self, http: Http, world: World, app: Any) -> None:
        follower = ViewRunner(app.extensions["ledger"])
        try:
            for n in range(1, 4):
                # A period under way counts its whole days elapsed: these happened yesterday.
                yesterday = (world.clock.now - timedelta(days=1)).isoformat()
                position = http.report(occurred_at=yesterday).headers["X-Ledger-Position"]
                follower.catch_up()
                for _ in range(2):  # the second read of each is answered from the cache
                    listed = http.get("/disputes", "reader", {"status": "reported"}, X_Ledger_Position=position)
                    assert listed.json["total"] == n
                    table = http.get("/indicators", "reader", {"period": "2026-03", "region": TOWN},
                                     X_Ledger_Position=position)
                    assert table.json["rows"][0]["disputes_reported"] == n
            assert _cache(app).hits >= 6
        finally:
            follower.close()


def test_rebuilt_views_are_never_answered_from_the_cache(http: Http, world: World, app: Any, store: StoreSettings) -> None:
    http.report(occurred_at=(world.clock.now - timedelta(days=1)).isoformat())
    query = {"period": "2026-03", "region": TOWN}
    assert http.get("/indicators", "reader", query).json["rows"][0]["disputes_reported"] == 1
    # A view row goes wrong (say, a projection bug); the table read now is cached at this position.
    with sqlite3.connect(store.sqlite_path) as conn:
        conn.execute("UPDATE v_counts SET n = n + 100 WHERE kind = 'reported'")
    _cache(app)._entries.clear()
    assert http.get("/indicators", "reader", query).json["rows"][0]["disputes_reported"] == 101
    # `ledger project --rebuild` elsewhere puts it right and ends at the very same position.
    rebuilder = ViewRunner(app.extensions["ledger"])
    try:
        rebuilder.rebuild()
    finally:
        rebuilder.close()
    assert http.get("/indicators", "reader", query).json["rows"][0]["disputes_reported"] == 1


@pytest.fixture
def schema_app(world: World, store: StoreSettings) -> Iterator[Any]:
    """A second server on the same store whose answers go through the response schemas."""
    app = create_app({"TESTING": True, "STORE_SETTINGS": store, "CLOCK": world.clock, "FAST_JSON": False,
                      "QUERY_CACHE_ENTRIES": 0})
    yield app
    close_app(app)


def test_fast_answers_are_the_schemas_answers(http: Http, world: World, schema_app: Any) -> None:
    slow = Http(schema_app.test_client(), world)
    # Told in Beijing time: instants are answered in UTC either way.
    beijing = (world.clock.now - timedelta(hours=1)).astimezone(timezone(timedelta(hours=8)))
    case_id = http.report(occurred_at=beijing.isoformat()).json["id"]
    http.ok(case_id, "assign", "recorder")
    http.report(category="labour", amount_in_dispute="99.90")
    world.clock.advance(days=2, hours=3, microseconds=250)
    purpose = {"X_Access_Purpose": "督办核查"}
    asks: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
        ("/disputes", "reader", {}, {}),
        ("/disputes", "supervisor", {"per_page": 1, "page": 2}, purpose),
        ("/disputes", "supervisor", {"overdue": "true"}, {}),
        (f"/disputes/{case_id}", "supervisor", {}, purpose),
        (f"/disputes/{case_id}", "reader", {}, {}),
        (f"/disputes/{case_id}", "supervisor", {"as_of": (world.clock.now - timedelta(days=2)).isoformat()}, purpose),
        ("/indicators", "reader", {"period": "2026-Q1"}, {}),
        ("/indicators", "supervisor", {"period": "2026", "level": "village", "region": TOWN}, {}),
        ("/indicators", "supervisor", {"period": "2026-03", "as_of": world.clock.now.isoformat()}, {}),
    ]
    for path, who, query, headers in asks:
        fast, schema = http.get(path, who, query, **headers), slow.get(path, who, query, **headers)
        assert (fast.status_code, fast.mimetype) == (schema.status_code, schema.mimetype) == (200, "application/json")
        assert fast.json == schema.json, (path, who, query)
        assert fast.headers.get("ETag") == schema.headers.get("ETag")


def test_one_instant_asked_in_two_offsets_is_answered_as_asked(http: Http, world: World) -> None:
    http.report()
    utc = world.clock.now.astimezone(UTC)
    for when in (utc, utc.astimezone(timezone(timedelta(hours=8)))):
        table = http.get("/indicators", "reader", {"period": "2026-03", "as_of": when.isoformat()}).json
        assert table["as_of"] == when.isoformat()
