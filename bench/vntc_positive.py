"""The default model's ``positive`` head on real news: VNTC dev excerpts labelled by hand.

``classifiers/data/vntc_positive/labels.csv`` labels excerpts of ``vntc/dev.csv.gz`` as
``positive`` (a good local or community story worth sharing in a commune Zalo group) or
``other``, following ``GUIDELINE.md`` beside it. The file holds the row number, the label and
the SHA-256 of the row's text, never the text: this program reads the text from
``CAIDEP_DATA_DIR`` (default ``../shared/data`` next to the project), checks each hash, cuts
the same excerpt the labellers read, scores it with the default model (trained from
``recipes/default.toml`` unless ``--model`` names a saved one) and prints one JSON document:
precision, recall and F1 of ``positive`` at the model's threshold, ROC-AUC, and how the
labels split. Rows whose text changed are counted and left out.

``--split train`` scores ``train_labels.csv`` instead: 1,800 excerpts of ``vntc/train.csv.gz``
labelled the same way, for choosing settings and reading errors without looking at dev.

Usage: ``python bench/vntc_positive.py [--model PATH] [--split dev|train]``
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import gzip  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

LABELS = {"dev": PROJECT / "classifiers" / "data" / "vntc_positive" / "labels.csv",
          "train": PROJECT / "classifiers" / "data" / "vntc_positive" / "train_labels.csv"}
EXCERPT_MAX = 500
EXCERPT_MIN = 200
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")


def excerpt(text: str) -> str:
    """The title and lead a labeller reads: the first ≤ 500 characters, cut at the last
    sentence end after character 200 (or at a word boundary when there is none)."""
    text = text.strip()
    if len(text) <= EXCERPT_MAX:
        return text
    head = text[:EXCERPT_MAX]
    ends = [m.end() for m in _SENTENCE_END.finditer(head) if m.end() >= EXCERPT_MIN]
    if ends:
        return head[: ends[-1]].strip()
    return head.rsplit(" ", 1)[0].strip()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def data_dir() -> Path:
    return Path(os.environ.get("CAIDEP_DATA_DIR", PROJECT.parent / "shared" / "data"))


def dev_rows(split: str = "dev") -> list[dict]:
    """Every data row of ``vntc/<split>.csv.gz``: ``{"row", "text", "topic"}``."""
    with gzip.open(data_dir() / "vntc" / f"{split}.csv.gz", "rt", encoding="utf-8",
                   newline="") as f:
        return [
            {"row": i, "text": r["text"], "topic": r["label"]}
            for i, r in enumerate(csv.DictReader(f))
        ]


def labelled(split: str = "dev") -> tuple[list[tuple[str, bool]], int]:
    """(excerpt, is_positive) for every label whose row still has its hash; and how many
    rows were left out because their text changed."""
    rows = dev_rows(split)
    pairs, changed = [], 0
    with LABELS[split].open(encoding="utf-8", newline="") as f:
        for item in csv.DictReader(f):
            i = int(item["row"])
            if i >= len(rows) or sha256(rows[i]["text"]) != item["sha256"]:
                changed += 1
                continue
            pairs.append((excerpt(rows[i]["text"]), item["label"] == "positive"))
    return pairs, changed


def score(model, split: str = "dev") -> dict:
    """The positive head's figures on the labelled excerpts of a split."""
    import numpy as np
    from sklearn.metrics import (
        average_precision_score,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    pairs, changed = labelled(split)
    texts = [t for t, _ in pairs]
    y = np.array([p for _, p in pairs])
    head = model.predict_head("positive", texts)
    scores, pred = head["proba"], np.array(head["labels"])
    p, r, f1, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    return {
        "split": split,
        "labelled": len(pairs),
        "positive": int(y.sum()),
        "other": int((~y).sum()),
        "left_out_changed_text": changed,
        "threshold": round(float(model.thresholds["positive"]), 4),
        "precision": round(float(p), 4),
        "recall": round(float(r), 4),
        "f1": round(float(f1), 4),
        "roc_auc": round(float(roc_auc_score(y, scores)), 4),
        "average_precision": round(float(average_precision_score(y, scores)), 4),
        "flagged": int(pred.sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a saved model (default: train recipes/default.toml)")
    parser.add_argument("--split", choices=sorted(LABELS), default="dev",
                        help="dev: the honest figure (report it); train: the 1,800 labelled "
                             "train excerpts, for choices and error analysis")
    args = parser.parse_args()

    from classifiers import train_recipe
    from classifiers.artifacts import load_model

    model = load_model(args.model) if args.model else train_recipe(PROJECT / "recipes" / "default.toml")
    print(json.dumps(score(model, args.split), indent=2))


if __name__ == "__main__":
    main()
