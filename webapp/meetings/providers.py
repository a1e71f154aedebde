"""Every module's focus and risk providers for the meeting boards, listed once (webapp.meetings.hooks).

The post-loan and collection modules add theirs here: due post-loan checks and collection deadlines as
focus items, risk warnings and collection cases as risk cases.
"""
from __future__ import annotations

from webapp.meetings.field_focus import follow_up_focus, post_loan_findings, sweep_day_focus
from webapp.meetings.hooks import FocusProvider, RiskProvider

FOCUS_PROVIDERS: tuple[FocusProvider, ...] = (
    sweep_day_focus,
    follow_up_focus,
)

RISK_PROVIDERS: tuple[RiskProvider, ...] = (
    post_loan_findings,
)
