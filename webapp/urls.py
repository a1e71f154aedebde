"""URL converters registered once on the app.

``<uuid:visit_id>`` matches a client-made id (32 hex digits, hyphens optional, either case) and hands the
view its canonical lower-case form; anything else in that place matches no route, so a page answers 404 for
a malformed id exactly as for a missing one. The pattern itself must refuse (not only ``to_python``): a
segment the pattern accepts counts as a match for the method check, and a GET would then get a 405 from
the POST route at the same path. The JSON API keeps plain segments: it answers a malformed id in a
PUT with a 422 that names the field.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter, ValidationError

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


def register_converters(app: Flask) -> None:
    app.url_map.converters["uuid"] = ClientIdConverter
