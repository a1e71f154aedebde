"""A squad visit on real phones: the lead checks in, saves, takes photos; support and observer confirm
from their own phones; the server's rating and flags show on the visit page.

Each phone is its own browser context (own cookies, own device id, own faked position), as in the field.
"""
from __future__ import annotations

import io
import random
import re
import struct
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image, ImageDraw
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, Phones, sign_in
from webapp.extensions import db
from webapp.models import Merchant, Photo, SquadConfirmation, User, Visit

CHINA = ZoneInfo("Asia/Shanghai")
VISIT_URL = re.compile(r"/visits/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
THREE_KM_NORTH = 0.027  # degrees of latitude
SLOW = 20_000  # ms: shrinking a 12 MP photo and a round trip, on a loaded CI machine


@dataclass(frozen=True)
class Shop:
    id: int
    lat: float
    lon: float


@pytest.fixture(scope="module")
def shops(live_server: LiveServer) -> list[Shop]:
    """Two located merchants of mgr1's sub-branch that nobody owns: one for each walk."""
    with live_server.app.app_context():
        mgr1 = db.session.scalar(sa.select(User).where(User.username == "mgr1"))
        assert mgr1 is not None
        found = [Shop(m.id, m.lat, m.lon) for m in db.session.scalars(
            sa.select(Merchant).where(Merchant.sub_branch_id == mgr1.sub_branch_id, Merchant.owner_id.is_(None),
                                      Merchant.lat.is_not(None)).order_by(Merchant.id).limit(2))]
        db.session.remove()
    assert len(found) == 2, "the demo has located prospects nobody owns"
    return found


def photo_file(path: Path, seed: int, size: tuple[int, int], exif_at: tuple[float, float] | None) -> Path:
    """A distinct scene per seed (far apart in perceptual hash, so never taken for a reused photo); with
    exif_at it carries a capture time (now, China time) and that GPS point, as a phone camera writes them."""
    rng = random.Random(seed * 7919)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(size[0] // 12, size[0] // 3), rng.randrange(size[1] // 12, size[1] // 3)
        draw.rectangle((x0, y0, x0 + w, y0 + h), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    extra: dict[str, Any] = {}
    if exif_at is not None:
        exif = Image.Exif()
        taken = datetime.now(CHINA).strftime("%Y:%m:%d %H:%M:%S")
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        for ref_tag, value_tag, value, refs in (
            (ExifTags.GPS.GPSLatitudeRef, ExifTags.GPS.GPSLatitude, exif_at[0], "NS"),
            (ExifTags.GPS.GPSLongitudeRef, ExifTags.GPS.GPSLongitude, exif_at[1], "EW"),
        ):
            degrees = abs(value)
            minutes = (degrees - int(degrees)) * 60
            gps[ref_tag] = refs[0] if value >= 0 else refs[1]
            gps[value_tag] = (float(int(degrees)), float(int(minutes)), round((minutes - int(minutes)) * 60, 4))
        extra["exif"] = exif
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, **extra)
    path.write_bytes(buffer.getvalue())
    return path


def check_in(scope: Page | Any) -> None:
    scope.locator("[data-checkin-start]").click()
    expect(scope.locator("[data-checkin]")).to_have_attribute("data-checkin-state", "accepted", timeout=SLOW)


def walk(phones: Phones, shop: Shop, where: tuple[float, float], team: tuple[str, str, str], tmp_path: Path,
         seed: int) -> tuple[str, Page]:
    """The lead starts, checks in, saves and photographs; support and observer confirm on their phones."""
    lead, support, observer = team
    page = phones(where).new_page()
    sign_in(page, lead, f"/merchants/{shop.id}")
    page.locator('[data-start-visit="marketing"]').click()
    page.wait_for_url(f"**/merchants/{shop.id}/visits/new**")
    expect(page.locator("#squad_lead")).to_have_value(lead)
    page.locator("#squad_support").select_option(support)
    page.locator("#squad_observer").select_option(observer)
    check_in(page)
    page.locator("input[name=effective][value=yes]").check()
    page.locator("input[name=deals][value=aggregated_qr]").check()
    page.locator("#notes_lead").fill("老板考虑开通聚合码")
    page.locator("[data-save-visit]").click()
    page.wait_for_url(VISIT_URL)
    visit_id = page.url.rsplit("/", 1)[-1]

    premises = photo_file(tmp_path / f"premises-{seed}.jpg", seed, (4000, 3000), exif_at=where)
    inventory = photo_file(tmp_path / f"inventory-{seed}.jpg", seed + 1, (1200, 900), exif_at=None)
    page.locator('input[data-photo-category="premises"]').set_input_files(str(premises))
    page.locator('input[data-photo-category="inventory"]').set_input_files(str(inventory))
    expect(page.locator("[data-upload] progress")).to_have_count(2)
    expect(page.locator('[data-upload][data-upload-state="done"]')).to_have_count(2, timeout=SLOW)
    expect(page.locator("#visit-photos img[data-photo-id]")).to_have_count(2, timeout=SLOW)
    expect(page.locator('[data-photo-group="premises"] img[data-photo-id]')).to_have_count(1)

    for member, note in ((support, "讲了养老金账户"), (observer, "库存充足，店员三人")):
        member_page = phones(where).new_page()
        sign_in(member_page, member, f"/visits/{visit_id}")
        form = member_page.locator("#confirm-form")
        check_in(form)
        form.locator("#confirm-note").fill(note)
        form.locator("[data-confirm-part]").click()
        expect(member_page.locator(f'[data-member="{member}"]')).to_have_attribute("data-confirmed", "yes",
                                                                                     timeout=SLOW)
        expect(member_page.locator("#confirm-form")).to_have_count(0)
    return visit_id, page


def test_squad_visit_at_the_shop_is_verified_without_flags(
    phones: Phones, shops: list[Shop], live_server: LiveServer, tmp_path: Path,
) -> None:
    shop = shops[0]
    visit_id, page = walk(phones, shop, (shop.lat, shop.lon), ("mgr1", "mgr2", "mgr3"), tmp_path, seed=3)
    page.reload()
    expect(page.locator("[data-checkin-status]").first).to_have_attribute("data-checkin-status", "verified")
    expect(page.locator('[data-member="mgr2"]')).to_have_attribute("data-confirmed", "yes")
    expect(page.locator('[data-member="mgr3"]')).to_have_attribute("data-confirmed", "yes")
    expect(page.locator("#visit-photos img[data-photo-id]")).to_have_count(2)
    expect(page.locator("[data-flag]")).to_have_count(0)
    assert phones.errors == []

    with live_server.app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit is not None and visit.checkin_accuracy_m == 10 and visit.device_id
        photos = {p.category: p for p in visit.photos}
        # Shrunk on the phone: a 12 MP capture arrives at most 2048 px on its long side, small.
        assert max(photos["premises"].evidence["width"], photos["premises"].evidence["height"]) == 2048
        assert photos["premises"].size_bytes < 450_000
        # The EXIF read on the phone before shrinking travelled with the file.
        assert photos["premises"].client_exif_lat == pytest.approx(shop.lat, abs=1e-5)
        assert photos["premises"].client_exif_lon == pytest.approx(shop.lon, abs=1e-5)
        assert photos["premises"].client_exif_taken_at is not None
        assert photos["inventory"].client_exif_lat is None
        devices = {c.device_id for c in db.session.scalars(
            sa.select(SquadConfirmation).where(SquadConfirmation.visit_id == visit_id))}
        assert len(devices | {visit.device_id}) == 3, "three phones, three device ids"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo).where(Photo.visit_id == visit_id)) == 2
        db.session.remove()


