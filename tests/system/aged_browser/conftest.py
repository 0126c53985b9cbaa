"""Browser tests on an aged database (tests/support/aged.py: three months, 1,400 tickets in
every state, 1,050 open follow-ups): the console app served in a thread on a port the OS
chooses as it binds, driven by headless Chromium.  The database is this package's own, so
the tests may decide and close things in it.  Package-scoped, like the other browser
packages, so Playwright's event loop is gone before asynchronous tests run."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from werkzeug.serving import make_server

from bot.ops.pages import create_app
from bot.settings import settings
from bot.trainer.project import Project
from tests.support.aged import PASSWORD, Aged, build
from tests.support.browsers import debian_chromium, watched_page
from tests.support.trainer_data import copy_project


@dataclass
class Served:
    aged: Aged
    project: Project
    base_url: str


@pytest.fixture(scope="package")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("aged-browser")
    (root / "project").mkdir()
    project = copy_project(root / "project")
    aged = build(root)
    app = create_app(settings({"CONSOLE_SECRET_KEY": "aged-browser-" + "y" * 40}), aged.databases)
    app.extensions["trainer"]["project"] = project
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(aged, project, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    aged.databases.dispose()


@pytest.fixture(scope="package")
def browser():
    with debian_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, served) -> Page:
    with watched_page(browser, 1300, 900) as opened:
        yield opened


def sign_in(page: Page, base_url: str, username: str, target: str) -> None:
    page.goto(base_url + target)
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
