"""The one place that decides what a user may see: merchants and raw phones by role and org unit."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.factories import World, user_by_name
from tests.page_helpers import without_tokens
from webapp.extensions import db
from webapp.models import Merchant
from webapp.scope import can_see_raw_phone, merchant_phone_for, visible_merchants, visible_sub_branch_ids


def _names(app: Flask, username: str) -> set[str]:
    with app.app_context():
        user = user_by_name(username)
        return {m.name for m in db.session.scalars(visible_merchants(user))}


@pytest.mark.parametrize(
    ("username", "sees", "never"),
    [
        ("mgr1", {"老王面馆", "周记五金", "小李水果店"}, {"鑫源服装批发", "海曙小吃"}),
        ("lead1", {"老王面馆", "周记五金"}, {"鑫源服装批发", "海曙小吃"}),
        ("mgr7", {"鑫源服装批发"}, {"老王面馆", "海曙小吃"}),
        ("reviewer1", {"老王面馆", "鑫源服装批发"}, {"海曙小吃"}),
        ("admin", {"老王面馆", "鑫源服装批发"}, {"海曙小吃"}),
        ("reviewerb", {"海曙小吃"}, {"老王面馆", "鑫源服装批发"}),
    ],
)
def test_visible_merchants(app: Flask, world: World, username: str, sees: set[str], never: set[str]) -> None:
    names = _names(app, username)
    assert sees <= names
    assert not (never & names)


def test_branch_wide_roles_see_every_sub_branch_of_their_branch_only(app: Flask, world: World) -> None:
    with app.app_context():
        assert set(visible_sub_branch_ids(user_by_name("reviewer1"))) == {world.sub_branches["A1"], world.sub_branches["A2"]}
        assert visible_sub_branch_ids(user_by_name("mgr1")) == [world.sub_branches["A1"]]
        assert visible_sub_branch_ids(user_by_name("reviewerb")) == [world.sub_branches["B1"]]


@pytest.mark.parametrize(
    ("username", "merchant_key", "raw"),
    [
        ("mgr1", "a1_owned", True),       # the owner calls the merchant
        ("mgr2", "a1_owned", False),      # a colleague does not need the number
        ("lead1", "a1_owned", True),      # the owner's team lead does
        ("reviewer1", "a1_owned", False),
        ("admin", "a1_owned", False),
        ("mgr1", "a1_unlocated", False),  # nobody owns it
        ("lead2", "a2", True),
    ],
)
def test_raw_phone_only_for_those_who_call(app: Flask, world: World, username: str, merchant_key: str, raw: bool) -> None:
    with app.app_context():
        user = user_by_name(username)
        merchant = db.session.get(Merchant, world.merchants[merchant_key])
        assert merchant is not None
        assert can_see_raw_phone(user, merchant) is raw
        shown = merchant_phone_for(user, merchant)
        assert (shown == "13812345678") is raw
        if not raw:
            assert shown == "138****5678"


def test_merchant_page_out_of_scope_is_404_like_missing(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    assert mgr1.get(f"/merchants/{world.merchants['a1_owned']}").status_code == 200
    out_of_scope = mgr1.get(f"/merchants/{world.merchants['a2']}")
    missing = mgr1.get("/merchants/999999")
    assert out_of_scope.status_code == missing.status_code == 404
    assert without_tokens(out_of_scope.get_data(as_text=True)) == without_tokens(missing.get_data(as_text=True))


def test_raw_phone_never_reaches_the_page_of_a_colleague(app: Flask, world: World, login: Any) -> None:
    mgr2 = login("mgr2")
    page = mgr2.get(f"/merchants/{world.merchants['a1_owned']}").get_data(as_text=True)
    assert "13812345678" not in page
    assert "138****5678" in page
    mgr1 = login("mgr1")
    assert "13812345678" in mgr1.get(f"/merchants/{world.merchants['a1_owned']}").get_data(as_text=True)


def test_api_merchants_are_scoped_and_masked(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    rows = mgr1.get("/api/v1/merchants").get_json()["merchants"]
    names = {r["name"] for r in rows}
    assert "老王面馆" in names and "鑫源服装批发" not in names and "海曙小吃" not in names
    assert all("5678" not in r["phone"][:7] for r in rows)
    assert all(r["phone"] in ("", "138****5678") for r in rows)
