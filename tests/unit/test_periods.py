"""Periods of DESIGN.md §6: the shapes accepted, the days a period counts as of an instant in the
county's zone, and the spans it is compared with."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidValue
from projections.periods import Period, Span

TZ = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "kind", "months"),
    [
        ("2026", "year", (1, 12)),
        ("2026-H1", "half", (1, 6)),
        ("2026-H2", "half", (7, 12)),
        ("2026-Q1", "quarter", (1, 3)),
        ("2026-Q4", "quarter", (10, 12)),
        ("2026-03", "month", (3, 3)),
        ("2026-01..2026-08", "range", (1, 8)),
        ("2026-05..2026-05", "range", (5, 5)),
    ],
)
def test_the_shapes_of_a_period(text: str, kind: str, months: tuple[int, int]) -> None:
    p = Period.parse(text)
    assert (p.kind, p.first_month, p.last_month, p.year) == (kind, *months, 2026)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-08..2026-01", "runs forward"),
        ("2025-11..2026-02", "within one year"),
        ("2026-Q5", "a year (2026)"),
        ("2026-H3", "a year (2026)"),
        ("2026-13", "a year (2026)"),
        ("2026-01..", "a year (2026)"),
        ("", "a year (2026)"),
        ("0000", "a year from 2 to 9998"),
        ("0001-Q1", "a year from 2 to 9998"),
        ("9999-12", "a year from 2 to 9998"),
    ],
)
def test_what_is_refused_and_why(text: str, says: str) -> None:
    with pytest.raises(InvalidValue, match=says.replace("(", r"\(").replace(")", r"\)")):
        Period.parse(text)


def test_on_1_december_the_year_counts_1_january_to_30_november_and_compares_the_same_days() -> None:
    p = Period.parse("2026")
    span = p.span(at(2026, 12, 1, 0), TZ)
    assert (span.start, span.through, span.days) == (date(2026, 1, 1), date(2026, 11, 30), 334)
    assert not p.complete(at(2026, 12, 1), TZ)
    last = Period.last_year_span(span)
    assert (last.start, last.through) == (date(2025, 1, 1), date(2025, 11, 30))
    assert p.previous_span(span) is None  # years have no 环比


def test_the_county_day_decides_not_utc() -> None:
    # 2026-04-01 00:30 in Beijing is still 31 March in UTC: March has ended in the county.
    when = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    march = Period.parse("2026-03")
    assert march.complete(when, TZ) and march.span(when, TZ).through == date(2026, 3, 31)
    q2 = Period.parse("2026-Q2").span(when, TZ)
    assert q2.days == 0 and q2.through == date(2026, 3, 31)


def test_quarter_on_quarter_is_clipped_to_the_days_elapsed() -> None:
    p = Period.parse("2026-Q2")
    span = p.span(at(2026, 5, 10), TZ)
    assert (span.through, span.days) == (date(2026, 5, 9), 39)
    prev = p.previous_span(span)
    assert prev == Span(date(2026, 1, 1), date(2026, 2, 8)) and prev.days == 39
    # a complete Q3 (92 days) against a Q2 of 91: all of Q2
    q3 = Period.parse("2026-Q3")
    full = q3.span(at(2027, 1, 1), TZ)
    assert full.days == 92 and q3.previous_span(full) == Span(date(2026, 4, 1), date(2026, 6, 30))
    # Q1 follows last year's Q4
    q1 = Period.parse("2026-Q1")
    assert q1.previous_span(q1.span(at(2026, 2, 1), TZ)) == Span(date(2025, 10, 1), date(2025, 10, 31))


def test_month_on_month_and_month_ranges() -> None:
    march = Period.parse("2026-03")
    span = march.span(at(2026, 3, 31), TZ)
    assert span.days == 30
    # February has 28 days: clipped to the whole of it
    assert march.previous_span(span) == Span(date(2026, 2, 1), date(2026, 2, 28))
    january = Period.parse("2026-01")
    assert january.previous_span(january.span(at(2027, 1, 1), TZ)) == Span(date(2025, 12, 1), date(2025, 12, 31))
    jan_aug = Period.parse("2026-01..2026-08")
    whole = jan_aug.span(at(2026, 9, 15), TZ)
    assert (whole.start, whole.through, whole.days) == (date(2026, 1, 1), date(2026, 8, 31), 243)
    assert jan_aug.previous_span(whole) is None
    assert Period.last_year_span(whole) == Span(date(2025, 1, 1), date(2025, 8, 31))


def test_a_leap_day_is_compared_with_28_february() -> None:
    span = Period.parse("2028-02").span(at(2028, 3, 1), TZ)
    assert span.through == date(2028, 2, 29)
    assert Period.last_year_span(span) == Span(date(2027, 2, 1), date(2027, 2, 28))


def test_a_period_not_begun_says_so() -> None:
    assert Period.parse("2026-04").not_begun(at(2026, 3, 31, 23), TZ) is not None
    assert Period.parse("2026-04").not_begun(at(2026, 4, 1, 0), TZ) is None
