"""Demo stories for the demo commune: a few good local stories, made from posts that go through
the real intake and are approved by the commune's reviewer. All texts are invented for the demo.

Seeding runs once: if the commune already has stories, it does nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.scoping import subtree_ids
from feed import services
from feed.models import Story
from moderation.models import Channel

# (village, post text, topics, publish?)
POSTS = [
    ("ban-mat",
     "Bà con Bản Mạt góp hơn ba trăm ngày công dựng xong nhà văn hóa mới. Mái lợp ngói đỏ, sân "
     "láng xi măng đủ rộng cho cả bản họp và cho các cháu chơi. Trưởng bản cảm ơn các hộ đã góp "
     "gỗ, góp cát và góp sức.",
     ["nong-thon-moi", "van-hoa"], True),
    ("ban-na-lan",
     "Đội văn nghệ Bản Nà Lan giành giải nhất hội diễn của xã với tiết mục múa xòe. Hai mươi chị "
     "em ban ngày lên nương, tối về tập suốt một tháng. Tiết mục sẽ được diễn lại trong ngày hội "
     "đại đoàn kết.",
     ["van-hoa"], True),
    ("ban-huoi-lau",
     "Cô giáo Lò Thị Xuân lội suối mỗi sáng để dạy chữ cho hai mươi ba học sinh điểm bản Huổi "
     "Lầu. Năm nay cả lớp đều đọc thông viết thạo trước khi lên lớp hai. Phụ huynh trong bản đã "
     "cùng nhau lợp lại mái lớp học trước mùa mưa.",
     ["y-te-giao-duc", "guong-nguoi-tot"], True),
    ("ban-pa-long",
     "Tổ hợp tác nuôi ong Bản Pá Lông vừa quay mẻ mật đầu tiên của năm, được gần hai tạ. Các hộ "
     "thống nhất bán chung một giá và dành một phần tiền để mua thêm thùng ong cho hộ nghèo.",
     ["san-xuat"], False),
]
PREDICTION = {"label": "positive", "explanation": [], "model_version": None,
              "scores": {"harmful": 0.01, "unverified": 0.04, "positive": 0.95}}


def seed(units, users) -> None:
    """Submit, approve and make stories of the demo posts; publish the first ones."""
    from moderation.services import intake, review

    commune = units["muong-leo"]
    if db.session.scalar(select(Story.id).where(Story.unit_id.in_(subtree_ids(commune)))
                         .limit(1)):
        return
    submitter, reviewer = users["quantri.xa"], users["kiemduyet.xa"]
    for code, text, tags, published in POSTS:
        post = intake.submit({"text": text, "unit": code, "platform": "zalo"}, submitter,
                             Channel.FORM, prediction=dict(PREDICTION), predicted=True)
        review.decide(post, reviewer, "approve", "story", note="Câu chuyện mẫu.")
        story = services.create_story(post, reviewer, {"tags": tags})
        if published:
            services.publish(story, reviewer)
    db.session.flush()
