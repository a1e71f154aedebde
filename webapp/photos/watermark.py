"""The visit facts burnt into a photo's display copy, so a forwarded picture still says where and when."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from webapp.bank_time import BANK_ZONE
from webapp.fonts import CJK_FONT_PATH

FONT_PATH = CJK_FONT_PATH


@dataclass(frozen=True)
class Watermark:
    """What gets burnt into the display copy, so a forwarded picture still says where and when."""

    taken_at: datetime
    merchant_name: str
    lat: float | None
    lon: float | None
    manager_name: str | None = None

    def __post_init__(self) -> None:
        # A naive time would silently be rendered in the server's zone.
        if self.taken_at.tzinfo is None or self.taken_at.utcoffset() is None:
            raise ValueError("Watermark.taken_at must be timezone-aware")


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The CJK font, or Pillow's built-in one so a missing font never breaks uploads."""
    try:
        return ImageFont.truetype(FONT_PATH, size)
    except OSError:
        return ImageFont.load_default(size=size)


def watermark_lines(watermark: Watermark) -> list[str]:
    """The text burnt into the display copy, one entry per line."""
    local = watermark.taken_at.astimezone(BANK_ZONE)
    merchant = " ".join(watermark.merchant_name.split())
    first = f"{local:%Y-%m-%d %H:%M}"
    if merchant:
        first = f"{first} · {merchant}"
    lat, lon = watermark.lat, watermark.lon
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        place = "无定位"
    else:
        place = f"{lat:.6f}, {lon:.6f} (WGS-84)"
    lines = [first, place]
    manager = " ".join((watermark.manager_name or "").split())
    if manager:
        lines.append(f"客户经理：{manager}")
    return lines


def draw_watermark(image: Image.Image, watermark: Watermark) -> None:
    """Darken a band along the bottom and write the visit facts on it, in place."""
    width, height = image.size
    font_size = max(10, round(width * 0.026))
    font = _font(font_size)
    lines = watermark_lines(watermark)
    padding = max(4, round(font_size * 0.5))
    line_height = round(font_size * 1.3)
    band_height = min(height, 2 * padding + line_height * len(lines))
    box = (0, height - band_height, width, height)

    # 55 % black over the photo: the scene stays visible, white text stays legible.
    band = image.crop(box).point(lambda value: value * 45 // 100)
    draw = ImageDraw.Draw(band)
    max_text_width = width - 2 * padding
    for index, line in enumerate(lines):
        text = _fit_text(line, font, max_text_width)
        draw.text(
            (padding, padding + index * line_height),
            text,
            font=font,
            fill=(255, 255, 255),
        )
    image.paste(band, box)


def _fit_text(
    text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: int
) -> str:
    """Cut a long merchant name with an ellipsis instead of running off the picture."""
    if font.getlength(text) <= max_width:
        return text
    while text and font.getlength(text + "…") > max_width:
        text = text[:-1]
    return text + "…"
