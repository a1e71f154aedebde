"""Response headers every page carries, and the request checks that must run before any extension reads the
request (registered first, so before Flask-WTF's CSRF check)."""
from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from webapp.errors import AppError

# Responses that carry nobody's data: the static files and the app shell (manifest, service worker, the
# offline page, which is rendered as nobody's page).
_SHARED_ENDPOINTS = frozenset({"static", "pwa.manifest", "pwa.service_worker", "pwa.offline"})


def content_security_policy() -> str:
    """No inline scripts or styles; images from ourselves, blobs (photo previews) and the configured tile server."""
    img_src = ["'self'", "data:", "blob:"]
    tile_origin = _origin(current_app.config.get("MAP_TILE_URL", ""))
    if tile_origin:
        img_src.append(tile_origin)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(img_src)}",
            "connect-src 'self'",
            "font-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _origin(template: str) -> str:
    """scheme://host of a tile URL template. A host label holding a subdomain marker ({s}, as in AMap's
    webrd0{s}) becomes CSP's wildcard, which may only stand for whole leftmost labels: *.is.autonavi.com."""
    if "://" not in template:
        return ""
    scheme, rest = template.split("://", 1)
    labels = rest.split("/", 1)[0].split("?", 1)[0].split(".")
    if any("{" in label for label in labels):
        last_marked = max(i for i, label in enumerate(labels) if "{" in label)
        labels = ["*", *labels[last_marked + 1:]]
    return f"{scheme}://{'.'.join(labels)}"


def add_security_headers(response: Response) -> Response:
    if request.endpoint == "static":
        # A script, style sheet or image is no document: the page's own policy governs it. Only nosniff applies
        # (a file must be used as the type it is sent as); the rest would cost a phone ~600 bytes a file.
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype != "application/json":
        # What a document needs; JSON is never rendered, so the outbox's many small answers go without.
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
    # The service worker's cache honours Vary: a fragment must never answer a navigation.
    response.vary.add("HX-Request")
    if tls_configured() and int(current_app.config.get("HSTS_MAX_AGE", 0)) > 0:
        response.headers["Strict-Transport-Security"] = f"max-age={int(current_app.config['HSTS_MAX_AGE'])}"
    if _personal(response):
        response.headers["Cache-Control"] = "no-store"
    return response


def tls_configured() -> bool:
    """The app is served over TLS when its cookies are Secure or its URLs are https (the documented settings)."""
    config = current_app.config
    return bool(config.get("SESSION_COOKIE_SECURE")) or config.get("PREFERRED_URL_SCHEME") == "https"


def _personal(response: Response) -> bool:
    """A response for a signed-in user that no view gave a caching rule of its own: never kept by a browser
    or proxy (the back button on a shared computer, a proxy's disk). The service worker keeps its offline
    copies in its own Cache Storage, which this does not touch."""
    if "Cache-Control" in response.headers or request.endpoint in _SHARED_ENDPOINTS:
        return False
    return bool(current_user.is_authenticated)


def refuse_unreadable_forms() -> None:
    """A multipart field whose name the parser cannot read (a raw line break in it) comes back named None,
    and the CSRF check, which reads every field name, fails on it with a 500. Refuse it first, as a 400."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
        "multipart/form-data", "application/x-www-form-urlencoded"
    ):
        if any(not isinstance(name, str) for name in (*request.form.keys(), *request.files.keys())):
            raise AppError(_("The form could not be read: a field has no usable name."), status=400,
                           code="unreadable_form")


def init_request_checks(app: Flask) -> None:
    """Before the extensions are bound: Flask runs before-request hooks in the order they were registered."""
    app.before_request(refuse_unreadable_forms)


def init_security(app: Flask) -> None:
    app.after_request(add_security_headers)
