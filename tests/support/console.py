"""The staff console in a Flask test client: the app on given databases, with three users,
and helpers to sign in and post forms (the fixtures are in tests/conftest.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Optional

from bot.console.databases import Databases
from bot.ops.pages import create_app
from bot.settings import settings
from bot.storage.staff import StaffRepository

PASSWORD = "correct horse battery staple"


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
