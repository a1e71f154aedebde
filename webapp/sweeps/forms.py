"""Reading the planning forms: raw values kept for redisplay, translated errors by field, clean values out."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from webapp.bank_time import parse_day
from webapp.geo.coords import valid_lat_lon
from webapp.labels import MERCHANT_STATUS, label
from webapp.models import MERCHANT_STATUSES
from webapp.sweeps.planning import MerchantCriteria, NewSweepDay, Targets

MAX_POLYGON_VERTICES = 100
RADIUS_RANGE_M = (50.0, 20_000.0)
MAX_TARGET = 10_000
PLAN_AHEAD_DAYS = 366


@dataclass
class PlanForm:
    """The plan form as typed: ``values`` redisplays it, ``errors`` sit beside the fields."""

    values: MultiDict[str, str] = field(default_factory=MultiDict)
    errors: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def getlist(self, name: str) -> list[str]:
        return self.values.getlist(name)

    def integer(self, name: str, *, low: int, high: int, default: int | None = None) -> int | None:
        raw = self.get(name).strip()
        if not raw:
            return default
        try:
            number = int(raw)
        except ValueError:
            self.errors[name] = _("Enter a whole number.")
            return default
        if not low <= number <= high:
            self.errors[name] = _("Enter a number from %(low)d to %(high)d.", low=low, high=high)
            return default
        return number

    def _float(self, name: str) -> float | None:
        raw = self.get(name).strip()
        if not raw:
            return None
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            self.errors[name] = _("Enter a number.")
            return None
        return number

    def criteria(self, *, districts: list[str], industries: list[str]) -> MerchantCriteria:
        district = self.get("district").strip()
        if district and district not in districts:
            self.errors["district"] = _("Choose a district of the sub-branch.")
            district = ""
        chosen_industries = tuple(i for i in self.getlist("industry") if i)
        if any(i not in industries for i in chosen_industries):
            self.errors["industry"] = _("Choose industries from the list.")
            chosen_industries = tuple(i for i in chosen_industries if i in industries)
        statuses = tuple(s for s in self.getlist("status") if s)
        if any(s not in MERCHANT_STATUSES for s in statuses):
            self.errors["status"] = _("Not one of the allowed values.")
            statuses = tuple(s for s in statuses if s in MERCHANT_STATUSES)
        address = self.get("address_contains").strip()
        if len(address) > 40:
            self.errors["address_contains"] = _("At most %(limit)d characters.", limit=40)
            address = ""
        days = self.integer("not_visited_days", low=1, high=3650)
        return MerchantCriteria(
            district=district,
            address_contains=address,
            industries=chosen_industries,
            statuses=statuses,
            not_visited_days=days,
            centre=self._centre(),
            radius_m=self._radius(),
            polygon=self._polygon(),
        )

    def _centre(self) -> tuple[float, float] | None:
        lat, lon = self._float("centre_lat"), self._float("centre_lon")
        if lat is None and lon is None:
            if self.get("radius_m").strip():
                self.errors["centre"] = _("Pick the centre on the map or enter its latitude and longitude.")
            return None
        if lat is None or lon is None or not valid_lat_lon(lat, lon):
            self.errors["centre"] = _("Enter a latitude and a longitude (WGS-84).")
            return None
        if not self.get("radius_m").strip():
            self.errors["radius_m"] = _("Give the radius around the centre.")
        return (lat, lon)

    def _radius(self) -> float | None:
        radius = self._float("radius_m")
        if radius is None:
            return None
        low, high = RADIUS_RANGE_M
        if not low <= radius <= high:
            self.errors["radius_m"] = _("Enter a radius from %(low)d to %(high)d metres.", low=int(low), high=int(high))
            return None
        return radius

    def _polygon(self) -> tuple[tuple[float, float], ...]:
        """The drawn area: a JSON list of [lat, lon] vertices in WGS-84 (map.js converts from the tiles' datum)."""
        raw = self.get("polygon").strip()
        if not raw:
            return ()
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # the parser recurses: an area nested thousands deep overflows it
            data = None
        message = _("The area drawn on the map could not be read: clear it and draw it again.")
        if not isinstance(data, list) or not 3 <= len(data) <= MAX_POLYGON_VERTICES:
            self.errors["polygon"] = message
            return ()
        vertices: list[tuple[float, float]] = []
        for vertex in data:
            if (not isinstance(vertex, list) or len(vertex) != 2
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vertex)
                    or not valid_lat_lon(vertex[0], vertex[1])):
                self.errors["polygon"] = message
                return ()
            vertices.append((float(vertex[0]), float(vertex[1])))
        return tuple(vertices)

    def targets(self) -> Targets:
        return Targets(
            consultations=self.integer("target_consultations", low=0, high=MAX_TARGET, default=0) or 0,
            applications=self.integer("target_applications", low=0, high=MAX_TARGET, default=0) or 0,
            deals=self.integer("target_deals", low=0, high=MAX_TARGET, default=0) or 0,
        )

    def on_duty(self, member_ids: set[int]) -> list[int]:
        chosen: list[int] = []
        for raw in self.getlist("on_duty"):
            try:
                person = int(raw)
            except ValueError:
                person = -1
            if person not in member_ids:
                self.errors["on_duty"] = _("Only members of the team can be on duty.")
                continue
            chosen.append(person)
        return sorted(set(chosen))

    def sweep_date(self, today: date) -> date | None:
        raw = self.get("sweep_date").strip()
        if not raw:
            self.errors["sweep_date"] = _("Required.")
            return None
        try:
            day = parse_day(raw)
        except ValueError as fault:
            self.errors["sweep_date"] = str(fault)
            return None
        if day < today:
            self.errors["sweep_date"] = _("A sweep day is planned for today or later.")
            return None
        if day > today + timedelta(days=PLAN_AHEAD_DAYS):
            self.errors["sweep_date"] = _("Plan at most a year ahead.")
            return None
        return day

    def title(self) -> str:
        title = self.get("title").strip()
        if len(title) > 100:
            self.errors["title"] = _("At most %(limit)d characters.", limit=100)
            return title[:100]
        return title

    def plan(
        self, *, today: date, districts: list[str], industries: list[str], member_ids: set[int]
    ) -> NewSweepDay | None:
        """The whole plan, or None with ``errors`` filled."""
        sweep_date = self.sweep_date(today)
        plan = NewSweepDay(
            sweep_date=sweep_date or today,
            title=self.title(),
            criteria=self.criteria(districts=districts, industries=industries),
            targets=self.targets(),
            on_duty_ids=self.on_duty(member_ids),
            squad_count=self.integer("squad_count", low=1, high=max(1, len(member_ids))),
        )
        return None if self.errors else plan


