"""The review state machine: every (state, action, role) triple, the audit trail, resubmission as a new visit
version, flag decisions, and what the manager sees on the phone."""
from __future__ import annotations

import itertools
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import WULIN, World
from tests.review_helpers import add_photo, create_visit, decision
from tests.visit_helpers import visit_body
from webapp.extensions import db
from webapp.models import Photo, Visit, VisitFlag, VisitVersion
from webapp.models.review import REVIEW_ACTIONS, REVIEW_STATES, FlagReview, ReviewAuditEntry, VisitReview
from webapp.review import states
from webapp.roles import ROLES
from webapp.write_kernel import canonical_hash

# The whole table, written out by hand rather than read from the code under test.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("received", "approve", "reviewer"): "approved",
    ("received", "send_back", "reviewer"): "sent_back",
    ("received", "send_back", "team_lead"): "sent_back",
    ("received", "reject", "reviewer"): "rejected",
    ("sent_back", "reject", "reviewer"): "rejected",
    ("sent_back", "resubmit", "manager"): "received",
    ("sent_back", "resubmit", "team_lead"): "received",
}
ROLES_FOR_ACTION = {"approve": {"reviewer"}, "send_back": {"reviewer", "team_lead"}, "reject": {"reviewer"},
                    "resubmit": {"manager", "team_lead"}}


@pytest.mark.parametrize(("state", "action", "role"), list(itertools.product(REVIEW_STATES, REVIEW_ACTIONS, ROLES)))
def test_every_state_action_role(state: str, action: str, role: str) -> None:
    expected = ALLOWED.get((state, action, role))
    if expected is not None:
        assert states.next_state(state, action, role) == expected
        assert action in states.actions_for(state, role)
        return
    error = states.NotPermitted if role not in ROLES_FOR_ACTION[action] else states.IllegalTransition
    with pytest.raises(error):
        states.next_state(state, action, role)
    assert action not in states.actions_for(state, role)


def test_final_states_have_no_way_out() -> None:
    for state in ("approved", "rejected"):
        assert all(not states.actions_for(state, role) for role in ROLES)


def test_unknown_state_or_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        states.next_state("lost", "approve", "reviewer")
    with pytest.raises(ValueError):
        states.next_state("received", "delete", "reviewer")


# --- through the pages ----------------------------------------------------------------------------------


def audit(app: Flask, visit_id: str) -> list[ReviewAuditEntry]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(ReviewAuditEntry).where(ReviewAuditEntry.visit_id == visit_id)
                                       .order_by(ReviewAuditEntry.id)))
        for row in rows:
            _ = row.actor.username
        db.session.expunge_all()
        return rows


def review_row(app: Flask, visit_id: str) -> VisitReview | None:
    with app.app_context():
        row = db.session.get(VisitReview, visit_id)
        if row is not None:
            db.session.expunge(row)
        return row


def test_send_back_resubmit_approve_keeps_every_step(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world, photos=1)
    reviewer, mgr1 = login("reviewer1"), login("mgr1")

    assert decision(reviewer, visit_id, "send_back", "请补拍库存照片").status_code == 303
    page = mgr1.get(f"/visits/{visit_id}").get_data(as_text=True)
    assert 'data-review-state="sent_back"' in page and "请补拍库存照片" in page and "data-resubmit" in page

    new_photo = add_photo(app, visit_id)
    response = mgr1.post(f"/review/visits/{visit_id}/resubmit", {"note": "已补拍", "expected": "sent_back:1"})
    assert response.status_code == 303
    assert decision(reviewer, visit_id, "approve", expected="received:2").status_code == 303

    entries = audit(app, visit_id)
    assert [(e.action, e.from_state, e.to_state, e.round, e.visit_version) for e in entries] == [
        ("send_back", "received", "sent_back", 1, 1),
        ("resubmit", "sent_back", "received", 2, 2),
        ("approve", "received", "approved", 2, 2),
    ]
    assert [e.actor.username for e in entries] == ["reviewer1", "mgr1", "reviewer1"]
    assert [e.reason for e in entries] == ["请补拍库存照片", "已补拍", ""]
    assert all(e.created_at is not None and e.created_at.tzinfo is not None for e in entries)
    assert entries[0].created_at <= entries[1].created_at <= entries[2].created_at
    row = review_row(app, visit_id)
    assert row is not None and (row.state, row.round, row.decided_version) == ("approved", 2, 2)

    with app.app_context():
        versions = list(db.session.scalars(sa.select(VisitVersion).where(VisitVersion.visit_id == visit_id)
                                           .order_by(VisitVersion.version)))
        assert [v.version for v in versions] == [1, 2]
        photos = list(db.session.scalars(sa.select(Photo.id).where(Photo.visit_id == visit_id)
                                         .order_by(Photo.created_at, Photo.id)))
        assert new_photo in photos and versions[1].body["photo_ids"] == photos
        # Version 1 is kept as written; version 2 is its body plus the photos.
        assert {k: v for k, v in versions[1].body.items() if k != "photo_ids"} == versions[0].body
        assert versions[1].body_hash == canonical_hash(versions[1].body)
    page = reviewer.get(f"/review/visits/{visit_id}").get_data(as_text=True)
    assert 'data-visit-version="2"' in page and 'data-version-row="2"' in page and "new-photo" in page


