"""How the demo writes field work: every record through the write path a phone's sync reaches (the visit PUT,
the photo upload's three steps in one transaction, a squad member's confirmation), as the person who made it,
from their own phone, at the moment it was made. Nothing is inserted around those paths.

Ids are made from names (uuid5), so seeding the same day twice makes the same records.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from webapp.bank_time import BANK_ZONE
from webapp.demo.scenes import CAMERAS, Shot, shot_jpeg
from webapp.extensions import db
from webapp.models import Merchant, User, Visit
from webapp.photos.write import PhotoFields, put_photo
from webapp.visits.confirmations import put_confirmation
from webapp.visits.write import put_visit
from webapp.write_kernel import WriteContext

NAMESPACE = uuid.UUID("0c9f4e57-35a1-4b59-8f3e-5d2a7be1c0d4")
# A phone sends its record a little after it was made (the outbox replays when the network allows).
SYNC_DELAY = timedelta(minutes=3)


def demo_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass
class PhotoPlan:
    """One photo of a visit: what it shows and anything the phone got wrong on purpose (an old or far EXIF,
    another camera, the bytes of an earlier photo)."""

    category: str
    kind: str
    seed: int
    exif_shift: timedelta = timedelta(0)
    exif_point: tuple[float, float] | None = None
    camera: tuple[str, str] | None = None
    reuse_of: bytes | None = None


@dataclass
class VisitPlan:
    """One visit as the demo's history has it."""

    key: str
    writer: User
    merchant: Merchant
    started: datetime
    kind: str = "marketing"
    support: User | None = None
    observer: User | None = None
    fix: tuple[float, float, float] | None = None  # lat, lon, accuracy in metres
    outcome: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    post_loan: dict[str, Any] | None = None
    photos: list[PhotoPlan] = field(default_factory=list)
    confirm: tuple[User, ...] = ()  # members who confirm (the others have not yet)


@dataclass
class Tally:
    """What the demo wrote, for the seed's summary and its tests."""

    visits: int = 0
    photos: int = 0
    confirmations: int = 0
    photo_bytes: dict[str, bytes] = field(default_factory=dict)
    last_photo: dict[str, bytes] = field(default_factory=dict)  # each writer's latest upload


def camera_of(user: User) -> tuple[str, str]:
    return CAMERAS[user.id % len(CAMERAS)]


def device_of(user: User) -> str:
    return f"demo-phone-{user.username}"


def context(user: User, moment: datetime) -> WriteContext:
    """The person's phone sending at ``moment`` with its clock right."""
    return WriteContext(actor=user, now=moment, client_time=moment, device_id=device_of(user))


def write_visit(plan: VisitPlan, tally: Tally) -> Visit:
    """The visit PUT, then its photos, then the members' confirmations, each when it would have come in."""
    sent = plan.started + SYNC_DELAY
    checkin = None
    if plan.fix is not None:
        lat, lon, accuracy = plan.fix
        checkin = {"lat": lat, "lon": lon, "accuracy_m": accuracy, "captured_at": iso(plan.started)}
    body: dict[str, Any] = {
        "merchant_id": plan.merchant.id,
        "kind": plan.kind,
        "squad": {"lead": plan.writer.username, "support": plan.support.username if plan.support else None,
                  "observer": plan.observer.username if plan.observer else None},
        "started_at": iso(plan.started),
        "checkin": checkin,
        "outcome": plan.outcome,
        "notes": plan.notes,
    }
    if plan.post_loan is not None:
        body["post_loan"] = plan.post_loan
    visit_id = demo_id("visit", plan.key)
    result = put_visit(context(plan.writer, sent), visit_id, body)
    tally.visits += result.status == "created"
    for index, photo in enumerate(plan.photos):
        _upload(plan, visit_id, index, photo, sent + timedelta(seconds=20 * (index + 1)), tally)
    for offset, member in enumerate(plan.confirm, start=1):
        moment = plan.started + timedelta(minutes=2 + offset)
        member_fix = None
        if plan.fix is not None:
            lat, lon, accuracy = plan.fix
            member_fix = {"lat": round(lat + 0.00004 * offset, 7), "lon": round(lon - 0.00003 * offset, 7),
                          "accuracy_m": round(accuracy + 3.3 * offset, 1), "captured_at": iso(moment)}
        put_confirmation(context(member, moment + SYNC_DELAY), visit_id, member.username,
                         {"checkin": member_fix, "note": ""})
        tally.confirmations += 1
    return result.visit


def _upload(plan: VisitPlan, visit_id: str, index: int, photo: PhotoPlan, sent: datetime, tally: Tally) -> None:
    taken = (plan.started + timedelta(minutes=1 + index) + photo.exif_shift).astimezone(BANK_ZONE)
    point = photo.exif_point or (plan.fix[:2] if plan.fix is not None else None)
    camera = photo.camera or camera_of(plan.writer)
    data = photo.reuse_of or shot_jpeg(Shot(kind=photo.kind, seed=photo.seed, taken_at=taken.replace(tzinfo=None),
                                            camera=camera, lat=point[0] if point else None,
                                            lon=point[1] if point else None))
    photo_id = demo_id("photo", plan.key, index)
    fields = PhotoFields(category=photo.category, captured_at=iso(plan.started + timedelta(minutes=1 + index)),
                         exif_device=" ".join(camera))
    written = put_photo(context(plan.writer, sent), visit_id, photo_id, data, fields)
    tally.photos += written.status == "created"
    tally.photo_bytes[photo_id] = data
    tally.last_photo[plan.writer.username] = data


def users_by_name() -> dict[str, User]:
    return {u.username: u for u in db.session.scalars(sa.select(User).order_by(User.id))}
