"""The default model (recipes/default.toml, shipped data only) on real Vietnamese text.

Prints one JSON document with, for the model a fresh install trains:
- ``harmful`` ROC-AUC on ViHSD dev as a binary task (OFFENSIVE or HATE vs CLEAN), after
  dropping every dev text that also occurs (normalised) in the head's training data — ViHOS
  comments largely come from ViHSD — with the number dropped; the same on a copy of those
  texts stripped of diacritics; and on ViCTSD toxicity dev (comments on news);
- ``unverified`` ROC-AUC on ReINTEL dev;
- ``positive`` precision/recall/F1 on the hand-labelled VNTC dev excerpts
  (bench/vntc_positive.py, classifiers/data/vntc_positive), and on the held-out village
  stories of tests/classifiers/data/positive_heldout.txt (written by us, never trained on);
- features side by side, same training rows, same calibrated logistic regression: the
  project's featurizer (hashed views) against scikit-learn's ``HashingVectorizer`` and
  ``TfidfVectorizer`` (char_wb 1–5 + word 1–2), their ViHSD/ViCTSD ROC-AUC and the cost of
  one post;
- speed of the shipped model on one core: batch posts/s, one post per call median.

Datasets are read from ``CAIDEP_DATA_DIR`` (default ``../shared/data``); a missing one is
reported as absent. Usage: ``python bench/default_model.py [--no-compare]``
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))

from classifier import _data_dir, _rows, default_model, machine, speed  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from classifiers.normalise import normalise_text, strip_accents  # noqa: E402

DATA = PROJECT / "classifiers" / "data"
HELDOUT = PROJECT / "tests" / "classifiers" / "data" / "positive_heldout.txt"
HARMFUL = {"OFFENSIVE": 1, "HATE": 1, "CLEAN": 0}


def _key(text: str) -> str:
    """What counts as the same text: normalised, diacritics and case folded."""
    return strip_accents(normalise_text(text)).lower()


def harmful_train() -> list[tuple[str, int]]:
    """The default harmful head's training rows (seed corpus + vendored ViHOS)."""
    seed = [(t, int(y == "harmful")) for t, y in _rows(DATA / "seed.csv")]
    vihos = [(t, int(y == "span")) for t, y in _rows(DATA / "vihos" / "train.csv")]
    return seed + vihos


def vihsd_dev(data_dir: Path, train: list[tuple[str, int]]) -> tuple[list, list, int]:
    """ViHSD dev texts and binary labels, without those that occur in training; how many went."""
    seen = {_key(t) for t, _ in train}
    texts, labels, dropped = [], [], 0
    for text, label in _rows(data_dir / "vihsd" / "dev.csv"):
        if _key(text) in seen:
            dropped += 1
            continue
        texts.append(text)
        labels.append(HARMFUL[label])
    return texts, labels, dropped


def _auc(y, scores) -> float:
    return round(float(roc_auc_score(y, scores)), 4)


def _present(data_dir: Path | None, name: str) -> bool:
    return data_dir is not None and (data_dir / name / "dev.csv").is_file()


def real_text(model, data_dir: Path | None) -> dict:
    """The shipped heads on real dev sets."""
    out: dict = {}
    harmful = lambda texts: model.predict_head("harmful", texts)["proba"]  # noqa: E731
    if _present(data_dir, "vihsd"):
        texts, y, dropped = vihsd_dev(data_dir, harmful_train())
        out["harmful_vihsd_dev"] = {
            "roc_auc": _auc(y, harmful(texts)),
            "roc_auc_stripped_of_diacritics": _auc(y, harmful([strip_accents(t) for t in texts])),
            "texts": len(texts),
            "dropped_as_in_training": dropped,
        }
    if _present(data_dir, "victsd_toxicity"):
        rows = _rows(data_dir / "victsd_toxicity" / "dev.csv")
        y = [int(lab == "toxic") for _, lab in rows]
        out["harmful_victsd_toxicity_dev"] = {
            "roc_auc": _auc(y, harmful([t for t, _ in rows])),
            "texts": len(rows),
        }
    if _present(data_dir, "reintel"):
        rows = _rows(data_dir / "reintel" / "dev.csv")
        y = [int(lab == "unreliable") for _, lab in rows]
        proba = model.predict_head("unverified", [t for t, _ in rows])["proba"]
        out["unverified_reintel_dev"] = {"roc_auc": _auc(y, proba), "texts": len(rows)}
    if data_dir is not None and (data_dir / "vntc" / "dev.csv.gz").is_file():
        out["positive_vntc_dev_labelled"] = vntc_positive(model)
    return out


def vntc_positive(model) -> dict:
    """bench/vntc_positive.py's figures for this model."""
    from vntc_positive import LABELS, score

    if not LABELS["dev"].is_file():
        return "classifiers/data/vntc_positive/labels.csv absent"
    return score(model, "dev")


