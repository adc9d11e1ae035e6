"""Near-duplicates on real posts (ViHSD, ReINTEL, ViCTSD dev): distinct posts stay apart,
forwarded copies join. Reads the research data directory; skips cleanly without it."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from moderation import neardup
from tests.moderation.neardup_corpus import evaluate_real, real_variant, shared_copy

DATASETS = ("vihsd", "reintel", "victsd_toxicity")


def _texts() -> list[str]:
    raw = os.environ.get("CAIDEP_DATA_DIR")
    folder = Path(raw) if raw else None
    if folder is None or not all((folder / d / "dev.csv").is_file() for d in DATASETS):
        pytest.skip("CAIDEP_DATA_DIR absent: real texts not here")
    texts = []
    for name in DATASETS:
        with (folder / name / "dev.csv").open(encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    return texts


def test_real_posts_stay_apart_and_their_forwarded_copies_join():
    result = evaluate_real(_texts())
    print({k: v for k, v in result.items() if k not in ("merges", "misses")})
    assert result["posts"] > 4000 and result["pairs_proposed_by_the_index"] > 50
    # Containment 0.9 merged two different COVID chain messages here (94 % of one's 3-grams
    # inside the other, rearranged); at 0.95 none. Any merge must at least be most of one post
    # inside the other.
    assert result["distinct_pairs_kept_apart"] >= 0.995, result["merges"][:5]
    for a, b in result["merges"]:
        shared = neardup.shingles(a) & neardup.shingles(b)
        assert len(shared) >= 0.9 * min(len(neardup.shingles(a)), len(neardup.shingles(b)))
    assert result["copies_joined"] >= 0.98, result["misses"][:5]
    assert min(result["joined_by_edit"].values()) >= 0.95, result["joined_by_edit"]


def test_reference_rule_and_edits():
    """The yardstick itself: copies are copies, different posts on one topic are not."""
    import random

    chain = "Triệu chứng nhiễm bệnh qua từng ngày: ngày một đau họng nhẹ, ngày hai sốt cao. " * 3
    assert shared_copy(chain, "CẢNH BÁO " + chain + " Ai đọc được thì chia sẻ.")
    assert not shared_copy("Cầu mong mọi người bình an!", "Cầu cho miền Trung bình yên.")
    text = " ".join(["từ"] * 40)
    copy, edits = real_variant(text, random.Random(2))
    assert copy != text and 1 <= len(edits) <= 3
