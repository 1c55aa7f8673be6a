"""The fast canonical form of an event (orjson) is byte for byte the defined one (json), for
every kind of event and for any text a user may type: a difference would break every hash chain."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.access import AccessLog
from domain.integrity import canonical, canonical_reference
from domain.values import forbidden_character
from tests.unit.drive import PATHS, command_args


def test_every_event_of_every_path_has_the_defined_canonical_form(memory_world) -> None:
    w = memory_world
    seen = set()
    for status, path in PATHS.items():
        case = w.report(summary=f"走到{status.label}的纠纷", amount_in_dispute="1234.50")
        for command in path:
            w.clock.advance(hours=7, microseconds=123)
            who = "admin"
            case = w.do(case.id, command, who, **command_args(w, command))
        w.clock.advance(hours=1)
        case = w.do(case.id, "add_supervision_note", "admin", instruction="三日内回复", due_at=w.clock.now + timedelta(days=3))
        for event in w.ledger.events.get(case.id):
            seen.add(type(event).__name__)
            assert canonical(event) == canonical_reference(event), type(event).__name__
    assert {"Reported", "ConfirmationDecided", "CourtOutcomeRecorded", "Archived"} <= seen
    log = AccessLog.open(str(case.id))
    log.record_read(actor_id="auditor", actor_role="auditor", endpoint="GET /x", purpose="责任倒查", handler=False)
    for event in log.collect_events():
        assert canonical(event) == canonical_reference(event)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=40).filter(lambda t: t.strip() and forbidden_character(t) is None))
def test_any_typed_text_has_the_defined_canonical_form(memory_world, text: str) -> None:
    case = memory_world.report(summary=text)
    case = memory_world.do(case.id, "correct_details", "admin", field="summary", value=text + "\u2028\t末", reason=text)
    for event in memory_world.ledger.events.get(case.id):
        assert canonical(event) == canonical_reference(event)
