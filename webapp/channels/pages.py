"""What the channel and activity pages show, gathered beside the models: the register with each channel's
penetration, a channel's merchants, and an activity's results attributed to the leads captured there.

Results of an activity: the visits to the leads' merchants made after the lead was captured, the
applications and deals those visits recorded, and the loans the book disbursed to them from the capture day.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from webapp.bank_time import BANK_ZONE
from webapp.extensions import db
from webapp.metrics.definitions import Definitions
from webapp.metrics.penetration import Penetration, penetration_of
from webapp.models import Channel, ChannelMerchant, Lead, Loan, MarketingActivity, Merchant, User, Visit
from webapp.scope import activity_condition, channel_condition, merchant_condition

REGISTER_LIMIT = 500


@dataclass(frozen=True)
class ChannelRow:
    channel: Channel
    linked: int
    penetration: Penetration
    activities: int
    leads: int


@dataclass
class Attribution:
    leads: int = 0
    new_merchants: int = 0
    contacted: int = 0
    visits: int = 0
    applications: int = 0
    deals: int = 0
    loans: int = 0
    loan_cents: int = 0
    by_lead: dict[str, dict[str, int]] = field(default_factory=dict)


def channel_members(channel_id: int) -> sa.Select[int]:
    return sa.select(ChannelMerchant.merchant_id).where(ChannelMerchant.channel_id == channel_id)


def channel_penetration(channel: Channel, definitions: Definitions) -> Penetration:
    return penetration_of(channel_members(channel.id), definitions, channel.name)


def register_rows(user: User, definitions: Definitions, *, state: str | None = None,
                  kind: str | None = None) -> list[ChannelRow]:
    """The channels the user may see, with merchants linked, penetration, activities and leads."""
    query = sa.select(Channel).where(channel_condition(user))
    if state:
        query = query.where(Channel.state == state)
    if kind:
        query = query.where(Channel.kind == kind)
    channels = list(db.session.scalars(query.order_by(Channel.state, Channel.name).limit(REGISTER_LIMIT)))
    ids = [c.id for c in channels]
    activities = dict(db.session.execute(
        sa.select(MarketingActivity.channel_id, sa.func.count()).where(MarketingActivity.channel_id.in_(ids))
        .group_by(MarketingActivity.channel_id)).all())
    leads = dict(db.session.execute(
        sa.select(MarketingActivity.channel_id, sa.func.count()).join(Lead, Lead.activity_id == MarketingActivity.id)
        .where(MarketingActivity.channel_id.in_(ids)).group_by(MarketingActivity.channel_id)).all())
    rows = []
    for channel in channels:
        found = channel_penetration(channel, definitions)
        rows.append(ChannelRow(channel, found.merchants, found, int(activities.get(channel.id, 0)),
                               int(leads.get(channel.id, 0))))
    return rows


def linked_merchants(user: User, channel: Channel, limit: int = 300) -> list[tuple[Merchant, str]]:
    return [(merchant, source) for merchant, source in db.session.execute(
        sa.select(Merchant, ChannelMerchant.source).join(ChannelMerchant, ChannelMerchant.merchant_id == Merchant.id)
        .where(ChannelMerchant.channel_id == channel.id, merchant_condition(user))
        .order_by(Merchant.name).limit(limit))]


def channel_activities(user: User, channel: Channel) -> list[MarketingActivity]:
    return list(db.session.scalars(sa.select(MarketingActivity).where(
        MarketingActivity.channel_id == channel.id, activity_condition(user))
        .order_by(MarketingActivity.day.desc())))


def activity_leads(activity: MarketingActivity) -> list[Lead]:
    return list(db.session.scalars(sa.select(Lead).where(Lead.activity_id == activity.id)
                                   .order_by(Lead.captured_at)))


def attribute(leads: list[Lead]) -> Attribution:
    """The results of the leads: what happened to their merchants after each lead was captured."""
    result = Attribution(leads=len(leads), new_merchants=sum(not lead.existing_merchant for lead in leads))
    if not leads:
        return result
    since = {lead.merchant_id: lead.captured_at for lead in leads}
    per_lead = {lead.merchant_id: lead.id for lead in leads}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"visits": 0, "applications": 0, "deals": 0, "loans": 0})
    for merchant_id, started_at, outcome in db.session.execute(
            sa.select(Visit.merchant_id, Visit.started_at, Visit.outcome).where(Visit.merchant_id.in_(since))):
        if started_at < since[merchant_id]:
            continue
        row = counts[per_lead[merchant_id]]
        row["visits"] += 1
        recorded = outcome or {}
        row["applications"] += int(bool(recorded.get("application")))
        row["deals"] += len(recorded.get("deals") or [])
    for merchant_id, disbursed_on, amount in db.session.execute(
            sa.select(Loan.borrower_id, Loan.disbursed_on, Loan.amount_cents).where(Loan.borrower_id.in_(since))):
        if disbursed_on < since[merchant_id].astimezone(BANK_ZONE).date():
            continue
        counts[per_lead[merchant_id]]["loans"] += 1
        result.loan_cents += int(amount)
    for values in counts.values():
        result.visits += values["visits"]
        result.applications += values["applications"]
        result.deals += values["deals"]
        result.loans += values["loans"]
        result.contacted += int(values["visits"] > 0)
    result.by_lead = dict(counts)
    return result

