"""The one write path for merchant records, used by the CSV import, the admin pages and the demo seed."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import sqlalchemy as sa

from webapp.extensions import db
from webapp.geo.coords import CoordSystem, to_wgs84
from webapp.models import LOCATION_SOURCES, MERCHANT_STATUSES, Merchant, SubBranch, User
from webapp.roles import FIELD_ROLES

PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")

FIELD_LIMITS = {
    "code": 40,
    "name": 100,
    "industry": 40,
    "address": 200,
    "district": 60,
    "contact_name": 40,
    "phone": 20,
}


@dataclass
class MerchantInput:
    """Raw values as a form or a CSV row gives them; validate() turns them into clean ones or errors."""

    sub_branch_id: int
    name: str
    code: str = ""
    industry: str = ""
    address: str = ""
    district: str = ""
    contact_name: str = ""
    phone: str = ""
    status: str = "prospect"
    owner_username: str = ""
    lat: str | float | None = None
    lon: str | float | None = None
    coord_system: CoordSystem = "wgs84"
    location_source: str = "import"


@dataclass
class CleanMerchant:
    sub_branch_id: int
    code: str | None
    name: str
    industry: str
    address: str
    district: str
    contact_name: str
    phone: str
    status: str
    owner_id: int | None
    lat: float | None
    lon: float | None
    location_source: str | None


def _parse_float(value: str | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, float):
        return value
    text = str(value).strip()
    if not text:
        return None
    return float(text)


def validate_merchant(raw: MerchantInput) -> tuple[CleanMerchant | None, dict[str, str]]:
    """Field errors in English keys the UI translates; nothing touches the database but look-ups."""
    errors: dict[str, str] = {}
    values = {name: str(getattr(raw, name) or "").strip() for name in FIELD_LIMITS}
    for name, limit in FIELD_LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = f"too_long:{limit}"
    if not values["name"]:
        errors["name"] = "required"
    if values["phone"] and not PHONE_RE.match(values["phone"]):
        errors["phone"] = "invalid_phone"
    status = (raw.status or "prospect").strip()
    if status not in MERCHANT_STATUSES:
        errors["status"] = "invalid_status"
    if raw.location_source not in LOCATION_SOURCES:
        errors["location_source"] = "invalid_source"
    if db.session.get(SubBranch, raw.sub_branch_id) is None:
        errors["sub_branch"] = "unknown_sub_branch"

    owner_id: int | None = None
    if raw.owner_username.strip():
        owner = db.session.scalar(sa.select(User).where(User.username == raw.owner_username.strip()))
        if owner is None or owner.sub_branch_id != raw.sub_branch_id or owner.role not in FIELD_ROLES:
            errors["owner"] = "unknown_owner"
        else:
            owner_id = owner.id

    lat = lon = None
    try:
        lat, lon = _parse_float(raw.lat), _parse_float(raw.lon)
    except ValueError:
        errors["location"] = "not_a_number"
    if not errors.get("location"):
        if (lat is None) != (lon is None):
            errors["location"] = "half_a_location"
        elif lat is not None and lon is not None:
            if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
                errors["location"] = "out_of_range"
            else:
                lat, lon = to_wgs84(lat, lon, raw.coord_system)
    if errors:
        return None, errors
    located = lat is not None
    return (
        CleanMerchant(
            sub_branch_id=raw.sub_branch_id,
            code=values["code"] or None,
            name=values["name"],
            industry=values["industry"],
            address=values["address"],
            district=values["district"],
            contact_name=values["contact_name"],
            phone=values["phone"],
            status=status,
            owner_id=owner_id,
            lat=round(lat, 7) if lat is not None else None,
            lon=round(lon, 7) if lon is not None else None,
            location_source=raw.location_source if located else None,
        ),
        {},
    )


def save_merchant(clean: CleanMerchant) -> tuple[Merchant, bool]:
    """Create, or update the merchant with the same code in the sub-branch; returns (merchant, created)."""
    merchant = None
    if clean.code:
        merchant = db.session.scalar(
            sa.select(Merchant).where(Merchant.sub_branch_id == clean.sub_branch_id, Merchant.code == clean.code)
        )
    created = merchant is None
    if merchant is None:
        merchant = Merchant(sub_branch_id=clean.sub_branch_id)
        db.session.add(merchant)
    for field in (
        "code",
        "name",
        "industry",
        "address",
        "district",
        "contact_name",
        "phone",
        "status",
        "owner_id",
    ):
        setattr(merchant, field, getattr(clean, field))
    if clean.lat is not None:
        merchant.lat, merchant.lon, merchant.location_source = clean.lat, clean.lon, clean.location_source
    return merchant, created
