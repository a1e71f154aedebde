"""manifest.csv of the photo-log archive: one row per photo with all its evidence, in the reader's language.

A Chinese reader gets Chinese column names and Chinese values (visit kind, review state, category, check-in,
flags and their decisions as the pages name them); distances are plain numbers in columns that say 米, times are
the bank's. The English option (``?language=en``, or an English interface) keeps the stable column codes and the
stored codes as values, for a bank's scripts. Values are typed; ``webapp.spreadsheet`` writes them.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from webapp.bank_time import BANK_ZONE
from webapp.labels import CHECKIN_STATUS, FLAG_CODE, FLAG_DECISION, PHOTO_CATEGORY, REVIEW_STATE, VISIT_KIND
from webapp.labels import label as code_label
from webapp.models import Visit
from webapp.review.evidence import PhotoEvidence
from webapp.spreadsheet import CellValue

MANIFEST_COLUMNS = (
    "file", "file_status", "file_sha256", "photo_id", "visit_id", "visit_version", "review_state", "review_round",
    "kind", "visit_started_at", "sub_branch", "merchant_code", "merchant_name", "lead", "support", "observer",
    "uploaded_by", "category", "exif_taken_at", "phone_exif_taken_at", "phone_captured_at", "uploaded_at",
    "checkin_status", "checkin_distance_m", "checkin_accuracy_m", "exif_lat", "exif_lon", "exif_gps_source",
    "exif_gps_distance_m", "device", "software", "width", "height", "upload_sha256", "phash", "flags",
    "flag_decisions", "phash_matches",
)

HEADERS = {
    "file": _l("File"), "file_status": _l("File status"), "file_sha256": _l("File SHA-256"),
    "photo_id": _l("Photo id"), "visit_id": _l("Visit id"), "visit_version": _l("Visit version"),
    "review_state": _l("Review state"), "review_round": _l("Review round"), "kind": _l("Kind of visit"),
    "visit_started_at": _l("Visit started"), "sub_branch": _l("Sub-branch"), "merchant_code": _l("Merchant code"),
    "merchant_name": _l("Merchant"), "lead": _l("Lead"), "support": _l("Support"), "observer": _l("Observer"),
    "uploaded_by": _l("Uploaded by"), "category": _l("Photo category"), "exif_taken_at": _l("Taken (EXIF)"),
    "phone_exif_taken_at": _l("Taken (EXIF read on the phone)"), "phone_captured_at": _l("Taken (phone clock)"),
    "uploaded_at": _l("Uploaded"), "checkin_status": _l("Check-in"),
    "checkin_distance_m": _l("Check-in distance to the merchant (m)"),
    "checkin_accuracy_m": _l("Check-in accuracy (m)"), "exif_lat": _l("Photo GPS latitude"),
    "exif_lon": _l("Photo GPS longitude"), "exif_gps_source": _l("Photo GPS read"),
    "exif_gps_distance_m": _l("Photo GPS distance to the merchant (m)"), "device": _l("Device"),
    "software": _l("Software"), "width": _l("Width (px)"), "height": _l("Height (px)"),
    "upload_sha256": _l("Upload SHA-256"), "phash": _l("Perceptual hash"), "flags": _l("Flags"),
    "flag_decisions": _l("Flag decisions"), "phash_matches": _l("Similar photos"),
}
FILE_STATUS = {"ok": _l("included"), "missing": _l("missing")}
GPS_SOURCE = {"file": _l("from the file"), "phone": _l("read on the phone")}
OPEN_FLAG = _l("open")


def _local(moment: datetime | None) -> str:
    return moment.astimezone(BANK_ZONE).isoformat(timespec="seconds") if moment else ""


def _num(value: float | None) -> int | float | None:
    return None if value is None else (int(value) if float(value).is_integer() else round(float(value), 1))


def manifest_row(visit: Visit, evidence: PhotoEvidence, *, state: str, round_: int, file: str, file_status: str,
                 file_sha256: str, sub_branch: str) -> dict[str, CellValue]:
    """One photo's line, in codes: matches name photo@visit:bits ('=' for the very same bytes); matches in visits
    the exporter may not open are only counted, as hidden:N."""
    photo = evidence.photo
    flags = [f.flag.code for f in evidence.flags]
    decisions = [f"{f.flag.code}:{f.decision.decision if f.decision else 'open'}" for f in evidence.flags]
    matches = [f"{m.photo_id}@{m.visit_id}:{m.distance_bits}{'=' if m.same_bytes else ''}"
               for m in evidence.matches if m.visible]
    hidden = sum(1 for m in evidence.matches if not m.visible)
    if hidden:
        matches.append(f"hidden:{hidden}")
    return {
        "file": file, "file_status": file_status, "file_sha256": file_sha256,
        "photo_id": photo.id, "visit_id": visit.id, "visit_version": visit.version,
        "review_state": state, "review_round": round_, "kind": visit.kind,
        "visit_started_at": _local(visit.started_at), "sub_branch": sub_branch,
        "merchant_code": visit.merchant.code, "merchant_name": visit.merchant.name,
        "lead": visit.lead.username, "support": visit.support.username if visit.support else "",
        "observer": visit.observer.username if visit.observer else "",
        "uploaded_by": photo.uploaded_by.username if photo.uploaded_by else "", "category": photo.category,
        "exif_taken_at": _local(evidence.exif_taken_at), "phone_exif_taken_at": _local(evidence.client_exif_taken_at),
        "phone_captured_at": _local(evidence.phone_captured_at), "uploaded_at": _local(evidence.uploaded_at),
        "checkin_status": evidence.checkin_status, "checkin_distance_m": _num(evidence.checkin_distance_m),
        "checkin_accuracy_m": _num(evidence.checkin_accuracy_m),
        "exif_lat": None if evidence.exif_lat is None else round(evidence.exif_lat, 6),
        "exif_lon": None if evidence.exif_lon is None else round(evidence.exif_lon, 6),
        "exif_gps_source": evidence.exif_source or "", "exif_gps_distance_m": _num(evidence.exif_distance_m),
        "device": evidence.device, "software": evidence.software,
        "width": evidence.width, "height": evidence.height,
        "upload_sha256": photo.sha256, "phash": photo.phash, "flags": ";".join(flags),
        "flag_decisions": ";".join(decisions), "phash_matches": ";".join(matches),
    }


def _decision(entry: str) -> str:
    code, _sep, decision = entry.partition(":")
    shown = str(OPEN_FLAG) if decision == "open" else code_label(FLAG_DECISION, decision)
    return f"{code_label(FLAG_CODE, code)}: {shown}"


def _labelled(row: dict[str, CellValue]) -> dict[str, CellValue]:
    """The row's codes as the pages name them (in the current locale); numbers, ids and names as they are."""
    out = dict(row)
    out["file_status"] = str(FILE_STATUS.get(str(row["file_status"]), row["file_status"]))
    out["review_state"] = code_label(REVIEW_STATE, str(row["review_state"]))
    out["kind"] = code_label(VISIT_KIND, str(row["kind"]))
    out["category"] = code_label(PHOTO_CATEGORY, str(row["category"]))
    out["checkin_status"] = code_label(CHECKIN_STATUS, str(row["checkin_status"]))
    out["exif_gps_source"] = str(GPS_SOURCE.get(str(row["exif_gps_source"]), row["exif_gps_source"]))
    out["flags"] = "；".join(code_label(FLAG_CODE, code) for code in str(row["flags"]).split(";") if code)
    out["flag_decisions"] = "；".join(_decision(e) for e in str(row["flag_decisions"]).split(";") if e)
    return out


def manifest_table(rows: list[dict[str, CellValue]], language: str) -> tuple[list[str], list[list[CellValue]]]:
    """The header and the rows for the archive: Chinese names and labels, or (``en``) the codes themselves."""
    if language == "en":
        return list(MANIFEST_COLUMNS), [[row[column] for column in MANIFEST_COLUMNS] for row in rows]
    with force_locale("zh"):
        header = [str(HEADERS[column]) for column in MANIFEST_COLUMNS]
        labelled = [_labelled(row) for row in rows]
    return header, [[row[column] for column in MANIFEST_COLUMNS] for row in labelled]
