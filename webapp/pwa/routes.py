"""What makes the site an installable app: the manifest, the service worker at the root scope, the offline page."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory, url_for
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


@bp.get("/sw.js")
def service_worker() -> Response:
    """Served from the root so its scope covers the whole app; never cached by HTTP, so updates arrive."""
    response = send_from_directory(current_app.static_folder or "static", "js/sw.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline() -> str:
    """Kept once by the service worker and shown to whoever is offline: rendered as nobody's page."""
    return render_template("pwa/offline.html", offline_shell=True)
