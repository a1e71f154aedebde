"""Command-line tasks: the same write paths the pages use."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app

from webapp.database import immediate_transactions
from webapp.extensions import db


def register_cli(app: Flask) -> None:
    from webapp.collection.cli import register_collection_cli
    from webapp.loans.cli import register_loan_cli
    from webapp.push.cli import register_push_cli
    from webapp.relations.cli import register_relations_cli

    register_loan_cli(app)
    register_collection_cli(app)
    register_relations_cli(app)
    register_push_cli(app)

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Create the demo branch, accounts and merchants, once (a second run changes nothing)."""
        from webapp.demo.seed import demo_present, seed_demo

        with immediate_transactions():
            if demo_present():
                click.echo("Demo data already present; nothing to do.")
                return
            started = time.perf_counter()
            created = seed_demo(current_app.config["DEMO_PASSWORD"])
            db.session.commit()
        click.echo(f"Demo data created: {created['users']} users, {created['merchants']} merchants, "
                   f"{created['loans']} loans; two weeks of field work: {created['visits']} visits, "
                   f"{created['photos']} photos, {created['confirmations']} squad confirmations, "
                   f"{created['flags']} integrity flags, {created['approved']} visits approved, "
                   f"{created['sent_back']} sent back, {created['rejected']} rejected "
                   f"(field work seeded in {created['seconds']} s; whole seed in "
                   f"{time.perf_counter() - started:.0f} s).")

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

    @app.cli.group("photos")
    def photos_group() -> None:
        """Photo store upkeep."""

    @photos_group.command("sweep")
    @click.option("--grace-s", type=float, default=None, help="Age below which files are never removed "
                  "(default PHOTO_SWEEP_GRACE_S).")
    def photos_sweep_command(grace_s: float | None) -> None:
        """Remove files no row names, expire unclaimed held photos, attach held photos whose visit came."""
        from webapp.photos.sweep import sweep

        report = sweep(datetime.now(UTC), grace_s)
        click.echo(json.dumps(report.as_dict()))

    @photos_group.command("ensure-store")
    def photos_ensure_store_command() -> None:
        """Create the S3 bucket if it is missing, then check the store can be written (deploy step)."""
        from webapp.photos.store import S3PhotoStore, photo_store

        store = photo_store()
        if isinstance(store, S3PhotoStore):
            store.ensure_bucket()
        store.check()
        click.echo(f"photo store ready: {store.description}")

    @app.cli.command("metrics-serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", type=int, default=9464, show_default=True)
    def metrics_serve_command(host: str, port: int) -> None:
        """Serve Prometheus metrics of every gunicorn worker (PROMETHEUS_MULTIPROC_DIR) until stopped."""
        import threading

        from webapp.health.metrics import serve_metrics

        serve_metrics(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]
        click.echo(f"metrics on http://{host}:{port}/metrics")
        threading.Event().wait()

    @app.cli.group("backup")
    def backup_group() -> None:
        """Consistent backups of the database and the photo store, and restoring them."""

    @backup_group.command("create")
    @click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
    def backup_create_command(destination: Path) -> None:
        """Write a backup folder under DESTINATION (created if missing)."""
        from webapp.backup import BackupError, create_backup

        destination.mkdir(parents=True, exist_ok=True)
        try:
            summary = create_backup(destination)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(json.dumps({"backup": str(summary.folder), "files": summary.files, "rows": summary.counts}))

    @backup_group.command("restore")
    @click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
    def backup_restore_command(source: Path) -> None:
        """Restore the backup folder SOURCE into this empty installation."""
        from webapp.backup import BackupError, restore_backup

        try:
            summary = restore_backup(source)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(json.dumps({"restored": str(summary.folder), "files": summary.files, "rows": summary.counts}))
