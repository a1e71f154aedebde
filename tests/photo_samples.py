"""Synthetic photos for the photo pipeline tests and benchmark, made in memory with Pillow.

Real phone photos cannot be committed (privacy, size), so the tests draw
storefront scenes whose structure resembles a visit photo: sky, a row of
shopfronts with signboards, doors and shelves, pavement, sensor noise. The
same seed always gives the same shop, and a `Shot` describes where the camera
stood and what the light was like, so "another photo of the same shop" and
"a copy of the same photo" can both be produced.
"""

from __future__ import annotations

import colorsys
import io
import random
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from functools import lru_cache

import pillow_heif
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageFilter, ImageFont
from PIL.ExifTags import GPS, IFD, Base
from PIL.TiffImagePlugin import IFDRational

pillow_heif.register_heif_opener()

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

# The world a scene is drawn in is larger than one photo, so that shots can
# move around inside it.
_WORLD_W = 1.6
_WORLD_H = 1.4


@dataclass(frozen=True)
class Shot:
    """Where the camera stood and what the light was when a shop photo was taken."""

    shift_x: float = 0.0  # fraction of the photo width, + = camera moved right
    shift_y: float = 0.0  # fraction of the photo height, + = camera moved down
    zoom: float = 1.0  # > 1 = closer (narrower field of view)
    brightness: float = 1.0
    warmth: float = 0.0  # -1 cold/blue .. +1 warm/orange evening light
    shadow: float = 0.0  # strength of a diagonal building shadow, 0..1
    person: bool = False  # someone standing in front of the shop
    noise_seed: int = 0  # sensor noise differs from one exposure to the next


def shop_scene(seed: int, size: tuple[int, int] = (1200, 900), shot: Shot = Shot()) -> Image.Image:
    """An RGB photo of shop number `seed` taken as described by `shot`."""
    return _shop_scene(seed, size, shot).copy()


@lru_cache(maxsize=32)
def _shop_scene(seed: int, size: tuple[int, int], shot: Shot) -> Image.Image:
    width, height = size
    world = _draw_world(seed, (round(width * _WORLD_W), round(height * _WORLD_H)))
    window_w = width / shot.zoom
    window_h = height / shot.zoom
    centre_x = world.width / 2 + shot.shift_x * width
    centre_y = world.height / 2 + shot.shift_y * height
    box = (
        centre_x - window_w / 2,
        centre_y - window_h / 2,
        centre_x + window_w / 2,
        centre_y + window_h / 2,
    )
    if box[0] < 0 or box[1] < 0 or box[2] > world.width or box[3] > world.height:
        raise ValueError(f"shot {shot} leaves the drawn world")
    photo = world.resize(size, Image.Resampling.BILINEAR, box=box)
    if shot.person:
        _draw_person(photo, random.Random(seed * 7919 + 1))
    photo = _light(photo, shot)
    return add_noise(photo, amplitude=8, seed=shot.noise_seed)


def _colour(
    rng: random.Random,
    saturation: tuple[float, float],
    value: tuple[float, float],
    hue: tuple[float, float] = (0.0, 1.0),
) -> tuple[int, int, int]:
    hue = rng.uniform(*hue)
    r, g, b = colorsys.hsv_to_rgb(hue, rng.uniform(*saturation), rng.uniform(*value))
    return round(r * 255), round(g * 255), round(b * 255)


