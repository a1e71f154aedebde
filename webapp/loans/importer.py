"""The daily loan import: check every row, then write all of it or nothing, and say what changed.

Idempotent by loan number: a row identical to what the book already holds (same row hash) changes nothing,
so importing the same file twice reports no change the second time. After writing, the schedules of the
loans whose schedule depends on what changed are recomputed, and the import hooks
(``webapp.loans.hooks.IMPORT_HOOKS``) run in the same transaction with the summary. Never commits.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.loans.hooks import run_import_hooks
from webapp.loans.reader import Sheet
from webapp.loans.rows import HASHED_FIELDS, REQUIRED, LoanRow, aliases_of, check_row, header_field
from webapp.loans.summary import ImportSummary
from webapp.merchants.records import MerchantInput, save_merchant, validate_merchant
from webapp.models import Loan, LoanHistory, LoanImport, LoanPerson, Merchant, SubBranch, User
from webapp.models.base import table_of
from webapp.postloan.sync import sync_loans
from webapp.roles import FIELD_ROLES
from webapp.text_files import FileProblem
from webapp.write_kernel import WriteContext

CHUNK = 500
SCHEDULE_FIELDS = ("sub_branch_id", "product", "disbursed_on", "matures_on", "term_months", "status",
                   "overdue_since", "manager_id")
HISTORY_FIELDS = ("status", "balance_cents", "days_past_due", "overdue_cents", "last_repayment_on")


@dataclass
class RowProblem:
    row: int
    column: str  # the header as the file writes it, or a field name
    message: str


@dataclass
class ImportOutcome:
    problems: list[RowProblem] = field(default_factory=list)
    summary: ImportSummary | None = None
    import_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def raw_hash(values: dict[str, str]) -> str:
    """The hash of a row's cells by field (columns the file lacks count as empty): a row identical to the one
    imported before is recognised before any parsing, which is most of a nightly file."""
    return hashlib.sha256("\x1f".join(values.get(name, "") for name in HASHED_FIELDS).encode()).hexdigest()


def _columns(sheet: Sheet) -> tuple[dict[str, str], dict[str, int]]:
    """field -> header, and field -> position; raises FileProblem for a missing or doubled column."""
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    for position, label in enumerate(sheet.headers):
        name = header_field(label) if label else None
        if name is None:
            continue
        if name in columns:
            raise FileProblem("duplicate_column", first=columns[name], second=label)
        columns[name], positions[name] = label, position
    for name in REQUIRED:
        if name not in columns:
            raise FileProblem("missing_column", field=name, names=aliases_of(name))
    return columns, positions


def import_loans(ctx: WriteContext, branch_id: int, sheet: Sheet, as_of: date, *, source: str,
                 file_name: str = "") -> ImportOutcome:
    """Check the whole sheet, then write it in a savepoint; problems come back with nothing written."""
    columns, positions = _columns(sheet)
    book = _BookContext.fetch(branch_id)
    outcome = ImportOutcome()
    errors: list[tuple[int, str, str]] = []
    rows: list[LoanRow] = []
    first_row: dict[str, int] = {}
    unchanged = 0
    for sheet_row in sheet.rows:
        cells = sheet_row.cells
        values = {name: cells[position] for name, position in positions.items()}
        number = values["loan_number"]
        if number in first_row:
            errors.append((sheet_row.row, "loan_number", _("The same loan number as row %(row)s.",
                                                           row=first_row[number])))
            continue
        if number:
            first_row[number] = sheet_row.row
        digest = raw_hash(values)
        known = book.existing.get(number)
        if known is not None and known.row_hash == digest and not sheet_row.extra_cells \
                and book.still_valid(values):
            unchanged += 1
            continue
        if sheet_row.extra_cells:
            errors.append((sheet_row.row, "row", _("More cells than the header has.")))
        clean = check_row(sheet_row.row, values, errors)
        if clean is not None and book.check(clean, errors):
            rows.append(replace(clean, digest=digest))
    book.check_elsewhere(rows, errors)
    for row_number, name, message in sorted(errors, key=lambda e: e[0]):
        outcome.problems.append(RowProblem(row_number, columns.get(name, name), message))
    if outcome.problems:
        return outcome
    with db.session.begin_nested():
        summary = _write(ctx, book, rows, as_of)
        summary.rows += unchanged
        summary.unchanged += unchanged
        record = LoanImport(branch_id=branch_id, as_of=as_of, imported_at=ctx.now, source=source,
                            imported_by_id=ctx.actor.id, file_name=file_name[:200], row_count=summary.rows,
                            summary=summary.as_json())
        db.session.add(record)
        db.session.flush()
        run_import_hooks(ctx, summary)
        db.session.flush()
    outcome.summary = summary
    outcome.import_id = record.id
    return outcome


@dataclass
class _BookContext:
    """What the rows are checked against: the branch's sub-branches, managers, loans and merchants."""

    sub_branches: dict[str, int]
    managers: dict[tuple[int, str], int]
    existing: dict[str, Any]
    merchants: dict[tuple[int, str], tuple[int, str]]

    @classmethod
    def fetch(cls, branch_id: int) -> _BookContext:
        connection = db.session.connection()
        subs = {code: sid for sid, code in connection.execute(
            sa.select(SubBranch.id, SubBranch.code).where(SubBranch.branch_id == branch_id))}
        people = connection.execute(
            sa.select(User.id, User.username, User.sub_branch_id)
            .where(User.sub_branch_id.in_(subs.values()), User.is_enabled.is_(True),
                   User.role.in_(FIELD_ROLES))).all()
        managers = {(p.sub_branch_id, p.username): p.id for p in people}
        loans, merchants = table_of(Loan), table_of(Merchant)
        # The branch's whole book in one Core query (a nightly file holds nearly all of it anyway).
        existing: dict[str, Any] = {loan.loan_number: loan for loan in connection.execute(
            sa.select(loans.c.id, loans.c.loan_number, loans.c.row_hash, loans.c.sub_branch_id, loans.c.borrower_id,
                      *(loans.c[name] for name in SCHEDULE_FIELDS if name != "sub_branch_id"),
                      *(loans.c[name] for name in HISTORY_FIELDS if name != "status"))
            .where(loans.c.sub_branch_id.in_(subs.values())))}
        known_merchants = {(sid, str(code)): (mid, status) for mid, sid, code, status in connection.execute(
            sa.select(merchants.c.id, merchants.c.sub_branch_id, merchants.c.code, merchants.c.status)
            .where(merchants.c.sub_branch_id.in_(subs.values()), merchants.c.code.is_not(None)))}
        return cls(subs, managers, existing, known_merchants)

    def still_valid(self, values: dict[str, str]) -> bool:
        """An unchanged row is still importable: its sub-branch and manager still exist and are enabled."""
        sub_id = self.sub_branches.get(values.get("sub_branch", ""))
        return sub_id is not None and (sub_id, values.get("manager", "").lower()) in self.managers

    def check(self, row: LoanRow, errors: list[tuple[int, str, str]]) -> bool:
        """The row against the branch: its sub-branch, its manager, a name for a new borrower."""
        sub_id = self.sub_branches.get(row.sub_branch)
        if sub_id is None:
            errors.append((row.row, "sub_branch", _("No sub-branch of this branch has this code.")))
            return False
        ok = True
        if (sub_id, row.manager) not in self.managers:
            errors.append((row.row, "manager",
                           _("No customer manager or team lead of this sub-branch has this username.")))
            ok = False
        if (sub_id, row.merchant_code) not in self.merchants and not row.borrower_name:
            errors.append((row.row, "borrower_name",
                           _("A new borrower needs a name (no merchant of this sub-branch has this code).")))
            ok = False
        return ok

    def check_elsewhere(self, rows: list[LoanRow], errors: list[tuple[int, str, str]]) -> None:
        """A loan number the branch does not hold may belong to another branch: that row is refused."""
        unknown = [row for row in rows if row.loan_number not in self.existing]
        loans = table_of(Loan)
        for start in range(0, len(unknown), CHUNK):
            part = unknown[start:start + CHUNK]
            taken = set(db.session.connection().execute(
                sa.select(loans.c.loan_number).where(loans.c.loan_number.in_([r.loan_number for r in part])))
                .scalars())
            errors.extend((row.row, "loan_number", _("This loan number belongs to another branch."))
                          for row in part if row.loan_number in taken)


