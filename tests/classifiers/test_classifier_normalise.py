"""Normalisation: tone placement, teencode, squeezing, URLs, emoji, spans into the original."""

import unicodedata

import pytest

from classifiers.normalise import normalise, normalise_text, place_tone, squeeze, strip_accents
from classifiers.teencode import TEENCODE


@pytest.mark.parametrize(("raw", "expected"), sorted(TEENCODE.items()))
def test_every_teencode_entry(raw, expected):
    assert normalise_text(raw) == expected
    assert normalise_text(raw.upper()) == expected


def test_teencode_table_is_large_enough():
    assert len(TEENCODE) >= 80


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("baì", "bài"),
        ("khoẻ", "khỏe"),
        ("quý", "quý"),
        ("giữa", "giữa"),
        ("già", "già"),
        ("người", "người"),
        ("khuỷu", "khuỷu"),
        ("toán", "toán"),
        ("dàì", "dài"),
        ("hello", "hello"),
    ],
)
def test_tone_placement(word, expected):
    assert place_tone(word) == expected


def test_tone_placement_agrees_with_underthesea_table():
    """Every pure tone move in underthesea's own table gives the same word (bar its 2 slips)."""
    from underthesea.pipeline.text_normalize.text_normalizer import token_map

    tones = "\u0300\u0301\u0303\u0309\u0323"

    def bare(s):
        return "".join(c for c in unicodedata.normalize("NFD", s) if c not in tones)

    def one_tone(s):
        return sum(c in tones for c in unicodedata.normalize("NFD", s)) == 1

    moves = [
        (k, v)
        for k, v in token_map.items()
        if k == k.lower() and bare(k) == bare(v) and one_tone(v)
    ]
    wrong = [(k, v) for k, v in moves if place_tone(k) != v]
    assert len(moves) > 800
    # underthesea itself maps lòa → loà and nòa → noà but hoà → hòa: we keep one rule.
    assert sorted(wrong) == [("lòa", "loà"), ("nòa", "noà")]


def test_tone_placement_matches_underthesea_text_normalize_on_sentences():
    from underthesea import text_normalize

    text = "Hoà bình thuỷ lợi, toà nhà mới khoẻ mạnh"
    assert normalise_text(text) == text_normalize(text).lower().replace(",", "").replace("  ", " ")


def test_squeeze_repeated_letters():
    assert squeeze("điiiii") == "đi"
    assert squeeze("quáaaaa") == "quá"
    assert squeeze("nhaa") == "nha"
    assert squeeze("xoong") == "xoong"
    assert normalise_text("khongggg") == "không"


def test_laughter_and_emoticons():
    assert normalise_text("kkkk hahaha :))) :((") == "haha haha :) :("


def test_urls_become_domain_tokens():
    assert normalise_text("xem https://m.Facebook.com/abc?x=1 và www.sonla.gov.vn/tin") == (
        "xem url facebook.com và url sonla.gov.vn"
    )


def test_emoji_kept_as_tokens():
    assert normalise(" lúa chín 🌾❤️👍").tokens == ["lúa", "chín", "🌾", "❤", "👍"]


def test_spans_index_the_original_text_even_when_not_nfc():
    text = "Mn ơi, Hoa\u0300 bi\u0300nh ko?"
    result = normalise(text)
    assert result.tokens == ["mọi", "người", "ơi", "hòa", "bình", "không", "?"]
    pieces = [text[a:b] for a, b in result.spans]
    assert pieces == ["Mn", "Mn", "ơi", "Hoa\u0300", "bi\u0300nh", "ko", "?"]


def test_strip_accents_keeps_length():
    text = "Đường làng được bê tông hóa"
    assert strip_accents(text) == "Duong lang duoc be tong hoa"
    assert len(strip_accents(text)) == len(text)
