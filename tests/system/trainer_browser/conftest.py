"""Browser tests of the trainers' pages: the console app (on a seeded SQLite database and
a copy of the project's data) served in a thread on a port the OS chooses as it binds,
driven by headless Chromium.  Package-scoped, like tests/system/browser, so that Playwright's event loop is gone
before asynchronous tests run."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from werkzeug.serving import make_server

from bot.console.databases import Databases
from bot.ops.pages import create_app
from bot.settings import settings
from bot.storage.staff import StaffRepository
from bot.trainer.project import Project
from tests.support.browsers import debian_chromium, watched_page
from tests.support.databases import create_events_table
from tests.support.trainer_data import copy_project, seed

PASSWORD = "trainer browser test password"


@dataclass
class Served:
    project: Project  # the copy of the project's data the console trains on
    base_url: str


@pytest.fixture(scope="package")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("trainer-browser")
    (root / "project").mkdir()
    project = copy_project(root / "project")
    tracker = f"sqlite:///{root / 'tracker.db'}"
    create_events_table(tracker)
    databases = Databases.open(f"sqlite:///{root / 'assistant.db'}", tracker)
    seed(databases)
    with databases.sessions() as session:
        staff = StaffRepository(session)
        staff.create("tove", PASSWORD, "trainer")
        staff.create("anna", PASSWORD, "agent")
        session.commit()
    app = create_app(settings({"CONSOLE_SECRET_KEY": "browser-" + "y" * 40}), databases)
    app.extensions["trainer"]["project"] = project
    # Port 0: the OS chooses a free port as the server binds it, so no other run can take it.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(project, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    databases.dispose()


@pytest.fixture(scope="package")
def browser():
    with debian_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, served) -> Page:
    with watched_page(browser, 1300, 900) as opened:
        yield opened


def sign_in(page: Page, base_url: str, username: str, target: str = "/console/training/inbox") -> None:
    page.goto(base_url + target)
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
