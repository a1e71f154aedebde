"""Deterministic demo merchants on real Hangzhou streets for the 杭州分行 demo.

Longer than 400 lines because most of it is data (street waypoints, industries, name parts) with the few
functions that place shops along it; split, one catalogue would be read in several files.

Why a generator rather than a fixture file: the demo must look like a real
customer book (shops strung along real streets, a believable industry mix per
商圈, house numbers that grow along the street) while staying reproducible, so
screenshots, tests and the sweep-day demo always see the same 320 merchants.
Everything is derived from one ``random.Random(seed)``; never call the global
``random`` module here.

All coordinates are WGS-84 (what the app stores), *not* GCJ-02: street
waypoints below were written in WGS-84, and points are placed on the polyline
between them with a small sideways offset so shops sit beside the road rather
than in the middle of it.  The waypoints are approximate (tens of metres), which
is plenty for a demo but must not be used as a reference map.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

__all__ = [
    "BRANCH_NAME",
    "DISTRICTS",
    "INDUSTRIES",
    "STATUSES",
    "STREETS",
    "SUB_BRANCHES",
    "DemoMerchant",
    "Street",
    "demo_merchants",
]

BRANCH_NAME = "杭州分行"
SUB_BRANCHES: dict[str, str] = {"A1": "武林支行", "A2": "四季青支行"}
# Same values and order as webapp.models.MERCHANT_STATUSES; duplicated so this
# module stays importable without Flask/SQLAlchemy.
STATUSES: tuple[str, ...] = ("prospect", "applicant", "customer", "borrower")
# Share of each status in every sub-branch: most of a manager's book is still prospects.
_STATUS_SHARE: dict[str, float] = {"prospect": 0.55, "applicant": 0.10, "customer": 0.20, "borrower": 0.15}
# About 4 % have no registered location so the UI's "未登记位置" path is exercised.
_UNLOCATED_SHARE = 0.04
# Sideways offset from the street centre line, metres; kept under 25 m as promised to callers.
_SIDE_OFFSET_M = (6.0, 22.0)
_M_PER_DEG_LAT = 111_320.0

INDUSTRIES: tuple[str, ...] = (
    "餐饮",
    "服装批发",
    "服装零售",
    "五金建材",
    "便利超市",
    "水果生鲜",
    "汽修",
    "美容美发",
    "电子数码",
    "茶叶",
    "小商品",
    "家居家具",
    "印刷广告",
    "物流快递",
    "药店",
    "教育培训",
)

# Business areas (片区/商圈) per sub-branch with how many demo merchants each gets.
# Fixed quotas (not random draws) guarantee every sweep-day area holds 20-50 shops.
_AREA_QUOTAS: dict[str, tuple[tuple[str, int], ...]] = {
    "A1": (
        ("武林商圈", 50),
        ("湖墅南路沿线", 35),
        ("文三路电子街", 40),
        ("黄龙商圈", 20),
        ("湖滨商圈", 30),
        ("清河坊", 25),
    ),
    "A2": (
        ("四季青服装市场", 50),
        ("采荷新塘片区", 25),
        ("城站清泰片区", 20),
        ("钱江新城", 25),
    ),
}
DISTRICTS: dict[str, tuple[str, ...]] = {
    code: tuple(area for area, _ in quotas) for code, quotas in _AREA_QUOTAS.items()
}


@dataclass(frozen=True)
class Street:
    """A stretch of a real street: where it runs, how it is numbered and which 商圈 it feeds."""

    name: str
    admin_district: str  # 行政区 as of the 2021 redistricting (下城→拱墅, 江干→上城)
    area: str  # business area (DemoMerchant.district)
    sub_branch: str
    waypoints: tuple[tuple[float, float], ...]  # (lat, lon) WGS-84, in house-number order
    numbers: tuple[int, int]  # house numbers at the first and last waypoint
    weight: float = 1.0  # share of the area's merchants relative to its other streets
    industry_boost: tuple[tuple[str, float], ...] = ()


# Waypoints are from general knowledge of the city, accurate to a few tens of metres.
STREETS: tuple[Street, ...] = (
    # --- A1 武林支行 -----------------------------------------------------------
    Street("延安路", "拱墅区", "武林商圈", "A1",
           ((30.2620, 120.1638), (30.2740, 120.1632), (30.2810, 120.1630)), (300, 620), 1.4,
           (("服装零售", 3.0), ("餐饮", 1.5), ("汽修", 0.0), ("五金建材", 0.3))),
    Street("武林路", "拱墅区", "武林商圈", "A1",
           ((30.2655, 120.1598), (30.2700, 120.1597), (30.2740, 120.1595)), (1, 260), 1.3,
           (("服装零售", 6.0), ("美容美发", 2.0), ("汽修", 0.0))),
    Street("凤起路", "拱墅区", "武林商圈", "A1",
           ((30.2663, 120.1560), (30.2664, 120.1640), (30.2666, 120.1720)), (1, 380), 0.9),
    Street("体育场路", "拱墅区", "武林商圈", "A1",
           ((30.2712, 120.1565), (30.2715, 120.1650), (30.2717, 120.1750)), (1, 420), 0.9,
           (("印刷广告", 2.0),)),
    Street("中山北路", "拱墅区", "武林商圈", "A1",
           ((30.2660, 120.1690), (30.2740, 120.1680), (30.2810, 120.1670)), (1, 640), 0.8),
    Street("湖墅南路", "拱墅区", "湖墅南路沿线", "A1",
           ((30.2815, 120.1605), (30.2910, 120.1555), (30.2990, 120.1510)), (1, 520), 1.5,
           (("五金建材", 3.0), ("汽修", 2.5), ("家居家具", 2.0))),
    Street("莫干山路", "拱墅区", "湖墅南路沿线", "A1",
           ((30.2815, 120.1560), (30.2950, 120.1500), (30.3050, 120.1455)), (1, 700), 1.0,
           (("汽修", 2.0), ("物流快递", 2.0))),
    Street("文三路", "西湖区", "文三路电子街", "A1",
           ((30.2770, 120.1470), (30.2778, 120.1350), (30.2785, 120.1240)), (1, 560), 1.6,
           (("电子数码", 16.0), ("印刷广告", 2.5))),
    Street("教工路", "西湖区", "文三路电子街", "A1",
           ((30.2715, 120.1440), (30.2800, 120.1442), (30.2890, 120.1445)), (1, 320), 1.0,
           (("电子数码", 6.0), ("教育培训", 2.0))),
    Street("学院路", "西湖区", "文三路电子街", "A1",
           ((30.2720, 120.1345), (30.2810, 120.1342), (30.2900, 120.1340)), (1, 300), 0.8,
           (("教育培训", 4.0), ("印刷广告", 2.0))),
    Street("天目山路", "西湖区", "黄龙商圈", "A1",
           ((30.2690, 120.1500), (30.2712, 120.1350), (30.2740, 120.1200)), (1, 380), 1.5,
           (("餐饮", 1.5), ("药店", 1.5))),
    Street("曙光路", "西湖区", "黄龙商圈", "A1",
           ((30.2600, 120.1500), (30.2650, 120.1470), (30.2700, 120.1440)), (1, 180), 0.8,
           (("茶叶", 2.0), ("餐饮", 1.5))),
    Street("延安路", "上城区", "湖滨商圈", "A1",
           ((30.2445, 120.1648), (30.2530, 120.1643), (30.2620, 120.1638)), (1, 299), 1.3,
           (("服装零售", 2.5), ("餐饮", 1.5), ("汽修", 0.0), ("五金建材", 0.3))),
    Street("庆春路", "上城区", "湖滨商圈", "A1",
           ((30.2622, 120.1618), (30.2620, 120.1685), (30.2618, 120.1750)), (1, 240), 1.0),
    Street("解放路", "上城区", "湖滨商圈", "A1",
           ((30.2565, 120.1610), (30.2562, 120.1675), (30.2560, 120.1740)), (1, 260), 1.0,
           (("药店", 2.0),)),
    Street("河坊街", "上城区", "清河坊", "A1",
           ((30.2440, 120.1625), (30.2435, 120.1670), (30.2430, 120.1710)), (1, 250), 1.5,
           (("茶叶", 10.0), ("小商品", 10.0), ("餐饮", 2.0), ("汽修", 0.0), ("五金建材", 0.2))),
    Street("中山中路", "上城区", "清河坊", "A1",
           ((30.2430, 120.1700), (30.2495, 120.1699), (30.2560, 120.1698)), (1, 360), 1.0,
           (("茶叶", 4.0), ("小商品", 4.0), ("餐饮", 2.0), ("汽修", 0.0))),
    Street("南山路", "上城区", "清河坊", "A1",
           ((30.2515, 120.1590), (30.2420, 120.1575), (30.2330, 120.1500)), (1, 280), 0.7,
           (("餐饮", 2.5), ("茶叶", 2.0), ("教育培训", 1.5), ("汽修", 0.0), ("五金建材", 0.2))),
    # --- A2 四季青支行 ---------------------------------------------------------
    Street("杭海路", "上城区", "四季青服装市场", "A2",
           ((30.2655, 120.1955), (30.2675, 120.2010), (30.2700, 120.2080)), (1, 320), 1.6,
           (("服装批发", 90.0), ("物流快递", 3.0))),
    Street("景昙路", "上城区", "四季青服装市场", "A2",
           ((30.2620, 120.2000), (30.2660, 120.2005), (30.2700, 120.2010)), (1, 120), 1.0,
           (("服装批发", 70.0), ("物流快递", 3.0), ("餐饮", 1.5))),
    Street("秋涛路", "上城区", "四季青服装市场", "A2",
           ((30.2560, 120.1935), (30.2640, 120.1943), (30.2720, 120.1950)), (180, 400), 1.2,
           (("服装批发", 50.0), ("物流快递", 2.0))),
    Street("新塘路", "上城区", "采荷新塘片区", "A2",
           ((30.2540, 120.2045), (30.2680, 120.2060), (30.2800, 120.2075)), (1, 260), 1.3,
           (("五金建材", 2.0), ("便利超市", 1.5))),
    Street("庆春东路", "上城区", "采荷新塘片区", "A2",
           ((30.2612, 120.1880), (30.2610, 120.2000), (30.2605, 120.2120)), (1, 180), 1.0,
           (("便利超市", 1.5), ("教育培训", 1.5))),
    Street("清泰街", "上城区", "城站清泰片区", "A2",
           ((30.2480, 120.1720), (30.2465, 120.1780), (30.2450, 120.1830)), (300, 560), 1.2,
           (("便利超市", 2.0), ("餐饮", 2.0), ("小商品", 1.5))),
    Street("环城东路", "上城区", "城站清泰片区", "A2",
           ((30.2445, 120.1855), (30.2560, 120.1865), (30.2680, 120.1870)), (1, 200), 0.9,
           (("物流快递", 2.0), ("汽修", 1.5))),
    Street("钱江路", "上城区", "钱江新城", "A2",
           ((30.2330, 120.1920), (30.2480, 120.2080), (30.2580, 120.2180)), (1, 700), 1.3,
           (("餐饮", 1.5), ("印刷广告", 1.5), ("教育培训", 1.5))),
    Street("富春路", "上城区", "钱江新城", "A2",
           ((30.2390, 120.2020), (30.2445, 120.2085), (30.2500, 120.2150)), (1, 300), 1.0,
           (("餐饮", 1.5), ("美容美发", 1.5))),
)

# Baseline industry mix for a street of small shops; streets boost their specialities on top.
_BASE_INDUSTRY_WEIGHT: dict[str, float] = {
    "餐饮": 5.0,
    "服装批发": 0.3,
    "服装零售": 1.0,
    "五金建材": 1.2,
    "便利超市": 2.5,
    "水果生鲜": 2.0,
    "汽修": 0.6,
    "美容美发": 2.0,
    "电子数码": 1.0,
    "茶叶": 0.8,
    "小商品": 1.2,
    "家居家具": 0.7,
    "印刷广告": 0.8,
    "物流快递": 0.8,
    "药店": 1.0,
    "教育培训": 1.0,
}

# The typical ending of a shop sign per industry.
_SUFFIXES: dict[str, tuple[str, ...]] = {
    "餐饮": ("面馆", "小吃", "馄饨店", "快餐", "饭店", "土菜馆", "烧烤", "片儿川", "小笼包", "包子铺", "酒家"),
    "服装批发": ("服饰", "服装批发", "制衣", "女装批发", "童装批发", "批发部", "服装商行"),
    "服装零售": ("服饰", "女装", "时装店", "男装", "鞋服店", "精品女装"),
    "五金建材": ("五金", "建材", "五金店", "水电五金", "装饰材料", "五金机电", "建材商行"),
    "便利超市": ("超市", "便利店", "百货", "副食品店", "便民超市"),
    "水果生鲜": ("水果", "水果店", "生鲜", "果业", "蔬果行"),
    "汽修": ("汽修", "汽车维修", "汽配", "轮胎店", "洗车行", "汽车美容"),
    "美容美发": ("发廊", "美发", "美甲", "美容院", "造型", "理发店"),
    "电子数码": ("数码", "手机维修", "电脑", "电子", "通讯", "数码配件"),
    "茶叶": ("茶庄", "茶行", "茶叶店", "龙井茶庄", "茶社"),
    "小商品": ("小商品", "日杂店", "饰品", "精品店", "文具店", "工艺品"),
    "家居家具": ("家具城", "家居", "布艺", "灯饰", "家具店", "窗帘"),
    "印刷广告": ("图文", "广告", "印务", "打印店", "标识", "图文快印"),
    "物流快递": ("快递站", "物流", "货运部", "速运", "快递代办点"),
    "药店": ("大药房", "药店", "医药", "药房"),
    "教育培训": ("培训中心", "教育", "书画院", "艺术培训", "琴行", "学堂"),
}

# Generic auspicious shop-name words; chosen to avoid well-known chains and brands.
_LUCKY_WORDS: tuple[str, ...] = (
    "鑫源", "恒达", "金鼎", "华盛", "永兴", "宏发", "聚福", "隆丰", "瑞祥", "合顺",
    "万家", "佳美", "嘉禾", "广源", "兴旺", "益民", "同心", "福满", "金诚", "宏达",
    "天成", "永盛", "利民", "百福", "和美", "盛达", "鸿运", "富达", "金辉", "荣华",
    "顺达", "汇通", "鼎盛", "祥和", "旺福", "新丰", "德兴", "长青", "明珠", "春晖",
)
# Extra words that read naturally only for some trades.
_TRADE_WORDS: dict[str, tuple[str, ...]] = {
    "茶叶": ("狮峰", "梅坞", "茗香", "清韵", "翁家山", "云栖"),
    "药店": ("康宁", "益康", "惠民", "济民", "安康", "仁心"),
    "教育培训": ("启航", "育才", "博学", "新起点", "阳光", "智慧树"),
    "电子数码": ("飞扬", "极速", "讯达", "金码", "创新", "云联"),
    "美容美发": ("丽人", "靓点", "美颜", "时尚", "剪艺", "秀丝"),
    "水果生鲜": ("鲜果", "果园", "四季鲜", "好鲜", "甜心"),
}
# Short place words a shop might name itself after, by business area.
_PLACE_WORDS: dict[str, tuple[str, ...]] = {
    "武林商圈": ("武林", "凤起", "天水"),
    "湖墅南路沿线": ("湖墅", "运河", "大关", "信义"),
    "文三路电子街": ("文三", "西溪", "翠苑"),
    "黄龙商圈": ("黄龙", "宝石", "曙光"),
    "湖滨商圈": ("湖滨", "西湖", "涌金"),
    "清河坊": ("河坊", "吴山", "鼓楼", "南宋"),
    "四季青服装市场": ("四季", "钱塘", "江干"),
    "采荷新塘片区": ("采荷", "新塘", "景芳"),
    "城站清泰片区": ("城站", "清泰", "望江"),
    "钱江新城": ("钱江", "之江", "江滨"),
}
# Substrings that would make a demo shop look like a famous real business.
BLOCKED_NAME_PARTS: tuple[str, ...] = (
    "王星记", "张小泉", "知味观", "胡庆余堂", "方回春堂", "同仁堂", "楼外楼", "天外天",
    "奎元馆", "外婆家", "老娘舅", "顺丰", "菜鸟", "联华", "华润", "大润发", "老百姓",
    "周大福", "老凤祥", "娃哈哈", "万事利",
)

# Common surnames in Zhejiang, rough frequency order (earlier = more likely).
_SURNAMES: tuple[str, ...] = (
    "王", "陈", "张", "李", "周", "吴", "徐", "朱", "沈", "杨", "黄", "刘", "方", "俞",
    "钱", "金", "孙", "胡", "何", "郑", "赵", "许", "章", "叶", "汪", "蒋", "潘", "楼",
    "应", "姚", "邵", "倪", "童", "施", "吕", "林", "毛", "余", "屠", "丁",
)
_GIVEN_NAMES: tuple[str, ...] = (
    "建国", "建华", "国强", "伟", "强", "军", "海峰", "志明", "文斌", "永强", "德明", "国平",
    "金龙", "卫东", "建平", "晓东", "立新", "振华", "杰", "斌", "浩", "磊", "鹏", "俊",
    "国良", "根生", "丽", "芳", "秀英", "雪梅", "晓燕", "红霞", "美华", "婷", "静", "佳怡",
    "海燕", "丽萍", "玉兰", "桂芳", "慧", "敏", "燕", "琴", "素珍", "彩霞", "亚萍", "晓丽",
)
# Mobile prefixes of the three big carriers (13x/15x/17x/18x/19x).
_PHONE_PREFIXES: tuple[str, ...] = (
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "157",
    "158", "159", "173", "176", "177", "180", "181", "183", "186", "187", "188", "189",
    "191", "198", "199",
)
# The demo staff accounts use 1390571xxxx (see webapp/demo/seed.py); keep merchants clear of it.
_RESERVED_PHONE_PREFIX = "1390571"


@dataclass(frozen=True)
class DemoMerchant:
    """One demo merchant as the seed feeds it to the merchant write path."""

    code: str
    name: str
    industry: str
    address: str
    district: str
    contact_name: str
    phone: str
    lat: float | None
    lon: float | None
    status: str
    sub_branch: str


# ---------------------------------------------------------------------------
# geometry


def _leg_metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance; exact enough over a few kilometres."""
    mid_lat = math.radians((a[0] + b[0]) / 2)
    dy = (b[0] - a[0]) * _M_PER_DEG_LAT
    dx = (b[1] - a[1]) * _M_PER_DEG_LAT * math.cos(mid_lat)
    return math.hypot(dx, dy)


