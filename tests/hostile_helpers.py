"""A world whose every user-text field holds markup that is also a formula, for the output-encoding tests.

Each field gets its own payload, ``<start>HYPERLINK("//e.x","<img src=x data-xss=<field>>")``,
whose start cycles through the characters a spreadsheet reads as a formula (``= + - @``). Rendered as HTML
anywhere (a page, a Leaflet tooltip, the lightbox) it would create an element carrying ``data-xss``; written
into a sheet or a CSV as it is, it would be a live formula. The tests look for either.
Records are made through the app's own write paths where people make them; a person's display name and the
organisation's names, which admins type, are set on the rows.

How a new module joins (tests/test_output_encoding.py then covers it without further edits):

1. ``BUILDERS``: append a function ``(app, hostile) -> None`` that makes the module's records through its
   write path, with ``hostile.text("<field>")`` as every user-text value (a loan's purpose, a meeting's
   minutes...), and puts the ids its routes take into ``hostile.ids`` (``{"loan_id": ...}``). Every GET
   route whose arguments ``hostile.ids`` fills is then opened by every user in ``USERS`` and parsed.
   A GET route with an argument no builder fills fails ``test_every_page_route_is_opened`` unless it is
   named in ``UNOPENED_ROUTES`` with the reason.
2. ``EXPORTS``: add every file route (a URL ending ``.xlsx``, ``.csv``, ``.zip`` or ``.pdf``; the test fails
   for one not listed) with who downloads it, its format and the fields that must be in it as text.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.conftest import login_client
from tests.factories import WULIN, World, add_merchant, build_world, user_by_name
from tests.photo_samples import jpeg_bytes as exif_jpeg
from tests.photo_samples import make_exif, shop_scene
from tests.visit_helpers import new_id, visit_body
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import SubBranch, Team, VisitFlag

STARTS = ("=", "+", "-", "@")
MARK = "data-xss"
# Who opens every page of the hostile world (one of each role, two managers: lead and support of the visit).
USERS = ("mgr1", "mgr2", "lead1", "reviewer1", "admin")


def payload(name: str, index: int = 0) -> str:
    """The hostile text for one field: markup inside a formula."""
    start = STARTS[index % len(STARTS)]
    return f'{start}HYPERLINK("//e.x","<img src=x {MARK}={name}>")'


@dataclass
class Hostile:
    """The world, the hostile text of each field by name, and the ids the app's routes take."""

    world: World
    texts: dict[str, str] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)

    def text(self, name: str, limit: int | None = None) -> str:
        """A new field's payload (cut to the column's ``limit``), remembered under its name as stored, so the
        tests can look for it."""
        assert name not in self.texts, f"field {name!r} named twice"
        self.texts[name] = payload(name, len(self.texts))[:limit]
        return self.texts[name]

    @property
    def merchant_id(self) -> int:
        return int(self.ids["merchant_id"])

    @property
    def visit_id(self) -> str:
        return str(self.ids["visit_id"])

    @property
    def sweep_day_id(self) -> int:
        return int(self.ids["sweep_day_id"])


@dataclass(frozen=True)
class Export:
    """A file the app writes for people to open elsewhere: who downloads it in the hostile world, its format
    (``xlsx``, ``csv``, ``zip:<member.csv>`` or ``pdf``) and the fields whose payload must be in it, as text."""

    endpoint: str
    username: str
    fmt: str
    fields: tuple[str, ...]


EXPORTS: list[Export] = [
    Export("sweeps.export", "lead1", "xlsx",
           ("merchant_name", "district", "address", "next_step", "team", "sub_branch", "name_mgr1")),
    Export("review.export_archive", "reviewer1", "zip:manifest.csv", ("merchant_name", "exif_software")),
    Export("review.record_pdf", "reviewer1", "pdf",
           ("merchant_name", "next_step", "note_lead", "send_back_reason", "flag_reason", "abnormal_detail")),
]

# GET routes with an argument no builder fills, and why they are not opened as pages.
UNOPENED_ROUTES: dict[str, str] = {
    "static": "files of the app itself",
    "visits.photo_file": "a JPEG re-encoded by the photo pipeline (no text from users)",
}


