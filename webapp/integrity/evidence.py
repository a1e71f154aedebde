"""The evidence of the integrity flags as one user may see it, for the API and the pages alike.

A flag's stored evidence names other records (the earlier photo, the copied report, the other visits). A
user is shown only the records they may open (webapp.scope); the others are left out and counted, so a
manager learns that a photo matches one of a colleague's visits, but not which, nor sees its text.

Report kinds other than visit notes (post-loan and overdue reports) join through REPORT_VISIBILITY: a
function (user, record ids) -> the ids the user may open. A kind without one is never shown.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import url_for

from webapp.extensions import db
from webapp.models import User, VisitFlag
from webapp.scope import visible_check_report_ids, visible_overdue_report_ids, visible_visit_ids

CODES = ("photo_reused", "photo_same_scene", "photo_camera_changed", "checkin_accuracy_repeated", "report_copied")
PHOTO_MATCH_CODES = ("photo_reused", "photo_same_scene")


def _visit_note_visibility(user: User, record_ids: set[str]) -> set[str]:
    by_visit = {record: record.split(":", 1)[0] for record in record_ids}
    visible = visible_visit_ids(user, by_visit.values())
    return {record for record, visit in by_visit.items() if visit in visible}


REPORT_VISIBILITY: dict[str, Callable[[User, set[str]], set[str]]] = {
    "visit_note": _visit_note_visibility,
    "post_loan_report": visible_check_report_ids,
    "overdue_report": visible_overdue_report_ids,
}


def _referenced_visits(flag: VisitFlag) -> set[str]:
    e = flag.evidence if isinstance(flag.evidence, dict) else {}
    found: set[Any] = {e.get("earlier_visit")}
    found |= {m.get("visit") for m in e.get("matches") or [] if isinstance(m, dict)}
    found |= set(e.get("earlier_visits") or []) | set(e.get("visits") or [])
    if isinstance(e.get("other"), dict):
        found.add(e["other"].get("visit"))
    return {str(v) for v in found if v}


def _visible_reports(user: User, flags: list[VisitFlag]) -> set[tuple[str, str]]:
    return _visible_refs(user, [f.evidence for f in flags if f.code == "report_copied"])


def _visible_refs(user: User, evidences: Iterable[Any]) -> set[tuple[str, str]]:
    """The (kind, record) pairs named by these report_copied evidences that `user` may open."""
    wanted: dict[str, set[str]] = {}
    for e in evidences:
        if not isinstance(e, dict):
            continue
        for ref in [e.get("other"), *(e.get("matches") or [])]:
            if isinstance(ref, dict) and ref.get("kind") and ref.get("record"):
                wanted.setdefault(str(ref["kind"]), set()).add(str(ref["record"]))
    visible: set[tuple[str, str]] = set()
    for kind, records in wanted.items():
        check = REPORT_VISIBILITY.get(kind)
        if check is not None:
            visible |= {(kind, record) for record in check(user, records)}
    return visible


def shown_evidence(user: User, flags: Iterable[VisitFlag]) -> dict[int, dict[str, Any]]:
    """For every flag of these codes: its evidence with what `user` may not open removed and counted."""
    mine = [f for f in flags if f.code in CODES]
    visits = visible_visit_ids(user, set().union(*(_referenced_visits(f) for f in mine))) if mine else set()
    reports = _visible_reports(user, mine)
    shown = {f.id: _redact(f, visits, reports) for f in mine}
    _name_authors(list(shown.values()))
    return shown


def report_evidence_for(user: User, evidence: Any) -> dict[str, Any]:
    """A report flag's evidence (webapp.integrity.reports) as `user` may see it: the other text only when
    they may open the record it belongs to, the other similar reports they may not open only counted."""
    shown = _report(dict(evidence) if isinstance(evidence, dict) else {}, _visible_refs(user, [evidence]))
    _name_authors([shown])
    return shown


def _name_authors(shown: list[dict[str, Any]]) -> None:
    authors = {int(e["other"]["author"]) for e in shown
               if not e.get("other_hidden", True) and isinstance(e.get("other"), dict) and e["other"].get("author")}
    if authors:
        names = dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(authors))).all())
        for e in shown:
            found = e.get("other")
            other: dict[str, Any] = found if isinstance(found, dict) else {}
            if other.get("author") in names:
                other["author_name"] = names[other["author"]]


def _redact(flag: VisitFlag, visits: set[str], reports: set[tuple[str, str]]) -> dict[str, Any]:
    e = dict(flag.evidence) if isinstance(flag.evidence, dict) else {}
    if flag.code in PHOTO_MATCH_CODES:
        return _photo_match(flag, e, visits)
    if flag.code == "photo_camera_changed":
        return _only_visible(e, "earlier_visits", visits)
    if flag.code == "checkin_accuracy_repeated":
        return _only_visible(e, "visits", visits)
    return _report(e, reports)


def _only_visible(e: dict[str, Any], key: str, visits: set[str]) -> dict[str, Any]:
    listed = [str(v) for v in e.get(key) or []]
    e[key] = [v for v in listed if v in visits]
    e["visits_hidden"] = len(listed) - len(e[key])
    return e


def _photo_match(flag: VisitFlag, e: dict[str, Any], visits: set[str]) -> dict[str, Any]:
    matches = [m for m in e.get("matches") or [] if isinstance(m, dict)]
    e["matches"] = [m for m in matches if str(m.get("visit")) in visits]
    e["matches_hidden"] = len(matches) - len(e["matches"])
    shown = str(e.get("earlier_visit")) in visits
    e["earlier_hidden"] = not shown
    photos: dict[str, Any] = {"this": _photo_urls(flag.photo_id) if flag.photo_id else None}
    if shown and e.get("earlier_photo"):
        photos["other"] = _photo_urls(str(e["earlier_photo"]))
    else:
        photos["other"] = None
        for key in ("earlier_photo", "earlier_visit"):
            e.pop(key, None)
        if isinstance(e.get("region"), dict):
            e["region"] = {"this": e["region"].get("this")}
    e["photos"] = photos
    return e


def _photo_urls(photo_id: str) -> dict[str, str]:
    return {"id": photo_id, "thumb_url": url_for("visits.photo_file", photo_id=photo_id, variant="thumb"),
            "display_url": url_for("visits.photo_file", photo_id=photo_id, variant="display")}


def _report(e: dict[str, Any], reports: set[tuple[str, str]]) -> dict[str, Any]:
    found = e.get("other")
    other: dict[str, Any] = found if isinstance(found, dict) else {}
    matches = [m for m in e.get("matches") or [] if isinstance(m, dict)]
    e["matches"] = [m for m in matches if (str(m.get("kind")), str(m.get("record"))) in reports]
    e["matches_hidden"] = len(matches) - len(e["matches"])
    if (str(other.get("kind")), str(other.get("record"))) in reports:
        e["other_hidden"] = False
        e["other"] = dict(other)
    else:
        e["other_hidden"] = True
        e["other"] = {"kind": other.get("kind")}
        e.pop("other_text", None)
        e.pop("other_spans", None)
    return e


# --- for the pages -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    text: str
    shared: bool


def segments(text: str, spans: Iterable[Iterable[int]]) -> list[Segment]:
    """A text cut into plain and shared (marked) runs; the template escapes each run."""
    out: list[Segment] = []
    at = 0
    for raw_start, raw_end in sorted((int(a), int(b)) for a, b in spans):
        start, end = max(raw_start, at), min(raw_end, len(text))
        if start >= end:
            continue
        if start > at:
            out.append(Segment(text[at:start], False))
        out.append(Segment(text[start:end], True))
        at = end
    if at < len(text):
        out.append(Segment(text[at:], False))
    return out


def polygon_points(points: Any) -> str:
    """SVG points on a 0-100 box from [[x, y], ...] fractions; nothing for anything else."""
    try:
        return " ".join(f"{float(x) * 100:.2f},{float(y) * 100:.2f}" for x, y in points)
    except (TypeError, ValueError):
        return ""
