"""Classifier benchmark: quality on the public datasets, the seed model's reach, and speed.

Prints one JSON document. For each public dataset in ``CAIDEP_DATA_DIR`` (default
``../shared/data`` next to the project): train on train, report dev accuracy, macro-F1,
per-label P/R/F1 and (binary) ROC-AUC. Then the default (seed-only) model's ``harmful`` head
on ViHSD dev as a binary task, and speed on one core (threads pinned): posts/s in batches,
median and p99 of one post per call, the text lengths used, and what word segmentation and
underthesea's text_normalize would cost. Never part of the test run's pass/fail.

Usage: ``python bench/classifier.py [--quick] [--datasets vihsd,reintel]``
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from classifiers import ModelStore, evaluate, train_recipe  # noqa: E402
from classifiers.normalise import normalise  # noqa: E402
from classifiers.recipes import DataFile, read_rows  # noqa: E402
from classifiers.segment import segment  # noqa: E402
from classifiers.versions import library_versions  # noqa: E402

# dataset → (positive labels for a binary head, or None for a multi-class head)
DATASETS = {
    "vihsd": None,
    "victsd_toxicity": ["toxic"],
    "victsd_constructiveness": ["constructive"],
    "vihos": ["span"],
    "reintel": ["unreliable"],
    "vfnd": ["Fake"],
}
SKIPPED = {
    "vntc": "long news articles (30k × ~2,000 chars): topic task, not a bar; skipped for time"
}
HARMFUL_MAP = {"OFFENSIVE": True, "HATE": True, "CLEAN": False}
# Per-dataset choices made on dev: NB-SVM with cross-word char n-grams for ViCTSD toxicity
# (LR: 0.707 macro-F1). ReINTEL, chosen by 5-fold CV on train (ROC-AUC, mean of 3 shuffles)
# and checked on dev: NB-SVM + shape cues (CV 0.899, dev 0.920; LR 0.893 / 0.912), plus the
# words as typed (raw, weight 2) and the punctuation / line-break sequence (punct) that
# normalisation drops (CV 0.917, dev 0.924), with the NB-SVM + LR blend (CV 0.921, dev 0.930).
_VIEWS = (
    '[{ name = "word", source = "norm", kind = "word", ngram = [1, 3] },'
    ' { name = "char", source = "norm", kind = "char", ngram = [1, 5] },'
    ' { name = "strip", source = "strip", kind = "char", ngram = [2, 5] },'
    ' { name = "strip_word", source = "strip", kind = "word", ngram = [1, 2] },'
    ' { name = "span", source = "norm", kind = "span", ngram = [3, 6] }'
)
_RAW_VIEWS = (
    ', { name = "raw", source = "raw", kind = "word", ngram = [1, 2], weight = 2.0 },'
    ' { name = "punct", source = "punct", kind = "word", ngram = [1, 3] }'
)
EXTRAS = {
    "victsd_toxicity": (f"[features]\nviews = {_VIEWS}]\n", 'model = "nbsvm"\n'),
    "reintel": (f"[features]\nshape = true\nviews = {_VIEWS}{_RAW_VIEWS}]\n", 'model = "blend"\n'),
}


def machine() -> dict:
    """CPU, Python and library versions of this run."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores_visible": os.cpu_count(), "threads_pinned": 1,
            "speed_probe_ms": speed_probe(), **library_versions()}


def speed_probe() -> float:
    """Milliseconds for sum(range(10**6)), best of five: how fast this shared machine was at
    the time (16 ms on a quiet day here, 27 ms in a slow spell), to read the figures by."""
    return round(min(_timed(lambda: sum(range(10**6))) for _ in range(5)) * 1e3, 1)


def _rows(path: Path) -> list[tuple[str, str]]:
    """text,label rows of a CSV."""
    return read_rows(DataFile(path, str(path), None))


def _recipe(folder: Path, name: str, positive: list | None, labels: set) -> Path:
    """A one-head recipe for a dataset (binary if positive labels are given)."""
    features, options = EXTRAS.get(name, ("", ""))
    head = f"[heads.{name}]\n" + options
    if positive:
        mapping = ", ".join(
            f'"{lab}" = {"true" if lab in positive else "false"}' for lab in sorted(labels)
        )
        entry = '{{ path = "data:{0}/{1}.csv", labels = {{ {2} }} }}'
        head += f"train = [ {entry.format(name, 'train', mapping)} ]\ndev = [ {entry.format(name, 'dev', mapping)} ]\n"
        head += 'threshold = "macro_f1"\n'
    else:
        head += f'train = [ {{ path = "data:{name}/train.csv" }} ]\ndev = [ {{ path = "data:{name}/dev.csv" }} ]\n'
    path = folder / f"{name}.toml"
    path.write_text(features + head, encoding="utf-8")
    return path


def dataset_quality(data_dir: Path, name: str, positive, folder: Path) -> dict:
    """Train one dataset's head on train and report its dev metrics."""
    labels = {label for _, label in _rows(data_dir / name / "train.csv")}
    started = time.perf_counter()
    model = train_recipe(_recipe(folder, name, positive, labels), data_dir)
    meta = model.metadata["heads"][name]
    return {
        "task": "binary: " + "+".join(positive)
        if positive
        else "multi-class: " + "/".join(sorted(labels)),
        "train_rows": meta["train_rows"],
        "dropped_train_rows_duplicate_or_in_dev": meta["dropped_train_duplicates_or_dev_overlap"],
        "dev": model.metadata["dev"][name],
        "threshold_or_bias": meta.get("threshold", meta.get("bias")),
        "segmentation": meta["segmentation"],
        "train_seconds": round(time.perf_counter() - started, 1),
    }


