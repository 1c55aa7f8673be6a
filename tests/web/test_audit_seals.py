"""GET /audit/seals: every seal, oldest first, in the shape a witness keeps, for auditors and admins."""

from __future__ import annotations

import json
from pathlib import Path

from application.integrity import seal
from tests.web.helpers import Http, assert_error, both_stores


@both_stores
def test_the_seals_are_listed_page_by_page_as_the_witness_keeps_them(http: Http, tmp_path: Path) -> None:
    witness = tmp_path / "seals.jsonl"
    ledger, admin = http.world.ledger, http.world.actors["admin"]
    assert http.get("/audit/seals", "auditor").json["total"] == 0
    for _ in range(3):
        http.report()
        seal(ledger, admin, witness=str(witness))
    kept = [json.loads(line) for line in witness.read_text(encoding="utf-8").splitlines()]

    first = http.get("/audit/seals", "auditor", {"per_page": 2}).json
    assert (first["total"], first["page"], first["links"]["prev"]) == (3, 1, None)
    second = http.client.get(first["links"]["next"], headers=http.auth("auditor")).json
    assert second["links"]["next"] is None
    assert first["items"] + second["items"] == kept
    assert [item["previous"]["id"] for item in kept[1:]] == [item["id"] for item in kept[:-1]]
    assert http.get("/audit/integrity", "admin").json["seals"] == 3

    assert_error(http.get("/audit/seals", "supervisor"), 403, "forbidden")
    assert_error(http.get("/audit/seals", "reader"), 403, "forbidden")
    assert_error(http.get("/audit/seals", None), 401)
