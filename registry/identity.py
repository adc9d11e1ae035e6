"""Canonical identities: turn what people paste (a link, a @handle, a phone number) into one
`(platform, kind, canonical_id)`, so that every way of writing an account names the same row.

Rules worth knowing (they are the platforms' own):
- Facebook usernames ignore case *and periods* (Facebook's help centre: "johnsmith55, John.Smith55
  and john.smith.55 are all considered the same username"), so the canonical id drops both.
- Vietnamese mobile numbers: 10 digits from 0, or +84 and 9 digits; the 11-digit 01xx numbers were
  renumbered in 2018 (0168 → 038 …) and are converted; landlines (02x) cannot be Zalo accounts.
- Only http(s) links are accepted; tracking parameters never reach the canonical id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from flask_babel import lazy_gettext as _l

MAX_LENGTH = 500

PLATFORM_LABELS = {
    "facebook": "Facebook", "zalo": "Zalo", "tiktok": "TikTok", "youtube": "YouTube",
    "x": "X (Twitter)", "instagram": "Instagram", "telegram": "Telegram", "other": _l("Other"),
}
ALL_KINDS = frozenset({"personal", "page", "group", "channel", "official_account"})
NOT_GROUP = ALL_KINDS - {"group"}

FORMS = {
    "facebook": _l("Accepted forms: facebook.com/username, facebook.com/profile.php?id=…, "
                   "a page's address, or facebook.com/groups/<id or name> (m., mbasic., www. "
                   "and fb.com work too)."),
    "zalo": _l("Accepted forms: a mobile number (0912 345 678, +84912345678, 84-912-345-678), "
               "zalo.me/<number or id>, zalo.me/g/<code> for a group."),
    "tiktok": _l("Accepted forms: @handle or tiktok.com/@handle."),
    "youtube": _l("Accepted forms: @handle, youtube.com/@handle, youtube.com/channel/UC…, "
                  "youtube.com/c/<name>."),
    "x": _l("Accepted forms: @handle, x.com/handle or twitter.com/handle."),
    "instagram": _l("Accepted forms: @handle or instagram.com/handle."),
    "telegram": _l("Accepted forms: @username, t.me/username, or t.me/+<invite code>."),
    "other": _l("Accepted forms: a full web address starting with http:// or https://."),
    None: _l("Paste the account's link (facebook.com/…, zalo.me/…, tiktok.com/@…, youtube.com/@…, "
             "x.com/…, instagram.com/…, t.me/…) or, for Zalo, a mobile number."),
}

HOSTS = {
    "facebook": {"facebook.com", "www.facebook.com", "m.facebook.com", "mbasic.facebook.com",
                 "web.facebook.com", "touch.facebook.com", "mobile.facebook.com",
                 "free.facebook.com", "fb.com", "www.fb.com", "m.fb.com", "m.me"},
    "zalo": {"zalo.me", "www.zalo.me", "oa.zalo.me"},
    "tiktok": {"tiktok.com", "www.tiktok.com", "m.tiktok.com"},
    "youtube": {"youtube.com", "www.youtube.com", "m.youtube.com"},
    "x": {"x.com", "www.x.com", "mobile.x.com", "twitter.com", "www.twitter.com",
          "mobile.twitter.com"},
    "instagram": {"instagram.com", "www.instagram.com", "m.instagram.com", "instagr.am"},
    "telegram": {"t.me", "www.t.me", "telegram.me", "www.telegram.me", "telegram.dog"},
}
# Short links and share links hide the account: they must be opened first.
SHORT_HOSTS = {"fb.me": "facebook", "fb.watch": "facebook", "vt.tiktok.com": "tiktok",
               "vm.tiktok.com": "tiktok", "youtu.be": "youtube", "t.co": "x",
               "l.facebook.com": "facebook", "lm.facebook.com": "facebook"}
TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|igshid|igsh|mibextid|si|ref|ref_src|ref_url|"
                      r"__cft__.*|__tn__|_rdr|rdid|share_url|zarsrc|gidzl|feature|lang|hl)$")


@dataclass(frozen=True)
class Identity:
    """One account as the registry keys it; `kinds` are the kinds this identifier can be."""

    platform: str
    canonical_id: str
    url: str | None
    kind: str
    kinds: frozenset = field(default=ALL_KINDS)


class IdentifierError(ValueError):
    """Input that names no account; the message says why and lists the accepted forms."""

    def __init__(self, reason, platform: str | None = None):
        super().__init__(str(reason))
        self.reason = reason
        self.platform = platform

    @property
    def message(self) -> str:
        return f"{self.reason} {FORMS.get(self.platform, FORMS[None])}"

    def __str__(self) -> str:
        return self.message


def _fail(reason, platform=None):
    raise IdentifierError(reason, platform)


# ---------------------------------------------------------------- phone numbers

# 2018 renumbering of 11-digit mobiles: old prefix (without 0) → new prefix.
OLD_MOBILE = {"120": "70", "121": "79", "122": "77", "126": "76", "128": "78", "123": "83",
              "124": "84", "125": "85", "127": "81", "129": "82", "162": "32", "163": "33",
              "164": "34", "165": "35", "166": "36", "167": "37", "168": "38", "169": "39",
              "186": "56", "188": "58", "199": "59"}
PHONE_CHARS = re.compile(r"^[(\s]*\+?[\d\s.\-()/]+$")


def looks_like_phone(text: str) -> bool:
    """Digits with the usual separators (and maybe +), nothing else."""
    return bool(PHONE_CHARS.match(text.strip())) and sum(c.isdigit() for c in text) >= 3


def normalize_phone(raw: str, mobile_only: bool = True, platform: str | None = "zalo") -> str:
    """A Vietnamese number in any usual form → +84…; raises IdentifierError otherwise."""
    text = (raw or "").strip().replace("(0)", "")
    if not looks_like_phone(text):
        _fail(_l("This is not a phone number."), platform)
    plus = text.lstrip("( ").startswith("+")
    digits = re.sub(r"\D", "", text)
    if digits.startswith("00"):
        digits, plus = digits[2:], True
    if plus and not digits.startswith("84"):
        _fail(_l("Only Vietnamese numbers (+84) are accepted."), platform)
    if digits.startswith("84") and (plus or len(digits) in (11, 12)):
        national = digits[2:].removeprefix("0")
    elif digits.startswith("0"):
        national = digits[1:]
    elif len(digits) == 9 and digits[0] in "35789":
        national = digits  # the leading 0 lost (typed, or a spreadsheet number)
    else:
        _fail(_l("A Vietnamese number starts with 0 or +84."), platform)
    if len(national) == 10 and national[:3] in OLD_MOBILE:
        national = OLD_MOBILE[national[:3]] + national[3:]
    return "+84" + _check_national(national, mobile_only, platform)


def _check_national(national: str, mobile_only: bool, platform) -> str:
    if national.startswith("2"):
        if mobile_only:
            _fail(_l("This is a landline number; Zalo accounts use a mobile number."), platform)
        if len(national) == 10:
            return national
    if len(national) < 9:
        _fail(_l("The phone number has too few digits: a mobile number has 10 digits "
                 "starting with 0."), platform)
    if len(national) > 9:
        _fail(_l("The phone number has too many digits: a mobile number has 10 digits "
                 "starting with 0."), platform)
    if national[0] not in "35789":
        _fail(_l("This is not a Vietnamese mobile number (they start with 03, 05, 07, 08 or 09)."),
              platform)
    return national


def mask_phone(phone: str | None) -> str | None:
    """+84912345678 → +8491*****78: enough to recognise, not enough to call."""
    if not phone:
        return phone
    return phone[:5] + "*" * max(len(phone) - 7, 3) + phone[-2:]


# ---------------------------------------------------------------- entry point

def parse(raw: str | None, platform: str | None = None) -> Identity:
    """Parse what the user typed; `platform` (if chosen) must agree with the link."""
    text = re.sub(r"\s+", " ", (raw or "").strip())
    platform = platform or None
    if not text:
        _fail(_l("Enter the account's link, handle or phone number."), platform)
    if len(text) > MAX_LENGTH:
        _fail(_l("The address is too long (at most 500 characters)."), platform)
    url = _as_url(text)
    if url is None:
        return _parse_bare(text, platform)
    return _parse_url(url, platform)


def _as_url(text: str):
    """A split URL if the text is a link (with or without https://), else None."""
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):", text)
    if scheme and not re.match(r"^[^/:]+:\d", text):
        if scheme.group(1).lower() not in ("http", "https"):
            _fail(_l("Only http:// and https:// addresses are accepted."))
        return urlsplit(text.replace(" ", ""))
    if re.match(r"^(www\.)?[a-zA-Z0-9\-]+(\.[a-zA-Z0-9\-]+)*\.[a-zA-Z]{2,}([/?#:].*)?$",
                text.replace(" ", "")):
        return urlsplit("https://" + text.replace(" ", ""))
    return None


