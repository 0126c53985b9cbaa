"""Browser tests of the chat widget: the real assistant, the demo page, headless Chromium.

The whole assistant (Rasa server, action server, the pages) runs once per test session
on ports the OS chooses as it starts (tests/support/ports.py) and temporary SQLite
files, so neither `make run` nor the end-to-end tests are disturbed.  The browser is Debian's /usr/bin/chromium driven by
Playwright; nothing downloads a browser.  Without a model or without Chromium the tests
fail (`make test` provides both), they never skip.
"""
from __future__ import annotations

import pytest

from tests.support.assistants import TEST_OUTPUT, embedded_env, require_trained_model, running_assistant
from tests.support.browsers import Chat, debian_chromium

OUTPUT_DIR = TEST_OUTPUT / "browser"


@pytest.fixture(scope="package")
def assistant(tmp_path_factory):
    require_trained_model()
    data = tmp_path_factory.mktemp("browser")
    with running_assistant(lambda ports: embedded_env(data, ports), OUTPUT_DIR / "logs") as (running, ports):
        running.tracker_db = data / "tracker.db"
        running.ports = ports
        yield running


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
def chat(context, assistant):
    return Chat(context.new_page(), assistant.ports.pages_url, assistant.ports.rasa_url)
