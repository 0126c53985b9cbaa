"""Browser tests of the chat widget: the real assistant, the demo page, headless Chromium.

The whole assistant (Rasa server, action server, the pages) runs once per test session
on its own ports (5205, 5255, 8280, or free ones if another run holds those) and
temporary SQLite files, so neither `make run` nor the end-to-end tests are disturbed.  The browser is Debian's /usr/bin/chromium driven by
Playwright; nothing downloads a browser.  Without a model or without Chromium the tests
fail (`make test` provides both), they never skip.
"""
from __future__ import annotations

import contextlib

import json
import socket
import sqlite3
import time
from pathlib import Path
from typing import List

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from bot.ops.launcher import MODEL_PATH, Assistant
from tests.conftest import embedded_env



def _port(preferred: int) -> int:
    """The preferred port, or any free one while another test run holds it."""
    for candidate in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("", candidate))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


RASA_PORT = _port(5205)
ACTION_PORT = _port(5255)
PAGES_PORT = _port(8280)
RASA_URL = f"http://localhost:{RASA_PORT}"
PAGES_URL = f"http://localhost:{PAGES_PORT}"
OUTPUT_DIR = Path(__file__).resolve().parents[1] / ".output" / "browser"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# The first answer of a fresh server loads the models: give it time.
ANSWER_TIMEOUT_MS = 45_000


@pytest.fixture(scope="package")
def assistant(tmp_path_factory):
    assert MODEL_PATH.exists(), "no trained model: run `make train` (make test does)"
    data = tmp_path_factory.mktemp("browser")
    env = embedded_env(data, RASA_PORT, ACTION_PORT, PAGES_PORT)
    running = Assistant(env=env, log_dir=OUTPUT_DIR / "logs").start()
    running.tracker_db = data / "tracker.db"
    yield running
    running.stop()


@pytest.fixture
def rasa_server_restored(assistant):
    """For tests that stop the Rasa server: it is running again afterwards, pass or fail."""
    yield assistant
    if assistant.processes["rasa server"].poll() is not None:
        assistant.start_process("rasa server")


@contextlib.contextmanager
def debian_chromium():
    """Playwright driving Debian's /usr/bin/chromium: no test downloads a browser. The
    browser packages of tests/ each open their own, package-scoped, so Playwright's
    event loop is gone before the asynchronous tests of other packages run."""
    assert CHROMIUM.exists(), "no /usr/bin/chromium: run `make browser` (make test does)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextlib.contextmanager
def watched_page(browser, width: int, height: int, timeout_ms: int = 15_000):
    """A page in a fresh browser profile (empty storage); a JavaScript error on it
    fails the test when the page is done with."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    errors: List[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, errors


@pytest.fixture(scope="package")
def browser():
    with debian_chromium() as launched:
        yield launched


@pytest.fixture
def context(browser, assistant):
    """A fresh browser profile per test: empty localStorage, so a new conversation."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def chat(context):
    return Chat(context.new_page())


class Chat:
    """The demo page and the widget on it, as a customer sees them."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: List[str] = []
        self.errors: List[str] = []
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    # -- navigation

    def goto(self, lang: str = None) -> "Chat":
        url = f"{PAGES_URL}/?server={RASA_URL}" + (f"&lang={lang}" if lang else "")
        self.page.goto(url)
        expect(self.bubble).to_be_visible()
        return self

    def another_tab(self) -> "Chat":
        return Chat(self.page.context.new_page())

    # -- the widget's parts (Playwright's CSS locators reach into its open shadow root)

    @property
    def bubble(self) -> Locator:
        return self.page.locator(".ehc-bubble-button")

    @property
    def panel(self) -> Locator:
        return self.page.get_by_role("dialog")

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log")

    @property
    def input(self) -> Locator:
        return self.page.get_by_role("textbox", name="Message")

    @property
    def status(self) -> Locator:
        return self.page.locator(".ehc-status")

    def bot_messages(self) -> Locator:
        return self.log.locator(".ehc-from-bot")

    def user_messages(self) -> Locator:
        return self.log.locator(".ehc-from-user")

    # -- doing things

    def open(self) -> "Chat":
        self.bubble.click()
        expect(self.panel).to_be_visible()
        return self

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def wait_for_bot(self, text: str, timeout: float = ANSWER_TIMEOUT_MS) -> Locator:
        message = self.bot_messages().filter(has_text=text).last
        expect(message).to_be_visible(timeout=timeout)
        return message

    def wait_for_greeting(self) -> None:
        self.wait_for_bot("I help when transactions show")

    def focused(self) -> str:
        """What has the keyboard focus, described (inside the widget's shadow root too)."""
        return self.page.evaluate(
            """() => {
                let el = document.activeElement;
                while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
                if (!el) return '';
                return (el.getAttribute('aria-label') || el.textContent || el.tagName).trim();
            }"""
        )

    def log_texts(self) -> List[str]:
        return self.log.locator(":scope > div:not([hidden])").all_inner_texts()

    def session_id(self) -> str:
        return self.page.evaluate(
            """() => Object.keys(localStorage).filter(k => k.endsWith(':session'))
                     .map(k => localStorage.getItem(k))[0]"""
        )


def user_events(tracker_db: Path, sender_id: str, timeout: float = 30) -> list:
    """The user events Rasa stored for a conversation (what staff see), waiting for them."""
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(tracker_db) as connection:
            rows = connection.execute(
                "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                (sender_id,),
            ).fetchall()
        if rows or time.monotonic() > deadline:
            return [json.loads(row[0]) for row in rows]
        time.sleep(0.5)
