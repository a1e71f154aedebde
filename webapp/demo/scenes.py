"""Shop scenes for the demo's photos: simple shapes and colours drawn with Pillow, different for every merchant
and shot, saved as a phone would save them (JPEG with the camera's make, model, time and GPS in EXIF).

They go through the real photo pipeline (webapp.photos.write), so they are rotated, watermarked, hashed and
compared with each other like any upload. Each scene gets its own layout, colours and a grain of noise, so two
merchants' shelves are different pictures to the reuse search; only a photo sent twice on purpose is a copy.
"""
from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageDraw
from PIL.ExifTags import GPS, IFD, Base

# Small camera size: the phone shrinks photos before upload; the demo keeps them small so seeding stays quick.
SCENE_SIZE = (480, 360)
SCENE_KINDS = ("shelves", "shop_front", "counter", "storeroom")
# Cameras of the demo's phones (make, model), one per manager.
CAMERAS = (("HUAWEI", "ALN-AL00"), ("Xiaomi", "2211133C"), ("OPPO", "PHZ110"), ("vivo", "V2309A"),
           ("HONOR", "PGT-AN10"), ("Apple", "iPhone 14"), ("HUAWEI", "BRA-AL00"), ("Xiaomi", "23127PN0CC"),
           ("OPPO", "PJA110"))

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Shot:
    """One photo as a phone takes it: what it shows, when, where and with which camera."""

    kind: str
    seed: int
    taken_at: datetime  # China time, as the phone's clock writes EXIF
    camera: tuple[str, str]
    lat: float | None = None
    lon: float | None = None


def _colour(rng: random.Random, low: int = 30, high: int = 230) -> Colour:
    return (rng.randrange(low, high), rng.randrange(low, high), rng.randrange(low, high))


def _shade(colour: Colour, factor: float) -> Colour:
    return (min(255, int(colour[0] * factor)), min(255, int(colour[1] * factor)), min(255, int(colour[2] * factor)))


