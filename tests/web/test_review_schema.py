"""The typed Review schema documents the review's parts but hands each on as built: a key the
review adds is never dropped by the answer's schema."""

from __future__ import annotations

import copy

from tests.web.helpers import Http
from web.audit.schemas import Review


def test_the_review_answer_keeps_every_part_as_built(http: Http, world) -> None:
    case_id = http.report().json["id"]
    http.ok(case_id, "assess-risk", "supervisor", {"level": "critical", "flags": ["criminal_escalation"]})
    world.clock.advance(days=2)
    incident = {"kind": "criminal_escalation", "description": "当事人持械伤人", "severity": "major"}
    http.ok(case_id, "report-incident", "supervisor", incident)
    body = http.get(f"/audit/reviews/{case_id}", "supervisor", X_Access_Purpose="民转刑责任倒查").json

    deadline = body["missed_deadlines"][0]
    assert {"kind", "label", "outcome", "opened_by", "held_by", "late_by_hours"} <= set(deadline)
    assert {"sequence", "hash", "event", "details", "late_entry"} <= set(body["timeline"][0])
    assert {"level", "flags", "followed_by", "acted_within_deadline"} <= set(body["risk_assessments"][0])

    grown = copy.deepcopy(body)
    grown["deadlines"][0]["held_by"]["since"] = "2026-01-01T00:00:00+00:00"
    grown["timeline"][0]["label_en"] = "report"
    grown["access_log"]["before"].append({"read_at": "2026-01-01T00:00:00+00:00", "new": 1})
    assert Review().dump(grown) == grown
