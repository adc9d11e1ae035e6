"""How the review team of a unit's subtree is doing: the backlog, decisions per day, how long
items wait for a reviewer and for a decision, how often a flag was right, what is overdue
(GET /api/v1/stats)."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from datetime import timedelta

from blinker import Namespace
from flask import current_app
from sqlalchemy import func, select

from core.extensions import db
from core.models import VN_OFFSET, Unit, User, as_utc, utcnow
from core.scoping import scoped, subtree_ids
from moderation.models import Action, Decision, Label, Post
from moderation.services import learning, queue
from registry import coverage

# Sent while the figures are gathered (unit, now, weeks); a receiver returns a dict of more
# figures of its own: the feed adds the stories published per week. Moderation does not know
# the feed: the feed listens (blinker, as flask.signals).
collecting = Namespace().signal("stats-collecting")


def _percentile(values: list[int], share: float) -> int | None:
    """Nearest-rank percentile (None when there is nothing)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _times(values: list[int]) -> dict:
    return {"decisions": len(values), "p50_s": _percentile(values, 0.5),
            "p90_s": _percentile(values, 0.9)}


def _waits(rows, column: str, name: str, units: dict, people: dict) -> dict:
    """`name`, `name_by_unit` and `name_by_reviewer` (the one who decided): the percentiles of
    the decisions' `column` (those without one, decided before it was recorded, left out)."""
    every, by_unit, by_reviewer = [], defaultdict(list), defaultdict(list)
    for row in rows:
        seconds = getattr(row, column)
        if seconds is not None:
            every.append(seconds)
            by_unit[units[row.unit_id]].append(seconds)
            by_reviewer[people[row.reviewer_id]].append(seconds)
    return {name: _times(every),
            f"{name}_by_unit": {k: _times(v) for k, v in sorted(by_unit.items())},
            f"{name}_by_reviewer": {k: _times(v) for k, v in sorted(by_reviewer.items())}}


def _backlog(user: User, unit: Unit) -> dict:
    stmt = scoped(select(Post.route, Post.label, func.count()).where(
        Post.priority_key.is_not(None), Post.unit_id.in_(subtree_ids(unit))),
        Post.queue_unit_id, user).group_by(Post.route, Post.label)
    by_route, by_label = Counter(), Counter()
    for route, label, count in db.session.execute(stmt):
        by_route[route] += count
        by_label[label] += count
    return {"total": sum(by_label.values()),
            "by_label": {label.value: by_label.get(label.value, 0) for label in Label},
            "by_route": dict(by_route)}


def stats(user: User, unit: Unit, days: int = 30) -> dict:
    """The figures of the unit's subtree over the last `days` days (decisions by day in
    Vietnam time, oldest first, days without a decision included)."""
    now = utcnow()
    since = now - timedelta(days=days)
    rows = db.session.execute(
        select(Decision.created_at, Decision.open_seconds, Decision.claim_seconds,
               Decision.unit_id, Decision.reviewer_id)
        .where(Decision.unit_id.in_(subtree_ids(unit)), Decision.created_at >= since,
               Decision.action != Action.UNDO)).all()
    per_day = Counter((as_utc(row.created_at) + VN_OFFSET).date() for row in rows)
    today = (now + VN_OFFSET).date()
    timeline = [today - timedelta(days=k) for k in range(days - 1, -1, -1)]
    units = {u.id: u.code for u in db.session.scalars(
        select(Unit).where(Unit.id.in_({row.unit_id for row in rows})))}
    people = {u.id: u.username for u in db.session.scalars(
        select(User).where(User.id.in_({row.reviewer_id for row in rows})))}
    estimates = learning.check_estimates(subtree_ids(unit), since)
    weeks = max(1, math.ceil(days / 7))
    figures = {
        "unit": unit.code, "days": days, "backlog": _backlog(user, unit),
        "overdue": queue.overdue_count(user, unit),
        "decisions_per_day": [{"date": day.isoformat(), "decisions": per_day.get(day, 0)}
                              for day in timeline],
        **_waits(rows, "open_seconds", "time_to_decision", units, people),
        **_waits(rows, "claim_seconds", "time_to_first_claim", units, people),
        "flag_precision": estimates["flag_precision"], "miss_rate": estimates["miss_rate"],
        "coverage_per_week": coverage.history(unit, weeks, now),
    }
    for _receiver, more in collecting.send(current_app._get_current_object(), unit=unit,
                                           now=now, weeks=weeks):
        figures.update(more or {})
    return figures


def to_csv(figures: dict) -> bytes:
    """The stats page's tables: decisions per day, time to first claim and to decision by
    reviewer and by unit, stories and coverage per week (UTF-8 with a BOM, so a spreadsheet
    opens the Vietnamese right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ngay", "so_quyet_dinh"])
    for row in figures["decisions_per_day"]:
        writer.writerow([row["date"], row["decisions"]])
    writer.writerow([])
    for who, key in (("can_bo", "by_reviewer"), ("don_vi", "by_unit")):
        writer.writerow([who, "so_quyet_dinh", "trung_vi_giay", "p90_giay",
                         "nhan_xu_ly_trung_vi_giay", "nhan_xu_ly_p90_giay"])
        claims = figures[f"time_to_first_claim_{key}"]
        for name, times in figures[f"time_to_decision_{key}"].items():
            claim = claims.get(name, {})
            writer.writerow([name, times["decisions"], times["p50_s"], times["p90_s"],
                             claim.get("p50_s"), claim.get("p90_s")])
        writer.writerow([])
    writer.writerow(["tuan_ket_thuc", "so_cau_chuyen", "da_ke_khai", "danh_sach", "ty_le_phan_tram"])
    stories = {row["week_end"]: row["stories"] for row in figures.get("stories_per_week", [])}
    for row in figures["coverage_per_week"]:
        writer.writerow([row["week_end"], stories.get(row["week_end"], ""), row["declared"],
                         row["roster"], row["coverage"]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
