"""What people do to a photo before they upload it again: the copies of the reuse evaluation.

Each family is a function (image, rng) -> image with its own realistic range. Combinations apply two
families in the order a person would: edit the colours, mirror, straighten, crop, shrink, then screenshot,
and last the chat app that recompresses what it forwards.
"""

from __future__ import annotations

import io
import itertools
import math
import random
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
Transform = Callable[[Image.Image, random.Random], Image.Image]


def crop(image: Image.Image, rng: random.Random) -> Image.Image:
    """Up to 10 % off any side: one side at least 5 %, each other side half the time."""
    sides = [rng.uniform(0.02, 0.10) if rng.random() < 0.5 else 0.0 for _ in range(4)]
    sides[rng.randrange(4)] = rng.uniform(0.05, 0.10)
    left, top, right, bottom = sides
    w, h = image.size
    return image.crop((round(w * left), round(h * top), round(w * (1 - right)), round(h * (1 - bottom))))


def rotate(image: Image.Image, rng: random.Random) -> Image.Image:
    """Turned by 1-5 degrees either way: straightened and cropped to the picture, or with a filled border."""
    angle = rng.choice((-1, 1)) * rng.uniform(1.0, 5.0)
    if rng.random() < 0.6:
        turned = image.rotate(angle, Image.Resampling.BICUBIC, expand=False)
        w, h = image.size
        # The largest upright rectangle of the same aspect inside the turned picture.
        a = math.radians(abs(angle))
        shrink = 1 / (math.cos(a) + max(w / h, h / w) * math.sin(a))
        cw, ch = w * shrink, h * shrink
        return turned.crop((round((w - cw) / 2), round((h - ch) / 2), round((w + cw) / 2), round((h + ch) / 2)))
    fill = rng.choice(((0, 0, 0), (255, 255, 255)))
    return image.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def mirror(image: Image.Image, rng: random.Random) -> Image.Image:
    return ImageOps.mirror(image)


def resize(image: Image.Image, rng: random.Random) -> Image.Image:
    """Shrunk to 35-80 % (a chat app, a "send smaller" setting) or enlarged by a quarter."""
    scale = rng.uniform(0.35, 0.8) if rng.random() < 0.8 else 1.25
    size = (max(8, round(image.width * scale)), max(8, round(image.height * scale)))
    return image.resize(size, rng.choice((Image.Resampling.BILINEAR, Image.Resampling.BICUBIC, Image.Resampling.LANCZOS)))


def recompress(image: Image.Image, rng: random.Random) -> Image.Image:
    """Saved again as JPEG at quality 25-65, sometimes twice (forwarded on)."""
    for _ in range(rng.choice((1, 1, 2))):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=rng.randint(25, 65))
        image = Image.open(io.BytesIO(buffer.getvalue()))
        image.load()
    return image.convert("RGB")


def colour(image: Image.Image, rng: random.Random) -> Image.Image:
    """Two of: brightness, contrast, saturation (down to grey), a warm or cold filter, gamma."""
    edits = rng.sample(("brightness", "contrast", "saturation", "tint", "gamma"), 2)
    for edit in edits:
        if edit == "brightness":
            image = ImageEnhance.Brightness(image).enhance(rng.choice((rng.uniform(0.6, 0.85), rng.uniform(1.15, 1.45))))
        elif edit == "contrast":
            image = ImageEnhance.Contrast(image).enhance(rng.choice((rng.uniform(0.55, 0.8), rng.uniform(1.2, 1.5))))
        elif edit == "saturation":
            image = ImageEnhance.Color(image).enhance(rng.choice((0.0, rng.uniform(0.3, 0.7), rng.uniform(1.3, 1.8))))
        elif edit == "tint":
            warm = rng.choice((-1, 1)) * rng.uniform(0.3, 0.8)
            gains = (1 + 0.25 * warm, 1 + 0.05 * warm, 1 - 0.3 * warm)
            image = Image.merge("RGB", [band.point(lambda v, g=g: min(255, round(v * g)))
                                        for band, g in zip(image.split(), gains)])
        else:
            gamma = rng.uniform(0.6, 1.6)
            image = image.point([round(255 * (v / 255) ** gamma) for v in range(256)] * 3)
    return image


def screenshot(image: Image.Image, rng: random.Random) -> Image.Image:
    """The photo shown on a phone and screenshotted: status bar, navigation bar, gallery borders, rescaled
    to the screen; sometimes the gallery's toolbar rows above and below."""
    screen_w = rng.choice((720, 1080, 1170, 1440))
    screen_h = round(screen_w * rng.choice((2.0, 2.17, 2.22)))
    dark = rng.random() < 0.7
    background = (0, 0, 0) if dark else (rng.randint(240, 255),) * 3
    ink = (245, 245, 245) if dark else (30, 30, 30)
    canvas = Image.new("RGB", (screen_w, screen_h), background)
    unit = screen_w / 1080
    status_h, nav_h = round(72 * unit), round(48 * unit)
    toolbar = round(rng.choice((0, 140)) * unit)
    area_top, area_bottom = status_h + toolbar, screen_h - nav_h - toolbar
    scale = min(screen_w / image.width, (area_bottom - area_top) / image.height)
    shown = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BICUBIC)
    canvas.paste(shown, ((screen_w - shown.width) // 2, area_top + (area_bottom - area_top - shown.height) // 2))
    draw = ImageDraw.Draw(canvas)
    font = _font(round(30 * unit))
    draw.text((round(48 * unit), round(18 * unit)), f"{rng.randint(7, 21)}:{rng.randint(0, 59):02d}", font=font, fill=ink)
    right = screen_w - round(48 * unit)
    draw.rectangle((right - round(44 * unit), round(25 * unit), right, round(47 * unit)), outline=ink, width=2)
    draw.rectangle((right - round(40 * unit), round(29 * unit), right - round(14 * unit), round(43 * unit)), fill=ink)
    for i in range(4):
        x = right - round((110 - 9 * i) * unit)
        draw.rectangle((x, round((47 - 6 - 5 * i) * unit), x + round(5 * unit), round(47 * unit)), fill=ink)
    if toolbar:
        draw.text((round(40 * unit), status_h + round(40 * unit)), "‹  2026年11月28日", font=font, fill=ink)
        for i in range(4):
            cx = round(screen_w * (i + 0.5) / 4)
            draw.ellipse((cx - round(22 * unit), area_bottom + round(40 * unit), cx + round(22 * unit),
                          area_bottom + round(84 * unit)), outline=ink, width=3)
    draw.rounded_rectangle((screen_w // 2 - round(70 * unit), screen_h - nav_h // 2 - 3,
                            screen_w // 2 + round(70 * unit), screen_h - nav_h // 2 + 3), radius=3, fill=ink)
    if rng.random() < 0.5:
        return canvas
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=rng.randint(70, 90))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(FONT_PATH, size)
    except OSError:
        return ImageFont.load_default(size=size)


FAMILIES: dict[str, Transform] = {
    "colour": colour, "mirror": mirror, "rotate": rotate, "crop": crop, "resize": resize,
    "screenshot": screenshot, "recompress": recompress,
}
# Every family alone and every pair of two, in the order above.
TRANSFORMS: tuple[tuple[str, ...], ...] = tuple(
    [(name,) for name in FAMILIES] + list(itertools.combinations(FAMILIES, 2)))


def label(steps: tuple[str, ...]) -> str:
    return "+".join(steps)


def apply(image: Image.Image, steps: tuple[str, ...], rng: random.Random) -> Image.Image:
    for name in steps:
        image = FAMILIES[name](image, rng)
    return image.convert("RGB")
