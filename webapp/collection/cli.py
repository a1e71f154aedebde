"""``flask collection refresh``: bring every case up to date with the clock, for a cron job that wants
escalations recorded (and, later, pushed) the moment they fall due. Pages, inboxes and imports do the same,
so nothing depends on this job running."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from webapp.bank_time import clock_now
from webapp.collection.refresh import apply_due
from webapp.database import immediate_transactions
from webapp.extensions import db
from webapp.models import SubBranch

collection_cli = AppGroup("collection", help="Collection (清收) cases.")


@collection_cli.command("refresh")
def refresh_command() -> None:
    """Escalate missed first contacts and judge promises past their date, in every sub-branch."""
    with immediate_transactions():
        changed = apply_due(list(db.session.scalars(sa.select(SubBranch.id))), clock_now())
        db.session.commit()
    click.echo(f"Collection: {changed} change(s) recorded.")


def register_collection_cli(app: Flask) -> None:
    app.cli.add_command(collection_cli)