def _parse_bare(text: str, platform: str | None) -> Identity:
    """Not a link: a phone number (Zalo) or a @handle."""
    if looks_like_phone(text) and platform in (None, "zalo"):
        return Identity("zalo", normalize_phone(text), None, "personal", frozenset({"personal"}))
    if platform is None:
        if text.startswith("@"):
            _fail(_l("Choose the platform this @handle belongs to."))
        _fail(_l("This is neither a link nor a phone number."))
    handle_parser = BARE.get(platform)
    if handle_parser is None:
        _fail(_l("A name alone is not enough for %(platform)s: paste the full address.",
                 platform=PLATFORM_LABELS[platform]), platform)
    return handle_parser(text)


def _parse_url(parts, platform: str | None) -> Identity:
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or "." not in host:
        _fail(_l("This address has no valid site name."), platform)
    found = next((p for p, hosts in HOSTS.items() if host in hosts), None)
    short = SHORT_HOSTS.get(host)
    if platform not in (None, "other") and (found or short) not in (None, platform):
        _fail(_l("This is a %(found)s link, but the chosen platform is %(chosen)s.",
                 found=PLATFORM_LABELS[found or short], chosen=PLATFORM_LABELS[platform]), platform)
    if short:
        _share_link(short)
    if found is None:
        if platform not in (None, "other"):
            _fail(_l("This is not a %(platform)s address.", platform=PLATFORM_LABELS[platform]),
                  platform)
        if platform is None:
            _fail(_l("This site is not one of the listed platforms: choose “Other” to declare it."))
        return _parse_other(parts, host)
    if platform == "other":
        _fail(_l("This is a %(found)s link: choose %(found)s as the platform.",
                 found=PLATFORM_LABELS[found]), "other")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    query = dict(parse_qsl(parts.query))
    return URL_PARSERS[found](segments, query, host)


