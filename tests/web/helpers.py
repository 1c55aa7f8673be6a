"""A thin client for the API in tests: requests as a named standard actor, and bodies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support import COURT, VILLAGE, VILLAGE_COMMITTEE, World

API = "/api/v1"

#: Parametrise a test over SQLite and PostgreSQL (the web suite's default is SQLite only).
both_stores = pytest.mark.parametrize(
    "store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

PERSON = {
    "role": "applicant",
    "kind": "person",
    "name": "张建国",
    "id_number": "11010519491231002X",
    "phone": "13812341234",
}


def report_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "grid_patrol",
        "category": "neighbour",
        "region_code": VILLAGE,
        "summary": "两户因宅基地排水沟发生相邻纠纷",
        "parties": [PERSON, {"role": "respondent", "kind": "person", "name": "李秀英"}],
        "people_involved": 2,
        "amount_in_dispute": "1200.50",
    }
    body.update(overrides)
    return body


#: A valid body for every command, for the actor who may issue it in a standard world.
BODIES: dict[str, dict[str, Any]] = {
    "assign": {"route": "peoples_mediation", "organisation_code": VILLAGE_COMMITTEE},
    "accept": {},
    "hold-session": {"mode": "onsite", "participants": ["张建国", "李秀英"], "summary": "面对面调解"},
    "record-agreement": {"terms": "分三期赔偿", "amount": "800.00"},
    "request-confirmation": {"court_code": COURT, "online": True, "applicants": ["张建国", "李秀英"]},
    "decide-confirmation": {"granted": True, "reason": "协议合法有效"},
    "record-performance": {"performed": "full"},
    "close": {"summary": "纠纷已化解"},
    "follow-up": {"satisfaction": "satisfied", "relapse": False},
    "archive": {"archive_number": "QS-000001"},
}


@dataclass
class Http:
    client: Any
    world: World

    def auth(self, who: str | None, **headers: str) -> dict[str, str]:
        if who is not None:
            headers["Authorization"] = f"Bearer {self.world.tokens[who]}"
        return {k.replace("_", "-"): v for k, v in headers.items()}

    def get(
        self, path: str, who: str | None = "admin", query: dict[str, Any] | None = None, **headers: str
    ) -> Any:
        return self.client.get(API + path, query_string=query, headers=self.auth(who, **headers))

    def post(self, path: str, who: str | None, body: Any = None, **headers: str) -> Any:
        return self.client.post(API + path, json=body, headers=self.auth(who, **headers))

    def report(self, who: str = "recorder", **overrides: Any) -> Any:
        response = self.post("/disputes", who, report_body(**overrides))
        assert response.status_code == 201, response.json
        return response

    def do(
        self, case_id: str, command: str, who: str, body: dict[str, Any] | None = None, **headers: str
    ) -> Any:
        return self.post(
            f"/disputes/{case_id}/{command}",
            who,
            BODIES.get(command, {}) if body is None else body,
            **headers,
        )

    def ok(
        self, case_id: str, command: str, who: str, body: dict[str, Any] | None = None, **headers: str
    ) -> dict[str, Any]:
        response = self.do(case_id, command, who, body, **headers)
        assert response.status_code == 200, response.json
        return response.json


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape, with the status (and code) expected."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.json
    assert {"code", "message", "message_zh", "errors"} <= set(body), body
    assert isinstance(body["errors"], dict)
    # Every refusal also says what it means in Chinese, for the clerk reading it.
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message_zh"]), body
    if code is not None:
        assert body["code"] == code, body
    return body


def json_strings(value: Any) -> Iterator[str]:
    """Every key and string inside a decoded JSON value, depth first."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from json_strings(v)
    elif isinstance(value, str):
        yield value


def response_text(response: Any) -> str:
    """The body as text; an XLSX export as its cells' values, one per line."""
    if response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
        return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    return str(response.get_data(as_text=True))
