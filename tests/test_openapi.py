"""GET /api/v1/openapi.json: a well-formed OpenAPI 3 document that lists every API route, and whose promised
status codes for the writes are each produced by a real request below."""
from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from tests import photo_samples as samples
from tests.api_helpers import good_body, put
from tests.factories import World
from tests.record_scenarios import record_scenarios
from tests.visit_helpers import new_id, now_iso
from webapp.api.openapi import openapi_document

VISIT = "/visits/{visit_id}"
PHOTO = "/visits/{visit_id}/photos/{photo_id}"
CONFIRMATION = "/visits/{visit_id}/confirmations/{username}"
HTTP_METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture
def document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def test_it_is_openapi_3(document: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"] == [{"url": "/api/v1"}]
    assert document["paths"]


def test_it_is_served_without_a_session(app: Flask) -> None:
    assert app.test_client().get("/api/v1/openapi.json").status_code == 200


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs = [node["$ref"] for node in _walk(document) if isinstance(node, dict) and "$ref" in node]
    assert refs
    for ref in refs:
        assert isinstance(_resolve(document, ref), dict), ref


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], list[dict[str, Any]]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation, [*item.get("parameters", []), *operation.get("parameters", [])]


def test_every_operation_is_well_formed(document: dict[str, Any]) -> None:
    for path, method, operation, parameters in operations(document):
        assert operation["summary"], (path, method)
        assert operation["responses"], (path, method)
        for code, response in operation["responses"].items():
            assert re.fullmatch(r"[1-5]\d\d", code) and response["description"], (path, method, code)
        templated = set(re.findall(r"\{(\w+)\}", path))
        in_path = {p["name"] for p in parameters if p["in"] == "path"}
        assert in_path == templated, (path, method)
        assert all(p["required"] for p in parameters if p["in"] == "path")
        names = [(p["in"], p["name"]) for p in parameters]
        assert len(names) == len(set(names)), (path, method)
        if method == "put":
            assert ("header", "X-CSRFToken") in names
            assert operation["requestBody"]["content"]


def test_every_protected_operation_documents_401(document: dict[str, Any]) -> None:
    for path, method, operation, _ in operations(document):
        if operation.get("security") == []:
            continue
        assert "401" in operation["responses"], (path, method)


def test_it_lists_exactly_the_routes_of_the_app(app: Flask, document: dict[str, Any]) -> None:
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        served |= {(path, method.lower()) for method in rule.methods or () if method not in ("HEAD", "OPTIONS")}
    documented = {(path, method) for path, method, _, _ in operations(document)}
    assert served == documented
    assert {(VISIT, "put"), (VISIT, "get"), (PHOTO, "put"), (CONFIRMATION, "put"), ("/merchants", "get"),
            ("/openapi.json", "get")} <= documented


# --- every documented status code of the writes, produced for real ---------------------------------------

Scenario = Callable[[Flask, World, Any], Any]


def _visit(login: Any, world: World, **overrides: Any) -> str:
    vid = new_id()
    assert put(login("mgr1"), vid, good_body(world, **overrides)).status_code == 201
    return vid


def _photo(user: Any, vid: str, pid: str, data: bytes) -> Any:
    form = {"file": (io.BytesIO(data), "p.jpg"), "category": "premises", "captured_at": now_iso(-20)}
    return user.api("PUT", f"/api/v1/visits/{vid}/photos/{pid}", data=form, content_type="multipart/form-data")


def _jpeg(seed: int = 1) -> bytes:
    return samples.jpeg_bytes(samples.shop_scene(seed, (320, 240)))


def _confirm(user: Any, vid: str, username: str, body: Any) -> Any:
    return user.api("PUT", f"/api/v1/visits/{vid}/confirmations/{username}", json=body)


def _twice(first: Callable[[], Any], second: Callable[[], Any]) -> Any:
    assert first().status_code == 201
    return second()


