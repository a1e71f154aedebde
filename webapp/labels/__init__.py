"""Display names of the codes stored in the database, translated at render time: one table per code list.

``label(TABLE, code)`` is the one lookup (a code the table lacks shows as itself, never as an empty cell);
``labeller(TABLE)`` is the same as a callable for a template. ``webapp.labels.codes.LABELLED_CODES`` pairs
every code list with its table, and a test proves each code has a label in both languages. The tables live by area
(``field_work``, ``loans``, ``collection``, ``meetings``, ``channels``, ``market``, ``relations``) and are all
imported from here.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING

from flask import Flask
from flask_babel import gettext as _

from webapp.labels.channels import ACTIVITY_KIND, CHANNEL_KIND, CHANNEL_LINK_SOURCE, CHANNEL_STATE, FESTIVAL
from webapp.labels.collection import (
    ACTION_STATUS,
    ARREARS_CAUSE,
    CASE_EVENT,
    CASE_STATUS,
    CLOSE_REASON,
    CONTACT_CHANNEL,
    DEADLINE_STATE,
    DECISION_OUTCOME,
    OPEN_REASON,
    PROMISE_METHOD,
    PROMISE_STATUS,
    PROPOSAL,
    REPORT_STATUS,
)
from webapp.labels.field_work import (
    CHECKIN_STATUS,
    DEAL_PRODUCT,
    FIXED_ASSETS,
    FLAG_CODE,
    FLAG_DECISION,
    HELD_PHOTO_STATE,
    INBOX_KIND,
    INVENTORY_LEVEL,
    LOCATION_SOURCE,
    MERCHANT_STATUS,
    OPERATING_STATE,
    PHOTO_CATEGORY,
    PROPOSAL_STATUS,
    REVIEW_ACTION,
    REVIEW_STATE,
    ROLE,
    SQUAD_ROLE,
    TODAY_REASON,
    VISIT_KIND,
)
from webapp.labels.loans import (
    CHECK_KIND,
    CHECK_MODE,
    CHECK_STATE,
    CLASSIFICATION,
    CONTACT_MODE,
    INVENTORY_VS_LAST,
    LOAN_STATUS,
    PERSON_KIND,
    REPAYMENT_METHOD,
    REPAYMENT_VIEW,
    TRIGGER_REASON,
    WARNING_LEVEL,
    WARNING_RULE,
    WARNING_STATUS,
    WEB_SUBJECT,
)
from webapp.labels.market import PEER_SOURCE, PRODUCT_CATEGORY, QUESTION_KIND, SURVEY_STATE
from webapp.labels.meetings import (
    CREDIT,
    DEFINITION_CHOICE,
    FOCUS_KIND,
    HONOUR_CATEGORY,
    MEETING_ITEM_KIND,
    METRIC,
    MISS_REASON,
    RISK_KIND,
    RULE_TYPE,
    SCHEME_SCOPE,
    SCHEME_STATE,
    TALK_RATING,
    TARGET_PERIOD,
    WEEKDAY,
)
from webapp.labels.relations import SCREENING_POPULATION, TARGET_OUTCOME, TIMELINE_KIND

if TYPE_CHECKING:
    from webapp.models import SweepSquad

LabelTable = Mapping[str, str]


def label(table: LabelTable, code: str | None) -> str:
    """The display name of ``code``; the code itself when the table has none."""
    return str(table.get(code or "", code or ""))


def labeller(table: LabelTable) -> Callable[[str | None], str]:
    """``label`` bound to one table, for a template that shows codes of one list."""
    return partial(label, table)


def squad_name(number: int | None) -> str:
    """A sweep squad by its number, or the bucket of merchants no squad has yet."""
    return _("Squad %(number)d", number=number) if number is not None else _("Unassigned")


def sweep_squad_name(squad: SweepSquad | None) -> str:
    return squad_name(squad.number if squad is not None else None)


def metric_label(code: str | None) -> str:
    """A target metric: the three figures, the rates, or deals of one product ("deals.credit_card")."""
    if code and code.startswith("deals."):
        return label(DEAL_PRODUCT, code.split(".", 1)[1])
    return label(METRIC, code)


def weekday_label(day: int | str | None) -> str:
    """A weekday by its Python number (Monday is 0), as the boards' day columns show it."""
    return label(WEEKDAY, None if day is None else str(day))