def _share_link(platform: str):
    _fail(_l("This is a short or share link that hides the account: open it, then copy the "
             "address of the account itself."), platform)


def _post_link(platform: str):
    _fail(_l("This is a link to a post or a video, not to an account."), platform)


def _not_account(platform: str):
    _fail(_l("This address is not an account, page, group or channel."), platform)


def _no_account(platform: str):
    _fail(_l("The address has no account in it."), platform)


def _bad_handle(value: str, platform: str):
    _fail(_l("“%(value)s” is not a valid %(platform)s name.", value=value[:60],
             platform=PLATFORM_LABELS[platform]), platform)


# ---------------------------------------------------------------- Facebook

FB_USERNAME = re.compile(r"^[A-Za-z0-9.]{3,50}$")  # a few old ones are short: /zuck
FB_NAME_ID = re.compile(r"^[^/]+-(\d{6,20})$")  # old page addresses: Name-123456789
FB_PROFILE_TABS = {"about", "friends", "photos", "videos", "followers", "following", "reviews",
                   "community", "mentions", "reels", "timeline", "info", "likes", "map",
                   "about_overview", "photos_by", "sk"}
FB_POST = {"posts", "permalink", "permalink.php", "story.php", "photo.php", "photo", "video.php",
           "watch", "reel", "stories", "events", "notes", "media", "videos", "photos"}
