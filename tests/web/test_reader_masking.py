"""A reader (API client) never sees the parties' personal data, on any GET the API documents.

Every GET operation of the app's own OpenAPI document is called with real path parameters and,
one at a time, every query parameter it documents (with values that select the cases below), by
the reader with and without a declared purpose, and by an admin who declares one. Nothing the
reader gets, whatever the status, may contain a person's full name, id number or phone, or a
session participant's name; where the admin's answer holds one of them, the reader's holds it
masked as web/auth.py masks it (欧***, 6201**********1239, 139****5678). A 403 leaks nothing.
The admin's answers must hold the unmasked values where the cases' personal data is served, so
the test fails if masking were removed and also if the data were never there to mask.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from domain.mass_warning import MissedDeadline
from projections.indicators import INDICATORS
from tests.support import COUNTY, TOWN, VILLAGE, VILLAGE_COMMITTEE, World
from tests.web.helpers import API, Http, json_strings, response_text

APPLICANT = {
    "role": "applicant",
    "kind": "person",
    "name": "欧阳晓岚",
    "id_number": "620102198507151239",
    "phone": "13912345678",
}
RESPONDENT = {
    "role": "respondent",
    "kind": "person",
    "name": "司马建业",
    "id_number": "621102199003024565",
    "phone": "0931-8123456",
}
THIRD_PARTY = {"role": "third_party", "kind": "person", "name": "上官文博", "phone": "15800001111"}
#: A name of one character (in no reference data), whose phone the summary writes otherwise.
ONE_CHARACTER = {"role": "third_party", "kind": "person", "name": "岑", "phone": "13800002222"}
COMPANY = {"role": "respondent", "kind": "organisation", "name": "青山县某某物业服务有限公司"}
#: Who sat in the mediation session; 诸葛慧敏 is not a party.
PARTICIPANTS = ["欧阳晓岚", "司马建业", "诸葛慧敏"]

#: Each piece of personal data and the form a reader may see it in (DESIGN.md §8, web/auth.py).
PARTY_DATA = {
    "欧阳晓岚": "欧***",
    "司马建业": "司***",
    "上官文博": "上***",
    "620102198507151239": "6201**********1239",
    "621102199003024565": "6211**********4565",
    "13912345678": "139****5678",
    "0931-8123456": "093*****3456",
    "15800001111": "158****1111",
    "岑": "*",
    "13800002222": "138****2222",
    "138-0000-2222": "138******2222",  # as the summary writes it
    "+86 138 0000 2222": "+86 *********2222",
}
PERSONAL_DATA = {**PARTY_DATA, "诸葛慧敏": "诸***"}
PURPOSE = "masking test"
#: GETs that serve the cases' personal data: the admin must see all of it unmasked there.
SERVES_PARTIES = ("/disputes", "/disputes/{case_id}", "/disputes/{case_id}/history")
SERVES_PARTICIPANTS = ("/disputes/{case_id}/history",)


@dataclass
class Cases:
    mediating: str  # every kind of party, a session held, a risk and an incident
    related: str  # the same applicant again, so the first case has a related case
    card: str = "-"  # a card issued to a department, so the walk reads /cards/{card_id}
    bulletin: str = "-"  # a town's bulletin, so the walk reads /bulletins/{bulletin_id}
    suggestion: str = "-"  # a judicial suggestion drafted from the case, read at /suggestions/{suggestion_id}
    batch: str = "-"  # a demonstration batch of both cases


@pytest.fixture
def cases(http: Http, world: World) -> Cases:
    # Free text repeats personal data too; a reader gets it masked there as well.
    summary = "小区业主欧阳晓岚（电话13912345678）与物业公司、司马建业因漏水维修费用发生纠纷，岑（138-0000-2222，+86 138 0000 2222）到场"
    body = {
        "parties": [APPLICANT, RESPONDENT, THIRD_PARTY, ONE_CHARACTER, COMPANY],
        "people_involved": 5,
        "summary": summary,
    }
    mediating = http.report(**body).json["id"]
    world.clock.advance(hours=1)
    http.ok(mediating, "assess-risk", "supervisor", {"level": "high", "flags": ["criminal_escalation"]})
    http.ok(mediating, "assign", "recorder")
    http.ok(mediating, "accept", "mediator")
    world.clock.advance(hours=1)
    http.ok(
        mediating,
        "hold-session",
        "mediator",
        {"mode": "onsite", "participants": PARTICIPANTS, "summary": "诸葛慧敏主持，上官文博到场，双方同意再议"},
    )
    http.ok(
        mediating,
        "report-incident",
        "supervisor",
        {"kind": "criminal_escalation", "description": "司马建业在调解后与欧阳晓岚发生争执", "severity": "serious"},
    )
    world.clock.advance(hours=1)
    related = http.report(parties=[APPLICANT], people_involved=1, summary=summary).json["id"]
    world.clock.advance(days=1)
    # A warning about the case, so the walk reads /warnings/{warning_id} too.
    ledger = world.ledger
    ledger.save(MissedDeadline.raise_(
        ledger._act(ledger.system_actor(), None, None), case_id=mediating, deadline_kind="triage", deadline_seq=1,
        due_at=world.clock.now - timedelta(hours=1), organisation_code=None, mediator_id=None,
        region_path=[COUNTY, TOWN, VILLAGE], category="property_management",
    ))
    # The instruments: a card and a 无讼村 enrolment, so the walk reads their pages too.
    card = http.post("/cards", "supervisor", {"target_kind": "department", "target_code": "rsj", "target_name": "县人社局",
                                              "period": "2026-Q1", "level": "yellow", "grounds": "欠薪纠纷联动处置不力"})
    assert card.status_code == 201, card.json
    enrolled = http.post("/villages/no-litigation", "supervisor",
                         {"village_code": VILLAGE, "year": 2026, "sponsor_code": "ORGC-COURT", "sponsor_name": "县法院"})
    assert enrolled.status_code == 201, enrolled.json
    bulletin = http.post("/bulletins", "supervisor", {"town": TOWN, "period": "2026-Q1"})
    assert bulletin.status_code == 201, bulletin.json
    suggestion = http.post("/suggestions", "judge", {
        "kind": "judicial", "issuer_code": "ORGC-COURT", "recipient": "县住建局", "title": "关于物业纠纷的司法建议",
        "problem": "漏水维修费用纠纷多发", "proposals": "规范维修资金使用", "category": "property_management",
        "region_code": COUNTY, "case_ids": [mediating]})  # fmt: skip
    assert suggestion.status_code == 201, suggestion.json
    batch = http.post("/batches", "recorder", {"title": "漏水维修系列纠纷", "subject_kind": "housing_estate",
                                               "subject_name": "城关镇某小区", "region_code": TOWN})
    assert batch.status_code == 201, batch.json
    added = http.post(f"/batches/{batch.json['id']}/add-cases", "recorder", {"case_ids": [mediating, related]})
    assert added.status_code == 200, added.json
    # Led by the related case, so lead_id= lists the mediating case, whose summary names only its own
    # parties (a name in free text is recognised only where the answer holds it as a party's).
    assert http.post(f"/batches/{batch.json['id']}/choose-lead", "recorder", {"case_id": related}).status_code == 200
    return Cases(mediating=mediating, related=related, card=card.json["id"], bulletin=bulletin.json["id"],
                 suggestion=suggestion.json["id"], batch=batch.json["id"])  # fmt: skip


def _query_values(world: World, cases: Cases) -> dict[str, list[str]]:
    """A value (or a few) for every query parameter a GET documents, chosen to select the cases."""
    now = world.clock.now.isoformat()
    return {
        "page": ["1"],
        "per_page": ["100"],
        "region": [COUNTY, TOWN, VILLAGE],
        "status": ["mediating"],
        "category": ["neighbour"],
        "risk": ["high"],
        "overdue": ["false", "true"],
        "min_position": ["0"],
        "as_of": [now],
        "as_of_occurred": [now],
        "period": ["2026", "2026-Q1", "2026-03"],
        "level": ["village"],
        "format": ["csv", "xlsx"],
        "indicator": sorted(INDICATORS),
        "source": ["court_diversion"],
        "group": ["category"],
        "domicile": ["defendant"],
        "kind": ["民初"],
        "county": [COUNTY],
        "from": [(world.clock.now - timedelta(days=30)).isoformat()],
        "to": [now],
        "dispute": [cases.mediating],
        "parent": [COUNTY, TOWN],
        "organisation": [VILLAGE_COMMITTEE],
        "target": [TOWN],
        "year": ["2026"],
        "town": [TOWN],
        "edition": ["general"],
        "version": ["1"],
        "lead_id": [cases.related],
        "batch": [cases.batch],
        "case": [cases.mediating],
    }


#: Query values that differ by path: the court cases' kind is a kind of court case (民初), the
#: warnings' a kind of warning.
PATH_VALUES = {
    "/warnings": {"kind": ["mass", "deadline"]},
    "/cards": {"status": ["issued"]},
    "/bulletins": {"status": ["compiled"]},
    "/suggestions": {"kind": ["judicial"], "status": ["drafted"], "category": ["property_management"]},
    "/batches": {"status": ["collecting"]},
    # The documents as text (a PDF's text is compressed: the JSON and Markdown say the same).
    "/bulletins/{bulletin_id}/document": {"format": ["md"]},
    "/audit/reviews/{dispute_id}/document": {"format": ["md"]},
}


def _path_values(cases: Cases) -> dict[str, str]:
    return {
        "case_id": cases.mediating,
        "dispute_id": cases.mediating,
        "actor_id": "recorder",
        "warning_id": str(MissedDeadline.create_id(cases.mediating, 1, "triage")),
        "card_id": cases.card,
        "village": VILLAGE,
        "bulletin_id": cases.bulletin,
        "suggestion_id": cases.suggestion,
        "batch_id": cases.batch,
    }


@dataclass(frozen=True)
class Get:
    path: str  # as the document names it, without the /api/v1 prefix
    url: str
    query: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return f"GET {self.path}" + (f"?{'&'.join(f'{k}={v}' for k, v in self.query)}" if self.query else "")


def _every_get(document: dict[str, Any], world: World, cases: Cases) -> Iterator[Get]:
    """Each GET of the document with its required parameters, then once more with each optional
    query parameter (and each value of a required one with several)."""
    values, path_values = _query_values(world, cases), _path_values(cases)
    for path, item in document["paths"].items():
        if "get" not in item:
            continue
        parameters = [*item.get("parameters", []), *item["get"].get("parameters", [])]
        url = path
        for p in parameters:
            if p["in"] == "path":
                assert p["name"] in path_values, f"GET {path}: no value for path parameter {p['name']}"
                url = url.replace("{" + p["name"] + "}", path_values[p["name"]])
        values = {**_query_values(world, cases), **PATH_VALUES.get(path.removeprefix(API), {})}
        query = [p for p in parameters if p["in"] == "query"]
        unknown = [p["name"] for p in query if p["name"] not in values]
        assert not unknown, f"GET {path}: give the walk values for {unknown}, so it covers them"
        required = {p["name"]: values[p["name"]][0] for p in query if p.get("required")}
        short = path.removeprefix(API)
        yield Get(short, url, tuple(required.items()))
        for p in query:
            for value in values[p["name"]]:
                if required.get(p["name"]) != value:
                    yield Get(short, url, tuple({**required, p["name"]: value}.items()))


def _found(response: Any, data: dict[str, str]) -> set[str]:
    """Which of ``data``'s unmasked values appear in the response, body (decoded, so escapes
    cannot hide one) or headers."""
    text = response_text(response)
    try:
        strings = [*json_strings(json.loads(text)), text]
    except ValueError:
        strings = [text]
    strings += [f"{k}: {v}" for k, v in response.headers.items()]
    return {secret for secret in data if any(secret in s for s in strings)}


def _masked_forms(response: Any) -> set[str]:
    # An export is a file, not JSON: its text (a CSV) is searched as it is.
    text = json.dumps(response.json, ensure_ascii=False) if response.is_json else response_text(response)
    return {secret for secret, masked in PERSONAL_DATA.items() if masked in text}


#: GET routes the document does not list, none of which serves case data ("/" and the API's root
#: without its slash are aliases of the documented f"{API}/", web/landing.py).
#: The documentation itself (the Swagger UI page and its script and style: no data) is not in it.
UNDOCUMENTED_GETS = {
    "/static/<path:filename>", f"{API}/openapi.json", "/healthz", "/", API, f"{API}/docs", f"{API}/docs/assets/<name>",
}


def test_the_document_lists_every_get_the_app_serves(app: Any, http: Http) -> None:
    """So the walk below, which follows the document, reaches every GET."""
    documented = set(http.get("/openapi.json", None).json["paths"])
    served = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.rule not in UNDOCUMENTED_GETS
        and not rule.rule.startswith("/ui/")  # the pages: crawled as a reader by test_pages.py
    }
    assert served <= documented, f"GETs missing from the document: {sorted(served - documented)}"


def test_a_reader_sees_no_personal_data_on_any_get(http: Http, world: World, cases: Cases) -> None:
    document = http.get("/openapi.json", None).json
    gets = list(_every_get(document, world, cases))
    assert {g.path for g in gets} >= set(SERVES_PARTIES), "the document lost the case GETs"
    leaks, unmasked, admin_refused, reader_refused, missing = [], [], [], [], []
    for get in gets:
        query = dict(get.query)
        admin = http.client.get(
            get.url, query_string=query, headers=http.auth("admin", X_Access_Purpose=PURPOSE)
        )
        if admin.status_code != 200:  # else the request never reached the data
            admin_refused.append(f"{get}: {admin.status_code} {admin.get_data(as_text=True)[:200]}")
            continue
        served = _found(admin, PERSONAL_DATA)
        if (get.path in SERVES_PARTIES and not get.query) or get.path == "/disputes/{case_id}":
            expected = set(PARTY_DATA) | (set(PERSONAL_DATA) if get.path in SERVES_PARTICIPANTS else set())
            if expected - served:
                missing.append(f"{get}: the admin does not get {sorted(expected - served)}")
        for purpose in ({}, {"X_Access_Purpose": PURPOSE}):
            reader = http.client.get(get.url, query_string=query, headers=http.auth("reader", **purpose))
            asked = f"{get} (reader{', with a purpose' if purpose else ''})"
            if reader.status_code not in (200, 403):
                reader_refused.append(f"{asked}: {reader.status_code} {reader.get_data(as_text=True)[:200]}")
            elif reader.status_code == 403 and get.path in SERVES_PARTIES:
                reader_refused.append(f"{asked}: 403, but readers read cases (masked)")
            if leaked := _found(reader, PERSONAL_DATA):
                leaks.append(f"{asked}: {sorted(leaked)}")
            elif reader.status_code == 200 and (not_masked := served - _masked_forms(reader)):
                unmasked.append(f"{asked}: no masked form of {sorted(not_masked)}")

    assert not leaks, "personal data reaches the reader:\n" + "\n".join(leaks)
    assert not unmasked, "the reader does not get the masked forms:\n" + "\n".join(unmasked)
    assert not missing, "personal data is not served where expected:\n" + "\n".join(missing)
    assert not admin_refused, "the walk's requests are not all valid:\n" + "\n".join(admin_refused)
    assert not reader_refused, "unexpected answers to the reader:\n" + "\n".join(reader_refused)


def test_free_text_is_masked_wherever_it_repeats_personal_data() -> None:
    from web.auth import mask_personal

    answer = {
        "summary": "张建国与张建（13812341234）因排水沟发生纠纷，青山县某某有限公司到场",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "张建国", "phone": "13812341234"},
            {"role": "respondent", "kind": "person", "name": "张建"},
            {"role": "third_party", "kind": "organisation", "name": "青山县某某有限公司"},
        ],
        "allowed_commands": ["assign"],
        "events": [{"payload": {"participants": ["诸葛慧敏"], "summary": "诸葛慧敏主持"}}],
    }
    masked = mask_personal(answer)
    # The summary comes before the parties it names; the longer name is masked whole.
    assert masked["summary"] == "张**与张*（138****1234）因排水沟发生纠纷，青山县某某有限公司到场"
    assert [p["name"] for p in masked["parties"]] == ["张**", "张*", "青山县某某有限公司"]
    assert masked["events"][0]["payload"] == {"participants": ["诸***"], "summary": "诸***主持"}
    assert answer["summary"].startswith("张建国")  # a copy: the cached original is untouched


def test_an_organisations_phone_is_masked_though_its_name_is_not() -> None:
    from web.auth import mask_personal

    company = {"role": "respondent", "kind": "organisation", "name": "青山县某某有限公司", "phone": "09318123456"}
    assert mask_personal({"parties": [company]})["parties"][0] == {**company, "phone": "093****3456"}


# ------------------------------------------------------------------ one-character names, numbers as written


def _party(name: str, **more: str) -> dict[str, str]:
    return {"role": "applicant", "kind": "person", "name": name, **more}


def test_a_one_character_name_is_masked_in_its_field_and_where_free_text_uses_it_as_a_name() -> None:
    from web.auth import mask_personal

    answer = {
        "summary": "当事人：王，男；申请人王某称，王先生与老王、小王曾口头约定（王）",
        "parties": [_party("王")],
        "events": [{"payload": {"participants": ["王"], "summary": "王到场；王师傅陈述"}}],
    }
    masked = mask_personal(answer)
    assert masked["parties"][0]["name"] == "*"
    assert masked["events"][0]["payload"]["participants"] == ["*"]
    assert masked["summary"] == "当事人：*，男；申请人*某称，*先生与老*、小*曾口头约定（*）"
    # Glued to a following verb it cannot be told from a word: the documented limit.
    assert masked["events"][0]["payload"]["summary"] == "王到场；*师傅陈述"


def test_a_one_character_name_is_not_masked_inside_other_words() -> None:
    from web.auth import mask_personal

    words = "王府井商户与国王酒店、王牌物流因三王村道路发生纠纷，王同意赔偿"
    answer = {"summary": words, "parties": [_party("王"), _party("王建国")], "note": "王建国到场"}
    masked = mask_personal(answer)
    assert masked["summary"] == words
    # the longer name is masked whole first, and its first character is not masked again
    assert masked["note"] == "王**到场"
    assert [p["name"] for p in masked["parties"]] == ["*", "王**"]


@pytest.mark.parametrize(
    ("written", "masked"),
    [
        ("13811112222", "138****2222"),
        ("138 1111 2222", "138******2222"),
        ("138-1111-2222", "138******2222"),
        ("+86 138 1111 2222", "+86 *********2222"),
        ("+8613811112222", "+861******2222"),
        ("0086-138-1111-2222", "008***********2222"),
        ("0931-8123456", "093*****3456"),
        ("11010519491231002x", "1101**********002x"),
        ("11010519491231002X", "1101**********002X"),
        ("110105 19491231 002x", "1101************002x"),
    ],
)
def test_phones_and_id_numbers_are_masked_in_free_text_however_written(written: str, masked: str) -> None:
    from web.auth import mask_personal

    # Both as one of the answer's own values (written otherwise in its field) and as a number
    # with the shape of a phone or id number that no field holds.
    party = _party("张三", phone="13811112222", id_number="11010519491231002X")
    own = {"summary": f"联系电话{written}。", "parties": [party]}
    alone = {"summary": f"联系电话{written}。"}
    assert mask_personal(own)["summary"] == f"联系电话{masked}。"
    assert mask_personal(alone)["summary"] == f"联系电话{masked}。"


def test_a_field_written_with_separators_or_prefix_is_masked_and_found_in_free_text() -> None:
    from web.auth import mask_personal

    party = _party("张三", phone="+86 138-1111-2222", id_number="11010519491231002x")
    masked = mask_personal({"summary": "张三（1381111 2222；证件号11010519491231002X）", "parties": [party]})
    assert masked["parties"][0]["phone"] == "+86**********2222"
    assert masked["parties"][0]["id_number"] == "1101**********002x"
    assert masked["summary"] == "张*（138*****2222；证件号1101**********002X）"
    # A 7-digit local phone has no shape to be found by, but is found as its field writes it.
    local = mask_personal({"note": "电话8123456", "parties": [_party("李四", phone="8123456")]})
    assert local["parties"][0]["phone"] == "8******" and local["note"] == "电话8******"


def test_numbers_that_are_not_personal_stay_readable() -> None:
    from web.auth import mask_personal

    text = (
        "2026-03-02立案，(2026)甘1199民初123号，金额12000.50元，档案号QS-000001，"
        "面积120平方米，2026 03 02 10 30到场，编号621199001001"
    )
    assert mask_personal({"summary": text, "parties": [_party("张三", phone="13811112222")]})["summary"] == text
    # A phone joined by a space to a year is still found.
    assert mask_personal({"summary": "2026 13811112222"})["summary"] == "2026 138****2222"
