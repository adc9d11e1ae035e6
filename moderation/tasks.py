"""Moderation's background jobs: a posts file imported from the upload page, the open posts
rescored by a newly active model, and the retraining that learns from reviewers' decisions."""

from __future__ import annotations

import hashlib

import numpy as np
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sklearn.metrics import roc_auc_score
from sqlalchemy import func, select

from core.extensions import db
from core.services import audit
from jobs import services as jobs
from jobs.models import LIVE_STATES, Job
from moderation import scoring
from moderation.models import Decision, PostStatus
from moderation.services import importing, learning

IMPORT_FACTS = {
    "rows": _l("Rows"),
    "written": _l("Posts written"),
    "queued": _l("Sent to the review queue"),
    "clusters": _l("Groups of similar posts"),
}


@jobs.handler("posts.import", _l("Post import"), IMPORT_FACTS)
def import_posts(job, progress) -> dict:
    """Check every row of the file, score them in batches, write them all (or nothing)."""
    filename = job.params.get("filename", "")
    try:
        count, errors = importing.check_file(filename, job.payload, job.user)
    except importing.PostFileError as error:
        raise jobs.JobFailed(error.message) from None
    if errors:
        raise jobs.JobFailed(
            ngettext("%(num)d error: nothing was written.", "%(num)d errors: nothing was written.",
                     len(errors)),
            jobs.report({"rows": count + len({n for n, _p in errors})},
                        [_row_error(n, p) for n, p in errors]))
    progress.total(count, _("Scoring and writing"))
    try:
        posts = importing.import_rows(importing.valid_rows(filename, job.payload, job.user),
                                      job.user, filename, progress)
    except importing.PostFileError as error:
        raise jobs.JobFailed(error.message) from None
    queued = sum(p.status == PostStatus.PENDING for p in posts)
    return jobs.report(
        {"rows": count, "written": len(posts), "queued": queued,
         "clusters": len({p.cluster_id for p in posts})},
        summary=ngettext("%(num)d post written.", "%(num)d posts written.", len(posts)))


def _row_error(number: int, problem: str) -> dict:
    """A checked row's problem ("unit: …") as the report's row, column and message."""
    column, sep, message = problem.partition(": ")
    if sep and column in importing.COLUMNS:
        return {"row": number, "column": column, "message": message}
    return {"row": number, "column": "", "message": problem}


RESCORE_FACTS = {"rescored": _l("Posts rescored")}


@jobs.handler("moderation.rescore", _l("Rescoring of open posts"), RESCORE_FACTS)
def rescore(job, progress) -> dict:
    """Score every open post not yet scored by the active model (all of them with `every`)."""
    model = scoring.active_model()
    if model is None:
        raise jobs.JobFailed(_("No model is active."))
    ids = list(db.session.scalars(learning.posts_to_rescore(job.params.get("every", False))))
    progress.total(len(ids), _("Scoring"))
    learning.rescore(ids, progress)
    return jobs.report({"rescored": len(ids)},
                       summary=_("Open posts scored by model %(version)s.", version=model.version))


def queue_rescore(user=None) -> Job:
    """A rescore job for the model just activated (flushed; the caller commits and starts)."""
    return jobs.create("moderation.rescore", user, None, scoring.active_version() or "",
                       result_url=url_for("moderation.queue"))


RETRAIN_FACTS = {
    "decisions": _l("Reviewers' examples"),
    "learnt": _l("Learnt from"),
    "held_back": _l("Held back to compare the models"),
}