def test_resubmission_keeps_the_visit_write_idempotent(app: Flask, world: World, login: Any) -> None:
    """A phone replaying the body it once sent still gets 200 'unchanged' after a resubmission."""
    mgr1, reviewer = login("mgr1"), login("reviewer1")
    visit_id = "0b0f6a1e-93a4-4c55-9d7c-3f0f4a6b2c11"
    body = visit_body(world.merchants["a1_owned"], lat=WULIN[0], lon=WULIN[1])
    assert mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body).status_code == 201
    assert decision(reviewer, visit_id, "send_back", "补充说明").status_code == 303
    assert mgr1.post(f"/review/visits/{visit_id}/resubmit").status_code == 303
    replay = mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body)
    assert replay.status_code == 200
    assert replay.get_json()["version"] == 2
    # And an edit naming the new version's ETag still works.
    changed = dict(body, notes={"lead": "改正了结果"})
    update = mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=changed, headers={"If-Match": replay.headers["ETag"]})
    assert update.status_code == 200 and update.get_json()["version"] == 3


@pytest.mark.parametrize(("username", "action", "status"), [
    ("lead1", "approve", 403),
    ("lead1", "reject", 403),
    ("lead1", "send_back", 303),
    ("reviewer1", "reject", 303),
    ("reviewer1", "approve", 303),
])
def test_who_decides_what(app: Flask, world: World, login: Any, username: str, action: str, status: int) -> None:
    visit_id = create_visit(app, world, lead="mgr2", merchant="a1_other")
    response = decision(login(username), visit_id, action, "原因")
    assert response.status_code == status
    assert len(audit(app, visit_id)) == (1 if status == 303 else 0)


def test_illegal_transition_is_409_and_writes_nothing(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world)
    reviewer = login("reviewer1")
    assert decision(reviewer, visit_id, "approve").status_code == 303
    for action in ("approve", "send_back", "reject"):
        assert decision(reviewer, visit_id, action, "再看").status_code == 409
    assert login("mgr1").post(f"/review/visits/{visit_id}/resubmit").status_code == 303  # refused, told on the page
    assert [e.action for e in audit(app, visit_id)] == ["approve"]
    row = review_row(app, visit_id)
    assert row is not None and row.state == "approved"


def test_a_stale_page_cannot_decide(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world)
    reviewer, lead = login("reviewer1"), login("lead1")
    assert decision(lead, visit_id, "send_back", "照片模糊", expected="received:1").status_code == 303
    # The reviewer's page was opened before the send-back: the token says received:1.
    response = decision(reviewer, visit_id, "reject", "不真实", expected="received:1")
    assert response.status_code == 409
    assert [e.action for e in audit(app, visit_id)] == ["send_back"]


def test_a_reason_is_required_to_send_back_or_reject(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world)
    reviewer = login("reviewer1")
    for action in ("send_back", "reject"):
        plain = decision(reviewer, visit_id, action, "   ")
        assert plain.status_code == 422
        assert 'data-error="reason"' in plain.get_data(as_text=True)
    swapped = reviewer.post(f"/review/visits/{visit_id}/decision", {"action": "send_back", "reason": ""},
                            headers={"HX-Request": "true"})
    assert swapped.status_code == 422
    text = swapped.get_data(as_text=True)
    assert text.lstrip().startswith('<section class="card review-decision"') and 'data-error="reason"' in text
    assert review_row(app, visit_id) is None and audit(app, visit_id) == []


