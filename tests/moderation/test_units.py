"""Pure pieces of moderation: source check, priority formula, fingerprints, highlighting."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from moderation import neardup, priority
from moderation.presenters import highlight
from moderation.sources import check_source, domain_of

OFFICIAL = ["gov.vn", "dangcongsan.vn", "nhandan.vn", "vov.vn", "vtv.vn", "baochinhphu.vn",
            "qdnd.vn", "sonla.gov.vn"]
UNRELIABLE = ["tinvitdoi.net", "baomoi-nong.com"]


@pytest.mark.parametrize(("url", "verdict"), [
    ("https://vov.vn/xa-hoi/bai-viet-1.vov", "official"),
    ("https://www.nhandan.vn/tin", "official"),
    ("http://m.vtv.vn/video", "official"),
    ("https://sonla.gov.vn/tin-tuc", "official"),
    ("https://ubnd.sopcop.sonla.gov.vn/", "official"),
    ("baochinhphu.vn/abc", "official"),
    ("https://VOV.VN:443/x", "official"),
    ("https://vov.vn.example.com/x", "unknown"),
    ("https://nhandan-vn.com/tin", "unknown"),
    ("https://fakevov.vn/tin", "unknown"),
    ("https://gov.vn.tk/tin", "unknown"),
    ("https://tinvitdoi.net/bai-1", "unreliable"),
    ("https://m.tinvitdoi.net/bai-1", "unreliable"),
    ("https://facebook.com/groups/abc", "unknown"),
    (None, "none"),
    ("", "none"),
])
def test_source_check_matches_whole_labels(url, verdict):
    assert check_source(url, OFFICIAL, UNRELIABLE)[1] == verdict


def test_domain_of_normalises():
    assert domain_of("https://www.VOV.vn:8080/a?b=c") == "vov.vn"
    assert domain_of("vtv.vn/video") == "vtv.vn"
    assert domain_of("https://bộcôngan.vn/x").startswith("xn--")


NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def test_priority_formula_terms():
    base = priority.priority(0.9, 0.1, 0.0, reach=0, size=1, queued_at=NOW, now=NOW)
    assert base == pytest.approx(90.0)
    assert priority.priority(0.9, 0.1, 0.0, 999, 1, NOW, NOW) == pytest.approx(90 + 30)
    assert priority.priority(0.9, 0.1, 0.0, 0, 4, NOW, NOW) == pytest.approx(90 + 30)
    assert priority.priority(0.9, 0.1, 0.0, 0, 1, NOW, NOW + timedelta(hours=24)) == \
        pytest.approx(90 + 48)
    assert priority.priority(0.9, 0.1, 0.0, 0, 1, NOW, NOW, escalated=True) == pytest.approx(110)
    # The unverified head counts like the harmful one; a story candidate counts half.
    assert priority.priority(0.0, 0.8, 0.0, 0, 1, NOW, NOW) == pytest.approx(80)
    assert priority.priority(0.0, 0.0, 0.8, 0, 1, NOW, NOW) == pytest.approx(40)


def test_priority_grows_with_each_input():
    def p(**kw):
        args = {"harmful": 0.5, "unverified": 0.0, "positive": 0.0, "reach": 100, "size": 2,
                "queued_at": NOW, "now": NOW + timedelta(hours=1)}
        args.update(kw)
        return priority.priority(**args)

    assert p(harmful=0.9) > p()
    assert p(unverified=0.9) > p()
    assert p(reach=1000) > p()
    assert p(size=5) > p()
    assert p(now=NOW + timedelta(hours=30)) > p()


def test_stored_key_gives_the_same_priority_and_order_at_any_time():
    a_static = priority.static_priority(0.95, 0, 0, 500, 3)
    b_static = priority.static_priority(0.60, 0, 0, 0, 1)
    a_key = priority.key(a_static, NOW)
    b_key = priority.key(b_static, NOW - timedelta(days=3))  # b waited three days longer
    for later in (NOW, NOW + timedelta(hours=5), NOW + timedelta(days=40)):
        assert priority.at(a_key, later) == pytest.approx(
            priority.priority(0.95, 0, 0, 500, 3, NOW, later))
        assert (priority.at(a_key, later) > priority.at(b_key, later)) == (a_key > b_key)
    assert b_key > a_key  # 144 hours of waiting outweigh the higher score and the reach
    assert math.isfinite(a_key)


def test_normalise_removes_what_forwarding_changes():
    assert neardup.normalise("  Đường   lên NƯƠNG!!! 😱\n\nđã sửa xong.") == \
        "duong len nuong da sua xong"


def test_fingerprints_are_stable_and_compare():
    text = "Chi đoàn thanh niên Bản Mạt vừa sửa xong con đường đất dài hai cây số dẫn lên nương."
    a = neardup.fingerprint(text)
    assert neardup.is_near_duplicate(text, "Chia sẻ gấp!!! " + text.upper() + " 🙏")
    assert not neardup.is_near_duplicate(
        text, "Hợp tác xã chè Bản Pá Khoang vừa xuất bán lô chè đầu tiên ra thị trường.")
    assert neardup.Fingerprint.from_bytes(a.to_bytes(), a.count).signature.tolist() == \
        a.signature.tolist()
    # Stored signatures must not change between processes or releases.
    assert int(a.signature[0]) == int(neardup.fingerprint(text).signature[0])
    assert len(neardup.band_keys(a, 7)) == neardup.BANDS
    assert neardup.band_keys(a, 7) != neardup.band_keys(a, 8)  # salted by review root
    assert neardup.band_keys(neardup.fingerprint(""), 7) == []


def test_forwarders_boilerplate_is_not_part_of_the_post():
    assert neardup.words("⚠️ CHIA SẺ NGAY cho mọi người!!! Đập sắp vỡ. Đọc xong nhớ chia sẻ") == \
        ("dap", "sap", "vo")
    assert neardup.words("KHẨN CẤP: bản Mạt mất điện, xem thêm") == ("ban", "mat", "mat", "dien")
    # Only at the ends: in the middle the same words are the post's own.
    assert neardup.words("Xã đã chia sẻ ngay kế hoạch") == ("xa", "da", "chia", "se", "ngay",
                                                           "ke", "hoach")
    assert neardup.words("Chia sẻ ngay nhà văn hóa") == ("nha", "van", "hoa")


def test_short_texts_join_only_the_same_words():
    """Short comments: one index key of their exact words; a shared phrase is no copy."""
    short = neardup.fingerprint("Cực kì thuyết phục! 😀")
    assert short.short and len(neardup.band_keys(short, 7)) == 1
    same = "Chia sẻ gấp!!! cuc ki thuyet phuc 🔥🔥"
    assert neardup.band_keys(neardup.fingerprint(same), 7) == neardup.band_keys(short, 7)
    assert neardup.closest(short, ["cực kì thuyết phục abe", same], [b"", b""], [0, 0]) == 1
    assert not neardup.is_near_duplicate("Cực kì thuyết phục! 😀", "Nghe vô lí nhưng rất thuyết phục")
    wish = "Cầu mong mọi người bình an! Việt Nam cố lên!"
    assert not neardup.is_near_duplicate(wish, wish + " Đất nước chiến thắng!")


def test_highlight_escapes_and_marks_spans():
    text = "<b>Đồ</b> ngu & mất dạy"
    html = str(highlight(text, [{"head": "harmful", "start": 10, "end": 13},
                                {"head": "harmful", "start": 16, "end": 23},
                                {"head": "harmful", "start": 18, "end": 23},
                                {"head": "x", "start": 50, "end": 60}]))
    assert html.startswith("&lt;b&gt;Đồ&lt;/b&gt; ")
    assert '<mark class="h-harmful" title="harmful">ngu</mark> &amp; ' in html.replace(
        'title="xấu độc"', 'title="harmful"')
    assert html.count("<mark") == 2
    assert "<b>" not in html


def test_highlight_cuts_long_texts():
    html = str(highlight("a" * 50 + "XYZ", [{"head": "harmful", "start": 50, "end": 53}], 20))
    assert html == "a" * 20 + "…"


def test_closest_candidate_wins_and_short_texts_need_real_overlap():
    base = ("Nghe nói tuần sau xã sẽ thu hồi đất nương của các hộ ở Bản Mạt để giao cho công ty "
            "trồng cao su. Ai chưa có sổ đỏ thì không được đền bù đồng nào.")
    post = neardup.fingerprint("Chia sẻ gấp!!! " + base)
    unrelated = "Hợp tác xã chè Bản Pá Khoang vừa xuất bán lô chè đầu tiên ra thị trường năm nay."
    edited = (base.split(". ")[0] + ". Bà con cứ bình tĩnh chờ thông báo chính thức của ủy ban "
              "xã, đừng nghe người ngoài nói.")

    def closest(texts):
        fps = [neardup.fingerprint(t) for t in texts]
        return neardup.closest(post, texts, [f.to_bytes() for f in fps], [f.count for f in fps])

    assert closest([unrelated, edited, base]) == 2
    assert closest([unrelated, edited]) is None  # one sentence in common of two
    truncated = base[:110] + "… Xem thêm"
    assert closest([unrelated, truncated]) == 1  # contained in the post
    assert closest([]) is None
    # A few words shared with a long post are no copy of it.
    assert not neardup.is_near_duplicate(base, "đất nương của các hộ")
