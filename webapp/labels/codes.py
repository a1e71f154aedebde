"""Every code list the database stores, paired with the label table that names its codes.

Kept apart from the tables: it reads the code lists from the models and modules that own them, which the
tables themselves (imported by nearly every view) need not. tests/test_labels.py proves that every code of
every list has a label in both languages."""
from __future__ import annotations

from collections.abc import Collection

from webapp.collection.deadlines import DEADLINE_STATES
from webapp.labels import LabelTable
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
from webapp.labels.relations import SCREENING_POPULATION, TARGET_OUTCOME, TIMELINE_KIND, TIMELINE_KINDS
from webapp.meetings.hooks import FOCUS_KINDS, RISK_KINDS
from webapp.metrics.definitions import (
    BASE_METRICS,
    CONSULTATION_RULES,
    LOAN_DEAL_SOURCES,
    RATE_METRICS,
    SQUAD_CREDIT_RULES,
)
from webapp.models import (
    ACTIVITY_KINDS,
    ARREARS_CAUSES,
    CHANNEL_KINDS,
    CHANNEL_LINK_SOURCES,
    CHANNEL_STATES,
    CHECK_KINDS,
    CHECK_MODES,
    CHECKIN_STATUSES,
    CLASSIFICATIONS,
    CLOSE_REASONS,
    CONTACT_CHANNELS,
    DECISION_OUTCOMES,
    FESTIVALS,
    FLAG_CODES,
    HELD_PHOTO_STATES,
    LOAN_STATUSES,
    LOCATION_SOURCES,
    MERCHANT_STATUSES,
    PEER_SOURCES,
    PERSON_KINDS,
    PHOTO_CATEGORIES,
    PRODUCT_CATEGORIES,
    PROMISE_METHODS,
    PROPOSAL_STATUSES,
    PROPOSALS,
    QUESTION_KINDS,
    REPAYMENT_METHODS,
    SCREENING_POPULATIONS,
    SQUAD_ROLES,
    SURVEY_STATES,
    TARGET_OUTCOMES,
    VISIT_KINDS,
    WARNING_LEVELS,
    WARNING_STATUSES,
)
from webapp.models.collection import CASE_EVENT_KINDS, CASE_STATUSES, OPEN_REASONS, PROMISE_STATUSES
from webapp.models.committee import ACTION_STATUSES, REPORT_STATUSES
from webapp.models.meetings import ITEM_KINDS, MISS_REASONS, TARGET_PERIODS
from webapp.models.metrics import CREDITS
from webapp.models.people import HONOUR_CATEGORIES, RULE_TYPES, SCHEME_SCOPES, SCHEME_STATES, TALK_RATINGS
from webapp.models.postloan import REPAYMENT_VIEWS, TRIGGER_REASONS, WARNING_RULES, WEB_SUBJECTS
from webapp.models.review import AUDIT_ACTIONS, FLAG_DECISIONS, REVIEW_STATES
from webapp.postloan.schedule import CHECK_STATES
from webapp.postloan.visit_payload import CONTACT_MODES, INVENTORY_COMPARISONS
from webapp.roles import ROLES
from webapp.today.worklist import REASON_ORDER
from webapp.visits.payload import DEAL_PRODUCTS, FIXED_ASSET_STATES, INVENTORY_LEVELS, OPERATING_STATES

