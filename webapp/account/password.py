"""The one write path for a person changing their own password (the page; the CLI sets others' passwords
through webapp.admin.accounts.set_password)."""
from __future__ import annotations

from flask_babel import gettext as _

from webapp.auth.password_policy import password_message, password_problem
from webapp.auth.passwords import credentials_valid
from webapp.auth.sessions import end_other_sessions
from webapp.extensions import db
from webapp.write_kernel import FieldErrors, WriteContext

CURRENT = "current_password"
NEW = "new_password"
CONFIRM = "confirm_password"


def change_own_password(ctx: WriteContext, current: str, new: str, confirm: str) -> int:
    """Check the current password, then set the new one, lift a forced change and log out the other devices.

    Raises Invalid with the field at fault (CURRENT when the current password is wrong, which the caller
    counts as a failed attempt). Returns how many other sessions were ended. Flushes; the caller commits.
    """
    user = ctx.actor
    errors = FieldErrors()
    if not current:
        errors.fail(CURRENT, _("Enter your current password."))
    if not credentials_valid(user, current):
        errors.fail(CURRENT, _("This is not your current password."))
    problem = password_problem(new, username=user.username, display_name=user.display_name,
                               sub_branch_id=user.sub_branch_id)
    if problem:
        errors.add(NEW, password_message(problem))
    elif new == current:
        errors.add(NEW, _("Choose a password different from the current one."))
    if new != confirm:
        errors.add(CONFIRM, _("The two new passwords are not the same."))
    errors.raise_if_any()
    user.set_password(new)
    user.must_change_password = False
    ended = end_other_sessions(user, user.session_token)
    db.session.flush()
    return ended
