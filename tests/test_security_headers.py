"""Pages with a signed-in user's data are never stored by a browser or proxy; HSTS when served over TLS."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import base_test_config
from tests.factories import World
from webapp import create_app


def _plain_get_urls(app: Flask) -> list[str]:
    """Every GET route that needs no URL values, except the static files."""
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in (rule.methods or ()) and not rule.arguments and rule.endpoint != "static")


@pytest.mark.parametrize("username", ["mgr1", "lead1", "reviewer1", "admin"])
def test_every_page_of_a_signed_in_user_is_no_store(app: Flask, login: Any, world: World, username: str) -> None:
    user = login(username)
    missing = []
    urls = _plain_get_urls(app) + [f"/merchants/{world.merchants['a1_owned']}", "/merchants/?q=面"]
    for url in urls:
        response = user.get(url)
        response.close()
        if url in ("/sw.js", "/manifest.webmanifest", "/offline"):
            continue  # the app shell: nobody's data
        cache_control = response.headers.get("Cache-Control", "")
        # A view may set its own rule (the API's JSON is private and revalidated each time); none may be cacheable.
        if "no-store" not in cache_control and not (url.startswith("/api/") and "private, no-cache" in cache_control):
            missing.append(f"{url} {response.status_code} {cache_control!r}")
    assert not missing, "\n".join(missing)


def test_fragments_and_errors_of_a_signed_in_user_are_no_store(login: Any, world: World) -> None:
    user = login("mgr1")
    assert "no-store" in user.htmx_get("/merchants/?q=面").headers["Cache-Control"]
    assert "no-store" in user.get("/visits/00000000-0000-0000-0000-000000000000").headers["Cache-Control"]


def test_public_and_static_responses_may_be_cached(client: Any, login: Any, world: World) -> None:
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    user = login("mgr1")
    for url in ("/static/css/app.css", "/sw.js", "/manifest.webmanifest"):
        response = user.get(url)
        response.close()
        assert "no-store" not in response.headers.get("Cache-Control", ""), url


@pytest.mark.parametrize(("settings", "sent"), [
    ({"SESSION_COOKIE_SECURE": True}, True),
    ({"SESSION_COOKIE_SECURE": False, "PREFERRED_URL_SCHEME": "https"}, True),
    ({"SESSION_COOKIE_SECURE": False}, False),
    ({"SESSION_COOKIE_SECURE": True, "HSTS_MAX_AGE": 0}, False),
])
def test_hsts_when_configured_for_tls(tmp_path: Path, settings: dict[str, Any], sent: bool) -> None:
    app = create_app({**base_test_config(tmp_path, f"sqlite:///{tmp_path / 'h.sqlite3'}"), **settings})
    response = app.test_client().get("/login")
    if sent:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    else:
        assert "Strict-Transport-Security" not in response.headers
