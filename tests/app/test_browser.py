"""The blog in a real browser: headless Chromium, driven through the distribution's chromedriver, against
`python -m blog` on 127.0.0.1 and the session's TLS-only PostgreSQL with the seeded posts.

What a browser adds over the test client: it sends the headers it decides to send (Origin, Sec-Fetch-Site), follows
the 303 itself, and renders the escaped text. The screenshots are kept: in BLOG_SCREENSHOT_DIR when set, else in
pytest's temporary directory; the path is printed either way (`pytest -s` or the captured output of a failure).

Selenium Manager (which would download a browser or a driver) is never used: the driver's path is given, and the
manager is replaced by a function that fails the test if anything calls it.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import needs_tool

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (requirements.in pins it)")
pytest.importorskip("httpx", reason="httpx is not installed (requirements.in pins it)")

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.selenium_manager import SeleniumManager  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.app.live import running_blog  # noqa: E402

# Debian's packages: `chromium` (a wrapper script in /usr/bin) and `chromium-driver`. GitHub's Ubuntu runner images
# carry Google Chrome and a matching ChromeDriver instead (the workflows put $CHROMEWEBDRIVER on PATH).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
INSTALL = "apt-get install chromium chromium-driver"

PUBLISHED = ["Roles, not the master user", "Why TLS everywhere"]  # the seed, newest first
SEEDED_TLS_COMMENTS = 3
WAIT = 20  # seconds; a shared, loaded machine renders slowly


def _screenshot_dir(tmp_path: Path) -> Path:
    kept = os.environ.get("BLOG_SCREENSHOT_DIR")
    where = Path(kept) if kept else tmp_path / "screenshots"
    where.mkdir(parents=True, exist_ok=True)
    return where


def _no_selenium_manager(self, args):
    raise AssertionError(f"Selenium Manager was called ({args}): the test must use the distribution's chromedriver")


@pytest.fixture
def browser(tmp_path, monkeypatch):
    # The marks below skip before any fixture on a laptop without the packages; under CI their failing wrapper runs
    # only after the fixtures, so the same failure is raised here, before Selenium gives a less clear one.
    missing = [name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if path is None]
    if missing:
        message = f"{' and '.join(missing)} missing"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} under CI; .ci/run must install them: {INSTALL}")
        pytest.skip(f"needs {message} ({INSTALL})")
    monkeypatch.setattr(SeleniumManager, "binary_paths", _no_selenium_manager)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--no-first-run", "--disable-extensions", "--window-size=1024,900",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}",
                 # Offline: no name is resolved (the seeded post's image is on images.example.com), no proxy, none
                 # of the browser's own background requests (updates, safe browsing).
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--no-proxy-server",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        options.add_argument(flag)
    # The console, to see what the page's Content-Security-Policy blocked.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, log_output=str(tmp_path / "chromedriver.log")),
                              options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def shoot(browser, tmp_path, request):
    """shoot("name") saves a PNG of the page now and prints where; at the end the page the test left (where it
    stopped, when it failed) is saved too, as last-page."""
    where = _screenshot_dir(tmp_path)
    # The test's name in the file's: in one BLOG_SCREENSHOT_DIR, the parametrized runs must not overwrite each other.
    stamp = time.strftime("%Y%m%dT%H%M%S") + "-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def _shoot(name: str) -> Path:
        path = where / f"{stamp}-{name}.png"
        assert browser.save_screenshot(str(path)), f"the screenshot {path} was not written"
        print(f"screenshot: {path}")
        return path

    yield _shoot
    _shoot("last-page")


def _texts(browser, selector: str) -> list[str]:
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, selector)]


def _stored(cluster, db, body: str) -> list[tuple[str, str]]:
    with cluster.admin(db) as conn:
        return [tuple(r) for r in conn.execute(
            """SELECT p.slug, c.body FROM blog.comments c JOIN blog.posts p ON p.id = c.post_id
               WHERE c.body = %s""", (body,))]


@needs_tool(CHROMIUM, "chromium", INSTALL)
@needs_tool(CHROMEDRIVER, "chromedriver", INSTALL)
def test_a_visitor_reads_the_posts_and_adds_a_comment(app_env, cluster, blog_db, browser, shoot, tmp_path):
    with running_blog(app_env, tmp_path / "server.log") as base:
        browser.get(base + "/")
        WebDriverWait(browser, WAIT).until(ec.presence_of_element_located((By.CSS_SELECTOR, "ul.posts li a")))
        assert browser.title == "Blog"
        assert _texts(browser, "ul.posts li a") == PUBLISHED
        assert "A draft" not in browser.find_element(By.TAG_NAME, "body").text
        shoot("home")

        browser.find_element(By.LINK_TEXT, "Why TLS everywhere").click()
        WebDriverWait(browser, WAIT).until(ec.url_to_be(base + "/posts/why-tls-everywhere"))
        assert browser.find_element(By.CSS_SELECTOR, "article h1").text == "Why TLS everywhere"
        assert len(browser.find_elements(By.CSS_SELECTOR, ".comments .comment")) == SEEDED_TLS_COMMENTS

        # Markup in a comment must come back as text: if the page rendered it, an element would appear.
        body = f"Read it in a browser <b id='injected'>bold</b> at {time.time_ns()}"
        form = browser.find_element(By.CSS_SELECTOR, "section.add-comment form")
        form.find_element(By.NAME, "name").send_keys("Browser Guest")
        form.find_element(By.NAME, "email").send_keys("browser.guest@example.org")
        form.find_element(By.NAME, "body").send_keys(body)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

        # The browser followed the 303 to the post, at the new comment's anchor.
        WebDriverWait(browser, WAIT).until(ec.url_contains("#comment-"))
        path, _, anchor = browser.current_url.removeprefix(base).partition("#")
        assert path == "/posts/why-tls-everywhere"
        assert anchor.removeprefix("comment-").isdigit(), browser.current_url
        new = browser.find_element(By.ID, anchor)
        assert new.find_element(By.CSS_SELECTOR, ".author").text == "Browser Guest"
        assert new.find_element(By.CSS_SELECTOR, ".body").text == body
        assert browser.find_elements(By.ID, "injected") == []
        assert len(browser.find_elements(By.CSS_SELECTOR, ".comments .comment")) == SEEDED_TLS_COMMENTS + 1
        # The address is stored, never shown.
        assert "browser.guest@example.org" not in browser.find_element(By.TAG_NAME, "body").text
        shoot("comment-added")

        browser.get(base + "/")
        WebDriverWait(browser, WAIT).until(ec.presence_of_element_located((By.CSS_SELECTOR, "ul.posts li")))
        assert "(4 comments)" in browser.find_element(By.CSS_SELECTOR, "ul.posts").text
        # The pages need nothing their own policy forbids (an inline script or style would show up here).
        console = [entry["message"] for entry in browser.get_log("browser")]
        assert not [m for m in console if "Content Security Policy" in m], console
    assert _stored(cluster, blog_db, body) == [("why-tls-everywhere", body)]


@contextlib.contextmanager
def _page_elsewhere(html: str):
    """A page served from another port of 127.0.0.1: another origin, but the same site (ports do not count)."""
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            data = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@needs_tool(CHROMIUM, "chromium", INSTALL)
@needs_tool(CHROMEDRIVER, "chromedriver", INSTALL)
@pytest.mark.parametrize("elsewhere, sent", [
    ("data", "cross-site"),       # an opaque origin (Origin: null)
    ("other-port", "same-site"),  # http://127.0.0.1:<another port>: same site, another origin
])
def test_a_page_on_another_origin_cannot_post_a_comment_through_the_browser(app_env, cluster, blog_db, browser,
                                                                            shoot, tmp_path, elsewhere, sent):
    """The blog's own form, auto-submitted from a page that is not the blog: the browser sends Sec-Fetch-Site and
    Origin on its own, and the app refuses the post."""
    body = f"posted from elsewhere {time.time_ns()}"
    with running_blog(app_env, tmp_path / "server.log") as base:
        page = (f"<form method='post' action='{base}/posts/why-tls-everywhere/comments'>"
                "<input name='name' value='Elsewhere'><input name='email' value='elsewhere@example.org'>"
                f"<textarea name='body'>{body}</textarea></form><script>document.forms[0].submit()</script>")
        with contextlib.ExitStack() as stack:
            if elsewhere == "data":
                browser.get("data:text/html;charset=utf-8," + page)
            else:
                browser.get(stack.enter_context(_page_elsewhere(page)))
            WebDriverWait(browser, WAIT).until(ec.url_to_be(base + "/posts/why-tls-everywhere/comments"))
            WebDriverWait(browser, WAIT).until(ec.presence_of_element_located((By.CSS_SELECTOR, "p.error")))
            assert browser.find_element(By.CSS_SELECTOR, "p.error").text == (
                f"cross-site request refused (Sec-Fetch-Site: {sent})")
            shoot(f"refused-from-{elsewhere}")
    assert _stored(cluster, blog_db, body) == []
