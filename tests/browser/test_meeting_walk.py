"""A day of the team's rhythm on real phones: lead1 opens the morning board and sets today's targets in its
quick grid, mgr1 and mgr2 record visits through the visit form during the day, and the evening board shows
their actuals against the targets (green and red) and captures mgr2's reason for the miss on the spot.

Other browser tests record visits today too; the targets are set on top of what the app already counts for
each person (read the way the boards read it), so the walk asserts exact figures whatever ran before it. The
phones here refuse the location: the other walks of mgr1 and mgr2 check in at shops today, and a fix from this
walk minutes before theirs would make their check-in an impossible travel. The visits are saved unverifiable.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LiveServer
from tests.conftest import PASSWORD
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.meetings.targets import person_targets
from webapp.metrics.counting import person_totals
from webapp.metrics.store import definitions_for
from webapp.models import Merchant, MissReason, Team, User

SLOW = 20_000  # ms
TEAM = "武林一队"


@pytest.fixture
def contexts(browser: Browser, phone_profile: dict[str, Any],
             live_server: LiveServer) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def phone(browser: Browser, profile: dict[str, Any], base_url: str, opened: list[BrowserContext],
          errors: list[str]) -> BrowserContext:
    """A phone that has not granted the location, with every console error or page error it saw collected."""
    context = browser.new_context(**profile, base_url=base_url)
    context.set_default_timeout(SLOW)
    context.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    context.on("weberror", lambda error: errors.append(str(error.error)))
    opened.append(context)
    return context


def counted(live_server: LiveServer, *usernames: str) -> dict[str, int]:
    """Today's consultations per person, as the boards count them."""
    with live_server.app.app_context():
        people = {u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(usernames)))}
        definitions = definitions_for(next(iter(people.values())).sub_branch.branch_id)
        today = bank_today()
        found = person_totals(definitions, [p.id for p in people.values()], today, today + timedelta(days=1))
        db.session.remove()
    return {name: found[person.id].consultations for name, person in people.items()}


def merchants_of_team(live_server: LiveServer, count: int) -> list[int]:
    with live_server.app.app_context():
        team = db.session.scalar(sa.select(Team).where(Team.name == TEAM))
        assert team is not None
        found = list(db.session.scalars(sa.select(Merchant.id).where(Merchant.sub_branch_id == team.sub_branch_id)
                                        .order_by(Merchant.id.desc()).limit(count)))
        db.session.remove()
    assert len(found) == count
    return found


def team_id(live_server: LiveServer) -> int:
    with live_server.app.app_context():
        found = db.session.scalar(sa.select(Team.id).where(Team.name == TEAM))
        db.session.remove()
    assert found is not None
    return found


def person_targets_of(ids: dict[str, int]) -> dict[str, int]:
    found = person_targets(list(ids.values()), "day", bank_today())
    return {name: found[user_id]["consultations"].value for name, user_id in ids.items()}


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    form = page.locator("main form")
    form.locator("#username").fill(username)
    form.locator("#password").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def record_visit(page: Page, merchant_id: int) -> None:
    """The visit form at the shop: the check-in is refused (no location), the visit marked effective, saved as
    unverifiable when the form asks."""
    page.goto(f"/merchants/{merchant_id}/visits/new")
    page.locator("[data-checkin-start]").click()
    expect(page.locator("[data-checkin]")).to_have_attribute("data-checkin-state", "denied")
    page.locator("input[name=effective][value=yes]").check()
    page.locator("[data-save-visit]").click()
    page.locator("[data-no-location-question] [data-save-unverifiable]").click()
    page.wait_for_url("**/visits/*-*-*-*-*")


