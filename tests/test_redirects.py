"""Redirect targets named by a request stay on this site, as the browser will read them; malformed ids in page
URLs are 404s."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.factories import World
from webapp.redirects import browser_normalised, local_path, local_path_or

OFF_SITE = [
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",
    "/\r\n/evil.example/",
    " //evil.example/",
    "\x00//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_what_could_leave_the_site_is_refused(target: str) -> None:
    assert local_path(target) is None
    assert local_path_or(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/merchants/", "/visits/?before=x", "/review/?state=received#top", "/%09/x"])
def test_local_paths_pass(target: str) -> None:
    assert local_path(target) == target


def test_a_prefix_limits_the_paths() -> None:
    assert local_path("/review/visits/x", under="/review/") == "/review/visits/x"
    assert local_path("/admin/", under="/review/") is None


def test_normalisation_is_the_browsers() -> None:
    assert browser_normalised(" /a\tb\\c\n ") == "/ab/c"


def _location(response: Any) -> str:
    return str(response.headers.get("Location", ""))


@pytest.mark.parametrize("target", ["/\t/evil.example/", "/\r\n/evil.example/", "/\\evil.example/", "//evil.example"])
def test_login_never_sends_off_site(app: Flask, world: World, client: Any, target: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "mgr1", "password": "fieldwork-demo", "csrf_token": token,
                                           "next": target})
    assert response.status_code == 303
    assert _location(response) == "/"


def test_login_percent_encoded_tab_is_refused(app: Flask, world: World, client: Any) -> None:
    response = client.get("/login?next=/%09/evil.example/")
    assert response.status_code == 200
    assert "evil.example" not in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["/\t/evil.example/", "/\r\n/evil.example/", "https://evil.example/"])
def test_the_language_switch_never_sends_off_site(app: Flask, world: World, login: Any, target: str) -> None:
    user = login("mgr1")
    response = user.post("/language", {"lang": "en", "next": target})
    assert response.status_code == 303
    assert _location(response) == "/"


def test_the_language_switch_returns_to_a_local_page(app: Flask, world: World, login: Any) -> None:
    response = login("mgr1").post("/language", {"lang": "zh", "next": "/merchants/?q=x"})
    assert response.status_code == 303 and _location(response) == "/merchants/?q=x"


@pytest.mark.parametrize("url", ["/visits/not-a-uuid", "/visits/1234", "/visits/not-a-uuid/edit",
                                 "/review/visits/not-a-uuid", "/photos/not-a-uuid/thumb.jpg"])
def test_a_malformed_id_in_a_page_url_is_404(app: Flask, world: World, login: Any, url: str) -> None:
    assert login("reviewer1").get(url).status_code == 404


def test_a_malformed_id_in_a_posted_page_url_is_404(app: Flask, world: World, login: Any) -> None:
    assert login("mgr1").post("/visits/not-a-uuid/confirm", {}).status_code == 404
