"""Value objects and the checks that guard them. Each check names the field it refuses."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.codes import PartyKind, PartyRole
from domain.errors import InvalidValue

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# [0-9], not \d: \d also matches other scripts' digits, which int() and Decimal() then accept.
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")
_REGION_CODE = re.compile(r"[0-9]{6}([0-9]{3}([0-9]{3}([0-9]{3})?)?)?")
#: An amount as a client writes it: digits, at most two decimals; no sign, exponent or spaces.
_AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,16})?")
_WHOLE = re.compile(r"-?[0-9]{1,9}")
MAX_AMOUNT = Decimal("1000000000000")
MAX_PARTIES = 50
MAX_PARTICIPANTS = 100
MAX_CODE_LENGTH = 64

#: Characters no stored text may hold: C0 controls but tab, LF and CR; DEL and the C1 controls;
#: lone surrogates. PostgreSQL cannot store NUL in text, a surrogate cannot be encoded as UTF-8,
#: and the rest are never typed by a person but can hide text from a reader.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_character(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None. The one check every text goes through."""
    found = _FORBIDDEN.search(value)
    if found is None:
        return None
    char = found.group()
    kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    return f"must not contain {kind} (U+{ord(char):04X} at position {found.start()})"


def check_characters(field: str, value: str) -> str:
    reason = forbidden_character(value)
    if reason is not None:
        raise InvalidValue(field, reason)
    return value


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character of a resident id number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def check_resident_id(field: str, value: str) -> str:
    value = check_characters(field, value).strip().upper()
    if not _ID_SHAPE.fullmatch(value):
        raise InvalidValue(field, "a resident id number has 17 digits and a check digit or X")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidValue(field, "the birth date inside the id number is not a date") from None
    if id_check_digit(value[:17]) != value[17]:
        raise InvalidValue(field, "the id number's check digit does not match (GB 11643)")
    return value


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """GB 32100-2015 check character of a unified social credit code."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def check_credit_code(field: str, value: str) -> str:
    value = check_characters(field, value).strip().upper()
    if not _USCC_SHAPE.fullmatch(value):
        raise InvalidValue(field, "an organisation's id is an 18-character unified social credit code")
    if credit_code_check_char(value[:17]) != value[17]:
        raise InvalidValue(field, "the credit code's check character does not match (GB 32100)")
    return value


def check_phone(field: str, value: str) -> str:
    value = check_characters(field, value).strip().replace(" ", "")
    if not (_MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value)):
        raise InvalidValue(field, "a phone is an 11-digit mobile (1xxxxxxxxxx) or a landline 0xxx-xxxxxxx")
    return value


def check_text(field: str, value: object, *, max_length: int = 2000) -> str:
    """Text a person wrote: not empty, at most ``max_length`` characters once trimmed, and
    nothing ``forbidden_character`` refuses (checked before trimming, which would drop some)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(field, "must not be empty")
    value = check_characters(field, value).strip()
    if len(value) > max_length:
        raise InvalidValue(field, f"at most {max_length} characters")
    return value


