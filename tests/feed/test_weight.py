"""The public list and a story page weigh at most 100 KB before images (HTML + CSS + JS)."""

from __future__ import annotations

import pytest

from tests.feed.factories import add_image, make_post, make_story
from tests.feed.html import elements

LIMIT = 100 * 1024


def page_weight(client, path: str) -> dict[str, int]:
    """Bytes of the page, its stylesheets and its scripts, as a browser would fetch them."""
    response = client.get(path)
    assert response.status_code == 200
    sizes = {path: len(response.data)}
    for tag, attrs in elements(response.get_data(as_text=True)):
        asset = attrs.get("href") if tag == "link" and attrs.get("rel") == "stylesheet" else \
            attrs.get("src") if tag == "script" else None
        if asset:
            fetched = client.get(asset)
            assert fetched.status_code == 200, asset
            sizes[asset] = len(fetched.data)
            fetched.close()
    return sizes


@pytest.fixture
def full_list(demo):
    """A full first page of long stories, with pictures, and a long story to open."""
    long_text = ("Bà con trong bản cùng nhau làm đường, trồng rừng và giữ gìn bản sắc. " * 40).strip()
    stories = []
    for number in range(12):
        post = make_post(f"Câu chuyện dài số {number}. {long_text} {number}")
        add_image(post, size=(64, 36))
        stories.append(make_story(post, image_id=post.images[0].id,
                                  tags=["san-xuat", "van-hoa", "nong-thon-moi"]))
    return stories


def test_public_list_and_story_pages_stay_under_100_kb(client, full_list):
    story = full_list[-1]
    for path in ("/stories", f"/stories/{story.id}-{story.slug}", "/units/muong-leo/stories"):
        sizes = page_weight(client, path)
        total = sum(sizes.values())
        assert total <= LIMIT, f"{path}: {total} bytes {sizes}"
        assert any(asset.endswith(".css") for asset in sizes)
