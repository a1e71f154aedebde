"""Where loans come from once a loan book exists: the hook list the loan book adds its source to.

A deal is a loan or a cross-sold service. Until a loan book is installed, a loan is what a visit recorded;
once a module lists a source here, loans are counted from the book instead (the ``loan_deal_source``
definition, default "auto", decides), so that a loan is never counted twice. A source answers the loans
disbursed in [start, end) for the given people or sub-branches, each credited to its responsible manager.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class LoanDeal:
    """One loan counted as a deal: who is credited, on which bank day, in which sub-branch and district."""

    user_id: int
    sub_branch_id: int
    day: date
    district: str = ""


# (user ids or None for any, sub-branch ids or None for any, start, end) -> the loans disbursed then.
LoanDealSource = Callable[[Collection[int] | None, Collection[int] | None, date, date], Iterable[LoanDeal]]

# The loan book (webapp/loans, another branch of work) adds its source here.
LOAN_DEAL_SOURCES: list[LoanDealSource] = []
