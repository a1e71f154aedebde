"""A survey's answers aggregated: per round, per question, overall and by district or industry (as the merchant's
were when they answered), and the rounds side by side to see what changed.

Choice, several-choice and month questions count each option (a merchant choosing two options counts in both;
shares are of the merchants who answered the question); number questions give the count, mean and median;
text questions the count and the latest answers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from statistics import mean, median
from typing import Any

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Survey, SurveyQuestion, SurveyResponse, SurveyRound

GROUPINGS = ("district", "industry")
LATEST_TEXTS = 5


@dataclass
class Figures:
    """One question's answers in one group."""

    answered: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    numbers: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def share(self, option: str) -> float | None:
        return round(100.0 * self.counts.get(option, 0) / self.answered, 1) if self.answered else None

    @property
    def mean(self) -> float | None:
        return round(mean(self.numbers), 2) if self.numbers else None

    @property
    def median(self) -> float | None:
        return round(float(median(self.numbers)), 2) if self.numbers else None


@dataclass
class QuestionResult:
    question: SurveyQuestion
    options: list[str]
    overall: Figures
    groups: dict[str, Figures]


def options_of(question: SurveyQuestion) -> list[str]:
    if question.kind in ("choice", "choices"):
        return list(question.choices)
    if question.kind == "months":
        return [str(month) for month in range(1, 13)]
    return []


def _add(figures: Figures, question: SurveyQuestion, value: Any) -> None:
    figures.answered += 1
    if question.kind in ("choice", "choices", "months"):
        for item in value if isinstance(value, list) else [value]:
            figures.counts[str(item)] = figures.counts.get(str(item), 0) + 1
    elif question.kind == "number":
        figures.numbers.append(float(value))
    elif len(figures.texts) < LATEST_TEXTS:
        figures.texts.append(str(value))


def responses_of(round_: SurveyRound) -> list[SurveyResponse]:
    return list(db.session.scalars(sa.select(SurveyResponse).where(SurveyResponse.round_id == round_.id)
                                   .order_by(SurveyResponse.answered_at.desc())))


def aggregate(survey: Survey, responses: list[SurveyResponse], by: str = "district") -> list[QuestionResult]:
    results = []
    for question in survey.questions:
        key = str(question.id)
        overall = Figures()
        groups: dict[str, Figures] = {}
        for response in responses:
            if key not in response.answers:
                continue
            group = (response.district if by == "district" else response.industry) or "-"
            _add(overall, question, response.answers[key])
            _add(groups.setdefault(group, Figures()), question, response.answers[key])
        results.append(QuestionResult(question, options_of(question), overall, dict(sorted(groups.items()))))
    return results


@dataclass
class RoundComparison:
    question: SurveyQuestion
    options: list[str]
    rounds: list[tuple[SurveyRound, Figures]]


def compare_rounds(survey: Survey) -> list[RoundComparison]:
    """Each question's overall figures in every round, oldest first."""
    per_round = [(round_, aggregate(survey, responses_of(round_))) for round_ in survey.rounds]
    return [RoundComparison(question, options_of(question),
                            [(round_, results[index].overall) for round_, results in per_round])
            for index, question in enumerate(survey.questions)]
