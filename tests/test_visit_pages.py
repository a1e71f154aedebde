"""The visit pages a manager uses on the phone: the form, the visit page, confirmations, edits and the list.

Forms are read from the pages themselves (as a browser would fill them) and posted back, so a field the
template forgets or misnames fails here. Users read English: the msgids, so the assertions hold once the
Chinese catalogue lands.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.conftest import LoggedIn
from tests.factories import WULIN, World
from tests.page_helpers import FAR, HX, checkin_fields, count, english, new_visit_form, read_form, submit_visit
from tests.visit_helpers import jpeg_bytes, new_id, now_iso, photo_form
from webapp.extensions import db
from webapp.models import SquadConfirmation, Visit, VisitFlag, VisitVersion


def rows(html: str) -> dict[str, str]:
    """Each visit row of a list, by visit id."""
    parts = re.split(r'(?=<li class="row" data-visit-row=")', html)
    found = {}
    for part in parts[1:]:
        match = re.match(r'<li class="row" data-visit-row="([^"]+)"', part)
        assert match
        found[match.group(1)] = part.split("</li>")[0]
    return found


def error_beside(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="error-{field}" data-error-for="{field}">(.*?)</p>', html, re.S)
    assert match, f"no error shown for {field}"
    return match.group(1).strip()


@pytest.fixture
def mgr1(login: Any) -> LoggedIn:
    return english(login("mgr1"))


# --- the form ----------------------------------------------------------------------------------------


def test_form_offers_the_sub_branch_squad_and_a_fresh_id(world: World, mgr1: LoggedIn) -> None:
    page = mgr1.get(f"/merchants/{world.merchants['a1_owned']}/visits/new?kind=post_loan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    form = read_form(html, "visit-form")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", form["visit_id"])
    assert form["squad_lead"] == "mgr1" and form["kind"] == "post_loan" and form["csrf_token"]
    assert form["started_at"]
    assert 'value="mgr2"' in html and 'value="lead1"' in html
    assert 'value="mgr7"' not in html and 'value="reviewer1"' not in html
    # Photos taken on the form go through the phone's outbox after the visit, never in the form post.
    assert not re.search(r'<input[^>]*type="file"[^>]*\sname=', html), "no photo travels in the form post"
    assert "data-form-photos" in html
    again = read_form(mgr1.get(f"/merchants/{world.merchants['a1_owned']}/visits/new").get_data(as_text=True),
                      "visit-form")
    assert again["visit_id"] != form["visit_id"]


def test_form_is_404_out_of_scope_and_403_for_reviewers(world: World, mgr1: LoggedIn, login: Any) -> None:
    assert mgr1.get(f"/merchants/{world.merchants['a2']}/visits/new").status_code == 404
    assert mgr1.get(f"/merchants/{world.other_branch_merchant}/visits/new").status_code == 404
    reviewer = login("reviewer1")
    assert reviewer.get(f"/merchants/{world.merchants['a1_owned']}/visits/new").status_code == 403


def test_saving_creates_one_visit_and_a_replay_creates_none(app: Flask, world: World, mgr1: LoggedIn) -> None:
    form = new_visit_form(mgr1, world.merchants["a1_owned"], **checkin_fields(), effective="yes",
                          deals=["credit_card", "aggregated_qr"], application_product="经营贷",
                          application_amount="200000", notes_lead="老板想扩店")
    first = mgr1.post(f"/visits/{form['visit_id']}", form)
    assert first.status_code == 303
    second = mgr1.post(f"/visits/{form['visit_id']}", form)  # double tap, or back and submit again
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]
    assert count(app, Visit) == 1 and count(app, VisitVersion) == 1
    with app.app_context():
        visit = db.session.get(Visit, form["visit_id"])
        assert visit is not None
        assert visit.outcome["deals"] == ["aggregated_qr", "credit_card"]
        assert visit.outcome["application"] == {"product": "经营贷", "amount": 200000.0}
        assert visit.notes == {"lead": "老板想扩店"}
        assert visit.checkin_status == "verified"


def test_htmx_save_redirects_the_whole_page(app: Flask, world: World, mgr1: LoggedIn) -> None:
    form = new_visit_form(mgr1, world.merchants["a1_owned"], **checkin_fields())
    response = mgr1.post(f"/visits/{form['visit_id']}", form, headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/visits/{form['visit_id']}"
    assert count(app, Visit) == 1


def test_a_form_without_location_saves_as_unverifiable(app: Flask, world: World, mgr1: LoggedIn) -> None:
    vid = submit_visit(mgr1, world.merchants["a1_owned"], point=None)
    page = mgr1.get(f"/visits/{vid}").get_data(as_text=True)
    assert 'data-checkin-status="unverifiable"' in page
    assert 'data-flag="low_accuracy"' in page and "No location was sent with the check-in." in page


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"checkin_lat": "91"}, "checkin_lat", "Latitude must be a number between -90 and 90."),
    ({"checkin_accuracy_m": "-3"}, "checkin_accuracy_m", "Accuracy must be a number of metres, zero or more."),
    ({"application_product": "经营贷", "application_amount": "-5"}, "application_amount",
     "The amount must be a positive number of yuan."),
    ({"squad_support": "mgr7"}, "squad_support", "This person belongs to another sub-branch."),
    ({"notes_observer": "货" * 2001}, "notes_observer", "At most 2000 characters."),
    ({"kind": "post_loan"}, "checklist_operating_state", "Required."),
    ({"squad_support": "mgr1"}, "squad", "One person cannot take two roles in a squad."),
    ({"follow_up_date": "next week"}, "follow_up_date", "Expected a date such as 2026-11-28."),
])
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_invalid_form_shows_errors_beside_fields_and_stores_nothing(
    app: Flask, world: World, mgr1: LoggedIn, fields: dict[str, str], field: str, message: str, htmx: bool,
) -> None:
    form = new_visit_form(mgr1, world.merchants["a1_owned"], **checkin_fields())
    form.update(fields)
    response = mgr1.post(f"/visits/{form['visit_id']}", form, headers=HX if htmx else {})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_beside(html, field) == message
    assert ("<html" in html) is not htmx, "htmx gets the form fragment, a plain post the whole page"
    assert count(app, Visit) == 0
    again = read_form(html, "visit-form")
    assert again["visit_id"] == form["visit_id"], "the corrected form saves under the same id"
    if field in ("application_amount", "squad_support", "notes_observer", "follow_up_date"):
        assert f'aria-describedby="error-{field}"' in html


def test_invalid_form_keeps_what_was_typed(world: World, mgr1: LoggedIn) -> None:
    form = new_visit_form(mgr1, world.merchants["a1_owned"], **checkin_fields(), notes_lead="说了很多",
                          deals=["loan", "bill_payment"], application_product="经营贷", application_amount="-5")
    html = mgr1.post(f"/visits/{form['visit_id']}", form, headers=HX).get_data(as_text=True)
    again = read_form(html, "visit-form")
    assert again["notes_lead"] == "说了很多"
    assert sorted(again["deals"]) == ["bill_payment", "loan"]
    assert again["checkin_lat"] == str(WULIN[0])


# --- the visit page --------------------------------------------------------------------------------------


def test_visit_page_shows_checkin_rating_and_flags(world: World, mgr1: LoggedIn) -> None:
    near = submit_visit(mgr1, world.merchants["a1_owned"])
    html = mgr1.get(f"/visits/{near}").get_data(as_text=True)
    assert 'data-checkin-status="verified"' in html
    assert 'data-flag-count="0"' in html and "data-flag=" not in html

    far = submit_visit(mgr1, world.merchants["a1_other"], point=FAR, accuracy=20)
    html = mgr1.get(f"/visits/{far}").get_data(as_text=True)
    assert 'data-checkin-status="outside_geofence"' in html
    assert 'data-flag="outside_geofence"' in html
    assert "Check-in outside the geofence" in html
    distance = re.search(r"(\d+) m from the registered location, accuracy ±20 m, geofence radius 200 m", html)
    assert distance and 2800 < int(distance.group(1)) < 3000


def test_reviewer_sees_the_visit_without_uploader_and_other_sub_branch_gets_404(
    world: World, mgr1: LoggedIn, login: Any,
) -> None:
    vid = submit_visit(mgr1, world.merchants["a1_owned"])
    own = mgr1.get(f"/visits/{vid}").get_data(as_text=True)
    assert "data-photo-uploader" in own and 'capture="environment"' in own
    reviewer = login("reviewer1")
    page = reviewer.get(f"/visits/{vid}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-checkin-status="verified"' in html
    assert "data-photo-uploader" not in html and "data-edit-visit" not in html
    assert login("mgr7").get(f"/visits/{vid}").status_code == 404
    assert login("reviewerb").get(f"/visits/{vid}").status_code == 404
    assert mgr1.get("/visits/not-a-uuid").status_code == 404


def test_photos_partial_refreshes_with_the_uploaded_photo(world: World, mgr1: LoggedIn) -> None:
    vid = submit_visit(mgr1, world.merchants["a1_owned"])
    empty = mgr1.htmx_get(f"/visits/{vid}/photos")
    assert empty.status_code == 200 and "<html" not in empty.get_data(as_text=True)
    assert 'data-photo-count="0"' in empty.get_data(as_text=True)
    pid = new_id()
    put = mgr1.api("PUT", f"/api/v1/visits/{vid}/photos/{pid}", data=photo_form(jpeg_bytes(11), category="inventory"),
                   content_type="multipart/form-data")
    assert put.status_code == 201, put.get_json()
    html = mgr1.htmx_get(f"/visits/{vid}/photos").get_data(as_text=True)
    assert f'data-photo-id="{pid}"' in html and 'data-photo-group="inventory"' in html
    assert f"/photos/{pid}/display.jpg" in html
    assert mgr1.get(f"/visits/{vid}/photos").status_code == 302  # not a page of its own


def test_post_loan_page_shows_last_inspections_inventory_beside(app: Flask, world: World, mgr1: LoggedIn) -> None:
    checklist = {"checklist_operating_state": "normal", "checklist_inventory_level": "normal",
                 "checklist_fixed_assets": "unchanged", "checklist_abnormal": "no"}
    merchant = world.merchants["a1_owned"]
    first = submit_visit(mgr1, merchant, kind="post_loan", started_at=now_iso(-7200), **checklist)
    old_photo = new_id()
    assert mgr1.api("PUT", f"/api/v1/visits/{first}/photos/{old_photo}",
                    data=photo_form(jpeg_bytes(21), category="inventory"),
                    content_type="multipart/form-data").status_code == 201
    second = submit_visit(mgr1, merchant, kind="post_loan", **checklist)
    html = mgr1.get(f"/visits/{second}").get_data(as_text=True)
    assert "data-previous-inventory" in html and f'data-previous-photo-id="{old_photo}"' in html
    assert "data-checklist" in html and "Operating normally" in html
    marketing = submit_visit(mgr1, merchant)
    assert "data-previous-inventory" not in mgr1.get(f"/visits/{marketing}").get_data(as_text=True)


# --- squad confirmations ----------------------------------------------------------------------------------


def confirm_form(user: LoggedIn, vid: str, point: tuple[float, float] = WULIN, note: str = "") -> dict[str, Any]:
    page = user.get(f"/visits/{vid}").get_data(as_text=True)
    form = read_form(page, "confirm-form")
    form.update(checkin_fields(point), note=note)
    return form


def test_support_confirms_once_from_own_login(app: Flask, world: World, mgr1: LoggedIn, login: Any) -> None:
    vid = submit_visit(mgr1, world.merchants["a1_owned"], squad_support="mgr2", squad_observer="mgr3",
                       headers={"X-Device-Id": "phone-of-mgr1"})
    mgr2 = english(login("mgr2"))
    assert 'data-member="mgr2" data-confirmed="no"' in mgr2.get(f"/visits/{vid}").get_data(as_text=True)
    form = confirm_form(mgr2, vid, note="老板娘也在，存货不少")
    first = mgr2.post(f"/visits/{vid}/confirm", form, headers={"X-Device-Id": "phone-of-mgr2"})
    assert first.status_code == 303 and first.headers["Location"].endswith(f"/visits/{vid}")
    again = mgr2.post(f"/visits/{vid}/confirm", form, headers={"X-Device-Id": "phone-of-mgr2"})
    assert again.status_code == 303
    assert count(app, SquadConfirmation) == 1

    html = mgr1.get(f"/visits/{vid}").get_data(as_text=True)
    assert 'data-member="mgr2" data-confirmed="yes"' in html
    assert 'data-member="mgr3" data-confirmed="no"' in html
    assert "老板娘也在，存货不少" in html
    assert 'data-flag-count="0"' in html
    assert 'id="confirm-form"' not in mgr2.get(f"/visits/{vid}").get_data(as_text=True)

    changed = dict(form, note="改口了")
    conflict = mgr2.post(f"/visits/{vid}/confirm", changed, headers=HX)
    assert conflict.status_code == 409
    assert "You already confirmed this visit with different content." in conflict.get_data(as_text=True)
    assert count(app, SquadConfirmation) == 1


def test_confirm_is_refused_to_those_outside_the_squad(app: Flask, world: World, mgr1: LoggedIn, login: Any) -> None:
    vid = submit_visit(mgr1, world.merchants["a1_owned"], squad_support="mgr2")
    # mgr3 is in the team but not in this squad: the visit is not theirs to see (scope answers 404).
    mgr3 = login("mgr3")
    assert mgr3.get(f"/visits/{vid}").status_code == 404
    assert mgr3.post(f"/visits/{vid}/confirm", checkin_fields()).status_code == 404
    # The team lead sees the visit but has no part in it to confirm.
    lead1 = english(login("lead1"))
    refused = lead1.post(f"/visits/{vid}/confirm", checkin_fields())
    assert refused.status_code == 403
    assert "Only the support and the observer of this squad confirm it" in refused.get_data(as_text=True)
    refused_htmx = lead1.post(f"/visits/{vid}/confirm", checkin_fields(), headers=HX)
    assert refused_htmx.status_code == 403 and "<html" not in refused_htmx.get_data(as_text=True)
    # The lead who wrote the visit confirms nothing either: the lead's part is the visit itself.
    assert mgr1.post(f"/visits/{vid}/confirm", checkin_fields()).status_code == 403
    assert count(app, SquadConfirmation) == 0


def test_confirm_errors_sit_beside_fields(app: Flask, world: World, mgr1: LoggedIn, login: Any) -> None:
    vid = submit_visit(mgr1, world.merchants["a1_owned"], squad_observer="mgr3")
    mgr3 = english(login("mgr3"))
    form = confirm_form(mgr3, vid)
    form["checkin_lon"] = "181"
    response = mgr3.post(f"/visits/{vid}/confirm", form, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_beside(html, "checkin_lon") == "Longitude must be a number between -180 and 180."
    assert "<html" not in html and 'id="confirm-form"' in html
    plain = mgr3.post(f"/visits/{vid}/confirm", form)
    assert plain.status_code == 422 and "<html" in plain.get_data(as_text=True)
    assert count(app, SquadConfirmation) == 0


def test_one_phone_for_two_members_and_a_far_member_are_flagged(
    app: Flask, world: World, mgr1: LoggedIn, login: Any,
) -> None:
    vid = submit_visit(mgr1, world.merchants["a1_owned"], squad_support="mgr2", squad_observer="mgr3",
                       headers={"X-Device-Id": "the-one-phone"})
    mgr2 = login("mgr2")
    assert mgr2.post(f"/visits/{vid}/confirm", confirm_form(mgr2, vid),
                     headers={"X-Device-Id": "the-one-phone"}).status_code == 303
    mgr3 = login("mgr3")
    assert mgr3.post(f"/visits/{vid}/confirm", confirm_form(mgr3, vid, point=FAR),
                     headers={"X-Device-Id": "mgr3-phone"}).status_code == 303
    html = mgr1.get(f"/visits/{vid}").get_data(as_text=True)
    assert 'data-flag="squad_single_device"' in html
    assert "mgr2 confirmed on the same phone as mgr1." in html
    assert 'data-flag="squad_not_copresent"' in html
    assert re.search(r"mgr3 checked in \d+ m and [\d.]+ min away from the lead", html)


# --- editing -------------------------------------------------------------------------------------------------


def test_edit_with_current_etag_makes_version_2_and_a_stale_one_conflicts(
    app: Flask, world: World, mgr1: LoggedIn,
) -> None:
    vid = submit_visit(mgr1, world.merchants["a1_owned"], notes_lead="第一次")
    page = mgr1.get(f"/visits/{vid}")
    assert f'href="/visits/{vid}/edit"' in page.get_data(as_text=True)
    form = read_form(mgr1.get(f"/visits/{vid}/edit").get_data(as_text=True), "visit-form")
    assert form["if_match"] and form["notes_lead"] == "第一次" and form["visit_id"] == vid
    stale_etag = form["if_match"]

    # Saving the edit form untouched is a replay: still version 1.
    assert mgr1.post(f"/visits/{vid}", form).status_code == 303
    with app.app_context():
        assert db.session.get(Visit, vid).version == 1  # type: ignore[union-attr]

    edited = dict(form, notes_lead="第二次", effective="yes")
    assert mgr1.post(f"/visits/{vid}", edited).status_code == 303
    with app.app_context():
        visit = db.session.get(Visit, vid)
        assert visit is not None and visit.version == 2 and visit.notes == {"lead": "第二次"}
    assert 'data-version="2"' in mgr1.get(f"/visits/{vid}").get_data(as_text=True)

    stale = dict(form, notes_lead="第三次", if_match=stale_etag)
    conflict = mgr1.post(f"/visits/{vid}", stale, headers=HX)
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    assert "This visit was already saved with different content." in html and "data-conflict" in html
    assert f'href="/visits/{vid}/edit"' in html
    with app.app_context():
        visit = db.session.get(Visit, vid)
        assert visit is not None and visit.version == 2 and visit.notes == {"lead": "第二次"}


def test_edit_form_round_trips_every_field(app: Flask, world: World, mgr1: LoggedIn) -> None:
    """Every value the form saved comes back into the edit form exactly: saving it untouched changes nothing."""
    vid = submit_visit(
        mgr1, world.merchants["a1_owned"], kind="post_loan", squad_support="mgr2", squad_observer="lead1",
        effective="yes", application_product="经营贷", application_amount="123456.78",
        deals=["loan", "pension_account"], next_step="周五带合同", follow_up_date="2026-12-05",
        checklist_operating_state="reduced", checklist_inventory_level="low", checklist_fixed_assets="decreased",
        checklist_abnormal="yes", checklist_abnormal_detail="仓库半空", notes_lead="甲", notes_support="乙",
        notes_observer="丙")
    form = read_form(mgr1.get(f"/visits/{vid}/edit").get_data(as_text=True), "visit-form")
    assert form["application_amount"] == "123456.78" and form["checklist_abnormal"] == "yes"
    assert form["squad_observer"] == "lead1" and sorted(form["deals"]) == ["loan", "pension_account"]
    assert mgr1.post(f"/visits/{vid}", form).status_code == 303
    with app.app_context():
        visit = db.session.get(Visit, vid)
        assert visit is not None and visit.version == 1
        assert visit.outcome["checklist"] == {"operating_state": "reduced", "inventory_level": "low",
                                              "fixed_assets": "decreased", "abnormal": True,
                                              "abnormal_detail": "仓库半空"}
        assert visit.notes == {"lead": "甲", "support": "乙", "observer": "丙"}


def test_only_lead_or_creator_edits(world: World, mgr1: LoggedIn, login: Any) -> None:
    vid = submit_visit(mgr1, world.merchants["a1_owned"], squad_support="mgr2")
    mgr2 = login("mgr2")
    assert "data-edit-visit" not in mgr2.get(f"/visits/{vid}").get_data(as_text=True)
    assert mgr2.get(f"/visits/{vid}/edit").status_code == 403
    assert login("mgr7").get(f"/visits/{vid}/edit").status_code == 404


def test_new_form_without_if_match_on_a_saved_id_conflicts(app: Flask, world: World, mgr1: LoggedIn) -> None:
    form = new_visit_form(mgr1, world.merchants["a1_owned"], **checkin_fields())
    assert mgr1.post(f"/visits/{form['visit_id']}", form).status_code == 303
    changed = dict(form, notes_lead="换了内容")
    response = mgr1.post(f"/visits/{form['visit_id']}", changed)
    assert response.status_code == 409
    assert f'href="/visits/{form["visit_id"]}"' in response.get_data(as_text=True)
    assert count(app, Visit) == 1


# --- lists -------------------------------------------------------------------------------------------------------


def test_visit_list_scope(app: Flask, world: World, mgr1: LoggedIn, login: Any) -> None:
    mine = submit_visit(mgr1, world.merchants["a1_owned"], started_at=now_iso(-400))
    far = submit_visit(mgr1, world.merchants["a1_owned"], point=FAR, started_at=now_iso(-300))
    mgr2 = login("mgr2")
    theirs = submit_visit(mgr2, world.merchants["a1_other"], point=(WULIN[0] + 0.001, WULIN[1]),
                          started_at=now_iso(-200))
    squad = submit_visit(mgr2, world.merchants["a1_other"], point=(WULIN[0] + 0.001, WULIN[1]),
                         squad_support="mgr1", started_at=now_iso(-100))

    html = mgr1.get("/visits/").get_data(as_text=True)
    listed = rows(html)
    assert set(listed) == {mine, far, squad}
    assert "data-flag-count" not in listed[mine]
    assert 'data-checkin-status="outside_geofence"' in listed[far]
    assert "data-flag-count" in listed[far] and "data-flag-code" not in listed[far], "managers see a count"

    lead1 = english(login("lead1"))
    html = lead1.get("/visits/").get_data(as_text=True)
    listed = rows(html)
    assert set(listed) == {mine, far, theirs, squad}
    assert 'data-flag-code="outside_geofence"' in listed[far], "the lead sees which flags"
    assert list(listed) == [squad, theirs, far, mine], "newest first"

    assert "data-visit-row" not in login("lead2").get("/visits/").get_data(as_text=True)


def test_visit_list_pages_by_fifty(app: Flask, world: World, mgr1: LoggedIn) -> None:
    for _ in range(52):
        submit_visit(mgr1, world.merchants["a1_owned"], point=None)
    first = mgr1.get("/visits/").get_data(as_text=True)
    assert first.count("data-visit-row=") == 50
    more = re.search(r'hx-get="(/visits/\?before=[^"]+)"', first)
    assert more
    rest = mgr1.htmx_get(more.group(1).replace("&amp;", "&"))
    html = rest.get_data(as_text=True)
    assert "<html" not in html and html.count("data-visit-row=") == 2 and "hx-get" not in html
    ids = set(re.findall(r'data-visit-row="([^"]+)"', first)) | set(re.findall(r'data-visit-row="([^"]+)"', html))
    assert len(ids) == 52


def test_merchant_page_starts_visits_and_lists_recent_ones(world: World, mgr1: LoggedIn, login: Any) -> None:
    merchant = world.merchants["a1_owned"]
    html = mgr1.get(f"/merchants/{merchant}").get_data(as_text=True)
    for kind in ("marketing", "post_loan", "collection"):
        assert f'href="/merchants/{merchant}/visits/new?kind={kind}"' in html
    vid = submit_visit(mgr1, merchant, point=FAR)
    html = mgr1.get(f"/merchants/{merchant}").get_data(as_text=True)
    assert f'data-visit-row="{vid}"' in html and 'data-checkin-status="outside_geofence"' in html
    reviewer = login("reviewer1")
    html = reviewer.get(f"/merchants/{merchant}").get_data(as_text=True)
    assert "data-start-visit" not in html and f'data-visit-row="{vid}"' in html
    assert f'data-visit-row="{vid}"' not in login("mgr3").get(f"/merchants/{merchant}").get_data(as_text=True)


def test_nav_shows_visits_and_proposals_by_role(world: World, mgr1: LoggedIn, login: Any) -> None:
    """Visits is a manager's and a reviewer's tab; a lead finds visits and location proposals under "More"."""
    assert 'href="/visits/"' in mgr1.get("/merchants/").get_data(as_text=True)
    assert 'href="/location-proposals"' not in mgr1.get("/more").get_data(as_text=True)
    lead = login("lead1").get("/more").get_data(as_text=True)
    assert 'href="/visits/"' in lead and 'href="/location-proposals"' in lead
    assert 'href="/visits/"' in login("reviewer1").get("/merchants/").get_data(as_text=True)


def test_flags_are_stored_once_per_check(app: Flask, world: World, mgr1: LoggedIn) -> None:
    """A replayed far check-in keeps one outside_geofence flag, not one per replay."""
    form = new_visit_form(mgr1, world.merchants["a1_owned"], **checkin_fields(FAR))
    for _ in range(3):
        assert mgr1.post(f"/visits/{form['visit_id']}", form).status_code == 303
    assert count(app, VisitFlag, VisitFlag.code == "outside_geofence") == 1
