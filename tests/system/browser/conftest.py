"""Browser tests of the chat widget: the real assistant, the demo page, headless Chromium.

The whole assistant (Rasa server, action server, the pages) runs once per test session
on its own ports (5205, 5255, 8280, or free ones if another run holds those) and
temporary SQLite files, so neither `make run` nor the end-to-end tests are disturbed.  The browser is Debian's /usr/bin/chromium driven by
Playwright; nothing downloads a browser.  Without a model or without Chromium the tests
fail (`make test` provides both), they never skip.
"""
from __future__ import annotations

import pytest

from bot.ops.launcher import Assistant
from tests.support.assistants import TEST_OUTPUT, embedded_env, require_trained_model
from tests.support.browsers import Chat, debian_chromium
from tests.support.ports import free_port

RASA_PORT = free_port(5205)
ACTION_PORT = free_port(5255)
PAGES_PORT = free_port(8280)
RASA_URL = f"http://localhost:{RASA_PORT}"
PAGES_URL = f"http://localhost:{PAGES_PORT}"
OUTPUT_DIR = TEST_OUTPUT / "browser"


@pytest.fixture(scope="package")
def assistant(tmp_path_factory):
    require_trained_model()
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
    return Chat(context.new_page(), PAGES_URL, RASA_URL)
