"""The blog's queries, every name schema-qualified (a reader login's search_path may not be `blog`)."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg.rows import dict_row

# The same shapes the schema's CHECK constraints enforce, checked first so a guest gets a message, not a 500.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MAX_NAME = 100
MAX_BODY = 10000


class InvalidComment(ValueError):
    pass


class EmailBelongsToAuthor(InvalidComment):
    pass


async def list_posts(conn: psycopg.AsyncConnection) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        """SELECT p.title, p.slug, p.published_at, u.display_name AS author,
                  (SELECT count(*) FROM blog.comments c WHERE c.post_id = p.id) AS comment_count
           FROM blog.posts p JOIN blog.users u ON u.id = p.author_id
           WHERE p.published_at IS NOT NULL AND p.published_at <= now()
           ORDER BY p.published_at DESC, p.id DESC""")
    return await cur.fetchall()


async def get_post(conn: psycopg.AsyncConnection, slug: str) -> dict[str, Any] | None:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        """SELECT p.id, p.title, p.slug, p.content, p.image_url, p.published_at, u.display_name AS author
           FROM blog.posts p JOIN blog.users u ON u.id = p.author_id
           WHERE p.slug = %s AND p.published_at IS NOT NULL AND p.published_at <= now()""", (slug,))
    post = await cur.fetchone()
    if post is None:
        return None
    await cur.execute(
        """SELECT c.id, c.body, c.created_at, u.display_name AS author
           FROM blog.comments c JOIN blog.users u ON u.id = c.user_id
           WHERE c.post_id = %s ORDER BY c.created_at, c.id""", (post["id"],))
    post["comments"] = await cur.fetchall()
    return post


def validate_comment(name: Any, email: Any, body: Any) -> tuple[str, str, str]:
    problems = []
    name = name.strip() if isinstance(name, str) else ""
    email = email.strip() if isinstance(email, str) else ""
    body = body.strip() if isinstance(body, str) else ""
    if not 1 <= len(name) <= MAX_NAME:
        problems.append(f"name: 1 to {MAX_NAME} characters")
    if len(email) > 254 or not EMAIL.match(email):
        problems.append("email: an address like name@example.com")
    if not 1 <= len(body) <= MAX_BODY:
        problems.append(f"body: 1 to {MAX_BODY} characters")
    if any("\x00" in v for v in (name, email, body)):
        problems.append("no NUL characters")
    if problems:
        raise InvalidComment("; ".join(problems))
    return name, email, body


async def add_comment(conn: psycopg.AsyncConnection, slug: str, name: str, email: str, body: str) -> int | None:
    """Insert a guest's comment (in the caller's transaction); the comment id, or None when the post is unknown."""
    cur = conn.cursor()
    await cur.execute(
        "SELECT id FROM blog.posts WHERE slug = %s AND published_at IS NOT NULL AND published_at <= now()", (slug,))
    row = await cur.fetchone()
    if row is None:
        return None
    post_id = row[0]
    # A guest is identified by the address it gives (not verified): a new one becomes a guest user; an address that
    # belongs to an author is refused, so nobody comments in an author's name without signing in.
    await cur.execute(
        """INSERT INTO blog.users (user_type, email, display_name) VALUES ('guest', %s, %s)
           ON CONFLICT ((lower(email))) DO NOTHING""", (email, name))
    await cur.execute("SELECT id, user_type FROM blog.users WHERE lower(email) = lower(%s)", (email,))
    user_id, user_type = await cur.fetchone()
    if user_type != "guest":
        raise EmailBelongsToAuthor("email: this address belongs to an author; authors sign in to comment")
    await cur.execute("INSERT INTO blog.comments (post_id, user_id, body) VALUES (%s, %s, %s) RETURNING id",
                      (post_id, user_id, body))
    return (await cur.fetchone())[0]
