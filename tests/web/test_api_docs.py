"""Swagger UI at /api/v1/docs: the page and every asset it loads answer 200 from this app, no
token needed, and nothing in the page points outside (an offline government network)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit


def test_the_docs_page_and_its_assets_are_served_from_this_app(app: Any) -> None:
    client = app.test_client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "SwaggerUIBundle" in html and '"/api/v1/openapi.json"' in html
    assert re.search(r'"validatorUrl": ?null', html)  # the badge would send the document to an outside service
    assert not re.search(r"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html), "an external URL in the docs page"
    loaded = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(loaded) >= 3
    for url in loaded:
        target = urljoin("/api/v1/docs", url)
        assert not urlsplit(target).netloc, url
        asset = client.get(target)
        assert asset.status_code == 200, target
        assert asset.content_length and asset.content_length > 1000, target
    assert client.get("/api/v1/openapi.json").status_code == 200
    # Only the page's own files: not the package's source maps, demos or anything by path.
    for other in ("swagger-ui-bundle.js.map", "index.html", "..%2F__init__.py", "oauth2-redirect.html"):
        assert client.get(f"/api/v1/docs/assets/{other}").status_code == 404, other
