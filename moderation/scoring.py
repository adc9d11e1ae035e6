"""The active classifier, loaded once per process from CAIDEP_MODELS_DIR, and what it says."""

from __future__ import annotations

import logging
import threading

from flask import current_app

from classifiers import ModelLoadError, ModelStore

log = logging.getLogger(__name__)
_stores: dict[str, ModelStore] = {}
_lock = threading.Lock()


def store() -> ModelStore:
    """The process-wide store of this app's models directory (it caches the loaded model)."""
    path = current_app.config["CAIDEP_MODELS_DIR"]
    with _lock:
        if path not in _stores:
            _stores[path] = ModelStore(path)
        return _stores[path]


def active_model():
    """The active model, or None when none is active or it cannot be loaded (logged)."""
    try:
        return store().get_active()
    except ModelLoadError as error:
        log.error("Không nạp được mô hình phân loại: %s", error)
        return None


def active_version() -> str | None:
    """The active model's version, for /healthz."""
    model = active_model()
    return model.version if model is not None else None


def thresholds() -> dict[str, float]:
    """The active model's thresholds of its main heads ({} when none is active)."""
    model = active_model()
    return {} if model is None else {h: t for h, t in model.thresholds.items()
                                     if h in ("harmful", "unverified", "positive")}


# Texts scored in one call of the model: its working arrays grow with the batch (about 45 MB
# per 1,000 posts), and past a thousand a bigger batch is no faster.
PREDICT_BATCH = 1000


def classify(texts: list[str]) -> list[dict] | None:
    """Scores, label, explanation and version of each text; None when no model is active."""
    model = active_model()
    if model is None:
        return None
    texts = list(texts)
    return [result for start in range(0, len(texts), PREDICT_BATCH)
            for result in model.predict(texts[start:start + PREDICT_BATCH])]
