"""Steps of the accountability review scenarios (features/review)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from pytest_bdd import parsers, scenarios, step, then

from application.review import build_review
from domain.codes import IncidentKind, Severity
from domain.deadlines import KINDS
from domain.integrity import event_hash
from features.conftest import by_label, organisation_code
from tests.support import World

scenarios("review")


@step(parsers.parse('督办人员报告"{kind}"事件"{description}"，严重程度为"{severity}"'))
def incident(ledger_world: World, dispute_id: UUID, kind: str, description: str, severity: str) -> None:
    ledger_world.do(
        dispute_id,
        "report_incident",
        "supervisor",
        kind=by_label(IncidentKind, kind).value,
        description=description,
        severity=by_label(Severity, severity).value,
    )


@pytest.fixture
def review(ledger_world: World, dispute_id: UUID) -> dict[str, Any]:
    return build_review(ledger_world.ledger, str(dispute_id), now=ledger_world.clock.now)


def _deadline(review: dict[str, Any], label: str) -> dict[str, Any]:
    (found,) = [d for d in review["deadlines"] if d["label"] == label]
    return found


@then(parsers.parse('责任倒查报告列出的逾期期限恰为"{labels}"'))
def missed_exactly(review: dict[str, Any], labels: str) -> None:
    assert {d["label"] for d in review["missed_deadlines"]} == set(labels.split("、"))
    assert all(d["label"] in {k.label for k in KINDS.values()} for d in review["missed_deadlines"])


@then(parsers.parse('"{label}"期限逾期时案件尚无承办单位，由"{actor}"补办'))
def missed_unassigned(review: dict[str, Any], label: str, actor: str) -> None:
    d = _deadline(review, label)
    assert d["outcome"] == "met late" and d["late_by_hours"] > 0
    assert d["held_by"]["organisation_code"] is None
    assert d["met"]["actor_id"] == actor


@then(parsers.parse('"{label}"期限逾期时案件由"{organisation}"承办，由"{actor}"补办'))
def missed_by_holder(ledger_world: World, review: dict[str, Any], label: str, organisation: str, actor: str) -> None:
    d = _deadline(review, label)
    assert d["outcome"] == "met late"
    assert d["held_by"]["organisation_code"] == organisation_code(ledger_world, organisation)
    assert d["met"]["actor_id"] == actor


@then(parsers.parse('督办意见"{instruction}"已得到回应，但不及时'))
def note_answered_late(review: dict[str, Any], instruction: str) -> None:
    (note,) = [n for n in review["supervision_notes"] if n["instruction"] == instruction]
    assert note["answered"] and not note["answered_in_time"]
    assert note["answered_by"]["sequence"] > note["sequence"]


@then("高风险评估后在期限内采取了行动")
def risk_acted(review: dict[str, Any]) -> None:
    (risk,) = review["risk_assessments"]
    assert risk["level"] == "high" and risk["acted_within_deadline"] is True


@then("报告列出民转刑事件")
def incident_listed(review: dict[str, Any]) -> None:
    (incident,) = review["incidents"]
    assert incident["kind"] == "criminal_escalation"
    assert incident["sequence"] == review["head"]["sequence"]


@then("报告引用的每条事件都与台账中的哈希一致")
def citations_match(ledger_world: World, dispute_id: UUID, review: dict[str, Any]) -> None:
    hashes = {e.originator_version: event_hash(e) for e in ledger_world.ledger.history(dispute_id)}
    cited = [t for t in review["timeline"]] + [d["opened_by"] for d in review["deadlines"]]
    assert cited and all(hashes[c["sequence"]] == c["hash"] for c in cited)
