"""The sweeper: what a crash or an abandoned upload leaves behind, removed after a grace period.

Files are written before their rows (so a row never points at nothing); a request killed between the two,
and never retried, leaves files no row names. After PHOTO_SWEEP_GRACE_S (longer than any request runs) such
files are removed, as are temporaries of writes killed before their rename. The same run expires held photos
nobody came for, and attaches held photos whose visit has arrived but whose attach was interrupted.
Run it from a timer (deploy/systemd/xiaowei-sweep.timer): ``flask photos sweep``.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from itertools import islice

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from webapp.database import deferred_transactions
from webapp.extensions import db
from webapp.models import HELD_STATES_WITH_FILE, HeldPhoto, Photo, TeamBriefPhoto, Visit
from webapp.photos.store import StoredFile, photo_id_of, photo_names, photo_store
from webapp.photos.write import remove_files
from webapp.sync.held import attach_held_photos, expire_held_photos

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class SweepReport:
    files_seen: int = 0
    orphans_removed: int = 0
    temporaries_removed: int = 0
    held_expired: int = 0
    held_attached: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _batches(files: Iterable[StoredFile], size: int) -> Iterator[list[StoredFile]]:
    iterator = iter(files)
    while batch := list(islice(iterator, size)):
        yield batch


def live_names(photo_ids: set[str]) -> set[str]:
    """The store names that rows of these photo ids point at (stored photos, held uploads with a file)."""
    names: set[str] = set()
    if not photo_ids:
        return names
    for key in db.session.scalars(sa.select(Photo.storage_key).where(Photo.id.in_(photo_ids))):
        names.update(photo_names(key))
    # The culture wall's photos (webapp.meetings.learning) live in the same store.
    for key in db.session.scalars(sa.select(TeamBriefPhoto.storage_key).where(TeamBriefPhoto.id.in_(photo_ids))):
        names.update(photo_names(key))
    names.update(db.session.scalars(sa.select(HeldPhoto.storage_name).where(
        HeldPhoto.id.in_(photo_ids), HeldPhoto.state.in_(HELD_STATES_WITH_FILE))))
    return names


def remove_orphans(before: datetime, report: SweepReport) -> None:
    """Files older than ``before`` that no row names."""
    store = photo_store()
    old = (f for f in store.list() if f.modified < before)
    for batch in _batches(old, BATCH):
        report.files_seen += len(batch)
        ids = {photo_id for f in batch if (photo_id := photo_id_of(f.name))}
        with deferred_transactions():
            keep = live_names(ids)
            db.session.rollback()
        orphans = [f.name for f in batch if f.name not in keep]
        if orphans:
            log.info("sweeper: removing %d files no row names", len(orphans))
            remove_files(orphans)
            report.orphans_removed += len(orphans)


def attach_waiting(report: SweepReport) -> None:
    """Held photos whose visit exists: an attach that a crash interrupted, done now."""
    with deferred_transactions():
        visit_ids = list(db.session.scalars(
            sa.select(HeldPhoto.visit_id).join(Visit, Visit.id == HeldPhoto.visit_id)
            .where(HeldPhoto.state == "held").distinct()))
        db.session.rollback()
    for visit_id in visit_ids:
        report.held_attached += len(attach_held_photos(visit_id))


def sweep(now: datetime, grace_s: float | None = None) -> SweepReport:
    """One run; outside a request the reasons it records are in the bank's language."""
    grace = float(current_app.config["PHOTO_SWEEP_GRACE_S"] if grace_s is None else grace_s)
    before = now - timedelta(seconds=grace)
    report = SweepReport()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        report.held_expired = expire_held_photos(now)
        attach_waiting(report)
    remove_orphans(before, report)
    report.temporaries_removed = photo_store().remove_stale_temporaries(before)
    return report
