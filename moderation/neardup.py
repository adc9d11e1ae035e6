"""Near-duplicate fingerprints: normalised word shingles, MinHash signatures and LSH bands.

Forwarded copies differ by an added "Chia sẻ gấp!!!", emoji, lost diacritics, line breaks, a
dropped or added sentence. Normalisation removes the first four entirely (diacritics, case,
punctuation, emoji and whitespace do not survive it); the MinHash of the word 3-gram set
handles the rest. LSH bands (BANDS × ROWS values) are stored in an indexed table, so finding
candidates is BANDS equality look-ups, never a scan; each candidate is then checked on its
signature: estimated Jaccard, or containment of the shorter text in the longer one.

Everything here is deterministic across processes and versions (fixed seeds, BLAKE2b), since
signatures are stored.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

NUM_PERM = 64
BANDS = 32
ROWS = NUM_PERM // BANDS
SHINGLE = 3

# Accept a candidate when the estimated Jaccard reaches JACCARD, or when the shorter text is
# (estimated) contained in the longer one to CONTAINMENT and is not trivially short.
JACCARD = 0.5
CONTAINMENT = 0.65
MIN_SHINGLES_FOR_CONTAINMENT = 8

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64((1 << 32) - 1)
_rng = np.random.RandomState(20261125)  # legacy generator: its stream is frozen by numpy
_A = _rng.randint(1, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
_B = _rng.randint(0, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """Lower-case ASCII words: no diacritics (đ → d), punctuation, emoji or extra whitespace."""
    text = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_WORD.findall(text))


def shingles(text: str) -> set[str]:
    """The word 3-grams of the normalised text (the words themselves for very short texts)."""
    words = normalise(text).split()
    if len(words) < SHINGLE:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def _hash32(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=4).digest(), "little")


@dataclass(frozen=True)
class Fingerprint:
    """A text's MinHash signature and how many shingles it had."""

    signature: np.ndarray  # NUM_PERM uint32
    count: int

    def to_bytes(self) -> bytes:
        """The signature as stored in posts.minhash."""
        return self.signature.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, raw: bytes, count: int) -> Fingerprint:
        """Read a stored signature back."""
        return cls(np.frombuffer(raw, dtype="<u4").astype(np.uint32), count)


def fingerprint(text: str) -> Fingerprint:
    """MinHash of the text's shingles (universal hashing mod a Mersenne prime, 32-bit values)."""
    grams = shingles(text)
    if not grams:
        return Fingerprint(np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32), 0)
    values = np.array([_hash32(g) for g in grams], dtype=np.uint64)
    with np.errstate(over="ignore"):  # uint64 wrap-around is part of the hash family
        permuted = (values[:, None] * _A[None, :] + _B[None, :]) % _MERSENNE
    signature = (permuted & _MAX32).min(axis=0).astype(np.uint32)
    return Fingerprint(signature, len(grams))


def band_keys(fp: Fingerprint, root_id: int) -> list[int]:
    """One signed 64-bit key per band, salted with the review root (clusters never cross it)."""
    if fp.count == 0:
        return []
    raw = fp.signature.astype("<u4")
    keys = []
    for band in range(BANDS):
        salt = root_id.to_bytes(8, "little") + band.to_bytes(2, "little")
        digest = hashlib.blake2b(salt + raw[band * ROWS:(band + 1) * ROWS].tobytes(),
                                 digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def closest(fp: Fingerprint, signatures: list[bytes], counts: list[int]) -> int | None:
    """Index of the stored signature closest to ``fp`` among those that are its near
    duplicates, or None. All candidates are compared at once (one array operation, where a
    loop of small numpy calls per candidate cost more than the database look-up).

    A candidate is a near duplicate when the estimated Jaccard similarity of the shingle sets
    reaches JACCARD, or when the smaller set is (estimated) contained in the larger to
    CONTAINMENT and has at least MIN_SHINGLES_FOR_CONTAINMENT shingles. The closest is the one
    with the highest max(Jaccard, containment)."""
    if fp.count == 0 or not signatures:
        return None
    others = np.frombuffer(b"".join(signatures), dtype="<u4").reshape(len(signatures), NUM_PERM)
    sizes = np.asarray(counts, dtype=np.float64)
    jaccard = np.count_nonzero(others == fp.signature, axis=1) / NUM_PERM
    smaller = np.minimum(sizes, fp.count)
    # |A ∩ B| = J (|A| + |B|) / (1 + J); divided by the smaller set's size.
    with np.errstate(divide="ignore", invalid="ignore"):
        containment = np.minimum(jaccard * (sizes + fp.count) / ((1 + jaccard) * smaller), 1.0)
    accepted = (sizes > 0) & ((jaccard >= JACCARD) | (
        (containment >= CONTAINMENT) & (smaller >= MIN_SHINGLES_FOR_CONTAINMENT)))
    if not accepted.any():
        return None
    score = np.where(accepted, np.maximum(jaccard, containment), -1.0)
    return int(np.argmax(score))


def is_near_duplicate(a: Fingerprint, b: Fingerprint) -> bool:
    """The acceptance rule of ``closest`` for one pair."""
    return closest(a, [b.to_bytes()], [b.count]) == 0
