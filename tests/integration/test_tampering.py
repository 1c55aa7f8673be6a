"""Tampering beyond one case's events, done on the real tables (SQLite file, PostgreSQL schema):
seals deleted or changed (with and without a witness), rows outside the notification sequence,
edited token index entries, roles and populations, events by actors that do not exist.
Each must be detected and named, on both stores."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.access_log import Read, log_reads
from application.errors import UnknownActor
from application.integrity import BrokenStore, Report, seal, seal_records, verify
from application.ledger import Ledger
from domain.reference import Actor, RegionCatalogue, TokenIndex, token_digest
from tests.integration.test_integrity import Rows, _life
from tests.support import VILLAGE, World


class Table(Rows):
    """Rows, plus what an intruder does with whole rows: insert anywhere, delete a stream."""

    def rows(self, stream_id: Any) -> list[tuple[int, int, str, bytes]]:
        """(position, version, topic, state) of every row of one stream."""
        position = "notification_id" if self.settings.is_postgres else "rowid"
        m = self._mark()
        with self._connect() as conn:
            found = conn.execute(
                f"SELECT {position}, originator_version, topic, state FROM {self.table} WHERE originator_id = {m} "
                "ORDER BY originator_version",
                (self._id(stream_id),),
            ).fetchall()
        return [(r[0], r[1], r[2], bytes(r[3])) for r in found]

    def insert(self, position: int, stream_id: Any, version: int, topic: str, state: bytes) -> None:
        m = self._mark()
        column = "notification_id" if self.settings.is_postgres else "rowid"
        with self._connect() as conn:
            conn.execute(
                f"INSERT INTO {self.table} ({column}, originator_id, originator_version, topic, state) "
                f"VALUES ({m}, {m}, {m}, {m}, {m})",
                (position, self._id(stream_id), version, topic, state),
            )

    def delete_stream(self, stream_id: Any) -> None:
        m = self._mark()
        with self._connect() as conn:
            conn.execute(f"DELETE FROM {self.table} WHERE originator_id = {m}", (self._id(stream_id),))

    def edit(self, stream_id: Any, version: int, pattern: bytes, replacement: Any) -> None:
        state = self.state(stream_id, version)
        changed = re.sub(pattern, replacement, state, count=1)
        assert changed != state, pattern
        self.set_state(stream_id, version, changed)


def _problems(report: Report) -> list[tuple[str | None, str, str]]:
    return [(b["case_id"], b["stream"], b["problem"]) for b in report.broken]


def _named(report: Report, *words: str) -> list[dict[str, Any]]:
    assert not report.intact
    found = [b for b in report.broken if all(w in b["problem"] for w in words)]
    assert found, _problems(report)
    return found


def _admin(world: World) -> Any:
    return world.actors["admin"]


# ------------------------------------------------------------------ seals and the witness


def test_every_seal_is_witnessed_and_listed_and_a_clean_store_verifies_against_its_witness(
    world: World, tmp_path: Path
) -> None:
    witness = str(tmp_path / "seals.jsonl")
    case = _life(world)
    first, _ = seal(world.ledger, _admin(world), witness=witness)
    world.do(case.id, "close", "mediator", summary="已履行")
    second, _ = seal(world.ledger, _admin(world), witness=witness)
    lines = [json.loads(line) for line in Path(witness).read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [str(first.id), str(second.id)]
    assert lines[0]["previous"] is None
    assert lines[1]["previous"] == {"id": str(first.id), "root": first.root, "position": first.position}
    assert [r.as_witness() for r in seal_records(world.ledger)] == lines
    report = verify(world.ledger, witness=witness)
    assert report.intact, _problems(report)
    assert report.witness == {"path": witness, "seals": 2} and report.seals == 2
    assert report.last_seal is not None and report.last_seal["hash"] == lines[1]["hash"]


def test_a_deleted_latest_seal_is_named_by_the_witness(world: World, tmp_path: Path) -> None:
    witness = str(tmp_path / "seals.jsonl")
    _life(world)
    sealed, _ = seal(world.ledger, _admin(world), witness=witness)
    Table(world).delete_stream(sealed.id)
    [missing] = _named(verify(world.ledger, witness=witness), "missing from the store")
    assert (missing["case_id"], missing["stream"]) == (str(sealed.id), "seal")
    assert f"witnessed seal {sealed.id} (position {sealed.position}" in missing["problem"]


def test_a_deleted_seal_followed_by_a_new_seal_is_named_and_sealing_over_it_is_refused(
    world: World, tmp_path: Path
) -> None:
    witness = str(tmp_path / "seals.jsonl")
    case = _life(world)
    first, _ = seal(world.ledger, _admin(world), witness=witness)
    world.do(case.id, "close", "mediator", summary="已履行")
    second, _ = seal(world.ledger, _admin(world), witness=witness)
    table = Table(world)
    table.delete_stream(second.id)
    table.delete(case.id, case.version + 1)  # the close, sealed by the deleted seal
    # With the witness at hand the ledger refuses to seal over the gap ...
    with pytest.raises(BrokenStore, match="missing from the store"):
        seal(world.ledger, _admin(world), witness=witness)
    # ... an intruder without it seals again: the new seal chains to the first and looks fine alone.
    third, _ = seal(world.ledger, _admin(world), witness=None)
    assert third.previous_seal_id == str(first.id)
    assert verify(world.ledger, witness=None).intact
    # The new seal takes the deleted one's place in the chain (its id derives from the previous
    # seal's), so the witness finds a different seal where it kept the old one.
    assert third.id == second.id
    [named] = _named(verify(world.ledger, witness=witness), "differs from the witnessed seal", "root")
    assert (named["case_id"], named["stream"]) == (str(second.id), "seal")
    assert "deleted and made again" in named["problem"]


def test_two_seals_after_the_same_seal_cannot_both_be_stored(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two sealers racing (a server and a follower) must not fork the seal chain."""
    from application.integrity import SealRace
    from domain.integrity import Seal

    case = _life(world)
    seal(world.ledger, _admin(world), witness=None)
    world.do(case.id, "close", "mediator", summary="已履行")
    save = world.ledger.save

    def a_rival_saves_first(*aggregates: Any) -> Any:
        ours = aggregates[0]
        fields = {
            k: getattr(ours, k)
            for k in (
                "position",
                "events",
                "heads",
                "root",
                "previous_seal",
                "previous_seal_id",
                "previous_position",
            )
        }
        save(Seal.after(ours.pending_events[0].prev_hash, sealed_by="system", **fields))
        return save(*aggregates)

    monkeypatch.setattr(world.ledger, "save", a_rival_saves_first)
    with pytest.raises(SealRace):
        seal(world.ledger, _admin(world), witness=None)
    monkeypatch.undo()
    report = verify(world.ledger, witness=None)
    assert report.intact and report.seals == 2, _problems(report)


