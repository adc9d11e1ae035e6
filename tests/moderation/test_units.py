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
    b = neardup.fingerprint("Chia sẻ gấp!!! " + text.upper() + " 🙏")
    c = neardup.fingerprint("Hợp tác xã chè Bản Pá Khoang vừa xuất bán lô chè đầu tiên.")
    assert neardup.is_near_duplicate(a, b)
    assert not neardup.is_near_duplicate(a, c)
    assert neardup.Fingerprint.from_bytes(a.to_bytes(), a.count).signature.tolist() == \
        a.signature.tolist()
    # Stored signatures must not change between processes or releases.
    assert int(a.signature[0]) == int(neardup.fingerprint(text).signature[0])
    assert len(neardup.band_keys(a, 7)) == neardup.BANDS
    assert neardup.band_keys(a, 7) != neardup.band_keys(a, 8)  # salted by review root
    assert neardup.band_keys(neardup.fingerprint(""), 7) == []


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
    unrelated = neardup.fingerprint("Hợp tác xã chè Bản Pá Khoang vừa xuất bán lô chè đầu tiên.")
    edited = neardup.fingerprint(base.split(". ")[0] + ". Bà con cứ bình tĩnh chờ thông báo "
                                 "chính thức của ủy ban xã, đừng nghe người ngoài nói.")
    same = neardup.fingerprint(base)
    candidates = [unrelated, edited, same]
    raw, counts = [c.to_bytes() for c in candidates], [c.count for c in candidates]
    assert neardup.closest(post, raw, counts) == 2
    assert neardup.closest(post, raw[:2], counts[:2]) is None  # one sentence in common of two
    shortened = neardup.fingerprint(base.split(". ")[0] + ".")
    assert neardup.closest(post, [unrelated.to_bytes(), shortened.to_bytes()],
                           [unrelated.count, shortened.count]) == 1  # contained in the post
    assert neardup.closest(post, [], []) is None
    # A few words shared with a long post are no copy of it.
    tiny = neardup.fingerprint("đất nương của các hộ")
    assert tiny.count < neardup.MIN_SHINGLES_FOR_CONTAINMENT
    assert neardup.closest(tiny, [same.to_bytes()], [same.count]) is None
