"""Sweep days through the app: planning, squads and moves, the board's counting rule, summary, export, rotation,
and who may do what (403 for a role that may not plan, 404 for another team's or sub-branch's plan)."""
from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from tests.factories import World, add_merchant, user_by_name
from tests.visit_helpers import new_id, visit_body
from webapp.bank_time import bank_today, day_bounds
from webapp.extensions import db
from webapp.models import Merchant, SweepDay, SweepRotation, SweepStop, Visit
from webapp.sweeps.planning import (
    MerchantCriteria,
    NewSweepDay,
    Targets,
    create_sweep_day,
    in_group_distance_m,
    merchant_point,
)

DISTRICT = "测试商圈"
# Three street corners about a kilometre apart, three shops at each.
CORNERS = [(30.2700, 120.1600), (30.2790, 120.1600), (30.2745, 120.1700)]


@pytest.fixture
def district(app: Flask, world: World) -> dict[str, int]:
    """Nine located shops in three clusters and one without a location, all in A1's 测试商圈."""
    ids: dict[str, int] = {}
    with app.app_context():
        sub_branch = world.sub_branches["A1"]
        for c, (lat, lon) in enumerate(CORNERS):
            for k in range(3):
                name = f"测试{c}{k}号店"
                merchant = add_merchant(sub_branch, name, lat=lat + 0.0004 * k, lon=lon + 0.0003 * k,
                                        district=DISTRICT, code=f"T-{c}{k}", owner="mgr2" if k == 0 else "",
                                        phone="13912345678")
                ids[name] = merchant.id
        ids["unlocated"] = add_merchant(sub_branch, "测试无位置店", district=DISTRICT, code="T-X").id
        db.session.commit()
    return ids


def plan_form(csrf: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": csrf,
        "sweep_date": bank_today().isoformat(),
        "district": DISTRICT,
        "target_consultations": "6",
        "target_applications": "2",
        "target_deals": "3",
    }
    data.update(fields)
    return data


def plan_today(lead: Any, **fields: Any) -> int:
    response = lead.client.post("/sweeps/new", data=plan_form(lead.csrf, **fields))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    match = re.fullmatch(r"/sweeps/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def started_today(offset_s: int = 60) -> str:
    """A start time today in Shanghai and in the past, even just after midnight."""
    start, _ = day_bounds(bank_today())
    moment = max(datetime.now(UTC) - timedelta(seconds=offset_s), start + timedelta(seconds=1))
    return moment.isoformat(timespec="seconds")


def put_visit(user: Any, merchant_id: int, **overrides: Any) -> Any:
    body = visit_body(merchant_id, lead=user.username, **overrides)
    response = user.api("PUT", f"/api/v1/visits/{new_id()}", json=body)
    assert response.status_code == 201, response.get_json()
    return response


def stops_by_squad(app: Flask, sweep_day_id: int) -> dict[int, list[int]]:
    with app.app_context():
        sweep_day = db.session.get(SweepDay, sweep_day_id)
        assert sweep_day is not None
        return {squad.number: [s.merchant_id for s in sweep_day.stops if s.squad_id == squad.id]
                for squad in sweep_day.squads}


# --- roles and scope ------------------------------------------------------------------------------------


def test_a_manager_cannot_plan(app: Flask, world: World, district: dict[str, int], login: Any) -> None:
    mgr1 = login("mgr1")
    assert mgr1.get("/sweeps/new").status_code == 403
    assert mgr1.get("/sweeps/preview").status_code == 403
    assert mgr1.post("/sweeps/new", plan_form(mgr1.csrf)).status_code == 403
    assert mgr1.get("/sweeps/rotation").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SweepDay)) == 0
    sweep_day_id = plan_today(login("lead1"))
    stop_id = next(iter(_stop_ids(app, sweep_day_id)))
    assert mgr1.post(f"/sweeps/{sweep_day_id}/stops/{stop_id}/move", {"squad_id": "1"}).status_code == 403
    assert mgr1.post(f"/sweeps/{sweep_day_id}/split").status_code == 403
    assert mgr1.get(f"/sweeps/{sweep_day_id}/export.xlsx").status_code == 403
    # ... but a manager of the team follows the day, without the planning controls.
    plan_page = mgr1.get(f"/sweeps/{sweep_day_id}")
    assert plan_page.status_code == 200
    html = plan_page.get_data(as_text=True)
    assert "测试00号店" in html and "move-form" not in html and 'id="squads-form"' not in html
    assert mgr1.get(f"/sweeps/{sweep_day_id}/board").status_code == 200
    assert mgr1.get(f"/sweeps/{sweep_day_id}/summary").status_code == 200