MEMBER_FIX = {"checkin": {"lat": 30.27413, "lon": 120.16361, "accuracy_m": 7, "captured_at": now_iso(-200)}}


def _visit_scenarios() -> dict[str, Scenario]:
    def replay(app: Flask, world: World, login: Any) -> Any:
        vid, body = new_id(), good_body(world)
        return _twice(lambda: put(login("mgr1"), vid, body), lambda: put(login("mgr1"), vid, body))

    def forbidden(app: Flask, world: World, login: Any) -> Any:
        vid, body = new_id(), good_body(world, support="mgr2")
        etag = put(login("mgr1"), vid, body).headers["ETag"]
        return put(login("mgr2"), vid, dict(body, notes={"lead": "x"}), **{"If-Match": etag})

    def conflict(app: Flask, world: World, login: Any) -> Any:
        vid, body = new_id(), good_body(world)
        return _twice(lambda: put(login("mgr1"), vid, body),
                      lambda: put(login("mgr1"), vid, dict(body, notes={"lead": "x"})))

    return {
        "201": lambda app, world, login: put(login("mgr1"), new_id(), good_body(world)),
        "200": replay,
        "400": lambda app, world, login: login("mgr1").client.put(f"/api/v1/visits/{new_id()}",
                                                                  json=good_body(world)),
        "401": lambda app, world, login: app.test_client().put(f"/api/v1/visits/{new_id()}", json=good_body(world)),
        "403": forbidden,
        "404": lambda app, world, login: put(login("mgr1"), new_id(),
                                             good_body(world, merchant_id=world.merchants["a2"])),
        "409": conflict,
        "415": lambda app, world, login: login("mgr1").api("PUT", f"/api/v1/visits/{new_id()}", data="x",
                                                           content_type="text/plain"),
        "422": lambda app, world, login: put(login("mgr1"), new_id(), good_body(world, kind="party")),
    }


def _photo_scenarios() -> dict[str, Scenario]:
    def replay(app: Flask, world: World, login: Any) -> Any:
        vid, pid = _visit(login, world), new_id()
        return _twice(lambda: _photo(login("mgr1"), vid, pid, _jpeg()),
                      lambda: _photo(login("mgr1"), vid, pid, _jpeg()))

    def conflict(app: Flask, world: World, login: Any) -> Any:
        vid, pid = _visit(login, world), new_id()
        return _twice(lambda: _photo(login("mgr1"), vid, pid, _jpeg(1)),
                      lambda: _photo(login("mgr1"), vid, pid, _jpeg(2)))

    def too_large(app: Flask, world: World, login: Any) -> Any:
        vid = _visit(login, world)
        app.config["PHOTO_MAX_BYTES"] = 1000  # read per request; this app lives for this test only
        return _photo(login("mgr1"), vid, new_id(), _jpeg())

    def too_many_held(app: Flask, world: World, login: Any) -> Any:
        app.config["SYNC_HELD_MAX_PER_USER"] = 1  # read per request; this app lives for this test only
        mgr1 = login("mgr1")
        assert _photo(mgr1, new_id(), new_id(), _jpeg(1)).status_code == 202
        return _photo(mgr1, new_id(), new_id(), _jpeg(2))

    return {
        "201": lambda app, world, login: _photo(login("mgr1"), _visit(login, world), new_id(), _jpeg()),
        "200": replay,
        "400": lambda app, world, login: login("mgr1").client.put(
            f"/api/v1/visits/{_visit(login, world)}/photos/{new_id()}",
            data={"file": (io.BytesIO(_jpeg()), "p.jpg"), "category": "premises", "captured_at": now_iso()},
            content_type="multipart/form-data"),
        "401": lambda app, world, login: app.test_client().put(f"/api/v1/visits/{new_id()}/photos/{new_id()}"),
        "403": lambda app, world, login: _photo(login("lead1"), _visit(login, world), new_id(), _jpeg()),
        "202": lambda app, world, login: _photo(login("mgr1"), new_id(), new_id(), _jpeg()),
        "404": lambda app, world, login: _photo(login("mgr7"), _visit(login, world), new_id(), _jpeg()),
        "409": conflict,
        "413": too_large,
        "429": too_many_held,
        "415": lambda app, world, login: _photo(login("mgr1"), _visit(login, world), new_id(), samples.svg_bytes()),
        "422": lambda app, world, login: _photo(login("mgr1"), _visit(login, world), new_id(),
                                                samples.truncated(_jpeg())),
    }


