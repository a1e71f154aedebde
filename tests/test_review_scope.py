"""Who may review what: a reviewer of one branch sees nothing of another; managers and admins never review;
a team lead sees their team only. Out of scope is 404, a role that never reviews is 403."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.factories import World
from tests.review_helpers import create_visit, decision, download


@pytest.fixture
def visits(app: Flask, world: World) -> dict[str, str]:
    return {
        "a1": create_visit(app, world, lead="mgr1", seed=1),
        "a2": create_visit(app, world, lead="mgr7", merchant="a2", seed=2),
        "b": create_visit(app, world, lead="mgrb", merchant="other_branch", seed=3),
    }


def visit_urls(visit_id: str) -> list[str]:
    return [f"/review/visits/{visit_id}", f"/review/visits/{visit_id}/record.pdf"]


def test_a_reviewer_of_branch_b_sees_nothing_of_branch_a(app: Flask, visits: dict[str, str], login: Any) -> None:
    outsider = login("reviewerb")
    queue = outsider.get("/review/").get_data(as_text=True)
    assert visits["b"] in queue and visits["a1"] not in queue and visits["a2"] not in queue
    for key in ("a1", "a2"):
        for url in visit_urls(visits[key]):
            assert download(outsider, url)[0] == 404, url
        assert decision(outsider, visits[key], "approve").status_code == 404
        assert outsider.post(f"/review/visits/{visits[key]}/flags/1", {"decision": "confirmed"}).status_code == 404
    status, data, _headers = download(outsider, "/review/export.zip?language=en")
    assert status == 200
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        manifest = list(csv.DictReader(io.StringIO(zipped.read("manifest.csv").decode("utf-8-sig"))))
    assert {row["visit_id"] for row in manifest} == {visits["b"]}
    # The branch's own reviewer sees both sub-branches and not branch B.
    own = login("reviewer1").get("/review/").get_data(as_text=True)
    assert visits["a1"] in own and visits["a2"] in own and visits["b"] not in own


def test_samples_stay_in_their_branch(app: Flask, visits: dict[str, str], login: Any) -> None:
    today = datetime.now(UTC).date()
    form = {"from": (today - timedelta(days=3)).isoformat(), "to": (today + timedelta(days=1)).isoformat(),
            "percent": "100", "minimum": "1"}
    drawn = login("reviewer1").post("/review/samples/", form)
    assert drawn.status_code == 303
    sample_url = drawn.headers["Location"]
    outsider = login("reviewerb")
    assert outsider.get(sample_url).status_code == 404
    assert sample_url not in outsider.get("/review/samples/").get_data(as_text=True)
    theirs = outsider.post("/review/samples/", form)
    page = outsider.get(theirs.headers["Location"]).get_data(as_text=True)
    assert visits["b"] in page and visits["a1"] not in page and visits["a2"] not in page


@pytest.mark.parametrize("username", ["mgr1", "admin"])
def test_managers_and_admins_cannot_review(app: Flask, visits: dict[str, str], login: Any, username: str) -> None:
    user = login(username)
    for url in ["/review/", "/review/export.zip", "/review/samples/", *visit_urls(visits["a1"])]:
        assert download(user, url)[0] == 403, url
    assert decision(user, visits["a1"], "approve").status_code == 403
    assert user.post("/review/samples/", {"from": "2026-01-01", "to": "2026-01-31", "percent": "10",
                                          "minimum": "1"}).status_code == 403
    assert "/review/" not in user.get("/merchants/").get_data(as_text=True)  # no Review tab


def test_a_team_lead_reviews_their_team_only(app: Flask, visits: dict[str, str], login: Any) -> None:
    lead1, lead2 = login("lead1"), login("lead2")
    queue = lead1.get("/review/").get_data(as_text=True)
    assert visits["a1"] in queue and visits["a2"] not in queue
    assert 'href="/review/"' in lead1.get("/more").get_data(as_text=True)  # Review, under "More" for a lead
    assert lead2.get(f"/review/visits/{visits['a1']}").status_code == 404
    assert decision(lead2, visits["a1"], "send_back", "不是你的队").status_code == 404
    assert decision(lead1, visits["a1"], "send_back", "补拍门头").status_code == 303


def test_decisions_need_the_csrf_token(app: Flask, visits: dict[str, str], login: Any) -> None:
    reviewer = login("reviewer1")
    response = reviewer.client.post(f"/review/visits/{visits['a1']}/decision", data={"action": "approve"})
    assert response.status_code == 400


def test_logged_out_is_sent_to_login(app: Flask, visits: dict[str, str], client: Any) -> None:
    response = client.get("/review/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
