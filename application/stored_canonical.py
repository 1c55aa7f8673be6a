"""The canonical form of a stored event, read straight from its stored JSON.

`ledger verify` hashes every event in the store. Building each domain event through the
library's mapper (a json decoder calling back into Python for every object, then datetime and
UUID objects that the canonical form turns straight back into strings) costs most of the pass.
The library's JSON transcoder writes a datetime as its isoformat() and a UUID as its hex, so the
canonical strings can be taken from the stored text directly. tests/integration/
test_stored_canonical.py holds this to byte equality with the mapper path on every event type.

Anything this fast path does not understand (a cipher or compressor, a class version still to upcast,
a transcoding it does not know, text orjson refuses) goes through the mapper, which gives the
same answer or the same error as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

from domain.integrity import canonical

_OPTIONS = orjson.OPT_SORT_KEYS


def _dashed_uuid(hex_: str) -> str:
    return str(UUID(hex_))


#: The library transcoding names whose stored data is already the canonical string.
_PLAIN: dict[str, Callable[[str], str]] = {
    "datetime_iso": str,  # DatetimeAsISO stores isoformat(); fromisoformat round-trips it
    "decimal_str": str,  # DecimalAsStr stores str(); Decimal(str(x)) prints the same
    "uuid_hex": _dashed_uuid,  # the canonical form writes str(uuid), with dashes
}


class _Unknown(Exception):
    """A stored value the fast path will not guess at."""


def _plain(value: Any) -> Any:
    if type(value) is dict:
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            convert = _PLAIN.get(value["_type_"])
            data = value["_data_"]
            if convert is None or type(data) is not str:
                raise _Unknown(value["_type_"])
            return convert(data)
        return {k: _plain(v) if type(v) in _NESTED else v for k, v in value.items()}
    return [_plain(v) if type(v) in _NESTED else v for v in value]


_NESTED = (dict, list)
_NO_TYPE: tuple[str | None, int] = (None, 1)


class StoredCanonical:
    """Callable: stored event -> (canonical bytes, its state as plain values)."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self._mapper = mapper
        self._fast = mapper.cipher is None and mapper.compressor is None
        self._types: dict[str, tuple[str | None, int]] = {}

    def __call__(self, stored: StoredEvent) -> tuple[bytes, dict[str, Any]]:
        type_name, version = self._type_name(stored.topic) if self._fast else _NO_TYPE
        if type_name is not None:
            try:
                body = _plain(orjson.loads(stored.state))
            except (orjson.JSONDecodeError, _Unknown, RecursionError):
                pass
            else:
                # The mapper drops class_version once no upcast is due; one that is due goes there.
                if type(body) is dict and body.pop("class_version", 1) == version:
                    body["originator_id"] = str(stored.originator_id)
                    body["originator_version"] = stored.originator_version
                    body["type"] = type_name
                    return orjson.dumps(body, option=_OPTIONS), body
        domain_event = self._mapper.to_domain_event(stored)
        return canonical(domain_event), domain_event.__dict__

    def _type_name(self, topic: str) -> tuple[str | None, int]:
        """The class name the canonical form records and the class version, or None if unknown."""
        try:
            return self._types[topic]
        except KeyError:
            pass
        try:
            cls = resolve_topic(topic)
        except Exception:  # an unknown topic: the mapper raises the error the report names
            found: tuple[str | None, int] = _NO_TYPE
        else:
            found = (f"{cls.__module__}:{cls.__qualname__}", getattr(cls, "class_version", 1))
        self._types[topic] = found
        return found
