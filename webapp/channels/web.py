"""What the channel views share: the blueprint, and the answers every view gives alike (an Excel file, the
client-made id of a form)."""
from __future__ import annotations

from flask import Blueprint, abort, make_response
from werkzeug.wrappers import Response

from webapp.write_kernel import parse_uuid

bp = Blueprint("channels", __name__, url_prefix="/channels")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> Response:
    """A workbook to download; personal data, so never stored by a browser or proxy."""
    response = make_response(data)
    response.headers["Content-Type"] = XLSX
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def form_uuid(value: str | None) -> str:
    """The form's client-made id: a form whose id is missing or mangled was not made by our page (400)."""
    parsed = parse_uuid(value)
    if parsed is None:
        abort(400)
    return parsed
