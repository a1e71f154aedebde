"""The one write path for channels: their details, contacts and state, and the merchants linked to them
(picked, inside the drawn area, or imported by code). Forms and the CLI call these; they validate with
``FieldErrors``, raise ``Forbidden``, flush and never commit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import bank_today
from webapp.errors import Forbidden
from webapp.extensions import db
from webapp.models import CHANNEL_KINDS, CHANNEL_STATES, Channel, ChannelContact, ChannelMerchant, Merchant, User
from webapp.models.base import table_of
from webapp.record_fields import area_field, inside, int_field, phone_field, point_field, record_id, yuan_field
from webapp.roles import FIELD_ROLES, TEAM_LEAD
from webapp.scope import can_record_channels
from webapp.write_kernel import FieldErrors, WriteContext, choice_field, text_field

MAX_CONTACTS = 10
MAX_LINKS = 5000


@dataclass(frozen=True)
class LinkResult:
    added: int
    already: int
    unknown: list[str]


def can_edit_channel(user: User, channel: Channel) -> bool:
    """The channel's owner, and the team leads of its sub-branch."""
    return (user.role in FIELD_ROLES and user.sub_branch_id == channel.sub_branch_id
            and (channel.owner_id == user.id or user.role == TEAM_LEAD))


def _owner(value: Any, actor: User, sub_branch_id: int, current: int | None, errors: FieldErrors) -> int | None:
    if value in (None, ""):
        return current if current is not None else actor.id
    owner_id = record_id(value)
    if owner_id is None:
        errors.add("owner_id", _("Not one of the allowed values."))
        return None
    if owner_id == current or (current is None and owner_id == actor.id):
        return owner_id
    if actor.role != TEAM_LEAD:
        errors.add("owner_id", _("Only a team lead gives a channel to someone else."))
        return None
    owner = db.session.get(User, owner_id)
    if owner is None or owner.sub_branch_id != sub_branch_id or owner.role not in FIELD_ROLES or not owner.is_enabled:
        errors.add("owner_id", _("Not one of the allowed values."))
        return None
    return owner_id


