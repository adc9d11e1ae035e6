"""Training a model from a recipe: shared features for all heads, one linear model per head.

Word segmentation rule (per head, ``segmentation = "auto"``, the default): the head is fitted
with and without the segmented-word view and keeps it only if its dev score (best F1 of the
positive class for binary heads, macro-F1 for multi-class ones) rises by at least
``trainhead.SEGMENTATION_MIN_GAIN`` (2 points), because segmentation costs ~0.5 ms a post at prediction time.
"""

import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from classifiers.dataset import data_files, load_head
from classifiers.features import DEFAULT_CONFIG, SHAPE_VIEW, Featurizer, extra_tokens
from classifiers.model import Model
from classifiers.normalise import normalise
from classifiers.recipes import RecipeError, file_digest, load_recipe
from classifiers.trainhead import fit_head
from classifiers.versions import library_versions

SEG_VIEW = {"name": "seg", "source": "seg", "kind": "word", "ngram": [1, 1], "weight": 1.0}


def _featurizer_config(recipe, use_seg: bool) -> dict:
    """Recipe's [features] over the defaults, the shape view if asked, the segmented view last."""
    config = {**DEFAULT_CONFIG, **recipe.features}
    shape = [SHAPE_VIEW] if config.pop("shape", False) else []
    views = [v for v in config["views"] if v["source"] not in ("seg", "shape")]
    config["views"] = views + shape + ([SEG_VIEW] if use_seg else [])
    return config


def _new_version() -> str:
    """A sortable, unique version name: UTC time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


class _Corpus:
    """Every distinct text of a run, normalised (and segmented) once, with its feature row."""

    def __init__(self, texts: list[str], sources: set, say):
        """Normalise all texts once; segment only if some head may use it."""
        self.index = {t: i for i, t in enumerate(texts)}
        say(f"Chuẩn hóa {len(texts)} văn bản…")
        self.docs = [normalise(t).tokens for t in texts]
        if "seg" in sources:
            say("Tách từ (underthesea.word_tokenize)…")
        self.extra = extra_tokens(sources, texts, self.docs)

    def extra_rows(self, rows) -> dict:
        """Extra token lists restricted to some rows."""
        return {name: [lists[i] for i in rows] for name, lists in self.extra.items()}

    def rows(self, texts) -> np.ndarray:
        """Feature-matrix rows of the given texts."""
        return np.array([self.index[t] for t in texts], dtype=np.int64)


def _fit_features(corpus: _Corpus, heads_data: dict, config: dict, say):
    """Fit the featurizer on training texts only, then transform every text."""
    train_rows = np.unique(
        np.concatenate([corpus.rows([t for t, _ in d.train]) for d in heads_data.values()])
    )
    say(f"Tạo đặc trưng n-gram từ {len(train_rows)} văn bản huấn luyện…")
    featurizer = Featurizer(config).fit(
        [corpus.docs[i] for i in train_rows], corpus.extra_rows(train_rows)
    )
    return featurizer, featurizer.transform(corpus.docs, corpus.extra)


def _drop_seg_view(featurizer: Featurizer, heads: dict) -> Featurizer:
    """When no head kept segmentation: remove its columns so prediction never segments."""
    seg_index = len(featurizer.config["views"]) - 1
    keep = featurizer._view_of_col != seg_index
    config = {**featurizer.config, "views": featurizer.config["views"][:-1]}
    for head in heads.values():
        head.pop("columns", None)
    return Featurizer(config, featurizer.buckets[keep], featurizer.idf[keep])


def _load(recipe, extra_examples: dict, say) -> tuple[dict, list]:
    """Examples of every head and the data-file records for the sidecar."""
    unknown = set(extra_examples) - set(recipe.heads)
    if unknown:
        say(f"Bỏ qua ví dụ bổ sung cho đầu không có trong công thức: {sorted(unknown)}")
    cache: dict = {}
    say("Đọc dữ liệu…")
    heads_data = {
        name: load_head(spec, list(extra_examples.get(name, [])), cache)
        for name, spec in recipe.heads.items()
    }
    return heads_data, data_files(recipe.heads, cache)


def train_recipe(recipe_path, data_dir=None, extra_examples=None, progress=None) -> Model:
    """Train every head of a recipe and return the (unsaved) model with its sidecar metadata."""
    say = progress or (lambda message: None)
    started = time.perf_counter()
    recipe = load_recipe(recipe_path, data_dir)
    heads_data, files = _load(recipe, extra_examples or {}, say)
    use_seg = any(
        spec.options.get("segmentation", "auto") is not False for spec in recipe.heads.values()
    )
    texts = list(dict.fromkeys(t for d in heads_data.values() for t, _ in d.train + d.dev))
    config = _featurizer_config(recipe, use_seg)
    corpus = _Corpus(texts, {v["source"] for v in config["views"]} - {"norm", "strip"}, say)
    try:
        featurizer, X = _fit_features(corpus, heads_data, config, say)
    except (ValueError, KeyError, TypeError) as exc:
        raise RecipeError(f"{recipe.path}: [features] không hợp lệ: {exc}") from exc
    heads, meta = {}, {}
    for name, spec in recipe.heads.items():
        say(f"Huấn luyện đầu '{name}' ({len(heads_data[name].train)} bài)…")
        heads[name], meta[name] = fit_head(spec, heads_data[name], X, corpus, featurizer, use_seg)
    if use_seg and not any(m["segmentation"]["used"] for m in meta.values()):
        featurizer = _drop_seg_view(featurizer, heads)
    metadata = _metadata(recipe, files, meta, featurizer, time.perf_counter() - started)
    state = {"format": 1, "featurizer": featurizer.state(), "heads": heads}
    return Model(state, metadata)


def _metadata(recipe, files, meta: dict, featurizer: Featurizer, seconds: float) -> dict:
    """The sidecar: version, heads, data hashes, dev metrics, libraries, training time."""
    try:
        recipe_hash = file_digest(Path(recipe.path))
    except OSError as exc:
        raise RecipeError(f"{recipe.path}: không đọc được ({exc}).") from exc
    return {
        "version": _new_version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "recipe": {"path": str(recipe.path), "sha256": recipe_hash},
        "heads": {name: {k: v for k, v in m.items() if k != "dev"} for name, m in meta.items()},
        "dev": {name: m["dev"] for name, m in meta.items()},
        "data": files,
        "features": {"n_features": featurizer.n_features, "config": featurizer.config},
        "libraries": library_versions(),
        "training_seconds": round(seconds, 2),
    }
