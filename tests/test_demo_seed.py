"""The demo `make run` seeds: two weeks of a lived-in branch, made through the write paths, that every role
sees at first login; the same data again for the same date."""
from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import base_test_config, login_client, postgres_url
from webapp import create_app
from webapp.bank_time import BANK_ZONE, bank_today, day_bounds
from webapp.demo.seed import seed_demo
from webapp.extensions import db
from webapp.models import (
    Merchant,
    Photo,
    SquadConfirmation,
    SweepDay,
    Team,
    User,
    Visit,
    VisitCheckin,
    VisitFlag,
)
from webapp.models.review import ReviewSample, VisitReview
from webapp.photos.store import photo_names, photo_store

FIGURE = re.compile(r'data-metric="consultations" data-person="[^"]+">\s*<a class="fig"[^>]*>(\d+)</a>')


def _seed(app: Flask, now: datetime) -> dict[str, int]:
    with app.app_context():
        created = seed_demo(app.config["DEMO_PASSWORD"], now)
        db.session.commit()
        db.session.remove()
    return created


def _user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    assert user is not None
    return user


def _page(app: Flask, username: str, url: str) -> str:
    response = login_client(app, username, app.config["DEMO_PASSWORD"]).get(url)
    assert response.status_code == 200, (username, url, response.status_code)
    return html.unescape(response.get_data(as_text=True))


def test_the_demo_at_first_login(app: Flask) -> None:
    """Seeded at the real now, as `make run` does (one seed for both checks: seeding takes seconds)."""
    demo = _seed(app, datetime.now(UTC))
    _check_write_paths(app, demo)
    _check_every_role_sees_real_work(app)


def _check_write_paths(app: Flask, demo: dict[str, int]) -> None:
    assert demo["visits"] >= 120 and demo["photos"] >= 60 and demo["confirmations"] >= 20
    with app.app_context():
        visits = list(db.session.scalars(sa.select(Visit)))
        assert len(visits) == demo["visits"]
        rated = set(db.session.scalars(sa.select(VisitCheckin.visit_id)))
        assert {v.id for v in visits} <= rated, "every visit's check-in was rated by the write path"
        assert {v.checkin_status for v in visits} >= {"verified", "outside_geofence", "unverifiable"}
        photos = list(db.session.scalars(sa.select(Photo)))
        assert len(photos) == demo["photos"]
        store = photo_store()
        for photo in photos:
            assert all(store.get(name) for name in photo_names(photo.storage_key)), photo.id
            assert photo.phash and photo.evidence.get("exif_device"), "the pipeline read the camera"
        codes = set(db.session.scalars(sa.select(VisitFlag.code)))
        assert {"outside_geofence", "low_accuracy", "photo_reused", "photo_old", "photo_camera_changed",
                "photo_exif_far"} <= codes
        assert "photo_same_scene" not in codes, "generated scenes of different shops must not look alike"
        states = set(db.session.execute(sa.select(VisitReview.state, VisitReview.round)))
        assert {("approved", 1), ("sent_back", 1), ("rejected", 1), ("received", 2)} <= states  # 2: resubmitted
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SquadConfirmation)) == demo["confirmations"]


