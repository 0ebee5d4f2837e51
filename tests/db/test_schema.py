"""The blog's constraints and triggers, against the real schema (as the application role writes)."""

from __future__ import annotations

import time

import pytest

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (requirements.in pins it)")

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$c29tZWhhc2hzb21laGFzaA"


def _one(conn, sql, params=()):
    return conn.execute(sql, params).fetchone()


def test_trigger_moves_updated_at_and_keeps_created_at(cluster, blog_db):
    with cluster.as_app(blog_db) as conn:
        created, updated = _one(conn, "SELECT created_at, updated_at FROM posts WHERE slug = 'a-draft'")
        time.sleep(0.01)
        conn.execute("UPDATE posts SET title = 'Edited', created_at = '2000-01-01Z' WHERE slug = 'a-draft'")
        created2, updated2 = _one(conn, "SELECT created_at, updated_at FROM posts WHERE slug = 'a-draft'")
    assert created2 == created
    assert updated2 > updated


@pytest.mark.parametrize("table, where", [
    ("users", "email = 'ada@example.com'"),
    ("social_accounts", "handle = 'ada-dev'"),
    ("comments", "body = 'Clear and short, thanks.'"),
])
def test_every_table_has_the_trigger(cluster, blog_db, table, where):
    with cluster.as_app(blog_db) as conn:
        before = _one(conn, f"SELECT updated_at FROM {table} WHERE {where}")[0]
        conn.execute(f"UPDATE {table} SET created_at = created_at WHERE {where}")
        after = _one(conn, f"SELECT updated_at FROM {table} WHERE {where}")[0]
    assert after > before


BAD_ROWS = {
    "duplicate slug": (psycopg.errors.UniqueViolation,
                       "INSERT INTO posts (author_id, title, slug, content) "
                       "SELECT id, 'Again', 'why-tls-everywhere', 'x' FROM users WHERE email = 'ada@example.com'"),
    "comment on a missing post": (psycopg.errors.ForeignKeyViolation,
                                  "INSERT INTO comments (post_id, user_id, body) "
                                  "SELECT 999999, id, 'hello' FROM users WHERE email = 'grace@example.com'"),
    "unknown user type": (psycopg.errors.CheckViolation,
                          "INSERT INTO users (user_type, email, display_name) VALUES ('admin', 'x@example.com', 'X')"),
    "e-mail differing only in case": (psycopg.errors.UniqueViolation,
                                      "INSERT INTO users (user_type, email, display_name) "
                                      "VALUES ('guest', 'ADA@Example.COM', 'Ada again')"),
    "plaintext password": (psycopg.errors.CheckViolation,
                           "INSERT INTO users (user_type, email, display_name, password_hash) "
                           "VALUES ('author', 'p@example.com', 'P', 'hunter2')"),
    "guest as a post's author": (psycopg.errors.ForeignKeyViolation,
                                 "INSERT INTO posts (author_id, title, slug, content) "
                                 "SELECT id, 'Guest post', 'guest-post', 'x' FROM users "
                                 "WHERE email = 'grace@example.com'"),
    "author_type forged to guest": (psycopg.errors.CheckViolation,
                                    "INSERT INTO posts (author_id, author_type, title, slug, content) "
                                    "SELECT id, 'guest', 'G', 'g', 'x' FROM users WHERE email = 'grace@example.com'"),
    "slug with spaces": (psycopg.errors.CheckViolation,
                         "INSERT INTO posts (author_id, title, slug, content) "
                         "SELECT id, 'T', 'Not A Slug', 'x' FROM users WHERE email = 'ada@example.com'"),
    "missing title": (psycopg.errors.NotNullViolation,
                      "INSERT INTO posts (author_id, slug, content) "
                      "SELECT id, 'no-title', 'x' FROM users WHERE email = 'ada@example.com'"),
    "blank title": (psycopg.errors.CheckViolation,
                    "INSERT INTO posts (author_id, title, slug, content) "
                    "SELECT id, '   ', 'blank-title', 'x' FROM users WHERE email = 'ada@example.com'"),
    "plain http image": (psycopg.errors.CheckViolation,
                         "INSERT INTO posts (author_id, title, slug, content, image_url) "
                         "SELECT id, 'T', 'http-image', 'x', 'http://x/y.png' FROM users "
                         "WHERE email = 'ada@example.com'"),
    "comment by a missing user": (psycopg.errors.ForeignKeyViolation,
                                  "INSERT INTO comments (post_id, user_id, body) "
                                  "SELECT id, 999999, 'hi' FROM posts WHERE slug = 'a-draft'"),
    "empty comment": (psycopg.errors.CheckViolation,
                      "INSERT INTO comments (post_id, user_id, body) "
                      "SELECT p.id, u.id, ' ' FROM posts p, users u WHERE p.slug = 'a-draft' "
                      "AND u.email = 'alan@example.com'"),
    "same handle other case": (psycopg.errors.UniqueViolation,
                               "INSERT INTO social_accounts (user_id, provider, handle) "
                               "SELECT id, 'github', 'ADA-DEV' FROM users WHERE email = 'alan@example.com'"),
    "unknown provider": (psycopg.errors.CheckViolation,
                         "INSERT INTO social_accounts (user_id, provider, handle) "
                         "SELECT id, 'myspace', 'alan' FROM users WHERE email = 'alan@example.com'"),
    "explicit id": (psycopg.errors.GeneratedAlways,
                    "INSERT INTO users (id, user_type, email, display_name) VALUES (1, 'guest', 'i@example.com', 'I')"),
}


