"""The integrity flags of webapp.integrity through the API and on the pages: reused photos and the same scene
with their transformation and regions, copied reports with the shared passages, camera changes, repeated
accuracy, the evidence each viewer may see, and the reviewers' precision table."""
from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import pytest
from flask import Flask
from PIL import Image

from evaluation import photo_copies, photo_scenes
from evaluation.photo_scenes import Scene, View
from tests import photo_samples as samples
from tests.factories import World
from tests.test_api_visit_writes import point_at, put
from tests.test_integrity import put_visit, upload, visit_of
from tests.visit_helpers import visit_body
from webapp.bank_time import BANK_ZONE

NOTE = ("鑫源便利店位于文一路128号，临街门面，经营面积约60平方米。主营烟酒副食，兼营日用百货，已经营8年。"
        "由王老板夫妻二人共同经营，另雇2名店员。现场观察客流较大，傍晚时段顾客较多。后仓有饮料若干，码放整齐。"
        "据王老板介绍月营业额约12万元，净利润约2万元。另外门口停有送货三轮车，王老板称下月准备进新货。")
COPY = ("据李老板介绍月营业额约15万元，净利润约3万元。顺发便利店位于文二路36号，临街门面，经营面积约80平方米。"
        "主营烟酒副食，兼营日用百货，已经营5年。现场观察客流较大，傍晚时段顾客较多。后仓有饮料若干，码放整齐。"
        "由李老板夫妻二人共同经营，另雇3名店员。另外门口停有送货三轮车，李老板称下月准备进新货。")


PLAIN_VIEW = View(noise=1)


@lru_cache(maxsize=8)
def scene_jpeg(kind: str = "street", view: View = PLAIN_VIEW, seed: int = 3) -> bytes:
    return samples.jpeg_bytes(photo_scenes.photo(Scene(kind, seed, chain=seed), view, (800, 600)), quality=90)


