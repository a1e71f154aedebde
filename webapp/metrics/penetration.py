"""Penetration (渗透率): our customers among the merchants of a district, an industry or a channel.

A district's and an industry's merchants are picked by the merchant's own fields; a channel (批量营销渠道,
another module) passes its merchant set as a SELECT of merchant ids. The statuses that count as "our
customers" are a definition (``penetration_statuses``).
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from webapp.extensions import db
from webapp.metrics.definitions import Definitions, penetration
from webapp.models import Merchant


@dataclass(frozen=True)
class Penetration:
    group: str
    customers: int
    merchants: int
    percent: float | None


def penetration_by(field: str, sub_branch_ids: Collection[int], definitions: Definitions) -> list[Penetration]:
    """Per district or industry of the given sub-branches, largest first."""
    column = {"district": Merchant.district, "industry": Merchant.industry}[field]
    counts: dict[str, dict[str, int]] = {}
    for group, status, count in db.session.execute(
            sa.select(column, Merchant.status, sa.func.count()).where(Merchant.sub_branch_id.in_(list(sub_branch_ids)))
            .group_by(column, Merchant.status)):
        counts.setdefault(group or "", {})[status] = int(count)
    found = [Penetration(group, *penetration(statuses, definitions)) for group, statuses in counts.items()]
    return sorted(found, key=lambda p: (-p.merchants, p.group))


def penetration_of(merchant_ids: sa.Select[Any], definitions: Definitions, group: str = "") -> Penetration:
    """For any set of merchants, given as a SELECT of their ids (a channel's merchants, a screening's list)."""
    statuses = {status: int(count) for status, count in db.session.execute(
        sa.select(Merchant.status, sa.func.count()).where(Merchant.id.in_(merchant_ids))
        .group_by(Merchant.status))}
    return Penetration(group, *penetration(statuses, definitions))
