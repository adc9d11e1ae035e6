"""Title and summary suggestions, slugs and XML-safe text (plain functions, no app)."""

from __future__ import annotations

from feed.text import shorten, slugify, suggest_summary, suggest_title, xml_safe


def test_title_is_the_first_sentence_without_its_full_stop():
    text = "Bản Mạt có đường mới. Bà con rất vui! Cảm ơn các đoàn viên."
    assert suggest_title(text) == "Bản Mạt có đường mới"
    assert suggest_summary(text) == "Bà con rất vui! Cảm ơn các đoàn viên."


def test_title_stops_at_a_line_break_and_keeps_other_punctuation():
    assert suggest_title("Tin vui!!!\nCả bản đi họp.") == "Tin vui!!!"
    assert suggest_title("Ai đã trồng cây? Thanh niên.") == "Ai đã trồng cây?"


def test_one_sentence_post_gives_it_as_both_title_and_summary():
    assert suggest_title("Một câu duy nhất") == "Một câu duy nhất"
    assert suggest_summary("Một câu duy nhất") == "Một câu duy nhất"


def test_long_sentences_are_cut_at_a_word():
    long = "Bà con " * 40
    title = suggest_title(long)
    assert len(title) <= 120 and title.endswith("…") and not title.endswith(" …")
    assert shorten("ngắn", 10) == "ngắn"


def test_slug_is_ascii_and_readable():
    assert slugify("Đường về Bản Mạt: 2 km!") == "duong-ve-ban-mat-2-km"
    assert slugify("!!!") == "cau-chuyen"
    assert len(slugify("Bà con " * 40)) <= 60


def test_xml_safe_drops_control_characters_only():
    assert xml_safe("a\x00b\x0bc\td\ne\ufffe") == "abc\td\ne"