def _stop_ids(app: Flask, sweep_day_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(SweepStop.id).where(SweepStop.sweep_day_id == sweep_day_id)))


@pytest.mark.parametrize("username", ["lead2", "mgr7", "mgrb", "reviewerb"])
def test_another_sub_branch_cannot_see_the_plan(app: Flask, world: World, district: dict[str, int], login: Any,
                                                username: str) -> None:
    sweep_day_id = plan_today(login("lead1"))
    outsider = login(username)
    for path in ("", "/board", "/summary"):
        assert outsider.get(f"/sweeps/{sweep_day_id}{path}").status_code == 404, path
    if username == "lead2":
        stop_id = _stop_ids(app, sweep_day_id)[0]
        assert outsider.get(f"/sweeps/{sweep_day_id}/export.xlsx").status_code == 404
        assert outsider.post(f"/sweeps/{sweep_day_id}/stops/{stop_id}/move", {"squad_id": "1"}).status_code == 404
        assert outsider.post(f"/sweeps/{sweep_day_id}/delete").status_code == 404
        assert "测试" not in outsider.get("/sweeps/").get_data(as_text=True)


def test_the_branch_reviewer_reads_the_day(app: Flask, world: World, district: dict[str, int], login: Any) -> None:
    sweep_day_id = plan_today(login("lead1"))
    reviewer = login("reviewer1")
    assert reviewer.get(f"/sweeps/{sweep_day_id}/board").status_code == 200
    assert reviewer.get(f"/sweeps/{sweep_day_id}/export.xlsx").status_code == 200
    assert reviewer.post(f"/sweeps/{sweep_day_id}/split").status_code == 403


# --- planning -------------------------------------------------------------------------------------------


def test_lead_plans_a_district_split_into_compact_balanced_squads(
    app: Flask, world: World, district: dict[str, int], login: Any
) -> None:
    lead1 = login("lead1")
    sweep_day_id = plan_today(lead1)
    page = lead1.get(f"/sweeps/{sweep_day_id}").get_data(as_text=True)
    assert "测试00号店" in page and 'id="assignments"' in page
    with app.app_context():
        sweep_day = db.session.get(SweepDay, sweep_day_id)
        assert sweep_day is not None
        assert (sweep_day.target_consultations, sweep_day.target_applications, sweep_day.target_deals) == (6, 2, 3)
        assert sweep_day.district == DISTRICT
        # T1 is lead1 and mgr1-3: four people make two pairs, managers leading.
        squads = [[u for u in (s.lead_id, s.support_id, s.observer_id) if u] for s in sweep_day.squads]
        assert [len(s) for s in squads] == [2, 2]
        assert sorted(u for s in squads for u in s) == sorted(world.users[n] for n in ("lead1", "mgr1", "mgr2", "mgr3"))
        assert sweep_day.squads[0].lead_id == world.users["mgr1"]
        merchant_ids = sorted(s.merchant_id for s in sweep_day.stops)
        assert merchant_ids == sorted(district.values())
        groups = [[s for s in sweep_day.stops if s.squad_id == squad.id] for squad in sweep_day.squads]
        assert sum(len(g) for g in groups) == len(district)  # each merchant in exactly one squad
        assert abs(len(groups[0]) - len(groups[1])) <= 1
        located = [s for s in sweep_day.stops if s.merchant.located]
        points = [merchant_point(s.merchant) for s in located]
        index = {s.id: i for i, s in enumerate(located)}
        split = [[index[s.id] for s in g if s.id in index] for g in groups]
        round_robin = [list(range(g, len(located), 2)) for g in range(2)]
        assert in_group_distance_m(points, split) < in_group_distance_m(points, round_robin)  # type: ignore[arg-type]
        for group in groups:
            assert sorted(s.position for s in group) == list(range(len(group)))


