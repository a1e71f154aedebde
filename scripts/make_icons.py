"""Draw the app icons (192, 512 and a maskable 512) into static/icons/; run once when the design changes."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
BRAND = (183, 28, 28)


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    image = Image.new("RGB", (size, size), BRAND if maskable else (255, 255, 255))
    draw = ImageDraw.Draw(image)
    if not maskable:
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=BRAND)
    # Maskable icons keep their content inside the central 80% safe zone.
    font = ImageFont.truetype(FONT, int(size * (0.30 if maskable else 0.36)))
    draw.text((size / 2, size / 2), "外勤", font=font, fill=(255, 255, 255), anchor="mm")
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw_icon(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
    draw_icon(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
