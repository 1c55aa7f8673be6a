"""The pages in a real browser: Debian's headless Chromium driven by Selenium against a real
`ledger serve --demo` process. A supervisor signs in, opens the dashboard, follows a figure to
its cases, filters the list, opens a timeline and changes its as-of date, reads the 责任倒查
review after giving a purpose, opens the instrument pages and the API docs, and downloads the
CSV and XLSX exports, whose rows are checked against the API. Screenshots of every page at
1366×768 and at a 390-pixel phone width go to LEDGER_TEST_ARTIFACTS (or the test's temporary
directory); axe-core (vendored in tests/e2e/vendor, MPL-2.0) checks every page of ours and fails
on a serious or critical violation.

Skipped with its reason when Chromium is absent, except in CI (LEDGER_TEST_POSTGRES=required),
where a missing browser fails the run."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.client import free_port

LEDGER = str(Path(sys.executable).with_name("ledger"))
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"

pytestmark = pytest.mark.slow


def _browser_or_skip() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (os.path.exists(p) or shutil.which(Path(p).name))]
    if missing:
        reason = f"no browser for the page tests: {', '.join(missing)} missing (apt-get install chromium chromium-driver)"
        if os.environ.get("LEDGER_TEST_POSTGRES") == "required":
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    where = Path(os.environ.get("LEDGER_TEST_ARTIFACTS") or tmp_path / "artifacts") / "pages"
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    env = {
        **os.environ,
        "LEDGER_DB": str(tmp_path / "ledger.sqlite3"),
        "LEDGER_SECRET_KEY": "browser-test",
        "PYTHONUNBUFFERED": "1",  # the printed links and tokens are in the file once it answers
    }
    env.pop("LEDGER_DATABASE_URL", None)
    out = (tmp_path / "serve.out").open("w")
    process = subprocess.Popen(
        [LEDGER, "serve", "--port", str(port), "--demo", "--demo-disputes", "40"],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (tmp_path / "serve.out").read_text()
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.out").read_text()
            time.sleep(0.3)
        text = (tmp_path / "serve.out").read_text()
        assert f"{base}/ui/" in text, text  # serve prints where the pages are
        tokens = dict(re.findall(r"^(recorder|mediator|judge|supervisor|auditor|reader|admin): (\S+)$", text, re.M))
        link = re.search(r"without a token: \S+?(/ui/login/\S+)$", text, re.M)
        assert link, text
        tokens["link"] = link.group(1)  # the demo's one-time sign-in link for the supervisor
        yield base, tokens
    finally:
        process.terminate()
        process.wait(timeout=10)
        out.close()


@pytest.fixture
def browser(artifacts: Path) -> Iterator[Any]:
    _browser_or_skip()
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        # What the browser showed last, for a failure to be read afterwards.
        try:
            driver.save_screenshot(str(artifacts / "last.png"))
            (artifacts / "last.html").write_text(f"<!-- {driver.current_url} -->\n{driver.page_source}")
        finally:
            driver.quit()


def _shots(driver: Any, where: Path, name: str, *, reload: bool = True, axe: bool = True) -> None:
    """The page at desktop size and at phone width, whole height; ``reload=False`` for the
    answer to a form (reloading would ask for the page anew)."""
    url = driver.current_url
    for label, width, height in (("1366", 1366, 768), ("390", 390, 844)):
        driver.set_window_size(width, height)
        if reload:
            driver.get(url)
        full = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(height, int(full) + 140), 6000))
        driver.save_screenshot(str(where / f"{name}-{label}.png"))
        # Nothing may stick out sideways but inside its own scrolling box.
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name} at {label}px is {overflow}px wider than the window"
    driver.set_window_size(1366, 768)
    if reload:
        driver.get(url)
    if axe:
        _axe(driver, name)


def _axe(driver: Any, name: str) -> None:
    """axe-core's WCAG checks on the page as it stands; serious and critical findings fail."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => ("
        "{id: v.id, impact: v.impact, help: v.help, where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
    )
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {json.dumps(bad, ensure_ascii=False)}"


