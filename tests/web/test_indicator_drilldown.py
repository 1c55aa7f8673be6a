"""Drilling into a cell lists what each counted event adds to it, in the cell's unit, and
overdue_share of the warnings can be drilled into like any indicator."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import TOWN, World
from tests.web.helpers import Http, assert_error, both_stores

LIFE = (
    ("assign", "recorder"),
    ("accept", "mediator"),
    ("hold-session", "mediator"),
    ("record-agreement", "mediator"),
    ("request-confirmation", "mediator"),
    ("decide-confirmation", "judge"),
    ("close", "mediator"),
)
INCIDENT = {"kind": "criminal_escalation", "description": "双方发生肢体冲突", "severity": "major"}


@pytest.fixture
def town(http: Http, world: World) -> dict[str, Any]:
    """Three cases in the town: one closed after a confirmed agreement, one with an incident, one
    only reported; then five days pass, so the open ones are overdue."""
    closed = http.report(category="family").json["id"]
    for command, who in LIFE:
        world.clock.advance(hours=7)
        http.ok(closed, command, who)
    incident = http.report().json["id"]
    http.ok(incident, "report-incident", "supervisor", INCIDENT)
    reported = http.report(category="labour")
    world.clock.advance(days=5)
    return {
        "closed": closed,
        "open": {incident, reported.json["id"]},
        "position": reported.headers["X-Ledger-Position"],
    }


def cell(http: Http, town: dict[str, Any], indicator: str, **query: str) -> Any:
    return http.get(
        "/indicators/cell",
        "supervisor",
        {"period": "2026-03", "region": TOWN, "indicator": indicator, **query},
        X_Ledger_Position=town["position"],
    )


@both_stores
def test_each_counted_event_shows_what_it_adds(http: Http, town: dict[str, Any]) -> None:
    incidents = cell(http, town, "serious_incidents").json
    component = incidents["components"]["incidents"]
    assert (incidents["value"], component["count"], component["unit"]) == (1, 1, "count")
    assert [e["value"] for e in component["events"]] == [1.0]
    (listed,) = component["events"]
    assert (listed["kind"], listed["kind_label"], listed["severity"], listed["severity_label"]) == (
        "criminal_escalation",
        "民转刑",
        "major",
        "重大",
    )
    assert "description" not in listed

    days = cell(http, town, "mean_days_to_mediated_resolution").json
    agreed = days["components"]["cases"]
    assert agreed["unit"] == "days" and [e["case_id"] for e in agreed["events"]] == [town["closed"]]
    # Reported, then four steps seven hours apart to the agreement: 28 hours.
    assert agreed["events"][0]["value"] == pytest.approx(28 / 24)
    assert days["value"] == pytest.approx(sum(e["value"] for e in agreed["events"]) / agreed["count"])

    # A compared indicator lists the cases of its comparisons too; a rate its two parts.
    filings = cell(http, town, "ledger_court_filings").json
    assert set(filings["components"]) == {"cases", "cases_last_year", "cases_prev"}
    assert set(filings["comparisons"]) == {"last_year", "yoy", "prev", "pop"}
    rate = cell(http, town, "confirmation_rate").json
    assert rate["value"] == 1.0
    assert [e["case_id"] for e in rate["components"]["numerator"]["events"]] == [town["closed"]]
    assert [e["case_id"] for e in rate["components"]["denominator"]["events"]] == [town["closed"]]


@both_stores
def test_overdue_share_lists_the_cases_the_warnings_count(http: Http, town: dict[str, Any]) -> None:
    share = cell(http, town, "overdue_share").json
    open_cases = share["components"]["open_cases"]
    overdue = share["components"]["overdue_cases"]
    assert {e["case_id"] for e in open_cases["events"]} == town["open"]
    assert {e["case_id"] for e in overdue["events"]} == town["open"]
    assert all(e["due_at"] < share["judged_at"] for e in overdue["events"])
    assert share["value"] == overdue["count"] / open_cases["count"] == 1.0

    cards = http.get(
        "/indicators/warnings", "supervisor", {"period": "2026-03"}, X_Ledger_Position=town["position"]
    ).json
    (card,) = [t for t in cards["towns"] if t["region_code"] == TOWN]
    (reason,) = [r for r in card["reasons"] if r["indicator"] == "overdue_share"]
    assert reason["value"] == share["value"]
    assert card["figures"]["overdue_open"] == overdue["count"]
    assert cards["judged_at"] == share["judged_at"]

    # Deadlines are known as they are now, not as recorded at an earlier instant.
    body = assert_error(cell(http, town, "overdue_share", as_of=share["judged_at"]), 422)
    assert "as_of" in body["errors"]