FB_GROUP_TABS = {"about", "members", "media", "files", "events", "announcements", "buy_sell_discuss"}
FB_RESERVED = {"home.php", "login", "login.php", "marketplace", "gaming", "hashtag", "search",
               "help", "settings", "messages", "notifications", "sharer", "sharer.php", "dialog",
               "plugins", "l.php", "policies", "privacy", "terms", "friends", "bookmarks",
               "saved", "live", "fundraisers", "ads", "business", "checkpoint", "recover", "reg",
               "r.php", "games", "directory", "lite", "legal", "careers", "developers", "watch",
               "reel", "reels", "stories", "story.php", "permalink.php", "photo.php", "photo",
               "video.php", "events", "feeds", "memories", "pages_manager"}


def _facebook(segments, query, _host) -> Identity:
    if not segments:
        _no_account("facebook")
    first = segments[0].lower()
    if first in ("profile.php", "people", "p", "pages", "pg", "groups", "share"):
        return FB_SPECIAL[first](segments, query)
    if first in FB_RESERVED:
        _post_link("facebook") if first in FB_POST else _not_account("facebook")
    if len(segments) > 1 and segments[1].lower() in FB_POST and len(segments) > 2:
        _post_link("facebook")
    if len(segments) > 1 and segments[1].lower() not in FB_PROFILE_TABS | FB_POST:
        _not_account("facebook")
    return _fb_profile(segments[0])


def _fb_profile(name: str) -> Identity:
    if name.isdigit():
        return _fb_numeric(name, NOT_GROUP)
    old_page = FB_NAME_ID.match(name)
    if old_page:
        return _fb_numeric(old_page.group(1), frozenset({"page"}))
    if not FB_USERNAME.match(name) or not re.search(r"[A-Za-z]", name):
        _bad_handle(name, "facebook")
    canonical = name.lower().replace(".", "")
    return Identity("facebook", canonical, f"https://www.facebook.com/{name.lower()}",
                    "personal", NOT_GROUP)


def _fb_numeric(number: str, kinds) -> Identity:
    if not 1 <= len(number) <= 20:
        _bad_handle(number, "facebook")
    kind = "page" if kinds == {"page"} else "personal"
    return Identity("facebook", number, f"https://www.facebook.com/profile.php?id={number}",
                    kind, kinds)


def _fb_profile_php(_segments, query) -> Identity:
    number = query.get("id", "").strip()
    if not number.isdigit():
        _fail(_l("The profile.php address has no numeric id= in it."), "facebook")
    return _fb_numeric(number, NOT_GROUP)


def _fb_people(segments, _query) -> Identity:
    # /people/Name/100012345/ and /p/Name-100064/ are profiles and pages without a username.
    tail = segments[-1]
    match = re.search(r"(\d{6,20})$", tail)
    if not match:
        _no_account("facebook")
    kinds = frozenset({"page"}) if segments[0].lower() == "p" else NOT_GROUP
    return _fb_numeric(match.group(1), kinds)


def _fb_pages(segments, _query) -> Identity:
    # /pages/Name/123456789 (old), /pg/username/posts (old page tabs)
    if segments[0].lower() == "pg" and len(segments) > 1:
        return Identity("facebook", _fb_profile(segments[1]).canonical_id,
                        f"https://www.facebook.com/{segments[1].lower()}", "page",
                        frozenset({"page"}))
    ids = [s for s in segments[1:] if s.isdigit()]
    if not ids:
        _no_account("facebook")
    return _fb_numeric(ids[0], frozenset({"page"}))


def _fb_group(segments, _query) -> Identity:
    if len(segments) < 2:
        _no_account("facebook")
    slug = segments[1]
    if len(segments) >= 4 and segments[2].lower() == "user" and segments[3].isdigit():
        return _fb_numeric(segments[3], NOT_GROUP)  # a member's profile inside the group
    if len(segments) > 2 and segments[2].lower() not in FB_GROUP_TABS:
        _post_link("facebook")
    if not re.match(r"^[A-Za-z0-9.\-_]{1,100}$", slug):
        _bad_handle(slug, "facebook")
    slug = slug.lower()
    return Identity("facebook", f"groups/{slug}", f"https://www.facebook.com/groups/{slug}",
                    "group", frozenset({"group"}))


