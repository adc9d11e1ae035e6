"""Import of rosters and declarations: row-by-row errors, all or nothing, CSV and XLSX."""

from __future__ import annotations

import io
import time

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from registry.importing import ImportFileError, run_import
from registry.models import Account, Official

HEADER = ["STT", "Mã đơn vị", "Họ và tên", "Chức vụ", "Đảng viên", "Số điện thoại", "Nền tảng",
          "Loại tài khoản", "Địa chỉ tài khoản", "Tên hiển thị", "Vai trò", "Số thành viên",
          "Công khai"]
VILLAGES = ["ban-mat", "ban-sam-quang", "ban-huoi-lau", "ban-pa-khoang", "ban-na-cang"]


def _rows(count: int) -> list[list]:
    """`count` people, one account each: phones, profiles, groups co-declared by two people."""
    rows = []
    for n in range(count):
        unit = VILLAGES[n % len(VILLAGES)]
        name = f"Người Thứ {n:05d}"
        phone = f"09{n:08d}"
        if n % 3 == 0:
            account = ["Zalo", "Cá nhân", phone, name, "Chủ sở hữu", "", ""]
        elif n % 3 == 1:
            account = ["Facebook", "", f"https://m.facebook.com/nguoi.thu.{n}/", name, "", "", ""]
        else:
            account = ["Zalo", "Nhóm", f"https://zalo.me/g/nhom{n // 6:05d}", f"Nhóm {n // 6}",
                       "Quản trị", str(50 + n % 90), "không"]
        rows.append([n + 1, unit, name, "Đảng viên", "có" if n % 2 else "", phone, *account])
    return rows


def _csv(rows, header=HEADER, delimiter=",") -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows, header=HEADER) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH CÁN BỘ, ĐẢNG VIÊN VÀ TÀI KHOẢN MẠNG XÃ HỘI"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Official)),
            db.session.scalar(select(func.count()).select_from(Account)))


def test_one_bad_row_among_a_thousand_writes_nothing_and_is_reported(demo):
    rows = _rows(1000)
    rows[637][8] = "https://www.facebook.com/nguoi.thu.637/posts/123"  # a post, not an account
    before = _counts()
    report = run_import("danh-sach.csv", _csv(rows))
    assert not report.written and _counts() == before
    assert [(e.row, e.column) for e in report.errors] == [(639, "Địa chỉ tài khoản")]
    assert "bài viết" in report.errors[0].message


def test_a_clean_file_of_ten_thousand_rows_imports(demo, capsys):
    rows = _rows(10_000)
    data = _csv(rows)
    started = time.perf_counter()
    report = run_import("10k.csv", data)
    db.session.commit()
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n[import] 10,000 rows on {db.engine.dialect.name}: {elapsed:.1f} s")
    assert report.errors == [] and report.written
    assert report.officials_new == 10_000
    groups = 10_000 // 3 // 2 + 1
    assert report.accounts_new + report.co_declared == 10_000
    assert db.session.scalar(select(func.count()).select_from(Account).where(
        Account.canonical_id.like("g/nhom%"))) in (groups, groups - 1)
    person = db.session.scalar(select(Official).where(Official.full_name == "Người Thứ 00000"))
    assert person.phone == "+84900000000" and person.accounts_active == 1
    again = run_import("10k.csv", data, dry_run=True)
    assert again.errors == [] and again.officials_new == 0 and again.unchanged == 10_000


def test_dry_run_reports_what_would_happen_and_writes_nothing(demo):
    before = _counts()
    report = run_import("thu.csv", _csv(_rows(12)), dry_run=True)
    assert report.errors == [] and not report.written and _counts() == before
    assert report.officials_new == 12 and report.accounts_new + report.co_declared == 12


def test_xlsx_with_a_title_row_and_phones_that_lost_their_zero(demo):
    rows = [[1, "ban-mat", "Lò Văn Mới", "Trưởng bản", "x", 912000111, "Zalo", "Nhóm",
             "https://zalo.me/g/moi12345", "Nhóm mới", "Quản trị", 45, "không"]]
    report = run_import("ds.xlsx", _xlsx(rows))
    db.session.commit()
    assert report.errors == [] and report.written
    official = db.session.scalar(select(Official).where(Official.full_name == "Lò Văn Mới"))
    assert official.phone == "+84912000111" and official.party_member is True
    account = db.session.scalar(select(Account).where(Account.canonical_id == "g/moi12345"))
    assert (account.kind, account.member_count, account.public) == ("group", 45, False)
    assert account.declarants[0].role == "admin"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registry_imported"))


