"""Modules that act on an import's changes, listed once, run inside the import's transaction.

A hook is ``(ctx, summary) -> None``: it may write (warnings, cases) but never commits; raising rolls the
whole import back. The post-loan module raises repayment warnings for newly overdue loans; collection
(issue 12) adds its own hook here.
"""
from __future__ import annotations

from collections.abc import Callable

from webapp.loans.summary import ImportSummary
from webapp.write_kernel import WriteContext

ImportHook = Callable[[WriteContext, ImportSummary], None]


def _postloan_warnings(ctx: WriteContext, summary: ImportSummary) -> None:
    from webapp.postloan.auto_warnings import warn_newly_overdue

    warn_newly_overdue(ctx, summary)


def _collection_cases(ctx: WriteContext, summary: ImportSummary) -> None:
    from webapp.collection.book import on_loan_import

    on_loan_import(ctx, summary)


IMPORT_HOOKS: tuple[ImportHook, ...] = (_postloan_warnings, _collection_cases)


def run_import_hooks(ctx: WriteContext, summary: ImportSummary) -> None:
    for hook in IMPORT_HOOKS:
        hook(ctx, summary)
