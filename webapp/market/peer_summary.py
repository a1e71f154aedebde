"""The peer summary: per district and kind of product, each peer product's latest known terms beside the bank's
own (the catalogue), and how both changed over time.

A peer product is a bank and a product name as managers typed them (compared without case and spaces). Its
latest terms are those of its newest observation (by the day observed, then the day recorded); its history is
every observation, newest first, each with the change of rate from the one before.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import PRODUCT_CATEGORIES, OurProduct, PeerRecord, User
from webapp.scope import peer_condition, product_condition

MAX_RECORDS = 20_000


@dataclass(frozen=True)
class Observation:
    record: PeerRecord
    rate_change_bp: int | None  # against the previous observation with a rate


@dataclass
class PeerLine:
    bank: str
    product: str
    history: list[Observation] = field(default_factory=list)  # newest first

    @property
    def latest(self) -> PeerRecord:
        return self.history[0].record

    @property
    def rate_change_bp(self) -> int | None:
        return self.history[0].rate_change_bp


@dataclass
class SummaryCell:
    district: str
    category: str
    ours: list[OurProduct]
    peers: list[PeerLine]


def _key(text: str) -> str:
    return "".join(text.split()).lower()


def _lines(records: list[PeerRecord]) -> list[PeerLine]:
    """Observations of one district and kind grouped into peer products, each oldest to newest, then reversed."""
    grouped: dict[tuple[str, str], PeerLine] = {}
    for record in sorted(records, key=lambda r: (r.observed_on, r.created_at)):
        line = grouped.setdefault((_key(record.bank), _key(record.product)), PeerLine(record.bank, record.product))
        previous = next((o.record.rate_bp for o in reversed(line.history) if o.record.rate_bp is not None), None)
        change = (record.rate_bp - previous if record.rate_bp is not None and previous is not None else None)
        line.history.append(Observation(record, change))
        line.bank, line.product = record.bank, record.product  # the latest spelling
    for line in grouped.values():
        line.history.reverse()
    return sorted(grouped.values(), key=lambda line: (line.latest.rate_bp is None, line.latest.rate_bp or 0,
                                                     line.bank))


def peer_summary(user: User, district: str | None = None) -> list[SummaryCell]:
    """Every district and kind of product the user's peer records cover, with the catalogue's products."""
    query = sa.select(PeerRecord).where(peer_condition(user))
    if district:
        query = query.where(PeerRecord.district == district)
    records = list(db.session.scalars(query.order_by(PeerRecord.observed_on.desc()).limit(MAX_RECORDS)))
    ours: dict[str, list[OurProduct]] = {}
    for product in db.session.scalars(sa.select(OurProduct).where(product_condition(user), OurProduct.active)
                                      .order_by(OurProduct.name)):
        ours.setdefault(product.category, []).append(product)
    cells: dict[tuple[str, str], list[PeerRecord]] = {}
    for record in records:
        cells.setdefault((record.district, record.category), []).append(record)
    order = {code: index for index, code in enumerate(PRODUCT_CATEGORIES)}
    return [SummaryCell(place, category, ours.get(category, []), _lines(found))
            for (place, category), found in sorted(cells.items(), key=lambda item: (item[0][0],
                                                                                     order.get(item[0][1], 99)))]


def districts_of(user: User) -> list[str]:
    return list(db.session.scalars(sa.select(PeerRecord.district).where(peer_condition(user)).distinct()
                                   .order_by(PeerRecord.district)))
