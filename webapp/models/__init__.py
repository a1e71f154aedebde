"""All models, imported here so Alembic and the app see one metadata."""
from webapp.models.login_session import LoginSession
from webapp.models.merchant import LOCATION_SOURCES, MERCHANT_STATUSES, Merchant
from webapp.models.org import Branch, SubBranch, Team
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
    "FLAG_CODES",
    "HELD_PHOTO_STATES",
    "LOCATION_SOURCES",
    "MERCHANT_STATUSES",
    "PHOTO_CATEGORIES",
    "PROPOSAL_STATUSES",
    "ROLES",
    "SQUAD_ROLES",
    "VISIT_KINDS",
    "Branch",
    "FlagReview",
    "HeldPhoto",
    "LocationProposal",
    "LoginSession",
    "Merchant",
    "Photo",
    "PhotoHashBand",
    "ReviewAuditEntry",
    "ReviewSample",
    "ReviewSampleVisit",
    "SquadConfirmation",
    "SubBranch",
    "SweepDay",
    "SweepRotation",
    "SweepSquad",
    "SweepStop",
    "Team",
    "User",
    "Visit",
    "VisitCheckin",
    "VisitFlag",
    "VisitReview",
    "VisitVersion",
]
