"""Labels of the channels module's codes (webapp.channels): channels, their states and merchant links,
marketing activities and the festivals the calendar suggests."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CHANNEL_KIND = {
    "government": _l("Government body"),
    "association": _l("Association or chamber of commerce"),
    "specialised_market": _l("Specialised market"),
    "business_district": _l("Business district"),
    "industrial_park": _l("Industrial park"),
    "cooperative": _l("Cooperative"),
    "large_enterprise": _l("Large enterprise"),
}
CHANNEL_STATE = {
    "prospecting": _l("Prospecting"),
    "negotiating": _l("Negotiating"),
    "signed": _l("Signed"),
    "active": _l("Active"),
    "dormant": _l("Dormant"),
}
CHANNEL_LINK_SOURCE = {
    "picked": _l("Picked"),
    "area": _l("Inside the area"),
    "import": _l("Imported"),
    "lead": _l("Lead at an activity"),
}
ACTIVITY_KIND = {
    "roadshow": _l("Roadshow"),
    "festival": _l("Festival marketing"),
    "event": _l("Event"),
    "cross_industry": _l("Cross-industry tie-up"),
    "wechat": _l("WeChat marketing"),
    "interest_group": _l("Interest group"),
    "batch_marketing": _l("Batch marketing"),
    "agency_training": _l("Training course of an agency"),
}
FESTIVAL = {
    "spring_festival": _l("Spring Festival"),
    "qingming": _l("Qingming"),
    "dragon_boat": _l("Dragon Boat Festival"),
    "qixi": _l("Qixi"),
    "mid_autumn": _l("Mid-Autumn Festival"),
}
