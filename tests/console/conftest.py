"""Fixtures of the staff console: its databases (SQLite and PostgreSQL), the app, users."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Optional

import pytest
from sqlalchemy import create_engine

from bot.console.databases import Databases
from bot.ops.pages import create_app
from bot.settings import settings
from bot.storage.staff import StaffRepository

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """argon2id with the smallest cost: the production cost (about 0.2 s a hash here) would
    make these tests slow without testing anything more."""
    from argon2 import PasswordHasher

    from bot.storage import staff

    monkeypatch.setattr(staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def create_events_table(url: str) -> None:
    """Rasa's own tracker-store table, made by Rasa's own model of it."""
    from rasa.core.tracker_store import SQLTrackerStore

    engine = create_engine(url)
    SQLTrackerStore.Base.metadata.create_all(engine)
    engine.dispose()


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


def add_user(databases: Databases, username: str, role: str, password: str = PASSWORD) -> None:
    with databases.sessions() as session:
        StaffRepository(session).create(username, password, role)
        session.commit()


@dataclass
class Console:
    """The console app with a test client, and helpers to sign in and post forms."""

    app: object
    databases: Databases

    def __post_init__(self) -> None:
        self.client = self.app.test_client()

    def csrf(self) -> str:
        with self.client.session_transaction("/console/") as session:
            token = session.get("csrf_token")
        if token is None:
            page = self.client.get("/console/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return token

    def sign_in(self, username: str, password: str = PASSWORD, next: str = ""):
        token = self.csrf()
        return self.client.post("/console/login", data={
            "username": username, "password": password, "csrf_token": token, "next": next})

    def post(self, url: str, data: Optional[Dict[str, str]] = None, csrf: bool = True):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf()
        return self.client.post(url, data=data)

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def new_client(self) -> "Console":
        return Console(self.app, self.databases)


def make_console(databases: Databases, **env: str) -> Console:
    config = settings({"CONSOLE_SECRET_KEY": "test-secret-" + "x" * 40,
                       "CONSOLE_TIMEZONE": "Europe/Stockholm", **env})
    app = create_app(config, databases)
    app.config["TESTING"] = True
    for username, role in (("anna", "agent"), ("tove", "trainer"), ("adam", "admin")):
        add_user(databases, username, role)
    return Console(app, databases)


@pytest.fixture
def console(sqlite_databases) -> Console:
    """The console on SQLite with three users: anna (agent), tove (trainer), adam (admin)."""
    return make_console(sqlite_databases)


@pytest.fixture
def console_both(databases) -> Console:
    """The same, on SQLite and on PostgreSQL."""
    return make_console(databases)
