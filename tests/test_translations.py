"""Every user-facing string has a Vietnamese translation (the vi catalogue is complete)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.config import Config

ROOT = Path(__file__).resolve().parent.parent
# the catalogues the app loads
PACKAGES = [Path(d).parent.name for d in Config.BABEL_TRANSLATION_DIRECTORIES.split(";")]
METHODS = [("**.py", "python"), ("**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _sources(package: str) -> list[Path]:
    dirs = [ROOT / package, ROOT / "templates" / package]
    if package == "core":
        dirs += [ROOT / "templates" / "_macros"]
    return [d for d in dirs if d.is_dir()]


def _extracted(package: str) -> set[str]:
    ids = set()
    for directory in _sources(package):
        for _, _, message, _, _ in extract_from_dir(directory, METHODS, keywords=KEYWORDS):
            ids.add(message[0] if isinstance(message, tuple) else message)
    if package == "core":
        for _, _, message, _, _ in extract_from_dir(ROOT / "templates", [("base.html", "jinja2")],
                                                   keywords=KEYWORDS):
            ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


@pytest.mark.parametrize("package", PACKAGES)
def test_vietnamese_catalogue_is_complete(package):
    po = ROOT / package / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
    assert po.exists(), f"{po} is missing: run `make messages` and translate"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="vi")
    translated = {}
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        value = message.string[0] if isinstance(message.string, tuple) else message.string
        if key and value and not message.fuzzy:
            translated[key] = value
    missing = sorted(_extracted(package) - set(translated))
    assert missing == [], f"untranslated in {package}: {missing[:10]}"


def _catalogue(package: str) -> dict[str, str]:
    po = ROOT / package / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="vi")
    return {(m.id[0] if isinstance(m.id, tuple) else m.id):
            (m.string[0] if isinstance(m.string, tuple) else m.string)
            for m in catalog if m.id and m.string and not m.fuzzy}


def test_one_english_string_has_one_vietnamese_translation_across_packages():
    # The catalogues are merged into one at run time, so a msgid translated two ways shows
    # whichever package loads last on every page (the account page once read "Lịch sử" where
    # its own catalogue said "Lịch sử thay đổi").
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for package in PACKAGES:
        for key, value in _catalogue(package).items():
            if key in seen and seen[key][1] != value:
                clashes.append(f"{key!r}: {seen[key][0]} {seen[key][1]!r} ≠ {package} {value!r}")
            seen.setdefault(key, (package, value))
    assert clashes == [], "\n".join(clashes[:10])
