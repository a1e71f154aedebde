"""Sampling (抽查): the size rule and its rounding, reproducibility by seed, at least M per manager, and a
recorded sample that an auditor can draw again."""
from __future__ import annotations

import hashlib
import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import World
from tests.review_helpers import create_visit
from webapp.bank_time import BANK_ZONE
from webapp.extensions import db
from webapp.models.review import ReviewSample, ReviewSampleVisit
from webapp.review.sampling import draw, population_digest, rank, sample_size


@pytest.mark.parametrize(("population", "percent", "minimum", "expected"), [
    (0, 10, 2, 0),      # nobody to sample
    (10, 10, 0, 1),     # exactly 10%
    (15, 10, 0, 2),     # 1.5 rounds up to 2: a check errs on the side of looking at more
    (11, 10, 0, 2),     # 1.1 rounds up too
    (100, 5, 0, 5),
    (101, 5, 0, 6),
    (3, 10, 2, 2),      # the minimum wins over the share
    (1, 10, 2, 1),      # never more than there is
    (40, 50, 2, 20),    # the share wins over the minimum
    (7, 100, 0, 7),
])
def test_sample_size_rule(population: int, percent: int, minimum: int, expected: int) -> None:
    assert sample_size(population, percent, minimum) == expected


def ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:04d}-0000-4000-8000-000000000000"[:36] for i in range(n)]


POPULATION = {1: ids("aaaa", 40), 2: ids("bbbb", 15), 3: ids("cccc", 1), 4: ids("dddd", 3)}


def test_the_same_seed_draws_the_same_sample_in_any_order() -> None:
    first = draw(POPULATION, percent=10, minimum=2, seed="20261130")
    shuffled = {m: random.Random(m).sample(v, len(v)) for m, v in reversed(list(POPULATION.items()))}
    again = draw(shuffled, percent=10, minimum=2, seed="20261130")
    assert {m: set(v) for m, v in first.items()} == {m: set(v) for m, v in again.items()}
    assert first == again  # same order too: by rank


def test_a_different_seed_draws_a_different_sample() -> None:
    first = draw(POPULATION, percent=10, minimum=2, seed="1")
    second = draw(POPULATION, percent=10, minimum=2, seed="2")
    assert set(first[1]) != set(second[1])  # 4 of 40: C(40,4) = 91,390 possible samples
    seeds = [str(s) for s in range(20)]
    samples = {frozenset(draw(POPULATION, percent=10, minimum=2, seed=s)[1]) for s in seeds}
    assert len(samples) > 15  # generally different, not merely once


def test_at_least_m_per_manager_and_n_percent_rounded_up() -> None:
    drawn = draw(POPULATION, percent=10, minimum=2, seed="abc")
    assert {m: len(v) for m, v in drawn.items()} == {1: 4, 2: 2, 3: 1, 4: 2}
    for manager, visits in drawn.items():
        assert set(visits) <= set(POPULATION[manager])


def test_the_draw_can_be_redone_with_any_sha256_tool() -> None:
    """Rank = sha256 of the seed, a line break and the visit id; the lowest ranks are drawn."""
    seed = "777"
    expected = sorted(POPULATION[2], key=lambda v: hashlib.sha256(f"{seed}\n{v}".encode()).hexdigest())[:2]
    assert draw({2: POPULATION[2]}, percent=10, minimum=2, seed=seed)[2] == expected
    assert rank(seed, POPULATION[2][0]) == hashlib.sha256(f"{seed}\n{POPULATION[2][0]}".encode()).hexdigest()


def test_population_digest_ignores_order() -> None:
    assert population_digest(["b", "a"]) == population_digest(["a", "b"]) != population_digest(["a"])


# --- recorded samples --------------------------------------------------------------------------------------


@pytest.fixture
def month(app: Flask, world: World) -> dict[str, list[str]]:
    """Visits over the last days: 12 by mgr1, 5 by mgr2, 1 by mgr7 (A2), 2 by mgrb (another branch)."""
    now = datetime.now(UTC)
    made: dict[str, list[str]] = {}
    plan = (("mgr1", "a1_owned", 12), ("mgr2", "a1_other", 5), ("mgr7", "a2", 1), ("mgrb", "other_branch", 2))
    for lead, merchant, n in plan:
        made[lead] = [create_visit(app, world, lead=lead, merchant=merchant, photos=0,
                                   at=now - timedelta(days=1, hours=i)) for i in range(n)]
    return made


def period(days_back: int = 5) -> dict[str, str]:
    today = datetime.now(UTC).astimezone(BANK_ZONE).date()
    return {"from": (today - timedelta(days=days_back)).isoformat(), "to": today.isoformat()}


