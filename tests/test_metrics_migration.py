"""The migration that brings the metrics builds the facts and monthly cells of the visits stored before it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import sqlalchemy as sa
from flask import Flask

from tests.conftest import base_test_config
from tests.factories import build_world, user_by_name
from tests.visit_helpers import new_id
from webapp import create_app
from webapp.bank_time import BANK_ZONE
from webapp.extensions import db
from webapp.models import ActivityMonth, SquadConfirmation, Visit, VisitCredit


def _cli(app: Flask, *args: str) -> None:
    with mock.patch("logging.config.fileConfig"):
        result = app.test_cli_runner().invoke(args=list(args))
    assert result.exception is None and result.exit_code == 0, result.output


def test_upgrading_a_database_with_visits_counts_them(tmp_path: Path) -> None:
    app = create_app(base_test_config(tmp_path, f"sqlite:///{tmp_path / 'old.sqlite3'}"))
    _cli(app, "db", "upgrade", "0008_integrity")  # the revision before the metrics tables (0010_meetings)
    # Late in the evening, China time: the previous day in UTC until 16:00.
    started = datetime(2026, 11, 20, 23, 30, tzinfo=BANK_ZONE).astimezone(UTC)
    with app.app_context():
        world = build_world()
        mgr1, mgr2 = user_by_name("mgr1").id, user_by_name("mgr2").id
        squad, solo = new_id(), new_id()
        common = {"merchant_id": world.merchants["a1_owned"], "sub_branch_id": world.sub_branches["A1"],
                  "kind": "marketing", "created_by_id": mgr1, "lead_id": mgr1, "observer_id": None,
                  "checkin_status": "unverifiable", "notes": {}, "version": 1, "body_hash": "0" * 64,
                  "created_at": started + timedelta(days=1), "updated_at": started + timedelta(days=1)}
        db.session.execute(sa.insert(Visit.__table__), [
            {**common, "id": squad, "support_id": mgr2, "started_at": started,
             "outcome": {"effective": True, "deals": ["credit_card"],
                         "application": {"product": "经营贷", "amount": 1}}},
            {**common, "id": solo, "support_id": None, "started_at": started - timedelta(days=40),
             "outcome": {"effective": False, "deals": []}}])
        db.session.execute(sa.insert(SquadConfirmation.__table__), [{
            "visit_id": squad, "user_id": mgr2, "role": "support", "checkin_status": "unverifiable", "note": "",
            "body_hash": "1" * 64, "created_at": started}])
        db.session.commit()
        db.session.remove()
    _cli(app, "db", "upgrade")
    with app.app_context():
        facts = {(f.visit_id, f.user_id): f for f in db.session.scalars(sa.select(VisitCredit))}
        assert set(facts) == {(squad, mgr1), (squad, mgr2), (solo, mgr1)}
        assert facts[(squad, mgr2)].credit == "confirmed" and facts[(squad, mgr1)].credit == "lead"
        assert str(facts[(squad, mgr1)].day) == "2026-11-20"  # the bank day it was made
        assert (facts[(squad, mgr1)].effective, facts[(squad, mgr1)].applications,
                facts[(squad, mgr1)].deal_credit_card) == (1, 1, 1)
        cells = {(c.user_id, str(c.month)): c.visits for c in db.session.scalars(sa.select(ActivityMonth))}
        assert cells == {(mgr1, "2026-11-01"): 1, (mgr2, "2026-11-01"): 1, (mgr1, "2026-10-01"): 1}
        db.session.remove()
        db.engine.dispose()
