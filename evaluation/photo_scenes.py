"""Synthetic field photos for the reuse evaluation: varied scenes, look-alikes and re-shoots.

Real visit photos cannot be committed, so the evaluation draws them. A `Scene` is a place (a street of
shops, a shelf of goods, a shop's interior, a stockroom); a `View` is one exposure of it: where the camera
stood and how it was turned (a perspective, not a crop), what the light was, what stock was on the shelves,
and the sensor noise of that exposure. Two views of one scene are a re-shoot: the same place photographed
again. Scenes of one `chain` share brand, colours, signboards and goods: other shops of the same chain,
the look-alikes that must never count as the same photo.

Everything is seeded: the same scene and view always give the same pixels.
"""

from __future__ import annotations

import colorsys
import random
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
KINDS = ("street", "shelf", "interior", "stock")

BRANDS = ("惠民便利店", "鑫源超市", "福满多", "华联生鲜", "老街烟酒", "天天鲜果", "金牛五金", "阳光药房",
          "顺发粮油", "好运来烟酒店", "家家乐超市", "红星副食", "新概念服饰", "小林面馆", "益丰大药房", "万家福")
GOODS = ("矿泉水", "方便面", "饼干", "酱油", "啤酒", "牛奶", "香烟", "洗衣粉", "大米", "食用油", "可乐", "薯片",
         "纸巾", "牙膏", "茶叶", "白酒", "糖果", "醋", "火腿肠", "面粉")
POSTERS = ("欢迎光临", "扫码支付", "新品上市", "会员特价", "满100减20", "营业时间 8:00-22:00", "禁止吸烟", "诚信经营")

# The drawn world is larger than a photo, so views can move about inside it.
_WORLD = (1.5, 1.4)


@dataclass(frozen=True)
class Scene:
    """A place. Scenes of one chain (same `chain`) share their brand, colours and goods."""

    kind: str
    seed: int
    chain: int | None = None


@dataclass(frozen=True)
class View:
    """One exposure of a scene: camera position and turn, light, the stock that day, sensor noise."""

    x: float = 0.0  # camera moved right, fraction of the photo width
    y: float = 0.0  # camera moved down, fraction of the photo height
    zoom: float = 1.0  # > 1: closer
    yaw: float = 0.0  # degrees, camera turned left/right: one side of the scene nearer than the other
    pitch: float = 0.0  # degrees, camera tilted up/down
    roll: float = 0.0  # degrees, camera not level
    parallax: float = 0.0  # extra shift of what stands in front (people, poles), fraction of the width
    brightness: float = 1.0
    warmth: float = 0.0  # -1 blue .. +1 orange light
    shadow: float = 0.0  # a cast shadow over part of the scene, 0..1
    stock: int = 0  # 0: the stock of the first photo; another number: goods moved, sold, restocked
    noise: int = 0  # sensor noise of this exposure
    blur: float = 0.0  # focus / hand shake, in pixels


def photo(scene: Scene, view: View = View(), size: tuple[int, int] = (1280, 960)) -> Image.Image:
    """An RGB photo of `scene` as `view` saw it."""
    return _photo(scene, view, size).copy()


def reshoot_view(rng: random.Random, strength: float = 1.0) -> View:
    """Another visit: the manager stands about where they stood before, but never exactly; other light,
    other stock, other noise. `strength` scales how far the camera moved."""
    s = strength
    return View(
        x=rng.uniform(-0.08, 0.08) * s, y=rng.uniform(-0.05, 0.05) * s, zoom=rng.uniform(0.92, 1.1),
        yaw=rng.choice((-1, 1)) * rng.uniform(3.0, 8.0) * s, pitch=rng.uniform(-4.0, 4.0) * s,
        roll=rng.uniform(-2.0, 2.0), parallax=rng.uniform(-0.04, 0.04) * s,
        brightness=rng.uniform(0.75, 1.2), warmth=rng.uniform(-0.5, 0.6),
        shadow=rng.choice((0.0, 0.0, rng.uniform(0.3, 0.6))), stock=rng.randint(1, 10_000),
        noise=rng.randint(1, 10_000), blur=rng.choice((0.0, 0.0, 0.6, 1.0)),
    )


