"""All models, imported here so Alembic and the app see one metadata."""
from webapp.models.login_session import LoginSession
from webapp.models.merchant import LOCATION_SOURCES, MERCHANT_STATUSES, Merchant
from webapp.models.org import Branch, SubBranch, Team
from webapp.models.user import ROLES, User

__all__ = [
    "Branch",
    "LOCATION_SOURCES",
    "LoginSession",
    "MERCHANT_STATUSES",
    "Merchant",
    "ROLES",
    "SubBranch",
    "Team",
    "User",
]
