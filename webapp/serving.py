"""How the app sits behind its server and proxy: forwarded headers, bounded body reads, compression,
shared rate-limit state.

- ProxyFix trusts exactly PROXY_FIX_X_FOR / PROXY_FIX_X_PROTO hops (the nginx site is one): the client's
  address for the login throttle and the scheme for secure cookies come from the proxy, never from a client.
- A body that stops arriving holds a server thread only for UPLOAD_READ_TIMEOUT_S: the socket under gunicorn
  gets that timeout for the request (gunicorn itself has no body read timeout). The upload then answers
  400 incomplete_upload, which phones retry. (Production also buffers whole bodies in nginx first.)
- Flask-Compress answers gzip/brotli to clients that ask, so `make run` is as light on the wire as nginx.
  Photos (already JPEG) are not compressed again.
- With REDIS_URL set, the login throttle counts in Redis, shared by every process and server.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, request
from flask_babel import gettext as _
from flask_compress import Compress
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

compress = Compress()
View = TypeVar("View", bound=Callable[..., Any])
WHOLE_BODY_FIRST = "whole_body_first"

COMPRESSED_TYPES = ["text/html", "text/css", "text/plain", "text/xml", "text/csv", "application/json",
                    "application/javascript", "text/javascript", "application/manifest+json", "image/svg+xml"]


class BodyReadTimeout:
    """WSGI middleware: under gunicorn, reads of this request's body time out after ``timeout_s``."""

    def __init__(self, app: Any, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if sock is None or self.timeout_s <= 0 or not hasattr(sock, "settimeout"):
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        prior = sock.gettimeout()
        sock.settimeout(self.timeout_s)
        try:
            # The body is read inside the app call; the answer is written by gunicorn afterwards.
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        finally:
            try:
                sock.settimeout(prior)
            except OSError:
                pass


def database_busy(error: OperationalError) -> Any:
    """SQLite's write lock stayed taken past the busy timeout: nothing was stored, and the client is told to
    come back shortly (429 busy, which phones retry) instead of a 500. Any other operational error is a 500."""
    from webapp.errors import TooMany, app_error_response, error_response

    if "database is locked" not in str(error.orig):
        from webapp.extensions import db

        db.session.rollback()
        return error_response(500, "server_error")
    busy = TooMany(_("The server is busy. Nothing was saved; the app sends it again shortly."), code="busy",
                   retry_after=2)
    response, status = app_error_response(busy)
    return response, status, {"Retry-After": "2"}


def init_serving(app: Flask) -> None:
    app.register_error_handler(OperationalError, database_busy)
    config = app.config
    x_for, x_proto = int(config.get("PROXY_FIX_X_FOR") or 0), int(config.get("PROXY_FIX_X_PROTO") or 0)
    if x_for or x_proto:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto,  # type: ignore[method-assign]
                                x_host=int(config.get("PROXY_FIX_X_HOST") or 0))
    app.wsgi_app = BodyReadTimeout(app.wsgi_app, float(config["UPLOAD_READ_TIMEOUT_S"]))  # type: ignore[method-assign]
    config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    # Pages are small (tens of kB): brotli 5 takes a millisecond more than Flask-Compress's 4 and saves about
    # an eighth of a page on a phone's network. Hashed static files are compressed once at 11 (static_prepared).
    config.setdefault("COMPRESS_BR_LEVEL", 5)
    # Brotli before zstd (Flask-Compress prefers zstd): on these pages br 5 is about a sixth smaller than zstd 3.
    config.setdefault("COMPRESS_ALGORITHM", ["br", "zstd", "gzip", "deflate"])
    compress.init_app(app)

    @app.after_request
    def _close_what_compression_wraps(response: Any) -> Any:
        """Runs before Flask-Compress's hook (after_request runs in reverse): a streamed file it wraps in its
        compressing generator would otherwise never be closed (its own close() is not passed on)."""
        inner = response.response
        if response.direct_passthrough and hasattr(inner, "close"):
            response.call_on_close(inner.close)
        return response


def rate_limit_storage(config: dict[str, Any] | Any) -> None:
    """The limiter's store: RATELIMIT_STORAGE_URI if set apart from the default, else REDIS_URL, else memory."""
    redis_url = config.get("REDIS_URL")
    if redis_url and config.get("RATELIMIT_STORAGE_URI", "memory://") == "memory://":
        config["RATELIMIT_STORAGE_URI"] = redis_url


def whole_body_first(view: View) -> View:
    """Mark an upload view whose body is read whole before anything else looks at it (see init_body_reader)."""
    setattr(view, WHOLE_BODY_FIRST, True)
    return view


def init_body_reader(app: Flask, incomplete: Callable[[], Exception]) -> None:
    """Before any other hook (the CSRF check parses the form, and a form parser stops quietly at a body cut
    off mid-way): read the whole body of a marked view, and raise ``incomplete()`` when it did not all arrive
    (fewer bytes than announced, a read that timed out, a multipart body without its closing boundary)."""
    from werkzeug.exceptions import ClientDisconnected

    @app.before_request
    def _read_whole_body() -> None:
        view = app.view_functions.get(request.endpoint or "")
        if not getattr(view, WHOLE_BODY_FIRST, False):
            return
        expected = request.content_length
        try:
            body = request.get_data(cache=True)
        except (ClientDisconnected, OSError):  # a socket timeout is an OSError
            raise incomplete() from None
        if expected is not None and len(body) < expected:
            raise incomplete()
        boundary = request.mimetype_params.get("boundary", "")
        if request.mimetype == "multipart/form-data" and boundary and \
                f"--{boundary}--".encode() not in body[-len(boundary) - 64:]:
            raise incomplete()  # a chunked body without its closing boundary
