"""Rebuilding the views from the first event gives, row for row, what incremental catch-ups gave.

The incremental views are built by a runner with tiny batches (7 events) that catches up, fully
or part of the way, between bursts of commands; so batch boundaries fall everywhere, including
between a case's report and its later correction.
"""

from __future__ import annotations

import random
from typing import Any

from projections.runner import ViewRunner
from projections.schema import TABLES
from tests.integration.test_projection_oracle import issue, make_history
from tests.support import World

VIEW_TABLES = tuple(t for t in TABLES if t.startswith("v_"))

#: table -> (its columns, its rows as tuples in that column order, sorted by all columns)
Dump = dict[str, tuple[list[str], list[tuple[Any, ...]]]]


def _key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # NULLs first, then values; every column takes part (ORDER BY all columns).
    return tuple((v is not None, v if v is not None else 0) for v in row)


def dump_views(runner: ViewRunner) -> Dump:
    """Every row of every view table, ordered by all its columns."""
    out: Dump = {}
    with runner.views.cursor() as cur:
        for table in VIEW_TABLES:
            rows = cur.all(f"SELECT * FROM {table}")
            if table == "v_meta":  # which build of the views this is differs by design
                rows = [r for r in rows if r["key"] != "generation"]
            columns = list(rows[0]) if rows else []
            out[table] = (columns, sorted((tuple(r[c] for c in columns) for r in rows), key=_key))
    return out


def dump_differences(expected: Dump, actual: Dump, *, show: int = 5) -> list[str]:
    """Per table, the rows only one side has (a multiset difference), a few of each shown."""
    problems = []
    for table in VIEW_TABLES:
        (columns, want), (other_columns, got) = expected[table], actual[table]
        columns = columns or other_columns
        if want == got:
            continue
        missing, extra = list(want), []
        for row in got:
            if row in missing:
                missing.remove(row)
            else:
                extra.append(row)
        problems.append(
            f"{table}: {len(want)} rows expected, {len(got)} found; "
            f"{len(missing)} missing e.g. {[dict(zip(columns, r, strict=True)) for r in missing[:show]]}; "
            f"{len(extra)} unexpected e.g. {[dict(zip(columns, r, strict=True)) for r in extra[:show]]}"
        )
    return problems


def test_rebuild_equals_incremental_catch_up_row_for_row(world: World) -> None:
    history = make_history(seed=31, cases=60)
    runner = ViewRunner(world.ledger, batch_size=7)
    other: ViewRunner | None = None
    rng = random.Random(5)
    try:
        while history.recorded < len(history.steps):
            issue(world, history, until=history.recorded + rng.randint(1, 30))
            if rng.random() < 0.7:
                runner.catch_up()
            else:
                runner.catch_up(until=runner.position() + rng.randint(1, 12))
        runner.catch_up()
        assert runner.lag().behind == 0
        assert any(s.command == "correct_details" for s in history.steps)
        incremental = dump_views(runner)
        # Each step is one event, and a report of five or more people one more: the mass flag.
        flagged = sum(1 for s in history.steps if s.command == "report" and s.args.get("people_involved", 1) >= 5)
        assert len(incremental["v_events"][1]) == len(history.steps) + flagged
        position = runner.position()

        runner.rebuild()
        assert runner.position() == position
        rebuilt = dump_views(runner)

        # A rebuild in large batches (one batch per 1000 events) must not differ either.
        other = ViewRunner(world.ledger)
        other.rebuild()
        rebuilt_in_large_batches = dump_views(other)
    finally:
        runner.close()
        if other is not None:
            other.close()
    problems = [f"rebuild (7-event batches): {p}" for p in dump_differences(incremental, rebuilt)]
    problems += [f"rebuild (1000-event batches): {p}" for p in dump_differences(incremental, rebuilt_in_large_batches)]
    assert not problems, "\n".join(problems)


def test_a_rebuild_ends_with_every_index_and_a_start_restores_any_a_cut_rebuild_left_out(world: World) -> None:
    from projections.schema import INDEXES, PROJECTION_INDEXES

    def names(runner: ViewRunner) -> set[str]:
        with runner.views.cursor() as cur:
            if world.ledger.settings.is_postgres:
                rows = cur.all("SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()")
            else:
                rows = cur.all("SELECT name FROM sqlite_master WHERE type = 'index'")
        return {r["name"] for r in rows}

    expected = {statement.split(" IF NOT EXISTS ")[1].split()[0] for statement in INDEXES + PROJECTION_INDEXES}
    world.report()
    runner = ViewRunner(world.ledger)
    try:
        runner.rebuild()
        assert expected <= names(runner)
        # As if a rebuild had been killed before its last step: the query indexes are missing.
        runner.views.drop_views()
        runner.views.create_views(query_indexes=False)
        projection = {statement.split(" IF NOT EXISTS ")[1].split()[0] for statement in PROJECTION_INDEXES}
        assert not (expected - projection) & names(runner)
    finally:
        runner.close()
    restarted = ViewRunner(world.ledger)
    try:
        assert expected <= names(restarted)
    finally:
        restarted.close()
