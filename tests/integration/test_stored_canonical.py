"""`ledger verify` reads canonical forms straight from the stored JSON; that must be byte for byte
the canonical form of the event the library's mapper builds, for every event type, on both stores.
A single difference would make an intact store look tampered with (or hide a change)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.domain import Aggregate
from eventsourcing.domain import event as records
from eventsourcing.persistence import Mapper, StoredEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.access_log import Read, log_reads
from application.court_feed import CourtRecord, import_court_records
from application.integrity import seal
from application.stored_canonical import StoredCanonical
from domain.codes import Status
from domain.integrity import canonical
from domain.lifecycle import COMMANDS
from domain.values import forbidden_character
from tests.support import World
from tests.unit.drive import command_args, drive_to

_EVENT_NAMES = re.compile(r'@event\("?(\w+)"?\)')


def _every_kind_of_event(world: World) -> None:
    """Cases in every state, each offered every command (refusals ignored), plus reads and a seal."""
    for status in Status:
        case = drive_to(world, status)
        for command in sorted(COMMANDS - {"report"}):
            world.clock.advance(hours=5, microseconds=321)
            try:
                case = world.do(case.id, command, "admin", **command_args(world, command))
            except Exception:  # noqa: S112 - refused transitions are expected; only what was written matters
                continue
        log_reads(world.ledger, world.ledger.actor("admin"), [Read(str(case.id), False)],
                  endpoint="GET /disputes/{id}", purpose="责任倒查")
    handed = drive_to(world, Status.REPORTED)
    world.do(handed.id, "assign", "admin", route="notarisation", organisation_code="ORGC-NOTARY")
    pending = drive_to(world, Status.CONFIRMATION_PENDING)
    world.do(pending.id, "extend_confirmation", "admin", reason="经院长批准延长")
    filed = drive_to(world, Status.LITIGATING)
    world.do(filed.id, "entrust_mediation", "admin", organisation_code="ORG621199001001")
    world.do(filed.id, "accept", "admin")
    world.do(filed.id, "record_agreement", "admin", terms="委托调解达成协议", amount="100.00")
    _court_cases(world)
    seal(world.ledger, world.ledger.actor("admin"))


def _court_cases(world: World) -> None:
    """A court case filed, corrected (a bool, a null and a date among the changes) and concluded."""
    admin = world.ledger.actor("admin")
    record = CourtRecord("(2026)甘1199民初1号", "ORGC-COURT", "离婚纠纷", date(2026, 2, 1), "621199001001", None)
    import_court_records(world.ledger, admin, [record], file_sha256="0" * 64)
    changed = replace(record, plaintiff_is_financial=True, plaintiff_region=None, filed_on=date(2026, 2, 2))
    import_court_records(world.ledger, admin, [changed])
    import_court_records(world.ledger, admin, [replace(changed, concluded_on=date(2026, 2, 20), outcome="判决")])


def _notes(world: World) -> list[Any]:
    return world.ledger.recorder.select_notifications(start=1, limit=1_000_000)


def _fast_equals_mapper(world: World) -> set[str]:
    read = StoredCanonical(world.ledger.mapper)
    topics = set()
    for note in _notes(world):
        fast, body = read(note)
        domain_event = world.ledger.mapper.to_domain_event(note)
        assert fast == canonical(domain_event), note.topic
        assert body.get("prev_hash") == getattr(domain_event, "prev_hash", None)
        topics.add(note.topic.rsplit(".", 1)[-1])
    return topics


def test_every_stored_event_reads_to_the_mappers_canonical_form(world: World) -> None:
    _every_kind_of_event(world)
    topics = _fast_equals_mapper(world)
    with open("domain/case.py", encoding="utf-8") as source:
        case_events = set(_EVENT_NAMES.findall(source.read()))
    assert case_events <= topics, f"never written here: {sorted(case_events - topics)}"
    assert {"Read", "Sealed", "Registered", "Filed", "Corrected", "Concluded"} <= topics


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=40).filter(lambda t: t.strip() and forbidden_character(t) is None))
def test_any_typed_text_reads_to_the_mappers_canonical_form(memory_world: World, text: str) -> None:
    case = memory_world.report(summary=text)
    memory_world.do(case.id, "correct_details", "admin", field="summary", value=text + "\u2028\t末", reason=text)
    read = StoredCanonical(memory_world.ledger.mapper)
    for event in memory_world.ledger.events.get(case.id):
        stored = memory_world.ledger.mapper.to_stored_event(event)
        assert read(stored)[0] == canonical(event)


@pytest.mark.parametrize("state", [b'{"x":NaN}', b'{"when":{"_type_":"unknown_kind","_data_":"1"}}', b"not json"])
def test_what_the_fast_path_does_not_know_goes_through_the_mapper(memory_world: World, state: bytes) -> None:
    case = memory_world.report()
    original = memory_world.ledger.mapper.to_stored_event(next(iter(memory_world.ledger.events.get(case.id))))
    odd = StoredEvent(original.originator_id, original.originator_version, original.topic, state)
    try:
        expected: Any = canonical(memory_world.ledger.mapper.to_domain_event(odd))
    except Exception as error:
        expected = type(error)
    try:
        got: Any = StoredCanonical(memory_world.ledger.mapper)(odd)[0]
    except Exception as error:
        got = type(error)
    assert got == expected


def test_a_compressed_store_is_read_through_the_mapper(memory_world: World) -> None:
    case = memory_world.report()
    mapper = Mapper(transcoder=memory_world.ledger.mapper.transcoder, compressor=ZlibCompressor())
    event = next(iter(memory_world.ledger.events.get(case.id)))
    assert StoredCanonical(mapper)(mapper.to_stored_event(event))[0] == canonical(event)


class _Odd(Aggregate):
    """Holds every value type the library transcodes, nested, which no ledger event has today."""

    @records("Noted")
    def note(self, ref: UUID, amount: Decimal, times: list[Any], nested: dict[str, Any]) -> None:
        pass


def test_every_transcoded_type_reads_to_the_mappers_canonical_form(memory_world: World) -> None:
    odd = _Odd()
    when = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    odd.note(ref=uuid4(), amount=Decimal("800.50"), times=[when, [when.date().isoformat()]],
             nested={"id": uuid4(), "at": when, "list": [{"x": Decimal("1E+3")}]})
    mapper = memory_world.ledger.mapper
    read = StoredCanonical(mapper)
    for event in odd.collect_events():
        assert read(mapper.to_stored_event(event))[0] == canonical(event)
