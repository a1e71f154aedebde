"""Login throttling counts failures only, per account and per address, and says when to try again; every
attempt checks exactly one password hash, whoever the username names."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from limits.storage import MemoryStorage
from limits.strategies import STRATEGIES

from tests.conftest import CSRF_META, PASSWORD
from tests.factories import World, user_by_name
from webapp import create_app
from webapp.auth import passwords
from webapp.extensions import db, limiter

BRANCH_NAT = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def throttled(app_config: dict[str, Any], world: World) -> Iterator[Flask]:
    """The app with the limiter on (the other tests run without it) and small limits, on a fresh store."""
    app = create_app({**app_config, "RATELIMIT_ENABLED": True,
                      "LOGIN_ACCOUNT_FAILURE_LIMIT": "3 per 15 minutes",
                      "LOGIN_ADDRESS_FAILURE_LIMIT": "5 per 15 minutes"})
    yield app
    with app.app_context():
        db.engine.dispose()


def _attempt(app: Flask, username: str, password: str, address: str = BRANCH_NAT) -> Any:
    client = app.test_client()
    match = CSRF_META.search(client.get("/login").get_data(as_text=True))
    assert match
    return client.post("/login", data={"username": username, "password": password, "csrf_token": match.group(1)},
                       environ_base={"REMOTE_ADDR": address})


def _assert_told_when(response: Any) -> None:
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60
    body = response.get_data(as_text=True)
    # The time in the bank's clock and the wait in minutes, in words.
    assert re.search(r"\d\d:\d\d", body), body
    assert f"{-(-retry_after // 60)}" in body


def test_fifty_logins_from_one_address_lock_nobody_out(app_config: dict[str, Any], world: World) -> None:
    """The default limits: successful logins are not counted at all (they were: 10 a minute per address)."""
    app = create_app({**app_config, "RATELIMIT_ENABLED": True})
    statuses = {_attempt(app, name, PASSWORD).status_code for name in ("mgr1", "mgr2", "mgr3", "lead1") * 15}
    with app.app_context():
        db.engine.dispose()
    assert statuses == {303}


def test_failures_lock_the_account_and_say_when(throttled: Flask) -> None:
    assert _attempt(throttled, "mgr1", "bad-guess-1").status_code == 401
    assert _attempt(throttled, "mgr1", "bad-guess-2", ELSEWHERE).status_code == 401
    third = _attempt(throttled, "mgr1", "bad-guess-3")
    _assert_told_when(third)
    assert "用户名或密码错误" in third.get_data(as_text=True)
    # Locked: the right password too, from any address, until the window frees.
    for address in (BRANCH_NAT, ELSEWHERE):
        locked = _attempt(throttled, "mgr1", PASSWORD, address)
        _assert_told_when(locked)
        assert "该用户名" in locked.get_data(as_text=True)
    # Other accounts behind the same address are not affected.
    assert _attempt(throttled, "mgr2", PASSWORD).status_code == 303


def test_address_limit_refuses_wrong_passwords_but_never_a_right_one(throttled: Flask) -> None:
    """A branch's NAT address: many colleagues' typos must not lock out the next person's right password."""
    statuses = [_attempt(throttled, name, "bad-guess").status_code
                for name in ("mgr1", "mgr2", "mgr3", "lead1", "nobody")]
    assert statuses == [401, 401, 401, 401, 429]
    wrong = _attempt(throttled, "reviewer1", "bad-guess")
    _assert_told_when(wrong)
    assert "网络" in wrong.get_data(as_text=True)
    # A right password still logs in from that address, for an account with failures and one without.
    assert _attempt(throttled, "mgr1", PASSWORD).status_code == 303
    assert _attempt(throttled, "admin", PASSWORD).status_code == 303
    # Another address is not affected.
    assert _attempt(throttled, "mgr3", "bad-guess", ELSEWHERE).status_code == 401


def test_unknown_usernames_are_counted_like_real_ones(throttled: Flask) -> None:
    """The same answers in the same order: the throttle tells nobody which accounts exist."""
    for name in ("mgr2", "ghost"):
        statuses = [_attempt(throttled, name, "bad-guess", ELSEWHERE if name == "ghost" else BRANCH_NAT).status_code
                    for _ in range(4)]
        assert statuses == [401, 401, 429, 429], name


def test_a_successful_login_clears_the_account_count(throttled: Flask) -> None:
    assert [_attempt(throttled, "mgr1", "bad-guess", ELSEWHERE).status_code for _ in range(2)] == [401, 401]
    assert _attempt(throttled, "mgr1", PASSWORD, ELSEWHERE).status_code == 303
    assert [_attempt(throttled, "mgr1", "bad-guess", ELSEWHERE).status_code for _ in range(2)] == [401, 401]


def test_username_case_and_spaces_share_one_count(throttled: Flask) -> None:
    statuses = [_attempt(throttled, name, "bad-guess", ELSEWHERE).status_code for name in ("mgr1", " MGR1", "Mgr1 ")]
    assert statuses == [401, 401, 429]


@pytest.mark.parametrize("strategy", ["moving-window", "sliding-window-counter"])
def test_the_throttle_works_with_every_limiter_strategy(throttled: Flask, strategy: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the limits strategy API is used (test, hit, get_window_stats, clear), never a storage's own
    structures: the fixture's fixed window and these strategies all lock and free alike."""
    monkeypatch.setattr(limiter, "_limiter", STRATEGIES[strategy](MemoryStorage()))
    assert [_attempt(throttled, "mgr1", "bad-guess").status_code for _ in range(2)] == [401, 401]
    _assert_told_when(_attempt(throttled, "mgr1", "bad-guess"))
    _assert_told_when(_attempt(throttled, "mgr1", PASSWORD))
    assert _attempt(throttled, "mgr2", PASSWORD).status_code == 303


@pytest.mark.parametrize("case", ["unknown", "disabled", "wrong password", "right password"])
def test_every_attempt_checks_exactly_one_hash(app: Flask, world: World, case: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown and disabled accounts pay for a dummy hash of the same cost: time tells nothing."""
    if case == "disabled":
        with app.app_context():
            user_by_name("mgr2").is_enabled = False
            db.session.commit()
    username, password = {"unknown": ("nobody", PASSWORD), "disabled": ("mgr2", PASSWORD),
                          "wrong password": ("mgr1", "bad-guess"), "right password": ("mgr1", PASSWORD)}[case]
    client = app.test_client()
    token = CSRF_META.search(client.get("/login").get_data(as_text=True))
    assert token
    calls: list[str] = []
    real = passwords.check_password_hash

    def counting(stored: str, given: str) -> bool:
        calls.append(stored.split("$", 1)[0])
        return real(stored, given)

    monkeypatch.setattr(passwords, "check_password_hash", counting)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)})
    assert response.status_code == (303 if case == "right password" else 401)
    assert len(calls) == 1
    # The dummy is made with the configured method: the same cost as a real account's hash.
    assert calls[0] == app.config["PASSWORD_HASH_METHOD"]
