"""Labels of the loan book's and post-loan management's codes (webapp.loans, webapp.postloan)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The loan book (webapp.loans): a loan's status and repayment method, the people checked with.
LOAN_STATUS = {
    "normal": _l("Normal"),
    "overdue": _l("Overdue"),
    "repaid": _l("Repaid"),
    "written_off": _l("Written off"),
}
REPAYMENT_METHOD = {
    "equal_installment": _l("Equal instalments"),
    "equal_principal": _l("Equal principal"),
    "interest_first": _l("Interest first, principal at maturity"),
    "bullet": _l("Principal and interest at maturity"),
    "other": _l("Other"),
}
PERSON_KIND = {
    "borrower": _l("Borrower"),
    "spouse": _l("Spouse"),
    "co_borrower": _l("Co-borrower"),
    "guarantor": _l("Guarantor"),
    "market_manager": _l("Market manager"),
    "main_contact": _l("Main contact"),
    "other": _l("Other"),
}

# Post-loan management (webapp.postloan): checks, their reports, and risk warnings.
CHECK_KIND = {
    "first_onsite": _l("First on-site check"),
    "periodic_onsite": _l("Periodic on-site check"),
    "use_of_funds": _l("Use of funds check"),
    "periodic_offsite": _l("Off-site check"),
    "trigger": _l("Trigger check"),
}
CHECK_MODE = {
    "onsite": _l("On site"),
    "offsite": _l("Off site"),
}
CHECK_STATE = {
    "upcoming": _l("Upcoming"),
    "due": _l("Due"),
    "overdue": _l("Overdue"),
    "done": _l("Done"),
    "waived": _l("Waived"),
}
TRIGGER_REASON = {
    "overdue": _l("loan overdue"),
    "warning": _l("risk warning"),
    "visit": _l("visit finding"),
}
CLASSIFICATION = {
    "normal": _l("Normal (正常)"),
    "special_mention": _l("Special mention (关注)"),
    "substandard": _l("Substandard (次级)"),
    "doubtful": _l("Doubtful (可疑)"),
    "loss": _l("Loss (损失)"),
}
WARNING_LEVEL = {
    "low": _l("Low risk"),
    "medium": _l("Medium risk"),
    "high": _l("High risk"),
}
WARNING_STATUS = {
    "open": _l("Open"),
    "resolved": _l("Resolved"),
}
WARNING_RULE = {
    "business_reduced": _l("Business reduced"),
    "business_suspended": _l("Business suspended"),
    "business_closed": _l("Business closed"),
    "inventory_drop": _l("Inventory much lower than at the last check"),
    "fixed_assets_decreased": _l("Fixed assets decreased"),
    "borrower_moved": _l("Borrower moved"),
    "person_unreachable": _l("Related person unreachable"),
    "repayment_late": _l("Repayment late"),
    "adverse_web_finding": _l("Adverse web finding"),
    "funds_diverted": _l("Funds not used as stated"),
    "preloan_photo_reused": _l("Pre-loan photo used for a post-loan check"),
    "manual": _l("Raised by hand"),
}
INVENTORY_VS_LAST = {
    "higher": _l("Higher"),
    "same": _l("About the same"),
    "lower": _l("Lower"),
    "much_lower": _l("Much lower (half or less)"),
}
CONTACT_MODE = {
    "met": _l("Met"),
    "called": _l("Called"),
    "unreachable": _l("Unreachable"),
}
REPAYMENT_VIEW = {
    "on_time": _l("On time"),
    "late": _l("Late"),
    "overdue": _l("Overdue"),
}
WEB_SUBJECT = {
    "phone": _l("Phone number"),
    "address": _l("Property address"),
    "company": _l("Company name"),
    "other": _l("Other"),
}
