"""What the sweep-day pages show, gathered for their templates: the plan form with its live preview, the
plan, the live board, the day's summary and the district rotation."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.labels import DEAL_PRODUCT, MERCHANT_STATUS, ROLE, SQUAD_ROLE, labeller, sweep_squad_name
from webapp.models import MERCHANT_STATUSES, SweepDay, SweepRotation, User
from webapp.roles import SWEEP_EXPORT_ROLES, TEAM_LEAD
from webapp.scope import sweep_team_members, visible_sweep_days
from webapp.sweeps.board import Board, build_board
from webapp.sweeps.forms import PlanForm, criteria_summary
from webapp.sweeps.mapdata import map_settings, markers_json, merchant_marker
from webapp.sweeps.planning import (
    MAX_SWEEP_MERCHANTS,
    form_squads,
    matching_merchants,
    squad_count_bounds,
    squad_order,
    sub_branch_industries,
)
from webapp.sweeps.rotation import last_swept, ordered_districts, sub_branch_districts, upcoming

DAYS_LISTED = 200


def team_members(user: User) -> list[User]:
    return list(db.session.scalars(sweep_team_members(user)))


def may_plan(user: User) -> bool:
    """Team leads plan for their own team; a lead without a team has no one to send out."""
    return user.role == TEAM_LEAD and user.team_id is not None


def index_context(user: User) -> dict[str, Any]:
    today = bank_today()
    days = list(db.session.scalars(visible_sweep_days(user).order_by(SweepDay.sweep_date.desc()).limit(DAYS_LISTED)))
    return {
        "upcoming": sorted((d for d in days if d.sweep_date >= today), key=lambda d: d.sweep_date),
        "past": [d for d in days if d.sweep_date < today],
        "today": today,
        "can_plan": may_plan(user),
    }


def proposal(user: User, form: PlanForm, members: list[User]) -> dict[str, Any]:
    """What the filters pick and how the squads would be formed: the plan page's live preview."""
    criteria = form.criteria(districts=sub_branch_districts(user.sub_branch_id),
                             industries=sub_branch_industries(user.sub_branch_id))
    by_id = {m.id: m for m in members}
    on_duty = form.on_duty(set(by_id))
    sweepers = [m for m in members if m.id not in on_duty]
    low, high = squad_count_bounds(len(sweepers))
    count = form.integer("squad_count", low=1, high=max(1, len(members)))
    rows = form_squads(squad_order(sweepers), count)
    merchants = [] if form.errors else matching_merchants(user.sub_branch_id, criteria, now=datetime.now(UTC))
    return {
        "merchants": merchants,
        "too_many": len(merchants) > MAX_SWEEP_MERCHANTS,
        "max_merchants": MAX_SWEEP_MERCHANTS,
        "unlocated": sum(1 for m in merchants if m.lat is None or m.lon is None),
        "squads": [[by_id[p] for p in row if p is not None] for row in rows],
        "squad_bounds": (low, high),
        "markers": markers_json([merchant_marker(m, state="candidate") for m in merchants]),
        "errors": dict(form.errors),
    }


def plan_context(user: User, form: PlanForm, members: list[User]) -> dict[str, Any]:
    return {
        "form": form,
        "members": members,
        "districts": sub_branch_districts(user.sub_branch_id),
        "industries": sub_branch_industries(user.sub_branch_id),
        "statuses": MERCHANT_STATUSES,
        "status_label": labeller(MERCHANT_STATUS),
        "role_label": labeller(ROLE),
        "map": map_settings(user.sub_branch_id),
        "proposal": proposal(user, PlanForm(values=form.values), members),
    }


def squad_legend(board: Board) -> list[tuple[str, str]]:
    """The map's key for a sweep day: one pending colour per squad (as map.js colours its markers), and visited."""
    keys = [(f"xw-marker state-pending squad-{(group.squad.number if group.squad else 0) % 8}",
             sweep_squad_name(group.squad)) for group in board.squads]
    return [*keys, ("xw-marker state-visited", _("Visited"))]


def _board_markers(board: Board) -> str:
    return markers_json([
        merchant_marker(stop.merchant, squad=group.squad.number if group.squad else 0,
                        state="visited" if board.result(stop.merchant_id) else "pending")
        for group in board.squads for stop in group.stops
    ])


