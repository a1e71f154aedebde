"""Hypothesis over every route of the app's url_map, logged in as each role: whatever the query string, the
form, the ids in the path or the htmx header, the answer is never a 5xx, and a refusal says why (an HTML page
or fragment with an error in it, or JSON with a message).

The parameter names are the app's own: every ``name="..."`` of the templates' forms and every name the views
and form parsers read (``args.get("page")``, ``form.integer("interval_weeks")``...), harvested from the source,
so a new form or filter is fuzzed without listing it here. Their values mix text of any kind with the inputs
that broke the app before (ends of the calendar, 20-digit numbers, deep brackets, line breaks). Path ids are
the hostile world's records (tests/hostile_helpers.py, which new modules extend) or numbers and ids that
exist nowhere. Posts carry the user's CSRF token, so they reach the validation behind it.
Budget: tests/fuzz_budget.py (``FUZZ_EXAMPLES``; ``make test`` runs a small fixed number per route).
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import LoggedIn, _empty_all_tables, base_test_config, login_client
from tests.fuzz_budget import fuzz_settings
from tests.hostile_helpers import Hostile, build_hostile
from webapp import create_app
from webapp.extensions import db

ROOT = Path(__file__).resolve().parent.parent
# One account of each role. Their sessions must survive the run, so the admin's user pages are pointed at a
# throwaway account (below), never at these.
ROLES = ("mgr1", "lead1", "reviewer1", "admin")
THROWAWAY_USER = "mgr7"
# Ending the session is what these do; they are tested in tests/test_auth.py.
NOT_FUZZED = {"static", "auth.logout", "auth.login_post"}

TEMPLATE_NAME = re.compile(r'\bname="([A-Za-z_][\w-]*)"')
URL_FOR = re.compile(r"url_for\(([^)]*)\)")  # the query arguments of the links the pages build
KEYWORD = re.compile(r"\b([a-z_]\w*)=")
SOURCE_NAME = re.compile(
    r'\b(?:get|getlist|integer|whole|choice|_float|_int|_date|value)\(\s*(?:[\w.]+,\s*)?"([A-Za-z_][\w-]*)"')


def _harvested_names() -> list[str]:
    names: set[str] = set()
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        names |= set(TEMPLATE_NAME.findall(text))
        names |= {name for call in URL_FOR.findall(text) for name in KEYWORD.findall(call)}
    for module in (ROOT / "webapp").rglob("*.py"):
        names |= set(SOURCE_NAME.findall(module.read_text(encoding="utf-8")))
    return sorted(names - {"csrf_token"})


NAMES = _harvested_names()

# Inputs that broke the app once, and their relatives.
NASTY = ["", " ", "0", "-1", "9" * 20, "-" + "9" * 20, "1e309", "nan", "inf", "0001-01-01", "9999-12-31",
         "2026-02-30", "2026-12-05", "[" * 3000 + "]" * 3000, '{"a":' * 500, "/\r\n/evil.example/",
         "//evil.example/", "\x00", "a\rb\nc", "<script>alert(1)</script>", "=1+1", "老王面馆", "%", "..",
         "true", "null", "[]", "{}"]
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
VALUES = st.one_of(st.sampled_from(NASTY), TEXT, st.integers(-(2**70), 2**70).map(str))
PARAMS = st.dictionaries(st.sampled_from(NAMES), st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=3)),
                         max_size=6)


@dataclass
class Site:
    app: Flask
    hostile: Hostile
    users: dict[str, LoggedIn]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, _postgres_schema: str | None) -> Iterator[Site]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    app = create_app(base_test_config(tmp, _postgres_schema or f"sqlite:///{tmp / 'fuzz.sqlite3'}"))
    with app.app_context():
        if _postgres_schema is None:
            db.create_all()
        else:
            _empty_all_tables()
    hostile = build_hostile(app)
    yield Site(app, hostile, {name: login_client(app, name) for name in ROLES})
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _rules() -> list[tuple[str, str]]:
    """(endpoint, method) of every route, read from an app built for the purpose."""
    app = create_app(base_test_config(Path("/nonexistent"), "sqlite://"))
    return sorted({(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint not in NOT_FUZZED
                   for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}})


def _path_value(site: Site, name: str) -> st.SearchStrategy[Any]:
    """A path argument: the world's record, or one that exists nowhere."""
    known = site.hostile.ids.get(name)
    if name == "user_id":
        known = site.hostile.world.users[THROWAWAY_USER]
    if name == "variant":
        return st.sampled_from(["display", "thumb"])
    if name == "username":
        return st.sampled_from(["mgr1", "mgr2", "nobody", "a" * 200])
    if name.endswith("_id") and name in ("visit_id", "photo_id"):
        return st.sampled_from([str(known or uuid.UUID(int=1)), str(uuid.UUID(int=7))])
    unknown = st.one_of(st.integers(1, 2**63 - 1), st.integers(2**63, 10**30))
    return unknown if known is None else st.one_of(st.just(known), unknown)


def _is_readable_refusal(response: Any) -> bool:
    """JSON with a message, or HTML that shows an error: the error page, or a form with errors beside it."""
    text = response.get_data(as_text=True)
    if response.mimetype == "application/json":
        body = response.get_json(silent=True)
        return isinstance(body, dict) and bool(str(body.get("message", "")).strip())
    if response.mimetype != "text/html":
        return False
    return f"<h1>{response.status_code}</h1>" in text or bool(re.search(r'class="[^"]*error[^"]*"[^>]*>\s*\S', text))


@pytest.mark.parametrize(("endpoint", "method"), _rules())
def test_no_route_answers_5xx_or_an_unreadable_refusal(site: Site, endpoint: str, method: str) -> None:
    rule = next(r for r in site.app.url_map.iter_rules() if r.endpoint == endpoint)
    path_args = st.fixed_dictionaries({name: _path_value(site, name) for name in rule.arguments})

    @fuzz_settings(default=8)
    @given(role=st.sampled_from(ROLES), args=path_args, params=PARAMS, htmx=st.booleans())
    def request(role: str, args: dict[str, Any], params: dict[str, Any], htmx: bool) -> None:
        user = site.users[role]
        with site.app.test_request_context():
            url = rule.build(args)[1]
        headers = {"HX-Request": "true"} if htmx else {}
        if method == "GET":
            response = user.client.get(url, query_string=params, headers=headers)
        else:
            response = user.client.open(url, method=method, data={**params, "csrf_token": user.csrf},
                                        headers={**headers, "X-CSRFToken": user.csrf})
        status = response.status_code
        detail = f"{role} {method} {url} {params!r} -> {status}"
        assert status < 500, detail + "\n" + response.get_data(as_text=True)[:500]
        if status >= 400:
            assert _is_readable_refusal(response), detail + "\n" + response.get_data(as_text=True)[:500]
        response.close()

    request()


def test_the_names_come_from_the_forms() -> None:
    """The harvest found the app's forms and filters (a changed template syntax would empty it silently)."""
    assert {"page", "from", "to", "start_date", "polygon", "sweep_date", "percent", "next", "q"} <= set(NAMES)
