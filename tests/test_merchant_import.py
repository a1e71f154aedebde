"""Merchant CSV import: encodings, headers, datums, all-or-nothing, the error report and its limits."""
from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import LoggedIn
from tests.factories import World
from webapp.admin.merchant_import import (
    DEFAULT_MAX_BYTES,
    import_merchants,
    parse_merchant_csv,
)
from webapp.extensions import db
from webapp.geo.coords import bd09_to_wgs84, gcj02_to_wgs84
from webapp.models import Merchant
from webapp.text_files import FileProblem

HX = {"HX-Request": "true"}
ZH = ["商户编号", "商户名称", "行业", "地址", "商圈", "联系人", "联系电话", "纬度", "经度", "状态", "客户经理"]
EN = ["code", "name", "industry", "address", "district", "contact_name", "phone", "lat", "lon", "status", "owner"]
# A GCJ-02 point on West Lake's shore, as AMap would give it.
GCJ_POINT = (30.2590, 120.1552)


@pytest.fixture
def admin(login: Any) -> LoggedIn:
    """The HZ admin reading English (the msgids), so assertions outlive the Chinese catalogue."""
    user: LoggedIn = login("admin")
    assert user.post("/language", {"lang": "en", "next": "/admin/"}).status_code == 303
    return user


def make_csv(rows: list[dict[str, str]], header: list[str] = ZH, encoding: str = "utf-8") -> bytes:
    """A CSV with the given header; each row names its cells by header (missing ones are empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return buffer.getvalue().encode(encoding)


def zh_row(index: int, **cells: str) -> dict[str, str]:
    row = {
        "商户编号": f"IMP-{index:03d}",
        "商户名称": f"测试商户{index}",
        "行业": "餐饮",
        "地址": f"延安路{index}号",
        "商圈": "武林商圈",
        "联系人": "张老板",
        "联系电话": f"138{index:08d}",
        "纬度": "",
        "经度": "",
        "状态": "潜在客户",
        "客户经理": "",
    }
    row.update(cells)
    return row


def upload(user: LoggedIn, data: bytes, sub_branch_id: int, *, coord_system: str = "wgs84",
           encoding: str = "auto", htmx: bool = True, filename: str = "merchants.csv") -> Any:
    return user.post(
        "/admin/merchants/import",
        {"file": (io.BytesIO(data), filename), "sub_branch_id": str(sub_branch_id),
         "coord_system": coord_system, "encoding": encoding},
        headers=HX if htmx else {},
    )


def merchant_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(Merchant)) or 0)


def by_code(app: Flask, code: str) -> Merchant:
    with app.app_context():
        merchant = db.session.scalar(sa.select(Merchant).where(Merchant.code == code))
        assert merchant is not None, code
        db.session.expunge(merchant)
        return merchant


def reported_rows(body: str) -> list[int]:
    return [int(n) for n in re.findall(r'class="report-line" data-row="(\d+)"', body)]


# Encodings and headers


@pytest.mark.parametrize("encoding_choice", ["auto", "gbk"])
def test_gbk_file_with_chinese_headers_imports(app: Flask, admin: LoggedIn, world: World, encoding_choice: str) -> None:
    rows = [
        zh_row(1, 商户名称="老张葱油饼", 状态="贷款客户", 客户经理="mgr1"),
        zh_row(2, 商户名称="杭州丝绸坊（延安路店）", 状态="申请中", 商圈="湖滨商圈"),
    ]
    data = make_csv(rows, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test really is about GBK
    before = merchant_count(app)
    response = upload(admin, data, world.sub_branches["A1"], encoding=encoding_choice)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert 'id="import-summary"' in body and "2 new and 0 updated" in body
    assert merchant_count(app) == before + 2
    first, second = by_code(app, "IMP-001"), by_code(app, "IMP-002")
    assert (first.name, first.status, first.sub_branch_id) == ("老张葱油饼", "borrower", world.sub_branches["A1"])
    assert first.owner_id == world.users["mgr1"]
    assert (second.name, second.status, second.district) == ("杭州丝绸坊（延安路店）", "applicant", "湖滨商圈")


def test_utf8_with_bom_and_english_headers(app: Flask, admin: LoggedIn, world: World) -> None:
    rows = [{"code": "EN-1", "name": "Café 小笼包", "status": "Customer", "phone": "0571-87654321"}]
    data = b"\xef\xbb\xbf" + make_csv(rows, header=EN)
    response = upload(admin, data, world.sub_branches["A2"])
    assert response.status_code == 200, response.get_data(as_text=True)
    merchant = by_code(app, "EN-1")  # the code column was found despite the BOM before its header
    assert (merchant.name, merchant.status, merchant.phone) == ("Café 小笼包", "customer", "0571-87654321")
    assert merchant.sub_branch_id == world.sub_branches["A2"]


def test_gbk_file_read_as_utf8_is_refused(app: Flask, admin: LoggedIn, world: World) -> None:
    before = merchant_count(app)
    response = upload(admin, make_csv([zh_row(1)], encoding="gbk"), world.sub_branches["A1"], encoding="utf-8")
    assert response.status_code == 422
    assert "cannot be read as UTF-8" in response.get_data(as_text=True)
    assert merchant_count(app) == before


# Coordinates


@pytest.mark.parametrize(("system", "to_wgs84"), [("gcj02", gcj02_to_wgs84), ("bd09", bd09_to_wgs84)])
def test_coordinates_are_stored_as_wgs84(app: Flask, admin: LoggedIn, world: World, system: str, to_wgs84: Any) -> None:
    lat, lon = GCJ_POINT
    data = make_csv([zh_row(1, 纬度=str(lat), 经度=str(lon))])
    response = upload(admin, data, world.sub_branches["A1"], coord_system=system)
    assert response.status_code == 200, response.get_data(as_text=True)
    merchant = by_code(app, "IMP-001")
    expected_lat, expected_lon = to_wgs84(lat, lon)
    assert merchant.lat == pytest.approx(expected_lat, abs=1e-6)
    assert merchant.lon == pytest.approx(expected_lon, abs=1e-6)
    # The conversion really moved the point (hundreds of metres), so the test cannot pass by storing the input.
    assert abs(merchant.lat - lat) + abs(merchant.lon - lon) > 1e-3  # type: ignore[operator]
    assert merchant.location_source == "import"


def test_wgs84_coordinates_are_stored_as_given(app: Flask, admin: LoggedIn, world: World) -> None:
    upload(admin, make_csv([zh_row(1, 纬度="30.2741", 经度="120.1636")]), world.sub_branches["A1"])
    merchant = by_code(app, "IMP-001")
    assert (merchant.lat, merchant.lon) == (30.2741, 120.1636)


# All or nothing, and the report


def test_two_bad_rows_of_twenty_are_reported_and_nothing_is_imported(app: Flask, admin: LoggedIn,
                                                                     world: World) -> None:
    rows = [zh_row(i) for i in range(1, 21)]
    rows[5]["商户名称"] = ""  # file row 7 (the header is row 1)
    rows[13].update({"纬度": "北纬30度", "经度": "120.1"})  # file row 15
    before = merchant_count(app)
    response = upload(admin, make_csv(rows), world.sub_branches["A1"])
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in body and 'id="import-report"' in body
    assert reported_rows(body) == [7, 15]
    assert "Nothing was imported" in body and "2 rows have problems" in body
    assert "Missing." in body and "must be numbers" in body
    assert "商户名称" in body and "纬度 / 经度" in body  # columns named as the file names them
    assert merchant_count(app) == before


def test_plain_post_with_bad_rows_returns_the_page(app: Flask, admin: LoggedIn, world: World) -> None:
    response = upload(admin, make_csv([zh_row(1, 状态="睡着了")]), world.sub_branches["A1"], htmx=False)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" in body and reported_rows(body) == [2]
    assert "Not a known status" in body and "贷款客户" in body


def test_a_bad_phone_is_shown_as_typed_and_other_phones_never(app: Flask, admin: LoggedIn, world: World) -> None:
    """The admin sees the phone number they typed that was refused (masked, the wrong digit could not be found);
    a good phone on another bad row, or digits typed into another column, are never echoed raw."""
    rows = [
        zh_row(1, 联系电话="13812345678#"),  # not a phone number: reported as typed
        zh_row(2, 商户名称="", 联系电话="13987654321"),  # a good phone on a bad row: not echoed at all
        zh_row(3, 联系人="13700001111 王"),  # a phone typed into another column
        zh_row(4, 客户经理="13600002222"),  # and into the owner column
    ]
    response = upload(admin, make_csv(rows), world.sub_branches["A1"])
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert reported_rows(body) == [2, 3, 5]
    assert "13812345678#" in body and "138****5678" not in body
    for raw in ("13987654321", "13600002222"):
        assert raw not in body


def test_the_manager_column_takes_a_username_or_a_unique_name(app: Flask, admin: LoggedIn, world: World) -> None:
    a1 = world.sub_branches["A1"]
    page = admin.get("/admin/merchants/import").get_data(as_text=True)
    assert "data-owner-help" in page and "username" in page
    rows = [zh_row(1, 客户经理="mgr1"), zh_row(2, 客户经理="张伟"), zh_row(3, 客户经理="MGR3")]
    assert upload(admin, make_csv(rows), a1).status_code == 200
    with app.app_context():
        from webapp.models import User

        owners = dict(db.session.execute(sa.select(Merchant.code, User.username).join(
            User, Merchant.owner_id == User.id).where(Merchant.code.like("IMP-%"))).all())
    assert owners == {"IMP-001": "mgr1", "IMP-002": "mgr2", "IMP-003": "mgr3"}
    # A name two people of the sub-branch share names nobody: the admin is asked for the username.
    with app.app_context():
        from webapp.models import User

        namesake = db.session.scalar(sa.select(User).where(User.username == "mgr3"))
        assert namesake is not None
        namesake.display_name = "张伟"
        db.session.commit()
    response = upload(admin, make_csv([zh_row(4, 客户经理="张伟")]), a1)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "write their username" in body
    # Someone of another sub-branch, or nobody, is refused as before.
    response = upload(admin, make_csv([zh_row(5, 客户经理="黄强")]), a1)
    assert response.status_code == 422 and "username or name" in response.get_data(as_text=True)


def test_reimport_by_code_updates_instead_of_duplicating(app: Flask, admin: LoggedIn, world: World) -> None:
    a1 = world.sub_branches["A1"]
    assert upload(admin, make_csv([zh_row(1), zh_row(2)]), a1).status_code == 200
    before = merchant_count(app)
    # A narrower file: name and status change, the columns it lacks keep their values.
    data = make_csv([{"商户编号": "IMP-001", "商户名称": "改名后的商户", "状态": "客户"}], header=["商户编号", "商户名称", "状态"])
    response = upload(admin, data, a1)
    assert response.status_code == 200
    assert "0 new and 1 updated" in response.get_data(as_text=True)
    assert merchant_count(app) == before
    merchant = by_code(app, "IMP-001")
    assert (merchant.name, merchant.status) == ("改名后的商户", "customer")
    assert (merchant.phone, merchant.address) == ("13800000001", "延安路1号")


def test_reimport_of_a_world_merchant_keeps_its_status_when_the_cell_is_empty(app: Flask, admin: LoggedIn,
                                                                              world: World) -> None:
    data = make_csv([{"商户编号": "A1-001", "商户名称": "老王面馆", "状态": ""}], header=["商户编号", "商户名称", "状态"])
    assert upload(admin, data, world.sub_branches["A1"]).status_code == 200
    assert by_code(app, "A1-001").status == "borrower"


def test_duplicate_codes_in_the_file_are_reported(app: Flask, admin: LoggedIn, world: World) -> None:
    rows = [zh_row(1), zh_row(2), zh_row(3, 商户编号="IMP-001")]
    before = merchant_count(app)
    response = upload(admin, make_csv(rows), world.sub_branches["A1"])
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert reported_rows(body) == [4]
    assert "same code as row 2" in body
    assert merchant_count(app) == before


def test_plain_successful_import_redirects_with_a_summary(app: Flask, admin: LoggedIn, world: World) -> None:
    data = make_csv([zh_row(1)], header=[*ZH, "备注"])
    response = upload(admin, data, world.sub_branches["A1"], htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/merchants/import"
    page = admin.get("/admin/merchants/import").get_data(as_text=True)
    assert "1 new and 0 updated" in page
    assert "Columns not imported: 备注" in page


# File-level refusals


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf\r\n\r\n", "The file is empty."),
        (",".join(ZH).encode() + b"\r\n", "header row but no merchants"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a CSV text file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        ("商户编号,行业\r\nX1,餐饮\r\n".encode(), "no Name column"),
        ("商户名称,纬度\r\n某店,30.1\r\n".encode(), "not both"),
        ("商户名称,name\r\n某店,某店\r\n".encode(), "same field: 商户名称 and name"),
        ('商户名称,地址\r\n某店,延安路\r\n他店,"湖滨路\r\n三店,x\r\n'.encode(), "not valid CSV near row 3"),
        ('商户名称,地址\r\n某店,"延安"路\r\n'.encode(), "not valid CSV near row 2"),
    ],
)
def test_unusable_files_are_refused_with_a_message(app: Flask, admin: LoggedIn, world: World, data: bytes,
                                                   message: str) -> None:
    before = merchant_count(app)
    response = upload(admin, data, world.sub_branches["A1"])
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="import-file-error"' in body and message in body
    assert merchant_count(app) == before


def test_oversize_file_is_refused(app: Flask, admin: LoggedIn, world: World) -> None:
    app.config["IMPORT_MAX_BYTES"] = 2048
    data = make_csv([zh_row(i) for i in range(1, 40)])
    assert len(data) > 2048
    before = merchant_count(app)
    response = upload(admin, data, world.sub_branches["A1"])
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)
    assert merchant_count(app) == before


def test_default_size_limit_is_five_megabytes(app: Flask) -> None:
    header = ",".join(ZH).encode() + b"\r\n"
    row = ",".join(["X", "某店"] + [""] * 9).encode() + b"\r\n"
    big = header + row * ((DEFAULT_MAX_BYTES - len(header)) // len(row) + 1)
    assert len(big) > DEFAULT_MAX_BYTES == 5 * 1024 * 1024
    with pytest.raises(FileProblem) as refused:
        parse_merchant_csv(big, "auto")
    assert refused.value.code == "too_large"
    assert len(parse_merchant_csv(big[:DEFAULT_MAX_BYTES].rsplit(b"\r\n", 1)[0], "auto").rows) > 1000


def test_too_many_rows_are_refused(app: Flask, admin: LoggedIn, world: World) -> None:
    app.config["IMPORT_MAX_ROWS"] = 3
    before = merchant_count(app)
    response = upload(admin, make_csv([zh_row(i) for i in range(1, 5)]), world.sub_branches["A1"])
    assert response.status_code == 422
    assert "more than 3 merchants" in response.get_data(as_text=True)
    assert merchant_count(app) == before
    assert upload(admin, make_csv([zh_row(i) for i in range(1, 4)]), world.sub_branches["A1"]).status_code == 200


def test_form_errors_sit_beside_their_fields(app: Flask, admin: LoggedIn, world: World) -> None:
    before = merchant_count(app)
    response = admin.post("/admin/merchants/import", {"sub_branch_id": str(world.sub_branches["B1"]),
                                                      "coord_system": "mars", "encoding": "latin-1"}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("file", "sub_branch_id", "coord_system", "encoding"):
        assert f'id="error-{field}"' in body
    response = upload(admin, make_csv([zh_row(1)]), world.sub_branches["B1"])
    assert response.status_code == 422 and 'id="error-sub_branch_id"' in response.get_data(as_text=True)
    assert merchant_count(app) == before


@pytest.mark.parametrize("username", ["mgr1", "lead1", "reviewer1"])
def test_only_admins_import(app: Flask, login: Any, world: World, username: str) -> None:
    user = login(username)
    before = merchant_count(app)
    assert user.get("/admin/merchants/import").status_code == 403
    assert upload(user, make_csv([zh_row(1)]), world.sub_branches["A1"]).status_code == 403
    assert merchant_count(app) == before


# The functions themselves, as a CLI would call them


def test_parse_numbers_rows_as_the_spreadsheet_does() -> None:
    text = "\r\n".join([
        "商户名称*,片区,手机,无关列",
        "甲店,武林,13800000001,x",
        ",,,",  # a blank row keeps its number
        '"乙店,二楼",四季青,,y',
        "丙店,湖滨,,z,多出来的",
    ]) + "\r\n"
    parsed = parse_merchant_csv(text.encode("gb18030"), "gbk")
    assert parsed.encoding == "gb18030"
    assert parsed.columns == {"name": "商户名称", "district": "片区", "phone": "手机"}
    assert parsed.ignored_headers == ["无关列"]
    assert [(row.row, row.values["name"], row.extra_cells) for row in parsed.rows] == [
        (2, "甲店", 0), (4, "乙店,二楼", 0), (5, "丙店", 1)]
    assert parsed.rows[0].values == {"name": "甲店", "district": "武林", "phone": "13800000001"}


def test_parse_reads_tab_separated_utf16() -> None:
    data = "商户名称\t经度\t纬度\r\n甲店\t120.1\t30.2\r\n".encode("utf-16")
    parsed = parse_merchant_csv(data, "auto")
    assert parsed.rows[0].values == {"name": "甲店", "lon": "120.1", "lat": "30.2"}


def test_import_function_validates_all_before_writing(app: Flask, world: World) -> None:
    with app.app_context():
        parsed = parse_merchant_csv(make_csv([zh_row(1), zh_row(2, 客户经理="mgr7"), zh_row(3, 客户经理="nobody")]), "auto")
        result = import_merchants(parsed.rows, world.sub_branches["A1"], "wgs84")
        assert not result.ok and result.created == 0
        assert [(e.row, e.field, e.code) for e in result.errors] == [(3, "owner", "unknown_owner"),
                                                                   (4, "owner", "unknown_owner")]
        assert db.session.scalar(sa.select(Merchant.id).where(Merchant.code == "IMP-001")) is None
        good = parse_merchant_csv(make_csv([zh_row(1), zh_row(2, 客户经理="lead1")]), "auto")
        result = import_merchants(good.rows, world.sub_branches["A1"], "wgs84")
        assert (result.ok, result.created, result.updated) == (True, 2, 0)
        db.session.rollback()  # the caller owns the transaction: nothing was committed
        assert db.session.scalar(sa.select(Merchant.id).where(Merchant.code == "IMP-001")) is None


def test_a_write_conflict_rolls_everything_back(app: Flask, admin: LoggedIn, world: World,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Another import writing the same code meanwhile: the first rows written must not survive either."""
    import webapp.admin.merchant_import as module

    real_save = module.save_merchant
    calls: list[int] = []

    def save_then_conflict(clean: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise sa.exc.IntegrityError("INSERT INTO merchant", {}, Exception("uq_merchant_sub_branch_code"))
        return real_save(clean)

    monkeypatch.setattr(module, "save_merchant", save_then_conflict)
    before = merchant_count(app)
    response = upload(admin, make_csv([zh_row(i) for i in range(1, 6)]), world.sub_branches["A1"])
    assert response.status_code == 422
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert len(calls) == 3
    assert merchant_count(app) == before
