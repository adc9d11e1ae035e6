"""Walk every protected page and API route as every actor and check the answer the rules give.

Later jobs extend ROUTES. Actors are demo users: `dangvien.banmat` (member of Bản Mạt),
`bithu.banmat` (unit admin of Bản Mạt), `kiemduyet.xa` (reviewer of Mường Lèo), `quantri.xa`
(unit admin of Mường Lèo), `kiemduyet.namlanh` (reviewer of the neighbour commune), `admin`.
"""

from __future__ import annotations

import pytest

from tests.conftest import post_form

ANON = "anonymous"
ACTORS = [ANON, "dangvien.banmat", "bithu.banmat", "kiemduyet.xa", "quantri.xa",
          "kiemduyet.namlanh", "admin"]

ALL_USERS = {actor: 200 for actor in ACTORS if actor != ANON}
# Only reviewers have a queue; members and unit admins are refused (403).
REVIEWERS = {**{actor: 403 for actor in ALL_USERS}, "kiemduyet.xa": 200,
             "kiemduyet.namlanh": 200, "admin": 200}
# A member's post: its submitter and the reviewers of its commune see it; nobody else (404).
OWN_POST = {**{actor: 404 for actor in ALL_USERS}, "dangvien.banmat": 200, "kiemduyet.xa": 200,
            "admin": 200}

# (path, {actor: expected status}); pages answer 302 to the login page for anonymous visitors.
PAGES = [
    ("/", {ANON: 200, **ALL_USERS}),
    ("/login", {ANON: 200, **{a: 302 for a in ALL_USERS}}),
    ("/profile", {ANON: 302, **ALL_USERS}),
    ("/units/ban-mat", {ANON: 302, **ALL_USERS, "kiemduyet.namlanh": 404}),
    ("/units/muong-leo", {ANON: 302, **ALL_USERS, "dangvien.banmat": 404, "bithu.banmat": 404,
                          "kiemduyet.namlanh": 404}),
    ("/units/son-la", {ANON: 302, **{a: 404 for a in ALL_USERS}, "admin": 200}),
    ("/units/no-such-unit", {ANON: 302, **{a: 404 for a in ALL_USERS}}),
    ("/audit", {ANON: 302, "dangvien.banmat": 403, "bithu.banmat": 200, "kiemduyet.xa": 403,
                "quantri.xa": 200, "kiemduyet.namlanh": 403, "admin": 200}),
    ("/audit?unit=muong-leo", {ANON: 302, "dangvien.banmat": 403, "bithu.banmat": 404,
                               "kiemduyet.xa": 403, "quantri.xa": 200, "kiemduyet.namlanh": 403,
                               "admin": 200}),
    ("/healthz", {ANON: 200, **ALL_USERS}),
    # Moderation. {demo_post} is the demo's first post: submitted by dangvien.banmat in Bản Mạt.
    ("/moderation/submit", {ANON: 302, **ALL_USERS}),
    ("/moderation/mine", {ANON: 302, **ALL_USERS}),
    ("/moderation/queue", {ANON: 302, **REVIEWERS}),
    ("/moderation/queue?unit=nam-lanh", {ANON: 302, **REVIEWERS, "kiemduyet.xa": 404}),
    ("/moderation/stats", {ANON: 302, **ALL_USERS, "dangvien.banmat": 403}),
    ("/moderation/stats.csv?unit=nam-lanh", {ANON: 302, **{a: 404 for a in ALL_USERS},
                                             "dangvien.banmat": 403,
                                             "kiemduyet.namlanh": 200, "admin": 200}),
    ("{demo_post}", {ANON: 302, **OWN_POST}),
    ("/moderation/posts/999999", {ANON: 302, **{a: 404 for a in ALL_USERS}}),
    ("/moderation/images/no-such-image.jpg", {ANON: 302, **{a: 404 for a in ALL_USERS}}),
    # Curated feed: public pages and feeds for everyone, drafting pages for reviewers in scope.
    ("/stories", {ANON: 200, **ALL_USERS}),
    ("/stories/tag/van-hoa", {ANON: 200, **ALL_USERS}),
    ("/units/muong-leo/stories", {ANON: 200, **ALL_USERS}),
    ("{public_story}", {ANON: 200, **ALL_USERS}),
    ("{draft_story}", {ANON: 404, **{a: 404 for a in ALL_USERS}, "kiemduyet.xa": 200,
                       "admin": 200}),
    ("/feed.atom", {ANON: 200, **ALL_USERS}),
    ("/feed.rss", {ANON: 200, **ALL_USERS}),
    ("/feed.json", {ANON: 200, **ALL_USERS}),
    ("/units/muong-leo/feed.atom", {ANON: 200, **ALL_USERS}),
    ("/stories/manage", {ANON: 302, **{a: 403 for a in ALL_USERS}, "kiemduyet.xa": 200,
                         "kiemduyet.namlanh": 200, "admin": 200}),
    ("{draft_story_edit}", {ANON: 302, **{a: 403 for a in ALL_USERS}, "kiemduyet.xa": 200,
                            "kiemduyet.namlanh": 404, "admin": 200}),
    ("{draft_story_post_new}", {ANON: 302, **{a: 403 for a in ALL_USERS}, "kiemduyet.xa": 302,
                                "kiemduyet.namlanh": 404, "admin": 302}),
]

