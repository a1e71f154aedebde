"""The last two weeks of the demo branch's field work, as plans for webapp.demo.writer: every manager's
marketing visits, post-loan inspections of the checks falling due, squad visits with the members'
confirmations (the latest ones not all given yet), and the slips a real branch has, which the integrity checks
catch on their own: a check-in from the office, a fix too coarse, a photo sent again for another visit, a photo
taken days before, a photo whose GPS is elsewhere, another phone's camera in the middle of a day.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from webapp.bank_time import bank_today
from webapp.demo.clock import SLOTS, accuracy, at, near, place_of, working_days
from webapp.demo.scenes import CAMERAS, SCENE_KINDS
from webapp.demo.writer import PhotoPlan, VisitPlan
from webapp.extensions import db
from webapp.models import Loan, Merchant, ScheduledCheck, User
from webapp.visits.payload import DEAL_PRODUCTS

LEAD_NOTES = ("老板有进货资金需求", "介绍了经营快贷，客户感兴趣", "客户已有他行贷款，留了资料", "店铺新开，暂无需求",
              "旺季前要备货，约下周再谈", "推荐聚合码，当场开通", "客户想了解个人养老金账户", "生意稳定，现金流不错",
              "老板不在，店员留了电话", "客户担心利率，讲了新政策")
OBSERVER_NOTES = ("货架满，客流正常", "店内三名员工，库存充足", "门头新装修，顾客较多", "仓库堆货较多，需关注周转",
                  "收银台有他行收款码")
POST_LOAN_NOTES = ("经营正常，按期还款", "库存与上次相当，生意平稳", "客户扩大了店面，资金用于进货",
                   "淡季客流少，还款正常")
APPLICATION_PRODUCTS = ("经营快贷", "商户e贷", "创业担保贷")


@dataclass
class Planner:
    """Which merchant each manager goes to next, and the history's visit plans so far."""

    rng: random.Random
    users: dict[str, User]
    plans: list[VisitPlan] = field(default_factory=list)
    queues: dict[str, list[Merchant]] = field(default_factory=dict)
    centres: dict[str, tuple[float, float]] = field(default_factory=dict)
    seed: int = 0

    def next_merchant(self, user: User) -> Merchant:
        queue = self.queues[user.username]
        merchant = queue.pop(0)
        queue.append(merchant)
        return merchant

    def next_seed(self) -> int:
        self.seed += 1
        return self.seed

    def fix_at(self, merchant: Merchant, low_m: float = 5, high_m: float = 45) -> tuple[float, float, float]:
        lat, lon = near(place_of(merchant, self.centres[merchant.district]), self.rng, low_m, high_m)
        return lat, lon, accuracy(self.rng)

    def photos(self, count: int, categories: tuple[str, ...] = ("premises", "inventory")) -> list[PhotoPlan]:
        return [PhotoPlan(category=categories[i % len(categories)], kind=self.rng.choice(SCENE_KINDS),
                          seed=self.next_seed()) for i in range(count)]


def marketing_outcome(rng: random.Random, day: date) -> dict[str, Any]:
    effective = rng.random() < 0.85
    outcome: dict[str, Any] = {"effective": effective, "deals": [], "next_step": "", "follow_up_date": None}
    if effective and rng.random() < 0.2:
        outcome["application"] = {"product": rng.choice(APPLICATION_PRODUCTS),
                                  "amount": rng.randrange(5, 51) * 10_000}
    if effective and rng.random() < 0.3:
        outcome["deals"] = sorted(rng.sample([p for p in DEAL_PRODUCTS if p != "loan"], rng.randrange(1, 3)))
    if effective and rng.random() < 0.35:
        outcome["next_step"] = "带申请材料再访"
        outcome["follow_up_date"] = (day + timedelta(days=rng.randrange(3, 16))).isoformat()
    return outcome


def post_loan_outcome(rng: random.Random) -> dict[str, Any]:
    return {"effective": True, "deals": [], "next_step": "", "follow_up_date": None,
            "checklist": {"operating_state": "normal", "inventory_level": rng.choice(("full", "normal", "normal")),
                          "fixed_assets": "unchanged", "abnormal": False, "abnormal_detail": ""}}


