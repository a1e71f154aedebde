"""The visit as the API shows it: check-in rating, flags with evidence, photos, squad and version."""
from __future__ import annotations

from typing import Any

from flask import url_for

from webapp.integrity.evidence import evidence_for_viewer
from webapp.models import Photo, User, Visit, VisitFlag


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def flag_json(flag: VisitFlag) -> dict[str, Any]:
    # Evidence of the webapp.integrity codes names only records the viewer may open (others are counted).
    return {"code": flag.code, "detail": flag.detail, "evidence": evidence_for_viewer(flag), "photo_id": flag.photo_id}


def photo_json(photo: Photo, flags: list[VisitFlag]) -> dict[str, Any]:
    return {
        "id": photo.id,
        "category": photo.category,
        "sha256": photo.sha256,
        "phash": photo.phash,
        "captured_at": _iso(photo.captured_at),
        "uploaded_at": _iso(photo.created_at),
        "evidence": photo.evidence,
        "flags": [flag_json(f) for f in flags if f.photo_id == photo.id],
        "display_url": url_for("visits.photo_file", photo_id=photo.id, variant="display"),
        "thumb_url": url_for("visits.photo_file", photo_id=photo.id, variant="thumb"),
    }


def _member(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"username": user.username, "name": user.display_name}


def visit_json(visit: Visit) -> dict[str, Any]:
    confirmations = {c.user_id: c for c in visit.confirmations}
    squad: dict[str, Any] = {}
    for role, user in visit.squad().items():
        entry = _member(user)
        if entry is not None and role != "lead":
            confirmation = confirmations.get(user.id) if user else None
            entry["confirmation"] = None if confirmation is None else {
                "checkin_status": confirmation.checkin_status,
                "distance_m": confirmation.distance_m,
                "accuracy_m": confirmation.accuracy_m,
                "captured_at": _iso(confirmation.captured_at),
                "note": confirmation.note,
                "confirmed_at": _iso(confirmation.created_at),
            }
        squad[role] = entry
    return {
        "id": visit.id,
        "merchant_id": visit.merchant_id,
        "kind": visit.kind,
        "started_at": _iso(visit.started_at),
        "squad": squad,
        "checkin": {
            "status": visit.checkin_status,
            "distance_m": visit.checkin_distance_m,
            "accuracy_m": visit.checkin_accuracy_m,
            "lat": visit.checkin_lat,
            "lon": visit.checkin_lon,
            "captured_at": _iso(visit.checkin_captured_at),
        },
        "outcome": visit.outcome,
        "notes": visit.notes,
        "flags": [flag_json(f) for f in visit.flags if f.photo_id is None],
        "photos": [photo_json(p, visit.flags) for p in visit.photos],
        "version": visit.version,
        "etag": visit.etag,
        "created_at": _iso(visit.created_at),
        "updated_at": _iso(visit.updated_at),
    }
