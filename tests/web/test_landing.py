"""The URL `ledger serve` prints, and the API's root, answer without a token and point onward."""

from __future__ import annotations

from typing import Any

from tests.web.helpers import API, Http, both_stores


@both_stores
def test_root_and_api_root_point_to_the_documents_without_a_token(http: Http) -> None:
    for path in ("/", API, f"{API}/"):
        response = http.client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        document = response.json
        assert document["version"] == "v1" and document["name"]
        links = document["links"]
        assert links["openapi"] == f"{API}/openapi.json"
        assert links["health"] == "/healthz"
        # The pages exist, so the landing answer links to them.
        assert links["ui"] == "/ui/"
        for link in (links["openapi"], links["health"], links["api"]):
            assert http.client.get(link).status_code == 200, link


def test_the_ui_is_linked_once_the_app_has_it(app: Any, http: Http) -> None:
    app.add_url_rule("/ui/", "ui", lambda: "the UI")
    assert http.client.get("/").json["links"]["ui"] == "/ui/"


def test_the_landing_is_documented_as_public(http: Http) -> None:
    paths = http.client.get(f"{API}/openapi.json").json["paths"]
    operation = paths[f"{API}/"]["get"]
    assert operation["security"] == []
    assert "200" in operation["responses"]
