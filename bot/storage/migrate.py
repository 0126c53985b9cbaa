"""Brings the project's tables up to date with Alembic migrations (bot/storage/migrations).

``upgrade(url)`` runs ``alembic upgrade head`` programmatically.  Every process that
uses the project's tables calls ``ensure_schema(url)`` once at start-up (the pages
process, the Rasa server's tracker store, the action server, the tests); it is
idempotent, and safe when several processes start at once: on PostgreSQL they queue on
an advisory lock, on SQLite on a file lock beside the database file, so one migrates
and the others find the schema at head.

From a shell: ``alembic upgrade head`` (alembic.ini at the project root; the URL is
DATABASE_URL unless ``-x url=...`` is given).
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
from pathlib import Path
from typing import Iterator, Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from bot.storage.database import make_engine

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant 64-bit number, the same in every process of the project.
ADVISORY_LOCK_KEY = 4_631_002_318_772_001


def alembic_config(url: Optional[str] = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        # ConfigParser interpolation: a "%" in a URL (an escaped option) must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> Optional[str]:
    return MigrationContext.configure(connection).get_current_revision()


@contextlib.contextmanager
def _sqlite_file_lock(database: Optional[str]) -> Iterator[None]:
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Empty, but beside the database: private like it (bot/storage/database.py).
    with os.fdopen(os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(url: str, revision: str = "head") -> None:
    """Runs the migrations up to ``revision`` on the database at ``url``."""
    _migrate(url, command.upgrade, revision)


def downgrade(url: str, revision: str) -> None:
    """Undoes migrations down to ``revision`` ("base": all of them)."""
    _migrate(url, command.downgrade, revision)


def _migrate(url: str, step, revision: str) -> None:
    parsed = make_url(url)
    engine = make_engine(url)
    try:
        if parsed.get_backend_name() == "postgresql":
            with engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
                connection.commit()
                try:
                    _run(connection, url, step, revision)
                finally:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                    )
                    connection.commit()
        else:
            with _sqlite_file_lock(parsed.database), engine.connect() as connection:
                _run(connection, url, step, revision)
    finally:
        engine.dispose()


def _run(connection: Connection, url: str, step, revision: str) -> None:
    if step is command.upgrade and revision == "head" and current_revision(connection) == head_revision():
        connection.rollback()
        return
    config = alembic_config(url)
    config.attributes["connection"] = connection
    step(config, revision)
    connection.commit()
    logger.info("Database schema migrated to %s", revision)


@functools.lru_cache(maxsize=None)
def ensure_schema(url: str) -> None:
    """``upgrade(url)`` once per process and URL."""
    upgrade(url)
