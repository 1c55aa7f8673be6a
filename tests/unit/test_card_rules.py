"""Card proposal rules of DESIGN.md §6: every default threshold at and beside its bound, the
rules file, and rules that cannot be judged."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.card_rules import DEFAULT_RULES, CardRule, load_rules, propose

COUNTY = {"litigation_per_10k": 100.0}


def town(**figures: float | None) -> dict[str, float | None]:
    row: dict[str, float | None] = {
        "litigation_per_10k": 100.0, "court_cases_yoy": 0.0, "criminal_escalations": 0, "extreme_acts": 0,
        "overdue_share": 0.0,
    }
    row.update(figures)
    return row


@pytest.mark.parametrize(
    ("figures", "card", "indicators"),
    [
        ({}, None, []),
        ({"litigation_per_10k": 119.99}, None, []),
        ({"litigation_per_10k": 120.0}, "yellow", ["litigation_per_10k"]),
        ({"litigation_per_10k": 149.99}, "yellow", ["litigation_per_10k"]),
        ({"litigation_per_10k": 150.0}, "red", ["litigation_per_10k"]),
        ({"court_cases_yoy": 0.0999}, None, []),
        ({"court_cases_yoy": 0.10}, "yellow", ["court_cases_yoy"]),
        ({"court_cases_yoy": 0.20}, "red", ["court_cases_yoy"]),
        ({"court_cases_yoy": -0.5}, None, []),
        ({"criminal_escalations": 1}, "red", ["criminal_escalations"]),
        ({"extreme_acts": 2}, "red", ["extreme_acts"]),
        ({"overdue_share": 0.10}, None, []),  # "more than 10%": the bound itself passes
        ({"overdue_share": 0.1001}, "yellow", ["overdue_share"]),
        ({"overdue_share": 0.9, "litigation_per_10k": 130.0}, "yellow", ["litigation_per_10k", "overdue_share"]),
        ({"overdue_share": 0.9, "extreme_acts": 1}, "red", ["extreme_acts", "overdue_share"]),
    ],
)
def test_default_rules(figures: dict[str, float], card: str | None, indicators: list[str]) -> None:
    proposal = propose(DEFAULT_RULES, town(**figures), COUNTY)
    assert proposal["card"] == card
    assert sorted(r["indicator"] for r in proposal["reasons"]) == indicators
    assert proposal["unjudged"] == []


def test_a_reason_carries_the_figures_that_triggered_it() -> None:
    (reason,) = propose(DEFAULT_RULES, town(litigation_per_10k=180.0), COUNTY)["reasons"]
    assert reason == {
        "level": "red", "indicator": "litigation_per_10k", "value": 180.0, "threshold": 1.5, "compare": "county_ratio",
        "rule": "万人成讼率达到全县的 1.5 倍", "county_value": 100.0, "ratio": 1.8,
    }


def test_missing_figures_are_named_not_passed() -> None:
    """Without a court feed 万人成讼率 is null: the town is not silently given a clean sheet."""
    proposal = propose(DEFAULT_RULES, town(litigation_per_10k=None, court_cases_yoy=None), {"litigation_per_10k": None})
    assert proposal["card"] is None
    assert {u["indicator"] for u in proposal["unjudged"]} == {"litigation_per_10k", "court_cases_yoy"}
    assert all(u["why"] for u in proposal["unjudged"])
    # The county's own figure missing or zero: the ratio cannot be judged either.
    proposal = propose(DEFAULT_RULES, town(litigation_per_10k=5.0), {"litigation_per_10k": 0.0})
    assert [u["indicator"] for u in proposal["unjudged"]] == ["litigation_per_10k", "litigation_per_10k"]


def test_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "cards.toml"
    path.write_text(
        '[[rule]]\nlevel = "yellow"\nindicator = "overdue_share"\nabove = 0.05\nlabel = "超期超过5%"\n'
        '[[rule]]\nlevel = "red"\nindicator = "litigation_per_10k"\ncompare = "county_ratio"\nat_least = 1.3\n'
        'label = "万人成讼率达到全县的1.3倍"\n',
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert rules == (
        CardRule("yellow", "overdue_share", "超期超过5%", above=0.05),
        CardRule("red", "litigation_per_10k", "万人成讼率达到全县的1.3倍", at_least=1.3, compare="county_ratio"),
    )
    assert propose(rules, town(overdue_share=0.06, litigation_per_10k=131.0), COUNTY)["card"] == "red"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[rule]]\nlevel = "orange"\nindicator = "x"\nabove = 1\nlabel = "x"\n', "level must be one of"),
        ('[[rule]]\nlevel = "red"\nindicator = "x"\nlabel = "x"\n', "exactly one of at_least and above"),
        ('[[rule]]\nlevel = "red"\nindicator = "x"\nabove = 1\nat_least = 2\nlabel = "x"\n', "exactly one of"),
        ('[[rule]]\nlevel = "red"\nindicator = "x"\nabove = "1"\nlabel = "x"\n', "finite number"),
        ('[[rule]]\nlevel = "red"\nindicator = "x"\nabove = nan\nlabel = "x"\n', "finite number"),
        ('[[rule]]\nlevel = "red"\nindicator = "x"\nabove = 1\nlabel = "x"\nweight = 2\n', "unknown keys weight"),
        ('[[rule]]\nlevel = "red"\nindicator = "x"\nabove = 1\nlabel = "x"\ncompare = "median"\n', "compare must be"),
        ('threshold = 1\n', "unknown settings"),
        ('', "no [[rule]]"),
    ],
)
def test_a_bad_rules_file_is_refused_whole(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "cards.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        load_rules(path)