# The label functions every template may call, registered on the app (not by any one blueprint).
TEMPLATE_LABELS: dict[str, LabelTable] = {
    "merchant_status_label": MERCHANT_STATUS,
    "location_source_label": LOCATION_SOURCE,
    "role_label": ROLE,
    "visit_kind_label": VISIT_KIND,
    "squad_role_label": SQUAD_ROLE,
    "checkin_status_label": CHECKIN_STATUS,
    "flag_label": FLAG_CODE,
    "photo_category_label": PHOTO_CATEGORY,
    "deal_product_label": DEAL_PRODUCT,
    "operating_state_label": OPERATING_STATE,
    "inventory_level_label": INVENTORY_LEVEL,
    "fixed_assets_label": FIXED_ASSETS,
    "proposal_status_label": PROPOSAL_STATUS,
    "inbox_kind_label": INBOX_KIND,
    "review_state_label": REVIEW_STATE,
    "review_action_label": REVIEW_ACTION,
    "flag_decision_label": FLAG_DECISION,
    "loan_status_label": LOAN_STATUS,
    "repayment_method_label": REPAYMENT_METHOD,
    "person_kind_label": PERSON_KIND,
    "check_kind_label": CHECK_KIND,
    "check_mode_label": CHECK_MODE,
    "check_state_label": CHECK_STATE,
    "trigger_reason_label": TRIGGER_REASON,
    "classification_label": CLASSIFICATION,
    "warning_level_label": WARNING_LEVEL,
    "warning_status_label": WARNING_STATUS,
    "warning_rule_label": WARNING_RULE,
    "inventory_vs_last_label": INVENTORY_VS_LAST,
    "contact_mode_label": CONTACT_MODE,
    "repayment_view_label": REPAYMENT_VIEW,
    "web_subject_label": WEB_SUBJECT,
    "case_status_label": CASE_STATUS,
    "open_reason_label": OPEN_REASON,
    "close_reason_label": CLOSE_REASON,
    "contact_channel_label": CONTACT_CHANNEL,
    "arrears_cause_label": ARREARS_CAUSE,
    "promise_method_label": PROMISE_METHOD,
    "promise_status_label": PROMISE_STATUS,
    "deadline_state_label": DEADLINE_STATE,
    "report_status_label": REPORT_STATUS,
    "proposal_label": PROPOSAL,
    "decision_outcome_label": DECISION_OUTCOME,
    "action_status_label": ACTION_STATUS,
    "case_event_label": CASE_EVENT,
    "period_label": TARGET_PERIOD,
    "miss_reason_label": MISS_REASON,
    "item_kind_label": MEETING_ITEM_KIND,
    "focus_kind_label": FOCUS_KIND,
    "risk_kind_label": RISK_KIND,
    "scheme_state_label": SCHEME_STATE,
    "scheme_scope_label": SCHEME_SCOPE,
    "rule_type_label": RULE_TYPE,
    "honour_label": HONOUR_CATEGORY,
    "talk_rating_label": TALK_RATING,
    "definition_label": DEFINITION_CHOICE,
    "credit_label": CREDIT,
    "channel_kind_label": CHANNEL_KIND,
    "channel_state_label": CHANNEL_STATE,
    "channel_link_source_label": CHANNEL_LINK_SOURCE,
    "activity_kind_label": ACTIVITY_KIND,
    "festival_label": FESTIVAL,
    "product_category_label": PRODUCT_CATEGORY,
    "peer_source_label": PEER_SOURCE,
    "survey_state_label": SURVEY_STATE,
    "question_kind_label": QUESTION_KIND,
    "screening_population_label": SCREENING_POPULATION,
    "target_outcome_label": TARGET_OUTCOME,
    "timeline_kind_label": TIMELINE_KIND,
}


def register_labels(app: Flask) -> None:
    app.jinja_env.globals.update({name: labeller(table) for name, table in TEMPLATE_LABELS.items()})
    app.jinja_env.globals["sweep_squad_name"] = sweep_squad_name
    app.jinja_env.globals["metric_label"] = metric_label
    app.jinja_env.globals["weekday_label"] = weekday_label


__all__ = [
    "ACTION_STATUS",
    "ACTIVITY_KIND",
    "ARREARS_CAUSE",
    "CASE_EVENT",
    "CASE_STATUS",
    "CHANNEL_KIND",
    "CHANNEL_LINK_SOURCE",
    "CHANNEL_STATE",
    "CHECKIN_STATUS",
    "CHECK_KIND",
    "CHECK_MODE",
    "CHECK_STATE",
    "CLASSIFICATION",
    "CLOSE_REASON",
    "CONTACT_CHANNEL",
    "CONTACT_MODE",
    "CREDIT",
    "DEADLINE_STATE",
    "DEAL_PRODUCT",
    "DECISION_OUTCOME",
    "DEFINITION_CHOICE",
    "FESTIVAL",
    "FIXED_ASSETS",
    "FLAG_CODE",
    "FLAG_DECISION",
    "FOCUS_KIND",
    "HELD_PHOTO_STATE",
    "HONOUR_CATEGORY",
    "INBOX_KIND",
    "INVENTORY_LEVEL",
    "INVENTORY_VS_LAST",
    "LOAN_STATUS",
    "LOCATION_SOURCE",
    "MEETING_ITEM_KIND",
    "MERCHANT_STATUS",
    "METRIC",
    "MISS_REASON",
    "OPEN_REASON",
    "OPERATING_STATE",
    "PEER_SOURCE",
    "PERSON_KIND",
    "PHOTO_CATEGORY",
    "PRODUCT_CATEGORY",
    "PROMISE_METHOD",
    "PROMISE_STATUS",
    "PROPOSAL",
    "PROPOSAL_STATUS",
    "QUESTION_KIND",
    "REPAYMENT_METHOD",
    "REPAYMENT_VIEW",
    "REPORT_STATUS",
    "REVIEW_ACTION",
    "REVIEW_STATE",
    "RISK_KIND",
    "ROLE",
    "RULE_TYPE",
    "SCHEME_SCOPE",
    "SCHEME_STATE",
    "SCREENING_POPULATION",
    "SQUAD_ROLE",
    "SURVEY_STATE",
    "TALK_RATING",
    "TARGET_OUTCOME",
    "TARGET_PERIOD",
    "TEMPLATE_LABELS",
    "TIMELINE_KIND",
    "TODAY_REASON",
    "TRIGGER_REASON",
    "VISIT_KIND",
    "WARNING_LEVEL",
    "WARNING_RULE",
    "WARNING_STATUS",
    "WEB_SUBJECT",
    "WEEKDAY",
    "LabelTable",
    "label",
    "labeller",
    "metric_label",
    "register_labels",
    "squad_name",
    "sweep_squad_name",
    "weekday_label",
]
