"""Small helpers the loan and post-loan pages share."""
from __future__ import annotations

from flask import make_response, redirect
from werkzeug.wrappers import Response

from webapp.htmx_utils import wants_partial


def finished(url: str) -> Response:
    """After a successful post: 303 for a plain form, a whole-page redirect for htmx."""
    if wants_partial():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def yuan(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:,.2f}"
