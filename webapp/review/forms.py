"""The sampling form: its defaults, and its values read into a ``SampleRequest`` or refused field by field."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

from flask_babel import gettext as _

from webapp.bank_time import parse_day
from webapp.models import VISIT_KINDS, User
from webapp.review.sampling import MAX_SAMPLE_DAYS, SEED_RE, SampleRequest, new_seed
from webapp.roles import TEAM_LEAD
from webapp.write_kernel import FieldErrors


def sample_form_defaults(period: tuple[date, date]) -> dict[str, str]:
    """The period given (webapp.review.sampling.last_week_with_visits: the last complete week that has visits),
    10 % with at least two visits a manager."""
    return {"from": period[0].isoformat(), "to": period[1].isoformat(), "percent": "10", "minimum": "2", "seed": ""}


def parse_sample_form(form: Mapping[str, str], user: User, *, sub_branch_ids: Collection[int],
                      team_ids: Collection[int]) -> SampleRequest:
    """The draw the form asks for; raises ``Invalid`` with a message for each field at fault."""
    errors = FieldErrors()

    def value(name: str) -> str:
        return (form.get(name) or "").strip()

    def whole(name: str, low: int, high: int) -> int:
        text = value(name)
        if not text.isdigit() or not low <= int(text) <= high:
            errors.add(name, _("A whole number from %(low)d to %(high)d.", low=low, high=high))
            return low
        return int(text)

    def choice(name: str, allowed: Collection[int]) -> int | None:
        text = value(name)
        if not text:
            return None
        if not text.isdigit() or int(text) not in allowed:
            errors.add(name, _("Choose one from the list."))
            return None
        return int(text)

    percent = whole("percent", 1, 100)
    minimum = whole("minimum", 0, 1000)
    dates: dict[str, date] = {}
    for name in ("from", "to"):
        try:
            dates[name] = parse_day(value(name))
        except ValueError as fault:
            errors.add(name, str(fault))
    if len(dates) == 2:
        if dates["from"] > dates["to"]:
            errors.add("from", _("The period starts after it ends."))
        elif (dates["to"] - dates["from"]).days + 1 > MAX_SAMPLE_DAYS:
            errors.add("from", _("Choose a period of at most %(days)d days.", days=MAX_SAMPLE_DAYS))
    seed = value("seed") or new_seed()
    if not SEED_RE.match(seed):
        errors.add("seed", _("Letters, digits, '-' and '_' only, at most 64."))
    kind = form.get("kind") or None
    if kind is not None and kind not in VISIT_KINDS:
        errors.add("kind", _("Choose a kind of visit."))
    sub_branch_id = team_id = None
    if user.role != TEAM_LEAD:  # a team lead's sample is their team's, whatever the form says
        sub_branch_id = choice("sub_branch", sub_branch_ids)
        team_id = choice("team", team_ids)
    errors.raise_if_any()
    return SampleRequest(dates["from"], dates["to"], percent, minimum, seed, sub_branch_id, team_id, kind)