def test_htmx_success_redirects_the_whole_page(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world)
    response = login("reviewer1").post(f"/review/visits/{visit_id}/decision", {"action": "approve"},
                                       headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/review/visits/{visit_id}"


def test_nobody_reviews_a_visit_they_took_part_in(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world, lead="lead1", support="mgr1")
    lead = login("lead1")
    assert decision(lead, visit_id, "send_back", "自己的").status_code == 403
    assert "data-decision-form" not in lead.get(f"/review/visits/{visit_id}").get_data(as_text=True)


def test_only_the_squad_lead_resubmits(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world, support="mgr2")
    assert decision(login("reviewer1"), visit_id, "send_back", "补拍").status_code == 303
    support = login("mgr2")
    assert "data-resubmit" not in support.get(f"/visits/{visit_id}").get_data(as_text=True)
    assert support.post(f"/review/visits/{visit_id}/resubmit").status_code == 403
    assert login("reviewer1").post(f"/review/visits/{visit_id}/resubmit").status_code == 403
    row = review_row(app, visit_id)
    assert row is not None and row.state == "sent_back"


def test_resubmit_by_htmx_swaps_the_status(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world)
    mgr1 = login("mgr1")
    early = mgr1.post(f"/review/visits/{visit_id}/resubmit", headers={"HX-Request": "true"})
    assert early.status_code == 422 and "data-resubmit-error" in early.get_data(as_text=True)
    assert decision(login("reviewer1"), visit_id, "send_back", "补拍").status_code == 303
    done = mgr1.post(f"/review/visits/{visit_id}/resubmit", headers={"HX-Request": "true"})
    assert done.status_code == 204 and done.headers["HX-Redirect"] == f"/visits/{visit_id}"


# --- flags -------------------------------------------------------------------------------------------------


def flagged_visit(app: Flask, world: World) -> tuple[str, int]:
    """A visit checked in 3 km from the shop: one outside_geofence flag."""
    visit_id = create_visit(app, world, photos=0)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit is not None
        visit.checkin_status = "outside_geofence"
        flag = VisitFlag(visit_id=visit_id, code="outside_geofence", detail="far",
                         evidence={"distance_m": 3000, "accuracy_m": 10, "radius_m": 200})
        db.session.add(flag)
        db.session.commit()
        return visit_id, flag.id


def test_dismissing_a_flag_needs_a_reason_and_is_audited(app: Flask, world: World, login: Any) -> None:
    visit_id, flag_id = flagged_visit(app, world)
    reviewer = login("reviewer1")
    url = f"/review/visits/{visit_id}/flags/{flag_id}"
    empty = reviewer.post(url, {"decision": "dismissed", "reason": ""}, headers={"HX-Request": "true"})
    assert empty.status_code == 422 and f'id="flag-{flag_id}"' in empty.get_data(as_text=True)
    assert reviewer.post(url, {"decision": "dismissed", "reason": "商户登记地址有误，已核实"}).status_code == 303
    assert reviewer.post(url, {"decision": "confirmed", "reason": "复核后确认"}).status_code == 303
    with app.app_context():
        judged = db.session.scalar(sa.select(FlagReview).where(FlagReview.flag_id == flag_id))
        assert judged is not None and judged.decision == "confirmed" and judged.reason == "复核后确认"
        assert db.session.get(VisitFlag, flag_id) is not None  # the flag itself is never changed
    entries = audit(app, visit_id)
    assert [(e.action, e.flag_id, e.reason, e.detail["previous"]) for e in entries] == [
        ("dismiss_flag", flag_id, "商户登记地址有误，已核实", None),
        ("confirm_flag", flag_id, "复核后确认", "dismissed"),
    ]
    assert all(e.from_state == e.to_state == "received" for e in entries)


def test_team_lead_confirms_but_does_not_dismiss(app: Flask, world: World, login: Any) -> None:
    visit_id, flag_id = flagged_visit(app, world)
    lead = login("lead1")
    url = f"/review/visits/{visit_id}/flags/{flag_id}"
    assert lead.post(url, {"decision": "dismissed", "reason": "没问题"}).status_code == 403
    assert lead.post(url, {"decision": "confirmed"}).status_code == 303
    assert login("reviewer1").post(f"/review/visits/{visit_id}/flags/999999", {"decision": "confirmed"}).status_code == 404


def test_a_judged_flag_does_not_block_a_corrected_checkin(app: Flask, world: World, login: Any) -> None:
    """A corrected check-in supersedes the flags of the one before; their judgements stay with them (nothing
    cascades away) and the write goes through."""
    mgr1, reviewer = login("mgr1"), login("reviewer1")
    visit_id = "6f1d2b8e-2b44-4f0a-8c61-0f6b7d2a9e01"
    far = visit_body(world.merchants["a1_owned"], lat=WULIN[0] + 0.027, lon=WULIN[1])
    created = mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=far)
    assert created.status_code == 201
    with app.app_context():
        flag_id = db.session.scalar(sa.select(VisitFlag.id).where(VisitFlag.visit_id == visit_id,
                                                                  VisitFlag.code == "outside_geofence"))
    assert reviewer.post(f"/review/visits/{visit_id}/flags/{flag_id}",
                         {"decision": "dismissed", "reason": "GPS漂移"}).status_code == 303
    near = dict(far, checkin=dict(far["checkin"], lat=WULIN[0], lon=WULIN[1]))
    updated = mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=near, headers={"If-Match": created.headers["ETag"]})
    assert updated.status_code == 200, updated.get_json()
    with app.app_context():
        review = db.session.scalar(sa.select(FlagReview))
        assert review is not None and review.flag_id == flag_id and review.decision == "dismissed"
        assert db.session.get(VisitFlag, flag_id).superseded_at is not None
    assert [e.action for e in audit(app, visit_id)] == ["dismiss_flag"]


# --- nothing deletes a photo ----------------------------------------------------------------------------------


def test_no_route_deletes_a_photo(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        assert "DELETE" not in (rule.methods or set()), rule.rule


def test_reject_keeps_the_photos(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world, photos=2)
    assert decision(login("reviewer1"), visit_id, "reject", "照片与商户不符").status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo).where(Photo.visit_id == visit_id)) == 2
    page = login("mgr1").get(f"/visits/{visit_id}").get_data(as_text=True)
    assert 'data-review-state="rejected"' in page and "照片与商户不符" in page and "data-resubmit" not in page
