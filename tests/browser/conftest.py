"""Browser tests: the real app on a live local server, driven by Chromium through Playwright.

- `live_server` serves the test app (tests/conftest.py's `app`, so the same config and the same
  SQLite/PostgreSQL switch) with the demo trust loaded, on 127.0.0.1 and a free port.
- `browser` is one Chromium per session; `page` is a fresh context and page per test that fails
  the test if the page asks for anything off 127.0.0.1, throws a JavaScript error, or the server
  raises an exception while serving it.
- `assert_accessible(page)` runs axe-core and fails on any serious or critical violation.

These tests never skip: without Chromium they fail and say why. Debian's Chromium is used
(`CHROMIUM` overrides the path); `playwright install` is never needed.
"""

from __future__ import annotations

import os

import threading
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask, got_request_exception

from app.extensions import db
from werkzeug.serving import make_server

LOCAL_HOST = "127.0.0.1"
# Schemes that never touch the network.
LOCAL_SCHEMES = {"data", "blob", "about"}
BLOCKING_IMPACTS = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def live_server(app: Flask, demo) -> Iterator[str]:
    """The test app with the demo trust, served in a background thread; yields the base URL."""
    errors: list[BaseException] = []

    def record(sender: Flask, exception: BaseException, **extra: object) -> None:
        errors.append(exception)

    got_request_exception.connect(record, app)
    server = make_server(LOCAL_HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        got_request_exception.disconnect(record, app)
    assert not thread.is_alive(), "the live server thread did not stop"
    if errors:
        pytest.fail(f"the server raised while serving the test: {errors!r}", pytrace=False)


def _leaves_machine(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return False
    return parts.hostname != LOCAL_HOST


@pytest.fixture
def page(browser, live_server: str):
    """A fresh page at desktop size; the test fails if anything leaves 127.0.0.1."""
    context = browser.new_context(viewport=DESKTOP, base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    off_machine: list[str] = []
    script_errors: list[str] = []

    def watch(request) -> None:  # type: ignore[no-untyped-def]
        if _leaves_machine(request.url):
            off_machine.append(request.url)

    def block(route) -> None:  # type: ignore[no-untyped-def]
        # Recorded by `watch`; aborted here so that nothing actually goes out.
        if _leaves_machine(route.request.url):
            route.abort()
        else:
            route.continue_()

    context.on("request", watch)
    context.route("**/*", block)
    page = context.new_page()
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    # A Content-Security-Policy refusal shows only on the console; it is a defect too.
    page.on(
        "console",
        lambda message: script_errors.append(message.text)
        if message.type == "error" and "Content Security Policy" in message.text
        else None,
    )
    page.off_machine_requests = off_machine  # read by assert_accessible
    try:
        yield page
    finally:
        context.close()
    assert not off_machine, f"requests left 127.0.0.1: {off_machine}"
    assert not script_errors, f"JavaScript errors on the page: {script_errors}"


@pytest.fixture
def sign_in(make_user, test_password: str):  # type: ignore[no-untyped-def]
    """sign_in(page, "lead", departments=[...]) -> the new user, signed in through the form."""

    def go(page, role: str, **kwargs):  # type: ignore[no-untyped-def]
        user = make_user(role, **kwargs)
        email = user.email
        # Reading the user opened a transaction, which on SQLite (outside a request) holds the
        # write lock; end it so the live server can write. Do the same after any database work
        # in a browser test.
        db.session.commit()
        page.goto("/sign-in")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(test_password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/sign-in" not in url)
        return user

    return go


def _describe(violation: dict) -> str:
    nodes = "\n".join(
        f"      {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').strip()}"
        for node in violation["nodes"]
    )
    return f"  {violation['id']} ({violation['impact']}): {violation['help']}\n{nodes}"


@pytest.fixture
def assert_accessible() -> Callable[..., None]:
    """Call as assert_accessible(page): axe-core on the page as it is now; fails on serious or
    critical violations, listing each with its rule id, impact, help text and target nodes."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page) -> None:  # type: ignore[no-untyped-def]
        page.wait_for_load_state("load")  # judge the page as styled and scripted
        off_machine = getattr(page, "off_machine_requests", [])
        assert not off_machine, f"requests left 127.0.0.1: {off_machine}"
        results = axe.run(page)
        blocking = [
            v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS
        ]
        if blocking:
            report = "\n".join(_describe(v) for v in blocking)
            pytest.fail(
                f"axe found {len(blocking)} serious or critical accessibility violation(s) "
                f"on {page.url}:\n{report}",
                pytrace=False,
            )

    return check


@pytest.fixture
def shot() -> Callable[..., None]:
    """shot(page, name): a full-page screenshot NAME.png in the folder QL_SHOTS names, to look
    at a flow as its users see it; nothing when QL_SHOTS is not set."""
    folder = os.environ.get("QL_SHOTS")

    def take(page, name: str) -> None:  # type: ignore[no-untyped-def]
        if folder:
            page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)

    return take
