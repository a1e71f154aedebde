"""The server's VAPID key pair: it signs every push, and browsers subscribe with its public half.

Made once by the setup (``flask push keys``, run by ``make run``) into ``instance/vapid_private.pem``, or read
from ``PUSH_VAPID_PRIVATE_KEY`` (the PEM itself, for servers that share it); made on first use when neither
exists, so a fresh install never lacks it. Several app servers must share one key: a subscription made with one
public key is refused by the push service for pushes signed with another.
"""
from __future__ import annotations

import base64
import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, current_app

_lock = threading.Lock()


def key_file(app: Flask) -> Path:
    return Path(app.config.get("PUSH_VAPID_KEY_FILE") or Path(app.instance_path, "vapid_private.pem"))


def ensure_keys(app: Flask) -> Path:
    """The key file, made (mode 600) when missing; nothing is written when the key comes from the environment."""
    path = key_file(app)
    if app.config.get("PUSH_VAPID_PRIVATE_KEY") or path.exists():
        return path
    with _lock:
        if not path.exists():
            key = ec.generate_private_key(ec.SECP256R1())
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
    return path


def private_key_pem() -> str:
    """The private key as PEM text (what pywebpush signs with)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    configured = str(app.config.get("PUSH_VAPID_PRIVATE_KEY") or "")
    if configured:
        return configured
    return ensure_keys(app).read_text(encoding="ascii")


def public_key() -> str:
    """The application server key browsers subscribe with: the uncompressed P-256 point, base64url."""
    key = serialization.load_pem_private_key(private_key_pem().encode("ascii"), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    raw = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
