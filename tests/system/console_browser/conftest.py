"""The staff console against the real assistant, in headless Chromium.

The whole assistant (Rasa server, action server, pages process with the console) runs
once for this package on ports the OS chooses as it starts (tests/support/ports.py) and
temporary SQLite files.  Conversations are made through the REST
channel, as customers make them; then staff sign in with the first admin's password
from CONSOLE_ADMIN_PASSWORD.  Package-scoped, like tests/system/browser, so that Playwright's
event loop is gone before asynchronous tests run.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import pytest
from playwright.sync_api import Page, expect

from bot.ops.launcher import Assistant
from tests.support.assistants import TEST_OUTPUT, embedded_env, require_trained_model, running_assistant
from tests.support.browsers import debian_chromium, watched_page
from tests.support.customers import RestCustomer

ADMIN_PASSWORD = "console admin password for tests"
OUTPUT_DIR = TEST_OUTPUT / "console"

# What the customers say: each conversation's messages, in order.
SCRIPTS: Dict[str, List[str]] = {
    "resolved": ["it says account 1930 is not active??", "/affirm"],
    "swedish_escalated": ["Verifikationsserien är inte manuell (F)", "/deny"],
    "not_understood": ["zzkj hhhq wpow", "qqq xxx vvv"],
    "private": ["The period is closed 2024-12-31. I am 19811218-9876, mail anna.svensson@example.com, "
                "call 070-123 45 67", "/request_human"],
}


@dataclass
class Live:
    assistant: Assistant
    data_dir: Path
    senders: Dict[str, str]
    answers: Dict[str, List[list]]
    console_url: str

    @property
    def tracker_db(self) -> Path:
        return self.data_dir / "tracker.db"

    @property
    def project_db(self) -> Path:
        return self.data_dir / "assistant.db"


@pytest.fixture(scope="package")
def live(tmp_path_factory):
    require_trained_model()
    data = tmp_path_factory.mktemp("console")
    secret_key = uuid.uuid4().hex * 2

    def env_for(ports):
        return embedded_env(data, ports, CONSOLE_ADMIN_PASSWORD=ADMIN_PASSWORD,
                            CONSOLE_SECRET_KEY=secret_key)

    with running_assistant(env_for, OUTPUT_DIR / "logs") as (running, ports):
        senders = {name: f"console-{name.replace('_', '-')}-{uuid.uuid4().hex[:12]}" for name in SCRIPTS}
        customers = {name: RestCustomer(ports.rasa_url, senders[name]) for name in SCRIPTS}
        answers = {name: [customers[name].say(message, timeout=60) for message in SCRIPTS[name]]
                   for name in SCRIPTS}
        yield Live(running, data, senders, answers, f"{ports.pages_url}/console")


@pytest.fixture(scope="package")
def browser():
    with debian_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, live) -> Page:
    with watched_page(browser, 1400, 900) as opened:
        yield opened


def sign_in(page: Page, console_url: str, username: str = "admin",
            password: str = ADMIN_PASSWORD) -> None:
    page.goto(f"{console_url}/conversations")
    expect(page).to_have_url(f"{console_url}/login?next=/console/conversations")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
