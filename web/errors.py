"""One JSON error shape for every refusal and failure:

    {"code": "illegal_transition", "message": "...", "errors": {"field": ["message", ...]}}

plus, where it helps a client recover, a few named extras (``status`` and ``allowed`` for an
illegal transition, ``current_version`` for a version conflict). Domain and application
exceptions map to a status by class; an exception nobody mapped is a bug and becomes a logged
500 with the same shape, never a stack trace or an HTML page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from apispec import BasePlugin
from eventsourcing.persistence import InterfaceError, OperationalError
from flask import Flask, Response, current_app
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from application.errors import CaseNotFound, UnknownActor, VersionConflict
from domain.errors import AccessDenied, IllegalTransition, InvalidValue, RuleViolation
from projections.store import ReplicaUnavailable

#: Where webargs puts messages; a location's own list of messages is about the whole of it.
_LOCATIONS = {"json": "body", "query": "query", "headers": "headers", "form": "body", "files": "files"}

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}


#: What each error code means, in Chinese, for the people reading an answer (clerks, supervisors);
#: the English ``message`` keeps the specifics. Unknown codes fall back to their HTTP status.
MESSAGES_ZH = {
    "bad_request": "请求有误，请检查后重试",
    "validation_error": "提交的内容未通过校验，请按各字段提示修改",
    "invalid_value": "提交的内容未通过校验，请按各字段提示修改",
    "unauthorized": "未登录或令牌无效、已过期、已吊销",
    "forbidden": "无权执行此操作或查看此内容",
    "purpose_required": "查看未脱敏的个人信息须说明查阅目的（X-Access-Purpose）",
    "not_found": "未找到（或不在您的管辖范围内）",
    "method_not_allowed": "不支持此请求方法",
    "not_acceptable": "无法提供所要求的格式",
    "conflict": "与当前状态冲突",
    "illegal_transition": "案件当前状态不允许此操作",
    "version_conflict": "案件已被他人更新，请刷新后重试",
    "rule_violation": "不符合业务规则",
    "idempotency_key_reused": "同一幂等键已用于不同的请求",
    "payload_too_large": "提交的内容过大",
    "unsupported_media_type": "请以 JSON 格式提交",
    "period_not_begun": "所选期间尚未开始",
    "pdf_unavailable": "服务器缺少中文字体，无法生成PDF",
    "too_many_requests": "请求过于频繁，请稍后再试",
    "projection_behind": "统计视图尚未更新到所需位置，请稍后再试",
    "projection_failed": "统计视图处理某一事件失败，已通知管理员",
    "projection_stalled": "统计视图已停止更新",
    "store_unavailable": "数据库暂时不可用，请稍后再试",
    "store_unreachable": "数据库暂时不可用，请稍后再试",
    "read_replica_unavailable": "只读副本数据库暂时不可用，请稍后再试",
    "unknown_command": "没有这个操作",
    "internal_error": "服务器内部错误",
    "not_implemented": "尚未提供此功能",
    "unavailable": "服务暂时不可用",
}
_ZH_BY_STATUS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict",
                 413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error", 503: "unavailable"}


def message_zh(http_status: int, code: str) -> str:
    return MESSAGES_ZH.get(code) or MESSAGES_ZH.get(_ZH_BY_STATUS.get(http_status, ""), "请求未能完成")


class ErrorSchema(ma.Schema):
    """The error body (documentation only; errors are built by ``error_response``)."""

    code = ma.fields.String(metadata={"description": "stable machine-readable code, e.g. illegal_transition"})
    message = ma.fields.String(metadata={"description": "what went wrong, for people"})
    message_zh = ma.fields.String(metadata={"description": "错误说明: what the code means, in Chinese"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "per-field messages; a field inside a list is named like parties[0].name"},
    )
    status = ma.fields.String(metadata={"description": "409 illegal_transition: the case's state"})
    allowed = ma.fields.List(
        ma.fields.String(), metadata={"description": "409 illegal_transition: allowed commands"}
    )
    current_version = ma.fields.Integer(metadata={"description": "409 version_conflict: the case's version"})
    expected_version = ma.fields.Integer(
        metadata={"description": "409 version_conflict: the version If-Match expected"}
    )
    command = ma.fields.String(
        metadata={"description": "409 illegal_transition, rule_violation: the command refused (kebab-case)"}
    )
    position = ma.fields.Integer(
        metadata={
            "description": "503 projection_behind, projection_failed: the position the views have reached"
        }
    )
    failed_position = ma.fields.Integer(
        metadata={"description": "503 projection_failed: the position of the event the views cannot get past"}
    )


class ApiError(Exception):
    """A refusal decided by the web layer itself (a malformed header, an unknown command...)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        self.extra = extra