def prepare_queues(planner: Planner) -> None:
    """Each manager's round: the merchants they own, then a share of the sub-branch's prospects nobody owns."""
    managers = [u for u in planner.users.values() if u.role == "manager"]
    for user in managers:
        owned = list(db.session.scalars(sa.select(Merchant).where(Merchant.owner_id == user.id)
                                        .order_by(Merchant.id)))
        planner.queues[user.username] = owned
    by_sub_branch: dict[int, list[User]] = {}
    for user in managers:
        by_sub_branch.setdefault(user.sub_branch_id, []).append(user)
    for sub_branch_id, people in by_sub_branch.items():
        free = db.session.scalars(sa.select(Merchant).where(Merchant.sub_branch_id == sub_branch_id,
                                                            Merchant.owner_id.is_(None)).order_by(Merchant.id))
        for index, merchant in enumerate(free):
            planner.queues[people[index % len(people)].username].append(merchant)
    for queue in planner.queues.values():
        planner.rng.shuffle(queue)
    points: dict[str, list[tuple[float, float]]] = {}
    for merchant in db.session.scalars(sa.select(Merchant).where(Merchant.lat.is_not(None))):
        points.setdefault(merchant.district, []).append((float(merchant.lat or 0), float(merchant.lon or 0)))
    planner.centres = {d: (sum(p[0] for p in ps) / len(ps), sum(p[1] for p in ps) / len(ps))
                       for d, ps in points.items()}


def _open_checks(user: User) -> list[tuple[ScheduledCheck, Loan]]:
    rows = db.session.execute(
        sa.select(ScheduledCheck, Loan).join(Loan, Loan.id == ScheduledCheck.loan_id)
        .where(ScheduledCheck.assignee_id == user.id, ScheduledCheck.status == "open",
               ScheduledCheck.mode == "onsite")
        .order_by(ScheduledCheck.due_on, ScheduledCheck.id))
    return [(check, loan) for check, loan in rows]


def _left_for_today(checks: list[tuple[ScheduledCheck, Loan]], today: date) -> list[tuple[ScheduledCheck, Loan]]:
    """The checks the history may do: one first on-site check due today at a located shop stays open, so every
    manager opens the demo with post-loan work waiting (and the post-loan walk has one to do)."""
    waiting = next((pair for pair in checks if pair[0].kind == "first_onsite" and pair[0].window_start <= today
                    <= pair[0].due_on and pair[1].borrower.lat is not None), None)
    return [pair for pair in checks if pair is not waiting]


def plan_history(planner: Planner, today: date, busy: dict[date, set[str]]) -> None:
    """The past working days' own visits of every manager; ``busy`` names who sweeps on which day."""
    rng = planner.rng
    days = working_days(today)
    checks = {u.username: _left_for_today(_open_checks(u), today) for u in planner.users.values()
              if u.role == "manager"}
    for day_index, day in enumerate(days):
        for username in sorted(planner.queues):
            if username in busy.get(day, set()):
                continue
            user = planner.users[username]
            slots = sorted(rng.sample(range(len(SLOTS)), 2 if rng.random() < 0.65 else 1))
            for number, slot in enumerate(slots):
                pending = checks[username]
                due = [(c, loan) for c, loan in pending if c.window_start <= day]
                if number == len(slots) - 1 and due and (day_index + user.id) % 2 == 0:
                    check, loan = due[0]
                    pending.remove((check, loan))
                    _post_loan(planner, user, check, loan, day, slot)
                    continue
                merchant = planner.next_merchant(user)
                photo_count = 1 if rng.random() < 0.22 else 0
                planner.plans.append(VisitPlan(
                    key=f"{day}/{username}/{slot}", writer=user, merchant=merchant, started=at(day, SLOTS[slot], rng),
                    fix=planner.fix_at(merchant), outcome=marketing_outcome(rng, day),
                    notes={"lead": rng.choice(LEAD_NOTES)}, photos=planner.photos(photo_count)))
        if day_index % 3 == 1:
            _squad_visit(planner, day, last=day_index + 3 >= len(days))
    _plant_slips(planner, days)


def _post_loan(planner: Planner, user: User, check: ScheduledCheck, loan: Loan, day: date, slot: int) -> None:
    merchant = db.session.get(Merchant, loan.borrower_id)
    assert merchant is not None
    rng = planner.rng
    block: dict[str, Any] = {"loan_id": loan.id, "check_id": check.id,
                             "inventory_vs_last": rng.choice(("same", "same", "higher"))}
    if check.kind == "first":
        block["use_of_funds"] = {"spent_on": loan.purpose or "进货", "matches_purpose": True, "note": ""}
    planner.plans.append(VisitPlan(
        key=f"{day}/{user.username}/post-loan/{check.id}", writer=user, merchant=merchant, kind="post_loan",
        started=at(day, SLOTS[slot], rng), fix=planner.fix_at(merchant), outcome=post_loan_outcome(rng),
        notes={"lead": rng.choice(POST_LOAN_NOTES)}, post_loan=block,
        photos=planner.photos(2 if rng.random() < 0.2 else 1, ("inventory", "premises"))))


