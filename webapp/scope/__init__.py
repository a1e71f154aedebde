"""The one place that decides what a user may see.

Every query that lists or loads scoped records starts here. Out of scope answers 404, exactly like
a record that does not exist, so that ids cannot be probed.

The rules: data belongs to a sub-branch; nobody sees another branch.
- manager: the merchants of their sub-branch (to visit prospects on any street of it); the raw contact
  phone only of merchants they own.
- team_lead: the merchants of their sub-branch; raw phones of merchants owned by their team.
- reviewer, admin: everything in their branch, phones masked.

The rules live in one module per area, all imported from here (``from webapp.scope import get_loan_or_404``):
``core`` (sub-branches, merchants, colleagues, phones), ``visits`` (visits, photos, held photos, review samples),
``sweeps``, ``loans`` (the loan book, post-loan checks and warnings) and ``collection`` (cases and the credit
committee).
"""
from __future__ import annotations

from webapp.scope.collection import (
    can_record_committee,
    can_work_case,
    case_condition,
    case_phone_for,
    get_action_or_404,
    get_attachment_or_404,
    get_case_or_404,
    get_meeting_decision_or_404,
    get_meeting_or_404,
    get_report_or_404,
    headed_sub_branch_ids,
    leads_case,
    require_committee_recorder,
    visible_cases,
)
from webapp.scope.core import (
    can_see_raw_phone,
    get_merchant_or_404,
    get_proposal_or_404,
    get_sub_branch_or_404,
    get_team_or_404,
    get_user_or_404,
    merchant_condition,
    merchant_phone_for,
    one_or_404,
    require_role,
    visible_merchants,
    visible_sub_branch_ids,
    visible_teams,
    visible_users,
)
from webapp.scope.loans import (
    can_see_raw_loan_phone,
    check_condition,
    get_check_or_404,
    get_loan_or_404,
    get_warning_or_404,
    loan_condition,
    loan_phone_for,
    visible_loans,
)
from webapp.scope.sweeps import (
    get_plannable_sweep_day_or_404,
    get_sweep_day_or_404,
    sweep_day_condition,
    sweep_team_members,
    visible_sweep_days,
)
from webapp.scope.visits import (
    get_photo_or_404,
    get_reviewable_visit_or_404,
    get_sample_or_404,
    get_visit_flag_or_404,
    get_visit_or_404,
    held_photo_condition,
    require_reviewer,
    sample_condition,
    visible_samples,
    visible_visits,
    visit_condition,
)

__all__ = [
    "can_record_committee",
    "can_see_raw_loan_phone",
    "can_see_raw_phone",
    "can_work_case",
    "case_condition",
    "case_phone_for",
    "check_condition",
    "get_action_or_404",
    "get_attachment_or_404",
    "get_case_or_404",
    "get_check_or_404",
    "get_loan_or_404",
    "get_meeting_decision_or_404",
    "get_meeting_or_404",
    "get_merchant_or_404",
    "get_photo_or_404",
    "get_plannable_sweep_day_or_404",
    "get_proposal_or_404",
    "get_report_or_404",
    "get_reviewable_visit_or_404",
    "get_sample_or_404",
    "get_sub_branch_or_404",
    "get_sweep_day_or_404",
    "get_team_or_404",
    "get_user_or_404",
    "get_visit_flag_or_404",
    "get_visit_or_404",
    "get_warning_or_404",
    "headed_sub_branch_ids",
    "held_photo_condition",
    "leads_case",
    "loan_condition",
    "loan_phone_for",
    "merchant_condition",
    "merchant_phone_for",
    "one_or_404",
    "require_committee_recorder",
    "require_reviewer",
    "require_role",
    "sample_condition",
    "sweep_day_condition",
    "sweep_team_members",
    "visible_cases",
    "visible_loans",
    "visible_merchants",
    "visible_samples",
    "visible_sub_branch_ids",
    "visible_sweep_days",
    "visible_teams",
    "visible_users",
    "visible_visits",
    "visit_condition",
]
