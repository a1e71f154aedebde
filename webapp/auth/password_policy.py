"""Which new passwords are accepted: long enough, and not easy to guess.

The estimate is zxcvbn's (a maintained port of Dropbox's estimator, with its own lists of common
passwords, words and names): it sees common passwords (1234567890, qwertyuiop, 1qaz2wsx), repeats
(aaaaaaaaaa), sequences, keyboard walks, dates, and the words of this person and this bank (username,
name, the bank's and its branches' names). A password must reach PASSWORD_MIN_SCORE (0-4; 3 means about
10^8 guesses). Every place a password is set (the admin's user form, the CLI, a user's own change) calls
``password_problem``; the codes it returns have their sentences in PASSWORD_MESSAGES.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from webapp.extensions import db
from webapp.models import Branch, SubBranch

MIN_PASSWORD = 10
MAX_PASSWORD = 256
# zxcvbn refuses longer input; a password weak in its first 72 characters is weak.
_ESTIMATED_LENGTH = 72
# The product's own names: a password built on them is the first an insider would try.
PRODUCT_WORDS = ("xiaowei", "waiqin", "xiaoweiwaiqin", "小微外勤", "小微")

PASSWORD_MESSAGES = {
    "password_personal": _l("The password contains your username, your name or the bank's name."),
    "password_common": _l("This is one of the most common passwords."),
    "password_word": _l("The password is a common word or name with few changes."),
    "password_keyboard": _l("Keyboard patterns such as qwerty or 1qaz2wsx are easy to guess."),
    "password_repeat": _l("Repeated characters such as aaaaaa or abcabc are easy to guess."),
    "password_sequence": _l("Sequences such as 1234567890 or abcdef are easy to guess."),
    "password_date": _l("Dates and years are easy to guess."),
    "password_weak": _l("The password is too easy to guess."),
}
# The reason shown when several patterns make a password weak: the most telling first.
_REASONS = ("password_personal", "password_common", "password_keyboard", "password_repeat",
            "password_sequence", "password_date", "password_word")

# zxcvbn keeps the user's words in a module global while it estimates: one estimate at a time.
_ESTIMATOR = threading.Lock()


def password_hint() -> str:
    """The advice beside every new-password field."""
    return str(_("At least %(count)s characters. Several unrelated words are easy to remember and hard to guess.",
                 count=MIN_PASSWORD))


def bank_words(sub_branch_id: int | None) -> list[str]:
    """The configured bank names, the product's names, and the names and codes of the person's branch."""
    words = [str(word) for word in current_app.config.get("BANK_NAMES", [])]
    words.extend(PRODUCT_WORDS)
    sub_branch = db.session.get(SubBranch, sub_branch_id) if sub_branch_id else None
    if sub_branch is not None:
        branch = sub_branch.branch
        words.extend([branch.code, branch.name])
        for sibling in db.session.scalars(sa.select(SubBranch).where(SubBranch.branch_id == branch.id)):
            words.extend([sibling.code, sibling.name])
    else:
        for branch in db.session.scalars(sa.select(Branch)):
            words.extend([branch.code, branch.name])
    return [word for word in words if word]


def _match_reason(match: dict[str, object]) -> str:
    pattern = match.get("pattern")
    if pattern == "dictionary":
        name = match.get("dictionary_name")
        if name == "user_inputs":
            return "password_personal"
        return "password_common" if name == "passwords" else "password_word"
    return {"spatial": "password_keyboard", "repeat": "password_repeat", "sequence": "password_sequence",
            "date": "password_date", "regex": "password_date"}.get(str(pattern), "password_weak")


def password_problem(password: str, *, username: str = "", display_name: str = "",
                     sub_branch_id: int | None = None, extra_words: Iterable[str] = ()) -> str | None:
    """None for an acceptable new password, else the code of what is wrong with it."""
    if len(password) < MIN_PASSWORD:
        return "password_too_short"
    if len(password) > MAX_PASSWORD:
        return "password_too_long"
    words = [word.strip() for word in (username, display_name, *extra_words, *bank_words(sub_branch_id))
             if word and word.strip()]
    weakness = _weakness(password, words)
    if weakness is None:
        # The person's and the bank's words are the first an insider tries: what is left without them must
        # be strong on its own ("hzbank-2024!" is "-2024!" to someone who knows the bank).
        remainder = _without(password, [word for word in words if len(word) >= 3])
        if remainder != password and _weakness(remainder, words) is not None:
            return "password_personal"
    return weakness


def _weakness(password: str, words: list[str]) -> str | None:
    if not password:
        return "password_personal"
    with _ESTIMATOR:
        result = zxcvbn(password[:_ESTIMATED_LENGTH], user_inputs=words)
    if int(result["score"]) >= int(current_app.config["PASSWORD_MIN_SCORE"]):
        return None
    found = {_match_reason(match) for match in result["sequence"]}
    return next((reason for reason in _REASONS if reason in found), "password_weak")


def _without(password: str, words: list[str]) -> str:
    """The password with every occurrence of the words taken out, whatever their case."""
    remainder = password
    for word in sorted(words, key=len, reverse=True):
        remainder = re.sub(re.escape(word), "", remainder, flags=re.IGNORECASE)
    return remainder


def password_message(code: str) -> str:
    """The sentence for a code of password_problem."""
    if code == "password_too_short":
        return str(_("The password needs at least %(count)s characters.", count=MIN_PASSWORD))
    if code == "password_too_long":
        return str(_("The password may have at most %(count)s characters.", count=MAX_PASSWORD))
    return str(PASSWORD_MESSAGES.get(code, PASSWORD_MESSAGES["password_weak"]))
