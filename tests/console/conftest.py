"""Fixtures of the staff console's tests (``console``, on SQLite, is in tests/conftest.py)."""
from __future__ import annotations

import pytest

from tests.support.console import Console, make_console


@pytest.fixture
def console_both(databases) -> Console:
    """The console on SQLite and on PostgreSQL, with three users: anna (agent), tove
    (trainer), adam (admin)."""
    return make_console(databases)
