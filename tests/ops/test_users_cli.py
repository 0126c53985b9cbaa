"""Staff accounts from the command line, the first admin, and the maintenance commands."""
import io
import sys

from sqlalchemy import delete

from bot.ops import manage, users
from bot.console.databases import Databases
from bot.ops.sample_data import Conversation
from bot.storage.conversations import ConversationRepository, ConversationSummary
from bot.storage.events import EVENTS
from bot.storage.staff import StaffRepository
from tests.support import scenarios


def run(monkeypatch, capsys, url, *argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = users.main(["--database-url", url, *argv])
    return code, capsys.readouterr()


def test_create_list_disable(database_url, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, database_url, "create", "Bo", "--role", "trainer",
                    "--password-stdin", stdin="a long password\n")
    assert code == 0 and "Created bo (trainer)." in out.out
    code, out = run(monkeypatch, capsys, database_url, "list")
    assert code == 0 and "bo" in out.out and "trainer" in out.out and "active" in out.out
    code, out = run(monkeypatch, capsys, database_url, "disable", "bo")
    assert code == 0
    code, out = run(monkeypatch, capsys, database_url, "list")
    assert "disabled" in out.out
    code, out = run(monkeypatch, capsys, database_url, "enable", "bo")
    code, out = run(monkeypatch, capsys, database_url, "set-password", "bo", "--password-stdin",
                    stdin="another long one\n")
    assert code == 0
    databases = Databases.open(database_url, database_url)
    with databases.sessions() as session:
        assert StaffRepository(session).authenticate("bo", "another long one") is not None
    databases.dispose()


def test_refusals(sqlite_url, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, sqlite_url, "create", "bo", "--role", "agent",
                    "--password-stdin", stdin="short\n")
    assert code == 2 and "at least 10 characters" in out.err
    code, out = run(monkeypatch, capsys, sqlite_url, "disable", "nobody")
    assert code == 1


def test_the_first_admin_with_a_random_password_printed_once(sqlite_databases):
    out = io.StringIO()
    assert users.ensure_first_admin(sqlite_databases, "", out) == "admin"
    printed = out.getvalue()
    password = printed.split("password\n***     ")[1].split("\n")[0]
    assert len(password) >= 16
    with sqlite_databases.sessions() as session:
        admin = StaffRepository(session).authenticate("admin", password)
        assert admin.role == "admin"
    again = io.StringIO()
    assert users.ensure_first_admin(sqlite_databases, "", again) is None
    assert again.getvalue() == ""


def test_the_first_admin_password_from_the_environment(sqlite_databases):
    out = io.StringIO()
    users.ensure_first_admin(sqlite_databases, "from the environment", out)
    assert "from the environment" not in out.getvalue()
    with sqlite_databases.sessions() as session:
        assert StaffRepository(session).authenticate("admin", "from the environment")


def test_rebuild_summaries_from_the_events(databases):
    conversations = scenarios.seed(databases)
    with databases.sessions() as session, session.begin():
        session.execute(delete(ConversationSummary))
    out = io.StringIO()
    assert manage.rebuild_summaries(databases, out) == len(conversations)
    with databases.sessions() as session:
        assert ConversationRepository(session).get("conv-resolved-en-0001").resolved


def test_mask_events_stored_before_masking(databases):
    import json

    conversation = Conversation("conv-old-unmasked-01")
    conversation.user("my personnummer is 19811218-9876", "request_human", 0.9)
    with databases.tracker.begin() as connection:
        connection.execute(EVENTS.insert(), [
            {"sender_id": conversation.sender_id, "type_name": e["event"], "timestamp": e["timestamp"],
             "data": json.dumps(e)} for e in conversation.events])
    assert manage.mask_stored_events(databases, io.StringIO()) == 1
    with databases.tracker.connect() as connection:
        stored = " ".join(row.data for row in connection.execute(EVENTS.select()))
    assert "9876" not in stored and "[personnummer]" in stored
