"""Every setting with its default, in one place.

Each can be overridden from the environment: ``FLASK_<NAME>`` through ``from_prefixed_env``
(values are parsed as JSON, so ``FLASK_GEOFENCE_RADIUS_M=300`` is a number), plus the two
plain names a newcomer expects, ``DATABASE_URL`` and ``SECRET_KEY``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from webapp.bank_time import BANK_ZONE

# AMap (高德) road tiles, GCJ-02, subdomains webrd01-04 (map.js counts {s} after a host prefix 1-4).
DEFAULT_TILE_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"


def default_config(instance_path: str) -> dict[str, Any]:
    """Safe defaults: production-grade unless a setting is explicitly relaxed."""
    instance = Path(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'fieldwork.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "PHOTO_STORE": str(instance / "photos"),
        # Local development over plain http (make run) turns this off; everywhere else cookies are Secure.
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "xw_session",
        "REMEMBER_COOKIE_DURATION": 0,
        # A login lasts while it is used: it ends after this long without a request from that device ...
        "SESSION_IDLE_TIMEOUT": 12 * 3600,
        # ... and in any case this long after the login (the cookie's lifetime follows this one).
        "SESSION_ABSOLUTE_LIFETIME": 7 * 24 * 3600,
        # The cookie is set at login for the absolute lifetime; the session row, not a re-sent cookie, slides.
        "SESSION_REFRESH_EACH_REQUEST": False,
        # Sent when the app is configured for TLS (SESSION_COOKIE_SECURE or PREFERRED_URL_SCHEME=https); 0: never.
        "HSTS_MAX_AGE": 365 * 24 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session; offline replays come hours later
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": BANK_ZONE.key,
        "LANGUAGES": ["zh", "en"],
        "RATELIMIT_STORAGE_URI": "memory://",
        # Shared state for several app processes or servers (the login throttle): redis://host:port/0.
        "REDIS_URL": "",
        # Behind a proxy: how many hops of X-Forwarded-For / -Proto to trust (the nginx site: 1 each).
        "PROXY_FIX_X_FOR": 0,
        "PROXY_FIX_X_PROTO": 0,
        "PROXY_FIX_X_HOST": 0,
        # "json" in production: one JSON object per log line, with the request id.
        "LOG_FORMAT": "text",
        # A single-process server serves Prometheus metrics on this loopback port (0: none; under gunicorn
        # the `flask metrics-serve` process does it for all workers).
        "METRICS_PORT": 0,
        "METRICS_HOST": "127.0.0.1",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Failed logins (and wrong current passwords) only: an account past its limit refuses every attempt
        # until the window frees; an address past its limit refuses wrong passwords but lets a right one in.
        "LOGIN_ACCOUNT_FAILURE_LIMIT": "10 per 15 minutes",
        "LOGIN_ADDRESS_FAILURE_LIMIT": "50 per 15 minutes",
        # New passwords: zxcvbn's score 0-4 (3: about 10^8 guesses), and the bank's names a password may not use.
        "PASSWORD_MIN_SCORE": 3,
        "BANK_NAMES": [],
        # With Redis down the throttle counts per process instead of failing logins.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "MAX_CONTENT_LENGTH": 30 * 1024 * 1024,
        "PHOTO_MAX_BYTES": 25 * 1024 * 1024,
        "PHOTO_MAX_PIXELS": 60_000_000,
        # Photo files: "local" (PHOTO_STORE) or "s3" (any S3-compatible store, webapp/photos/store.py).
        "PHOTO_STORE_BACKEND": "local",
        "PHOTO_S3_BUCKET": "",
        "PHOTO_S3_ENDPOINT_URL": "",
        "PHOTO_S3_REGION": "us-east-1",
        "PHOTO_S3_PREFIX": "",
        "PHOTO_S3_ACCESS_KEY_ID": "",
        "PHOTO_S3_SECRET_ACCESS_KEY": "",
        # Decoding bounds (webapp/photos/limits.py): memory per decode; the process's budget and slots
        # (0: an eighth of the machine's memory, one slot per core); how long a decode waits for a slot.
        "PHOTO_DECODE_MAX_BYTES": 160 * 1024 * 1024,
        "PHOTO_DECODE_MEMORY_BYTES": 0,
        "PHOTO_DECODE_SLOTS": 0,
        "PHOTO_DECODE_WAIT_S": 20,
        # Files with no row (a request killed before its commit) are removed after this long.
        "PHOTO_SWEEP_GRACE_S": 3600,
        # Photos held for visits that have not arrived (webapp/sync/held.py): bytes per user, and expiry.
        "SYNC_HELD_MAX_BYTES_PER_USER": 300 * 1024 * 1024,
        "SYNC_HELD_MAX_PER_USER": 2000,
        "SYNC_HELD_EXPIRY_S": 30 * 24 * 3600,
        # A request body that stops arriving for this long is answered 400 incomplete_upload.
        "UPLOAD_READ_TIMEOUT_S": 30,
        "IMPORT_MAX_ROWS": 20_000,
        "IMPORT_MAX_BYTES": 5 * 1024 * 1024,
        # Field rules: the bank's settings for check-ins, travel, clocks, squads and photos (README, Configuration).
        "GEOFENCE_RADIUS_M": 200.0,
        "CHECKIN_MAX_ACCURACY_M": 100.0,
        "CHECKIN_GOOD_ACCURACY_M": 50.0,
        "CHECKIN_WAIT_S": 20,
        "LOCATION_PROPOSAL_ACCURACY_M": 30.0,
        "MAX_TRAVEL_KMH": 120.0,
        "CLOCK_SKEW_S": 600,
        "SQUAD_COPRESENCE_M": 100.0,
        "SQUAD_COPRESENCE_S": 900,
        "PHOTO_EXIF_FAR_M": 500.0,
        "PHOTO_OLD_S": 24 * 3600,
        "PHOTO_REUSE_BITS": 8,
        # Reuse and same-scene verdicts (webapp.photos.verdict; figures in the README's reuse section).
        "PHOTO_MATCH_MIN_INLIERS": 12,
        "PHOTO_MATCH_MIN_SPREAD": 0.05,
        "PHOTO_SCENE_AGREEMENT_MIN": 0.3,
        "PHOTO_SCENE_AGREEMENT_STRONG": 0.5,
        "PHOTO_COPY_DETAIL_MIN": 0.4,
        "PHOTO_COPY_AGREEMENT_MIN": 0.7,
        # Device and check-in signals (webapp.integrity): a new camera after this many photos of another the
        # same day; the same accuracy (not a whole number) in this many consecutive check-ins of one manager,
        # the earlier ones within these days.
        "PHOTO_CAMERA_CHANGE_MIN_PHOTOS": 2,
        "CHECKIN_ACCURACY_REPEAT_MIN": 3,
        "CHECKIN_ACCURACY_REPEAT_DAYS": 30,
        # Copied reports (webapp.integrity.copies): the rarity-weighted share of the shorter text found in the
        # other, and the least number of distinct shared 3-grams (stock phrases never count).
        "REPORT_COPY_MIN_SIMILARITY": 0.65,
        "REPORT_COPY_MIN_SHARED": 15,
        # Map tiles: an XYZ template; tiles of Chinese providers are GCJ-02 (markers are converted for display).
        # By default AMap's public road map, which works in China out of the box; "" draws markers on a plain
        # ground (an intranet without tiles), or set the bank's own tile server and its datum.
        "MAP_TILE_URL": DEFAULT_TILE_URL,
        "MAP_TILE_DATUM": "gcj02",
        "MAP_TILE_ATTRIBUTION": "© 高德地图 AutoNavi",
        # Web Push (webapp/push): the VAPID key (a PEM file made by the setup, or the PEM itself for several
        # servers), the contact the push services see, how long a push service keeps an undelivered message,
        # and the push services the server may post to (an endpoint elsewhere is refused: no calls into the
        # bank's network on a browser's word). PUSH_SYNC waits for the sending (tests).
        "PUSH_ENABLED": True,
        "PUSH_VAPID_KEY_FILE": str(instance / "vapid_private.pem"),
        "PUSH_VAPID_PRIVATE_KEY": "",
        "PUSH_VAPID_SUBJECT": "mailto:fieldwork@xiaowei.local",
        "PUSH_TTL_S": 24 * 3600,
        "PUSH_TIMEOUT_S": 10,
        "PUSH_SYNC": False,
        "PUSH_ALLOW_HTTP": False,
        "PUSH_ENDPOINT_HOSTS": ["fcm.googleapis.com", "android.googleapis.com", "*.push.services.mozilla.com",
                                "*.push.apple.com", "*.notify.windows.com"],
        # Metric definitions (webapp.metrics.definitions.Definitions): the guide's readings by default; an admin
        # changes them per branch (/metrics/definitions); this object overrides the defaults for a whole
        # installation, e.g. FLASK_METRIC_DEFINITIONS='{"squad_credit": "lead_only"}'.
        "METRIC_DEFINITIONS": {},
        "DEMO_PASSWORD": "fieldwork-demo",
        # Collection (清收), China time: a case opened before the cut-off is contacted the same day (by
        # SAME_DAY_BY), a later one by NEXT_MORNING_BY the next morning; a broken promise's follow-up is due by
        # NEXT_MORNING_BY too.
        "COLLECTION_CONTACT_CUTOFF": "17:00",
        "COLLECTION_CONTACT_SAME_DAY_BY": "23:59",
        "COLLECTION_CONTACT_NEXT_MORNING_BY": "10:00",
        "COLLECTION_ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
        "COLLECTION_ATTACHMENTS_PER_REPORT": 10,
        # Customer relations: a customer or borrower without contact (visit, collection contact, off-site check,
        # lead) for this many days is "fading" in their manager's Today and inbox.
        "FADING_CUSTOMER_DAYS": 60,
    }


def environment_overrides() -> dict[str, Any]:
    """The unprefixed variables documented in the README."""
    overrides: dict[str, Any] = {}
    url = os.environ.get("DATABASE_URL")
    if url:
        overrides["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    if os.environ.get("SECRET_KEY"):
        overrides["SECRET_KEY"] = os.environ["SECRET_KEY"]
    return overrides


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgres://`` and ``postgresql://`` spellings and drive them with psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_or_create_secret_key(instance_path: str) -> str:
    """A per-installation random key kept in instance/, so the demo needs no setup and sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32).hex()
    path.write_text(key)
    path.chmod(0o600)
    return key
