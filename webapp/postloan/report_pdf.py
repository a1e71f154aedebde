"""The post-loan report as the bank files it: an A4 PDF in Chinese with the check's photos and evidence.

The page set-up and the CJK font are every bank document's (``webapp.pdf.BankDocument``).
User text reaches the PDF only as cell text (fpdf2 draws it; nothing is interpreted).
"""
from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime

from flask_babel import gettext as _

from webapp.bank_time import local_datetime
from webapp.labels import (
    CHECK_KIND,
    CHECK_MODE,
    CLASSIFICATION,
    CONTACT_MODE,
    FIXED_ASSETS,
    INVENTORY_LEVEL,
    INVENTORY_VS_LAST,
    LOAN_STATUS,
    OPERATING_STATE,
    PERSON_KIND,
    PHOTO_CATEGORY,
    REPAYMENT_METHOD,
    REPAYMENT_VIEW,
    WARNING_LEVEL,
    WARNING_RULE,
    WARNING_STATUS,
    WEB_SUBJECT,
    label,
)
from webapp.models import Photo, User
from webapp.money import yuan
from webapp.pdf import BODY_SIZE, FONT, BankDocument
from webapp.photos.store import MissingFile, PhotoStore, photo_store, variant_name
from webapp.postloan.report import ReportData

Heading = Callable[..., None]
Line = Callable[[str, str], None]
PHOTO_W = 58.0
PHOTO_H = 44.0


def report_filename(data: ReportData) -> str:
    day = (data.check.done_on or data.check.due_on).isoformat()
    return f"post-loan-report-{day}-{data.loan.id}-{data.check.id}.pdf"


def _yes_no(value: object) -> str:
    if value is True:
        return str(_("Yes"))
    if value is False:
        return str(_("No"))
    return "—"


def report_pdf(data: ReportData, *, generated_by: User, now: datetime | None = None) -> bytes:
    now = now or datetime.now(UTC)
    loan, check = data.loan, data.check
    pdf = BankDocument(_("Post-loan inspection report"), generated_by=generated_by, now=now)
    heading, line = pdf.heading, pdf.text_line

    heading(_("Post-loan inspection report"), 16)
    borrower = loan.borrower
    line(_("Borrower"), f"{borrower.name} ({borrower.code or '—'}) · {loan.sub_branch.name}")
    line(_("Loan"), f"{loan.loan_number} · {loan.product} · {yuan(loan.amount_cents)} {_('yuan')}")
    line(_("Balance"), f"{yuan(loan.balance_cents)} {_('yuan')} · {label(LOAN_STATUS, loan.status)}"
         + (f" · {_('%(days)d days past due', days=loan.days_past_due)}" if loan.status == "overdue" else ""))
    line(_("Term"), f"{loan.disbursed_on.isoformat()} – {loan.matures_on.isoformat()} · "
         f"{_('%(months)d months', months=loan.term_months)} · "
         f"{label(REPAYMENT_METHOD, loan.repayment_method)}")
    line(_("Stated purpose"), loan.purpose or "—")
    line(_("Customer manager"), loan.manager.display_name)

    heading(_("The check"))
    line(_("Check"), f"{label(CHECK_KIND, check.kind)} · {label(CHECK_MODE, check.mode)}")
    line(_("Due"), f"{check.window_start.isoformat()} – {check.due_on.isoformat()}")
    if check.done_on is not None:
        on_time = _("on time") if check.done_on <= check.due_on else _("late")
        by = check.done_by.display_name if check.done_by else ""
        line(_("Done"), f"{check.done_on.isoformat()} · {on_time} · {by}")

    if data.visit is not None:
        _onsite_section(data, heading, line)
    if data.offsite is not None:
        _offsite_section(data, heading, line)

    heading(_("Repayment history (loan book)"))
    if not data.history:
        line("", "—")
    for row in data.history:
        paid = row.last_repayment_on.isoformat() if row.last_repayment_on else "—"
        line(row.as_of.isoformat(), f"{label(LOAN_STATUS, row.status)} · {_('balance')} "
             f"{yuan(row.balance_cents)} · {_('days past due')} {row.days_past_due} · {_('overdue')} "
             f"{yuan(row.overdue_cents)} · {_('last repayment')} {paid}")

    heading(_("Risk warnings raised by this check"))
    if not data.warnings:
        line("", _("None."))
    for warning in data.warnings:
        line(label(WARNING_LEVEL, warning.level), f"{label(WARNING_RULE, warning.rule)} · "
             f"{label(WARNING_STATUS, warning.status)}")

    heading(_("Conclusion"))
    if data.report is None:
        line("", _("The manager has not written the conclusion yet."))
    else:
        line(_("Proposed classification"), label(CLASSIFICATION, data.report.classification))
        line("", data.report.conclusion)
        line(_("Written by"), f"{data.report.author.display_name} · {local_datetime(data.report.written_at)}")

    if data.photos or data.previous_inventory:
        _photo_pages(pdf, data, heading, line)
    return pdf.finished()


