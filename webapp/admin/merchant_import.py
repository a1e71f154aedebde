"""Merchant CSV import: read a bank export, check every row, then write all of it or nothing.

No `request` in here, so the admin page and a later CLI share it. Parsing raises FileProblem for a
file that cannot be read at all; row problems come back as RowError lists, and nothing is written while
any row is bad, because a half-imported file is harder to repair than a rejected one.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from webapp.extensions import db
from webapp.geo.coords import CoordSystem
from webapp.masking import mask_phone
from webapp.merchants.records import MerchantInput, save_merchant, validate_merchant
from webapp.models import Merchant, User
from webapp.roles import FIELD_ROLES
from webapp.text_files import ENCODINGS, FileProblem, NumberedRows, read_csv_rows

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# Header text (Chinese as bank exports write it, or English) -> MerchantInput field.
HEADER_ALIASES: dict[str, str] = {
    "商户编号": "code",
    "code": "code",
    "商户名称": "name",
    "name": "name",
    "行业": "industry",
    "industry": "industry",
    "地址": "address",
    "address": "address",
    "片区": "district",
    "商圈": "district",
    "district": "district",
    "联系人": "contact_name",
    "contact_name": "contact_name",
    "联系电话": "phone",
    "手机": "phone",
    "phone": "phone",
    "纬度": "lat",
    "lat": "lat",
    "经度": "lon",
    "lon": "lon",
    "状态": "status",
    "status": "status",
    "客户经理": "owner",
    "owner": "owner",
}
REQUIRED_FIELDS = ("name",)
STATUS_WORDS = {"潜在客户": "prospect", "申请中": "applicant", "客户": "customer", "贷款客户": "borrower"}

# Free-text cells are echoed in the error report; a run of 7+ digits there may be a phone typed in the
# wrong column, so it is masked like one.
_DIGIT_RUN = re.compile(r"\d{7,}")
_ECHO_LIMIT = 60


@dataclass
class ParsedRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    values: dict[str, str]  # field -> stripped cell text, only for columns the file has
    extra_cells: int = 0  # non-empty cells beyond the header: usually an unquoted comma shifted the row


@dataclass
class ParsedFile:
    encoding: str  # the codec that read the file
    columns: dict[str, str]  # field -> the header as the file writes it, for the report
    ignored_headers: list[str]
    rows: list[ParsedRow]


@dataclass
class RowError:
    row: int
    field: str  # a MerchantInput field, or 'location', 'sub_branch', 'row'
    code: str  # validate_merchant's code without its argument, or duplicate_code / too_many_cells
    value: str = ""  # the offending cell as it may be shown: phones masked, long text cut
    params: dict[str, object] = dataclasses.field(default_factory=dict)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# Parsing ---------------------------------------------------------------------------------------


def parse_merchant_csv(
    data: bytes,
    encoding: str = "auto",
    *,
    max_rows: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParsedFile:
    """Decode and split a CSV upload into rows keyed by field; raises FileProblem for an unusable file."""
    if len(data) > max_bytes:
        raise FileProblem("too_large", limit_mb=round(max_bytes / (1024 * 1024), 1))
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise FileProblem("empty")
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding choice {encoding!r}")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise FileProblem("spreadsheet")
    records, codec = read_csv_rows(data, encoding)
    return _read_rows(records, codec, max_rows)


def _header_field(label: str) -> str | None:
    return HEADER_ALIASES.get(label) or HEADER_ALIASES.get(label.lower())


def _read_rows(records: NumberedRows, codec: str, max_rows: int | None) -> ParsedFile:
    header: list[str] | None = None
    for _number, cells in records:
        if any(cell.strip() for cell in cells):
            header = cells
            break
    if header is None:
        raise FileProblem("empty")

    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for position, raw_label in enumerate(header):
        # A trailing * marks required columns in many bank templates.
        label = raw_label.strip().lstrip("\ufeff").rstrip("*").strip()
        key = _header_field(label)
        if key is None:
            if label:
                ignored.append(label)
            continue
        if key in positions:
            raise FileProblem("duplicate_column", first=columns[key], second=label)
        positions[key], columns[key] = position, label
    for required in REQUIRED_FIELDS:
        if required not in positions:
            raise FileProblem("missing_column", field=required, names=_aliases_of(required))
    if ("lat" in positions) != ("lon" in positions):
        raise FileProblem("half_location_columns")

    rows: list[ParsedRow] = []
    for record_number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        if max_rows is not None and len(rows) >= max_rows:
            raise FileProblem("too_many_rows", limit=max_rows)
        values = {key: (cells[pos].strip() if pos < len(cells) else "") for key, pos in positions.items()}
        extra = sum(1 for cell in cells[len(header):] if cell.strip())
        rows.append(ParsedRow(row=record_number, values=values, extra_cells=extra))
    if not rows:
        raise FileProblem("no_rows")
    return ParsedFile(encoding=codec, columns=columns, ignored_headers=ignored, rows=rows)


def _aliases_of(field_name: str) -> str:
    return ", ".join(label for label, key in HEADER_ALIASES.items() if key == field_name)


def accepted_headers() -> list[tuple[str, str]]:
    """(field, 'header, header') pairs for the page's help text."""
    fields = dict.fromkeys(HEADER_ALIASES.values())
    return [(name, _aliases_of(name)) for name in fields]


# Validation and writing --------------------------------------------------------------------------


