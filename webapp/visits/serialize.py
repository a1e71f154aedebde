"""The visit as the API shows it: check-in rating and history, flags with evidence (scoped for the reader),
photos, squad and version."""
from __future__ import annotations

from typing import Any

from flask import url_for

from webapp.models import Photo, User, Visit, VisitCheckin, VisitFlag
from webapp.visits.evidence_view import EvidenceReader


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def flag_json(flag: VisitFlag, evidence_for: EvidenceReader) -> dict[str, Any]:
    return {"id": flag.id, "code": flag.code, "detail": flag.detail, "evidence": evidence_for(flag),
            "photo_id": flag.photo_id, "checkin_id": flag.checkin_id, "created_at": _iso(flag.created_at),
            "superseded_at": _iso(flag.superseded_at)}


def checkin_json(checkin: VisitCheckin) -> dict[str, Any]:
    return {"id": checkin.id, "by": checkin.user.username, "visit_version": checkin.visit_version,
            "status": checkin.status, "distance_m": checkin.distance_m, "accuracy_m": checkin.accuracy_m,
            "lat": checkin.lat, "lon": checkin.lon, "captured_at": _iso(checkin.captured_at),
            "received_at": _iso(checkin.created_at), "superseded_at": _iso(checkin.superseded_at)}


def photo_json(photo: Photo, flags: list[VisitFlag], evidence_for: EvidenceReader) -> dict[str, Any]:
    mine = [f for f in flags if f.photo_id == photo.id]
    return {
        "id": photo.id,
        "category": photo.category,
        "sha256": photo.sha256,
        "phash": photo.phash,
        "captured_at": _iso(photo.captured_at),
        "uploaded_at": _iso(photo.created_at),
        "evidence": photo.evidence,
        "flags": [flag_json(f, evidence_for) for f in mine],
        "display_url": url_for("visits.photo_file", photo_id=photo.id, variant="display"),
        "thumb_url": url_for("visits.photo_file", photo_id=photo.id, variant="thumb"),
    }


def _member(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"username": user.username, "name": user.display_name}


def visit_json(visit: Visit, reader: User) -> dict[str, Any]:
    """``flags`` are the visit's flags about its evidence as it stands (as before superseding existed);
    ``superseded_flags`` those about check-ins a later body replaced, kept with the record."""
    evidence_for = EvidenceReader(reader, visit.flags)
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
        "checkins": [checkin_json(c) for c in visit.checkins],
        "flags": [flag_json(f, evidence_for) for f in visit.flags if f.photo_id is None and f.superseded_at is None],
        "superseded_flags": [flag_json(f, evidence_for) for f in visit.flags
                             if f.photo_id is None and f.superseded_at is not None],
        "photos": [photo_json(p, visit.flags, evidence_for) for p in visit.photos],
        "version": visit.version,
        "etag": visit.etag,
        "created_at": _iso(visit.created_at),
        "updated_at": _iso(visit.updated_at),
    }