def _goods(draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[int, int, int, int]) -> None:
    """A row of packets, bottles and boxes standing on a shelf board."""
    left, top, right, bottom = box
    x = left + rng.randrange(2, 10)
    while x < right - 12:
        width = rng.randrange(10, 34)
        height = rng.randrange(max(8, (bottom - top) // 3), max(10, bottom - top - 2))
        colour = _colour(rng)
        shape = rng.random()
        if shape < 0.45:
            draw.rectangle((x, bottom - height, x + width, bottom), fill=colour, outline=_shade(colour, 0.6))
            draw.rectangle((x + 2, bottom - height + height // 3, x + width - 2, bottom - height // 3),
                           fill=_colour(rng, 150, 255))
        elif shape < 0.8:
            neck = max(3, width // 3)
            draw.rectangle((x, bottom - height + height // 4, x + width, bottom), fill=colour)
            draw.rectangle((x + (width - neck) // 2, bottom - height, x + (width + neck) // 2,
                            bottom - height + height // 4), fill=_shade(colour, 0.7))
        else:
            draw.ellipse((x, bottom - width, x + width, bottom), fill=colour, outline=_shade(colour, 0.5))
        x += width + rng.randrange(1, 8)


def _shelves(draw: ImageDraw.ImageDraw, rng: random.Random, size: tuple[int, int]) -> None:
    width, height = size
    draw.rectangle((0, 0, width, height), fill=_colour(rng, 170, 240))
    frame = _colour(rng, 60, 160)
    rows = rng.randrange(3, 6)
    margin = rng.randrange(20, 80)
    step = (height - 40) // rows
    for row in range(rows):
        board = 20 + (row + 1) * step
        _goods(draw, rng, (margin, board - step + 8, width - margin, board))
        draw.rectangle((margin - 6, board, width - margin + 6, board + 8), fill=frame)
    draw.rectangle((margin - 14, 10, margin - 6, height - 10), fill=_shade(frame, 0.8))
    draw.rectangle((width - margin + 6, 10, width - margin + 14, height - 10), fill=_shade(frame, 0.8))


def _shop_front(draw: ImageDraw.ImageDraw, rng: random.Random, size: tuple[int, int]) -> None:
    width, height = size
    sky = _colour(rng, 150, 230)
    draw.rectangle((0, 0, width, height), fill=sky)
    wall = _colour(rng, 90, 210)
    draw.rectangle((0, height // 6, width, height * 5 // 6), fill=wall)
    sign = _colour(rng, 120, 240)
    sign_top = height // 6 + rng.randrange(8, 30)
    draw.rectangle((40, sign_top, width - 40, sign_top + rng.randrange(50, 80)), fill=sign,
                   outline=_shade(sign, 0.5), width=4)
    for index in range(rng.randrange(3, 7)):  # the characters of the sign, as blocks
        x = 70 + index * rng.randrange(60, 85)
        if x > width - 90:
            break
        draw.rectangle((x, sign_top + 14, x + 40, sign_top + 46), fill=_colour(rng, 0, 90))
    door_left = rng.randrange(width // 4, width // 2)
    draw.rectangle((door_left, height // 2, door_left + rng.randrange(110, 180), height * 5 // 6),
                   fill=_shade(wall, 0.45), outline=_colour(rng), width=3)
    window = (door_left - 150, height // 2, door_left - 20, height * 5 // 6 - 30)
    if window[0] > 10:
        draw.rectangle(window, fill=_colour(rng, 150, 230), outline=_shade(wall, 0.6), width=3)
        _goods(draw, rng, (window[0] + 4, window[1] + 30, window[2] - 4, window[3] - 4))
    draw.rectangle((0, height * 5 // 6, width, height), fill=_colour(rng, 90, 140))
    awning, band = _colour(rng), rng.randrange(24, 70)
    for stripe in range(-rng.randrange(band), width, band):
        draw.polygon([(stripe, height // 2 - 30), (stripe + band, height // 2 - 30), (stripe + band - 8, height // 2),
                      (stripe + 8, height // 2)], fill=awning if (stripe // band) % 2 else _colour(rng, 200, 255))


def _counter(draw: ImageDraw.ImageDraw, rng: random.Random, size: tuple[int, int]) -> None:
    width, height = size
    draw.rectangle((0, 0, width, height), fill=_colour(rng, 160, 230))
    _shelves_back = (30, 30, width - 30, height // 2)
    draw.rectangle(_shelves_back, fill=_colour(rng, 120, 200))
    _goods(draw, rng, (40, 40, width - 40, height // 4))
    _goods(draw, rng, (40, height // 4 + 10, width - 40, height // 2 - 6))
    top = height // 2 + rng.randrange(10, 40)
    counter = _colour(rng, 70, 180)
    draw.rectangle((0, top, width, height), fill=counter)
    draw.rectangle((0, top, width, top + 14), fill=_shade(counter, 1.3))
    till = rng.randrange(40, width - 300)
    draw.rectangle((till, top - 70, till + 110, top), fill=_colour(rng, 20, 80))
    draw.rectangle((till + 12, top - 60, till + 98, top - 22), fill=_colour(rng, 100, 200))
    code = rng.randrange(till + 150, width - 60)  # the aggregated QR code stand
    draw.rectangle((code, top - 90, code + 60, top), fill=(250, 250, 250), outline=(20, 20, 20), width=2)
    for cell in range(36):
        if rng.random() < 0.5:
            cx, cy = code + 6 + (cell % 6) * 8, top - 84 + (cell // 6) * 8
            draw.rectangle((cx, cy, cx + 7, cy + 7), fill=(10, 10, 10))


def _storeroom(draw: ImageDraw.ImageDraw, rng: random.Random, size: tuple[int, int]) -> None:
    width, height = size
    draw.rectangle((0, 0, width, height), fill=_colour(rng, 110, 190))
    draw.rectangle((0, height * 3 // 4, width, height), fill=_colour(rng, 80, 140))
    x = rng.randrange(0, 30)
    while x < width - 40:
        stack_width = rng.randrange(60, 130)
        y = height * 3 // 4 + rng.randrange(0, 30)
        box_colour = _colour(rng, 120, 220)
        for _layer in range(rng.randrange(2, 6)):
            box_height = rng.randrange(40, 80)
            draw.rectangle((x, y - box_height, x + stack_width, y), fill=box_colour, outline=_shade(box_colour, 0.5),
                           width=2)
            draw.line((x, y - box_height // 2, x + stack_width, y - box_height // 2), fill=_shade(box_colour, 0.7),
                      width=3)
            y -= box_height
            box_colour = _shade(box_colour, rng.uniform(0.85, 1.15))
        x += stack_width + rng.randrange(6, 30)


PAINTERS: dict[str, Callable[[ImageDraw.ImageDraw, random.Random, tuple[int, int]], None]] = {
    "shelves": _shelves, "shop_front": _shop_front, "counter": _counter, "storeroom": _storeroom}


def _grain(image: Image.Image, rng: random.Random) -> Image.Image:
    """A little sensor noise, so that flat areas are not identical between two pictures."""
    noise = Image.frombytes("L", image.size, rng.randbytes(image.size[0] * image.size[1])).convert("RGB")
    return Image.blend(image, noise, 0.07)


def _rational_dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    return (float(degrees), float(minutes), round((minutes_full - minutes) * 60, 4))


def _exif(shot: Shot) -> Image.Exif:
    exif = Image.Exif()
    exif[Base.Make], exif[Base.Model] = shot.camera
    stamp = shot.taken_at.strftime("%Y:%m:%d %H:%M:%S")
    exif[Base.DateTime] = stamp
    exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = stamp
    if shot.lat is not None and shot.lon is not None:
        gps = exif.get_ifd(IFD.GPSInfo)
        gps[GPS.GPSVersionID] = b"\x02\x02\x00\x00"
        gps[GPS.GPSLatitudeRef], gps[GPS.GPSLatitude] = "N", _rational_dms(shot.lat)
        gps[GPS.GPSLongitudeRef], gps[GPS.GPSLongitude] = "E", _rational_dms(shot.lon)
    return exif


def _clutter(draw: ImageDraw.ImageDraw, rng: random.Random, size: tuple[int, int]) -> None:
    """What makes every real shop its own: posters, price tags, plants, people passing."""
    width, height = size
    for _item in range(rng.randrange(8, 18)):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(8, 70), rng.randrange(8, 90)
        if rng.random() < 0.5:
            draw.rectangle((x, y, x + w, y + h), fill=_colour(rng), outline=_colour(rng, 0, 80))
        else:
            draw.ellipse((x, y, x + w, y + h), fill=_colour(rng))


def scene_image(kind: str, seed: int, size: tuple[int, int] = SCENE_SIZE) -> Image.Image:
    """The picture alone: the same kind and seed always draw the same scene, framed its own way (a canvas of
    its own size, a slight tilt, a crop), so two scenes of one kind do not share their geometry."""
    rng = random.Random(f"{kind}:{seed}")
    scale = rng.uniform(1.15, 1.6)
    canvas = (int(size[0] * scale), int(size[1] * rng.uniform(1.15, 1.6)))
    image = Image.new("RGB", canvas)
    draw = ImageDraw.Draw(image)
    PAINTERS[kind](draw, rng, canvas)
    _clutter(draw, rng, canvas)
    image = image.rotate(rng.uniform(-5, 5), resample=Image.Resampling.BILINEAR, fillcolor=_colour(rng))
    crop_w, crop_h = int(canvas[0] * rng.uniform(0.7, 0.9)), int(canvas[1] * rng.uniform(0.7, 0.9))
    left, top = rng.randrange(canvas[0] - crop_w + 1), rng.randrange(canvas[1] - crop_h + 1)
    image = image.crop((left, top, left + crop_w, top + crop_h)).resize(size, Image.Resampling.BILINEAR)
    return _grain(image, rng)


def shot_jpeg(shot: Shot) -> bytes:
    """The photo as the phone uploads it: a JPEG with the camera's EXIF."""
    buffer = io.BytesIO()
    scene_image(shot.kind, shot.seed).save(buffer, "JPEG", quality=82, exif=_exif(shot))
    return buffer.getvalue()