def _check_every_role_sees_real_work(app: Flask) -> None:
    with app.app_context():
        today = bank_today()
        mgr1 = _user("mgr1")
        sweep = db.session.scalar(sa.select(SweepDay).where(SweepDay.sweep_date == today))
        assert sweep is not None
        squad = next(s for s in sweep.squads if mgr1.id in s.member_ids())
        stops = [s.merchant for s in sweep.stops if s.squad_id == squad.id]
        start, end = day_bounds(today)
        visited = set(db.session.scalars(sa.select(Visit.merchant_id).where(Visit.started_at >= start,
                                                                            Visit.started_at < end)))
        done = [m.name for m in stops if m.id in visited]
        pending = [m.name for m in stops if m.id not in visited]
        sent_back = db.session.scalar(sa.select(Merchant.name).join(Visit).join(VisitReview).where(
            VisitReview.state == "sent_back", Visit.created_by_id == mgr1.id))
        confirmed = set(db.session.scalars(sa.select(SquadConfirmation.visit_id).where(
            SquadConfirmation.user_id == mgr1.id)))
        waiting = [m for v, m in db.session.execute(sa.select(Visit.id, Merchant.name).join(Merchant).where(
            sa.or_(Visit.support_id == mgr1.id, Visit.observer_id == mgr1.id),
            Visit.created_by_id != mgr1.id)) if v not in confirmed]
        team = db.session.scalar(sa.select(Team).where(Team.name == "武林一队"))
        assert team is not None
        monday = today - timedelta(days=today.weekday() + 7)
        week_start, _ = day_bounds(monday)
        week_end, _ = day_bounds(monday + timedelta(days=7))
        last_week = db.session.scalar(sa.select(sa.func.count()).select_from(Visit).where(
            Visit.started_at >= week_start, Visit.started_at < week_end))
        sample = db.session.scalar(sa.select(ReviewSample).order_by(ReviewSample.id.desc()).limit(1))
        flagged = db.session.scalar(sa.select(sa.func.count()).select_from(Visit).where(
            Visit.id.in_(sa.select(VisitFlag.visit_id)), Visit.started_at >= start - timedelta(days=7)))
        team_id = team.id
    assert done and pending, "today's sweep is under way: some of mgr1's stops visited, some not"
    page = _page(app, "mgr1", "/today/")
    assert all(name in page for name in done + pending)
    inbox = _page(app, "mgr1", "/inbox/")
    assert sent_back is not None and sent_back in inbox
    assert waiting and any(name in inbox for name in waiting)
    assert sent_back in _page(app, "mgr1", "/visits/")

    weekly = _page(app, "lead1", f"/meetings/teams/{team_id}/weekly")
    assert sum(int(n) for n in FIGURE.findall(weekly)) > 0, "the board counts the week's visits"
    assert "湖滨商圈扫街" in _page(app, "lead1", "/sweeps/")

    assert flagged and last_week
    queue = _page(app, "reviewer1", "/review/?flag=any")
    assert "review-row" in queue or "<tr" in queue
    assert sample is not None and sample.drawn > 0
    assert str(sample.drawn) in _page(app, "reviewer1", f"/review/samples/{sample.id}")
    assert _page(app, "admin", "/admin/")


def _snapshot(app: Flask) -> dict[str, Any]:
    with app.app_context():
        return {
            "visits": sorted(db.session.execute(sa.select(
                Visit.id, Visit.merchant_id, Visit.kind, Visit.started_at, Visit.checkin_lat, Visit.checkin_lon,
                Visit.checkin_status, Visit.lead_id, Visit.support_id, Visit.observer_id)).all()),
            "photos": sorted(db.session.execute(sa.select(Photo.id, Photo.visit_id, Photo.sha256, Photo.phash)).all()),
            "flags": sorted(db.session.execute(sa.select(VisitFlag.visit_id, VisitFlag.code, VisitFlag.photo_id)).all(),
                            key=repr),
            "reviews": sorted(db.session.execute(sa.select(VisitReview.visit_id, VisitReview.state,
                                                           VisitReview.round)).all()),
            "stops": sorted(db.session.execute(sa.select(SweepDay.sweep_date, Merchant.id).select_from(SweepDay)
                                               .join(SweepDay.stops).join(Merchant)).all()),
        }


def _fresh_sqlite_app(tmp_path: Path) -> Flask:
    tmp_path.mkdir()
    app = create_app(base_test_config(tmp_path, f"sqlite:///{tmp_path / 'demo.sqlite3'}"))
    with app.app_context():
        db.create_all()
    return app


@pytest.mark.skipif(postgres_url() is not None, reason="compares two SQLite seeds: the SQLite pass runs it")
def test_two_seeds_on_the_same_date_give_the_same_data(tmp_path: Path) -> None:
    now = datetime(2026, 11, 18, 6, 30, tzinfo=UTC)  # a Wednesday, 14:30 in China
    first, second = _fresh_sqlite_app(tmp_path / "one"), _fresh_sqlite_app(tmp_path / "two")
    counts = [{k: v for k, v in _seed(app, now).items() if k != "seconds"} for app in (first, second)]
    assert counts[0] == counts[1]
    one, two = _snapshot(first), _snapshot(second)
    assert one["visits"] and one["photos"] and one["flags"] and one["reviews"]
    assert one == two
    for row in one["visits"]:  # working days of the last two weeks, working hours in China
        local = row.started_at.astimezone(BANK_ZONE)
        assert local.weekday() < 5 and 8 <= local.hour < 18, local
        assert date(2026, 11, 4) <= local.date() <= date(2026, 11, 18)
    for made in (first, second):
        with made.app_context():
            db.engine.dispose()
