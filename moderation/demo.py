"""Demo posts for the demo commune: a queue with harmful, unverified and positive items, a rumour
forwarded into several Zalo groups, and a group with a history of rejected posts.

All texts are invented for the demo. Seeding runs once: if the commune has posts, it does nothing.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import utcnow
from core.scoping import subtree_ids
from moderation.models import Channel, Post
from registry.models import Account, AccountKind, AccountStatus, Official

# Used only when the registry's own demo has not declared any group in the commune.
FALLBACK_GROUPS = [
    ("ban-mat", "g/caidep-demo-banmat", "Bản Mạt đoàn kết (mẫu)", 214),
    ("ban-sam-quang", "g/caidep-demo-samquang", "Thanh niên Sam Quang (mẫu)", 96),
    ("ban-pa-khoang", "g/caidep-demo-pakhoang", "Pá Khoang (mẫu)", 140),
]

RUMOUR = ("Nghe nói tuần sau xã sẽ thu hồi đất nương của các hộ ở Bản Mạt để giao cho công ty "
          "trồng cao su. Ai chưa có sổ đỏ thì không được đền bù đồng nào. Mọi người lên xã hỏi "
          "ngay đi kẻo muộn.")
RUMOUR_COPIES = [
    "Chia sẻ gấp!!! " + RUMOUR,
    "Nghe noi tuan sau xa se thu hoi dat nuong cua cac ho o Ban Mat de giao cho cong ty trong "
    "cao su. Ai chua co so do thi khong duoc den bu dong nao 😱😱",
    "⚠️ " + RUMOUR.replace(". ", ".\n") + " Ai biết thì báo cho bà con cùng biết.",
]
HARMFUL = ("Thằng trưởng bản ngu như bò, ăn tiền hỗ trợ của dân mà còn lên mặt. Tối nay cả bản "
           "kéo đến nhà nó đập phá cho nó biết tay.")
HARMFUL_COPY = "Chia sẻ gấp!!! " + HARMFUL + " 😡😡"
SCAM = ("Chúc mừng quý khách đã trúng thưởng một xe máy từ chương trình tri ân khách hàng. "
        "Vui lòng chuyển khoản phí hồ sơ hai triệu đồng để nhận giải trong hôm nay.")
POSITIVE = [
    "Chi đoàn thanh niên Bản Mạt vừa sửa xong con đường đất dài hai cây số dẫn lên nương. "
    "Hơn ba mươi đoàn viên làm suốt hai ngày cuối tuần, bà con đi lại thuận tiện hơn nhiều.",
    "Hợp tác xã chè Bản Pá Khoang vừa xuất bán lô chè đầu tiên đạt chuẩn an toàn, mỗi cân chè "
    "búp khô bán được hai trăm nghìn đồng. Các hộ trồng chè rất phấn khởi.",
    "Anh Quàng Văn Thắng ở Bản Sam Quang nhặt được chiếc ví có hơn năm triệu đồng và đã mang "
    "đến công an xã để trả lại cho người đánh rơi.",
]
NEUTRAL = [
    "Ủy ban nhân dân xã thông báo lịch tiêm vắc xin cho trẻ dưới năm tuổi vào sáng thứ bảy tại "
    "trạm y tế. Phụ huynh nhớ mang theo sổ tiêm chủng.",
    "Lịch họp bản tháng này chuyển sang tối thứ sáu tại nhà văn hóa. Nội dung bàn về việc làm "
    "đường bê tông nội bản.",
]
# Earlier posts of one group, rejected by the reviewer: its history shows on new items.
OLD_REJECTED = [
    "Mấy đứa bản bên lười như hủi, chỉ biết ăn bám trợ cấp nhà nước, đừng cho chúng nó vào hợp "
    "tác xã.",
    "Đồ cán bộ ăn hại, cả nhà chúng mày rồi sẽ không có kết cục tốt đâu.",
    "Vay tiền không cần thế chấp, giải ngân trong ba mươi phút, chỉ cần ảnh căn cước, nhắn tin "
    "riêng để được duyệt ngay.",
]


def _groups(units) -> list[Account]:
    """Zalo groups declared in the commune (the registry demo's), else a few of our own."""
    commune = units["muong-leo"]
    found = db.session.scalars(
        select(Account).where(Account.kind == AccountKind.GROUP, Account.platform == "zalo",
                              Account.unit_id.in_(subtree_ids(commune)))
        .order_by(Account.member_count.desc().nulls_last(), Account.id)).all()
    if len(found) >= 2:
        return list(found)
    groups = []
    for code, canonical, name, members in FALLBACK_GROUPS:
        official = Official(unit=units[code], full_name=f"Quản trị nhóm {name}",
                            position="Quản trị nhóm Zalo")
        db.session.add(official)
        db.session.flush()
        account = Account(platform="zalo", kind=AccountKind.GROUP, canonical_id=canonical,
                          identifier=f"https://zalo.me/{canonical}",
                          url=f"https://zalo.me/{canonical}", display_name=name,
                          member_count=members, public=False, status=AccountStatus.DECLARED,
                          official=official, unit=units[code])
        db.session.add(account)
        groups.append(account)
    db.session.flush()
    return groups


def seed(units, users) -> None:
    """Submit the demo posts through the real intake (classifier, clusters, priority)."""
    from core.services import ServiceError
    from moderation.services import intake, review

    commune = units["muong-leo"]
    if db.session.scalar(select(Post.id).where(Post.unit_id.in_(subtree_ids(commune))).limit(1)):
        return
    groups = _groups(units)
    member, admin, reviewer = users["dangvien.banmat"], users["bithu.banmat"], users["kiemduyet.xa"]
    now = utcnow()

    def send(text, who, group, hours_ago, **extra):
        data = {"text": text, "platform": group.platform if group else "zalo",
                "account_id": group.id if group else None, "unit": who.unit.code,
                "seen_at": now - timedelta(hours=hours_ago), **extra}
        return intake.submit(data, who, Channel.FORM)

    first = groups[0]
    for number, text in enumerate(OLD_REJECTED):
        old = send(text, member, first, 24 * (3 + 5 * number))
        with suppress(ServiceError):  # only what the model flagged is in the queue to reject
            review.decide(old, reviewer, "reject", "hate" if number < 2 else "scam",
                          note="Bài mẫu đã xử lý.")
    send(HARMFUL, member, first, 5)
    send(HARMFUL_COPY, admin, groups[1 % len(groups)], 3)
    send(RUMOUR, member, first, 30)
    for number, text in enumerate(RUMOUR_COPIES):
        send(text, admin if number % 2 else member, groups[(number + 1) % len(groups)], 20 - 6 * number)
    send(SCAM, admin, groups[-1], 8)
    for number, text in enumerate(POSITIVE):
        send(text, member, groups[number % len(groups)], 12 + number,
             url="https://sonla.gov.vn/tin-tuc" if number == 0 else None)
    for text in NEUTRAL:
        send(text, admin, None, 2, url="https://www.facebook.com/tintucmuongleo")
    db.session.flush()
