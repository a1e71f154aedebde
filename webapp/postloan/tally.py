"""The completion tally: checks per sub-branch and due day, by outcome, recounted for the days a change
touched. Recounting (rather than adding deltas) cannot drift; the rows are locked first on PostgreSQL so two
writers of the same day recount one after the other."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.sql.expression import Executable

from webapp.database import insert_ignoring
from webapp.extensions import db
from webapp.models import CheckTally, CheckTallyTotal, ScheduledCheck
from webapp.models.base import table_of

TallyKey = tuple[int, date]
CHUNK = 300
COUNT_COLUMNS = ("open_count", "done_on_time", "done_late", "waived")


def _insert_missing(model: type[CheckTally] | type[CheckTallyTotal], values: list[dict[str, object]]) -> Executable:
    """Rows that exist already are left as they are."""
    return insert_ignoring(model, values, db.session.get_bind().dialect.name)


def recount(keys: Iterable[TallyKey]) -> None:
    """Bring the tally rows of these (sub-branch, due day) keys in line with the schedule."""
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), CHUNK):
        _recount_chunk(ordered[start:start + CHUNK])


def _recount_chunk(keys: list[TallyKey]) -> None:
    in_keys = sa.tuple_(CheckTally.sub_branch_id, CheckTally.due_on).in_(keys)
    zeros = [{"sub_branch_id": s, "due_on": d, **dict.fromkeys(COUNT_COLUMNS, 0)} for s, d in keys]
    db.session.execute(_insert_missing(CheckTally, zeros))
    before = {(s, d): n for s, d, n in db.session.execute(
        sa.select(CheckTally.sub_branch_id, CheckTally.due_on, CheckTally.open_count).where(in_keys).with_for_update())}
    check = ScheduledCheck
    counts = db.session.execute(
        sa.select(
            check.sub_branch_id, check.due_on,
            sa.func.sum(sa.case((check.status == "open", 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(check.status == "done", check.done_on <= check.due_on), 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(check.status == "done", check.done_on > check.due_on), 1), else_=0)),
            sa.func.sum(sa.case((check.status == "waived", 1), else_=0)),
        )
        .where(sa.tuple_(check.sub_branch_id, check.due_on).in_(keys))
        .group_by(check.sub_branch_id, check.due_on)
    ).all()
    found = {(row[0], row[1]): row[2:] for row in counts}
    updates = [{"s": s, "d": d, **dict(zip(COUNT_COLUMNS, (int(v or 0) for v in found.get((s, d), (0, 0, 0, 0)))))}
               for s, d in keys]
    table = table_of(CheckTally)
    db.session.execute(
        sa.update(table)
        .where(table.c.sub_branch_id == sa.bindparam("s"), table.c.due_on == sa.bindparam("d"))
        .values({name: sa.bindparam(name) for name in COUNT_COLUMNS}),
        updates,
    )
    deltas: dict[int, int] = defaultdict(int)
    for s, d in keys:
        now_open = int(found.get((s, d), (0,))[0] or 0)
        deltas[s] += now_open - int(before.get((s, d), 0) or 0)
    _add_to_totals({s: n for s, n in deltas.items() if n})


def _add_to_totals(deltas: dict[int, int]) -> None:
    """Move the per-sub-branch open totals by what the recount changed (an atomic add under the row lock)."""
    if not deltas:
        return
    db.session.execute(_insert_missing(CheckTallyTotal, [{"sub_branch_id": s, "open_count": 0} for s in deltas]))
    table = table_of(CheckTallyTotal)
    db.session.execute(
        sa.update(table).where(table.c.sub_branch_id == sa.bindparam("s"))
        .values(open_count=table.c.open_count + sa.bindparam("delta")),
        [{"s": s, "delta": n} for s, n in sorted(deltas.items())],
    )


def rebuild_all() -> None:
    """Recount every key from scratch (after a bulk load that bypassed the schedule writer)."""
    db.session.execute(sa.delete(CheckTally))
    db.session.execute(sa.delete(CheckTallyTotal))
    keys = db.session.execute(sa.select(ScheduledCheck.sub_branch_id, ScheduledCheck.due_on).distinct()).all()
    recount((int(s), d) for s, d in keys)
