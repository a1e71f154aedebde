"""Signed-in devices: each person sees and ends their own sessions; sessions slide with use up to an
absolute lifetime; logging out, disabling and password changes end the right ones."""
from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.conftest import CSRF_META, PASSWORD, LoggedIn
from tests.factories import World, user_by_name
from webapp.admin.accounts import UserInput, save_user
from webapp.extensions import db
from webapp.models import LoginSession, User
from webapp.models.base import utcnow

PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/124.0.0.0 Mobile Safari/537.36")
DESKTOP = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51")
WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")


def _device(app: Flask, username: str, agent: str, address: str = "203.0.113.45") -> LoggedIn:
    """A client that logs in with its own User-Agent and address, as a separate phone or computer would."""
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address})
    token = CSRF_META.search(client.get("/login").get_data(as_text=True))
    assert token
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)})
    assert response.status_code == 303
    page = client.get("/account/sessions")
    assert page.status_code == 200
    csrf = CSRF_META.search(page.get_data(as_text=True))
    assert csrf
    return LoggedIn(client=client, username=username, csrf=csrf.group(1))


def _rows(app: Flask, username: str) -> list[LoginSession]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(LoginSession).join(User).where(User.username == username)
                                       .order_by(LoginSession.id)))
        db.session.expunge_all()
        return rows


def _signed_in(user: LoggedIn) -> bool:
    return user.get("/merchants/").status_code == 200


def _shift(app: Flask, session_id: int, **ago: timedelta) -> None:
    """Move a session's login or last activity into the past."""
    with app.app_context():
        row = db.session.get(LoginSession, session_id)
        assert row is not None
        for column, delta in ago.items():
            setattr(row, column, utcnow() - delta)
        db.session.commit()


def test_devices_page_lists_own_sessions_and_marks_this_one(app: Flask, world: World) -> None:
    phone = _device(app, "mgr1", PHONE)
    _device(app, "mgr1", DESKTOP, "2001:db8:85a3:8d3:1319:8a2e:370:7348")
    _device(app, "mgr2", WECHAT)
    page = phone.get("/account/sessions").get_data(as_text=True)
    assert page.count("data-session=") == 2
    assert "Chrome 124 · Android" in page and "Edge 124 · Windows" in page
    assert "MicroMessenger" not in page and "WeChat" not in page  # mgr2's device is not listed
    items = re.findall(r'<li class="row" data-session="\d+">.*?</li>', page, re.DOTALL)
    rows = {("Android" in row): row for row in items}
    assert "本设备" in rows[True] and "本设备" not in rows[False]
    # The network is shown with its host part hidden; the full address is not even stored.
    assert "203.0.113.*" in page and "203.0.113.45" not in page
    assert "2001:db8:85a3::*" in page and "7348" not in page
    assert {row.address_hint for row in _rows(app, "mgr1")} == {"203.0.113.*", "2001:db8:85a3::*"}


def test_ending_another_device(app: Flask, world: World) -> None:
    phone = _device(app, "mgr1", PHONE)
    desktop = _device(app, "mgr1", DESKTOP)
    desktop_id = _rows(app, "mgr1")[-1].id
    response = phone.post(f"/account/sessions/{desktop_id}/end")
    assert response.status_code == 303 and response.headers["Location"] == "/account/sessions"
    assert not _signed_in(desktop)
    assert _signed_in(phone)
    assert f'data-session="{desktop_id}"' not in phone.get("/account/sessions").get_data(as_text=True)


def test_ending_this_device_from_the_list_is_logging_out(app: Flask, world: World) -> None:
    phone = _device(app, "mgr1", PHONE)
    desktop = _device(app, "mgr1", DESKTOP)
    response = phone.post(f"/account/sessions/{_rows(app, 'mgr1')[0].id}/end")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert not _signed_in(phone)
    assert _signed_in(desktop)


def test_ending_all_other_devices(app: Flask, world: World) -> None:
    others = [_device(app, "mgr1", agent) for agent in (PHONE, DESKTOP, WECHAT)]
    colleague = _device(app, "mgr2", PHONE)
    here = _device(app, "mgr1", PHONE)
    assert here.post("/account/sessions/end-others").status_code == 303
    assert [_signed_in(user) for user in others] == [False, False, False]
    assert _signed_in(here) and _signed_in(colleague)
    assert here.get("/account/sessions").get_data(as_text=True).count("data-session=") == 1