def _squad_visit(planner: Planner, day: date, *, last: bool) -> None:
    """A squad of 武林一队 visits a prospect together: mgr2 talks, mgr1 supports, mgr3 observes. The members
    confirm from their own phones; the latest squad visit still waits for mgr1."""
    lead, support, observer = (planner.users[n] for n in ("mgr2", "mgr1", "mgr3"))
    merchant = planner.next_merchant(lead)
    rng = planner.rng
    planner.plans.append(VisitPlan(
        key=f"{day}/squad", writer=lead, merchant=merchant, started=at(day, SLOTS[2], rng), support=support,
        observer=observer, fix=planner.fix_at(merchant), outcome=marketing_outcome(rng, day),
        notes={"lead": rng.choice(LEAD_NOTES), "observer": rng.choice(OBSERVER_NOTES)},
        photos=planner.photos(1), confirm=(observer,) if last else (support, observer)))


def _plant_slips(planner: Planner, days: list[date]) -> None:
    """The slips the integrity checks are there to catch, each on a visit of its own."""
    plans = planner.plans
    rng = planner.rng

    def find(username: str, day: date, *, kind: str = "marketing", with_photo: bool = False,
             located: bool = False) -> VisitPlan | None:
        """The person's first own visit of that kind on that bank day, else on the nearest day that has one (which
        days a person works varies with the date the demo is seeded on)."""
        for candidate in sorted(days, key=lambda d: (abs((d - day).days), d)):
            for plan in plans:
                if plan.writer.username == username and bank_today(plan.started) == candidate \
                        and plan.kind == kind and plan.support is None and (plan.photos or not with_photo) \
                        and (not located or (plan.fix is not None and plan.merchant.lat is not None)):
                    return plan
        return None

    # A check-in from the sub-branch's office, 700 m away (outside_geofence).
    if (far := find("mgr3", days[3])) is not None:
        far.fix = planner.fix_at(far.merchant, 650, 750)
    # A fix too coarse to rate (low_accuracy), indoors in a market hall.
    if (coarse := find("mgr6", days[5], located=True)) is not None and coarse.fix is not None:
        coarse.fix = (coarse.fix[0], coarse.fix[1], 165.0)
    # No location at all (the phone's location was off).
    if (blind := find("mgr8", days[6])) is not None:
        blind.fix = None
    # A photo taken four days before the visit (photo_old) and one whose GPS is 3 km away (photo_exif_far).
    # On a date where the person's visits of those days have no photo, the visit gets one.
    if (old := find("mgr2", days[7], with_photo=True) or find("mgr2", days[7])) is not None:
        old.photos = old.photos or planner.photos(1)
        old.photos[0].exif_shift = -timedelta(days=4)
    if (elsewhere := find("mgr9", days[4], with_photo=True, located=True) or find("mgr9", days[4], located=True)) \
            is not None and elsewhere.merchant.lat is not None:
        elsewhere.photos = elsewhere.photos or planner.photos(1)
        elsewhere.photos[0].exif_point = near((float(elsewhere.merchant.lat), float(elsewhere.merchant.lon or 0)),
                                              rng, 2800, 3200)
    # Another phone's camera after two photos of the usual one the same day (photo_camera_changed): the first
    # bank day from days[8] on (then the earlier ones) on which mgr5 writes two visits; "the same day" is the bank's.
    for day in days[8:] + days[:8]:
        mine = sorted((p for p in plans if p.writer.username == "mgr5" and bank_today(p.started) == day),
                      key=lambda p: p.started)
        if len(mine) >= 2:
            mine[0].photos = planner.photos(2)
            mine[1].photos = planner.photos(1)
            mine[1].photos[0].camera = CAMERAS[(planner.users["mgr5"].id + 3) % len(CAMERAS)]
            break
    # A post-loan inspection whose inventory photo is the photo of an earlier visit (photo_reused): set by
    # webapp.demo.fieldwork once the earlier photo's bytes exist.
