"""Merchant search: the filters of the list page, applied inside the user's scope."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from webapp.extensions import db
from webapp.models import MERCHANT_STATUSES, Merchant, User
from webapp.scope import visible_merchants


@dataclass(frozen=True)
class MerchantFilters:
    q: str = ""
    district: str = ""
    industry: str = ""
    status: str = ""
    mine: bool = False

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> MerchantFilters:
        status = args.get("status", "")
        return cls(
            q=args.get("q", "").strip()[:50],
            district=args.get("district", "").strip()[:60],
            industry=args.get("industry", "").strip()[:40],
            status=status if status in MERCHANT_STATUSES else "",
            mine=args.get("mine") == "1",
        )


def like_pattern(text: str) -> str:
    """A LIKE pattern matching the text anywhere, its own % and _ taken literally (escape '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_merchants(
    user: User, filters: MerchantFilters, *, page: int = 1, page_size: int = 30
) -> tuple[list[Merchant], bool]:
    """One page of matches and whether there is another (one extra row is fetched to know)."""
    query = visible_merchants(user)
    if filters.q:
        pattern = like_pattern(filters.q)
        query = query.where(
            sa.or_(
                Merchant.name.ilike(pattern, escape="\\"),
                Merchant.district.ilike(pattern, escape="\\"),
                Merchant.industry.ilike(pattern, escape="\\"),
                Merchant.address.ilike(pattern, escape="\\"),
            )
        )
    if filters.district:
        query = query.where(Merchant.district == filters.district)
    if filters.industry:
        query = query.where(Merchant.industry == filters.industry)
    if filters.status:
        query = query.where(Merchant.status == filters.status)
    if filters.mine:
        query = query.where(Merchant.owner_id == user.id)
    query = query.order_by(Merchant.district, Merchant.name, Merchant.id)
    rows = list(db.session.scalars(query.offset((page - 1) * page_size).limit(page_size + 1)))
    return rows[:page_size], len(rows) > page_size
