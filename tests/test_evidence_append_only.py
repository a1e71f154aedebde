"""Evidence is append-only (issue 10): what an attacker inside the bank tried, each as a regression test.

- A lead updated a visit with If-Match and a check-in at the merchant's coordinates: the flag rows and the
  reviewer's confirmation of them were deleted. Now the old check-in stays beside the new one, its flags are
  superseded (shown as such) and the judgement stays.
- Photos, corrections and confirmations reached an approved visit without a new version or notice. Now any
  change after a decision makes a new version and puts the visit back in front of the reviewer.
- A manager recorded a visit naming a colleague as its lead; the colleague's genuine visits then got
  impossible_travel. Now a check-in is its writer's, the named lead confirms like the others, and travel
  checks compare only the check-ins a person sent.
- A lead confirmed a location proposal made from their own check-in. Now the proposer never decides.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.api_helpers import confirm, member_body, point_at, put
from tests.factories import WULIN, World, user_by_name
from tests.page_helpers import english
from tests.review_helpers import add_photo, create_visit, decision
from tests.visit_helpers import new_id, visit_body
from webapp.admin.accounts import UserInput, save_user
from webapp.extensions import db
from webapp.models import LocationProposal, Visit, VisitCheckin, VisitFlag
from webapp.models.review import FlagReview, ReviewAuditEntry, VisitReview


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _flag_id(app: Flask, visit_id: str, code: str) -> int:
    with app.app_context():
        flag_id = db.session.scalar(sa.select(VisitFlag.id).where(VisitFlag.visit_id == visit_id,
                                                                  VisitFlag.code == code))
    assert flag_id is not None
    return flag_id


def _review(app: Flask, visit_id: str) -> tuple[str, int]:
    with app.app_context():
        review = db.session.get(VisitReview, visit_id)
        assert review is not None
        return review.state, review.round


def _audit_actions(app: Flask, visit_id: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(ReviewAuditEntry.action).where(ReviewAuditEntry.visit_id == visit_id)
                                       .order_by(ReviewAuditEntry.id)))


# --- a check-in once stored is evidence ------------------------------------------------------------------------


def test_a_lead_cannot_erase_a_confirmed_flag_by_moving_the_checkin(app: Flask, world: World, login: Any) -> None:
    mgr1, reviewer = login("mgr1"), login("reviewer1")
    visit_id = new_id()
    far = point_at(2000, 90.0)
    body = visit_body(world.merchants["a1_owned"], lat=far[0], lon=far[1])
    created = put(mgr1, visit_id, body)
    assert created.status_code == 201 and [f["code"] for f in created.get_json()["flags"]] == ["outside_geofence"]
    flag_id = _flag_id(app, visit_id, "outside_geofence")
    assert reviewer.post(f"/review/visits/{visit_id}/flags/{flag_id}",
                         {"decision": "confirmed", "reason": "离店两公里"}).status_code == 303

    # The attack: the same visit again with If-Match and a check-in at the merchant's own coordinates.
    moved = dict(body, checkin=dict(body["checkin"], lat=WULIN[0], lon=WULIN[1]))
    updated = put(mgr1, visit_id, moved, **{"If-Match": created.headers["ETag"]})
    assert updated.status_code == 200
    data = updated.get_json()
    assert data["checkin"]["status"] == "verified" and data["flags"] == []
    superseded = data["superseded_flags"]
    assert [(f["id"], f["code"]) for f in superseded] == [(flag_id, "outside_geofence")]
    assert superseded[0]["superseded_at"] is not None
    # Both check-ins are on record: the first one superseded, rated as it was.
    checkins = data["checkins"]
    assert [(c["status"], c["superseded_at"] is None) for c in checkins] == [
        ("outside_geofence", False), ("verified", True)]
    assert checkins[0]["by"] == checkins[1]["by"] == "mgr1"
    with app.app_context():
        flag = db.session.get(VisitFlag, flag_id)
        assert flag is not None and flag.superseded_at is not None
        judgement = db.session.scalar(sa.select(FlagReview).where(FlagReview.flag_id == flag_id))
        assert judgement is not None and judgement.decision == "confirmed" and judgement.reason == "离店两公里"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VisitCheckin)
                                 .where(VisitCheckin.visit_id == visit_id)) == 2
    # The reviewer still sees the flag, marked superseded, with the confirmation beside it.
    page = english(reviewer).get(f"/review/visits/{visit_id}").get_data(as_text=True)
    assert f'id="flag-{flag_id}"' in page and "data-flag-superseded" in page and 'data-flag-decision="confirmed"' in page
    # ... and so does the manager on the visit page; the queue's flag filters count only current flags.
    assert "data-flag-superseded" in mgr1.get(f"/visits/{visit_id}").get_data(as_text=True)
    queue = reviewer.get("/review/?flag=outside_geofence").get_data(as_text=True)
    assert visit_id not in queue


def test_no_write_deletes_a_flag_or_its_judgement(app: Flask, world: World, login: Any) -> None:
    """However often the check-in moves, every flag and every check-in stays: the counts only grow."""
    mgr1, reviewer = login("mgr1"), login("reviewer1")
    visit_id = new_id()
    body = visit_body(world.merchants["a1_owned"], lat=WULIN[0], lon=WULIN[1] + 0.03)
    response = put(mgr1, visit_id, body)
    flag_id = _flag_id(app, visit_id, "outside_geofence")
    assert reviewer.post(f"/review/visits/{visit_id}/flags/{flag_id}",
                         {"decision": "dismissed", "reason": "信号漂移"}).status_code == 303
    seen: list[int] = []
    for step in range(1, 4):
        lon = WULIN[1] + (0.03 if step % 2 == 0 else 0.0)
        body = dict(body, checkin=dict(body["checkin"], lon=lon))
        response = put(mgr1, visit_id, body, **{"If-Match": response.headers["ETag"]})
        assert response.status_code == 200
        with app.app_context():
            flags = db.session.scalar(sa.select(sa.func.count()).select_from(VisitFlag)
                                      .where(VisitFlag.visit_id == visit_id))
            assert db.session.scalar(sa.select(sa.func.count()).select_from(FlagReview)) == 1
        seen.append(int(flags or 0))
    assert seen == sorted(seen) and seen[-1] == 2
    data = response.get_json()
    assert [c["superseded_at"] is None for c in data["checkins"]] == [False, False, False, True]


# --- any change after a decision is a new version in front of the reviewer -------------------------------------


def test_a_photo_after_approval_makes_a_new_version_and_reopens_the_review(
    app: Flask, world: World, login: Any
) -> None:
    visit_id = create_visit(app, world, photos=1)
    reviewer = login("reviewer1")
    assert decision(reviewer, visit_id, "approve").status_code == 303
    assert _review(app, visit_id) == ("approved", 1)
    photo_id = add_photo(app, visit_id)
    assert _review(app, visit_id) == ("received", 2)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit is not None and visit.version == 2
        entry = db.session.scalar(sa.select(ReviewAuditEntry).where(ReviewAuditEntry.visit_id == visit_id,
                                                                    ReviewAuditEntry.action == "reopen"))
        assert entry is not None and entry.from_state == "approved" and entry.to_state == "received"
        assert entry.detail["change"] == "photo" and entry.detail["version"] == 2
        assert entry.detail["decided_version"] == 1
    page = english(reviewer).get(f"/review/visits/{visit_id}").get_data(as_text=True)
    assert 'data-review-state="received"' in page and photo_id in page
    assert 'data-audit-action="reopen"' in page and "back in review" in page
    assert visit_id in reviewer.get("/review/?state=received").get_data(as_text=True)
    # The reviewer decides the new version; the approval of version 1 stays in the audit trail.
    assert decision(reviewer, visit_id, "approve").status_code == 303
    assert _audit_actions(app, visit_id) == ["approve", "reopen", "approve"]


def test_a_correction_or_a_confirmation_after_a_decision_reopens_it(app: Flask, world: World, login: Any) -> None:
    mgr1, reviewer = login("mgr1"), login("reviewer1")
    visit_id = new_id()
    body = visit_body(world.merchants["a1_owned"], lat=WULIN[0], lon=WULIN[1], support="mgr2")
    created = put(mgr1, visit_id, body)
    assert decision(reviewer, visit_id, "reject", "照片不清楚").status_code == 303
    updated = put(mgr1, visit_id, dict(body, notes={"lead": "补充了说明"}), **{"If-Match": created.headers["ETag"]})
    assert updated.status_code == 200 and updated.get_json()["version"] == 2
    assert _review(app, visit_id) == ("received", 2)
    assert decision(reviewer, visit_id, "approve").status_code == 303
    confirmed = confirm(login("mgr2"), visit_id, "mgr2", member_body())
    assert confirmed.status_code == 201 and confirmed.get_json()["version"] == 3
    assert _review(app, visit_id) == ("received", 3)
    assert _audit_actions(app, visit_id) == ["reject", "reopen", "approve", "reopen"]


def test_a_visit_sent_back_is_corrected_without_reopening(app: Flask, world: World, login: Any) -> None:
    """Sent back means 'correct it': photos then come in the same round, and the resubmission hands it back."""
    visit_id = create_visit(app, world, photos=1)
    assert decision(login("reviewer1"), visit_id, "send_back", "补拍库存").status_code == 303
    add_photo(app, visit_id)
    assert _review(app, visit_id) == ("sent_back", 1)
    assert "reopen" not in _audit_actions(app, visit_id)


def test_a_replayed_photo_does_not_reopen(app: Flask, world: World, login: Any) -> None:
    """Only a change reopens: the phone sending the same photo again after the approval changes nothing."""
    mgr1 = login("mgr1")
    visit_id = new_id()
    assert put(mgr1, visit_id, visit_body(world.merchants["a1_owned"], lat=WULIN[0], lon=WULIN[1])).status_code == 201
    from tests.visit_helpers import jpeg_bytes, photo_form

    photo_id = new_id()
    url = f"/api/v1/visits/{visit_id}/photos/{photo_id}"
    assert mgr1.api("PUT", url, data=photo_form(jpeg_bytes(5)), content_type="multipart/form-data").status_code == 201
    assert decision(login("reviewer1"), visit_id, "approve").status_code == 303
    again = mgr1.api("PUT", url, data=photo_form(jpeg_bytes(5)), content_type="multipart/form-data")
    assert again.status_code == 200
    assert _review(app, visit_id) == ("approved", 1)


# --- nobody is framed by a visit someone else wrote --------------------------------------------------------------


def test_naming_a_colleague_as_lead_does_not_frame_them_with_impossible_travel(
    app: Flask, world: World, login: Any
) -> None:
    mgr1, mgr2 = login("mgr1"), login("mgr2")
    now = datetime.now(UTC)
    # mgr2 records a visit 20 km away, naming mgr1 as its lead (mgr2 is its support).
    far = point_at(20_000, 0.0)
    framing = visit_body(world.merchants["a1_other"], lead="mgr1", support="mgr2", lat=far[0], lon=far[1],
                         started_at=_iso(now - timedelta(minutes=6)))
    framing["checkin"]["captured_at"] = _iso(now - timedelta(minutes=5))
    framed_id = new_id()
    assert put(mgr2, framed_id, framing).status_code == 201
    # mgr1's genuine visit at the shop a minute later: no impossible travel.
    genuine = visit_body(world.merchants["a1_owned"], lat=WULIN[0], lon=WULIN[1],
                         started_at=_iso(now - timedelta(minutes=5)))
    genuine["checkin"]["captured_at"] = _iso(now - timedelta(minutes=4))
    response = put(mgr1, new_id(), genuine)
    assert response.status_code == 201
    assert "impossible_travel" not in [f["code"] for f in response.get_json()["flags"]]
    # The check-in is the writer's: mgr2's own next visit at the shop is compared with it.
    own = visit_body(world.merchants["a1_owned"], lead="mgr2", lat=WULIN[0], lon=WULIN[1],
                     started_at=_iso(now - timedelta(minutes=4)))
    own["checkin"]["captured_at"] = _iso(now - timedelta(minutes=3))
    mine = put(mgr2, new_id(), own)
    assert "impossible_travel" in [f["code"] for f in mine.get_json()["flags"]]
    with app.app_context():
        recorded = db.session.scalar(sa.select(VisitCheckin).where(VisitCheckin.visit_id == framed_id))
        assert recorded is not None and recorded.user_id == user_by_name("mgr2").id


def test_a_lead_named_by_someone_else_confirms_like_the_others(app: Flask, world: World, login: Any) -> None:
    mgr1, mgr2 = login("mgr1"), login("mgr2")
    visit_id = new_id()
    assert put(mgr2, visit_id, visit_body(world.merchants["a1_owned"], lead="mgr1", support="mgr2",
                                          lat=WULIN[0], lon=WULIN[1])).status_code == 201
    inbox = mgr1.get("/inbox/").get_data(as_text=True)
    assert visit_id in inbox
    page = mgr1.get(f"/visits/{visit_id}").get_data(as_text=True)
    assert 'data-member="mgr1" data-confirmed="no"' in page and 'data-member="mgr2" data-confirmed="writer"' in page
    confirmed = confirm(mgr1, visit_id, "mgr1", member_body())
    assert confirmed.status_code == 201
    assert confirmed.get_json()["squad"]["lead"]["username"] == "mgr1"
    assert 'data-member="mgr1" data-confirmed="yes"' in mgr1.get(f"/visits/{visit_id}").get_data(as_text=True)
    # The writer has nothing to confirm: the visit is their own word.
    assert confirm(mgr2, visit_id, "mgr2", member_body()).status_code == 403


def test_a_confirmation_far_from_ones_own_last_checkin_is_impossible_travel(
    app: Flask, world: World, login: Any
) -> None:
    """A confirmation is the member's own check-in, judged against their own other fixes like any other."""
    mgr1, mgr2 = login("mgr1"), login("mgr2")
    now = datetime.now(UTC)
    far = point_at(30_000, 180.0)
    elsewhere = visit_body(world.merchants["a1_other"], lead="mgr2", lat=far[0], lon=far[1],
                           started_at=_iso(now - timedelta(minutes=9)))
    elsewhere["checkin"]["captured_at"] = _iso(now - timedelta(minutes=8))
    assert put(mgr2, new_id(), elsewhere).status_code == 201
    visit_id = new_id()
    assert put(mgr1, visit_id, visit_body(world.merchants["a1_owned"], support="mgr2",
                                          lat=WULIN[0], lon=WULIN[1])).status_code == 201
    data = confirm(mgr2, visit_id, "mgr2", member_body()).get_json()
    travel = [f for f in data["flags"] if f["code"] == "impossible_travel"]
    assert len(travel) == 1 and travel[0]["evidence"]["member"] == "mgr2"


