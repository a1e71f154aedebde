"""The write path for org units (sub-branches and teams): the admin pages, and later the CLI.

Like accounts.py, these functions validate, write and flush but never commit, and they return English
error codes the UI translates. Scope (which branch the caller may touch) is the caller's job.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import SubBranch, Team

# Sub-branch codes appear in merchant codes and exports, so keep them plain.
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
NAME_MAX = 100


def _name_error(name: str) -> str | None:
    if not name:
        return "required"
    if len(name) > NAME_MAX:
        return "too_long"
    return None


def _sub_branch_name_taken(branch_id: int, name: str, except_id: int | None = None) -> bool:
    """Two sub-branches of one name in a branch would be told apart by nobody in a drop-down."""
    query = sa.select(SubBranch.id).where(SubBranch.branch_id == branch_id, SubBranch.name == name)
    if except_id is not None:
        query = query.where(SubBranch.id != except_id)
    return db.session.scalar(query) is not None


def _team_name_taken(sub_branch_id: int, name: str, except_id: int | None = None) -> bool:
    query = sa.select(Team.id).where(Team.sub_branch_id == sub_branch_id, Team.name == name)
    if except_id is not None:
        query = query.where(Team.id != except_id)
    return db.session.scalar(query) is not None


def create_sub_branch(branch_id: int, code: str, name: str) -> tuple[SubBranch | None, dict[str, str]]:
    """A new sub-branch of the branch; its code is unique across the bank (the column is)."""
    code, name = code.strip(), name.strip()
    errors: dict[str, str] = {}
    if not CODE_RE.match(code):
        errors["code"] = "invalid_code"
    elif db.session.scalar(sa.select(SubBranch.id).where(SubBranch.code == code)) is not None:
        errors["code"] = "code_taken"
    name_error = _name_error(name)
    if name_error:
        errors["name"] = name_error
    elif _sub_branch_name_taken(branch_id, name):
        errors["name"] = "name_taken"
    if errors:
        return None, errors
    sub_branch = SubBranch(branch_id=branch_id, code=code, name=name)
    db.session.add(sub_branch)
    db.session.flush()
    return sub_branch, {}


def rename_sub_branch(sub_branch: SubBranch, name: str) -> dict[str, str]:
    """Only the name changes: the code is a key other systems may hold."""
    name = name.strip()
    error = _name_error(name)
    if error is None and _sub_branch_name_taken(sub_branch.branch_id, name, except_id=sub_branch.id):
        error = "name_taken"
    if error:
        return {"name": error}
    sub_branch.name = name
    db.session.flush()
    return {}


def create_team(sub_branch: SubBranch, name: str) -> tuple[Team | None, dict[str, str]]:
    name = name.strip()
    error = _name_error(name)
    if error is None and _team_name_taken(sub_branch.id, name):
        error = "name_taken"
    if error:
        return None, {"name": error}
    team = Team(sub_branch_id=sub_branch.id, name=name)
    db.session.add(team)
    db.session.flush()
    return team, {}


def rename_team(team: Team, name: str) -> dict[str, str]:
    name = name.strip()
    error = _name_error(name)
    if error is None and _team_name_taken(team.sub_branch_id, name, except_id=team.id):
        error = "name_taken"
    if error:
        return {"name": error}
    team.name = name
    db.session.flush()
    return {}
