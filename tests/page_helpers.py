"""Helpers for the page tests: read a form as a browser would submit it, fill and save the visit form, switch
to English, count rows. A helper module, never collected as tests."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.conftest import LoggedIn
from tests.factories import WULIN
from tests.visit_helpers import now_iso
from webapp.extensions import db

HX = {"HX-Request": "true"}
# CSRF tokens (the meta tag, form fields, the body's X-CSRFToken header) carry the second they were signed in.
_TOKENS = re.compile(r'(csrf[^"]*": ?"|content="|value=")[^"]*"', re.IGNORECASE)
FAR = (WULIN[0] + 0.027, WULIN[1])  # about 3 km north of the shop


class _FormReader(HTMLParser):
    """The name/value pairs a browser would submit for one form, read from the page's HTML."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            elif kind not in ("file", "submit", "button"):
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.pairs.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.pairs.append((self._textarea, "".join(self._text)))
            self._textarea = None


def read_form(html: str, form_id: str) -> dict[str, Any]:
    """The form's values: a list where a name repeats (deals), else the one value."""
    reader = _FormReader(form_id)
    reader.feed(html)
    values: dict[str, Any] = {}
    for name, value in reader.pairs:
        if name in values:
            values[name] = [*(values[name] if isinstance(values[name], list) else [values[name]]), value]
        else:
            values[name] = value
    assert values, f"no form #{form_id} on the page"
    return values


def english(user: LoggedIn) -> LoggedIn:
    assert user.post("/language", {"lang": "en", "next": "/merchants/"}).status_code == 303
    return user


def new_visit_form(user: LoggedIn, merchant_id: int, **fields: Any) -> dict[str, Any]:
    page = user.get(f"/merchants/{merchant_id}/visits/new")
    assert page.status_code == 200
    form = read_form(page.get_data(as_text=True), "visit-form")
    form.update(fields)
    return form


def checkin_fields(point: tuple[float, float] | None = WULIN, accuracy: float = 12.0) -> dict[str, str]:
    if point is None:
        return {}
    return {"checkin_lat": str(point[0]), "checkin_lon": str(point[1]), "checkin_accuracy_m": str(accuracy),
            "checkin_captured_at": now_iso(-30)}


def submit_visit(user: LoggedIn, merchant_id: int, *, point: tuple[float, float] | None = WULIN,
                 accuracy: float = 12.0, headers: dict[str, str] | None = None, **fields: Any) -> str:
    """Open the new-visit form, fill it like the phone would, save it; returns the new visit's id."""
    form = new_visit_form(user, merchant_id, **checkin_fields(point, accuracy), **fields)
    response = user.post(f"/visits/{form['visit_id']}", form, headers=headers or {})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith(f"/visits/{form['visit_id']}")
    return str(form["visit_id"])


def count(app: Flask, model: type, *where: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0)


def without_tokens(html: str) -> str:
    """A page with its per-request tokens blanked: two answers that should be the same page (a 404 for what is out
    of scope and one for what never existed) may differ there when they straddle a second, and nowhere else."""
    return _TOKENS.sub("", html)
