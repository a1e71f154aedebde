"""First-contact deadlines around the cut-off and across midnight, in China time whatever the server's zone."""
from __future__ import annotations

import os
import time as time_module
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest

from tests.collection_helpers import china
from webapp.collection.deadlines import (
    ContactRules,
    deadline_state,
    first_contact_deadline,
    follow_up_deadline,
    lateness,
    rules_from_config,
)

D = date(2026, 12, 1)
RULES = ContactRules()


@pytest.fixture(params=["UTC", "America/New_York", "Asia/Shanghai"])
def server_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """The process's local zone, as a server might be set up; the answers must not change."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time_module.tzset()
    try:
        yield request.param
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time_module.tzset()


@pytest.mark.parametrize(("opened", "due"), [
    (china(D, 9, 0), china(D, 23, 59)),                          # morning: the same day
    (china(D, 16, 59), china(D, 23, 59)),                        # a minute before the cut-off
    (china(D, 17, 0), china(D + timedelta(days=1), 10, 0)),      # at the cut-off: the next morning
    (china(D, 18, 30), china(D + timedelta(days=1), 10, 0)),     # the nightly import
    (china(D, 23, 59), china(D + timedelta(days=1), 10, 0)),     # just before midnight
    (china(D + timedelta(days=1), 0, 1), china(D + timedelta(days=1), 23, 59)),  # just after: a new day
    (china(date(2026, 12, 31), 20, 0), china(date(2027, 1, 1), 10, 0)),          # across the year
])
def test_deadline_around_the_cut_off_and_midnight(server_zone: str, opened: datetime, due: datetime) -> None:
    assert first_contact_deadline(opened, RULES) == due


def test_midnight_in_china_is_afternoon_in_utc(server_zone: str) -> None:
    """16:30 UTC on 1 December is 00:30 China time on the 2nd: a new bank day, so before the cut-off."""
    opened = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
    assert first_contact_deadline(opened, RULES) == datetime(2026, 12, 2, 15, 59, tzinfo=UTC)
    # 08:59 UTC is 16:59 China time (same day); 09:00 UTC is 17:00 (next morning, 02:00 UTC).
    assert first_contact_deadline(datetime(2026, 12, 1, 8, 59, tzinfo=UTC), RULES) == datetime(2026, 12, 1, 15, 59, tzinfo=UTC)
    assert first_contact_deadline(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), RULES) == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def test_settings_move_the_deadline() -> None:
    rules = rules_from_config({"COLLECTION_CONTACT_CUTOFF": "15:30", "COLLECTION_CONTACT_SAME_DAY_BY": "18:00",
                               "COLLECTION_CONTACT_NEXT_MORNING_BY": "09:00"})
    assert rules == ContactRules(time(15, 30), time(18, 0), time(9, 0))
    assert first_contact_deadline(china(D, 15, 29), rules) == china(D, 18, 0)
    assert first_contact_deadline(china(D, 15, 30), rules) == china(D + timedelta(days=1), 9, 0)


@pytest.mark.parametrize("bad", ["5pm", "25:00", "", None, "17"])
def test_a_wrong_setting_is_refused_not_guessed(bad: object) -> None:
    with pytest.raises(ValueError, match="COLLECTION_CONTACT_CUTOFF"):
        rules_from_config({"COLLECTION_CONTACT_CUTOFF": bad})


def test_states_and_lateness() -> None:
    due = china(D + timedelta(days=1), 10, 0)
    assert deadline_state(due, None, due - timedelta(minutes=1)) == "pending"
    assert deadline_state(due, None, due + timedelta(minutes=1)) == "missed"
    assert deadline_state(due, china(D + timedelta(days=1), 9, 10), due + timedelta(hours=5)) == "on_time"
    assert deadline_state(due, due, due) == "on_time"
    assert deadline_state(due, due + timedelta(seconds=1), due) == "late"
    assert lateness(due, due + timedelta(hours=3, minutes=20), due) == timedelta(hours=3, minutes=20)
    assert lateness(due, None, due + timedelta(minutes=45)) == timedelta(minutes=45)
    assert lateness(due, due - timedelta(hours=1), due + timedelta(days=1)) is None


def test_follow_up_is_due_the_next_morning(server_zone: str) -> None:
    promised = date(2026, 12, 5)
    # Judged at 00:05 on the 6th (the book for the 5th already in): due at 10:00 that morning.
    assert follow_up_deadline(promised, china(date(2026, 12, 6), 0, 5), RULES) == china(date(2026, 12, 6), 10, 0)
    # Judged at 18:30 on the 6th (the book came late): the next morning.
    assert follow_up_deadline(promised, china(date(2026, 12, 6), 18, 30), RULES) == china(date(2026, 12, 7), 10, 0)
    # Never before the morning after the promised date.
    assert follow_up_deadline(promised, china(date(2026, 12, 5), 8, 0), RULES) == china(date(2026, 12, 6), 10, 0)


def test_a_wrong_setting_stops_the_app_at_start(tmp_path: object) -> None:
    from webapp import create_app

    with pytest.raises(ValueError, match="COLLECTION_CONTACT_NEXT_MORNING_BY"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "COLLECTION_CONTACT_NEXT_MORNING_BY": "ten"})
