"""The governance instruments as pages: 红黄牌 (the list and one card, its frozen figures beside
today's), 预警 (mass-dispute warnings and missed deadlines) and 无讼村 (enrolled villages with
coverage toward the target). Each reads exactly what its API answers (web/instruments,
web/warnings), through the same role and region rules.

Adding an instrument's page is a template and a function decorated with ``instrument_page``:
the decorator mounts the route, checks the role, names the page in the navigation for the
roles that may open it, and renders the template with what the function returns.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import render_template, request, url_for

from application.warning_desk import read_warning
from domain import card as card_domain
from domain import no_litigation as village_domain
from domain import warning_lifecycle
from domain.errors import AccessDenied, InvalidValue
from domain.reference import Actor
from projections.periods import Period
from web.auth import current_actor
from web.context import ledger
from web.instruments.routes import card_listing, card_view, village_listing, village_view
from web.ui.blueprint import ui
from web.ui.cases import page_number
from web.ui.labels import figure, indicator_columns, indicator_label
from web.warnings.present import history_entry, warning_state
from web.warnings.routes import warning_listing


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    title: str
    roles: frozenset[str]


#: The instrument pages in the navigation, in the order they were declared.
NAV: list[NavEntry] = []


def instrument_page(
    rule: str, *, title: str, roles: frozenset[Any], nav: bool = True
) -> Callable[[Callable[..., tuple[str, dict[str, Any]]]], Callable[..., Any]]:
    """Mount ``rule`` for ``roles``; the function answers (template, its data) for the actor."""
    allowed = frozenset(str(getattr(r, "value", r)) for r in roles)

    def wrap(build: Callable[..., tuple[str, dict[str, Any]]]) -> Callable[..., Any]:
        endpoint = build.__name__
        if nav:
            NAV.append(NavEntry(f"ui.{endpoint}", title, allowed))

        @functools.wraps(build)
        def view(**kwargs: Any) -> Any:
            actor = current_actor()
            if actor.role not in allowed:
                raise AccessDenied(f"role {actor.role} may not read {title}")
            template, data = build(actor, **kwargs)
            return render_template(template, title=title, **data)

        ui.add_url_rule(rule, endpoint, view)
        return view

    return wrap


@ui.app_context_processor
def _instrument_nav() -> dict[str, Any]:
    def entries() -> list[tuple[str, str, str]]:
        try:
            actor = current_actor()
        except Exception:  # the sign-in page: nobody yet
            return []
        return [(url_for(e.endpoint), e.title, e.endpoint) for e in NAV if actor.role in e.roles]

    return {"instrument_nav": entries}


def _choice(name: str, allowed: dict[str, str] | tuple[str, ...]) -> str | None:
    raw = request.args.get(name, "").strip()
    if raw and raw not in allowed:
        raise InvalidValue(name, f"可选：{'、'.join(allowed.values() if isinstance(allowed, dict) else allowed)}")
    return raw or None


def _period() -> str | None:
    raw = request.args.get("period", "").strip()
    if not raw:
        return None
    try:
        return Period.parse(raw).text
    except ValueError as e:
        raise InvalidValue("period", str(e)) from None


def _year() -> int | None:
    raw = request.args.get("year", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and village_domain.MIN_YEAR <= int(raw) <= village_domain.MAX_YEAR):
        raise InvalidValue("year", f"{village_domain.MIN_YEAR}–{village_domain.MAX_YEAR} 之间的年份")
    return int(raw)


CARD_WORDS = {"red": "红牌", "yellow": "黄牌"}
RECTIFICATION_WORDS = {"filed": "已按期报送", "filed_late": "逾期报送", "due": "未到期", "overdue": "已逾期未报"}


# ---------------------------------------------------------------------- 红黄牌


@instrument_page("/cards", title="红黄牌", roles=card_domain.READ_ROLES)
def card_list(actor: Actor) -> tuple[str, dict[str, Any]]:
    period, status = _period(), _choice("status", card_domain.STATES)
    listed = card_listing(actor, {"period": period, "status": status})
    return "ui/cards.html", {
        **listed, "period": period or "", "status": status or "", "states": card_domain.STATES,
        "words": CARD_WORDS, "rectification": RECTIFICATION_WORDS,
    }  # fmt: skip


@instrument_page("/cards/<card_id>", title="红黄牌", roles=card_domain.READ_ROLES, nav=False)
def card_one(actor: Actor, card_id: str) -> tuple[str, dict[str, Any]]:
    card = card_view(actor, card_id)
    frozen = card["basis"].get("figures") or card["basis"].get("county_figures") or {}
    today = (card["today"] or {}).get("figures") or {}
    names = indicator_columns([frozen, today])
    figures = [
        (indicator_label(n), figure(n, frozen.get(n)), figure(n, today.get(n)), frozen.get(n) != today.get(n))
        for n in names
    ]
    reasons = [
        {**r, "words": CARD_WORDS.get(r.get("level", ""), r.get("level", "")),
         "figure": f"{indicator_label(r.get('indicator', ''))} {figure(r.get('indicator', ''), r.get('value'))}"}
        for r in card["basis"].get("reasons", [])
    ]  # fmt: skip
    return "ui/card.html", {
        "c": card, "figures": figures, "reasons": reasons, "words": CARD_WORDS,
        "rectification": RECTIFICATION_WORDS, "has_today": bool(today),
    }  # fmt: skip


# ---------------------------------------------------------------------- 预警


WARNING_KINDS = {warning_lifecycle.MASS: "群体性纠纷预警", warning_lifecycle.DEADLINE: "超期预警"}
PER_PAGE = 20


@instrument_page("/warnings", title="预警", roles=warning_lifecycle.READ_ROLES)
def warning_list(actor: Actor) -> tuple[str, dict[str, Any]]:
    kind, status = _choice("kind", WARNING_KINDS), _choice("status", warning_lifecycle.STATE_LABELS)
    page = page_number()
    listed = warning_listing(actor, {"kind": kind, "status": status, "page": page, "per_page": PER_PAGE})
    pages = max(1, -(-listed["total"] // PER_PAGE))
    return "ui/warnings.html", {
        **listed, "pages": pages, "kind": kind or "", "status": status or "", "kinds": WARNING_KINDS,
        "states": warning_lifecycle.STATE_LABELS,
    }  # fmt: skip


@instrument_page("/warnings/<warning_id>", title="预警", roles=warning_lifecycle.READ_ROLES, nav=False)
def warning_one(actor: Actor, warning_id: str) -> tuple[str, dict[str, Any]]:
    warning = read_warning(ledger(), actor, warning_id)
    events = [history_entry(e) for e in ledger().events.get(warning.id)]
    return "ui/warning.html", {"w": warning_state(warning), "events": events, "kinds": WARNING_KINDS}


# ---------------------------------------------------------------------- 无讼村


@instrument_page("/villages", title="无讼村", roles=village_domain.READ_ROLES)
def village_list(actor: Actor) -> tuple[str, dict[str, Any]]:
    listed = village_listing(actor, {"year": _year()})
    return "ui/villages.html", {**listed, "states": village_domain.STATES}


@instrument_page("/villages/<village>", title="无讼村", roles=village_domain.READ_ROLES, nav=False)
def village_one(actor: Actor, village: str) -> tuple[str, dict[str, Any]]:
    return "ui/village.html", {"v": village_view(actor, village)}