def test_plan_preview_is_a_fragment_with_the_count(app: Flask, world: World, district: dict[str, int],
                                                   login: Any) -> None:
    lead1 = login("lead1")
    response = lead1.htmx_get(f"/sweeps/preview?district={DISTRICT}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="preview-data"' in html
    assert re.search(r'id="preview-count">10<', html)
    markers = json.loads(re.search(r'data-markers="([^"]*)"', html).group(1).replace("&#34;", '"'))  # type: ignore[union-attr]
    assert len(markers) == 9  # the unlocated shop is not on the map
    assert all(set(m) == {"id", "lat", "lon", "name", "state"} for m in markers)  # no phone, no contact


def test_radius_and_drawn_area_pick_merchants(app: Flask, world: World, district: dict[str, int], login: Any) -> None:
    lead1 = login("lead1")
    corner = CORNERS[0]
    sweep_day_id = plan_today(lead1, district="", centre_lat=str(corner[0]), centre_lon=str(corner[1]),
                              radius_m="100")
    with app.app_context():
        names = sorted(s.merchant.name for s in db.session.get(SweepDay, sweep_day_id).stops)  # type: ignore[union-attr]
    assert names == ["测试00号店", "测试01号店"]  # the third shop is 89 m north, 58 m east: 106 m

    square = [[30.2775, 120.1590], [30.2775, 120.1615], [30.2815, 120.1615], [30.2815, 120.1590]]
    tomorrow = (bank_today() + timedelta(days=1)).isoformat()
    sweep_day_id = plan_today(lead1, district="", sweep_date=tomorrow, polygon=json.dumps(square))
    with app.app_context():
        sweep_day = db.session.get(SweepDay, sweep_day_id)
        assert sweep_day is not None
        assert sorted(s.merchant.name for s in sweep_day.stops) == ["测试10号店", "测试11号店", "测试12号店"]
        assert sweep_day.criteria["polygon"] == square


def test_not_visited_for_n_days_leaves_out_recent_visits(app: Flask, world: World, district: dict[str, int],
                                                          login: Any) -> None:
    put_visit(login("mgr2"), district["测试00号店"])
    sweep_day_id = plan_today(login("lead1"), not_visited_days="30")
    with app.app_context():
        merchant_ids = {s.merchant_id for s in db.session.get(SweepDay, sweep_day_id).stops}  # type: ignore[union-attr]
    assert district["测试00号店"] not in merchant_ids
    assert len(merchant_ids) == len(district) - 1


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"sweep_date": "2020-01-01"}, "sweep_date"),
        ({"sweep_date": "tomorrow"}, "sweep_date"),
        ({"district": "不存在"}, "district"),
        ({"radius_m": "5", "centre_lat": "30.27", "centre_lon": "120.16"}, "radius_m"),
        ({"centre_lat": "30.27"}, "centre"),
        ({"polygon": "[[30.27, 120.16], [30.28]]"}, "polygon"),
        ({"target_deals": "-1"}, "target_deals"),
        ({"status": "applicant"}, "merchants"),
        ({"industry": "汽修"}, "industry"),
    ],
)
def test_invalid_plans_come_back_with_the_error_beside_the_field(
    app: Flask, world: World, district: dict[str, int], login: Any, fields: dict[str, str], error_field: str
) -> None:
    lead1 = login("lead1")
    response = lead1.client.post("/sweeps/new", data=plan_form(lead1.csrf, **fields))
    assert response.status_code == 422
    assert f'id="error-{error_field}"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SweepDay)) == 0


def test_one_sweep_day_per_team_and_date(app: Flask, world: World, district: dict[str, int], login: Any) -> None:
    lead1 = login("lead1")
    plan_today(lead1)
    again = lead1.client.post("/sweeps/new", data=plan_form(lead1.csrf))
    assert again.status_code == 422
    assert 'id="error-sweep_date"' in again.get_data(as_text=True)


def test_on_duty_people_are_left_out_of_the_squads(app: Flask, world: World, district: dict[str, int],
                                                   login: Any) -> None:
    lead1 = login("lead1")
    sweep_day_id = plan_today(lead1, on_duty=str(world.users["lead1"]))
    with app.app_context():
        sweep_day = db.session.get(SweepDay, sweep_day_id)
        assert sweep_day is not None
        assert sweep_day.on_duty_ids == [world.users["lead1"]]
        members = [u for s in sweep_day.squads for u in s.member_ids()]
        assert sorted(members) == sorted(world.users[n] for n in ("mgr1", "mgr2", "mgr3"))
        assert len(sweep_day.squads) == 1  # three managers: one squad of three