def test_someone_elses_session_is_404_and_stays(app: Flask, world: World) -> None:
    victim = _device(app, "mgr2", PHONE)
    admin = _device(app, "admin", DESKTOP)
    victim_id = _rows(app, "mgr2")[0].id
    assert admin.post(f"/account/sessions/{victim_id}/end").status_code == 404
    assert admin.post("/account/sessions/999999/end").status_code == 404
    assert _signed_in(victim)


def test_logout_ends_only_the_session_it_is_sent_from(app: Flask, world: World) -> None:
    phone = _device(app, "mgr1", PHONE)
    desktop = _device(app, "mgr1", DESKTOP)
    assert phone.post("/logout").status_code == 303
    assert not _signed_in(phone)
    assert _signed_in(desktop)


def test_use_slides_the_session(app: Flask, world: World) -> None:
    """Logged in 3 days ago and used an hour ago: still in (it used to end 12 h after login whatever the use)."""
    phone = _device(app, "mgr1", PHONE)
    row = _rows(app, "mgr1")[0]
    _shift(app, row.id, created_at=timedelta(days=3), last_seen_at=timedelta(hours=1))
    assert _signed_in(phone)
    touched = _rows(app, "mgr1")[0]
    assert utcnow() - touched.last_seen_at < timedelta(minutes=1)
    assert touched.ended_at is None


def test_idle_session_ends(app: Flask, world: World) -> None:
    phone = _device(app, "mgr1", PHONE)
    row = _rows(app, "mgr1")[0]
    _shift(app, row.id, last_seen_at=timedelta(hours=12, minutes=1))
    response = phone.get("/merchants/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _rows(app, "mgr1")[0].ended_at is not None


def test_absolute_lifetime_ends_a_session_in_use(app: Flask, world: World) -> None:
    phone = _device(app, "mgr1", PHONE)
    row = _rows(app, "mgr1")[0]
    _shift(app, row.id, created_at=timedelta(days=7, minutes=1), last_seen_at=timedelta(minutes=5))
    assert not _signed_in(phone)
    assert _rows(app, "mgr1")[0].ended_at is not None
    assert phone.get("/api/v1/merchants").status_code == 401


def test_expired_sessions_are_not_listed(app: Flask, world: World) -> None:
    _device(app, "mgr1", DESKTOP)
    here = _device(app, "mgr1", PHONE)
    _shift(app, _rows(app, "mgr1")[0].id, last_seen_at=timedelta(hours=13))
    assert here.get("/account/sessions").get_data(as_text=True).count("data-session=") == 1


def test_cookie_lives_as_long_as_the_absolute_lifetime(app: Flask, world: World) -> None:
    """A browser-session cookie signed at login ended the session 12 h later whatever the use."""
    assert app.permanent_session_lifetime == timedelta(days=7)
    client = app.test_client()
    token = CSRF_META.search(client.get("/login").get_data(as_text=True))
    assert token
    response = client.post("/login", data={"username": "mgr1", "password": PASSWORD, "csrf_token": token.group(1)})
    cookie = response.headers.get("Set-Cookie", "")
    expires = re.search(r"Expires=([^;]+)", cookie)
    assert cookie.startswith("xw_session=") and expires, cookie
    lifetime = parsedate_to_datetime(expires.group(1)) - utcnow()
    assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7)


def test_disabling_a_user_ends_every_session_row(app: Flask, world: World) -> None:
    devices = [_device(app, "mgr2", agent) for agent in (PHONE, DESKTOP)]
    with app.app_context():
        target = user_by_name("mgr2")
        saved, errors = save_user(
            UserInput(username="mgr2", display_name=target.display_name, role=target.role,
                      sub_branch_id=target.sub_branch_id, team_id=target.team_id, enabled=False),
            existing=target,
        )
        assert saved is not None, errors
        db.session.commit()
    assert all(row.ended_at is not None for row in _rows(app, "mgr2"))
    assert [_signed_in(user) for user in devices] == [False, False]


def test_devices_page_needs_a_login(client: Any, world: World) -> None:
    response = client.get("/account/sessions")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
