"""What makes the site an installable app: the manifest, the service worker at the root scope, the offline page."""
from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

bp = Blueprint("pwa", __name__)


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    icons = [
        {"src": url_for("static", filename=f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    icons.append(
        {
            "src": url_for("static", filename="icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    response = jsonify(
        {
            "name": _("Xiaowei Field Work"),
            "short_name": _("Field Work"),
            "description": _("Field visits, photo evidence and post-loan checks for micro-credit managers"),
            "lang": "zh-CN",
            "id": "/",
            "start_url": url_for("home.index"),
            "scope": "/",
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#ffffff",
            "theme_color": "#b71c1c",
            "icons": icons,
        }
    )
    response.mimetype = "application/manifest+json"
    return response


# What the service worker imports, and the app shell it keeps at install: every page's scripts and styles
# (templates/base.html), the scripts the loan book and collection add to pages a manager opens offline (the
# post-loan part of the visit form), the visit page's lightbox and review styles, the phone's visits on "My
# visits", the notifications switch, the capture of leads, peer records and survey answers (js/capture.js), the
# icons, the offline page and the manifest. tests/test_static_assets.py keeps this list and base.html in step; the
# other pages' files arrive with the offline page listing (/sync/offline-pages).
WORKER_SCRIPTS = ("js/core.js", "js/outbox.js", "js/journal.js", "js/replay.js")
SHELL_FILES = (
    "css/app.css", "css/review.css", "vendor/htmx-2.0.11.min.js", *WORKER_SCRIPTS, "js/exif.js",
    "js/photo-prep.js", "js/app.js", "js/dates.js", "js/postloan-visit.js", "js/lightbox.js", "js/my-visits.js",
    "js/push.js", "js/capture.js", "icons/icon-192.png", "icons/icon.svg", "vendor/lucide-1.62.0/sprite.svg",
)


def worker_build() -> dict[str, list[str]]:
    """The content-hashed URLs the service worker imports and precaches (webapp/static_assets.py)."""
    return {
        "imports": [url_for("static", filename=name) for name in WORKER_SCRIPTS],
        "shell": [url_for("pwa.offline"), url_for("pwa.manifest"),
                  *(url_for("static", filename=name) for name in SHELL_FILES)],
    }


@bp.get("/sw.js")
def service_worker() -> Response:
    """Served from the root so its scope covers the whole app, and revalidated on every check, so updates
    arrive. The hashed URLs of the shell go in front of the script: a changed file makes a changed worker."""
    source = Path(current_app.static_folder or "static", "js", "sw.js").read_text(encoding="utf-8")
    prelude = f"self.XW_BUILD = {json.dumps(worker_build(), separators=(',', ':'))};\n"
    response = Response(prelude + source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/offline")
def offline() -> str:
    """Kept once by the service worker and shown to whoever is offline: rendered as nobody's page."""
    return render_template("pwa/offline.html", offline_shell=True)
