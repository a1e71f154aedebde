"""Pushes for inbox items that deserve one: the moment a write may have put work in someone's inbox, their inbox is
computed again after the commit and every new item of a pushed kind goes to their phones, once (PushedItem).

Which writes: a session watcher notes the records listed in ``WATCHED`` (a visit, its review, a location proposal,
a sweep squad, a risk warning, a talk's action) as they are flushed, and says whose inbox they may change; no
write path calls anything. The inbox stays the one list of work (webapp.inbox), and the fallback wherever a
browser has no push. ``flask push inbox`` does the same for every subscribed person (a timer catches what a
process killed between its commit and its push missed, and the day's sweep days).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.inbox.collect import inbox_items
from webapp.inbox.items import InboxItem
from webapp.labels import INBOX_KIND, label
from webapp.models import (
    LocationProposal,
    Merchant,
    PushedItem,
    PushSubscription,
    RiskWarning,
    SweepSquad,
    TalkAction,
    User,
    Visit,
)
from webapp.models.review import VisitReview
from webapp.push.send import PushMessage, queue_after_commit
from webapp.roles import TEAM_LEAD

# The inbox kinds a phone is woken for: work someone gave me that waits on me. Collection tells its people through
# webapp.collection.notify, which pushes itself; due lists (post-loan checks) are read on Today.
PUSH_KINDS = frozenset({"visit_sent_back", "squad_confirmation", "location_proposal", "sweep_day", "risk_warning",
                        "talk_action"})
WATCH = "xw_inbox_watch"


def _visit_people(visit_id: Any) -> set[int]:
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        return set()
    return {i for i in (visit.lead_id, visit.created_by_id, visit.support_id, visit.observer_id) if i is not None}


def _proposal_leads(proposal_id: Any) -> set[int]:
    proposal = db.session.get(LocationProposal, proposal_id)
    if proposal is None:
        return set()
    return set(db.session.scalars(sa.select(User.id).join(Merchant, Merchant.sub_branch_id == User.sub_branch_id)
                                  .where(Merchant.id == proposal.merchant_id, User.role == TEAM_LEAD)))


def _squad_people(squad_id: Any) -> set[int]:
    squad = db.session.get(SweepSquad, squad_id)
    return set(squad.member_ids()) if squad is not None else set()


def _warning_people(warning_id: Any) -> set[int]:
    warning = db.session.get(RiskWarning, warning_id)
    if warning is None:
        return set()
    owner = warning.owner
    leads = set(db.session.scalars(sa.select(User.id).where(
        User.team_id == owner.team_id, User.role == TEAM_LEAD))) if owner.team_id is not None else set()
    return {owner.id, *leads}


def _talk_people(action_id: Any) -> set[int]:
    action = db.session.get(TalkAction, action_id)
    if action is None:
        return set()
    return {action.talk.manager_id, action.talk.lead_id}


# Record type -> whose inbox a new or changed record of it may change (read after the commit).
WATCHED: dict[type[Any], Callable[[Any], set[int]]] = {
    Visit: _visit_people,
    VisitReview: _visit_people,  # keyed by its visit's id
    LocationProposal: _proposal_leads,
    SweepSquad: _squad_people,
    RiskWarning: _warning_people,
    TalkAction: _talk_people,
}


@event.listens_for(Session, "after_flush")
def _note_watched(session: Session, _context: Any) -> None:
    noted: set[tuple[type[Any], Any]] | None = None
    for obj in (*session.new, *session.dirty):
        kind = type(obj)
        if kind in WATCHED:
            key = obj.visit_id if kind is VisitReview else getattr(obj, "id", None)
            if key is not None:
                if noted is None:
                    noted = session.info.setdefault(WATCH, set())
                noted.add((kind, key))
    if noted and not session.info.get("xw_inbox_scheduled"):
        session.info["xw_inbox_scheduled"] = True
        work_queue = session.info.setdefault("xw_push_work", [])
        work_queue.append(lambda: _changed_inboxes(noted))


@event.listens_for(Session, "after_commit")
def _forget_scheduled(session: Session) -> None:
    session.info.pop("xw_inbox_scheduled", None)
    session.info.pop(WATCH, None)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop("xw_inbox_scheduled", None)
    session.info.pop(WATCH, None)


def _changed_inboxes(noted: set[tuple[type[Any], Any]]) -> list[PushMessage]:
    people: set[int] = set()
    for kind, key in noted:
        people |= WATCHED[kind](key)
    return new_item_pushes(people, datetime.now(UTC))


def new_item_pushes(user_ids: Iterable[int] | None, now: datetime) -> list[PushMessage]:
    """The pushes for inbox items of a pushed kind these people (None: everyone subscribed) were not yet sent;
    each is recorded as pushed here, committed, so the item is pushed once whoever computes it again."""
    subscribed = sa.select(PushSubscription.user_id).distinct()
    query = sa.select(User).where(User.id.in_(subscribed), User.is_enabled.is_(True))
    if user_ids is not None:
        wanted = list(user_ids)
        if not wanted:
            return []
        query = query.where(User.id.in_(wanted))
    messages: list[PushMessage] = []
    for user in db.session.scalars(query).all():
        pushed = {(kind, key) for kind, key in db.session.execute(
            sa.select(PushedItem.kind, PushedItem.key).where(PushedItem.user_id == user.id))}
        with force_locale(user.locale or "zh"):
            fresh = [item for item in inbox_items(user, now)
                     if item.kind in PUSH_KINDS and (item.kind, item.key[:100]) not in pushed]
            for item in fresh:
                db.session.add(PushedItem(user_id=user.id, kind=item.kind, key=item.key[:100], pushed_at=now))
                messages.append(_message(user.id, item))
    db.session.commit()
    return messages


def _message(user_id: int, item: InboxItem) -> PushMessage:
    return PushMessage(user_id=user_id, title=label(INBOX_KIND, item.kind), body=item.title[:200], url=item.url,
                       tag=f"{item.kind}:{item.key}")


def schedule_inbox_pushes(user_ids: Iterable[int]) -> None:
    """For a write path that changes someone's work in a way the watcher cannot see: push their new items."""
    people = set(user_ids)
    queue_after_commit(lambda: new_item_pushes(people, datetime.now(UTC)))
