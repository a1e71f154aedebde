"""The bank's organisation: branch 分行 > sub-branch 支行 > team 团队."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base


class Branch(Base):
    __tablename__ = "branch"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))

    sub_branches: Mapped[list[SubBranch]] = relationship(back_populates="branch", order_by="SubBranch.code")


class SubBranch(Base):
    """Data belongs to a sub-branch: merchants, visits and plans carry its id."""

    __tablename__ = "sub_branch"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))

    branch: Mapped[Branch] = relationship(back_populates="sub_branches")
    teams: Mapped[list[Team]] = relationship(back_populates="sub_branch", order_by="Team.name")


class Team(Base):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_branch_id: Mapped[int] = mapped_column(ForeignKey("sub_branch.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))

    sub_branch: Mapped[SubBranch] = relationship(back_populates="teams")
