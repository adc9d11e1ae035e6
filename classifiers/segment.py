"""Word segmentation (``underthesea.word_tokenize``) as an optional extra feature view.

It costs ~0.5 ms a post, so a head uses it only when it measurably helps on dev (decided in
``classifiers.train`` and recorded in the sidecar); the import is lazy so a model that does
not use it never loads underthesea. underthesea's word_tokenize model ships inside the
package: nothing is downloaded.
"""

from functools import cache


@cache
def _tokenizer():
    """underthesea.word_tokenize, imported on first use."""
    from underthesea import word_tokenize

    return word_tokenize


def segment(tokens: list[str]) -> list[str]:
    """Multi-syllable words of normalised tokens joined by ``_`` (``quảng_trị``)."""
    if not tokens:
        return []
    words = _tokenizer()(" ".join(tokens))
    return [w.replace(" ", "_") for w in words if w.strip()]
