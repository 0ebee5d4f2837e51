"""Pages and the JSON API render the seeded posts and comments; a guest's comment is stored as blog_app."""

from __future__ import annotations

from tests.app.conftest import ORIGIN

PUBLISHED = ["Roles, not the master user", "Why TLS everywhere"]  # newest first; "A draft" is unpublished


def _comment_count(cluster, db) -> int:
    with cluster.admin(db) as conn:
        return conn.execute("SELECT count(*) FROM blog.comments").fetchone()[0]


def test_home_lists_published_posts_newest_first_and_not_the_draft(client):
    page = client.get("/")
    assert page.status_code == 200
    text = page.text
    assert PUBLISHED[0] in text and PUBLISHED[1] in text
    assert text.index(PUBLISHED[0]) < text.index(PUBLISHED[1])
    assert "A draft" not in text
    assert "(3 comments)" in text and "(1 comment)" in text
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def _bodies_in_date_order(cluster, db, slug) -> list[str]:
    with cluster.admin(db) as conn:
        return [r[0] for r in conn.execute(
            """SELECT c.body FROM blog.comments c JOIN blog.posts p ON p.id = c.post_id WHERE p.slug = %s
               ORDER BY c.created_at, c.id""", (slug,))]


def test_post_page_shows_its_comments_in_order(client, cluster, blog_db):
    page = client.get("/posts/why-tls-everywhere")
    assert page.status_code == 200
    bodies = _bodies_in_date_order(cluster, blog_db, "why-tls-everywhere")
    assert sorted(bodies) == ["Clear and short, thanks.", "Same certificate bundle for readers.",
                              "What about the reader endpoint?"]
    positions = [page.text.index(b) for b in bodies]
    assert positions == sorted(positions)
    assert "Grace Guest" in page.text and "Ada Author" in page.text


def test_unknown_and_draft_posts_are_404(client):
    assert client.get("/posts/no-such-post").status_code == 404
    assert client.get("/posts/a-draft").status_code == 404
    assert client.get("/api/posts/a-draft").status_code == 404


def test_api_mirrors_the_pages(client, cluster, blog_db):
    listing = client.get("/api/posts").json()
    assert [p["slug"] for p in listing["posts"]] == ["roles-not-the-master-user", "why-tls-everywhere"]
    assert [p["comment_count"] for p in listing["posts"]] == [1, 3]
    post = client.get("/api/posts/why-tls-everywhere").json()
    assert post["title"] == "Why TLS everywhere"
    assert post["author"] == "Ada Author"
    assert post["image_url"] == "https://images.example.com/tls.png"
    assert post["published_at"].startswith("2026-11-01T09:00:00")
    assert sorted(c["author"] for c in post["comments"]) == ["Alan Reader", "Grace Guest", "Linus Writer"]
    assert [c["body"] for c in post["comments"]] == _bodies_in_date_order(cluster, blog_db, "why-tls-everywhere")


def test_guest_comment_through_the_form_is_stored_as_blog_app(client, cluster, blog_db):
    sent = client.post("/posts/roles-not-the-master-user/comments", headers={"Origin": ORIGIN},
                       data={"name": "New Guest", "email": "new.guest@example.org", "body": "First visit."},
                       follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/posts/roles-not-the-master-user#comment-")
    page = client.get("/posts/roles-not-the-master-user")
    assert "First visit." in page.text and "New Guest" in page.text
    with cluster.admin(blog_db) as conn:
        row = conn.execute("""SELECT u.user_type, u.email FROM blog.comments c JOIN blog.users u ON u.id = c.user_id
                              WHERE c.body = 'First visit.'""").fetchone()
        users = {r[0] for r in conn.execute(
            "SELECT usename FROM pg_stat_activity WHERE datname = %s AND application_name = 'blog'", (blog_db,))}
    assert row == ("guest", "new.guest@example.org")
    assert users == {"blog_app"}


def test_guest_comment_through_the_api_and_a_returning_guest(client, cluster, blog_db):
    for body in ("One.", "Two."):
        sent = client.post("/api/posts/why-tls-everywhere/comments",
                           json={"name": "Grace", "email": "GRACE@example.com", "body": body})
        assert sent.status_code == 201, sent.text
        assert sent.json()["stored"] is True
    assert _comment_count(cluster, blog_db) == 6
    with cluster.admin(blog_db) as conn:
        # The same address in another case is the same guest (the unique index is on lower(email)).
        assert conn.execute("SELECT count(*) FROM blog.users WHERE lower(email) = 'grace@example.com'").fetchone() \
            == (1,)


def test_comment_html_is_escaped(client):
    client.post("/posts/why-tls-everywhere/comments", headers={"Origin": ORIGIN},
                data={"name": "<b>x</b>", "email": "x@example.org", "body": "<script>alert(1)</script>"})
    page = client.get("/posts/why-tls-everywhere")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_an_authors_address_cannot_be_used_by_a_guest(client, cluster, blog_db):
    for email in ("ada@example.com", "ADA@Example.COM", " ada@example.com "):
        sent = client.post("/api/posts/why-tls-everywhere/comments",
                           json={"name": "Not Ada", "email": email, "body": "I am Ada."})
        assert sent.status_code == 400
        assert "belongs to an author" in sent.json()["error"]
    assert _comment_count(cluster, blog_db) == 4


def test_invalid_comments_name_the_field(client, cluster, blog_db):
    cases = [
        ({"name": "", "email": "a@example.org", "body": "x"}, "name"),
        ({"name": "A", "email": "not-an-address", "body": "x"}, "email"),
        ({"name": "A", "email": "a@example.org", "body": "   "}, "body"),
        ({"name": "A", "email": "a@example.org", "body": "x" * 10001}, "body"),
        ({"name": ["A"], "email": "a@example.org", "body": "x"}, "name"),
        ({"name": "A", "email": "a@example.org", "body": "nul\x00"}, "NUL"),
    ]
    for payload, field in cases:
        sent = client.post("/api/posts/why-tls-everywhere/comments", json=payload)
        assert sent.status_code == 400, payload
        assert field in sent.json()["error"]
    form = client.post("/posts/why-tls-everywhere/comments", headers={"Origin": ORIGIN},
                       data={"name": "A", "email": "bad", "body": "kept"})
    assert form.status_code == 400 and "email" in form.text and "kept" in form.text
    assert client.post("/api/posts/why-tls-everywhere/comments", content=b"[1]",
                       headers={"Content-Type": "application/json"}).status_code == 400
    assert client.post("/api/posts/why-tls-everywhere/comments", content=b"{not json",
                       headers={"Content-Type": "application/json"}).status_code == 400
    assert client.post("/api/posts/why-tls-everywhere/comments", content=b"x" * (64 * 1024 + 1),
                       headers={"Content-Type": "application/json"}).status_code == 413
    assert client.post("/api/posts/no-such-post/comments",
                       json={"name": "A", "email": "a@example.org", "body": "x"}).status_code == 404
    assert _comment_count(cluster, blog_db) == 4


def test_healthz_does_not_touch_the_database_and_readyz_does(client):
    assert client.get("/healthz").text == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "reader": "ok", "writer": "ok"}
