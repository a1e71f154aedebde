"""All models, imported here so Alembic and the app see one metadata."""
from webapp.models.login_session import LoginSession
from webapp.models.merchant import LOCATION_SOURCES, MERCHANT_STATUSES, Merchant
from webapp.models.org import Branch, SubBranch, Team
from webapp.models.photo import PHOTO_CATEGORIES, Photo, PhotoHashBand
from webapp.models.user import ROLES, User
from webapp.models.sweep import SweepDay, SweepRotation, SweepSquad, SweepStop
from webapp.models.visit import (
    CHECKIN_STATUSES,
    SQUAD_ROLES,
    VISIT_KINDS,
    LocationProposal,
    SquadConfirmation,
    Visit,
    VisitFlag,
    VisitVersion,
)
from webapp.models.review import FlagReview, ReviewAuditEntry, ReviewSample, ReviewSampleVisit, VisitReview
from webapp.models.sync import HELD_PHOTO_STATES, HeldPhoto
from webapp.models.metrics import CREDITS, ActivityMonth, ActivitySubBranchMonth, MetricDefinitionSet, VisitCredit
from webapp.models.meetings import (
    ITEM_KINDS,
    MISS_REASONS,
    TARGET_PERIODS,
    MeetingItem,
    MissReason,
    PersonTarget,
    SubBranchTarget,
)
from webapp.models.people import (
    HONOUR_CATEGORIES,
    SCHEME_SCOPES,
    SCHEME_STATES,
    Honour,
    IncentiveScheme,
    PerformanceTalk,
    TalkAction,
)
from webapp.models.learning import StudyAttendance, StudySession, TeamBrief, TeamBriefPhoto

__all__ = [
    "CREDITS",
    "ActivityMonth",
    "ActivitySubBranchMonth",
    "MetricDefinitionSet",
    "VisitCredit",
    "ITEM_KINDS",
    "MISS_REASONS",
    "TARGET_PERIODS",
    "MeetingItem",
    "MissReason",
    "PersonTarget",
    "SubBranchTarget",
    "HONOUR_CATEGORIES",
    "SCHEME_SCOPES",
    "SCHEME_STATES",
    "Honour",
    "IncentiveScheme",
    "PerformanceTalk",
    "TalkAction",
    "StudyAttendance",
    "StudySession",
    "TeamBrief",
    "TeamBriefPhoto",
    "HELD_PHOTO_STATES",
    "HeldPhoto",
    "FlagReview",
    "ReviewAuditEntry",
    "ReviewSample",
    "ReviewSampleVisit",
    "VisitReview",
    "CHECKIN_STATUSES",
    "LocationProposal",
    "PHOTO_CATEGORIES",
    "Photo",
    "PhotoHashBand",
    "SQUAD_ROLES",
    "SquadConfirmation",
    "VISIT_KINDS",
    "Visit",
    "VisitFlag",
    "VisitVersion",
    "Branch",
    "LOCATION_SOURCES",
    "LoginSession",
    "MERCHANT_STATUSES",
    "Merchant",
    "ROLES",
    "SubBranch",
    "SweepDay",
    "SweepRotation",
    "SweepSquad",
    "SweepStop",
    "Team",
    "User",
]
