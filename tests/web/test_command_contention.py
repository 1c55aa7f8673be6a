"""Many commands on one case at once: without If-Match the server re-runs a command that lost
the race on the case as it now is, so every one succeeds; with If-Match the client asked for one
version, and only the first to save gets it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.web.helpers import Http, both_stores
from tests.web.writes import writes

WRITERS = 16


def _at_once(app: Any, world: Any, case_id: str, **headers: str) -> list[Any]:
    start = threading.Barrier(WRITERS)

    def send(i: int) -> Any:
        client = Http(app.test_client(), world)
        body = {"instruction": f"第{i}次督办", "due_at": "2026-03-10T00:00:00+08:00"}
        start.wait()
        return client.do(case_id, "add-supervision-note", "supervisor", body, **headers)

    with ThreadPoolExecutor(WRITERS) as pool:
        return list(pool.map(send, range(WRITERS)))


@both_stores
def test_commands_without_if_match_all_succeed_under_contention(http: Http, world: Any, app: Any) -> None:
    case_id = http.report().json["id"]
    before = writes(world)
    answers = _at_once(app, world, case_id)
    assert [a.status_code for a in answers] == [200] * WRITERS, [
        a.json for a in answers if a.status_code != 200
    ]
    assert sorted(a.json["version"] for a in answers) == list(range(2, 2 + WRITERS))
    assert writes(world) - before == {"case": WRITERS}
    # Every note is in the history once: none lost, none written twice by a re-run.
    instructions = [getattr(e, "instruction", None) for e in world.ledger.history(case_id)[1:]]
    assert sorted(instructions) == sorted(f"第{i}次督办" for i in range(WRITERS))


@both_stores
def test_with_if_match_only_the_first_of_those_at_one_version_succeeds(
    http: Http, world: Any, app: Any
) -> None:
    case_id = http.report().json["id"]
    before = writes(world)
    answers = _at_once(app, world, case_id, If_Match='"1"')
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * (WRITERS - 1)
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.json["code"] == "version_conflict"
        assert (refused.json["expected_version"], refused.json["current_version"]) == (1, 2)
    assert writes(world) - before == {"case": 1}