@pytest.mark.parametrize("error, sql", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_constraints_reject_bad_rows(cluster, blog_db, error, sql):
    with cluster.as_app(blog_db) as conn, pytest.raises(error):
        conn.execute(sql)


def test_password_hash_accepts_a_phc_string(cluster, blog_db):
    with cluster.as_app(blog_db) as conn:
        conn.execute("INSERT INTO users (user_type, email, display_name, password_hash) "
                     "VALUES ('author', 'h@example.com', 'H', %s)", [HASH])


def test_delete_behaviour(cluster, blog_db):
    with cluster.as_app(blog_db) as conn:
        # An author with posts cannot be deleted by accident.
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("DELETE FROM users WHERE email = 'ada@example.com'")
        # A guest's comments and social accounts go with the guest.
        conn.execute("DELETE FROM users WHERE email = 'grace@example.com'")
        assert _one(conn, "SELECT count(*) FROM comments")[0] == 2
        assert _one(conn, "SELECT count(*) FROM social_accounts")[0] == 2
        # A post's comments go with the post.
        conn.execute("DELETE FROM posts WHERE slug = 'why-tls-everywhere'")
        assert _one(conn, "SELECT count(*) FROM comments")[0] == 0


def test_every_foreign_key_has_an_index_starting_with_its_columns(cluster, blog_db):
    with cluster.admin(blog_db) as conn:
        rows = conn.execute("""
            SELECT c.conrelid::regclass::text, c.conname,
                   EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid
                           AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey)
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE c.contype = 'f' AND n.nspname = 'blog' ORDER BY 1, 2""").fetchall()
    assert [r[:2] for r in rows] == [
        ("blog.comments", "comments_post_id_fkey"),
        ("blog.comments", "comments_user_id_fkey"),
        ("blog.posts", "posts_author_fkey"),
        ("blog.social_accounts", "social_accounts_user_id_fkey"),
    ]
    assert [r[1] for r in rows if not r[2]] == []


def test_blog_queries_use_indexes(cluster, blog_db):
    with cluster.admin(blog_db) as conn:
        # A few seed rows make any plan cheap; with the alternatives off, the plan shows what the index can serve.
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        by_slug = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT * FROM blog.posts WHERE slug = 'a-draft'"))
        comments = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT * FROM blog.comments WHERE post_id = 1 ORDER BY created_at, id"))
    assert "posts_slug_key" in by_slug
    assert "comments_post_created_idx" in comments
    assert "Sort" not in comments
