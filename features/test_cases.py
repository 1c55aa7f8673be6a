"""Case scenarios: a dispute's way from report to resolution."""

from typing import Any
from uuid import UUID

from pytest_bdd import parsers, scenarios, step, then

from domain.codes import CourtOutcome, SessionMode
from domain.errors import InvalidValue, LedgerError, RuleViolation
from features.conftest import act, attempt, by_label, current, organisation_code
from tests.support import World

scenarios("cases")


# ---------------------------------------------------------------------------- version 2 of the case model


def _names(world: World, case_id: UUID, role: str | None = None) -> list[str]:
    return [p.name for p in current(world, case_id).parties if role is None or p.role == role]


@step("只有申请人一方申请司法确认", target_fixture="refusal")
def one_party_applies(ledger_world: World, dispute_id: UUID) -> LedgerError | None:
    return attempt(
        ledger_world, dispute_id, "调解员", "request_confirmation",
        court_code="ORGC-COURT", online=False, applicants=_names(ledger_world, dispute_id, "applicant"),
    )  # fmt: skip


@then("操作被拒绝，理由指出须双方当事人共同申请")
def refused_not_joint(refusal: LedgerError | None) -> None:
    assert isinstance(refusal, InvalidValue) and refusal.field == "applicants", refusal
    assert "jointly by both parties" in str(refusal)


@step(parsers.parse('双方当事人共同向"{court}"申请司法确认，由调解员移交'))
def parties_apply(ledger_world: World, dispute_id: UUID, court: str) -> None:
    act(
        ledger_world, dispute_id, "调解员", "request_confirmation",
        court_code=organisation_code(ledger_world, court), online=False, applicants=_names(ledger_world, dispute_id),
    )  # fmt: skip


@then("司法确认的申请人为全体当事人，移交人为该案调解员")
def applicants_recorded(ledger_world: World, dispute_id: UUID) -> None:
    case = current(ledger_world, dispute_id)
    (request,) = [
        e for e in ledger_world.ledger.history(dispute_id) if type(e).__name__ == "ConfirmationRequested"
    ]
    assert request.applicants == _names(ledger_world, dispute_id)
    assert request.handed_over_by == case.mediator_id == "mediator"


@step("法官经院长批准延长司法确认审查期限")
def extend_confirmation(ledger_world: World, dispute_id: UUID) -> None:
    ledger_world.do(dispute_id, "extend_confirmation", "judge", reason="案情复杂，经院长批准延长十日")


@step("法官再次延长司法确认审查期限", target_fixture="refusal")
def extend_again(ledger_world: World, dispute_id: UUID) -> LedgerError | None:
    return attempt(ledger_world, dispute_id, "法官", "extend_confirmation", reason="再次延长")


@then("操作被拒绝，理由指出只能延长一次")
def refused_once(refusal: LedgerError | None) -> None:
    assert isinstance(refusal, RuleViolation) and "only once" in str(refusal), refusal


@step("调解员试图在法院委托之前签收该案", target_fixture="refusals")
def accept_before_entrustment(ledger_world: World, dispute_id: UUID) -> list[LedgerError | None]:
    """Refused twice over: the village mediator does not handle a filed case, and even the admin
    (who may issue anything) meets the rule that mediation in court needs an entrustment."""
    out: list[LedgerError | None] = []
    for actor in ("mediator", "admin"):
        try:
            ledger_world.do(dispute_id, "accept", actor)
        except LedgerError as refused:
            out.append(refused)
        else:
            out.append(None)
    return out


@then("操作被拒绝，理由指出须经法院委托调解")
def refused_not_entrusted(refusals: list[LedgerError | None]) -> None:
    not_handler, rule = refusals
    assert not_handler is not None and "handled by ORGC-COURT" in str(not_handler), not_handler
    assert isinstance(rule, RuleViolation) and "entrusted" in str(rule), rule


@step(parsers.parse('法官将案件委托"{organisation}"调解'))
def entrust(ledger_world: World, dispute_id: UUID, organisation: str) -> None:
    ledger_world.do(
        dispute_id,
        "entrust_mediation",
        "judge",
        organisation_code=organisation_code(ledger_world, organisation),
    )


def _entrusted_mediator(world: World, case_id: UUID) -> str:
    body = current(world, case_id).entrusted_to
    return next(n for n, a in world.actors.items() if a.role == "mediator" and a.organisation_code == body)