def test_row_errors_name_row_column_and_reason(demo):
    rows = [
        [1, "ban-mat", "Lò Văn Ba", "", "", "0912 34", "", "", "", "", "", "", ""],
        [2, "khong-co", "Lò Văn Bốn", "", "", "", "", "", "", "", "", "", ""],
        [3, "ban-mat", "", "", "", "", "", "", "", "", "", "", ""],
        [4, "ban-mat", "Lò Văn Sáu", "", "", "", "", "", "https://m.facebook.com/pom.lo.samquang",
         "", "", "", ""],
        [5, "ban-mat", "Lò Văn Bảy", "", "", "", "", "Cá nhân", "zalo.me/g/abcdef12", "", "", "",
         ""],
        [6, "ban-mat", "Lò Văn Tám", "", "có lẽ", "", "Zalo", "", "zalo.me/g/abcdef13", "", "",
         "nhiều", ""],
        [7, "ban-mat", "Lò Văn Chín", "", "", "", "Myspace", "", "x", "", "", "", ""],
    ]
    report = run_import("loi.csv", _csv(rows))
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(2, "Số điện thoại"), (3, "Mã đơn vị"), (4, "Họ và tên"),
                     (5, "Địa chỉ tài khoản"), (6, "Loại tài khoản"), (7, "Đảng viên"),
                     (7, "Số thành viên"), (8, "Nền tảng")}
    assert any("Điêu Thị Xuân" in e.message for e in report.errors if e.row == 5)


@pytest.mark.parametrize(("data", "words"), [
    (b"", "trống"),
    (b"   \n\n", "trống"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "không phải CSV"),
    (b"%PDF-1.7\n%\xe2\xe3", "không phải CSV"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    (b"PK\x03\x04garbage", "XLSX"),
    (b"Ma don vi,Ho va ten\nban-mat,L\xf2 V\xe3n B\xf4n\n", "dòng 2"),  # Windows-1258
    ("Họ và tên,Số điện thoại\nLò Văn Bốn,0912\n".encode(), "Mã đơn vị"),
    ("Mã đơn vị,Họ và tên,Quê quán\nban-mat,Lò Văn Bốn,Sơn La\n".encode(), "Quê quán"),
    ("Mã đơn vị,Họ và tên\n".encode(), "không có dòng"),
])
def test_unreadable_files_get_one_clear_message(app, data, words):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("vi"), pytest.raises(ImportFileError) as caught:
        run_import("tep", data)
    assert words in str(caught.value)


def test_csv_with_semicolons_and_a_bom_as_excel_writes_it(demo):
    data = "\ufeff".encode() + _csv(_rows(4), delimiter=";")
    report = run_import("excel.csv", data)
    assert report.errors == [] and report.written


def test_cli_dry_run_then_import_with_progress(runner, demo, tmp_path):
    path = tmp_path / "ds.csv"
    path.write_bytes(_csv(_rows(30)))
    dry = runner.invoke(args=["registry", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "chạy thử" in dry.output and "30 cán bộ mới" in dry.output
    assert db.session.scalar(select(Official).where(Official.full_name == "Người Thứ 00001")) \
        is None
    done = runner.invoke(args=["registry", "import", str(path)])
    assert done.exit_code == 0 and "Đã nhập" in done.output
    assert db.session.scalar(select(Official).where(Official.full_name == "Người Thứ 00001"))


def test_cli_reports_errors_and_exits_non_zero(runner, demo, tmp_path):
    rows = _rows(5)
    rows[2][5] = "12"
    path = tmp_path / "loi.csv"
    path.write_bytes(_csv(rows))
    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 1
    assert "Dòng 4, cột «Số điện thoại»" in result.output
    empty = tmp_path / "rong.csv"
    empty.write_bytes(b"")
    assert "Tệp trống" in runner.invoke(args=["registry", "import", str(empty)]).output
