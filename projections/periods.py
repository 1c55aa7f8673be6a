"""Calendar periods in the county's time zone: 2026, 2026-Q1, 2026-03."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from domain.errors import InvalidValue

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")


def utc_text(when: datetime) -> str:
    """Fixed-width UTC text (2026-03-01T00:30:00.000000+00:00): it sorts and compares the same
    in SQLite and PostgreSQL, and isoformat/fromisoformat are fast on the projection's hot path."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def parse_utc_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


def month_of(when: datetime, tz: ZoneInfo) -> str:
    local = when.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


@dataclass(frozen=True)
class Period:
    text: str
    year: int
    first_month: int
    last_month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match((text or "").strip())
        if not match:
            raise InvalidValue("period", "a year (2026), a quarter (2026-Q1) or a month (2026-03)")
        year = int(match.group(1))
        if match.group(2):
            q = int(match.group(2))
            return cls(text.strip(), year, 3 * q - 2, 3 * q)
        if match.group(3):
            m = int(match.group(3))
            return cls(text.strip(), year, m, m)
        return cls(text.strip(), year, 1, 12)

    @property
    def months(self) -> tuple[str, str]:
        """First and last month key, inclusive."""
        return f"{self.year:04d}-{self.first_month:02d}", f"{self.year:04d}-{self.last_month:02d}"

    def same_last_year(self) -> Period:
        return Period(self.text.replace(str(self.year), str(self.year - 1), 1), self.year - 1, self.first_month, self.last_month)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) instants of the period in the county's time zone."""
        start = datetime(self.year, self.first_month, 1, tzinfo=tz)
        end_year, end_month = (self.year + 1, 1) if self.last_month == 12 else (self.year, self.last_month + 1)
        return start, datetime(end_year, end_month, 1, tzinfo=tz)

    def not_begun(self, now: datetime, tz: ZoneInfo) -> str | None:
        """Why the period cannot be reported on yet, or None once its first day has come in the
        county's zone. A period under way is fine: its figures so far are real."""
        start = self.bounds(tz)[0]
        if now < start:
            today = now.astimezone(tz).date().isoformat()
            return f"{self.text} has not begun (today is {today} in {tz.key})"
        return None
