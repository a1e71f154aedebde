"""URL converters registered once on the app.

``<uuid:visit_id>`` matches a client-made id (32 hex digits, hyphens optional, either case) and hands the
view its canonical lower-case form; anything else in that place matches no route, so a page answers 404 for
a malformed id exactly as for a missing one. The pattern itself must refuse (not only ``to_python``): a
segment the pattern accepts counts as a match for the method check, and a GET would then get a 405 from
the POST route at the same path. The JSON API keeps plain segments: it answers a malformed id in a
PUT with a 422 that names the field.

``<int:...>`` is bounded the same way: record ids are 32-bit integers in PostgreSQL (and SQLite refuses
anything past 64 bits), so a longer number matches no route, a 404, instead of overflowing in the query.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter, IntegerConverter, Map, ValidationError

from webapp.write_kernel import parse_uuid


class ClientIdConverter(BaseConverter):
    """A path segment that is a UUID, as its canonical string."""

    regex = "[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}"

    def to_python(self, value: str) -> str:
        parsed = parse_uuid(value)
        if parsed is None:
            raise ValidationError()
        return parsed

    def to_url(self, value: object) -> str:
        return super().to_url(str(value))


MAX_RECORD_ID = 2**31 - 1


class RecordIdConverter(IntegerConverter):
    """A path segment that is a record id: 1 to 10 digits, at most ``MAX_RECORD_ID``."""

    regex = r"\d{1,10}"

    # min and max are the argument names of the rule syntax (<int(max=...):id>), so they shadow the builtins.
    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_RECORD_ID, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_converters(app: Flask) -> None:
    app.url_map.converters["uuid"] = ClientIdConverter
    app.url_map.converters["int"] = RecordIdConverter
