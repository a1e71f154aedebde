"""Channels, activities and leads made through their write paths, for the route matrix, the hostile world and the
channel tests."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import World, user_by_name
from webapp.bank_time import bank_today
from webapp.channels.activities import save_activity
from webapp.channels.leads import put_lead
from webapp.channels.write import link_merchants, save_channel
from webapp.extensions import db
from webapp.write_kernel import WriteContext

# target -> (owner, merchant linked to the channel)
PLACES = {"A1": ("mgr1", "a1_owned"), "A2": ("mgr7", "a2"), "B1": ("mgrb", None)}


def ctx(username: str, now: datetime | None = None) -> WriteContext:
    return WriteContext(actor=user_by_name(username), now=now or datetime.now(UTC))


def channel_body(name: str = "四季青服装市场", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "specialised_market", "name": name, "place": "杭州市上城区", "state": "negotiating",
                            "merchant_count": "800", "loan_demand": "5000000", "terms_rate": "年化3.85%起",
                            "terms_fees": "免开户费", "terms_note": "市场管理方愿意组织商户说明会",
                            "contacts": [{"name": "周经理", "role": "市场办主任", "phone": "13700001111"}]}
    body.update(extra)
    return body


def activity_body(channel_id: int | None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "roadshow", "title": "市场路演", "day": bank_today().isoformat(),
                            "place": "市场东门", "channel_id": str(channel_id or ""), "cost": "1200", "notes": ""}
    body.update(extra)
    return body


def lead_body(activity_id: int, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"activity_id": activity_id, "name": "张记布行", "phone": "13911112222",
                            "need": "进货周转资金20万", "need_product": "loan", "industry": "服装批发",
                            "district": "四季青服装市场", "captured_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat()}
    body.update(extra)
    return body


def build_channels(world: World) -> dict[str, dict[str, dict[str, Any]]]:
    """In A1, A2 and B1: a channel with a linked merchant, an activity at it and a lead captured there."""
    ids: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in ("channel", "channel_merchant", "activity", "lead")}
    for index, (target, (owner, merchant_key)) in enumerate(PLACES.items()):
        channel = save_channel(ctx(owner), None, channel_body(f"渠道{target}"))
        activity = save_activity(ctx(owner), None, activity_body(channel.id, title=f"路演{target}"))
        lead = put_lead(ctx(owner), f"00000000-0000-4000-8000-00000000000{index}",
                        lead_body(activity.id, phone=f"1391111000{index}", name=f"线索{target}")).lead
        merchant_id = world.merchants[merchant_key] if merchant_key else world.other_branch_merchant
        link_merchants(ctx(owner), channel, [merchant_id], "picked")
        db.session.commit()
        ids["channel"][target] = {"channel_id": channel.id}
        ids["channel_merchant"][target] = {"channel_id": channel.id, "merchant_id": merchant_id}
        ids["activity"][target] = {"activity_id": activity.id}
        ids["lead"][target] = {"lead_id": lead.id}
    return ids
