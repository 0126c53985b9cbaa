"""Fixtures shared by the test packages: databases (SQLite and the machine's real
PostgreSQL), quick password hashing, the console app; and the ``system`` mark of every
test under tests/system/.  Helpers are plain modules in tests/support/."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.console.databases import Databases
from tests.support.console import Console, make_console
from tests.support.databases import create_events_table

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SYSTEM_TESTS = Path(__file__).resolve().parent / "system"


def pytest_collection_modifyitems(items):
    """A test under tests/system/ is a system test by where it lives, so none can forget
    the mark and slip into `make test-fast` (pytest -m "not system")."""
    for item in items:
        if SYSTEM_TESTS in item.path.parents:
            item.add_marker(pytest.mark.system)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'assistant.db'}"


@pytest.fixture
def postgres_url():
    """A fresh schema in the real PostgreSQL for one test, dropped afterwards.

    PostgreSQL runs on every machine this project is built on, CI included, so a
    connection failure is a failure, not a skip.
    """
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request):
    """Runs a test against both databases the project supports."""
    return request.getfixturevalue(
        "sqlite_url" if request.param == "sqlite" else "postgres_url"
    )


@pytest.fixture
def tracker_url(database_url, tmp_path):
    """SQLite: a file of its own, as in production; PostgreSQL: the same test schema."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}" if database_url.startswith("sqlite") else database_url
    create_events_table(url)
    return url


@pytest.fixture
def databases(database_url, tracker_url):
    opened = Databases.open(database_url, tracker_url)
    yield opened
    opened.dispose()


@pytest.fixture
def sqlite_databases(sqlite_url, tmp_path):
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    create_events_table(tracker)
    opened = Databases.open(sqlite_url, tracker)
    yield opened
    opened.dispose()


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """argon2id with the smallest cost: the production cost (about 0.2 s a hash here) would
    make the tests that create staff users slow without testing anything more."""
    from argon2 import PasswordHasher

    from bot.storage import staff

    monkeypatch.setattr(staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def console(sqlite_databases) -> Console:
    """The console on SQLite with three users: anna (agent), tove (trainer), adam (admin)."""
    return make_console(sqlite_databases)


@pytest.fixture(scope="session")
def aged(tmp_path_factory):
    """Three months of use (tests/support/aged.py), built once per test process; read only."""
    from tests.support.aged import build

    built = build(tmp_path_factory.mktemp("aged"))
    yield built
    built.databases.dispose()