def heldout_stories(model) -> dict:
    """The held-out village stories: how many the positive head flags."""
    stories = [s for s in HELDOUT.read_text(encoding="utf-8").splitlines() if s.strip()]
    head = model.predict_head("positive", stories)
    missed = [s[:60] for s, flagged in zip(stories, head["labels"], strict=True) if not flagged]
    return {"stories": len(stories), "positive": len(stories) - len(missed), "missed": missed,
            "lowest_probability": round(float(np.min(head["proba"])), 4)}


def compare_features(model, data_dir: Path) -> dict:
    """Same harmful rows, same calibrated LR: our featurizer vs scikit-learn's vectorizers."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline

    train = harmful_train()
    train += [(strip_accents(t), y) for t, y in train]
    texts, y = [t for t, _ in train], np.array([y for _, y in train])
    dev, dev_y, _ = vihsd_dev(data_dir, harmful_train())
    victsd = _rows(data_dir / "victsd_toxicity" / "dev.csv")
    victsd_y = [int(lab == "toxic") for _, lab in victsd]
    prep = lambda t: normalise_text(t).lower()  # noqa: E731
    char = dict(analyzer="char_wb", ngram_range=(1, 5), preprocessor=prep)
    word = dict(analyzer="word", ngram_range=(1, 2), preprocessor=prep, token_pattern=r"(?u)\b\w+\b")
    vectorizers = {
        "sklearn_hashing": FeatureUnion([
            ("char", make_pipeline(HashingVectorizer(n_features=2**20, alternate_sign=False, norm=None, **char), TfidfTransformer(sublinear_tf=True))),
            ("word", make_pipeline(HashingVectorizer(n_features=2**20, alternate_sign=False, norm=None, **word), TfidfTransformer(sublinear_tf=True))),
        ]),
        "sklearn_tfidf": FeatureUnion([
            ("char", TfidfVectorizer(sublinear_tf=True, min_df=2, **char)),
            ("word", TfidfVectorizer(sublinear_tf=True, min_df=2, **word)),
        ]),
    }
    out = {"ours_shipped_model": {
        "vihsd_dev_roc_auc": _auc(dev_y, model.predict_head("harmful", dev)["proba"]),
        "victsd_dev_roc_auc": _auc(victsd_y, model.predict_head("harmful", [t for t, _ in victsd])["proba"]),
        "single_post_ms": _single_ms(lambda t: model.predict_head("harmful", [t]), dev),
    }}
    for name, vectorizer in vectorizers.items():
        started = time.perf_counter()
        clf = make_pipeline(vectorizer, CalibratedClassifierCV(
            LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced"), cv=3, ensemble=False))
        clf.fit(texts, y)
        out[name] = {
            "vihsd_dev_roc_auc": _auc(dev_y, clf.predict_proba(dev)[:, 1]),
            "victsd_dev_roc_auc": _auc(victsd_y, clf.predict_proba([t for t, _ in victsd])[:, 1]),
            "single_post_ms": _single_ms(lambda t, c=clf: c.predict_proba([t]), dev),
            "train_seconds": round(time.perf_counter() - started, 1),
        }
    return out


def _single_ms(func, texts: list[str], n: int = 500) -> float:
    """Median milliseconds of one call on one text (best median of three passes)."""
    medians = []
    for _ in range(3):
        times = []
        for t in texts[:n]:
            started = time.perf_counter()
            func(t)
            times.append(time.perf_counter() - started)
        medians.append(float(np.median(times)))
    return round(min(medians) * 1e3, 3)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-compare", action="store_true", help="skip the featurizer comparison")
    args = parser.parse_args(argv)
    data_dir = _data_dir()
    out: dict = {"machine": machine(), "data_dir": str(data_dir) if data_dir else None}
    with tempfile.TemporaryDirectory() as tmp:
        model, seconds = default_model(Path(tmp))
        out["model"] = {"version": model.version, "train_seconds": round(seconds, 1),
                        "seed_dev": model.metadata["dev"],
                        "cv": {h: {k: m["cv"].get(k) for k in ("roc_auc", "f1", "macro_f1") if k in m["cv"]}
                               for h, m in model.metadata["heads"].items()},
                        "thresholds": {k: round(v, 4) for k, v in model.thresholds.items()}}
        out["real_text"] = real_text(model, data_dir)
        out["heldout_stories"] = heldout_stories(model)
        if data_dir is not None and not args.no_compare and _present(data_dir, "victsd_toxicity"):
            print("comparing featurizers…", file=sys.stderr, flush=True)
            out["features_side_by_side"] = compare_features(model, data_dir)
        texts = [t for t, _ in (_rows(data_dir / "vihsd" / "dev.csv") if _present(data_dir, "vihsd")
                                else _rows(DATA / "seed.csv"))]
        out["speed"] = speed(model, (texts * (10_000 // len(texts) + 1))[:10_000], 1000)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
