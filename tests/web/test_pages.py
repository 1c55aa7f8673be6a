"""The server-rendered pages (/ui/): signing in, CSRF, the session cookie, masking for readers,
the region scope, the purpose form and its access log, the case list and its XLSX export, the
timeline and the indicator dashboard."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from tests.support import OTHER_TOWN_VILLAGE, World
from tests.web.helpers import Http, both_stores
from tests.web.pages import csrf_of, parsed, sign_in

#: Personal data planted in the cases: none of it may reach a reader's page.
SECRETS = ("张建国", "李秀英", "11010519491231002X", "13812341234")


@pytest.fixture
def app_config() -> dict[str, Any]:
    """The views caught up before every page on PostgreSQL too (a server there runs
    `ledger project --follow`; the pages show the views as far as they have got)."""
    return {"INLINE_PROJECTION": True}


@pytest.fixture
def cases(http: Http, world: World) -> dict[str, Any]:
    """A case in the recorder's town (assigned, so it has deadlines that pass), one reported
    late, and one in the other town."""
    first = http.report().json["id"]
    http.ok(first, "assign", "recorder")
    late = http.report(occurred_at=(world.clock.now - timedelta(days=4)).isoformat(), category="family").json["id"]
    other = http.report("other-recorder", region_code=OTHER_TOWN_VILLAGE).json["id"]
    world.clock.advance(days=20)
    return {"first": first, "late": late, "other": other}


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def test_pages_need_a_sign_in(app: Any) -> None:
    client = app.test_client()
    response = client.get("/ui/cases")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/ui/login"


def test_sign_in_sets_a_flagged_expiring_cookie_and_logout_ends_it(app: Any, world: World) -> None:
    client = app.test_client()
    response = sign_in(client, world, "supervisor")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie and "Path=/ui" in cookie
    assert "Secure" not in cookie  # plain HTTP in this test
    assert world.tokens["supervisor"] not in cookie  # the token itself is never in the cookie
    page = client.get("/ui/")
    assert page.status_code == 200 and "指标看板" in text(page)
    logout = client.post("/ui/logout", data={"csrf_token": csrf_of(text(page))})
    assert logout.status_code == 302
    assert client.get("/ui/").status_code == 302


def test_the_cookie_is_secure_over_https(app: Any, world: World) -> None:
    client = app.test_client()
    form = client.get("/ui/login", base_url="https://localhost")
    response = client.post(
        "/ui/login",
        base_url="https://localhost",
        data={"token": world.tokens["reader"], "csrf_token": csrf_of(text(form))},
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_the_cookie_is_secure_behind_a_tls_proxy_or_by_configuration(app: Any, world: World) -> None:
    client = app.test_client()
    form = client.get("/ui/login")
    behind_proxy = client.post(
        "/ui/login",
        headers={"X-Forwarded-Proto": "https"},
        data={"token": world.tokens["reader"], "csrf_token": csrf_of(text(form))},
    )
    cookie = behind_proxy.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    app.config["SESSION_COOKIE_SECURE"] = True  # LEDGER_UI_SECURE_COOKIE=1
    plain = app.test_client()
    assert "Secure" in sign_in(plain, world, "reader").headers["Set-Cookie"]


def test_a_wrong_token_is_refused(app: Any) -> None:
    client = app.test_client()
    form = client.get("/ui/login")
    response = client.post("/ui/login", data={"token": "not-a-token", "csrf_token": csrf_of(text(form))})
    assert response.status_code == 401 and "令牌无效" in text(response)
    assert client.get("/ui/").status_code == 302


def test_a_post_without_the_csrf_token_is_refused(app: Any, world: World, cases: dict[str, Any]) -> None:
    client = app.test_client()
    client.get("/ui/login")
    refused = client.post("/ui/login", data={"token": world.tokens["admin"]})
    assert refused.status_code == 400 and "CSRF" in text(refused)
    sign_in(client, world, "supervisor")
    wrong = client.post(f"/ui/cases/{cases['first']}", data={"purpose": "核查", "csrf_token": "forged"})
    assert wrong.status_code == 400
    assert client.post("/ui/logout").status_code == 400
    assert client.get("/ui/").status_code == 200  # still signed in


def test_a_revoked_token_ends_the_session(app: Any, world: World) -> None:
    client = app.test_client()
    sign_in(client, world, "judge")
    assert client.get("/ui/cases").status_code == 200
    world.ledger.revoke("judge")
    assert client.get("/ui/cases").status_code == 302


def _crawl(client: Any, start: list[str], limit: int = 400) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response
        if response.mimetype == "text/html":
            for link in parsed(text(response)).links:
                target = urlsplit(link)
                # One sorted dashboard stands for every order of the same rows.
                wanted = target.path.startswith("/ui/") and not target.path.startswith("/ui/static")
                if wanted and "sort=" not in link and link not in seen:
                    queue.append(link)
    return seen


def _all_text(response: Any) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = load_workbook(io.BytesIO(response.data))
        return "\n".join(str(c.value) for s in book for row in s.iter_rows() for c in row if c.value is not None)
    return text(response)


@both_stores
def test_a_reader_sees_no_personal_data_on_any_page(app: Any, world: World, cases: dict[str, Any]) -> None:
    client = app.test_client()
    sign_in(client, world, "reader")
    case = cases["first"]
    start = ["/ui/", "/ui/?sort=disputes_reported", "/ui/cases", f"/ui/cases/{case}", f"/ui/cases/{case}?as_of=2026-03-03"]
    pages = _crawl(client, start)
    assert f"/ui/cases/{case}" in pages and any(u.startswith("/ui/cell") for u in pages)
    assert any(u.startswith("/ui/cases.xlsx") for u in pages)
    for url, response in pages.items():
        assert response.status_code == 200, (url, text(response)[:500])
        body = _all_text(response)
        for secret in SECRETS:
            assert secret not in body, (url, secret)
    timeline = text(pages[f"/ui/cases/{case}"])
    assert "张**" in timeline and "查阅目的" not in timeline  # a reader is never offered the purpose form


def test_no_page_shows_personal_data_before_a_purpose_is_given(app: Any, world: World, cases: dict[str, Any]) -> None:
    """A supervisor's every page, the review and the instrument pages included, until the
    purpose form is used: masked or withheld, as for the API without X-Access-Purpose."""
    client = app.test_client()
    sign_in(client, world, "supervisor")
    start = ["/ui/cases", "/ui/cards", "/ui/warnings", "/ui/villages", f"/ui/cases/{cases['first']}", "/ui/"]
    pages = _crawl(client, start, limit=150)
    assert f"/ui/cases/{cases['first']}/review" in pages and any(u.startswith("/ui/cell") for u in pages)
    fields = 0
    for url, response in pages.items():
        assert response.status_code == 200, (url, text(response)[:500])
        body = _all_text(response)
        for secret in SECRETS:
            assert secret not in body, (url, secret)
        if response.mimetype == "text/html":
            # Accessibility basics on every page: each field labelled, each table headed.
            found = parsed(body)
            assert all(f and f in found.labelled for f in found.fields), (url, found.fields, found.labelled)
            assert all(found.headed.values()), (url, found.headed)
            fields += len(found.fields)
    assert fields > 20  # the filters, the purpose and as-of forms were all looked at


def test_a_case_outside_the_region_is_not_found(app: Any, world: World, cases: dict[str, Any]) -> None:
    client = app.test_client()
    sign_in(client, world, "recorder")
    assert client.get(f"/ui/cases/{cases['other']}").status_code == 404
    assert client.get("/ui/cases/not-a-case").status_code == 404
    listed = text(client.get("/ui/cases"))
    assert cases["other"] not in listed and cases["first"] in listed


@both_stores
def test_the_purpose_form_discloses_and_logs_the_read(
    app: Any, world: World, http: Http, cases: dict[str, Any]
) -> None:
    client = app.test_client()
    sign_in(client, world, "supervisor")
    case = cases["first"]
    page = client.get(f"/ui/cases/{case}")
    assert page.status_code == 200 and "查阅目的" in text(page) and "张建国" not in text(page)
    empty = client.post(f"/ui/cases/{case}", data={"purpose": " ", "csrf_token": csrf_of(text(page))})
    assert "请填写查阅目的" in text(empty) and "张建国" not in text(empty)
    shown = client.post(f"/ui/cases/{case}", data={"purpose": "督办核查", "csrf_token": csrf_of(text(page))})
    assert shown.status_code == 200
    assert "张建国" in text(shown) and "13812341234" in text(shown)
    log = http.get("/audit/access-log", "auditor", {"dispute": case}).json
    assert [(r["actor_id"], r["purpose"]) for r in log["items"]] == [("supervisor", "督办核查")]
    # The auditor reads the same log on the case's page.
    auditor = app.test_client()
    sign_in(auditor, world, "auditor")
    audit_page = text(auditor.get(f"/ui/cases/{case}"))
    assert "查阅记录" in audit_page and "督办核查" in audit_page


def test_the_timeline_marks_overdue_deadlines_and_late_entries(app: Any, world: World, cases: dict[str, Any]) -> None:
    client = app.test_client()
    sign_in(client, world, "supervisor")
    page = text(client.get(f"/ui/cases/{cases['first']}"))
    deadlines = parsed(page).tables["deadlines"]
    assert any("已超期" in cell for row in deadlines for cell in row)
    assert 'class="overdue"' in page
    assert "登记" in page and "分流交办" in page and "经办：recorder（" in page
    late = text(client.get(f"/ui/cases/{cases['late']}"))
    assert "补录" in late
    before = text(client.get(f"/ui/cases/{cases['first']}?as_of=2026-03-01"))
    assert "尚未记录此案件" in before
    then = text(client.get(f"/ui/cases/{cases['first']}?as_of=2026-03-02"))
    assert "截至 2026-03-02 23:59" in then and "分流交办" in then
    assert client.get(f"/ui/cases/{cases['first']}?as_of=yesterday").status_code == 422


@both_stores
def test_the_list_filters_and_its_xlsx_equals_the_page(app: Any, world: World, cases: dict[str, Any]) -> None:
    client = app.test_client()
    sign_in(client, world, "supervisor")
    everything = parsed(text(client.get("/ui/cases"))).tables["cases"]
    assert len(everything) == 3
    family = parsed(text(client.get("/ui/cases?category=family"))).tables["cases"]
    assert len(family) == 1 and family[0][1] == "婚姻家庭"
    overdue = parsed(text(client.get("/ui/cases?overdue=1"))).tables["cases"]
    assert overdue and all(row[7] == "已超期" for row in overdue)
    assert client.get("/ui/cases?status=nonsense").status_code == 422
    export = client.get("/ui/cases.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["登记时间", "纠纷类别", "所在地", "摘要", "当事人", "状态", "风险等级", "期限", "涉及人数", "争议金额(元)"]
    assert sheet["A2"].number_format == "yyyy-mm-dd hh:mm"
    for page_row, sheet_row in zip(everything, rows[1:], strict=True):
        as_text = [
            "" if v is None else (v.strftime("%Y-%m-%d %H:%M") if hasattr(v, "strftime") else (f"{v:,.2f}" if isinstance(v, float) else str(v)))
            for v in sheet_row
        ]
        assert page_row[:10] == as_text


def test_the_dashboard_table_sorts_links_to_cases_and_downloads(app: Any, world: World, cases: dict[str, Any]) -> None:
    client = app.test_client()
    sign_in(client, world, "supervisor")
    page = client.get("/ui/?period=2026&level=town")
    assert page.status_code == 200
    html = text(page)
    assert "新发纠纷" in html and "<svg" in html and "近 24 个月趋势" in html
    # Without the court's filings 万人成讼率 cannot be drawn: the page says so instead of a chart.
    assert 'id="bars-h"' not in html and "未导入法院一审新收案件" in html
    table = parsed(html).tables["indicators"]
    assert "城关镇" in [row[0] for row in table]
    by_reports = parsed(text(client.get("/ui/?period=2026&level=town&sort=disputes_reported&dir=desc"))).tables["indicators"]
    counts = [int(row[2].split()[0].replace(",", "")) for row in by_reports]
    assert counts == sorted(counts, reverse=True) and counts[0] == 2
    links = [u for u in parsed(html).links if u.startswith("/ui/cell") and "indicator=disputes_reported" in u]
    cell = client.get(links[0])
    assert cell.status_code == 200 and "新发纠纷" in text(cell)
    assert cases["first"][:8] in text(cell)
    csv = client.get("/ui/indicators.csv?period=2026&level=town")
    assert csv.data.startswith("\ufeff".encode()) and "区划名称" in csv.data.decode("utf-8-sig")
    xlsx = client.get("/ui/indicators.xlsx?period=2026&level=town")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["区划代码", "区划名称", "常住人口"] and "新发纠纷" in header
    assert client.get("/ui/?period=2031").status_code == 400  # not begun
    assert client.get("/ui/?period=bad").status_code == 422

    # With the court's filings imported, 万人成讼率 by town is drawn against the county's line.
    from datetime import date

    from application.court_feed import CourtRecord, import_court_records

    records = [
        CourtRecord(case_number=f"(2026)甘1199民初{n}号", court_code="ORGC-COURT", cause="民间借贷纠纷",
                    filed_on=date(2026, 1, 5) if n % 2 else date(2026, 3, 1), plaintiff_region=None,
                    defendant_region="621199001001")
        for n in range(1, 7)
    ]
    assert not import_court_records(world.ledger, world.actors["admin"], records).problems
    html = text(client.get("/ui/?period=2026&level=town"))
    assert 'id="bars-h"' in html and "虚线为青山县" in html


def test_the_dashboard_names_proposed_cards_in_words_for_supervisors_only(
    app: Any, world: World, http: Http, cases: dict[str, Any]
) -> None:
    # Major: a red card by the rules of both indicator versions (v2 counts major and above).
    incident = {"kind": "criminal_escalation", "description": "双方发生肢体冲突", "severity": "major"}
    http.ok(cases["first"], "report-incident", "supervisor", incident)
    world.clock.advance(days=1)  # a period under way counts its whole days elapsed: today's counts tomorrow
    client = app.test_client()
    sign_in(client, world, "supervisor")
    html = text(client.get("/ui/?period=2026-03"))
    assert "红黄牌预警" in html
    red = html[html.index('<li class="card-red">') :]
    red = red[: red.index("</ul>")]
    assert "城关镇" in red and "<li>红牌：" in red  # the card and each reason say which card in words
    reader = app.test_client()
    sign_in(reader, world, "reader")
    assert "红黄牌预警" not in text(reader.get("/ui/?period=2026-03"))


def test_the_session_lasts_the_configured_hours_and_the_key_comes_from_the_environment(
    world: World, store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from email.utils import parsedate_to_datetime

    from web import close_app, create_app

    monkeypatch.setenv("LEDGER_UI_SESSION_HOURS", "2")
    monkeypatch.setenv("LEDGER_SECRET_KEY", "a-key-shared-by-every-worker")
    app = create_app({"TESTING": True, "STORE_SETTINGS": store, "CLOCK": world.clock})
    try:
        assert app.config["SECRET_KEY"] == "a-key-shared-by-every-worker"
        client = app.test_client()
        cookie = sign_in(client, world, "supervisor").headers["Set-Cookie"]
        expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
        lasts = expires - datetime.now(UTC)
        assert timedelta(hours=1, minutes=55) < lasts <= timedelta(hours=2)
        # A second app with the same key (another worker) accepts the cookie.
        other = create_app({"TESTING": True, "STORE_SETTINGS": store, "CLOCK": world.clock})
        try:
            second = other.test_client()
            second.set_cookie("ledger_ui", client.get_cookie("ledger_ui", path="/ui").value, path="/ui")
            assert second.get("/ui/cases").status_code == 200
        finally:
            close_app(other)
    finally:
        close_app(app)


def test_text_a_person_wrote_is_escaped(app: Any, world: World, http: Http) -> None:
    case = http.report(summary="<script>alert(1)</script>邻里纠纷").json["id"]
    client = app.test_client()
    sign_in(client, world, "supervisor")
    for url in (f"/ui/cases/{case}", "/ui/cases"):
        html = text(client.get(url))
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;邻里纠纷" in html
