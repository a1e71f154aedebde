"""Exports: the photo-log archive (display copies + manifest.csv, no metadata in any image) and the PDF record
of one visit with its photos and the CJK font embedded."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image, ImageChops

from tests.factories import World
from tests.review_helpers import create_visit, decision, download
from webapp.extensions import db
from webapp.models import Photo
from webapp.photos.store import LocalPhotoStore, variant_name
from webapp.review.exports import strip_jpeg_metadata
from webapp.review.manifest import MANIFEST_COLUMNS


def archive(user: Any, query: str = "", language: str = "en") -> tuple[zipfile.ZipFile, list[dict[str, str]]]:
    """The archive and its manifest's rows; by default the English export, whose columns and values are codes."""
    joined = f"{query}&language={language}" if query else f"?language={language}"
    status, data, headers = download(user, f"/review/export.zip{joined}")
    assert status == 200, data[:300]
    assert headers["Content-Type"] == "application/zip"
    assert re.match(r'attachment; filename=photo-log-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.zip', headers["Content-Disposition"])
    zipped = zipfile.ZipFile(io.BytesIO(data))
    text = zipped.read("manifest.csv").decode("utf-8")
    assert text.startswith("\ufeff")  # Excel opens it as UTF-8
    return zipped, list(csv.DictReader(io.StringIO(text[1:])))


