"""Value objects and checks of domain.values and domain.codes: each refusal names its field and rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import codes
from domain.codes import Coded
from domain.errors import InvalidValue
from domain.values import (
    MAX_AMOUNT,
    Party,
    check_amount,
    check_count,
    check_credit_code,
    check_phone,
    check_region_code,
    check_resident_id,
    check_text,
    parse_parties,
)

# GB 11643-1999, written out here independently of the code under test.
_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]


def gb11643(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def refused(check, *args) -> InvalidValue:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidValue) as caught:
        check(*args)
    err = caught.value
    assert str(err) == f"{err.field}: {err.rule}"
    assert len(err.rule) > 8, f"rule text too thin: {err.rule!r}"
    return err


# ------------------------------------------------------------------ resident id numbers


def test_independent_check_digit_helper_agrees_with_the_standard_example() -> None:
    assert _WEIGHTS == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    assert gb11643("11010519491231002") == "X"


@pytest.mark.parametrize(
    "first17",
    ["11010519491231002", "44052418800101001", "62010219900307231", "11010120000229123"],
)
def test_valid_resident_ids(first17: str) -> None:
    number = first17 + gb11643(first17)
    assert check_resident_id("id", number) == number


def test_resident_id_with_lowercase_x_is_normalised() -> None:
    assert check_resident_id("id", " 11010519491231002x ") == "11010519491231002X"


def test_wrong_check_digit() -> None:
    good = "11010519491231002X"
    for bad in ("110105194912310020", "110105194912310021", "110105194912310029"):
        err = refused(check_resident_id, "parties[0].id_number", bad)
        assert err.field == "parties[0].id_number"
        assert "check digit" in err.rule
    assert check_resident_id("id", good) == good


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490001", "20010229", "19490100"])
def test_bad_birth_date(birth: str) -> None:
    first17 = "110105" + birth + "002"
    err = refused(check_resident_id, "id_number", first17 + gb11643(first17))
    assert err.field == "id_number"
    assert "birth date" in err.rule


@pytest.mark.parametrize(
    "number",
    ["11010519491231002", "11010519491231002X1", "", "1101051949123100XX", "11010519491231A02X", "X10105194912310021"],
    ids=["17", "19", "empty", "X-inside", "letter", "X-first"],
)
def test_malformed_resident_id(number: str) -> None:
    err = refused(check_resident_id, "id_number", number)
    assert err.field == "id_number"
    assert "17 digits" in err.rule


# ------------------------------------------------------------------ credit codes, phones


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B", " 91110000802100433b "])
def test_valid_credit_codes(code: str) -> None:
    assert check_credit_code("id", code) == code.strip().upper()


@pytest.mark.parametrize("code", ["91350100M000100Y44", "12110000400000612R"])
def test_credit_code_with_wrong_check_character(code: str) -> None:
    err = refused(check_credit_code, "parties[1].id_number", code)
    assert "GB 32100" in err.rule


@pytest.mark.parametrize(
    "code", ["91350100M000100Y4", "91350100M000100Y433", "9135010OM000100Y43", "91350100M00I100Y43", "IO350100M000100Y43"]
)
def test_malformed_credit_codes(code: str) -> None:
    err = refused(check_credit_code, "parties[1].id_number", code)
    assert err.field == "parties[1].id_number"
    assert "credit code" in err.rule


@pytest.mark.parametrize(
    ("phone", "normalised"),
    [
        ("13812341234", "13812341234"),
        ("199 1234 5678", "19912345678"),
        ("0931-8123456", "0931-8123456"),
        ("010-12345678", "010-12345678"),
        ("09318123456", "09318123456"),
    ],
)
def test_valid_phones(phone: str, normalised: str) -> None:
    assert check_phone("phone", phone) == normalised


@pytest.mark.parametrize(
    "phone", ["12812341234", "1381234123", "138123412345", "abc", "", "931-8123456", "0931-123456", "0931-123456789"]
)
def test_invalid_phones(phone: str) -> None:
    err = refused(check_phone, "parties[0].phone", phone)
    assert err.field == "parties[0].phone"
    assert "mobile" in err.rule and "landline" in err.rule


# ------------------------------------------------------------------ amounts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1200.5", "1200.50"),
        ("1200.50", "1200.50"),
        ("0", "0.00"),
        (100, "100.00"),
        (Decimal("7.1"), "7.10"),
        (Decimal("1E+3"), "1000.00"),
        (str(MAX_AMOUNT), "1000000000000.00"),
    ],
)
def test_amounts_are_quantised_to_fen(value: object, expected: str) -> None:
    amount = check_amount("amount_in_dispute", value)
    assert isinstance(amount, Decimal)
    assert str(amount) == expected
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("12.345", "two decimal places"),
        ("0.001", "two decimal places"),
        ("-1", "negative"),
        ("-0.01", "negative"),
        ("-0", "negative"),
        ("abc", "not a decimal"),
        ("", "not a decimal"),
        ("12,5", "not a decimal"),
        (12.5, "float"),
        (0.1, "float"),
        (True, "float"),
        ("NaN", "not a decimal"),
        ("Infinity", "not a decimal"),
        (Decimal("NaN"), "finite"),
        ("1e3", "exponent"),
        ("1E+3", "exponent"),
        ("+12", "sign"),
        (" 12.3", "spaces"),
        ("12.3\n", "spaces"),
        ("１２", "not a decimal"),
        ("١٢", "not a decimal"),
        ("12\x00", "control character"),
        ("1_000", "not a decimal"),
        (str(MAX_AMOUNT + Decimal("0.01")), "exceed"),
    ],
)
def test_bad_amounts(value: object, words: str) -> None:
    err = refused(check_amount, "amount_in_dispute", value)
    assert err.field == "amount_in_dispute"
    assert words in err.rule


# ------------------------------------------------------------------ region codes, counts, text


@pytest.mark.parametrize("code", ["621199", "621199001", "621199001001", "621199001001001", 621199, " 621199001 "])
def test_region_code_formats(code: object) -> None:
    assert check_region_code("region_code", code) == str(code).strip()


@pytest.mark.parametrize(
    "code", ["62119", "6211990", "62119900100", "6211990010010", "6211990010010011", "62119a", "", "621199-001"]
)
def test_bad_region_codes(code: str) -> None:
    err = refused(check_region_code, "region_code", code)
    assert err.field == "region_code"
    assert "6, 9, 12 or 15 digits" in err.rule


@pytest.mark.parametrize(("value", "expected"), [(1, 1), ("3", 3), (100000, 100000)])
def test_counts(value: object, expected: int) -> None:
    assert check_count("people_involved", value) == expected


@pytest.mark.parametrize(("value", "words"), [(0, "between"), (-2, "between"), (100001, "between"), ("two", "whole"), (2.5, "whole"), (True, "whole"), (None, "whole")])
def test_bad_counts(value: object, words: str) -> None:
    err = refused(check_count, "people_involved", value)
    assert err.field == "people_involved"
    assert words in err.rule


def test_text_is_trimmed_and_bounded() -> None:
    assert check_text("summary", "  两户纠纷 ") == "两户纠纷"
    assert check_text("summary", "字" * 2000) == "字" * 2000
    err = refused(check_text, "summary", "字" * 2001)
    assert err.field == "summary" and "2000" in err.rule


@pytest.mark.parametrize("value", ["", "   ", "\n\t", None, 5])
def test_empty_text_refused(value: object) -> None:
    err = refused(check_text, "summary", value)
    assert err.field == "summary"
    assert "empty" in err.rule


# ------------------------------------------------------------------ parties


APPLICANT = {"role": "applicant", "kind": "person", "name": "张建国", "id_number": "11010519491231002X", "phone": "13812341234"}


def test_party_parse_normalises() -> None:
    party = Party.parse({**APPLICANT, "id_number": "11010519491231002x", "phone": "138 1234 1234", "name": " 张建国 "})
    assert party == Party("applicant", "person", "张建国", "11010519491231002X", "13812341234")
    assert Party(**party.as_dict()) == party


def test_party_without_optional_fields() -> None:
    party = Party.parse({"role": "respondent", "kind": "person", "name": "李秀英", "id_number": "", "phone": None})
    assert party.id_number is None and party.phone is None


def test_party_unknown_field() -> None:
    err = refused(Party.parse, {**APPLICANT, "nickname": "老张"}, 2)
    assert err.field == "parties[2].nickname"
    assert "unknown field" in err.rule


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"role": "witness"}, "parties[0].role", "one of: applicant, respondent, third_party"),
        ({"kind": "robot"}, "parties[0].kind", "one of: person, organisation"),
        ({"kind": None}, "parties[0].kind", "one of"),
        ({"name": ""}, "parties[0].name", "empty"),
        ({"name": None}, "parties[0].name", "empty"),
        ({"id_number": "110105194912310021"}, "parties[0].id_number", "check digit"),
        ({"phone": "12345"}, "parties[0].phone", "mobile"),
    ],
)
def test_party_field_errors(change: dict, field: str, words: str) -> None:
    err = refused(Party.parse, {**APPLICANT, **change}, 0)
    assert err.field == field
    assert words in err.rule


def test_party_that_is_not_an_object() -> None:
    err = refused(Party.parse, "张建国", 1)
    assert err.field == "parties[1]"


def test_organisation_id_is_a_credit_code() -> None:
    org = Party.parse({"role": "respondent", "kind": "organisation", "name": "某物业公司", "id_number": "91350100M000100Y43"})
    assert org.id_number == "91350100M000100Y43"
    err = refused(
        Party.parse, {"role": "respondent", "kind": "organisation", "name": "某物业公司", "id_number": "9135010OM000100Y43"}, 1
    )
    assert err.field == "parties[1].id_number"
    assert "credit code" in err.rule
    # and a person's number is checked as a resident id, not as a credit code
    err = refused(Party.parse, {**APPLICANT, "id_number": "91350100M000100Y43"}, 0)
    assert err.field == "parties[0].id_number"
    assert "resident id" in err.rule


def test_parties_need_an_applicant() -> None:
    respondent = {"role": "respondent", "kind": "person", "name": "李秀英"}
    err = refused(parse_parties, [respondent, {**respondent, "name": "王五"}])
    assert err.field == "parties"
    assert "applicant" in err.rule
    assert len(parse_parties([APPLICANT, respondent])) == 2


@pytest.mark.parametrize("value", [[], None, "张建国", {}])
def test_parties_must_be_a_non_empty_list(value: object) -> None:
    err = refused(parse_parties, value)
    assert err.field == "parties"
    assert "at least one party" in err.rule


def test_parties_errors_name_the_position() -> None:
    err = refused(parse_parties, [APPLICANT, {"role": "respondent", "kind": "person", "name": "李", "phone": "1"}])
    assert err.field == "parties[1].phone"


# ------------------------------------------------------------------ codes


CODE_LISTS = sorted(Coded.__subclasses__(), key=lambda c: c.__name__)


def test_design_code_lists_are_complete() -> None:
    assert [m.value for m in codes.Source] == [
        "grid_patrol", "walk_in", "hotline", "petition", "court_diversion", "online", "police_referral",
        "department_referral", "migration",
    ]  # fmt: skip
    assert len(codes.Category) == 19 and "migrant_wages" in {c.value for c in codes.Category}
    assert [m.value for m in codes.Route][-1] == "litigation" and len(codes.Route) == 8
    assert [m.value for m in codes.RiskLevel] == ["low", "medium", "high", "critical"]
    assert {m.value for m in codes.RiskFlag} == {"mass", "extreme", "criminal_escalation"}


@pytest.mark.parametrize("code_list", CODE_LISTS, ids=lambda c: c.__name__)
def test_every_member_has_a_chinese_label(code_list: type[Coded]) -> None:
    for member in code_list:
        assert member.label, member
        assert any("\u4e00" <= ch <= "\u9fff" for ch in member.label), member.label
        assert code_list.parse("x", member.value) is member
    assert code_list.labels() == [{"code": m.value, "label": m.label} for m in code_list]


@pytest.mark.parametrize("code_list", CODE_LISTS, ids=lambda c: c.__name__)
def test_unknown_code_names_the_field_and_lists_allowed_values(code_list: type[Coded]) -> None:
    err = refused(code_list.parse, "category", "no_such_code")
    assert err.field == "category"
    assert "'no_such_code'" in err.rule
    listed = err.rule.split("one of: ", 1)[1].split(", ")
    assert listed == [m.value for m in code_list]


@pytest.mark.parametrize("value", [None, "", "Family", 3])
def test_codes_are_exact_slugs(value: object) -> None:
    err = refused(codes.Category.parse, "category", value)
    assert err.field == "category"
