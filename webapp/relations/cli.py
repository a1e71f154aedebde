"""`flask screening-run MODEL --by LEAD`: run a saved screening model from cron (say, every Monday morning), through
the same write path as the page's button; prints the run's id and how many targets it gave."""
from __future__ import annotations

from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask import Flask

from webapp.database import immediate_transactions
from webapp.errors import AppError
from webapp.extensions import db
from webapp.models import ScreeningModel, User
from webapp.relations.screening import run_model
from webapp.write_kernel import WriteContext


def register_relations_cli(app: Flask) -> None:
    @app.cli.command("screening-run")
    @click.argument("model_id", type=int)
    @click.option("--by", "username", required=True, help="The team lead the run is recorded under.")
    @click.option("--unowned-to", default="", help="Who takes merchants without a manager (default: --by).")
    def screening_run_command(model_id: int, username: str, unowned_to: str) -> None:
        """Run a screening model; its targets go to their managers' inboxes."""
        with immediate_transactions():
            user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
            model = db.session.get(ScreeningModel, model_id)
            if user is None or model is None:
                raise click.ClickException("No such user or screening model.")
            try:
                run = run_model(WriteContext(actor=user, now=datetime.now(UTC)), model, unowned_to)
            except AppError as error:
                db.session.rollback()
                raise click.ClickException(" ".join([error.message, *error.fields.values()])) from error
            db.session.commit()
        click.echo(f"run={run.id} targets={run.target_count}")
