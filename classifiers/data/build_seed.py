"""Build the shipped seed corpus (seed.csv, seed_dev.csv) from one text file per label.

The posts were written for this project (original, in the voice of Zalo groups and Facebook
pages of a mountain commune; none copied or paraphrased from a dataset), one post per line
in ``<input>/{positive,harmful,unverified,neutral}.txt``. This script:

1. reads them (NFC, stripped, empty lines dropped);
2. drops exact duplicates and near-duplicates: same normalised, accent-stripped text, or a
   word-trigram Jaccard similarity ≥ 0.7 with an earlier post (the first one is kept, so a
   near-duplicate carrying another label goes too);
3. splits each label deterministically ~85/15: posts ordered by the SHA-256 of their text,
   the first 15 % go to dev (stable when posts are added).

Usage: ``python classifiers/data/build_seed.py INPUT_DIR [--out classifiers/data]``
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
DEV_SHARE = 0.15
NEAR = 0.7


def read_posts(folder: Path) -> list[tuple[str, str]]:
    """(text, label) for every non-empty line of every label file, in file order."""
    posts = []
    for label in LABELS:
        for line in (folder / f"{label}.txt").read_text(encoding="utf-8").splitlines():
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


def split(posts: list[tuple[str, str]]) -> tuple[list, list]:
    """Deterministic stratified split: per label, by SHA-256 of the text."""
    train, dev = [], []
    for label in LABELS:
        mine = sorted(
            (p for p in posts if p[1] == label),
            key=lambda p: hashlib.sha256(p[0].encode()).hexdigest(),
        )
        cut = round(len(mine) * DEV_SHARE)
        dev += mine[:cut]
        train += mine[cut:]
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
    parser.add_argument("input", type=Path)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    posts = read_posts(args.input)
    unique, dropped = deduplicate(posts)
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