def _draw_world(seed: int, size: tuple[int, int]) -> Image.Image:
    rng = random.Random(seed)
    width, height = size
    world = Image.new("RGB", size)
    draw = ImageDraw.Draw(world)
    # Where something solid stands, as opposed to sky; only solid things get grime.
    solid_mask = Image.new("L", size, 0)
    solid = ImageDraw.Draw(solid_mask)

    # Sky, darker towards the top, with a hazy horizon.
    # Blue on clear days; a flat grey-white haze on the many overcast ones.
    if rng.random() < 0.35:
        sky_top = _colour(rng, (0.0, 0.04), (0.7, 0.9))
    else:
        sky_top = _colour(rng, (0.05, 0.5), (0.6, 0.9), hue=(0.55, 0.65))
    sky_low = tuple(min(255, c + 60) for c in sky_top)
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(sky_top, sky_low)))

    ground_y = round(height * rng.uniform(0.70, 0.80))

    # A row of shopfronts of varied width and height across the whole world.
    x = -rng.randint(0, width // 8)
    while x < width:
        shop_w = round(width * rng.uniform(0.16, 0.34))
        roof_y = round(height * rng.uniform(0.06, 0.32))
        _draw_shopfront(draw, rng, (x, roof_y, x + shop_w, ground_y))
        solid.rectangle((x, roof_y, x + shop_w, height), fill=255)
        x += shop_w

    # Pavement with tiles and a kerb.
    pavement = _colour(rng, (0.0, 0.15), (0.35, 0.6))
    draw.rectangle((0, ground_y, width, height), fill=pavement)
    kerb_y = ground_y + round((height - ground_y) * rng.uniform(0.55, 0.8))
    draw.rectangle((0, kerb_y, width, kerb_y + max(2, height // 90)), fill=(200, 200, 195))
    draw.rectangle((0, kerb_y + height // 90, width, height), fill=tuple(max(0, c - 45) for c in pavement))
    tile = max(8, width // 28)
    for tx in range(0, width, tile):
        joint = tuple(max(0, c - 30) for c in pavement)
        draw.line([(tx, ground_y), (tx - (tx - width // 2) // 3, kerb_y)], fill=joint, width=2)

    # Street furniture that breaks up the row: a pole, a tree, a parked scooter.
    for _ in range(rng.randint(1, 3)):
        px = rng.randint(0, width)
        draw.rectangle((px, round(height * 0.3), px + max(3, width // 160), kerb_y), fill=(60, 60, 65))
    if rng.random() < 0.6:
        tx = rng.randint(0, width)
        radius = round(height * rng.uniform(0.1, 0.18))
        draw.rectangle((tx - width // 150, ground_y - radius, tx + width // 150, kerb_y), fill=(90, 65, 40))
        leaves = _colour(rng, (0.5, 0.8), (0.25, 0.5), hue=(0.2, 0.4))
        draw.ellipse((tx - radius, ground_y - 3 * radius, tx + radius, ground_y - radius), fill=leaves)
    if rng.random() < 0.7:
        sx = rng.randint(0, width)
        sy = kerb_y - round(height * 0.02)
        body = _colour(rng, (0.5, 1.0), (0.4, 0.9))
        draw.rounded_rectangle((sx, sy - height // 14, sx + width // 14, sy), radius=height // 60, fill=body)
        wheel = height // 60
        for wx in (sx + width // 90, sx + width // 14 - width // 90):
            draw.ellipse((wx - wheel, sy - wheel, wx + wheel, sy + wheel), fill=(25, 25, 25))

    # Stains, wear and shade: real pavements and walls are never one flat colour.
    grime = _blotches(rng, size, cell=max(4, width // 60), amplitude=14)
    world = Image.composite(ImageChops.add(world, grime, scale=1.0, offset=-128), world, solid_mask)
    return world.filter(ImageFilter.GaussianBlur(max(1, width // 1600)))


def _blotches(rng: random.Random, size: tuple[int, int], cell: int, amplitude: int) -> Image.Image:
    """Smooth random light/dark patches about `cell` pixels across, centred on grey 128."""
    width, height = size
    coarse_size = (width // cell + 2, height // cell + 2)
    coarse = Image.frombytes("L", coarse_size, rng.randbytes(coarse_size[0] * coarse_size[1]))
    coarse = coarse.point(lambda v: 128 - amplitude + v * 2 * amplitude // 255)
    smooth = coarse.resize((coarse_size[0] * cell, coarse_size[1] * cell), Image.Resampling.BICUBIC)
    return Image.merge("RGB", [smooth.crop((0, 0, width, height))] * 3)


def _draw_shopfront(draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[int, int, int, int]) -> None:
    left, top, right, bottom = box
    shop_w, shop_h = right - left, bottom - top
    facade = _colour(rng, (0.05, 0.45), (0.35, 0.95))
    draw.rectangle(box, fill=facade)
    draw.rectangle((left, top, left + max(2, shop_w // 60), bottom), fill=tuple(max(0, c - 50) for c in facade))

    # Upper-floor windows.
    sign_top = top + round(shop_h * rng.uniform(0.25, 0.45))
    rows = rng.randint(1, 3)
    cols = rng.randint(2, 4)
    glass = _colour(rng, (0.1, 0.4), (0.15, 0.55))
    for r in range(rows):
        for c in range(cols):
            wx0 = left + round(shop_w * (0.08 + c * 0.88 / cols))
            wy0 = top + round((sign_top - top) * (0.12 + r * 0.8 / rows))
            wx1 = wx0 + round(shop_w * 0.88 / cols * 0.65)
            wy1 = wy0 + round((sign_top - top) * 0.8 / rows * 0.6)
            if wy1 > wy0 and wx1 > wx0:
                draw.rectangle((wx0, wy0, wx1, wy1), fill=glass, outline=(230, 230, 225), width=2)

    # Signboard with text-like strokes.
    sign_h = round(shop_h * rng.uniform(0.12, 0.2))
    sign = _colour(rng, (0.7, 1.0), (0.55, 1.0))
    ink = (255, 255, 255) if sum(sign) < 420 else (20, 20, 20)
    draw.rectangle((left + shop_w // 30, sign_top, right - shop_w // 30, sign_top + sign_h), fill=sign)
    glyph = max(4, round(sign_h * 0.55))
    gx = left + shop_w // 30 + round(sign_h * rng.uniform(0.3, 1.5))
    gy = sign_top + (sign_h - glyph) // 2
    for _ in range(rng.randint(2, 6)):
        if gx + glyph > right - shop_w // 20:
            break
        for _ in range(rng.randint(3, 6)):
            sx0 = gx + rng.randint(0, glyph * 2 // 3)
            sy0 = gy + rng.randint(0, glyph * 2 // 3)
            if rng.random() < 0.5:
                draw.rectangle((sx0, sy0, sx0 + glyph // 3, sy0 + max(2, glyph // 9)), fill=ink)
            else:
                draw.rectangle((sx0, sy0, sx0 + max(2, glyph // 9), sy0 + glyph // 3), fill=ink)
        gx += round(glyph * 1.25)

    # Awning, sometimes striped.
    ground_top = sign_top + sign_h
    if rng.random() < 0.6:
        awning_h = round(shop_h * 0.06)
        stripe_a = _colour(rng, (0.6, 1.0), (0.5, 0.95))
        stripe_b = (240, 240, 235) if rng.random() < 0.6 else stripe_a
        stripe_w = max(4, shop_w // 12)
        for i, sx in enumerate(range(left, right, stripe_w)):
            draw.polygon(
                [
                    (sx, ground_top),
                    (sx + stripe_w, ground_top),
                    (sx + stripe_w + stripe_w // 3, ground_top + awning_h),
                    (sx + stripe_w // 3, ground_top + awning_h),
                ],
                fill=stripe_a if i % 2 == 0 else stripe_b,
            )
        ground_top += awning_h

    # Ground floor: a dark doorway and lit shop windows with shelves of goods.
    door_w = round(shop_w * rng.uniform(0.2, 0.35))
    door_x = left + round((shop_w - door_w) * rng.choice((0.1, 0.5, 0.9, rng.random())))
    interior = _colour(rng, (0.0, 0.3), (0.08, 0.3))
    draw.rectangle((door_x, ground_top, door_x + door_w, bottom), fill=interior)
    windows = (
        (left + shop_w // 20, door_x - shop_w // 30),
        (door_x + door_w + shop_w // 30, right - shop_w // 20),
    )
    for win_left, win_right in windows:
        if win_right - win_left < shop_w // 10:
            continue
        win_top = ground_top + round((bottom - ground_top) * 0.08)
        win_bottom = bottom - round((bottom - ground_top) * 0.22)
        draw.rectangle((win_left, win_top, win_right, win_bottom), fill=_colour(rng, (0.0, 0.25), (0.55, 0.9)))
        shelves = rng.randint(2, 4)
        for s in range(1, shelves + 1):
            shelf_y = win_top + round((win_bottom - win_top) * s / (shelves + 1))
            draw.rectangle((win_left, shelf_y, win_right, shelf_y + 3), fill=(120, 90, 60))
            px = win_left + 3
            while px < win_right - 6:
                item_w = rng.randint(4, max(5, (win_right - win_left) // 10))
                item_h = rng.randint(6, max(7, (win_bottom - win_top) // (shelves + 1) - 4))
                goods = _colour(rng, (0.5, 1.0), (0.4, 1.0))
                draw.rectangle((px, shelf_y - item_h, min(win_right - 2, px + item_w), shelf_y), fill=goods)
                px += item_w + rng.randint(1, 6)


def _draw_person(photo: Image.Image, rng: random.Random) -> None:
    """A customer or passer-by standing between the camera and the shop."""
    width, height = photo.size
    draw = ImageDraw.Draw(photo)
    body_h = height * rng.uniform(0.55, 0.75)
    centre = width * rng.uniform(0.3, 0.7)
    feet = height * rng.uniform(0.92, 0.99)
    head_r = body_h * 0.075
    shoulders = body_h * 0.13
    shirt = _colour(rng, (0.4, 0.9), (0.3, 0.9))
    trousers = _colour(rng, (0.0, 0.4), (0.1, 0.35))
    top = feet - body_h
    draw.ellipse((centre - head_r, top, centre + head_r, top + 2 * head_r), fill=(224, 180, 140))
    draw.ellipse((centre - head_r, top - head_r * 0.2, centre + head_r, top + head_r * 0.9), fill=(30, 25, 20))
    torso_top = top + 2.1 * head_r
    torso_bottom = top + body_h * 0.55
    draw.rounded_rectangle(
        (centre - shoulders, torso_top, centre + shoulders, torso_bottom), radius=head_r * 0.6, fill=shirt
    )
    arm = shoulders * 0.35
    arm_top, arm_bottom = torso_top + head_r * 0.3, torso_bottom + head_r
    draw.rectangle((centre - shoulders - arm, arm_top, centre - shoulders, arm_bottom), fill=shirt)
    draw.rectangle((centre + shoulders, arm_top, centre + shoulders + arm, arm_bottom), fill=shirt)
    draw.rectangle((centre - shoulders * 0.9, torso_bottom, centre - shoulders * 0.08, feet), fill=trousers)
    draw.rectangle((centre + shoulders * 0.08, torso_bottom, centre + shoulders * 0.9, feet), fill=trousers)


def _light(photo: Image.Image, shot: Shot) -> Image.Image:
    """Exposure, colour temperature and a cast shadow, as a different time of day would give."""
    if shot.brightness != 1.0 or shot.warmth:
        gains = (
            shot.brightness * (1 + 0.25 * shot.warmth),
            shot.brightness * (1 + 0.05 * shot.warmth),
            shot.brightness * (1 - 0.3 * shot.warmth),
        )
        bands = [band.point(lambda v, g=g: min(255, round(v * g))) for band, g in zip(photo.split(), gains)]
        photo = Image.merge("RGB", bands)
    if shot.shadow:
        width, height = photo.size
        mask = Image.new("L", photo.size, 0)
        ImageDraw.Draw(mask).polygon(
            [(0, 0), (width * 0.55, 0), (width * 0.25, height), (0, height)], fill=round(255 * shot.shadow)
        )
        mask = mask.filter(ImageFilter.GaussianBlur(width / 80))
        dark = photo.point(lambda v: v * 2 // 5)
        photo = Image.composite(dark, photo, mask)
    return photo


def add_noise(image: Image.Image, amplitude: int, seed: int) -> Image.Image:
    """Sensor noise, so JPEG sizes and textures look like a camera's rather than a drawing's."""
    rng = random.Random(seed)
    noise = Image.frombytes("RGB", image.size, rng.randbytes(image.width * image.height * 3))
    noise = noise.point(lambda v: 128 - amplitude + v * 2 * amplitude // 255)
    return ImageChops.add(image, noise, scale=1.0, offset=-128)


# --- encoding helpers ------------------------------------------------------------------


def jpeg_bytes(image: Image.Image, quality: int = 90, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, **params)
    return buffer.getvalue()


def png_bytes(image: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **params)
    return buffer.getvalue()


def encoded(image: Image.Image, format: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **params)
    return buffer.getvalue()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def make_exif(
    *,
    orientation: int | None = None,
    taken_at: datetime | None = None,
    modified_at: datetime | None = None,
    lat: float | None = None,
    lon: float | None = None,
    make: str | None = None,
    model: str | None = None,
    software: str | None = None,
) -> Image.Exif:
    """EXIF as a phone writes it: DateTimeOriginal in the Exif IFD, GPS as D/M/S rationals plus Ref tags."""
    exif = Image.Exif()
    if orientation is not None:
        exif[Base.Orientation] = orientation
    if make is not None:
        exif[Base.Make] = make
    if model is not None:
        exif[Base.Model] = model
    if software is not None:
        exif[Base.Software] = software
    if modified_at is not None:
        exif[Base.DateTime] = modified_at.strftime("%Y:%m:%d %H:%M:%S")
    if taken_at is not None:
        exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    if lat is not None and lon is not None:
        gps = exif.get_ifd(IFD.GPSInfo)
        gps[GPS.GPSVersionID] = b"\x02\x02\x00\x00"
        gps[GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps[GPS.GPSLatitude] = _dms(abs(lat))
        gps[GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps[GPS.GPSLongitude] = _dms(abs(lon))
    return exif


def _dms(degrees: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    whole = int(degrees)
    minutes_f = (degrees - whole) * 60
    minutes = int(minutes_f)
    seconds = Fraction((minutes_f - minutes) * 60).limit_denominator(10000)
    return IFDRational(whole, 1), IFDRational(minutes, 1), IFDRational(seconds.numerator, seconds.denominator)


def raw_exif(ifd0_entries: list[tuple[int, int, int, bytes]], extra: bytes = b"") -> bytes:
    """Hand-made little-endian TIFF/EXIF block, for EXIF that Pillow would refuse to write.

    Each entry is (tag, type, count, value-or-offset field of exactly 4 bytes);
    `extra` is appended after the IFD and starts at offset 8 + 2 + 12n + 4.
    """
    header = b"II*\x00" + struct.pack("<I", 8)
    body = struct.pack("<H", len(ifd0_entries))
    for tag, kind, count, field in ifd0_entries:
        body += struct.pack("<HHI", tag, kind, count) + field
    body += struct.pack("<I", 0)
    return header + body + extra


def quadrant_image(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """Upright reference: red top-left, green top-right, blue bottom-left, yellow bottom-right."""
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 2 - 1, height // 2 - 1), fill=(255, 0, 0))
    draw.rectangle((width // 2, 0, width - 1, height // 2 - 1), fill=(0, 255, 0))
    draw.rectangle((0, height // 2, width // 2 - 1, height - 1), fill=(0, 0, 255))
    draw.rectangle((width // 2, height // 2, width - 1, height - 1), fill=(255, 255, 0))
    return image


# How a camera stores an upright scene for each EXIF orientation: the inverse of
# what a viewer does to display it (EXIF 2.3, tag 0x0112), written out by hand so
# the tests do not borrow the mapping from the code under test.
STORED_AS: dict[int, Image.Transpose | None] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # viewer turns it 90 deg clockwise
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,  # viewer turns it 90 deg anticlockwise
}


def as_stored(upright: Image.Image, orientation: int) -> Image.Image:
    method = STORED_AS[orientation]
    return upright.copy() if method is None else upright.transpose(method)


# --- hostile and edge-case files ------------------------------------------------


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height but carries one row of data: a decompression bomb's header."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * (1 + min(width, 1 << 16)))
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def icc_srgb() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


XMP = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="31,13.8N"/>'
    b"</rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"
)


def jpeg_full_of_metadata(image: Image.Image) -> bytes:
    """A JPEG carrying EXIF with GPS, an ICC profile, XMP and a comment."""
    exif = make_exif(
        orientation=1,
        taken_at=datetime(2026, 11, 28, 14, 3, 7),
        lat=31.2304,
        lon=121.4737,
        make="Xiaomi",
        model="23127PN0CC",
        software="V816.0.3",
    )
    return jpeg_bytes(image, exif=exif, icc_profile=icc_srgb(), comment=b"secret comment", xmp=XMP)


def svg_bytes() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        b'<rect width="100" height="100" fill="red"/></svg>'
    )


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def heic_bytes(image: Image.Image, **params: object) -> bytes:
    return encoded(image, "HEIF", quality=80, **params)


def noisy_jpeg(size: tuple[int, int], quality: int = 85, seed: int = 0) -> bytes:
    """A large JPEG full of noise, so that its scan data is long (for truncation tests)."""
    return jpeg_bytes(add_noise(Image.new("RGB", size, (120, 120, 120)), 40, seed), quality=quality)


def big_plain_jpeg(size: tuple[int, int]) -> bytes:
    """A large JPEG that is cheap to make: a few flat blocks compress to almost nothing."""
    image = Image.new("RGB", size, (90, 120, 160))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle((0, 0, width // 4, height // 4), fill=(220, 30, 30))
    draw.rectangle((width // 2, height // 2, width - 1, height - 1), fill=(30, 160, 60))
    return jpeg_bytes(image, quality=75)


def screenshot_of(photo: Image.Image, screen: tuple[int, int] | None = None) -> bytes:
    """A phone screenshot of `photo` as a PNG: status bar on top, gesture bar below.

    With `screen` the photo is letterboxed on a screen of that size, as a
    gallery app shows it; without, the screen is just tall enough for it.
    """
    screen_width = screen[0] if screen else 1080
    photo_h = round(photo.height * screen_width / photo.width)
    status_h = round(screen_width * 0.067)  # 72 px on a 1080 px wide screen
    nav_h = round(screen_width * 0.044)
    screen_height = screen[1] if screen else status_h + photo_h + nav_h
    canvas = Image.new("RGB", (screen_width, screen_height), (16, 16, 16))
    photo_top = status_h + (screen_height - status_h - nav_h - photo_h) // 2
    canvas.paste(photo.resize((screen_width, photo_h), Image.Resampling.BICUBIC), (0, photo_top))
    draw = ImageDraw.Draw(canvas)
    white = (245, 245, 245)
    unit = status_h / 72
    try:
        font = ImageFont.truetype(FONT_PATH, round(30 * unit))
    except OSError:
        font = ImageFont.load_default(size=round(30 * unit))
    draw.text((round(48 * unit), round(18 * unit)), "14:03", font=font, fill=white)
    # Signal bars, then a battery outline with its charge level.
    right = screen_width - round(48 * unit)
    battery_w, battery_h = round(44 * unit), round(22 * unit)
    top = (status_h - battery_h) // 2
    draw.rectangle((right - battery_w, top, right, top + battery_h), outline=white, width=max(1, round(2 * unit)))
    draw.rectangle((right - battery_w + 4, top + 4, right - battery_w // 3, top + battery_h - 4), fill=white)
    x = right - battery_w - round(60 * unit)
    for i in range(4):
        bar_h = round((6 + 5 * i) * unit)
        bar_x = x + i * round(8 * unit)
        draw.rectangle((bar_x, top + battery_h - bar_h, bar_x + round(5 * unit), top + battery_h), fill=white)
    # Gesture handle.
    handle_y = screen_height - nav_h // 2
    half = round(70 * unit)
    centre = screen_width // 2
    draw.rounded_rectangle((centre - half, handle_y - 3, centre + half, handle_y + 3), radius=3, fill=white)
    return png_bytes(canvas)
