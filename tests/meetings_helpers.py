"""Meeting records in every sub-branch of the test world, made through their write paths (for the route matrix
and the scope tests): a talk with an action, a meeting item, an approved scheme, a brief with a photo."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tests.factories import PASSWORD, World, user_by_name
from tests.visit_helpers import jpeg_bytes, new_id
from webapp.admin.accounts import UserInput, save_user
from webapp.bank_time import bank_today
from webapp.extensions import db
from webapp.meetings.items import add_meeting_item
from webapp.meetings.learning import add_brief_photo, create_brief
from webapp.meetings.schemes import save_scheme
from webapp.meetings.talks import record_talk
from webapp.models import Team
from webapp.write_kernel import WriteContext

# Per sub-branch of the world: its lead, a manager of the team, and the branch's reviewer.
PEOPLE = {"A1": ("lead1", "mgr1", "reviewer1"), "A2": ("lead2", "mgr7", "reviewer1"),
          "B1": ("leadb", "mgrb", "reviewerb")}


@dataclass
class MeetingRecords:
    talk: int
    action: int
    item: int
    scheme: int
    brief: int
    photo: str


def _ctx(username: str) -> WriteContext:
    return WriteContext(actor=user_by_name(username), now=datetime.now(UTC))


def add_lead_b(world: World) -> None:
    """The other branch's team gets a lead too, so that it can have talks and briefs."""
    user, errors = save_user(UserInput(username="leadb", display_name="外队长", role="team_lead",
                                       sub_branch_id=world.sub_branches["B1"], team_id=world.teams["TB"],
                                       phone="13900000001", password=PASSWORD))
    assert user is not None, errors
    db.session.flush()


def make_records(world: World, target: str) -> MeetingRecords:
    lead, manager, reviewer = PEOPLE[target]
    today = bank_today().isoformat()
    talk = record_talk(_ctx(lead), user_by_name(manager), {
        "held_on": today, "knowledge_ours": "3", "knowledge_peers": "2", "sales_skill": "3", "morale": "4",
        "action-0-text": "每天多拜访两户", "action-0-due": today})
    team = db.session.get(Team, user_by_name(manager).team_id)
    assert team is not None
    item = add_meeting_item(_ctx(manager), team, day=today, kind="tip", title="今日小知识", body="", shared_by=manager)
    scheme = save_scheme(_ctx(reviewer), None, {
        "name": f"{target} 冲刺", "period_start": today, "period_end": today, "scope": "sub_branch",
        "sub_branch_id": str(world.sub_branches[target]), "rule-0-type": "points", "rule-0-metric": "consultations",
        "rule-0-points": "1"})
    brief = create_brief(_ctx(lead), {"title": "团建", "held_on": today, "body": ""})
    photo = add_brief_photo(_ctx(lead), brief, new_id(), jpeg_bytes(hash(target) % 100))
    db.session.flush()
    return MeetingRecords(talk=talk.id, action=talk.actions[0].id, item=item.id, scheme=scheme.id, brief=brief.id,
                          photo=photo.photo.id)
