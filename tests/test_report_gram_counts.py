"""The branch's gram counts (the rarity weights of copied-report matching) are written when the transaction
commits, so two managers saving notes at once do not queue on the rows every note shares (the branch's total,
common grams) for the rest of each other's write."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask

from tests.factories import World
from tests.lock_helpers import assert_commits_while_open, postgres_only
from webapp.extensions import db
from webapp.integrity import text_similarity as ts
from webapp.integrity.copies import find_copies, index_text, remove_text
from webapp.models import ReportGram

NOTE = "老板说最近生意不错，准备扩大店面，下个月想申请三十万经营贷，用于进货和装修。"
COPY = "老板说最近生意不错，准备扩大店面，下个月想申请二十万经营贷，用于进货和装修。"
OTHER = "店里在装修，暂停营业两天，老板约了下周再来，库存和流水下次检查时再看。"
WHEN = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def counts(branch_id: int) -> dict[int, int]:
    return dict(db.session.execute(sa.select(ReportGram.gram, ReportGram.reports).where(
        ReportGram.branch_id == branch_id)).all())


def gram_ids(text: str) -> set[int]:
    return {ts.gram_id(g) for g in ts.shingles(ts.normalise(text))}


def index(record: str, text: str, branch_id: int) -> None:
    index_text("visit_note", record, text, branch_id=branch_id, written_at=WHEN)


def test_counts_are_written_at_commit_and_dropped_with_a_rollback(app: Flask, world: World) -> None:
    branch = world.branch_id
    with app.app_context():
        index("a", NOTE, branch)
        db.session.flush()
        assert counts(branch) == {}  # not yet: at commit
        # The transaction's own counts still weigh its next look-up: the copy is found as before.
        assert [c.record_id for c in find_copies("visit_note", "b", COPY, branch_id=branch)] == ["a"]
        db.session.commit()
        grams = gram_ids(NOTE)
        assert counts(branch) == {0: 1, **dict.fromkeys(grams, 1)}

        index("b", OTHER, branch)
        db.session.rollback()
        assert counts(branch)[0] == 1

        index("b", OTHER, branch)
        remove_text("visit_note", "a")
        db.session.commit()
        after = counts(branch)
        assert after[0] == 1
        assert all(after[gram] == 1 for gram in gram_ids(OTHER))
        assert all(after[gram] == 0 for gram in grams - gram_ids(OTHER))


def test_a_second_writer_does_not_wait_for_the_first_to_commit(app: Flask, world: World) -> None:
    """Before, the second writer's count of the branch total waited on the first's row lock until that one
    committed (here: lock_timeout)."""
    postgres_only(app)
    branch = world.branch_id
    with app.app_context():
        index("first", NOTE, branch)
        db.session.flush()  # the first writer's rows are in, its transaction open
        assert_commits_while_open(app, lambda: index("second", OTHER, branch))
        db.session.commit()
        assert counts(branch)[0] == 2
