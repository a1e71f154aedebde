"""Icons: one open set (Lucide, ISC licence), vendored as SVG with its licence, used through one sprite.

``icon('inbox')`` in a template gives ``<svg class="icon"><use href="…/sprite.<hash>.svg#inbox"></use></svg>``:
the sprite is one content-hashed file the service worker precaches, so icons cost no bytes on a repeat visit
and work offline. The sprite is built once by ``scripts/make_icon_sprite.py`` from the SVGs in the vendored
folder; an icon name the folder lacks is a programming error, raised at render time (a test renders every page).
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Flask, current_app, url_for
from markupsafe import Markup

ICON_SET = "vendor/lucide-1.62.0"
SPRITE = f"{ICON_SET}/sprite.svg"


@cache
def _known_icons(static_folder: str) -> frozenset[str]:
    """The icon names the vendored folder holds (read once per process)."""
    return frozenset(p.stem for p in Path(static_folder, ICON_SET, "icons").glob("*.svg"))


def icon(name: str, label: str | None = None, css_class: str = "") -> Markup:
    """An icon from the sprite; decorative (hidden from screen readers) unless a label names it."""
    if name not in _known_icons(str(current_app.static_folder)):
        raise ValueError(f"no icon {name!r} in static/{ICON_SET}/icons (copy it from lucide-static; rebuild)")
    href = f"{url_for('static', filename=SPRITE)}#{name}"
    classes = f"icon {css_class}".strip()
    if label:
        return Markup('<svg class="{}" role="img" aria-label="{}"><use href="{}"></use></svg>').format(
            classes, label, href)
    return Markup('<svg class="{}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>').format(
        classes, href)


def register_icons(app: Flask) -> None:
    app.jinja_env.globals["icon"] = icon
