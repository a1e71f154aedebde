"""Indexes of the integrity checks: photo fingerprints with their keypoint keys, and report texts with their
MinHash bands. Each is written once, next to the record it describes, and read by look-ups that must stay
fast at a branch's scale (a million photos, years of reports)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base, UTCDateTime, utcnow


class PhotoFingerprint(Base):
    """The keypoint fingerprint of one photo (webapp.photos.fingerprint.pack) and what the checks filter on.

    The integer id keeps the key rows small; merchant and uploader let the same-scene and camera checks read
    a shop's or a person's recent photos by index.
    """

    __tablename__ = "photo_fingerprint"
    __table_args__ = (
        Index("ix_photo_fingerprint_merchant", "merchant_id", "id"),
        Index("ix_photo_fingerprint_uploader_taken", "uploaded_by_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[str] = mapped_column(ForeignKey("photo.id"), unique=True)
    visit_id: Mapped[str] = mapped_column(String(36))
    branch_id: Mapped[int] = mapped_column(Integer)
    merchant_id: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(Integer)
    # The camera the file named (EXIF make and model), and when it says it was taken (else when uploaded).
    camera: Mapped[str | None] = mapped_column(String(120))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PhotoKey(Base):
    """One index key of a photo's fingerprint: (branch, key) -> fingerprint. WITHOUT ROWID on SQLite, so the
    primary key is the table and a look-up reads only the keys it asked for."""

    __tablename__ = "photo_key"
    __table_args__ = (
        PrimaryKeyConstraint("branch_id", "key", "fingerprint_id", name="pk_photo_key"),
        {"sqlite_with_rowid": False},
    )

    branch_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[int] = mapped_column(Integer)
    fingerprint_id: Mapped[int] = mapped_column(ForeignKey("photo_fingerprint.id"))


class PhotoKeyFull(Base):
    """A key of the branch that KEY_POSTING_CAP photos already hold (webapp.photos.reuse_index): it takes no
    more photos and casts no vote. Kept apart so a look-up drops such keys by one small seek each, without
    reading their holders, which were two thirds of the rows a look-up read at a million photos."""

    __tablename__ = "photo_key_full"
    __table_args__ = (
        PrimaryKeyConstraint("branch_id", "key", name="pk_photo_key_full"),
        {"sqlite_with_rowid": False},
    )

    branch_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[int] = mapped_column(Integer)


class ReportText(Base):
    """A report's text as indexed for copy detection (visit notes now; post-loan and overdue reports through
    webapp.integrity.copies.index_text). `record_id` is the caller's id for the record, unique per kind."""

    __tablename__ = "report_text"
    __table_args__ = (
        UniqueConstraint("kind", "record_id", name="uq_report_text_kind_record_id"),
        Index("ix_report_text_branch_written", "branch_id", "written_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    record_id: Mapped[str] = mapped_column(String(80))
    branch_id: Mapped[int] = mapped_column(Integer)
    sub_branch_id: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(Integer)
    # The visit the record belongs to, when it belongs to one: evidence is shown by the visit's scope.
    visit_id: Mapped[str | None] = mapped_column(String(36))
    text: Mapped[str] = mapped_column(Text)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReportBand(Base):
    """One locality-sensitive band of a report's MinHash signature: near copies share at least one."""

    __tablename__ = "report_band"
    __table_args__ = (
        PrimaryKeyConstraint("branch_id", "value", "report_id", name="pk_report_band"),
        {"sqlite_with_rowid": False},
    )

    branch_id: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(BigInteger)
    report_id: Mapped[int] = mapped_column(ForeignKey("report_text.id"))


class ReportGram(Base):
    """How many of the branch's indexed reports hold a character 3-gram (its 63-bit id). The words of the
    phrase book every manager uses are held by many and weigh little when two reports are compared; the row
    with gram 0 counts the reports themselves."""

    __tablename__ = "report_gram"
    __table_args__ = (
        PrimaryKeyConstraint("branch_id", "gram", name="pk_report_gram"),
        {"sqlite_with_rowid": False},
    )

    branch_id: Mapped[int] = mapped_column(Integer)
    gram: Mapped[int] = mapped_column(BigInteger)
    reports: Mapped[int] = mapped_column(Integer)


class ReportFlag(Base):
    """An integrity flag on a report that is not a visit's note (a post-loan report, an overdue report):
    `report_copied` with the evidence webapp.integrity.reports builds. Visit notes keep theirs as VisitFlag.
    One flag per record and code, replaced whenever the report is rewritten."""

    __tablename__ = "report_flag"
    __table_args__ = (UniqueConstraint("kind", "record_id", "code", name="uq_report_flag_kind_record_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    record_id: Mapped[str] = mapped_column(String(80))
    code: Mapped[str] = mapped_column(String(32))
    branch_id: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
