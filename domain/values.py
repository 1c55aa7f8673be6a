"""Value objects and the checks that guard them. Each check names the field it refuses."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.codes import PartyKind, PartyRole
from domain.errors import InvalidValue

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_REGION_CODE = re.compile(r"^\d{6}(\d{3}(\d{3}(\d{3})?)?)?$")
MAX_AMOUNT = Decimal("1000000000000")


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character of a resident id number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def check_resident_id(field: str, value: str) -> str:
    value = value.strip().upper()
    if not _ID_SHAPE.match(value):
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
    value = value.strip().upper()
    if not _USCC_SHAPE.match(value):
        raise InvalidValue(field, "an organisation's id is an 18-character unified social credit code")
    if credit_code_check_char(value[:17]) != value[17]:
        raise InvalidValue(field, "the credit code's check character does not match (GB 32100)")
    return value


def check_phone(field: str, value: str) -> str:
    value = value.strip().replace(" ", "")
    if not (_MOBILE.match(value) or _LANDLINE.match(value)):
        raise InvalidValue(field, "a phone is an 11-digit mobile (1xxxxxxxxxx) or a landline 0xxx-xxxxxxx")
    return value


def check_text(field: str, value: object, *, max_length: int = 2000) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(field, "must not be empty")
    value = value.strip()
    if len(value) > max_length:
        raise InvalidValue(field, f"at most {max_length} characters")
    return value


def check_count(field: str, value: object, *, minimum: int = 1, maximum: int = 100000) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value), 10)
        except ValueError:
            raise InvalidValue(field, "must be a whole number") from None
    if not minimum <= value <= maximum:
        raise InvalidValue(field, f"must be between {minimum} and {maximum}")
    return value


def check_amount(field: str, value: object) -> Decimal:
    """Yuan as Decimal with at most two places; floats are refused because they round."""
    if isinstance(value, float | bool):
        raise InvalidValue(field, "an amount is a decimal string such as \"1200.50\", not a float")
    try:
        amount = Decimal(str(value).strip())
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
    code = str(value).strip()
    if not _REGION_CODE.match(code):
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
    parties = tuple(Party.parse(item, i) for i, item in enumerate(data))
    if not any(p.role == PartyRole.APPLICANT for p in parties):
        raise InvalidValue("parties", "at least one party must be the applicant")
    return parties
