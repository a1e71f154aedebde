"""New passwords are checked wherever they are set (admin form, CLI, a user's own change); an admin can
require a new password, and until then the person can do nothing else."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import CSRF_META, PASSWORD, LoggedIn, login_client
from tests.factories import World, user_by_name
from webapp import create_app
from webapp.auth.password_policy import password_problem
from webapp.extensions import db
from webapp.models import LoginSession, User

STRONG = "violet-tram-harbour-41"
WEAK = [
    ("1234567890", "password_common"),
    ("aaaaaaaaaa", "password_repeat"),
    ("qwertyuiop", "password_common"),
    ("1qaz2wsx3edc", "password_common"),
    ("zxcvbnm,./", "password_keyboard"),
    ("abcdefghijkl", "password_sequence"),
    ("mgr1mgr1mgr1", "password_repeat"),
    ("wangfang-mgr1", "password_personal"),
    ("hzbank-2024!", "password_personal"),
    ("杭州分行杭州分行", "password_repeat"),
    ("武林支行123456", "password_personal"),
    ("xiaowei2024!", "password_personal"),
    ("password2024", "password_common"),
    ("short", "password_too_short"),
    ("x" * 257, "password_too_long"),
]


@pytest.mark.parametrize(("password", "reason"), WEAK, ids=[w[0][:16] for w in WEAK])
def test_weak_passwords_are_refused_with_a_reason(app: Flask, world: World, password: str, reason: str) -> None:
    app.config["BANK_NAMES"] = ["hzbank", "杭州银行"]
    with app.test_request_context():
        user = user_by_name("mgr1")
        problem = password_problem(password, username="mgr1", display_name="wangfang", sub_branch_id=user.sub_branch_id)
    assert problem is not None
    if reason in ("password_too_short", "password_too_long", "password_personal"):
        assert problem == reason


@pytest.mark.parametrize("password", [STRONG, PASSWORD, "correct horse battery staple", "Mz7#qL2v!pR9"])
def test_strong_passwords_pass(app: Flask, world: World, password: str) -> None:
    with app.test_request_context():
        assert password_problem(password, username="mgr1", display_name="王芳", sub_branch_id=None) is None


@pytest.fixture
def admin(login: Any) -> LoggedIn:
    user: LoggedIn = login("admin")
    return user


def _new_user_form(world: World, password: str, **extra: str) -> dict[str, str]:
    return {"username": "mgr10", "display_name": "新同事", "role": "manager",
            "sub_branch_id": str(world.sub_branches["A1"]), "team_id": str(world.teams["T1"]),
            "phone": "13911112222", "password": password, "enabled": "1", **extra}


@pytest.mark.parametrize("password", ["1234567890", "aaaaaaaaaa", "qwertyuiop", "mgr10mgr10", "武林支行武林支行1"])
def test_admin_form_refuses_weak_passwords(app: Flask, admin: LoggedIn, world: World, password: str) -> None:
    response = admin.post("/admin/users/new", _new_user_form(world, password), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert 'id="error-password"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "mgr10")) is None


def test_admin_edit_refuses_a_weak_new_password(app: Flask, admin: LoggedIn, world: World) -> None:
    with app.app_context():
        user = user_by_name("mgr1")
        form = {"display_name": user.display_name, "role": user.role, "sub_branch_id": str(user.sub_branch_id),
                "team_id": str(user.team_id), "phone": user.phone or "", "enabled": "1", "password": "1234567890"}
    response = admin.post(f"/admin/users/{world.users['mgr1']}", form)
    assert response.status_code == 422
    assert "常见" in response.get_data(as_text=True)
    assert login_client(app, "mgr1").get("/merchants/").status_code == 200


def test_new_account_must_choose_its_own_password(app: Flask, admin: LoggedIn, world: World) -> None:
    form = _new_user_form(world, STRONG, must_change_password="1")
    assert admin.post("/admin/users/new", form).status_code == 303
    client = app.test_client()
    token = CSRF_META.search(client.get("/login").get_data(as_text=True))
    assert token
    response = client.post("/login?next=/merchants/", data={"username": "mgr10", "password": STRONG,
                                                            "csrf_token": token.group(1)})
    assert response.status_code == 303
    page = client.get("/merchants/")
    assert page.status_code == 303 and page.headers["Location"] == "/account/password"


def _forced(app: Flask, admin: LoggedIn, username: str) -> LoggedIn:
    """The admin requires a new password of username, who then logs in again."""
    before = login_client(app, username)
    user_id = user_by_name_id(app, username)
    response = admin.post(f"/admin/users/{user_id}/require-password-change")
    assert response.status_code == 303
    assert before.get("/merchants/").status_code == 302  # every device was logged out
    client = app.test_client()
    token = CSRF_META.search(client.get("/login").get_data(as_text=True))
    assert token
    assert client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token.group(1)}).status_code == 303
    page = client.get("/account/password")
    assert page.status_code == 200
    csrf = CSRF_META.search(page.get_data(as_text=True))
    assert csrf
    return LoggedIn(client=client, username=username, csrf=csrf.group(1))


def user_by_name_id(app: Flask, username: str) -> int:
    with app.app_context():
        return user_by_name(username).id


def test_forced_change_blocks_everything_else(app: Flask, admin: LoggedIn, world: World) -> None:
    mgr = _forced(app, admin, "mgr1")
    for url in ("/", "/merchants/", "/today/", f"/merchants/{world.merchants['a1_owned']}", "/account/sessions"):
        response = mgr.get(url)
        assert response.status_code == 303 and response.headers["Location"] == "/account/password", url
    fragment = mgr.htmx_get("/inbox/count")
    assert fragment.status_code == 403 and fragment.headers["HX-Redirect"] == "/account/password"
    api = mgr.api("GET", "/api/v1/merchants")
    assert api.status_code == 403
    assert api.get_json()["error"] == "password_change_required"
    assert api.get_json()["change_url"] == "/account/password"
    assert api.get_json()["message"]
    put = mgr.api("PUT", "/api/v1/visits/6f1c1d8e-8a7e-4a3e-9d35-0c8f0e8f4b11", json={})
    assert put.status_code == 403 and put.get_json()["error"] == "password_change_required"
    # The outbox's session question (Accept: JSON) fails the same way: its queue waits, nothing is refused.
    session = mgr.get("/sync/session", headers={"Accept": "application/json"})
    assert session.status_code == 403 and session.get_json()["error"] == "password_change_required"
    # What stays open: the change itself, the app shell, the API's description, logging out.
    assert mgr.get("/offline").status_code == 200
    assert mgr.get("/api/v1/openapi.json").status_code == 200
    change_page = mgr.get("/account/password").get_data(as_text=True)
    assert "管理员" in change_page
    # The change page itself asks nothing of the gated routes (the tabs' inbox count would be answered with a
    # redirect to this very page, reloading it for ever), but logging out stays.
    assert "/inbox/count" not in change_page and 'action="/logout"' in change_page


def test_forced_change_then_free(app: Flask, admin: LoggedIn, world: World) -> None:
    mgr = _forced(app, admin, "mgr1")
    response = mgr.post("/account/password", {"current_password": PASSWORD, "new_password": STRONG,
                                              "confirm_password": STRONG})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert mgr.get("/merchants/").status_code == 200
    with app.app_context():
        assert user_by_name("mgr1").must_change_password is False


def test_forced_change_for_the_admin_form_checkbox(app: Flask, admin: LoggedIn, world: World) -> None:
    page = admin.get(f"/admin/users/{world.users['mgr2']}").get_data(as_text=True)
    assert 'name="must_change_password"' in page and "require-password-change" in page


def test_own_change_needs_the_current_password_and_a_strong_new_one(app: Flask, world: World) -> None:
    mgr = login_client(app, "mgr1")
    def form(current: str, new: str, confirm: str) -> dict[str, str]:
        return {"current_password": current, "new_password": new, "confirm_password": confirm}

    cases = [
        (form("not-mine-at-all", STRONG, STRONG), "current_password"),
        (form("", STRONG, STRONG), "current_password"),
        (form(PASSWORD, "1234567890", "1234567890"), "new_password"),
        (form(PASSWORD, PASSWORD, PASSWORD), "new_password"),
        (form(PASSWORD, STRONG, STRONG + "x"), "confirm_password"),
        (form(PASSWORD, "y" * 300, "y" * 300), "new_password"),
        ({}, "current_password"),
    ]
    for data, field in cases:
        response = mgr.post("/account/password", data)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, data
        assert f'id="error-{field}"' in body, data
        assert STRONG not in body and PASSWORD not in body
    assert login_client(app, "mgr1", PASSWORD).get("/merchants/").status_code == 200


def test_own_change_logs_out_the_other_devices(app: Flask, world: World) -> None:
    phone = login_client(app, "mgr1")
    desktop = login_client(app, "mgr1")
    response = phone.post("/account/password", {"current_password": PASSWORD, "new_password": STRONG,
                                                "confirm_password": STRONG})
    assert response.status_code == 303
    assert phone.get("/merchants/").status_code == 200
    assert desktop.get("/merchants/").status_code == 302
    assert login_client(app, "mgr1", STRONG).get("/merchants/").status_code == 200
    client = app.test_client()
    token = CSRF_META.search(client.get("/login").get_data(as_text=True))
    assert token
    assert client.post("/login", data={"username": "mgr1", "password": PASSWORD,
                                       "csrf_token": token.group(1)}).status_code == 401


@pytest.fixture
def throttled(app_config: dict[str, Any], world: World) -> Iterator[Flask]:
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "LOGIN_ACCOUNT_FAILURE_LIMIT": "3 per 15 minutes"})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_guessing_the_current_password_is_throttled(throttled: Flask) -> None:
    """A stolen session must not become a way to guess the password without limit."""
    mgr = login_client(throttled, "mgr1")
    form = {"current_password": "guess", "new_password": STRONG, "confirm_password": STRONG}
    statuses = [mgr.post("/account/password", form).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    locked = mgr.post("/account/password", {**form, "current_password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    with throttled.app_context():
        assert user_by_name("mgr1").check_password(PASSWORD)


def _cli(app: Flask, *args: str, input_text: str = "") -> Any:
    with mock.patch("logging.config.fileConfig"):
        return app.test_cli_runner().invoke(args=list(args), input=input_text)


def test_cli_sets_a_password_with_the_same_rules(app: Flask, world: World) -> None:
    session = login_client(app, "mgr2")
    weak = _cli(app, "set-password", "mgr2", input_text="1234567890\n1234567890\n")
    assert weak.exit_code != 0
    assert session.get("/merchants/").status_code == 200
    unknown = _cli(app, "set-password", "nobody", input_text=f"{STRONG}\n{STRONG}\n")
    assert unknown.exit_code != 0 and "nobody" in unknown.output
    done = _cli(app, "set-password", "mgr2", input_text=f"{STRONG}\n{STRONG}\n")
    assert done.exit_code == 0, done.output
    assert session.get("/merchants/").status_code == 302
    with app.app_context():
        user = user_by_name("mgr2")
        assert user.check_password(STRONG) and user.must_change_password
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)
                                 .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))) == 0
