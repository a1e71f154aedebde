"""Inbox sources of post-loan work: my due and overdue checks; the risk warnings I own; for a team lead, the
team's high warnings from the moment they are raised."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from webapp.bank_time import bank_today, day_bounds
from webapp.extensions import db
from webapp.inbox.items import InboxItem
from webapp.labels import CHECK_KIND, CHECK_MODE, WARNING_LEVEL, WARNING_RULE, label
from webapp.models import Loan, RiskWarning, User
from webapp.postloan.due import due_checks
from webapp.roles import FIELD_ROLES, TEAM_LEAD
from webapp.scope import loan_condition


def postloan_checks(user: User, now: datetime) -> Iterator[InboxItem]:
    """My post-loan checks whose window is open: due, or overdue (first)."""
    if user.role not in FIELD_ROLES:
        return
    for item in due_checks(user, bank_today(now)):
        check = item.check
        yield InboxItem(
            kind="postloan_check", key=str(check.id), urgency="overdue" if item.state == "overdue" else "due",
            due_at=day_bounds(check.due_on)[1],
            title=_("%(check)s for %(borrower)s", check=label(CHECK_KIND, check.kind),
                    borrower=check.loan.borrower.name),
            detail=label(CHECK_MODE, check.mode),
            url=url_for("postloan.check_page", check_id=check.id),
        )


def risk_warnings(user: User, now: datetime) -> Iterator[InboxItem]:
    """Open warnings I own; for a team lead also every open high warning of the team."""
    if user.role not in FIELD_ROLES:
        return
    mine = RiskWarning.owner_id == user.id
    condition = sa.or_(mine, RiskWarning.level == "high") if user.role == TEAM_LEAD else mine
    today = bank_today(now)
    rows = db.session.scalars(
        sa.select(RiskWarning).join(Loan, Loan.id == RiskWarning.loan_id)
        .where(RiskWarning.status == "open", loan_condition(user), condition)
        .order_by(RiskWarning.deadline, RiskWarning.id))
    for warning in rows:
        late = warning.deadline < today
        yield InboxItem(
            kind="risk_warning", key=str(warning.id),
            urgency="overdue" if late or warning.level == "high" else "due",
            due_at=day_bounds(warning.deadline)[1],
            title=_("%(level)s warning: %(rule)s · %(borrower)s", level=label(WARNING_LEVEL, warning.level),
                    rule=label(WARNING_RULE, warning.rule), borrower=warning.loan.borrower.name),
            url=url_for("postloan.warning_page", warning_id=warning.id),
        )
