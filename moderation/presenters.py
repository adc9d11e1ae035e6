"""How moderation things read on a page: labels, highlighted words, short messages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from core.extensions import db
from core.models import as_utc, utcnow
from moderation.models import Label, PostStatus, Route, SourceCheck
from moderation.services.clusters import current_priority
from moderation.services.review import ACTION_LABELS, REASONS
from registry.models import Platform

LABELS = {Label.HARMFUL: _l("Harmful"), Label.UNVERIFIED: _l("Unverified"),
          Label.POSITIVE: _l("Positive"), Label.NEUTRAL: _l("Neutral")}
STATUSES = {PostStatus.PENDING: _l("Waiting for review"), PostStatus.ESCALATED: _l("Escalated"),
            PostStatus.CLEARED: _l("Cleared"), PostStatus.APPROVED: _l("Approved"),
            PostStatus.REJECTED: _l("Rejected"), PostStatus.MARKED_FALSE: _l("Marked false"),
            PostStatus.VERIFIED: _l("Verified")}
SOURCES = {SourceCheck.OFFICIAL: _l("Official source"),
           SourceCheck.UNRELIABLE: _l("Known unreliable source"),
           SourceCheck.UNKNOWN: _l("Source not on any list"), SourceCheck.NONE: _l("No link")}
ROUTES = {Route.FLAGGED: _l("flagged by the model"), Route.STORY: _l("story candidate"),
          Route.SAMPLE: _l("random check of a cleared post"),
          Route.UNCERTAIN: _l("cleared, but the model was unsure"), Route.CLEAN: _l("not flagged"),
          Route.INHERITED: _l("copy of an already decided post"),
          Route.UNSCORED: _l("no model was active")}
PLATFORMS = {Platform.FACEBOOK: "Facebook", Platform.ZALO: "Zalo", Platform.TIKTOK: "TikTok",
             Platform.YOUTUBE: "YouTube", Platform.X: "X", Platform.INSTAGRAM: "Instagram",
             Platform.TELEGRAM: "Telegram", Platform.OTHER: _l("Other")}
TONE = {Label.HARMFUL: "bad", Label.UNVERIFIED: "warn", Label.POSITIVE: "ok",
        SourceCheck.OFFICIAL: "ok", SourceCheck.UNRELIABLE: "bad"}
AUDIT_LABELS = {
    "post_claimed": _l("Post claimed for review"), "post_released": _l("Claim released"),
    "post_approved": _l("Post approved"), "post_rejected": _l("Post rejected"),
    "post_marked_false": _l("Post marked false"), "post_marked_verified": _l("Post verified"),
    "post_escalated": _l("Post escalated"), "decision_undone": _l("Decision undone"),
    "post_detached": _l("Post detached from its cluster"), "posts_imported": _l("Posts imported"),
    "webhook_received": _l("Post received from the chat bot"),
    "model_activated": _l("Classifier model activated"),
}
HEADS = {"harmful": _l("harmful"), "unverified": _l("unverified"), "positive": _l("positive")}


def platform_choices() -> list[tuple[str, str]]:
    """(code, name) of every platform, for select boxes."""
    return [(p.value, str(PLATFORMS[p])) for p in Platform]


def highlight(text: str, explanation: list[dict] | None, limit: int | None = None) -> Markup:
    """The text, escaped, with the explanation's spans wrapped in <mark> (overlaps merged).

    With `limit`, the text is cut at that many characters (spans past the cut are dropped).
    """
    cut = limit is not None and len(text) > limit
    text = text[:limit] if cut else text
    spans = sorted((int(e["start"]), int(e["end"]), e.get("head", ""))
                   for e in explanation or ()
                   if isinstance(e, dict) and 0 <= int(e.get("start", -1)) < int(e.get("end", -1))
                   <= len(text))
    merged: list[list] = []
    for start, end, head in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, head])
    out, cursor = [], 0
    for start, end, head in merged:
        out.append(escape(text[cursor:start]))
        title = escape(str(HEADS.get(head, head)))
        out.append(Markup('<mark class="h-{}" title="{}">{}</mark>').format(
            escape(head), title, escape(text[start:end])))
        cursor = end
    out.append(escape(text[cursor:]))
    if cut:
        out.append(Markup("…"))
    return Markup("").join(out)


def claim_holder(cluster):
    """Who holds a live claim on the cluster, or None."""
    if cluster.claimed_by_id is None or cluster.claimed_until is None:
        return None
    return cluster.claimed_by if as_utc(cluster.claimed_until) > utcnow() else None


def percent(value: float | None) -> str:
    """0.873 → "87 %"."""
    return f"{round((value or 0) * 100)} %"


def submitted_message(post) -> str:
    """What the submitter is told after sending a post."""
    if post.status in (PostStatus.PENDING, PostStatus.ESCALATED):
        return _("Thank you. The post was sent to the reviewers (%(label)s).",
                 label=LABELS.get(post.label, post.label))
    return _("Thank you. The post was recorded (%(status)s).",
             status=STATUSES.get(post.status, post.status))


def decided_message(decision) -> str:
    """What the reviewer is told after deciding."""
    return _("Decision recorded: %(action)s. You can undo it for 10 minutes.",
             action=ACTION_LABELS[decision.action])


def duration(seconds: float | None) -> str:
    """A span of time as reviewers read it: "3 h 05 min"."""
    if seconds is None:
        return ""
    minutes = int(abs(seconds) // 60)
    return _("%(hours)d h %(minutes)02d min", hours=minutes // 60, minutes=minutes % 60)


def deadline_state(post) -> dict | None:
    """The item against its deadline: {"overdue", "text", "due_at"}; None when the deadline
    does not apply (not harmful or unverified) or the item is decided."""
    from moderation.services.queue import due_at

    due = due_at(post)
    if due is None or post.status not in (PostStatus.PENDING, PostStatus.ESCALATED):
        return None
    left = (due - utcnow()).total_seconds()
    if left < 0:
        return {"overdue": True, "due_at": due,
                "text": _("Overdue by %(time)s", time=duration(left))}
    return {"overdue": False, "due_at": due, "text": _("%(time)s left", time=duration(left))}


def init_app(app: Flask) -> None:
    """Template helpers for moderation pages."""
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["mod_priority"] = current_priority
    app.jinja_env.filters["mod_utc"] = as_utc
    app.jinja_env.globals.update(
        mod_label=lambda v: LABELS.get(v, v), mod_status=lambda v: STATUSES.get(v, v),
        mod_source=lambda v: SOURCES.get(v, v), mod_route=lambda v: ROUTES.get(v, v),
        mod_platform=lambda v: PLATFORMS.get(v, v) if v else "", mod_tone=lambda v: TONE.get(v, ""),
        mod_action=lambda v: ACTION_LABELS.get(v, v), mod_claim=claim_holder,
        mod_deadline=deadline_state, mod_duration=duration,
        mod_reason=lambda action, reason: REASONS.get(action, {}).get(reason, reason))


def model_summary(meta: dict) -> dict:
    """What the model page shows of a sidecar: training rows and data files, per head the
    figure it was chosen on (cross-validated on train) and its dev figure, and what the local
    correction learnt from reviewers' decisions (classifiers.correction) did to each head."""
    heads = meta.get("heads", {})
    figures = []
    for name, info in heads.items():
        dev = meta.get("dev", {}).get(name, {})
        cv = info.get("cv", {})
        figures.append({"head": name, "rows": info.get("train_rows"),
                        "cv_auc": cv.get("roc_auc"), "dev_auc": dev.get("roc_auc"),
                        "dev_f1": dev.get("macro_f1"), "threshold": info.get("threshold")})
    files = [f"{'/'.join(Path(f['path']).parts[-2:])} ({f.get('rows', '?')})"
             for f in meta.get("data", []) if isinstance(f, dict) and f.get("path")]
    try:
        trained = datetime.fromisoformat(meta["created_at"])
    except (KeyError, TypeError, ValueError):
        trained = None
    corrections = [{"head": name, **facts} for name, facts in meta.get("correction", {}).items()
                   if isinstance(facts, dict)]
    return {"figures": figures, "files": files, "trained": trained,
            "seconds": meta.get("training_seconds"), "base": meta.get("base_version"),
            "corrections": corrections}


def model_activations() -> dict[str, dict]:
    """For each version, its latest activation from the audit log: who and when."""
    from core.models import AuditEntry

    out: dict[str, dict] = {}
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "model_activated")
                                    .order_by(AuditEntry.id)):
        out[entry.summary] = {"who": entry.actor.username if entry.actor else "", "when": entry.created_at}
    return out
