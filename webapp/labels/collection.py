"""Labels of collection's codes (webapp.collection)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Collection (webapp.collection): a case, its contacts and promises, the overdue report and the committee. The
# loan's status, the people contacted, warnings and classifications use the loan book's (webapp.labels.loans).
CASE_STATUS = {
    "open": _l("Open"),
    "closed": _l("Closed"),
}
OPEN_REASON = {
    "book": _l("Opened by the loan book"),
    "manual": _l("Opened by hand"),
}
CLOSE_REASON = {
    "current": _l("Loan current again"),
    "settled": _l("Loan settled"),
    "restructured": _l("Restructured (committee)"),
    "legal_action": _l("Transferred to legal action (committee)"),
    "written_off": _l("Written off"),
}
CONTACT_CHANNEL = {
    "phone": _l("Phone call"),
    "visit": _l("Visit"),
    "message": _l("Message"),
}
ARREARS_CAUSE = {
    "business_downturn": _l("Business downturn"),
    "illness": _l("Illness"),
    "family_dispute": _l("Family dispute"),
    "fraud_suspected": _l("Fraud suspected"),
    "unwilling_to_pay": _l("Unwilling to pay"),
    "funds_delayed": _l("Funds delayed (customers paying late)"),
    "forgot": _l("Forgot the due date"),
    "other": _l("Other"),
}
PROMISE_METHOD = {
    "bank_transfer": _l("Bank transfer"),
    "counter": _l("At the counter"),
    "auto_debit": _l("Automatic debit"),
    "mobile_banking": _l("Mobile banking"),
    "other": _l("Other"),
}
PROMISE_STATUS = {
    "open": _l("Waiting for the date"),
    "kept": _l("Kept"),
    "broken": _l("Broken"),
}
DEADLINE_STATE = {
    "pending": _l("Due"),
    "on_time": _l("On time"),
    "late": _l("Late"),
    "missed": _l("Missed"),
}
REPORT_STATUS = {
    "draft": _l("Draft"),
    "submitted": _l("With the team lead"),
    "returned": _l("Returned for rework"),
    "accepted": _l("Ready for the committee"),
    "presented": _l("Presented to the committee"),
}
PROPOSAL = {
    "reminder_plan": _l("Reminder plan"),
    "restructure": _l("Restructure"),
    "extension": _l("Extension"),
    "legal_action": _l("Legal action"),
    "write_off": _l("Write-off"),
}
DECISION_OUTCOME = {
    "continue": _l("Continue collecting (reminder plan)"),
    "restructure": _l("Restructure"),
    "extension": _l("Extension"),
    "legal_action": _l("Transfer to legal action"),
    "write_off": _l("Write off"),
}
ACTION_STATUS = {
    "open": _l("Open"),
    "done": _l("Done"),
}
CASE_EVENT = {
    "opened": _l("Case opened"),
    "escalated": _l("Escalated to the superiors"),
    "contact": _l("Contact recorded"),
    "visit_linked": _l("Collection visit"),
    "promise_kept": _l("Promise kept"),
    "promise_broken": _l("Promise broken"),
    "owner_changed": _l("Owner changed by the loan book"),
    "report_saved": _l("Overdue report saved"),
    "report_submitted": _l("Overdue report submitted"),
    "report_returned": _l("Overdue report returned"),
    "report_accepted": _l("Overdue report forwarded to the committee"),
    "presented": _l("Presented to the credit committee"),
    "decision": _l("Committee decision"),
    "action_done": _l("Action done"),
    "progress": _l("Progress update"),
    "closed": _l("Case closed"),
    "noted": _l("Noted"),
}