# --- the proposer never decides their own location proposal --------------------------------------------------


def _second_lead(app: Flask, world: World) -> None:
    with app.app_context():
        user, errors = save_user(UserInput(username="lead1b", display_name="赵敏", role="team_lead",
                                           sub_branch_id=world.sub_branches["A1"], team_id=world.teams["T1"],
                                           phone="13900000001", password="fieldwork-demo"))
        assert user is not None, errors
        db.session.commit()


def _proposal_of(app: Flask, visit_id: str) -> int:
    with app.app_context():
        proposal_id = db.session.scalar(sa.select(LocationProposal.id).where(LocationProposal.visit_id == visit_id))
    assert proposal_id is not None
    return proposal_id


def test_a_lead_never_decides_a_proposal_from_their_own_checkin(app: Flask, world: World, login: Any) -> None:
    _second_lead(app, world)
    lead1 = english(login("lead1"))
    visit_id = new_id()
    point = point_at(30, 0.0)
    body = visit_body(world.merchants["a1_unlocated"], lead="lead1", lat=point[0], lon=point[1], accuracy=8.0)
    assert put(lead1, visit_id, body).status_code == 201
    proposal_id = _proposal_of(app, visit_id)
    assert f'data-proposal="{proposal_id}"' not in lead1.get("/location-proposals").get_data(as_text=True)
    for action in ("confirm", "reject"):
        refused = lead1.post(f"/location-proposals/{proposal_id}/{action}")
        assert refused.status_code == 403
        assert "another team lead" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LocationProposal, proposal_id).status == "pending"  # type: ignore[union-attr]
    other = login("lead1b")
    assert f'data-proposal="{proposal_id}"' in other.get("/location-proposals").get_data(as_text=True)
    assert other.post(f"/location-proposals/{proposal_id}/confirm").status_code == 303
    with app.app_context():
        assert db.session.get(LocationProposal, proposal_id).status == "confirmed"  # type: ignore[union-attr]


def test_a_lead_in_the_squad_of_the_proposing_visit_does_not_decide_it(
    app: Flask, world: World, login: Any
) -> None:
    visit_id = new_id()
    point = point_at(30, 0.0)
    body = visit_body(world.merchants["a1_unlocated"], support="lead1", lat=point[0], lon=point[1], accuracy=8.0)
    assert put(login("mgr1"), visit_id, body).status_code == 201
    proposal_id = _proposal_of(app, visit_id)
    with app.app_context():
        proposal = db.session.get(LocationProposal, proposal_id)
        assert proposal is not None and proposal.proposed_by_id == user_by_name("mgr1").id
    assert login("lead1").post(f"/location-proposals/{proposal_id}/confirm").status_code == 403
