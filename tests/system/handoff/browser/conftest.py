"""The agent inbox and the customer's widget side by side, in headless Chromium, against
the assistant of tests/system/handoff (package ``live``).  The browser is package-scoped
here, so that Playwright's event loop is gone before the asynchronous tests of
tests/system/handoff run."""
from __future__ import annotations

import contextlib

import pytest

from tests.support.browsers import debian_chromium, watched_page


@pytest.fixture(scope="package")
def browser():
    with debian_chromium() as launched:
        yield launched


@pytest.fixture
def pages(browser, live):
    """Two windows: the customer's (the demo page) and the agent's (the console)."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(watched_page(browser, 720, 860, 20_000)) for _ in range(2)]
