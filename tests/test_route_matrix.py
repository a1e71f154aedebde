"""Role x route x sub-branch: every route of the app, asked by every kind of user about objects of
their own sub-branch (A1), a sibling sub-branch of the same branch (A2) and another branch (B1).

The expectation is computed from two rules, not listed by hand: a role the route is not for gets its
deny status (403 unless the route says otherwise), and an object outside the user's scope answers 404,
exactly like one that does not exist. A person's own records (login sessions) are in scope for that
person alone. Branch-wide roles (reviewer, admin) see A1 and A2; everyone else
sees their own sub-branch. Write routes are asked only where the answer must be a refusal, so the
matrix never changes data; their successful use is tested with each feature.

A new route fails test_every_route_is_in_the_matrix until it is added here.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, url_for

from tests.channel_helpers import build_channels
from tests.collection_matrix import build_collection
from tests.conftest import CSRF_META, LoggedIn, _empty_all_tables, base_test_config, login_client
from tests.factories import SIJIQING, WULIN, add_merchant, build_world, user_by_name
from tests.market_helpers import build_market, build_surveys
from tests.meetings_helpers import add_lead_b, make_records
from tests.page_helpers import without_tokens
from tests.relations_helpers import build_relations
from tests.visit_helpers import jpeg_bytes, new_id, photo_form, visit_body
from webapp import create_app
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import LocationProposal, LoginSession, Merchant, SweepStop, User, VisitFlag

USERS = ("anon", "mgr1", "lead1", "reviewer1", "admin", "mgr7", "lead2", "reviewerb")
ROLE = {"mgr1": "manager", "mgr7": "manager", "lead1": "team_lead", "lead2": "team_lead",
        "reviewer1": "reviewer", "reviewerb": "reviewer", "admin": "admin"}
HOME = {"mgr1": "A1", "lead1": "A1", "mgr7": "A2", "lead2": "A2", "reviewer1": "A1", "admin": "A1",
        "reviewerb": "B1"}
BRANCH = {"A1": "HZ", "A2": "HZ", "B1": "NB"}
ALL_ROLES = frozenset(ROLE.values())
# Whose own records (login sessions) the targets hold.
OWNER = {"A1": "mgr1", "A2": "mgr7", "B1": "mgrb"}


def sees(username: str, target: str) -> bool:
    if ROLE[username] in ("reviewer", "admin"):
        return BRANCH[HOME[username]] == BRANCH[target]
    return HOME[username] == target


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str = "GET"
    roles: frozenset[str] = ALL_ROLES
    kind: str | None = None          # the object kind its URL names, if any
    targets: tuple[str, ...] = ("A1", "A2", "B1")
    deny: int = 403
    ok: int = 200                    # what an allowed GET answers
    public: bool = False             # answers the anonymous too
    scope_first: bool = False        # loads the object before checking the role: out of scope is 404 for all
    htmx: bool = False               # a fragment endpoint, asked the way htmx asks
    json: bool = False               # answers JSON: the anonymous get a 401, never a redirect
    personal: bool = False           # the object is one person's own (a login session): only they may touch it
    extra: dict[str, Any] = field(default_factory=dict)


def r(endpoint: str, **kwargs: Any) -> Route:
    if "roles" in kwargs:
        kwargs["roles"] = frozenset(kwargs["roles"])
    return Route(endpoint, **kwargs)


LEADS_AND_MANAGERS = ("manager", "team_lead")
REVIEWERS = ("reviewer", "team_lead")
ADMIN = ("admin",)
LEAD = ("team_lead",)
COMMITTEE = ("reviewer",)
SWEEP_TARGETS = ("A1", "A2")
# A branch's record (the product catalogue): A2 shares A1's branch, so only A1 and another branch are asked.
BRANCH_TARGETS = ("A1", "B1")
BRANCH_ROLES = ("reviewer", "admin")
MAKERS = ("team_lead", "reviewer", "admin")
EXPLAIN = {"metric": "consultations", "start": "2026-12-01", "end": "2026-12-01"}

ROUTES: tuple[Route, ...] = (
    r("home.index", ok=302),
    r("home.more"),
    r("auth.login", public=True, ok=302),
    r("health.healthz", public=True),
    r("pwa.manifest", public=True),
    r("pwa.service_worker", public=True),
    r("pwa.offline", public=True),
    r("api.openapi", public=True),
    r("merchants.index"),
    r("merchants.show", kind="merchant"),
    r("api.merchants_endpoint"),
    r("sync.index"),
    r("sync.session_info", public=True),
    r("sync.offline_pages", json=True),
    r("sync.known", method="POST", json=True),
    r("visits.index"),
    r("visits.new", kind="merchant", roles=LEADS_AND_MANAGERS),
    r("visits.show", kind="visit"),
    r("visits.photos", kind="visit", htmx=True),
    r("visits.photo_file", kind="photo", extra={"variant": "thumb"}),
    r("api.get_visit_endpoint", kind="visit"),
    r("checkins.proposals", roles=LEAD),
    r("inbox.index"),
    r("inbox.count"),
    r("today.index", roles=LEADS_AND_MANAGERS),
    r("today.route", roles=LEADS_AND_MANAGERS),
    r("sweeps.index"),
    r("sweeps.show", kind="sweep", targets=SWEEP_TARGETS),
    r("sweeps.board", kind="sweep", targets=SWEEP_TARGETS),
    r("sweeps.summary", kind="sweep", targets=SWEEP_TARGETS),
    r("sweeps.export", kind="sweep", targets=SWEEP_TARGETS, roles=("team_lead", "reviewer", "admin")),
    r("sweeps.new", roles=LEAD),
    r("sweeps.preview", roles=LEAD),
    r("sweeps.rotation", roles=LEAD),
    r("review.queue", roles=REVIEWERS),
    r("review.samples", roles=REVIEWERS),
    r("integrity.precision", roles=REVIEWERS),
    r("review.export_archive", roles=REVIEWERS),
    r("review.visit_page", kind="visit", roles=REVIEWERS),
    r("review.record_pdf", kind="visit", roles=REVIEWERS),
    r("review.sample_page", kind="sample", roles=REVIEWERS, targets=SWEEP_TARGETS),
    r("admin.index", roles=ADMIN),
    r("admin.users", roles=ADMIN),
    r("admin.user_new", roles=ADMIN),
    r("admin.user_edit", kind="user", roles=ADMIN),
    r("admin.org", roles=ADMIN),
    r("admin.merchant_import", roles=ADMIN),
    r("account.sessions"),
    r("account.password"),
    r("held_admin.index", roles=ADMIN),
    # Writes: asked only where the answer must be a refusal.
    r("admin.user_new_post", method="POST", roles=ADMIN),
    r("admin.user_edit_post", method="POST", kind="user", roles=ADMIN),
    r("admin.sub_branch_create", method="POST", roles=ADMIN),
    r("admin.sub_branch_rename", method="POST", kind="sub_branch", roles=ADMIN),
    r("admin.team_create", method="POST", roles=ADMIN),
    r("admin.team_rename", method="POST", kind="team", roles=ADMIN),
    r("admin.merchant_import_post", method="POST", roles=ADMIN),
    r("admin.user_require_password_change", method="POST", kind="user", roles=ADMIN),
    r("account.password_post", method="POST"),
    r("account.end_session", method="POST", kind="session", personal=True),
    r("account.end_other_sessions", method="POST"),
    r("checkins.confirm", method="POST", kind="proposal", roles=LEAD, scope_first=True),
    r("checkins.reject", method="POST", kind="proposal", roles=LEAD, scope_first=True),
    r("sweeps.create", method="POST", roles=LEAD),
    r("sweeps.save_rotation", method="POST", roles=LEAD),
    r("sweeps.delete", method="POST", kind="sweep", roles=LEAD, targets=SWEEP_TARGETS),
    r("sweeps.reform", method="POST", kind="sweep", roles=LEAD, targets=SWEEP_TARGETS),
    r("sweeps.split", method="POST", kind="sweep", roles=LEAD, targets=SWEEP_TARGETS),
    r("sweeps.save_squads", method="POST", kind="sweep", roles=LEAD, targets=SWEEP_TARGETS),
    r("sweeps.save_targets", method="POST", kind="sweep", roles=LEAD, targets=SWEEP_TARGETS),
    r("sweeps.move", method="POST", kind="stop", roles=LEAD, targets=SWEEP_TARGETS),
    r("review.decide_visit", method="POST", kind="visit", roles=REVIEWERS),
    r("review.decide_flag_route", method="POST", kind="flag", roles=REVIEWERS),
    r("review.draw", method="POST", roles=REVIEWERS),
    r("review.resubmit_visit", method="POST", kind="visit", roles=LEADS_AND_MANAGERS, scope_first=True),
    r("visits.confirm", method="POST", kind="visit", roles=LEADS_AND_MANAGERS, scope_first=True),
    # The loan book and post-loan checks (a loan is its manager's, their team lead's and the branch's).
    r("loans.index"),
    r("loans.show", kind="loan"),
    r("loans.import_page", roles=ADMIN),
    r("loans.import_post", method="POST", roles=ADMIN),
    r("postloan.due_page", roles=LEADS_AND_MANAGERS),
    r("postloan.team_page", roles=LEAD),
    r("postloan.board", roles=("team_lead", "reviewer", "admin")),
    r("postloan.rules_page", roles=ADMIN),
    r("postloan.rules_save", method="POST", roles=ADMIN),
    r("postloan.check_page", kind="check"),
    r("postloan.report_file", kind="check"),
    r("postloan.offsite_form", kind="check", roles=LEADS_AND_MANAGERS),
    r("postloan.offsite_save", method="POST", kind="check", roles=LEADS_AND_MANAGERS),
    r("postloan.report_save", method="POST", kind="check", roles=LEADS_AND_MANAGERS),
    r("postloan.waive", method="POST", kind="check", roles=LEAD, scope_first=True),
    r("postloan.warnings_board"),
    r("postloan.warning_page", kind="warning"),
    r("postloan.warning_action", method="POST", kind="warning"),
    r("postloan.warning_update", method="POST", kind="warning"),
    r("postloan.warning_resolve", method="POST", kind="warning"),
    r("postloan.warning_new", kind="loan", roles=("manager", "team_lead", "reviewer")),
    r("postloan.warning_create", method="POST", kind="loan", roles=("manager", "team_lead", "reviewer")),
    # Collection (清收): cases are scoped like their loans; committee pages need the committee permission,
    # which by default branch reviewers hold (tests/test_collection_pages.py covers grants and withdrawals).
    r("collection.index"),
    r("collection.case_page", kind="case"),
    r("collection.report_page", kind="case"),
    r("collection.report_pdf_file", kind="report"),
    r("collection.attachment_file", kind="attachment"),
    r("collection.open_page", kind="loan", roles=LEADS_AND_MANAGERS),
    r("collection.lead_board_page", roles=("team_lead", "reviewer", "admin")),
    r("collection.branch_board_page", roles=("team_lead", "reviewer", "admin")),
    r("collection.register_export"),
    r("collection.committee", roles=COMMITTEE),
    r("collection.meeting_new", roles=COMMITTEE),
    r("collection.meeting_page", kind="meeting", roles=COMMITTEE),
    r("collection.settings", roles=ADMIN),
    r("collection.record_contact", method="POST", kind="case", roles=LEADS_AND_MANAGERS),
    r("collection.noted", method="POST", kind="case"),
    r("collection.record_update", method="POST", kind="case", roles=LEADS_AND_MANAGERS),
    r("collection.action_done", method="POST", kind="action"),
    r("collection.open_post", method="POST", kind="loan", roles=LEADS_AND_MANAGERS),
    r("collection.save_report_post", method="POST", kind="case"),
    r("collection.review_post", method="POST", kind="report"),
    r("collection.attach", method="POST", kind="report"),
    r("collection.meeting_create", method="POST", roles=COMMITTEE),
    r("collection.decide_post", method="POST", kind="meeting_case", roles=COMMITTEE),
    r("collection.set_head_post", method="POST", kind="sub_branch", roles=ADMIN),
    r("collection.set_grant_post", method="POST", kind="user", roles=ADMIN),
    # Meetings, targets, people, learning, metrics (webapp.meetings, webapp.metrics).
    r("meetings.index"),
    r("meetings.morning", kind="team"),
    r("meetings.evening", kind="team"),
    r("meetings.weekly", kind="team"),
    r("meetings.monthly", kind="team"),
    r("meetings.weekly_export", kind="team"),
    r("meetings.monthly_export", kind="team"),
    r("meetings.branch_monthly", roles=BRANCH_ROLES),
    r("meetings.branch_monthly_export", roles=BRANCH_ROLES),
    r("targets.team_grid", kind="team"),
    r("targets.branch_grid", roles=BRANCH_ROLES),
    r("talks.index", roles=LEADS_AND_MANAGERS),
    r("talks.new", kind="talk_person", roles=LEAD),
    r("talks.show", kind="talk", roles=LEADS_AND_MANAGERS),
    r("incentives.index"),
    r("incentives.new", roles=MAKERS),
    r("incentives.show", kind="scheme"),
    r("incentives.edit", kind="scheme", roles=MAKERS, ok=409),  # an approved scheme is not changed
    r("learning.index"),
    r("learning.brief", kind="brief"),
    r("learning.photo_file", kind="brief_photo", extra={"variant": "thumb"}),
    r("metrics.explain", kind="explain", extra=EXPLAIN),
    r("metrics.definitions_page"),
    r("meetings.add_item", method="POST", kind="team", roles=LEADS_AND_MANAGERS),
    r("meetings.delete_item", method="POST", kind="item", roles=LEADS_AND_MANAGERS, scope_first=True),
    r("meetings.record_miss", method="POST", kind="miss", roles=LEADS_AND_MANAGERS),
    r("targets.save_team_grid", method="POST", kind="team", roles=LEAD),
    r("targets.confirm_mine", method="POST", roles=LEADS_AND_MANAGERS),
    r("targets.save_branch_targets", method="POST", kind="sub_branch", roles=BRANCH_ROLES, extra={"period": "month"}),
    r("talks.create", method="POST", roles=LEAD),
    r("talks.action_done", method="POST", kind="talk_action", roles=LEADS_AND_MANAGERS),
    r("incentives.create", method="POST", roles=MAKERS),
    r("incentives.update", method="POST", kind="scheme", roles=MAKERS),
    r("incentives.propose", method="POST", kind="scheme", roles=LEAD),
    r("incentives.decide", method="POST", kind="scheme", roles=BRANCH_ROLES),
    r("incentives.award", method="POST", kind="sub_branch", roles=MAKERS, extra={"month": "2020-01"}),
    r("learning.add_study", method="POST", roles=("team_lead", "reviewer", "admin")),
    r("learning.add_brief", method="POST", roles=LEAD),
    r("learning.add_photo", method="POST", kind="brief", roles=LEADS_AND_MANAGERS),
    r("metrics.save_definitions_page", method="POST", roles=ADMIN),
    # Channels, marketing activities and leads (webapp.channels): a sub-branch's, recorded by the field roles.
    r("channels.index"),
    r("channels.register_export"),
    r("channels.new", roles=LEADS_AND_MANAGERS),
    r("channels.show", kind="channel"),
    r("channels.edit", kind="channel", roles=LEADS_AND_MANAGERS, scope_first=True),
    r("channels.activities"),
    r("channels.new_activity", roles=LEADS_AND_MANAGERS),
    r("channels.activity", kind="activity"),
    r("channels.edit_activity", kind="activity", roles=LEADS_AND_MANAGERS, scope_first=True),
    r("channels.new_lead", kind="activity", roles=LEADS_AND_MANAGERS, scope_first=True),
    r("channels.create", method="POST", roles=LEADS_AND_MANAGERS),
    r("channels.update", method="POST", kind="channel", roles=LEADS_AND_MANAGERS, scope_first=True),
    r("channels.link", method="POST", kind="channel", roles=LEADS_AND_MANAGERS, scope_first=True),
    r("channels.unlink", method="POST", kind="channel_merchant", roles=LEADS_AND_MANAGERS, scope_first=True),
    r("channels.create_activity", method="POST", roles=LEADS_AND_MANAGERS),
    r("channels.update_activity", method="POST", kind="activity", roles=LEADS_AND_MANAGERS, scope_first=True),
    r("channels.capture_lead", method="POST", kind="activity", roles=LEADS_AND_MANAGERS, scope_first=True),
    r("channels.reassign_lead", method="POST", kind="lead", roles=LEAD, scope_first=True),
    # Market and peer intelligence (webapp.market): peer records of a sub-branch, the branch's catalogue.
    r("market.peers"),
    r("market.new_peer", roles=LEADS_AND_MANAGERS),
    r("market.summary"),
    r("market.summary_export"),
    r("market.products"),
    r("market.new_product", roles=ADMIN),
    r("market.edit_product", kind="product", roles=ADMIN, targets=BRANCH_TARGETS),
    r("market.create_peer", method="POST", roles=LEADS_AND_MANAGERS),
    r("market.create_product", method="POST", roles=ADMIN),
    r("market.update_product", method="POST", kind="product", roles=ADMIN, targets=BRANCH_TARGETS),
    r("market.analysis"),
    r("market.surveys"),
    r("market.new_survey", roles=LEAD),
    r("market.survey", kind="survey"),
    r("market.survey_export", kind="survey"),
    r("market.edit_survey", kind="survey", roles=LEAD, scope_first=True),
    r("market.answer", kind="survey", roles=LEADS_AND_MANAGERS, scope_first=True),
    r("market.create_survey", method="POST", roles=LEAD),
    r("market.update_survey", method="POST", kind="survey", roles=LEAD, scope_first=True),
    r("market.start_round", method="POST", kind="survey", roles=LEAD, scope_first=True),
    r("market.end_round", method="POST", kind="survey", roles=LEAD, scope_first=True),
    r("market.save_answer", method="POST", kind="survey", roles=LEADS_AND_MANAGERS, scope_first=True),
    # Customer relations (webapp.relations): timelines follow the merchant; targets are their manager's.
    r("relations.timeline", kind="merchant"),
    r("relations.fading"),
    r("relations.models"),
    r("relations.new_model", roles=LEAD),
    r("relations.model", kind="screening_model"),
    r("relations.edit_model", kind="screening_model", roles=LEAD, scope_first=True),
    r("relations.targets", roles=LEADS_AND_MANAGERS),
    r("relations.create_model", method="POST", roles=LEAD),
    r("relations.update_model", method="POST", kind="screening_model", roles=LEAD, scope_first=True),
    r("relations.run", method="POST", kind="screening_model", roles=LEAD, scope_first=True),
    r("relations.record_outcome", method="POST", kind="target", roles=LEADS_AND_MANAGERS, scope_first=True),
)

# Routes the matrix leaves to their own tests, and why.
NOT_IN_MATRIX = {
    "static": "files, no data",
    "auth.login_post": "the login form itself: tests/test_auth.py",
    "auth.logout": "tests/test_auth.py",
    "auth.set_language": "open to everyone by design: tests/test_auth.py",
    "push.subscribe_endpoint": "one's own device's subscription, any signed-in role: tests/test_push.py",
    "push.unsubscribe_endpoint": "only one's own subscription is removed: tests/test_push.py",
    "push.send_test": "only to one's own devices: tests/test_push.py",
    "visits.save": "scope is decided by the body's merchant: tests/test_visit_pages.py",
    "visits.edit": "only the visit's lead or creator: tests/test_visit_pages.py",
    "api.put_visit_endpoint": "tests/test_api_visit_writes.py and test_visit_scope.py",
    "api.put_photo_endpoint": "tests/test_api_photos.py and test_visit_scope.py",
    "api.put_confirmation_endpoint": "tests/test_api_confirmations.py",
    "records_api.put_lead_endpoint": "scope is decided by the body's activity: tests/test_api_records.py",
    "records_api.put_peer_record_endpoint": "tests/test_api_records.py",
    "records_api.put_survey_response_endpoint": "scope is decided by the body's survey: tests/test_api_records.py",
}


@dataclass
class Matrix:
    app: Flask
    ids: dict[str, dict[str, dict[str, Any]]]  # kind -> target -> url values
    clients: dict[str, LoggedIn]


def _make_visit(app: Flask, lead: str, merchant_id: int, point: tuple[float, float]) -> tuple[str, str, int]:
    """A visit through the API with one photo and an outside-geofence flag, as its lead would make it."""
    user = login_client(app, lead)
    visit_id, photo_id = new_id(), new_id()
    far = (point[0] + 0.01, point[1])
    response = user.api("PUT", f"/api/v1/visits/{visit_id}", json=visit_body(merchant_id, lead=lead, lat=far[0], lon=far[1]))
    assert response.status_code == 201, response.get_json()
    response = user.api("PUT", f"/api/v1/visits/{visit_id}/photos/{photo_id}",
                        data=photo_form(jpeg_bytes(hash(lead) % 1000)), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        flag_id = db.session.scalar(db.select(VisitFlag.id).where(VisitFlag.visit_id == visit_id))
    assert flag_id is not None
    return visit_id, photo_id, flag_id


def _plan_sweep(app: Flask, lead: str, district: str) -> tuple[int, int]:
    user = login_client(app, lead)
    form = {"csrf_token": user.csrf, "sweep_date": _today(), "title": "扫街", "district": district,
            "target_consultations": "5", "target_applications": "2", "target_deals": "1"}
    response = user.client.post("/sweeps/new", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    sweep_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        stop_id = db.session.scalar(db.select(SweepStop.id).where(SweepStop.sweep_day_id == sweep_id))
    assert stop_id is not None
    return sweep_id, stop_id


def _book_loan(target: str, manager: str, code: str, importer: str) -> tuple[int, int, int]:
    """A loan of the manager on the merchant, its first check and a warning raised on it."""
    from datetime import UTC

    from tests.loan_helpers import checks_of, loan_row, run_import
    from webapp.postloan.risk import Finding, raise_warning
    from webapp.postloan.schedule import add_months
    from webapp.write_kernel import WriteContext

    number = f"M-{target}"
    today = bank_today()
    outcome = run_import([loan_row(number, sub=target, merchant=code, manager=manager, disbursed=today.isoformat(),
                                   matures=add_months(today, 12).isoformat())],
                         as_of=today, actor=importer, now=datetime.now(UTC))
    assert outcome.ok, outcome.problems
    check = checks_of(number)["first"]
    warning = raise_warning(WriteContext(actor=user_by_name(manager), now=datetime.now(UTC)), check.loan,
                            Finding("manual", "low", "matrix", {}), f"matrix:{target}", by_hand=True)
    db.session.commit()
    return check.loan_id, check.id, warning.id


def _session_of(app: Flask, username: str) -> int:
    """A login session of its own (not one the matrix's clients use)."""
    login_client(app, username)
    with app.app_context():
        session_id = db.session.scalar(db.select(sa.func.max(LoginSession.id)).join(User)
                                       .where(User.username == username))
    assert session_id is not None
    return int(session_id)


def _today() -> str:
    return bank_today().isoformat()


def _yesterday_and_today() -> tuple[str, str]:
    """Two days of the bank's calendar: the fixture's visits, made a moment ago, are inside them even when the
    bank's midnight (16:00 UTC) fell between making them and drawing the sample (both CI passes once did)."""
    today = bank_today()
    return (today - timedelta(days=1)).isoformat(), today.isoformat()


def _sample(app: Flask, username: str) -> int:
    user = login_client(app, username)
    start, end = _yesterday_and_today()
    response = user.client.post("/review/samples/", data={
        "csrf_token": user.csrf, "from": start, "to": end, "percent": "50", "minimum": "1", "seed": "matrix"})
    assert response.status_code == 303, response.status_code
    page = response.headers.get("Location") or ""
    match = re.search(r"/review/samples/(\d+)", page)
    assert match, page
    return int(match.group(1))


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory, _postgres_schema: str | None) -> Iterator[Matrix]:
    tmp: Path = tmp_path_factory.mktemp("matrix")
    url = _postgres_schema or f"sqlite:///{tmp / 'matrix.sqlite3'}"
    app = create_app(base_test_config(tmp, url))
    with app.app_context():
        if _postgres_schema is None:
            db.create_all()
        else:
            _empty_all_tables()
        world = build_world()
        for sub in ("A2", "B1"):
            add_merchant(world.sub_branches[sub], f"无定位商户{sub}", code=f"{sub}-NOLOC")
        db.session.commit()
        unlocated = {sub: db.session.scalar(db.select(Merchant.id).where(Merchant.code == code))
                     for sub, code in (("A1", "A1-003"), ("A2", "A2-NOLOC"), ("B1", "B1-NOLOC"))}
        users = {name: user_by_name(name).id for name in ("mgr1", "mgr7", "mgrb")}
        sub_branches = dict(world.sub_branches)
        teams = {"A1": world.teams["T1"], "A2": world.teams["T2"], "B1": world.teams["TB"]}
    merchants = {"A1": world.merchants["a1_owned"], "A2": world.merchants["a2"], "B1": world.other_branch_merchant}
    leads = {"A1": "mgr1", "A2": "mgr7", "B1": "mgrb"}
    points = {"A1": WULIN, "A2": SIJIQING, "B1": (29.87, 121.55)}
    ids: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in (
        "merchant", "visit", "photo", "flag", "proposal", "sweep", "stop", "sample", "user", "sub_branch", "team",
        "loan", "check", "warning", "session",
        "talk_person", "talk", "talk_action", "scheme", "item", "miss", "brief", "brief_photo", "explain")}
    with app.app_context():
        for target, manager, code, importer in (("A1", "mgr1", "A1-001", "admin"), ("A2", "mgr7", "A2-001", "admin"),
                                                ("B1", "mgrb", "B1-001", "reviewerb")):
            loan_id, check_id, warning_id = _book_loan(target, manager, code, importer)
            ids["loan"][target] = {"loan_id": loan_id}
            ids["check"][target] = {"check_id": check_id}
            ids["warning"][target] = {"warning_id": warning_id}
    for target in ("A1", "A2", "B1"):
        visit_id, photo_id, flag_id = _make_visit(app, leads[target], merchants[target], points[target])
        ids["merchant"][target] = {"merchant_id": merchants[target]}
        ids["visit"][target] = {"visit_id": visit_id}
        ids["photo"][target] = {"photo_id": photo_id}
        ids["flag"][target] = {"visit_id": visit_id, "flag_id": flag_id}
        # A precise check-in at an unlocated merchant proposes its location.
        user = login_client(app, leads[target])
        proposing = new_id()
        response = user.api("PUT", f"/api/v1/visits/{proposing}", json=visit_body(
            unlocated[target], lead=leads[target], lat=points[target][0] + 0.002, lon=points[target][1], accuracy=10))
        assert response.status_code == 201, response.get_json()
        with app.app_context():
            proposal = db.session.scalar(db.select(LocationProposal.id).where(LocationProposal.visit_id == proposing))
        ids["proposal"][target] = {"proposal_id": proposal}
        ids["user"][target] = {"user_id": users[leads[target]]}
        ids["sub_branch"][target] = {"sub_branch_id": sub_branches[target]}
        ids["team"][target] = {"team_id": teams[target]}
        ids["session"][target] = {"session_id": _session_of(app, leads[target])}
    with app.app_context():
        ids.update(build_collection(world))
        ids.update(build_channels(world))
        ids.update(build_market(world))
        ids.update(build_surveys(world))
        ids.update(build_relations(world))
    for target, lead, district in (("A1", "lead1", "武林商圈"), ("A2", "lead2", "四季青服装市场")):
        sweep_id, stop_id = _plan_sweep(app, lead, district)
        ids["sweep"][target] = {"sweep_day_id": sweep_id}
        ids["stop"][target] = {"sweep_day_id": sweep_id, "stop_id": stop_id}
        ids["sample"][target] = {"sample_id": _sample(app, lead)}
    with app.app_context():
        add_lead_b(world)
        for target in ("A1", "A2", "B1"):
            made = make_records(world, target)
            manager = user_by_name({"A1": "mgr1", "A2": "mgr7", "B1": "mgrb"}[target]).id
            ids["talk_person"][target] = {"manager_id": manager}
            ids["talk"][target] = {"talk_id": made.talk}
            ids["talk_action"][target] = {"action_id": made.action}
            ids["scheme"][target] = {"scheme_id": made.scheme}
            ids["item"][target] = {"item_id": made.item}
            ids["miss"][target] = {"team_id": teams[target], "user_id": manager}
            ids["brief"][target] = {"brief_id": made.brief}
            ids["brief_photo"][target] = {"photo_id": made.photo}
            ids["explain"][target] = {"team": teams[target]}
        db.session.commit()
    clients = {name: login_client(app, name) for name in USERS if name != "anon"}
    anon = app.test_client()
    token = CSRF_META.search(anon.get("/login").get_data(as_text=True))
    assert token
    clients["anon"] = LoggedIn(client=anon, username="", csrf=token.group(1))
    yield Matrix(app=app, ids=ids, clients=clients)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def expected(route: Route, username: str, target: str | None) -> int | None:
    """The status the rules demand, or None where the matrix does not ask (an allowed write)."""
    if username == "anon":
        if route.public:
            return 200
        # JSON and htmx callers get a 401 (htmx with HX-Redirect to the login page), pages a redirect.
        return 401 if route.endpoint.startswith("api.") or route.htmx or route.json else 302
    if route.public:
        return route.ok if route.endpoint == "auth.login" else 200
    if target is None:
        out_of_scope = False
    elif route.personal:
        out_of_scope = OWNER[target] != username
    else:
        out_of_scope = not sees(username, target)
    if route.scope_first and out_of_scope:
        return 404
    if ROLE[username] not in route.roles:
        return route.deny
    if out_of_scope:
        return 404
    return None if route.method == "POST" else route.ok


