"""The labelled evaluation set of copied reports, and the run that scores the copy detector on it.

Reports are visit notes in the bank's usual phrasing: where the shop is, what it sells, who works there,
the customers, the stock, the turnover, what the loan is for, risks, the next step. Independent reports of
similar shops are drawn from the same phrase book (managers trained together write alike), so they share a
lot of wording without being copies. Copies are a report with edits: names, numbers and dates changed,
sentences reordered, one dropped or added, a few words swapped for synonyms, and pairs of these. Routine
notes made only of stock phrases ("经营正常，库存充足。") must never be called copies of each other.

`run` indexes the originals, queries every copy and every independent report, and prints recall per edit
and the false-match rate, at the thresholds the app uses (webapp/config.py).
"""
from __future__ import annotations

import itertools
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from webapp.integrity import text_similarity as ts

AIM_RECALL = 0.95
AIM_FALSE_MATCH = 0.01

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
NAME_CHARS = "鑫源福满华联顺发兴旺金牛阳光益丰万家惠民天天红星新概念好运来佳美永盛东方嘉和润泰汇通宏达德庆瑞安乐百信诚"
SHOPS = ("便利店", "超市", "烟酒店", "副食店", "水果店", "五金店", "服装店", "面馆", "药店", "粮油店", "生鲜店", "文具店",
         "小吃店", "早餐店", "母婴店", "建材店", "电器行", "手机店", "茶叶店", "干洗店", "理发店", "花店", "眼镜店", "书店")
STREETS = ("文一路", "文二路", "天目山路", "教工路", "学院路", "莫干山路", "湖墅南路", "凤起路", "解放路", "秋涛路",
           "延安路", "体育场路", "庆春路", "建国路", "中山北路", "环城北路", "古墩路", "丰潭路", "德胜路", "石桥路",
           "东新路", "江南大道", "滨盛路", "江陵路", "钱江路", "新塘路", "九堡大道", "留和路", "西溪路", "紫金港路")
PLACES = ("四季青市场", "丁桥农贸市场", "勾庄小区", "三墩镇", "九堡商贸城", "汽车北站", "城西银泰", "闸弄口",
          "笕桥老街", "蒋村商业街", "留下街道", "转塘工业园")
GOODS = ("烟酒副食", "日用百货", "粮油调味", "休闲零食", "新鲜水果", "五金工具", "男女服装", "药品保健品", "文具办公用品",
         "生鲜蔬菜", "冷冻食品", "母婴用品", "建材装饰材料", "早餐面点", "手机配件", "小家电", "茶叶茶具", "鲜花绿植",
         "干货海鲜", "卤味熟食", "床上用品", "童装鞋帽", "电线电缆", "水暖配件", "饮料冷饮", "宠物用品", "化妆品",
         "图书杂志", "体育用品", "厨房用具")
PURPOSES = ("进货备货", "店面装修", "扩大经营规模", "支付店面租金", "购置冷柜设备", "增加库存品种", "开设第二家门店",
            "偿还供应商货款", "购买配送车辆", "节前备货", "升级收银系统")
PRODUCTS = ("商户收单", "聚合码", "信用卡", "个人养老金账户", "缴费通", "理财产品", "经营快贷", "代发工资")
DETAILS = ("门头招牌较新", "店内装修整洁", "收银台摆放聚合码", "门口堆放进货纸箱", "店内安装了监控", "货架标签清楚",
           "冷柜运转正常", "有外卖平台订单打印机", "墙上挂有营业执照", "店内有顾客排队结账", "后仓堆放较乱",
           "门口停有送货三轮车", "店内灯光偏暗", "地面有积水", "货品价签齐全", "有部分临期商品", "门店刚重新装修",
           "隔壁门面正在招租", "店内张贴了促销海报", "收银台旁有他行收款码", "老板正在清点货物", "店员统一着装")
POSITIONS = ("临街门面", "菜市场内摊位", "小区底商", "商业街拐角", "工业园区内", "学校附近", "地铁口附近", "农贸市场二楼",
             "批发市场内", "写字楼一层", "十字路口东北角")