def test_a_deleted_seal_and_a_deleted_sealed_head_are_named(world: World, tmp_path: Path) -> None:
    witness = str(tmp_path / "seals.jsonl")
    case = _life(world)
    sealed, _ = seal(world.ledger, _admin(world), witness=witness)
    table = Table(world)
    table.delete_stream(sealed.id)
    table.delete(case.id, case.version)
    report = verify(world.ledger, witness=witness)
    _named(report, f"witnessed seal {sealed.id}", "missing from the store")


def test_a_deleted_middle_seal_and_a_changed_one_are_named_by_the_seal_chain(world: World) -> None:
    case = _life(world)
    first, _ = seal(world.ledger, _admin(world), witness=None)
    world.do(case.id, "close", "mediator", summary="已履行")
    second, _ = seal(world.ledger, _admin(world), witness=None)
    world.do(case.id, "follow_up", "mediator", satisfaction="satisfied", relapse=False)
    third, _ = seal(world.ledger, _admin(world), witness=None)
    table = Table(world)

    table.edit(first.id, 1, rb'"events":\d+', b'"events":1')
    [changed] = _named(verify(world.ledger, witness=None), "the seal was changed")
    assert (changed["case_id"], changed["stream"]) == (str(first.id), "seal")
    assert f"next seal {second.id}" in changed["problem"]

    table.delete_stream(second.id)
    [gap] = _named(verify(world.ledger, witness=None), "a seal between them was deleted")
    assert gap["case_id"] == str(third.id)
    assert f"names previous seal {second.id}" in gap["problem"] and f"is {first.id}" in gap["problem"]