def sampled(app: Flask, sample_id: int) -> dict[int, set[str]]:
    with app.app_context():
        out: dict[int, set[str]] = {}
        for manager_id, visit_id in db.session.execute(
            sa.select(ReviewSampleVisit.manager_id, ReviewSampleVisit.visit_id)
            .where(ReviewSampleVisit.sample_id == sample_id)):
            out.setdefault(manager_id, set()).add(visit_id)
        return out


def draw_form(user: Any, **fields: str) -> int:
    response = user.post("/review/samples/", {**period(), "percent": "10", "minimum": "2", **fields})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    match = re.search(r"/review/samples/(\d+)$", response.headers["Location"])
    assert match
    return int(match.group(1))


def test_a_recorded_sample_is_drawn_again_identically(app: Flask, world: World, month: dict[str, list[str]],
                                                      login: Any) -> None:
    reviewer = login("reviewer1")
    first = draw_form(reviewer, seed="audit-2026")
    picked = sampled(app, first)
    assert {world.users["mgr1"]: 2, world.users["mgr2"]: 2, world.users["mgr7"]: 1} == \
        {m: len(v) for m, v in picked.items()}
    for lead in ("mgr1", "mgr2", "mgr7"):
        assert picked[world.users[lead]] <= set(month[lead])
    with app.app_context():
        sample = db.session.get(ReviewSample, first)
        assert sample is not None and sample.seed == "audit-2026" and (sample.population, sample.drawn) == (18, 5)

    # Later visits of the same period (an offline phone syncing) do not change the recorded sample.
    # (received now, after the draw: create_visit's ``at`` is the server's receipt time, so it is left out;
    # a receipt time before the draw would put the visit into the recorded population and change the draw)
    create_visit(app, world, lead="mgr2", merchant="a1_other", photos=0, seed=50)
    page = reviewer.get(f"/review/samples/{first}").get_data(as_text=True)
    assert 'data-redraw-result="identical"' in page and "audit-2026" in page
    for visit_id in set().union(*picked.values()):
        assert f'data-sample-visit="{visit_id}"' in page

    # The same seed drawn again as a new sample (now with the late visit in the population) for mgr1 is the same.
    again = sampled(app, draw_form(reviewer, seed="audit-2026"))
    assert again[world.users["mgr1"]] == picked[world.users["mgr1"]]
    # Other seeds draw other visits (the visit ids are random here, so no single seed is certain to differ:
    # three seeds all repeating 2 of 12 and 2 of 5 would be a one-in-300-million event).
    whole = set().union(*picked.values())
    others = [set().union(*sampled(app, draw_form(reviewer, seed=s)).values()) for s in ("s-1", "s-2", "s-3")]
    assert any(other != whole for other in others)


def test_an_empty_seed_gets_a_recorded_random_one(app: Flask, world: World, month: dict[str, list[str]],
                                                  login: Any) -> None:
    sample_id = draw_form(login("reviewer1"), seed="")
    with app.app_context():
        sample = db.session.get(ReviewSample, sample_id)
        assert sample is not None and re.fullmatch(r"\d{12}", sample.seed)


def test_a_team_lead_samples_their_team(app: Flask, world: World, month: dict[str, list[str]], login: Any) -> None:
    # The form's team is ignored: a team lead's sample is always their own team's.
    sample_id = draw_form(login("lead1"), percent="100", team=str(world.teams["T2"]))
    picked = sampled(app, sample_id)
    assert set(picked) == {world.users["mgr1"], world.users["mgr2"]}
    assert login("lead2").get(f"/review/samples/{sample_id}").status_code == 404
    assert login("reviewer1").get(f"/review/samples/{sample_id}").status_code == 200


def test_the_sample_opens_in_the_queue(app: Flask, world: World, month: dict[str, list[str]], login: Any) -> None:
    reviewer = login("reviewer1")
    sample_id = draw_form(reviewer, seed="q")
    html = reviewer.get(f"/review/?sample={sample_id}").get_data(as_text=True)
    shown = set(re.findall(r'data-review-row="([0-9a-f-]{36})"', html))
    assert shown == set().union(*sampled(app, sample_id).values())
    assert f'data-sample-filter="{sample_id}"' in html


@pytest.mark.parametrize(("fields", "field"), [
    ({"percent": "0"}, "percent"),
    ({"percent": "101"}, "percent"),
    ({"minimum": "-1"}, "minimum"),
    ({"from": "2026-02-30"}, "from"),
    ({"from": "2026-03-01", "to": "2026-02-01"}, "from"),
    ({"from": "2024-01-01", "to": "2026-01-01"}, "from"),
    ({"seed": "no spaces please"}, "seed"),
    ({"kind": "party"}, "kind"),
])
def test_invalid_sample_forms(app: Flask, world: World, login: Any, fields: dict[str, str], field: str) -> None:
    reviewer = login("reviewer1")
    data = {**period(), "percent": "10", "minimum": "2", **fields}
    response = reviewer.post("/review/samples/", data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<form class="card sample-form"') and f'data-error="{field}"' in text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewSample)) == 0
