"""Needs surveys: a lead defines one, managers answer during visits, the answers aggregate by district and industry,
a second round is compared with the first, and the results go to Excel."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from tests.channel_helpers import ctx
from tests.factories import World, add_merchant
from tests.market_helpers import survey_body
from tests.visit_helpers import new_id
from webapp.errors import Conflict, Forbidden, Invalid, NotFoundError
from webapp.extensions import db
from webapp.market.survey_results import aggregate, compare_rounds, responses_of
from webapp.market.surveys import close_round, open_round, put_survey_response, save_survey
from webapp.models import Survey, SurveyResponse


def _survey(app: Flask) -> tuple[int, dict[str, int]]:
    with app.app_context():
        survey = save_survey(ctx("lead1"), None, survey_body())
        open_round(ctx("lead1"), survey)
        db.session.commit()
        return survey.id, {q.text: q.id for q in survey.questions}


def _answer(survey_id: int, merchant_id: int, q: dict[str, int], round_: int = 1, **answers: Any) -> dict[str, Any]:
    return {"survey_id": survey_id, "round": round_, "merchant_id": merchant_id,
            "answered_at": datetime.now(UTC).isoformat(),
            "answers": {str(q[text]): value for text, value in answers.items()}}


def test_only_a_lead_defines_and_questions_are_fixed_once_a_round_ran(app: Flask, world: World) -> None:
    with app.app_context():
        with pytest.raises(Forbidden):
            save_survey(ctx("mgr1"), None, survey_body())
        with pytest.raises(Invalid) as refused:
            save_survey(ctx("lead1"), None, survey_body(questions=[{"kind": "choice", "text": "x", "choices": "only"}]))
        assert "questions.0.choices" in refused.value.fields
        with pytest.raises(Invalid):
            save_survey(ctx("lead1"), None, survey_body(questions=[]))
        survey = save_survey(ctx("lead1"), None, survey_body())
        save_survey(ctx("lead1"), survey, survey_body(title="改了标题"))  # questions may change while a draft
        open_round(ctx("lead1"), survey)
        save_survey(ctx("lead1"), survey, survey_body(title="再改标题"))  # the title still may
        with pytest.raises(Conflict):
            save_survey(ctx("lead1"), survey, survey_body(questions=[{"kind": "text", "text": "别的问题"}]))
        with pytest.raises(Forbidden):
            open_round(ctx("lead2"), survey)


@pytest.mark.parametrize(("answers", "field"), [
    ({"目前是否有融资需求": "也许"}, "answers"), ({"希望的还款方式": ["按月付"]}, "answers"),
    ({"资金需求（万元）": "很多"}, "answers"), ({"哪几个月最需要资金": [13]}, "answers"),
    ({"资金需求（万元）": "30"}, "answers"),  # the required question unanswered
])
def test_a_bad_answer_is_refused(app: Flask, world: World, answers: dict[str, Any], field: str) -> None:
    survey_id, q = _survey(app)
    with app.app_context():
        with pytest.raises(Invalid) as refused:
            put_survey_response(ctx("mgr1"), new_id(), _answer(survey_id, world.merchants["a1_owned"], q, **answers))
        assert any(key.startswith(field) for key in refused.value.fields)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0


def test_answers_are_kept_once_per_merchant_and_round(app: Flask, world: World) -> None:
    survey_id, q = _survey(app)
    with app.app_context():
        body = _answer(survey_id, world.merchants["a1_owned"], q, **{"目前是否有融资需求": "有"})
        response_id = new_id()
        assert put_survey_response(ctx("mgr1"), response_id, body).status == "created"
        assert put_survey_response(ctx("mgr1"), response_id, body).status == "unchanged"
        with pytest.raises(Conflict):
            put_survey_response(ctx("mgr1"), new_id(), body)  # the merchant answered this round already
        with pytest.raises(NotFoundError):
            put_survey_response(ctx("mgr7"), new_id(), {**body, "merchant_id": world.merchants["a2"]})
        with pytest.raises(Invalid):
            put_survey_response(ctx("mgr1"), new_id(), {**body, "round": 2})
        with pytest.raises(Invalid):
            put_survey_response(ctx("mgr1"), new_id(), {**body, "merchant_id": world.merchants["a2"]})
        with pytest.raises(Forbidden):
            put_survey_response(ctx("reviewer1"), new_id(), body)


def test_answers_aggregate_by_district_and_industry_and_rounds_compare(app: Flask, world: World) -> None:
    survey_id, q = _survey(app)
    with app.app_context():
        tea = add_merchant(world.sub_branches["A1"], "龙井茶庄", district="湖墅南路沿线")
        tea.industry = "茶叶"
        db.session.commit()
        first = [(world.merchants["a1_owned"], "有", ["先息后本"], "30", [1, 2]),
                 (world.merchants["a1_other"], "没有", ["等额本息", "随借随还"], "10", [2]),
                 (tea.id, "有", ["先息后本"], "50", [3, 4])]
        for merchant_id, need, ways, amount, months in first:
            put_survey_response(ctx("mgr1"), new_id(), _answer(survey_id, merchant_id, q, **{
                "目前是否有融资需求": need, "希望的还款方式": ways, "资金需求（万元）": amount, "哪几个月最需要资金": months,
                "对银行服务的建议": "审批再快点"}))
        db.session.commit()
        survey = db.session.get(Survey, survey_id)
        assert survey is not None
        by_district = aggregate(survey, responses_of(survey.rounds[0]), "district")
        need = by_district[0]
        assert need.overall.answered == 3 and need.overall.counts == {"有": 2, "没有": 1}
        assert need.overall.share("有") == 66.7
        assert {group: f.counts for group, f in need.groups.items()} == {
            "武林商圈": {"有": 1}, "湖墅南路沿线": {"没有": 1, "有": 1}}
        ways = by_district[1]
        assert ways.overall.counts == {"先息后本": 2, "等额本息": 1, "随借随还": 1}
        amount = by_district[2]
        assert (amount.overall.mean, amount.overall.median) == (30.0, 30.0)
        months = by_district[3]
        assert months.overall.counts == {"1": 1, "2": 2, "3": 1, "4": 1}
        by_industry = aggregate(survey, responses_of(survey.rounds[0]), "industry")
        assert set(by_industry[0].groups) == {"餐饮", "茶叶"}
        # A second round: one merchant's need changed.
        open_round(ctx("lead1"), survey)
        put_survey_response(ctx("mgr1"), new_id(), _answer(survey_id, world.merchants["a1_other"], q, 2, **{
            "目前是否有融资需求": "有", "资金需求（万元）": "20"}))
        db.session.commit()
        compared = compare_rounds(survey)
        assert [figures.share("有") for _round, figures in compared[0].rounds] == [66.7, 100.0]
        assert [figures.mean for _round, figures in compared[2].rounds] == [30.0, 20.0]
        # An answer given offline while round 2 was open still counts in it after it closed; one after does not.
        given = datetime.now(UTC)
        close_round(ctx("lead1"), survey)
        late = _answer(survey_id, tea.id, q, 2, **{"目前是否有融资需求": "有"})
        assert put_survey_response(ctx("mgr1"), new_id(), {**late, "answered_at": given.isoformat()}).status == "created"
        with pytest.raises(Invalid):
            survey.rounds[1].closed_at = given - timedelta(hours=1)
            put_survey_response(ctx("mgr1"), new_id(), _answer(survey_id, world.merchants["a1_owned"], q, 2, **{
                "目前是否有融资需求": "有"}))


def test_survey_pages_answers_by_form_and_the_excel_results(app: Flask, world: World, login: Any) -> None:
    lead1 = login("lead1")
    made = lead1.post("/market/surveys/new", {"title": "经营情况调研", "q_text_0": "有无融资需求", "q_kind_0": "choice",
                                              "q_choices_0": "有\n没有", "q_required_0": "yes",
                                              "q_text_1": "需求金额（万元）", "q_kind_1": "number"})
    assert made.status_code == 303
    survey_url = made.headers["Location"]
    bad = lead1.post("/market/surveys/new", {"title": "", "q_text_0": "x", "q_kind_0": "choice", "q_choices_0": "一"},
                     headers={"HX-Request": "true"})
    assert bad.status_code == 422 and 'data-error-for="questions_0_choices"' in bad.get_data(as_text=True)
    survey_id = int(survey_url.rstrip("/").rsplit("/", 1)[1])
    assert login("mgr1").post(f"/market/surveys/{survey_id}/rounds").status_code == 403
    assert lead1.post(f"/market/surveys/{survey_id}/rounds").status_code == 303
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        assert survey is not None
        q = [question.id for question in survey.questions]
    mgr1 = login("mgr1")
    page = mgr1.get(f"/market/surveys/{survey_id}/answer?merchant={world.merchants['a1_owned']}").get_data(as_text=True)
    assert 'data-capture-kind="survey"' in page
    form = {"response_id": new_id(), "merchant_id": str(world.merchants["a1_owned"]), f"q_{q[0]}": "有",
            f"q_{q[1]}": "25"}
    refused = mgr1.post(f"/market/surveys/{survey_id}/answers", {**form, f"q_{q[0]}": "?"}, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert mgr1.post(f"/market/surveys/{survey_id}/answers", form).status_code == 303
    results = mgr1.get(f"/market/surveys/{survey_id}").get_data(as_text=True)
    assert "武林商圈" in results and "100.0%" in results
    assert lead1.post(f"/market/surveys/{survey_id}/close").status_code == 303
    assert lead1.post(f"/market/surveys/{survey_id}/close").status_code == 409
    reviewer = login("reviewer1")
    assert reviewer.post("/language", {"lang": "en", "next": "/market/surveys/"}).status_code == 303
    response = reviewer.get(f"/market/surveys/{survey_id}/results.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()][1:]
    assert [1, "All", None, "有无融资需求", "有", 1, 1, 100.0, None, None] in rows
    assert [1, "District", "武林商圈", "需求金额（万元）", None, 1, None, None, 25, 25] in rows
