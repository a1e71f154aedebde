"""The review state machine, as a table: which action moves which state where, and which role may take it.

received --approve--> approved            (reviewer)
received --send_back--> sent_back        (reviewer, team lead)
received --reject--> rejected            (reviewer)
sent_back --reject--> rejected           (reviewer: a manager who never fixes a visit does not block the queue)
sent_back --resubmit--> received         (the squad lead or the visit's author, manager or team lead; next round)

approved and rejected are final: no person's action leaves them, so an approval cannot be quietly undone. Only
a change to the evidence reopens a decided visit (REOPENED_FROM -> received, next round), never silently: the
audit trail records the change and the version, and the reviewer decides the new version. Pure functions:
the service (webapp.review.decisions) adds who-owns-what, the audit entry and the database.
"""
from __future__ import annotations

from dataclasses import dataclass

from webapp.errors import Conflict, Forbidden
from webapp.models.review import REVIEW_ACTIONS, REVIEW_STATES
from webapp.roles import FIELD_ROLES, REVIEWER, TEAM_LEAD

# Roles that review others' visits; managers and admins never do (admins run the system, not the checks).
# Roles that resubmit their own sent-back visits.
# Actions whose reason is shown to the manager and kept in the audit trail: they must say why.
REASON_REQUIRED = frozenset({"send_back", "reject"})


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[str]
    to_state: str
    roles: frozenset[str]


RULES: dict[str, Rule] = {
    "approve": Rule(frozenset({"received"}), "approved", frozenset({REVIEWER})),
    "send_back": Rule(frozenset({"received"}), "sent_back", frozenset({REVIEWER, TEAM_LEAD})),
    "reject": Rule(frozenset({"received", "sent_back"}), "rejected", frozenset({REVIEWER})),
    "resubmit": Rule(frozenset({"sent_back"}), "received", frozenset(FIELD_ROLES)),
}
# Decided states: a change to the visit in one of these puts it back in front of the reviewer, as REOPENED_TO.
FINAL_STATES = frozenset({"approved", "rejected"})
REOPENED_TO = "received"
assert set(RULES) == set(REVIEW_ACTIONS)
assert all(r.to_state in REVIEW_STATES and r.from_states <= set(REVIEW_STATES) for r in RULES.values())


class NotPermitted(Forbidden):
    """The role may never take this action (HTTP 403)."""


class IllegalTransition(Conflict):
    """The action does not apply to the visit's current state (HTTP 409): someone else acted first, or
    the page was stale."""


def role_may(role: str, action: str) -> bool:
    rule = RULES.get(action)
    return rule is not None and role in rule.roles


def next_state(state: str, action: str, role: str) -> str:
    """The state after ``action`` by ``role``; raises NotPermitted before IllegalTransition, so a manager
    learns 'not your job' rather than 'not now'."""
    if state not in REVIEW_STATES:
        raise ValueError(f"unknown review state {state!r}")
    rule = RULES.get(action)
    if rule is None:
        raise ValueError(f"unknown review action {action!r}")
    if role not in rule.roles:
        raise NotPermitted(action)
    if state not in rule.from_states:
        raise IllegalTransition(f"{action} from {state}")
    return rule.to_state


def actions_for(state: str, role: str) -> list[str]:
    """The actions a role may take now, in the order the page offers them."""
    return [a for a in ("approve", "send_back", "reject", "resubmit")
            if role in RULES[a].roles and state in RULES[a].from_states]


# Flag decisions: confirming a flag raises a concern, which a team lead may do like a send-back; dismissing one
# clears a concern, which is the reviewer's call like an approval.
FLAG_DECISION_ROLES: dict[str, frozenset[str]] = {
    "confirmed": frozenset({REVIEWER, TEAM_LEAD}),
    "dismissed": frozenset({REVIEWER}),
}
FLAG_REASON_REQUIRED = frozenset({"dismissed"})


def may_decide_flag(role: str, decision: str) -> bool:
    return role in FLAG_DECISION_ROLES.get(decision, frozenset())
