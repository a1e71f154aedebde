"""The nightly loan-book commands for cron: import the core system's file, then move every open loan's
schedule forward (periodic checks enter their window as days pass). Same write paths as the admin page."""
from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask

from webapp.bank_time import bank_today
from webapp.database import immediate_transactions
from webapp.extensions import db
from webapp.loans.describe import describe_file_error
from webapp.loans.importer import import_loans
from webapp.loans.reader import read_loan_file
from webapp.models import User
from webapp.postloan.sync import sync_all_open
from webapp.roles import ADMIN
from webapp.text_files import ENCODINGS, FileProblem
from webapp.write_kernel import WriteContext


def _admin(username: str | None) -> User:
    query = sa.select(User).where(User.role == ADMIN, User.is_enabled.is_(True))
    if username:
        query = query.where(User.username == username)
    admin = db.session.scalar(query.order_by(User.id).limit(1))
    if admin is None:
        raise click.ClickException(f"no enabled admin {username or ''}".strip())
    return admin


def register_loan_cli(app: Flask) -> None:
    @app.cli.command("import-loans")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--as-of", "as_of", help="Book date of the file (YYYY-MM-DD); default: today, China time.")
    @click.option("--by", "username", help="The admin the import is recorded under (default: the first admin).")
    @click.option("--encoding", type=click.Choice(ENCODINGS), default="auto", show_default=True)
    def import_loans_command(path: Path, as_of: str | None, username: str | None, encoding: str) -> None:
        """Import the day's loan file (CSV or XLSX) into the admin's branch: all rows or none."""
        try:
            day = date.fromisoformat(as_of) if as_of else bank_today()
        except ValueError:
            raise click.BadParameter("expected YYYY-MM-DD", param_hint="--as-of") from None
        with immediate_transactions():
            admin = _admin(username)
            try:
                sheet = read_loan_file(path.read_bytes(), encoding)
                outcome = import_loans(WriteContext(actor=admin, now=datetime.now(UTC)), admin.sub_branch.branch_id,
                                       sheet, day, source="cli", file_name=path.name)
            except FileProblem as error:
                db.session.rollback()
                raise click.ClickException(describe_file_error(error)) from None
            if not outcome.ok:
                db.session.rollback()
                for problem in outcome.problems[:100]:
                    click.echo(f"row {problem.row}, {problem.column}: {problem.message}", err=True)
                click.echo(f"nothing imported: {len(outcome.problems)} problems", err=True)
                sys.exit(1)
            db.session.commit()
        assert outcome.summary is not None
        counts = outcome.summary.counts()
        click.echo(" ".join(f"{name}={value}" for name, value in counts.items()))

    @app.cli.command("postloan-schedule")
    def schedule_command() -> None:
        """Recompute every open loan's schedule for today (run nightly after the import)."""
        with immediate_transactions():
            result = sync_all_open(bank_today())
            db.session.commit()
        click.echo(f"created={result.created} updated={result.updated} removed={result.removed}")