# Registry: {account:X} / {official:X} name the demo account with canonical id X (or its declarant).
# Bản Sam Quang is the other village: out of scope for Bản Mạt and for the neighbour commune.
ADMINS_ONLY = {ANON: 302, "dangvien.banmat": 403, "bithu.banmat": 200, "kiemduyet.xa": 403,
               "quantri.xa": 200, "kiemduyet.namlanh": 403, "admin": 200}
OTHER_VILLAGE_ADMINS = {ANON: 302, "dangvien.banmat": 404, "bithu.banmat": 404,
                        "kiemduyet.xa": 403, "quantri.xa": 200, "kiemduyet.namlanh": 404,
                        "admin": 200}
OTHER_VILLAGE_STAFF = {**OTHER_VILLAGE_ADMINS, "kiemduyet.xa": 200}
OTHER_VILLAGE_PERSON = {**OTHER_VILLAGE_ADMINS, "kiemduyet.xa": 404}
SAM_QUANG = "g/samquang88"
PAGES += [
    ("/verify", {ANON: 200, **ALL_USERS}),
    ("/verify?url=fb.com/tintucmuongleo", {ANON: 200, **ALL_USERS}),
    ("/registry/my-accounts", {ANON: 302, **ALL_USERS}),
    ("/registry/declare", {ANON: 302, **ALL_USERS}),
    (f"/registry/declare?official={{official:{SAM_QUANG}}}", OTHER_VILLAGE_PERSON),
    ("/registry/accounts", {**ADMINS_ONLY, "kiemduyet.xa": 200, "kiemduyet.namlanh": 200}),
    ("/registry/accounts?unit=ban-sam-quang", OTHER_VILLAGE_STAFF),
    (f"/registry/accounts/{{account:{SAM_QUANG}}}", OTHER_VILLAGE_STAFF),
    (f"/registry/accounts/{{account:{SAM_QUANG}}}/edit", OTHER_VILLAGE_ADMINS),
    ("/registry/accounts/999999", {ANON: 302, **{a: 404 for a in ALL_USERS}}),
    ("/registry/roster", ADMINS_ONLY),
    ("/registry/roster?unit=ban-sam-quang", OTHER_VILLAGE_ADMINS),
    ("/registry/roster?unit=son-la", {ANON: 302, **{a: 404 for a in ALL_USERS}, "admin": 200}),
    ("/registry/officials/new", ADMINS_ONLY),
    ("/registry/officials/new?unit=ban-sam-quang", OTHER_VILLAGE_ADMINS),
    (f"/registry/officials/{{official:{SAM_QUANG}}}", OTHER_VILLAGE_PERSON),
    (f"/registry/officials/{{official:{SAM_QUANG}}}/edit", OTHER_VILLAGE_PERSON),
    ("/registry/coverage", ADMINS_ONLY),
    ("/registry/coverage?unit=ban-sam-quang", OTHER_VILLAGE_ADMINS),
    ("/registry/coverage.csv?unit=ban-sam-quang", OTHER_VILLAGE_ADMINS),
    ("/registry/coverage.xlsx?unit=ban-sam-quang", OTHER_VILLAGE_ADMINS),
    ("/registry/coverage.pdf", {ANON: 302, **{a: 404 for a in ALL_USERS}}),
    ("/registry/import", ADMINS_ONLY),
    ("/registry/import/template.csv", ADMINS_ONLY),
    # Zalo OA page: unit admins of the unit (and above); the digest is public.
    ("/zalo/oa", ADMINS_ONLY),
    ("/zalo/oa?unit=ban-sam-quang", OTHER_VILLAGE_ADMINS),
    ("/zalo/oa?unit=son-la", {ANON: 302, **{a: 404 for a in ALL_USERS}, "admin": 200}),
    ("/units/muong-leo/digest", {ANON: 200, **ALL_USERS}),
    ("/units/muong-leo/digest.txt?period=daily", {ANON: 200, **ALL_USERS}),
    ("/units/muong-leo/digest.atom", {ANON: 200, **ALL_USERS}),
    ("/units/muong-leo/digest?period=monthly", {ANON: 404, **{a: 404 for a in ALL_USERS}}),
]

