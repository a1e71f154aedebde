"""Many visits of one team written at the same moment, for real (threads against a file SQLite database or
PostgreSQL): the monthly cells of the people and of the sub-branch end exactly as a rebuild from the visits
makes them, and no request fails; on PostgreSQL, a visit does not wait for another one of its sub-branch to
commit."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.factories import World, user_by_name
from tests.lock_helpers import assert_commits_while_open, postgres_only
from tests.test_api_concurrency import all_at_once
from tests.test_api_visit_writes import good_body, put
from tests.visit_helpers import new_id
from webapp.extensions import db
from webapp.metrics.backfill import rebuild_metric_facts
from webapp.models import ActivityMonth, ActivitySubBranchMonth, VisitCredit
from webapp.visits.write import put_visit
from webapp.write_kernel import WriteContext


def _cells() -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for table in (ActivityMonth.__table__, ActivitySubBranchMonth.__table__):
        columns = [c for c in table.c if c.name != "id"]
        rows.extend(sorted((table.name, *row) for row in db.session.execute(sa.select(*columns))))
    return rows


def test_visits_written_at_once_keep_the_cells_exact(app: Flask, world: World, login: Any) -> None:
    writers = [("mgr1", {}), ("mgr1", {"squad": {"lead": "mgr1", "support": "mgr2", "observer": None}}),
               ("mgr2", {"squad": {"lead": "mgr2", "support": None, "observer": None}}),
               ("mgr2", {"squad": {"lead": "mgr2", "support": "mgr1", "observer": "mgr3"}}),
               ("mgr3", {"squad": {"lead": "mgr3", "support": None, "observer": None}}),
               ("mgr1", {"outcome": {"effective": True, "deals": ["loan"], "application": {"product": "经营贷",
                                                                                       "amount": 30000}}})]
    clients = {name: login(name) for name in ("mgr1", "mgr2", "mgr3")}
    calls = [lambda name=name, extra=extra: put(clients[name], new_id(), good_body(world, **extra))
             for name, extra in writers]
    responses = all_at_once(calls)
    assert sorted(r.status_code for r in responses) == [201] * len(writers), [r.get_json() for r in responses]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VisitCredit)) == 6 + 1 + 2
        kept = _cells()
        rebuild_metric_facts(db.session.connection())
        assert _cells() == kept
        db.session.rollback()


def _write(world: World, username: str) -> None:
    body = good_body(world, squad={"lead": username, "support": None, "observer": None})
    put_visit(WriteContext(actor=user_by_name(username), now=datetime.now(UTC)), new_id(), body)


def test_a_visit_does_not_wait_for_another_of_its_sub_branch_to_commit(app: Flask, world: World) -> None:
    """Before, the second manager's visit waited on the sub-branch month's lock, which the first one held until
    it committed (here: lock_timeout). Now that month is recomputed as each transaction commits."""
    postgres_only(app)
    with app.app_context():
        _write(world, "mgr1")
        db.session.flush()  # the first visit's facts and its manager's cells are in, its transaction open
        assert_commits_while_open(app, lambda: _write(world, "mgr2"))
        db.session.commit()
        # The first commit's recompute saw the second's committed cells: the sub-branch counts both visits.
        visits = db.session.scalar(sa.select(sa.func.sum(ActivitySubBranchMonth.visits)).where(
            ActivitySubBranchMonth.sub_branch_id == world.sub_branches["A1"]))
        assert visits == 2
        kept = _cells()
        rebuild_metric_facts(db.session.connection())
        assert _cells() == kept
        db.session.rollback()


def test_a_rolled_back_visit_leaves_no_month_to_recompute(app: Flask, world: World) -> None:
    with app.app_context():
        _write(world, "mgr1")
        db.session.rollback()
        assert not db.session().info.get("metrics_sub_branch_months")
        _write(world, "mgr2")
        db.session.commit()
        assert not db.session().info.get("metrics_sub_branch_months")
        assert db.session.scalar(sa.select(sa.func.sum(ActivitySubBranchMonth.visits))) == 1
