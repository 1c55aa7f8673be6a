"""The bulk court import (application/court_bulk.py) stores exactly what one ``save`` per record
of the aggregate would: the same streams, versions, topics and state bytes, on both stores;
for new filings, corrections and conclusions alike; and through its mapper fallback too."""

from __future__ import annotations

from typing import Any

import pytest

from application.court_bulk import FilingEncoder
from application.court_feed import _checks
from application.court_files import import_court_file, read_court_file
from application.integrity import verify
from domain.court_case import FIELDS, CourtCase, check_record
from tests.support import COURT, World

HEADER = "案号,法院代码,案由,立案日期,原告住所地,被告住所地,原告为金融机构,结案日期,结案方式,诉前调解案号"
FIRST = [
    f"（2026）甘1199民初1号,{COURT},民间借贷纠纷,2026/1/5,621199001001,621199001002,是,,,",
    f"(2026)甘1199民初2号,{COURT},离婚纠纷,2026-01-06,,621199002001,否,2026-02-01,调解,(2026)甘1199诉前调3号",
    f"(2026)甘1199民初3号,{COURT},\"买卖合同纠纷\",2026年1月7日,621199002,,,,,",
    f"(2026)甘1199行初4号,{COURT},行政处罚,2026-01-08,621199001001,621199001001,否,,,",
]
SECOND = [
    f"（2026）甘1199民初1号,{COURT},民间借贷纠纷,2026/1/5,621199001001,621199001002,是,2026-02-20,判决,",
    f"(2026)甘1199民初2号,{COURT},离婚纠纷,2026-01-06,,621199002001,否,2026-02-01,调解,(2026)甘1199诉前调3号",
    f"(2026)甘1199民初3号,{COURT},信用卡纠纷,2026-01-09,621199002,,是,2026-02-21,撤诉,",
    f"(2026)甘1199民初5号,{COURT},物业服务合同纠纷,2026-02-02,621199001002,621199001001,否,,,",
]


def court_file(rows: list[str]) -> Any:
    return read_court_file("\n".join([HEADER, *rows]).encode("utf-8"), "收案.csv")


def stored_rows(world: World, after: int) -> list[tuple[Any, int, str, bytes]]:
    notes = world.ledger.recorder.select_notifications(start=after + 1, limit=1000)
    return [(n.originator_id, n.originator_version, n.topic, bytes(n.state)) for n in notes]


def as_saved(world: World, events: list[Any]) -> list[tuple[Any, int, str, bytes]]:
    """What ``save`` of these events would have stored."""
    stored = [world.ledger.mapper.to_stored_event(e) for e in events]
    return [(s.originator_id, s.originator_version, s.topic, s.state) for s in stored]


def one_save_per_record(world: World, rows: list[str]) -> list[tuple[Any, int, str, bytes]]:
    """The events the aggregate itself gives for each record (``CourtCase.file`` for a new
    number, ``update`` of the stored case for a known one), as ``save`` would store them."""
    ledger, admin = world.ledger, world.actors["admin"]
    parsed = court_file(rows)
    checks, at = _checks(ledger), ledger.clock()
    events: list[Any] = []
    for record in parsed.records:
        fields, problems = check_record({k: getattr(record, k) for k in FIELDS}, checks)
        assert fields is not None, problems
        provenance = {"actor_id": admin.name, "file_sha256": parsed.sha256, "row": record.row, "at": at}
        case_id = CourtCase.create_id(fields["case_number"])
        if ledger.recorder.select_events(case_id):
            case: Any = ledger.repository.get(case_id)
            case.update(fields, **provenance)
        else:
            case = CourtCase.file(fields, **provenance)
        events.extend(case.collect_events())
    return as_saved(world, events)


def import_and_compare(world: World, rows: list[str]) -> int:
    expected = one_save_per_record(world, rows)
    before = world.event_count()
    import_court_file(world.ledger, world.actors["admin"], court_file(rows))
    assert stored_rows(world, before) == expected
    return len(expected)


def test_the_bulk_import_stores_the_bytes_of_one_save_per_record(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoders: list[FilingEncoder] = []
    real = FilingEncoder.__init__

    def kept(self: FilingEncoder, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        encoders.append(self)

    monkeypatch.setattr(FilingEncoder, "__init__", kept)
    assert import_and_compare(world, FIRST) == 4
    world.clock.advance(days=1)
    assert import_and_compare(world, SECOND) == 4  # 1 concluded, 3 corrected and concluded, 5 filed
    # The fast encoding was the one used (not the mapper fallback, which is equal by construction).
    assert [e.fast for e in encoders] == [True, True]
    report = verify(world.ledger, witness=None)
    assert report.intact, report.broken


def test_when_the_fast_encoding_differs_every_filing_goes_through_the_mapper(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool | None] = []
    real = FilingEncoder._encoded

    def wrong(self: FilingEncoder, *args: Any) -> Any:
        stored = real(self, *args)
        seen.append(self.fast)
        return type(stored)(stored.originator_id, stored.originator_version, stored.topic, stored.state + b" ")

    monkeypatch.setattr(FilingEncoder, "_encoded", wrong)
    assert import_and_compare(world, FIRST) == 4
    assert seen == [None]  # compared once, then never used


def test_the_ledger_does_nothing_more_in_save_than_the_bulk_path_does() -> None:
    """application/court_bulk.py records events without ``save``: right while the Ledger takes
    no snapshots and acts on no notifications. Overriding these means revisiting that module."""
    from eventsourcing.application import Application

    from application.group_commit import GroupCommit
    from application.ledger import Ledger

    for name in ("save", "_notify", "notify", "_take_snapshots"):
        assert getattr(Ledger, name) is getattr(Application, name), name
    # Group commit only puts several saves' events in one transaction (and caches the aggregates,
    # as the library does): nothing the bulk path, one transaction per chunk, leaves out.
    assert Ledger._record is GroupCommit._record
    assert Ledger.env["IS_SNAPSHOTTING_ENABLED"] == "n"