def test_morning_targets_day_visits_evening_actuals_and_a_miss_reason(
    browser: Browser, phone_profile: dict[str, Any], live_server: LiveServer, contexts: list[BrowserContext]
) -> None:
    errors: list[str] = []
    team = team_id(live_server)
    before = counted(live_server, "mgr1", "mgr2")
    with live_server.app.app_context():
        ids = {u.username: u.id for u in db.session.scalars(sa.select(User).where(User.username.in_(("mgr1", "mgr2"))))}
        db.session.remove()

    # --- the morning meeting: lead1 opens the board and sets today's targets in the quick grid -------------
    lead = phone(browser, phone_profile, live_server.url, contexts, errors).new_page()
    sign_in(lead, "lead1")
    lead.goto("/meetings/")
    lead.locator(f'section[data-team="{team}"] a[href$="/morning"]').click()
    lead.wait_for_url(f"**/meetings/teams/{team}/morning")
    grid = lead.locator("#target-grid")
    expect(grid).to_be_visible()
    grid.locator(f'input[name="t-{ids["mgr1"]}-consultations"]').fill(str(before["mgr1"] + 2))
    grid.locator(f'input[name="t-{ids["mgr2"]}-consultations"]').fill(str(before["mgr2"] + 3))
    grid.locator("button[type=submit]").click()
    expect(lead.locator(".flash")).to_be_visible()  # the board again, after the save
    expect(lead.locator(f'#target-grid input[name="t-{ids["mgr1"]}-consultations"]')).to_have_value(
        str(before["mgr1"] + 2))
    with live_server.app.app_context():
        set_today = person_targets_of(ids)
        db.session.remove()
    assert set_today == {"mgr1": before["mgr1"] + 2, "mgr2": before["mgr2"] + 3}

    # --- during the day: mgr1 records two effective visits, mgr2 one, through the visit form -------------------
    shops = merchants_of_team(live_server, 3)
    for username, mine in (("mgr1", shops[:2]), ("mgr2", shops[2:])):
        page = phone(browser, phone_profile, live_server.url, contexts, errors).new_page()
        sign_in(page, username)
        # A member sees today's targets on the morning board and confirms them.
        page.goto(f"/meetings/teams/{team}/morning")
        page.locator("#own-targets button[value=confirm]").click()
        expect(page.locator("#own-targets .confirmed-mark")).to_be_visible()
        for merchant_id in mine:
            record_visit(page, merchant_id)
    assert counted(live_server, "mgr1", "mgr2") == {"mgr1": before["mgr1"] + 2, "mgr2": before["mgr2"] + 1}

    # --- the evening meeting: actuals against targets, green and red, and the miss reason on the spot --------
    lead.goto(f"/meetings/teams/{team}/evening")
    mgr1_cell = lead.locator('#evening-figures td[data-person="mgr1"][data-metric="consultations"]')
    mgr2_cell = lead.locator('#evening-figures td[data-person="mgr2"][data-metric="consultations"]')
    expect(mgr1_cell.locator("a.fig")).to_have_text(str(before["mgr1"] + 2))
    expect(mgr1_cell).to_have_class("met")
    expect(mgr2_cell.locator("a.fig")).to_have_text(str(before["mgr2"] + 1))
    expect(mgr2_cell).to_have_class("missed")
    miss = lead.locator('form[data-miss-form="mgr2"]')
    miss.locator("select[name=code]").select_option("merchants_absent")
    miss.locator("input[name=text]").fill("两家商户老板外出进货")
    miss.locator("button[type=submit]").click()
    expect(lead.locator('form[data-miss-form="mgr2"] .miss-saved')).to_be_visible()
    with live_server.app.app_context():
        reason = db.session.scalar(sa.select(MissReason).where(MissReason.user_id == ids["mgr2"],
                                                               MissReason.day == bank_today()))
        assert reason is not None and (reason.code, reason.text) == ("merchants_absent", "两家商户老板外出进货")
        db.session.remove()
    # Tapping a figure shows how it was counted and the visits behind it.
    mgr1_cell.locator("a.fig").click()
    lead.wait_for_url("**/metrics/explain*")
    expect(lead.locator("[data-value]")).to_have_text(str(before["mgr1"] + 2))
    expect(lead.locator("#records tr[data-visit]:not(.record-none)")).to_have_count(before["mgr1"] + 2)
    # Every board's projector mode fits one 1080p screen: the figures table, its team row included, lies whole
    # inside its panel and the screen (panels clip what does not fit, so clipping the table would be the failure).
    lead.set_viewport_size({"width": 1920, "height": 1080})
    for board in ("morning", "evening", "weekly", "monthly"):
        lead.goto(f"/meetings/teams/{team}/{board}?mode=projector")
        fit = lead.evaluate("""() => {
            const table = document.querySelector('table[data-figures]');
            const panel = table.closest('.panel').getBoundingClientRect();
            const total = table.querySelector('tr.total').getBoundingClientRect();
            const page = document.scrollingElement;
            return {total: total.bottom, panel: panel.bottom, right: table.getBoundingClientRect().right,
                    panelRight: panel.right, height: page.scrollHeight, width: page.scrollWidth};
        }""")
        assert fit["total"] <= fit["panel"] <= 1080 and fit["right"] <= fit["panelRight"] + 1, (board, fit)
        assert fit["height"] <= 1080 and fit["width"] <= 1920, (board, fit)
        expect(lead.locator("nav.tabbar")).to_have_count(0)
    assert errors == []
