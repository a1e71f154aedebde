"""A world whose every user-text field holds markup that is also a formula, for the output-encoding tests.

Each field gets its own payload, ``<start>HYPERLINK("//e.x","<img src=x data-xss=<field>>")``,
whose start cycles through the characters a spreadsheet reads as a formula (``= + - @``). Rendered as HTML
anywhere (a page, a Leaflet tooltip, the lightbox) it would create an element carrying ``data-xss``; written
into a sheet or a CSV as it is, it would be a live formula. The tests look for either. A column too short for it
(a code, a person's name) gets ``<start><b data-xss=<field>>``, so that no two fields hold the same text.
Records are made through the app's own write paths where people make them; a person's display name and the
organisation's names, which admins type, are set on the rows.

How a new module joins (tests/test_output_encoding.py then covers it without further edits):

1. ``BUILDERS``: append a function ``(app, hostile) -> None`` that makes the module's records through its
   write path, with ``hostile.text("<field>")`` as every user-text value (a loan's purpose, a meeting's
   minutes...), and puts the ids its routes take into ``hostile.ids`` (``{"loan_id": ...}``). Every GET
   route whose arguments ``hostile.ids`` fills is then opened by every user in ``USERS`` and parsed.
   A GET route with an argument no builder fills fails ``test_every_page_route_is_opened`` unless it is
   named in ``UNOPENED_ROUTES`` with the reason.
2. ``EXPORTS``: add every file route (a URL ending ``.xlsx``, ``.csv``, ``.zip`` or ``.pdf``; the test fails
   for one not listed) with who downloads it, its format and the fields that must be in it as text.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.conftest import login_client
from tests.factories import WULIN, World, add_merchant, build_world, user_by_name
from tests.photo_samples import jpeg_bytes as exif_jpeg
from tests.photo_samples import make_exif, shop_scene
from tests.visit_helpers import jpeg_bytes, new_id, visit_body
from webapp.bank_time import BANK_ZONE, bank_today
from webapp.collection.committee import decide, record_meeting
from webapp.collection.reports import add_attachment, review_report, save_report
from webapp.collection.updates import complete_action, post_update
from webapp.collection.write import log_contact
from webapp.extensions import db
from webapp.loans.importer import import_loans
from webapp.loans.reader import read_loan_file
from webapp.meetings.items import add_meeting_item, record_miss_reason
from webapp.meetings.learning import add_brief_photo, create_brief, record_study_session
from webapp.meetings.schemes import decide_scheme, propose_scheme, save_scheme
from webapp.meetings.talks import record_talk
from webapp.models import PERSON_RELATIONS, CollectionCase, Loan, ScheduledCheck, SubBranch, Team, VisitFlag
from webapp.postloan.offsite import put_offsite
from webapp.postloan.report import put_report
from webapp.postloan.risk import add_action, raise_manual_warning
from webapp.postloan.schedule import add_months
from webapp.postloan.write import waive_check
from webapp.write_kernel import WriteContext

STARTS = ("=", "+", "-", "@")
MARK = "data-xss"
# Who opens every page of the hostile world (one of each role, two managers: lead and support of the visit).
USERS = ("mgr1", "mgr2", "lead1", "reviewer1", "admin")
DUE_MERCHANT_CODE = "H-DUE"


def payload(name: str, index: int = 0) -> str:
    """The hostile text for one field: markup inside a formula."""
    start = STARTS[index % len(STARTS)]
    return f'{start}HYPERLINK("//e.x","<img src=x {MARK}={name}>")'


def short_payload(name: str, index: int = 0) -> str:
    """For a short column (a code, a person's name: 40 characters): a whole element after a formula's start,
    rather than the long payload cut before its mark (which would be the same text in every such field)."""
    return f"{STARTS[index % len(STARTS)]}<b {MARK}={name}>"


@dataclass
class Hostile:
    """The world, the hostile text of each field by name, and the ids the app's routes take."""

    world: World
    texts: dict[str, str] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)

    def text(self, name: str, limit: int | None = None) -> str:
        """A new field's payload (the short one where the column's ``limit`` is too short for it), remembered
        under its name as stored, so the tests can look for it; no two fields hold the same text."""
        assert name not in self.texts, f"field {name!r} named twice"
        text = payload(name, len(self.texts))
        if limit is not None and len(text) > limit:
            text = short_payload(name, len(self.texts))[:limit]
        assert len(set(self.texts.values()) | {text}) == len(self.texts) + 1, f"{name!r} is another field's text"
        self.texts[name] = text
        return text

    def link(self, name: str) -> str:
        """A web address (no spaces, as links are checked) that would close its ``href`` and open an element."""
        assert name not in self.texts, f"field {name!r} named twice"
        self.texts[name] = f'https://e.x/"><img/{MARK}={name}>'
        return self.texts[name]

    @property
    def merchant_id(self) -> int:
        return int(self.ids["merchant_id"])

    @property
    def visit_id(self) -> str:
        return str(self.ids["visit_id"])

    @property
    def sweep_day_id(self) -> int:
        return int(self.ids["sweep_day_id"])


