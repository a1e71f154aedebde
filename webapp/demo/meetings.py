"""The demo team's meeting life, made through the same write paths the pages use: targets around today,
the branch's targets for its sub-branches, what is shared at the meetings, an incentive scheme running this
month (and one proposed), a study session, a performance talk with an action due, a team-building brief.

Actual figures are never seeded here: the boards count whatever visits exist.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.meetings.items import add_meeting_item
from webapp.meetings.learning import create_brief, record_study_session
from webapp.meetings.schemes import propose_scheme, save_scheme
from webapp.meetings.talks import record_talk
from webapp.meetings.targets import period_start, set_sub_branch_targets, set_team_targets
from webapp.metrics.definitions import month_start, next_month
from webapp.models import SubBranch, Team, User
from webapp.roles import FIELD_ROLES
from webapp.scope import board_people
from webapp.write_kernel import WriteContext

TEAM = "武林一队"
# Daily targets per person: consultations, applications, deals (the lead asks a little more of the seniors).
DAY_TARGETS = ((6, 2, 3), (5, 2, 2), (5, 1, 2), (4, 1, 2), (4, 1, 1), (5, 2, 2), (4, 1, 1))


def _ctx(username: str, now: datetime) -> WriteContext:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    assert user is not None, username
    return WriteContext(actor=user, now=now)


def _grid(people: list[User], scale: int) -> dict[str, str]:
    form: dict[str, str] = {}
    for index, person in enumerate(people):
        consultations, applications, deals = DAY_TARGETS[index % len(DAY_TARGETS)]
        for metric, value in (("consultations", consultations), ("applications", applications), ("deals", deals)):
            form[f"t-{person.id}-{metric}"] = str(value * scale)
    return form


def _targets(team: Team, today: date, now: datetime) -> None:
    lead = _ctx("lead1", now)
    people = list(db.session.scalars(board_people(team)))
    for offset in range(-14, 8):
        day = today + timedelta(days=offset)
        if day.weekday() < 5:
            set_team_targets(lead, team, "day", day, _grid(people, 1))
    for week in (period_start("week", today), period_start("week", today) + timedelta(days=7)):
        set_team_targets(lead, team, "week", week, _grid(people, 5))
    set_team_targets(lead, team, "month", month_start(today), _grid(people, 21))
    branch = _ctx("reviewer1", now)
    for sub_branch in db.session.scalars(sa.select(SubBranch).order_by(SubBranch.code)):
        size = len(list(db.session.scalars(sa.select(User.id).where(User.sub_branch_id == sub_branch.id,
                                                                    User.role.in_(FIELD_ROLES)))))
        set_sub_branch_targets(branch, sub_branch, "month", month_start(today), {
            "consultations": str(100 * size), "applications": str(30 * size), "deals": str(40 * size),
            "deals.credit_card": str(8 * size)})


def _items(team: Team, today: date, now: datetime) -> None:
    lead, branch = _ctx("lead1", now), _ctx("reviewer1", now)
    add_meeting_item(branch, None, day=today.isoformat(), kind="policy", title="普惠小微贷款利率下调 0.2 个百分点",
                     body="自本月起新发放的普惠小微经营贷执行新利率，存量客户续贷同样适用。", shared_by="")
    for day, kind, title, body, sharer in (
        (today, "news", "人民银行：延续实施普惠小微贷款支持工具", "政策延续至年底，重点支持首贷户和信用贷。", "mgr4"),
        (today, "success_story", "四季青服装批发：一次走访带出三笔业务",
         "王芳在走访中发现商户旺季备货资金缺口，当场完成经营贷申请，并开通聚合码和商户收单。", "mgr1"),
        (today, "tip", "今日小知识：个人养老金账户每年缴存上限 12000 元",
         "缴存可享个税递延，适合向商户老板推荐。", "mgr2"),
        (today, "role_play", "角色扮演：客户说“别的银行利率更低”怎么回应", "主聊：张伟；辅聊：刘洋；观察：陈静。", ""),
        (today - timedelta(days=1), "lesson", "复盘：扫街前先查辖区商户名单，避免重复拜访", "", "mgr3"),
        (today - timedelta(days=1), "market_news", "同业：某股份行推出 30 万元以内纯信用秒批产品", "", "mgr5"),
    ):
        add_meeting_item(lead, team, day=day.isoformat(), kind=kind, title=title, body=body, shared_by=sharer)


def _people_work(team: Team, today: date, now: datetime) -> None:
    lead, branch = _ctx("lead1", now), _ctx("reviewer1", now)
    first, last = month_start(today), next_month(today) - timedelta(days=1)
    save_scheme(branch, None, {
        "name": "本月活动量冲刺", "period_start": first.isoformat(), "period_end": last.isoformat(), "scope": "branch",
        "rule-0-type": "points", "rule-0-metric": "consultations", "rule-0-points": "1",
        "rule-1-type": "points", "rule-1-metric": "deals", "rule-1-points": "3",
        "rule-2-type": "threshold", "rule-2-metric": "applications", "rule-2-at_least": "20", "rule-2-bonus": "30",
        "rule-3-type": "team_bonus", "rule-3-metric": "deals", "rule-3-at_least": "150", "rule-3-bonus": "20"})
    proposed = save_scheme(lead, None, {
        "name": "武林一队 信用卡专项", "period_start": first.isoformat(), "period_end": last.isoformat(),
        "scope": "team",
        "rule-0-type": "points", "rule-0-metric": "deals.credit_card", "rule-0-points": "5"})
    propose_scheme(lead, proposed)
    attendees = [str(p.id) for p in db.session.scalars(board_people(team))]
    record_study_session(lead, {"topic": "小微企业金融服务监管政策解读",
                                "held_on": (today - timedelta(days=7)).isoformat(),
                                "notes": "重点：贷款用途管理、贷后检查频率。"}, attendees)
    mgr3 = db.session.scalar(sa.select(User).where(User.username == "mgr3"))
    assert mgr3 is not None
    record_talk(lead, mgr3, {
        "held_on": (today - timedelta(days=2)).isoformat(), "knowledge_ours": "3", "knowledge_peers": "2",
        "sales_skill": "3", "morale": "4", "summary": "活动量稳定，申请转化偏低；对同业产品了解不够。",
        "action-0-text": "整理三家同业经营贷产品对比表", "action-0-due": (today + timedelta(days=3)).isoformat(),
        "action-1-text": "与主管一起完成两次主聊拜访", "action-1-due": (today + timedelta(days=7)).isoformat()})
    create_brief(lead, {"title": "西湖环湖徒步团建", "held_on": (today - timedelta(days=10)).isoformat(),
                        "body": "全队九人完成 10 公里环湖徒步，分组完成“辖区商户知识问答”。"})


def seed_meetings(now: datetime) -> None:
    """The demo team's targets, meeting items, schemes, a study session, a talk and a brief; the caller commits."""
    team = db.session.scalar(sa.select(Team).where(Team.name == TEAM))
    if team is None:
        return
    today = bank_today(now)
    _targets(team, today, now)
    _items(team, today, now)
    _people_work(team, today, now)
    db.session.flush()
