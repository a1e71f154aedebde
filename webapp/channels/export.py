"""The channel register (渠道台账) as Excel: one row per channel the reader may see, with its terms, merchants
linked, penetration, activities and leads, the contacts on a second sheet. Every cell through ``webapp.spreadsheet``;
contacts' phones are left out (the register is filed and passed around)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import gettext as _

from webapp.channels.pages import ChannelRow
from webapp.labels import CHANNEL_KIND, CHANNEL_STATE, label
from webapp.spreadsheet import CellValue, build_workbook


def register_filename(today: date) -> str:
    return f"channel-register-{today.isoformat()}.xlsx"


def _header() -> list[str]:
    return [_("Channel"), _("Kind"), _("Sub-branch"), _("Place"), _("State"), _("Since"), _("Owner"),
            _("Merchants it reaches"), _("Estimated loan demand (yuan)"), _("Rates talked about"),
            _("Fees talked about"), _("Terms"), _("Merchants linked"), _("Our customers"),
            _("Penetration (%)"), _("Activities"), _("Leads")]


def _rows(rows: Iterable[ChannelRow]) -> Iterable[list[CellValue]]:
    for row in rows:
        channel = row.channel
        percent: Any = row.penetration.percent
        yield [channel.name, label(CHANNEL_KIND, channel.kind), channel.sub_branch.name, channel.place,
               label(CHANNEL_STATE, channel.state), channel.state_since, channel.owner.display_name,
               channel.merchant_count,
               channel.loan_demand_cents / 100 if channel.loan_demand_cents is not None else None,
               channel.terms_rate, channel.terms_fees, channel.terms_note, row.linked,
               row.penetration.customers, percent, row.activities, row.leads]


def _contacts(rows: Iterable[ChannelRow]) -> Iterable[list[CellValue]]:
    for row in rows:
        for contact in row.channel.contacts:
            yield [row.channel.name, contact.name, contact.role]


def build_register(rows: list[ChannelRow]) -> bytes:
    """The channels, and their contacts on a second sheet (names and roles: phones stay in the app)."""
    return build_workbook([(_("Channels"), _header(), _rows(rows)),
                           (_("Contacts"), [_("Channel"), _("Name"), _("Role")], _contacts(rows))])
