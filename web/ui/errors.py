"""Refusals on the pages read as pages, in Chinese, with the same statuses the API answers
(a case outside the region is 404 with the words of an unknown id)."""

from __future__ import annotations

import logging
from typing import Any

from flask import render_template
from werkzeug.exceptions import HTTPException

from application.errors import CaseNotFound, UnknownActor
from domain.errors import AccessDenied, IllegalTransition, InvalidValue, RuleViolation
from web.errors import ApiError, message_zh
from web.ui.blueprint import ui
from web.ui.session import CsrfRefused

log = logging.getLogger(__name__)


def _page(status: int, title: str, detail: str = "") -> Any:
    return render_template("ui/error.html", status=status, title=title, detail=detail), status


@ui.errorhandler(Exception)
def _any(e: Exception) -> Any:
    if isinstance(e, CsrfRefused):
        return _page(400, "表单校验失败", "表单已过期或来自别处（CSRF 校验未通过），请返回刷新页面后重试。")
    if isinstance(e, CaseNotFound):  # also a card, warning or village (their errors derive from it)
        title = "未找到该案件" if type(e) is CaseNotFound else "未找到"
        return _page(404, title, message_zh(404, "not_found"))
    if isinstance(e, AccessDenied):
        return _page(403, "无权查看", message_zh(403, e.code))
    if isinstance(e, UnknownActor):
        return _page(401, "请重新登录", message_zh(401, "unauthorized"))
    if isinstance(e, InvalidValue):
        return _page(422, "查询条件有误", f"{e.field}：{e.rule}")
    if isinstance(e, IllegalTransition | RuleViolation):
        return _page(409, "与当前状态冲突", str(e))
    if isinstance(e, ApiError):
        return _page(e.status, message_zh(e.status, e.code), e.message)
    if isinstance(e, HTTPException):
        status = e.code or 500
        return _page(status, message_zh(status, ""), e.description or "")
    log.exception("page failed")
    return _page(500, "页面出错", "服务器内部错误，已记录日志；请稍后重试。")
