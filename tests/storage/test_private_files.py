"""SQLite databases hold every conversation and the staff accounts: readable by this user
only, whatever the umask (issue 14 item 9: var/*.db were world-readable)."""
import os
import stat

import pytest
from sqlalchemy import text

from bot.storage import database
from bot.storage.database import make_engine


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def open_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_database_and_its_wal_files_are_private(tmp_path):
    path = tmp_path / "data" / "assistant.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        files = [p for p in path.parent.iterdir()]
        assert len(files) >= 2  # the database and its write-ahead log
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    engine.dispose()
    assert mode(path.parent) == 0o700


def test_an_existing_world_readable_database_is_made_private(tmp_path):
    path = tmp_path / "tracker.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o600


def test_the_projects_var_folder_is_made_private(tmp_path, monkeypatch):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    os.chmod(var, 0o755)
    monkeypatch.setattr(database, "VAR_DIR", var)
    make_engine(f"sqlite:///{var / 'assistant.db'}").dispose()
    assert mode(var) == 0o700


def test_the_migration_lock_beside_the_database_is_private(tmp_path):
    from bot.storage.migrate import upgrade

    upgrade(f"sqlite:///{tmp_path / 'assistant.db'}")
    assert {p.name: mode(p) for p in tmp_path.iterdir()} == {p.name: 0o600 for p in tmp_path.iterdir()}
