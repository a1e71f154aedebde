"""Screening models, runs and targets made through their write paths, for the route matrix and the hostile world."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from tests.channel_helpers import ctx
from tests.factories import World
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.models import ScreeningModel, ScreeningRun, ScreeningTarget
from webapp.relations.screening import run_model, save_model


def model_body(**criteria: Any) -> dict[str, Any]:
    return {"name": "到期续贷", "purpose": "60天内到期且无欠款的贷款，邀请续贷",
            "criteria": {"population": "loans", "matures_within_days": "60", "no_arrears": "yes", **criteria}}


def build_relations(world: World) -> dict[str, dict[str, dict[str, Any]]]:
    """A model run in A1 and A2 by their leads (borrowers of the sub-branch), and in B1 (no lead in the small world)
    a model, run and target put in as rows."""
    ids: dict[str, dict[str, dict[str, Any]]] = {"screening_model": {}, "target": {}}
    for target, lead in (("A1", "lead1"), ("A2", "lead2")):
        model = save_model(ctx(lead), None, {"name": f"存量借款人{target}", "purpose": "交叉营销",
                                             "criteria": {"population": "merchants", "statuses": ["borrower", "prospect"]}})
        run = run_model(ctx(lead), model)
        found = db.session.scalar(sa.select(ScreeningTarget.id).where(ScreeningTarget.run_id == run.id)
                                  .order_by(ScreeningTarget.id))
        assert found is not None, target
        ids["screening_model"][target] = {"model_id": model.id}
        ids["target"][target] = {"target_id": found}
    other = ScreeningModel(sub_branch_id=world.sub_branches["B1"], name="B1", criteria={"population": "merchants"},
                           created_by_id=world.users["mgrb"])
    db.session.add(other)
    db.session.flush()
    run = ScreeningRun(model_id=other.id, sub_branch_id=world.sub_branches["B1"], criteria={}, as_of=bank_today(),
                       run_at=datetime.now(UTC), run_by_id=world.users["mgrb"], target_count=1)
    db.session.add(run)
    db.session.flush()
    target_row = ScreeningTarget(run_id=run.id, merchant_id=world.other_branch_merchant, assignee_id=world.users["mgrb"])
    db.session.add(target_row)
    db.session.commit()
    ids["screening_model"]["B1"] = {"model_id": other.id}
    ids["target"]["B1"] = {"target_id": target_row.id}
    return ids
