"""The demo team's channels, market intelligence and customer relations, made through the same write paths the
pages, the phones and the CLI use: channels in both sub-branches (one with an area drawn round its merchants), a
roadshow with leads captured, a festival activity planned, the branch's product catalogue, peer records over
months, a needs survey with answers, and a screening model run over the loan book."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from webapp.bank_time import bank_today
from webapp.channels.activities import save_activity
from webapp.channels.festivals import festivals_between
from webapp.channels.leads import put_lead
from webapp.channels.write import link_area_merchants, link_merchants, save_channel
from webapp.extensions import db
from webapp.market.catalogue import save_product
from webapp.market.peers import put_peer_record
from webapp.market.surveys import open_round, put_survey_response, save_survey
from webapp.models import Merchant, User
from webapp.relations.screening import run_model, save_model
from webapp.write_kernel import WriteContext

# Ids the demo's records are made under: fixed, so seeding is repeatable.
NAMESPACE = uuid.UUID("6b1f1f0e-7c1a-4d57-9a1e-2f9d3c1b8e11")


def _ctx(username: str, now: datetime) -> WriteContext:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    assert user is not None, username
    return WriteContext(actor=user, now=now)


def _id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def _merchants(sub_branch_code: str, district: str, limit: int) -> list[Merchant]:
    from webapp.models import SubBranch

    return list(db.session.scalars(sa.select(Merchant).join(SubBranch).where(
        SubBranch.code == sub_branch_code, Merchant.district == district).order_by(Merchant.id).limit(limit)))


def _channels(now: datetime) -> int:
    wulin = _merchants("A1", "武林商圈", 50)
    located = [m for m in wulin if m.lat is not None and m.lon is not None][:12]
    ring = None
    if located:
        lats = [float(m.lat) for m in located if m.lat is not None]
        lons = [float(m.lon) for m in located if m.lon is not None]
        pad = 0.0006
        south, north = min(lats) - pad, max(lats) + pad
        west, east = min(lons) - pad, max(lons) + pad
        ring = [[south, west], [south, east], [north, east], [north, west]]
    chamber = save_channel(_ctx("mgr1", now), None, {
        "kind": "association", "name": "武林商圈商会", "place": "杭州市拱墅区延安路武林商圈", "state": "signed",
        "merchant_count": "260", "loan_demand": "12000000", "terms_rate": "会员商户年化3.65%起",
        "terms_fees": "免账户管理费", "terms_note": "商会每季度组织一次金融说明会；会员名单可按月更新。",
        "area": ring, "contacts": [{"name": "陈会长", "role": "商会会长", "phone": "13805710001"},
                                   {"name": "刘秘书", "role": "秘书长", "phone": "13805710002"}]})
    if ring is not None:
        link_area_merchants(_ctx("mgr1", now), chamber)
    market = save_channel(_ctx("mgr7", now), None, {
        "kind": "specialised_market", "name": "四季青服装批发市场", "place": "杭州市上城区杭海路",
        "state": "negotiating",
        "merchant_count": "1800", "loan_demand": "45000000", "terms_rate": "年化3.85%—4.35%",
        "terms_fees": "市场方希望减免POS手续费", "terms_note": "换季备货前资金需求集中（2月、8月）。",
        "contacts": [{"name": "周经理", "role": "市场管理办", "phone": "13805710003"}]})
    link_merchants(_ctx("mgr7", now), market, [m.id for m in _merchants("A2", "四季青服装市场", 30)], "picked")
    save_channel(_ctx("mgr2", now), None, {"kind": "industrial_park", "name": "文三路数字产业园",
                                           "place": "杭州市西湖区文三路", "state": "prospecting",
                                           "merchant_count": "120"})
    return chamber.id


def _activities(now: datetime, chamber_id: int) -> None:
    today = bank_today(now)
    roadshow = save_activity(_ctx("mgr1", now), None, {
        "kind": "roadshow", "title": "武林商圈商户金融服务路演", "day": (today - timedelta(days=6)).isoformat(),
        "place": "武林广场东侧", "channel_id": str(chamber_id), "cost": "1500",
        "people": [str(u) for u in db.session.scalars(sa.select(User.id).where(User.username.in_(("mgr1", "mgr2"))))],
        "notes": "准备了经营贷、聚合码和信用卡三张展板。"})
    captured = now - timedelta(days=6)
    for index, (name, phone, need, product, assignee) in enumerate((
            ("王记生煎", "13967100011", "想给门店装聚合收款码", "aggregated_qr", "mgr1"),
            ("星河眼镜", "13967100012", "扩店需要30万经营贷", "loan", "mgr2"),
            ("小林花艺", "13967100013", "节日备货周转", "loan", "mgr1"))):
        put_lead(_ctx("mgr1", now), _id(f"lead-{index}"), {
            "activity_id": roadshow.id, "name": name, "phone": phone, "need": need, "need_product": product,
            "industry": "零售", "district": "武林商圈", "assignee": assignee,
            "captured_at": (captured + timedelta(minutes=15 * index)).isoformat()})
    coming = festivals_between(today, today + timedelta(days=366))
    if coming:
        festival = coming[0]  # the next festival, planned already
        save_activity(_ctx("lead1", now), None, {
            "kind": "festival", "festival": festival.code, "title": "节日商户答谢会", "channel_id": str(chamber_id),
            "day": festival.day.isoformat(), "place": "商会活动室", "cost": "3000"})


def _market(now: datetime) -> None:
    today = bank_today(now)
    save_product(_ctx("admin", now), None, {
        "name": "小微快贷", "category": "credit", "rate": "3.85", "repayment_method": "equal_installment",
        "entry_threshold": "经营满一年，个人征信良好", "max_amount": "500000", "max_term_months": "36",
        "active": "yes"})
    save_product(_ctx("admin", now), None, {
        "name": "商户抵押贷", "category": "secured", "rate": "3.45", "repayment_method": "interest_first",
        "entry_threshold": "本地房产抵押", "max_amount": "3000000", "max_term_months": "60", "active": "yes"})
    for index, (who, days_ago, district, bank, product, category, rate, amount, source) in enumerate((
            ("mgr1", 120, "武林商圈", "工商银行", "经营快贷", "credit", "4.35", "300000", "customer"),
            ("mgr2", 60, "武林商圈", "工商银行", "经营快贷", "credit", "3.95", "300000", "website"),
            ("mgr1", 10, "武林商圈", "工商银行", "经营快贷", "credit", "3.75", "500000", "customer"),
            ("mgr3", 30, "武林商圈", "建设银行", "云税贷", "credit", "3.60", "1000000", "staff"),
            ("mgr2", 20, "湖墅南路沿线", "农商银行", "丰收贷", "guaranteed", "4.80", "500000", "customer"),
            ("mgr7", 15, "四季青服装市场", "杭州银行", "商户易贷", "credit", "3.90", "500000", "customer"),
            ("mgr1", 45, "武林商圈", "招商银行", "抵押经营贷", "secured", "3.30", "5000000", "website"))):
        put_peer_record(_ctx(who, now), _id(f"peer-{index}"), {
            "district": district, "bank": bank, "product": product, "category": category, "rate": rate,
            "max_amount": amount, "max_term_months": "12" if category != "secured" else "120",
            "repayment_method": "interest_first", "source": source,
            "entry_threshold": "需纳税记录" if category == "credit" else "", "strengths": "审批快，线上办理",
            "weaknesses": "额度偏低" if category == "credit" else "", "marketing_strategy": "商圈驻点、扫街",
            "observed_on": (today - timedelta(days=days_ago)).isoformat()})


def _survey(now: datetime) -> None:
    survey = save_survey(_ctx("lead1", now - timedelta(days=10)), None, {
        "title": "商户融资需求调研", "intro": "占用您两分钟，了解您的资金需求。", "questions": [
            {"kind": "choice", "text": "近半年是否有融资需求", "choices": "有\n没有\n不确定", "required": "yes"},
            {"kind": "choices", "text": "希望的还款方式", "choices": "等额本息\n先息后本\n随借随还"},
            {"kind": "number", "text": "资金需求（万元）"},
            {"kind": "months", "text": "哪几个月最需要资金"},
            {"kind": "text", "text": "对银行服务的建议"}]})
    open_round(_ctx("lead1", now - timedelta(days=10)), survey)
    questions = [str(q.id) for q in survey.questions]
    merchants = _merchants("A1", "武林商圈", 12) + _merchants("A1", "湖墅南路沿线", 8)
    needs = ("有", "有", "没有", "不确定", "有")
    for index, merchant in enumerate(merchants):
        months = [1, 2] if merchant.industry in ("服装零售", "茶叶") else [9, 10] if index % 3 else [1, 12]
        answers: dict[str, object] = {questions[0]: needs[index % len(needs)], questions[3]: months}
        if answers[questions[0]] == "有":
            answers[questions[1]] = ["随借随还"] if index % 2 else ["先息后本"]
            answers[questions[2]] = str(10 + 5 * (index % 5))
        if index % 4 == 0:
            answers[questions[4]] = "希望审批再快一点"
        put_survey_response(_ctx("mgr1" if index % 2 else "mgr2", now), _id(f"survey-{index}"), {
            "survey_id": survey.id, "round": 1, "merchant_id": merchant.id, "answers": answers,
            "answered_at": (now - timedelta(days=9 - index % 8)).isoformat()})


def _screening(now: datetime) -> None:
    renewal = save_model(_ctx("lead1", now), None, {
        "name": "到期续贷", "purpose": "60天内到期、没有欠款的贷款：邀请续贷",
        "criteria": {"population": "loans", "matures_within_days": "60", "no_arrears": "yes"}})
    run_model(_ctx("lead1", now), renewal)
    save_model(_ctx("lead1", now), None, {
        "name": "借款人未办聚合码", "purpose": "在贷客户推荐聚合收款码",
        "criteria": {"population": "merchants", "statuses": ["borrower"], "without_product": "aggregated_qr"}})


def seed_channels(now: datetime) -> None:
    """Everything above, once, after the merchants, loans and meetings of the demo."""
    chamber_id = _channels(now)
    _activities(now, chamber_id)
    _market(now)
    _survey(now)
    _screening(now)
    db.session.flush()
