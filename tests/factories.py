"""A small world built through the app's own write paths, for route and scope tests."""
from __future__ import annotations

from dataclasses import dataclass, field

from webapp.admin.accounts import UserInput, save_user
from webapp.extensions import db
from webapp.merchants.records import MerchantInput, save_merchant, validate_merchant
from webapp.models import Branch, Merchant, SubBranch, Team, User

PASSWORD = "fieldwork-demo"

# Two points on Yan'an Road and one in Sijiqing, WGS-84.
WULIN = (30.2741, 120.1636)
SIJIQING = (30.2655, 120.1950)


@dataclass
class World:
    branch_id: int
    sub_branches: dict[str, int]
    teams: dict[str, int]
    users: dict[str, int]
    merchants: dict[str, int] = field(default_factory=dict)
    other_branch_merchant: int = 0


PEOPLE = (
    ("admin", "管理员", "admin", "A1", None),
    ("reviewer1", "孙慧", "reviewer", "A1", None),
    ("lead1", "李明", "team_lead", "A1", "T1"),
    ("mgr1", "王芳", "manager", "A1", "T1"),
    ("mgr2", "张伟", "manager", "A1", "T1"),
    ("mgr3", "刘洋", "manager", "A1", "T1"),
    ("mgr7", "黄强", "manager", "A2", "T2"),
    ("lead2", "钱进", "team_lead", "A2", "T2"),
    ("mgrb", "外行", "manager", "B1", "TB"),
    ("reviewerb", "外审", "reviewer", "B1", None),
)


def add_merchant(sub_branch_id: int, name: str, *, owner: str = "", lat: float | None = None,
                 lon: float | None = None, phone: str = "13812345678", district: str = "武林商圈",
                 code: str = "", status: str = "prospect") -> Merchant:
    clean, errors = validate_merchant(
        MerchantInput(sub_branch_id=sub_branch_id, name=name, code=code, industry="餐饮", address="延安路1号",
                      district=district, contact_name="王老板", phone=phone, owner_username=owner,
                      lat=lat, lon=lon, status=status)
    )
    assert clean is not None, errors
    merchant, _ = save_merchant(clean)
    db.session.flush()
    return merchant


def build_world() -> World:
    hz = Branch(code="HZ", name="杭州分行")
    other = Branch(code="NB", name="宁波分行")
    a1 = SubBranch(code="A1", name="武林支行", branch=hz)
    a2 = SubBranch(code="A2", name="四季青支行", branch=hz)
    b1 = SubBranch(code="B1", name="海曙支行", branch=other)
    teams = {"T1": Team(name="武林一队", sub_branch=a1), "T2": Team(name="四季青一队", sub_branch=a2),
             "TB": Team(name="海曙一队", sub_branch=b1)}
    db.session.add_all([hz, other, a1, a2, b1, *teams.values()])
    db.session.flush()
    subs = {"A1": a1, "A2": a2, "B1": b1}
    users: dict[str, int] = {}
    for username, name, role, sub, team in PEOPLE:
        user, errors = save_user(UserInput(username=username, display_name=name, role=role,
                                           sub_branch_id=subs[sub].id,
                                           team_id=teams[team].id if team else None,
                                           phone="13900000000", password=PASSWORD))
        assert user is not None, errors
        users[username] = user.id
    world = World(branch_id=hz.id, sub_branches={k: v.id for k, v in subs.items()},
                  teams={k: v.id for k, v in teams.items()}, users=users)
    world.merchants["a1_owned"] = add_merchant(a1.id, "老王面馆", owner="mgr1", lat=WULIN[0], lon=WULIN[1],
                                               code="A1-001", status="borrower").id
    world.merchants["a1_other"] = add_merchant(a1.id, "周记五金", owner="mgr2", lat=WULIN[0] + 0.001,
                                               lon=WULIN[1], code="A1-002", district="湖墅南路沿线").id
    world.merchants["a1_unlocated"] = add_merchant(a1.id, "小李水果店", code="A1-003").id
    world.merchants["a2"] = add_merchant(a2.id, "鑫源服装批发", owner="mgr7", lat=SIJIQING[0], lon=SIJIQING[1],
                                         code="A2-001", district="四季青服装市场").id
    world.other_branch_merchant = add_merchant(b1.id, "海曙小吃", owner="mgrb", lat=29.87, lon=121.55,
                                               code="B1-001", district="天一广场").id
    return world


def user_by_name(username: str) -> User:
    import sqlalchemy as sa

    user = db.session.scalar(sa.select(User).where(User.username == username))
    assert user is not None
    return user
