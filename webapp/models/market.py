"""Market and peer intelligence (市场及同业信息追踪): what competing banks offer, as managers hear it, beside the
bank's own product catalogue (kept by an admin, every change kept as a version)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, utcnow
from webapp.models.merchant import Merchant
from webapp.models.user import User

# What kind of product: peers' and ours are compared within a kind.
PRODUCT_CATEGORIES = ("credit", "secured", "guaranteed", "supply_chain", "other")
# Where a manager heard of a peer's terms.
PEER_SOURCES = ("customer", "website", "staff", "other")


class PeerRecord(Base):
    """One observation of a peer bank's product: made on a phone during a visit (offline, under the phone's id)
    or at a desk. Observations are never overwritten: the summary reads the latest and how they changed."""

    __tablename__ = "peer_record"
    __table_args__ = (Index("ix_peer_record_sub_branch_district", "sub_branch_id", "district", "category"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"))
    district: Mapped[str] = mapped_column(String(60))
    bank: Mapped[str] = mapped_column(String(60))
    product: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(16))
    rate_bp: Mapped[int | None] = mapped_column(Integer)  # annual rate in basis points (3.85 % is 385)
    repayment_method: Mapped[str | None] = mapped_column(String(24))
    entry_threshold: Mapped[str] = mapped_column(String(300), default="")  # 进件门槛
    max_amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    max_term_months: Mapped[int | None] = mapped_column(Integer)
    strengths: Mapped[str] = mapped_column(String(500), default="")
    weaknesses: Mapped[str] = mapped_column(String(500), default="")
    marketing_strategy: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(16))
    observed_on: Mapped[date] = mapped_column(Date)
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchant.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    body_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recorded_by: Mapped[User] = relationship()
    merchant: Mapped[Merchant | None] = relationship()


class OurProduct(Base):
    """A product of the bank's catalogue, kept by an admin of the branch; its current terms are on the row and
    every change is kept in ``OurProductVersion``."""

    __tablename__ = "our_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(16))
    rate_bp: Mapped[int | None] = mapped_column(Integer)
    repayment_method: Mapped[str | None] = mapped_column(String(24))
    entry_threshold: Mapped[str] = mapped_column(String(300), default="")
    max_amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    max_term_months: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list[OurProductVersion]] = relationship(back_populates="product",
                                                             order_by="OurProductVersion.id")


class OurProductVersion(Base):
    __tablename__ = "our_product_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("our_product.id"), index=True)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    rate_bp: Mapped[int | None] = mapped_column(Integer)
    repayment_method: Mapped[str | None] = mapped_column(String(24))
    entry_threshold: Mapped[str] = mapped_column(String(300), default="")
    max_amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    max_term_months: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    product: Mapped[OurProduct] = relationship(back_populates="versions")
    changed_by: Mapped[User] = relationship()


SURVEY_STATES = ("draft", "open", "closed")
# A question's kind: one choice, several choices, a number, free text, or months of the year (when funds are
# needed most: the funding seasonality of an industry).
QUESTION_KINDS = ("choice", "choices", "number", "text", "months")


class Survey(Base):
    """A short needs survey (调研表) a team lead defines; run in rounds, so it can be asked again later and the
    rounds compared. Its questions are fixed once the first round opens."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    intro: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(8), default="draft")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    questions: Mapped[list[SurveyQuestion]] = relationship(back_populates="survey", order_by="SurveyQuestion.position",
                                                           cascade="all, delete-orphan")
    rounds: Mapped[list[SurveyRound]] = relationship(back_populates="survey", order_by="SurveyRound.number")

    @property
    def current_round(self) -> SurveyRound | None:
        return self.rounds[-1] if self.rounds else None


class SurveyQuestion(Base):
    __tablename__ = "survey_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(200))
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)

    survey: Mapped[Survey] = relationship(back_populates="questions")


class SurveyRound(Base):
    __tablename__ = "survey_round"
    __table_args__ = (UniqueConstraint("survey_id", "number", name="uq_survey_round_survey_id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"))
    number: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    survey: Mapped[Survey] = relationship(back_populates="rounds")


class SurveyResponse(Base):
    """A merchant's answers in one round, filled during a visit (offline, under the phone's id). The merchant's
    district and industry are kept as they were, so a round's aggregation does not move later."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("round_id", "merchant_id", name="uq_survey_response_round_id_merchant_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    district: Mapped[str] = mapped_column(String(60), default="")
    industry: Mapped[str] = mapped_column(String(40), default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    device_id: Mapped[str | None] = mapped_column(String(64))
    body_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    merchant: Mapped[Merchant] = relationship()
    round: Mapped[SurveyRound] = relationship()
