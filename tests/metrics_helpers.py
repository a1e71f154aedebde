"""A hand-built day of a team's visits through the one write path, with the answers known in advance."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tests.factories import World, user_by_name
from tests.visit_helpers import new_id
from webapp.bank_time import BANK_ZONE, bank_today
from webapp.extensions import db
from webapp.visits.confirmations import put_confirmation
from webapp.visits.write import put_visit
from webapp.write_kernel import WriteContext


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of a bank day, China time, as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), BANK_ZONE).astimezone(UTC)


def body(merchant_id: int, started: datetime, *, lead: str, support: str | None = None,
         observer: str | None = None, effective: bool = True, application: float | None = None,
         deals: tuple[str, ...] = (), kind: str = "marketing") -> dict[str, Any]:
    outcome: dict[str, Any] = {"effective": effective, "deals": list(deals)}
    if application is not None:
        outcome["application"] = {"product": "经营贷", "amount": application}
    if kind == "post_loan":
        outcome["checklist"] = {"operating_state": "normal", "inventory_level": "normal",
                                "fixed_assets": "unchanged", "abnormal": False}
    return {"merchant_id": merchant_id, "kind": kind, "squad": {"lead": lead, "support": support, "observer": observer},
            "started_at": started.isoformat(timespec="seconds"), "checkin": None, "outcome": outcome, "notes": {}}


def write(username: str, visit_id: str, raw: dict[str, Any], *, now: datetime, if_match: str | None = None) -> Any:
    ctx = WriteContext(actor=user_by_name(username), now=now)
    return put_visit(ctx, visit_id, raw, if_match=if_match)


def confirm(username: str, visit_id: str, *, now: datetime) -> Any:
    ctx = WriteContext(actor=user_by_name(username), now=now)
    return put_confirmation(ctx, visit_id, username, {"checkin": None, "note": ""})


@dataclass
class HandBuiltDay:
    day: date
    squad_visit: str
    late_visit: str


def build_day(world: World) -> HandBuiltDay:
    """Three days ago (China time), team T1 (lead1, mgr1, mgr2, mgr3) made these visits:

    1. mgr1 alone: effective.
    2. mgr1 alone: effective, an application of 50,000, a credit card sold.
    3. mgr1 leads, mgr2 supports (confirms), mgr3 observes (never confirms): effective, an application,
       a loan and an aggregated QR code.
    4. mgr2 alone: not effective, but a pension account opened (a deal without an application).
    5. mgr2 alone: a post-loan check marked effective (not a consultation).
    6. mgr3 alone at 07:30 China time (the previous day in UTC): effective.
    7. mgr3 alone at 23:40 China time, synced the next morning: effective, an account opened.
    And mgr1 on the day before: effective (another day).
    """
    day = bank_today() - timedelta(days=3)
    shop, other = world.merchants["a1_owned"], world.merchants["a1_other"]
    same_day = at(day, 20)
    write("mgr1", new_id(), body(shop, at(day, 9), lead="mgr1"), now=same_day)
    write("mgr1", new_id(), body(other, at(day, 10), lead="mgr1", application=50_000, deals=("credit_card",)),
          now=same_day)
    squad = new_id()
    write("mgr1", squad, body(shop, at(day, 14), lead="mgr1", support="mgr2", observer="mgr3", application=80_000,
                              deals=("loan", "aggregated_qr")), now=same_day)
    confirm("mgr2", squad, now=same_day)
    write("mgr2", new_id(), body(other, at(day, 11), lead="mgr2", effective=False, deals=("pension_account",)),
          now=same_day)
    write("mgr2", new_id(), body(shop, at(day, 15), lead="mgr2", kind="post_loan"), now=same_day)
    write("mgr3", new_id(), body(other, at(day, 7, 30), lead="mgr3"), now=same_day)
    late = new_id()
    write("mgr3", late, body(shop, at(day, 23, 40), lead="mgr3", deals=("account_opening",)),
          now=at(day + timedelta(days=1), 9))
    write("mgr1", new_id(), body(shop, at(day - timedelta(days=1), 16), lead="mgr1"), now=same_day)
    db.session.commit()
    return HandBuiltDay(day=day, squad_visit=squad, late_visit=late)
