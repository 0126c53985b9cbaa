"""The agent inbox and the customer's widget side by side, in headless Chromium, against
the assistant of tests/handoff (package ``live``).  The browser is package-scoped here, so
that Playwright's event loop is gone before the asynchronous tests of tests/handoff run."""
from __future__ import annotations

from typing import List

import pytest

from tests.browser.conftest import debian_chromium


@pytest.fixture(scope="package")
def browser():
    with debian_chromium() as launched:
        yield launched


@pytest.fixture
def pages(browser, live):
    """Two windows: the customer's (the demo page) and the agent's (the console)."""
    contexts = [browser.new_context(viewport={"width": 720, "height": 860}, locale="en-GB")
                for _ in range(2)]
    errors: List[str] = []
    made = []
    for context in contexts:
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        made.append(page)
    yield made
    for context in contexts:
        context.close()
    assert not errors, errors