@dataclass(frozen=True)
class Export:
    """A file the app writes for people to open elsewhere: who downloads it in the hostile world, its format
    (``xlsx``, ``csv``, ``zip:<member.csv>`` or ``pdf``) and the fields whose payload must be in it, as text."""

    endpoint: str
    username: str
    fmt: str
    fields: tuple[str, ...]


EXPORTS: list[Export] = [
    Export("sweeps.export", "lead1", "xlsx",
           ("merchant_name", "district", "address", "next_step", "team", "sub_branch", "name_mgr1")),
    Export("review.export_archive", "reviewer1", "zip:manifest.csv", ("merchant_name", "exif_software")),
    Export("review.record_pdf", "reviewer1", "pdf",
           ("merchant_name", "next_step", "note_lead", "send_back_reason", "flag_reason", "abnormal_detail")),
    Export("postloan.report_file", "mgr1", "pdf",
           ("merchant_name", "code", "name_mgr1", "sub_branch", "loan_number", "loan_product", "loan_purpose",
            "repayment_note", "interview_summary", "web_note", "web_link", "check_conclusion")),
    Export("collection.report_pdf_file", "lead1", "pdf",
           ("borrower_name", "overdue_loan_number", "name_mgr1", "name_lead1", "sub_branch", "contact_answer",
            "report_situation", "report_proposal", "review_note", "decision_text", "committee_action_1",
            "committee_action_2")),
    Export("collection.register_export", "reviewer1", "xlsx",
           ("overdue_loan_number", "borrower_name", "name_mgr1", "sub_branch")),
    Export("meetings.weekly_export", "lead1", "xlsx", ("name_mgr1", "name_mgr2", "name_mgr3", "name_lead1")),
    Export("meetings.monthly_export", "lead1", "xlsx", ("name_mgr1", "name_mgr2", "name_mgr3", "name_lead1")),
    Export("meetings.branch_monthly_export", "reviewer1", "xlsx", ("sub_branch",)),
    Export("channels.register_export", "lead1", "xlsx",
           ("channel_name", "channel_place", "channel_terms_rate", "channel_terms_fees", "channel_terms_note",
            "channel_contact", "channel_contact_role", "sub_branch", "name_mgr1")),
    Export("market.summary_export", "reviewer1", "xlsx",
           ("peer_bank", "peer_product", "peer_threshold", "peer_strengths", "peer_weaknesses", "peer_marketing",
            "our_product", "our_threshold", "name_mgr1")),
    Export("market.survey_export", "reviewer1", "xlsx",
           ("survey_question", "survey_choice", "survey_answer", "district")),
]

# GET routes with an argument no builder fills, and why they are not opened as pages.
UNOPENED_ROUTES: dict[str, str] = {
    "static": "files of the app itself",
    "visits.photo_file": "a JPEG re-encoded by the photo pipeline (no text from users)",
    "learning.photo_file": "a brief's JPEG re-encoded by the photo pipeline (no text from users)",
}


