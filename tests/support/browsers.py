"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by
Playwright (nothing downloads a browser), pages that fail on a JavaScript error, and the
chat widget as a customer sees it."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import List

from playwright.sync_api import Locator, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# The first answer of a fresh server loads the models: give it time.
ANSWER_TIMEOUT_MS = 45_000


@contextlib.contextmanager
def debian_chromium():
    """Playwright driving Debian's /usr/bin/chromium: no test downloads a browser. The
    browser packages of tests/system each open their own, package-scoped, so Playwright's
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


class Chat:
    """The demo page and the widget on it, as a customer sees them."""

    def __init__(self, page: Page, pages_url: str = "", rasa_url: str = "") -> None:
        self.page = page
        self.pages_url = pages_url
        self.rasa_url = rasa_url
        self.dialogs: List[str] = []
        self.errors: List[str] = []
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    # -- navigation

    def goto(self, lang: str = None) -> "Chat":
        url = f"{self.pages_url}/?server={self.rasa_url}" + (f"&lang={lang}" if lang else "")
        self.page.goto(url)
        expect(self.bubble).to_be_visible()
        return self

    def another_tab(self) -> "Chat":
        return Chat(self.page.context.new_page(), self.pages_url, self.rasa_url)

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
        self.wait_for_bot("automated assistant for transactions")

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
