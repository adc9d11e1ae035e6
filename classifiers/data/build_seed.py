"""Build the shipped seed corpus (seed.csv, seed_dev.csv) from the text files in corpus/.

The posts were written for this project (original; none copied or paraphrased from a
dataset), one post per line in ``corpus/<label>/<register>.txt``: ``social.txt`` in the voice
of a mountain commune's Zalo groups and Facebook pages, ``news.txt`` in the register of a
local or national news site, ``comments.txt`` as readers comment under news, ``talk.txt``
as group members chat, ``village.txt`` as a commune reports its own good news, ``pages.txt``
as Facebook pages post (newspapers and authorities citing their source; rumour pages for
``unverified``). This script:

1. reads them (NFC, stripped, empty lines dropped; files of a label in name order);
2. drops exact duplicates and near-duplicates: same normalised, accent-stripped text, or a
   word-trigram Jaccard similarity ≥ 0.7 with an earlier post (the first one is kept, so a
   near-duplicate carrying another label goes too);
3. drops any post close to a held-out test story (tests/classifiers/data/positive_heldout.txt,
   the stories the default model must score positive without having learnt them);
4. splits deterministically ~85/15 by the SHA-256 of each text (its first 32 bits mod 100
   below 15 → dev), so adding posts never moves an existing post between train and dev.

Usage: ``python classifiers/data/build_seed.py [INPUT_DIR] [--out classifiers/data]``
"""

import argparse
import csv
import hashlib
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from classifiers.normalise import normalise_text, strip_accents  # noqa: E402

LABELS = ("positive", "harmful", "unverified", "neutral")
DEV_PERCENT = 15
NEAR = 0.7
HELDOUT = Path(__file__).resolve().parents[2] / "tests" / "classifiers" / "data" / "positive_heldout.txt"


def read_posts(folder: Path) -> list[tuple[str, str]]:
    """(text, label) for every non-empty line of every ``<label>/*.txt``, in file order."""
    posts = []
    for label in LABELS:
        files = sorted((folder / label).glob("*.txt"))
        if not files:
            raise SystemExit(f"{folder / label}: không có tệp .txt nào (no .txt file).")
        for path in files:
            for line in path.read_text(encoding="utf-8").splitlines():
                text = unicodedata.normalize("NFC", line).strip()
                if text:
                    posts.append((text, label))
    return posts


def _shingles(key: str) -> set:
    """Word trigrams (or the words themselves for very short posts)."""
    words = key.split()
    if len(words) < 3:
        return {tuple(words)}
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def deduplicate(posts: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], dict]:
    """Drop exact and near duplicates (first copy wins), using an index on trigrams."""
    kept, keys, index = [], set(), {}
    counts = {"exact": 0, "near": 0}
    for text, label in posts:
        key = strip_accents(normalise_text(text))
        if key in keys:
            counts["exact"] += 1
            continue
        shingles = _shingles(key)
        candidates = {i for s in shingles for i in index.get(s, ())}
        if any(len(shingles & kept[i][2]) / len(shingles | kept[i][2]) >= NEAR for i in candidates):
            counts["near"] += 1
            continue
        keys.add(key)
        for s in shingles:
            index.setdefault(s, []).append(len(kept))
        kept.append((text, label, shingles))
    return [(t, lab) for t, lab, _ in kept], counts


def in_dev(text: str) -> bool:
    """Whether a post belongs to dev: decided by its own hash alone, so it never moves."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 100 < DEV_PERCENT


def drop_heldout(posts: list[tuple[str, str]], heldout: Path) -> tuple[list, int]:
    """Posts without those near a held-out story: word-trigram Jaccard ≥ NEAR / 2 with it,
    twice as strict as deduplicate, so no paraphrase of a test story is learnt."""
    if not heldout.is_file():
        return posts, 0
    stories = [_shingles(strip_accents(normalise_text(t)))
               for t in heldout.read_text(encoding="utf-8").splitlines() if t.strip()]
    kept = []
    for text, label in posts:
        sh = _shingles(strip_accents(normalise_text(text)))
        if not any(len(sh & st) / len(sh | st) >= NEAR / 2 for st in stories):
            kept.append((text, label))
    return kept, len(posts) - len(kept)


def split(posts: list[tuple[str, str]]) -> tuple[list, list]:
    """Deterministic split by each text's hash; the order within each file is kept."""
    train = [p for p in posts if not in_dev(p[0])]
    dev = [p for p in posts if in_dev(p[0])]
    return train, dev


def write(path: Path, rows: list[tuple[str, str]]) -> None:
    """A text,label CSV."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)


def main(argv=None) -> None:
    """Build the two CSVs and print what was kept and dropped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("input", type=Path, nargs="?", default=here / "corpus")
    parser.add_argument("--out", type=Path, default=here)
    args = parser.parse_args(argv)
    posts = read_posts(args.input)
    unique, dropped = deduplicate(posts)
    unique, dropped["near_heldout"] = drop_heldout(unique, HELDOUT)
    train, dev = split(unique)
    write(args.out / "seed.csv", train)
    write(args.out / "seed_dev.csv", dev)
    plain = sum(1 for t, _ in unique if strip_accents(t) == t)
    per_label = {label: sum(1 for _, lab in unique if lab == label) for label in LABELS}
    print(f"read {len(posts)}, dropped {dropped}, kept {len(unique)} {per_label}")
    print(
        f"train {len(train)}, dev {len(dev)}, without diacritics {plain} ({plain / len(unique):.0%})"
    )


if __name__ == "__main__":
    main()
