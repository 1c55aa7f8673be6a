"""Test helpers shared by tests/ and features/: stores, a settable clock, actors, ready-made cases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from application.config import StoreSettings
from application.ledger import Ledger
from application.reference_files import load_demo_reference

PG_URL = os.environ.get("LEDGER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
VILLAGE = "621199001001"  # 城关镇's first community
OTHER_TOWN_VILLAGE = "621199002001"
TOWN = "621199001"
OTHER_TOWN = "621199002"
COUNTY = "621199"
VILLAGE_COMMITTEE = "ORG621199001001"
TOWN_COMMITTEE = "ORGT621199001"
COURT = "ORGC-COURT"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 Beijing time on a Monday


@dataclass
class Clock:
    """The application's clock in tests: starts at T0 and moves only when told."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as e:  # any failure means "not here"; the reason is shown in the skip
        return f"PostgreSQL not reachable at {PG_URL}: {e}"


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema for one test, dropped afterwards, so tests never see each other's rows."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield name
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


@dataclass
class World:
    """A ledger on a real store with the demo county loaded and one actor per role."""

    ledger: Ledger
    clock: Clock
    actors: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def actor(self, name: str, role: str, region: str | None = None, organisation: str | None = None) -> Any:
        if name not in self.actors:
            actor, token = self.ledger.add_actor(name, role, region_code=region, organisation_code=organisation)
            self.actors[name], self.tokens[name] = actor, token
        return self.actors[name]

    def standard_actors(self) -> None:
        self.actor("recorder", "recorder", TOWN)
        self.actor("mediator", "mediator", TOWN, VILLAGE_COMMITTEE)
        self.actor("town-mediator", "mediator", TOWN, TOWN_COMMITTEE)
        self.actor("judge", "judge", COUNTY)
        self.actor("supervisor", "supervisor", COUNTY)
        self.actor("auditor", "auditor")
        self.actor("reader", "reader")
        self.actor("admin", "admin")
        self.actor("other-recorder", "recorder", OTHER_TOWN)

    def event_count(self) -> int:
        return self.ledger.recorder.max_notification_id() or 0

    def report(self, **overrides: Any) -> Any:
        body = report_body(**overrides)
        actor = self.actors[body.pop("actor", "recorder")]
        return self.ledger.report(actor, **body).case

    def do(self, case_id: Any, command: str, actor: str, **args: Any) -> Any:
        return self.ledger.execute(self.actors[actor], case_id, command, **args).case


def report_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "grid_patrol",
        "category": "neighbour",
        "region_code": VILLAGE,
        "summary": "两户因宅基地排水沟发生相邻纠纷",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "张建国", "id_number": "11010519491231002X", "phone": "13812341234"},
            {"role": "respondent", "kind": "person", "name": "李秀英"},
        ],
        "people_involved": 2,
        "amount_in_dispute": None,
    }
    body.update(overrides)
    return body


def make_world(settings: StoreSettings | None, *, popo: bool = False) -> World:
    clock = Clock()
    env = {"PERSISTENCE_MODULE": "eventsourcing.popo"} if popo else None
    ledger = Ledger(env, settings=settings, clock=clock)
    load_demo_reference(ledger)
    world = World(ledger, clock)
    world.standard_actors()
    return world


def use_store(monkeypatch: Any, store: StoreSettings) -> None:
    """Point `ledger ...` run in this process at ``store``, as a shell's settings would."""
    if store.url is None:
        monkeypatch.setenv("LEDGER_DB", store.sqlite_path)
        monkeypatch.delenv("LEDGER_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("LEDGER_DATABASE_URL", store.url)
        monkeypatch.setenv("LEDGER_PG_SCHEMA", store.schema)
