"""Signing in to the pages: the bearer token is typed once and checked by the Ledger exactly as
the API checks it; the browser then holds a signed session cookie naming the actor and the
digest of that token (never the token itself), so a token revoked, rotated or expired ends the
session at the next page. Every form carries a per-session CSRF token checked on each POST.

Settings (environment):
    LEDGER_SECRET_KEY          signs the cookie; without it a random per-process key is used
                               (sessions end when the process restarts; with several worker
                               processes set it, or a page may find itself signed out)
    LEDGER_UI_SESSION_HOURS    how long a session lasts after sign-in (default 8)
    LEDGER_UI_SECURE_COOKIE    1: always mark the cookie Secure; otherwise it is Secure whenever
                               the request came over HTTPS or a proxy sent X-Forwarded-Proto: https
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.wrappers import Response

from application import sign_in_links
from application.errors import UnknownActor
from domain.reference import Actor, token_digest
from web.context import ledger, now
from web.ui.blueprint import ui

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf_token"
#: Pages anyone may open: the sign-in form and the stylesheet.
OPEN_ENDPOINTS = frozenset({"ui.login", "ui.login_link", "ui.static"})


def _truthy(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes", "on")


class PageSessions(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure when the request is HTTPS, when a TLS-terminating proxy
    says the browser's request was (X-Forwarded-Proto: https), or when the settings say so.
    The header is believed only to make the cookie stricter: a client that sends it falsely
    gets a cookie its own plain-HTTP requests then lack."""

    def get_cookie_secure(self, app: Flask) -> bool:
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure or forwarded == "https"


def configure_session(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        key = os.environ.get("LEDGER_SECRET_KEY", "").strip()
        if not key:
            key = secrets.token_hex(32)
            app.logger.warning(
                "LEDGER_SECRET_KEY is not set: the pages' sessions are signed with a random key of this "
                "process and end when it restarts; set it when running several worker processes"
            )
        app.config["SECRET_KEY"] = key
    hours = float(os.environ.get("LEDGER_UI_SESSION_HOURS", "8") or 8)
    app.config.update(
        SESSION_COOKIE_NAME="ledger_ui",
        SESSION_COOKIE_PATH="/ui",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config.get("UI_SECURE_COOKIE", _truthy(os.environ.get("LEDGER_UI_SECURE_COOKIE", ""))),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=max(hours, 0.01)),
    )
    app.session_interface = PageSessions()


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


@ui.app_context_processor
def _form_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "CSRF_FIELD": CSRF_FIELD}


class CsrfRefused(Exception):
    """A POST without the session's CSRF token: a form from elsewhere, or an expired session."""


def signed_in() -> Actor | None:
    """The actor the session names while its token still authenticates them (not revoked,
    rotated away or expired by the ledger's clock); the session is dropped otherwise."""
    name, digest = session.get("actor"), session.get("token")
    if not name or not digest:
        return None
    try:
        actor = ledger().actor(str(name))
    except UnknownActor:
        session.clear()
        return None
    if actor.refuses(str(digest), now()) is not None:
        session.clear()
        return None
    return actor


@ui.before_request
def _guard() -> Response | None:
    if request.method == "POST":
        sent = request.form.get(CSRF_FIELD, "")
        expected = session.get("csrf", "")
        if not sent or not expected or not hmac.compare_digest(str(sent), str(expected)):
            raise CsrfRefused()
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    actor = signed_in()
    if actor is None:
        return redirect(url_for("ui.login", next=request.full_path.rstrip("?")))
    g.actor = actor  # web/auth.current_actor() answers it, as for a bearer token
    return None


def _safe_next(raw: str | None) -> str:
    """Only a page of this app: an open redirect would send a signed-in user anywhere."""
    if raw and raw.startswith("/ui/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return url_for("ui.dashboard")


@ui.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        token = request.form.get("token", "").strip()
        try:
            actor = ledger().authenticate(token)
        except UnknownActor:
            error = "令牌无效、已过期或已吊销，请向管理员索取新令牌"
        else:
            _start(actor, token_digest(token), "token")
            return redirect(_safe_next(request.form.get("next")))
    status = 401 if error else 200
    return render_template("ui/login.html", error=error, next=request.values.get("next", "")), status


def _start(actor: Actor, token_hash: str, how: str) -> None:
    """A new session (and CSRF token) for the signed-in actor, bound to the digest of the
    actor's token: revoking or rotating that token ends it, however the sign-in was made."""
    session.clear()
    session.permanent = True
    session["actor"] = actor.name
    session["token"] = token_hash
    csrf_token()
    log.info("page sign-in by %s: %s (%s)", how, actor.name, actor.role)


@ui.route("/login/<nonce>", methods=["GET", "POST"])
def login_link(nonce: str) -> Any:
    """A one-time link (`ledger actors login-link NAME`). Opening it only asks to confirm, so
    a mail scanner or link preview that fetches it does not spend it; the POST spends it."""
    try:
        if request.method == "POST":
            actor = sign_in_links.redeem(ledger(), nonce)
            _start(actor, actor.token_hash, "one-time link")
            return redirect(url_for("ui.dashboard"))
        _, actor = sign_in_links.peek(ledger(), nonce)
    except UnknownActor as e:
        words = "已被使用" if "used" in str(e) else ("已过期" if "expired" in str(e) else "无效")
        error = f"登录链接{words}：每个链接只能使用一次，且在有效期内使用。请向管理员索取新链接，或用访问令牌登录。"
        return render_template("ui/login.html", error=error, next=""), 401
    return render_template("ui/login_link.html", who=actor, nonce=nonce)


@ui.route("/logout", methods=["POST"])
def logout() -> Any:
    session.clear()
    return redirect(url_for("ui.login"))
