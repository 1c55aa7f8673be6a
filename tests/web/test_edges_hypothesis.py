"""An event the API accepts is an event every view and every answer can carry (issue 10, item 2).

Hypothesis writes command arguments at the edges of each validator — years 1, 1989, 1990 and
9999, offsets of ±14:00, now and a microsecond after, ten years ahead and a second beyond, text
at its longest and one character longer, control characters, lone surrogates, amounts with
exponents or signs, 50 and 51 parties, 100 and 101 participants — and sends them over HTTP
on SQLite and PostgreSQL, the views catching up inline. An accepted command must answer 2xx and
then the case, its history, its as-of state, the list and the indicators must answer 200; a
refused one must answer 4xx and leave the store where it was. Where the rule is plain (an
instant outside the window, a forbidden character, an over-long text) the test also knows the
answer in advance and checks it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from domain.values import forbidden_character
from tests.support import T0, VILLAGE_COMMITTEE
from tests.web.helpers import API, PERSON, Http, both_stores, report_body

COUNTY = timezone(timedelta(hours=8))
EARLIEST = datetime(1990, 1, 1, tzinfo=COUNTY)  # LEDGER_EARLIEST's default
LATEST = T0.replace(year=T0.year + 10)  # ten years after the tests' now


@dataclass(frozen=True)
class Arg:
    """A generated value and whether the test knows it must be refused."""

    value: Any
    bad: bool


# ------------------------------------------------------------------ instants


def _instant(year: int, month: int, day: int, hour: int, offset_hours: int) -> Arg:
    zone = timezone(timedelta(hours=offset_hours))
    when = datetime(year, month, day, hour, tzinfo=zone)
    try:
        when.astimezone(UTC)
        when.astimezone(COUNTY)
        inside = EARLIEST <= when <= T0
    except OverflowError:
        inside = False
    return Arg(when, not inside)


edge_instants = st.builds(
    _instant,
    st.sampled_from([1, 1989, 1990, 2026, 2036, 9999]),
    st.sampled_from([1, 12]),
    st.sampled_from([1, 31]),
    st.sampled_from([0, 23]),
    st.sampled_from([-14, -1, 0, 8, 14]),
)
near_now = st.sampled_from(
    [timedelta(0), -timedelta(microseconds=1), timedelta(microseconds=1), -timedelta(days=400)]
).map(lambda d: Arg(T0 + d, d > timedelta(0)))
near_earliest = st.sampled_from([timedelta(0), -timedelta(microseconds=1), timedelta(hours=1)]).map(
    lambda d: Arg(EARLIEST + d, d < timedelta(0))
)
occurred = st.one_of(edge_instants, near_now, near_earliest)
near_latest = st.sampled_from([timedelta(0), timedelta(seconds=1), -timedelta(days=1)]).map(
    lambda d: Arg(LATEST + d, d > timedelta(0))
)


def _outside_for_due(when: datetime) -> bool:
    """Known refused as a due date: not writable, before LEDGER_EARLIEST or beyond ten years."""
    try:
        when.astimezone(UTC)
        when.astimezone(COUNTY)
    except OverflowError:
        return True
    return when < EARLIEST or when > LATEST


due = st.one_of(edge_instants.map(lambda a: Arg(a.value, _outside_for_due(a.value))), near_latest)


# ------------------------------------------------------------------ text

_PLAIN = st.characters(blacklist_categories=("Cs", "Cc"))
_ANY = st.characters(codec=None)


def text(max_length: int, *, optional: bool = False) -> st.SearchStrategy[Arg]:
    def judged(value: str) -> Arg:
        empty = not value.strip() and not optional
        bad = empty or len(value) > max_length or forbidden_character(value) is not None
        return Arg(value, bad)

    return st.one_of(
        st.text(_PLAIN, min_size=1, max_size=12),
        st.just("字" * max_length),
        st.just("字" * (max_length + 1)),
        st.text(_PLAIN, min_size=1, max_size=6).map(lambda t: f"{t}\t第二行\r\n末"),
        st.text(_PLAIN, min_size=1, max_size=6).map(lambda t: t + "\U0001f600\u2028\u0301"),
        st.tuples(
            st.text(_PLAIN, max_size=4),
            st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800", "\udfff"]),
        ).map(lambda p: p[0] + p[1] + "尾"),
        st.sampled_from(["   ", "\u3000"]),
        st.text(_ANY, min_size=1, max_size=8),
    ).map(judged)


# ------------------------------------------------------------------ amounts and counts

amounts = st.one_of(
    st.decimals(min_value=0, max_value=10**12, places=2).map(lambda d: Arg(str(d), False)),
    st.sampled_from(
        [
            ("0", False),
            ("999999999999.99", False),
            ("1000000000000.00", False),
            ("1000000000000.01", True),
            ("1e3", True),
            ("1E+3", True),
            ("+12", True),
            ("-0", True),
            (" 12", True),
            ("12.345", True),
            ("１２", True),
            ("NaN", True),
            ("0x10", True),
        ]
    ).map(lambda p: Arg(*p)),
)
people = st.sampled_from([(1, False), (100000, False), (0, True), (100001, True), (2**63, True)]).map(
    lambda p: Arg(*p)
)


@st.composite
def parties(draw: Any) -> Arg:
    count = draw(st.sampled_from([1, 2, 50, 51]))
    name = draw(text(100))
    listed = [{**PERSON, "name": name.value}] + [
        {"role": "respondent", "kind": "organisation", "name": f"公司{i}"} for i in range(count - 1)
    ]
    return Arg(listed, name.bad or count > 50)


@st.composite
def participants(draw: Any) -> Arg:
    count = draw(st.sampled_from([1, 100, 101]))
    name = draw(text(100))
    return Arg([name.value] + ["李"] * (count - 1), name.bad or count > 100)


# ------------------------------------------------------------------ driving the API


@dataclass
class Run:
    http: Http
    world: Any

    def send(self, path: str, who: str, args: dict[str, Arg]) -> tuple[int, dict[str, Any]]:
        """POST the body; check 4xx writes nothing and a known-bad argument is refused."""
        body = {
            k: (a.value.isoformat() if isinstance(a.value, datetime) else a.value) for k, a in args.items()
        }
        before = self.world.event_count()
        response = self.http.client.post(
            API + path,
            data=json.dumps(body),  # ASCII escapes: lone surrogates and huge integers survive
            content_type="application/json",
            headers=self.http.auth(who),
        )
        status = response.status_code
        event(f"{path.rsplit('/', 1)[-1]} {status}")
        assert status < 500, (path, body, response.get_data(as_text=True)[:400])
        known_bad = [k for k, a in args.items() if a.bad]
        if known_bad:
            assert status >= 400, (path, known_bad, body)
        if status >= 400:
            assert self.world.event_count() == before, (path, body)
        return status, response.json

    def reads(self, case_id: str, instants: list[datetime]) -> None:
        """Every view and answer that shows the case."""
        # Periods are calendar spans in the county's zone (LEDGER_TZ, Asia/Shanghai here).
        # A year that has not begun in the county is refused (400 period_not_begun), not answered.
        this_year = self.world.clock.now.astimezone(COUNTY).year
        years = {w.astimezone(COUNTY).year for w in instants}
        periods = {"2026", "2026-03", "2026-Q1"} | {f"{y}" for y in years if y <= this_year}
        for year in sorted(y for y in years if y > this_year):
            ahead = self.http.get("/indicators", "reader", {"period": f"{year}", "level": "village"})
            assert (ahead.status_code, ahead.json["code"]) == (400, "period_not_begun"), ahead.json
        gets: list[tuple[str, str, dict[str, Any]]] = [
            ("reader", f"/disputes/{case_id}", {}),
            ("reader", f"/disputes/{case_id}/history", {}),
            ("reader", "/disputes", {}),
            ("reader", "/disputes", {"overdue": "true", "per_page": 100}),
        ]
        gets += [("reader", f"/disputes/{case_id}", {"as_of_occurred": w.isoformat()}) for w in instants]
        gets += [("reader", "/indicators", {"period": p, "level": "village"}) for p in sorted(periods)]
        for who, path, query in gets:
            response = self.http.get(path, who, query)
            assert response.status_code == 200, (path, query, response.get_data(as_text=True)[:400])
        for path in (f"/disputes/{case_id}", f"/audit/reviews/{case_id}"):
            response = self.http.get(path, "admin", X_Access_Purpose="edge-test")
            assert response.status_code == 200, (path, response.get_data(as_text=True)[:400])


def fixed(value: Any) -> st.SearchStrategy[Arg]:
    return st.just(Arg(value, False))


@st.composite
def body(draw: Any, fields: dict[str, st.SearchStrategy[Arg]], often: str | None = None) -> dict[str, Arg]:
    """One field (or none) may break its rule; the others sit at the edges that are allowed,
    so most bodies test what is accepted and the rest test one refusal at a time. The field
    named ``often`` is the free one half of the time: the instants, whose edges broke the views."""
    choices = st.sampled_from([None, *fields])
    free = draw(st.one_of(st.just(often), choices) if often else choices)
    return {k: draw(s if k == free else s.filter(lambda a: not a.bad)) for k, s in fields.items()}


examples = st.fixed_dictionaries(
    {
        "report": body(
            {
                "source": fixed("grid_patrol"),
                "category": fixed("neighbour"),
                "region_code": fixed(report_body()["region_code"]),
                "summary": text(2000),
                "parties": parties(),
                "people_involved": people,
                "amount_in_dispute": amounts,
                "occurred_at": occurred,
                "note": text(2000, optional=True),
            },
            often="occurred_at",
        ),
        "note": body({"instruction": text(2000), "due_at": due}, often="due_at"),
        "session": body({"mode": fixed("online"), "participants": participants(), "summary": text(2000)}),
        "agreement": body({"terms": text(10000), "amount": amounts}),
        "correct": body({"field": fixed("summary"), "value": text(2000), "reason": text(2000)}),
        "incident": body(
            {"kind": fixed("extreme_act"), "description": text(10000), "severity": fixed("major")}
        ),
    }
)


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Views caught up before every read; answers dumped through their response schemas (not the
    # orjson fast path), so every field of every answer is serialised by the documented schema.
    return {"INLINE_PROJECTION": True, "FAST_JSON": False}


@both_stores
def test_what_the_api_accepts_every_view_and_answer_can_carry(http: Http, world) -> None:
    run = Run(http, world)

    @settings(
        max_examples=10,
        derandomize=True,
        # Each example is a dozen requests: a failure is reported as found, not shrunk for minutes.
        phases=[Phase.explicit, Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(examples)
    def one(args: dict[str, dict[str, Arg]]) -> None:
        status, state = run.send("/disputes", "recorder", args["report"])
        if status != 201:
            status, state = run.send(
                "/disputes",
                "recorder",
                {"summary": Arg("兜底案件", False)}
                | {k: Arg(v, False) for k, v in report_body().items() if k != "summary"},
            )
            assert status == 201, state
        case_id = state["id"]
        instants = [datetime.fromisoformat(state["reported_at"])]
        for path, who, body in (
            ("add-supervision-note", "supervisor", args["note"]),
            (
                "assign",
                "recorder",
                {
                    "route": Arg("peoples_mediation", False),
                    "organisation_code": Arg(VILLAGE_COMMITTEE, False),
                },
            ),
            ("accept", "mediator", {}),
            ("hold-session", "mediator", args["session"]),
            ("record-agreement", "mediator", args["agreement"]),
            ("correct-details", "recorder", args["correct"]),
            ("report-incident", "supervisor", args["incident"]),
        ):
            status, answer = run.send(f"/disputes/{case_id}/{path}", who, body)
            if status == 200:
                instants.append(datetime.fromisoformat(answer["deadlines"][-1]["due_at"]))
        run.reads(case_id, instants)

    one()