def test_squad_visit_three_km_away_is_outside_the_geofence(
    phones: Phones, shops: list[Shop], tmp_path: Path,
) -> None:
    # Another squad, so this walk's travel never touches the first walk's lead.
    shop = shops[1]
    _visit_id, page = walk(phones, shop, (shop.lat + THREE_KM_NORTH, shop.lon), ("mgr4", "mgr5", "mgr6"), tmp_path,
                           seed=7)
    page.reload()
    expect(page.locator("[data-checkin-status]").first).to_have_attribute("data-checkin-status", "outside_geofence")
    expect(page.locator('[data-flag="outside_geofence"]')).to_have_count(1)
    expect(page.locator('[data-member="mgr5"]')).to_have_attribute("data-confirmed", "yes")
    assert phones.errors == []


def test_checkin_without_permission_still_saves_as_unverifiable(
    browser: Browser, phone_profile: dict[str, Any], live_server: LiveServer, shops: list[Shop],
) -> None:
    context = browser.new_context(**phone_profile, base_url=live_server.url)  # location permission refused
    try:
        page = context.new_page()
        sign_in(page, "mgr4", f"/merchants/{shops[0].id}/visits/new")
        page.locator("[data-checkin-start]").click()
        expect(page.locator("[data-checkin]")).to_have_attribute("data-checkin-state", "denied")
        expect(page.locator("[data-save-visit]")).to_be_enabled()
        page.locator("[data-save-visit]").click()
        # No location: the form asks once before it saves the visit as unverifiable.
        page.locator("[data-no-location-question] [data-save-unverifiable]").click()
        page.wait_for_url(VISIT_URL)
        expect(page.locator("[data-checkin-status]").first).to_have_attribute("data-checkin-status", "unverifiable")
    finally:
        context.close()


