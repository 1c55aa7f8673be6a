"""The purpose form: a page that shows a case's unmasked personal data asks why, exactly as
the API's X-Access-Purpose header does (web/auth.py disclose), and the read goes to the case's
access log with that purpose. Readers are never offered the form: they always see masked data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, request

from domain.access import check_purpose
from domain.codes import Role
from domain.errors import InvalidValue
from domain.permissions import MASKED_ROLES
from domain.reference import Actor
from web.auth import PurposeRequired, disclose_case


@dataclass(frozen=True)
class Disclosure:
    disclosed: bool  # the page shows unmasked personal data (and the read was logged)
    ask: bool  # the page offers the purpose form
    error: str | None  # why the purpose sent was refused


def purpose_refused() -> str | None:
    """On a POST, check the purpose the form sent as the API checks the header and set it for
    web/auth.declared_purpose() to read; the reason in words when it is missing or refused."""
    if request.method != "POST":
        return None
    purpose = request.form.get("purpose", "").strip()
    if not purpose:
        return "请填写查阅目的"
    try:
        check_purpose(purpose)
    except InvalidValue as e:
        return f"查阅目的不符合要求：{e.rule}"
    g.declared_purpose = purpose
    return None


def disclosure(actor: Actor, case: Any) -> Disclosure:
    """Whether the page may show ``case`` unmasked: its handlers without a purpose, anyone but a
    reader with one (the read logged by disclose_case); otherwise masked, with the form."""
    offer = Role(actor.role) not in MASKED_ROLES
    refused = purpose_refused()
    if refused:
        return Disclosure(False, offer, refused)
    try:
        return Disclosure(disclose_case(actor, case), False, None)
    except PurposeRequired:
        return Disclosure(False, offer, None)
