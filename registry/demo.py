"""The demo registry: a roster for every village (invented names), the demo users' own records,
and declarations in every state — Zalo groups with their co-admins, a verified public page,
verified, overdue, pending and rejected accounts. Idempotent: what exists is left as it is.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import utcnow
from registry import services
from registry.identity import parse
from registry.models import Official
from registry.services import stats

# Demo users' own records: username → position.
USER_POSITIONS = {
    "quantri.xa": "Phó Bí thư Đảng uỷ xã", "kiemduyet.xa": "Công chức Văn hoá - Xã hội",
    "bithu.banmat": "Bí thư chi bộ", "dangvien.banmat": "Đảng viên",
    "kiemduyet.namlanh": "Công chức Văn hoá - Xã hội",
}
FAMILY = ["Lò", "Lường", "Quàng", "Cầm", "Vì", "Tòng", "Hà", "Điêu", "Mè", "Sa"]
GIVEN = ["Văn Pọm", "Thị Ơn", "Văn Khiêm", "Thị Xuân", "Văn Ỉn", "Thị Ngoan", "Văn Chiến",
         "Thị Thoa", "Văn Biên", "Thị Hương", "Văn Tuấn", "Thị Lả"]
POSITIONS = ["Trưởng bản", "Bí thư chi bộ", "Công an viên", "Đảng viên", "Chi hội trưởng phụ nữ"]

# (unit, roster index or username, platform, identifier, kind, display name, extra, state)
ACCOUNTS = [
    ("muong-leo", "quantri.xa", "facebook", "https://www.facebook.com/tintucmuongleo",
     "page", "Tin tức Xã Mường Lèo", {"public": True}, "verified"),
    ("muong-leo", "quantri.xa", "zalo", "https://zalo.me/2710456789012345678",
     "official_account", "UBND Xã Mường Lèo", {"public": True}, "verified"),
    ("ban-mat", "bithu.banmat", "zalo", "https://zalo.me/g/banmat2024", "group",
     "Bản Mạt đoàn kết", {"member_count": 214, "public": False,
                          "purpose": "Thông báo của bản, lịch họp"}, "verified"),
    ("ban-mat", "dangvien.banmat", "zalo", "https://zalo.me/g/banmat2024", "group",
     "Bản Mạt đoàn kết", {"role": "admin"}, "co"),
    ("ban-mat", "dangvien.banmat", "facebook", "https://www.facebook.com/duyen.cam.banmat",
     "personal", "Cầm Duyên", {}, "declared"),
    ("ban-mat", "bithu.banmat", "zalo", "0912 345 601", "personal", "Piêng Bản Mạt", {},
     "overdue"),
    ("ban-sam-quang", 0, "zalo", "https://zalo.me/g/samquang88", "group",
     "Thanh niên Sam Quang", {"member_count": 96, "public": True,
                              "purpose": "Đoàn thanh niên bản"}, "verified"),
    ("ban-sam-quang", 0, "facebook", "https://m.facebook.com/pom.lo.samquang/", "personal",
     "Pọm Lò", {}, "verified"),
    ("ban-sam-quang", 1, "tiktok", "@samquang.dep", "personal", "Sam Quang đẹp", {}, "declared"),
    ("ban-huoi-lau", 0, "zalo", "0987 654 302", "personal", "Trưởng bản Huổi Lầu", {},
     "overdue"),
    ("ban-huoi-lau", 1, "facebook", "https://www.facebook.com/groups/huoilau.quehuong",
     "group", "Huổi Lầu quê hương", {"member_count": 530, "public": True}, "verified"),
    ("ban-pa-khoang", 0, "zalo", "https://zalo.me/g/pakhoang01", "group", "Pá Khoang",
     {"member_count": 140, "public": False}, "declared"),
    ("ban-pa-khoang", 1, "youtube", "@pakhoang.tv", "channel", "Pá Khoang TV", {"public": True},
     "rejected"),
    ("ban-na-cang", 0, "facebook", "https://www.facebook.com/profile.php?id=100071234567890",
     "personal", "Nà Cang", {}, "verified"),
    ("nam-lanh", "kiemduyet.namlanh", "zalo", "https://zalo.me/g/namlanh2025", "group",
     "Xã Nậm Lạnh", {"member_count": 402, "public": True}, "verified"),
]


def _name(unit_index: int, person: int) -> str:
    return f"{FAMILY[(unit_index + person) % len(FAMILY)]} " \
           f"{GIVEN[(unit_index * 3 + person) % len(GIVEN)]}"


def _roster(units) -> dict:
    """Four invented officials per village (three where the demo users already live)."""
    roster = {}
    villages = [code for code, unit in units.items() if unit.kind in ("village", "party_cell")]
    for index, code in enumerate(sorted(villages)):
        unit = units[code]
        people = db.session.scalars(select(Official).where(Official.unit_id == unit.id,
                                                           Official.user_id.is_(None))
                                    .order_by(Official.id)).all()
        for person in range(len(people), 4 if code != "ban-mat" else 3):
            people.append(services.create_official(None, unit, {
                "full_name": _name(index, person), "position": POSITIONS[person],
                "party_member": person != 2,
                "phone": f"+8497{index:03d}{person:04d}" if person % 2 == 0 else None}))
        roster[code] = people
    return roster


def _own_records(users) -> dict:
    records = {}
    for username, position in USER_POSITIONS.items():
        user = users.get(username)
        if user is None:
            continue
        official = services.own_official(user, create=True)
        official.position = official.position or position
        official.party_member = True
        records[username] = official
    return records


def _still_to_do(identity, official, state) -> bool:
    existing = services.find_account(identity)
    if state == "co":
        return existing is not None and all(
            row.official_id != official.id for row in existing.declarants)
    return existing is None


def seed(units, users) -> None:
    """Create the demo registry once."""
    roster = _roster(units)
    records = _own_records(users)
    for code, who, platform, identifier, kind, name, extra, state in ACCOUNTS:
        official = records.get(who) if isinstance(who, str) else roster[code][who]
        identity = parse(identifier, platform)
        if official is None or not _still_to_do(identity, official, state):
            continue
        declarer = official.user or users["quantri.xa"]  # declared on behalf of the elderly
        data = {"identifier": identifier, "kind": kind, "display_name": name, **extra}
        account, _ = services.declare(declarer, official, identity, data)
        # Nobody verifies what they declared: the province admin checks the commune admin.
        verifier = users["admin"] if declarer.username in ("quantri.xa", "kiemduyet.namlanh") \
            else users["quantri.xa"]
        if state in ("verified", "overdue"):
            services.decide(verifier, account, "verified")
        if state == "rejected":
            services.decide(verifier, account, "rejected", "Kênh không còn hoạt động.")
        if state == "overdue":
            account.confirmed_at = account.verified_at = utcnow() - timedelta(days=200)
            stats.refresh([official.id])
    db.session.flush()