LABELLED_CODES: dict[str, tuple[Collection[str], LabelTable]] = {
    "merchant status": (MERCHANT_STATUSES, MERCHANT_STATUS),
    "location source": (LOCATION_SOURCES, LOCATION_SOURCE),
    "role": (ROLES, ROLE),
    "visit kind": (VISIT_KINDS, VISIT_KIND),
    "squad role": (SQUAD_ROLES, SQUAD_ROLE),
    "check-in status": (CHECKIN_STATUSES, CHECKIN_STATUS),
    "flag code": (FLAG_CODES, FLAG_CODE),
    "photo category": (PHOTO_CATEGORIES, PHOTO_CATEGORY),
    "deal product": (DEAL_PRODUCTS, DEAL_PRODUCT),
    "operating state": (OPERATING_STATES, OPERATING_STATE),
    "inventory level": (INVENTORY_LEVELS, INVENTORY_LEVEL),
    "fixed assets": (FIXED_ASSET_STATES, FIXED_ASSETS),
    "proposal status": (PROPOSAL_STATUSES, PROPOSAL_STATUS),
    "review state": (REVIEW_STATES, REVIEW_STATE),
    "review action": (AUDIT_ACTIONS, REVIEW_ACTION),
    "flag decision": (FLAG_DECISIONS, FLAG_DECISION),
    "held photo state": (HELD_PHOTO_STATES, HELD_PHOTO_STATE),
    "today reason": (REASON_ORDER, TODAY_REASON),
    "loan status": (LOAN_STATUSES, LOAN_STATUS),
    "repayment method": (REPAYMENT_METHODS, REPAYMENT_METHOD),
    "person kind": (PERSON_KINDS, PERSON_KIND),
    "check kind": (CHECK_KINDS, CHECK_KIND),
    "check mode": (CHECK_MODES, CHECK_MODE),
    "check state": (CHECK_STATES, CHECK_STATE),
    "trigger reason": (TRIGGER_REASONS, TRIGGER_REASON),
    "classification": (CLASSIFICATIONS, CLASSIFICATION),
    "warning level": (WARNING_LEVELS, WARNING_LEVEL),
    "warning status": (WARNING_STATUSES, WARNING_STATUS),
    "warning rule": (WARNING_RULES, WARNING_RULE),
    "inventory vs last": (INVENTORY_COMPARISONS, INVENTORY_VS_LAST),
    "contact mode": (CONTACT_MODES, CONTACT_MODE),
    "repayment view": (REPAYMENT_VIEWS, REPAYMENT_VIEW),
    "web subject": (WEB_SUBJECTS, WEB_SUBJECT),
    "case status": (CASE_STATUSES, CASE_STATUS),
    "open reason": (OPEN_REASONS, OPEN_REASON),
    "close reason": (CLOSE_REASONS, CLOSE_REASON),
    "contact channel": (CONTACT_CHANNELS, CONTACT_CHANNEL),
    "arrears cause": (ARREARS_CAUSES, ARREARS_CAUSE),
    "promise method": (PROMISE_METHODS, PROMISE_METHOD),
    "promise status": (PROMISE_STATUSES, PROMISE_STATUS),
    "deadline state": (DEADLINE_STATES, DEADLINE_STATE),
    "report status": (REPORT_STATUSES, REPORT_STATUS),
    "proposal": (PROPOSALS, PROPOSAL),
    "decision outcome": (DECISION_OUTCOMES, DECISION_OUTCOME),
    "action status": (ACTION_STATUSES, ACTION_STATUS),
    "case event": (CASE_EVENT_KINDS, CASE_EVENT),
    "metric": (BASE_METRICS + RATE_METRICS, METRIC),
    "target period": (TARGET_PERIODS, TARGET_PERIOD),
    "miss reason": (MISS_REASONS, MISS_REASON),
    "meeting item kind": (ITEM_KINDS, MEETING_ITEM_KIND),
    "focus kind": (FOCUS_KINDS, FOCUS_KIND),
    "risk kind": (RISK_KINDS, RISK_KIND),
    "scheme state": (SCHEME_STATES, SCHEME_STATE),
    "scheme scope": (SCHEME_SCOPES, SCHEME_SCOPE),
    "incentive rule type": (RULE_TYPES, RULE_TYPE),
    "honour category": (HONOUR_CATEGORIES, HONOUR_CATEGORY),
    "talk rating": (TALK_RATINGS, TALK_RATING),
    "metric definition choice": (CONSULTATION_RULES + SQUAD_CREDIT_RULES + LOAN_DEAL_SOURCES, DEFINITION_CHOICE),
    "weekday": (tuple(str(day) for day in range(7)), WEEKDAY),
    "visit credit": (CREDITS, CREDIT),
    "channel kind": (CHANNEL_KINDS, CHANNEL_KIND),
    "channel state": (CHANNEL_STATES, CHANNEL_STATE),
    "channel link source": (CHANNEL_LINK_SOURCES, CHANNEL_LINK_SOURCE),
    "activity kind": (ACTIVITY_KINDS, ACTIVITY_KIND),
    "festival": (FESTIVALS, FESTIVAL),
    "product category": (PRODUCT_CATEGORIES, PRODUCT_CATEGORY),
    "peer source": (PEER_SOURCES, PEER_SOURCE),
    "survey state": (SURVEY_STATES, SURVEY_STATE),
    "question kind": (QUESTION_KINDS, QUESTION_KIND),
    "screening population": (SCREENING_POPULATIONS, SCREENING_POPULATION),
    "target outcome": (TARGET_OUTCOMES, TARGET_OUTCOME),
    "timeline kind": (TIMELINE_KINDS, TIMELINE_KIND),
}

