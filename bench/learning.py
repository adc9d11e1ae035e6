"""The learning loop, simulated: a commune's reviewers teach the default model a register it
has not learnt (ViCTSD toxicity: comments on news).

Starting from the default model (recipes/default.toml), N = 50, 200, 1,000 reviewer decisions
are drawn from ViCTSD toxicity train — at random, or chosen by uncertainty as the review
sample chooses them (the posts whose harmful log-odds are nearest the threshold, in rounds of
50 up to 200 and of 200 after, each round scored by the model retrained on the decisions so
far, plus a tenth drawn uniformly) — and the model learns from them (``--mode``, below).
Prints the harmful ROC-AUC on ViCTSD dev and on ViHSD dev (texts in training removed) after
each N, as JSON. Reads ``CAIDEP_DATA_DIR`` (default ``../shared/data``).

Two ways of learning from the decisions: ``correct`` (the product's, ``classifiers.correction``:
a local correction fitted on the decisions on top of the base model) and ``append`` (the recipe
retrained with the decisions as extra examples, each counted ``review_weight`` times).

Usage: ``python bench/learning.py [--mode correct|append] [--weight 10] [--sizes 50,200,1000]``
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))

from classifier import _data_dir, _rows  # noqa: E402
from default_model import harmful_train, vihsd_dev  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from classifiers import train_recipe  # noqa: E402
from classifiers.correction import correct  # noqa: E402

RECIPE = PROJECT / "recipes" / "default.toml"
UNIFORM_SHARE = 0.1


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class Simulation:
    def __init__(self, data_dir: Path, weight: int, mode: str):
        self.mode, self.base = mode, None
        pool = _rows(data_dir / "victsd_toxicity" / "train.csv")
        self.texts = [t for t, _ in pool]
        self.labels = np.array([y == "toxic" for _, y in pool])
        dev = _rows(data_dir / "victsd_toxicity" / "dev.csv")
        self.dev = ([t for t, _ in dev], [int(y == "toxic") for _, y in dev])
        texts, labels, dropped = vihsd_dev(data_dir, harmful_train())
        self.vihsd = (texts, labels)
        self.vihsd_dropped = dropped
        text = RECIPE.read_text(encoding="utf-8")
        self.recipe = RECIPE.parent / f".learning-{os.getpid()}.toml"
        self.recipe.write_text(
            text.replace("[heads.harmful]\n", f"[heads.harmful]\nreview_weight = {weight}\n", 1),
            encoding="utf-8",
        )

    def close(self):
        self.recipe.unlink(missing_ok=True)

    def train(self, chosen: np.ndarray):
        extra = {"harmful": [(self.texts[i], bool(self.labels[i])) for i in chosen]}
        if self.mode == "correct":
            return correct(self.base, extra)
        return train_recipe(self.recipe, None, extra)

    def figures(self, model) -> dict:
        head = lambda texts: model.predict_head("harmful", texts)["proba"]  # noqa: E731
        return {
            "victsd_dev_roc_auc": round(float(roc_auc_score(self.dev[1], head(self.dev[0]))), 4),
            "vihsd_dev_roc_auc": round(float(roc_auc_score(self.vihsd[1], head(self.vihsd[0]))), 4),
        }

    def uncertain(self, model, chosen: np.ndarray, k: int, rng) -> np.ndarray:
        """k more decisions: the least sure posts of the pool, plus a uniform tenth."""
        rest = np.setdiff1d(np.arange(len(self.texts)), chosen)
        proba = model.predict_head("harmful", [self.texts[i] for i in rest])["proba"]
        gap = np.abs(_logit(proba) - _logit(np.array([model.thresholds["harmful"]]))[0])
        order = rest[np.argsort(gap)]
        uniform = max(1, round(k * UNIFORM_SHARE))
        picked = order[: k - uniform]
        others = order[k - uniform :]
        return np.r_[chosen, picked, rng.choice(others, uniform, replace=False)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("correct", "append"), default="correct")
    parser.add_argument("--weight", type=int, default=10,
                        help="review_weight of a decision (--mode append)")
    parser.add_argument("--sizes", default="50,200,1000")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    data_dir = _data_dir()
    if data_dir is None or not (data_dir / "victsd_toxicity" / "train.csv").is_file():
        print(json.dumps({"error": "CAIDEP_DATA_DIR absent: ViCTSD not here"}))
        return
    sim = Simulation(data_dir, args.weight, args.mode)
    started = time.perf_counter()
    try:
        base = sim.base = train_recipe(RECIPE, None)
        out = {"mode": args.mode, "review_weight": args.weight, "vihsd_dev_dropped_as_in_training": sim.vihsd_dropped,
               "pool": len(sim.texts), "pool_toxic_share": round(float(sim.labels.mean()), 4),
               "base": sim.figures(base), "random": {}, "uncertainty": {}}
        rng = np.random.default_rng(0)
        order = rng.permutation(len(sim.texts))
        for n in sizes:
            chosen = order[:n]
            out["random"][n] = dict(sim.figures(sim.train(chosen)),
                                    toxic=int(sim.labels[chosen].sum()))
            print(f"random {n}: {out['random'][n]}", file=sys.stderr, flush=True)
        model, chosen = base, np.array([], dtype=int)
        while len(chosen) < max(sizes):
            step = 50 if len(chosen) < 200 else 200
            target = min(len(chosen) + step, max(sizes))
            chosen = sim.uncertain(model, chosen, target - len(chosen), rng)
            model = sim.train(chosen)
            if len(chosen) in sizes:
                out["uncertainty"][len(chosen)] = dict(
                    sim.figures(model), toxic=int(sim.labels[chosen].sum()),
                    **{k: v for k, v in model.metadata.get("correction", {}).get(
                        "harmful", {}).items() if k in ("corrected", "C", "base_weight")})
                print(f"uncertainty {len(chosen)}: {out['uncertainty'][len(chosen)]}",
                      file=sys.stderr, flush=True)
    finally:
        sim.close()
    out["seconds"] = round(time.perf_counter() - started)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
