"""The demo commune: Sơn La → Sốp Cộp → Mường Lèo → 17 bản, a neighbour commune, a user per role.

Names of people are invented. Seeding is idempotent: what exists is left as it is.
"""

from __future__ import annotations

from flask import current_app

from core import services
from core.models import Role, UnitKind

VILLAGES = [
    ("ban-mat", "Bản Mạt"), ("ban-sam-quang", "Bản Sam Quang"), ("ban-huoi-lau", "Bản Huổi Lầu"),
    ("ban-pa-khoang", "Bản Pá Khoang"), ("ban-na-cang", "Bản Nà Cang"),
    ("ban-huoi-mon", "Bản Huổi Mòn"), ("ban-co-dua", "Bản Co Đứa"), ("ban-na-lan", "Bản Nà Lan"),
    ("ban-pung-banh", "Bản Púng Bánh"), ("ban-huoi-hia", "Bản Huổi Hịa"),
    ("ban-pa-long", "Bản Pá Lông"), ("ban-na-tong", "Bản Nà Tòng"),
    ("ban-phieng-xa", "Bản Phiêng Xa"), ("ban-huoi-san", "Bản Huổi Sẳn"),
    ("ban-long-lay", "Bản Lóng Lay"), ("ban-nam-hon", "Bản Nậm Hon"),
    ("chi-bo-co-quan-xa", "Chi bộ Cơ quan xã"),
]

NEIGHBOUR = ("nam-lanh", "Xã Nậm Lạnh", [("ban-na-hin", "Bản Nà Hin"), ("ban-huoi-ca", "Bản Huổi Cá")])

# (username, full name, unit code, roles, what the login is for)
USERS = [
    ("admin", "Quản trị hệ thống", "son-la", [Role.ADMIN], "quản trị toàn tỉnh"),
    ("quantri.xa", "Lò Văn Thành", "muong-leo", [Role.UNIT_ADMIN, Role.MEMBER], "quản trị xã"),
    ("kiemduyet.xa", "Quàng Thị Hiên", "muong-leo", [Role.REVIEWER, Role.MEMBER], "kiểm duyệt xã"),
    ("bithu.banmat", "Lường Văn Piêng", "ban-mat", [Role.UNIT_ADMIN, Role.MEMBER],
     "bí thư chi bộ Bản Mạt"),
    ("dangvien.banmat", "Cầm Thị Duyên", "ban-mat", [Role.MEMBER], "đảng viên Bản Mạt"),
    ("kiemduyet.namlanh", "Vì Văn Sơn", "nam-lanh", [Role.REVIEWER, Role.MEMBER],
     "kiểm duyệt xã Nậm Lạnh"),
]


def _ensure_unit(code, name, kind, parent):
    return services.get_unit(code) or services.create_unit(code, name, kind, parent)


def seed_units() -> dict:
    """The unit tree of the demo; returns units by code."""
    province = _ensure_unit("son-la", "Tỉnh Sơn La", UnitKind.PROVINCE, None)
    district = _ensure_unit("sop-cop", "Huyện Sốp Cộp", UnitKind.DISTRICT, province)
    commune = _ensure_unit("muong-leo", "Xã Mường Lèo", UnitKind.COMMUNE, district)
    units = {u.code: u for u in (province, district, commune)}
    for code, name in VILLAGES:
        kind = UnitKind.PARTY_CELL if code.startswith("chi-bo") else UnitKind.VILLAGE
        units[code] = _ensure_unit(code, name, kind, commune)
    code, name, villages = NEIGHBOUR
    units[code] = _ensure_unit(code, name, UnitKind.COMMUNE, district)
    for vcode, vname in villages:
        units[vcode] = _ensure_unit(vcode, vname, UnitKind.VILLAGE, units[code])
    return units


def seed() -> list[tuple[str, str, str]]:
    """Create the demo commune and its users, then let each job add its part."""
    units = seed_units()
    password = current_app.config["DEMO_PASSWORD"]
    users = {}
    for username, full_name, unit_code, roles, _ in USERS:
        users[username] = services.get_user(username) or services.create_user(
            username, password, units[unit_code], [str(r) for r in roles], full_name)
    for seeder in current_app.extensions.get("caidep.demo_seeders", []):
        seeder(units, users)
    return [(username, password, purpose) for username, _, _, _, purpose in USERS]


def format_logins(logins) -> str:
    """The demo logins as a small table for the terminal."""
    lines = ["Tài khoản mẫu (tên đăng nhập / mật khẩu — vai trò):"]
    lines += [f"  {username:<20} {password:<18} {purpose}" for username, password, purpose in logins]
    return "\n".join(lines)
