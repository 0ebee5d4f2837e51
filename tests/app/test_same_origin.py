"""A page on another site must not post a comment in a visitor's name: every spelling below is refused."""

from __future__ import annotations

import pytest

from tests.app.conftest import ORIGIN

FORM = {"name": "Mallory", "email": "m@example.org", "body": "spam"}

REFUSED_HEADERS = [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://testserver.evil.example"},
    {"Origin": "http://evil.example/testserver"},
    {"Origin": "http://testserver:8080"},
    {"Origin": "http://testserver@evil.example"},
    {"Origin": "javascript://testserver"},
    {"Referer": "http://evil.example/page?http://testserver"},
    {},  # neither Origin nor Referer
    {"Origin": ORIGIN, "Sec-Fetch-Site": "cross-site"},
    {"Origin": ORIGIN, "Sec-Fetch-Site": "same-site"},
]


def _count(cluster, db) -> int:
    with cluster.admin(db) as conn:
        return conn.execute("SELECT count(*) FROM blog.comments").fetchone()[0]


@pytest.mark.parametrize("headers", REFUSED_HEADERS, ids=lambda h: repr(h)[:60])
def test_cross_site_form_posts_are_refused(client, cluster, blog_db, headers):
    sent = client.post("/posts/why-tls-everywhere/comments", headers=headers, data=FORM, follow_redirects=False)
    assert sent.status_code == 403
    assert _count(cluster, blog_db) == 4


def test_same_origin_spellings_are_accepted(client):
    for headers in ({"Origin": ORIGIN}, {"Origin": "HTTP://TESTSERVER"}, {"Referer": ORIGIN + "/posts/x"},
                    {"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"}):
        sent = client.post("/posts/why-tls-everywhere/comments", headers=headers, data=FORM, follow_redirects=False)
        assert sent.status_code == 303, headers


def test_api_needs_json_and_refuses_a_cross_site_origin(client, cluster, blog_db):
    # text/plain and form encodings are what a cross-site page can send without a preflight.
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                  "application/jsonx", ""):
        sent = client.post("/api/posts/why-tls-everywhere/comments", content=b'{"name":"a","email":"a@b.c","body":"x"}',
                           headers={"Content-Type": ctype})
        assert sent.status_code == 415, ctype
    sent = client.post("/api/posts/why-tls-everywhere/comments", json=FORM, headers={"Origin": "http://evil.example"})
    assert sent.status_code == 403
    assert _count(cluster, blog_db) == 4
    ok = client.post("/api/posts/why-tls-everywhere/comments", json=FORM,
                     headers={"Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 201


def test_the_form_must_be_urlencoded(client):
    sent = client.post("/posts/why-tls-everywhere/comments", headers={"Origin": ORIGIN}, json=FORM)
    assert sent.status_code == 415


def test_a_pinned_public_origin_also_checks_the_scheme(app_env):
    from starlette.testclient import TestClient

    from blog.settings import from_env
    from blog.web import create_app

    settings = from_env(app_env | {"BLOG_PUBLIC_ORIGIN": "https://blog.example.com"})
    with TestClient(create_app(settings), base_url="https://blog.example.com") as c:
        url = "/posts/why-tls-everywhere/comments"
        assert c.post(url, headers={"Origin": "http://blog.example.com"}, data=FORM).status_code == 403
        assert c.post(url, headers={"Origin": "https://blog.example.com"}, data=FORM,
                      follow_redirects=False).status_code == 303