def _street_length(street: Street) -> float:
    pts = street.waypoints
    return sum(_leg_metres(pts[i], pts[i + 1]) for i in range(len(pts) - 1))


def _point_along(street: Street, fraction: float, side: int, offset_m: float) -> tuple[float, float]:
    """The point at `fraction` of the street length, pushed `offset_m` to the left (+1) or right (-1)."""
    pts = street.waypoints
    target = fraction * _street_length(street)
    for i in range(len(pts) - 1):
        a, b = pts[i], pts[i + 1]
        leg = _leg_metres(a, b)
        if target <= leg or i == len(pts) - 2:
            t = min(max(target / leg, 0.0), 1.0) if leg else 0.0
            lat = a[0] + (b[0] - a[0]) * t
            lon = a[1] + (b[1] - a[1]) * t
            cos_lat = math.cos(math.radians(lat))
            # Unit direction of the leg in metres (east, north); its left normal is (-north, east).
            east = (b[1] - a[1]) * _M_PER_DEG_LAT * cos_lat
            north = (b[0] - a[0]) * _M_PER_DEG_LAT
            norm = math.hypot(east, north) or 1.0
            nx, ny = -north / norm, east / norm
            lat += side * offset_m * ny / _M_PER_DEG_LAT
            lon += side * offset_m * nx / (_M_PER_DEG_LAT * cos_lat)
            return round(lat, 6), round(lon, 6)
        target -= leg
    raise AssertionError("unreachable: a street has at least two waypoints")