def _people_and_merchants(app: Flask, hostile: Hostile) -> None:
    """Merchants (imported and typed by managers), people's display names and the organisation's names."""
    world = hostile.world
    with app.app_context():
        merchant = add_merchant(world.sub_branches["A1"], hostile.text("merchant_name"), owner="mgr1",
                                lat=WULIN[0] + 0.0004, lon=WULIN[1], code=hostile.text("code", 40),
                                district=hostile.text("district"), status="borrower")
        merchant.industry = hostile.text("industry", 40)
        merchant.address = hostile.text("address")
        merchant.contact_name = hostile.text("contact_name", 40)
        # A borrower whose first post-loan check is due (its loan comes with the loan book, _loan_book): on mgr1's
        # today route and map.
        add_merchant(world.sub_branches["A1"], hostile.text("due_merchant_name"), owner="mgr1",
                     lat=WULIN[0] - 0.0004, lon=WULIN[1], status="borrower", code=DUE_MERCHANT_CODE)
        for username in ("mgr1", "mgr2", "mgr3", "lead1", "reviewer1"):
            user_by_name(username).display_name = hostile.text(f"name_{username}")
        team = db.session.get(Team, world.teams["T1"])
        sub_branch = db.session.get(SubBranch, world.sub_branches["A1"])
        assert team is not None and sub_branch is not None
        team.name = hostile.text("team")
        sub_branch.name = hostile.text("sub_branch")
        hostile.ids["merchant_id"] = merchant.id
        hostile.ids["user_id"] = user_by_name("mgr1").id
        db.session.commit()


