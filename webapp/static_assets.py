"""Content-hashed static file names: what cannot change is cached for a year, the rest is revalidated.

``url_for('static', filename='js/app.js')`` gives ``/static/js/app.<12 hex>.js``, the first 12 hex digits
of the file's SHA-256. That URL names exactly one content, so the browser (and the service worker, which
precaches by these names) may keep it forever: it is served with ``Cache-Control: public,
max-age=31536000, immutable``. A new version of the file has a new name, so a page always loads the files
it was rendered with. The plain name (``/static/js/app.js``) still works, with ``no-cache``: the browser
asks again each time (ETag, Last-Modified). A hashed name whose digest is not the file's current one is a
404: it would otherwise cache today's content under yesterday's name forever.

Digests are computed once per file version (keyed by modification time and size), so editing a file while
``flask run`` serves it needs no restart.
"""
from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

from flask import Flask, current_app, request, send_from_directory
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from webapp.static_prepared import prepared_kind, prepared_response

DIGEST_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)$")


class StaticAssets:
    """The digest of each file below one folder, remembered per (mtime, size)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._digests: dict[str, tuple[int, int, str]] = {}
        self._lock = threading.Lock()

    def digest(self, filename: str) -> str | None:
        """The content digest of a file below the folder, or None when there is no such file."""
        joined = safe_join(str(self.folder), filename)
        if joined is None:
            return None
        path = Path(joined)
        try:
            stat = path.stat()
        except OSError:
            return None
        if not path.is_file():
            return None
        with self._lock:
            known = self._digests.get(filename)
        if known and known[0] == stat.st_mtime_ns and known[1] == stat.st_size:
            return known[2]
        sha = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                sha.update(block)
        digest = sha.hexdigest()[:DIGEST_LENGTH]
        with self._lock:
            self._digests[filename] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def hashed_name(self, filename: str) -> str:
        """'js/app.js' -> 'js/app.<digest>.js'; a name that is already hashed, or names no file, is kept."""
        if _HASHED.match(filename) and self.resolve(filename)[1]:
            return filename
        digest = self.digest(filename)
        if digest is None:
            return filename
        stem, dot, suffix = filename.rpartition(".")
        if not dot or "/" in suffix:
            return f"{filename}.{digest}"
        return f"{stem}.{digest}.{suffix}"

    def resolve(self, requested: str) -> tuple[str, bool]:
        """The file a requested name stands for, and whether the name carried that file's current digest."""
        match = _HASHED.match(requested)
        if match:
            original = match["stem"] + match["suffix"]
            if self.digest(original) == match["digest"]:
                return original, True
        return requested, False


def logical_name(filename: str) -> str:
    """The plain name of a hashed one ('js/app.0123456789ab.js' -> 'js/app.js'); others are returned as they are."""
    match = _HASHED.match(filename)
    return match["stem"] + match["suffix"] if match else filename


def static_assets() -> StaticAssets:
    assets: StaticAssets = current_app.extensions["static_assets"]
    return assets


def serve_static(filename: str) -> Response:
    """The static route: a hashed name is immutable for a year; any other name is revalidated each time. A hashed
    script, style sheet or SVG is sent as prepared once (webapp.static_prepared: minified, brotli 11 or gzip 9),
    with only the headers a static file needs: the first visit of a page is light on a phone's slow network."""
    assets = static_assets()
    original, immutable = assets.resolve(filename)
    if immutable and prepared_kind(original):
        digest = assets.digest(original)
        if digest is not None:
            return prepared_response(assets.folder, original, digest, request.headers.get("Accept-Encoding", ""))
    response = send_from_directory(str(assets.folder), original, max_age=0)
    response.headers["Cache-Control"] = IMMUTABLE if immutable else REVALIDATE
    return response


def init_static_assets(app: Flask) -> None:
    """Hashed names from url_for('static', ...), and the static route that serves them."""
    assets = StaticAssets(app.static_folder or "static")
    app.extensions["static_assets"] = assets

    @app.url_defaults
    def _hash_static_names(endpoint: str, values: dict[str, str]) -> None:
        if endpoint == "static" and isinstance(values.get("filename"), str):
            values["filename"] = assets.hashed_name(values["filename"])

    app.view_functions["static"] = serve_static
