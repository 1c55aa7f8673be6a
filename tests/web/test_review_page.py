"""责任倒查 as a page (/ui/cases/<id>/review): the API's review in Chinese, masked until a
purpose is given (the read logged as the API logs it), the review roles and the region scope
only, printable, and the verifiable bundle as a ZIP whose verifier passes."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.support import World
from tests.web.helpers import Http, both_stores
from tests.web.pages import csrf_of, parsed, sign_in

INCIDENT = {"kind": "criminal_escalation", "description": "张建国（13812341234）扬言报复，双方发生肢体冲突", "severity": "major"}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"INLINE_PROJECTION": True}


@pytest.fixture
def incident_case(http: Http, world: World) -> str:
    case = http.report().json["id"]
    http.ok(case, "assign", "recorder")
    world.clock.advance(days=20)  # the triage deadline passes unmet
    http.ok(case, "report-incident", "supervisor", INCIDENT)
    return str(case)


def text(response: Any) -> str:
    return response.get_data(as_text=True)


@both_stores
def test_the_review_page_is_masked_until_a_purpose_is_given_and_that_read_is_logged(
    app: Any, world: World, http: Http, incident_case: str
) -> None:
    client = app.test_client()
    sign_in(client, world, "supervisor")
    url = f"/ui/cases/{incident_case}/review"
    page = client.get(url)
    html = text(page)
    assert page.status_code == 200 and "责任倒查报告" in html
    # Withheld until a purpose is given, as the API (403 without X-Access-Purpose): masking
    # cannot recognise a name that only the incident's own words carry.
    assert "13812341234" not in html and "张建国" not in html and "查阅目的" in html
    assert 'id="review-withheld"' in html and "review-timeline" not in html
    assert "城关镇" in html and "相邻关系" in html  # the head: places by name, codes by label
    assert http.get("/audit/access-log", "auditor", {"dispute": incident_case}).json["total"] == 0

    shown = client.post(url, data={"purpose": "事件责任倒查", "csrf_token": csrf_of(html)})
    html = text(shown)
    assert shown.status_code == 200 and "13812341234" in html and "张建国" in html and "民转刑" in html
    deadlines = parsed(html).tables["review-deadlines"]
    assert any("已超期" in cell for row in deadlines for cell in row)
    timeline = parsed(html).tables["review-timeline"]
    assert [row[0] for row in timeline] == [str(n) for n in range(1, len(timeline) + 1)]
    log = http.get("/audit/access-log", "auditor", {"dispute": incident_case}).json["items"]
    assert [(r["actor_id"], r["purpose"], r["endpoint"]) for r in log] == [
        ("supervisor", "事件责任倒查", "POST /ui/cases/<case_id>/review")
    ]
    # The next review lists that read, after the incident.
    again = text(client.post(url, data={"purpose": "复核", "csrf_token": csrf_of(html)}))
    assert "事件责任倒查" in parsed(again).tables["review-reads"][0]
    refused = client.post(url, data={"purpose": " ", "csrf_token": csrf_of(html)})
    assert "请填写查阅目的" in text(refused) and "13812341234" not in text(refused)


def test_the_review_keeps_the_apis_roles_and_region(app: Any, world: World, incident_case: str) -> None:
    for who, status in (("reader", 403), ("recorder", 403), ("auditor", 200), ("admin", 200)):
        client = app.test_client()
        sign_in(client, world, who)
        assert client.get(f"/ui/cases/{incident_case}/review").status_code == status, who
    client = app.test_client()
    sign_in(client, world, "supervisor")
    assert client.get("/ui/cases/not-a-case/review").status_code == 404
    assert 'id="review-link"' in text(client.get(f"/ui/cases/{incident_case}"))
    recorder = app.test_client()
    sign_in(recorder, world, "recorder")
    assert 'id="review-link"' not in text(recorder.get(f"/ui/cases/{incident_case}"))


def test_the_review_prints_on_a4_without_navigation(app: Any, world: World, incident_case: str) -> None:
    client = app.test_client()
    sign_in(client, world, "supervisor")
    html = text(client.get(f"/ui/cases/{incident_case}/review"))
    css = text(client.get("/ui/static/ui.css"))
    printing = css[css.rindex("@media print") :]
    assert "size: A4" in css and ".noprint" in printing and ".top nav" in css[css.index("@media print") :]
    assert '<div class="noprint">' in html and 'class="crumbs noprint"' in html


def test_the_bundle_needs_a_purpose_and_its_verifier_passes(
    app: Any, world: World, http: Http, incident_case: str, tmp_path: Path
) -> None:
    client = app.test_client()
    sign_in(client, world, "supervisor")
    url = f"/ui/cases/{incident_case}/review"
    csrf = csrf_of(text(client.get(url)))
    assert client.post(f"{url}/bundle.zip", data={"purpose": "存档"}).status_code == 400  # no CSRF token
    refused = client.post(f"{url}/bundle.zip", data={"purpose": "", "csrf_token": csrf})
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    assert http.get("/audit/access-log", "auditor", {"dispute": incident_case}).json["total"] == 0
    assert client.get(f"{url}/bundle.zip").status_code == 405  # never by a bare link

    download = client.post(f"{url}/bundle.zip", data={"purpose": "移送纪检存档", "csrf_token": csrf})
    assert download.status_code == 200 and download.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / f"review-{incident_case}"
    assert {p.name for p in folder.iterdir()} >= {"events.jsonl", "access.jsonl", "review.json", "verify_bundle.py"}
    assert "13812341234" in (folder / "events.jsonl").read_text(encoding="utf-8")  # canonical, unmasked
    checked = subprocess.run([sys.executable, str(folder / "verify_bundle.py"), str(folder)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    log = http.get("/audit/access-log", "auditor", {"dispute": incident_case}).json["items"]
    assert [(r["purpose"], r["endpoint"]) for r in log] == [("移送纪检存档", "POST /ui/cases/<case_id>/review/bundle.zip")]


def test_the_review_as_pdf_needs_a_purpose_and_says_what_the_page_says(
    app: Any, world: World, http: Http, incident_case: str, tmp_path: Path
) -> None:
    client = app.test_client()
    sign_in(client, world, "supervisor")
    url = f"/ui/cases/{incident_case}/review"
    csrf = csrf_of(text(client.get(url)))
    refused = client.post(f"{url}.pdf", data={"purpose": "", "csrf_token": csrf})
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    assert client.get(f"{url}.pdf").status_code == 405  # never by a bare link

    download = client.post(f"{url}.pdf", data={"purpose": "复核倒查", "csrf_token": csrf})
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    (tmp_path / "review.pdf").write_bytes(download.data)
    words = subprocess.run(["pdftotext", str(tmp_path / "review.pdf"), "-"], capture_output=True, text=True, check=True)
    assert "责任倒查" in words.stdout and "城关镇" in words.stdout, words.stdout[:400]
    log = http.get("/audit/access-log", "auditor", {"dispute": incident_case}).json["items"]
    assert [(r["purpose"], r["endpoint"]) for r in log] == [("复核倒查", "POST /ui/cases/<case_id>/review.pdf")]
