"""Telling people about a case: the one call every part of collection makes.

``notify`` puts a ``CollectionNotice`` in each recipient's inbox (once per key), listed there until they mark it
noted on the case page, and pushes it to their phones (webapp.push, sent once the write commits; the inbox is the
fallback where a browser has no push). No caller needs to change.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import partial

import sqlalchemy as sa
from flask_babel import force_locale

from webapp.extensions import db
from webapp.models import CollectionCase, CollectionNotice, SubBranchHead, User
from webapp.push.send import PushMessage, path_for, queue_push
from webapp.roles import TEAM_LEAD
from webapp.write_kernel import insert_or_winner

# Kept short: the notice is a pointer to the case, and the case page says the rest.
MAX_DETAIL = 300


def superiors_of(case: CollectionCase) -> list[User]:
    """Whom the guide says to tell at once: the team lead(s) of the owner's team and the sub-branch head
    where one is configured; never the owner themself, never a disabled account."""
    owner = case.owner
    people: list[User] = []
    if owner.team_id is not None:
        people.extend(db.session.scalars(
            sa.select(User).where(User.team_id == owner.team_id, User.role == TEAM_LEAD,
                                  User.sub_branch_id == owner.sub_branch_id, User.is_enabled.is_(True),
                                  User.id != owner.id).order_by(User.id)))
    head = db.session.scalar(
        sa.select(User).join(SubBranchHead, SubBranchHead.user_id == User.id)
        .where(SubBranchHead.sub_branch_id == case.sub_branch_id, User.is_enabled.is_(True), User.id != owner.id))
    if head is not None and head not in people:
        people.append(head)
    return people


def _notice_of(recipient_id: int, key: str) -> CollectionNotice | None:
    return db.session.scalar(sa.select(CollectionNotice).where(CollectionNotice.recipient_id == recipient_id,
                                                               CollectionNotice.key == key))


def notify(recipients: Iterable[User], kind: str, case: CollectionCase, *, now: datetime, key: str,
           detail: str = "") -> int:
    """Tell each recipient once per ``key``; returns how many were told now. Flushes, never commits."""
    from webapp.collection.inbox import notice_title  # the inbox lists these notices: it imports the case module

    told = 0
    for user in {person.id: person for person in recipients}.values():
        if _notice_of(user.id, key[:80]) is not None:
            continue
        notice = CollectionNotice(recipient_id=user.id, case_id=case.id, kind=kind, key=key[:80],
                                  detail=detail[:MAX_DETAIL], created_at=now)
        if insert_or_winner(notice, partial(_notice_of, user.id, key[:80])) is None:
            told += 1  # else a concurrent request told them a moment ago
            with force_locale(user.locale or "zh"):
                # The payload is encrypted for the phone (RFC 8291): the push service never reads it.
                queue_push(PushMessage(
                    user_id=user.id, title=notice_title(kind, case.loan.borrower.name), body=detail[:200],
                    url=path_for("collection.case_page", case_id=case.id), tag=f"collection:{key[:80]}"))
    return told
