"""The main navigation: a bottom tab bar of at most five items per role, the rest on the "More" (我的) page.

One table names every place a person goes (its endpoint, label, icon, the roles that see it and the blueprints
that count as being there); ``TABS`` picks each role's four most used places, and the fifth tab is always "More",
which lists the rest, the account, the language and logging out. A tab bar that a lead's ten links once wrapped
into a column of single characters now holds five short labels that never wrap (``tests/browser/test_layout.py``).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from webapp.bank_time import clock_now
from webapp.inbox.collect import request_inbox
from webapp.roles import ADMIN, MANAGER, REVIEWER, ROLES, TEAM_LEAD

ALL = ROLES
MORE = "more"


@dataclass(frozen=True)
class Place:
    """One destination of the navigation."""

    key: str
    endpoint: str
    label: object  # a lazy translation
    icon: str
    roles: tuple[str, ...]
    blueprints: tuple[str, ...]  # being on any of these blueprints' pages counts as being here


PLACES: tuple[Place, ...] = (
    Place("today", "today.index", _l("Today"), "calendar-check", (MANAGER, TEAM_LEAD), ("today",)),
    Place("inbox", "inbox.index", _l("Inbox"), "inbox", ALL, ("inbox",)),
    Place("review", "review.queue", _l("Review"), "clipboard-check", (REVIEWER, TEAM_LEAD), ("review", "integrity")),
    Place("merchants", "merchants.index", _l("Merchants"), "store", ALL, ("merchants",)),
    Place("visits", "visits.index", _l("Visits"), "clipboard-list", (MANAGER, TEAM_LEAD, REVIEWER), ("visits",)),
    Place("sweeps", "sweeps.index", _l("Sweep days"), "route", (TEAM_LEAD,), ("sweeps",)),
    Place("meetings", "meetings.index", _l("Meetings"), "presentation", ALL,
          ("meetings", "targets", "talks", "incentives", "learning", "metrics")),
    Place("proposals", "checkins.proposals", _l("Location proposals"), "map-pin", (TEAM_LEAD,), ("checkins",)),
    Place("loans", "loans.index", _l("Loans"), "landmark", ALL, ("loans", "postloan")),
    Place("collection", "collection.index", _l("Collection"), "hand-coins", ALL, ("collection",)),
    Place("channels", "channels.index", _l("Channels"), "network", ALL, ("channels",)),
    Place("market", "market.peers", _l("Market"), "chart-line", ALL, ("market",)),
    Place("customers", "relations.models", _l("Customers"), "users", ALL, ("relations",)),
    Place("admin", "admin.index", _l("Admin"), "settings", (ADMIN,), ("admin", "held_admin")),
)

# Each role's four tabs before "More": the work of its day, in the order a thumb reaches for it.
TABS: dict[str, tuple[str, ...]] = {
    MANAGER: ("today", "inbox", "merchants", "visits"),
    TEAM_LEAD: ("today", "inbox", "sweeps", "meetings"),
    REVIEWER: ("review", "inbox", "visits", "collection"),
    ADMIN: ("admin", "inbox", "merchants", "loans"),
}


@dataclass(frozen=True)
class NavEntry:
    """A place as the templates draw it."""

    key: str
    url: str
    label: str
    icon: str
    active: bool


def _places_for(role: str) -> list[Place]:
    return [place for place in PLACES if role in place.roles]


def _blueprint() -> str:
    return (request.endpoint or "").split(".", 1)[0]


def _entry(place: Place, current: str) -> NavEntry:
    return NavEntry(place.key, url_for(place.endpoint), str(place.label), place.icon, current in place.blueprints)


def tab_bar() -> list[NavEntry]:
    """The signed-in user's five tabs: their role's four places and "More" (active for every other place)."""
    role = current_user.role
    current = _blueprint()
    chosen = TABS.get(role, ())
    tabs = [_entry(place, current) for key in chosen for place in PLACES if place.key == key]
    on_a_tab = any(tab.active for tab in tabs)
    tabs.append(NavEntry(MORE, url_for("home.more"), str(lazy_pgettext("navigation", "More")), "circle-user-round",
                         not on_a_tab and bool(current)))
    return tabs


def more_places() -> list[NavEntry]:
    """The places of the user's role that have no tab, listed on the "More" page."""
    role = current_user.role
    current = _blueprint()
    chosen = TABS.get(role, ())
    return [_entry(place, current) for place in _places_for(role) if place.key not in chosen]


def inbox_count() -> int:
    """The number on the inbox tab, rendered with the page (one request less on a phone's first visit); htmx
    refreshes it every two minutes and when the page says the inbox changed."""
    return len(request_inbox(current_user, clock_now()))


def register_navigation(app: Flask) -> None:
    app.jinja_env.globals["tab_bar"] = tab_bar
    app.jinja_env.globals["inbox_count"] = inbox_count
