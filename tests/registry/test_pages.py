"""The registry pages as people use them: declare, verify, roster, coverage, import, /verify."""

from __future__ import annotations

import html
import io

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from registry.models import Account, Official
from tests.conftest import post_form


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _account(canonical_id: str) -> Account:
    return db.session.scalar(select(Account).where(Account.canonical_id == canonical_id))


def test_a_member_declares_a_zalo_group_and_sees_it_listed(client, login_as):
    login_as("dangvien.banmat")
    response = post_form(client, "/registry/declare", {
        "identifier": "https://zalo.me/g/xomtren2025", "display_name": "Xóm trên",
        "member_count": "37", "public": "false", "role": "admin"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/registry/my-accounts")
    page = _text(client.get("/registry/my-accounts"))
    assert "Xóm trên" in page and "g/xomtren2025" in page and "37 thành viên" in page
    account = _account("g/xomtren2025")
    assert (account.kind, account.public, account.declarants[0].role) == ("group", False, "admin")


def test_a_bad_identifier_shows_the_same_message_as_the_api(client, login_as, token_for):
    login_as("dangvien.banmat")
    page = post_form(client, "/registry/declare", {"identifier": "0912 34", "platform": "zalo"})
    api = client.post("/api/v1/accounts", headers=token_for("dangvien.banmat"),
                      json={"identifier": "0912 34", "platform": "zalo"})
    message = api.get_json()["error"]["fields"]["identifier"][0]
    assert page.status_code == 422 and message in _text(page)
    assert "quá ít chữ số" in message


def test_a_conflict_on_the_page_is_409_and_names_nobody_to_a_stranger(client, login_as):
    login_as("kiemduyet.namlanh")
    response = post_form(client, "/registry/declare",
                         {"identifier": "https://m.facebook.com/pom.lo.samquang"})
    assert response.status_code == 409
    assert "đã được người khác khai báo" in _text(response)


def test_a_unit_admin_declares_for_an_elder_and_another_admin_verifies(client, login_as):
    elder = _account("pomlosamquang").official
    login_as("quantri.xa")
    path = f"/registry/declare?official={elder.id}"
    assert "Khai báo thay cho" in _text(client.get(path))
    response = post_form(client, path, {"identifier": "0977 222 333"})
    assert response.status_code == 302
    account = _account("+84977222333")
    page = _text(client.get(f"/registry/accounts/{account.id}"))
    assert "một quản trị đơn vị khác sẽ xác minh" in page
    refused = post_form(client, f"/registry/accounts/{account.id}/decision",
                        {"decision": "verified"}, page="/registry/roster")
    assert refused.status_code == 403


def test_verify_reject_and_history_on_the_account_page(client, login_as):
    account = _account("duyencambanmat")
    login_as("bithu.banmat")
    path = f"/registry/accounts/{account.id}"
    assert "Xác nhận: đây đúng là tài khoản của họ" in _text(client.get(path))
    missing = post_form(client, f"{path}/decision", {"decision": "rejected"}, page=path)
    assert missing.status_code == 422 and "Hãy ghi lý do" in _text(missing)
    rejected = post_form(client, f"{path}/decision",
                         {"decision": "rejected", "reason": "Sai tên"}, page=path)
    assert rejected.status_code == 302
    page = _text(client.get(path))
    assert "Sai tên" in page and "bị từ chối" in page and "Lịch sử thay đổi" in page


def test_the_declarant_edits_and_retires_their_declaration(client, login_as):
    account = _account("duyencambanmat")
    login_as("dangvien.banmat")
    path = f"/registry/accounts/{account.id}"
    bad = post_form(client, f"{path}/edit", {"member_count": "-3"}, page=f"{path}/edit")
    assert bad.status_code == 422
    assert post_form(client, f"{path}/edit", {"display_name": "Duyên Cầm"},
                     page=f"{path}/edit").status_code == 302
    assert post_form(client, f"{path}/retire", {}, page=path).status_code == 302
    page = _text(client.get(path))
    assert "Duyên Cầm" in page and "đã thôi dùng" in page


def test_roster_add_edit_move_and_deactivate(client, login_as):
    login_as("quantri.xa")
    roster = client.get("/registry/roster?unit=ban-mat")
    assert roster.status_code == 200 and "Cầm Thị Duyên" in _text(roster)
    bad = post_form(client, "/registry/officials/new", {"full_name": "", "unit": "ban-mat",
                                                        "phone": "12"})
    assert bad.status_code == 422 and "bắt buộc" in _text(bad)
    outside = post_form(client, "/registry/officials/new",
                        {"full_name": "Vì Văn Mới", "unit": "ban-na-hin"})
    assert outside.status_code == 422 and "phạm vi" in _text(outside)
    added = post_form(client, "/registry/officials/new", {
        "full_name": "Vì Văn Mới", "unit": "ban-mat", "position": "Công an viên",
        "party_member": "1", "phone": "0987 123 456"})
    assert added.status_code == 302
    person = db.session.scalar(select(Official).where(Official.full_name == "Vì Văn Mới"))
    assert person.phone == "+84987123456" and person.party_member
    edit = f"/registry/officials/{person.id}/edit"
    moved = post_form(client, edit, {"full_name": "Vì Văn Mới", "unit": "ban-sam-quang",
                                     "position": "Trưởng bản", "phone": "", "party_member": "1"})
    assert moved.status_code == 302
    db.session.expire_all()
    person = db.session.get(Official, person.id)
    assert person.unit.code == "ban-sam-quang" and person.active is False  # active unticked


def test_member_and_out_of_scope_rules_on_pages(client, login_as):
    login_as("bithu.banmat")
    assert client.get("/registry/roster?unit=ban-sam-quang").status_code == 404
    assert client.get("/registry/coverage.csv?unit=ban-sam-quang").status_code == 404
    other = _account("g/samquang88")
    assert client.get(f"/registry/accounts/{other.id}").status_code == 404
    assert client.get(f"/registry/officials/{other.official_id}").status_code == 404


def test_phones_are_masked_on_pages_except_for_unit_admins(client, login_as):
    login_as("kiemduyet.xa")
    page = _text(client.get("/registry/accounts?unit=ban-mat"))
    assert "+84912345601" not in page and "+8491*****01" in page


def test_coverage_page_chart_and_downloads(client, login_as):
    login_as("quantri.xa")
    page = client.get("/registry/coverage?unit=muong-leo")
    text = _text(page)
    assert page.status_code == 200 and "<svg" in text and "Bản Mạt" in text
    assert len(page.data) < 100_000
    # On a phone each cell shows its column's name: every row's figures, the total's too.
    body = text[text.index("<tbody>"):text.index("</tbody>")]
    rows = body.split("</tr>")[:-1]
    assert len(rows) == 17 + 2 and 'class="total"' in rows[-1]  # villages, the commune's own, total
    assert all(row.count("data-label=") == 5 for row in rows)
    assert 'data-label="Độ phủ"' in rows[-1]
    csv = client.get("/registry/coverage.csv?unit=muong-leo")
    assert csv.data.startswith("\ufeff".encode())
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Đơn vị,Mã đơn vị,Số cán bộ trong danh sách")
    assert any(line.startswith("Bản Mạt,ban-mat,5,2,2,1,40.0") for line in lines)
    xlsx = client.get("/registry/coverage.xlsx?unit=muong-leo")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet["A1"].value == "Đơn vị" and sheet.max_row == 17 + 2 + 1
    exports = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "coverage_exported")).all()
    assert len(exports) == 2


