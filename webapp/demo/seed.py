"""Demo data: one branch, two sub-branches, the demo accounts and 300+ merchants in Hangzhou."""
from __future__ import annotations

import random
from datetime import UTC, datetime

import sqlalchemy as sa

from webapp.admin.accounts import UserInput, save_user
from webapp.demo.catalog import demo_merchants
from webapp.demo.channels import seed_channels
from webapp.demo.fieldwork import seed_field_work
from webapp.demo.meetings import seed_meetings
from webapp.extensions import db
from webapp.loans.demo import seed_demo_loans
from webapp.merchants.records import MerchantInput, save_merchant, validate_merchant
from webapp.models import Branch, SubBranch, Team, User
from webapp.roles import MANAGER

DEMO_USERS: tuple[tuple[str, str, str, str, str | None], ...] = (
    # username, display name, role, sub-branch code, team name
    ("admin", "系统管理员", "admin", "A1", None),
    ("reviewer1", "孙慧", "reviewer", "A1", None),
    ("lead1", "李明", "team_lead", "A1", "武林一队"),
    ("mgr1", "王芳", "manager", "A1", "武林一队"),
    ("mgr2", "张伟", "manager", "A1", "武林一队"),
    ("mgr3", "刘洋", "manager", "A1", "武林一队"),
    ("mgr4", "陈静", "manager", "A1", "武林一队"),
    ("mgr5", "杨磊", "manager", "A1", "武林一队"),
    ("mgr6", "赵敏", "manager", "A1", "武林一队"),
    ("mgr7", "黄强", "manager", "A2", "四季青一队"),
    ("mgr8", "周丽", "manager", "A2", "四季青一队"),
    ("mgr9", "吴刚", "manager", "A2", "四季青一队"),
)


def demo_present() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Branch)) != 0


def seed_demo(password: str, now: datetime | None = None) -> dict[str, int]:
    """Create the demo once; the caller commits. Returns what was created. ``now`` is the bank's clock (the
    real now by default): the demo's two weeks of field work end there, so it looks lived-in whenever it runs."""
    now = now or datetime.now(UTC)
    branch = Branch(code="HZ", name="杭州分行")
    a1 = SubBranch(code="A1", name="武林支行", branch=branch)
    a2 = SubBranch(code="A2", name="四季青支行", branch=branch)
    teams = {"武林一队": Team(name="武林一队", sub_branch=a1), "四季青一队": Team(name="四季青一队", sub_branch=a2)}
    db.session.add_all([branch, a1, a2, *teams.values()])
    db.session.flush()
    sub_branches = {"A1": a1, "A2": a2}

    for index, (username, name, role, sub_code, team_name) in enumerate(DEMO_USERS):
        _user, errors = save_user(
            UserInput(
                username=username,
                display_name=name,
                role=role,
                sub_branch_id=sub_branches[sub_code].id,
                team_id=teams[team_name].id if team_name else None,
                phone=f"1390571{index:04d}",
                password=password,
            )
        )
        if errors:
            raise RuntimeError(f"demo user {username}: {errors}")
    db.session.flush()

    owners = {
        code: [u.username for u in db.session.scalars(
            sa.select(User).where(User.sub_branch_id == sb.id, User.role == MANAGER).order_by(User.username)
        )]
        for code, sb in sub_branches.items()
    }
    rng = random.Random(7)
    count = 0
    for item in demo_merchants():
        # Customers and borrowers always have an owner; about a third of prospects too.
        owned = item.status != "prospect" or rng.random() < 0.35
        clean, errors = validate_merchant(
            MerchantInput(
                sub_branch_id=sub_branches[item.sub_branch].id,
                code=item.code,
                name=item.name,
                industry=item.industry,
                address=item.address,
                district=item.district,
                contact_name=item.contact_name,
                phone=item.phone,
                status=item.status,
                owner_username=rng.choice(owners[item.sub_branch]) if owned else "",
                lat=item.lat,
                lon=item.lon,
            )
        )
        if clean is None:
            raise RuntimeError(f"demo merchant {item.code}: {errors}")
        save_merchant(clean)
        count += 1
    db.session.flush()
    loans = seed_demo_loans(now)
    seed_meetings(now)
    seed_channels(now)
    field_work = seed_field_work(now)
    return {"users": len(DEMO_USERS), "merchants": count, "loans": loans, **field_work}
