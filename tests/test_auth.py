"""Login, logout, disabled users, throttling and what an expired session gets back."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import CSRF_META, PASSWORD, login_client
from tests.factories import World, user_by_name
from webapp.admin.accounts import UserInput, save_user
from webapp.extensions import db


def _csrf(client: Any) -> str:
    match = CSRF_META.search(client.get("/login").get_data(as_text=True))
    assert match
    return match.group(1)


def test_login_page_is_chinese_first(client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "登录" in page


@pytest.mark.parametrize(
    ("username", "password", "status"),
    # Wrong credentials are 401; an incomplete form is 422 (invalid before anyone is looked up).
    [("mgr1", "wrong-password", 401), ("nobody", PASSWORD, 401), ("mgr1", "", 422), ("", "", 422)],
)
def test_wrong_credentials_share_one_message(app: Flask, world: World, username: str, password: str,
                                             status: int) -> None:
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(client)})
    assert response.status_code == status
    assert "/merchants" not in response.headers.get("Location", "")
    if username and password:
        assert "用户名或密码错误" in response.get_data(as_text=True)


def test_login_without_csrf_is_refused(app: Flask, world: World) -> None:
    client = app.test_client()
    response = client.post("/login", data={"username": "mgr1", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/merchants/").status_code == 302


def test_logout_ends_the_session_even_for_a_copied_cookie(app: Flask, world: World) -> None:
    user = login_client(app, "mgr1")
    cookie = user.client.get_cookie("xw_session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("xw_session", cookie.value)
    assert thief.get("/merchants/").status_code == 200
    assert user.post("/logout").status_code == 303
    again = app.test_client()
    again.set_cookie("xw_session", cookie.value)
    response = again.get("/merchants/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_disabling_a_user_ends_their_sessions(app: Flask, world: World) -> None:
    user = login_client(app, "mgr2")
    assert user.get("/merchants/").status_code == 200
    with app.app_context():
        target = user_by_name("mgr2")
        _saved, errors = save_user(
            UserInput(username="mgr2", display_name=target.display_name, role=target.role,
                      sub_branch_id=target.sub_branch_id, team_id=target.team_id, enabled=False),
            existing=target,
        )
        assert not errors
        db.session.commit()
    assert user.get("/merchants/").status_code == 302
    fresh = app.test_client()
    response = fresh.post("/login", data={"username": "mgr2", "password": PASSWORD, "csrf_token": _csrf(fresh)})
    assert response.status_code == 401


def test_expired_session_on_htmx_redirects_the_whole_page(client: Any, world: World) -> None:
    response = client.get("/merchants/?q=面", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")
    assert "<form" not in response.get_data(as_text=True)
    # The search term never travels into the login URL.
    assert "q=" not in response.headers["HX-Redirect"]


def test_expired_session_on_the_api_is_json_401(client: Any, world: World) -> None:
    response = client.get("/api/v1/merchants")
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json()["error"] == "unauthenticated"


def test_open_redirect_is_ignored(app: Flask, world: World) -> None:
    client = app.test_client()
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": "mgr1", "password": PASSWORD, "csrf_token": _csrf(client)},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_login_is_throttled(app_config: dict[str, Any], world: World) -> None:
    from webapp import create_app

    throttled = create_app({**app_config, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"})
    client = throttled.test_client()
    token = _csrf(client)
    statuses = [
        client.post("/login", data={"username": "mgr1", "password": "bad-guess", "csrf_token": token}).status_code
        for _ in range(5)
    ]
    with throttled.app_context():
        db.engine.dispose()
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429]


def test_security_headers(client: Any) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" in response.headers["Vary"]


def test_session_cookie_flags(app: Flask, world: World) -> None:
    client = app.test_client()
    response = client.post("/login", data={"username": "mgr1", "password": PASSWORD, "csrf_token": _csrf(client)})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_outside_local_development(tmp_path: Any) -> None:
    from webapp import create_app

    production = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    assert production.config["SESSION_COOKIE_SECURE"] is True


def test_healthz(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_english_can_be_chosen(app: Flask, world: World) -> None:
    user = login_client(app, "mgr1")
    assert "商户" in user.get("/merchants/").get_data(as_text=True)
    assert user.post("/language", {"lang": "en", "next": "/merchants/"}).status_code == 303
    assert "Merchants" in user.get("/merchants/").get_data(as_text=True)
