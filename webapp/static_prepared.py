"""Hashed scripts, style sheets and SVGs, prepared once per content: minified and compressed at the highest level.

A phone's first visit downloads the app's shell over a slow network; the files carry long comments for the people
who maintain them. Under a content-hashed name (webapp.static_assets), which names one content forever, the file
is sent minified (rjsmin, rcssmin: comments and white space only, never a rename) and compressed once at brotli 11
or gzip 9 rather than at the quick level every dynamic answer gets. The result is kept in memory per (file, digest,
encoding): the whole shell is a few hundred kilobytes. The plain name still serves the file as it is written.
"""
from __future__ import annotations

import gzip
import threading
from pathlib import Path

import brotli
import rcssmin
import rjsmin
from werkzeug.wrappers import Response

IMMUTABLE = "public, max-age=31536000, immutable"
KINDS = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}

_cache: dict[tuple[str, str, str], bytes] = {}
_lock = threading.Lock()


def prepared_kind(filename: str) -> str | None:
    """The content type of a file served prepared, or None for one served as it is (images, fonts, ...)."""
    return next((kind for suffix, kind in KINDS.items() if filename.endswith(suffix)), None)


def minified(filename: str, text: str) -> str:
    """Comments and white space out; a file already minified (*.min.js) is left alone."""
    if filename.endswith(".min.js"):
        return text
    if filename.endswith(".js"):
        return str(rjsmin.jsmin(text))
    if filename.endswith(".css"):
        return str(rcssmin.cssmin(text))
    return text


def _encoding(accept: str) -> str:
    offered = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return "br" if "br" in offered else ("gzip" if "gzip" in offered else "identity")


def prepared_bytes(folder: Path, filename: str, digest: str, encoding: str) -> bytes:
    key = (filename, digest, encoding)
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    text = (folder / filename).read_text(encoding="utf-8")
    body = minified(filename, text).encode("utf-8")
    if encoding == "br":
        body = brotli.compress(body, quality=11)
    elif encoding == "gzip":
        body = gzip.compress(body, compresslevel=9, mtime=0)
    with _lock:
        _cache[key] = body
    return body


def prepared_response(folder: Path, filename: str, digest: str, accept_encoding: str) -> Response:
    """The prepared file with only the headers a static file needs: type, encoding, length, a year's caching."""
    encoding = _encoding(accept_encoding)
    body = prepared_bytes(folder, filename, digest, encoding)
    response = Response(body, content_type=prepared_kind(filename))
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding
    response.headers["Cache-Control"] = IMMUTABLE  # never revalidated: no ETag or Last-Modified to send
    response.vary.add("Accept-Encoding")
    return response
