"""Builders for visit bodies and photo uploads used by the API and write-path tests."""
from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw


def now_iso(offset_s: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_s)).isoformat(timespec="seconds")


def visit_body(merchant_id: int, *, lead: str = "mgr1", support: str | None = None, observer: str | None = None,
               lat: float | None = None, lon: float | None = None, accuracy: float = 12.0,
               kind: str = "marketing", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "merchant_id": merchant_id,
        "kind": kind,
        "squad": {"lead": lead, "support": support, "observer": observer},
        "started_at": now_iso(-300),
        "checkin": None if lat is None else {"lat": lat, "lon": lon, "accuracy_m": accuracy, "captured_at": now_iso(-240)},
        "outcome": {"effective": True, "deals": ["credit_card"], "next_step": "下周带申请表再来"},
        "notes": {"lead": "老板有扩店打算"},
    }
    if kind == "post_loan":
        body["outcome"]["checklist"] = {"operating_state": "normal", "inventory_level": "normal",
                                        "fixed_assets": "unchanged", "abnormal": False}
    body.update(overrides)
    return body


def new_id() -> str:
    return str(uuid.uuid4())


def jpeg_bytes(seed: int = 1, size: tuple[int, int] = (800, 600)) -> bytes:
    """A small distinct picture: seed changes the scene, so different seeds are different photos."""
    import random

    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        draw.rectangle((x0, y0, x0 + rng.randrange(40, 300), y0 + rng.randrange(40, 300)),
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def photo_form(data: bytes, *, category: str = "premises", filename: str = "p.jpg", **extra: str) -> dict[str, Any]:
    return {"file": (io.BytesIO(data), filename), "category": category, "captured_at": now_iso(-60), **extra}
