"""The roles people have, and the sets of roles the rules name: one definition, imported everywhere.

A rule reads as the set it names (``user.role in FIELD_ROLES``); a new role is added here and to
``webapp.labels.ROLE``, and a test checks that every role has its label in both languages.
"""
from __future__ import annotations

MANAGER = "manager"
TEAM_LEAD = "team_lead"
REVIEWER = "reviewer"
ADMIN = "admin"

ROLES = (MANAGER, TEAM_LEAD, REVIEWER, ADMIN)

# Those who go to merchants: they record visits, belong to a team, sit in squads and hold photos offline.
FIELD_ROLES = (MANAGER, TEAM_LEAD)
# Those who review visits: reviewers for their branch, team leads for their team.
REVIEW_ROLES = (REVIEWER, TEAM_LEAD)
# Those who see the whole branch rather than one sub-branch.
BRANCH_WIDE_ROLES = (REVIEWER, ADMIN)
# Those who may download a sweep day's workbook.
SWEEP_EXPORT_ROLES = (TEAM_LEAD, REVIEWER, ADMIN)