def error_response(
    http_status: int,
    code: str,
    message: str,
    /,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The error body; ``extra`` adds named fields (``status`` here is the case's state)."""
    body = {"code": code, "message": message, "message_zh": message_zh(http_status, code), "errors": dict(errors or {}), **extra}
    response: Response = current_app.json.response(body)  # type: ignore[assignment]
    response.status_code = http_status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow/webargs messages to {"parties[0].name": ["..."]}."""
    if isinstance(messages, Mapping):
        out: dict[str, list[str]] = {}
        for key, value in messages.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif prefix:
                name = f"{prefix}.{key}"
            else:
                name = str(key)
            out.update(field_errors(value, name))
        return out
    if isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_request": list(messages)}
        out = {}
        for i, item in enumerate(messages):
            out.update(field_errors(item, f"{prefix}[{i}]"))
        return out
    return {prefix or "_request": [str(messages)]}


def _request_errors(messages: Any) -> dict[str, list[str]]:
    """webargs keys its messages by location first; a field name is what a client needs."""
    if not isinstance(messages, Mapping):
        return field_errors(messages)
    out: dict[str, list[str]] = {}
    for location, value in messages.items():
        if location in _LOCATIONS and isinstance(value, Mapping):
            out.update(field_errors(value))
        elif location in _LOCATIONS:
            out.update(field_errors(value, _LOCATIONS[location]))
        else:
            out.update(field_errors(value, str(location)))
    return out


#: Refusals that come from what runs around the operations rather than from one of them:
#: status → (response component, description). CommonResponses documents each where it can happen.
COMMON_RESPONSES: dict[str, tuple[str, str]] = {
    "400": (
        "MALFORMED_REQUEST",
        "the body is not strict JSON (nested deeper than 32 levels, a key given twice, lone surrogates, "
        "NaN), a header is malformed or too long (If-Match, Idempotency-Key, X-Ledger-Position, "
        "X-Access-Purpose), or the path or query string holds control characters",
    ),
    "413": ("PAYLOAD_TOO_LARGE", "the body is larger than the server accepts (1 MiB)"),
    "401": ("UNAUTHENTICATED", "no bearer token, or not a valid one"),
    "503": (
        "UNAVAILABLE",
        "the store is unreachable, or the views have not yet reached the position asked for "
        "(min_position, X-Ledger-Position: projection_behind), or cannot reach it because an event "
        "fails to project (projection_failed); retry after Retry-After",
    ),
}


class CommonResponses(BasePlugin):
    """Documents on each operation the refusals it can meet without documenting them itself:
    400 everywhere (headers, path and query string are checked on every request, web/request_checks.py),
    413 where a body is read, 401 wherever a token is required (the before-request check of
    web/auth.py; an operation's ``security: []`` waives it), 503 everywhere."""

    def init_spec(self, spec: Any) -> None:
        self.spec = spec

    def operation_helper(self, path: str | None = None, operations: Any = None, **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            statuses = ["400", "503"]
            if "requestBody" in operation:
                statuses.append("413")
            if operation.get("security", self.spec.options.get("security")):
                statuses.append("401")
            responses = operation.setdefault("responses", {})
            documented = {str(code) for code in responses}  # flask-smorest keys them by int
            for status in statuses:
                if status not in documented:
                    responses[status] = COMMON_RESPONSES[status][0]


#: The key under which ``@blp.doc`` lists the request headers an operation reads.
HEADERS_KEY = "x-request-headers"


class RequestHeaders(BasePlugin):
    """Adds the headers a route lists under ``@blp.doc(**{HEADERS_KEY: [...]})`` to the
    operation's parameters. (A ``parameters`` list given to ``@blp.doc`` would replace the query
    parameters ``@blp.arguments`` documents instead of adding to them.)"""

    def operation_helper(self, path: str | None = None, operations: Any = None, **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            headers = operation.pop(HEADERS_KEY, [])
            operation["parameters"] = (
                [*operation.get("parameters", []), *headers] if headers else operation.get("parameters", [])
            )
            if not operation["parameters"]:
                del operation["parameters"]


class OperationIds(BasePlugin):
    """Every operation gets an operationId, the name a generated client gives its function.
    Routes name theirs with ``@blp.doc(operationId=...)``; any operation left unnamed gets one
    from its method and path (GET /audit/seals → get_audit_seals), so a new route never ships
    without one. A name used twice is a bug in the routes and stops the app from starting."""

    def init_spec(self, spec: Any) -> None:
        self.seen: dict[str, str] = {}

    def operation_helper(self, path: str | None = None, operations: Any = None, **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            name = operation.get("operationId") or derived_operation_id(method, path or "")
            where = f"{method.upper()} {path}"
            if self.seen.setdefault(name, where) != where:
                raise ValueError(f"operationId {name} names both {self.seen[name]} and {where}")
            operation["operationId"] = name


def derived_operation_id(method: str, path: str) -> str:
    """GET /api/v1/audit/actors/{actor_id}/actions → get_audit_actors_actions."""
    words = [w for w in path.split("/") if w and not w.startswith("{") and w not in ("api", "v1")]
    return "_".join([method.lower(), *(w.replace("-", "_").replace(".", "_") for w in words)])


class LedgerApi(Api):
    """flask-smorest's Api with our error shape for every HTTPException, its own 422s included."""

    ERROR_SCHEMA = ErrorSchema

    def _init_spec(self, *, extra_plugins: Any = None, **kwargs: Any) -> None:  # type: ignore[override]
        super()._init_spec(
            extra_plugins=[*(extra_plugins or ()), CommonResponses(), OperationIds(), RequestHeaders()],
            **kwargs,
        )

    def _register_responses(self) -> None:
        super()._register_responses()
        for name, description in COMMON_RESPONSES.values():
            response: dict[str, Any] = {"description": description, "schema": self.ERROR_SCHEMA}
            if name == COMMON_RESPONSES["503"][0]:
                response["headers"] = {
                    "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}
                }
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(name, response, lazy=True)

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        errors = _request_errors(data.get("errors", data.get("messages", {})))
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        headers.update(data.get("headers") or {})
        if status >= 500:
            # Flask has already logged the original exception; the description may name internals.
            message = (
                "internal error; the incident is logged" if status == 500 else error.description or error.name
            )
        elif status in (400, 422) and errors:
            message = data.get("message") or "the request is not valid: " + "; ".join(
                f"{k}: {' '.join(v)}" for k, v in sorted(errors.items())
            )
        else:
            message = data.get("message") or error.description or error.name
        return error_response(
            status, _CODES.get(status, error.name.lower().replace(" ", "_")), message, errors, headers
        )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(e: ApiError) -> Response:
        return error_response(e.status, e.code, e.message, e.errors, e.headers, **e.extra)

    @app.errorhandler(InvalidValue)
    def _invalid(e: InvalidValue) -> Response:
        return error_response(422, "invalid_value", str(e), {e.field: [e.rule]})

    @app.errorhandler(IllegalTransition)
    def _illegal(e: IllegalTransition) -> Response:
        allowed = sorted(kebab(c) for c in e.allowed)
        return error_response(
            409,
            "illegal_transition",
            # The client's spelling (the command URLs'), in the message as in the fields.
            f"{kebab(e.command)} is not allowed in state {e.status}; allowed: {', '.join(allowed) or 'none'}",
            command=kebab(e.command),
            status=e.status,
            allowed=allowed,
        )

    @app.errorhandler(RuleViolation)
    def _rule(e: RuleViolation) -> Response:
        return error_response(409, "rule_violation", str(e), command=kebab(e.command))

    @app.errorhandler(VersionConflict)
    def _version(e: VersionConflict) -> Response:
        return error_response(
            409,
            "version_conflict",
            str(e),
            expected_version=e.expected,
            current_version=e.current,
            headers={"ETag": f'"{e.current}"'},
        )

    @app.errorhandler(AccessDenied)
    def _denied(e: AccessDenied) -> Response:
        return error_response(403, e.code, str(e))

    @app.errorhandler(UnknownActor)
    def _unknown_actor(e: UnknownActor) -> Response:
        return error_response(
            401, "unauthorized", str(e), headers={"WWW-Authenticate": 'Bearer realm="ledger"'}
        )

    @app.errorhandler(CaseNotFound)
    def _not_found(e: CaseNotFound) -> Response:
        return error_response(404, "not_found", str(e))

    @app.errorhandler(ReplicaUnavailable)
    def _replica_down(e: ReplicaUnavailable) -> Response:
        app.logger.error("read replica unavailable: %s", e)
        return error_response(
            503,
            "read_replica_unavailable",
            "the read replica holding the views is not reachable; try again",
            headers={"Retry-After": "5"},
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _store_down(e: Exception) -> Response:
        app.logger.error("store unavailable: %s", e)
        return error_response(
            503, "store_unavailable", "the store is not reachable; try again", headers={"Retry-After": "5"}
        )


def kebab(command: str) -> str:
    """A command as it appears in a URL: hold_session → hold-session."""
    return command.replace("_", "-")