# --- adjusting the plan -----------------------------------------------------------------------------------


def test_a_lead_moves_a_merchant_to_another_squad(app: Flask, world: World, district: dict[str, int],
                                                  login: Any) -> None:
    lead1 = login("lead1")
    sweep_day_id = plan_today(lead1)
    before = stops_by_squad(app, sweep_day_id)
    merchant_id = before[1][0]
    with app.app_context():
        sweep_day = db.session.get(SweepDay, sweep_day_id)
        assert sweep_day is not None
        stop_id = next(s.id for s in sweep_day.stops if s.merchant_id == merchant_id)
        target_squad = sweep_day.squads[1].id
    response = lead1.client.post(
        f"/sweeps/{sweep_day_id}/stops/{stop_id}/move",
        data={"csrf_token": lead1.csrf, "squad_id": str(target_squad)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="assignments"')
    after = stops_by_squad(app, sweep_day_id)
    assert merchant_id in after[2] and merchant_id not in after[1]
    assert len(after[1]) + len(after[2]) == len(district)

    bad = lead1.client.post(f"/sweeps/{sweep_day_id}/stops/{stop_id}/move",
                            data={"csrf_token": lead1.csrf, "squad_id": "999999"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422
    plain = lead1.post(f"/sweeps/{sweep_day_id}/stops/{stop_id}/move", {"squad_id": str(target_squad - 1)})
    assert plain.status_code == 303


def test_moves_need_the_csrf_token(app: Flask, world: World, district: dict[str, int], login: Any) -> None:
    lead1 = login("lead1")
    sweep_day_id = plan_today(lead1)
    stop_id = _stop_ids(app, sweep_day_id)[0]
    response = lead1.client.post(f"/sweeps/{sweep_day_id}/stops/{stop_id}/move", data={"squad_id": "1"})
    assert response.status_code == 400


def test_squads_set_by_hand_are_checked(app: Flask, world: World, district: dict[str, int], login: Any) -> None:
    lead1 = login("lead1")
    sweep_day_id = plan_today(lead1)
    u = world.users
    twice = {"lead-1": u["mgr1"], "support-1": u["mgr2"], "lead-2": u["mgr2"], "support-2": u["mgr3"]}
    response = lead1.client.post(f"/sweeps/{sweep_day_id}/squads", headers={"HX-Request": "true"},
                                 data={"csrf_token": lead1.csrf, **twice})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<div id=\"squads-editor\">")
    errors = re.findall(r'<p class="error"[^>]*>([^<]+)</p>', html)
    assert len(errors) == 2  # mgr2 twice; lead1 (李明) neither in a squad nor on duty
    assert any("李明" in e for e in errors) and any("张伟" in e for e in errors)

    good = {"lead-1": u["mgr1"], "support-1": u["mgr2"], "observer-1": u["mgr3"], "on_duty": u["lead1"]}
    response = lead1.client.post(f"/sweeps/{sweep_day_id}/squads", headers={"HX-Request": "true"},
                                 data={"csrf_token": lead1.csrf, **good})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/sweeps/{sweep_day_id}"
    after = stops_by_squad(app, sweep_day_id)
    assert list(after) == [1] and sorted(after[1]) == sorted(district.values())


def test_squads_formed_again_with_another_count(app: Flask, world: World, district: dict[str, int],
                                                login: Any) -> None:
    lead1 = login("lead1")
    sweep_day_id = plan_today(lead1)
    response = lead1.post(f"/sweeps/{sweep_day_id}/reform", {"squad_count": "3"})
    assert response.status_code == 303
    after = stops_by_squad(app, sweep_day_id)
    assert sorted(len(v) for v in after.values()) == [3, 3, 4]


# --- the board ------------------------------------------------------------------------------------------


def test_board_counts_visits_started_on_the_sweep_date_for_planned_merchants(
    app: Flask, world: World, district: dict[str, int], login: Any
) -> None:
    lead1 = login("lead1")
    sweep_day_id = plan_today(lead1)
    mgr1, mgr2 = login("mgr1"), login("mgr2")
    effective = {"effective": True, "application": {"product": "经营贷", "amount": 200000},
                 "deals": ["credit_card", "aggregated_qr"], "next_step": "送申请材料",
                 "follow_up_date": (bank_today() + timedelta(days=3)).isoformat()}
    put_visit(mgr1, district["测试00号店"], started_at=started_today(), outcome=effective)
    put_visit(mgr2, district["测试20号店"], started_at=started_today(120), outcome={"effective": False})
    # The same merchant again that day counts once.
    put_visit(mgr2, district["测试20号店"], started_at=started_today(30), outcome={"effective": True})
    # Not in the plan, or started the day before: not on the board.
    put_visit(mgr1, world.merchants["a1_other"], started_at=started_today())
    day_start, _ = day_bounds(bank_today())
    put_visit(mgr1, district["测试10号店"], started_at=(day_start - timedelta(minutes=5)).isoformat())

    response = lead1.htmx_get(f"/sweeps/{sweep_day_id}/board")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="board"')
    assert 'hx-trigger="every 30s"' in html
    assert re.search(r'class="visited-count">2<', html)
    with app.app_context():
        from webapp.sweeps.board import build_board

        sweep_day = db.session.get(SweepDay, sweep_day_id)
        assert sweep_day is not None
        board = build_board(sweep_day)
        overall = board.overall
        assert (overall.assigned, overall.visited) == (10, 2)
        assert (overall.consultations, overall.applications, overall.deals) == (2, 1, 2)
        assert (overall.target_consultations, overall.target_applications, overall.target_deals) == (6, 2, 3)
        assert sum(g.figures.visited for g in board.squads) == 2
        assert sum(g.figures.target_consultations for g in board.squads) == 6

    page = login("mgr3").get(f"/sweeps/{sweep_day_id}/board").get_data(as_text=True)
    assert "<html" in page and 'id="board-map"' in page and re.search(r"leaflet\.[0-9a-f]{12}\.js", page)


def test_a_visit_synced_the_next_day_counts_on_its_sweep_day(app: Flask, world: World, district: dict[str, int],
                                                             login: Any) -> None:
    """The phone was offline: yesterday's visit reaches the server today and fills in yesterday's board."""
    yesterday = bank_today() - timedelta(days=1)
    with app.app_context():
        lead = user_by_name("lead1")
        merchants = [db.session.get(Merchant, i) for i in district.values()]
        sweepers = [user_by_name(n) for n in ("mgr1", "mgr2", "mgr3", "lead1")]
        plan = NewSweepDay(sweep_date=yesterday, title="", criteria=MerchantCriteria(district=DISTRICT),
                           targets=Targets(5, 1, 1))
        sweep_day = create_sweep_day(lead, plan, merchants, sweepers)  # type: ignore[arg-type]
        db.session.commit()
        sweep_day_id = sweep_day.id
    start, _ = day_bounds(yesterday)
    put_visit(login("mgr1"), district["测试01号店"], started_at=(start + timedelta(hours=15)).isoformat())
    html = login("lead1").htmx_get(f"/sweeps/{sweep_day_id}/board").get_data(as_text=True)
    assert re.search(r'class="visited-count">1<', html)


def test_summary_lists_follow_ups_and_merchants_not_reached(app: Flask, world: World, district: dict[str, int],
                                                            login: Any) -> None:
    lead1 = login("lead1")
    sweep_day_id = plan_today(lead1)
    due = (bank_today() + timedelta(days=2)).isoformat()
    put_visit(login("mgr1"), district["测试00号店"], started_at=started_today(),
              outcome={"effective": True, "follow_up_date": due, "next_step": "带申请表"})
    html = lead1.get(f"/sweeps/{sweep_day_id}/summary").get_data(as_text=True)
    assert "1 / 10" in html
    assert due in html and "带申请表" in html
    not_reached = html.split('id="not-reached"')[1]
    assert "测试01号店" in not_reached and "测试00号店" not in not_reached


def test_excel_export_has_one_row_per_assigned_merchant(app: Flask, world: World, district: dict[str, int],
                                                        login: Any) -> None:
    lead1 = login("lead1")
    sweep_day_id = plan_today(lead1)
    put_visit(login("mgr1"), district["测试00号店"], started_at=started_today(),
              outcome={"effective": True, "deals": ["credit_card"]})
    response = lead1.get(f"/sweeps/{sweep_day_id}/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="sweep-day-{bank_today().isoformat()}-{sweep_day_id}.xlsx"'
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    summary, merchants = book.worksheets
    rows = list(merchants.iter_rows(values_only=True))
    body = rows[1:]
    assert len(body) == len(district)
    code_column = 2  # squad, order, merchant code, ...
    assert sorted(r[code_column] for r in body) == sorted(f"T-{c}{k}" for c in range(3) for k in range(3)) + ["T-X"]
    text = "\n".join(str(cell) for row in rows for cell in row if cell is not None)
    assert "13912345678" not in text and "139****5678" in text
    visited = next(r for r in body if r[2] == "T-00")
    assert "王芳" in str(visited)
    overall = [r for r in summary.iter_rows(values_only=True) if r and r[0]][-1]
    assert overall[2:4] == (len(district), 1)  # assigned, visited


def test_excel_export_keeps_formula_like_text_as_text(app: Flask, world: World, district: dict[str, int],
                                                       login: Any) -> None:
    lead1 = login("lead1")
    sweep_day_id = plan_today(lead1)
    evil = '=HYPERLINK("http://evil.example/","点这里")'
    put_visit(login("mgr1"), district["测试00号店"], started_at=started_today(),
              outcome={"effective": True, "next_step": evil})
    response = lead1.get(f"/sweeps/{sweep_day_id}/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert [cell.value for cell in cells] == [evil]
    # openpyxl reads a formula back as "=..." too: only the cell's type tells text from a formula.
    assert [cell.data_type for cell in cells] == ["s"]
    assert all(cell.data_type == "s" for cell in cells)


# --- rotation -------------------------------------------------------------------------------------------


def test_rotation_shows_when_each_district_was_last_swept_and_what_comes_next(
    app: Flask, world: World, district: dict[str, int], login: Any
) -> None:
    lead1 = login("lead1")
    today = bank_today()
    with app.app_context():
        lead = user_by_name("lead1")
        merchants = list(db.session.scalars(sa.select(Merchant).where(Merchant.district == "湖墅南路沿线")))
        plan = NewSweepDay(sweep_date=today - timedelta(days=7), title="", targets=Targets(),
                           criteria=MerchantCriteria(district="湖墅南路沿线"))
        create_sweep_day(lead, plan, merchants, [lead])
        db.session.commit()
    districts = ["武林商圈", "湖墅南路沿线", DISTRICT]
    response = lead1.client.post("/sweeps/rotation", data={
        "csrf_token": lead1.csrf, "start_date": (today - timedelta(days=14)).isoformat(), "interval_weeks": "1",
        "district": districts, "rank": ["1", "2", "3"],
    })
    assert response.status_code == 303
    with app.app_context():
        rotation = db.session.scalar(sa.select(SweepRotation))
        assert rotation is not None and rotation.districts == districts
    page = lead1.get("/sweeps/rotation").get_data(as_text=True)
    assert (today - timedelta(days=7)).isoformat() in page  # 湖墅南路沿线 last swept a week ago
    schedule = page.split('id="rotation-schedule"')[1].split("</ul>")[0]
    slots = re.findall(r"<strong>(\d{4}-\d\d-\d\d)</strong>\s*<span class=\"muted\">([^<]+)</span>", schedule)
    assert slots[0] == (today.isoformat(), DISTRICT)  # the cycle goes on after 湖墅南路沿线
    assert slots[1][1] == "武林商圈"
    assert f"/sweeps/new?date={today.isoformat()}" in schedule

    bad = lead1.client.post("/sweeps/rotation", data={"csrf_token": lead1.csrf, "start_date": "x",
                                                      "district": districts, "rank": ["", "", ""]})
    assert bad.status_code == 422


def test_pages_carry_no_inline_script_or_style(app: Flask, world: World, district: dict[str, int],
                                               login: Any) -> None:
    lead1 = login("lead1")
    sweep_day_id = plan_today(lead1)
    for path in ("/sweeps/", "/sweeps/new", f"/sweeps/{sweep_day_id}", f"/sweeps/{sweep_day_id}/board",
                 f"/sweeps/{sweep_day_id}/summary", "/sweeps/rotation", "/today/"):
        html = lead1.get(path).get_data(as_text=True)
        assert " style=" not in html, path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path


def test_targets_are_changed_and_a_plan_deleted_keeps_its_visits(
    app: Flask, world: World, district: dict[str, int], login: Any
) -> None:
    lead1 = login("lead1")
    sweep_day_id = plan_today(lead1)
    bad = lead1.post(f"/sweeps/{sweep_day_id}/targets", {"target_consultations": "lots"})
    assert bad.status_code == 422
    good = lead1.post(f"/sweeps/{sweep_day_id}/targets", {"title": "周六扫街", "target_consultations": "9",
                                                          "target_applications": "1", "target_deals": "0"})
    assert good.status_code == 303
    with app.app_context():
        sweep_day = db.session.get(SweepDay, sweep_day_id)
        assert sweep_day is not None
        assert (sweep_day.label, sweep_day.target_consultations, sweep_day.target_deals) == ("周六扫街", 9, 0)

    put_visit(login("mgr1"), district["测试00号店"], started_at=started_today())
    assert lead1.post(f"/sweeps/{sweep_day_id}/delete").status_code == 303
    assert lead1.get(f"/sweeps/{sweep_day_id}").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SweepStop)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1


def test_markers_are_sent_in_the_datum_of_the_configured_tiles(app: Flask, world: World, district: dict[str, int],
                                                               login: Any) -> None:
    from webapp.geo.coords import wgs84_to_gcj02

    app.config.update(MAP_TILE_URL="https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8",
                      MAP_TILE_DATUM="gcj02")
    lead1 = login("lead1")
    page = lead1.get("/sweeps/new")
    html = page.get_data(as_text=True)
    assert 'data-datum="gcj02"' in html and "webrd0{s}.is.autonavi.com" in html
    assert "img-src 'self' data: blob: https://*.is.autonavi.com;" in page.headers["Content-Security-Policy"]
    fragment = lead1.htmx_get(f"/sweeps/preview?district={DISTRICT}").get_data(as_text=True)
    markers = json.loads(re.search(r'data-markers="([^"]*)"', fragment).group(1).replace("&#34;", '"'))  # type: ignore[union-attr]
    shop = next(m for m in markers if m["id"] == district["测试00号店"])
    expected = wgs84_to_gcj02(*CORNERS[0])
    assert (shop["lat"], shop["lon"]) == pytest.approx(expected, abs=1e-6)
    assert (shop["lat"], shop["lon"]) != pytest.approx(CORNERS[0], abs=1e-4)  # GCJ-02 moves it some 500 m


def test_a_visit_is_credited_to_the_squad_that_made_it_not_to_the_one_the_merchant_moved_to(
    app: Flask, world: World, district: dict[str, int], login: Any
) -> None:
    """Squad 1 visits a shop; the lead then moves the shop to squad 2: the summary still credits squad 1."""
    with app.app_context():
        merchants = [db.session.get(Merchant, i) for i in district.values()]
        plan = NewSweepDay(sweep_date=bank_today(), title="", criteria=MerchantCriteria(district=DISTRICT),
                           targets=Targets(4, 0, 0))
        sweepers = [user_by_name(n) for n in ("mgr1", "mgr2", "mgr3", "lead1")]
        sweep_day = create_sweep_day(user_by_name("lead1"), plan, merchants, sweepers)  # type: ignore[arg-type]
        db.session.commit()
        squads = sorted(sweep_day.squads, key=lambda s: s.number)
        assert len(squads) == 2
        first, second = squads
        visitor = first.lead.username
        stop = next(s for s in sweep_day.stops if s.squad_id == first.id and s.merchant.lat is not None)
        ids = (sweep_day.id, stop.id, stop.merchant_id, second.id)
    sweep_day_id, stop_id, merchant_id, second_id = ids
    put_visit(login(visitor), merchant_id, started_at=started_today(), outcome={"effective": True})
    lead1 = login("lead1")
    assert lead1.post(f"/sweeps/{sweep_day_id}/stops/{stop_id}/move", {"squad_id": str(second_id)}).status_code == 303
    with app.app_context():
        from webapp.sweeps.board import build_board

        board = build_board(db.session.get(SweepDay, sweep_day_id))  # type: ignore[arg-type]
        figures = {g.squad.number: g.figures for g in board.squads if g.squad}
        assert (figures[1].visited, figures[1].consultations) == (1, 1)
        assert (figures[2].visited, figures[2].consultations) == (0, 0)
        assert board.overall.visited == 1
    html = lead1.get(f"/sweeps/{sweep_day_id}/summary").get_data(as_text=True)
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert "1 / " in rows[0].split("</td>")[1] and "0 / " in rows[1].split("</td>")[1]