def test_post_loan_checklist_shows_only_for_post_loan(page: Page, shops: list[Shop]) -> None:
    sign_in(page, "mgr1", f"/merchants/{shops[0].id}/visits/new?kind=marketing")
    checklist = page.locator("[data-post-loan-only]")
    expect(checklist).to_be_hidden()
    page.locator("input[data-visit-kind][value=post_loan]").check()
    expect(checklist).to_be_visible()
    page.locator("input[data-visit-kind][value=collection]").check()
    expect(checklist).to_be_hidden()


def _tiny_exif_jpeg(endian: str, lat: tuple[str, tuple[int, int, int]], lon: tuple[str, tuple[int, int, int]],
                    taken: bytes = b"2026:11:28 09:30:15\x00") -> bytes:
    """A JPEG header with an APP1 Exif block written by hand, in either byte order."""
    u16 = lambda v: struct.pack(endian + "H", v)  # noqa: E731
    u32 = lambda v: struct.pack(endian + "I", v)  # noqa: E731

    def entry(tag: int, kind: int, count: int, value: bytes) -> bytes:
        return u16(tag) + u16(kind) + u32(count) + value.ljust(4, b"\x00")

    exif_ifd, gps_ifd, date_at = 38, 76, 56
    tiff = (b"II" if endian == "<" else b"MM") + u16(42) + u32(8)
    tiff += u16(2) + entry(0x8769, 4, 1, u32(exif_ifd)) + entry(0x8825, 4, 1, u32(gps_ifd)) + u32(0)
    tiff += u16(1) + entry(0x9003, 2, len(taken), u32(date_at)) + u32(0)
    tiff += taken
    assert len(tiff) == gps_ifd
    lat_at, lon_at = gps_ifd + 2 + 4 * 12 + 4, gps_ifd + 2 + 4 * 12 + 4 + 24
    tiff += u16(4) + entry(1, 2, 2, lat[0].encode()) + entry(2, 5, 3, u32(lat_at)) \
        + entry(3, 2, 2, lon[0].encode()) + entry(4, 5, 3, u32(lon_at)) + u32(0)
    for parts in (lat[1], lon[1]):
        tiff += b"".join(u32(p) + u32(100 if i == 2 else 1) for i, p in enumerate(parts))
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
    return b"\xff\xd8" + app0 + app1 + b"\xff\xd9"