def _visit_and_review(app: Flask, hostile: Hostile) -> None:
    """A visit through the JSON API (notes, outcome, a photo whose EXIF carries markup, confirmations), then
    a reviewer's reasons on a flag and on sending it back, and a recorded sample."""
    now = datetime.now(UTC)
    mgr1 = login_client(app, "mgr1")
    visit_id = new_id()
    body = visit_body(hostile.merchant_id, support="mgr2", observer="mgr3", lat=WULIN[0] + 0.0004,
                      lon=WULIN[1] + 0.03, kind="post_loan")
    body["outcome"].update(next_step=hostile.text("next_step"),
                           application={"product": hostile.text("product", 60), "amount": 50000})
    body["outcome"]["checklist"].update(abnormal=True, abnormal_detail=hostile.text("abnormal_detail"))
    body["notes"] = {role: hostile.text(f"note_{role}") for role in ("lead", "support", "observer")}
    response = mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body)
    assert response.status_code == 201, response.get_json()
    hostile.ids["visit_id"] = visit_id
    photo = exif_jpeg(shop_scene(3, (640, 480)), exif=make_exif(
        make=hostile.text("exif_make", 60), model="X", software=hostile.text("exif_software"),
        taken_at=now - timedelta(minutes=3)))
    form: dict[str, Any] = {"file": (io.BytesIO(photo), "p.jpg"), "category": "premises",
                            "captured_at": (now - timedelta(minutes=2)).isoformat(timespec="seconds")}
    response = mgr1.api("PUT", f"/api/v1/visits/{visit_id}/photos/{new_id()}", data=form,
                        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    member = {"checkin": {"lat": WULIN[0], "lon": WULIN[1], "accuracy_m": 9.0,
                          "captured_at": (now - timedelta(minutes=4)).isoformat(timespec="seconds")}}
    for username in ("mgr2", "mgr3"):
        response = login_client(app, username).api(
            "PUT", f"/api/v1/visits/{visit_id}/confirmations/{username}",
            json={**member, "note": hostile.text(f"confirmation_{username}")})
        assert response.status_code == 201, response.get_json()

    reviewer = login_client(app, "reviewer1")
    with app.app_context():
        flag_id = db.session.scalar(sa.select(VisitFlag.id).where(VisitFlag.visit_id == visit_id,
                                                                  VisitFlag.code == "outside_geofence"))
    assert reviewer.post(f"/review/visits/{visit_id}/flags/{flag_id}",
                         {"decision": "dismissed", "reason": hostile.text("flag_reason")}).status_code == 303
    assert reviewer.post(f"/review/visits/{visit_id}/decision",
                         {"action": "send_back", "reason": hostile.text("send_back_reason")}).status_code == 303
    today = bank_today()
    response = reviewer.post("/review/samples/", {"from": (today - timedelta(days=2)).isoformat(),
                                                  "to": today.isoformat(), "percent": "100", "minimum": "1"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    hostile.ids["sample_id"] = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _sweep_day(app: Flask, hostile: Hostile) -> None:
    """A sweep day planned by the team lead over the hostile district."""
    lead1 = login_client(app, "lead1")
    response = lead1.post("/sweeps/new", {"sweep_date": bank_today().isoformat(),
                                          "title": hostile.text("sweep_title", 100),
                                          "district": hostile.texts["district"], "target_consultations": "3",
                                          "target_applications": "1", "target_deals": "1"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    hostile.ids["sweep_day_id"] = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _ctx(username: str, now: datetime | None = None) -> WriteContext:
    return WriteContext(actor=user_by_name(username), now=now or datetime.now(UTC))


def _loan_file(rows: list[dict[str, str]]) -> bytes:
    """The core banking system's daily file (English headers), as the import reads it."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _loan_book(app: Flask, hostile: Hostile) -> None:
    """Loans of mgr1 through the one import: a current one on the hostile merchant (product, purpose and the
    people to check with from the file), an overdue one whose borrower the import creates (a collection case),
    and one making the due merchant's first check due."""
    now = datetime.now(UTC)
    today = bank_today(now)
    disbursed, long_ago = today - timedelta(days=5), today - timedelta(days=60)
    people = {f"{relation}_name": hostile.text(f"{relation}_name", 40) for relation in PERSON_RELATIONS}
    blank_people = dict.fromkeys(people, "")
    common = {"sub_branch": "A1", "amount": "200000.00", "balance": "180000.00", "term_months": "12",
              "repayment_method": "等额本息", "manager": "mgr1"}
    rows = [
        {**common, "loan_number": hostile.text("loan_number", 40), "merchant_code": hostile.texts["code"],
         "borrower_name": "", "product": hostile.text("loan_product", 40), "purpose": hostile.text("loan_purpose", 200),
         "disbursed_on": disbursed.isoformat(), "matures_on": add_months(disbursed, 12).isoformat(),
         "status": "正常", "days_past_due": "", "overdue_amount": "", **people},
        {**common, "loan_number": hostile.text("overdue_loan_number", 40), "merchant_code": "H-OVERDUE",
         "borrower_name": hostile.text("borrower_name", 100), "product": "经营贷",
         "purpose": hostile.text("overdue_loan_purpose", 200), "disbursed_on": long_ago.isoformat(),
         "matures_on": add_months(long_ago, 12).isoformat(), "status": "逾期", "days_past_due": "5",
         "overdue_amount": "1000.00", **blank_people},
        {**common, "loan_number": "H-DUE-1", "merchant_code": DUE_MERCHANT_CODE, "borrower_name": "",
         "product": "经营贷", "purpose": "", "disbursed_on": disbursed.isoformat(),
         "matures_on": add_months(disbursed, 12).isoformat(), "status": "正常", "days_past_due": "",
         "overdue_amount": "", **blank_people},
    ]
    with app.app_context():
        admin = user_by_name("admin")
        outcome = import_loans(WriteContext(actor=admin, now=now - timedelta(hours=2)), admin.sub_branch.branch_id,
                               read_loan_file(_loan_file(rows)), today, source="cli", file_name="hostile.csv")
        assert outcome.ok, outcome.problems
        db.session.commit()
        loans = {loan.loan_number: loan.id for loan in db.session.scalars(sa.select(Loan))}
        hostile.ids["loan_id"] = loans[hostile.texts["loan_number"]]
        hostile.ids["overdue_loan_id"] = loans[hostile.texts["overdue_loan_number"]]


def _post_loan(app: Flask, hostile: Hostile) -> None:
    """The current loan's checks and warnings: an off-site check recorded by the manager with its report, a check
    waived by the lead, a warning raised by hand and worked (open, so that its lists show it too)."""
    with app.app_context():
        loan = db.session.get(Loan, hostile.ids["loan_id"])
        assert loan is not None
        checks = {check.key: check for check in db.session.scalars(
            sa.select(ScheduledCheck).where(ScheduledCheck.loan_id == loan.id))}
        offsite = checks["offsite:m1:1"]
        put_offsite(_ctx("mgr1"), new_id(), offsite, {
            "repayment": "late", "repayment_note": hostile.text("repayment_note", 500),
            "interviews": [{"person": "spouse", "reached": True, "summary": hostile.text("interview_summary", 500)}],
            "web_findings": [{"subject": "company", "adverse": False, "note": hostile.text("web_note", 500),
                              "link": hostile.link("web_link")}]})
        put_report(_ctx("mgr1"), offsite, {"conclusion": hostile.text("check_conclusion"), "classification": "normal"})
        waive_check(_ctx("lead1"), checks["funds"], {"reason": hostile.text("waive_reason", 500)})
        warning = raise_manual_warning(_ctx("mgr1"), loan, {"level": "medium",
                                                           "detail": hostile.text("warning_detail", 500)}, new_id())
        add_action(_ctx("mgr1"), warning, {"action": hostile.text("warning_action", 500)})
        db.session.commit()
        hostile.ids["check_id"] = offsite.id
        hostile.ids["warning_id"] = warning.id


def _collection(app: Flask, hostile: Hostile) -> None:
    """The overdue loan's case: a call with a promise, the overdue report (with an attachment) reviewed by the
    lead, the committee's meeting and decision with two actions, one reported done, and a progress update."""
    now = datetime.now(UTC)
    with app.app_context():
        case = db.session.scalar(sa.select(CollectionCase).where(
            CollectionCase.loan_id == hostile.ids["overdue_loan_id"]))
        assert case is not None
        called = now - timedelta(hours=1)
        log_contact(_ctx("mgr1", called), case, new_id(), {
            "channel": "phone", "person": "spouse", "person_name": hostile.text("contact_person", 40),
            "reached": "yes", "cause": "business_downturn", "answer": hostile.text("contact_answer"),
            "contacted_at": called.astimezone(BANK_ZONE).strftime("%Y-%m-%dT%H:%M"),
            "promise": {"date": (bank_today(called) + timedelta(days=3)).isoformat(), "amount": "1000",
                        "method": "bank_transfer"}})
        body = {"cause": "business_downturn", "situation": hostile.text("report_situation"),
                "proposal": "reminder_plan", "proposal_detail": hostile.text("report_proposal")}
        report = save_report(_ctx("mgr1"), case, body, submit=False)
        # The name is cleaned on the way in (no markup survives), so it is not looked for as typed.
        attachment = add_attachment(_ctx("mgr1"), report, payload("attachment_name") + ".pdf", b"%PDF-1.4\n%%EOF\n")
        report = save_report(_ctx("mgr1"), case, body, submit=True)
        review_report(_ctx("lead1"), report, "accept", hostile.text("review_note", 1000))
        meeting = record_meeting(_ctx("reviewer1"), {
            "held_on": bank_today(now).isoformat(), "report_ids": [str(report.id)],
            "member_ids": [str(user_by_name("reviewer1").id)], "other_members": hostile.text("other_members", 300),
            "note": hostile.text("meeting_note", 2000)})
        decision = decide(_ctx("reviewer1"), meeting.decisions[0], {
            "outcome": "continue", "text": hostile.text("decision_text", 2000), "update_every_days": "7",
            "actions": [{"text": hostile.text(f"committee_action_{n}", 500), "owner_id": str(case.owner_id),
                         "due_on": bank_today(now).isoformat()} for n in (1, 2)]})
        complete_action(_ctx("mgr1"), decision.actions[0], hostile.text("action_done_note", 1000))
        post_update(_ctx("mgr1"), case, new_id(), {"text": hostile.text("progress_update", 2000)})
        db.session.commit()
        hostile.ids.update(case_id=case.id, report_id=report.id, attachment_id=attachment.id, meeting_id=meeting.id)


def _meetings(app: Flask, hostile: Hostile) -> None:
    """Team T1's meetings: items on the morning, evening and weekly boards and one from the branch, a missed
    target's reason, the lead's talk with mgr1 and its action, a scheme the branch made (on the boards) and one
    of the lead's it rejected, a study session and a brief with a photo."""
    today = bank_today().isoformat()
    with app.app_context():
        team = db.session.get(Team, hostile.world.teams["T1"])
        assert team is not None
        for kind in ("tip", "experience", "success_case"):
            add_meeting_item(_ctx("mgr1"), team, day=today, kind=kind, title=hostile.text(f"item_{kind}", 200),
                             body=hostile.text(f"item_{kind}_body", 2000), shared_by="mgr2")
        add_meeting_item(_ctx("reviewer1"), None, day=today, kind="policy", title=hostile.text("branch_item", 200),
                         body="", shared_by=None)
        record_miss_reason(_ctx("lead1"), team, user_by_name("mgr1"), day=today, code="other",
                           text=hostile.text("miss_reason", 500))
        talk = record_talk(_ctx("lead1"), user_by_name("mgr1"), {
            "held_on": today, "knowledge_ours": "3", "knowledge_peers": "2", "sales_skill": "3", "morale": "4",
            "summary": hostile.text("talk_summary", 2000), "action-0-text": hostile.text("talk_action", 300),
            "action-0-due": today})
        rule = {"period_start": today, "period_end": today, "rule-0-type": "points", "rule-0-metric": "consultations",
                "rule-0-points": "1"}
        save_scheme(_ctx("reviewer1"), None, {**rule, "name": hostile.text("branch_scheme_name", 100),
                                              "scope": "sub_branch", "sub_branch_id": str(team.sub_branch_id)})
        # The lead's own scheme, sent back by the branch: its page shows the note and its edit form opens.
        scheme = save_scheme(_ctx("lead1"), None, {**rule, "name": hostile.text("scheme_name", 100), "scope": "team"})
        propose_scheme(_ctx("lead1"), scheme)
        decide_scheme(_ctx("reviewer1"), scheme, approve=False, note=hostile.text("scheme_decision", 500))
        record_study_session(_ctx("lead1"), {"topic": hostile.text("study_topic", 200), "held_on": today,
                                             "notes": hostile.text("study_notes", 2000)},
                             [str(user_by_name("mgr1").id)])
        brief = create_brief(_ctx("lead1"), {"title": hostile.text("brief_title", 200), "held_on": today,
                                             "body": hostile.text("brief_body", 4000)})
        add_brief_photo(_ctx("lead1"), brief, new_id(), jpeg_bytes(7))
        db.session.commit()
        hostile.ids.update(team_id=team.id, talk_id=talk.id, scheme_id=scheme.id, brief_id=brief.id)


def _channels(app: Flask, hostile: Hostile) -> None:
    """A channel with a contact, an activity at it and a lead captured there (webapp.channels)."""
    from tests.channel_helpers import activity_body, channel_body, ctx, lead_body
    from webapp.channels.activities import save_activity
    from webapp.channels.leads import put_lead
    from webapp.channels.write import link_merchants, save_channel

    with app.app_context():
        channel = save_channel(ctx("mgr1"), None, channel_body(
            hostile.text("channel_name", 100), place=hostile.text("channel_place"),
            terms_rate=hostile.text("channel_terms_rate", 100), terms_fees=hostile.text("channel_terms_fees"),
            terms_note=hostile.text("channel_terms_note"),
            contacts=[{"name": hostile.text("channel_contact", 40), "role": hostile.text("channel_contact_role", 60),
                       "phone": "13700001111"}]))
        link_merchants(ctx("mgr1"), channel, [hostile.merchant_id], "picked")
        activity = save_activity(ctx("mgr1"), None, activity_body(
            channel.id, title=hostile.text("activity_title", 100), place=hostile.text("activity_place"),
            notes=hostile.text("activity_notes")))
        lead = put_lead(ctx("mgr1"), new_id(), lead_body(
            activity.id, name=hostile.text("lead_name", 100), need=hostile.text("lead_need"),
            contact_name=hostile.text("lead_contact", 40), industry=hostile.text("lead_industry", 40),
            district=hostile.text("lead_district", 60), address=hostile.text("lead_address"))).lead
        db.session.commit()
        hostile.ids.update(channel_id=channel.id, activity_id=activity.id, lead_id=lead.id)


def _market(app: Flask, hostile: Hostile) -> None:
    """A peer record typed during a visit, a product of the catalogue, a survey answered (webapp.market)."""
    from tests.channel_helpers import ctx
    from tests.market_helpers import peer_body, product_body, survey_body
    from webapp.market.catalogue import save_product
    from webapp.market.peers import put_peer_record
    from webapp.market.surveys import open_round, put_survey_response, save_survey

    with app.app_context():
        put_peer_record(ctx("mgr1"), new_id(), peer_body(
            bank=hostile.text("peer_bank", 60), product=hostile.text("peer_product", 60),
            district=hostile.texts["district"][:60], entry_threshold=hostile.text("peer_threshold"),
            strengths=hostile.text("peer_strengths"), weaknesses=hostile.text("peer_weaknesses"),
            marketing_strategy=hostile.text("peer_marketing")))
        product = save_product(ctx("admin"), None, product_body(
            name=hostile.text("our_product", 60), entry_threshold=hostile.text("our_threshold"),
            notes=hostile.text("our_notes")))
        survey = save_survey(ctx("lead1"), None, survey_body(
            title=hostile.text("survey_title", 100), intro=hostile.text("survey_intro"), questions=[
                {"kind": "choice", "text": hostile.text("survey_question", 200),
                 "choices": [hostile.text("survey_choice", 60), "没有"]},
                {"kind": "text", "text": "建议"}]))
        open_round(ctx("lead1"), survey)
        first, second = (str(q.id) for q in survey.questions)
        put_survey_response(ctx("mgr1"), new_id(), {
            "survey_id": survey.id, "round": 1, "merchant_id": hostile.merchant_id,
            "answered_at": datetime.now(UTC).isoformat(),
            "answers": {first: hostile.texts["survey_choice"], second: hostile.text("survey_answer", 1000)}})
        db.session.commit()
        hostile.ids.update(product_id=product.id, survey_id=survey.id)


def _relations(app: Flask, hostile: Hostile) -> None:
    """A screening model over the hostile district, run, with a target's note (webapp.relations)."""
    from tests.channel_helpers import ctx
    from webapp.models import ScreeningTarget
    from webapp.relations.screening import run_model, save_model, set_outcome

    with app.app_context():
        model = save_model(ctx("lead1"), None, {
            "name": hostile.text("model_name", 100), "purpose": hostile.text("model_purpose", 300),
            "criteria": {"population": "merchants", "districts": [hostile.texts["district"][:60]]}})
        run = run_model(ctx("lead1"), model)
        target = db.session.scalar(sa.select(ScreeningTarget).where(ScreeningTarget.run_id == run.id))
        assert target is not None
        set_outcome(ctx("mgr1"), target, {"outcome": "interested", "note": hostile.text("target_note", 300)})
        db.session.commit()
        hostile.ids.update(model_id=model.id, target_id=target.id)


# Each module's records with hostile text, in order (a later builder may use an earlier one's ids).
BUILDERS: list[Callable[[Flask, Hostile], None]] = [
    _people_and_merchants, _visit_and_review, _sweep_day, _loan_book, _post_loan, _collection, _meetings, _channels,
    _market, _relations]


def build_hostile(app: Flask) -> Hostile:
    with app.app_context():
        hostile = Hostile(world=build_world())
        db.session.commit()
    for build in BUILDERS:
        build(app, hostile)
    return hostile