def _contacts(value: Any, errors: FieldErrors) -> list[dict[str, str]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_CONTACTS:
        errors.add("contacts", _("At most %(n)d contacts.", n=MAX_CONTACTS))
        return []
    found = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            errors.add(f"contacts.{index}", _("Expected a JSON object."))
            continue
        name = text_field(item.get("name"), f"contacts.{index}.name", errors, 40)
        role = text_field(item.get("role"), f"contacts.{index}.role", errors, 60)
        phone = phone_field(item.get("phone"), f"contacts.{index}.phone", errors)
        if not name and (role or phone):
            errors.add(f"contacts.{index}.name", _("Required."))
        if name:
            found.append({"name": name, "role": role, "phone": phone})
    return found


def _area(value: Any, errors: FieldErrors) -> list[list[float]] | None:
    if isinstance(value, str) and value.strip():
        try:
            value = json.loads(value)
        except ValueError:
            errors.add("area", _("An area needs 3 to %(n)d points of latitude and longitude.", n=200))
            return None
    return area_field(value, "area", errors)


def parse_channel(raw: Any, actor: User, sub_branch_id: int, channel: Channel | None) -> dict[str, Any]:
    """The clean channel body; raises Invalid with every error."""
    errors = FieldErrors()
    if not isinstance(raw, dict):
        errors.fail("body", _("Expected a JSON object."))
    point = point_field(raw.get("lat"), raw.get("lon"), "lat", errors)
    body: dict[str, Any] = {
        "kind": choice_field(raw.get("kind"), "kind", errors, CHANNEL_KINDS, required=True),
        "name": text_field(raw.get("name"), "name", errors, 100, required=True),
        "place": text_field(raw.get("place"), "place", errors, 200),
        "lat": point[0] if point else None,
        "lon": point[1] if point else None,
        "area": _area(raw.get("area"), errors),
        "merchant_count": int_field(raw.get("merchant_count"), "merchant_count", errors),
        "loan_demand_cents": yuan_field(raw.get("loan_demand"), "loan_demand", errors),
        "terms_rate": text_field(raw.get("terms_rate"), "terms_rate", errors, 100),
        "terms_fees": text_field(raw.get("terms_fees"), "terms_fees", errors, 200),
        "terms_note": text_field(raw.get("terms_note"), "terms_note", errors, 1000),
        "state": choice_field(raw.get("state") or (channel.state if channel else "prospecting"), "state", errors,
                              CHANNEL_STATES, required=True),
        "owner_id": _owner(raw.get("owner_id"), actor, sub_branch_id, channel.owner_id if channel else None, errors),
        "contacts": _contacts(raw.get("contacts"), errors),
    }
    errors.raise_if_any()
    return body


def save_channel(ctx: WriteContext, channel: Channel | None, raw: Any) -> Channel:
    """Create a channel in the actor's sub-branch (``channel`` None) or change one the actor may edit."""
    actor = ctx.actor
    if not can_record_channels(actor) or (channel is not None and not can_edit_channel(actor, channel)):
        raise Forbidden(_("Only the channel's owner and the team leads of its sub-branch change it."))
    sub_branch_id = channel.sub_branch_id if channel is not None else actor.sub_branch_id
    body = parse_channel(raw, actor, sub_branch_id, channel)
    contacts = body.pop("contacts")
    today = bank_today(ctx.now)
    if channel is None:
        channel = Channel(sub_branch_id=sub_branch_id, created_by_id=actor.id, created_at=ctx.now,
                          state_since=today)
        db.session.add(channel)
    elif channel.state != body["state"]:
        channel.state_since = today
    for name, value in body.items():
        setattr(channel, name, value)
    channel.updated_at = ctx.now
    channel.contacts = [ChannelContact(position=index, **contact) for index, contact in enumerate(contacts)]
    db.session.flush()
    return channel


def _require_editor(actor: User, channel: Channel) -> None:
    if not can_edit_channel(actor, channel):
        raise Forbidden(_("Only the channel's owner and the team leads of its sub-branch change it."))


def link_merchants(ctx: WriteContext, channel: Channel, merchant_ids: list[int], source: str) -> LinkResult:
    """Link merchants of the channel's sub-branch; ids of other sub-branches' merchants are not linked."""
    if source != "lead":
        _require_editor(ctx.actor, channel)
    wanted = sorted(set(merchant_ids))[:MAX_LINKS]
    found = set(db.session.scalars(sa.select(Merchant.id).where(
        Merchant.id.in_(wanted), Merchant.sub_branch_id == channel.sub_branch_id)))
    linked = set(db.session.scalars(sa.select(ChannelMerchant.merchant_id).where(
        ChannelMerchant.channel_id == channel.id, ChannelMerchant.merchant_id.in_(wanted))))
    new = sorted(found - linked)
    if new:
        db.session.execute(sa.insert(table_of(ChannelMerchant)), [
            {"channel_id": channel.id, "merchant_id": merchant_id, "source": source, "added_by_id": ctx.actor.id,
             "added_at": ctx.now} for merchant_id in new])
    return LinkResult(added=len(new), already=len(found & linked),
                      unknown=[str(i) for i in wanted if i not in found])


def link_area_merchants(ctx: WriteContext, channel: Channel) -> LinkResult:
    """Link every located merchant of the sub-branch inside the channel's drawn area."""
    _require_editor(ctx.actor, channel)
    if not channel.area:
        FieldErrors().fail("area", _("Draw the channel's area on the map first."))
    ring = channel.area
    lats = [point[0] for point in ring]
    lons = [point[1] for point in ring]
    rows = db.session.execute(sa.select(Merchant.id, Merchant.lat, Merchant.lon).where(
        Merchant.sub_branch_id == channel.sub_branch_id, Merchant.lat.between(min(lats), max(lats)),
        Merchant.lon.between(min(lons), max(lons))))
    ids = [row.id for row in rows if row.lat is not None and row.lon is not None and inside(ring, row.lat, row.lon)]
    return link_merchants(ctx, channel, ids, "area")


def link_merchant_codes(ctx: WriteContext, channel: Channel, codes: list[str]) -> LinkResult:
    """Link merchants by their codes in the sub-branch (an imported list); unknown codes are reported."""
    _require_editor(ctx.actor, channel)
    clean = sorted({code.strip() for code in codes if code.strip()})[:MAX_LINKS]
    if not clean:
        FieldErrors().fail("file", _("The file names no merchant code."))
    by_code = dict(db.session.execute(sa.select(Merchant.code, Merchant.id).where(
        Merchant.sub_branch_id == channel.sub_branch_id, Merchant.code.in_(clean))).all())
    result = link_merchants(ctx, channel, list(by_code.values()), "import")
    return LinkResult(result.added, result.already, [code for code in clean if code not in by_code])


def unlink_merchant(ctx: WriteContext, channel: Channel, merchant_id: int) -> bool:
    _require_editor(ctx.actor, channel)
    result = db.session.execute(sa.delete(table_of(ChannelMerchant)).where(
        ChannelMerchant.channel_id == channel.id, ChannelMerchant.merchant_id == merchant_id))
    return bool(getattr(result, "rowcount", 0))