def _url(matrix: Matrix, route: Route, target: str | None) -> str:
    values = dict(route.extra)
    if route.kind is not None:
        assert target is not None
        values.update(matrix.ids[route.kind][target])
    with matrix.app.test_request_context():
        return url_for(route.endpoint, **values)


def _ask(matrix: Matrix, route: Route, username: str, target: str | None) -> int:
    user = matrix.clients[username]
    url = _url(matrix, route, target)
    if route.method == "GET":
        response = user.client.get(url, headers={"HX-Request": "true"} if route.htmx else {})
    else:
        response = user.client.post(url, data={"csrf_token": user.csrf})
    response.close()
    return response.status_code


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.endpoint)
def test_route_answers_by_role_and_scope(matrix: Matrix, route: Route) -> None:
    wrong: list[str] = []
    targets: tuple[str | None, ...] = route.targets if route.kind else (None,)
    for username in USERS:
        for target in targets:
            want = expected(route, username, target)
            if want is None:
                continue
            got = _ask(matrix, route, username, target)
            if got != want:
                wrong.append(f"{username} on {target or '-'}: got {got}, want {want}")
    assert not wrong, "\n".join(wrong)


def test_every_route_is_in_the_matrix(matrix: Matrix) -> None:
    covered = {route.endpoint for route in ROUTES} | set(NOT_IN_MATRIX)
    endpoints = {rule.endpoint for rule in matrix.app.url_map.iter_rules()}
    assert endpoints - covered == set(), "add these routes to the matrix"
    assert covered - endpoints == set(), "these routes no longer exist"


def test_out_of_scope_looks_like_missing(matrix: Matrix) -> None:
    """404 for another sub-branch's visit is the same page as for an id that never existed."""
    mgr1 = matrix.clients["mgr1"]
    hidden = mgr1.client.get(f"/visits/{matrix.ids['visit']['A2']['visit_id']}")
    missing = mgr1.client.get(f"/visits/{new_id()}")
    assert hidden.status_code == missing.status_code == 404
    assert without_tokens(hidden.get_data(as_text=True)) == without_tokens(missing.get_data(as_text=True))