def import_merchants(rows: Sequence[ParsedRow], sub_branch_id: int, coord_system: CoordSystem) -> ImportResult:
    """Validate every row first; write only when all are good, in a savepoint, so a failure leaves nothing.

    Never commits: the caller commits once. An exception while writing rolls the savepoint back and
    propagates. A column the file lacks keeps the value an existing merchant (same code) already has,
    so a file of codes and phones does not wipe addresses; an empty cell in a present column clears it
    (except status, which cannot be empty, and the location, which save_merchant never clears).
    """
    result = ImportResult()
    existing = _existing_by_code(sub_branch_id, [row.values.get("code", "") for row in rows])
    owners = Owners(sub_branch_id)
    first_row_of_code: dict[str, int] = {}
    cleans = []
    for row in rows:
        errors: list[RowError] = []
        if row.extra_cells:
            errors.append(RowError(row.row, "row", "too_many_cells", params={"count": row.extra_cells}))
        code = row.values.get("code", "")
        if code:
            if code in first_row_of_code:
                errors.append(RowError(row.row, "code", "duplicate_code", value=_shown("code", code),
                                       params={"first_row": first_row_of_code[code]}))
            else:
                first_row_of_code[code] = row.row
        values = dict(row.values)
        if values.get("owner"):
            owner, problem = owners.resolve(values["owner"])
            if problem:
                errors.append(RowError(row.row, "owner", problem, value=_shown("owner", values["owner"])))
            values["owner"] = owner
        clean, field_errors = validate_merchant(
            _merchant_input(values, sub_branch_id, coord_system, existing.get(code))
        )
        if any(e.field == "owner" for e in errors):
            field_errors.pop("owner", None)
        for field_name, error in field_errors.items():
            error_code, _sep, argument = error.partition(":")
            errors.append(RowError(row.row, field_name, error_code, value=_shown_cell(field_name, row.values),
                                   params={"limit": argument} if argument else {}))
        if errors:
            result.errors.extend(errors)
        elif clean is not None:
            cleans.append(clean)
    if result.errors:
        return result
    with db.session.begin_nested():
        for clean in cleans:
            _merchant, created = save_merchant(clean)
            if created:
                result.created += 1
            else:
                result.updated += 1
        db.session.flush()
    return result


class Owners:
    """The customer manager column names a person by username (mgr1) or by name (王芳) when only one person of the
    sub-branch who may own merchants bears it; the sub-branch's people are read once per import."""

    def __init__(self, sub_branch_id: int) -> None:
        people = db.session.execute(sa.select(User.username, User.display_name).where(
            User.sub_branch_id == sub_branch_id, User.role.in_(FIELD_ROLES))).all()
        self.usernames = {username for username, _name in people}
        self.by_name: dict[str, list[str]] = {}
        for username, name in people:
            self.by_name.setdefault(name.strip(), []).append(username)

    def resolve(self, cell: str) -> tuple[str, str | None]:
        """(the username to store, or the cell as it is; a problem code or None). An unknown name is left for
        validate_merchant to refuse as unknown_owner."""
        text = cell.strip()
        if text.lower() in self.usernames:
            return text.lower(), None
        named = self.by_name.get(text, [])
        if len(named) == 1:
            return named[0], None
        if len(named) > 1:
            return text, "ambiguous_owner"
        return text, None


def _existing_by_code(sub_branch_id: int, codes: list[str]) -> dict[str, Merchant]:
    wanted = sorted({code for code in codes if code})
    found: dict[str, Merchant] = {}
    # Chunked: SQLite caps the number of bound parameters in one statement.
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for merchant in db.session.scalars(
            sa.select(Merchant).where(Merchant.sub_branch_id == sub_branch_id, Merchant.code.in_(chunk))
        ):
            if merchant.code:
                found[merchant.code] = merchant
    return found


def _merchant_input(values: dict[str, str], sub_branch_id: int, coord_system: CoordSystem,
                    existing: Merchant | None) -> MerchantInput:
    def cell(name: str, current: str | None) -> str:
        if name in values:
            return values[name]
        return (current or "") if existing is not None else ""

    word = values.get("status", "")
    if word:
        status = STATUS_WORDS.get(word, word.lower())
    else:
        # An empty status cell must not demote an existing borrower to a prospect.
        status = existing.status if existing is not None else ""
    owner_current = existing.owner.username if existing is not None and existing.owner is not None else ""
    return MerchantInput(
        sub_branch_id=sub_branch_id,
        code=values.get("code", ""),
        name=values.get("name", ""),
        industry=cell("industry", existing.industry if existing else None),
        address=cell("address", existing.address if existing else None),
        district=cell("district", existing.district if existing else None),
        contact_name=cell("contact_name", existing.contact_name if existing else None),
        phone=cell("phone", existing.phone if existing else None),
        status=status,
        owner_username=cell("owner", owner_current),
        lat=values.get("lat") or None,
        lon=values.get("lon") or None,
        coord_system=coord_system,
        location_source="import",
    )


def _shown_cell(field_name: str, values: dict[str, str]) -> str:
    if field_name == "location":
        lat, lon = values.get("lat", ""), values.get("lon", "")
        return f"{lat}, {lon}" if lat or lon else ""
    return _shown(field_name, values.get(field_name, ""))


def _shown(field_name: str, value: str) -> str:
    """A cell as the report may echo it. A phone number at fault is shown as typed, to the admin who typed it
    (masked, a wrong digit could not be found); a run of digits in another column is masked as a phone."""
    if field_name == "phone":
        return value if len(value) <= _ECHO_LIMIT else value[:_ECHO_LIMIT] + "…"
    if field_name != "code":
        value = _DIGIT_RUN.sub(lambda match: mask_phone(match.group()), value)
    return value if len(value) <= _ECHO_LIMIT else value[:_ECHO_LIMIT] + "…"