def _held_back(text: str) -> bool:
    """One example in five, always the same one, is kept out of training to judge the models."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 5 == 0


def _score(model, head: str, rows: list[tuple[str, bool]]) -> float | None:
    """ROC-AUC of a head on (text, label) rows; accuracy when they hold a single class."""
    if not rows or model is None or head not in model.heads:
        return None
    texts, truth = [t for t, _ in rows], np.array([bool(y) for _, y in rows])
    out = model.predict_head(head, texts)
    if 0 < truth.sum() < len(truth):
        return float(roc_auc_score(truth, out["proba"]))
    return float(np.mean(np.array(out["labels"], dtype=bool) == truth))


@jobs.handler("classifiers.retrain", _l("Retraining on reviewers' decisions"), RETRAIN_FACTS)
def retrain(job, progress) -> dict:
    """Train a candidate, the recipe's model with a local correction learnt from four fifths of
    reviewers' decisions (classifiers.correction), compare it with the active model on the fifth held back and on the recipe's dev sets, and activate
    it only if it is no worse on both (within MODERATION_RETRAIN_TOLERANCE)."""
    from classifiers.correction import recipe_dev, train_with_reviews
    from classifiers.recipes import RecipeError

    recipe = current_app.config["MODERATION_RETRAIN_RECIPE"]
    tolerance = current_app.config["MODERATION_RETRAIN_TOLERANCE"]
    examples = learning.review_examples()
    learn = {h: [r for r in rows if not _held_back(r[0])] for h, rows in examples.items()}
    held = {h: [r for r in rows if _held_back(r[0])] for h, rows in examples.items()}
    n_examples = sum(len(rows) for rows in examples.values())
    progress.total(4, _("Training the candidate"))
    try:
        data_dir = current_app.config.get("CAIDEP_DATA_DIR")
        dev = recipe_dev(recipe, data_dir)
        candidate = train_with_reviews(recipe, data_dir, learn, dev=dev)
        progress(1)
    except RecipeError as error:
        raise jobs.JobFailed(str(error)) from None
    candidate.metadata["trained_on"] = {"reviews": {h: len(r) for h, r in learn.items()},
                                        "held_back": {h: len(r) for h, r in held.items()},
                                        "decisions_upto": job.params.get("decisions_upto")}
    active = scoring.active_model()
    progress(1)
    comparison, worse = [], []
    for head in candidate.heads:
        for where, rows in ((_("held-back decisions"), held.get(head, [])),
                            (_("dev set"), dev.get(head, []))):
            new, old = _score(candidate, head, rows), _score(active, head, rows)
            comparison.append({"head": head, "on": where, "n": len(rows), "candidate": new,
                               "active": old})
            if new is not None and old is not None and new < old - tolerance:
                worse.append(f"{head} ({where}): {new:.3f} < {old:.3f}")
    progress(1)
    version = scoring.store().save(candidate)
    facts = {"decisions": n_examples, "learnt": sum(len(r) for r in learn.values()),
             "held_back": sum(len(r) for r in held.values())}
    if worse:
        summary = _("Model %(version)s was kept inactive: it is worse than the active one on "
                    "%(what)s.", version=version, what="; ".join(worse))
        progress(1)
        return jobs.report(facts, summary=summary, comparison=comparison, version=version,
                           promoted=False)
    previous = scoring.store().active_version()
    scoring.store().activate(version)
    audit("model_activated", job.user, summary=version, version=version, previous=previous,
          automatic=True)
    follow = queue_rescore(job.user)
    progress(1)
    return jobs.report(facts, summary=_("Model %(version)s is now active: it is no worse than "
                                        "%(previous)s on the held-back decisions and the dev "
                                        "sets. The open posts are being rescored.",
                                        version=version, previous=previous or "-"),
                       comparison=comparison, version=version, promoted=True,
                       start_jobs=[follow.id])


def _last_decision_id() -> int:
    return db.session.scalar(select(func.max(Decision.id))) or 0


def queue_retrain(user=None) -> Job | None:
    """Queue a retraining unless one is waiting or running; None if one is."""
    live = db.session.scalar(select(Job).where(Job.kind == "classifiers.retrain",
                                               Job.state.in_(LIVE_STATES)))
    if live is not None:
        return None
    upto = _last_decision_id()
    return jobs.submit("classifiers.retrain", user, None, _("Decisions up to no. %(num)d",
                                                            num=upto),
                       params={"decisions_upto": upto}, result_url=url_for("moderation.models"))


def maybe_retrain() -> Job | None:
    """After a decision: queue a retraining once MODERATION_RETRAIN_EVERY new decisions have
    come in since the last one (0 turns this off)."""
    every = current_app.config["MODERATION_RETRAIN_EVERY"]
    if not every:
        return None
    last = db.session.scalars(select(Job.params).where(Job.kind == "classifiers.retrain")
                              .order_by(Job.id.desc()).limit(1)).first() or {}
    since = db.session.scalar(select(func.count(Decision.id)).where(
        Decision.id > (last.get("decisions_upto") or 0)))
    return queue_retrain() if since >= every else None


DECIDED_HOOKS = "caidep.decided"


def after_decision(decision: Decision) -> None:
    """What follows a committed decision: the retraining it may trigger, and the other
    packages' reactions (``app.extensions["caidep.decided"]``: functions of the decision, e.g.
    the Zalo OA telling the people who forwarded the post)."""
    maybe_retrain()
    for hook in current_app.extensions.get(DECIDED_HOOKS, []):
        hook(decision)
