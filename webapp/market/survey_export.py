"""A survey's results as Excel: per round, each question's figures overall, by district and by industry (counts
and shares of each option, or count, mean and median), and every text answer on a sheet of its own."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _

from webapp.market.survey_results import Figures, QuestionResult, aggregate, responses_of
from webapp.models import Survey, SurveyResponse
from webapp.spreadsheet import CellValue, build_workbook


def results_filename(survey: Survey, today: date) -> str:
    return f"survey-{survey.id}-{today.isoformat()}.xlsx"


def _figure_rows(round_number: int, grouping: str, group: str, result: QuestionResult,
                 figures: Figures) -> Iterable[list[CellValue]]:
    question = result.question
    if result.options:
        for option in result.options:
            yield [round_number, grouping, group, question.text, option, figures.answered,
                   figures.counts.get(option, 0), figures.share(option), None, None]
    elif question.kind == "number":
        yield [round_number, grouping, group, question.text, "", figures.answered, None, None, figures.mean,
               figures.median]
    else:
        yield [round_number, grouping, group, question.text, "", figures.answered, None, None, None, None]


def _figures(survey: Survey, responses: dict[int, list[SurveyResponse]]) -> Iterable[list[CellValue]]:
    for round_ in survey.rounds:
        for grouping, label in (("district", _("District")), ("industry", _("Industry"))):
            for result in aggregate(survey, responses[round_.id], grouping):
                if grouping == "district":
                    yield from _figure_rows(round_.number, _("All"), "", result, result.overall)
                for group, figures in result.groups.items():
                    yield from _figure_rows(round_.number, label, group, result, figures)


def _texts(survey: Survey, responses: dict[int, list[SurveyResponse]]) -> Iterable[list[CellValue]]:
    texts = [q for q in survey.questions if q.kind == "text"]
    for round_ in survey.rounds:
        for response in responses[round_.id]:
            for question in texts:
                value = response.answers.get(str(question.id))
                if value:
                    yield [round_.number, response.district, response.industry, question.text, str(value)]


def build_results(survey: Survey) -> bytes:
    responses = {round_.id: responses_of(round_) for round_ in survey.rounds}
    figures = [_("Round"), _("Grouped by"), _("Group"), _("Question"), _("Option"), _("Answered"), _("Chosen"),
               _("Share (%)"), _("Mean"), _("Median")]
    texts = [_("Round"), _("District"), _("Industry"), _("Question"), _("Answer")]
    return build_workbook([(survey.title, figures, _figures(survey, responses)),
                           (_("Text answers"), texts, _texts(survey, responses))])