def test_import_page_checks_then_imports(client, login_as):
    login_as("quantri.xa")
    good = "Mã đơn vị,Họ và tên,Địa chỉ tài khoản\nban-mat,Lò Văn Nhập,zalo.me/g/nhap1234\n"
    bad = good + "khong-co,Ai Đó,\n"

    def upload(data: bytes, action: str, name="ds.csv"):
        return post_form(client, "/registry/import", {
            "action": action, "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data")

    # "Import" queues a job (run at once in the tests) and shows its page: the report there
    checked = upload(bad.encode(), "import")
    assert checked.status_code == 303 and "/jobs/" in checked.headers["Location"]
    failed = _text(client.get(checked.headers["Location"]))
    assert "Thất bại" in failed and "1 lỗi: chưa ghi gì." in failed and "khong-co" in failed
    assert db.session.scalar(select(Official).where(Official.full_name == "Lò Văn Nhập")) is None
    dry = upload(good.encode(), "check")
    assert dry.status_code == 200 and "bấm Nhập để ghi" in _text(dry)
    done = upload(good.encode(), "import")
    page = _text(client.get(done.headers["Location"]))
    assert "Xong" in page and "Đã ghi: 1 dòng" in page and "Xem kết quả" in page
    assert _account("g/nhap1234") is not None
    pdf = upload(b"%PDF-1.4 binary", "check", "scan.pdf")
    assert pdf.status_code == 422 and "không phải CSV" in _text(pdf)
    template = client.get("/registry/import/template.csv")
    assert "Mã đơn vị" in template.data.decode("utf-8-sig").splitlines()[0]


def test_public_verify_page(client, demo):
    page = client.get("/verify?url=https://www.facebook.com/tintucmuongleo")
    assert page.status_code == 200 and "đã được xác minh của Xã Mường Lèo" in _text(page)
    personal = client.get("/verify?url=0912345601")
    assert "Chưa được xác minh" in _text(personal) and "Lường" not in _text(personal)
    bad = client.get("/verify?url=javascript:alert(1)")
    assert bad.status_code == 422 and "http://" in _text(bad)
    assert client.get("/verify").status_code == 200


def test_roster_lists_people_in_vietnamese_order(client, login_as):
    """By given name, in the Vietnamese alphabet (Đ after D, Ơ after Ô), as lists are read."""
    from core.services import get_unit
    from tests.factories import make_unit

    unit = make_unit("ban-thu-tu", parent=get_unit("muong-leo"), name="Bản Thứ Tự")
    names = ["Vì Thị Ơn", "Đinh Văn Bình", "Lường Văn Đức", "Lò Thị Ánh", "Cà Văn Dũng",
             "Quàng Văn An", "Lò Văn Ôn", "Hà Thị Ánh"]
    for name in names:
        db.session.add(Official(unit=unit, full_name=name))
    db.session.commit()
    login_as("quantri.xa")
    page = _text(client.get("/registry/roster?unit=ban-thu-tu"))
    order = sorted(names, key=page.index)
    assert order == ["Quàng Văn An", "Hà Thị Ánh", "Lò Thị Ánh", "Đinh Văn Bình", "Cà Văn Dũng",
                     "Lường Văn Đức", "Lò Văn Ôn", "Vì Thị Ơn"]
    # Renaming someone moves them.
    person = db.session.scalar(select(Official).where(Official.full_name == "Quàng Văn An"))
    person.full_name = "Quàng Văn Xuân"
    db.session.commit()
    page = _text(client.get("/registry/roster?unit=ban-thu-tu"))
    assert page.index("Vì Thị Ơn") < page.index("Quàng Văn Xuân")
