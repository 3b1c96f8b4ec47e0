"""Browser tests: Playwright's sync API driving Debian's Chromium against
pytest-django's ``live_server``.

Fixtures:
- ``chromium``: one headless Chromium per module (never ``playwright install``);
- ``page``: a fresh browser context and page on the live server, 375 px wide unless
  a test asks otherwise, that records console errors, page errors and failed or
  refused requests in ``page.problems`` (``assert_no_problems(page)``);
- ``sign_in(page, user)``: signs in through the login form;
- ``screenshot(page, name)``: writes ``test-artifacts/screenshots/<name>.png``.

Mark tests ``@pytest.mark.browser``. The data lives in a real (transactional)
database that the server thread shares; the catalogue loaded by migrations is put
back after each test (serialized rollback)."""

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connections

from ..conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "test-artifacts" / "screenshots"
MOBILE = {"width": 375, "height": 812}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Playwright's sync API keeps an event loop running in this thread while the
    browser is open, so Django would refuse the synchronous (and here safe) ORM
    calls that browser tests, their fixtures and the database teardown make. The
    variable is set around each browser test only (setup to teardown): it must not
    leak into other tests (``check --deploy`` rejects it)."""
    if HERE not in item.path.parents:  # the hook is called for every test
        yield
        return
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module, closed before the next module: while it is
    open, the event loop would stop other tests' database calls."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    # While Playwright runs, this thread has a running event loop, and Django keeps
    # its connections per context instead of per thread: the connections seen from
    # then on are new objects. Give them the database snapshot that serialized
    # rollback restores (taken when the test database was made), and close them
    # before the loop stops so that none is left open.
    snapshots = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, snapshot in snapshots.items():
            connections[alias]._test_serialized_contents = snapshot
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
        connections.close_all()


@pytest.fixture
def browser_settings(settings, live_server):
    """Settings the live server needs: static files straight from the finders and
    cookies over plain http."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    return settings


@pytest.fixture
def page(chromium, live_server, browser_settings, django_db_serialized_rollback):
    context = chromium.new_context(
        base_url=live_server.url, viewport=MOBILE, locale="zh-CN"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = []
    own = urlparse(live_server.url).netloc

    def on_console(message):
        if message.type == "error":
            page.problems.append(f"console: {message.text}")

    def on_response(response):
        if response.status >= 400:
            page.problems.append(f"{response.status}: {response.url}")

    def on_request(request):
        if urlparse(request.url).netloc not in ("", own) and not request.url.startswith(
            "data:"
        ):
            page.problems.append(f"outside request: {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda r: page.problems.append(f"failed: {r.url}"))
    page.on("response", on_response)
    page.on("request", on_request)
    yield page
    context.close()


def assert_no_problems(page):
    assert page.problems == [], page.problems


@pytest.fixture
def sign_in():
    def sign_in(page, user, password=PASSWORD):
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert "/accounts/login/" not in page.url, page.content()[:2000]

    return sign_in


@pytest.fixture
def sign_out():
    def sign_out(page):
        with page.expect_navigation():
            page.click("[data-testid=logout]")

    return sign_out


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        size = page.viewport_size
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        # A full-page capture leaves Chromium's layout viewport stretched, so later
        # clicks land off target; resizing puts the real viewport back.
        page.set_viewport_size({"width": size["width"], "height": size["height"] + 1})
        page.set_viewport_size(size)

    return take
