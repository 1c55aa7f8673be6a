"""What a generated client needs from the OpenAPI document: an ASCII title, a unique stable
operationId on every operation, and every header the operations read declared."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from application.config import StoreSettings
from projections.indicators import INDICATORS
from web import close_app, create_app
from web.errors import derived_operation_id

API = "/api/v1"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = StoreSettings(sqlite_path=str(Path(tmp) / "ledger.sqlite3"), url=None, schema="public")
        app = create_app({"TESTING": True, "STORE_SETTINGS": store})
        try:
            return app.test_client().get(f"{API}/openapi.json").json  # type: ignore[no-any-return]
        finally:
            close_app(app)


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }


def test_the_title_is_ascii_and_the_chinese_name_is_in_the_description(document: dict[str, Any]) -> None:
    assert document["info"]["title"].isascii()
    assert "诉源治理案件台账" in document["info"]["description"]


def test_every_operation_has_its_own_snake_case_operation_id(document: dict[str, Any]) -> None:
    ids = [operation.get("operationId") for operation in _operations(document).values()]
    assert all(isinstance(i, str) and re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)
    named = {key: operation["operationId"] for key, operation in _operations(document).items()}
    assert named[("POST", f"{API}/disputes")] == "report_dispute"
    assert named[("GET", f"{API}/disputes/{{case_id}}")] == "get_dispute"
    assert named[("POST", f"{API}/disputes/{{case_id}}/hold-session")] == "dispute_hold_session"


def test_an_operation_left_unnamed_is_named_after_its_method_and_path() -> None:
    assert (
        derived_operation_id("get", f"{API}/audit/actors/{{actor_id}}/actions") == "get_audit_actors_actions"
    )
    assert derived_operation_id("POST", "/x/long-name") == "post_x_long_name"


def _headers(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_reads_of_personal_data_declare_the_purpose_header_and_its_403(document: dict[str, Any]) -> None:
    operations = {o["operationId"]: o for o in _operations(document).values()}
    for name in ("get_dispute", "get_dispute_history", "get_case_review"):
        assert "X-Access-Purpose" in _headers(operations[name]), name
        refusal = operations[name]["responses"]["403"]["description"]
        assert "purpose_required" in refusal and "region" not in refusal, (name, refusal)


def test_commands_declare_idempotency_key_and_if_match(document: dict[str, Any]) -> None:
    commands = {
        key: operation
        for key, operation in _operations(document).items()
        if key[0] == "POST" and key[1].startswith(f"{API}/disputes/{{case_id}}/")
    }
    assert len(commands) > 10
    for key, operation in commands.items():
        assert {"If-Match", "Idempotency-Key"} <= _headers(operation), key
    report = _operations(document)[("POST", f"{API}/disputes")]
    assert "Idempotency-Key" in _headers(report)
    # The query parameters documented by the schemas are still there beside the headers.
    listing = _operations(document)[("GET", f"{API}/disputes")]
    assert {"page", "status", "X-Access-Purpose"} <= {p["name"] for p in listing["parameters"]}


def test_every_indicator_field_names_its_chinese_name_and_unit(document: dict[str, Any]) -> None:
    row = document["components"]["schemas"]["IndicatorRow"]["properties"]
    for name in INDICATORS:
        description = row[name].get("description", "")
        assert re.search(r"[\u4e00-\u9fff]", description), (name, description)
        assert re.search(r"\((cases|fraction|days|villages|people|cases per)[^)]*\)", description), (
            name,
            description,
        )


def test_no_enum_holds_null(document: dict[str, Any]) -> None:
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            assert None not in node.get("enum", []), where
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(document, "")
    card = document["components"]["schemas"]["TownCard"]["properties"]["card"]
    assert (card["enum"], card["nullable"]) == (["red", "yellow"], True)


def test_review_parts_are_typed(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name, field in schemas["Review"]["properties"].items():
        shape = field.get("items", field)
        if shape.get("type") in (None, "object"):
            assert "$ref" in shape or "allOf" in shape, (name, field)
    deadline = schemas["ReviewDeadline"]["properties"]
    assert {"outcome", "opened_by", "held_by", "met", "late_by_hours"} <= set(deadline)


def test_answers_declare_the_headers_a_client_acts_on(document: dict[str, Any]) -> None:
    assert "Retry-After" in document["components"]["responses"]["UNAVAILABLE"]["headers"]
    assign = _operations(document)[("POST", f"{API}/disputes/{{case_id}}/assign")]
    assert {"ETag", "X-Ledger-Position", "Idempotent-Replayed"} <= set(assign["responses"]["200"]["headers"])
    for operation in _operations(document).values():
        assert "503" in operation["responses"], operation["operationId"]