def squad_rows(form: MultiDict[str, str], count: int) -> list[tuple[int | None, int | None, int | None]]:
    """The squads edited by hand: fields lead-N, support-N, observer-N for N = 1..count (+1 spare row)."""

    def person(name: str) -> int | None:
        raw = form.get(name, "").strip()
        try:
            return int(raw) if raw else None
        except ValueError:
            return -1  # not a member: check_squads says so

    return [
        (person(f"lead-{n}"), person(f"support-{n}"), person(f"observer-{n}"))
        for n in range(1, count + 2)
    ]


def criteria_summary(criteria: dict[str, Any]) -> list[str]:
    """The stored criteria as short lines for the plan page."""
    lines: list[str] = []
    if criteria.get("district"):
        lines.append(_("District: %(value)s", value=criteria["district"]))
    if criteria.get("address_contains"):
        lines.append(_("Address contains: %(value)s", value=criteria["address_contains"]))
    if criteria.get("industries"):
        lines.append(_("Industries: %(value)s", value=", ".join(criteria["industries"])))
    if criteria.get("statuses"):
        labels = ", ".join(label(MERCHANT_STATUS, s) for s in criteria["statuses"])
        lines.append(_("Status: %(value)s", value=labels))
    if criteria.get("not_visited_days"):
        lines.append(_("Not visited for %(days)d days", days=criteria["not_visited_days"]))
    if criteria.get("centre") and criteria.get("radius_m"):
        lines.append(_("Within %(radius)d m of a point", radius=int(criteria["radius_m"])))
    if criteria.get("polygon"):
        lines.append(_("Inside an area drawn on the map (%(count)d corners)", count=len(criteria["polygon"])))
    return lines
