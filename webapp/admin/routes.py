"""Admin pages: users, org units and merchant imports, for the admin's own branch."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from webapp.admin.accounts import save_user, validate_user
from webapp.admin.forms import COORD_CHOICES, ENCODING_CHOICES, ImportForm, UserForm, org_messages
from webapp.admin.import_report import describe_file_error, field_label, report_lines
from webapp.admin.merchant_import import (
    DEFAULT_MAX_BYTES,
    ImportFileError,
    accepted_headers,
    import_merchants,
    parse_merchant_csv,
)
from webapp.admin.org_units import create_sub_branch, create_team, rename_sub_branch, rename_team
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.masking import mask_phone
from webapp.models import ROLES, Branch, SubBranch, Team, User
from webapp.pages import Page, finished
from webapp.roles import ADMIN
from webapp.scope import (
    get_sub_branch_or_404,
    get_team_or_404,
    get_user_or_404,
    require_role,
    visible_sub_branch_ids,
    visible_teams,
    visible_users,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The page lists this many row problems; a file with thousands of bad rows is fixed in rounds anyway.
REPORT_LIMIT = 200

@bp.before_request
@login_required
def _admins_only() -> None:
    require_role(current_user, ADMIN)


@bp.get("/")
def index() -> str:
    return render_template("admin/index.html")


def _branch() -> Branch:
    branch: Branch = current_user.sub_branch.branch
    return branch


def _sub_branch_ids() -> list[int]:
    return visible_sub_branch_ids(current_user)


def _team_ids() -> list[int]:
    return list(db.session.scalars(visible_teams(current_user).with_only_columns(Team.id)))


# Users


@bp.get("/users")
def users() -> str:
    people = db.session.scalars(
        visible_users(current_user)
        .join(User.sub_branch)
        .options(contains_eager(User.sub_branch), joinedload(User.team))
        .order_by(SubBranch.code, User.username)
    ).all()
    return render_template("admin/users.html", users=people, mask_phone=mask_phone)


def _render_user_form(form: UserForm, user: User | None, status: int = 200) -> tuple[str, int]:
    context: dict[str, Any] = {
        "form": form,
        "user": user,
        "sub_branches": _branch().sub_branches,
        "roles": ROLES,
        "action": url_for("admin.user_edit", user_id=user.id) if user else url_for("admin.user_new"),
    }
    template = "admin/_user_form.html" if wants_partial() else "admin/user.html"
    return render_template(template, **context), status


@bp.get("/users/new")
def user_new() -> Page:
    return _render_user_form(UserForm(sub_branch_id=str(current_user.sub_branch_id)), None)


@bp.post("/users/new")
def user_new_post() -> Page:
    form = UserForm.from_request(request.form)
    user, codes = save_user(form.to_input(_sub_branch_ids(), _team_ids()))
    if user is None:
        form.add_errors(codes)
        return _render_user_form(form, None, 422)
    db.session.commit()
    flash(_("User %(username)s was created.", username=user.username), "info")
    return finished(url_for("admin.users"))


@bp.get("/users/<int:user_id>")
def user_edit(user_id: int) -> Page:
    user = get_user_or_404(current_user, user_id)
    return _render_user_form(UserForm.from_user(user), user)


@bp.post("/users/<int:user_id>")
def user_edit_post(user_id: int) -> Page:
    user = get_user_or_404(current_user, user_id)
    form = UserForm.from_request(request.form)
    form.username = user.username  # a username never changes: sessions, logs and merchant owners name it
    raw = form.to_input(_sub_branch_ids(), _team_ids())
    form.guard_own_account(current_user, user)
    if form.errors:
        form.add_errors(validate_user(raw, user))
        return _render_user_form(form, user, 422)
    saved, codes = save_user(raw, existing=user)
    if saved is None:
        form.add_errors(codes)
        return _render_user_form(form, user, 422)
    db.session.commit()
    flash(_("User %(username)s was saved.", username=saved.username), "info")
    return finished(url_for("admin.users"))


# Org units


def _org_context(errors: dict[str, dict[str, str]] | None = None,
                 values: dict[str, dict[str, str]] | None = None, notice: str | None = None) -> dict[str, Any]:
    branch = _branch()
    ids = [sub_branch.id for sub_branch in branch.sub_branches]
    enabled_in_branch = sa.and_(User.sub_branch_id.in_(ids), User.is_enabled.is_(True))
    # Enabled accounts only: a disabled one is someone who has left.
    member_counts: dict[int, int] = {
        sub_branch_id: count
        for sub_branch_id, count in db.session.execute(
            sa.select(User.sub_branch_id, sa.func.count()).where(enabled_in_branch).group_by(User.sub_branch_id)
        )
    }
    team_counts: dict[int, int] = {
        team_id: count
        for team_id, count in db.session.execute(
            sa.select(User.team_id, sa.func.count())
            .where(enabled_in_branch, User.team_id.is_not(None))
            .group_by(User.team_id)
        )
        if team_id is not None
    }
    return {
        "branch": branch,
        "member_counts": member_counts,
        "team_counts": team_counts,
        "org_errors": errors or {},
        "org_values": values or {},
        "notice": notice,
    }


def _render_org(status: int = 200, **context: Any) -> tuple[str, int]:
    template = "admin/_org.html" if wants_partial() else "admin/org.html"
    return render_template(template, **_org_context(**context)), status


def _org_rejected(form_key: str, codes: dict[str, str]) -> tuple[str, int]:
    return _render_org(422, errors={form_key: org_messages(codes)}, values={form_key: request.form.to_dict()})


def _org_saved(notice: str) -> Page:
    """htmx gets the refreshed panel in place; a plain form the page again through a 303."""
    db.session.commit()
    if wants_partial():
        return _render_org(notice=notice)
    flash(notice, "info")
    return redirect(url_for("admin.org"), code=303)


@bp.get("/org")
def org() -> Page:
    return _render_org()


@bp.post("/org/sub-branches")
def sub_branch_create() -> Page:
    sub_branch, codes = create_sub_branch(_branch().id, request.form.get("code", ""), request.form.get("name", ""))
    if sub_branch is None:
        return _org_rejected("sub_branch_new", codes)
    return _org_saved(_("Sub-branch %(name)s was added.", name=sub_branch.name))


@bp.post("/org/sub-branches/<int:sub_branch_id>")
def sub_branch_rename(sub_branch_id: int) -> Page:
    sub_branch = get_sub_branch_or_404(current_user, sub_branch_id)
    codes = rename_sub_branch(sub_branch, request.form.get("name", ""))
    if codes:
        return _org_rejected(f"sub_branch_{sub_branch.id}", codes)
    return _org_saved(_("Sub-branch %(name)s was renamed.", name=sub_branch.name))


@bp.post("/org/teams")
def team_create() -> Page:
    try:
        sub_branch_id = int(request.form.get("sub_branch_id", ""))
    except ValueError:
        return _org_rejected("team_new", {"sub_branch_id": "unknown_sub_branch"})
    sub_branch = get_sub_branch_or_404(current_user, sub_branch_id)
    team, codes = create_team(sub_branch, request.form.get("name", ""))
    if team is None:
        return _org_rejected("team_new", codes)
    return _org_saved(_("Team %(name)s was added.", name=team.name))


@bp.post("/org/teams/<int:team_id>")
def team_rename(team_id: int) -> Page:
    team = get_team_or_404(current_user, team_id)
    codes = rename_team(team, request.form.get("name", ""))
    if codes:
        return _org_rejected(f"team_{team.id}", codes)
    return _org_saved(_("Team %(name)s was renamed.", name=team.name))


# Merchant import


def _import_limits() -> tuple[int, int]:
    """(bytes, rows); the byte limit is a setting with a default here, as config.py does not name it."""
    return (int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)),
            int(current_app.config.get("IMPORT_MAX_ROWS", 20_000)))


def _render_import(form: ImportForm, status: int = 200, **extra: Any) -> tuple[str, int]:
    max_bytes, max_rows = _import_limits()
    context: dict[str, Any] = {
        "form": form,
        "sub_branches": _branch().sub_branches,
        "coord_choices": COORD_CHOICES,
        "encoding_choices": ENCODING_CHOICES,
        "headers": [(field_label(name), aliases) for name, aliases in accepted_headers()],
        "max_mb": round(max_bytes / (1024 * 1024), 1),
        "max_rows": max_rows,
        "file_error": None,
        "report": [],
        "bad_rows": 0,
        "more_errors": 0,
        "summary": None,
        "ignored_headers": [],
        **extra,
    }
    template = "admin/_import.html" if wants_partial() else "admin/merchant_import.html"
    return render_template(template, **context), status


@bp.get("/merchants/import")
def merchant_import() -> Page:
    return _render_import(ImportForm(sub_branch_id=str(current_user.sub_branch_id)))


@bp.post("/merchants/import")
def merchant_import_post() -> Page:
    form = ImportForm.from_request(request.form)
    upload = request.files.get("file")
    form.check(_sub_branch_ids(), has_file=upload is not None and bool(upload.filename))
    if form.errors or upload is None:
        return _render_import(form, 422)
    max_bytes, max_rows = _import_limits()
    try:
        parsed = parse_merchant_csv(upload.stream.read(max_bytes + 1), form.encoding,
                                    max_rows=max_rows, max_bytes=max_bytes)
    except ImportFileError as error:
        return _render_import(form, 422, file_error=describe_file_error(error))
    try:
        result = import_merchants(parsed.rows, form.sub_branch, form.coords)
        if result.ok:
            db.session.commit()
    except IntegrityError:
        # Another import wrote one of these codes meanwhile. 422 (not 409) so htmx swaps the message in.
        db.session.rollback()
        return _render_import(form, 422, file_error=_(
            "These merchants were changed by someone else at the same time. Nothing was imported; "
            "please upload the file again."))
    if not result.ok:
        return _render_import(
            form, 422,
            report=report_lines(result.errors, parsed.columns, limit=REPORT_LIMIT),
            bad_rows=len({error.row for error in result.errors}),
            more_errors=max(0, len(result.errors) - REPORT_LIMIT),
        )
    sub_branch = db.session.get(SubBranch, form.sub_branch)
    summary = _("Imported into %(sub_branch)s: %(created)s new and %(updated)s updated merchants.",
                sub_branch=sub_branch.name if sub_branch else "", created=result.created, updated=result.updated)
    if wants_partial():
        return _render_import(form, 200, summary=summary, ignored_headers=parsed.ignored_headers)
    flash(summary, "info")
    if parsed.ignored_headers:
        flash(_("Columns not imported: %(names)s", names=", ".join(parsed.ignored_headers)), "info")
    return redirect(url_for("admin.merchant_import"), code=303)
