"""Admin pages: only admins get in, only their own branch is visible, and users and org units are
written through their write paths with errors beside the fields."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import PASSWORD, LoggedIn, login_client
from tests.factories import World, user_by_name
from webapp.extensions import db
from webapp.models import SubBranch, Team, User

HX = {"HX-Request": "true"}
NEW_PASSWORD = "a-long-new-password"


@pytest.fixture
def admin(login: Any) -> LoggedIn:
    """The HZ admin, reading English: the msgids, so the assertions hold once the Chinese catalogue lands."""
    user: LoggedIn = login("admin")
    assert user.post("/language", {"lang": "en", "next": "/admin/"}).status_code == 303
    return user


def _get_urls(world: World) -> list[str]:
    return [
        "/admin/",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{world.users['mgr1']}",
        "/admin/org",
        "/admin/merchants/import",
    ]


def _post_urls(world: World) -> list[str]:
    return [
        "/admin/users/new",
        f"/admin/users/{world.users['mgr1']}",
        "/admin/org/sub-branches",
        f"/admin/org/sub-branches/{world.sub_branches['A1']}",
        "/admin/org/teams",
        f"/admin/org/teams/{world.teams['T1']}",
        "/admin/merchants/import",
    ]


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def _user_form(world: World, **overrides: str) -> dict[str, str]:
    form = {
        "username": "mgr10",
        "display_name": "新同事",
        "role": "manager",
        "sub_branch_id": str(world.sub_branches["A1"]),
        "team_id": str(world.teams["T1"]),
        "phone": "13911112222",
        "password": NEW_PASSWORD,
        "enabled": "1",
    }
    form.update(overrides)
    return form


def _form_of(app: Flask, username: str, **overrides: str) -> dict[str, str]:
    """The edit form as the page would post it back for an existing user."""
    with app.app_context():
        user = user_by_name(username)
        form = {
            "display_name": user.display_name,
            "role": user.role,
            "sub_branch_id": str(user.sub_branch_id),
            "team_id": str(user.team_id or ""),
            "phone": user.phone or "",
            "password": "",
        }
        if user.is_enabled:
            form["enabled"] = "1"
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


# Who gets in


def test_admin_reaches_every_admin_page(admin: LoggedIn, world: World) -> None:
    for url in _get_urls(world):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert "<html" in response.get_data(as_text=True), url


@pytest.mark.parametrize("username", ["mgr1", "lead1", "reviewer1"])
def test_other_roles_get_403_everywhere(app: Flask, login: Any, world: World, username: str) -> None:
    user = login(username)
    for url in _get_urls(world):
        assert user.get(url).status_code == 403, url
    users_before, sub_branches_before = _count(app, User), _count(app, SubBranch)
    for url in _post_urls(world):
        response = user.post(url, {**_user_form(world), "code": "ZZ", "name": "越权"})
        assert response.status_code == 403, url
    assert _count(app, User) == users_before
    assert _count(app, SubBranch) == sub_branches_before


def test_anonymous_is_sent_to_login(client: Any, world: World) -> None:
    for url in _get_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url


def test_post_without_csrf_is_refused(app: Flask, admin: LoggedIn, world: World) -> None:
    before = _count(app, User)
    response = admin.client.post("/admin/users/new", data=_user_form(world))
    assert response.status_code == 400
    assert _count(app, User) == before


# Users


def test_user_list_shows_the_branch_with_phones_masked(admin: LoggedIn, world: World) -> None:
    page = admin.get("/admin/users").get_data(as_text=True)
    for name in ("王芳", "黄强", "孙慧"):
        assert name in page
    assert "Customer manager" in page and "Reviewer" in page
    assert "武林一队" in page and "四季青支行" in page
    assert "139****0000" in page
    assert "13900000000" not in page


def test_admin_creates_a_user_who_can_log_in(app: Flask, admin: LoggedIn, world: World) -> None:
    response = admin.post("/admin/users/new", _user_form(world))
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/users"
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "新同事" in page and "139****2222" in page and "13911112222" not in page
    with app.app_context():
        created = user_by_name("mgr10")
        assert (created.role, created.team_id, created.is_enabled) == ("manager", world.teams["T1"], True)
    assert login_client(app, "mgr10", NEW_PASSWORD).get("/merchants/").status_code == 200


def test_htmx_create_redirects_the_whole_page(app: Flask, admin: LoggedIn, world: World) -> None:
    response = admin.post("/admin/users/new", _user_form(world, username="reviewer2", role="reviewer", team_id=""),
                          headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/admin/users"
    with app.app_context():
        assert user_by_name("reviewer2").team_id is None


def test_admin_edits_a_user(app: Flask, admin: LoggedIn, world: World) -> None:
    page = admin.get(f"/admin/users/{world.users['mgr3']}").get_data(as_text=True)
    assert 'value="刘洋"' in page
    response = admin.post(
        f"/admin/users/{world.users['mgr3']}",
        _form_of(app, "mgr3", display_name="刘洋洋", role="team_lead", sub_branch_id=str(world.sub_branches["A2"]),
                 team_id=str(world.teams["T2"]), phone="13722223333"),
    )
    assert response.status_code == 303
    with app.app_context():
        edited = user_by_name("mgr3")
        assert (edited.display_name, edited.role, edited.sub_branch_id, edited.team_id, edited.phone) == (
            "刘洋洋", "team_lead", world.sub_branches["A2"], world.teams["T2"], "13722223333")
    # An empty password field keeps the old one.
    assert login_client(app, "mgr3", PASSWORD).get("/merchants/").status_code == 200


def test_admin_sets_a_new_password(app: Flask, admin: LoggedIn, world: World) -> None:
    response = admin.post(f"/admin/users/{world.users['mgr1']}", _form_of(app, "mgr1", password=NEW_PASSWORD))
    assert response.status_code == 303
    assert login_client(app, "mgr1", NEW_PASSWORD).get("/merchants/").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "Bad Name!"}, "username", "lower-case letters"),
        ({"username": "x"}, "username", "lower-case letters"),
        ({"username": "mgr1"}, "username", "already taken"),
        ({"password": "short"}, "password", "at least 10 characters"),
        ({"display_name": ""}, "display_name", "Enter a name"),
        ({"role": "superuser"}, "role", "Choose a role"),
        ({"phone": "call me"}, "phone", "phone number"),
        ({"team_id": "T2"}, "team", "team of the chosen sub-branch"),
        ({"team_id": ""}, "team", "need a team"),
        ({"team_id": "TB"}, "team", "team of the chosen sub-branch"),
        ({"sub_branch_id": "B1", "team_id": "TB"}, "sub_branch", "sub-branch of your branch"),
        ({"sub_branch_id": "nonsense"}, "sub_branch", "sub-branch of your branch"),
    ],
)
def test_invalid_new_user_is_refused_beside_the_field(app: Flask, admin: LoggedIn, world: World,
                                                      overrides: dict[str, str], field: str, message: str) -> None:
    names = {**world.teams, **world.sub_branches}
    form = _user_form(world, **{key: str(names.get(value, value)) for key, value in overrides.items()})
    before = _count(app, User)
    response = admin.post("/admin/users/new", form, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in body and 'id="user-form"' in body
    assert f'id="error-{field}"' in body
    assert message in body
    assert _count(app, User) == before
    # What was typed comes back, the password never does.
    assert f'value="{form["phone"]}"' in body
    assert NEW_PASSWORD not in body


def test_invalid_plain_post_returns_the_whole_page(app: Flask, admin: LoggedIn, world: World) -> None:
    response = admin.post("/admin/users/new", _user_form(world, password="short"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" in body and 'id="error-password"' in body


def test_invalid_edit_changes_nothing(app: Flask, admin: LoggedIn, world: World) -> None:
    response = admin.post(
        f"/admin/users/{world.users['mgr1']}",
        _form_of(app, "mgr1", display_name="改名", team_id=str(world.teams["T2"])),
        headers=HX,
    )
    assert response.status_code == 422
    assert 'id="error-team"' in response.get_data(as_text=True)
    with app.app_context():
        unchanged = user_by_name("mgr1")
        assert (unchanged.display_name, unchanged.team_id) == ("王芳", world.teams["T1"])


def test_disabling_a_user_logs_them_out(app: Flask, admin: LoggedIn, login: Any, world: World) -> None:
    victim = login("mgr2")
    assert victim.get("/merchants/").status_code == 200
    form = _form_of(app, "mgr2")
    del form["enabled"]
    assert admin.post(f"/admin/users/{world.users['mgr2']}", form).status_code == 303
    response = victim.get("/merchants/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "Disabled" in admin.get("/admin/users").get_data(as_text=True)


def test_admin_cannot_disable_or_demote_themself(app: Flask, admin: LoggedIn, world: World) -> None:
    form = _form_of(app, "admin", role="reviewer")
    del form["enabled"]
    response = admin.post(f"/admin/users/{world.users['admin']}", form, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="error-enabled"' in body and 'id="error-role"' in body
    with app.app_context():
        me = user_by_name("admin")
        assert (me.role, me.is_enabled) == ("admin", True)


@pytest.mark.parametrize("username", ["mgrb", "reviewerb"])
def test_users_of_another_branch_are_404(app: Flask, admin: LoggedIn, world: World, username: str) -> None:
    url = f"/admin/users/{world.users[username]}"
    assert admin.get(url).status_code == 404
    assert admin.post(url, _form_of(app, username, display_name="改了")).status_code == 404
    with app.app_context():
        assert user_by_name(username).display_name in ("外行", "外审")
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert username not in listing
    assert admin.get("/admin/users/999999").status_code == 404


# Org units


def test_org_page_shows_the_branch_with_member_counts(admin: LoggedIn, world: World) -> None:
    page = admin.get("/admin/org").get_data(as_text=True)
    assert "杭州分行" in page and "武林支行" in page and "四季青一队" in page
    assert "海曙支行" not in page and "海曙一队" not in page
    a1 = page.split(f'id="sub-branch-{world.sub_branches["A1"]}"', 1)[1].split("</section>", 1)[0]
    assert "Members: 6" in a1  # admin, reviewer1, lead1, mgr1-3
    assert "Members: 4" in a1  # team T1
    assert "Without a team: 2" in a1


def test_admin_adds_a_sub_branch_and_a_team(app: Flask, admin: LoggedIn, world: World) -> None:
    response = admin.post("/admin/org/sub-branches", {"code": "A3", "name": "西湖支行"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/org"
    with app.app_context():
        added = db.session.scalar(sa.select(SubBranch).where(SubBranch.code == "A3"))
        assert added is not None and added.branch_id == world.branch_id
        added_id = added.id
    response = admin.post("/admin/org/teams", {"sub_branch_id": str(added_id), "name": "西湖一队"}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and 'id="org"' in body and "西湖一队" in body
    with app.app_context():
        assert db.session.scalar(sa.select(Team.sub_branch_id).where(Team.name == "西湖一队")) == added_id


def test_admin_renames_org_units(app: Flask, admin: LoggedIn, world: World) -> None:
    assert admin.post(f"/admin/org/sub-branches/{world.sub_branches['A2']}", {"name": "四季青新支行"}).status_code == 303
    assert admin.post(f"/admin/org/teams/{world.teams['T1']}", {"name": "武林二队"}).status_code == 303
    with app.app_context():
        assert db.session.get(SubBranch, world.sub_branches["A2"]).name == "四季青新支行"  # type: ignore[union-attr]
        assert db.session.get(Team, world.teams["T1"]).name == "武林二队"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("url", "form", "error_id", "message"),
    [
        ("/admin/org/sub-branches", {"code": "B1", "name": "新支行"}, "sub_branch_new-code", "already in use"),
        ("/admin/org/sub-branches", {"code": "a b", "name": "新支行"}, "sub_branch_new-code", "letters, digits"),
        ("/admin/org/sub-branches", {"code": "A9", "name": ""}, "sub_branch_new-name", "Enter a name"),
        ("/admin/org/sub-branches", {"code": "A9", "name": "武林支行"}, "sub_branch_new-name", "already in use"),
        ("/admin/org/teams", {"sub_branch_id": "A1", "name": "武林一队"}, "team_new-name", "already in use"),
        ("/admin/org/teams", {"sub_branch_id": "A1", "name": "x" * 101}, "team_new-name", "At most 100"),
        ("/admin/org/sub-branches/A1", {"name": " "}, "sub_branch_A1-name", "Enter a name"),
        ("/admin/org/teams/T1", {"name": ""}, "team_T1-name", "Enter a name"),
    ],
)
def test_invalid_org_forms_are_refused(app: Flask, admin: LoggedIn, world: World, url: str,
                                       form: dict[str, str], error_id: str, message: str) -> None:
    ids = {**world.sub_branches, **world.teams}
    for key, value in ids.items():
        url = url.replace(f"/{key}", f"/{value}")
        error_id = error_id.replace(f"_{key}-", f"_{value}-")
    if "sub_branch_id" in form:
        form = {**form, "sub_branch_id": str(ids[form["sub_branch_id"]])}
    before = (_count(app, SubBranch), _count(app, Team))
    response = admin.post(url, form, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="org"' in body and f'id="error-{error_id}"' in body and message in body
    assert (_count(app, SubBranch), _count(app, Team)) == before
    with app.app_context():
        assert db.session.get(SubBranch, world.sub_branches["A1"]).name == "武林支行"  # type: ignore[union-attr]
        assert db.session.get(Team, world.teams["T1"]).name == "武林一队"  # type: ignore[union-attr]


def test_org_units_of_another_branch_are_404(app: Flask, admin: LoggedIn, world: World) -> None:
    b1, tb = world.sub_branches["B1"], world.teams["TB"]
    assert admin.post(f"/admin/org/sub-branches/{b1}", {"name": "被改"}).status_code == 404
    assert admin.post(f"/admin/org/teams/{tb}", {"name": "被改"}).status_code == 404
    assert admin.post("/admin/org/teams", {"sub_branch_id": str(b1), "name": "混入"}).status_code == 404
    with app.app_context():
        assert db.session.get(SubBranch, b1).name == "海曙支行"  # type: ignore[union-attr]
        assert db.session.get(Team, tb).name == "海曙一队"  # type: ignore[union-attr]
        assert db.session.scalar(sa.select(Team.id).where(Team.name == "混入")) is None