# API routes answer 401 without a token.
API = [
    ("/api/v1/me", {ANON: 401, **ALL_USERS}),
    ("/api/v1/units", {ANON: 401, **ALL_USERS}),
    ("/api/v1/units/ban-mat", {ANON: 401, **ALL_USERS, "kiemduyet.namlanh": 404}),
    ("/api/v1/units/nam-lanh", {ANON: 401, **{a: 404 for a in ALL_USERS},
                                "kiemduyet.namlanh": 200, "admin": 200}),
    ("/api/v1/openapi.json", {ANON: 200, **ALL_USERS}),
    ("/api/v1/queue", {ANON: 401, **REVIEWERS}),
    ("/api/v1/stats", {ANON: 401, **ALL_USERS, "dangvien.banmat": 403}),
    ("/api/v1/stats?unit=muong-leo", {ANON: 401, **ALL_USERS, "dangvien.banmat": 403,
                                      "bithu.banmat": 404, "kiemduyet.namlanh": 404}),
    ("/api/v1/queue?unit=muong-leo", {ANON: 401, **REVIEWERS, "kiemduyet.namlanh": 404}),
    ("{demo_post_api}", {ANON: 401, **OWN_POST}),
    ("/api/v1/posts/999999", {ANON: 401, **{a: 404 for a in ALL_USERS}}),
    ("{draft_story_api}", {ANON: 401, **{a: 403 for a in ALL_USERS}, "kiemduyet.xa": 200,
                           "kiemduyet.namlanh": 404, "admin": 200}),
]

