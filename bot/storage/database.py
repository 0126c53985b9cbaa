"""Engine and session factory for a SQLAlchemy URL (SQLAlchemy 1.4, 2.0-style API)."""
from __future__ import annotations

import functools
import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import declarative_base, sessionmaker

from bot.settings import VAR_DIR

Base = declarative_base()


def _enable_sqlite_wal(dbapi_connection, _record) -> None:
    # The Rasa server and the action server write from two processes; WAL and a
    # busy timeout let them take turns instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def private_sqlite_file(url: str) -> None:
    """A SQLite database (every conversation, staff accounts) readable by this user only:
    the file and its WAL files mode 600, made so before SQLite creates it, and the
    project's var/ folder mode 700 (they were world-readable, issue 14 item 9).  A folder
    elsewhere is the bank's to set; it is only created, private, when missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    path = Path(parsed.database)
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.resolve() == VAR_DIR.resolve():
        folder.chmod(0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if file.exists():
            file.chmod(0o600)


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        private_sqlite_file(url)
        engine = create_engine(url, future=True)
        event.listen(engine, "connect", _enable_sqlite_wal)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


@functools.lru_cache(maxsize=None)
def shared_engine(url: str) -> Engine:
    """This process's engine (a connection pool) for ``url``, made on first use, never at
    import time.  For processes that serve many short requests (the action server, the
    Rasa server's channel): an engine per request would open a new connection, and ask
    the server its version and settings, for every query."""
    return make_engine(url)


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def like_escape(text: str) -> str:
    """``text`` taken literally inside a LIKE pattern written with ``escape="\\"``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
