"""Signing in to the pages in tests, and reading what they show."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from tests.support import World

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html
    return found.group(1)


def sign_in(client: Any, world: World, who: str) -> Any:
    """A client signed in to the pages as ``who`` (through the form, as a person does)."""
    form = client.get("/ui/login")
    assert form.status_code == 200
    response = client.post(
        "/ui/login", data={"token": world.tokens[who], "csrf_token": csrf_of(form.get_data(as_text=True))}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_body = False
        #: Form fields a person fills (id, or "" without one), the ids labels point at, and
        #: the ids of tables without a header cell.
        self.fields: list[str] = []
        self.labelled: set[str] = set()
        self.headed: dict[str, bool] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag == "table":
            self._table = a.get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
            self.headed[self._table] = False
        if tag == "th" and self._table:
            self.headed[self._table] = True
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            self.fields.append(a.get("id") or "")
        if tag == "label" and a.get("for"):
            self.labelled.add(a.get("for") or "")
        if tag == "tbody":
            self._in_body = True
        if tag == "tr" and self._in_body:
            self._row = []
        if tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        if tag == "tbody":
            self._in_body = False
        if tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parsed(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser
