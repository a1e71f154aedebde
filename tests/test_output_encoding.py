"""Output encoding in every format: markup and formulas in every user-text field stay text everywhere.

The hostile world (tests/hostile_helpers.py) puts ``=HYPERLINK(..."<img ... data-xss=...>")`` and its ``+ - @``
cousins into merchant names, codes, addresses, districts, notes, next steps, reasons, titles, person and team
names and a photo's EXIF. Every HTML page any role can open (every GET route of the app's url_map, its ids from
the world) is parsed, and no element carries ``data-xss``; every export listed in ``EXPORTS`` is opened as what
it is (workbook, CSV, PDF) and holds the payloads as text, never as a formula. A new module joins by adding to
``BUILDERS`` and ``EXPORTS`` there; the two "every route" tests here fail until it does.
(Maps and the lightbox: tests/browser/test_hostile_text.py.)
"""
from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdf
import pytest
from flask import Flask
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.conftest import LoggedIn, _empty_all_tables, base_test_config, login_client
from tests.hostile_helpers import EXPORTS, MARK, UNOPENED_ROUTES, USERS, Export, Hostile, build_hostile
from webapp import create_app
from webapp.extensions import db
from webapp.spreadsheet import csv_field, looks_like_formula, write_csv

FILE_ROUTE = re.compile(r"\.(xlsx|csv|zip|pdf)$")
WEBAPP = Path(__file__).resolve().parent.parent / "webapp"


@dataclass
class Scene:
    app: Flask
    hostile: Hostile
    users: dict[str, LoggedIn]


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory, _postgres_schema: str | None) -> Iterator[Scene]:
    tmp: Path = tmp_path_factory.mktemp("hostile")
    app = create_app(base_test_config(tmp, _postgres_schema or f"sqlite:///{tmp / 'hostile.sqlite3'}"))
    with app.app_context():
        if _postgres_schema is None:
            db.create_all()
        else:
            _empty_all_tables()
    hostile = build_hostile(app)
    users = {name: login_client(app, name) for name in USERS}
    for user in users.values():  # English pages: the payloads are compared as typed
        assert user.post("/language", {"lang": "en", "next": "/merchants/"}).status_code == 303
    yield Scene(app, hostile, users)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class _Elements(HTMLParser):
    """Every element of a page, and its text and attribute values as the browser decodes them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.marked: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if any(name == MARK for name, _value in attrs):
            self.marked.append(f"<{tag} {attrs}>")
        self.text.extend(value for _name, value in attrs if value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _get_rules(app: Flask) -> list[Any]:
    return [rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or set())]


def _page_urls(scene: Scene) -> list[str]:
    """Every GET route whose arguments the world fills, files aside (opened as what they are below)."""
    values = scene.hostile.ids
    urls = []
    with scene.app.test_request_context():
        for rule in _get_rules(scene.app):
            if rule.endpoint in UNOPENED_ROUTES or FILE_ROUTE.search(rule.rule):
                continue
            urls.append(rule.build({name: values[name] for name in rule.arguments})[1])
    return sorted(set(urls))


def test_every_page_route_is_opened(scene: Scene) -> None:
    """A new page whose ids no builder makes would be skipped silently: it fails here instead."""
    missing = [f"{rule.rule} needs {sorted(set(rule.arguments) - set(scene.hostile.ids))}"
               for rule in _get_rules(scene.app)
               if rule.endpoint not in UNOPENED_ROUTES and not set(rule.arguments) <= set(scene.hostile.ids)]
    assert not missing, "add a builder to tests/hostile_helpers.BUILDERS: " + "; ".join(missing)


def test_every_file_route_is_an_export_checked_here(scene: Scene) -> None:
    files = {rule.endpoint for rule in scene.app.url_map.iter_rules() if FILE_ROUTE.search(rule.rule)}
    files -= set(UNOPENED_ROUTES)
    assert files == {export.endpoint for export in EXPORTS}, "list it in tests/hostile_helpers.EXPORTS"


def test_no_page_turns_user_text_into_markup(scene: Scene) -> None:
    urls = _page_urls(scene)
    assert "/review/visits/" + scene.hostile.visit_id in urls and f"/sweeps/{scene.hostile.sweep_day_id}/board" in urls
    marked: list[str] = []
    shown: set[str] = set()
    pages = 0
    for username, user in scene.users.items():
        for url in urls:
            for headers in ({}, {"HX-Request": "true"}):
                response = user.client.get(url, headers=headers)
                html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
                response.close()
                if response.status_code != 200 or not html:
                    continue
                pages += 1
                parser = _Elements()
                parser.feed(html)
                marked.extend(f"{username} {url}: {element}" for element in parser.marked)
                text = "\n".join(parser.text)
                shown |= {name for name, value in scene.hostile.texts.items() if value in text}
    assert pages > 40
    assert not marked, "\n".join(marked[:20])
    # The fields really reached the pages (as text), so the test looked where it claims to.
    assert set(scene.hostile.texts) - shown <= {"code", "industry", "product", "exif_make"}, \
        set(scene.hostile.texts) - shown


def _download(scene: Scene, export: Export) -> bytes:
    with scene.app.test_request_context():
        rule = next(r for r in scene.app.url_map.iter_rules() if r.endpoint == export.endpoint)
        url = rule.build({name: scene.hostile.ids[name] for name in rule.arguments})[1]
    response = scene.users[export.username].get(url)
    assert response.status_code == 200, (url, response.status_code)
    data = response.get_data()
    response.close()
    return data


def _workbook_fields(data: bytes) -> list[str]:
    """Every text cell of a workbook; fails on a formula cell or formula-like text without Excel's quote mark."""
    book = load_workbook(io.BytesIO(data))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    if looks_like_formula(cell.value):
                        assert cell.quotePrefix, f"{sheet.title}!{cell.coordinate} is not quote-prefixed"
                    texts.append(cell.value)
    return texts


def _csv_fields(text: str) -> list[str]:
    """Every field of a CSV file, the neutralising apostrophe taken off; fails on a field a spreadsheet runs."""
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) >= 2
    live = [field for row in rows for field in row if looks_like_formula(field)]
    assert not live, live
    return [field[1:] if field.startswith("'") else field for row in rows for field in row]


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


@pytest.mark.parametrize("export", EXPORTS, ids=lambda export: export.endpoint)
def test_every_export_keeps_user_text_as_text(scene: Scene, export: Export, monkeypatch: pytest.MonkeyPatch) -> None:
    writers: set[str] = set()
    original_append = Worksheet.append

    def spied_append(sheet: Worksheet, row: Any) -> None:
        writers.add(sys._getframe(1).f_globals["__name__"])
        original_append(sheet, row)

    monkeypatch.setattr(Worksheet, "append", spied_append)
    data = _download(scene, export)
    assert writers <= {"webapp.spreadsheet"}, f"rows written around the one cell writer by {writers}"
    texts = scene.hostile.texts
    if export.fmt == "pdf":
        text = _pdf_text(data)
        missing = [name for name in export.fields if "".join(texts[name].split()) not in text]
    else:
        if export.fmt == "xlsx":
            fields = _workbook_fields(data)
        elif export.fmt == "csv":
            fields = _csv_fields(data.decode("utf-8-sig"))
        else:
            member = export.fmt.removeprefix("zip:")
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                fields = _csv_fields(archive.read(member).decode("utf-8-sig"))
        missing = [name for name in export.fields if texts[name] not in fields]
    assert not missing, f"{export.endpoint} lacks {missing} (or shows them changed)"


def test_no_csv_or_sheet_writer_around_the_one_cell_writer() -> None:
    """Only webapp/spreadsheet.py writes CSV rows or sheet cells; everything else hands it values."""
    pattern = re.compile(r"csv\.(writer|DictWriter)\(|\.writerows?\(|\.cell\([^)]*value\s*=|\]\.value\s*=")
    offenders = [f"{path.relative_to(WEBAPP)}: {line.strip()}"
                 for path in WEBAPP.rglob("*.py") if path.name != "spreadsheet.py"
                 for line in path.read_text(encoding="utf-8").splitlines() if pattern.search(line)]
    assert not offenders, offenders


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+86 571", "'+86 571"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("老王面馆", "老王面馆"), ("", ""), (None, ""), (-2, "-2"), (-122.5, "-122.5"), (True, "true"),
])
def test_the_one_cell_writer(value: object, written: str) -> None:
    assert csv_field(value) == written  # type: ignore[arg-type]
    out = io.StringIO()
    write_csv(out, ["=header"], [[value]])  # type: ignore[list-item]
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=header"]
