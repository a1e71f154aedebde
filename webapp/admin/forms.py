"""The admin forms: raw text in, write-path inputs out, and write-path error codes in words.

Plain dataclasses rather than WTForms: the rules live in save_user / org_units / validate_merchant,
which return error codes, and a second set of validators here would drift from them. CSRF is checked
for every post by CSRFProtect before any of this runs.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from webapp.admin.accounts import MIN_PASSWORD, UserInput
from webapp.admin.merchant_import import ENCODINGS
from webapp.geo.coords import COORD_SYSTEMS, CoordSystem
from webapp.models import User
from webapp.roles import ADMIN, MANAGER

# An id the admin may not use becomes this, which names no row, so the write path reports it as unknown.
NO_SUCH_ID = 0

USER_ERRORS = {
    "invalid_username": _l(
        "Use 2 to 32 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit."
    ),
    "username_taken": _l("This username is already taken."),
    "required": _l("Enter a name of at most 64 characters."),
    "invalid_role": _l("Choose a role."),
    "unknown_sub_branch": _l("Choose a sub-branch of your branch."),
    "team_not_in_sub_branch": _l("Choose a team of the chosen sub-branch."),
    "team_required": _l("Customer managers and team leads need a team."),
    "invalid_phone": _l("Enter a phone number: 6 to 20 digits."),
    "own_role": _l("You cannot take away your own admin role."),
    "own_account": _l("You cannot disable your own account."),
}

ORG_ERRORS = {
    "invalid_code": _l("Use 1 to 32 letters, digits, dashes or underscores."),
    "code_taken": _l("This code is already in use."),
    "required": _l("Enter a name."),
    "too_long": _l("At most 100 characters."),
    "name_taken": _l("This name is already in use here."),
    "unknown_sub_branch": _l("Choose a sub-branch of your branch."),
}

COORD_CHOICES: tuple[tuple[str, object], ...] = (
    ("wgs84", _l("WGS-84 (GPS)")),
    ("gcj02", _l("GCJ-02 (AMap, Tencent)")),
    ("bd09", _l("BD-09 (Baidu)")),
)
ENCODING_CHOICES: tuple[tuple[str, object], ...] = (
    ("auto", _l("Detect automatically")),
    ("utf-8", "UTF-8"),
    ("gbk", "GBK"),
)

IMPORT_ERRORS = {
    "no_file": _l("Choose a CSV file."),
    "unknown_sub_branch": _l("Choose a sub-branch of your branch."),
    "coord_system": _l("Choose the coordinate system of the file."),
    "encoding": _l("Choose an encoding."),
}


def _message(table: Mapping[str, str], code: str) -> str:
    if code == "password_too_short":
        return _("The password needs at least %(count)s characters.", count=MIN_PASSWORD)
    return str(table.get(code, _("This value is not accepted.")))


def scoped_id(text: str | None, allowed: Collection[int]) -> int:
    """The id the form sent if the admin may use it; otherwise an id that matches nothing."""
    try:
        value = int((text or "").strip())
    except ValueError:
        return NO_SUCH_ID
    return value if value in allowed else NO_SUCH_ID


@dataclass
class UserForm:
    """What the user form shows, as text, so a rejected form comes back exactly as typed."""

    username: str = ""
    display_name: str = ""
    role: str = MANAGER
    sub_branch_id: str = ""
    team_id: str = ""
    phone: str = ""
    enabled: bool = True
    password: str = field(default="", repr=False)  # never rendered back
    errors: dict[str, str] = field(default_factory=dict)  # field -> translated message

    @classmethod
    def from_user(cls, user: User) -> UserForm:
        return cls(
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            sub_branch_id=str(user.sub_branch_id),
            team_id=str(user.team_id or ""),
            phone=user.phone or "",
            enabled=user.is_enabled,
        )

    @classmethod
    def from_request(cls, data: MultiDict[str, str]) -> UserForm:
        return cls(
            username=data.get("username", "").strip(),
            display_name=data.get("display_name", "").strip(),
            role=data.get("role", ""),
            sub_branch_id=data.get("sub_branch_id", ""),
            team_id=data.get("team_id", ""),
            phone=data.get("phone", "").strip(),
            enabled=bool(data.get("enabled")),
            password=data.get("password", ""),
        )

    def to_input(self, sub_branch_ids: Collection[int], team_ids: Collection[int]) -> UserInput:
        """Ids outside the admin's branch become NO_SUCH_ID, which save_user rejects beside the field."""
        return UserInput(
            username=self.username,
            display_name=self.display_name,
            role=self.role,
            sub_branch_id=scoped_id(self.sub_branch_id, sub_branch_ids),
            team_id=scoped_id(self.team_id, team_ids) if self.team_id.strip() else None,
            phone=self.phone,
            password=self.password,
            enabled=self.enabled,
        )

    def guard_own_account(self, editor: User, target: User) -> None:
        """An admin who disables or demotes themself locks the branch out of its admin pages."""
        if editor.id != target.id:
            return
        if self.role != ADMIN:
            self.errors["role"] = str(USER_ERRORS["own_role"])
        if not self.enabled:
            self.errors["enabled"] = str(USER_ERRORS["own_account"])

    def add_errors(self, codes: dict[str, str]) -> None:
        for name, code in codes.items():
            self.errors[name] = _message(USER_ERRORS, code)


def org_messages(codes: dict[str, str]) -> dict[str, str]:
    return {name: _message(ORG_ERRORS, code) for name, code in codes.items()}


@dataclass
class ImportForm:
    """The choices beside the uploaded file."""

    sub_branch_id: str = ""
    coord_system: str = "wgs84"
    encoding: str = "auto"
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_request(cls, data: MultiDict[str, str]) -> ImportForm:
        return cls(
            sub_branch_id=data.get("sub_branch_id", ""),
            coord_system=data.get("coord_system", ""),
            encoding=data.get("encoding", "auto") or "auto",
        )

    def check(self, sub_branch_ids: Collection[int], has_file: bool) -> None:
        if not has_file:
            self.errors["file"] = str(IMPORT_ERRORS["no_file"])
        if scoped_id(self.sub_branch_id, sub_branch_ids) == NO_SUCH_ID:
            self.errors["sub_branch_id"] = str(IMPORT_ERRORS["unknown_sub_branch"])
        if self.coord_system not in COORD_SYSTEMS:
            self.errors["coord_system"] = str(IMPORT_ERRORS["coord_system"])
        if self.encoding not in ENCODINGS:
            self.errors["encoding"] = str(IMPORT_ERRORS["encoding"])

    @property
    def sub_branch(self) -> int:
        return int(self.sub_branch_id)

    @property
    def coords(self) -> CoordSystem:
        return cast(CoordSystem, self.coord_system)  # check() compared it with COORD_SYSTEMS
