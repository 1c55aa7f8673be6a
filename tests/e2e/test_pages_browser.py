"""The pages in a real browser: Debian's headless Chromium driven by Selenium against a real
`ledger serve --demo` process. A supervisor signs in, opens the dashboard, follows a figure to
its cases, filters the list, opens a timeline and changes its as-of date. Screenshots of every
page at 1366×768 and at a 390-pixel phone width go to LEDGER_TEST_ARTIFACTS (or the test's
temporary directory).

Skipped with its reason when Chromium is absent, except in CI (LEDGER_TEST_POSTGRES=required),
where a missing browser fails the run."""

from __future__ import annotations

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
    try:
        yield driver
    finally:
        # What the browser showed last, for a failure to be read afterwards.
        try:
            driver.save_screenshot(str(artifacts / "last.png"))
            (artifacts / "last.html").write_text(f"<!-- {driver.current_url} -->\n{driver.page_source}")
        finally:
            driver.quit()


def _shots(driver: Any, where: Path, name: str) -> None:
    """The page at desktop size and at phone width, whole height."""
    url = driver.current_url
    for label, width, height in (("1366", 1366, 768), ("390", 390, 844)):
        driver.set_window_size(width, height)
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
    driver.get(url)


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
    _shots(driver, artifacts, "01-login")
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
