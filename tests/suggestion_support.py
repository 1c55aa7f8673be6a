"""Suggestions (司法建议) made ready for tests: drafted from reported cases and walked along
their life by the roles that act at each step."""

from __future__ import annotations

from typing import Any

from application import suggestions as acts
from tests.support import COUNTY, COURT, World

#: Each command's arguments in the tests (dates on T0's day, 2026-03-02 in the county).
DAY = "2026-03-02"
ARGS: dict[str, dict[str, Any]] = {
    "review": {"opinion": "同意签发"},
    "issue": {},
    "deliver": {"delivered_on": DAY, "proof_of_service": "送达回证 第12号"},
    "remind": {"content": "请于期限内书面反馈"},
    "escalate": {"reason": "逾期未反馈", "superior": "县人民政府"},
    "record_reply": {"outcome": "partly", "measures": "建立欠薪预警机制", "replied_on": DAY},
    "revisit": {"visited_on": DAY, "findings": "措施已落实"},
    "archive": {"archive_number": "2026-司建-01"},
}
#: Who does each step: judges draft and issue, a second judge reviews, supervisors follow.
ACTORS = {"review": "judge-reviewer", "remind": "supervisor", "escalate": "supervisor"}
#: The commands that reach each state from a new draft.
PATHS: dict[str, list[str]] = {
    "drafted": [],
    "reviewed": ["review"],
    "issued": ["review", "issue"],
    "delivered": ["review", "issue", "deliver"],
    "replied": ["review", "issue", "deliver", "record_reply"],
    "revisited": ["review", "issue", "deliver", "record_reply", "revisit"],
    "archived": ["review", "issue", "deliver", "record_reply", "archive"],
}


def prepare(world: World) -> None:
    world.actor("judge-reviewer", "judge", COUNTY)


def draft(world: World, *, case_ids: list[str] | None = None, **overrides: Any) -> Any:
    prepare(world)
    if case_ids is None:
        case_ids = [str(world.report(category="migrant_wages").id)]
    body: dict[str, Any] = {
        "kind": "judicial", "issuer_code": COURT, "recipient": "县人力资源和社会保障局",
        "recipient_superior": "县人民政府", "title": "关于加强农民工工资支付监管的司法建议",
        "problem": "近年欠薪纠纷集中", "proposals": "建立工资保证金制度", "category": "migrant_wages",
        "region_code": COUNTY, "case_ids": case_ids,
    }  # fmt: skip
    body.update(overrides)
    drafted, _ = acts.draft_suggestion(world.ledger, world.actors["judge"], **body)
    return drafted


def act(world: World, suggestion_id: Any, command: str, **overrides: Any) -> Any:
    actor = world.actors[ACTORS.get(command, "judge")]
    done, _ = acts.suggestion_command(world.ledger, actor, suggestion_id, command, **{**ARGS[command], **overrides})
    return done


def walk(world: World, path: list[str], **draft_overrides: Any) -> Any:
    found = draft(world, **draft_overrides)
    for command in path:
        found = act(world, found.id, command)
    return found