def _confirmation_scenarios() -> dict[str, Scenario]:
    def replay(app: Flask, world: World, login: Any) -> Any:
        vid = _visit(login, world, support="mgr2")
        return _twice(lambda: _confirm(login("mgr2"), vid, "mgr2", MEMBER_FIX),
                      lambda: _confirm(login("mgr2"), vid, "mgr2", MEMBER_FIX))

    def conflict(app: Flask, world: World, login: Any) -> Any:
        vid = _visit(login, world, support="mgr2")
        return _twice(lambda: _confirm(login("mgr2"), vid, "mgr2", MEMBER_FIX),
                      lambda: _confirm(login("mgr2"), vid, "mgr2", {**MEMBER_FIX, "note": "x"}))

    return {
        "201": lambda app, world, login: _confirm(login("mgr2"), _visit(login, world, support="mgr2"), "mgr2",
                                                  MEMBER_FIX),
        "200": replay,
        "400": lambda app, world, login: login("mgr2").client.put(
            f"/api/v1/visits/{_visit(login, world, support='mgr2')}/confirmations/mgr2", json=MEMBER_FIX),
        "401": lambda app, world, login: app.test_client().put(f"/api/v1/visits/{new_id()}/confirmations/mgr2",
                                                               json=MEMBER_FIX),
        "403": lambda app, world, login: _confirm(login("mgr2"), _visit(login, world, support="mgr2",
                                                                        observer="mgr3"), "mgr3", MEMBER_FIX),
        "404": lambda app, world, login: _confirm(login("mgr2"), new_id(), "mgr2", MEMBER_FIX),
        "409": conflict,
        "422": lambda app, world, login: _confirm(login("mgr2"), _visit(login, world, support="mgr2"), "mgr2",
                                                  {"note": "x" * 3000}),
    }


SCENARIOS: dict[tuple[str, str], dict[str, Scenario]] = {
    (VISIT, "put"): _visit_scenarios(),
    (PHOTO, "put"): _photo_scenarios(),
    (CONFIRMATION, "put"): _confirmation_scenarios(),
    **record_scenarios(),  # leads, peer records, survey answers (tests/record_scenarios.py)
}


def test_each_documented_write_status_has_a_real_request() -> None:
    """The document and the scenarios below name the same codes: a code promised but never produced,
    or produced but not promised, fails here."""
    documented = {(path, method): set(operation["responses"])
                  for path, method, operation, _ in operations(openapi_document()) if method == "put"}
    assert documented == {key: set(codes) for key, codes in SCENARIOS.items()}


@pytest.mark.parametrize(("operation", "code"), [
    pytest.param(key, code, id=f"{key[1].upper()} {key[0]} {code}")
    for key, codes in SCENARIOS.items() for code in codes
])
def test_the_documented_status_really_occurs(
    app: Flask, world: World, login: Any, document: dict[str, Any], operation: tuple[str, str], code: str
) -> None:
    response = SCENARIOS[operation][code](app, world, login)
    assert response.status_code == int(code), response.get_data(as_text=True)[:300]
    assert response.is_json
    schema = document["paths"][operation[0]][operation[1]]["responses"][code]["content"]["application/json"]["schema"]
    schema = _resolve(document, schema["$ref"])
    body = response.get_json()
    assert set(schema.get("required", [])) <= set(body)
    if "error" not in schema["properties"]:
        # A success body carries every property the document describes.
        assert set(schema["properties"]) <= set(body), set(schema["properties"]) - set(body)
