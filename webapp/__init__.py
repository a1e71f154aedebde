"""小微外勤: the application factory."""
from __future__ import annotations

import os

# One request, one core, as webapp.photos.fingerprint tells OpenCV: numpy's OpenBLAS otherwise starts a thread
# per core that busy-waits beside every small product of the photo pipeline. Measured on a 2-core machine: a
# photo cost 265 ms of CPU for 162 ms of wall clock with them, 160 ms for 160 ms without, and under load the
# spinning threads took the cores other requests needed. Read when numpy is first imported: set before that.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import logging
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from flask_wtf.csrf import generate_csrf

from webapp import config as config_module
from webapp.api.photo_upload import incomplete_upload
from webapp.bank_time import register_time_filters
from webapp.database import configure_engine, reset_immediate, set_immediate, uses_explicit_transactions
from webapp.extensions import babel, csrf, db, htmx, limiter, migrate
from webapp.health.logs import configure_logging, init_request_observation
from webapp.health.metrics import start_in_process_exporter
from webapp.i18n import select_locale
from webapp.icons import register_icons
from webapp.labels import register_labels
from webapp.money import register_money_filters
from webapp.navigation import register_navigation
from webapp.photos.limits import init_decode_budget
from webapp.photos.store import init_photo_store
from webapp.security import init_request_checks, init_security
from webapp.serving import init_body_reader, init_serving, rate_limit_storage
from webapp.static_assets import init_static_assets
from webapp.urls import register_converters

ROOT = Path(__file__).resolve().parent.parent
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(config_module.default_config(app.instance_path))
    app.config.update(config_module.environment_overrides())
    app.config.from_prefixed_env()
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.load_or_create_secret_key(app.instance_path)

    rate_limit_storage(app.config)
    configure_logging(app)
    init_body_reader(app, incomplete_upload)  # before the CSRF check parses a form
    init_request_checks(app)  # after the body reader, before the CSRF check reads the field names
    _init_extensions(app)
    init_photo_store(app)
    init_decode_budget(app)
    init_serving(app)
    init_request_observation(app)
    init_security(app)
    init_static_assets(app)
    register_labels(app)
    register_icons(app)
    register_navigation(app)
    register_time_filters(app)
    register_money_filters(app)
    register_converters(app)
    _init_request_hooks(app)
    _register_blueprints(app)
    _register_cli(app)
    _quiet_query_strings_in_logs()
    start_in_process_exporter(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "webapp" / "translations"),
    )
    htmx.init_app(app)
    limiter.init_app(app)

    from webapp.auth.sessions import init_login
    from webapp.postloan.photo_reuse import watch_photos

    init_login(app)
    watch_photos()


def _init_request_hooks(app: Flask) -> None:
    @app.before_request
    def _begin_immediate_for_writes() -> None:
        if request.method not in SAFE_METHODS and not uses_explicit_transactions(
                app.view_functions.get(request.endpoint or "")):
            g.immediate_token = set_immediate(True)

    @app.teardown_request
    def _end_immediate(_exc: BaseException | None) -> None:
        token = g.pop("immediate_token", None)
        if token is not None:
            reset_immediate(token)

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        return {"csrf_token": generate_csrf, "current_locale": select_locale}

    from webapp.errors import register_error_handlers

    register_error_handlers(app)


def _register_blueprints(app: Flask) -> None:
    from webapp.account.routes import bp as account_bp
    from webapp.admin.routes import bp as admin_bp
    from webapp.api.records import bp as records_api_bp
    from webapp.api.routes import bp as api_bp
    from webapp.auth.routes import bp as auth_bp
    from webapp.channels.routes import bp as channels_bp
    from webapp.checkins.routes import bp as checkins_bp
    from webapp.collection.routes import bp as collection_bp
    from webapp.health.routes import bp as health_bp
    from webapp.home.routes import bp as home_bp
    from webapp.inbox.routes import bp as inbox_bp
    from webapp.integrity.routes import bp as integrity_bp
    from webapp.loans.routes import bp as loans_bp
    from webapp.market.routes import bp as market_bp
    from webapp.meetings.board_routes import bp as meetings_bp
    from webapp.meetings.incentive_routes import bp as incentives_bp
    from webapp.meetings.learning_routes import bp as learning_bp
    from webapp.meetings.talk_routes import bp as talks_bp
    from webapp.meetings.target_routes import bp as targets_bp
    from webapp.merchants.routes import bp as merchants_bp
    from webapp.metrics.routes import bp as metrics_bp
    from webapp.postloan.routes import bp as postloan_bp
    from webapp.push.routes import bp as push_bp
    from webapp.pwa.routes import bp as pwa_bp
    from webapp.relations.routes import bp as relations_bp
    from webapp.review.routes import bp as review_bp
    from webapp.sweeps.routes import bp as sweeps_bp
    from webapp.sync.held_admin import bp as held_admin_bp
    from webapp.sync.routes import bp as sync_bp
    from webapp.today.routes import bp as today_bp
    from webapp.visits.routes import bp as visits_bp

    for blueprint in (auth_bp, health_bp, home_bp, merchants_bp, admin_bp, pwa_bp, visits_bp, api_bp,
                      today_bp, sweeps_bp, checkins_bp, review_bp, sync_bp, inbox_bp, loans_bp, postloan_bp,
                      collection_bp, account_bp, held_admin_bp, integrity_bp, meetings_bp, targets_bp, talks_bp,
                      incentives_bp, learning_bp, metrics_bp, channels_bp, market_bp,
                      relations_bp, records_api_bp, push_bp):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from webapp.cli import register_cli

    register_cli(app)


class _DropQueryString(logging.Filter):
    """Access logs keep the path but not the query: search terms may name a person."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(_strip_query(a) if isinstance(a, str) else a for a in record.args)
        return True


def _strip_query(text: str) -> str:
    if "?" not in text:
        return text
    head, _, tail = text.partition("?")
    # "GET /merchants?q=... HTTP/1.1": keep the protocol after the query.
    protocol = tail.rsplit(" ", 1)[-1] if " " in tail else ""
    return f"{head}?… {protocol}".rstrip()


def _quiet_query_strings_in_logs() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, _DropQueryString) for f in logger.filters):
        logger.addFilter(_DropQueryString())