def show_context(user: User, sweep_day: SweepDay, *, squad_errors: dict[str, str] | None = None,
                 squad_values: MultiDict[str, str] | None = None) -> dict[str, Any]:
    """The plan: squads, who covers which merchant, and the forms that change them."""
    board = build_board(sweep_day)
    can_edit = user.role == TEAM_LEAD and user.team_id == sweep_day.team_id
    return {
        "sweep_day": sweep_day,
        "board": board,
        "can_edit": can_edit,
        "members": team_members(user) if can_edit else [],
        "criteria_lines": criteria_summary(sweep_day.criteria or {}),
        "squad_errors": squad_errors or {},
        "squad_values": squad_values,
        "markers": _board_markers(board),
        "legend": squad_legend(board),
        "map": map_settings(sweep_day.sub_branch_id),
        "role_label": labeller(ROLE),
        "squad_role_label": labeller(SQUAD_ROLE),
        "on_duty_names": [m.display_name for m in db.session.scalars(
            sa.select(User).where(User.id.in_(sweep_day.on_duty_ids or [])).order_by(User.username))],
        "can_export": user.role in SWEEP_EXPORT_ROLES,
    }


def board_context(user: User, board: Board) -> dict[str, Any]:
    """The live board of the day: figures per squad and a map of visited and pending merchants."""
    return {
        "board": board,
        "sweep_day": board.sweep_day,
        "markers": _board_markers(board),
        "legend": squad_legend(board),
        "map": map_settings(board.sweep_day.sub_branch_id),
        "refreshed_at": datetime.now(UTC),
        "squad_role_label": labeller(SQUAD_ROLE),
        "deal_label": labeller(DEAL_PRODUCT),
        "is_today": board.sweep_day.sweep_date == bank_today(),
        "can_export": user.role in SWEEP_EXPORT_ROLES,
    }


def summary_context(user: User, board: Board) -> dict[str, Any]:
    """After the day: follow-ups due, merchants not reached, deals and applications."""
    results = board.results
    stops = [(group.squad, stop) for group in board.squads for stop in group.stops]
    follow_ups = sorted(
        ((results[s.merchant_id], s, squad) for squad, s in stops
         if s.merchant_id in results and results[s.merchant_id].follow_up_date),
        key=lambda item: (item[0].follow_up_date or "", item[1].merchant.name),
    )
    deal_counts: dict[str, int] = {}
    for result in results.values():
        for code in result.deals:
            deal_counts[code] = deal_counts.get(code, 0) + 1
    return {
        "follow_ups": follow_ups,
        "not_reached": [(squad, s) for squad, s in stops if s.merchant_id not in results],
        "deal_counts": sorted(deal_counts.items(), key=lambda kv: (-kv[1], kv[0])),
        "applications": [(results[s.merchant_id], s) for _squad, s in stops
                         if s.merchant_id in results and results[s.merchant_id].application],
        **board_context(user, board),
    }


def rotation_context(user: User, rotation: SweepRotation | None, *, errors: dict[str, str] | None = None,
                     values: MultiDict[str, str] | None = None) -> dict[str, Any]:
    """The order in which the sub-branch sweeps its districts, and the dates it gives."""
    sub_branch_id = user.sub_branch_id
    today = bank_today()
    districts = ordered_districts(rotation.districts if rotation else [], sub_branch_districts(sub_branch_id))
    in_rotation = [d for d in districts if rotation is None or d in rotation.districts]
    slots = upcoming(rotation, in_rotation, today) if rotation else []
    planned = {
        d.sweep_date: d for d in db.session.scalars(
            visible_sweep_days(user).where(SweepDay.sweep_date.in_([s.sweep_date for s in slots]))
        )
    } if slots else {}
    next_date: dict[str, Any] = {}
    for slot in slots:
        if slot.district and slot.district not in next_date:
            next_date[slot.district] = slot.sweep_date
    return {
        "rotation": rotation,
        "districts": districts,
        "in_rotation": set(in_rotation),
        "last_swept": last_swept(sub_branch_id, today),
        "next_date": next_date,
        "slots": slots,
        "planned": planned,
        "today": today,
        "errors": errors or {},
        "values": values,
    }
