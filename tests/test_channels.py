"""Batch channels, marketing activities and leads: the write paths, their refusals, the pages and the register."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from tests.channel_helpers import activity_body, channel_body, ctx, lead_body
from tests.factories import WULIN, World, add_merchant, user_by_name
from tests.visit_helpers import new_id, visit_body
from webapp.channels.activities import save_activity
from webapp.channels.festivals import festivals_of, qingming
from webapp.channels.leads import put_lead
from webapp.channels.pages import attribute, channel_penetration
from webapp.channels.write import link_area_merchants, link_merchant_codes, save_channel
from webapp.errors import AppError, Conflict, Forbidden, Invalid, NotFoundError
from webapp.extensions import db
from webapp.inbox.collect import inbox_items
from webapp.metrics.store import definitions_for
from webapp.models import Channel, ChannelMerchant, Lead, Merchant


def _channel(app: Flask, owner: str = "mgr1", **extra: Any) -> int:
    with app.app_context():
        channel = save_channel(ctx(owner), None, channel_body(**extra))
        db.session.commit()
        return channel.id


def _activity(app: Flask, channel_id: int | None, owner: str = "mgr1", **extra: Any) -> int:
    with app.app_context():
        activity = save_activity(ctx(owner), None, activity_body(channel_id, **extra))
        db.session.commit()
        return activity.id


def test_festival_dates_are_the_calendars() -> None:
    days = {f.code: f.day for f in festivals_of(2026)}
    assert days == {"spring_festival": date(2026, 2, 17), "qingming": date(2026, 4, 5),
                    "dragon_boat": date(2026, 6, 19), "qixi": date(2026, 8, 19), "mid_autumn": date(2026, 9, 25)}
    assert [qingming(year).day for year in (2024, 2025, 2027, 2028)] == [4, 4, 5, 4]
    assert festivals_of(2025)[0].code == "spring_festival"


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": ""}, "kind"), ({"kind": "bank"}, "kind"), ({"name": " "}, "name"), ({"name": "x" * 101}, "name"),
    ({"lat": "30.2", "lon": ""}, "lat"), ({"lat": "91", "lon": "120"}, "lat"), ({"area": "[[30,120],[30.1,120]]"}, "area"),
    ({"area": "not json"}, "area"), ({"area": [[30, 120], [30.1, 120], ["x", 1]]}, "area"),
    ({"merchant_count": "-3"}, "merchant_count"), ({"merchant_count": "1e9"}, "merchant_count"),
    ({"loan_demand": "abc"}, "loan_demand"), ({"loan_demand": "1.234"}, "loan_demand"), ({"state": "won"}, "state"),
    ({"contacts": [{"name": "", "phone": "13800001111"}]}, "contacts.0.name"),
    ({"contacts": [{"name": "周", "phone": "abc"}]}, "contacts.0.phone"), ({"name": "a\x00b"}, "name"),
])
def test_a_bad_channel_is_refused_whole(app: Flask, world: World, change: dict[str, Any], field: str) -> None:
    with app.app_context():
        with pytest.raises(Invalid) as refused:
            save_channel(ctx("mgr1"), None, channel_body(**change))
        assert field in refused.value.fields
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Channel)) == 0


def test_only_a_team_lead_gives_a_channel_to_someone_else(app: Flask, world: World) -> None:
    channel_id = _channel(app)
    with app.app_context():
        channel = db.session.get(Channel, channel_id)
        assert channel is not None
        other = str(user_by_name("mgr2").id)
        with pytest.raises(Invalid) as refused:
            save_channel(ctx("mgr1"), channel, channel_body(owner_id=other))
        assert "owner_id" in refused.value.fields
        db.session.rollback()
        with pytest.raises(Forbidden):
            save_channel(ctx("mgr2"), channel, channel_body(name="抢来的"))
        db.session.rollback()
        with pytest.raises(Forbidden):
            save_channel(ctx("reviewer1"), None, channel_body())
        db.session.rollback()
        saved = save_channel(ctx("lead1"), channel, channel_body(owner_id=other, state="signed"))
        assert saved.owner_id == int(other) and saved.state == "signed" and saved.state_since is not None
        outsider = str(user_by_name("mgr7").id)  # another sub-branch
        with pytest.raises(Invalid):
            save_channel(ctx("lead1"), channel, channel_body(owner_id=outsider))


def test_channel_pages_create_show_and_refuse(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    assert mgr1.get("/channels/new").status_code == 200
    form = {"kind": "business_district", "name": "武林商圈商会", "place": "延安路", "state": "prospecting",
            "merchant_count": "120", "loan_demand": "300万", "contact_name_0": "李会长", "contact_phone_0": "13800001111"}
    refused = mgr1.post("/channels/new", form, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert 'data-error-for="loan_demand"' in refused.get_data(as_text=True)
    form["loan_demand"] = "3000000"
    response = mgr1.post("/channels/new", form)
    assert response.status_code == 303
    page = mgr1.get(response.headers["Location"]).get_data(as_text=True)
    assert "武林商圈商会" in page and "13800001111" in page  # the owner sees the contact's phone
    other = login("mgr2").get(response.headers["Location"]).get_data(as_text=True)
    assert "13800001111" not in other and "138****1111" in other
    assert login("reviewer1").post("/channels/new", form).status_code == 403


def test_merchants_are_linked_by_area_pick_and_import_and_penetration_follows(app: Flask, world: World,
                                                                               login: Any) -> None:
    ring = [[WULIN[0] - 0.002, WULIN[1] - 0.002], [WULIN[0] - 0.002, WULIN[1] + 0.002],
            [WULIN[0] + 0.0005, WULIN[1] + 0.002], [WULIN[0] + 0.0005, WULIN[1] - 0.002]]
    channel_id = _channel(app, area=ring)
    with app.app_context():
        channel = db.session.get(Channel, channel_id)
        assert channel is not None
        result = link_area_merchants(ctx("mgr1"), channel)
        # a1_owned sits at WULIN (inside), a1_other 0.001 north (outside), the unlocated one is never inside.
        assert result.added == 1
        assert link_area_merchants(ctx("mgr1"), channel).already == 1
        add_merchant(world.sub_branches["A1"], "王氏茶庄", code="A1-777", status="customer")
        imported = link_merchant_codes(ctx("mgr1"), channel, ["A1-777", "A1-002", "NOPE", "A2-001"])
        assert imported.added == 2 and imported.unknown == ["A2-001", "NOPE"]  # another sub-branch's is unknown
        db.session.commit()
        found = channel_penetration(channel, definitions_for(world.branch_id))
        assert (found.customers, found.merchants) == (2, 3)  # the borrower and the customer of three
    mgr1 = login("mgr1")
    response = mgr1.post(f"/channels/{channel_id}/merchants", {"mode": "pick",
                                                               "merchant_id": [str(world.merchants["a1_unlocated"])]})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ChannelMerchant)) == 4
    bad = mgr1.client.post(f"/channels/{channel_id}/merchants",
                           data={"csrf_token": mgr1.csrf, "mode": "import", "file": (io.BytesIO(b"\x00\x01"), "x.csv")},
                           content_type="multipart/form-data")
    assert bad.status_code == 422
    assert mgr1.post(f"/channels/{channel_id}/merchants", {"mode": "bogus"}).status_code == 400
    assert login("mgr2").post(f"/channels/{channel_id}/merchants", {"mode": "area"}).status_code == 403


def test_a_lead_becomes_an_assigned_prospect_linked_to_the_channel(app: Flask, world: World) -> None:
    channel_id = _channel(app)
    activity_id = _activity(app, channel_id)
    lead_id = new_id()
    with app.app_context():
        body = lead_body(activity_id, assignee="mgr2")
        made = put_lead(ctx("mgr1"), lead_id, body)
        db.session.commit()
        assert made.status == "created"
        merchant = made.lead.merchant
        assert (merchant.status, merchant.owner_id, merchant.name) == ("prospect", user_by_name("mgr2").id, "张记布行")
        assert db.session.get(ChannelMerchant, (channel_id, merchant.id)) is not None
        # The same body again: nothing new. Another body under the id: refused.
        assert put_lead(ctx("mgr1"), lead_id, body).status == "unchanged"
        with pytest.raises(Conflict):
            put_lead(ctx("mgr1"), lead_id, {**body, "need": "别的"})
        db.session.rollback()
        # The same phone (typed differently) again from another lead: the merchant it made, not a second one.
        again = put_lead(ctx("mgr1"), new_id(), lead_body(activity_id, phone="139-1111-2222", name="张记"))
        assert again.lead.merchant_id == merchant.id and again.lead.existing_merchant
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Merchant).where(Merchant.name == "张记布行")) == 1


@pytest.mark.parametrize(("change", "error"), [
    ({"phone": ""}, Invalid), ({"phone": "abc"}, Invalid), ({"name": ""}, Invalid), ({"need": ""}, Invalid),
    ({"need_product": "yacht"}, Invalid), ({"captured_at": "yesterday"}, Invalid),
    ({"captured_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, Invalid),
    ({"assignee": "mgr7"}, Invalid), ({"assignee": "reviewer1"}, Invalid), ({"activity_id": "x"}, Invalid),
    ({"activity_id": 999999}, NotFoundError),
])
def test_a_bad_lead_is_refused_and_nothing_is_stored(app: Flask, world: World, change: dict[str, Any],
                                                      error: type[AppError]) -> None:
    activity_id = _activity(app, None)
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Merchant))
        with pytest.raises(error):
            put_lead(ctx("mgr1"), new_id(), {**lead_body(activity_id), **change})
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Merchant)) == before


def test_a_lead_is_captured_from_the_form_and_waits_in_the_inbox_until_visited(app: Flask, world: World,
                                                                               login: Any) -> None:
    activity_id = _activity(app, None, owner="mgr1")
    mgr1 = login("mgr1")
    page = mgr1.get(f"/channels/activities/{activity_id}/leads/new").get_data(as_text=True)
    assert "data-capture-form" in page
    lead_id = new_id()
    form = {"lead_id": lead_id, "name": "鲜果坊", "phone": "13512345678", "need": "想办信用卡", "assignee": "mgr1",
            "captured_at": (datetime.now(UTC) - timedelta(minutes=10)).isoformat()}
    refused = mgr1.post(f"/channels/activities/{activity_id}/leads", {**form, "phone": "x"},
                        headers={"HX-Request": "true"})
    assert refused.status_code == 422 and 'data-error-for="phone"' in refused.get_data(as_text=True)
    assert mgr1.post(f"/channels/activities/{activity_id}/leads", {**form, "lead_id": "no"}).status_code == 400
    assert mgr1.post(f"/channels/activities/{activity_id}/leads", form).status_code == 303
    with app.test_request_context():
        lead = db.session.get(Lead, lead_id)
        assert lead is not None
        items = [i for i in inbox_items(user_by_name("mgr1"), datetime.now(UTC)) if i.kind == "lead_assigned"]
        assert [i.key for i in items] == [lead_id]
        merchant_id = lead.merchant_id
    # A visit with an application and a deal after the capture: the lead leaves the inbox; results count it.
    body = visit_body(merchant_id, lead="mgr1", outcome={"effective": True, "deals": ["credit_card"],
                                                         "application": {"product": "经营贷", "amount": 50000}})
    response = mgr1.api("PUT", f"/api/v1/visits/{new_id()}", json=body)
    assert response.status_code == 201, response.get_json()
    with app.test_request_context():
        assert not [i for i in inbox_items(user_by_name("mgr1"), datetime.now(UTC)) if i.kind == "lead_assigned"]
        lead = db.session.get(Lead, lead_id)
        assert lead is not None
        results = attribute([lead])
        assert (results.leads, results.contacted, results.visits, results.applications, results.deals) == (1, 1, 1, 1, 1)
    page = mgr1.get(f"/channels/activities/{activity_id}").get_data(as_text=True)
    assert "鲜果坊" in page and "13512345678" in page
    assert "13512345678" not in login("mgr2").get(f"/channels/activities/{activity_id}").get_data(as_text=True)


def test_a_team_lead_reassigns_a_lead(app: Flask, world: World, login: Any) -> None:
    activity_id = _activity(app, None)
    lead_id = new_id()
    with app.app_context():
        put_lead(ctx("mgr1"), lead_id, lead_body(activity_id))
        db.session.commit()
    assert login("lead1").post(f"/channels/leads/{lead_id}/assign", {"assignee": "nobody"}).status_code == 422
    assert login("lead1").post(f"/channels/leads/{lead_id}/assign", {"assignee": "mgr3"}).status_code == 303
    assert login("mgr1").post(f"/channels/leads/{lead_id}/assign", {"assignee": "mgr1"}).status_code == 403
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead is not None and lead.assignee.username == "mgr3" and lead.merchant.owner.username == "mgr3"


def test_activity_refusals_and_calendar(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    bad = mgr1.post("/channels/activities/new", {"kind": "roadshow", "title": "", "day": "2026-13-01",
                                                 "people": ["999999"]}, headers={"HX-Request": "true"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert all(f'data-error-for="{name}"' in text for name in ("title", "day", "people"))
    festival = mgr1.post("/channels/activities/new", {"kind": "event", "festival": "qixi", "title": "x",
                                                      "day": "2026-08-19"}, headers={"HX-Request": "true"})
    assert festival.status_code == 422 and 'data-error-for="festival"' in festival.get_data(as_text=True)
    made = mgr1.post("/channels/activities/new", {"kind": "festival", "festival": "qixi", "title": "七夕商户沙龙",
                                                  "day": "2026-08-19", "cost": "800"})
    assert made.status_code == 303
    calendar = mgr1.get("/channels/activities/?month=2026-08").get_data(as_text=True)
    assert 'data-festival-day="qixi"' in calendar and "七夕商户沙龙" in calendar
    assert mgr1.get("/channels/activities/?month=junk").status_code == 200


def test_the_register_exports_the_channels_with_their_penetration(app: Flask, world: World, login: Any) -> None:
    channel_id = _channel(app)
    with app.app_context():
        channel = db.session.get(Channel, channel_id)
        assert channel is not None
        link_merchant_codes(ctx("mgr1"), channel, ["A1-001", "A1-002"])
        db.session.commit()
    reviewer = login("reviewer1")
    assert reviewer.post("/language", {"lang": "en", "next": "/channels/"}).status_code == 303
    response = reviewer.get("/channels/register.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header, first = rows[0], rows[1]
    assert first[header.index("Channel")] in ("四季青服装市场",) or first[0] == "四季青服装市场"
    assert first[header.index("Merchants linked")] == 2
    assert first[header.index("Penetration (%)")] == 50.0  # the borrower of the two
    assert "13700001111" not in str(rows)  # no phones in the filed register
