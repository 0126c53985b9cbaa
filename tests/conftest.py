"""Shared fixtures: databases (SQLite and the machine's real PostgreSQL), trackers."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Dict

import pytest
from sqlalchemy import create_engine, text

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


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


def embedded_env(data: Path, rasa_port: int, action_port: int, pages_port: int,
                 **extra: str) -> Dict[str, str]:
    """The environment of an assistant of a test package's own: its ports, and its
    SQLite databases in ``data``."""
    return {
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
        "PAGES_PORT": str(pages_port),
        "DATABASE_URL": f"sqlite:///{data / 'assistant.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{data / 'tracker.db'}",
        **extra,
    }
