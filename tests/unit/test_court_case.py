"""Court case numbers, the checks of a court record, and the 案由 → category table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.court_feed import cause_table
from application.table_files import read_bool
from application.table_files import read_day as read_date
from domain.causes import CauseTable
from domain.court_case import (
    CaseNumber,
    CaseNumberError,
    Checks,
    CourtCase,
    _plain_record,
    check_record,
    check_record_fully,
    parse_case_number,
    year_fits,
)
from domain.errors import InvalidValue
from domain.reference import stable_id, stable_ids

CHECKS = Checks(
    court_counties={"ORGC-COURT": "621199", "ORGC-TRIB-01": "621199", "NM-COURT": "150102"},
    regions={"621199", "621199001", "621199001001", "150102"},
    earliest=date(1990, 1, 1),
    today=date(2026, 3, 2),
    causes=CauseTable(),
)


def record(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "case_number": "(2026)甘1199民初123号",
        "court_code": "ORGC-COURT",
        "cause": "民间借贷纠纷",
        "filed_on": date(2026, 2, 3),
        "plaintiff_region": "621199001001",
        "defendant_region": "621199001",
        "plaintiff_is_financial": False,
    }
    values.update(overrides)
    return values


def rules(**overrides: Any) -> set[tuple[str, str]]:
    fields, problems = check_record(record(**overrides), CHECKS)
    assert (fields is None) == bool(problems)
    return {(column, rule) for column, rule, _ in problems}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(2026)甘1199民初123号", CaseNumber(2026, "甘1199", "民初", 123)),
        ("（2025）蒙0102行初7号", CaseNumber(2025, "蒙0102", "行初", 7)),
        ("(2026)陕0112民特1号", CaseNumber(2026, "陕0112", "民特", 1)),
        ("(2026)甘1199民诉前调45号", CaseNumber(2026, "甘1199", "诉前调", 45)),
        ("(2026)甘1199诉前调45号", CaseNumber(2026, "甘1199", "诉前调", 45)),
        ("(2026)甘1199执9号", CaseNumber(2026, "甘1199", "执", 9)),
    ],
)
def test_case_numbers_are_parsed(text: str, expected: CaseNumber) -> None:
    assert parse_case_number(text) == expected


def test_a_number_is_kept_with_ascii_brackets_and_names_its_county() -> None:
    number = parse_case_number("（2026）甘1199民初123号")
    assert number.text == "(2026)甘1199民初123号"
    assert number.county == "621199"
    assert parse_case_number("(2026)黔0102民初1号").county == parse_case_number("(2026)贵0102民初1号").county


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("(2026)甘1199刑初1号", "case_number_kind"),
        ("(2026)甘1199民终1号", "case_number_kind"),
        ("(2026)X1199民初1号", "case_number_province"),
        ("2026甘1199民初1号", "case_number_format"),
        ("(2026)甘119民初1号", "case_number_format"),
        ("(2026)甘1199民初0号", "case_number_format"),
        ("", "case_number_format"),
    ],
)
def test_bad_case_numbers_name_their_rule(text: str, rule: str) -> None:
    with pytest.raises(CaseNumberError) as refused:
        parse_case_number(text)
    assert refused.value.code == rule
    assert isinstance(refused.value, InvalidValue)


def test_the_year_may_differ_only_across_the_turn_of_the_year() -> None:
    assert year_fits(2026, date(2026, 7, 1))
    assert year_fits(2027, date(2026, 12, 20))  # received in late December, numbered in the new year
    assert not year_fits(2027, date(2026, 12, 1))
    assert year_fits(2025, date(2026, 1, 10))  # numbered in December, dated in early January
    assert not year_fits(2025, date(2026, 2, 1))
    assert not year_fits(2024, date(2026, 1, 1))


def test_a_good_record_becomes_the_events_fields() -> None:
    fields, problems = check_record(record(case_number="（2026）甘1199民初123号"), CHECKS)
    assert problems == []
    assert fields == {
        "case_number": "(2026)甘1199民初123号",
        "kind": "民初",
        "court_code": "ORGC-COURT",
        "cause": "民间借贷纠纷",
        "category": "private_lending",
        "filed_on": "2026-02-03",
        "plaintiff_region": "621199001001",
        "defendant_region": "621199001",
        "plaintiff_is_financial": False,
        "concluded_on": None,
        "outcome": None,
        "pre_litigation_number": None,
    }


def test_every_broken_rule_of_a_record_is_named_at_once() -> None:
    assert rules(
        court_code="NOPE",
        cause=" ",
        filed_on="2026-13-01",
        plaintiff_region="12",
        defendant_region="621199009",
        plaintiff_is_financial="maybe",
        outcome="判决",
    ) == {
        ("court_code", "unknown_court"),
        ("cause", "required"),
        ("filed_on", "date_format"),
        ("plaintiff_region", "region_format"),
        ("defendant_region", "unknown_region"),
        ("plaintiff_is_financial", "boolean"),
        ("outcome", "outcome_without_conclusion"),
    }


def test_year_court_and_dates_are_checked_against_the_number_and_the_window() -> None:
    assert rules(filed_on=date(2025, 6, 1)) == {("case_number", "case_number_year")}
    assert rules(case_number="(1989)甘1199民初1号", filed_on=date(1990, 1, 2)) == {
        ("case_number", "case_number_year")
    }
    assert rules(court_code="NM-COURT") == {("case_number", "case_number_court")}
    assert rules(filed_on=date(2026, 3, 3)) == {("filed_on", "future")}
    assert rules(case_number="(1990)甘1199民初1号", filed_on=date(1989, 12, 31)) == {
        ("filed_on", "before_earliest")
    }
    assert rules(concluded_on=date(2026, 2, 1)) == {("concluded_on", "before_filing")}
    assert rules(concluded_on=date(2026, 3, 3)) == {("concluded_on", "future")}
    assert rules(cause="离婚\x00纠纷") == {("cause", "text")}
    assert rules(pre_litigation_number="(2026)甘1199民初5号") == {
        ("pre_litigation_number", "pre_litigation_kind")
    }
    assert rules(plaintiff_region=None, defendant_region="") == set()  # unknown domicile is allowed
    assert rules(court_code="ORGC-TRIB-01") == set()  # a tribunal numbers its cases as its county's court


@pytest.mark.parametrize(
    ("cause", "kind", "category"),
    [
        ("民间借贷纠纷", "民初", "private_lending"),
        ("民间借贷", "民初", "private_lending"),
        ("金融借款合同纠纷", "民初", "financial"),
        ("信用卡纠纷", "民初", "financial"),
        ("买卖合同纠纷", "民初", "commercial"),
        ("离婚纠纷", "民初", "family"),
        ("劳动争议", "民初", "labour"),
        ("机动车交通事故责任纠纷", "民初", "traffic_accident"),
        ("物业服务合同纠纷", "民初", "property_management"),
        ("房屋买卖合同纠纷", "民初", "real_estate"),
        ("追索劳动报酬纠纷", "民初", "migrant_wages"),
        ("赡养纠纷", "民初", "elder_support"),
        ("抚养纠纷", "民初", "child_support"),
        ("相邻关系纠纷", "民初", "neighbour"),
        ("土地承包经营权纠纷", "民初", "land_contract"),
        ("行政处罚", "行初", "administrative"),
        ("行政许可纠纷", "民初", "administrative"),
        ("不存在的案由纠纷", "民初", "other"),
    ],
)
def test_causes_map_to_categories(cause: str, kind: str, category: str) -> None:
    assert CauseTable().category_of(cause, kind) == category


def test_the_cause_table_is_overridden_by_a_csv_or_toml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_file = tmp_path / "causes.csv"
    csv_file.write_bytes("cause,category\n民间借贷纠纷,financial\n彩礼纠纷,family\n".encode("gbk"))
    monkeypatch.setenv("LEDGER_CAUSE_CATEGORIES", str(csv_file))
    table = cause_table()
    assert table.category_of("民间借贷") == "financial"
    assert table.category_of("彩礼") == "family"
    assert table.category_of("离婚纠纷") == "family"  # the defaults stay
    toml_file = tmp_path / "causes.toml"
    toml_file.write_text('[causes]\n"信用卡纠纷" = "consumer"\n', encoding="utf-8")
    monkeypatch.setenv("LEDGER_CAUSE_CATEGORIES", str(toml_file))
    assert cause_table().category_of("信用卡纠纷") == "consumer"
    toml_file.write_text('[causes]\n"信用卡纠纷" = "cards"\n', encoding="utf-8")
    with pytest.raises(InvalidValue, match="unknown category"):
        cause_table()


def test_file_values_are_read_as_dates_and_booleans_or_passed_on_as_written() -> None:
    assert read_date("2026-03-07") == read_date("2026/3/7") == read_date("2026年3月7日") == date(2026, 3, 7)
    assert read_date(datetime(2026, 3, 7, 0, 0)) == date(2026, 3, 7)
    assert read_date("2026-02-30") == "2026-02-30"
    assert read_date(" ") is None
    assert [read_bool(v) for v in ("是", "否", "true", "FALSE", "1", "0", "", None, 1)] == [
        True, False, True, False, True, False, False, False, True,
    ]  # fmt: skip
    assert read_bool("maybe") == "maybe"


def test_a_later_record_becomes_one_correction_or_a_conclusion_and_the_same_one_nothing() -> None:
    fields, _ = check_record(record(), CHECKS)
    assert fields is not None
    at = datetime(2026, 3, 2, tzinfo=UTC)
    case = CourtCase.file(fields, actor_id="admin", file_sha256="a" * 64, row=2, at=at)
    assert case.update(fields, actor_id="admin", file_sha256="b" * 64, row=2, at=at) == []
    changed = {**fields, "filed_on": "2026-02-04", "cause": "离婚纠纷", "category": "family"}
    assert case.update(changed, actor_id="admin", file_sha256="b" * 64, row=2, at=at) == ["Corrected"]
    concluded = {**changed, "concluded_on": "2026-02-20", "outcome": "调解"}
    assert case.update(concluded, actor_id="admin", file_sha256="c" * 64, row=2, at=at) == ["Concluded"]
    # A later export of new filings only (no conclusion) says nothing about the ending.
    assert case.update(changed, actor_id="admin", file_sha256="d" * 64, row=2, at=at) == []
    events = case.collect_events()
    assert [type(e).__name__ for e in events] == ["Filed", "Corrected", "Concluded"]
    assert events[1].changes == {"filed_on": "2026-02-04", "cause": "离婚纠纷", "category": "family"}  # type: ignore[attr-defined]
    assert [e.prev_hash for e in events][1:] != [None, None]  # type: ignore[attr-defined]


def test_the_bulk_filed_event_is_the_event_file_creates() -> None:
    fields, _ = check_record(record(), CHECKS)
    assert fields is not None
    at = datetime(2026, 3, 2, tzinfo=UTC)
    case = CourtCase.file(fields, actor_id="admin", file_sha256="a" * 64, row=2, at=at)
    [created] = case.collect_events()
    bulk = CourtCase.filed_event(case.id, fields, actor_id="admin", file_sha256="a" * 64, row=2, at=at)
    assert type(bulk) is type(created) and bulk.__dict__ == created.__dict__
    assert bulk.mutate(None).head_hash == case.head_hash


def test_stable_ids_of_one_kind_are_stable_id() -> None:
    court_case_id = stable_ids("court_case")
    for key in ("(2026)甘1199民初1号", "", "x" * 300):
        assert court_case_id(key) == stable_id("court_case", key) == CourtCase.create_id(key)


FIELD_VALUES: dict[str, list[Any]] = {
    "case_number": [
        "(2026)甘1199民初123号", "（2026）甘1199民初7号", " (2026)甘1199 民初12号 ", "(2026)甘1199民诉前调4号",
        "(2025)甘1199民初1号", "(2027)甘1199民初1号", "(1989)甘1199民初1号", "(2026)蒙0102民初1号",
        "(2026)甘1199行初5号", "(2026)X1199民初1号", "(2026)甘1199民初0号", "(2026)甘1199刑初1号", "abc", "", None, 123,
    ],
    "court_code": ["ORGC-COURT", " ORGC-TRIB-01 ", "NM-COURT", "UNKNOWN", "", None, 5],
    "cause": ["民间借贷纠纷", " 离婚纠纷 ", "行政处罚", "x" * 101, "a\x00b", "", None],
    "filed_on": [
        date(2026, 2, 3), date(2025, 12, 25), date(2026, 1, 10), date(1989, 12, 31), date(2026, 3, 3),
        datetime(2026, 2, 3, 10), "2026-02-03", "", None,
    ],
    "concluded_on": [None, "", date(2026, 2, 4), date(2026, 1, 1), date(2026, 3, 5), datetime(2026, 2, 20), "bad"],
    "outcome": [None, "", " 调解 ", "判决", "x" * 51, 7],
    "plaintiff_region": [None, "", "621199001001", " 621199001 ", "62119900100", "999999", "150102", 621199, "6" * 13],
    "defendant_region": [None, "", "621199001001", "621199", "12345", "\ud800"],
    "plaintiff_is_financial": [False, True, None, "是", 1],
    "pre_litigation_number": [None, "", "  ", "(2026)甘1199诉前调3号", "(2026)甘1199民初3号"],
}  # fmt: skip


GOOD_RECORDS = [
    record(),
    record(case_number=" （2026）甘1199 民初12号", court_code=" ORGC-TRIB-01 ", cause=" 离婚纠纷 "),
    record(concluded_on=date(2026, 2, 4), outcome=" 调解 ", plaintiff_region="", defendant_region=None),
    record(case_number="(2026)甘1199行初5号", cause="行政处罚", plaintiff_is_financial=None),
    record(case_number="(2025)甘1199民初1号", filed_on=date(2026, 1, 10), pre_litigation_number=""),
]
PAIRS = [(k, v) for k, values in FIELD_VALUES.items() for v in values]


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        # A good record with up to three fields changed: most are still good, or nearly.
        st.builds(
            lambda base, changes: {**base, **dict(changes)},
            st.sampled_from(GOOD_RECORDS),
            st.lists(st.sampled_from(PAIRS), max_size=3),
        ),
        st.fixed_dictionaries({k: st.sampled_from(v) for k, v in FIELD_VALUES.items()}),
    )
)
def test_the_straight_pass_for_plain_records_agrees_with_the_full_check(values: dict[str, Any]) -> None:
    full = check_record_fully(values, CHECKS)
    assert check_record(values, CHECKS) == full
    plain = _plain_record(values, CHECKS)
    assert plain is None or plain == full[0]


def test_plain_records_take_the_straight_pass() -> None:
    for values in GOOD_RECORDS:
        plain = _plain_record(values, CHECKS)
        assert plain is not None and (plain, []) == check_record_fully(values, CHECKS)
