"""责任倒查 as a page: the accountability review of one case (application/review.py, as GET
/audit/reviews/<id> answers it) in Chinese and county time, printable on A4, and the verifiable
bundle (application/bundle) as a ZIP download.

The same rules as the API: the review roles only, the region scope (404 outside it), the
review withheld until a purpose is given on the page's form (the API answers 403 without its
header), that read written to the case's access log. The
bundle holds each event's canonical text (unmasked: its hashes must verify), so it is only
handed over with a purpose, the download logged as a read of its own."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from flask import render_template, send_file

from application.bundle.writer import write_bundle
from application.review import build_review
from application.review_markdown import OUTCOMES
from domain.reference import Actor
from projections.access import reads_of_case
from projections.cases import related_cases
from web.auth import READ_ROLES, PurposeRequired, require_read
from web.context import fresh_views, ledger, now
from web.json import plain
from web.ui.blueprint import ui
from web.ui.cases import case_id_of
from web.ui.purpose import disclosure

#: What the page shows before a purpose is given: the case's place, kind, status and head.
HEAD = ("case_id", "region_path", "category", "status", "reported_at", "reviewed_at", "head")


@ui.app_context_processor
def _review_roles() -> dict[str, Any]:
    """Who is offered the 责任倒查 link (the roles GET /audit/reviews admits)."""
    return {"REVIEW_ROLES": frozenset(r.value for r in READ_ROLES["reviews"])}


def _review(actor: Actor, case: Any) -> dict[str, Any]:
    """Built as the API builds it: related cases outside the reader's region only counted."""
    with fresh_views() as cur:
        related = related_cases(cur, str(case.id))
        _, reads = reads_of_case(cur, str(case.id))
    return build_review(ledger(), str(case.id), now=now(), related=related, reads=reads, reader=actor)


@ui.route("/cases/<case_id>/review", methods=["GET", "POST"])
def review_page(case_id: str) -> Any:
    actor = require_read("reviews")
    case = ledger().read_case(actor, case_id_of(case_id))
    review = _review(actor, case)
    seen = disclosure(actor, case)
    # As the API: without a purpose (or handling the case) the review is withheld, not masked:
    # its quoted free text may name people masking cannot recognise. The head is not personal.
    shown = plain(review) if seen.disclosed else {k: plain(review[k]) for k in HEAD}
    return render_template(
        "ui/review.html",
        r=shown,
        seen=seen,
        outcomes=OUTCOMES,
    )


@ui.route("/cases/<case_id>/review/bundle.zip", methods=["POST"])
def review_bundle(case_id: str) -> Any:
    """The review with the case's events, its access log, the latest seal and the standalone
    verifier, zipped; refused (403) without a purpose."""
    actor = require_read("reviews")
    case = ledger().read_case(actor, case_id_of(case_id))
    review = _review(actor, case)
    seen = disclosure(actor, case)
    if not seen.disclosed:
        raise PurposeRequired(seen.error or "下载证据包须说明查阅目的")
    data = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="ledger-bundle-") as folder:
        written = write_bundle(ledger(), review, Path(folder))
        with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, f"review-{case.id}/{path.name}")
    data.seek(0)
    return send_file(data, mimetype="application/zip", as_attachment=True, download_name=f"责任倒查证据包-{str(case.id)[:8]}.zip")
