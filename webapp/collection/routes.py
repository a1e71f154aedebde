"""Case pages: the list, the case with its customer file, contacts and promises, opening a case by hand,
progress updates and committee actions. Views parse, call the write path, commit once, render.

The report, committee, board and settings views live beside this module on the same blueprint.
"""
from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from webapp.bank_time import clock_now
from webapp.collection import (  # noqa: F401
    board_routes,
    committee_routes,
    report_routes,
    settings_routes,
)
from webapp.collection.cases import open_case_by_hand, open_case_of
from webapp.collection.file import build_file, case_state, mark_noted
from webapp.collection.refresh import bring_up_to_date
from webapp.collection.reports import can_review
from webapp.collection.updates import complete_action, post_update
from webapp.collection.web import bp, local_input
from webapp.collection.write import log_contact
from webapp.errors import AppError
from webapp.extensions import db
from webapp.htmx_utils import wants_partial
from webapp.models import (
    ARREARS_CAUSES,
    CONTACT_CHANNELS,
    CONTACT_PERSONS,
    PROMISE_METHODS,
    CaseVisit,
    CollectionCase,
    Loan,
)
from webapp.pages import FormErrors, Page, finished, form_error
from webapp.roles import FIELD_ROLES
from webapp.scope import (
    can_work_case,
    case_condition,
    get_action_or_404,
    get_case_or_404,
    get_loan_or_404,
    require_role,
    visible_sub_branch_ids,
)
from webapp.visits.request_context import write_context
from webapp.write_kernel import parse_uuid

# The blueprint, once every collection view module above has registered its views on it.
__all__ = ["bp"]

LIST_LIMIT = 200
CONTACT_FIELDS = ("channel", "person", "person_name", "reached", "cause", "answer", "contacted_at", "meeting_at",
                  "visit_id", "promise_date", "promise_amount", "promise_method")


@bp.get("/")
@login_required
def index() -> str:
    """The cases the user may see: open ones by first-contact deadline, or the latest closed ones."""
    now = clock_now()
    bring_up_to_date(visible_sub_branch_ids(current_user), now)
    status = request.args.get("status", "open")
    if status not in ("open", "closed"):
        status = "open"
    query = (sa.select(CollectionCase).where(case_condition(current_user), CollectionCase.status == status)
             .options(joinedload(CollectionCase.loan).joinedload(Loan.borrower), joinedload(CollectionCase.owner)))
    query = query.order_by(CollectionCase.first_contact_due_at if status == "open" else CollectionCase.closed_at.desc())
    cases = db.session.scalars(query.limit(LIST_LIMIT)).unique().all()
    rows = [(case, *case_state(case, now)) for case in cases]
    return render_template("collection/index.html", rows=rows, status=status, limit=LIST_LIMIT)


def _contact_form_defaults() -> MultiDict[str, str]:
    return MultiDict({"contacted_at": local_input(clock_now()), "channel": "phone", "person": "borrower"})


def _case_context(case: CollectionCase, **extra: Any) -> dict[str, Any]:
    now = clock_now()
    linked_visits = db.session.scalars(sa.select(CaseVisit).where(CaseVisit.case_id == case.id)
                                       .order_by(CaseVisit.linked_at)).all()
    context: dict[str, Any] = {
        "file": build_file(current_user, case, now), "case": case, "now": now,
        "can_work": can_work_case(current_user, case), "can_review": can_review(current_user, case),
        "linked_visits": linked_visits, "channels": CONTACT_CHANNELS, "persons": CONTACT_PERSONS,
        "causes": ARREARS_CAUSES, "methods": PROMISE_METHODS, "field_roles": FIELD_ROLES,
        "contact_form": _contact_form_defaults(), "contact_errors": {}, "contact_message": None,
        "contact_id": str(uuid.uuid4()), "progress_form": MultiDict(), "progress_errors": {},
        "progress_message": None, "update_id": str(uuid.uuid4()),
    }
    context.update(extra)
    return context


def _case_form(case: CollectionCase, partial: str, **extra: Any) -> str:
    """A form of the case page again: the form alone for htmx, else the whole page."""
    return render_template(partial if wants_partial() else "collection/case.html", **_case_context(case, **extra))


@bp.get("/cases/<int:case_id>")
@login_required
def case_page(case_id: int) -> str:
    bring_up_to_date(visible_sub_branch_ids(current_user), clock_now())
    case = get_case_or_404(current_user, case_id)
    return render_template("collection/case.html", **_case_context(case))


