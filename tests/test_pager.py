"""Every paginated page shows the one pager (templates/_macros/pager.html), and its links keep
the list's filters."""

from __future__ import annotations

import pytest

from core.extensions import db

PAGES = [  # who, the list with a filter, what the link to its second page must keep
    ("kiemduyet.xa", "/moderation/queue?tab=all", "tab=all"),
    ("dangvien.banmat", "/moderation/mine", ""),
    ("quantri.xa", "/registry/roster?unit=muong-leo&q=", "unit=muong-leo"),
    ("quantri.xa", "/registry/accounts?platform=zalo", "platform=zalo"),
    ("quantri.xa", "/audit?action=", ""),
    ("kiemduyet.xa", "/stories/manage?status=published", "status=published"),
    ("quantri.xa", "/stories", ""),
]


@pytest.fixture
def one_per_page(monkeypatch):
    paginate = db.paginate
    monkeypatch.setattr(db, "paginate", lambda stmt, **kw: paginate(stmt, **{**kw, "per_page": 1}))


@pytest.mark.parametrize(("user", "path", "kept"), PAGES)
def test_each_list_pages_with_its_filters(client, login_as, token_for, one_per_page, user, path,
                                          kept):
    for text in ("Có kẻ tung tin đập thủy điện sắp vỡ, bà con đừng tin!",
                 "Bọn lừa đảo đòi tiền đền bù đất, ai chuyển khoản là mất trắng."):
        client.post("/api/v1/posts", json={"text": text}, headers=token_for("dangvien.banmat"))
    login_as(user)
    page = client.get(path).get_data(as_text=True)
    assert '<nav class="pager" aria-label="Trang">' in page, path
    assert "<span>1 / " in page and "›</a>" in page and "‹" not in page
    link = page.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "page=2" in link and kept in link, link
    second = client.get(link).get_data(as_text=True)
    assert "<span>2 / " in second and 'rel="prev"' in second
