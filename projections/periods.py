"""Calendar periods in the county's time zone (DESIGN.md §6): 2026, 2026-H1, 2026-Q1, 2026-03 and
month ranges 2026-01..2026-08; the span of days a period covers as of an instant, and the spans it
is compared with."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.errors import InvalidValue

_MONTH = r"(\d{4})-(0[1-9]|1[0-2])"
_PERIOD = re.compile(rf"^(\d{{4}})(?:-H([12])|-Q([1-4])|-(0[1-9]|1[0-2])(?:\.\.{_MONTH})?)?$")
SHAPES = "a year (2026), a half (2026-H1), a quarter (2026-Q1), a month (2026-03) or a month range (2026-01..2026-08)"
#: The years a period may name: the calendar's own limits, one year in from each end.
FIRST_YEAR, LAST_YEAR = 2, 9998
#: Kinds of period compared with the preceding period of the same kind (环比).
PREVIOUS_KINDS = ("quarter", "month")


def utc_text(when: datetime) -> str:
    """Fixed-width UTC text (2026-03-01T00:30:00.000000+00:00): it sorts and compares the same
    in SQLite and PostgreSQL, and isoformat/fromisoformat are fast on the projection's hot path."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def parse_utc_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


def month_of(when: datetime, tz: ZoneInfo) -> str:
    local = when.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


def day_of(when: datetime, tz: ZoneInfo) -> str:
    """The county's local day of an instant, as 'YYYY-MM-DD' (sorts as text)."""
    return when.astimezone(tz).date().isoformat()


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _year_earlier(day: date) -> date:
    # 29 February has no twin a year earlier: its year-earlier span ends on the 28th.
    return date(day.year - 1, day.month, min(day.day, calendar.monthrange(day.year - 1, day.month)[1]))


def year_later(day: date) -> date:
    # 29 February has no twin a year later: its year ends on the 28th.
    return date(day.year + 1, day.month, min(day.day, calendar.monthrange(day.year + 1, day.month)[1]))


@dataclass(frozen=True)
class Span:
    """The days counted: ``start`` to ``through`` inclusive (local days of the county). A span of
    0 days has ``through`` on the day before ``start``."""

    start: date
    through: date

    @property
    def days(self) -> int:
        return max(0, (self.through - self.start).days + 1)

    @property
    def first(self) -> str:
        return self.start.isoformat()

    @property
    def last(self) -> str:
        return self.through.isoformat()

    def end_instant(self, tz: ZoneInfo) -> datetime:
        """The instant the span ends: midnight after its last day, in the county's zone."""
        following = self.through + timedelta(days=1)
        return datetime(following.year, following.month, following.day, tzinfo=tz)


@dataclass(frozen=True)
class Period:
    text: str
    year: int
    first_month: int
    last_month: int
    kind: str = "year"

    @classmethod
    def parse(cls, text: str) -> Period:
        given = (text or "").strip()
        match = _PERIOD.match(given)
        if not match:
            raise InvalidValue("period", SHAPES)
        year = int(match.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            # Comparisons reach a year back and a year on (同比, the 12 months after delivery).
            raise InvalidValue("period", f"a year from {FIRST_YEAR} to {LAST_YEAR}")
        half, quarter, month, range_year, range_month = match.group(2, 3, 4, 5, 6)
        if half:
            h = int(half)
            return cls(given, year, 6 * h - 5, 6 * h, "half")
        if quarter:
            q = int(quarter)
            return cls(given, year, 3 * q - 2, 3 * q, "quarter")
        if month and range_year:
            first, last = int(month), int(range_month)
            if int(range_year) != year:
                raise InvalidValue("period", f"a month range stays within one year ({given} crosses into {range_year})")
            if last < first:
                raise InvalidValue("period", f"a month range runs forward ({given} ends before it begins)")
            return cls(given, year, first, last, "range")
        if month:
            m = int(month)
            return cls(given, year, m, m, "month")
        return cls(given, year, 1, 12, "year")

    @property
    def months(self) -> tuple[str, str]:
        """First and last month key, inclusive."""
        return f"{self.year:04d}-{self.first_month:02d}", f"{self.year:04d}-{self.last_month:02d}"

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The period's last day."""
        return _last_day(self.year, self.last_month)

    def same_last_year(self) -> Period:
        shifted = self.text.replace(str(self.year), str(self.year - 1))
        return Period(shifted, self.year - 1, self.first_month, self.last_month, self.kind)

    def previous(self) -> Period | None:
        """The preceding period of the same kind, for quarters and months; else None."""
        if self.kind == "quarter":
            q = (self.first_month + 2) // 3
            return Period.parse(f"{self.year}-Q{q - 1}" if q > 1 else f"{self.year - 1}-Q4")
        if self.kind == "month":
            m = self.first_month
            return Period.parse(f"{self.year}-{m - 1:02d}" if m > 1 else f"{self.year - 1}-12")
        return None

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) instants of the period in the county's time zone."""
        start = datetime(self.year, self.first_month, 1, tzinfo=tz)
        end_year, end_month = (self.year + 1, 1) if self.last_month == 12 else (self.year, self.last_month + 1)
        return start, datetime(end_year, end_month, 1, tzinfo=tz)

    def span(self, when: datetime, tz: ZoneInfo) -> Span:
        """The days of the period counted as of ``when``: all of them once it has ended, else
        its elapsed whole days (today, still under way, is not counted)."""
        today = when.astimezone(tz).date()
        if today > self.end:
            return Span(self.start, self.end)
        return Span(self.start, max(today - timedelta(days=1), self.start - timedelta(days=1)))

    def complete(self, when: datetime, tz: ZoneInfo) -> bool:
        return when.astimezone(tz).date() > self.end

    @staticmethod
    def last_year_span(span: Span) -> Span:
        """The same elapsed span one year earlier (1 Jan–30 Nov against 1 Jan–30 Nov)."""
        start = _year_earlier(span.start)
        if span.days == 0:
            return Span(start, start - timedelta(days=1))
        return Span(start, _year_earlier(span.through))

    def previous_span(self, span: Span) -> Span | None:
        """The preceding period of the same kind, clipped to the same number of days."""
        before = self.previous()
        if before is None:
            return None
        through = min(before.end, before.start + timedelta(days=span.days - 1))
        return Span(before.start, through)

    def not_begun(self, now: datetime, tz: ZoneInfo) -> str | None:
        """Why the period cannot be reported on yet, or None once its first day has come in the
        county's zone. A period under way is fine: its figures so far are real."""
        start = self.bounds(tz)[0]
        if now < start:
            today = now.astimezone(tz).date().isoformat()
            return f"{self.text} has not begun (today is {today} in {tz.key})"
        return None