API_OTHER_VILLAGE_ADMINS = {**OTHER_VILLAGE_ADMINS, ANON: 401}
API += [
    ("/api/v1/officials", {ANON: 401, **ALL_USERS}),
    ("/api/v1/officials?unit=ban-sam-quang", {**API_OTHER_VILLAGE_ADMINS, "kiemduyet.xa": 200}),
    (f"/api/v1/officials/{{official:{SAM_QUANG}}}", {**API_OTHER_VILLAGE_ADMINS,
                                                    "kiemduyet.xa": 404}),
    ("/api/v1/accounts", {ANON: 401, **ALL_USERS}),
    ("/api/v1/accounts?unit=ban-sam-quang", {**API_OTHER_VILLAGE_ADMINS, "kiemduyet.xa": 200}),
    (f"/api/v1/accounts/{{account:{SAM_QUANG}}}", {**API_OTHER_VILLAGE_ADMINS,
                                                  "kiemduyet.xa": 200}),
    ("/api/v1/accounts/999999", {ANON: 401, **{a: 404 for a in ALL_USERS}}),
    ("/api/v1/coverage", {**ADMINS_ONLY, ANON: 401}),
    ("/api/v1/coverage?unit=ban-sam-quang", API_OTHER_VILLAGE_ADMINS),
    ("/api/v1/verify?url=fb.com/tintucmuongleo", {ANON: 200, **ALL_USERS}),
]

def _demo_paths() -> dict:
    """Paths of demo objects whose ids differ between databases, for the {…} rows above."""
    from tests.feed.factories import demo_story

    public, draft = demo_story(True), demo_story(False)
    post = _first_demo_post()
    return {"demo_post": f"/moderation/posts/{post}", "demo_post_api": f"/api/v1/posts/{post}",
            "public_story": f"/stories/{public.id}-{public.slug}",
            "draft_story": f"/stories/{draft.id}-{draft.slug}",
            "draft_story_edit": f"/stories/{draft.id}/edit",
            "draft_story_post_new": f"/stories/new?post_id={draft.post_id}",
            "draft_story_api": f"/api/v1/stories/{draft.id}"}



def _first_demo_post() -> int:
    """The id of moderation.demo's first post (dangvien.banmat's, in Bản Mạt)."""
    from sqlalchemy import select

    from core.extensions import db
    from moderation.demo import OLD_REJECTED
    from moderation.models import Post

    return db.session.scalar(select(Post.id).where(Post.text == OLD_REJECTED[0]))


def _resolve(path: str) -> str:
    """Replace {account:X} / {official:X} by the ids the demo data got."""
    import re

    from sqlalchemy import select

    from core.extensions import db
    from registry.models import Account

    def lookup(match):
        account = db.session.scalar(select(Account).where(Account.canonical_id == match[2]))
        return str(account.id if match[1] == "account" else account.official_id)

    path = re.sub(r"\{(account|official):([^}]+)\}", lookup, path)
    return path.format(**_demo_paths()) if path.startswith("{") else path


def _walk(table):
    return [pytest.param(path, expected, id=path) for path, expected in table]


def _page_answer(app, actor: str, path: str):
    client = app.test_client()
    if actor != ANON:
        response = post_form(client, "/login", {"username": actor,
                                                "password": app.config["DEMO_PASSWORD"]})
        assert response.status_code == 302, f"{actor} could not log in"
    return client.get(path)


@pytest.mark.parametrize(("path", "expected"), _walk(PAGES))
def test_pages(app, demo, path, expected):
    """Every actor in turn (one demo commune per route keeps the walk quick)."""
    url, wrong = _resolve(path), []
    for actor in ACTORS:
        response = _page_answer(app, actor, url)
        if response.status_code != expected[actor]:
            wrong.append(f"{actor}: {response.status_code} != {expected[actor]}")
        elif response.status_code == 302 and actor == ANON:
            assert "/login" in response.headers["Location"]
    assert wrong == [], f"{url}: " + "; ".join(wrong)


@pytest.mark.parametrize(("path", "expected"), _walk(API))
def test_api(app, demo, token_for, path, expected):
    url, wrong = _resolve(path), []
    for actor in ACTORS:
        headers = token_for(actor) if actor != ANON else {}
        response = app.test_client().get(url, headers=headers)
        if response.status_code != expected[actor]:
            wrong.append(f"{actor}: {response.status_code} != {expected[actor]}")
        elif response.status_code >= 400:
            assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    assert wrong == [], f"{url}: " + "; ".join(wrong)
