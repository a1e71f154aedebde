"""Least knowledge in evidence: role x output. Flag evidence sent to a user names only records that user may see.

Four visits share one fix to the micro-degree and one photo: mgr1's in A1, mgr2's in A1, mgr7's in A2 (same
branch) and mgrb's in B1 (another branch). The repeated-coordinates search and the photo-reuse search find
them all; each reader then gets every output of every visit they may open (the API, the visit page, the review
page and queue, the PDF record, the archive manifest), and no visit or photo id outside their scope appears in
any of it: such records are counted, never named.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import LoggedIn, _empty_all_tables, base_test_config, login_client
from tests.factories import build_world
from tests.page_helpers import english
from tests.visit_helpers import jpeg_bytes, new_id, photo_form, visit_body
from webapp import create_app
from webapp.extensions import db
from webapp.models import Photo, User, Visit
from webapp.scope import visit_condition

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The visit page's URL templates for the photo uploader carry this placeholder id.
PLACEHOLDER = "00000000-0000-4000-8000-000000000000"
FIX = (30.2741555, 120.1636555)
WRITERS = (("mgrb", "other_branch"), ("mgr7", "a2"), ("mgr2", "a1_other"), ("mgr1", "a1_owned"))
READERS = ("mgr1", "mgr2", "mgr7", "lead1", "lead2", "reviewer1", "admin", "reviewerb")
REVIEW_ROLES = ("team_lead", "reviewer")


@dataclass
class Scene:
    app: Flask
    visits: dict[str, str]  # writer -> visit id
    photos: dict[str, str]  # visit id -> photo id


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory, _postgres_schema: str | None) -> Iterator[Scene]:
    tmp: Path = tmp_path_factory.mktemp("evidence")
    app = create_app(base_test_config(tmp, _postgres_schema or f"sqlite:///{tmp / 'evidence.sqlite3'}"))
    with app.app_context():
        if _postgres_schema is None:
            db.create_all()
        else:
            _empty_all_tables()
        world = build_world()
        db.session.commit()
    visits: dict[str, str] = {}
    photos: dict[str, str] = {}
    for writer, merchant in WRITERS:
        user = login_client(app, writer)
        merchant_id = world.other_branch_merchant if merchant == "other_branch" else world.merchants[merchant]
        visit_id, photo_id = new_id(), new_id()
        response = user.api("PUT", f"/api/v1/visits/{visit_id}",
                            json=visit_body(merchant_id, lead=writer, lat=FIX[0], lon=FIX[1]))
        assert response.status_code == 201, response.get_json()
        response = user.api("PUT", f"/api/v1/visits/{visit_id}/photos/{photo_id}", data=photo_form(jpeg_bytes(7)),
                            content_type="multipart/form-data")
        assert response.status_code == 201, response.get_json()
        visits[writer], photos[visit_id] = visit_id, photo_id
    yield Scene(app, visits, photos)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _visible(scene: Scene, reader: str) -> tuple[set[str], str]:
    with scene.app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == reader))
        assert user is not None
        ids = set(db.session.scalars(sa.select(Visit.id).where(visit_condition(user))))
        return ids, user.role


def _outputs(scene: Scene, user: LoggedIn, role: str, visit_id: str) -> dict[str, str]:
    """Everything this reader receives about the visit, as text."""
    got = {"api": user.get(f"/api/v1/visits/{visit_id}").get_data(as_text=True),
           "visit page": user.get(f"/visits/{visit_id}").get_data(as_text=True)}
    if role in REVIEW_ROLES:
        import pypdf

        got["review page"] = user.get(f"/review/visits/{visit_id}").get_data(as_text=True)
        pdf = user.get(f"/review/visits/{visit_id}/record.pdf")
        assert pdf.status_code == 200
        got["pdf"] = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.get_data())).pages)
        pdf.close()
    return got


def _queue_outputs(user: LoggedIn) -> dict[str, str]:
    queue = user.get("/review/").get_data(as_text=True)
    archive = user.get("/review/export.zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.get_data())) as zipped:
        manifest = zipped.read("manifest.csv").decode("utf-8-sig")
        names = "\n".join(zipped.namelist())
    archive.close()
    rows = list(csv.DictReader(io.StringIO(manifest)))
    assert rows, "the archive lists the visible photos"
    return {"queue": queue, "manifest": manifest, "archive names": names}


@pytest.mark.parametrize("reader", READERS)
def test_evidence_names_only_what_the_reader_may_open(scene: Scene, reader: str) -> None:
    visible, role = _visible(scene, reader)
    allowed = visible | {scene.photos[v] for v in visible if v in scene.photos} | {PLACEHOLDER}
    hidden = (set(scene.visits.values()) | set(scene.photos.values())) - allowed
    user = login_client(scene.app, reader)
    outputs: dict[str, str] = {}
    for visit_id in sorted(visible & set(scene.visits.values())):
        for name, text in _outputs(scene, user, role, visit_id).items():
            outputs[f"{name} of {visit_id[:8]}"] = text
    if role in REVIEW_ROLES:
        outputs.update(_queue_outputs(user))
    assert outputs or not visible
    leaks = []
    for name, text in outputs.items():
        for found in set(UUID.findall(text)) - allowed:
            leaks.append(f"{name}: {found}")
        # The PDF names look-alike photos by the first 8 characters of their id.
        leaks.extend(f"{name}: {h[:8]}…" for h in hidden if h[:8] in text and name.startswith("pdf"))
    assert not leaks, "\n".join(sorted(leaks))


def test_hidden_records_are_counted(scene: Scene) -> None:
    """The reader still learns that the fix and the photo were seen elsewhere, and how often."""
    mgr1 = login_client(scene.app, "mgr1")
    data: dict[str, Any] = mgr1.get(f"/api/v1/visits/{scene.visits['mgr1']}").get_json()
    repeated = next(f for f in data["flags"] if f["code"] == "mock_location_suspected")["evidence"]
    assert repeated["visits"] == [] and repeated["visits_hidden"] == 3
    reused = data["photos"][0]["flags"][0]["evidence"]
    assert reused["matches"] == [] and reused["matches_hidden"] == 2 and reused["earlier_hidden"]
    page = english(mgr1).get(f"/visits/{scene.visits['mgr1']}").get_data(as_text=True)
    assert "appear in 3 other visits" in page
    assert "The earlier photo belongs to a visit you cannot open." in page
    reviewer = login_client(scene.app, "reviewer1")
    data = reviewer.get(f"/api/v1/visits/{scene.visits['mgr1']}").get_json()
    repeated = next(f for f in data["flags"] if f["code"] == "mock_location_suspected")["evidence"]
    assert sorted(repeated["visits"]) == sorted([scene.visits["mgr7"], scene.visits["mgr2"]])
    assert repeated["visits_hidden"] == 1  # mgrb's visit is in another branch
    with scene.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 4
