"""The bounds every input is held to before it is written (issue 10): the time window, the
characters no stored text may hold, list sizes, and the strict reading of JSON bodies.
Each refusal names its field and rule, and the store is unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from application.config import earliest, time_window
from domain.deadlines import MAX_RULE_DAYS, DeadlineRules
from domain.errors import InvalidValue
from domain.values import MAX_PARTIES, TimeWindow, check_count, check_text, forbidden_character, parse_parties
from tests.support import T0
from web.errors import ApiError
from web.json import MAX_DEPTH, check_body

SHANGHAI = ZoneInfo("Asia/Shanghai")
WINDOW = TimeWindow(earliest=datetime(1990, 1, 1, tzinfo=SHANGHAI), zone=SHANGHAI)


def refused(check, *args, **kwargs) -> InvalidValue:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidValue) as caught:
        check(*args, **kwargs)
    return caught.value


# ------------------------------------------------------------------ the time window


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0001-01-01T00:00:00+14:00", "UTC"),
        ("9999-12-31T23:59:59-14:00", "UTC"),
        ("0001-01-01T00:00:00+00:00", "before 1990"),
        ("1989-12-31T23:59:59.999999+08:00", "before 1990"),
        ("2026-03-02T09:00:01+08:00", "future"),
    ],
)
def test_instants_outside_the_window_are_refused_naming_the_field(text: str, words: str) -> None:
    err = refused(WINDOW.check, "occurred_at", datetime.fromisoformat(text), T0, not_after_now=True)
    assert err.field == "occurred_at" and words in err.rule, err.rule


def test_a_due_date_more_than_ten_years_ahead_is_refused() -> None:
    err = refused(WINDOW.check, "due_at", datetime.fromisoformat("2036-03-02T01:00:01+00:00"), T0)
    assert err.field == "due_at" and "10 years" in err.rule


def test_the_bounds_themselves_are_inside() -> None:
    for when in (datetime(1990, 1, 1, tzinfo=SHANGHAI), T0):
        assert WINDOW.check("occurred_at", when, T0, not_after_now=True) == when
    ten_years = T0.replace(year=2036)
    assert WINDOW.check("due_at", ten_years, T0) == ten_years
    assert WINDOW.latest(datetime(2024, 2, 29, tzinfo=UTC)) == datetime(2034, 2, 28, tzinfo=UTC)


def test_a_naive_or_missing_instant_is_refused() -> None:
    assert "offset" in refused(WINDOW.check, "due_at", datetime(2026, 3, 1), T0).rule
    assert "ISO 8601" in refused(WINDOW.check, "due_at", "2026-03-01", T0).rule


def test_the_domain_refuses_poison_instants_and_writes_nothing(memory_world) -> None:
    w = memory_world
    w.ledger.rules = DeadlineRules(window=WINDOW)
    count = w.event_count()
    for when in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1989-06-01T00:00:00+08:00"):
        err = refused(w.report, occurred_at=datetime.fromisoformat(when))
        assert err.field == "occurred_at"
    assert w.event_count() == count
    case = w.report()
    count = w.event_count()
    for when in ("9999-12-31T23:59:59-14:00", "2036-03-03T00:00:00+08:00", "1989-06-01T00:00:00+08:00"):
        err = refused(
            w.do,
            case.id,
            "add_supervision_note",
            "supervisor",
            instruction="督办",
            due_at=datetime.fromisoformat(when),
        )
        assert err.field == "due_at", err
    assert w.event_count() == count


def test_a_deadline_that_would_leave_writable_time_refuses_the_command() -> None:
    near_the_end = TimeWindow(earliest=datetime(1990, 1, 1, tzinfo=UTC), zone=SHANGHAI)
    rules = DeadlineRules(window=near_the_end)
    err = refused(rules.after, "follow_up", datetime(9999, 12, 20, tzinfo=UTC))
    assert err.field == "occurred_at" and "follow_up deadline" in err.rule
    # Writable in UTC, but not in the county's zone (UTC+8).
    err = refused(rules.triage, datetime(9999, 12, 28, 20, tzinfo=UTC), "low")
    assert "triage deadline" in err.rule


def test_rule_durations_are_bounded_when_loaded(tmp_path) -> None:
    path = tmp_path / "deadlines.toml"
    for value in (MAX_RULE_DAYS + 1, "nan", 0):
        path.write_text(f"[deadlines]\ntriage_days = {value}\n", encoding="utf-8")
        with pytest.raises(ValueError, match="positive number of days"):
            DeadlineRules.load(path)
    path.write_text(f"[deadlines]\ntriage_days = {MAX_RULE_DAYS}\n", encoding="utf-8")
    assert DeadlineRules.load(path).triage_days == MAX_RULE_DAYS
    path.write_text('[deadlines]\nwindow = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown deadline settings: window"):
        DeadlineRules.load(path)


def test_ledger_earliest_is_read_at_call_time(monkeypatch) -> None:
    monkeypatch.delenv("LEDGER_EARLIEST", raising=False)
    monkeypatch.delenv("LEDGER_TZ", raising=False)
    assert earliest() == datetime(1990, 1, 1, tzinfo=SHANGHAI)
    monkeypatch.setenv("LEDGER_EARLIEST", "2015-07-01")
    assert time_window().earliest == datetime(2015, 7, 1, tzinfo=SHANGHAI)
    monkeypatch.setenv("LEDGER_EARLIEST", "2015-07-01T00:00:00+00:00")
    assert earliest() == datetime(2015, 7, 1, tzinfo=UTC)
    for bad in ("1899-12-31", "0001-01-01", "2999-01-01", "yesterday", "2015-07-01T00:00:00"):
        monkeypatch.setenv("LEDGER_EARLIEST", bad)
        with pytest.raises(ValueError, match="LEDGER_EARLIEST"):
            earliest()


# ------------------------------------------------------------------ text


@pytest.mark.parametrize(
    "char",
    ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f", "\ud800", "\udfff"],
)
def test_control_characters_and_lone_surrogates_are_refused_everywhere(char: str) -> None:
    err = refused(check_text, "parties[0].name", f"张{char}三", max_length=100)
    assert err.field == "parties[0].name" and "U+" in err.rule and "position 1" in err.rule
    # Trimming would drop some of them (\x1c-\x1f, \x85): the check sees the text as sent.
    assert forbidden_character(f"{char}张") is not None


@pytest.mark.parametrize(
    "value", ["第一行\n第二行", "列\t值", "行\r\n尾", "\u2028分隔", "😀", "e\u0301", "\u200b零宽"]
)
def test_tabs_newlines_and_other_unicode_text_are_kept(value: str) -> None:
    assert check_text("summary", value) == value.strip()


def test_lists_are_bounded() -> None:
    party = {"role": "applicant", "kind": "person", "name": "张三"}
    assert len(parse_parties([party] * MAX_PARTIES)) == MAX_PARTIES
    assert "at most 50" in refused(parse_parties, [party] * (MAX_PARTIES + 1)).rule


@pytest.mark.parametrize("value", ["1_000", " 3", "３", "٣", "1e3", "9" * 5000])
def test_counts_are_plain_digits(value: str) -> None:
    assert "whole number" in refused(check_count, "people_involved", value).rule


# ------------------------------------------------------------------ JSON bodies


def body_refused(data: str | bytes) -> ApiError:
    with pytest.raises(ApiError) as caught:
        check_body(data.encode() if isinstance(data, str) else data)
    return caught.value


def nested(levels: int) -> str:
    return '{"a": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"


def test_nesting_is_bounded_without_recursion() -> None:
    check_body(nested(MAX_DEPTH).encode())
    for levels in (MAX_DEPTH + 1, 1000, 100_000):
        err = body_refused(nested(levels))
        assert err.status == 400 and "32 levels" in err.message


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        ('{"summary": "a", "summary": "b"}', 400, "summary"),
        ('{"parties": [{"name": "a", "name": "b"}]}', 400, "name"),
        ('{"summary": "\\ud800"}', 400, "body"),
        ('{"amount": NaN}', 400, "body"),
        ('{"amount": Infinity}', 400, "body"),
        ('{"amount": 1e999}', 400, "body"),
        (b'{"summary": "\xed\xa0\x80"}', 400, "body"),
        (b'{"summary": "\xff"}', 400, "body"),
        ('{"parties": [{"name": "\\u0000"}]}', 422, "parties[0].name"),
        ('{"note": "\\u001b[31m"}', 422, "note"),
        ('{"a\\u0000": 1}', 422, "body.'a\\x00'"),
        ('{"people_involved": 9223372036854775808}', 422, "people_involved"),
        ('{"people_involved": -9223372036854775809}', 422, "people_involved"),
    ],
)
def test_bodies_that_are_not_strict_json_are_refused_naming_the_place(
    data: str | bytes, status: int, field: str
) -> None:
    err = body_refused(data)
    assert err.status == status and field in err.errors, (err.status, err.errors)
    json.dumps(err.errors)  # an error can always be answered: nothing in it is unencodable


def test_a_plain_body_passes() -> None:
    check_body(
        '{"summary": "两户\\t纠纷\\n", "parties": [{"name": "张三"}], "n": 9223372036854775807}'.encode()
    )
    check_body(b"[]")
    check_body(b'"text"')


def test_extreme_offsets_stay_comparable() -> None:
    """The window compares before it converts: a comparison of aware instants never overflows."""
    far = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    assert far < WINDOW.earliest
