"""``flask push keys`` (the setup makes the VAPID key in instance/) and ``flask push inbox`` (a timer pushes what a
process killed between its commit and its push missed, and what the day brings, such as today's sweep day)."""
from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from webapp.push.inbox import new_item_pushes
from webapp.push.keys import ensure_keys, public_key
from webapp.push.send import deliver


def register_push_cli(app: Flask) -> None:
    group = AppGroup("push", help="Web Push notifications.")

    @group.command("keys")
    def keys_command() -> None:
        """Make the server's VAPID key pair (once) and print its public half."""
        path = ensure_keys(current_app)
        source = "PUSH_VAPID_PRIVATE_KEY" if current_app.config.get("PUSH_VAPID_PRIVATE_KEY") else str(path)
        click.echo(f"VAPID key: {source}")
        click.echo(f"public key: {public_key()}")

    @group.command("inbox")
    def inbox_command() -> None:
        """Push every subscribed person's new inbox items of a pushed kind (each item once)."""
        with current_app.test_request_context("/"):
            counts = deliver(new_item_pushes(None, datetime.now(UTC)))
        click.echo(" ".join(f"{name}={count}" for name, count in counts.items()))

    app.cli.add_command(group)