def _people_and_merchants(app: Flask, hostile: Hostile) -> None:
    """Merchants (imported and typed by managers), people's display names and the organisation's names."""
    world = hostile.world
    with app.app_context():
        merchant = add_merchant(world.sub_branches["A1"], hostile.text("merchant_name"), owner="mgr1",
                                lat=WULIN[0] + 0.0004, lon=WULIN[1], code=hostile.text("code", 40),
                                district=hostile.text("district"), status="borrower")
        merchant.industry = hostile.text("industry", 40)
        merchant.address = hostile.text("address")
        merchant.contact_name = hostile.text("contact_name", 40)
        # A borrower with no post-loan visit yet: on mgr1's today route and map.
        add_merchant(world.sub_branches["A1"], hostile.text("due_merchant_name"), owner="mgr1",
                     lat=WULIN[0] - 0.0004, lon=WULIN[1], status="borrower")
        for username in ("mgr1", "mgr2", "mgr3", "lead1", "reviewer1"):
            user_by_name(username).display_name = hostile.text(f"name_{username}")
        team = db.session.get(Team, world.teams["T1"])
        sub_branch = db.session.get(SubBranch, world.sub_branches["A1"])
        assert team is not None and sub_branch is not None
        team.name = hostile.text("team")
        sub_branch.name = hostile.text("sub_branch")
        hostile.ids["merchant_id"] = merchant.id
        hostile.ids["user_id"] = user_by_name("mgr1").id
        db.session.commit()


def _visit_and_review(app: Flask, hostile: Hostile) -> None:
    """A visit through the JSON API (notes, outcome, a photo whose EXIF carries markup, confirmations), then
    a reviewer's reasons on a flag and on sending it back, and a recorded sample."""
    now = datetime.now(UTC)
    mgr1 = login_client(app, "mgr1")
    visit_id = new_id()
    body = visit_body(hostile.merchant_id, support="mgr2", observer="mgr3", lat=WULIN[0] + 0.0004,
                      lon=WULIN[1] + 0.03, kind="post_loan")
    body["outcome"].update(next_step=hostile.text("next_step"),
                           application={"product": hostile.text("product", 60), "amount": 50000})
    body["outcome"]["checklist"].update(abnormal=True, abnormal_detail=hostile.text("abnormal_detail"))
    body["notes"] = {role: hostile.text(f"note_{role}") for role in ("lead", "support", "observer")}
    response = mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body)
    assert response.status_code == 201, response.get_json()
    hostile.ids["visit_id"] = visit_id
    photo = exif_jpeg(shop_scene(3, (640, 480)), exif=make_exif(
        make=hostile.text("exif_make", 60), model="X", software=hostile.text("exif_software"),
        taken_at=now - timedelta(minutes=3)))
    form: dict[str, Any] = {"file": (io.BytesIO(photo), "p.jpg"), "category": "premises",
                            "captured_at": (now - timedelta(minutes=2)).isoformat(timespec="seconds")}
    response = mgr1.api("PUT", f"/api/v1/visits/{visit_id}/photos/{new_id()}", data=form,
                        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    member = {"checkin": {"lat": WULIN[0], "lon": WULIN[1], "accuracy_m": 9.0,
                          "captured_at": (now - timedelta(minutes=4)).isoformat(timespec="seconds")}}
    for username in ("mgr2", "mgr3"):
        response = login_client(app, username).api(
            "PUT", f"/api/v1/visits/{visit_id}/confirmations/{username}",
            json={**member, "note": hostile.text(f"confirmation_{username}")})
        assert response.status_code == 201, response.get_json()

    reviewer = login_client(app, "reviewer1")
    with app.app_context():
        flag_id = db.session.scalar(sa.select(VisitFlag.id).where(VisitFlag.visit_id == visit_id,
                                                                  VisitFlag.code == "outside_geofence"))
    assert reviewer.post(f"/review/visits/{visit_id}/flags/{flag_id}",
                         {"decision": "dismissed", "reason": hostile.text("flag_reason")}).status_code == 303
    assert reviewer.post(f"/review/visits/{visit_id}/decision",
                         {"action": "send_back", "reason": hostile.text("send_back_reason")}).status_code == 303
    today = bank_today()
    response = reviewer.post("/review/samples/", {"from": (today - timedelta(days=2)).isoformat(),
                                                  "to": today.isoformat(), "percent": "100", "minimum": "1"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    hostile.ids["sample_id"] = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _sweep_day(app: Flask, hostile: Hostile) -> None:
    """A sweep day planned by the team lead over the hostile district."""
    lead1 = login_client(app, "lead1")
    response = lead1.post("/sweeps/new", {"sweep_date": bank_today().isoformat(),
                                          "title": hostile.text("sweep_title", 100),
                                          "district": hostile.texts["district"], "target_consultations": "3",
                                          "target_applications": "1", "target_deals": "1"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    hostile.ids["sweep_day_id"] = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


# Each module's records with hostile text, in order (a later builder may use an earlier one's ids).
BUILDERS: list[Callable[[Flask, Hostile], None]] = [_people_and_merchants, _visit_and_review, _sweep_day]


def build_hostile(app: Flask) -> Hostile:
    with app.app_context():
        hostile = Hostile(world=build_world())
        db.session.commit()
    for build in BUILDERS:
        build(app, hostile)
    return hostile
