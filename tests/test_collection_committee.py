"""The overdue report and the credit committee: report written, returned, forwarded; a meeting with its members
and cases; decisions with actions; progress updates on the committee's rhythm; the committee's permission."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.collection_helpers import DAY, case_of, china, log_call, open_by_book
from tests.factories import World, user_by_name
from webapp.collection.boards import lead_board
from webapp.collection.committee import decide, ready_for_committee, record_meeting
from webapp.collection.reports import add_attachment, review_report, save_report
from webapp.collection.settings import set_grant
from webapp.collection.updates import complete_action, post_update
from webapp.errors import AppError, Conflict, Forbidden, Invalid
from webapp.extensions import db
from webapp.inbox.collect import inbox_items
from webapp.models import CommitteeAction, CommitteeDecision, OverdueReport
from webapp.scope import can_record_committee
from webapp.write_kernel import WriteContext

NEXT = DAY + timedelta(days=1)
REPORT = {"cause": "business_downturn", "situation": "客流下降三成，进货款压在库存里。", "proposal": "reminder_plan",
          "proposal_detail": "每周电话提醒，月底前分两次还清。"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ctx(username: str, moment: Any) -> WriteContext:
    return WriteContext(actor=user_by_name(username), now=moment)


def kinds(username: str, moment: Any) -> list[str]:
    return [item.kind for item in inbox_items(user_by_name(username), moment)]


def forwarded_report(moment: Any) -> OverdueReport:
    """A case with a first contact and a report the lead forwarded to the committee."""
    case = open_by_book()
    log_call(case, china(NEXT, 9, 10))
    report = save_report(ctx("mgr1", moment), case_of("JJ0001"), REPORT, submit=True)
    review_report(ctx("lead1", moment), report, "accept", "")
    db.session.commit()
    return report


def test_the_report_goes_to_the_lead_and_back(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        moment = china(NEXT, 15)
        draft = save_report(ctx("mgr1", moment), case, REPORT, submit=False)
        db.session.commit()
        assert draft.status == "draft" and "collection_report_review" not in kinds("lead1", moment)
        report = save_report(ctx("mgr1", moment), case_of("JJ0001"), {**REPORT, "proposal": "extension"}, submit=True)
        db.session.commit()
        assert report.id == draft.id and report.status == "submitted" and report.proposal == "extension"
        assert "collection_report_review" in kinds("lead1", moment)
        with pytest.raises(Conflict):
            save_report(ctx("mgr1", moment), case_of("JJ0001"), REPORT, submit=False)
        db.session.rollback()
        with pytest.raises(Invalid) as missing_note:
            review_report(ctx("lead1", moment), report, "return", "  ")
        assert set(missing_note.value.fields) == {"review_note"}
        with pytest.raises(Invalid):
            review_report(ctx("lead1", moment), report, "approve", "")
        for outsider in ("mgr1", "mgr2", "reviewer1"):
            with pytest.raises(Forbidden):
                review_report(ctx(outsider, moment), report, "accept", "")
        review_report(ctx("lead1", moment), report, "return", "请补充库存照片")
        db.session.commit()
        assert "collection_report_returned" in kinds("mgr1", moment)
        assert "collection_report_review" not in kinds("lead1", moment)
        with pytest.raises(Conflict):
            review_report(ctx("lead1", moment), report, "accept", "")
        db.session.rollback()
        again = save_report(ctx("mgr1", moment), case_of("JJ0001"), REPORT, submit=True)
        review_report(ctx("lead1", moment), again, "accept", "")
        db.session.commit()
        assert again.id == report.id and again.status == "accepted"
        assert [r.id for r in ready_for_committee(world.branch_id)] == [report.id]


def test_report_writes_refuse_what_they_must(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        moment = china(NEXT, 15)
        with pytest.raises(Forbidden):
            save_report(ctx("lead1", moment), case, REPORT, submit=False)
        for field, value in (("cause", "bad_luck"), ("situation", ""), ("proposal", None), ("situation", "x" * 4001)):
            with pytest.raises(Invalid) as error:
                save_report(ctx("mgr1", moment), case, {**REPORT, field: value}, submit=True)
            assert set(error.value.fields) == {field}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OverdueReport)) == 0


def test_attachments_are_checked_by_content(app: Flask, world: World) -> None:
    with app.test_request_context():
        case = open_by_book()
        moment = china(NEXT, 15)
        report = save_report(ctx("mgr1", moment), case, REPORT, submit=False)
        attachment = add_attachment(ctx("mgr1", moment), report, "../../etc/还款计划.pdf", PDF)
        assert attachment.file_name == "还款计划.pdf" and attachment.content_type == "application/pdf"
        png = add_attachment(ctx("mgr1", moment), report, "shop.exe", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
        assert png.file_name == "shop.png"
        with pytest.raises(AppError) as wrong_type:
            add_attachment(ctx("mgr1", moment), report, "fake.pdf", b"MZ\x90\x00 not a pdf")
        assert wrong_type.value.status == 415
        with pytest.raises(AppError) as empty:
            add_attachment(ctx("mgr1", moment), report, "empty.pdf", b"")
        assert empty.value.status == 422
        app.config["COLLECTION_ATTACHMENT_MAX_BYTES"] = 1024
        with pytest.raises(AppError) as big:
            add_attachment(ctx("mgr1", moment), report, "big.pdf", PDF + b"0" * 2000)
        assert big.value.status == 413
        app.config["COLLECTION_ATTACHMENTS_PER_REPORT"] = 2
        with pytest.raises(Conflict):
            add_attachment(ctx("mgr1", moment), report, "third.pdf", PDF)
        with pytest.raises(Forbidden):
            add_attachment(ctx("lead1", moment), report, "lead.pdf", PDF)


def test_the_committee_flow_with_actions_and_progress(app: Flask, world: World) -> None:
    with app.test_request_context():
        moment = china(NEXT, 15)
        report = forwarded_report(moment)
        meeting_day = NEXT + timedelta(days=2)
        at_meeting = china(meeting_day, 16)
        members = [str(user_by_name(name).id) for name in ("reviewer1", "lead1")]
        meeting = record_meeting(ctx("reviewer1", at_meeting), {
            "held_on": meeting_day.isoformat(), "member_ids": members, "report_ids": [str(report.id)],
            "other_members": "法律顾问 周律师", "note": "月度审贷会"})
        db.session.commit()
        assert report.status == "presented" and report.meeting_id == meeting.id
        decision = db.session.scalar(sa.select(CommitteeDecision).where(CommitteeDecision.meeting_id == meeting.id))
        assert decision is not None and decision.outcome is None
        mgr1, lead1 = user_by_name("mgr1").id, user_by_name("lead1").id
        decide(ctx("reviewer1", at_meeting), decision, {
            "outcome": "continue", "text": "继续催收，月底前还清；每周汇报。", "update_every_days": "7",
            "actions": [{"text": "每周电话提醒", "owner_id": str(mgr1), "due_on": (meeting_day + timedelta(days=7)).isoformat()},
                        {"text": "上门核实库存", "owner_id": str(lead1), "due_on": (meeting_day + timedelta(days=3)).isoformat()},
                        {"text": "", "owner_id": "", "due_on": ""}]})
        db.session.commit()
        case = case_of("JJ0001")
        assert case.status == "open" and case.update_every_days == 7
        assert case.next_update_due_at == at_meeting + timedelta(days=7)
        actions = db.session.scalars(sa.select(CommitteeAction).order_by(CommitteeAction.id)).all()
        assert [(a.text, a.owner_id, a.status) for a in actions] == [
            ("每周电话提醒", mgr1, "open"), ("上门核实库存", lead1, "open")]
        assert "collection_decision_recorded" in kinds("mgr1", at_meeting)
        assert "collection_action" in kinds("lead1", at_meeting)
        with pytest.raises(Conflict):
            decide(ctx("reviewer1", at_meeting), decision, {"outcome": "write_off", "text": "改主意"})
        db.session.rollback()
        # Eight days on, no update: it falls due in the inbox and on the lead board.
        late = at_meeting + timedelta(days=8)
        assert "collection_update_due" in kinds("mgr1", late)
        assert [c.id for c in lead_board(user_by_name("lead1"), late).without_update] == [case.id]
        update = post_update(ctx("mgr1", late), case_of("JJ0001"), "7d0f9a38-5bd9-4c5e-9c0e-5a7f0e7e2b01",
                             {"text": "已电话提醒，客户承诺周五还两千。", "done_action_ids": [str(actions[0].id)]})
        db.session.commit()
        assert update.text.startswith("已电话提醒")
        assert db.session.get(CommitteeAction, actions[0].id).status == "done"  # type: ignore[union-attr]
        assert case_of("JJ0001").next_update_due_at == late + timedelta(days=7)
        assert "collection_update_due" not in kinds("mgr1", late + timedelta(minutes=1))
        # The same update again is a replay.
        assert post_update(ctx("mgr1", late), case_of("JJ0001"), "7d0f9a38-5bd9-4c5e-9c0e-5a7f0e7e2b01",
                           {"text": "已电话提醒，客户承诺周五还两千。"}).id == update.id
        with pytest.raises(Invalid):
            post_update(ctx("mgr1", late), case_of("JJ0001"), "5b1f0e3e-0c7e-4b7e-9a55-1f0f4c2e9d02",
                        {"text": "x", "done_action_ids": [str(actions[0].id)]})  # already done
        with pytest.raises(Forbidden):
            post_update(ctx("mgr2", late), case_of("JJ0001"), "5b1f0e3e-0c7e-4b7e-9a55-1f0f4c2e9d03", {"text": "x"})
        # The lead carries out their own action.
        complete_action(ctx("lead1", late), db.session.get(CommitteeAction, actions[1].id), "库存正常")  # type: ignore[arg-type]
        db.session.commit()
        with pytest.raises(Conflict):
            complete_action(ctx("lead1", late), db.session.get(CommitteeAction, actions[1].id), "再来")  # type: ignore[arg-type]
        db.session.rollback()
        with pytest.raises(Forbidden):
            complete_action(ctx("mgr7", late), db.session.get(CommitteeAction, actions[1].id), "x")  # type: ignore[arg-type]


def test_a_closing_decision_closes_the_case_with_its_reason(app: Flask, world: World) -> None:
    with app.test_request_context():
        moment = china(NEXT, 15)
        report = forwarded_report(moment)
        meeting = record_meeting(ctx("reviewer1", moment), {
            "held_on": NEXT.isoformat(), "member_ids": [str(user_by_name("reviewer1").id)],
            "report_ids": [str(report.id)]})
        decision = meeting.decisions[0]
        decide(ctx("reviewer1", moment), decision, {"outcome": "legal_action", "text": "移交法务起诉。"})
        db.session.commit()
        case = case_of("JJ0001")
        assert case.status == "closed" and case.close_reason == "legal_action"
        assert case.closed_by.username == "reviewer1" and case.close_note == "移交法务起诉。"  # type: ignore[union-attr]
        assert case.update_every_days is None


def test_meeting_and_decision_inputs_are_checked(app: Flask, world: World) -> None:
    with app.test_request_context():
        moment = china(NEXT, 15)
        report = forwarded_report(moment)
        member = str(user_by_name("reviewer1").id)
        good = {"held_on": NEXT.isoformat(), "member_ids": [member], "report_ids": [str(report.id)]}
        for changes, field in (({"held_on": ""}, "held_on"), ({"held_on": "2027-01-01"}, "held_on"),
                               ({"member_ids": []}, "member_ids"),
                               ({"member_ids": [str(user_by_name("reviewerb").id)]}, "member_ids"),
                               ({"member_ids": ["abc"]}, "member_ids"), ({"report_ids": []}, "report_ids"),
                               ({"report_ids": ["999"]}, "report_ids"), ({"note": "x" * 2001}, "note")):
            with pytest.raises(Invalid) as error:
                record_meeting(ctx("reviewer1", moment), {**good, **changes})
            assert set(error.value.fields) == {field}, changes
        for username in ("mgr1", "lead1", "admin"):
            with pytest.raises(Forbidden):
                record_meeting(ctx(username, moment), good)
        meeting = record_meeting(ctx("reviewer1", moment), good)
        decision = meeting.decisions[0]
        owner = str(user_by_name("mgr1").id)
        day = (NEXT + timedelta(days=5)).isoformat()
        for body, field in (({"outcome": "pardon", "text": "x", "update_every_days": "7"}, "outcome"),
                            ({"outcome": "continue", "text": "", "update_every_days": "7"}, "text"),
                            ({"outcome": "continue", "text": "x", "update_every_days": ""}, "update_every_days"),
                            ({"outcome": "continue", "text": "x", "update_every_days": "0"}, "update_every_days"),
                            ({"outcome": "continue", "text": "x", "update_every_days": "7",
                              "actions": [{"text": "打电话", "owner_id": "", "due_on": day}]}, "actions.0.owner_id"),
                            ({"outcome": "continue", "text": "x", "update_every_days": "7",
                              "actions": [{"text": "打电话", "owner_id": str(user_by_name("mgrb").id), "due_on": day}]},
                             "actions.0.owner_id"),
                            ({"outcome": "continue", "text": "x", "update_every_days": "7",
                              "actions": [{"text": "打电话", "owner_id": owner, "due_on": "2020-01-01"}]},
                             "actions.0.due_on"),
                            ({"outcome": "continue", "text": "x", "update_every_days": "7",
                              "actions": [{"text": "", "owner_id": owner, "due_on": day}]}, "actions.0.text"),
                            ({"outcome": "continue", "text": "x", "update_every_days": "7", "actions": "many"},
                             "actions")):
            with pytest.raises(Invalid) as error:
                decide(ctx("reviewer1", moment), decision, body)
            assert field in error.value.fields, body
        assert decision.outcome is None


def test_the_admin_grants_and_withdraws_the_committee_permission(app: Flask, world: World) -> None:
    with app.test_request_context():
        admin = ctx("admin", china(DAY, 9))
        assert can_record_committee(user_by_name("reviewer1"))
        assert not can_record_committee(user_by_name("lead1"))
        set_grant(admin, user_by_name("lead1").id, "grant")
        set_grant(admin, user_by_name("reviewer1").id, "withdraw")
        db.session.commit()
        assert can_record_committee(user_by_name("lead1"))
        assert not can_record_committee(user_by_name("reviewer1"))
        set_grant(admin, user_by_name("reviewer1").id, "default")
        db.session.commit()
        assert can_record_committee(user_by_name("reviewer1"))
        with pytest.raises(Invalid):
            set_grant(admin, user_by_name("lead1").id, "maybe")
        with pytest.raises(AppError) as other_branch:
            set_grant(admin, user_by_name("reviewerb").id, "grant")
        assert other_branch.value.status == 404