LEVELS = ("较大", "一般", "较少", "稳定", "明显增加", "有所下降")
STOCK_NOTES = ("经营正常，库存充足。", "经营正常。", "库存充足，经营正常。", "一切正常，继续跟进。", "还款正常，无异常。",
               "经营稳定，库存正常，客户配合良好。")
SYNONYMS = (("老板", "店主"), ("约", "大约"), ("主营", "主要经营"), ("员工", "店员"), ("客流", "人流"),
            ("介绍", "反映"), ("现场", "实地"), ("较多", "比较多"), ("拟用于", "计划用于"), ("观察到", "看到"))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(("老板", "女士", "先生", "姐", "哥", rng.choice(NAME_CHARS)))


def _shop(rng: random.Random) -> str:
    return rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS) + rng.choice(SHOPS)


def _where(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return f"{rng.choice(STREETS)}{rng.randint(1, 399)}号"
    return rng.choice(PLACES) + rng.choice(("内", "附近", f"{rng.randint(1, 30)}幢", f"{rng.randint(1, 200)}号摊位"))


def sentences(rng: random.Random) -> list[str]:
    """One report: 6-10 sentences from the phrase book, each in one of the phrasings managers use."""
    shop, owner, goods = _shop(rng), _name(rng), rng.sample(GOODS, 3)
    pool = [
        rng.choice((f"{shop}位于{_where(rng)}，{rng.choice(POSITIONS)}，经营面积约{rng.randint(15, 200)}平方米。",
                    f"客户{owner}经营的{shop}在{_where(rng)}，属{rng.choice(POSITIONS)}。",
                    f"走访{shop}（{_where(rng)}），店面约{rng.randint(15, 200)}平。")),
        rng.choice((f"主营{goods[0]}，已经营{rng.randint(2, 15)}年。",
                    f"主要经营{goods[0]}，兼营{goods[1]}，开业{rng.randint(1, 12)}年。",
                    f"店内销售{goods[0]}、{goods[1]}等商品，{owner}从业{rng.randint(3, 20)}年。",
                    f"以{goods[0]}零售为主，{goods[2]}批发为辅。")),
        rng.choice((f"店内有员工{rng.randint(1, 8)}人，{owner}本人在店。",
                    f"由{owner}夫妻二人共同经营，另雇{rng.randint(1, 4)}名店员。",
                    f"{owner}负责日常经营，家人帮忙看店。",
                    f"现场只有店员{rng.randint(1, 3)}人，{owner}外出进货未见到。")),
        rng.choice((f"现场观察客流{rng.choice(LEVELS)}，{rng.choice(('上午', '中午', '傍晚', '周末'))}时段顾客较多。",
                    f"拜访时店内有顾客{rng.randint(0, 12)}人，{rng.choice(('生意较好', '较为冷清', '陆续有人进店'))}。")),
        rng.choice((f"货架陈列整齐，库存货值约{rng.randint(2, 60)}万元。",
                    f"仓库存货约{rng.randint(100, 900)}箱，周转约{rng.randint(7, 45)}天。",
                    f"库存以{goods[2]}为主，估值约{rng.randint(3, 80)}万元。",
                    f"后仓有{goods[1]}若干，{rng.choice(('码放整齐', '堆放较满', '数量不多'))}。")),
        rng.choice((f"据{owner}介绍月营业额约{rng.randint(2, 40)}万元，净利润约{rng.randint(1, 9)}万元。",
                    f"月流水约{rng.randint(3, 50)}万元，其中线上收款约占{rng.randint(20, 90)}%。",
                    f"查看收款记录，近三个月日均收款约{rng.randint(1, 30)}千元。")),
        rng.choice((f"本次贷款拟用于{rng.choice(PURPOSES)}，申请金额{rng.randint(5, 50)}万元，期限{rng.choice((6, 12, 24, 36))}个月。",
                    f"资金需求主要是{rng.choice(PURPOSES)}，金额约{rng.randint(5, 50)}万元。")),
        rng.choice((f"附近有同类门店{rng.randint(1, 6)}家，竞争{rng.choice(('激烈', '一般', '不大'))}。",
                    f"门店租约剩余{rng.randint(1, 5)}年，月租金约{rng.randint(2, 20)}千元。",
                    f"观察到{rng.choice(DETAILS)}，{rng.choice(DETAILS)}。")),
        f"另外{rng.choice(DETAILS)}，{owner}称{rng.choice(('下月准备进新货', '今年生意比去年好', '年底前想换大一点的店面', '孩子明年上学开销增加', '主要供应商换了'))}。",
        rng.choice((f"客户对{rng.choice(PRODUCTS)}有兴趣，约定{rng.randint(1, 12)}月{rng.randint(1, 28)}日再访。",
                    f"下一步跟进{rng.choice(PRODUCTS)}办理，{rng.choice(STOCK_NOTES)}",
                    f"已介绍{rng.choice(PRODUCTS)}，客户表示考虑。")),
    ]
    keep = sorted(rng.sample(range(len(pool)), rng.randint(6, len(pool))))
    return [pool[i] for i in keep]


# --- edits that make a copy ------------------------------------------------------------------------------


def _numbers(parts: list[str], rng: random.Random) -> list[str]:
    out = []
    for part in parts:
        out.append("".join(str(rng.randint(1, 99)) if c.isdigit() and (i == 0 or not part[i - 1].isdigit()) else
                           ("" if c.isdigit() else c) for i, c in enumerate(part)))
    return out


def _names(parts: list[str], rng: random.Random) -> list[str]:
    text = "\n".join(parts)
    for old in set(SURNAMES) & set(text):
        if rng.random() < 0.8:
            text = text.replace(old, rng.choice(SURNAMES))
    for street in STREETS:
        text = text.replace(street, rng.choice(STREETS))
    return text.split("\n")


def _reorder(parts: list[str], rng: random.Random) -> list[str]:
    shuffled = parts[:]
    while len(shuffled) > 1 and shuffled == parts:
        rng.shuffle(shuffled)
    return shuffled


def _drop_one(parts: list[str], rng: random.Random) -> list[str]:
    out = parts[:]
    del out[rng.randrange(len(out))]
    return out


def _add_one(parts: list[str], rng: random.Random) -> list[str]:
    out = parts[:]
    out.insert(rng.randint(0, len(out)), f"观察到{rng.choice(DETAILS)}。")
    return out


def _synonyms(parts: list[str], rng: random.Random) -> list[str]:
    text = "\n".join(parts)
    for old, new in rng.sample(SYNONYMS, 4):
        text = text.replace(old, new)
    return text.split("\n")


EDITS = {"numbers": _numbers, "names": _names, "reorder": _reorder, "drop_one": _drop_one, "add_one": _add_one,
         "synonyms": _synonyms}
EDIT_SETS: tuple[tuple[str, ...], ...] = tuple([(e,) for e in EDITS] + list(itertools.combinations(EDITS, 2)))


@dataclass(frozen=True)
class Size:
    originals: int
    per_edit: int
    independent: int
    stock: int


SMALL = Size(originals=40, per_edit=2, independent=80, stock=10)
FULL = Size(originals=600, per_edit=40, independent=2000, stock=100)


@dataclass
class Report:
    size: Size
    recall: dict[str, float] = field(default_factory=dict)
    false_match_rate: float = 0.0
    false_matches: int = 0
    stock_matches: int = 0
    queries: int = 0
    containment_copies: list[float] = field(default_factory=list)
    containment_independent: list[float] = field(default_factory=list)

    def failures(self) -> list[str]:
        out = [f"recall {k} {v:.1%} < {AIM_RECALL:.0%}" for k, v in self.recall.items() if v < AIM_RECALL]
        if self.false_match_rate > AIM_FALSE_MATCH:
            out.append(f"false matches {self.false_match_rate:.2%} > {AIM_FALSE_MATCH:.0%}")
        if self.stock_matches:
            out.append(f"{self.stock_matches} stock-phrase notes called copies")
        return out


class MemoryIndex:
    """The same band index and gram counts as webapp.integrity.copies, in dicts."""

    def __init__(self) -> None:
        self.bands: dict[int, list[int]] = defaultdict(list)
        self.texts: list[str] = []
        self.holding: Counter[str] = Counter()

    def add(self, text: str) -> None:
        ref = len(self.texts)
        self.texts.append(text)
        grams = ts.shingles(ts.normalise(text))
        self.holding.update(grams)
        for value in ts.bands(ts.signature(grams)):
            self.bands[value].append(ref)

    def weight(self, gram: str) -> float:
        return ts.rarity(len(self.texts), self.holding.get(gram, 0))

    def copies(self, text: str, *, min_similarity: float, min_shared: int) -> list[tuple[int, ts.Comparison]]:
        refs = {ref for value in ts.bands(ts.signature(ts.shingles(ts.normalise(text))))
                for ref in self.bands.get(value, ())}
        found = []
        for ref in sorted(refs):
            comparison = ts.compare(text, self.texts[ref], self.weight)
            if ts.is_copy(comparison, min_similarity=min_similarity, min_shared=min_shared):
                found.append((ref, comparison))
        return found


def run(size: Size, *, min_similarity: float, min_shared: int, seed: int = 1) -> Report:
    rng = random.Random(seed)
    originals = ["".join(sentences(rng)) for _ in range(size.originals)]
    parts_of = {i: _split(text) for i, text in enumerate(originals)}
    index = MemoryIndex()
    for text in originals:
        index.add(text)
    stock_texts = [rng.choice(STOCK_NOTES) + rng.choice(("", rng.choice(STOCK_NOTES))) for _ in range(size.stock)]
    for text in stock_texts:
        index.add(text)
    report = Report(size)
    for edits in EDIT_SETS:
        label = "+".join(edits)
        hits = 0
        for _ in range(size.per_edit):
            source = rng.randrange(size.originals)
            parts = parts_of[source]
            for edit in edits:
                parts = EDITS[edit](parts, rng)
            copy = "".join(parts)
            found = index.copies(copy, min_similarity=min_similarity, min_shared=min_shared)
            hits += any(ref == source for ref, _c in found)
            report.containment_copies.append(ts.compare(copy, originals[source], index.weight).similarity)
            report.queries += 1
        report.recall[label] = hits / size.per_edit
    wrong = 0
    for _ in range(size.independent):
        text = "".join(sentences(rng))
        found = index.copies(text, min_similarity=min_similarity, min_shared=min_shared)
        wrong += bool(found)
        best = max((c.similarity for _ref, c in index.copies(text, min_similarity=0.0, min_shared=0)), default=0.0)
        report.containment_independent.append(best)
    stock_wrong = 0
    for _ in range(size.stock):
        text = rng.choice(STOCK_NOTES) + rng.choice(STOCK_NOTES)
        stock_wrong += bool(index.copies(text, min_similarity=min_similarity, min_shared=min_shared))
    report.false_matches = wrong
    report.stock_matches = stock_wrong
    report.false_match_rate = wrong / max(1, size.independent)
    return report


def _split(text: str) -> list[str]:
    parts, current = [], ""
    for char in text:
        current += char
        if char == "。":
            parts.append(current)
            current = ""
    if current:
        parts.append(current)
    return parts


def print_report(report: Report) -> None:
    size = report.size
    print(f"reports: {size.originals} indexed originals and {size.stock} routine notes; "
          f"{report.queries} copies, {size.independent} independent reports of similar shops, "
          f"{size.stock} routine stock-phrase notes queried")
    print("recall per edit (the original found):")
    for label, value in report.recall.items():
        print(f"  {label:20s} {value:7.1%}")
    print(f"lowest recall {min(report.recall.values()):.1%} (aim >= {AIM_RECALL:.0%})")
    print(f"false matches on independent reports {report.false_match_rate:.2%} ({report.false_matches} of "
          f"{size.independent}; aim <= {AIM_FALSE_MATCH:.0%}); stock-phrase notes called copies: {report.stock_matches}")
    copies, independent = sorted(report.containment_copies), sorted(report.containment_independent)
    if copies and independent:
        print(f"rarity-weighted share of the shorter text: copies 5th percentile {copies[len(copies) // 20]:.2f}, "
              f"independent 95th percentile {independent[len(independent) * 19 // 20]:.2f}, "
              f"max {independent[-1]:.2f}")
    failures = report.failures()
    print("aims met" if not failures else "AIMS NOT MET: " + "; ".join(failures))
