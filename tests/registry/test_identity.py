"""What people paste → one canonical identity, or a precise Vietnamese message naming the forms."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from core import create_app
from registry.identity import IdentifierError, mask_phone, normalize_phone, parse
from tests.conftest import make_config


@pytest.fixture(scope="module")
def vi(tmp_path_factory):
    """A request context in Vietnamese: the messages are read as users read them."""
    folder = tmp_path_factory.mktemp("identity")
    app = create_app(make_config(folder, "sqlite://"))
    with app.test_request_context(), force_locale("vi"):
        yield


# (input, platform chosen or None, expected platform, canonical id, kind it implies)
VALID = [
    # SPEC §2: three forms of one Facebook profile
    ("https://m.facebook.com/nguyen.van.a/", None, "facebook", "nguyenvana", "personal"),
    ("fb.com/Nguyen.Van.A", None, "facebook", "nguyenvana", "personal"),
    ("facebook.com/nguyen.van.a?ref=x", None, "facebook", "nguyenvana", "personal"),
    ("https://www.facebook.com/nguyenvana", "facebook", "facebook", "nguyenvana", "personal"),
    ("https://mbasic.facebook.com/Nguyen.Van.A?refid=17&_rdr", None, "facebook", "nguyenvana",
     "personal"),
    ("  https://web.facebook.com/nguyen.van.a/about  ", None, "facebook", "nguyenvana",
     "personal"),
    ("https://www.facebook.com/profile.php?id=100012345678", None, "facebook", "100012345678",
     "personal"),
    ("m.facebook.com/profile.php?id=100012345678&mibextid=ZbWKwL", None, "facebook",
     "100012345678", "personal"),
    ("https://www.facebook.com/people/L%C3%B2-V%C4%83n-Th%C3%A0nh/100087654321/", None,
     "facebook", "100087654321", "personal"),
    ("https://www.facebook.com/p/UBND-Xa-Muong-Leo-100064123456789/", None, "facebook",
     "100064123456789", "page"),
    ("https://www.facebook.com/pages/Tuoi-tre-Muong-Leo/123456789012", None, "facebook",
     "123456789012", "page"),
    ("https://www.facebook.com/Cong-an-xa-Muong-Leo-105123456789012/", None, "facebook",
     "105123456789012", "page"),
    ("https://www.facebook.com/groups/1234567890123/?ref=share&mibextid=NSMWBT", None,
     "facebook", "groups/1234567890123", "group"),
    ("facebook.com/groups/Ban.Mat.SonLa/members", None, "facebook", "groups/ban.mat.sonla",
     "group"),
    ("https://m.me/tuoitremuongleo", None, "facebook", "tuoitremuongleo", "personal"),
    ("https://www.facebook.com/zuck", None, "facebook", "zuck", "personal"),
    # SPEC §2: three forms of one Zalo number, and the others people write
    ("0912 345 678", None, "zalo", "+84912345678", "personal"),
    ("+84912345678", None, "zalo", "+84912345678", "personal"),
    ("84-912-345-678", None, "zalo", "+84912345678", "personal"),
    ("0912.345.678", "zalo", "zalo", "+84912345678", "personal"),
    ("(+84) 912 345 678", None, "zalo", "+84912345678", "personal"),
    ("+84 (0) 912 345 678", None, "zalo", "+84912345678", "personal"),
    ("0084 912 345 678", None, "zalo", "+84912345678", "personal"),
    ("912345678", "zalo", "zalo", "+84912345678", "personal"),
    ("0168 123 4567", None, "zalo", "+84381234567", "personal"),  # renumbered in 2018
    ("https://zalo.me/0912345678", None, "zalo", "+84912345678", "personal"),
    ("zalo.me/84912345678", None, "zalo", "+84912345678", "personal"),
    ("https://zalo.me/g/abcxyz123", None, "zalo", "g/abcxyz123", "group"),
    ("zalo.me/g/MLKTDW145?gidzl=abc", "zalo", "zalo", "g/mlktdw145", "group"),
    ("https://zalo.me/4318489353637253626", None, "zalo", "4318489353637253626",
     "official_account"),
    ("https://oa.zalo.me/home/4318489353637253626", None, "zalo", "4318489353637253626",
     "official_account"),
    # TikTok
    ("@tuoitre.muongleo", "tiktok", "tiktok", "@tuoitre.muongleo", "personal"),
    ("https://www.tiktok.com/@TuoiTre.MuongLeo?lang=vi", None, "tiktok", "@tuoitre.muongleo",
     "personal"),
    ("m.tiktok.com/@ban_mat", None, "tiktok", "@ban_mat", "personal"),
    # YouTube
    ("@MuongLeoTV", "youtube", "youtube", "@muongleotv", "channel"),
    ("https://www.youtube.com/@MuongLeoTV/videos", None, "youtube", "@muongleotv", "channel"),
    ("https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv", None, "youtube",
     "channel/UCabcdefghijklmnopqrstuv", "channel"),
    ("https://m.youtube.com/c/MuongLeoTV", None, "youtube", "c/muongleotv", "channel"),
    ("youtube.com/user/SonLaTV", None, "youtube", "user/sonlatv", "channel"),
    # X / Twitter
    ("https://x.com/UBND_MuongLeo", None, "x", "ubnd_muongleo", "personal"),
    ("https://twitter.com/ubnd_muongleo?ref_src=twsrc", None, "x", "ubnd_muongleo", "personal"),
    ("mobile.twitter.com/UBND_MuongLeo/", None, "x", "ubnd_muongleo", "personal"),
    ("@ubnd_muongleo", "x", "x", "ubnd_muongleo", "personal"),
    # Instagram
    ("https://www.instagram.com/muongleo.dep/?hl=vi", None, "instagram", "muongleo.dep",
     "personal"),
    ("@MuongLeo.Dep", "instagram", "instagram", "muongleo.dep", "personal"),
    # Telegram
    ("https://t.me/MuongLeoNews", None, "telegram", "muongleonews", "channel"),
    ("@muongleonews", "telegram", "telegram", "muongleonews", "channel"),
    ("t.me/s/muongleonews", None, "telegram", "muongleonews", "channel"),
    ("https://t.me/+AbCdEf123456_xy", None, "telegram", "+AbCdEf123456_xy", "group"),
    ("https://t.me/joinchat/AbCdEf123456", None, "telegram", "+AbCdEf123456", "group"),
    # Other sites
    ("https://www.Muongleo.SonLa.gov.vn/tin-tuc/?utm_source=zalo&p=2", "other", "other",
     "muongleo.sonla.gov.vn/tin-tuc?p=2", "page"),
]

# (input, platform chosen or None, words the Vietnamese message must contain)
INVALID = [
    ("", None, ["Nhập", "facebook.com/"]),
    ("   ", "facebook", ["Nhập", "profile.php?id="]),
    ("javascript:alert(1)", None, ["http://", "https://"]),
    ("JavaScript:alert(document.cookie)", "facebook", ["http://"]),
    ("data:text/html,<script>alert(1)</script>", None, ["http://"]),
    ("ftp://facebook.com/nguyen.van.a", None, ["http://"]),
    ("https://www.facebook.com/nguyen.van.a/posts/pfbid02abc", None, ["bài viết", "facebook.com/"]),
    ("https://www.facebook.com/permalink.php?story_fbid=123&id=456", None, ["bài viết"]),
    ("https://www.facebook.com/story.php?story_fbid=1&id=2", None, ["bài viết"]),
    ("https://www.facebook.com/groups/123456/posts/789/", None, ["bài viết", "groups/"]),
    ("https://www.facebook.com/watch/?v=123456", None, ["bài viết"]),
    ("https://www.facebook.com/share/g/1AbCdEfGh/", None, ["chia sẻ", "facebook.com/"]),
    ("https://fb.me/abc123", None, ["chia sẻ"]),
    ("https://www.facebook.com/", None, ["không có tài khoản"]),
    ("https://www.facebook.com/profile.php", None, ["id="]),
    ("https://www.facebook.com/marketplace/item/1", None, ["không phải"]),
    ("nguyen.van.a", "facebook", ["Facebook", "đầy đủ"]),
    ("nguyenvana", "zalo", ["Zalo", "đầy đủ"]),
    ("https://www.facebook.com/ab", None, ["không phải tên", "hợp lệ"]),
    ("https://www.facebook.com/nguyen_van_a", None, ["không phải tên", "hợp lệ"]),
    ("0912 345", None, ["quá ít chữ số", "0912 345 678"]),
    ("091234567", "zalo", ["quá ít chữ số"]),
    ("09123456789", None, ["quá nhiều chữ số"]),
    ("0212 3856 789", None, ["cố định", "di động"]),
    ("+1 415 555 2671", None, ["+84"]),
    ("0123", "zalo", ["quá ít chữ số"]),
    ("0412345678", None, ["không phải số di động"]),
    ("https://zalo.me/g/", None, ["nhóm Zalo"]),
    ("https://zalo.me/s/123456789/", None, ["bài viết"]),
    ("https://zalo.me/pc", None, ["không phải"]),
    ("https://www.tiktok.com/@ban_mat/video/7234567890123456789", None, ["bài viết", "@"]),
    ("https://vt.tiktok.com/ZSabc123/", None, ["chia sẻ"]),
    ("@ban_mat", None, ["Chọn nền tảng"]),
    ("@a", "tiktok", ["hợp lệ", "tiktok.com/@"]),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", None, ["bài viết", "youtube.com/@"]),
    ("https://youtu.be/dQw4w9WgXcQ", None, ["chia sẻ"]),
    ("https://www.youtube.com/channel/UC123", None, ["UC", "24"]),
    ("MuongLeoTV", "youtube", ["@"]),
    ("https://www.youtube.com/shorts/abc", None, ["bài viết"]),
    ("https://x.com/ubnd_muongleo/status/1790000000000000000", None, ["bài viết", "x.com/"]),
    ("https://x.com/this_handle_is_far_too_long", None, ["không phải tên", "hợp lệ"]),
    ("https://www.instagram.com/p/Cabc123/", None, ["bài viết", "instagram.com/"]),
    ("https://t.me/muongleonews/125", None, ["bài viết", "t.me/"]),
    ("@abc", "telegram", ["không phải tên", "hợp lệ"]),
    ("https://www.tiktok.com/@ban_mat", "facebook", ["TikTok", "Facebook"]),
    ("https://example.com/trang-cua-toi", None, ["Khác"]),
    ("https://www.facebook.com/nguyen.van.a", "other", ["Facebook"]),
    ("https://example.com/x", "zalo", ["không phải địa chỉ Zalo"]),
    ("hello world", None, ["không phải liên kết"]),
    ("https://" + "a" * 600 + ".com", None, ["quá dài"]),
]


@pytest.mark.parametrize(("raw", "platform", "expected_platform", "canonical", "kind"), VALID,
                         ids=[case[0][:60] for case in VALID])
def test_valid_inputs_have_one_canonical_identity(vi, raw, platform, expected_platform,
                                                  canonical, kind):
    identity = parse(raw, platform)
    assert (identity.platform, identity.canonical_id, identity.kind) == (
        expected_platform, canonical, kind)
    assert identity.kind in identity.kinds
    assert identity.url is None or identity.url.startswith("https://")


@pytest.mark.parametrize(("raw", "platform", "words"), INVALID,
                         ids=[case[0][:60] or "empty" for case in INVALID])
def test_invalid_inputs_say_why_and_name_the_accepted_forms(vi, raw, platform, words):
    with pytest.raises(IdentifierError) as caught:
        parse(raw, platform)
    message = caught.value.message
    for word in words:
        assert word in message, message
    assert "Cách viết được chấp nhận" in message or "Dán liên kết" in message, message


def test_the_table_has_at_least_sixty_real_inputs():
    assert len(VALID) + len(INVALID) >= 60
    assert len(VALID) >= 25 and len(INVALID) >= 25


def test_spec_forms_resolve_to_one_account(vi):
    facebook = {parse(raw).canonical_id for raw in (
        "https://m.facebook.com/nguyen.van.a/", "fb.com/Nguyen.Van.A",
        "facebook.com/nguyen.van.a?ref=x")}
    zalo = {parse(raw).canonical_id for raw in ("0912 345 678", "+84912345678", "84-912-345-678")}
    assert facebook == {"nguyenvana"} and zalo == {"+84912345678"}


def test_roster_phones_may_be_landlines_and_are_masked(vi):
    assert normalize_phone("0212 3856 789", mobile_only=False) == "+842123856789"
    assert mask_phone("+84912345678") == "+8491*****78"
    assert mask_phone(None) is None