@step("受托组织的调解员签收案件")
def entrusted_accepts(ledger_world: World, dispute_id: UUID) -> None:
    ledger_world.do(dispute_id, "accept", _entrusted_mediator(ledger_world, dispute_id))


@step(parsers.parse('受托组织的调解员以"{mode}"方式组织双方调解'))
def entrusted_session(ledger_world: World, dispute_id: UUID, mode: str) -> None:
    ledger_world.do(
        dispute_id, "hold_session", _entrusted_mediator(ledger_world, dispute_id),
        mode=by_label(SessionMode, mode).value, participants=_names(ledger_world, dispute_id), summary="受托调解",
    )  # fmt: skip


@step(parsers.parse('受托组织的调解员记录调解协议"{terms}"'))
def entrusted_agreement(ledger_world: World, dispute_id: UUID, terms: str) -> None:
    ledger_world.do(
        dispute_id, "record_agreement", _entrusted_mediator(ledger_world, dispute_id), terms=terms
    )


@then(parsers.parse('审理结果为"{label}"'))
def court_outcome_is(ledger_world: World, dispute_id: UUID, label: str) -> None:
    assert current(ledger_world, dispute_id).court_outcome == by_label(CourtOutcome, label).value


@step(parsers.parse('"{town}"设有"{name}"（行政机关）并开通调解员账号"{account}"'))
def administrative_body(ledger_world: World, town: str, name: str, account: str) -> None:
    code = _town_code(ledger_world, town)
    org = f"ORGX-{len(ledger_world.ledger.directory().organisations)}"
    ledger_world.ledger.load_organisations(
        ledger_world.actors["admin"],
        [{"code": org, "name": name, "kind": "administrative", "region_code": code}],
    )
    ledger_world.actor(account, "mediator", code, org)


def _town_code(world: World, name: str) -> str:
    (code,) = [
        r.code for r in world.ledger.regions().regions.values() if r.level == "town" and r.name == name
    ]
    return code


@step(parsers.parse('登记员请"{organisation}"参与联合调解'))
def add_joint_body(ledger_world: World, dispute_id: UUID, organisation: str) -> None:
    ledger_world.do(
        dispute_id,
        "add_joint_body",
        "recorder",
        organisation_code=organisation_code(ledger_world, organisation),
    )


@step(parsers.parse('"{account}"签收案件'))
def named_accepts(ledger_world: World, dispute_id: UUID, account: str) -> None:
    ledger_world.do(dispute_id, "accept", account)


@step(parsers.parse('"{account}"以"{mode}"方式组织双方调解'))
def named_session(ledger_world: World, dispute_id: UUID, account: str, mode: str) -> None:
    ledger_world.do(
        dispute_id, "hold_session", account,
        mode=by_label(SessionMode, mode).value, participants=_names(ledger_world, dispute_id), summary="联合调解",
    )  # fmt: skip


@step(parsers.parse('"{account}"记录调解协议"{terms}"'))
def named_agreement(ledger_world: World, dispute_id: UUID, account: str, terms: str) -> None:
    ledger_world.do(dispute_id, "record_agreement", account, terms=terms)


@then(parsers.parse('案件由"{lead}"牵头，"{joint}"参与联合调解'))
def joint_bodies(ledger_world: World, dispute_id: UUID, lead: str, joint: str) -> None:
    case = current(ledger_world, dispute_id)
    assert case.organisation_code == organisation_code(ledger_world, lead)
    assert case.joint_bodies == (organisation_code(ledger_world, joint),)
    # Each body's mediator acted: the history names both.
    actors = {e.actor_id for e in ledger_world.ledger.history(dispute_id)}
    assert {"司法所调解员", "派出所调解员"} <= actors


@then(parsers.parse('"{organisation}"的调解员不能办理该案'))
def outsider_refused(ledger_world: World, dispute_id: UUID, organisation: str) -> None:
    code = organisation_code(ledger_world, organisation)
    outsider = next(
        n for n, a in ledger_world.actors.items() if a.role == "mediator" and a.organisation_code == code
    )
    before = ledger_world.event_count()
    refused: Any = None
    try:
        ledger_world.do(dispute_id, "record_performance", outsider, performed="full")
    except LedgerError as e:
        refused = e
    assert refused is not None and ledger_world.event_count() == before
