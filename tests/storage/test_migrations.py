"""The project's schema is Alembic's: upgrades are idempotent, safe in parallel, complete."""
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bot.storage import annotations, canned_replies, conversations, staff, tickets  # noqa: F401 (tables)
from bot.storage.database import Base, make_engine
from bot.storage.migrate import current_revision, downgrade, head_revision, upgrade
from bot.storage.tickets import HandoffTicket, NewTicket
from bot.storage.unit_of_work import UnitOfWork
from tests.support.databases import table_names

PROJECT_TABLES = {
    "handoff_tickets", "staff_users", "conversation_summaries", "conversation_tags",
    "conversation_notes", "conversation_reviews", "console_audit",
    "trainer_inbox_decisions",  # 0003_trainer
    "handoff_ticket_details", "handoff_agents",  # 0004_live_handoff
    "canned_replies",  # 0006_canned_replies
    "staff_sessions", "rate_counts",  # 0007_staff_sessions
    "handoff_escalations",  # 0009_handoff_escalations
}


def revision(url):
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return current_revision(connection)
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_and_is_idempotent(database_url):
    upgrade(database_url)
    upgrade(database_url)
    assert table_names(database_url) == PROJECT_TABLES | {"alembic_version"}
    assert revision(database_url) == head_revision()


def test_the_models_match_the_migrations(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_a_database_from_before_migrations_keeps_its_tickets(database_url):
    # What the ticket repository did before there were migrations: create_all.
    engine = make_engine(database_url)
    Base.metadata.create_all(engine, tables=[HandoffTicket.__table__])
    with engine.begin() as connection:
        connection.execute(HandoffTicket.__table__.insert().values(
            conversation_id="old", reason="customer_asked", extracted_values={}, steps_given=[],
            recent_messages=["hello"], language="en", status="open",
            created_at=__import__("datetime").datetime(2024, 1, 1)))
    engine.dispose()
    upgrade(database_url)
    assert revision(database_url) == head_revision()
    with UnitOfWork.for_database(database_url) as uow:
        assert [t.recent_messages for t in uow.tickets.tickets_for("old")] == [["hello"]]


def test_processes_starting_together_migrate_once(database_url):
    failures = []

    def start():
        try:
            upgrade(database_url)
        except Exception as error:  # pragma: no cover - the assertion reports it
            failures.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert revision(database_url) == head_revision()
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


def test_downgrade_and_upgrade_again(database_url):
    upgrade(database_url)
    with UnitOfWork.for_database(database_url) as uow:
        uow.tickets.open_ticket(NewTicket("c", "other", "en"))
    downgrade(database_url, "0001_handoff_tickets")
    assert table_names(database_url) == {"handoff_tickets", "alembic_version"}
    with UnitOfWork.for_database(database_url) as uow:
        assert len(uow.tickets.tickets_for("c")) == 1
    downgrade(database_url, "base")
    assert table_names(database_url) == {"alembic_version"}
    upgrade(database_url)
    assert table_names(database_url) == PROJECT_TABLES | {"alembic_version"}


@pytest.mark.parametrize("command", [["upgrade", "head"], ["current"]])
def test_the_alembic_command_line_works_from_the_project_root(sqlite_url, command):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [str(Path(sys.executable).with_name("alembic")), "-x", f"url={sqlite_url}", *command],
        cwd=root, capture_output=True, text=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
