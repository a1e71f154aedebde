"""The one check for a redirect target that a request names (``next``, ``back``): it must stay on this site.

The check is made on the URL as a browser will read it, not as it was sent: browsers drop tabs and line
breaks anywhere in a URL, trim spaces and control characters at its ends, and read a backslash as a slash,
so ``/\\t/evil.example/`` and ``/\\\\evil.example`` lead off-site although they start with one slash.
"""
from __future__ import annotations

from urllib.parse import urlsplit

_REMOVED_BY_BROWSERS = str.maketrans("", "", "\t\n\r")
_TRIMMED_BY_BROWSERS = "".join(chr(code) for code in range(0x21))


def browser_normalised(url: str) -> str:
    """The URL as a browser's URL parser sees it before resolving it against the page."""
    return url.strip(_TRIMMED_BY_BROWSERS).translate(_REMOVED_BY_BROWSERS).replace("\\", "/")


def local_path(value: str | None, *, under: str = "/") -> str | None:
    """``value`` as a path on this site (below ``under``), or None when it could lead anywhere else."""
    if not value:
        return None
    url = browser_normalised(value)
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return None
    if not url.startswith(under):
        return None
    return url


def local_path_or(value: str | None, default: str, *, under: str = "/") -> str:
    """The local path ``value`` names, else ``default`` (a URL the view built itself)."""
    return local_path(value, under=under) or default