def check_optional_text(field: str, value: object, *, max_length: int = 2000) -> str | None:
    """check_text, with None or blank meaning "not given"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return check_text(field, value, max_length=max_length)


def check_items(field: str, value: object, *, maximum: int, what: str) -> list[Any]:
    """A non-empty list of at most ``maximum`` items."""
    if not isinstance(value, list | tuple) or not value:
        raise InvalidValue(field, f"name at least one {what}")
    if len(value) > maximum:
        raise InvalidValue(field, f"at most {maximum} {what}s")
    return list(value)


def check_count(field: str, value: object, *, minimum: int = 1, maximum: int = 100000) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if not (isinstance(value, str) and _WHOLE.fullmatch(value)):
            raise InvalidValue(field, "must be a whole number")
        value = int(value)
    if not minimum <= value <= maximum:
        raise InvalidValue(field, f"must be between {minimum} and {maximum}")
    return value


def check_amount(field: str, value: object) -> Decimal:
    """Yuan as Decimal with at most two places; floats are refused because they round."""
    if isinstance(value, float | bool):
        raise InvalidValue(field, 'an amount is a decimal string such as "1200.50", not a float')
    if isinstance(value, str):
        check_characters(field, value)
        if value.startswith("-") and _AMOUNT.fullmatch(value[1:]):
            raise InvalidValue(field, "must not be negative (an amount carries no sign)")
        if not _AMOUNT.fullmatch(value):
            raise InvalidValue(
                field,
                f"{value[:40]!r} is not a decimal amount in yuan: digits and a decimal point only, "
                'no sign, exponent or spaces (e.g. "1200.50")',
            )
    elif not isinstance(value, int | Decimal):
        raise InvalidValue(field, f"{str(value)[:40]!r} is not a decimal amount in yuan")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidValue(field, f"{value!r} is not a decimal amount in yuan") from None
    if not amount.is_finite():
        raise InvalidValue(field, "must be a finite amount")
    if amount < 0:
        raise InvalidValue(field, "must not be negative")
    if amount > MAX_AMOUNT:
        raise InvalidValue(field, f"must not exceed {MAX_AMOUNT}")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidValue(field, "at most two decimal places (fen)")
    # "-0" is zero; never store a negative zero.
    return abs(amount).quantize(Decimal("0.01"))


def check_region_code(field: str, value: object) -> str:
    code = check_characters(field, str(value)).strip()
    if not _REGION_CODE.fullmatch(code):
        raise InvalidValue(field, "a region code has 6, 9, 12 or 15 digits")
    return code


@dataclass(frozen=True)
class Party:
    role: str
    kind: str
    name: str
    id_number: str | None = None
    phone: str | None = None

    @classmethod
    def parse(cls, data: object, index: int = 0) -> Party:
        where = f"parties[{index}]"
        if not isinstance(data, dict):
            raise InvalidValue(where, "a party is an object with role, kind and name")
        unknown = set(data) - {"role", "kind", "name", "id_number", "phone"}
        if unknown:
            raise InvalidValue(f"{where}.{sorted(unknown)[0]}", "unknown field")
        kind = PartyKind.parse(f"{where}.kind", data.get("kind"))
        id_number = data.get("id_number") or None
        if id_number is not None:
            check = check_resident_id if kind is PartyKind.PERSON else check_credit_code
            id_number = check(f"{where}.id_number", str(id_number))
        phone = data.get("phone") or None
        return cls(
            role=PartyRole.parse(f"{where}.role", data.get("role")).value,
            kind=kind.value,
            name=check_text(f"{where}.name", data.get("name"), max_length=100),
            id_number=id_number,
            phone=check_phone(f"{where}.phone", str(phone)) if phone is not None else None,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_parties(data: object) -> tuple[Party, ...]:
    if not isinstance(data, list | tuple) or not data:
        raise InvalidValue("parties", "at least one party is required")
    if len(data) > MAX_PARTIES:
        raise InvalidValue("parties", f"at most {MAX_PARTIES} parties; name the others in the summary")
    parties = tuple(Party.parse(item, i) for i, item in enumerate(data))
    if not any(p.role == PartyRole.APPLICANT for p in parties):
        raise InvalidValue("parties", "at least one party must be the applicant")
    return parties


# ---------------------------------------------------------------------------- instants

#: The default lower bound of every instant; the application passes LEDGER_EARLIEST instead.
DEFAULT_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
YEARS_AHEAD = 10


@dataclass(frozen=True)
class TimeWindow:
    """The instants the ledger accepts: from ``earliest`` to ``YEARS_AHEAD`` years after now,
    each one representable both in UTC and in the county's ``zone``. Outside it a date is a
    typing slip (0026 for 2026), and at the far edges (year 1 at +14:00) converting it to UTC
    or to the county's time overflows in every view that reads it afterwards."""

    earliest: datetime = DEFAULT_EARLIEST
    zone: tzinfo = field(default=UTC)
    years_ahead: int = YEARS_AHEAD

    def latest(self, now: datetime) -> datetime:
        """``years_ahead`` calendar years after ``now`` (29 February becomes 28 February)."""
        year = now.year + self.years_ahead
        try:
            return now.replace(year=year)
        except ValueError:
            return now.replace(year=year, day=28)

    def check(self, name: str, when: object, now: datetime, *, not_after_now: bool = False) -> datetime:
        """``when`` as given, or InvalidValue naming ``name`` and the bound it breaks."""
        if not isinstance(when, datetime):
            raise InvalidValue(name, "an ISO 8601 instant with offset, e.g. 2026-03-01T08:00:00+08:00")
        if when.tzinfo is None or when.utcoffset() is None:
            raise InvalidValue(name, "must carry a time zone offset, e.g. 2026-03-01T08:00:00+08:00")
        self.check_representable(name, when)
        if when < self.earliest:
            raise InvalidValue(name, f"must not be before {self.earliest.isoformat()} (LEDGER_EARLIEST)")
        if not_after_now and when > now:
            raise InvalidValue(name, f"must not be in the future (now is {now.isoformat()})")
        latest = self.latest(now)
        if when > latest:
            raise InvalidValue(
                name, f"must not be more than {self.years_ahead} years ahead (after {latest.isoformat()})"
            )
        return when

    def check_representable(self, name: str, when: datetime) -> datetime:
        try:
            when.astimezone(UTC)
            when.astimezone(self.zone)
        except (OverflowError, ValueError):
            raise InvalidValue(
                name, "is outside the dates that can be written in UTC and in the county's time zone"
            ) from None
        return when
