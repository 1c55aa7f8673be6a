"""责任倒查 as a page: the accountability review of one case (application/review.py, as GET
/audit/reviews/<id> answers it) in Chinese and county time, printable on A4, and the verifiable
bundle (application/bundle) as a ZIP download, and the same review as a PDF.

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
from application.config import county_tz
from application.pdf_document import NoCjkFont
from application.review import build_review
from application.review_markdown import OUTCOMES, review_pdf
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


def _disclosed_review(case_id: str, withheld: str) -> tuple[Any, dict[str, Any]]:
    """The case and its review, for a download that holds it unmasked: refused (403) without a
    purpose, the read logged with it."""
    actor = require_read("reviews")
    case = ledger().read_case(actor, case_id_of(case_id))
    review = _review(actor, case)
    seen = disclosure(actor, case)
    if not seen.disclosed:
        raise PurposeRequired(seen.error or withheld)
    return case, review


@ui.route("/cases/<case_id>/review.pdf", methods=["POST"])
def review_pdf_download(case_id: str) -> Any:
    """The review as a PDF on A4 with selectable Chinese text, the same words as the page."""
    case, review = _disclosed_review(case_id, "下载 PDF 须说明查阅目的")
    try:
        data = review_pdf(review, county_tz(), ledger().regions())
    except NoCjkFont as e:
        return render_template("ui/error.html", status=503, title="无法生成 PDF", detail=str(e)), 503
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"责任倒查-{str(case.id)[:8]}.pdf")  # fmt: skip


@ui.route("/cases/<case_id>/review/bundle.zip", methods=["POST"])
def review_bundle(case_id: str) -> Any:
    """The review with the case's events, its access log, the latest seal and the standalone
    verifier, zipped; refused (403) without a purpose."""
    case, review = _disclosed_review(case_id, "下载证据包须说明查阅目的")
    data = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="ledger-bundle-") as folder:
        written = write_bundle(ledger(), review, Path(folder))
        with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, f"review-{case.id}/{path.name}")
    data.seek(0)
    return send_file(data, mimetype="application/zip", as_attachment=True, download_name=f"责任倒查证据包-{str(case.id)[:8]}.zip")
