"""Collection records for the role x route x sub-branch matrix: in A1, A2 (branch HZ) and B1 (branch NB) a loan
overdue on the book, its case, a forwarded report with an attachment, a committee meeting with a decision and
an action, each made through the one write path of its kind."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import World, user_by_name
from tests.loan_helpers import loan_row, run_import
from webapp.bank_time import bank_today
from webapp.collection.committee import decide, record_meeting
from webapp.collection.reports import add_attachment, review_report, save_report
from webapp.collection.settings import set_head
from webapp.extensions import db
from webapp.models import CollectionCase, Loan
from webapp.write_kernel import WriteContext

# target -> (loan number, merchant code, borrower, owner, reviewer of the report, committee recorder)
PLACES = {"A1": ("MX-A1", "A1-001", "老王面馆", "mgr1", "lead1", "reviewer1"),
          "A2": ("MX-A2", "A2-001", "鑫源服装批发", "mgr7", "lead2", "reviewer1"),
          "B1": ("MX-B1", "B1-001", "海曙小吃", "mgrb", "reviewerb", "reviewerb")}
REPORT = {"cause": "business_downturn", "situation": "客流下降。", "proposal": "reminder_plan"}


def build_collection(world: World) -> dict[str, dict[str, dict[str, Any]]]:
    now = datetime.now(UTC)
    today = bank_today(now)

    def ctx(name: str) -> WriteContext:
        return WriteContext(actor=user_by_name(name), now=now)

    # B1 has no team lead: its sub-branch head (reviewerb) reviews its reports.
    set_head(ctx("reviewerb"), world.sub_branches["B1"], str(user_by_name("reviewerb").id))
    for target, importer in (("A1", "admin"), ("A2", "admin"), ("B1", "reviewerb")):
        number, merchant, borrower, owner, _reviewer, _recorder = PLACES[target]
        row = loan_row(number, sub=target, merchant=merchant, borrower=borrower, manager=owner, status="逾期",
                       dpd="5", overdue="1000.00")
        run_import([row], as_of=today, actor=importer, now=now - timedelta(hours=1))
    ids: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in (
        "case", "loan", "report", "attachment", "action", "meeting", "meeting_case")}
    for target, (number, _merchant, _borrower, owner, reviewer, recorder) in PLACES.items():
        loan = db.session.scalar(db.select(Loan).where(Loan.loan_number == number))
        case = db.session.scalar(db.select(CollectionCase).where(CollectionCase.loan_id == loan.id))  # type: ignore[union-attr]
        assert loan is not None and case is not None
        report = save_report(ctx(owner), case, REPORT, submit=False)
        attachment = add_attachment(ctx(owner), report, "计划.pdf", b"%PDF-1.4\n%%EOF\n")
        report = save_report(ctx(owner), case, REPORT, submit=True)
        review_report(ctx(reviewer), report, "accept", "")
        meeting = record_meeting(ctx(recorder), {"held_on": today.isoformat(), "report_ids": [str(report.id)],
                                                 "member_ids": [str(user_by_name(recorder).id)]})
        decision = meeting.decisions[0]
        decide(ctx(recorder), decision, {"outcome": "continue", "text": "继续催收", "update_every_days": "7",
                                         "actions": [{"text": "电话提醒", "owner_id": str(case.owner_id),
                                                      "due_on": today.isoformat()}]})
        db.session.commit()
        ids["case"][target] = {"case_id": case.id}
        ids["loan"][target] = {"loan_id": loan.id}
        ids["report"][target] = {"report_id": report.id}
        ids["attachment"][target] = {"report_id": report.id, "attachment_id": attachment.id}
        ids["action"][target] = {"action_id": decision.actions[0].id}
        ids["meeting"][target] = {"meeting_id": meeting.id}
        ids["meeting_case"][target] = {"meeting_id": meeting.id, "case_id": case.id}
    return ids
