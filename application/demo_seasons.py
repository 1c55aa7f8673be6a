"""When disputes arise in the demo county: the seasons that the source texts and court reports name.

Migrant workers claim unpaid wages in the weeks before the Spring Festival, when they go home and
need the money; land disputes come with spring planting (March to May); families quarrel over the
holiday; courts file fewer cases in the festival week and at the October holiday.
"""

from __future__ import annotations

from datetime import date, timedelta

#: 春节 (the first day of the lunar year); the demo spans at most these years.
SPRING_FESTIVAL = {
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
}


def spring_festival(year: int) -> date:
    # Outside the table a mid-February date keeps the shape of the year without inventing a calendar.
    return SPRING_FESTIVAL.get(year, date(year, 2, 10))


def days_to_festival(day: date) -> int:
    """Days from ``day`` to the next Spring Festival (0 on the day itself)."""
    festival = spring_festival(day.year)
    if festival < day:
        festival = spring_festival(day.year + 1)
    return (festival - day).days


def days_after_festival(day: date) -> int:
    """Days since the latest Spring Festival on or before ``day``."""
    festival = spring_festival(day.year)
    if festival > day:
        festival = spring_festival(day.year - 1)
    return (day - festival).days


def in_festival_week(day: date) -> bool:
    """The holiday itself: the eve and the six days after."""
    return days_after_festival(day + timedelta(days=1)) <= 7


def wage_claims(day: date) -> float:
    """Wage claims climb over the six weeks before the festival and stop during it."""
    before = days_to_festival(day)
    if 0 < before <= 42:
        return 1 + 5 * (42 - before) / 42 if before > 7 else 5.0
    if in_festival_week(day):
        return 0.3
    return 1.0


def spring_planting(day: date) -> float:
    return 3.0 if 3 <= day.month <= 5 else 1.0


def holiday_family(day: date) -> float:
    """Families gather over the festival; the quarrels follow."""
    return 2.0 if 0 <= days_after_festival(day) <= 20 else 1.0


#: Seasonal factor by dispute category (the others arise evenly through the year); each factor's
#: maximum, used to sample dates by rejection.
SEASONS = {
    "migrant_wages": (wage_claims, 5.1),
    "labour": (wage_claims, 5.1),
    "land_contract": (spring_planting, 3.0),
    "neighbour": (lambda d: 1.5 if 3 <= d.month <= 5 else 1.0, 1.5),
    "family": (holiday_family, 2.0),
}

#: Fixed-date public holidays (New Year, Labour Day, National Day week).
HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3), *((10, d) for d in range(1, 8))}

#: Court filings by month: fewer in the festival month and at the National Day holiday.
COURT_MONTHS = {1: 1.0, 2: 0.7, 3: 1.2, 4: 1.1, 5: 1.05, 6: 1.0, 7: 1.0, 8: 0.95, 9: 1.0, 10: 0.8, 11: 1.05, 12: 0.95}


def court_filing(day: date) -> float:
    """Courts file on working days (online filings trickle in at weekends and holidays)."""
    closed = in_festival_week(day) or day.weekday() >= 5 or (day.month, day.day) in HOLIDAYS
    return (0.15 if closed else 1.0) * COURT_MONTHS[day.month]


#: Seasons of court causes that have one; the rest follow court_filing alone.
COURT_SEASONS = {
    "追索劳动报酬纠纷": (wage_claims, 5.1),
    "劳动争议": (wage_claims, 5.1),
    "土地承包经营权纠纷": (spring_planting, 3.0),
    "离婚纠纷": (lambda d: 1.6 if 0 <= days_after_festival(d) <= 50 else 1.0, 1.6),
}