def _write(ctx: WriteContext, book: _BookContext, rows: list[LoanRow], as_of: date) -> ImportSummary:
    summary = ImportSummary(as_of=as_of, rows=len(rows))
    loans = table_of(Loan)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    changed_numbers: list[str] = []
    schedule_numbers: list[str] = []
    history_numbers: list[str] = []
    for row in rows:
        digest = row.digest
        known = book.existing.get(row.loan_number)
        sub_id = book.sub_branches[row.sub_branch]
        values = _loan_values(row, digest, sub_id, book, known, as_of, ctx)
        changed_numbers.append(row.loan_number)
        if known is None:
            inserts.append({**values, "created_at": ctx.now})
            summary.new_loans.append(row.loan_number)
            if row.status == "overdue":
                summary.newly_overdue.append(row.loan_number)
            schedule_numbers.append(row.loan_number)
            history_numbers.append(row.loan_number)
            continue
        updates.append({"loan_pk": known.id, **values})
        _note_changes(summary, known, values, row.loan_number)
        if any(getattr(known, name) != values[name] for name in SCHEDULE_FIELDS):
            schedule_numbers.append(row.loan_number)
        if any(getattr(known, name) != values[name] for name in HISTORY_FIELDS):
            history_numbers.append(row.loan_number)
    if inserts:
        db.session.execute(sa.insert(loans), inserts)
    if updates:
        names = [key for key in updates[0] if key != "loan_pk"]
        db.session.execute(
            sa.update(loans).where(loans.c.id == sa.bindparam("loan_pk"))
            .values({name: sa.bindparam(name) for name in names}), updates)
    ids = {n: book.existing[n].id for n in changed_numbers if n in book.existing}
    ids.update(_ids_of(summary.new_loans))
    summary.ids = ids
    by_number = {row.loan_number: row for row in rows}
    _write_persons([ids[n] for n in changed_numbers], [by_number[n] for n in changed_numbers], ids)
    _write_history([ids[n] for n in history_numbers], as_of)
    if schedule_numbers:
        sync_loans([ids[n] for n in schedule_numbers], bank_today(ctx.now))
    return summary


