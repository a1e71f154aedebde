"""The vendored icon set: the sprite is what scripts/make_icon_sprite.py makes of the SVGs beside it, every icon a
template names is in it, the licence travels with it, and the tab bar of every role draws from it."""
from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import login_client
from tests.factories import World
from webapp.icons import ICON_SET

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "static" / ICON_SET


def test_the_sprite_is_built_from_the_vendored_svgs_and_carries_the_licence() -> None:
    script = runpy.run_path(str(ROOT / "scripts" / "make_icon_sprite.py"))
    assert (FOLDER / "sprite.svg").read_text(encoding="utf-8") == script["sprite"](FOLDER), \
        "run python scripts/make_icon_sprite.py after changing the icons"
    assert "ISC License" in (FOLDER / "LICENSE").read_text(encoding="utf-8")


def test_every_icon_a_template_names_is_vendored() -> None:
    known = {p.stem for p in (FOLDER / "icons").glob("*.svg")}
    named = set()
    for template in (ROOT / "templates").rglob("*.html"):
        named |= set(re.findall(r"icon\('([a-z0-9-]+)'", template.read_text(encoding="utf-8")))
    source = (ROOT / "webapp" / "navigation.py").read_text(encoding="utf-8")
    named |= set(re.findall(r'_l\("[^"]+"\), "([a-z0-9-]+)"', source))
    assert named and named <= known, sorted(named - known)


def test_an_unknown_icon_is_a_programming_error(app: Flask) -> None:
    from webapp.icons import icon

    with app.test_request_context():
        assert "#inbox" in icon("inbox")
        with pytest.raises(ValueError):
            icon("no-such-icon")


@pytest.mark.parametrize("username", ["mgr1", "lead1", "reviewer1", "admin"])
def test_each_role_has_at_most_five_tabs_with_more_last(app: Flask, world: World, username: str) -> None:
    page = login_client(app, username).get("/more").get_data(as_text=True)
    nav = page[page.index('<nav class="tabbar"'):page.index("</nav>")]
    tabs = re.findall(r'data-tab="(\w+)"', nav)
    assert 2 <= len(tabs) <= 5 and tabs[-1] == "more"
    assert nav.count("sprite.") == len(tabs)
    assert 'aria-current="page"' in nav.split('data-tab="more"')[1]
    # Logging out is on "More", never a tab.
    assert "logout" not in nav and 'action="/logout"' in page