@lru_cache(maxsize=8)
def _photo(scene: Scene, view: View, size: tuple[int, int]) -> Image.Image:
    width, height = size
    world_size = (round(width * _WORLD[0]), round(height * _WORLD[1]))
    back, front = _world(scene, view.stock, world_size)
    if view.parallax:
        shifted = Image.new("RGBA", front.size, (0, 0, 0, 0))
        shifted.paste(front, (round(view.parallax * width), 0))
        front = shifted
    world = back.copy()
    world.paste(front, (0, 0), front)
    picture = world.transform(size, Image.Transform.PERSPECTIVE, _perspective(view, size, world_size),
                              Image.Resampling.BICUBIC)
    picture = _light(picture, view)
    if view.blur:
        picture = picture.filter(ImageFilter.GaussianBlur(view.blur))
    return _noise(picture, view.noise)


def _perspective(view: View, size: tuple[int, int], world_size: tuple[int, int]) -> tuple[float, ...]:
    """Coefficients mapping photo pixels to world pixels for a camera moved and turned as `view` says."""
    width, height = size
    cx = world_size[0] / 2 + view.x * width
    cy = world_size[1] / 2 + view.y * height
    half_w, half_h = width / 2 / view.zoom, height / 2 / view.zoom
    # Corners of the seen patch of the world: turning the camera makes the far side larger (keystone).
    yaw, pitch = np.tan(np.radians(view.yaw)), np.tan(np.radians(view.pitch))
    corners = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        grow = 1 + 0.9 * (sx * yaw + sy * pitch)
        corners.append((sx * half_w * (1 + 0.9 * sy * pitch * 0.5) * grow, sy * half_h * (1 + 0.9 * sx * yaw * 0.5) * grow))
    angle = np.radians(view.roll)
    cos, sin = np.cos(angle), np.sin(angle)
    world_pts = [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in corners]
    limit_x, limit_y = world_size
    if not all(0 <= x <= limit_x and 0 <= y <= limit_y for x, y in world_pts):
        raise ValueError(f"{view} leaves the drawn world")
    photo_pts = [(0, 0), (width, 0), (width, height), (0, height)]
    rows = []
    rhs = []
    for (px, py), (wx, wy) in zip(photo_pts, world_pts):
        rows.append([px, py, 1, 0, 0, 0, -wx * px, -wx * py])
        rows.append([0, 0, 0, px, py, 1, -wy * px, -wy * py])
        rhs.extend((wx, wy))
    return tuple(float(v) for v in np.linalg.solve(np.array(rows, float), np.array(rhs, float)))


def _light(picture: Image.Image, view: View) -> Image.Image:
    if view.brightness != 1.0 or view.warmth:
        gains = (view.brightness * (1 + 0.22 * view.warmth), view.brightness * (1 + 0.04 * view.warmth),
                 view.brightness * (1 - 0.28 * view.warmth))
        picture = Image.merge("RGB", [band.point(lambda v, g=g: min(255, round(v * g)))
                                      for band, g in zip(picture.split(), gains)])
    if view.shadow:
        width, height = picture.size
        mask = Image.new("L", picture.size, 0)
        edge = 0.3 + 0.4 * ((view.noise % 97) / 97)
        ImageDraw.Draw(mask).polygon([(0, 0), (width * edge, 0), (width * (edge - 0.25), height), (0, height)],
                                     fill=round(255 * view.shadow))
        mask = mask.filter(ImageFilter.GaussianBlur(width / 60))
        picture = Image.composite(picture.point(lambda v: v * 2 // 5), picture, mask)
    return picture


def _noise(picture: Image.Image, seed: int) -> Image.Image:
    """Sensor noise of one exposure: fine grain that no other exposure shares."""
    rng = np.random.default_rng(seed + 1)
    pixels = np.asarray(picture, dtype=np.int16)
    grain = rng.normal(0.0, 3.5, pixels.shape[:2])[..., None] + rng.normal(0.0, 1.5, pixels.shape)
    return Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8))