FB_SPECIAL = {"profile.php": _fb_profile_php, "people": _fb_people, "p": _fb_people,
              "pages": _fb_pages, "pg": _fb_pages, "groups": _fb_group,
              "share": lambda *_: _share_link("facebook")}


# ---------------------------------------------------------------- Zalo

def _zalo(segments, _query, host) -> Identity:
    if not segments:
        _no_account("zalo")
    first = segments[0]
    if host == "oa.zalo.me":
        ids = [s for s in segments if s.isdigit()]
        if not ids:
            _no_account("zalo")
        return _zalo_oa(ids[0])
    if first.lower() == "g":
        if len(segments) < 2 or not re.match(r"^[A-Za-z0-9]{4,32}$", segments[1]):
            _fail(_l("The Zalo group code is missing or not valid (zalo.me/g/ then letters "
                     "and digits)."), "zalo")
        code = segments[1].lower()
        return Identity("zalo", f"g/{code}", f"https://zalo.me/g/{code}", "group",
                        frozenset({"group"}))
    if first.lower() in ("s", "pc", "download", "zaloapp", "blog"):
        _post_link("zalo") if first.lower() == "s" else _not_account("zalo")
    if len(segments) > 1:
        _not_account("zalo")
    digits = re.sub(r"\D", "", first)
    if first.isdigit() and len(digits) >= 13:
        return _zalo_oa(first)
    if looks_like_phone(first):
        phone = normalize_phone(first)
        return Identity("zalo", phone, f"https://zalo.me/0{phone[3:]}", "personal",
                        frozenset({"personal"}))
    _not_account("zalo")


def _zalo_oa(number: str) -> Identity:
    return Identity("zalo", number, f"https://zalo.me/{number}", "official_account",
                    frozenset({"official_account", "page", "personal"}))


# ---------------------------------------------------------------- handles

TIKTOK = re.compile(r"^[A-Za-z0-9_.]{2,24}$")
YT_HANDLE = re.compile(r"^[A-Za-z0-9_.\-]{3,30}$")
YT_CHANNEL = re.compile(r"^UC[A-Za-z0-9_\-]{22}$")
X_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
IG_HANDLE = re.compile(r"^[A-Za-z0-9._]{1,30}$")
TG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")


def _tiktok_handle(text: str) -> Identity:
    handle = text.removeprefix("@")
    if not TIKTOK.match(handle) or handle.endswith("."):
        _bad_handle(handle, "tiktok")
    handle = handle.lower()
    return Identity("tiktok", f"@{handle}", f"https://www.tiktok.com/@{handle}", "personal",
                    NOT_GROUP)


def _tiktok(segments, _query, _host) -> Identity:
    if not segments or not segments[0].startswith("@"):
        _no_account("tiktok") if not segments else _not_account("tiktok")
    if len(segments) > 1 and segments[1].lower() in ("video", "photo"):
        _post_link("tiktok")
    return _tiktok_handle(segments[0])


def _youtube_handle(text: str) -> Identity:
    if not text.startswith("@"):
        _fail(_l("A YouTube handle starts with @."), "youtube")
    handle = text[1:]
    if not YT_HANDLE.match(handle):
        _bad_handle(handle, "youtube")
    return _yt(f"@{handle.lower()}")


def _yt(canonical: str) -> Identity:
    return Identity("youtube", canonical, f"https://www.youtube.com/{canonical}", "channel",
                    frozenset({"channel", "page", "personal", "official_account"}))


YT_VIDEO = {"watch", "shorts", "live", "embed", "v", "clip", "post"}
YT_RESERVED = {"playlist", "results", "feed", "redirect", "account", "premium", "about", "t",
               "hashtag", "gaming", "music", "kids", "signin", "logout", "upload", "channels"}


