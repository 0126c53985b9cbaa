"""Fixtures of the trainer's tests: a copy of the project's data (the repository's data
files are never written), a seeded console database, and the console app on them."""
from __future__ import annotations

import pytest

from bot.trainer.project import Project
from tests.support.console import make_console
from tests.support.trainer_data import copy_project, seed


@pytest.fixture
def project(tmp_path) -> Project:
    root = tmp_path / "project"
    root.mkdir()
    return copy_project(root)


@pytest.fixture
def databases(sqlite_databases):
    """The console's databases, on SQLite (tests/conftest.py)."""
    return sqlite_databases


@pytest.fixture
def seeded(databases):
    seed(databases)
    return databases


@pytest.fixture
def console(seeded, project):
    made = make_console(seeded)
    made.app.extensions["trainer"]["project"] = project
    return made