# --- drawing the world -------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _world(scene: Scene, stock: int, size: tuple[int, int]) -> tuple[Image.Image, Image.Image]:
    """The scene as two layers: what stays (walls, shelves, goods) and what stands in front (RGBA)."""
    draw_kind = {"street": _street, "shelf": _shelf, "interior": _interior, "stock": _stockroom}[scene.kind]
    back = Image.new("RGB", size)
    front = Image.new("RGBA", size, (0, 0, 0, 0))
    rng = random.Random(f"{scene.kind}:{scene.seed}")
    brand = _Brand.of(scene.chain) if scene.chain is not None else _Brand.of(10_000 + scene.seed, rng)
    goods = _Goods(random.Random(f"goods:{scene.kind}:{scene.seed}:{stock}"), stock != 0)
    draw_kind(back, front, rng, brand, goods)
    grime = _blotches(rng, size, cell=max(6, size[0] // 50), amplitude=10)
    back = ImageChops.add(back, grime, scale=1.0, offset=-128)
    return back.filter(ImageFilter.GaussianBlur(0.7)), front


@dataclass(frozen=True)
class _Brand:
    """What shops of one chain share: name, colours, logo, the look of their goods."""

    name: str
    colour: tuple[int, int, int]
    accent: tuple[int, int, int]
    ink: tuple[int, int, int]
    logo: int
    products: tuple[tuple[tuple[int, int, int], str, int], ...]

    @staticmethod
    def of(key: int, rng: random.Random | None = None) -> _Brand:
        own = random.Random(f"brand:{key}")
        colour = _colour(own, (0.6, 1.0), (0.5, 0.95))
        products = tuple((_colour(own, (0.45, 1.0), (0.35, 1.0)), own.choice(GOODS), own.randint(0, 2))
                         for _ in range(own.randint(10, 18)))
        return _Brand(name=own.choice(BRANDS), colour=colour, accent=_colour(own, (0.5, 1.0), (0.6, 1.0)),
                      ink=(255, 255, 255) if sum(colour) < 420 else (25, 25, 25), logo=own.randint(0, 3),
                      products=products)


class _Goods:
    """Products on shelves. With `changed`, about a third differ: sold, restocked, moved since last time."""

    def __init__(self, rng: random.Random, changed: bool) -> None:
        self.rng = rng
        self.changed = changed

    def pick(self, base: random.Random, brand: _Brand) -> tuple[tuple[int, int, int], str, int]:
        """Colour, label and shape of one item, from the brand's range of products; `base` decides the shelf's
        plan and is always consumed alike, so changed stock leaves the shelves where they were."""
        colour, label, shape = base.choice(brand.products)
        if self.changed and self.rng.random() < 0.35:
            colour = _colour(self.rng, (0.45, 1.0), (0.35, 1.0))
            label = self.rng.choice(GOODS)
            shape = self.rng.randint(0, 2)
        return colour, label, shape


def _street(back: Image.Image, front: Image.Image, rng: random.Random, brand: _Brand, goods: _Goods) -> None:
    width, height = back.size
    draw = ImageDraw.Draw(back)
    sky = _colour(rng, (0.0, 0.4), (0.65, 0.92), hue=(0.5, 0.65))
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(min(255, round(c + 70 * t)) for c in sky))
    ground = round(height * rng.uniform(0.72, 0.8))
    x = -rng.randint(0, width // 10)
    centre_done = False
    while x < width:
        shop_w = round(width * rng.uniform(0.2, 0.34))
        top = round(height * rng.uniform(0.06, 0.3))
        own = not centre_done and x + shop_w > width * 0.4
        shop_brand = brand if own else _Brand.of(rng.randint(0, 1 << 30))
        centre_done = centre_done or own
        _shopfront(draw, rng, shop_brand, goods, (x, top, x + shop_w, ground), chain=own)
        x += shop_w
    pavement = _colour(rng, (0.0, 0.15), (0.35, 0.6))
    draw.rectangle((0, ground, width, height), fill=pavement)
    tile = max(10, width // 30)
    joint = tuple(max(0, c - 28) for c in pavement)
    for tx in range(0, width, tile):
        draw.line([(tx, ground), (tx - (tx - width // 2) // 3, height)], fill=joint, width=2)
    for ty in range(ground, height, tile // 2):
        draw.line([(0, ty), (width, ty)], fill=joint, width=1)
    fdraw = ImageDraw.Draw(front)
    for _ in range(rng.randint(1, 3)):
        px = rng.randint(0, width)
        fdraw.rectangle((px, round(height * 0.25), px + max(4, width // 140), height), fill=(58, 60, 64, 255))
    if rng.random() < 0.7:
        _person(fdraw, rng, width, height)
    if rng.random() < 0.7:
        sx, sy = rng.randint(0, width - width // 12), round(height * rng.uniform(0.86, 0.95))
        body = _colour(rng, (0.5, 1.0), (0.4, 0.9))
        fdraw.rounded_rectangle((sx, sy - height // 14, sx + width // 12, sy), radius=height // 60, fill=body + (255,))
        for wx in (sx + width // 80, sx + width // 12 - width // 80):
            fdraw.ellipse((wx - height // 55, sy - height // 55, wx + height // 55, sy + height // 55), fill=(20, 20, 20, 255))


def _shopfront(draw: ImageDraw.ImageDraw, rng: random.Random, brand: _Brand, goods: _Goods,
               box: tuple[int, int, int, int], *, chain: bool) -> None:
    left, top, right, bottom = box
    w, h = right - left, bottom - top
    facade = _colour(rng, (0.05, 0.4), (0.4, 0.95))
    draw.rectangle(box, fill=facade)
    sign_top = top + round(h * rng.uniform(0.25, 0.42))
    rows, cols = rng.randint(1, 3), rng.randint(2, 4)
    glass = _colour(rng, (0.1, 0.4), (0.15, 0.5))
    for r in range(rows):
        for c in range(cols):
            x0 = left + round(w * (0.08 + c * 0.88 / cols))
            y0 = top + round((sign_top - top) * (0.12 + r * 0.8 / rows))
            x1, y1 = x0 + round(w * 0.88 / cols * 0.62), y0 + round((sign_top - top) * 0.8 / rows * 0.6)
            if y1 > y0 + 2 and x1 > x0 + 2:
                draw.rectangle((x0, y0, x1, y1), fill=glass, outline=(228, 228, 222), width=2)
    sign_h = round(h * rng.uniform(0.13, 0.2))
    _signboard(draw, brand, (left + w // 30, sign_top, right - w // 30, sign_top + sign_h))
    floor_top = sign_top + sign_h
    if chain or rng.random() < 0.5:
        stripe = max(6, w // 12)
        for i, sx in enumerate(range(left, right, stripe)):
            fill = brand.accent if i % 2 == 0 else (240, 240, 235)
            draw.polygon([(sx, floor_top), (sx + stripe, floor_top), (sx + stripe + stripe // 3, floor_top + h // 16),
                          (sx + stripe // 3, floor_top + h // 16)], fill=fill)
        floor_top += h // 16
    door_w = round(w * rng.uniform(0.2, 0.32))
    door_x = left + round((w - door_w) * rng.random())
    draw.rectangle((door_x, floor_top, door_x + door_w, bottom), fill=_colour(rng, (0.0, 0.3), (0.06, 0.25)))
    for win_left, win_right in ((left + w // 20, door_x - w // 30), (door_x + door_w + w // 30, right - w // 20)):
        if win_right - win_left < w // 8:
            continue
        win_top, win_bottom = floor_top + (bottom - floor_top) // 10, bottom - (bottom - floor_top) // 5
        draw.rectangle((win_left, win_top, win_right, win_bottom), fill=_colour(rng, (0.0, 0.2), (0.6, 0.9)))
        _shelf_rows(draw, rng, brand, goods, (win_left, win_top, win_right, win_bottom),
                    rng.randint(2, 3))


def _signboard(draw: ImageDraw.ImageDraw, brand: _Brand, box: tuple[int, int, int, int]) -> None:
    left, top, right, bottom = box
    h = bottom - top
    draw.rectangle(box, fill=brand.colour)
    draw.rectangle((left, bottom - max(2, h // 10), right, bottom), fill=brand.accent)
    logo = (left + h // 5, top + h // 6, left + h // 5 + h * 2 // 3, top + h // 6 + h * 2 // 3)
    if brand.logo == 0:
        draw.ellipse(logo, fill=brand.accent)
    elif brand.logo == 1:
        draw.rectangle(logo, fill=brand.accent)
    elif brand.logo == 2:
        draw.polygon([(logo[0], logo[3]), ((logo[0] + logo[2]) // 2, logo[1]), (logo[2], logo[3])], fill=brand.accent)
    else:
        draw.ellipse(logo, outline=brand.accent, width=max(2, h // 12))
    _text(draw, (logo[2] + h // 4, top + h // 5), brand.name, round(h * 0.55), brand.ink, right - h // 5)


def _shelf_rows(draw: ImageDraw.ImageDraw, rng: random.Random, brand: _Brand, goods: _Goods,
                box: tuple[int, int, int, int], rows: int) -> None:
    """Shelves with goods: boxes, bottles and bags, each with a label."""
    left, top, right, bottom = box
    row_h = (bottom - top) / rows
    for r in range(rows):
        base_y = round(top + row_h * (r + 1))
        draw.rectangle((left, base_y - max(3, round(row_h * 0.06)), right, base_y), fill=(118, 92, 64))
        x = left + 3
        while x < right - 8:
            item_w = rng.randint(max(6, round(row_h * 0.22)), max(8, round(row_h * 0.6)))
            item_h = rng.randint(round(row_h * 0.45), max(round(row_h * 0.45) + 1, round(row_h * 0.85)))
            colour, label, shape = goods.pick(rng, brand)
            x1 = min(right - 2, x + item_w)
            y0 = base_y - max(3, round(row_h * 0.06)) - item_h
            y1 = base_y - max(3, round(row_h * 0.06))
            if shape == 0:
                draw.rectangle((x, y0, x1, y1), fill=colour, outline=tuple(max(0, c - 60) for c in colour))
            elif shape == 1:
                neck = max(2, (x1 - x) // 4)
                draw.rounded_rectangle((x, y0 + item_h // 4, x1, y1), radius=max(1, (x1 - x) // 4), fill=colour)
                draw.rectangle(((x + x1) // 2 - neck // 2, y0, (x + x1) // 2 + neck // 2, y0 + item_h // 4), fill=colour)
                draw.rectangle(((x + x1) // 2 - neck // 2, y0, (x + x1) // 2 + neck // 2, y0 + max(2, item_h // 12)),
                               fill=(240, 240, 240))
            else:
                draw.rounded_rectangle((x, y0 + item_h // 6, x1, y1), radius=max(2, (x1 - x) // 3), fill=colour)
            band_y = y0 + item_h // 2
            draw.rectangle((x + 1, band_y, x1 - 1, band_y + max(2, item_h // 6)), fill=(250, 250, 245))
            if x1 - x > 18 and item_h > 24:
                _text(draw, (x + 2, band_y), label, max(6, item_h // 7), (20, 20, 20), x1 - 1)
            x = x1 + rng.randint(1, max(2, item_w // 4))
        # Price tags on the shelf edge.
        for tx in range(left + rng.randint(4, 30), right - 20, max(30, round(row_h * 0.9))):
            draw.rectangle((tx, base_y - max(3, round(row_h * 0.06)), tx + max(12, round(row_h * 0.25)), base_y),
                           fill=(255, 230, 60))


def _shelf(back: Image.Image, front: Image.Image, rng: random.Random, brand: _Brand, goods: _Goods) -> None:
    """A close-up of a supermarket shelf unit (an inventory photo)."""
    width, height = back.size
    draw = ImageDraw.Draw(back)
    draw.rectangle((0, 0, width, height), fill=_colour(rng, (0.0, 0.15), (0.75, 0.95)))
    units = rng.randint(2, 3)
    unit_w = width / units
    for u in range(units):
        left, right = round(u * unit_w) + 6, round((u + 1) * unit_w) - 6
        draw.rectangle((left, 0, right, height), fill=(205, 205, 200), outline=(120, 120, 118), width=4)
        draw.rectangle((left, 0, right, round(height * 0.08)), fill=brand.colour)
        _text(draw, (left + 12, round(height * 0.012)), brand.name if u == 0 else rng.choice(POSTERS),
              round(height * 0.05), brand.ink, right - 10)
        _shelf_rows(draw, rng, brand, goods, (left + 8, round(height * 0.09), right - 8, height - 10), rng.randint(4, 6))
    fdraw = ImageDraw.Draw(front)
    if rng.random() < 0.5:  # a shopping basket or a hand-written sign hanging in front
        x, y = rng.randint(0, width - width // 6), rng.randint(height // 3, height - height // 5)
        fdraw.rectangle((x, y, x + width // 7, y + height // 10), fill=(250, 250, 240, 255), outline=(30, 30, 30, 255), width=3)
        _text(fdraw, (x + 8, y + 8), rng.choice(POSTERS), height // 28, (200, 20, 20), x + width // 7 - 4)


def _interior(back: Image.Image, front: Image.Image, rng: random.Random, brand: _Brand, goods: _Goods) -> None:
    """Inside a small shop: tiled floor, a counter, posters on the wall, a drinks fridge, shelves."""
    width, height = back.size
    draw = ImageDraw.Draw(back)
    wall = _colour(rng, (0.0, 0.25), (0.7, 0.95))
    floor_y = round(height * rng.uniform(0.62, 0.72))
    draw.rectangle((0, 0, width, floor_y), fill=wall)
    tile_a, tile_b = _colour(rng, (0.0, 0.1), (0.7, 0.9)), _colour(rng, (0.0, 0.2), (0.4, 0.6))
    rows = 8
    for r in range(rows):
        y0 = floor_y + (height - floor_y) * (r / rows) ** 1.3
        y1 = floor_y + (height - floor_y) * ((r + 1) / rows) ** 1.3
        count = 10 + r * 2
        for c in range(count):
            x0, x1 = width * c / count, width * (c + 1) / count
            draw.rectangle((x0, y0, x1, y1), fill=tile_a if (r + c) % 2 else tile_b)
    x = rng.randint(10, width // 10)
    while x < width - width // 8:
        what = rng.random()
        w = round(width * rng.uniform(0.12, 0.24))
        if what < 0.35:  # shelves against the wall
            _shelf_rows(draw, rng, brand, goods, (x, round(height * 0.12), x + w, floor_y), rng.randint(3, 5))
        elif what < 0.55:  # a drinks fridge
            draw.rectangle((x, round(height * 0.1), x + w, floor_y + 10), fill=brand.colour, outline=(40, 40, 40), width=3)
            draw.rectangle((x + 8, round(height * 0.18), x + w - 8, floor_y - 10), fill=(200, 225, 235))
            _shelf_rows(draw, rng, brand, goods, (x + 10, round(height * 0.2), x + w - 10, floor_y - 12), 4)
            _text(draw, (x + 10, round(height * 0.11)), brand.name, round(height * 0.04), brand.ink, x + w - 6)
        else:  # posters
            for _ in range(rng.randint(1, 3)):
                py = round(height * rng.uniform(0.08, 0.35))
                ph = round(height * rng.uniform(0.1, 0.2))
                paper = _colour(rng, (0.2, 0.9), (0.7, 1.0))
                draw.rectangle((x, py, x + w, py + ph), fill=paper, outline=(60, 60, 60), width=2)
                _text(draw, (x + 6, py + 6), rng.choice(POSTERS), max(10, ph // 3), (30, 30, 30), x + w - 4)
        x += w + rng.randint(10, width // 14)
    counter_top = round(height * rng.uniform(0.5, 0.6))
    cx = rng.randint(0, width // 2)
    fdraw = ImageDraw.Draw(front)
    fdraw.rectangle((cx, counter_top, cx + width // 2, height), fill=brand.accent + (255,), outline=(40, 40, 40, 255), width=4)
    fdraw.rectangle((cx, counter_top, cx + width // 2, counter_top + height // 40), fill=(70, 50, 35, 255))
    fdraw.rectangle((cx + width // 10, counter_top - height // 12, cx + width // 10 + width // 14, counter_top),
                    fill=(30, 30, 30, 255))  # the till
    fdraw.rectangle((cx + width // 4, counter_top - height // 10, cx + width // 4 + width // 22, counter_top),
                    fill=(245, 245, 245, 255), outline=(0, 0, 0, 255))  # the QR payment stand
    for qy in range(4):
        for qx in range(4):
            if (qx * 7 + qy * 3 + cx) % 3:
                s = max(2, width // 300)
                ox, oy = cx + width // 4 + 6 + qx * s * 2, counter_top - height // 10 + 8 + qy * s * 2
                fdraw.rectangle((ox, oy, ox + s, oy + s), fill=(0, 0, 0, 255))


def _stockroom(back: Image.Image, front: Image.Image, rng: random.Random, brand: _Brand, goods: _Goods) -> None:
    """A stockroom: cartons stacked on pallets, printed with brands and marks."""
    width, height = back.size
    draw = ImageDraw.Draw(back)
    draw.rectangle((0, 0, width, height), fill=_colour(rng, (0.0, 0.1), (0.45, 0.7)))
    floor_y = round(height * 0.82)
    draw.rectangle((0, floor_y, width, height), fill=_colour(rng, (0.0, 0.1), (0.3, 0.5)))
    x = rng.randint(0, width // 20)
    while x < width - 40:
        stack_w = rng.randint(width // 9, width // 5)
        draw.rectangle((x, floor_y - height // 40, x + stack_w, floor_y), fill=(150, 110, 70))
        y = floor_y - height // 40
        for _ in range(rng.randint(3, 7)):
            box_h = rng.randint(height // 14, height // 7)
            colour, label, _shape = goods.pick(rng, brand)
            carton = tuple(round(0.55 * c + 0.45 * k) for c, k in zip(colour, (190, 150, 100)))
            draw.rectangle((x, y - box_h, x + stack_w, y), fill=carton, outline=(80, 60, 40), width=2)
            draw.line([(x, y - box_h // 2), (x + stack_w, y - box_h // 2)], fill=(200, 180, 140), width=3)
            _text(draw, (x + 6, y - box_h + 4), label, max(9, box_h // 3), (40, 30, 20), x + stack_w - 4)
            y -= box_h
            if y < height * 0.1:
                break
        x += stack_w + rng.randint(4, width // 25)
    if rng.random() < 0.6:
        _person(ImageDraw.Draw(front), rng, width, height)


def _person(draw: ImageDraw.ImageDraw, rng: random.Random, width: int, height: int) -> None:
    body_h = height * rng.uniform(0.45, 0.65)
    centre, feet = width * rng.uniform(0.15, 0.85), height * rng.uniform(0.9, 0.99)
    head = body_h * 0.075
    shoulders = body_h * 0.13
    shirt = _colour(rng, (0.4, 0.9), (0.3, 0.9)) + (255,)
    top = feet - body_h
    draw.ellipse((centre - head, top, centre + head, top + 2 * head), fill=(224, 180, 140, 255))
    draw.ellipse((centre - head, top - head * 0.2, centre + head, top + head * 0.9), fill=(30, 25, 20, 255))
    draw.rounded_rectangle((centre - shoulders, top + 2.1 * head, centre + shoulders, top + body_h * 0.55),
                           radius=head * 0.6, fill=shirt)
    draw.rectangle((centre - shoulders * 0.9, top + body_h * 0.55, centre + shoulders * 0.9, feet), fill=(40, 40, 60, 255))


def _text(draw: ImageDraw.ImageDraw, at: tuple[int, int], text: str, size: int, fill: tuple[int, int, int],
          right: int) -> None:
    font = _font(max(6, size))
    while text and at[0] + font.getlength(text) > right:
        text = text[:-1]
    if text:
        draw.text(at, text, font=font, fill=fill)


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(FONT_PATH, size)
    except OSError:
        return ImageFont.load_default(size=size)


def _colour(rng: random.Random, saturation: tuple[float, float], value: tuple[float, float],
            hue: tuple[float, float] = (0.0, 1.0)) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(rng.uniform(*hue), rng.uniform(*saturation), rng.uniform(*value))
    return round(r * 255), round(g * 255), round(b * 255)


def _blotches(rng: random.Random, size: tuple[int, int], cell: int, amplitude: int) -> Image.Image:
    width, height = size
    coarse_size = (width // cell + 2, height // cell + 2)
    coarse = Image.frombytes("L", coarse_size, rng.randbytes(coarse_size[0] * coarse_size[1]))
    coarse = coarse.point(lambda v: 128 - amplitude + v * 2 * amplitude // 255)
    smooth = coarse.resize((coarse_size[0] * cell, coarse_size[1] * cell), Image.Resampling.BICUBIC)
    return Image.merge("RGB", [smooth.crop((0, 0, width, height))] * 3)


def same_chain(scene: Scene, seed: int) -> Scene:
    """Another shop (or shelf, or interior) of the same chain: shared brand, different place."""
    return replace(scene, seed=seed)
