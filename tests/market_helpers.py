"""Peer records, catalogue products and surveys made through their write paths, for the route matrix, the hostile
world and the market tests."""
from __future__ import annotations

from typing import Any

from tests.channel_helpers import ctx
from tests.factories import World
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.market.catalogue import save_product
from webapp.market.peers import put_peer_record
from webapp.models import OurProduct, SubBranch


def peer_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"district": "武林商圈", "bank": "工商银行", "product": "经营快贷", "category": "credit",
                            "rate": "3.95", "repayment_method": "interest_first", "entry_threshold": "经营满一年，有纳税记录",
                            "max_amount": "300000", "max_term_months": "12", "strengths": "审批快",
                            "weaknesses": "额度低", "marketing_strategy": "商圈驻点", "source": "customer",
                            "observed_on": bank_today().isoformat()}
    body.update(extra)
    return body


def product_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "小微快贷", "category": "credit", "rate": "3.85", "repayment_method": "equal_installment",
                            "entry_threshold": "经营满半年", "max_amount": "500000", "max_term_months": "36",
                            "notes": "", "active": "yes"}
    body.update(extra)
    return body


def build_market(world: World) -> dict[str, dict[str, dict[str, Any]]]:
    """A peer record in A1, A2 and B1; a catalogue product in each branch (HZ for A1 and A2, NB for B1)."""
    ids: dict[str, dict[str, dict[str, Any]]] = {"peer": {}, "product": {}}
    products: dict[str, int] = {}
    for index, (target, owner, admin) in enumerate((("A1", "mgr1", "admin"), ("A2", "mgr7", "admin"),
                                                    ("B1", "mgrb", None))):
        record = put_peer_record(ctx(owner), f"10000000-0000-4000-8000-00000000000{index}", peer_body())
        ids["peer"][target] = {"record_id": record.record.id}
        if admin is not None and "HZ" not in products:
            products["HZ"] = save_product(ctx(admin), None, product_body()).id
    # Branch NB has no admin in the small world: its product is put in as a row.
    nb = db.session.get(SubBranch, world.sub_branches["B1"])
    assert nb is not None
    other = OurProduct(branch_id=nb.branch_id, name="甬城贷", category="credit", rate_bp=400)
    db.session.add(other)
    db.session.commit()
    ids["product"] = {"A1": {"product_id": products["HZ"]}, "A2": {"product_id": products["HZ"]},
                      "B1": {"product_id": other.id}}
    return ids


def survey_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "商户融资需求调研", "intro": "占用您两分钟", "questions": [
        {"kind": "choice", "text": "目前是否有融资需求", "choices": "有\n没有\n不确定", "required": "yes"},
        {"kind": "choices", "text": "希望的还款方式", "choices": ["等额本息", "先息后本", "随借随还"]},
        {"kind": "number", "text": "资金需求（万元）"},
        {"kind": "months", "text": "哪几个月最需要资金"},
        {"kind": "text", "text": "对银行服务的建议"}]}
    body.update(extra)
    return body


def build_surveys(world: World) -> dict[str, dict[str, dict[str, Any]]]:
    """A survey with an open round in A1 and A2 (by their leads); B1, whose small world has no lead, gets its row."""
    from webapp.market.surveys import open_round, save_survey
    from webapp.models import Survey

    ids: dict[str, dict[str, dict[str, Any]]] = {"survey": {}}
    for target, lead in (("A1", "lead1"), ("A2", "lead2")):
        survey = save_survey(ctx(lead), None, survey_body(title=f"调研{target}"))
        open_round(ctx(lead), survey)
        ids["survey"][target] = {"survey_id": survey.id}
    other = Survey(sub_branch_id=world.sub_branches["B1"], title="调研B1", created_by_id=world.users["mgrb"],
                   state="draft")
    db.session.add(other)
    db.session.commit()
    ids["survey"]["B1"] = {"survey_id": other.id}
    return ids
