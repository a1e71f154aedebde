"""The review queue: filters, counts per state and per flag, keyset pages, htmx fragments, the photo log."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.factories import World
from tests.review_helpers import create_visit, decision
from webapp.bank_time import BANK_ZONE
from webapp.extensions import db
from webapp.models import VisitFlag


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Pages of two, so three visits make two pages."""
    return {**app_config, "REVIEW_PAGE_SIZE": 2}


ROW = re.compile(r'data-review-row="([0-9a-f-]{36})"')


def rows(html: str) -> list[str]:
    return ROW.findall(html)


def count(html: str, state: str) -> int:
    match = re.search(rf'data-state-count="{state}"[^>]*>[^<]*<strong>(\d+)</strong>', html)
    assert match, f"no count for {state}"
    return int(match.group(1))


def test_the_queue_pages_by_keyset_newest_first(app: Flask, world: World, login: Any) -> None:
    now = datetime.now(UTC)
    ids = [create_visit(app, world, at=now - timedelta(hours=h), seed=h + 1) for h in (1, 2, 3)]
    reviewer = login("reviewer1")
    first = reviewer.get("/review/")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert rows(html) == ids[:2]
    assert count(html, "all") == 3 and count(html, "received") == 3
    more = re.search(r'hx-get="(/review/\?before=[^"]+)"', html)
    assert more
    second = reviewer.htmx_get(more.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    fragment = second.get_data(as_text=True)
    assert "<html" not in fragment and "data-state-count" not in fragment
    assert rows(fragment) == ids[2:]
    assert "hx-get" not in fragment  # the last page has no More link


def test_filters_and_counts(app: Flask, world: World, login: Any) -> None:
    mine = create_visit(app, world, seed=1)
    other = create_visit(app, world, lead="mgr2", merchant="a1_other", seed=2, kind="post_loan")
    a2 = create_visit(app, world, lead="mgr7", merchant="a2", seed=3)
    reviewer = login("reviewer1")
    assert decision(reviewer, mine, "approve").status_code == 303
    assert decision(reviewer, other, "send_back", "补拍").status_code == 303

    def shown(query: str) -> set[str]:
        response = reviewer.get(f"/review/?{query}")
        assert response.status_code == 200
        return set(rows(response.get_data(as_text=True)))

    assert shown("state=received") == {a2}
    assert shown("state=approved") == {mine}
    assert shown("state=sent_back") == {other}
    assert shown(f"manager={world.users['mgr2']}") == {other}
    assert shown(f"sub_branch={world.sub_branches['A2']}") == {a2}
    assert shown(f"team={world.teams['T1']}") == {mine, other}
    assert shown("kind=post_loan") == {other}
    assert shown("merchant=鑫源") == {a2}
    assert shown("merchant=A1-002") == {other}
    html = reviewer.get("/review/?state=approved").get_data(as_text=True)
    # Counts per state ignore the state filter itself.
    assert (count(html, "all"), count(html, "received"), count(html, "approved"), count(html, "sent_back"),
            count(html, "rejected")) == (3, 1, 1, 1, 0)


def test_flag_filter_and_flag_counts(app: Flask, world: World, login: Any) -> None:
    flagged = create_visit(app, world, seed=1)
    judged = create_visit(app, world, lead="mgr2", merchant="a1_other", seed=2)
    clean = create_visit(app, world, lead="mgr3", merchant="a1_unlocated", seed=3)
    with app.app_context():
        for visit_id in (flagged, judged):
            db.session.add(VisitFlag(visit_id=visit_id, code="clock_skew", detail="skew", evidence={"skew_s": 900}))
        db.session.commit()
        judged_flag = db.session.scalar(db.select(VisitFlag.id).where(VisitFlag.visit_id == judged))
    reviewer = login("reviewer1")
    assert reviewer.post(f"/review/visits/{judged}/flags/{judged_flag}",
                         {"decision": "dismissed", "reason": "手机时区设置错误"}).status_code == 303
    html = reviewer.get("/review/").get_data(as_text=True)
    badge = re.search(r'data-flag-count="clock_skew" data-open="(\d+)">[^<]*<strong>(\d+)</strong>', html)
    assert badge and badge.groups() == ("1", "2")
    assert set(rows(reviewer.get("/review/?flag=clock_skew").get_data(as_text=True))) == {flagged, judged}
    assert rows(reviewer.get("/review/?flag=open").get_data(as_text=True)) == [flagged]
    assert clean not in reviewer.get("/review/?flag=any").get_data(as_text=True)


def test_the_period_bounds_the_queue(app: Flask, world: World, login: Any) -> None:
    now = datetime.now(UTC)
    recent = create_visit(app, world, at=now, seed=1)
    older = create_visit(app, world, at=now - timedelta(days=20), seed=2)
    reviewer = login("reviewer1")
    assert rows(reviewer.get("/review/").get_data(as_text=True)) == [recent]  # the last 7 days by default
    day = (now - timedelta(days=20, minutes=5)).astimezone(BANK_ZONE).date()  # the visit started 5 min before
    window = f"from={(day - timedelta(days=5)).isoformat()}&to={(day + timedelta(days=5)).isoformat()}"
    assert rows(reviewer.get(f"/review/?{window}").get_data(as_text=True)) == [older]
    assert rows(reviewer.get(f"/review/?day={day.isoformat()}").get_data(as_text=True)) == [older]
    too_long = reviewer.get(f"/review/?from={(day - timedelta(days=40)).isoformat()}&to={day.isoformat()}",
                            headers={"HX-Request": "true"})
    assert too_long.status_code == 422
    assert "data-filter-errors" in too_long.get_data(as_text=True)
    assert reviewer.get("/review/?from=yesterday").status_code == 422


def test_the_photo_log_has_thumbnails_lightbox_and_evidence(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world, photos=2)
    html = login("reviewer1").get("/review/").get_data(as_text=True)
    assert html.count("data-lightbox-item") == 2
    assert '<dialog class="lightbox"' in html and "js/lightbox.js" in html
    assert html.count("/thumb.jpg") == 2
    assert html.count("/display.jpg") == 2
    for key in ("exif-time", "phone-time", "uploaded", "checkin", "exif-gps", "device"):
        assert f'data-evidence="{key}"' in html
    page = login("reviewer1").get(f"/review/visits/{visit_id}").get_data(as_text=True)
    assert 'data-evidence="matches"' in page and 'data-match-count="0"' in page


def test_a_reused_photo_shows_beside_its_match(app: Flask, world: World, login: Any) -> None:
    from tests.visit_helpers import jpeg_bytes

    same = jpeg_bytes(42)
    first = create_visit(app, world, photo_data=[same], seed=1)
    second = create_visit(app, world, lead="mgr2", merchant="a1_other", photo_data=[same], seed=2)
    page = login("reviewer1").get(f"/review/visits/{second}").get_data(as_text=True)
    assert 'data-flag="photo_reused"' in page
    assert 'data-match-count="1"' in page and "match-pair" in page
    assert f'/review/visits/{first}' in page
    # The earlier visit shows the later look-alike too: the hash index is asked again on the page.
    earlier = login("reviewer1").get(f"/review/visits/{first}").get_data(as_text=True)
    assert 'data-match-count="1"' in earlier and f'/review/visits/{second}' in earlier


def test_the_queue_varies_on_hx_request(app: Flask, world: World, login: Any) -> None:
    create_visit(app, world)
    response = login("reviewer1").htmx_get("/review/?state=received")
    assert response.status_code == 200 and "HX-Request" in response.headers.get("Vary", "")
    assert response.get_data(as_text=True).lstrip().startswith('<div class="review-results"')


def test_back_to_the_queue_keeps_the_filters_and_stays_on_the_site(app: Flask, world: World, login: Any) -> None:
    visit_id = create_visit(app, world)
    reviewer = login("reviewer1")
    html = reviewer.get("/review/?state=received").get_data(as_text=True)
    link = re.search(rf'href="(/review/visits/{visit_id}\?back=[^"]+)"', html)
    assert link
    page = reviewer.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    back = re.search(r'<a href="([^"]*)" data-back>', page)
    assert back and back.group(1).startswith("/review/?") and "state=received" in back.group(1)
    for evil in ("//evil.example/", "https://evil.example/review/", "/merchants/"):
        other = reviewer.get(f"/review/visits/{visit_id}", query_string={"back": evil}).get_data(as_text=True)
        back = re.search(r'<a href="([^"]*)" data-back>', other)
        assert back and back.group(1) == "/review/"
