"""Schemathesis over /api/v1/openapi.json: every operation, with bodies, parameters and headers the document
allows and ones it forbids, answers no 5xx, only statuses and content types the document lists, bodies that
match its schemas, and on refusal a JSON error with a message a person can read.

The calls carry a real session of a manager (the role the phones' API serves) and its CSRF token, so they
reach the validation behind the CSRF check; the world has merchants and a visit, so GETs find something.
Budget: tests/fuzz_budget.py (``FUZZ_EXAMPLES``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import LoggedIn
from tests.factories import WULIN, World, add_merchant
from tests.fuzz_budget import fuzz_settings
from tests.visit_helpers import new_id, visit_body
from webapp.api.openapi import openapi_document
from webapp.extensions import db

SESSION_COOKIE = "xw_session"


@dataclass(frozen=True)
class Anchors:
    """A session and records that exist, so that some generated calls get past "not found" to the checks
    behind it."""

    manager: LoggedIn
    merchant_id: int
    visit_id: str


@pytest.fixture
def anchors(app: Flask, world: World, login: Any) -> Anchors:
    with app.app_context():
        merchant = add_merchant(world.sub_branches["A1"], "老王面馆", owner="mgr1", lat=WULIN[0], lon=WULIN[1])
        db.session.commit()
        merchant_id = merchant.id
    mgr1: LoggedIn = login("mgr1")
    visit_id = new_id()
    body = visit_body(merchant_id, support="mgr2", lat=WULIN[0], lon=WULIN[1])
    assert mgr1.api("PUT", f"/api/v1/visits/{visit_id}", json=body).status_code == 201
    return Anchors(mgr1, merchant_id, visit_id)


def _anchor(case: Any, anchors: Anchors) -> None:
    """Point a generated call at the records that exist (Schemathesis notices the edit and re-rates the case
    as valid or not before it checks the answer)."""
    if "visit_id" in (case.path_parameters or {}):
        case.path_parameters["visit_id"] = anchors.visit_id
    if isinstance(case.body, dict) and "merchant_id" in case.body:
        case.body["merchant_id"] = anchors.merchant_id


SCHEMA = schemathesis.openapi.from_dict(openapi_document())
OPERATIONS = [(path, method.upper()) for path, item in openapi_document()["paths"].items()
              for method in item if method in ("get", "put", "post", "patch", "delete")]


def readable_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """A refusal is JSON with an error code and a non-empty message, as the phones' queue shows it."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert isinstance(body, dict) and body.get("error") and str(body.get("message", "")).strip(), body
    return True


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_the_api_keeps_its_documented_promises(app: Flask, anchors: Anchors, path: str, method: str) -> None:
    manager = anchors.manager
    cookie = manager.client.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    # The session's own CSRF token and username: a wrong one is refused before anything else is read.
    # Bodies uncompressed: the WSGI client hands Schemathesis the raw bytes, and compression has its own tests.
    fixed: dict[str, Any] = {"headers": {"X-CSRFToken": manager.csrf, "X-Expected-User": manager.username,
                                         "Accept-Encoding": "identity"},
                             "cookies": {SESSION_COOKIE: cookie.value}}
    operation = SCHEMA[path][method]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE, **fixed),
                      operation.as_strategy(GenerationMode.NEGATIVE, **fixed))

    @fuzz_settings()
    @given(case=cases, anchored=st.booleans())
    def call(case: Any, anchored: bool) -> None:
        if anchored:
            _anchor(case, anchors)
        response = case.call(app=app, base_url="http://localhost/api/v1", **fixed)
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                 content_type_conformance, response_schema_conformance,
                                                 negative_data_rejection, readable_error])

    call()
