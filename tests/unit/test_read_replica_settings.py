"""LEDGER_READ_DATABASE_URL: a replica of a PostgreSQL primary, read in follower mode only."""

from __future__ import annotations

import pytest

from application.config import StoreSettings, read_store_settings
from web import create_app

PRIMARY = StoreSettings(sqlite_path="", url="postgresql://postgres@127.0.0.1:5432/test", schema="s1")


def test_the_replica_keeps_the_primarys_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_READ_DATABASE_URL", "postgresql://postgres@replica:5433/test")
    replica = read_store_settings(PRIMARY)
    assert replica == StoreSettings(sqlite_path="", url="postgresql://postgres@replica:5433/test", schema="s1")


def test_without_the_setting_views_are_read_from_the_primary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGER_READ_DATABASE_URL", raising=False)
    assert read_store_settings(PRIMARY) is None


@pytest.mark.parametrize(
    ("url", "primary", "message"),
    [
        ("mysql://replica/test", PRIMARY, "must start with postgresql://"),
        ("postgresql://replica/test", StoreSettings(sqlite_path="x.sqlite3", url=None, schema="public"), "a replica of what"),
    ],
)
def test_settings_that_cannot_work_are_refused(
    monkeypatch: pytest.MonkeyPatch, url: str, primary: StoreSettings, message: str
) -> None:
    monkeypatch.setenv("LEDGER_READ_DATABASE_URL", url)
    with pytest.raises(ValueError, match=message):
        read_store_settings(primary)


def test_a_replica_with_inline_projection_refuses_to_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = StoreSettings(sqlite_path=str(tmp_path / "l.sqlite3"), url=None, schema="public")
    with pytest.raises(ValueError, match="read only"):
        create_app({"STORE_SETTINGS": store, "READ_STORE_SETTINGS": PRIMARY, "INLINE_PROJECTION": True})