def contact_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """The contact form as the write path's body."""
    promise = None
    if any((form.get(name) or "").strip() for name in ("promise_date", "promise_amount", "promise_method")):
        promise = {"date": form.get("promise_date", ""), "amount": form.get("promise_amount", ""),
                   "method": form.get("promise_method", "")}
    body: dict[str, Any] = {name: form.get(name, "") for name in CONTACT_FIELDS if not name.startswith("promise_")}
    body["promise"] = promise
    return body


def _uuid_field(value: str | None) -> str:
    """The form's client-made id: a form whose id is missing or mangled was not made by this page (400)."""
    parsed = parse_uuid(value)
    if parsed is None:
        abort(400)
    return parsed


@bp.post("/cases/<int:case_id>/contacts")
@login_required
def record_contact(case_id: int) -> Page:
    require_role(current_user, *FIELD_ROLES)
    case = get_case_or_404(current_user, case_id)
    contact_id = _uuid_field(request.form.get("contact_id"))
    try:
        log_contact(write_context(), case, contact_id, contact_body(request.form))
    except AppError as error:
        def again(errors: FormErrors) -> str:
            return _case_form(case, "collection/_contact_form.html", contact_form=request.form,
                              contact_errors=errors.by_form_field(), contact_message=errors.message,
                              contact_id=contact_id)
        return form_error(error, again)
    db.session.commit()
    return finished(url_for("collection.case_page", case_id=case_id, _anchor="contacts"))


@bp.post("/cases/<int:case_id>/noted")
@login_required
def noted(case_id: int) -> Page:
    """The reader marks what they were told about the case as read: it leaves their inbox."""
    case = get_case_or_404(current_user, case_id)
    mark_noted(current_user, case, clock_now())
    db.session.commit()
    return finished(url_for("collection.case_page", case_id=case_id))


@bp.post("/cases/<int:case_id>/updates")
@login_required
def record_update(case_id: int) -> Page:
    require_role(current_user, *FIELD_ROLES)
    case = get_case_or_404(current_user, case_id)
    update_id = _uuid_field(request.form.get("update_id"))
    raw = {"text": request.form.get("text", ""), "done_action_ids": request.form.getlist("done_action_ids")}
    try:
        post_update(write_context(), case, update_id, raw)
    except AppError as error:
        def again(errors: FormErrors) -> str:
            return _case_form(case, "collection/_progress_form.html", progress_form=request.form,
                              progress_errors=errors.by_form_field(), progress_message=errors.message,
                              update_id=update_id)
        return form_error(error, again)
    db.session.commit()
    return finished(url_for("collection.case_page", case_id=case_id, _anchor="progress"))


@bp.post("/actions/<int:action_id>/done")
@login_required
def action_done(action_id: int) -> Page:
    action = get_action_or_404(current_user, action_id)
    try:
        complete_action(write_context(), action, request.form.get("done_note", ""))
    except AppError as error:
        return form_error(error, lambda errors: render_template(
            "collection/action_done.html", action=action, errors=errors.by_form_field(), message=errors.message,
            note=request.form.get("done_note", "")))
    db.session.commit()
    return finished(url_for("collection.case_page", case_id=action.case_id, _anchor=f"action-{action_id}"))


@bp.get("/loans/<int:loan_id>/open")
@login_required
def open_page(loan_id: int) -> str:
    """Opening a case by hand, from a loan: the loan's facts, its open case if any, and the form."""
    require_role(current_user, *FIELD_ROLES)
    loan = get_loan_or_404(current_user, loan_id)
    return render_template("collection/open.html", loan=loan, existing=open_case_of(loan.id), errors={},
                           message=None, note="")


@bp.post("/loans/<int:loan_id>/open")
@login_required
def open_post(loan_id: int) -> Page:
    require_role(current_user, *FIELD_ROLES)
    loan = get_loan_or_404(current_user, loan_id)
    try:
        opening = open_case_by_hand(write_context(), loan, request.form.get("note", ""))
    except AppError as error:
        return form_error(error, lambda errors: render_template(
            "collection/open.html", loan=loan, existing=open_case_of(loan.id), errors=errors.by_form_field(),
            message=errors.message, note=request.form.get("note", "")))
    db.session.commit()
    return finished(url_for("collection.case_page", case_id=opening.case.id))