def turned_and_cropped(data: bytes) -> bytes:
    image = samples.decode(data).convert("RGB")
    width, height = image.size
    turned = image.rotate(3, Image.Resampling.BICUBIC, expand=False)
    copy = turned.crop((round(width * 0.08), round(height * 0.06), round(width * 0.94), round(height * 0.92)))
    return samples.jpeg_bytes(copy.resize((copy.width * 3 // 4, copy.height * 3 // 4)), quality=70)


def flag(photo: dict[str, Any], code: str) -> dict[str, Any]:
    found = [f for f in photo["flags"] if f["code"] == code]
    assert found, [f["code"] for f in photo["flags"]]
    return found[0]


def visit_flag(visit: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((f for f in visit["flags"] if f["code"] == code), None)


# --- reused photos and the same scene ------------------------------------------------------------------------


def test_a_turned_cropped_copy_is_flagged_with_its_transformation_and_regions(
    app: Flask, world: World, login: Any
) -> None:
    mgr1 = login("mgr1")
    earlier = upload(mgr1, visit_of(mgr1, world), scene_jpeg())
    copy = upload(mgr1, visit_of(mgr1, world, merchant="a1_other"), turned_and_cropped(scene_jpeg()))
    e = flag(copy, "photo_reused")["evidence"]
    assert e["verdict"] == "reused" and e["why"] == "same_exposure" and e["same_bytes"] is False
    assert e["earlier_photo"] == earlier["id"] and e["earlier_hidden"] is False
    assert e["transform"]["rotation_deg"] == pytest.approx(3, abs=0.6)
    assert e["transform"]["mirrored"] is False and e["transform"]["scale"] == pytest.approx(0.75, abs=0.08)
    assert e["transform"]["shows"] == pytest.approx([0.86, 0.86], abs=0.04)
    assert len(e["region"]["this"]) >= 3 and len(e["region"]["other"]) >= 3
    assert e["figures"]["detail_correlation"] >= 0.4 and e["figures"]["points"] >= 12
    assert e["photos"]["this"]["id"] == copy["id"] and e["photos"]["other"]["id"] == earlier["id"]
    assert e["photos"]["other"]["thumb_url"] == f"/photos/{earlier['id']}/thumb.jpg"


def test_the_same_scene_photographed_again_at_the_same_shop_is_information(
    app: Flask, world: World, login: Any
) -> None:
    mgr1 = login("mgr1")
    upload(mgr1, visit_of(mgr1, world), scene_jpeg("shelf"))
    again = photo_scenes.View(x=0.04, y=-0.02, yaw=5.0, pitch=-2.0, roll=1.0, brightness=0.9, warmth=0.3,
                              stock=7, noise=8)
    photo = upload(mgr1, visit_of(mgr1, world), scene_jpeg("shelf", again))
    assert [f["code"] for f in photo["flags"]] == ["photo_same_scene"]
    e = photo["flags"][0]["evidence"]
    assert e["verdict"] == "same_scene" and e["why"] == "another_exposure"
    assert e["figures"]["detail_correlation"] < 0.2 and e["figures"]["scene_agreement"] >= 0.3


def test_another_shop_of_the_chain_and_a_mirrored_copy(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    upload(mgr1, visit_of(mgr1, world), scene_jpeg("interior"))
    chain_shop = samples.jpeg_bytes(photo_scenes.photo(Scene("interior", 4, chain=3), View(noise=5), (800, 600)))
    assert upload(mgr1, visit_of(mgr1, world, merchant="a1_other"), chain_shop)["flags"] == []
    mirrored = photo_copies.apply(samples.decode(scene_jpeg("interior")).convert("RGB"), ("mirror", "screenshot"),
                                  random.Random(1))
    # Forwarded through a chat app at half size (the test client spools bodies over 500 kB to a file it leaks).
    forwarded = mirrored.resize((mirrored.width // 2, mirrored.height // 2))
    copy = upload(mgr1, visit_of(mgr1, world, merchant="a1_other"), samples.jpeg_bytes(forwarded, quality=80))
    assert flag(copy, "photo_reused")["evidence"]["transform"]["mirrored"] is True


def test_reuse_evidence_names_only_what_the_viewer_may_open(app: Flask, world: World, login: Any) -> None:
    """mgr2 reuses mgr1's photo: mgr2 learns it is a copy of a visit he cannot open, not which; the reviewer
    sees both photos side by side with the region outlined."""
    mgr1, mgr2 = login("mgr1"), login("mgr2")
    earlier = upload(mgr1, visit_of(mgr1, world), scene_jpeg("stock"))
    mine = visit_of(mgr2, world, merchant="a1_other", lead="mgr2")
    upload(mgr2, mine, turned_and_cropped(scene_jpeg("stock")))
    seen = mgr2.get(f"/api/v1/visits/{mine}").get_json()
    e = flag(seen["photos"][0], "photo_reused")["evidence"]
    assert e["earlier_hidden"] is True and "earlier_photo" not in e and "earlier_visit" not in e
    assert e["photos"]["other"] is None and "other" not in e["region"] and e["matches"] == []
    assert e["matches_hidden"] == 1 and earlier["id"] not in str(e)
    page = mgr2.get(f"/visits/{mine}").get_data(as_text=True)
    assert "data-match-hidden" in page and earlier["id"] not in page

    review = login("reviewer1").get(f"/review/visits/{mine}").get_data(as_text=True)
    assert 'data-match-photo="this"' in review and 'data-match-photo="other"' in review
    assert re.search(r'data-region="other"><polygon points="[0-9., ]+"', review)
    assert earlier["id"] in review and "data-transform" in review
    shown = login("reviewer1").get(f"/api/v1/visits/{mine}").get_json()
    assert flag(shown["photos"][0], "photo_reused")["evidence"]["earlier_photo"] == earlier["id"]


# --- copied reports ------------------------------------------------------------------------------------------


def test_a_copied_note_is_flagged_with_the_shared_passages(app: Flask, world: World, login: Any) -> None:
    mgr1, mgr2 = login("mgr1"), login("mgr2")
    original = put_visit(mgr1, visit_body(world.merchants["a1_owned"], notes={"observer": NOTE, "lead": "经营正常"},
                                          lat=point_at(3)[0], lon=point_at(3)[1]))
    assert visit_flag(original, "report_copied") is None
    copied = put_visit(mgr2, visit_body(world.merchants["a1_other"], lead="mgr2", notes={"lead": COPY},
                                        lat=point_at(90)[0], lon=point_at(90)[1]))
    e = visit_flag(copied, "report_copied")["evidence"]  # type: ignore[index]
    assert e["role"] == "lead" and e["similarity"] >= 0.65 and e["this_text"] == COPY
    assert any("临街门面，经营面积约" in COPY[a:b] for a, b in e["this_spans"])
    # mgr2 cannot open mgr1's visit: the other text and its record stay hidden.
    assert e["other_hidden"] is True and "other_text" not in e and original["id"] not in str(e)

    reviewer = login("reviewer1")
    shown = visit_flag(reviewer.get(f"/api/v1/visits/{copied['id']}").get_json(), "report_copied")
    assert shown["evidence"]["other"]["visit"] == original["id"] and shown["evidence"]["other_text"] == NOTE
    assert shown["evidence"]["other"]["author_name"] == "王芳"  # mgr1 wrote the visit
    page = reviewer.get(f"/review/visits/{copied['id']}").get_data(as_text=True)
    assert 'data-copied-text="this"' in page and 'data-copied-text="other"' in page
    assert "<mark>" in page and "临街门面" in page


def test_stock_phrases_and_a_note_changed_back_are_no_copy(app: Flask, world: World, login: Any) -> None:
    mgr1, mgr2 = login("mgr1"), login("mgr2")
    routine = "经营正常，库存充足。一切正常，继续跟进。还款正常，无异常。"
    put_visit(mgr1, visit_body(world.merchants["a1_owned"], notes={"lead": routine}, lat=point_at(4)[0],
                               lon=point_at(4)[1]))
    second = put_visit(mgr2, visit_body(world.merchants["a1_other"], lead="mgr2", notes={"lead": routine},
                                        lat=point_at(95)[0], lon=point_at(95)[1]))
    assert visit_flag(second, "report_copied") is None
    put_visit(mgr1, visit_body(world.merchants["a1_owned"], notes={"lead": NOTE}, lat=point_at(5)[0],
                               lon=point_at(5)[1]))
    body = visit_body(world.merchants["a1_other"], lead="mgr2", notes={"lead": COPY}, lat=point_at(96)[0],
                      lon=point_at(96)[1])
    response = put(mgr2, "8c5a4f0e-1b2c-4d3e-8f40-5a6b7c8d9e0f", body)
    assert visit_flag(response.get_json(), "report_copied") is not None
    body["notes"] = {"lead": "今天老板不在，约了下周二再来。店里在装修，暂停营业两天。"}
    updated = put(mgr2, "8c5a4f0e-1b2c-4d3e-8f40-5a6b7c8d9e0f", body, **{"If-Match": response.get_json()["etag"]})
    assert updated.status_code == 200 and visit_flag(updated.get_json(), "report_copied") is None


# --- camera and accuracy -------------------------------------------------------------------------------------


def _shot_at(hour: int, minute: int, make: str, model: str) -> bytes:
    """A photo whose EXIF says it was taken today at hour:minute, China time, with this camera."""
    day = datetime.now(UTC).astimezone(BANK_ZONE).date()
    image = photo_scenes.photo(Scene("street", hour * 60 + minute), View(noise=minute), (640, 480))
    exif = samples.make_exif(taken_at=datetime(day.year, day.month, day.day, hour, minute), make=make, model=model)
    return samples.jpeg_bytes(image, exif=exif)


def test_photos_suddenly_from_another_camera_the_same_day(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    first = visit_of(mgr1, world)
    assert upload(mgr1, first, _shot_at(0, 10, "Xiaomi", "Mi 13"))["flags"] == []
    assert upload(mgr1, visit_of(mgr1, world), _shot_at(0, 40, "Xiaomi", "Mi 13"))["flags"] == []
    other = upload(mgr1, visit_of(mgr1, world), _shot_at(1, 5, "HUAWEI", "P60"))
    e = flag(other, "photo_camera_changed")["evidence"]
    assert e["camera"] == "HUAWEI P60" and e["usual_camera"] == "Xiaomi Mi 13" and e["usual_photos"] == 2
    assert first in e["earlier_visits"] and e["visits_hidden"] == 0
    # The same new camera again that day is not a second sudden change.
    assert "photo_camera_changed" not in [f["code"] for f in upload(mgr1, visit_of(mgr1, world),
                                                                     _shot_at(1, 30, "HUAWEI", "P60"))["flags"]]


def test_the_camera_the_phone_read_before_shrinking_counts_too(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    plain = [samples.jpeg_bytes(photo_scenes.photo(Scene("shelf", s), View(noise=s), (480, 640))) for s in (1, 2, 3)]
    upload(mgr1, visit_of(mgr1, world), plain[0], exif_device="Xiaomi 23127PN0CC")
    upload(mgr1, visit_of(mgr1, world), plain[1], exif_device="Xiaomi 23127PN0CC")
    changed = upload(mgr1, visit_of(mgr1, world), plain[2], exif_device="iPhone 15")
    assert flag(changed, "photo_camera_changed")["evidence"]["usual_camera"] == "Xiaomi 23127PN0CC"


@pytest.mark.parametrize(("accuracies", "flagged"), [
    pytest.param((13.4, 13.4, 13.4), True, id="three-running"),
    pytest.param((12.0, 12.0, 12.0), False, id="whole-metres"),
    pytest.param((13.4, 9.2, 13.4), False, id="not-running"),
])
def test_check_in_accuracy_repeated_to_the_decimal(
    app: Flask, world: World, login: Any, accuracies: tuple[float, ...], flagged: bool
) -> None:
    mgr1 = login("mgr1")
    visits = []
    for i, accuracy in enumerate(accuracies):
        body = visit_body(world.merchants["a1_owned"], lat=point_at(5 + i, 40.0 * i)[0],
                          lon=point_at(5 + i, 40.0 * i)[1], accuracy=accuracy)
        body["checkin"]["captured_at"] = (datetime.now(UTC) - timedelta(minutes=30 - i)).isoformat(timespec="seconds")
        visits.append(put_visit(mgr1, body))
    assert visit_flag(visits[1], "checkin_accuracy_repeated") is None
    found = visit_flag(visits[2], "checkin_accuracy_repeated")
    assert (found is not None) is flagged
    if found:
        assert found["evidence"]["count"] == 3 and found["evidence"]["accuracy_m"] == 13.4
        assert found["evidence"]["visits"] == [visits[1]["id"], visits[0]["id"]]


# --- the precision table -------------------------------------------------------------------------------------


def test_precision_per_code_sub_branch_and_month(app: Flask, world: World, login: Any) -> None:
    mgr1 = login("mgr1")
    for i in range(3):
        body = visit_body(world.merchants["a1_owned"], lat=point_at(5 + i, 50.0 * i)[0],
                          lon=point_at(5 + i, 50.0 * i)[1], accuracy=21.7)
        body["checkin"]["captured_at"] = (datetime.now(UTC) - timedelta(minutes=30 - i)).isoformat(timespec="seconds")
        put_visit(mgr1, body)
    reviewer = login("reviewer1")
    page = reviewer.get("/review/").get_data(as_text=True)
    assert "/review/integrity/precision" in page
    ids = re.findall(r'/review/visits/([0-9a-f-]{36})', page)
    decided = 0
    for visit_id in dict.fromkeys(ids):
        visit_page = reviewer.get(f"/review/visits/{visit_id}").get_data(as_text=True)
        for flag_id in re.findall(r'id="flag-(\d+)" data-flag="checkin_accuracy_repeated"', visit_page):
            decision = "confirmed" if decided == 0 else "dismissed"
            response = reviewer.post(f"/review/visits/{visit_id}/flags/{flag_id}",
                                     data={"decision": decision, "reason": "看过了"})
            assert response.status_code == 303
            decided += 1
    assert decided == 1
    table = reviewer.get("/review/integrity/precision").get_data(as_text=True)
    row = re.search(r'data-precision-code="checkin_accuracy_repeated">(.*?)</tr>', table, re.S)
    assert row and "<td data-confirmed>1</td>" in row.group(1) and "<td data-precision>100%</td>" in row.group(1)
    assert "data-precision-row=\"checkin_accuracy_repeated|" in table
    assert reviewer.get("/review/integrity/precision?from=2026-13").status_code == 422
    assert reviewer.get("/review/integrity/precision?from=2020-01&to=2026-01").status_code == 422
    assert reviewer.get("/review/integrity/precision?code=nope").status_code == 422
    assert reviewer.get("/review/integrity/precision?sub_branch=99999").status_code == 422
    partial = reviewer.get("/review/integrity/precision", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="precision-table"' in partial and "<html" not in partial
    assert login("mgr1").get("/review/integrity/precision").status_code == 403