def _youtube(segments, _query, _host) -> Identity:
    if not segments:
        _no_account("youtube")
    first = segments[0]
    if first.startswith("@"):
        return _youtube_handle(first)
    low = first.lower()
    if low in YT_VIDEO:
        _post_link("youtube")
    if low == "channel":
        if len(segments) < 2 or not YT_CHANNEL.match(segments[1]):
            _fail(_l("A YouTube channel id starts with UC and has 24 characters."), "youtube")
        return _yt(f"channel/{segments[1]}")
    if low in ("c", "user"):
        if len(segments) < 2 or not re.match(r"^[A-Za-z0-9_.\-]{1,100}$", segments[1]):
            _no_account("youtube")
        return _yt(f"{low}/{segments[1].lower()}")
    if low in YT_RESERVED or not re.match(r"^[A-Za-z0-9_.\-]{1,100}$", first):
        _not_account("youtube")
    return _yt(f"c/{low}")  # legacy youtube.com/<custom name>


def _x_handle(text: str) -> Identity:
    handle = text.removeprefix("@")
    if not X_HANDLE.match(handle):
        _bad_handle(handle, "x")
    handle = handle.lower()
    return Identity("x", handle, f"https://x.com/{handle}", "personal", NOT_GROUP)


X_RESERVED = {"home", "explore", "search", "i", "intent", "share", "settings", "messages",
              "notifications", "hashtag", "login", "signup", "tos", "privacy", "compose"}


def _x(segments, _query, _host) -> Identity:
    if not segments:
        _no_account("x")
    if segments[0].lower() in X_RESERVED:
        _not_account("x")
    if len(segments) > 1 and segments[1].lower() in ("status", "statuses"):
        _post_link("x")
    return _x_handle(segments[0])


def _instagram_handle(text: str) -> Identity:
    handle = text.removeprefix("@")
    if not IG_HANDLE.match(handle):
        _bad_handle(handle, "instagram")
    handle = handle.lower()
    return Identity("instagram", handle, f"https://www.instagram.com/{handle}/", "personal",
                    NOT_GROUP)


def _instagram(segments, _query, _host) -> Identity:
    if not segments:
        _no_account("instagram")
    first = segments[0].lower()
    if first in ("p", "reel", "reels", "tv", "stories"):
        _post_link("instagram")
    if first in ("explore", "accounts", "direct", "about", "developer", "legal"):
        _not_account("instagram")
    return _instagram_handle(segments[0])


def _telegram_name(text: str) -> Identity:
    name = text.removeprefix("@")
    if not TG_NAME.match(name):
        _bad_handle(name, "telegram")
    name = name.lower()
    return Identity("telegram", name, f"https://t.me/{name}", "channel", ALL_KINDS)


def _telegram(segments, _query, _host) -> Identity:
    if not segments:
        _no_account("telegram")
    first = segments[0]
    if first.lower() == "joinchat" and len(segments) > 1:
        first = "+" + segments[1]
    if first.startswith("+"):
        code = first[1:]
        if not re.match(r"^[A-Za-z0-9_\-]{10,64}$", code):
            _bad_handle(code, "telegram")
        return Identity("telegram", f"+{code}", f"https://t.me/+{code}", "group",
                        frozenset({"group", "channel"}))
    if first.lower() == "s" and len(segments) > 1:
        segments = segments[1:]
    if len(segments) > 1 or first.lower() == "c":
        _post_link("telegram")
    return _telegram_name(segments[0])


# ---------------------------------------------------------------- anything else

def _parse_other(parts, host: str) -> Identity:
    if parts.username or parts.password:
        _fail(_l("The address must not contain a user name or password."), "other")
    host = host.removeprefix("www.")
    path = re.sub(r"/+$", "", parts.path) or ""
    query = [(k, v) for k, v in parse_qsl(parts.query) if not TRACKING.match(k.lower())]
    canonical = host + path + ("?" + urlencode(sorted(query)) if query else "")
    if len(canonical) > 255:
        _fail(_l("The address is too long (at most 500 characters)."), "other")
    return Identity("other", canonical, f"https://{canonical}", "page", ALL_KINDS)


URL_PARSERS = {"facebook": _facebook, "zalo": _zalo, "tiktok": _tiktok, "youtube": _youtube,
               "x": _x, "instagram": _instagram, "telegram": _telegram}
BARE = {"tiktok": _tiktok_handle, "youtube": _youtube_handle, "x": _x_handle,
        "instagram": _instagram_handle, "telegram": _telegram_name}
