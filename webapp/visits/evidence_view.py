"""Flag evidence as one reader may see it: least knowledge.

A flag stores everything the server found (the repeated-coordinates search and the photo-reuse search look
across the branch and beyond), but a reader learns the ids only of the visits and photos they may open
(``webapp.scope``); the others are counted. A photo is visible exactly when its visit is, and evidence names
each photo with its visit, so visit visibility decides both. Every output of a flag's evidence (the API, the
visit and review pages, the PDF record, the archive manifest) goes through ``EvidenceReader``.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from webapp.integrity.evidence import CODES as INTEGRITY_CODES
from webapp.integrity.evidence import shown_evidence
from webapp.models import User, VisitFlag
from webapp.scope import visible_visit_ids


def referenced_visits(evidence: dict[str, Any]) -> set[str]:
    """Every visit id a flag's evidence names."""
    ids: set[str] = set()
    for key in ("other_visit", "earlier_visit"):
        if isinstance(evidence.get(key), str):
            ids.add(evidence[key])
    for visit_id in evidence.get("visits") or []:
        if isinstance(visit_id, str):
            ids.add(visit_id)
    for match in evidence.get("matches") or []:
        if isinstance(match, dict) and isinstance(match.get("visit"), str):
            ids.add(match["visit"])
    return ids


def scoped_evidence(evidence: dict[str, Any], visible: set[str]) -> dict[str, Any]:
    """The evidence with every id outside ``visible`` (visit ids) replaced by a count or a 'hidden' mark."""
    out = dict(evidence)
    if "visits" in evidence:
        listed = [v for v in evidence.get("visits") or [] if isinstance(v, str)]
        out["visits"] = [v for v in listed if v in visible]
        out["visits_hidden"] = len(listed) - len(out["visits"])
    if isinstance(evidence.get("other_visit"), str) and evidence["other_visit"] not in visible:
        out["other_visit"] = None
        out["other_visit_hidden"] = True
    if isinstance(evidence.get("earlier_visit"), str) and evidence["earlier_visit"] not in visible:
        out["earlier_visit"] = out["earlier_photo"] = None
        out["earlier_hidden"] = True
    if "matches" in evidence:
        matches = [m for m in evidence.get("matches") or [] if isinstance(m, dict)]
        out["matches"] = [m for m in matches if m.get("visit") in visible]
        out["matches_hidden"] = len(matches) - len(out["matches"])
    return out


class EvidenceReader:
    """The evidence of a set of flags for one reader, with one visibility query for all of them.

    The codes of the second integrity round (photo matches, camera changes, repeated accuracy, copied reports)
    carry richer evidence (photo URLs, report texts, other kinds of records): webapp.integrity.evidence scopes
    those, and ``integrity`` keeps them by flag id for the templates that draw them."""

    def __init__(self, user: User, flags: Iterable[VisitFlag]) -> None:
        flags = list(flags)
        referenced: set[str] = set()
        for flag in flags:
            if isinstance(flag.evidence, dict) and flag.code not in INTEGRITY_CODES:
                referenced |= referenced_visits(flag.evidence)
        self.visible = visible_visit_ids(user, referenced)
        self.integrity = shown_evidence(user, flags)

    def __call__(self, flag: VisitFlag) -> dict[str, Any]:
        if flag.id in self.integrity:
            return self.integrity[flag.id]
        return scoped_evidence(flag.evidence if isinstance(flag.evidence, dict) else {}, self.visible)
