"""Walk every protected page and API route as every actor and check the answer the rules give.

Later jobs extend ROUTES. Actors are demo users: `dangvien.banmat` (member of Bản Mạt),
`bithu.banmat` (unit admin of Bản Mạt), `kiemduyet.xa` (reviewer of Mường Lèo), `quantri.xa`
(unit admin of Mường Lèo), `kiemduyet.namlanh` (reviewer of the neighbour commune), `admin`.
"""

from __future__ import annotations

import pytest

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
    # Moderation. Post 1 is the demo's first post: submitted by dangvien.banmat in Bản Mạt.
    ("/moderation/submit", {ANON: 302, **ALL_USERS}),
    ("/moderation/mine", {ANON: 302, **ALL_USERS}),
    ("/moderation/queue", {ANON: 302, **REVIEWERS}),
    ("/moderation/queue?unit=nam-lanh", {ANON: 302, **REVIEWERS, "kiemduyet.xa": 404}),
    ("/moderation/posts/1", {ANON: 302, **OWN_POST}),
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

# API routes answer 401 without a token.
API = [
    ("/api/v1/me", {ANON: 401, **ALL_USERS}),
    ("/api/v1/units", {ANON: 401, **ALL_USERS}),
    ("/api/v1/units/ban-mat", {ANON: 401, **ALL_USERS, "kiemduyet.namlanh": 404}),
    ("/api/v1/units/nam-lanh", {ANON: 401, **{a: 404 for a in ALL_USERS},
                                "kiemduyet.namlanh": 200, "admin": 200}),
    ("/api/v1/openapi.json", {ANON: 200, **ALL_USERS}),
    ("/api/v1/queue", {ANON: 401, **REVIEWERS}),
    ("/api/v1/queue?unit=muong-leo", {ANON: 401, **REVIEWERS, "kiemduyet.namlanh": 404}),
    ("/api/v1/posts/1", {ANON: 401, **OWN_POST}),
    ("/api/v1/posts/999999", {ANON: 401, **{a: 404 for a in ALL_USERS}}),
    ("{draft_story_api}", {ANON: 401, **{a: 403 for a in ALL_USERS}, "kiemduyet.xa": 200,
                           "kiemduyet.namlanh": 404, "admin": 200}),
]


def _demo_paths() -> dict:
    """Paths of demo objects whose ids differ between databases, for the {…} rows above."""
    from tests.feed.factories import demo_story

    public, draft = demo_story(True), demo_story(False)
    return {"public_story": f"/stories/{public.id}-{public.slug}",
            "draft_story": f"/stories/{draft.id}-{draft.slug}",
            "draft_story_edit": f"/stories/{draft.id}/edit",
            "draft_story_post_new": f"/stories/new?post_id={draft.post_id}",
            "draft_story_api": f"/api/v1/stories/{draft.id}"}


def _resolve(path: str) -> str:
    return path.format(**_demo_paths()) if path.startswith("{") else path


def _cases(table):
    for path, expected in table:
        for actor in ACTORS:
            yield pytest.param(path, actor, expected[actor], id=f"{path}-{actor}")


@pytest.mark.parametrize(("path", "actor", "status"), list(_cases(PAGES)))
def test_pages(client, demo, login_as, path, actor, status):
    if actor != ANON:
        login_as(actor)
    response = client.get(_resolve(path))
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status == 302 and actor == ANON:
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("path", "actor", "status"), list(_cases(API)))
def test_api(client, demo, token_for, path, actor, status):
    headers = token_for(actor) if actor != ANON else {}
    response = client.get(_resolve(path), headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status >= 400:
        body = response.get_json()
        assert set(body["error"]) == {"code", "message", "fields"}