# ---------------------------------------------------------------------------
# allocation helpers


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` with integer parts that add up exactly."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _status_pool(count: int, rng: random.Random) -> list[str]:
    """Exactly the promised status mix for `count` merchants, in shuffled order."""
    sizes = _largest_remainder(count, [_STATUS_SHARE[s] for s in STATUSES])
    pool = [status for status, size in zip(STATUSES, sizes) for _ in range(size)]
    rng.shuffle(pool)
    return pool


def _industries_for(street: Street, count: int, rng: random.Random) -> list[str]:
    """`count` industries in the street's mix, shuffled along it.

    Systematic sampling (evenly spaced picks on the cumulative weights, random
    start) rather than independent draws: with only 10-30 shops per street,
    independent draws too often gave a tea street three garages and no tea.
    """
    if count == 0:
        return []
    boost = dict(street.industry_boost)
    weights = [_BASE_INDUSTRY_WEIGHT[ind] * boost.get(ind, 1.0) for ind in INDUSTRIES]
    step = sum(weights) / count
    picks: list[str] = []
    position = rng.uniform(0, step)
    cumulative = 0.0
    for industry, weight in zip(INDUSTRIES, weights):
        cumulative += weight
        while position < cumulative and len(picks) < count:
            picks.append(industry)
            position += step
    picks.extend(INDUSTRIES[0] for _ in range(count - len(picks)))  # float rounding guard
    rng.shuffle(picks)
    return picks


def _surname(rng: random.Random) -> str:
    # Earlier surnames are more common: weight falls off gently with rank.
    weights = [1.0 / (1 + 0.12 * i) for i in range(len(_SURNAMES))]
    return rng.choices(_SURNAMES, weights=weights)[0]


def _shop_name(industry: str, surname: str, area: str, rng: random.Random) -> str:
    """A plausible sign: 老王面馆, 周记五金, 鑫源服装批发, 小李水果店, 湖墅宏发建材."""
    suffix = rng.choice(_SUFFIXES[industry])
    words = _LUCKY_WORDS + _TRADE_WORDS.get(industry, ())
    pattern = rng.choices(("old", "ji", "little", "lucky", "place_lucky"), weights=(3, 3, 2, 4, 2))[0]
    if pattern == "old":
        return f"老{surname}{suffix}"
    if pattern == "ji":
        return f"{surname}记{suffix}"
    if pattern == "little":
        return f"小{surname}{suffix}"
    if pattern == "lucky":
        return f"{rng.choice(words)}{suffix}"
    return f"{rng.choice(_PLACE_WORDS[area])}{rng.choice(words)}{suffix}"


def _acceptable_name(name: str, taken: set[str]) -> bool:
    return name not in taken and not any(part in name for part in BLOCKED_NAME_PARTS)


def _unique_shop_name(industry: str, surname: str, area: str, taken: set[str], rng: random.Random) -> str:
    """Retry until the name is new in the sub-branch; fall back to a branch-style 'XX店' tag."""
    for _ in range(40):
        name = _shop_name(industry, surname, area, rng)
        if _acceptable_name(name, taken):
            return name
    for place in _PLACE_WORDS[area]:
        name = f"{_shop_name(industry, surname, area, rng)}({place}店)"
        if _acceptable_name(name, taken):
            return name
    raise RuntimeError(f"cannot find a free shop name for {industry} in {area}")


def _looks_special(tail: str) -> bool:
    """Reject vanity-looking numbers (8888, 1234...) so no demo phone resembles a hotline."""
    for i in range(len(tail) - 3):
        chunk = tail[i : i + 4]
        if len(set(chunk)) == 1:
            return True
        steps = {int(chunk[j + 1]) - int(chunk[j]) for j in range(3)}
        if steps in ({1}, {-1}):
            return True
    return tail[:4] == tail[4:]


def _phone(taken: set[str], rng: random.Random) -> str:
    while True:
        tail = "".join(str(rng.randrange(10)) for _ in range(8))
        phone = rng.choice(_PHONE_PREFIXES) + tail
        if _looks_special(tail) or phone.startswith(_RESERVED_PHONE_PREFIX) or phone in taken:
            continue
        taken.add(phone)
        return phone


def _house_number(street: Street, fraction: float, side: int, used: set[int]) -> int:
    """Odd numbers on one side, even on the other, growing along the street and never reused."""
    first, last = street.numbers
    number = round(first + fraction * (last - first))
    want_odd = side > 0
    if (number % 2 == 1) != want_odd:
        number += 1
    number = max(number, 1 if want_odd else 2)
    while number in used:
        number += 2
    used.add(number)
    return number


# ---------------------------------------------------------------------------
# public API


@dataclass
class _Draft:
    """A merchant before its code is known (codes are assigned after shuffling)."""

    name: str
    industry: str
    address: str
    district: str
    contact_name: str
    phone: str
    lat: float | None
    lon: float | None


def _sub_branch_drafts(code: str, rng: random.Random, phones: set[str]) -> list[_Draft]:
    """All of one sub-branch's shops, area by area and street by street, in house-number order."""
    names: set[str] = set()
    drafts: list[_Draft] = []
    for area, quota in _AREA_QUOTAS[code]:
        streets = [s for s in STREETS if s.sub_branch == code and s.area == area]
        counts = _largest_remainder(quota, [s.weight * _street_length(s) for s in streets])
        for street, count in zip(streets, counts):
            used_numbers: set[int] = set()
            # Sorting the fractions makes house numbers grow in the order shops were drafted.
            fractions = sorted(rng.uniform(0.02, 0.98) for _ in range(count))
            industries = _industries_for(street, count, rng)
            for fraction, industry in zip(fractions, industries):
                side = rng.choice((1, -1))
                offset = rng.uniform(*_SIDE_OFFSET_M)
                lat, lon = _point_along(street, fraction, side, offset)
                number = _house_number(street, fraction, side, used_numbers)
                surname = _surname(rng)
                contact = surname + rng.choice(_GIVEN_NAMES)
                name = _unique_shop_name(industry, surname, area, names, rng)
                names.add(name)
                drafts.append(
                    _Draft(
                        name=name,
                        industry=industry,
                        address=f"杭州市{street.admin_district}{street.name}{number}号",
                        district=area,
                        contact_name=contact,
                        phone=_phone(phones, rng),
                        lat=lat,
                        lon=lon,
                    )
                )
    return drafts


def demo_merchants(seed: int = 2026) -> list[DemoMerchant]:
    """The demo customer book: ~200 merchants for A1 and ~120 for A2, identical for the same seed.

    Codes are handed out after a shuffle so that, like a real bank's merchant
    numbers, they do not follow the street order.
    """
    rng = random.Random(seed)
    phones: set[str] = set()
    merchants: list[DemoMerchant] = []
    for code in SUB_BRANCHES:
        drafts = _sub_branch_drafts(code, rng, phones)
        rng.shuffle(drafts)
        statuses = _status_pool(len(drafts), rng)
        unlocated = set(rng.sample(range(len(drafts)), round(len(drafts) * _UNLOCATED_SHARE)))
        for index, (draft, status) in enumerate(zip(drafts, statuses)):
            merchants.append(
                DemoMerchant(
                    code=f"HZ-{code}-{index + 1:04d}",
                    name=draft.name,
                    industry=draft.industry,
                    address=draft.address,
                    district=draft.district,
                    contact_name=draft.contact_name,
                    phone=draft.phone,
                    lat=None if index in unlocated else draft.lat,
                    lon=None if index in unlocated else draft.lon,
                    status=status,
                    sub_branch=code,
                )
            )
    return merchants
