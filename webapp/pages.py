"""What every page view shares: its return type, the answer after a successful post, and the form again with
the errors of a refused write.

A page view parses the request, calls the domain function, commits once and renders. A refusal is an
``AppError`` raised by the domain code (``webapp.errors``); the view catches it only to show the form again
with ``form_error``, never to choose a status by hand. Errors that are not about the form (a 403 for the
role, a 404) are left to the app's one handler, which renders the error page.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from flask import make_response, redirect
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.errors import AppError
from webapp.extensions import db
from webapp.htmx_utils import wants_partial

# What a page view returns: a rendered page or partial, the same with its status, or a response.
Page = str | tuple[str, int] | Response


def finished(url: str) -> Response:
    """After a successful post: 303 for a plain form; for htmx a whole-page redirect (``HX-Redirect``), since
    the page to show next is not a fragment of the form. The htmx redirect drops a ``#fragment``: to a browser
    a change of fragment alone is a scroll, so the page posted from would not reload."""
    if wants_partial():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url.split("#", 1)[0]
        return response
    return redirect(url, code=303)


@dataclass(frozen=True)
class FormErrors:
    """What a form shows again: a message beside each field at fault, or one for the whole form."""

    fields: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    status: int = 422

    @property
    def first(self) -> str:
        """The one message for a form that shows a single line: the form's, else the first field's."""
        return self.message or next(iter(self.fields.values()), "")

    def beside(self, field_name: str) -> dict[str, str]:
        """The field errors, or for a form of one main field the refusal's message beside that field."""
        return dict(self.fields) if self.fields else ({field_name: self.message} if self.message else {})

    def by_form_field(self) -> dict[str, str]:
        """The field errors keyed as the form names its fields: the body's ``promise.date`` is ``promise_date``."""
        return {path.replace(".", "_"): message for path, message in self.fields.items()}

    @classmethod
    def of(cls, error: AppError) -> FormErrors:
        """Field errors beside their fields; an error that names no field is the form's message."""
        return cls(fields=dict(error.fields), message=None if error.fields else error.message, status=error.status)


def form_error(
    error: AppError,
    render: Callable[[FormErrors], str],
    *,
    htmx_status: int | None = 422,
    error_page_for: Collection[int] = (403, 404),
) -> tuple[str, int]:
    """Roll back what the request began and render the form again with the error beside its fields.

    A plain post answers the error's own status. An htmx swap answers ``htmx_status``: 422 by default, the
    status the htmx set-up swaps in; ``None`` keeps the error's own, for forms marked ``data-swap-errors``
    that swap refusals (403, 409) in too. Statuses in ``error_page_for`` are not about the form: the error
    goes on to the app's handler and its error page.
    """
    db.session.rollback()
    if error.status in error_page_for:
        raise error
    status = htmx_status if wants_partial() and htmx_status is not None else error.status
    return render(FormErrors.of(error)), status


# No list of the app runs to this many pages; an offset past it would overflow the database's integers.
MAX_PAGE = 10_000


def page_number(args: Mapping[str, str], name: str = "page") -> int:
    """The results page a query names. Missing or not a whole number is the first page (a hand-edited link
    still opens); a page past ``MAX_PAGE`` is refused with a 400 that says so."""
    text = (args.get(name) or "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    if len(text) > len(str(MAX_PAGE)) or int(text) > MAX_PAGE:
        raise AppError(_("There is no page %(page)s: lists end long before page %(last)d.", page=text[:30],
                         last=MAX_PAGE), fields={name: _("Not a page of this list.")}, status=400)
    return max(1, int(text))
