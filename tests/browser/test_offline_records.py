"""A lead at a marketing activity, a peer record and survey answers captured with no network at all, in real
Chromium on a Pixel 7: the forms open from the phone, each record waits in the outbox, and once the network is back
the server holds each exactly once: the lead as a prospect merchant assigned to the manager."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import MANAGER, LiveServer, Phone, outbox_items, wait_kept, wait_outbox_empty
from tests.factories import user_by_name
from webapp.bank_time import bank_today
from webapp.channels.activities import save_activity
from webapp.extensions import db
from webapp.market.surveys import open_round, save_survey
from webapp.models import Lead, Merchant, PeerRecord, SurveyResponse
from webapp.write_kernel import WriteContext


@dataclass(frozen=True)
class Records:
    activity_id: int
    survey_id: int


@pytest.fixture(scope="module")
def records(server: LiveServer) -> Iterator[Records]:
    """Before the phone opens the app: an activity of the manager today and an open survey of their team."""
    with server.app.app_context():
        now = datetime.now(UTC)
        activity = save_activity(WriteContext(user_by_name(MANAGER), now), None, {
            "kind": "roadshow", "title": "菜场路演", "day": bank_today().isoformat(), "place": "农贸市场"})
        lead = WriteContext(user_by_name("lead1"), now)
        survey = save_survey(lead, None, {"title": "融资需求", "questions": [
            {"kind": "choice", "text": "有无融资需求", "choices": "有\n没有", "required": "yes"},
            {"kind": "months", "text": "哪几个月最需要资金"}]})
        open_round(lead, survey)
        db.session.commit()
        yield Records(activity.id, survey.id)
        db.session.remove()


def _saved(page: object) -> None:
    notice = page.locator("form[data-capture-form] [data-capture-saved]")  # type: ignore[attr-defined]
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("已保存，待同步")


def test_a_lead_a_peer_record_and_survey_answers_captured_offline_reach_the_server_once(
    records: Records, phone: Phone, server: LiveServer
) -> None:
    context, page, merchant_id = phone.context, phone.page, phone.merchant_id
    lead_form = f"/channels/activities/{records.activity_id}/leads/new"
    answer_form = f"/market/surveys/{records.survey_id}/answer"
    for path in (lead_form, "/market/peers/new", answer_form):
        wait_kept(page, path)

    context.set_offline(True)
    # A lead at the roadshow.
    page.goto(lead_form)
    cached_id = page.evaluate("""async (path) => {
        const html = await (await (await caches.open('xw-pages')).match(path, { ignoreVary: true })).text();
        return /name="lead_id" value="([^"]+)"/.exec(html)[1];
      }""", lead_form)
    lead_id = page.locator("input[name=lead_id]").input_value()
    assert lead_id != cached_id, "a form from the phone's cache must mint its own id"
    page.locator("#name").fill("王记鲜肉")
    page.locator("#phone").fill("13598765432")
    page.locator("#need").fill("年前备货，想贷10万")
    page.locator("[data-capture-save]").click()
    _saved(page)
    assert page.locator("input[name=lead_id]").input_value() not in (lead_id, cached_id)

    # A peer product heard at the merchant's door (the form kept once answers ?merchant=).
    page.goto(f"/market/peers/new?merchant={merchant_id}")
    page.locator("#bank").fill("某农商银行")
    page.locator("#product").fill("商户贷")
    page.locator("#rate").fill("4.20")
    page.locator("[data-capture-save]").click()
    _saved(page)

    # The survey, with the same merchant.
    page.goto(f"{answer_form}?merchant={merchant_id}")
    expect(page.locator("#merchant_id")).to_have_value(str(merchant_id))
    page.locator("fieldset[data-answer-kind=choice] input[value=有]").check()
    page.locator("fieldset[data-answer-kind=months] input[value='1']").check()
    page.locator("fieldset[data-answer-kind=months] input[value='12']").check()
    page.locator("[data-capture-save]").click()
    _saved(page)

    items = outbox_items(page)
    assert sorted(i["kind"] for i in items) == ["lead", "peer", "survey"]
    assert all(i["state"] == "queued" and i["author"] == MANAGER for i in items)
    page.goto("/sync/")
    expect(page.locator("[data-sync-summary]")).to_have_attribute("data-waiting", "3")
    expect(page.locator(".sync-item[data-item-kind=lead]")).to_contain_text("王记鲜肉")
    with server.app.app_context():
        assert db.session.get(Lead, lead_id) is None

    context.set_offline(False)
    wait_outbox_empty(page)
    with server.app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead is not None and lead.assignee.username == MANAGER
        merchant = db.session.get(Merchant, lead.merchant_id)
        assert merchant is not None and (merchant.status, merchant.owner_id) == ("prospect", lead.assignee_id)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead).where(
            Lead.activity_id == records.activity_id)) == 1
        peers = list(db.session.scalars(sa.select(PeerRecord).where(PeerRecord.bank == "某农商银行")))
        assert len(peers) == 1 and peers[0].rate_bp == 420 and peers[0].merchant_id == merchant_id
        answers = list(db.session.scalars(sa.select(SurveyResponse).where(
            SurveyResponse.survey_id == records.survey_id)))
        assert len(answers) == 1 and answers[0].merchant_id == merchant_id
        months = next(v for v in answers[0].answers.values() if isinstance(v, list))
        assert months == [1, 12]
    assert page.evaluate("async () => (await xw.outbox.list()).length") == 0
