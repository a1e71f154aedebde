"""Command-line tasks: the same write paths the pages use."""
from __future__ import annotations

import click
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