def _loan_values(row: LoanRow, digest: str, sub_id: int, book: _BookContext, known: Any, as_of: date,
                 ctx: WriteContext) -> dict[str, Any]:
    overdue_since = None
    if row.status == "overdue":
        was_overdue = known is not None and known.status == "overdue" and known.overdue_since is not None
        overdue_since = known.overdue_since if was_overdue else as_of - timedelta(days=row.days_past_due)
    return {
        "loan_number": row.loan_number, "sub_branch_id": sub_id,
        "borrower_id": _borrower(row, sub_id, book),
        "product": row.product, "amount_cents": row.amount_cents, "balance_cents": row.balance_cents,
        "disbursed_on": row.disbursed_on, "matures_on": row.matures_on, "term_months": row.term_months,
        "repayment_method": row.repayment_method, "purpose": row.purpose,
        "manager_id": book.managers[(sub_id, row.manager)], "status": row.status,
        "days_past_due": row.days_past_due, "overdue_cents": row.overdue_cents,
        "last_repayment_on": row.last_repayment_on, "overdue_since": overdue_since, "row_hash": digest,
        "as_of": as_of, "updated_at": ctx.now,
    }


def _borrower(row: LoanRow, sub_id: int, book: _BookContext) -> int:
    """The merchant with the row's code in its sub-branch, made a borrower; created when the bank has none."""
    found = book.merchants.get((sub_id, row.merchant_code))
    if found is not None:
        merchant_id, status = found
        if status != "borrower":
            db.session.execute(sa.update(table_of(Merchant)).where(table_of(Merchant).c.id == merchant_id)
                               .values(status="borrower"))
            book.merchants[(sub_id, row.merchant_code)] = (merchant_id, "borrower")
        return merchant_id
    clean, errors = validate_merchant(MerchantInput(
        sub_branch_id=sub_id, name=row.borrower_name, code=row.merchant_code, phone=row.borrower_phone,
        contact_name=row.borrower_name[:40], status="borrower", owner_username=row.manager))
    if clean is None:
        raise FileProblem("borrower", row=row.row, detail=", ".join(errors))
    merchant, _created = save_merchant(clean)
    db.session.flush()
    book.merchants[(sub_id, row.merchant_code)] = (merchant.id, "borrower")
    return merchant.id


def _note_changes(summary: ImportSummary, known: Any, values: dict[str, Any], number: str) -> None:
    summary.changed.append(number)
    if values["status"] == "overdue" and known.status != "overdue":
        summary.newly_overdue.append(number)
    if values["status"] == "repaid" and known.status != "repaid":
        summary.repaid.append(number)
    if values["status"] == "written_off" and known.status != "written_off":
        summary.written_off.append(number)
    if values["manager_id"] != known.manager_id:
        summary.manager_changed.append((number, known.manager_id, values["manager_id"]))


def _ids_of(numbers: list[str]) -> dict[str, int]:
    loans = table_of(Loan)
    ids: dict[str, int] = {}
    for part in _chunks(numbers):
        for loan_id, number in db.session.execute(sa.select(loans.c.id, loans.c.loan_number)
                                                  .where(loans.c.loan_number.in_(part))):
            ids[number] = loan_id
    return ids


def _write_persons(loan_ids: list[int], rows: list[LoanRow], ids: dict[str, int]) -> None:
    persons = table_of(LoanPerson)
    for part in _chunks(loan_ids):
        db.session.execute(sa.delete(persons).where(persons.c.loan_id.in_(part)))
    values = [{"loan_id": ids[row.loan_number], "relation": p.relation, "name": p.name, "phone": p.phone}
              for row in rows for p in row.persons]
    if values:
        db.session.execute(sa.insert(persons), values)


def _write_history(loan_ids: list[int], as_of: date) -> None:
    """A history row for each loan whose repayment figures changed (one per loan and book date)."""
    if not loan_ids:
        return
    history, loans = table_of(LoanHistory), table_of(Loan)
    for part in _chunks(loan_ids):
        db.session.execute(sa.delete(history).where(history.c.loan_id.in_(part), history.c.as_of == as_of))
        db.session.execute(sa.insert(history).from_select(
            ["loan_id", "as_of", *HISTORY_FIELDS],
            sa.select(loans.c.id, sa.literal(as_of, sa.Date), *(loans.c[name] for name in HISTORY_FIELDS))
            .where(loans.c.id.in_(part))))
