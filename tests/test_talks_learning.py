"""Performance talks (figures attached, actions in both inboxes, suggestions after days under target) and
learning (study sessions, shares, team-building briefs whose photos go through the photo pipeline)."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.factories import World, user_by_name
from tests.metrics_helpers import at, body, write
from tests.visit_helpers import jpeg_bytes, new_id
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.meetings.talk_inbox import working_days_before
from webapp.metrics.definitions import Definitions
from webapp.models import PerformanceTalk, StudySession, TalkAction, TeamBriefPhoto


def _talk_form(manager_id: int, **extra: str) -> dict[str, str]:
    today = bank_today()
    return {"manager_id": str(manager_id), "held_on": today.isoformat(), "knowledge_ours": "4",
            "knowledge_peers": "2", "sales_skill": "3", "morale": "5", "summary": "转化偏低，需加强促成技巧",
            "action-0-text": "每周两次主聊", "action-0-due": (today + timedelta(days=2)).isoformat(),
            "action-1-text": "整理同业产品对比", "action-1-due": (today - timedelta(days=0)).isoformat(), **extra}


def test_a_talk_carries_the_managers_figures_and_its_actions_reach_both_inboxes(app: Flask, world: World,
                                                                                login: Any) -> None:
    with app.app_context():
        mgr2 = user_by_name("mgr2").id
        write("mgr2", new_id(), body(world.merchants["a1_owned"], at(bank_today(), 0, 5), lead="mgr2",
                                     deals=("credit_card",)), now=at(bank_today(), 0, 10))
        db.session.commit()
    lead = login("lead1")
    assert "张伟" in lead.get(f"/meetings/talks/new?manager_id={mgr2}").get_data(as_text=True)
    response = lead.post("/meetings/talks/new", _talk_form(mgr2))
    assert response.status_code == 303
    talk_url = response.headers["Location"]
    with app.app_context():
        talk = db.session.scalar(sa.select(PerformanceTalk))
        assert talk is not None and talk.lead_id == user_by_name("lead1").id
        assert talk.figures["month"]["actual"]["consultations"] == 1
        assert talk.figures["month"]["by_product"]["credit_card"] == 1 and len(talk.figures["weeks"]) == 6
        assert [a.text for a in talk.actions] == ["整理同业产品对比", "每周两次主聊"]
        first_action = talk.actions[0].id
    for username in ("mgr2", "lead1"):
        inbox = login(username).get("/inbox/").get_data(as_text=True)
        assert "整理同业产品对比" in inbox and "每周两次主聊" in inbox, username
    assert "整理同业产品对比" not in login("mgr1").get("/inbox/").get_data(as_text=True)
    # The talk is theirs: the manager reads it, a colleague and the branch do not.
    assert login("mgr2").get(talk_url).status_code == 200
    assert login("mgr1").get(talk_url).status_code == 404
    assert login("reviewer1").get(talk_url).status_code == 403
    assert login("mgr2").post(f"/meetings/talks/actions/{first_action}/done").status_code == 303
    assert "整理同业产品对比" not in login("lead1").get("/inbox/").get_data(as_text=True)
    assert login("mgr1").post(f"/meetings/talks/actions/{first_action}/done").status_code == 404


def test_bad_talks_are_refused(app: Flask, world: World, login: Any) -> None:
    with app.app_context():
        mgr2, mgr7, lead1 = user_by_name("mgr2").id, user_by_name("mgr7").id, user_by_name("lead1").id
    lead = login("lead1")
    for bad in ({"morale": "6"}, {"sales_skill": ""}, {"held_on": "2001-01-01"}, {"held_on": "tomorrow"},
                {"action-0-due": ""}, {"action-0-text": "", "action-0-due": bank_today().isoformat()},
                {"action-0-due": "2001-01-01"}, {"summary": "x" * 2001}):
        assert lead.post("/meetings/talks/new", _talk_form(mgr2, **bad)).status_code == 422, bad
    assert lead.post("/meetings/talks/new", _talk_form(mgr7)).status_code == 404
    assert lead.post("/meetings/talks/new", _talk_form(lead1)).status_code == 404
    assert lead.get("/meetings/talks/new?manager_id=abc").status_code == 404
    assert login("mgr1").post("/meetings/talks/new", _talk_form(mgr2)).status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PerformanceTalk)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TalkAction)) == 0


def test_a_talk_is_suggested_after_days_under_target(app: Flask, world: World, login: Any) -> None:
    definitions = Definitions()
    days = working_days_before(bank_today(), definitions.talk_after_days, definitions)
    assert len(days) == 5 and all(d.weekday() < 5 for d in days)
    with app.app_context():
        mgr1, mgr2 = user_by_name("mgr1").id, user_by_name("mgr2").id
    lead = login("lead1")
    for day in days:
        lead.post(f"/meetings/targets/teams/{world.teams['T1']}?period=day&start={day.isoformat()}",
                  {f"t-{mgr1}-consultations": "1", f"t-{mgr2}-consultations": "1"})
    with app.app_context():  # mgr2 met the target on the last day: no suggestion for them
        write("mgr2", new_id(), body(world.merchants["a1_owned"], at(days[-1], 10), lead="mgr2"), now=at(days[-1], 11))
        db.session.commit()
    inbox = lead.get("/inbox/").get_data(as_text=True)
    assert "与王芳面谈：已连续 5 个工作日未达标" in inbox
    assert "与张伟面谈" not in inbox
    assert "未达标" not in login("mgr1").get("/inbox/").get_data(as_text=True)
    assert "王芳" in lead.get("/meetings/talks/").get_data(as_text=True)
    assert lead.post("/meetings/talks/new", _talk_form(mgr1)).status_code == 303
    assert "与王芳面谈：已连续" not in lead.get("/inbox/").get_data(as_text=True)


def test_study_sessions_and_shares_are_recorded(app: Flask, world: World, login: Any) -> None:
    with app.app_context():
        mgr1, mgr7 = user_by_name("mgr1").id, user_by_name("mgr7").id
    lead = login("lead1")
    form = {"topic": "监管新规学习", "held_on": bank_today().isoformat(), "notes": "", "attendees": [str(mgr1)]}
    assert lead.post("/meetings/learning/studies", form).status_code == 303
    assert lead.post("/meetings/learning/studies", {**form, "attendees": [str(mgr7)]}).status_code == 422
    assert lead.post("/meetings/learning/studies", {**form, "attendees": ["x"]}).status_code == 422
    assert lead.post("/meetings/learning/studies", {**form, "topic": ""}).status_code == 422
    assert login("mgr1").post("/meetings/learning/studies", form).status_code == 403
    reviewer = login("reviewer1")
    assert reviewer.post("/meetings/learning/studies", {**form, "attendees": [str(mgr1), str(mgr7)]}).status_code == 303
    with app.app_context():
        sessions = list(db.session.scalars(sa.select(StudySession).order_by(StudySession.id)))
        assert [len(s.attendees) for s in sessions] == [1, 2] and sessions[1].sub_branch_id is None
    login("mgr1").post(f"/meetings/teams/{world.teams['T1']}/items", {
        "day": bank_today().isoformat(), "kind": "success_story", "title": "面馆续贷成功", "shared_by": "mgr1"})
    page = login("mgr7").get("/meetings/learning/").get_data(as_text=True)
    assert "监管新规学习" in page  # the branch's session, for every sub-branch
    assert "面馆续贷成功" not in page  # a share of another sub-branch
    assert "面馆续贷成功" in login("lead1").get("/meetings/learning/").get_data(as_text=True)


def test_team_building_briefs_and_their_photos(app: Flask, world: World, login: Any) -> None:
    lead = login("lead1")
    response = lead.post("/meetings/learning/briefs", {"title": "环湖徒步", "held_on": bank_today().isoformat(),
                                                       "body": "全队参加"})
    assert response.status_code == 303
    brief_url = response.headers["Location"]
    assert lead.post("/meetings/learning/briefs", {"title": "", "held_on": bank_today().isoformat()}).status_code == 422
    assert login("mgr1").post("/meetings/learning/briefs", {"title": "x", "held_on": "2026-01-01"}).status_code == 403
    photo_id = new_id()
    upload = f"{brief_url}/photos"
    data = jpeg_bytes(7)
    sent = lead.post(upload, {"photo_id": photo_id, "file": (io.BytesIO(data), "team.jpg")},
                     content_type="multipart/form-data")
    assert sent.status_code == 303
    again = lead.post(upload, {"photo_id": photo_id, "file": (io.BytesIO(data), "team.jpg")},
                      content_type="multipart/form-data")
    assert again.status_code == 303  # the same photo again changes nothing
    other = lead.post(upload, {"photo_id": photo_id, "file": (io.BytesIO(jpeg_bytes(8)), "team.jpg")},
                      content_type="multipart/form-data")
    assert other.status_code == 409
    assert lead.post(upload, {"photo_id": new_id(), "file": (io.BytesIO(b"GIF89a not a photo"), "x.gif")},
                     content_type="multipart/form-data").status_code == 415
    assert lead.post(upload, {"photo_id": "nope"}, content_type="multipart/form-data").status_code == 422
    assert login("mgr7").post(upload, {"photo_id": new_id(), "file": (io.BytesIO(data), "t.jpg")},
                              content_type="multipart/form-data").status_code == 404
    with app.app_context():
        photos = list(db.session.scalars(sa.select(TeamBriefPhoto)))
        assert len(photos) == 1 and photos[0].storage_key != f"{photo_id[:2]}/{photo_id}"
    thumb = login("mgr1").get(f"/meetings/learning/photos/{photo_id}/thumb.jpg")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg" and thumb.data[:3] == b"\xff\xd8\xff"
    thumb.close()
    assert login("mgr7").get(f"/meetings/learning/photos/{photo_id}/thumb.jpg").status_code == 404
    display = login("reviewer1").get(f"/meetings/learning/photos/{photo_id}/display.jpg")
    assert display.status_code == 200
    display.close()
    wall = login("mgr1").get("/meetings/learning/").get_data(as_text=True)
    assert "环湖徒步" in wall and re.search(rf"/meetings/learning/photos/{photo_id}/thumb.jpg", wall)
