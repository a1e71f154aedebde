"""The merchant list: search, filters, htmx fragments, pagination."""
from __future__ import annotations

from typing import Any

from flask import Flask

from tests.factories import World, add_merchant
from webapp.extensions import db


def test_search_by_name_district_industry(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    assert "老王面馆" in mgr1.get("/merchants/?q=面馆").get_data(as_text=True)
    by_district = mgr1.get("/merchants/?q=湖墅").get_data(as_text=True)
    assert "周记五金" in by_district and "老王面馆" not in by_district
    assert "老王面馆" in mgr1.get("/merchants/?q=餐饮").get_data(as_text=True)
    assert "鑫源服装批发" not in mgr1.get("/merchants/?q=服装").get_data(as_text=True)


def test_htmx_search_returns_only_rows(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    response = mgr1.htmx_get("/merchants/?q=面")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and "老王面馆" in body
    assert "HX-Request" in response.headers["Vary"]


def test_boosted_or_history_restore_gets_the_full_page(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    boosted = mgr1.htmx_get("/merchants/?q=面", headers={"HX-Boosted": "true"}).get_data(as_text=True)
    restore = mgr1.htmx_get("/merchants/?q=面", headers={"HX-History-Restore-Request": "true"}).get_data(as_text=True)
    assert "<html" in boosted and "<html" in restore


def test_like_wildcards_are_literal(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    assert "老王面馆" not in mgr1.get("/merchants/?q=%25").get_data(as_text=True)
    assert "老王面馆" not in mgr1.get("/merchants/?q=_").get_data(as_text=True)


def test_mine_only(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    page = mgr1.get("/merchants/?mine=1").get_data(as_text=True)
    assert "老王面馆" in page and "周记五金" not in page


def test_pagination_loads_more(app: Flask, world: World, login: Any) -> None:
    with app.app_context():
        for index in range(40):
            add_merchant(world.sub_branches["A1"], f"测试商户{index:02d}", district="测试片区")
        db.session.commit()
    mgr1 = login("mgr1")
    first = mgr1.get("/merchants/?district=测试片区").get_data(as_text=True)
    assert first.count("测试商户") == 30 and "page=2" in first
    second = mgr1.htmx_get("/merchants/?district=测试片区&page=2").get_data(as_text=True)
    assert second.count("测试商户") == 10 and "page=3" not in second
