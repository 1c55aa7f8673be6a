"""The rules of issued cards that need no store: a repeat yellow within a year is proposed red,
and the rectification plan's standing is judged on the day asked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.card import REPEAT_WINDOW_DAYS, rectification, repeat_yellow

AT = datetime(2026, 6, 30, tzinfo=UTC)
YELLOW = {"card": "yellow", "reasons": [{"level": "yellow", "indicator": "overdue_share"}], "unjudged": []}


def test_a_yellow_within_the_window_makes_the_proposal_red_and_names_the_earlier_card() -> None:
    earlier = [{"id": "c1", "level": "yellow", "issued_at": (AT - timedelta(days=REPEAT_WINDOW_DAYS)).isoformat()}]
    proposal = repeat_yellow(YELLOW, earlier, AT)
    assert proposal["card"] == "red" and proposal["reasons"][-1]["card_id"] == "c1"
    assert YELLOW["card"] == "yellow"  # the proposal given is not changed in place


def test_older_cards_red_cards_and_other_proposals_leave_it_as_it_was() -> None:
    old = [{"id": "c1", "level": "yellow", "issued_at": AT - timedelta(days=REPEAT_WINDOW_DAYS + 1)}]
    red = [{"id": "c2", "level": "red", "issued_at": AT - timedelta(days=10)}]
    assert repeat_yellow(YELLOW, old + red, AT) == YELLOW
    none = {"card": None, "reasons": [], "unjudged": []}
    assert repeat_yellow(none, [{"id": "c3", "level": "yellow", "issued_at": AT}], AT) == none


def test_rectification_is_due_overdue_filed_or_filed_late() -> None:
    assert rectification("2026-04-01", None, date(2026, 4, 1)) == "due"
    assert rectification("2026-04-01", None, date(2026, 4, 2)) == "overdue"
    assert rectification("2026-04-01", "2026-04-01", date(2026, 9, 1)) == "filed"
    assert rectification("2026-04-01", "2026-04-02", date(2026, 4, 2)) == "filed_late"
