"""Response headers every page carries."""
from __future__ import annotations

from flask import Flask, Response, current_app


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
    """scheme://host of a tile URL template; subdomain markers like {s} become a wildcard."""
    if "://" not in template:
        return ""
    scheme, rest = template.split("://", 1)
    host = rest.split("/", 1)[0].replace("{s}", "*")
    return f"{scheme}://{host}"


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", content_security_policy())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
    # The service worker's cache honours Vary: a fragment must never answer a navigation.
    response.vary.add("HX-Request")
    return response


def init_security(app: Flask) -> None:
    app.after_request(add_security_headers)