def test_a_latest_seal_whose_root_does_not_match_its_heads_is_named(world: World) -> None:
    _life(world)
    sealed, _ = seal(world.ledger, _admin(world), witness=None)
    Table(world).edit(sealed.id, 1, rb'"root":"[0-9a-f]', b'"root":"x')
    [named] = _named(verify(world.ledger, witness=None), "does not match its Merkle root")
    assert named["case_id"] == str(sealed.id)


# ------------------------------------------------------------------ rows outside the sequence


@pytest.mark.parametrize("position", [-1, 0])
def test_a_row_outside_the_notification_sequence_is_named_though_the_stream_shows_it(
    world: World, position: int
) -> None:
    case = _life(world)
    table = Table(world)
    _, _, topic, state = table.rows(case.id)[-1]
    table.insert(position, case.id, case.version + 1, topic, state)
    # What an intruder gains: reading the case by id shows the extra event ...
    fresh = Ledger(settings=world.ledger.settings)
    try:
        assert len(list(fresh.events.get(case.id))) == case.version + 1
    finally:
        fresh.close()
    # ... while the notification log never lists it.
    assert all(n.id >= 1 for n in world.ledger.recorder.select_notifications(start=1, limit=10_000))
    [row] = _named(verify(world.ledger), "outside the notification sequence")
    assert (row["case_id"], row["stream"], row["sequence"], row["position"]) == (
        str(case.id),
        "case",
        case.version + 1,
        position,
    )
    with pytest.raises(BrokenStore):
        seal(world.ledger, _admin(world), witness=None)


def test_a_row_inserted_below_the_latest_seal_is_named(world: World) -> None:
    """A gap left by a deleted row refilled with a new stream: the seal does not cover it."""
    gone = world.report(summary="将被删除的纠纷")
    _life(world)
    table = Table(world)
    [(position, _, topic, state)] = table.rows(gone.id)
    table.delete_stream(gone.id)
    seal(world.ledger, _admin(world), witness=None)  # the intruder's own seal, over the gap
    forged = UUID("00000000-0000-4000-8000-000000000001")
    table.insert(position, forged, 1, topic, state)
    _named(verify(world.ledger, witness=None), "not covered by that seal")


# ------------------------------------------------------------------ actors, tokens, reference data


def test_an_edited_token_index_is_named_and_authenticates_nobody(world: World) -> None:
    reader_token = world.tokens["reader"]
    index_id = TokenIndex.create_id(token_digest(reader_token))
    Table(world).edit(index_id, 1, rb'"actor_name":"reader"', b'"actor_name":"admin"')
    [named] = _named(verify(world.ledger), "token index entry points at actor 'admin'", "token differs")
    assert (named["case_id"], named["stream"]) == (str(index_id), "token index")
    fresh = Ledger(settings=world.ledger.settings)
    try:
        with pytest.raises(UnknownActor):
            fresh.authenticate(reader_token)
        assert fresh.authenticate(world.tokens["admin"]).name == "admin"
    finally:
        fresh.close()


