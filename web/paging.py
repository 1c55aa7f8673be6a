"""Page parameters and the page envelope shared by list endpoints:
{"items": [...], "page", "per_page", "total", "links": {"next", "prev"}}."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import request

MAX_PER_PAGE = 100
#: Beyond any ledger; keeps page numbers and offsets inside the stores' (and JSON's) 64-bit integers.
MAX_PAGE = 2**31 - 1


class PageQuery(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))


class LinksSchema(ma.Schema):
    next = ma.fields.String(allow_none=True, metadata={"description": "the next page, or null on the last"})
    prev = ma.fields.String(
        allow_none=True, metadata={"description": "the previous page, or null on the first"}
    )


class PageSchema(ma.Schema):
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()
    links = ma.fields.Nested(LinksSchema)


def page_of(items: list[Any], *, page: int, per_page: int, total: int) -> dict[str, Any]:
    def link(number: int) -> str:
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
        return f"{request.path}?{urlencode([*args, ('page', str(number))])}"

    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "links": {
            "next": link(page + 1) if page * per_page < total else None,
            "prev": link(page - 1) if page > 1 else None,
        },
    }
