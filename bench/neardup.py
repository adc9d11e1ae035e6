"""Near-duplicate clustering on real posts: distinct posts stay apart, forwarded copies join.

For the train and dev splits of ViHSD, ReINTEL and ViCTSD toxicity (read from
``CAIDEP_DATA_DIR``, default ``../shared/data``), every distinct post goes through the band
index as intake uses it; each pair the index proposes is judged by a reference rule
independent of the clustering (tests/moderation/neardup_corpus.py: ``shared_copy``), and a
pair the clustering joins that the rule calls distinct is a false merge. Then two forwarded
copies of each post (added emoji, "chia sẻ ngay", stripped diacritics, a changed line, a cut
tail, an added prefix — one to three edits) must join their original. Prints one JSON
document per split; the thresholds of moderation/neardup.py were chosen on train.

Usage: ``python bench/neardup.py [--splits train,dev]``
"""

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from tests.moderation.neardup_corpus import evaluate_real  # noqa: E402

DATASETS = ("vihsd", "reintel", "victsd_toxicity")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default="train,dev")
    args = parser.parse_args(argv)
    data_dir = Path(os.environ.get("CAIDEP_DATA_DIR") or PROJECT.parent / "shared" / "data")
    out: dict = {"data_dir": str(data_dir)}
    for split in args.splits.split(","):
        texts = []
        for name in DATASETS:
            path = data_dir / name / f"{split}.csv"
            if path.is_file():
                with path.open(encoding="utf-8") as handle:
                    texts += [row["text"] for row in csv.DictReader(handle)]
        if not texts:
            out[split] = "absent"
            continue
        started = time.perf_counter()
        result = evaluate_real(texts)
        result["merges"] = [[a[:80], b[:80]] for a, b in result["merges"][:5]]
        result["misses"] = len(result["misses"])
        result["seconds"] = round(time.perf_counter() - started, 1)
        out[split] = result
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