def _onsite_section(data: ReportData, heading: Heading, line: Line) -> None:
    visit, checklist, block = data.visit, data.checklist, data.post_loan
    assert visit is not None
    heading(_("On-site check"))
    line(_("Visit"), f"{local_datetime(visit.started_at)} · {visit.lead.display_name}")
    line(_("Operating state"), str(OPERATING_STATE.get(checklist.get("operating_state") or "", "—")))
    line(_("Inventory level"), f"{INVENTORY_LEVEL.get(checklist.get('inventory_level') or '', '—')} · "
         f"{_('compared with the last check')}: "
         f"{label(INVENTORY_VS_LAST, block.get('inventory_vs_last')) or '—'}")
    line(_("Fixed assets"), str(FIXED_ASSETS.get(checklist.get("fixed_assets") or "", "—")))
    if checklist.get("abnormal"):
        line(_("Abnormal"), checklist.get("abnormal_detail") or "")
    residence = block.get("residence") or {}
    if residence:
        line(_("Residence"), f"{_('visited')} {_yes_no(residence.get('visited'))} · {_('still lives there')} "
             f"{_yes_no(residence.get('still_lives_there'))} · {residence.get('note') or ''}")
    for person in block.get("related_persons") or []:
        line(label(PERSON_KIND, person.get("relation")),
             f"{person.get('name') or ''} · {label(CONTACT_MODE, person.get('contact'))} · "
             f"{person.get('said') or ''}")
    funds = block.get("use_of_funds") or {}
    if funds:
        line(_("Use of funds"), f"{funds.get('spent_on') or ''} · {_('as stated')}: "
             f"{_yes_no(funds.get('matches_purpose'))} · {funds.get('note') or ''}")


def _offsite_section(data: ReportData, heading: Heading, line: Line) -> None:
    record = data.offsite
    assert record is not None
    heading(_("Off-site check"))
    line(_("Repayment record"), f"{label(REPAYMENT_VIEW, record.repayment)} · {record.repayment_note}")
    for item in record.interviews:
        reached = _("reached") if item.get("reached") else _("not reached")
        line(_("Phone interview"),
             f"{label(PERSON_KIND, item.get('person'))} · {reached} · {item.get('summary') or ''}")
    for item in record.web_findings:
        adverse = _("adverse") if item.get("adverse") else _("nothing adverse")
        line(_("Web search"), f"{label(WEB_SUBJECT, item.get('subject'))} · {adverse} · "
             f"{item.get('note') or ''} {item.get('link') or ''}")


def _photo_pages(pdf: BankDocument, data: ReportData, heading: Heading, line: Line) -> None:
    store = photo_store()
    groups: list[tuple[str, list[Photo]]] = []
    if data.previous_inventory:
        groups.append((_("Inventory at the last check"), data.previous_inventory))
    by_category: dict[str, list[Photo]] = {}
    for photo in data.photos:
        by_category.setdefault(photo.category, []).append(photo)
    groups.extend((str(PHOTO_CATEGORY.get(code, code)), photos) for code, photos in by_category.items())
    heading(_("Photos"))
    for title, photos in groups:
        line("", title)
        _photo_row(pdf, store, photos)


def _photo_row(pdf: BankDocument, store: PhotoStore, photos: list[Photo]) -> None:
    x0 = pdf.l_margin
    row_top = pdf.get_y()
    for index, photo in enumerate(photos):
        column = index % 3
        if column == 0:
            if pdf.will_page_break(PHOTO_H + 8):
                pdf.add_page()
            top = pdf.get_y()
        else:
            top = row_top
        row_top = top
        x = x0 + column * (PHOTO_W + 3)
        try:
            data = store.get(variant_name(photo.storage_key, "display"))
        except MissingFile:
            data = None  # the report still prints, with the photo's time under an empty frame
        if data is not None:
            pdf.image(io.BytesIO(data), x=x, y=top, w=PHOTO_W, h=PHOTO_H, keep_aspect_ratio=True)
        pdf.set_xy(x, top + PHOTO_H + 0.5)
        pdf.set_font(FONT, size=7)
        pdf.cell(PHOTO_W, 4, local_datetime(photo.captured_at or photo.created_at))
        if column == 2 or index == len(photos) - 1:
            pdf.set_xy(x0, top + PHOTO_H + 6)
    pdf.set_font(FONT, size=BODY_SIZE)