def _fetch(driver: Any, url: str) -> bytes:
    """A download as the signed-in browser gets it (its cookie, its session)."""
    encoded = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.arrayBuffer()).then(b => {"
        "  let s = ''; const a = new Uint8Array(b);"
        "  for (let i = 0; i < a.length; i += 8192) s += String.fromCharCode.apply(null, a.subarray(i, i + 8192));"
        "  done(btoa(s)); });",
        url,
    )
    return base64.b64decode(encoded)


def _api(base: str, token: str, path: str) -> Any:
    request = urllib.request.Request(f"{base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _follow(driver: Any, element: Any) -> None:
    """Click what leads to another page, and wait until that page has replaced this one (else
    the next look may find the old page's elements)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 60).until(expected_conditions.staleness_of(page))


def test_a_supervisors_morning_in_a_real_browser(server: tuple[str, dict[str, str]], browser: Any, artifacts: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, tokens = server
    driver = browser
    driver.set_window_size(1366, 768)
    driver.get(f"{base}/ui/")
    assert "/ui/login" in driver.current_url
    _shots(driver, artifacts, "01-login", axe=True)
    driver.find_element(By.ID, "token").send_keys(tokens["supervisor"])
    _follow(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("指标看板")
    cookie = driver.get_cookie("ledger_ui")
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert driver.find_elements(By.CSS_SELECTOR, ".chart svg polyline")
    _shots(driver, artifacts, "02-dashboard")

    # A figure leads to the cases behind it.
    figures = [
        a for a in driver.find_elements(By.CSS_SELECTOR, "#indicators td a")
        if "disputes_reported" in a.get_attribute("href") and a.text.strip() not in ("0", "—")
    ]
    assert figures, driver.page_source[:2000]
    _follow(driver, figures[0])
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("新发纠纷")
    _shots(driver, artifacts, "03-cell")
    _follow(driver, driver.find_element(By.CSS_SELECTOR, "a.case-link"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "案件时间线"

    # The list, filtered.
    driver.get(f"{base}/ui/cases")
    total = int(driver.find_element(By.ID, "total").text)
    assert total > 0
    _shots(driver, artifacts, "04-cases")
    Select(driver.find_element(By.ID, "f-overdue")).select_by_value("1")
    _follow(driver, driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    filtered = int(driver.find_element(By.ID, "total").text)
    assert "overdue=1" in driver.current_url and filtered <= total
    _shots(driver, artifacts, "05-cases-overdue")
    driver.get(f"{base}/ui/cases")
    _follow(driver, driver.find_element(By.CSS_SELECTOR, "#cases tbody a"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "案件时间线"
    assert driver.find_elements(By.CSS_SELECTOR, "#history li")
    _shots(driver, artifacts, "06-timeline")

    # The timeline as of the day the case was reported.
    first_event = driver.find_element(By.CSS_SELECTOR, "#history li .meta span").text  # 发生：YYYY-MM-DD HH:MM
    day = re.search(r"\d{4}-\d{2}-\d{2}", first_event)
    assert day, first_event
    picker = driver.find_element(By.ID, "as_of")
    driver.execute_script("arguments[0].value = arguments[1]", picker, day.group(0))
    _follow(driver, driver.find_element(By.CSS_SELECTOR, "form.asof button[type=submit]"))
    assert f"as_of={day.group(0)}" in driver.current_url
    assert driver.find_element(By.ID, "as-of-note").text.startswith("以下为截至")
    _shots(driver, artifacts, "07-timeline-as-of")

    # 责任倒查: withheld until a purpose is given, then the whole review; its print layout.
    _follow(driver, driver.find_element(By.ID, "review-link"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "责任倒查报告"
    assert driver.find_elements(By.ID, "review-withheld")
    _shots(driver, artifacts, "08-review-withheld")
    driver.find_element(By.ID, "purpose").send_keys("责任倒查复核")
    _follow(driver, driver.find_element(By.CSS_SELECTOR, "form.purpose.card button[type=submit]"))
    rows = driver.find_elements(By.CSS_SELECTOR, "#review-timeline tbody tr")
    assert rows and rows[0].find_element(By.TAG_NAME, "td").text == "1"
    _shots(driver, artifacts, "09-review", reload=False)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not driver.find_element(By.CSS_SELECTOR, "header.top nav").is_displayed()
    assert not driver.find_element(By.CSS_SELECTOR, ".review .noprint").is_displayed()
    driver.set_window_size(794, 1123)  # A4 at 96 dpi
    driver.save_screenshot(str(artifacts / "10-review-print.png"))
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    driver.set_window_size(1366, 768)

    # A card issued on the county's first proposal, for the card pages to show one.
    proposals = _api(base, tokens["supervisor"], "/cards/proposals?period=2026")
    town = next(t for t in proposals["towns"] if t["card"])
    body = json.dumps({"target_kind": "town", "target_code": town["region_code"], "period": "2026"}).encode()
    issue = urllib.request.Request(
        f"{base}/api/v1/cards", data=body, method="POST",
        headers={"Authorization": f"Bearer {tokens['supervisor']}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(issue, timeout=30) as answer:
        assert answer.status == 201

    # The instrument pages, each reached from the navigation.
    for step, title in (("11-cards", "红黄牌"), ("12-warnings", "预警"), ("13-villages", "无讼村")):
        _follow(driver, driver.find_element(By.LINK_TEXT, title))
        assert driver.find_element(By.TAG_NAME, "h1").text.startswith(title[:2]), title
        _shots(driver, artifacts, step)
        opened = driver.find_elements(By.CSS_SELECTOR, "main table tbody a")
        assert opened or title == "预警", title  # the demo has villages, and now a card
        if opened:
            _follow(driver, opened[0])
            _shots(driver, artifacts, f"{step}-one")

    # The exports, downloaded by the signed-in browser, hold what the API answers.
    driver.get(f"{base}/ui/?level=town")
    csv_url = driver.find_element(By.ID, "export-csv").get_attribute("href")
    lines = _fetch(driver, csv_url).decode("utf-8-sig").splitlines()
    header, body = lines[0].split(","), [line.split(",") for line in lines[1:]]
    query = dict(re.findall(r"(region|period|level)=([^&]+)", csv_url))
    api = _api(base, tokens["supervisor"], f"/indicators?region={query['region']}&period={query['period']}&level=town")
    reported = header.index("新发纠纷")
    assert {(r[0], r[1], int(r[reported])) for r in body} == {
        (row["region_code"], row["region_name"], row["disputes_reported"]) for row in api["rows"]
    }
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(_fetch(driver, f"{base}/ui/cases.xlsx?overdue=1"))).active
    listed = list(sheet.iter_rows(min_row=2, values_only=True))
    api = _api(base, tokens["supervisor"], "/disputes?overdue=true&per_page=100")
    assert len(listed) == api["total"] and api["total"] <= 100
    from datetime import datetime
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    api_times = sorted(datetime.fromisoformat(i["reported_at"]).astimezone(shanghai).strftime("%Y-%m-%d %H:%M") for i in api["items"])
    assert sorted(r[0].strftime("%Y-%m-%d %H:%M") for r in listed) == api_times

    # The API's documentation, from the app's own assets.
    driver.get(f"{base}/api/v1/docs")
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info .title")))
    assert "Dispute Ledger API" in driver.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text
    outside = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(u => !u.startsWith(location.origin))"
    )
    assert outside == []
    _shots(driver, artifacts, "14-api-docs", axe=False)  # Swagger UI's own markup is not ours to fix

    # The demo's one-time link signs a fresh browser in once; a second use is refused.
    driver.delete_all_cookies()
    driver.get(f"{base}{tokens['link']}")
    assert "demo-supervisor" in driver.find_element(By.TAG_NAME, "main").text
    _shots(driver, artifacts, "15-login-link")
    _follow(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("指标看板")
    driver.delete_all_cookies()
    driver.get(f"{base}{tokens['link']}")
    assert "已被使用" in driver.find_element(By.CSS_SELECTOR, "[role=alert]").text
