"""Parse HTML the way a browser would see its elements (tests check structure, not text)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def elements(html: str) -> list[tuple[str, dict]]:
    """Every start tag with its (unescaped) attributes, in document order."""
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return parser.elements


def text_of(html: str) -> str:
    """The text a reader sees (entities decoded)."""
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return "".join(parser.text)


def meta(html: str) -> dict[str, str]:
    """<meta property|name=… content=…> as a dict."""
    found = {}
    for tag, attrs in elements(html):
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            found[attrs.get("property") or attrs["name"]] = attrs.get("content")
    return found


def is_inert(html: str) -> bool:
    """No script element, no event-handler attribute, no javascript: URL anywhere."""
    for tag, attrs in elements(html):
        if tag == "script" and "src" not in attrs:
            return False
        if tag == "script" and not attrs["src"].startswith("/static/"):
            return False
        if any(name.startswith("on") for name in attrs):
            return False
        if any((value or "").strip().lower().startswith("javascript:") for value in attrs.values()):
            return False
    return True
