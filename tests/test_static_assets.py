"""Content-hashed static files: a hashed name is cached for a year, a plain one is revalidated, a stale one is
gone; the service worker imports and precaches exactly the hashed files the pages load."""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from flask import Flask, url_for

from webapp.pwa.routes import SHELL_FILES, WORKER_SCRIPTS
from webapp.static_assets import IMMUTABLE, StaticAssets, logical_name
from webapp.static_prepared import minified

STATIC = Path(__file__).resolve().parent.parent / "static"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_url_for_names_the_content(app: Flask) -> None:
    with app.test_request_context():
        assert url_for("static", filename="js/app.js") == f"/static/js/app.{digest(STATIC / 'js/app.js')}.js"
        htmx = STATIC / "vendor/htmx-2.0.11.min.js"
        assert url_for("static", filename="vendor/htmx-2.0.11.min.js") == f"/static/vendor/htmx-2.0.11.min.{digest(htmx)}.js"
        # A name that is no file stays as it is (and answers 404 like any missing file).
        assert url_for("static", filename="js/nothing-here.js") == "/static/js/nothing-here.js"


def test_a_hashed_name_is_immutable_and_a_plain_one_is_revalidated(app: Flask) -> None:
    client = app.test_client()
    with app.test_request_context():
        hashed = url_for("static", filename="js/outbox.js")
    with client.get(hashed) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
        assert response.mimetype == "text/javascript"
        # The hashed name is the file minified once (comments and white space out), what phones download.
        written = (STATIC / "js/outbox.js").read_text(encoding="utf-8")
        assert response.get_data(as_text=True) == minified("js/outbox.js", written)
        assert len(response.get_data()) < 0.75 * len(written.encode()) and "function" in response.get_data(as_text=True)
    with client.get("/static/js/outbox.js") as plain:
        assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
        assert plain.get_data() == (STATIC / "js/outbox.js").read_bytes()
    with client.get("/static/js/outbox.js", headers={"If-None-Match": plain.headers["ETag"]}) as again:
        assert again.status_code == 304


@pytest.mark.parametrize("path", [
    "/static/js/outbox.0123456789ab.js",  # a digest of no version of the file
    "/static/js/missing.0123456789ab.js",
    "/static/../webapp/__init__.py",
    "/static/%2e%2e/webapp/__init__.py",
])
def test_a_stale_or_foreign_name_is_404(app: Flask, path: str) -> None:
    with app.test_client().get(path) as response:
        assert response.status_code == 404


def test_a_changed_file_gets_a_new_name(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    script = tmp_path / "js" / "a.js"
    script.write_text("one")
    assets = StaticAssets(tmp_path)
    first = assets.hashed_name("js/a.js")
    assert assets.resolve(first) == ("js/a.js", True)
    script.write_text("two, longer")
    os.utime(script, ns=(script.stat().st_atime_ns, script.stat().st_mtime_ns + 1_000_000))
    second = assets.hashed_name("js/a.js")
    assert second != first and logical_name(second) == logical_name(first) == "js/a.js"
    assert assets.resolve(first) == (first, False)  # yesterday's name: not today's file
    assert assets.hashed_name(second) == second  # hashing a hashed name changes nothing


def test_the_worker_imports_and_keeps_the_hashed_shell(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["Service-Worker-Allowed"] == "/"
    first_line, _, rest = response.get_data(as_text=True).partition("\n")
    assert rest == (STATIC / "js/sw.js").read_text(encoding="utf-8")
    build = json.loads(re.fullmatch(r"self\.XW_BUILD = (.*);", first_line).group(1))  # type: ignore[union-attr]
    with app.test_request_context():
        assert build["imports"] == [url_for("static", filename=name) for name in WORKER_SCRIPTS]
        assert build["shell"] == ["/offline", "/manifest.webmanifest",
                                  *(url_for("static", filename=name) for name in SHELL_FILES)]
    for url in build["shell"]:
        with client.get(url) as shell_file:
            assert shell_file.status_code == 200, url
    assert client.get("/sw.js", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_every_page_script_is_in_the_worker_shell(app: Flask) -> None:
    """base.html and the worker's list name the same files: a page opened offline finds all of them."""
    page = app.test_client().get("/login").get_data(as_text=True)
    loaded = set(re.findall(r'<(?:script src|link rel="stylesheet" href)="(/static/[^"]+)"', page))
    with app.test_request_context():
        shell = {url_for("static", filename=name) for name in SHELL_FILES}
    assert loaded and loaded <= shell
    # Each app script says what it adds to window.xw, so the page can tell a broken one.
    assert re.findall(r'<script src="/static/js/[^"]+" data-xw="\w+"', page)


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_the_shell_is_sent_compressed_at_the_highest_level_with_the_headers_a_file_needs(app: Flask,
                                                                                         encoding: str) -> None:
    import gzip

    import brotli

    client = app.test_client()
    with app.test_request_context():
        names = [url_for("static", filename=name) for name in ("css/app.css", "js/app.js", "vendor/htmx-2.0.11.min.js",
                                                                 "vendor/lucide-1.62.0/sprite.svg")]
    for name, url in zip(("css/app.css", "js/app.js", "vendor/htmx-2.0.11.min.js", "vendor/lucide-1.62.0/sprite.svg"),
                         names, strict=True):
        with client.get(url, headers={"Accept-Encoding": f"{encoding}, deflate"}) as response:
            assert response.headers["Content-Encoding"] == encoding, url
            body = response.get_data()
            plain = brotli.decompress(body) if encoding == "br" else gzip.decompress(body)
            assert plain.decode("utf-8") == minified(name, (STATIC / name).read_text(encoding="utf-8"))
            assert "Accept-Encoding" in response.headers["Vary"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "Content-Security-Policy" not in response.headers  # a file is no document
    with client.get(names[0], headers={"Accept-Encoding": "identity"}) as response:
        assert "Content-Encoding" not in response.headers and response.mimetype == "text/css"
