"""Hooks for the whole suite (tests/ and features/)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    # Tests feed lone surrogates and NUL to the ledger on purpose; when a message quoting one is
    # logged, the captured text must still cross to the coordinating process (pytest-xdist
    # sends reports as UTF-8, and a lone surrogate cannot be encoded).
    report.sections = [(title, _encodable(text)) for title, text in report.sections]


def _encodable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
