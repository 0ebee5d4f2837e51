"""The web application: HTML pages, a JSON API mirroring them, /healthz and /readyz."""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jinja2
import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from blog import store
from blog.database import Database, DatabaseUnavailable, WriteOutcomeUnknown
from blog.settings import Settings, from_env

log = logging.getLogger("blog.web")
# Autoescaping named explicitly: every value on a page (a guest's comment above all) is escaped.
templates = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True))
MAX_BODY_BYTES = 64 * 1024

NOT_SAVED = "Your comment was not saved: the database is unavailable (failover in progress?). Try again shortly."
UNKNOWN = ("The database connection broke while your comment was being saved: it may or may not have been stored. "
           "Reload the post before sending it again.")


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


# --- CSRF: a guest form has no session to protect, but a page elsewhere must not post in a visitor's name ----------


def check_same_origin(request: Request, settings: Settings) -> None:
    """Refuse a state-changing request a browser sent from another site (Fetch metadata, then Origin, then Referer)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site.strip().lower() not in ("same-origin", "none"):
        raise Refused(403, f"cross-site request refused (Sec-Fetch-Site: {site})")
    origin = request.headers.get("origin")
    source = "Origin"
    if origin is None:
        origin = request.headers.get("referer")
        source = "Referer"
    if origin is None:
        raise Refused(403, "request refused: no Origin or Referer header to prove it comes from this site")
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Refused(403, f"request refused: {source} {origin!r} is not this site")
    expected = settings.public_origin
    if expected is not None:
        ok = f"{parts.scheme}://{parts.netloc}".lower() == expected
    else:
        # Behind the load balancer TLS ends before the app, so only the host (and port) can be compared with the
        # Host header the browser sent; BLOG_PUBLIC_ORIGIN pins the scheme too.
        ok = parts.netloc.lower() == request.headers.get("host", "").strip().lower()
    if not ok or parts.username or parts.password:
        raise Refused(403, f"request refused: {source} {origin!r} is not this site")


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise Refused(413, f"request body too large: at most {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Refused(413, f"request body too large: at most {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


# --- pages -------------------------------------------------------------------------------------------------------

def _db(request: Request) -> Database:
    return request.app.state.db


async def home(request: Request) -> Response:
    posts = await _db(request).read(store.list_posts)
    return templates.TemplateResponse(request, "index.html", {"posts": posts})


async def post_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    post = await _db(request).read(lambda conn: store.get_post(conn, slug))
    if post is None:
        return templates.TemplateResponse(request, "error.html", {"message": "No such post."}, status_code=404)
    return templates.TemplateResponse(request, "post.html", {"post": post, "error": None, "form": {}})


async def add_comment_form(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    slug = request.path_params["slug"]
    check_same_origin(request, settings)
    if _media_type(request) != "application/x-www-form-urlencoded":
        raise Refused(415, "send the comment form as application/x-www-form-urlencoded")
    raw = await _body(request)
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "the form is not valid UTF-8 form data (at most 10 fields)") from None
    form = {key: (fields.get(key) or [""])[0] for key in ("name", "email", "body")}
    try:
        comment_id = await _save(request, slug, form)
    except store.InvalidComment as exc:
        post = await _db(request).read(lambda conn: store.get_post(conn, slug))
        if post is None:
            return templates.TemplateResponse(request, "error.html", {"message": "No such post."}, status_code=404)
        return templates.TemplateResponse(request, "post.html", {"post": post, "error": str(exc), "form": form},
                                          status_code=400)
    if comment_id is None:
        return templates.TemplateResponse(request, "error.html", {"message": "No such post."}, status_code=404)
    return RedirectResponse(f"/posts/{slug}#comment-{comment_id}", status_code=303)


async def _save(request: Request, slug: str, form: dict[str, Any]) -> int | None:
    name, email, body = store.validate_comment(form.get("name"), form.get("email"), form.get("body"))
    try:
        return await _db(request).write(lambda conn: store.add_comment(conn, slug, name, email, body))
    except psycopg.errors.CheckViolation:
        raise store.InvalidComment("the comment does not have the shape the database accepts") from None


# --- JSON API ----------------------------------------------------------------------------------------------------

def _post_json(post: dict[str, Any]) -> dict[str, Any]:
    out = {k: post[k] for k in ("title", "slug", "author")}
    out["published_at"] = post["published_at"].isoformat() if post.get("published_at") else None
    for key in ("content", "image_url"):
        if key in post:
            out[key] = post[key]
    if "comment_count" in post:
        out["comment_count"] = post["comment_count"]
    if "comments" in post:
        out["comments"] = [{"id": c["id"], "author": c["author"], "body": c["body"],
                            "created_at": c["created_at"].isoformat()} for c in post["comments"]]
    return out


async def api_posts(request: Request) -> Response:
    posts = await _db(request).read(store.list_posts)
    return JSONResponse({"posts": [_post_json(p) for p in posts]})


async def api_post(request: Request) -> Response:
    slug = request.path_params["slug"]
    post = await _db(request).read(lambda conn: store.get_post(conn, slug))
    if post is None:
        return JSONResponse({"error": f"no post with slug {slug!r}"}, status_code=404)
    return JSONResponse(_post_json(post))


async def api_add_comment(request: Request) -> Response:
    slug = request.path_params["slug"]
    # application/json cannot be sent cross-site without a CORS preflight (which this app never grants); a browser
    # that sends an Origin must still be this site's.
    if _media_type(request) != "application/json":
        raise Refused(415, "send the comment as application/json")
    if request.headers.get("origin") is not None or request.headers.get("sec-fetch-site") is not None:
        check_same_origin(request, request.app.state.settings)
    raw = await _body(request)
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Refused(400, "the body must be a JSON object with name, email and body")
    try:
        comment_id = await _save(request, slug, data)
    except store.InvalidComment as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    if comment_id is None:
        return JSONResponse({"error": f"no post with slug {slug!r}"}, status_code=404)
    return JSONResponse({"id": comment_id, "stored": True}, status_code=201)


# --- health ------------------------------------------------------------------------------------------------------

async def healthz(request: Request) -> Response:
    # The load balancer's check: the process serves HTTP. No database: a failover must not empty the target group.
    return PlainTextResponse("ok")


async def readyz(request: Request) -> Response:
    state = await _db(request).ready()
    ready = all(v == "ok" for v in state.values())
    return JSONResponse({"ready": ready, **state}, status_code=200 if ready else 503)


# --- errors and headers ------------------------------------------------------------------------------------------

def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/readyz"


async def on_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    if _wants_json(request):
        return JSONResponse({"error": str(exc)}, status_code=exc.status)
    return templates.TemplateResponse(request, "error.html", {"message": str(exc)}, status_code=exc.status)


async def on_unavailable(request: Request, exc: Exception) -> Response:
    unknown = isinstance(exc, WriteOutcomeUnknown)
    writing = request.method == "POST"
    message = UNKNOWN if unknown else (NOT_SAVED if writing else "The database is unavailable; try again shortly.")
    log.warning("%s %s: %s", request.method, request.url.path, exc)
    headers = {"Retry-After": "5"}
    if _wants_json(request):
        body: dict[str, Any] = {"error": message}
        if writing:
            body["stored"] = None if unknown else False
        return JSONResponse(body, status_code=503, headers=headers)
    return templates.TemplateResponse(request, "error.html", {"message": message}, status_code=503, headers=headers)


SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src https:; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        db = Database(settings)
        await db.open()
        app.state.db = db
        try:
            yield
        finally:
            # Runs after the server stopped taking requests and in-flight ones finished (uvicorn on SIGTERM).
            await db.close(timeout=5.0)

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/posts/{slug}", post_page),
            Route("/posts/{slug}/comments", add_comment_form, methods=["POST"]),
            Route("/api/posts", api_posts),
            Route("/api/posts/{slug}", api_post),
            Route("/api/posts/{slug}/comments", api_add_comment, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        exception_handlers={Refused: on_refused, DatabaseUnavailable: on_unavailable},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(SecurityHeaders)
    return app
