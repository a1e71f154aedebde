"""The meeting boards as people see them: scope (a lead sees their team, the branch its sub-branches), what is
captured at the meetings, the explanation behind a figure, the projector mode, and the Excel exports."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from tests.factories import World, user_by_name
from tests.metrics_helpers import HandBuiltDay, at, body, build_day, write
from tests.visit_helpers import new_id
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import MeetingItem, MissReason, User


def _board(world: World, team: str, kind: str, **args: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/meetings/teams/{world.teams[team]}/{kind}" + (f"?{query}" if query else "")


def test_a_lead_sees_their_team_and_the_branch_its_sub_branches(world: World, login: Any) -> None:
    for kind in ("morning", "evening", "weekly", "monthly"):
        assert login("lead1").get(_board(world, "T1", kind)).status_code == 200
        assert login("mgr1").get(_board(world, "T1", kind)).status_code == 200
        assert login("lead1").get(_board(world, "T2", kind)).status_code == 404
        assert login("reviewer1").get(_board(world, "T2", kind)).status_code == 200
        assert login("reviewer1").get(_board(world, "TB", kind)).status_code == 404
    assert login("lead1").get("/meetings/branch/monthly").status_code == 403
    page = login("reviewer1").get("/meetings/branch/monthly").get_data(as_text=True)
    assert "武林支行" in page and "四季青支行" in page and "海曙支行" not in page
    hub = login("lead1").get("/meetings/").get_data(as_text=True)
    assert f"/meetings/teams/{world.teams['T1']}/morning" in hub and f"/teams/{world.teams['T2']}/" not in hub


def test_boards_count_the_days_records(app: Flask, world: World, login: Any) -> None:
    with app.app_context():
        day = build_day(world).day
    lead = login("lead1")
    evening = lead.get(_board(world, "T1", "evening", day=day.isoformat())).get_data(as_text=True)
    cells = dict(re.findall(r'data-metric="consultations" data-person="(\w+)">\s*<a class="fig" href="[^"]+">(\d+)<',
                            evening))
    assert cells == {"lead1": "0", "mgr1": "3", "mgr2": "1", "mgr3": "2"}
    # The morning board of the next working day shows it as "the last working day".
    following = day + timedelta(days=1)
    while following.weekday() > 4:
        following += timedelta(days=1)
    morning = lead.get(_board(world, "T1", "morning", day=following.isoformat())).get_data(as_text=True)
    if day.weekday() < 5:
        assert f"({day.isoformat()})" in morning
    weekly = lead.get(_board(world, "T1", "weekly", week=day.isoformat())).get_data(as_text=True)
    assert "<svg" in weekly and "funnel" in weekly
    monthly = lead.get(_board(world, "T1", "monthly", month=day.strftime("%Y-%m"))).get_data(as_text=True)
    assert "武林商圈" in monthly and "chart-lines" in monthly
    # The live partial of the evening board is a fragment that polls itself.
    partial = lead.htmx_get(_board(world, "T1", "evening", day=day.isoformat())).get_data(as_text=True)
    assert partial.lstrip().startswith("<div id=\"evening-figures\"") and "<html" not in partial
    for bad in ("day=2026-13-01", "day=99999-01-01", "month=2026-1x", "week=soon"):
        kind = {"day": "evening", "month": "monthly", "week": "weekly"}[bad.split("=")[0]]
        assert lead.get(_board(world, "T1", kind) + "?" + bad).status_code == 400


def test_projector_mode_is_one_screen_without_navigation(world: World, login: Any) -> None:
    page = login("lead1").get(_board(world, "T1", "morning", mode="projector")).get_data(as_text=True)
    assert 'class="projector"' in page and "tabbar" not in page and "data-timer" in page
    phone = login("lead1").get(_board(world, "T1", "morning")).get_data(as_text=True)
    assert "tabbar" in phone and 'id="target-grid"' in phone


def test_items_and_miss_reasons_are_captured_at_the_meeting(app: Flask, world: World, login: Any) -> None:
    today = bank_today().isoformat()
    url = f"/meetings/teams/{world.teams['T1']}/items"
    mgr2 = login("mgr2")
    assert mgr2.post(url, {"day": today, "kind": "tip", "title": "今日小知识", "shared_by": "mgr2",
                           "back": "morning"}).status_code == 303
    for bad in ({"day": today, "kind": "tip", "title": ""}, {"day": today, "kind": "gossip", "title": "x"},
                {"day": "2001-01-01", "kind": "tip", "title": "x"}, {"day": today, "kind": "tip", "title": "x",
                                                                      "shared_by": "mgr7"},
                {"day": today, "kind": "tip", "title": "x" * 201}, {"day": today, "kind": "tip", "title": "a\x00b"}):
        assert mgr2.post(url, bad, headers={"HX-Request": "true"}).status_code == 422, bad
    plain = mgr2.post(url, {"day": today, "kind": "tip", "title": ""})  # without htmx: the form on its own page
    assert plain.status_code == 422 and "返回看板" in plain.get_data(as_text=True) and "tabbar" in plain.get_data(
        as_text=True)
    assert login("reviewer1").post(url, {"day": today, "kind": "tip", "title": "x"}).status_code == 403
    assert login("lead2").post(url, {"day": today, "kind": "tip", "title": "x"}).status_code == 404
    morning = login("mgr1").get(_board(world, "T1", "morning")).get_data(as_text=True)
    assert "今日小知识" in morning and "张伟" in morning
    with app.app_context():
        item = db.session.scalar(sa.select(MeetingItem))
        assert item is not None and item.shared_by_id == user_by_name("mgr2").id
        item_id, mgr1_id, mgr2_id = item.id, user_by_name("mgr1").id, user_by_name("mgr2").id
    assert login("mgr1").post(f"/meetings/items/{item_id}/delete").status_code == 403
    assert login("lead1").post(f"/meetings/items/{item_id}/delete").status_code == 303
    # Miss reasons: the lead or the person, for a team member, from a short list (text needed for "other").
    miss = f"/meetings/teams/{world.teams['T1']}/misses/{mgr1_id}"
    lead = login("lead1")
    response = lead.post(miss, {"day": today, "code": "weather", "text": "大雨"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "miss-saved" in response.get_data(as_text=True)
    assert lead.post(miss, {"day": today, "code": "other", "text": ""}).status_code == 422
    assert lead.post(miss, {"day": today, "code": "bored"}).status_code == 422
    assert lead.post(miss, {"day": "2001-01-01", "code": "weather"}).status_code == 422
    assert login("mgr1").post(miss, {"day": today, "code": "leave"}).status_code == 303
    assert login("mgr2").post(miss, {"day": today, "code": "leave"}).status_code == 403
    assert login("reviewer1").post(miss, {"day": today, "code": "leave"}).status_code == 403
    assert lead.post(f"/meetings/teams/{world.teams['T1']}/misses/{user_by_id('mgr7', app)}",
                     {"day": today, "code": "leave"}).status_code == 404
    with app.app_context():
        reasons = list(db.session.scalars(sa.select(MissReason)))
        assert [(r.user_id, r.code) for r in reasons] == [(mgr1_id, "leave")]
    assert mgr2_id


def user_by_id(username: str, app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username)) or 0


def test_every_figure_explains_itself_within_the_viewers_scope(app: Flask, world: World, login: Any) -> None:
    with app.app_context():
        made: HandBuiltDay = build_day(world)
        mgr1, mgr3 = user_by_name("mgr1").id, user_by_name("mgr3").id
    day = made.day.isoformat()
    lead = login("lead1").get(f"/metrics/explain?metric=consultations&person={mgr3}&start={day}&end={day}")
    page = lead.get_data(as_text=True)
    assert re.search(r"<strong data-value>2</strong>", page)
    assert "本期共 3 条记录；显示其中 3 条" in page  # two effective visits and the unconfirmed squad one
    assert "该小分队成员未确认" in page
    # mgr1 sees mgr3's figure, but only the record they took part in (the squad visit).
    own = login("mgr1").get(f"/metrics/explain?metric=consultations&person={mgr3}&start={day}&end={day}")
    assert "本期共 3 条记录；显示其中 1 条" in own.get_data(as_text=True)
    assert login("lead2").get(f"/metrics/explain?metric=consultations&person={mgr1}&start={day}&end={day}"
                              ).status_code == 404
    assert login("reviewerb").get(f"/metrics/explain?metric=deals&team={world.teams['T1']}&start={day}&end={day}"
                                  ).status_code == 404
    for bad in (f"metric=smiles&person={mgr1}&start={day}&end={day}", f"metric=deals&start={day}&end={day}",
                f"metric=deals&person={mgr1}&start={day}&end=2000-01-01",
                f"metric=deals&person=x&start={day}&end={day}"):
        assert login("lead1").get(f"/metrics/explain?{bad}").status_code in (400, 404), bad
    assert login("lead1").get(f"/metrics/explain?metric=deals&person={mgr1}&start=day&end={day}").status_code == 400
    branch = login("reviewer1").get(
        f"/metrics/explain?metric=deals&sub_branch={world.sub_branches['A1']}&start={day}&end={day}")
    assert "<strong data-value>7</strong>" in branch.get_data(as_text=True)


def test_the_definitions_are_an_admin_setting_shown_to_all(app: Flask, world: World, login: Any) -> None:
    assert 'id="definitions-form"' in login("mgr1").get("/metrics/definitions").get_data(as_text=True)
    assert login("lead1").post("/metrics/definitions", {"squad_credit": "lead_only"}).status_code == 403
    admin = login("admin")
    form = {"consultation_rule": "effective", "squad_credit": "lead_only", "loan_deal_source": "auto",
            "consultation_kinds": "marketing", "deal_products": ["loan", "credit_card"],
            "penetration_statuses": ["customer", "borrower"], "working_weekdays": ["0", "1", "2", "3", "4", "5"],
            "talk_after_days": "3", "honour_min_consultations": "10"}
    assert admin.post("/metrics/definitions", {**form, "squad_credit": "all"}).status_code == 422
    assert admin.post("/metrics/definitions", {**form, "deal_products": []}).status_code == 422
    assert admin.post("/metrics/definitions", {**form, "talk_after_days": "999999999"}).status_code == 422
    assert admin.post("/metrics/definitions", form).status_code == 303
    with app.app_context():
        from webapp.metrics.store import definitions_for

        definitions = definitions_for(world.branch_id)
        assert definitions.squad_credit == "lead_only" and definitions.deal_products == ("loan", "credit_card")
        assert definitions.working_weekdays == (0, 1, 2, 3, 4, 5) and definitions.talk_after_days == 3
        # The figures follow at once: the squad visit no longer counts for its support.
        made = build_day(world)
        from webapp.metrics.counting import person_totals

        mgr2 = user_by_name("mgr2").id
        found = person_totals(definitions, [mgr2], made.day, made.day + timedelta(days=1))[mgr2]
        assert (found.consultations, found.deals) == (0, 0)  # the pension account is not a counted product now


def test_the_exports_are_filed_tables_whose_text_is_never_a_formula(app: Flask, world: World, login: Any) -> None:
    with app.app_context():
        made = build_day(world)
        user = db.session.get(User, user_by_name("mgr1").id)
        assert user is not None
        user.display_name = "=HYPERLINK(\"http://x\")"
        db.session.commit()
    lead = login("lead1")
    response = lead.get(f"/meetings/teams/{world.teams['T1']}/weekly.xlsx?week={made.day.isoformat()}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"] and "HYPERLINK" not in response.headers[
        "Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    names = {row[1]: row for row in rows if row and isinstance(row[0], int)}
    assert "=HYPERLINK(\"http://x\")" in names  # shown exactly as typed
    formula_like = [cell for row in sheet.iter_rows() for cell in row
                    if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert [cell.value for cell in formula_like] == ["=HYPERLINK(\"http://x\")"]
    assert all(cell.data_type == "s" for cell in formula_like)  # stored as text, never as a formula
    mgr3 = next(row for name, row in names.items() if name == "刘洋")
    assert mgr3[3] == 2  # consultations, actual
    monthly = lead.get(f"/meetings/teams/{world.teams['T1']}/monthly.xlsx?month={made.day.strftime('%Y-%m')}")
    assert monthly.status_code == 200
    branch = login("reviewer1").get(f"/meetings/branch/monthly.xlsx?month={made.day.strftime('%Y-%m')}")
    total = [[c.value for c in r] for r in load_workbook(io.BytesIO(branch.data)).active.iter_rows()]
    assert any(row[1] == "武林支行" for row in total)


def test_late_visits_and_visits_of_other_sub_branches_stay_where_they_belong(app: Flask, world: World,
                                                                            login: Any) -> None:
    today = bank_today()
    with app.app_context():
        write("mgr7", new_id(), body(world.merchants["a2"], at(today, 0, 1), lead="mgr7"), now=at(today, 0, 5))
        db.session.commit()
    page = login("reviewer1").get(f"/meetings/teams/{world.teams['T2']}/evening").get_data(as_text=True)
    assert re.search(r'data-person="mgr7">\s*<a class="fig" href="[^"]+">1<', page)
    own = login("lead1").get(f"/meetings/teams/{world.teams['T1']}/evening").get_data(as_text=True)
    assert "mgr7" not in own
