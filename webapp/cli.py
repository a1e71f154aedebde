"""Command-line tasks: the same write paths the pages use."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, current_app

from webapp.database import immediate_transactions
from webapp.extensions import db


def register_cli(app: Flask) -> None:
    from webapp.collection.cli import register_collection_cli
    from webapp.loans.cli import register_loan_cli

    register_loan_cli(app)
    register_collection_cli(app)

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Create the demo branch, accounts and merchants, once (a second run changes nothing)."""
        from webapp.demo.seed import demo_present, seed_demo

        with immediate_transactions():
            if demo_present():
                click.echo("Demo data already present; nothing to do.")
                return
            created = seed_demo(current_app.config["DEMO_PASSWORD"])
            db.session.commit()
        click.echo(f"Demo data created: {created['users']} users, {created['merchants']} merchants, "
                   f"{created['loans']} loans.")

    @app.cli.command("set-password")
    @click.argument("username")
    @click.password_option(prompt="New password", confirmation_prompt=True)
    @click.option("--must-change/--no-must-change", default=True, show_default=True,
                  help="Ask the user for a password of their own at the next login.")
    def set_password_command(username: str, password: str, must_change: bool) -> None:
        """Set a user's password (checked like any other) and log them out everywhere."""
        from webapp.admin.accounts import set_password
        from webapp.auth.password_policy import password_message
        from webapp.models import User

        with immediate_transactions():
            user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
            if user is None:
                raise click.ClickException(f"No user named {username!r}.")
            problem = set_password(user, password, must_change=must_change)
            if problem:
                db.session.rollback()
                raise click.ClickException(password_message(problem))
            db.session.commit()
        click.echo(f"Password of {user.username} set; all their sessions ended."
                   + (" They must choose a new one at the next login." if must_change else ""))
