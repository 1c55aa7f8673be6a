"""Short case histories chosen by hypothesis, engine against oracle (tests/indicator_oracle.py).

A few cases each, with more corrections, incidents and notes than the long history has, and the
generator's reassignments (village → town → county), reopenings and late entries; recorded
through the Application on a fresh SQLite store per example, then compared for the county and
its towns over a quarter, a half, a month and the year under way.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.config import StoreSettings
from projections.indicators import indicator_table
from projections.runner import ViewRunner
from tests.indicator_oracle import COUNTY, TZ, Oracle, geography, issue_steps, local, make_history
from tests.oracle_support import mismatches, oracle_world
from tests.support import Clock

NOW = local(2026, 7, 1, 10)
PERIODS = ("2026-Q1", "2026-H1", "2026-03", "2026")
COMPARED = (
    "disputes_reported", "disputes_reported_last_year", "disputes_assigned", "resolved_pre_litigation",
    "resolved_pre_litigation_prev", "mediation_success_rate", "confirmations_granted", "ledger_court_filings",
    "serious_incidents", "follow_up_rate", "mean_days_to_mediated_resolution",
)
GEO = geography()
TOWNS = GEO.towns[:2]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), cases=st.integers(2, 6), asides=st.sampled_from([0.12, 0.3, 0.45]))
def test_short_histories_agree_with_the_oracle(seed: int, cases: int, asides: float) -> None:
    history = make_history(GEO, seed, cases, towns=TOWNS, start=local(2025, 1, 1), end=local(2026, 7, 1, 9), asides=asides)
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock(NOW)
        store = StoreSettings(sqlite_path=str(Path(folder) / "ledger.sqlite3"), url=None, schema="public")
        ledger, admin = oracle_world(store, GEO, clock)
        try:
            issue_steps(ledger, clock, admin, history, history.steps)
            oracle = Oracle(GEO, history, [], now=NOW)
            runner = ViewRunner(ledger)
            try:
                runner.catch_up()
                problems: list[str] = []
                with runner.views.cursor() as cur:
                    for period in PERIODS:
                        for level in ("county", "town"):
                            answer = indicator_table(cur, region=COUNTY, period=period, level=level, now=NOW, tz=TZ)
                            for row in answer["rows"]:
                                want = oracle.row(row["region_code"], period)
                                want = {k: v for k, v in want.items() if k in COMPARED}
                                problems += mismatches(want, row, f"{period} {row['region_code']}")
            finally:
                runner.close()
        finally:
            ledger.close()
    for s in history.steps:
        assert s.status == s.expected_status, s
    assert not problems, "\n".join(problems[:40])
