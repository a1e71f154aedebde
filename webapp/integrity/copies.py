"""Copied reports: a small API any record kind can use (visit notes now; post-loan and overdue reports next).

    index_text(kind, record_id, text, branch_id=..., ...)   # after the record is written (same transaction)
    find_copies(kind, record_id, text, branch_id=..., ...)  # before indexing: earlier near copies, best first
    remove_text(kind, record_id)                            # when the record is deleted

`kind` names the record kind ("visit_note", "post_loan_report", "overdue_report", ...: lower case letters
and '_', at most 24), `record_id` the record (at most 80 characters, unique within its kind). A text is
compared with every indexed text of the branch, of any kind, across managers and over time. Matching uses
webapp.integrity.text_similarity (3-grams, MinHash bands, rarity weights from the branch's own reports);
thresholds are the settings REPORT_COPY_MIN_SIMILARITY and REPORT_COPY_MIN_SHARED. Nothing here commits.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from webapp.extensions import db
from webapp.integrity import text_similarity as ts
from webapp.models import ReportBand, ReportGram, ReportText

MAX_CANDIDATES = 50
_KIND = re.compile(r"^[a-z_]{1,24}$")
_TOTAL = 0  # the report_gram row that counts the branch's reports
_PENDING = "report_gram_pending"  # Session.info: this transaction's count changes, written at commit


@dataclass(frozen=True)
class TextCopy:
    """An earlier report that the new text nearly copies, with the shared passages of both texts.

    Spans are [start, end) character offsets into `this_text` and `other_text`."""

    kind: str
    record_id: str
    visit_id: str | None
    author_id: int | None
    written_at: datetime
    similarity: float
    shared: int
    this_spans: list[tuple[int, int]]
    other_spans: list[tuple[int, int]]
    other_text: str


def _check(kind: str, record_id: str) -> None:
    if not _KIND.match(kind) or not record_id or len(record_id) > 80:
        raise ValueError(f"bad report kind or record id: {kind!r} {record_id!r}")


def find_copies(kind: str, record_id: str, text: str, *, branch_id: int, exclude_visit_id: str | None = None,
                kinds: tuple[str, ...] | None = None, limit: int = 5) -> list[TextCopy]:
    """Indexed reports of the branch (other than this record, and other than `exclude_visit_id`'s) that
    `text` nearly copies, most similar first."""
    _check(kind, record_id)
    grams = ts.shingles(ts.normalise(text))
    config = current_app.config
    min_shared = int(config["REPORT_COPY_MIN_SHARED"])
    if len(grams) < min_shared:
        return []  # too short to be a copy of anything: stock phrases alone never are
    values = ts.bands(ts.signature(grams))
    votes = Counter(db.session.scalars(sa.select(ReportBand.report_id).where(
        ReportBand.branch_id == branch_id, ReportBand.value.in_(values))))
    if not votes:
        return []
    ids = [report_id for report_id, _n in votes.most_common(MAX_CANDIDATES)]
    query = sa.select(ReportText).where(ReportText.id.in_(ids), sa.not_(sa.and_(
        ReportText.kind == kind, ReportText.record_id == record_id)))
    if exclude_visit_id is not None:
        query = query.where(sa.or_(ReportText.visit_id.is_(None), ReportText.visit_id != exclude_visit_id))
    if kinds is not None:
        query = query.where(ReportText.kind.in_(kinds))
    rows = list(db.session.scalars(query))
    if not rows:
        return []
    weight = _weights(branch_id, grams, rows)
    found: list[TextCopy] = []
    for row in rows:
        comparison = ts.compare(text, row.text, weight)
        if ts.is_copy(comparison, min_similarity=float(config["REPORT_COPY_MIN_SIMILARITY"]), min_shared=min_shared):
            found.append(TextCopy(row.kind, row.record_id, row.visit_id, row.author_id, row.written_at,
                                  round(comparison.similarity, 3), comparison.shared, comparison.this_spans,
                                  comparison.other_spans, row.text))
    found.sort(key=lambda c: (-c.similarity, c.written_at))
    return found[:limit]


def _weights(branch_id: int, grams: set[str], rows: list[ReportText]) -> Callable[[str], float]:
    """Rarity of every 3-gram in play, from the branch's counts (one look-up)."""
    every = set(grams)
    for row in rows:
        every |= ts.shingles(ts.normalise(row.text))
    ids = {gram: ts.gram_id(gram) for gram in every}
    wanted = [*ids.values(), _TOTAL]
    counts = Counter(dict(db.session.execute(sa.select(ReportGram.gram, ReportGram.reports).where(
        ReportGram.branch_id == branch_id, ReportGram.gram.in_(wanted))).all()))
    pending = _pending(db.session())  # this transaction's own counts, not written yet
    for gram in wanted:
        counts[gram] += pending.get((branch_id, gram), 0)
    total = counts.pop(_TOTAL, 0)

    def weight(gram: str) -> float:
        return ts.rarity(total, counts.get(ids.get(gram, -1), 0))

    return weight


def index_text(kind: str, record_id: str, text: str, *, branch_id: int, written_at: datetime,
               sub_branch_id: int | None = None, author_id: int | None = None, visit_id: str | None = None) -> None:
    """Index (or re-index) a record's text; an empty text removes it from the index."""
    _check(kind, record_id)
    remove_text(kind, record_id)
    grams = ts.shingles(ts.normalise(text))
    if not text.strip():
        return
    signature = ts.signature(grams)
    row = ReportText(kind=kind, record_id=record_id, branch_id=branch_id, sub_branch_id=sub_branch_id,
                     author_id=author_id, visit_id=visit_id, text=text, signature=ts.pack_signature(signature),
                     written_at=written_at)
    db.session.add(row)
    db.session.flush()
    db.session.add_all(ReportBand(branch_id=branch_id, value=value, report_id=row.id)
                       for value in set(ts.bands(signature)))
    _count(branch_id, [ts.gram_id(g) for g in grams], +1)


def remove_text(kind: str, record_id: str) -> None:
    """Take a record out of the index (its bands, and its share of the gram counts)."""
    _check(kind, record_id)
    row = db.session.scalar(sa.select(ReportText).where(ReportText.kind == kind, ReportText.record_id == record_id))
    if row is None:
        return
    grams = ts.shingles(ts.normalise(row.text))
    db.session.execute(sa.delete(ReportBand).where(ReportBand.report_id == row.id))
    _count(row.branch_id, [ts.gram_id(g) for g in grams], -1)
    db.session.delete(row)
    db.session.flush()


def _count(branch_id: int, grams: list[int], step: int) -> None:
    """Add `step` to the count of each gram and of the branch's reports, at commit (_write_counts).

    Every report of a branch adds to its total, and most notes share common grams ("经营正常"): counted at once,
    those rows would stay locked from here to the commit, and the branch's writers would queue on them (36.8 ms a
    visit on PostgreSQL at 100 phones). Kept in the session, they are locked only while the transaction
    commits. Index no text inside a savepoint that may roll back on its own: its counts would stay pending."""
    pending = _pending(db.session())
    for gram in [*grams, _TOTAL]:
        pending[(branch_id, gram)] += step


def _pending(session: Session) -> Counter[tuple[int, int]]:
    counts: Counter[tuple[int, int]] = session.info.setdefault(_PENDING, Counter())
    return counts


@sa.event.listens_for(Session, "before_commit")
def _write_counts(session: Session) -> None:
    """The transaction's gram counts, in one call, in (branch, gram) order: two writers never deadlock."""
    pending: Counter[tuple[int, int]] | None = session.info.pop(_PENDING, None)
    rows = [{"branch_id": branch_id, "gram": gram, "reports": step}
            for (branch_id, gram), step in sorted((pending or {}).items()) if step]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert(ReportGram) if dialect == "postgresql" else sqlite_insert(ReportGram)
    statement = insert.on_conflict_do_update(index_elements=["branch_id", "gram"],
                                             set_={"reports": ReportGram.reports + insert.excluded.reports})
    session.execute(statement, rows)


@sa.event.listens_for(Session, "after_transaction_end")
def _drop_counts(session: Session, transaction: SessionTransaction) -> None:
    """A transaction rolled back or closed without committing takes its counts with it."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