def test_an_edited_role_is_named(world: World) -> None:
    case = _life(world)
    log_reads(
        world.ledger, world.actors["reader"], [Read(str(case.id), False)], endpoint="test", purpose="核查"
    )
    seal(world.ledger, _admin(world), witness=None)
    reader_id = Actor.create_id("reader")
    Table(world).edit(reader_id, 1, rb'"role":"reader"', b'"role":"admin"')
    report = verify(world.ledger, witness=None)
    [head] = _named(report, "differs from the sealed head")
    assert (head["case_id"], head["stream"]) == (str(reader_id), "actor")
    _named(report, "actor 'reader' acted as reader but is registered as admin")


def test_an_edited_population_is_named(world: World) -> None:
    seal(world.ledger, _admin(world), witness=None)
    table = Table(world)
    _, version, _, state = [r for r in table.rows(RegionCatalogue.ID) if b"population" in r[3]][-1]
    match = re.search(rb'"population":\{"\d{4}":\d+', state)
    assert match is not None
    village = match.group(0)
    table.edit(RegionCatalogue.ID, version, re.escape(village), village + b"0")  # ten times the residents
    [named] = _named(verify(world.ledger, witness=None), "differs from the sealed head")
    assert (named["case_id"], named["stream"], named["sequence"]) == (
        str(RegionCatalogue.ID),
        "regions",
        version,
    )


def test_an_event_by_an_actor_that_does_not_exist_is_named(world: World) -> None:
    ghost = Actor.register(
        name="ghost",
        role="recorder",
        region_path=[],
        organisation_code=None,
        token_hash="",
        created_by="admin",
    )  # never saved
    case = world.ledger.report(
        ghost,
        source="walk_in",
        category="neighbour",
        region_code=VILLAGE,
        summary="无人登记的录入",
        parties=[{"role": "applicant", "kind": "person", "name": "王五"}],
        people_involved=1,
    ).case
    [named] = _named(verify(world.ledger), "names actor 'ghost', who is not registered")
    assert (named["case_id"], named["stream"], named["sequence"]) == (str(case.id), "case", 1)


def test_a_forged_unchained_actor_after_the_upgrade_is_named(world: World) -> None:
    """An intruder writes an admin in the shape of a pre-chaining (version 1) event."""
    seal(world.ledger, _admin(world), witness=None)
    table = Table(world)
    _, _, topic, state = table.rows(Actor.create_id("reader"))[0]
    body = json.loads(state)
    for key in ("prev_hash", "class_version"):
        body.pop(key)
    body.update(name="intruder", role="admin")
    top = world.event_count()
    table.insert(top + 1, Actor.create_id("intruder"), 1, topic, json.dumps(body).encode())
    [named] = _named(
        verify(world.ledger, witness=None), "unchained event written after the store was upgraded"
    )
    assert (named["case_id"], named["stream"]) == (str(Actor.create_id("intruder")), "actor")


def test_rotated_and_revoked_tokens_are_chained_and_an_edited_rotation_is_named(world: World) -> None:
    """Events added to Actor and TokenIndex later (rotation, revocation, expiry) are chained by
    the shared base without code of their own, and sealed like every other stream."""
    world.ledger.rotate("reader", by="admin")
    world.ledger.revoke("recorder", by="admin")
    report = verify(world.ledger, witness=None)
    assert report.intact, _problems(report)
    reader_id = Actor.create_id("reader")
    rows = Table(world).rows(reader_id)
    assert [json.loads(state)["prev_hash"] is not None for *_, state in rows] == [True, True]
    seal(world.ledger, _admin(world), witness=None)
    # Another first hex digit than the one stored (a fixed "0" left one store in 16 unchanged).
    Table(world).edit(
        reader_id, 2, rb'"token_hash":"[0-9a-f]', lambda m: m.group()[:-1] + (b"1" if m.group()[-1:] == b"0" else b"0")
    )
    report = verify(world.ledger, witness=None)
    [head] = _named(report, "differs from the sealed head")
    assert (head["case_id"], head["stream"], head["sequence"]) == (str(reader_id), "actor", 2)
    _named(report, "token index entry points at actor 'reader', whose registered token differs")
