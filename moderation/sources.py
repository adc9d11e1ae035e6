"""Source check: is the domain of a post's URL an official source, a known unreliable one, or neither.

A domain matches a listed one when it is that domain or a subdomain of it (label by label), so
`tinhuong.sonla.gov.vn` is official through `gov.vn`, while look-alikes such as
`vov.vn.example.com` or `nhandan-vn.com` are not.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from moderation.models import SourceCheck


def domain_of(url: str | None) -> str | None:
    """The lower-case host of a URL (scheme optional, no `www.`, no port), or None."""
    if not url or not url.strip():
        return None
    raw = url.strip()
    if "://" not in raw:
        raw = "http://" + raw
    try:
        host = urlsplit(raw).hostname or ""
    except ValueError:
        return None
    host = host.strip(".").lower()
    if host.startswith("www."):
        host = host[4:]
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return host or None


def _matches(host: str, listed: str) -> bool:
    listed = listed.strip().strip(".").lower()
    return bool(listed) and (host == listed or host.endswith("." + listed))


def check_source(url: str | None, official: list[str], unreliable: list[str]) -> tuple[str | None, str]:
    """(domain, verdict): official, unreliable, unknown, or none when there is no URL."""
    host = domain_of(url)
    if host is None:
        return None, SourceCheck.NONE
    if any(_matches(host, item) for item in unreliable):
        return host, SourceCheck.UNRELIABLE
    if any(_matches(host, item) for item in official):
        return host, SourceCheck.OFFICIAL
    return host, SourceCheck.UNKNOWN
