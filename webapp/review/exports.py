"""Files the bank keeps: the photo-log archive of a period (ZIP) and the record of one visit (PDF).

The archive holds the display copies (watermarked, what reviewers saw) and manifest.csv with one row per
photo and all its evidence. Images leave with no metadata: the stored copies are rebuilt from pixels already,
and every JPEG is filtered once more here at the marker level (lossless), so a future change upstream cannot
leak a GPS tag through an export. File names carry dates and ids only, never a person's or a merchant's name.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO

import sqlalchemy as sa
from flask import current_app, get_template_attribute
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from webapp.bank_time import BANK_ZONE, day_label, local_datetime
from webapp.extensions import db
from webapp.labels import (
    CHECKIN_STATUS,
    DEAL_PRODUCT,
    FIXED_ASSETS,
    FLAG_CODE,
    FLAG_DECISION,
    INVENTORY_LEVEL,
    OPERATING_STATE,
    PHOTO_CATEGORY,
    REVIEW_ACTION,
    REVIEW_STATE,
    VISIT_KIND,
)
from webapp.labels import label as code_label
from webapp.models import Photo, User, Visit, VisitFlag
from webapp.money import cny
from webapp.photos.store import MissingFile, photo_store, variant_name
from webapp.review.evidence import PhotoEvidence, photo_evidence, photo_matches
from webapp.review.manifest import manifest_row, manifest_table
from webapp.review.queue import QueueFilters, conditions, rows_for
from webapp.review.record import VisitRecord
from webapp.spreadsheet import CellValue, write_csv

DEFAULT_MAX_PHOTOS = 5000
BATCH = 200

# JPEG markers that carry metadata: APP1 (EXIF, XMP) to APP13 (IPTC), APP15, and COM. APP0 (JFIF) and APP14
# (Adobe colour transform) describe the pixels and stay.
_METADATA_MARKERS = frozenset([*range(0xE1, 0xEE), 0xEF, 0xFE])
_STANDALONE = frozenset([0x01, *range(0xD0, 0xD8)])


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG without metadata segments, pixels untouched. Anything that is not a well-formed JPEG header
    raises ValueError rather than passing through unfiltered."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out = bytearray(b"\xff\xd8")
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            raise ValueError("bad JPEG marker")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _STANDALONE:
            out += data[i:i + 2]
            i += 2
            continue
        if marker == 0xD9:
            out += data[i:i + 2]
            return bytes(out)
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if length < 2 or i + 2 + length > len(data):
            raise ValueError("truncated JPEG segment")
        if marker not in _METADATA_MARKERS:
            out += data[i:i + 2 + length]
        i += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data follows to the end
            out += data[i:]
            return bytes(out)
    raise ValueError("JPEG without image data")


def _num(value: float | None) -> int | float | None:
    return None if value is None else (int(value) if float(value).is_integer() else round(float(value), 1))


def _text_num(value: float | None) -> str:
    number = _num(value)
    return "" if number is None else str(number)


def flag_figures(flag: VisitFlag) -> str:
    """A flag's figures in the reader's language, as the review page writes them (review/_macros.html)."""
    text = str(get_template_attribute("review/_macros.html", "flag_figures")(flag))
    return Markup(text).striptags() or "—"


def photo_file_name(visit: Visit, index: int, photo: Photo) -> str:
    day = visit.started_at.astimezone(BANK_ZONE).date().isoformat()
    return f"photos/{day}/{visit.id}/{index:02d}-{photo.category}-{photo.id}.jpg"


def archive_photo_count(user: User, filters: QueueFilters) -> int:
    matching = sa.select(Visit.id).where(*conditions(user, filters))
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(Photo)
                                 .where(Photo.visit_id.in_(matching))) or 0)


def _visit_batches(user: User, filters: QueueFilters) -> Iterator[list[Visit]]:
    """Every visit under the filters, newest first, in keyset batches: memory stays flat for a long period."""
    last: tuple[datetime, str] | None = None
    while True:
        query = (sa.select(Visit).where(*conditions(user, filters))
                 .options(joinedload(Visit.merchant), joinedload(Visit.lead), joinedload(Visit.support),
                          joinedload(Visit.observer))
                 .order_by(Visit.started_at.desc(), Visit.id.desc()).limit(BATCH))
        if last is not None:
            query = query.where(sa.or_(Visit.started_at < last[0],
                                       sa.and_(Visit.started_at == last[0], Visit.id < last[1])))
        batch = list(db.session.scalars(query).unique())
        if not batch:
            return
        yield batch
        last = (batch[-1].started_at, batch[-1].id)
        if len(batch) < BATCH:
            return


def write_archive(user: User, filters: QueueFilters, out: IO[bytes], *, language: str = "zh") -> int:
    """Write the ZIP to ``out``; returns the number of photos (one manifest row each, file or not). The manifest
    speaks ``language`` (webapp.review.manifest): Chinese names and labels, or the codes for ``en``."""
    store = photo_store()
    max_bits = int(current_app.config["PHOTO_REUSE_BITS"])
    sub_branch_names: dict[int, str] = {}
    rows: list[dict[str, CellValue]] = []
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for batch in _visit_batches(user, filters):
            for row in rows_for(batch):
                visit = row.visit
                if visit.sub_branch_id not in sub_branch_names:
                    sub_branch_names[visit.sub_branch_id] = visit.merchant.sub_branch.code
                matches = photo_matches(user, row.photos, row.flags, max_bits=max_bits)
                for index, photo in enumerate(row.photos, start=1):
                    evidence = photo_evidence(visit, photo, row.flags, matches.get(photo.id))
                    name = photo_file_name(visit, index, photo)
                    status, digest = "ok", ""
                    try:
                        data = strip_jpeg_metadata(store.get(variant_name(photo.storage_key, "display")))
                    except (MissingFile, OSError, ValueError):
                        name, status = "", "missing"
                    else:
                        digest = hashlib.sha256(data).hexdigest()
                        info = zipfile.ZipInfo(name, date_time=photo.created_at.astimezone(BANK_ZONE).timetuple()[:6])
                        info.compress_type = zipfile.ZIP_STORED  # JPEG does not compress further
                        archive.writestr(info, data)
                    rows.append(manifest_row(visit, evidence, state=row.status.state, round_=row.status.round,
                                             file=name, file_status=status, file_sha256=digest,
                                             sub_branch=sub_branch_names[visit.sub_branch_id]))
        text = io.StringIO()
        header, table = manifest_table(rows, language)
        write_csv(text, header, table)
        # A byte-order mark, so Excel on a bank desktop opens the Chinese names as UTF-8.
        archive.writestr(zipfile.ZipInfo("manifest.csv", date_time=datetime.now(BANK_ZONE).timetuple()[:6]),
                         ("\ufeff" + text.getvalue()).encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    return len(rows)


def archive_filename(filters: QueueFilters) -> str:
    return f"photo-log-{filters.start.isoformat()}-{filters.end.isoformat()}.zip"


def max_archive_photos() -> int:
    return int(current_app.config.get("REVIEW_EXPORT_MAX_PHOTOS", DEFAULT_MAX_PHOTOS))


# --- the PDF record of one visit (贷后检查记录) ---------------------------------------------------------------


def record_filename(visit: Visit) -> str:
    day = visit.started_at.astimezone(BANK_ZONE).date().isoformat()
    return f"visit-record-{day}-{visit.id[:8]}.pdf"


def visit_record_pdf(record: VisitRecord, *, generated_by: User, now: datetime | None = None) -> bytes:
    """The record of one visit with its photos and their evidence; the CJK font is embedded (subset)."""
    from webapp.pdf import BankDocument

    now = now or datetime.now(UTC)
    visit = record.visit
    store = photo_store()
    title = _("Post-loan inspection record") if visit.kind == "post_loan" else _("Visit record")
    pdf = BankDocument(f"{title} {visit.merchant.name}", generated_by=generated_by, now=now, row_height=4.6)
    width = pdf.epw
    heading, line = pdf.heading, pdf.text_line

    heading(title, 16)
    line("", f"{visit.merchant.name} ({visit.merchant.code or '—'}) · {visit.merchant.sub_branch.name}")
    line(_("Visit"), f"{code_label(VISIT_KIND, visit.kind)} · {local_datetime(visit.started_at)} · {visit.id}")
    squad = [f"{_('Lead')} {visit.lead.display_name}"]
    if visit.support:
        squad.append(f"{_('Support')} {visit.support.display_name}")
    if visit.observer:
        squad.append(f"{_('Observer')} {visit.observer.display_name}")
    line(_("Squad"), " · ".join(squad))
    checkin = code_label(CHECKIN_STATUS, visit.checkin_status)
    if visit.checkin_distance_m is not None:
        checkin += " · " + _("%(distance)s m from the merchant", distance=_text_num(visit.checkin_distance_m))
    if visit.checkin_accuracy_m is not None:
        checkin += " · " + _("accuracy ±%(accuracy)s m", accuracy=_text_num(visit.checkin_accuracy_m))
    line(_("Check-in"), checkin)
    status = record.status
    review = (f"{code_label(REVIEW_STATE, status.state)} · {_('Round %(n)d', n=status.round)} · "
              f"{_('Version %(n)s', n=visit.version)}")
    line(_("Review"), review)
    if status.reason:
        line(_("Reason"), status.reason)

    outcome = visit.outcome or {}
    heading(_("Outcome"))
    line(_("Effective consultation"), _("Yes") if outcome.get("effective") else _("No"))
    application = outcome.get("application") or {}
    if application:
        line(_("Application"), f"{application.get('product', '')} · {cny(application.get('amount'))}")
    if outcome.get("deals"):
        line(_("Deals"), ", ".join(code_label(DEAL_PRODUCT, str(d)) for d in outcome["deals"]))
    if outcome.get("next_step"):
        line(_("Next step"), str(outcome["next_step"]))
    if outcome.get("follow_up_date"):
        line(_("Follow-up date"), day_label(str(outcome["follow_up_date"])))
    checklist = outcome.get("checklist") or {}
    for key, label, table in (("operating_state", _("Operating state"), OPERATING_STATE),
                              ("inventory_level", _("Inventory level"), INVENTORY_LEVEL),
                              ("fixed_assets", _("Fixed assets"), FIXED_ASSETS)):
        if checklist.get(key):
            line(label, code_label(table, str(checklist[key])))
    if checklist:
        line(_("Abnormal"), (_("Yes") + ": " + str(checklist.get("abnormal_detail") or "")) if checklist.get("abnormal")
             else _("No"))
    for role, label in (("lead", _("Lead")), ("support", _("Support")), ("observer", _("Observer"))):
        note = (visit.notes or {}).get(role)
        if note:
            line(_("Notes") + " · " + label, str(note))

    heading(_("Integrity flags"))
    if not record.flags:
        line("", _("No integrity flags."))
    for item in record.flags:
        decision = (f"{code_label(FLAG_DECISION, item.decision.decision)} ({item.decision.decided_by.display_name}"
                    f"{': ' + item.decision.reason if item.decision.reason else ''})" if item.decision else _("Open"))
        superseded = (" · " + _("Superseded %(time)s", time=local_datetime(item.flag.superseded_at))
                      if item.flag.superseded_at else "")
        line(code_label(FLAG_CODE, item.flag.code), f"{flag_figures(item.flag)} · {decision}{superseded}")

    heading(_("Photos"))
    image_w = 70.0
    for index, evidence in enumerate(record.evidence, start=1):
        photo = evidence.photo
        ratio = (evidence.height / evidence.width) if evidence.width and evidence.height else 0.75
        image_h = image_w * ratio
        if pdf.get_y() + image_h > pdf.page_break_trigger:
            pdf.add_page()
        top = pdf.get_y()
        try:
            data = strip_jpeg_metadata(store.get(variant_name(photo.storage_key, "display")))
        except (MissingFile, OSError, ValueError):
            pdf.rect(pdf.l_margin, top, image_w, image_h)
            data = None
        if data is not None:
            pdf.image(io.BytesIO(data), x=pdf.l_margin, y=top, w=image_w, h=image_h)
        x = pdf.l_margin + image_w + 4
        text_w = width - image_w - 4
        pdf.set_xy(x, top)
        line("", f"{index}. {code_label(PHOTO_CATEGORY, photo.category)} · {photo.id[:8]}", x, text_w)
        for label, value in _evidence_lines(evidence):
            line(label, value, x, text_w)
        pdf.set_y(max(pdf.get_y(), top + image_h) + 4)

    heading(_("Audit trail"))
    if not record.audit:
        line("", _("No review decision yet."))
    for entry in record.audit:
        text = (f"{local_datetime(entry.created_at)} · {entry.actor.display_name} · "
                f"{code_label(REVIEW_ACTION, entry.action)}")
        text += f" · {_('Round %(n)d', n=entry.round)} · {_('Version %(n)s', n=entry.visit_version)}"
        if entry.reason:
            text += f" · {entry.reason}"
        line("", text)
    return pdf.finished()


def _evidence_lines(e: PhotoEvidence) -> list[tuple[str, str]]:
    lines = [
        (_("EXIF time"), local_datetime(e.exif_taken_at) or local_datetime(e.client_exif_taken_at) or "—"),
        (_("Phone time"), local_datetime(e.phone_captured_at) or "—"),
        (_("Uploaded"), local_datetime(e.uploaded_at)),
        (_("Check-in"), _("%(distance)s m from the merchant", distance=_text_num(e.checkin_distance_m) or "?") + " · "
         + _("accuracy ±%(accuracy)s m", accuracy=_text_num(e.checkin_accuracy_m) or "?")),
        (_("EXIF GPS"), _("%(distance)s m from the merchant", distance=_text_num(e.exif_distance_m))
         if e.exif_distance_m is not None else "—"),
        (_("Device"), e.device or "—"),
    ]
    # Least knowledge: only look-alikes the reader may open are named; the others are counted.
    shown = [f"{m.photo_id[:8]} ({m.distance_bits})" for m in e.matches if m.visible][:5]
    hidden = sum(1 for m in e.matches if not m.visible)
    if hidden:
        shown.append(ngettext("%(num)d in visits you cannot open", "%(num)d in visits you cannot open", hidden))
    if shown:
        lines.append((_("Similar photos"), ", ".join(shown)))
    for item in e.flags:
        lines.append((_("Flag"), code_label(FLAG_CODE, item.flag.code)))
    return lines