def default_model(folder: Path):
    """Train recipes/default.toml, save it in a store and load it back as the service would."""
    started = time.perf_counter()
    model = train_recipe(PROJECT / "recipes" / "default.toml", None)
    seconds = time.perf_counter() - started
    store = ModelStore(folder / "models")
    store.activate(store.save(model))
    return store.get_active(), seconds


def seed_generalisation(model, data_dir: Path) -> dict:
    """The seed model's harmful head on ViHSD dev, OFFENSIVE+HATE vs CLEAN."""
    rows = _rows(data_dir / "vihsd" / "dev.csv")
    result = evaluate(model, "harmful", [t for t, _ in rows], [y for _, y in rows], HARMFUL_MAP)
    return {"roc_auc": result["roc_auc"], "f1_harmful": result["per_label"]["true"]["f1"], **result}


def _best_rate(func, n_items: int, repeats: int = 3) -> float:
    """Items per second of the fastest of several runs (the machine is shared)."""
    best = min(_timed(func) for _ in range(repeats))
    return n_items / best


def _timed(func) -> float:
    """Seconds one call takes."""
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def speed(model, texts: list[str], singles: int, passes: int = 5) -> dict:
    """Batch throughput (batches of 1,000, the API limit) and per-call latency of one post.

    The machine is shared and its speed drifts by a third from minute to minute, so each
    figure is the best of several runs: batches, the fastest of three runs over all texts;
    one post per call, the pass (over the same ``singles`` texts) with the lowest median."""
    model.predict(texts[:200])

    def run_batches():
        """The whole list, 1,000 posts per call."""
        for start in range(0, len(texts), 1000):
            model.predict(texts[start : start + 1000])

    runs = []
    for _ in range(passes):
        runs.append([_timed(lambda t=t: model.predict([t])) * 1e3 for t in texts[:singles]])
    best = min(runs, key=lambda run: float(np.median(run)))
    lengths = [len(t) for t in texts]
    flagged = sum(r["label"] != "neutral" for r in model.predict(texts)) / len(texts)
    return {
        "posts": len(texts),
        "text_chars_mean": round(statistics.mean(lengths), 1),
        "text_chars_median": statistics.median(lengths),
        "share_flagged_and_explained": round(flagged, 3),
        "batch_posts_per_second": round(_best_rate(run_batches, len(texts), passes)),
        "single_post_ms_median": round(float(np.median(best)), 3),
        "single_post_ms_p99": round(float(np.percentile(best, 99)), 3),
        "single_post_ms_median_of_each_pass": [round(float(np.median(r)), 3) for r in runs],
        "single_post_calls": f"{passes} passes × {singles}",
    }


def extra_costs(texts: list[str]) -> dict:
    """Per-post cost of what the pipeline does without: word segmentation, underthesea normalise."""
    from underthesea import text_normalize

    sample = texts[:1000]
    docs = [normalise(t).tokens for t in sample]
    return {
        "word_segmentation_us_per_post": round(
            1e6 / _best_rate(lambda: [segment(d) for d in docs], len(docs), 1), 1
        ),
        "underthesea_text_normalize_us_per_post": round(
            1e6 / _best_rate(lambda: [text_normalize(t) for t in sample], len(sample), 1), 1
        ),
        "our_normalise_us_per_post": round(
            1e6 / _best_rate(lambda: [normalise(t) for t in sample], len(sample)), 1
        ),
    }


def _data_dir() -> Path | None:
    """CAIDEP_DATA_DIR, else ../shared/data next to the project, if present."""
    raw = os.environ.get("CAIDEP_DATA_DIR") or str(PROJECT.parent / "shared" / "data")
    path = Path(raw)
    return path if path.is_dir() else None


def main(argv=None) -> None:
    """Run everything and print the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated subset")
    parser.add_argument("--quick", action="store_true", help="speed only, no public-data training")
    args = parser.parse_args(argv)
    data_dir = _data_dir()
    out: dict = {"machine": machine(), "data_dir": str(data_dir) if data_dir else None}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model, seconds = default_model(folder)
        out["default_model"] = {
            "version": model.version,
            "train_seconds": round(seconds, 1),
            "seed_dev": model.metadata["dev"],
        }
        if data_dir is None:
            out["datasets"] = "CAIDEP_DATA_DIR absent: public-data quality not measured"
            texts = [t for t, _ in _rows(PROJECT / "classifiers" / "data" / "seed.csv")]
            out["speed_texts"] = "seed corpus"
        else:
            texts = [t for t, _ in _rows(data_dir / "vihsd" / "dev.csv")]
            out["speed_texts"] = "ViHSD dev"
            out["default_model"]["harmful_on_vihsd_dev"] = seed_generalisation(model, data_dir)
            if not args.quick:
                out["datasets"] = _all_quality(data_dir, args.datasets.split(","), folder)
        out["speed"] = speed(model, (texts * (10_000 // len(texts) + 1))[:10_000], 1000)
        out["costs_not_paid"] = extra_costs(texts)
    out["machine"]["speed_probe_ms_at_end"] = speed_probe()
    print(json.dumps(out, ensure_ascii=False, indent=1))


def _all_quality(data_dir: Path, names: list[str], folder: Path) -> dict:
    """Quality of every requested dataset that is present."""
    results: dict = {}
    for name in names:
        if not (data_dir / name / "train.csv").is_file():
            results[name] = "absent"
            continue
        print(f"training {name}…", file=sys.stderr, flush=True)
        results[name] = dataset_quality(data_dir, name, DATASETS[name], folder)
    for name, reason in SKIPPED.items():
        if (data_dir / name).is_dir():
            results[name] = reason
    return results


if __name__ == "__main__":
    main()
