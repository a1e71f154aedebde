"""The inbox ("needs your action"): an item appears for the person who must act, and leaves when it is done."""
from __future__ import annotations

from typing import Any

from flask import Flask

from tests.api_helpers import confirm, member_body
from tests.factories import World
from tests.review_helpers import create_visit, decision


def inbox_kinds(user: Any) -> list[str]:
    response = user.htmx_get("/inbox/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return [part.split('"', 1)[0] for part in html.split('data-inbox-kind="')[1:]]


def count(user: Any) -> str:
    response = user.htmx_get("/inbox/count")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_data(as_text=True)


def test_a_sent_back_visit_waits_in_its_leads_inbox_until_resubmitted(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world, photos=1)
    reviewer, mgr1, mgr2 = login("reviewer1"), login("mgr1"), login("mgr2")
    assert inbox_kinds(mgr1) == []
    assert "inbox-count" not in count(mgr1)

    assert decision(reviewer, visit_id, "send_back", "请补拍库存照片").status_code == 303
    assert inbox_kinds(mgr1) == ["visit_sent_back"]
    page = mgr1.get("/inbox/").get_data(as_text=True)
    assert "老王面馆" in page and "请补拍库存照片" in page and f'href="/visits/{visit_id}"' in page
    assert '>1<' in count(mgr1)
    assert inbox_kinds(mgr2) == [] and inbox_kinds(reviewer) == []

    response = mgr1.post(f"/review/visits/{visit_id}/resubmit", {"note": "已补拍", "expected": "sent_back:1"})
    assert response.status_code == 303
    assert inbox_kinds(mgr1) == []


def test_a_squad_member_is_asked_to_confirm_until_they_do(app: Flask, world: World, login: Any,
                                                          squad_visit: str) -> None:
    mgr1, mgr2, mgr3, mgr7 = login("mgr1"), login("mgr2"), login("mgr3"), login("mgr7")
    assert inbox_kinds(mgr2) == ["squad_confirmation"] and inbox_kinds(mgr3) == ["squad_confirmation"]
    assert inbox_kinds(mgr1) == [] and inbox_kinds(mgr7) == []
    page = mgr2.get("/inbox/").get_data(as_text=True)
    assert f'href="/visits/{squad_visit}#confirm-form"' in page

    assert confirm(mgr2, squad_visit, "mgr2", member_body()).status_code == 201
    assert inbox_kinds(mgr2) == [] and inbox_kinds(mgr3) == ["squad_confirmation"]


def test_the_inbox_asks_for_a_login(client: Any) -> None:
    assert client.get("/inbox/").status_code == 302
    assert client.get("/inbox/count").status_code == 302