def test_exif_reader_reads_both_byte_orders_and_never_throws(page: Page) -> None:
    page.goto("/login")
    page.add_script_tag(url="/static/js/exif.js")
    read = "bytes => window.xw.exif.read(new Uint8Array(bytes).buffer)"
    little = _tiny_exif_jpeg("<", ("S", (33, 52, 3600)), ("W", (151, 12, 1800)))
    assert page.evaluate(read, list(little)) == {
        "takenAt": "2026-11-28T09:30:15", "lat": pytest.approx(-(33 + 52 / 60 + 36 / 3600), abs=1e-6),
        "lon": pytest.approx(-(151 + 12 / 60 + 18 / 3600), abs=1e-6), "device": None}
    big = _tiny_exif_jpeg(">", ("N", (30, 16, 2676)), ("E", (120, 9, 4896)))
    got = page.evaluate(read, list(big))
    assert got["takenAt"] == "2026-11-28T09:30:15"
    assert got["lat"] == pytest.approx(30 + 16 / 60 + 26.76 / 3600, abs=1e-6)
    assert got["lon"] == pytest.approx(120 + 9 / 60 + 48.96 / 3600, abs=1e-6)
    unset = _tiny_exif_jpeg("<", ("N", (0, 0, 0)), ("E", (0, 0, 0)), taken=b"0000:00:00 00:00:00\x00")
    assert page.evaluate(read, list(unset)) == {"takenAt": None, "lat": None, "lon": None, "device": None}
    for junk in (b"", b"not a jpeg at all", big[: len(big) // 2], b"\xff\xd8\xff\xe1\x00\x02",
                 b"\xff\xd8\xff\xdb\x00\x04\x00\x00\xff\xd9", little.replace(b"II*\x00", b"II+\x00")):
        assert page.evaluate(read, list(junk)) is None


def _visits_led_by(live_server: LiveServer, username: str, merchant_id: int) -> list[str]:
    with live_server.app.app_context():
        ids = list(db.session.scalars(
            sa.select(Visit.id).join(User, Visit.lead_id == User.id)
            .where(User.username == username, Visit.merchant_id == merchant_id)))
        db.session.remove()
    return ids


def test_back_and_save_again_makes_no_second_visit(phones: Phones, shops: list[Shop], live_server: LiveServer) -> None:
    shop = shops[1]
    page = phones((shop.lat + 0.0001, shop.lon)).new_page()
    sign_in(page, "mgr2", f"/merchants/{shop.id}/visits/new")
    check_in(page)
    page.locator("#notes_lead").fill("第一次保存")
    page.locator("[data-save-visit]").click()
    page.wait_for_url(VISIT_URL)
    first = page.url

    page.go_back()
    page.wait_for_url(f"**/merchants/{shop.id}/visits/new")
    page.reload()  # even a form fetched again from the server keeps this history entry's visit id
    page.locator("#notes_lead").fill("第一次保存")
    page.locator("[data-save-visit]").click()
    # The same body again is a replay (back on the visit); a changed one is a conflict shown in place.
    page.wait_for_function("() => /\\/visits\\/[0-9a-f-]{36}$/.test(location.pathname)"
                           " || document.querySelector('[data-conflict]') !== null")
    assert page.url == first or page.locator("[data-conflict]").count() == 1
    assert len(_visits_led_by(live_server, "mgr2", shop.id)) == 1
    assert [e for e in phones.errors if "status of 409" not in e] == []


def test_a_stale_edit_shows_the_conflict_in_place(phones: Phones, shops: list[Shop], live_server: LiveServer) -> None:
    shop = shops[0]
    phone = phones((shop.lat - 0.0001, shop.lon))
    page = phone.new_page()
    sign_in(page, "mgr3", f"/merchants/{shop.id}/visits/new")
    check_in(page)
    page.locator("[data-save-visit]").click()
    page.wait_for_url(VISIT_URL)
    edit_url = page.url + "/edit"
    other = phone.new_page()
    other.goto(edit_url)
    page.goto(edit_url)
    page.locator("#notes_lead").fill("我先改的")
    page.locator("[data-save-visit]").click()
    page.wait_for_url(VISIT_URL)
    expect(page.locator("article.visit")).to_have_attribute("data-version", "2")

    other.locator("#notes_lead").fill("我后改的")
    other.locator("[data-save-visit]").click()
    expect(other.locator("#visit-form [data-conflict]")).to_be_visible()
    expect(other.locator("#visit-form [data-conflict] a")).to_have_attribute("href", re.compile(r"/edit$"))
    assert other.url == edit_url
    page.reload()
    expect(page.locator('[data-note="lead"]')).to_have_text("我先改的")
