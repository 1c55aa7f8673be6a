"""Runs inside the temporary venv the generated client was installed into (tests/web/
test_generated_client.py): reports a case and drives it through the generated functions.
Prints one JSON object of what it saw; it imports nothing of the ledger."""

from __future__ import annotations

import json
import sys
from urllib.parse import quote

from dispute_ledger_api_client import AuthenticatedClient
from dispute_ledger_api_client.api.disputes import (
    dispute_accept,
    dispute_assign,
    dispute_hold_session,
    get_dispute,
    get_dispute_history,
    report_dispute,
)
from dispute_ledger_api_client.models import AssignBody, HoldSessionBody, ReportBody

base, tokens = sys.argv[1], json.loads(sys.argv[2])


def client(who: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=base, token=tokens[who], raise_on_unexpected_status=True)


def seen(response):  # noqa: ANN001, ANN201 - the generated Response type
    body = response.parsed.to_dict() if response.parsed is not None else None
    return {"status": int(response.status_code), "headers": dict(response.headers), "body": body}


report = ReportBody.from_dict(
    {
        "source": "walk_in",
        "category": "neighbour",
        "region_code": sys.argv[3],
        "summary": "两户因排水沟发生相邻纠纷",
        "parties": [{"role": "applicant", "kind": "person", "name": "张建国", "phone": "13812341234"}],
        "people_involved": 2,
    }
)
out = {}
out["report"] = seen(
    report_dispute.sync_detailed(client=client("recorder"), body=report, idempotency_key="gen-1")
)
out["retry"] = seen(
    report_dispute.sync_detailed(client=client("recorder"), body=report, idempotency_key="gen-1")
)
case_id = out["report"]["body"]["id"]
assign = AssignBody.from_dict({"route": "peoples_mediation", "organisation_code": sys.argv[4]})
out["assign"] = seen(
    dispute_assign.sync_detailed(case_id, client=client("recorder"), body=assign, if_match='"1"')
)
out["accept"] = seen(dispute_accept.sync_detailed(case_id, client=client("mediator"), if_match='"2"'))
session = HoldSessionBody.from_dict({"mode": "onsite", "participants": ["张建国"], "summary": "调解"})
out["stale"] = seen(
    dispute_hold_session.sync_detailed(case_id, client=client("mediator"), body=session, if_match='"1"')
)
out["detail"] = seen(get_dispute.sync_detailed(case_id, client=client("reader")))
out["history"] = seen(
    get_dispute_history.sync_detailed(case_id, client=client("auditor"), x_access_purpose=quote("年度抽查"))
)
print(json.dumps(out, ensure_ascii=False, default=str))
