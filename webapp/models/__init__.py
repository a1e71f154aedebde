"""All models, imported here so Alembic and the app see one metadata."""
from webapp.models.integrity import PhotoFingerprint, PhotoKey, ReportBand, ReportGram, ReportText
from webapp.models.learning import StudyAttendance, StudySession, TeamBrief, TeamBriefPhoto
from webapp.models.login_session import LoginSession
from webapp.models.meetings import (
    ITEM_KINDS,
    MISS_REASONS,
    TARGET_PERIODS,
    MeetingItem,
    MissReason,
    PersonTarget,
    SubBranchTarget,
)
from webapp.models.merchant import LOCATION_SOURCES, MERCHANT_STATUSES, Merchant
from webapp.models.metrics import CREDITS, ActivityMonth, ActivitySubBranchMonth, MetricDefinitionSet, VisitCredit
from webapp.models.org import Branch, SubBranch, Team
from webapp.models.people import (
    HONOUR_CATEGORIES,
    SCHEME_SCOPES,
    SCHEME_STATES,
    Honour,
    IncentiveScheme,
    PerformanceTalk,
    TalkAction,
)
from webapp.models.photo import PHOTO_CATEGORIES, Photo, PhotoHashBand
from webapp.models.review import FlagReview, ReviewAuditEntry, ReviewSample, ReviewSampleVisit, VisitReview
from webapp.models.sweep import SweepDay, SweepRotation, SweepSquad, SweepStop
from webapp.models.sync import HELD_PHOTO_STATES, HeldPhoto
from webapp.models.user import User
from webapp.models.visit import (
    CHECKIN_STATUSES,
    FLAG_CODES,
    PROPOSAL_STATUSES,
    SQUAD_ROLES,
    VISIT_KINDS,
    LocationProposal,
    SquadConfirmation,
    Visit,
    VisitCheckin,
    VisitFlag,
    VisitVersion,
)
from webapp.roles import ROLES

__all__ = [
    "CHECKIN_STATUSES",
    "CREDITS",
    "FLAG_CODES",
    "HELD_PHOTO_STATES",
    "HONOUR_CATEGORIES",
    "ITEM_KINDS",
    "LOCATION_SOURCES",
    "MERCHANT_STATUSES",
    "MISS_REASONS",
    "PHOTO_CATEGORIES",
    "PROPOSAL_STATUSES",
    "ROLES",
    "SCHEME_SCOPES",
    "SCHEME_STATES",
    "SQUAD_ROLES",
    "TARGET_PERIODS",
    "VISIT_KINDS",
    "ActivityMonth",
    "ActivitySubBranchMonth",
    "Branch",
    "FlagReview",
    "HeldPhoto",
    "Honour",
    "IncentiveScheme",
    "LocationProposal",
    "LoginSession",
    "MeetingItem",
    "Merchant",
    "MetricDefinitionSet",
    "MissReason",
    "PerformanceTalk",
    "PersonTarget",
    "Photo",
    "PhotoFingerprint",
    "PhotoHashBand",
    "PhotoKey",
    "ReportBand",
    "ReportGram",
    "ReportText",
    "ReviewAuditEntry",
    "ReviewSample",
    "ReviewSampleVisit",
    "SquadConfirmation",
    "StudyAttendance",
    "StudySession",
    "SubBranch",
    "SubBranchTarget",
    "SweepDay",
    "SweepRotation",
    "SweepSquad",
    "SweepStop",
    "TalkAction",
    "Team",
    "TeamBrief",
    "TeamBriefPhoto",
    "User",
    "Visit",
    "VisitCheckin",
    "VisitCredit",
    "VisitFlag",
    "VisitReview",
    "VisitVersion",
]
