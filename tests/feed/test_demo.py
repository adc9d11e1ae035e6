"""The demo commune has published stories (and a draft), and seeding twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from core import demo as demo_module
from core.extensions import db
from feed.models import Story


def test_demo_stories_are_seeded_once(client, demo):
    counts = dict(db.session.execute(select(Story.status, func.count()).group_by(Story.status)).all())
    assert counts == {"published": 3, "draft": 1}
    demo_module.seed()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Story)) == 4
    assert all(story.post.status == "approved" for story in db.session.scalars(select(Story)))
    assert len(client.get("/feed.json").get_json()["items"]) == 3
