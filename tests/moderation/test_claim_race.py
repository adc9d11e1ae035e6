"""Twenty reviewers claim one post at the same instant: exactly one wins, nineteen get 409."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select

from core.extensions import db
from core.services import create_token, create_user
from moderation.models import Cluster
from tests.moderation.conftest import HARMFUL

THREADS = 20


def test_twenty_simultaneous_claims_have_one_winner(app, demo, api_post):
    post = api_post("dangvien.banmat", HARMFUL).get_json()
    headers = []
    for number in range(THREADS):
        user = create_user(f"race{number}", "mat-khau-dai", demo["units"]["muong-leo"],
                           ["reviewer"])
        headers.append({"Authorization": f"Bearer {create_token(user, 'race')[1]}"})
    db.session.commit()
    clients = [app.test_client() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def claim(index: int) -> None:
        barrier.wait()
        response = clients[index].post(f"/api/v1/posts/{post['id']}/claim", headers=headers[index])
        results[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 1, 409: THREADS - 1}, results
    winner = next(i for i, (status, _) in enumerate(results) if status == 200)
    db.session.expire_all()
    cluster = db.session.scalar(select(Cluster).where(Cluster.id == post["cluster_id"]))
    assert cluster.claimed_by.username == f"race{winner}"
    losers = [body for status, body in results if status == 409]
    assert all(body["error"]["code"] == "conflict" for body in losers)
