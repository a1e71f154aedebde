"""Targets: the lead's grid, a person's own confirmation or adjustment, the branch's sub-branch targets, and plan
achievement as the boards show it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import World, user_by_name
from tests.metrics_helpers import at, body, write
from tests.visit_helpers import new_id
from webapp.bank_time import bank_today
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.meetings.targets import period_start, person_targets, set_team_targets
from webapp.models import PersonTarget, SubBranchTarget, Team
from webapp.write_kernel import WriteContext


def _ids(app: Flask, *names: str) -> dict[str, int]:
    with app.app_context():
        return {name: user_by_name(name).id for name in names}


def _grid_url(world: World, period: str = "day", start: str | None = None) -> str:
    return f"/meetings/targets/teams/{world.teams['T1']}?period={period}&start={start or bank_today().isoformat()}"


def test_the_lead_sets_the_teams_day_targets(app: Flask, world: World, login: Any) -> None:
    lead = login("lead1")
    ids = _ids(app, "mgr1", "mgr2")
    response = lead.post(_grid_url(world), {f"t-{ids['mgr1']}-consultations": "5", f"t-{ids['mgr1']}-deals": "2",
                                            f"t-{ids['mgr2']}-consultations": "4",
                                            f"t-{ids['mgr2']}-deals.credit_card": "1"})
    assert response.status_code == 303
    with app.app_context():
        found = person_targets(list(ids.values()), "day", bank_today())
        assert {m: t.value for m, t in found[ids["mgr1"]].items()} == {"consultations": 5, "deals": 2}
        assert found[ids["mgr2"]]["deals.credit_card"].value == 1
        assert not found[ids["mgr1"]]["consultations"].confirmed
    # An emptied field removes the target; the page shows what was set.
    lead.post(_grid_url(world), {f"t-{ids['mgr1']}-deals": ""})
    with app.app_context():
        assert "deals" not in person_targets([ids["mgr1"]], "day", bank_today())[ids["mgr1"]]
    page = lead.get(_grid_url(world)).get_data(as_text=True)
    assert f'name="t-{ids["mgr1"]}-consultations"' in page and 'value="5"' in page


def test_bad_targets_are_refused_whole(app: Flask, world: World, login: Any) -> None:
    lead = login("lead1")
    ids = _ids(app, "mgr1", "mgr7")
    for form in ({f"t-{ids['mgr1']}-consultations": "-1"}, {f"t-{ids['mgr1']}-consultations": "lots"},
                 {f"t-{ids['mgr1']}-consultations": "10000"}, {f"t-{ids['mgr1']}-smiles": "3"},
                 {f"t-{ids['mgr7']}-consultations": "3"},  # another team's manager
                 {f"t-{ids['mgr1']}-consultations": "4", "t-x-deals": "2"}):
        response = lead.post(_grid_url(world), form, headers={"HX-Request": "true"})
        assert response.status_code == 422, form
        assert 'id="target-grid"' in response.get_data(as_text=True)
    assert lead.post(f"/meetings/targets/teams/{world.teams['T1']}?period=year", {}).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonTarget)) == 0


def test_only_the_teams_lead_sets_its_targets(app: Flask, world: World, login: Any) -> None:
    ids = _ids(app, "mgr1")
    form = {f"t-{ids['mgr1']}-consultations": "5"}
    assert login("mgr1").post(_grid_url(world), form).status_code == 403
    assert login("reviewer1").post(_grid_url(world), form).status_code == 403
    assert login("lead2").post(_grid_url(world), form).status_code == 404


def test_a_person_confirms_or_adjusts_todays_targets(app: Flask, world: World, login: Any) -> None:
    ids = _ids(app, "mgr1")
    mgr1 = login("mgr1")
    # Nothing to confirm yet: the refusal comes back to the form, nothing is stored.
    response = mgr1.post("/meetings/targets/mine", {"action": "confirm"}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "own-targets" in response.get_data(as_text=True)
    login("lead1").post(_grid_url(world), {f"t-{ids['mgr1']}-consultations": "6", f"t-{ids['mgr1']}-deals": "2"})
    assert mgr1.post("/meetings/targets/mine", {"action": "confirm"}).status_code == 303
    with app.app_context():
        mine = person_targets([ids["mgr1"]], "day", bank_today())[ids["mgr1"]]
        assert all(t.confirmed for t in mine.values())
    assert mgr1.post("/meetings/targets/mine", {"action": "adjust", "consultations": "abc"}).status_code == 422
    assert mgr1.post("/meetings/targets/mine", {"action": "adjust", "consultations": "5"}).status_code == 303
    with app.app_context():
        mine = person_targets([ids["mgr1"]], "day", bank_today())[ids["mgr1"]]
        assert (mine["consultations"].value, mine["consultations"].adjusted_from) == (5, 6)
        assert mine["deals"].value == 2 and mine["consultations"].confirmed
    # The lead changes it again: the person is asked to confirm anew.
    login("lead1").post(_grid_url(world), {f"t-{ids['mgr1']}-consultations": "7"})
    with app.app_context():
        mine = person_targets([ids["mgr1"]], "day", bank_today())[ids["mgr1"]]
        assert mine["consultations"].value == 7 and not mine["consultations"].confirmed
    assert login("reviewer1").post("/meetings/targets/mine", {"action": "confirm"}).status_code == 403


def test_a_week_without_its_own_target_sums_the_day_targets(app: Flask, world: World, login: Any) -> None:
    ids = _ids(app, "mgr1")
    lead = login("lead1")
    monday = period_start("week", bank_today())
    for offset in (0, 1, 2):
        lead.post(_grid_url(world, "day", (monday + timedelta(days=offset)).isoformat()),
                  {f"t-{ids['mgr1']}-consultations": "4"})
    with app.app_context():
        week = person_targets([ids["mgr1"]], "week", monday)[ids["mgr1"]]
        assert (week["consultations"].value, week["consultations"].summed) == (12, True)
    # Any day of the week names its week.
    lead.post(_grid_url(world, "week", (monday + timedelta(days=3)).isoformat()),
              {f"t-{ids['mgr1']}-consultations": "20"})
    with app.app_context():
        week = person_targets([ids["mgr1"]], "week", monday)[ids["mgr1"]]
        assert (week["consultations"].value, week["consultations"].summed) == (20, False)
        # The write path itself refuses a week that does not start on a Monday.
        team = db.session.get(Team, world.teams["T1"])
        assert team is not None
        with app.test_request_context(), pytest.raises(Invalid):
            set_team_targets(WriteContext(actor=user_by_name("lead1"), now=datetime.now(UTC)), team, "week",
                             monday + timedelta(days=1), {})


def test_the_branch_sets_sub_branch_targets(app: Flask, world: World, login: Any) -> None:
    month = period_start("month", bank_today()).isoformat()
    url = f"/meetings/targets/branch/{world.sub_branches['A2']}?period=month&start={month}"
    reviewer = login("reviewer1")
    assert reviewer.post(url, {"consultations": "300", "deals.loan": "20"}).status_code == 303
    assert reviewer.post(url, {"consultations": "x"}).status_code == 422
    assert reviewer.post(url.replace("period=month", "period=day"), {"consultations": "3"}).status_code == 400
    assert reviewer.post(f"/meetings/targets/branch/{world.sub_branches['B1']}?period=month&start={month}",
                         {"consultations": "3"}).status_code == 404
    assert login("lead1").post(url, {"consultations": "3"}).status_code == 403
    with app.app_context():
        rows = {r.metric: r.value for r in db.session.scalars(sa.select(SubBranchTarget))}
        assert rows == {"consultations": 300, "deals.loan": 20}
    assert "300" in reviewer.get(f"/meetings/targets/branch?period=month&start={month}").get_data(as_text=True)


def test_plan_achievement_green_and_red_on_the_evening_board(app: Flask, world: World, login: Any) -> None:
    ids = _ids(app, "mgr1", "mgr2")
    login("lead1").post(_grid_url(world), {f"t-{ids['mgr1']}-consultations": "1",
                                           f"t-{ids['mgr2']}-consultations": "2"})
    today = bank_today()
    with app.app_context():
        write("mgr1", new_id(), body(world.merchants["a1_owned"], at(today, 0, 5), lead="mgr1"),
              now=at(today, 0, 10))
        write("mgr2", new_id(), body(world.merchants["a1_owned"], at(today, 0, 6), lead="mgr2"), now=at(today, 0, 10))
        db.session.commit()
    page = login("lead1").get(f"/meetings/teams/{world.teams['T1']}/evening").get_data(as_text=True)
    assert 'class="met" data-metric="consultations" data-person="mgr1"' in page
    assert 'class="missed" data-metric="consultations" data-person="mgr2"' in page
    assert "50.0%" in page  # mgr2: 1 of 2
