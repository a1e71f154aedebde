"""Labels of the meetings and metrics codes (webapp.meetings, webapp.metrics)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

METRIC = {
    "consultations": _l("Consultations"),
    "applications": _l("Applications"),
    "deals": _l("Deals"),
    "application_rate": _l("Applications / consultations"),
    "deal_rate": _l("Deals / applications"),
}
TARGET_PERIOD = {"day": _l("Day"), "week": _l("Week"), "month": _l("Month")}
MISS_REASON = {
    "merchants_absent": _l("Merchants closed or owners away"),
    "weather": _l("Weather"),
    "internal_work": _l("Internal work or meetings"),
    "on_duty": _l("On duty at the branch"),
    "leave": _l("Leave"),
    "long_visits": _l("In-depth visits took the day"),
    "target_too_high": _l("Target too high"),
    "other": _l("Other"),
}
MEETING_ITEM_KIND = {
    "news": _l("Business news and regulations"),
    "policy": _l("Our latest policy"),
    "success_story": _l("Success story"),
    "tip": _l("Tip of the day"),
    "role_play": _l("Role-play topic"),
    "experience": _l("What worked today"),
    "market_news": _l("Market and peer news"),
    "lesson": _l("Lesson of the day"),
    "recognition": _l("Recognition"),
    "success_case": _l("Success case"),
    "plan": _l("Next week's plan"),
}
FOCUS_KIND = {"sweep_day": _l("Sweep day"), "follow_up": _l("Follow-ups"),
              "post_loan": _l("Post-loan checks due"), "collection": _l("Collection deadlines")}
RISK_KIND = {"post_loan_finding": _l("Post-loan finding"), "risk_warning": _l("Risk warning"),
             "collection": _l("Collection case")}
SCHEME_STATE = {"draft": _l("Draft"), "proposed": _l("Waiting for the branch"), "approved": _l("Approved"),
                "rejected": _l("Rejected")}
SCHEME_SCOPE = {"branch": _l("The whole branch"), "sub_branch": _l("The sub-branch"), "team": _l("The team")}
RULE_TYPE = {"points": _l("Points per unit"), "threshold": _l("Bonus at a threshold"),
             "team_bonus": _l("Team bonus")}
HONOUR_CATEGORY = {"most_consultations": _l("Most consultations"), "best_conversion": _l("Best conversion"),
                   "most_cross_sold": _l("Most cross-sold services")}
TALK_RATING = {"knowledge_ours": _l("Knowledge of our products"),
               "knowledge_peers": _l("Knowledge of competitors' products"),
               "sales_skill": _l("Sales-skill maturity"), "morale": _l("Morale")}
DEFINITION_CHOICE = {
    "effective": _l("Visits marked effective"),
    "verified_effective": _l("Effective visits with a verified check-in"),
    "any_visit": _l("Every visit"),
    "confirmed": _l("Lead, and members who confirmed"),
    "lead_only": _l("Lead only"),
    "named": _l("Everyone named in the squad"),
    "auto": _l("The loan book once installed, else the visits"),
    "visits": _l("What the visits recorded"),
    "loan_book": _l("The loan book"),
}
WEEKDAY = {"0": _l("Mon"), "1": _l("Tue"), "2": _l("Wed"), "3": _l("Thu"), "4": _l("Fri"), "5": _l("Sat"),
           "6": _l("Sun")}
CREDIT = {"lead": _l("Lead"), "confirmed": _l("Confirmed member"), "named": _l("Named, not confirmed")}