def assert_clean(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "JPEG"
        assert "exif" not in image.info and "icc_profile" not in image.info and "comment" not in image.info
        assert not image.info.get("xmp") and len(image.getexif()) == 0
        assert not any(key.startswith("photoshop") for key in image.info)


def test_the_archive_has_one_manifest_row_per_photo(app: Flask, world: World, login: Any) -> None:
    first = create_visit(app, world, photos=2, seed=1)
    second = create_visit(app, world, lead="mgr7", merchant="a2", photos=1, seed=2)
    create_visit(app, world, photos=0, seed=3, lead="mgr2", merchant="a1_other")  # no photo: no row
    reviewer = login("reviewer1")
    assert decision(reviewer, first, "approve").status_code == 303
    zipped, rows = archive(reviewer)
    with app.app_context():
        photos = {p.id: p for p in db.session.scalars(sa.select(Photo))}
    assert sorted(r["photo_id"] for r in rows) == sorted(photos)
    assert list(rows[0]) == list(MANIFEST_COLUMNS)
    files = [n for n in zipped.namelist() if n != "manifest.csv"]
    assert sorted(files) == sorted(r["file"] for r in rows)
    for row in rows:
        photo = photos[row["photo_id"]]
        assert row["file_status"] == "ok" and row["visit_id"] == photo.visit_id
        assert row["upload_sha256"] == photo.sha256 and row["phash"] == photo.phash
        assert row["checkin_status"] == "verified" and row["checkin_accuracy_m"] == "12"
        assert row["phone_captured_at"].endswith("+08:00") and row["uploaded_at"].endswith("+08:00")
        assert re.fullmatch(r"photos/\d{4}-\d\d-\d\d/[0-9a-f-]{36}/\d\d-premises-[0-9a-f-]{36}\.jpg", row["file"])
        assert "王" not in row["file"] and "面馆" not in row["file"]  # no names in file names
    by_visit = {r["visit_id"]: r for r in rows}
    assert by_visit[first]["review_state"] == "approved" and by_visit[second]["review_state"] == "received"
    assert by_visit[first]["merchant_name"] == "老王面馆" and by_visit[second]["sub_branch"] == "A2"
    # Filters apply to the archive as to the queue.
    _zipped, only_a2 = archive(reviewer, f"?sub_branch={world.sub_branches['A2']}")
    assert [r["visit_id"] for r in only_a2] == [second]


def test_exported_images_carry_no_metadata(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world, photos=1)
    # Even if a stored display copy carried metadata (a future pipeline change), the export strips it.
    with app.app_context():
        photo = db.session.scalar(sa.select(Photo).where(Photo.visit_id == visit_id))
        assert photo is not None
        path = LocalPhotoStore(app.config["PHOTO_STORE"]).path(variant_name(photo.storage_key, "display"))
    path.write_bytes(jpeg_with_metadata())
    zipped, rows = archive(login("reviewer1"))
    assert len(rows) == 1
    data = zipped.read(rows[0]["file"])
    assert_clean(data)
    import hashlib

    assert rows[0]["file_sha256"] == hashlib.sha256(data).hexdigest()


def jpeg_with_metadata() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Xiaomi"  # Make
    exif[0x8825] = {2: (30.0, 16.0, 26.0)}  # GPS
    buffer = io.BytesIO()
    icc = b"\x00" * 128
    image.save(buffer, "JPEG", exif=exif, icc_profile=icc, comment=b"secret comment", quality=90)
    return buffer.getvalue()


def test_strip_jpeg_metadata_keeps_the_pixels() -> None:
    original = jpeg_with_metadata()
    with Image.open(io.BytesIO(original)) as before:
        assert "exif" in before.info and "icc_profile" in before.info and "comment" in before.info
        before_pixels = before.convert("RGB")
    stripped = strip_jpeg_metadata(original)
    assert_clean(stripped)
    assert len(stripped) < len(original)
    with Image.open(io.BytesIO(stripped)) as after:
        assert ImageChops.difference(before_pixels, after.convert("RGB")).getbbox() is None
    for junk in (b"", b"GIF89a", original[:20]):
        with pytest.raises(ValueError):
            strip_jpeg_metadata(junk)


def test_a_missing_file_still_has_its_row(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world, photos=2)
    with app.app_context():
        photo = db.session.scalars(sa.select(Photo).where(Photo.visit_id == visit_id)).first()
        assert photo is not None
        LocalPhotoStore(app.config["PHOTO_STORE"]).path(variant_name(photo.storage_key, "display")).unlink()
        missing_id = photo.id
    zipped, rows = archive(login("reviewer1"))
    assert len(rows) == 2 and len(zipped.namelist()) == 2  # one photo and the manifest
    row = next(r for r in rows if r["photo_id"] == missing_id)
    assert (row["file"], row["file_status"]) == ("", "missing")


def test_too_many_photos_asks_for_a_narrower_archive(app: Flask, world: World, login: Any) -> None:
    create_visit(app, world, photos=2)
    app.config["REVIEW_EXPORT_MAX_PHOTOS"] = 1
    status, data, _headers = download(login("reviewer1"), "/review/export.zip")
    assert status == 422 and "2" in data.decode()


def test_the_visit_record_pdf_embeds_the_cjk_font_and_the_photos(app: Flask, world: World, login: Any) -> None:
    if not Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists():
        pytest.skip("fonts-wqy-microhei is not installed (make fonts)")
    visit_id = create_visit(app, world, photos=2, kind="post_loan")
    reviewer = login("reviewer1")
    assert decision(reviewer, visit_id, "send_back", "库存照片不清楚").status_code == 303
    status, data, headers = download(reviewer, f"/review/visits/{visit_id}/record.pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert re.match(r'attachment; filename="visit-record-\d{4}-\d\d-\d\d-[0-9a-f]{8}\.pdf"',
                    headers["Content-Disposition"])
    assert data.startswith(b"%PDF-")
    assert b"/FontFile2" in data  # an embedded TrueType font program
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYi", data)  # the CJK font, subset
    assert len(re.findall(rb"/Subtype\s*/Image", data)) == 2  # both photos


def test_the_manifest_never_holds_a_formula(app: Flask, world: World, login: Any) -> None:
    from tests.factories import WULIN, add_merchant
    from webapp.models import Visit

    visit_id = create_visit(app, world, photos=1)
    with app.app_context():
        shop = add_merchant(world.sub_branches["A1"], '=HYPERLINK("http://x.example","点我")', owner="mgr1",
                            lat=WULIN[0], lon=WULIN[1], code="A1-099")
        visit = db.session.get(Visit, visit_id)
        assert visit is not None
        visit.merchant_id = shop.id
        db.session.commit()
    _zipped, rows = archive(login("reviewer1"))
    assert rows[0]["merchant_name"] == '\'=HYPERLINK("http://x.example","点我")'


def test_the_manifest_and_the_record_speak_chinese_with_amounts_in_yuan_and_distances_in_metres(
    app: Flask, world: World, login: Any
) -> None:
    """A Chinese reader: Chinese column names and labels in the manifest (the codes with ?language=en), ¥300,000
    and 米 in the PDF record, never 300000.0 or a bare m."""
    import pypdf

    from webapp.review.manifest import HEADERS

    visit_id = create_visit(app, world, photos=1, outcome={
        "effective": True, "deals": ["credit_card"], "next_step": "带申请表",
        "application": {"product": "经营贷", "amount": 300000.0}, "follow_up_date": "2026-12-10"})
    reviewer = login("reviewer1")
    assert decision(reviewer, visit_id, "approve").status_code == 303
    _zipped, rows = archive(reviewer, language="zh")
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("zh"):
            expected = [str(HEADERS[c]) for c in MANIFEST_COLUMNS]
    assert list(rows[0]) == expected and "商户" in expected and "定位签到距商户距离（米）" in expected
    row = rows[0]
    assert row["审核状态"] == "已通过" and row["拜访类型"] == "营销拜访" and row["照片类别"] == "经营场所"
    assert row["定位签到"] == "已核验" and row["文件状态"] == "已包含" and row["定位签到精度（米）"] == "12"
    _zipped, english = archive(reviewer, language="en")
    assert english[0]["review_state"] == "approved" and english[0]["kind"] == "marketing"

    status, data, _headers = download(reviewer, f"/review/visits/{visit_id}/record.pdf")
    assert status == 200
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "经营贷 · ¥300,000" in text and "300000" not in text
    assert "2026年12月10日" in text
    assert "距商户 0 米" in text and "精度 ±12 米" in text
    assert not re.search(r"\d m\b", text), "distances in 米, never a bare m"
